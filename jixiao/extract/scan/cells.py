"""Where the text lines are inside a cell (or any region) of a prepared page, from its ink alone.

With the grid known, a cell's text need not be found by a text detector run over the page: the
cell's ink (the binary page without the table's rulings) shows its lines directly. Its rows of
ink form bands; a band thinner than a character is a stroke of one (the bars of 二 and 三) and
joins the band next to it; a band about one character high is a line, cut into pieces where a
gap as wide as two characters or more opens (two fields on one line). A band much taller than
a character is no line (two lines touching, a seal's strokes, a drawing): ``text_lines`` then
answers None and the caller runs the detector inside that region instead.

Text outside every table (title, unit and date lines, notes) is found the same way, block by
block: ``text_blocks`` joins the ink into blocks first, so that text standing side by side at
different heights is not taken for one tall band.

Everything here is in pixels of the binary image handed in (the working resolution).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict

from jixiao.extract.pixels import Image, PixelBox, despeckle, odd, runs


class LineFindOptions(BaseModel):
    """Lengths are shares of the page's character height (``pixels.glyph_height``), so that
    they hold at any font size and resolution."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # ink components smaller than this share of a character's square are specks (scan noise):
    # left out of the search for lines, never out of the crop that is read. A decimal point is
    # about 0.01 of it, a comma or 、 0.02-0.04: they are kept, and so count for a piece's extent
    # (a line-end ；or ， outside its piece's box was cut off: 12 such losses on 10 fixture scans)
    speck: float = 0.012
    # a line or piece must hold a component at least this share of a character's square: ink
    # that is all smaller (a stray dot in an empty cell, read as 國 or p) is no text
    stray: float = 0.05
    # a band thinner than this is a stroke of a character (二 三: a bar is ~0.1 of the height,
    # the gap between bars ~0.3), joined to its nearer neighbour when the gap is at most
    # ``stroke_gap``; a line of text is ~0.8-1.1 of it
    thin_band: float = 0.45
    stroke_gap: float = 0.55
    # a band taller than this is not one line of text: two lines touching, a larger title's
    # line is ~1.7 at most (18 pt against 10.5 pt body text), two lines at least ~2.1
    max_band: float = 1.9
    # a gap at least this wide inside a line parts two pieces (fields): assign_text then puts a
    # space between them. Letter-spaced labels (项  目  名  称, ~1 character apart) stay whole
    piece_gap: float = 2.0
    # a cell whose one line is one bar thinner than ``dash_height`` and at most ``dash_width``
    # characters wide is a drawn dash, not text: a faint dash the dash stage missed, sent to the
    # recogniser, came back as p (0.49) in an empty score cell. A dash is one stroke (0.5-1 pt,
    # under 0.1 of a 10.5 pt character); = is two with a gap, which the smoothed working ink
    # joins into one band of ~0.35: at 0.45 (``thin_band``) the fixture scans' = cells read —
    dash_height: float = 0.25
    dash_width: float = 3.0
    # outside tables: ink this close (across, along the line) belongs to one block of text
    block_gap_x: float = 2.0
    block_gap_y: float = 0.35


@dataclass(frozen=True)
class LineBox:
    """One piece of a text line: its box in the region's pixels, and the line it is on."""

    x0: int
    y0: int
    x1: int
    y1: int
    line: int

    def shifted(self, dx: int, dy: int) -> LineBox:
        return LineBox(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy, self.line)

    @property
    def box(self) -> PixelBox:
        return self.x0, self.y0, self.x1, self.y1


def _join_strokes(bands: list[tuple[int, int]], glyph: float, options: LineFindOptions) -> list[tuple[int, int]]:
    """Bands thinner than a character joined to the nearer neighbour within ``stroke_gap``."""
    bands = list(bands)
    changed = True
    while changed and len(bands) > 1:
        changed = False
        for i, (a, b) in enumerate(bands):
            if b - a >= options.thin_band * glyph:
                continue
            gaps = []
            if i > 0:
                gaps.append((a - bands[i - 1][1], i - 1))
            if i + 1 < len(bands):
                gaps.append((bands[i + 1][0] - b, i + 1))
            gap, j = min(gaps)
            if gap > options.stroke_gap * glyph:
                continue
            lo, hi = min(i, j), max(i, j)
            bands[lo:hi + 1] = [(bands[lo][0], bands[hi][1])]
            changed = True
            break
    return bands


