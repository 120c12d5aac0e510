"""How readable a page is under each quarter turn: the OCR check ``orient`` asks when its geometry
is unsure, or proposes a turn.

The widest runs of text on the page as it stands are cropped once, and the crops themselves are
turned: a 180 degree turn of a line's crop is that line's crop on the page turned by 180, and a
quarter turn of a line running down the page is the line across the page turned by 90. Every
turn compared is read in rounds of a few lines, all turns in one batched call to the
recogniser, until one turn's mean confidence is clearly ahead (``orient.lines_to_read``). Upside
down, or on its side, a page offers the recogniser either no lines across it or lines it reads
as nonsense with low confidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np

from jixiao.extract.pixels import Image, px, u8
from jixiao.extract.scan.orient import (
    OrientationCheck,
    OrientOptions,
    lines_to_read,
    page_text,
    reduced,
    text_line_blobs,
)
from jixiao.extract.scan.state import count
from jixiao.extract.scan.transform import turn_image

ReadLines = Callable[[Sequence[Image]], list[tuple[str, float]]]


class _PageLines:
    """One page's text-line crops (found once per axis) and the confidences read of each turn."""

    def __init__(self, grey: Image, dpi: float, options: OrientOptions) -> None:
        self.grey, self.dpi, self.options = grey, dpi, options
        _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
        self.small, self.small_dpi = reduced(u8(binary), dpi, options.work_dpi)
        self.text = page_text(self.small, self.small_dpi, options)
        self._crops: dict[bool, list[Image]] = {}
        self.read: dict[int, list[float]] = {}

    def crops(self, turn: int) -> list[Image]:
        """The crops of the lines that run across the page once it is turned by ``turn``,
        turned with it, widest first: lines across for 0 and 180, down for 90 and 270."""
        across = turn % 180 == 0
        if across not in self._crops:
            self._crops[across] = line_crops(self.grey, self.text, self.dpi, self.small_dpi, self.options,
                                             across, self.options.check_lines)
        return [turn_image(c, turn) for c in self._crops[across]] if turn else self._crops[across]


def readability_check(read_lines: ReadLines, dpi: float, options: OrientOptions | None = None) -> OrientationCheck:
    """An ``OrientationCheck`` for one page at ``dpi``: the mean confidence of ``read_lines`` on
    the page's widest text lines under each turn (0 for a turn that shows none)."""
    options = options or OrientOptions()
    # the page as it stands is read by the quarter-turn test and again by the upside-down test
    # when neither turned nor levelled it: the same array, its lines read once
    seen: list[_PageLines] = []  # the check lives for one page

    def check(grey: Image, turns: Sequence[int]) -> dict[int, float]:
        page = next((p for p in seen if p.grey is grey), None)
        if page is None:
            page = _PageLines(grey, dpi, options)
            seen.append(page)
        crops = {t: page.crops(t) for t in turns}
        read = {t: page.read.setdefault(t, []) for t in turns}
        while upto := lines_to_read(read, {t: len(crops[t]) - len(read[t]) for t in turns}, options):
            batch = [(t, c) for t in turns for c in crops[t][len(read[t]) : upto]]
            count("orientation checks read")
            count("orientation lines read", len(batch))
            for (t, _), (text, conf) in zip(batch, read_lines([c for _, c in batch]), strict=True):
                read[t].append(conf if text.strip() else 0.0)
        return {t: float(np.mean(v)) if v else 0.0 for t, v in read.items()}

    return check


def line_crops(grey: Image, text: Image, dpi: float, small_dpi: float, options: OrientOptions,
               across: bool, lines: int) -> list[Image]:
    """Crops of ``grey`` (at ``dpi``) round the ``lines`` longest text lines of ``text`` (the
    page's non-ruling ink at ``small_dpi``) that run across the page, or down it, each cut to
    its first ``check_aspect`` line heights."""
    # smeared only across the gaps between characters: pieces of text inside one cell, since
    # lines joined across cells (text, ruling, text) read poorly either way up
    blobs = text_line_blobs(text, small_dpi, options, across, options.smear_pt)
    if len(blobs) == 0:
        return []
    along = blobs[:, cv2.CC_STAT_WIDTH if across else cv2.CC_STAT_HEIGHT]
    longest = blobs[np.argsort(-along, kind="stable")[:lines]]
    factor, pad = dpi / small_dpi, px(2.0, dpi)
    h, w = grey.shape[:2]
    crops = []
    for x, y, bw, bh, _ in longest:
        x0, y0 = max(int(x * factor) - pad, 0), max(int(y * factor) - pad, 0)
        x1, y1 = min(int((x + bw) * factor) + pad, w), min(int((y + bh) * factor) + pad, h)
        if across:  # the line's first ``check_aspect`` heights: the recogniser's cost is its width
            x1 = min(x1, x0 + int(options.check_aspect * (y1 - y0)))
        else:
            y1 = min(y1, y0 + int(options.check_aspect * (x1 - x0)))
        crops.append(np.ascontiguousarray(grey[y0:y1, x0:x1]))
    return crops
