"""How readable a page is as it stands: the OCR check ``orient`` asks when its geometry is unsure.

The widest runs of text across the page are cropped and given to a recogniser; the mean
confidence of its readings is the score. Upside down, or on its side, a page offers the
recogniser either no lines across it or lines it reads as nonsense with low confidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np

from jixiao.extract.pixels import Image, px, u8
from jixiao.extract.scan.orient import (
    OrientationCheck,
    OrientOptions,
    page_text,
    reduced,
    text_line_blobs,
)
from jixiao.extract.scan.state import count

ReadLines = Callable[[Sequence[Image]], list[tuple[str, float]]]


def readability_check(read_lines: ReadLines, dpi: float, options: OrientOptions | None = None,
                      lines: int = 16) -> OrientationCheck:
    """An ``OrientationCheck`` for pages at ``dpi``: the mean confidence of ``read_lines`` on the
    ``lines`` widest text lines (0 when the page shows none across it)."""
    options = options or OrientOptions()
    # the page as it stands is scored by the quarter-turn test and again by the upside-down
    # test when neither turned nor levelled it: the same array, read once
    seen: list[tuple[Image, float]] = []  # the check lives for one page

    def check(grey: Image) -> float:
        for page, score in seen:
            if page is grey:
                return score
        crops = line_crops(grey, dpi, options, lines)
        count("orientation checks read")
        score = float(np.mean([conf if text.strip() else 0.0 for text, conf in read_lines(crops)])) if crops else 0.0
        seen.append((grey, score))
        return score

    return check


def line_crops(grey: Image, dpi: float, options: OrientOptions, lines: int) -> list[Image]:
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    small, small_dpi = reduced(u8(binary), dpi, options.work_dpi)
    # smeared only across the gaps between characters: pieces of text inside one cell, since
    # lines joined across cells (text, ruling, text) read poorly either way up
    blobs = text_line_blobs(page_text(small, small_dpi, options), small_dpi, options, True,
                            options.smear_pt)
    if len(blobs) == 0:
        return []
    widest = blobs[np.argsort(-blobs[:, cv2.CC_STAT_WIDTH])[:lines]]
    factor, pad = dpi / small_dpi, px(2.0, dpi)
    h, w = grey.shape[:2]
    crops = []
    for x, y, bw, bh, _ in widest:
        x0, y0 = max(int(x * factor) - pad, 0), max(int(y * factor) - pad, 0)
        x1, y1 = min(int((x + bw) * factor) + pad, w), min(int((y + bh) * factor) + pad, h)
        crops.append(np.ascontiguousarray(grey[y0:y1, x0:x1]))
    return crops