def text_lines(ink: Image, glyph: float, options: LineFindOptions) -> list[LineBox] | None:
    """The pieces of text lines in ``ink`` (255 = ink), top to bottom, left to right; [] when
    it holds no text, None when its ink is not plain lines of text (see the module docstring)."""
    if ink.size == 0 or glyph <= 0:
        return []
    clean = despeckle(ink, max(2, round(options.speck * glyph * glyph)))
    solid = despeckle(clean, max(2, round(options.stray * glyph * glyph)))
    if not solid.any():
        return []
    rows = np.asarray(clean.any(axis=1))
    # bands of specks alone are dropped, after a thin one (a comma's tail) has joined its line
    bands = [(a, b) for a, b in _join_strokes(runs(rows), glyph, options) if solid[a:b].any()]
    pieces: list[LineBox] = []
    for k, (top, bottom) in enumerate(bands):
        if bottom - top > options.max_band * glyph:
            return None
        band = clean[top:bottom]
        cols = runs(np.asarray(band.any(axis=0)))
        merged: list[list[int]] = []
        for a, b in cols:
            if merged and a - merged[-1][1] < options.piece_gap * glyph:
                merged[-1][1] = b
            else:
                merged.append([a, b])
        for a, b in merged:
            if not solid[top:bottom, a:b].any():
                continue  # specks apart from the text
            inked = runs(np.asarray(band[:, a:b].any(axis=1)))
            pieces.append(LineBox(a, top + inked[0][0], b, top + inked[-1][1], k))
    return pieces


def is_dash(ink: Image, lines: list[LineBox], glyph: float, options: LineFindOptions) -> bool:
    """The lines of a region (found in ``ink``) are one bar, a dash's shape: thinner than
    ``dash_height``, no wider than ``dash_width`` characters, and one run of inked rows (= is
    two bars with paper between them, and stays a mark)."""
    if len(lines) != 1:
        return False
    (bar,) = lines
    if bar.y1 - bar.y0 >= options.dash_height * glyph or bar.x1 - bar.x0 > options.dash_width * glyph:
        return False
    return len(runs(np.asarray(ink[bar.y0:bar.y1, bar.x0:bar.x1].any(axis=1)))) == 1


def text_blocks(ink: Image, glyph: float, options: LineFindOptions) -> list[PixelBox]:
    """Boxes of the blocks of text in ``ink``: ink joined across gaps narrower than
    ``block_gap_x`` characters along a line and ``block_gap_y`` between lines."""
    if ink.size == 0 or glyph <= 0 or not ink.any():
        return []
    clean = despeckle(ink, max(2, round(options.speck * glyph * glyph)))
    gx, gy = odd(max(1, round(options.block_gap_x * glyph))), odd(max(1, round(options.block_gap_y * glyph)))
    # closed with a margin of paper round it: at the image's edge OpenCV's closing would keep
    # the dilation's growth (its erosion sees the border as ink)
    padded = cv2.copyMakeBorder(clean, gy, gy, gx, gx, cv2.BORDER_CONSTANT, value=0)
    joined = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gx, gy)))
    joined = np.ascontiguousarray(joined[gy:-gy, gx:-gx])
    _n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    boxes = [(x, y, x + w, y + h) for x, y, w, h, _ in stats[1:].tolist()]
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def glyph_or(measured: float, dpi: float, default_pt: float = 10.5) -> float:
    """The page's measured character height, or a body-text size's when it measured none."""
    return measured if measured > 0 else default_pt * dpi / 72.0


def is_empty(ink: Image, min_pixels: int) -> bool:
    return int(np.count_nonzero(ink)) < min_pixels
