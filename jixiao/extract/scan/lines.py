"""Ruled lines of a prepared page: masks by morphology, then straight rulings for the lattice.

1. ``line_masks``: long openings of the binary image keep only ink runs longer than any text
   stroke: one mask of horizontal runs, one of vertical runs. A short closing along each mask
   then bridges small breaks (a faint or JPEG-eaten stretch of a ruling, a gap left where a
   seal was taken out) without touching text, because by then the masks hold only long runs.
2. ``mask_rulings``: every connected component of a mask, fitted by least squares to a
   straight centre line (x0, y0, x1, y1) with its thickness, in pixels. A component thicker
   than a ruling (a filled block, two rulings joined by a blob) is cut into thin bands first.
3. ``anchored``: a ruling must touch or cross a ruling of the other direction. Underscores,
   a title's long strokes and text that touched itself into a long run stop short of the
   cell's borders, so they are set aside (``PageLines.loose``) instead of splitting a cell.
4. ``to_points``: pixels / (dpi / 72) for ``lattice.find_tables``, which runs unchanged.
5. After the lattice: ``on_tables`` / ``ruling_mask`` draw the rulings the tables are made of,
   ``text_mask`` takes them off the binary page, and ``dash_strokes`` finds short, solid,
   isolated horizontal bars in what is left: the drawn dashes (—) of "not applicable" cells,
   which OCR never writes. They go to ``assign_text`` as strays; a stroke of 一 or 二 inside a
   word has other ink near it and is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from jixiao.extract.lattice import Segment, Table
from jixiao.extract.pixels import POINTS_PER_INCH, Image, erase, long_runs, odd_px, px, u8, without


class LineOptions(BaseModel):
    """Lengths in points, so that they mean the same at any resolution."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # ink runs at least this long are rulings. Longer than a body-text stroke (a 10 pt 一 is
    # ~9 pt), shorter than the narrowest cell (~20 pt wide, ~18 pt tall in these forms)
    h_kernel_pt: float = 15.0
    v_kernel_pt: float = 12.0
    # breaks up to this long along a ruling are closed
    bridge_pt: float = 3.0
    # a ruling must end within this of a ruling across it (or cross one): see ``anchored``.
    # Cells drawn as separate boxes (a browser's table, scanned) meet a neighbour's double line
    # 1.5-2 pt off; at 1.2 pt their rulings were set aside and rows merged (Chromium-printed
    # forms scanned degraded: 1423/1442 numbers at 1.2, 1490/1513 at 2.0, and one more form read)
    anchor_pt: float = 2.0
    # a ruling with both ends within this many radii of a round seal's centre is the seal's
    # (rings found by shape; see ``inside_rings``)
    ring_slack: float = 1.15
    # a ruling inside a seal that lines up with one outside it, broken where the seal's ring
    # crosses (ring and ruling merge into a blob too thick for a ruling), is the table's:
    # forms-gen s407 h22 (grey page image, 150 dpi): a divider under the ring broken for 8 pt,
    # and the row's target and actual read as one cell
    ring_break_pt: float = 12.0
    # a component thicker than this is not one ruling (a filled block, touching lines), unless
    # it is a thin line at a slant of at most this (rulings left off square after deskewing)
    max_thickness_pt: float = 3.5
    max_slant_degrees: float = 3.0
    # drawn dashes: a solid bar this long, at most this thick, with no other text ink within
    # ``dash_clearance`` of its length to its sides and ``dash_clearance_vertical`` above and
    # below it
    dash_min_pt: float = 3.0
    dash_max_pt: float = 24.0
    dash_max_thickness_pt: float = 1.8
    dash_clearance: float = 0.5
    dash_clearance_vertical: float = 1.0
    # ink allowed in that clearance, as a share of the bar's own (scan noise, JPEG ringing)
    dash_max_ring: float = 0.15


@dataclass(frozen=True)
class LineMasks:
    """Ink = 255 in each: long horizontal runs, long vertical runs."""

    horizontal: NDArray[np.uint8]
    vertical: NDArray[np.uint8]

    def union(self) -> Image:
        return u8(cv2.bitwise_or(self.horizontal, self.vertical))


# x0, y0, x1, y1 in continuous pixel coordinates: pixel [j, i] covers [i, i + 1) x [j, j + 1),
# so a one-pixel line on row j lies at y = j + 0.5 and a run of columns i0..i1 spans [i0, i1 + 1]
PixelSegment = tuple[float, float, float, float]


class Ruling(NamedTuple):
    """A ruling found in a line mask: its centre line (continuous pixels) and its thickness."""

    x0: float
    y0: float
    x1: float
    y1: float
    thickness: float


# ---------------------------------------------------------------- masks


def line_masks(binary: Image, dpi: float, options: LineOptions) -> LineMasks:
    """Long horizontal and vertical ink runs of a binary page (ink = 255)."""
    bridge = odd_px(options.bridge_pt, dpi)
    return LineMasks(
        horizontal=long_runs(binary, odd_px(options.h_kernel_pt, dpi, 3), True, bridge=bridge),
        vertical=long_runs(binary, odd_px(options.v_kernel_pt, dpi, 3), False, bridge=bridge),
    )


def _margin(dpi: float) -> int:
    # a pixel or so more on every side: a ruling's anti-aliased edges must not stay behind as
    # thin slivers of "text"
    return px(0.6, dpi, 1)


def text_mask(binary: Image, rulings: Image, dpi: float) -> Image:
    """The ink that is not ruling: the page's text. ``rulings`` is a mask of the rulings to
    take away (``ruling_mask`` of the table rulings, or ``LineMasks.union()``)."""
    return without(binary, rulings, _margin(dpi))


def erase_lines(grey: Image, rulings: Image, dpi: float) -> Image:
    """A grey copy with the rulings painted over with paper: what a whole-page OCR engine reads
    best (the measurements: 0.69 exact with lines erased, 0.15 with them left in)."""
    return erase(grey, rulings, _margin(dpi))


# ---------------------------------------------------------------- segments


def _bands(rows: NDArray[np.int64]) -> list[tuple[int, int]]:
    """Runs of consecutive row indices, as (first, last)."""
    if len(rows) == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) > 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(rows) - 1]])
    return [(int(rows[s]), int(rows[e])) for s, e in zip(starts, ends, strict=True)]


def _fit(
    xs: NDArray[np.float64], ys: NDArray[np.float64], x0: float, x1: float, thickness: float
) -> Ruling:
    """The least-squares line through pixel centres (xs, ys), from x0 to x1 (continuous)."""
    if xs.max() - xs.min() < 1:
        y = float(ys.mean())
        return Ruling(x0, y, x1, y, thickness)
    b, a = np.polyfit(xs, ys, 1)
    return Ruling(x0, float(a + b * x0), x1, float(a + b * x1), thickness)


def _outline_fit(contour: NDArray[np.int32], left: int, width: int, height: int) -> Ruling:
    """A thin component's ruling from its outline: the outline runs along both long edges,
    so its least-squares line is the component's centre line."""
    pts = contour.reshape(-1, 2).astype(np.float64) + 0.5
    # the outline's area misses half a pixel all round; a tilted line's box is too tall
    thickness = min(float(height), cv2.contourArea(contour) / width + 1.0)
    return _fit(pts[:, 0], pts[:, 1], float(left), float(left + width), thickness)


def _thick_component(
    sub: NDArray[np.bool_], left: int, top: int, thickness: int, length: int
) -> list[Ruling]:
    """Rulings of a component too thick for one: rows covered along most of its width form
    bands (the edges of a filled block, two rulings bridged by a blob); each thin band that is
    long enough is one ruling."""
    full = np.flatnonzero(sub.sum(axis=1) >= 0.6 * sub.shape[1]).astype(np.int64)
    out: list[Ruling] = []
    for first, last in _bands(full):
        if last - first + 1 > thickness:
            continue  # a solid block's interior: not a ruling
        ys, xs = np.nonzero(sub[first : last + 1])
        if xs.max() - xs.min() + 1 >= length:
            x0, x1 = float(left + xs.min()), float(left + xs.max() + 1)
            band = float(last - first + 1)
            centres = (
                (xs + left + 0.5).astype(np.float64),
                (ys + first + top + 0.5).astype(np.float64),
            )
            out.append(_fit(*centres, x0, x1, band))
    return out


def _slanted(sub: NDArray[np.bool_], left: int, top: int, thickness: int, max_slope: float) -> Ruling | None:
    """A thin ruling drawn at a slant, whose box is too tall for one ruling though the line is
    not: ink in nearly every column, no column's ink thicker than a ruling, and every pixel
    close to one straight line of at most ``max_slope``. On a page whose rulings are not
    square to each other (a photo straightened along its long rulings, forms-gen s453 h22: the
    funds block's dividers 0.8 degrees off upright beside level rows) the bands test finds no
    band in them, and three columns merged into one."""
    counts = sub.sum(axis=0)
    if np.count_nonzero(counts) < 0.9 * sub.shape[1] or counts.max() > thickness:
        return None
    ys, xs = np.nonzero(sub)
    slope, at = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)
    if abs(slope) > max_slope or np.abs(ys - (at + slope * xs)).max() > thickness / 2 + 1:
        return None
    band = float(np.median(counts[counts > 0]))
    centres = ((xs + left + 0.5).astype(np.float64), (ys + top + 0.5).astype(np.float64))
    return _fit(*centres, float(left), float(left + sub.shape[1]), band)


def mask_rulings(mask: Image, dpi: float, options: LineOptions, horizontal: bool) -> list[Ruling]:
    """Each connected component of a line mask as a straight ruling, in pixels.

    Outlines (``findContours``) stand for components: on a page-sized mask they cost a tenth
    of a labelling pass."""
    work = mask if horizontal else cv2.transpose(mask)
    length = px(options.h_kernel_pt if horizontal else options.v_kernel_pt, dpi, 3)
    thickness = px(options.max_thickness_pt, dpi, 2)
    contours, _ = cv2.findContours(work, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    found: list[Ruling] = []
    for contour in contours:
        left, top, w, h = cv2.boundingRect(contour)
        if w < length:
            continue
        if h > thickness:
            sub = work[top : top + h, left : left + w] > 0
            slanted = _slanted(sub, left, top, thickness, np.tan(np.radians(options.max_slant_degrees)))
            found.extend([slanted] if slanted else _thick_component(sub, left, top, thickness, length))
        else:
            found.append(_outline_fit(np.asarray(contour, dtype=np.int32), left, w, h))
    if horizontal:
        return found
    return [Ruling(r.y0, r.x0, r.y1, r.x1, r.thickness) for r in found]  # transpose back


# ---------------------------------------------------------------- dashes


def _boxes(mask: Image) -> NDArray[np.int64]:
    """(left, top, width, height, area) of each outer outline of a sparse mask."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return np.zeros((0, 5), dtype=np.int64)
    rects = np.array([cv2.boundingRect(c) for c in contours], dtype=np.int64).reshape(-1, 4)
    integral = cv2.integral(mask // 255, sdepth=cv2.CV_32S)
    x0, y0 = rects[:, 0], rects[:, 1]
    x1, y1 = x0 + rects[:, 2], y0 + rects[:, 3]
    area = integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
    return np.column_stack([rects, area.astype(np.int64)])


def _ink_around(
    integral: NDArray[np.int32],
    left: NDArray[np.int64],
    top: NDArray[np.int64],
    w: NDArray[np.int64],
    h: NDArray[np.int64],
    grow_x: NDArray[np.int64],
    grow_y: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Ink in each box grown by ``grow_x`` left and right and ``grow_y`` up and down (clipped
    to the page), from an integral image (``cv2.integral``: one row and column larger)."""
    height, width = integral.shape[0] - 1, integral.shape[1] - 1
    x0, y0 = np.maximum(0, left - grow_x), np.maximum(0, top - grow_y)
    x1, y1 = np.minimum(width, left + w + grow_x), np.minimum(height, top + h + grow_y)
    return (integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]).astype(
        np.int64
    )


def dash_strokes(text: Image, dpi: float, options: LineOptions) -> list[PixelSegment]:
    """Short solid horizontal bars of the text ink (``text_mask``: rulings removed) with no
    other text ink near them: drawn dashes, as segments with y0 == y1."""
    lo, hi = odd_px(options.dash_min_pt, dpi, 3), px(options.dash_max_pt, dpi)
    thick = px(options.dash_max_thickness_pt, dpi, 2)
    # only ink with a horizontal run of ``lo`` can be a dash: most characters go here, cheaply
    runs = cv2.morphologyEx(
        text, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (lo, 1))
    )
    boxes = _boxes(u8(runs))
    left, top, w, h, area = (boxes[:, i] for i in range(5))
    bar = (w <= hi) & (h <= thick) & (w >= 3 * h) & (area >= 0.6 * w * h)
    if not bar.any():
        return []
    integral = np.asarray(cv2.integral(text // 255, sdepth=cv2.CV_32S), dtype=np.int32)
    # ink in a ring around the bar: inside it the bar's own ragged edge (noise, JPEG); outside
    # it, half its length to the sides and its whole length up and down, where the rest of a
    # character would be (二, 三, a title's 目 whose uprights were taken for rulings)
    pad = np.full(len(w), max(1, thick // 2), dtype=np.int64)
    side = np.maximum(np.ceil(options.dash_clearance * w).astype(np.int64), pad + 1)
    updown = np.maximum(np.ceil(options.dash_clearance_vertical * w).astype(np.int64), pad + 1)
    outer = _ink_around(integral, left, top, w, h, side, updown)
    ring = outer - _ink_around(integral, left, top, w, h, pad, pad)
    lone = bar & (ring <= options.dash_max_ring * area)
    return [
        (float(a), float(b) + c / 2.0, float(a + d), float(b) + c / 2.0)
        for a, b, d, c in zip(left[lone], top[lone], w[lone], h[lone], strict=True)
    ]


# ---------------------------------------------------------------- seals


def inside_rings(
    rulings: Sequence[Ruling], rings: Sequence[tuple[float, float, float]], slack: float
) -> list[bool]:
    """Which rulings lie wholly inside a round seal (both ends within its radius times
    ``slack``): on a grey scan, where colour cannot take the seal out, the straight-ish parts
    of its ring and its characters' strokes. A table ruling under a seal runs on past it."""
    inside: list[bool] = []
    for r in rulings:
        ends = np.array([[r.x0, r.y0], [r.x1, r.y1]])
        inside.append(
            any(
                bool((np.hypot(ends[:, 0] - cx, ends[:, 1] - cy) <= radius * slack).all())
                for cx, cy, radius in rings
            )
        )
    return inside


def _ends_on(r: Ruling, across: NDArray[np.float64], horizontal: bool, tol: float) -> bool:
    """Whether both ends of ``r`` stop on rulings across it (``_axis_rows`` of the other
    direction): a cell divider between two rulings, as a seal's strokes rarely are."""
    pos = (r.y0 + r.y1) / 2 if horizontal else (r.x0 + r.x1) / 2
    start, end = (r.x0, r.x1) if horizontal else (r.y0, r.y1)
    crossing = (across[:, 1] - tol <= pos) & (pos <= across[:, 2] + tol)
    at = across[crossing, 0]
    return bool((np.abs(at - start) <= tol).any() and (np.abs(at - end) <= tol).any())


def _continues(r: Ruling, same: NDArray[np.float64], across: NDArray[np.float64], horizontal: bool,
               tol: float, gap: float) -> bool:
    """Whether ``r`` carries on a ruling of its own direction (``same``) that it lines up with,
    across a break of at most ``gap``, and its far end stops on a ruling across it: a divider
    broken where a seal's ring crosses it (the ring and the divider merge into one blob too
    thick to be a ruling), whose rest lies inside the seal."""
    pos = (r.y0 + r.y1) / 2 if horizontal else (r.x0 + r.x1) / 2
    start, end = (r.x0, r.x1) if horizontal else (r.y0, r.y1)
    line = same[np.abs(same[:, 0] - pos) <= tol]
    crossing = across[(across[:, 1] - tol <= pos) & (pos <= across[:, 2] + tol), 0]
    before = ((line[:, 2] <= start + tol) & (start - line[:, 2] <= gap)).any()
    after = ((line[:, 1] >= end - tol) & (line[:, 1] - end <= gap)).any()
    return bool((before and (np.abs(crossing - end) <= tol).any())
                or (after and (np.abs(crossing - start) <= tol).any()))


def seal_strokes(
    h: Sequence[Ruling],
    v: Sequence[Ruling],
    rings: Sequence[tuple[float, float, float]],
    slack: float,
    tol: float,
    gap: float = 0.0,
) -> tuple[list[bool], list[bool]]:
    """Rulings inside a round seal that are the seal's: wholly inside it, and neither a divider
    whose two ends stop on rulings that run on out of the seal (a one-row table under a seal
    keeps its dividers) nor the rest of a ruling from outside the seal, broken by its ring
    (``_continues``, breaks up to ``gap``)."""
    in_h, in_v = inside_rings(h, rings, slack), inside_rings(v, rings, slack)
    out_h = _axis_rows([r for r, inside in zip(h, in_h, strict=True) if not inside], True)
    out_v = _axis_rows([r for r, inside in zip(v, in_v, strict=True) if not inside], False)
    seal_h = [i and not (_ends_on(r, out_v, True, tol) or _continues(r, out_h, out_v, True, tol, gap))
              for r, i in zip(h, in_h, strict=True)]
    seal_v = [i and not (_ends_on(r, out_h, False, tol) or _continues(r, out_v, out_h, False, tol, gap))
              for r, i in zip(v, in_v, strict=True)]
    return seal_h, seal_v


# ---------------------------------------------------------------- anchoring


def _axis_rows(rulings: Sequence[Ruling], horizontal: bool) -> NDArray[np.float64]:
    """(position across, start, end) of each ruling, as rows of an (n, 3) array."""
    rows = [
        ((r.y0 + r.y1) / 2, r.x0, r.x1) if horizontal else ((r.x0 + r.x1) / 2, r.y0, r.y1)
        for r in rulings
    ]
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


def _meets(a: NDArray[np.float64], b: NDArray[np.float64], tol: float) -> NDArray[np.bool_]:
    """[i, j]: ruling i of one direction touches or crosses ruling j of the other."""
    along = (b[None, :, 0] >= a[:, None, 1] - tol) & (b[None, :, 0] <= a[:, None, 2] + tol)
    across = (a[:, None, 0] >= b[None, :, 1] - tol) & (a[:, None, 0] <= b[None, :, 2] + tol)
    return along & across


def _extend_collinear(
    lines: NDArray[np.float64], ok: NDArray[np.bool_], snap: float, gap: float
) -> NDArray[np.bool_]:
    """Also anchor pieces of a broken ruling that continue an anchored piece across a gap."""
    same = np.abs(lines[:, None, 0] - lines[None, :, 0]) <= snap
    near = (lines[:, None, 1] <= lines[None, :, 2] + gap) & (
        lines[None, :, 1] <= lines[:, None, 2] + gap
    )
    link = same & near
    for _ in range(len(lines)):
        grown = ok | (link & ok[None, :]).any(axis=1)
        if (grown == ok).all():
            break
        ok = grown
    return ok


def anchored(
    h: Sequence[Ruling], v: Sequence[Ruling], tol: float, gap: float
) -> tuple[list[bool], list[bool]]:
    """Which rulings touch or cross a ruling of the other direction (within ``tol`` pixels),
    directly or through collinear pieces of their own line no more than ``gap`` apart.

    A table's rulings all meet others at their junctions; an underscore in a cell, a long
    stroke of a title character or a dash stops short of the cell's borders by the cell's
    padding, so it meets nothing and is not passed to the lattice (which would otherwise join
    it to the table when it stops within its join tolerance, and split the cell in two)."""
    hr, vr = _axis_rows(h, True), _axis_rows(v, False)
    if len(hr) == 0 or len(vr) == 0:
        return [False] * len(hr), [False] * len(vr)
    meets = _meets(hr, vr, tol)
    h_ok = _extend_collinear(hr, np.asarray(meets.any(axis=1)), tol, gap)
    v_ok = _extend_collinear(vr, np.asarray(meets.any(axis=0)), tol, gap)
    return h_ok.tolist(), v_ok.tolist()


# ---------------------------------------------------------------- rulings of tables


def on_tables(
    rulings: Sequence[Ruling], tables: Sequence[Table], scale: float, tol: float
) -> list[bool]:
    """Which rulings lie on an edge of a table (within ``tol`` points) inside its box: the
    rulings the lattice used. The rest (underscores, a title's strokes, text touching itself
    into a long run) are text."""
    kept: list[bool] = []
    for r in rulings:
        x0, y0, x1, y1 = (v / scale for v in r[:4])
        horizontal = abs(x1 - x0) >= abs(y1 - y0)
        pos, lo, hi = ((y0 + y1) / 2, x0, x1) if horizontal else ((x0 + x1) / 2, y0, y1)
        kept.append(any(_on_table(t, horizontal, pos, lo, hi, tol) for t in tables))
    return kept


def _on_table(t: Table, horizontal: bool, pos: float, lo: float, hi: float, tol: float) -> bool:
    edges = t.row_edges if horizontal else t.col_edges
    start, end = (t.box.x0, t.box.x1) if horizontal else (t.box.y0, t.box.y1)
    on_edge = any(abs(pos - e) <= tol for e in edges)
    return on_edge and lo <= end + tol and hi >= start - tol


def ruling_mask(rulings: Sequence[Ruling], shape: tuple[int, int]) -> Image:
    """The rulings drawn as lines of their own thickness (ink = 255)."""
    mask = np.zeros(shape, dtype=np.uint8)
    for x0, y0, x1, y1, thickness in rulings:
        # cv2.line joins pixel centres: the first and last pixel of the run, on its centre line
        if abs(x1 - x0) >= abs(y1 - y0):
            a, b = (round(x0), round(y0 - 0.5)), (round(x1 - 1), round(y1 - 0.5))
        else:
            a, b = (round(x0 - 0.5), round(y0)), (round(x1 - 0.5), round(y1 - 1))
        cv2.line(mask, a, b, 255, max(1, int(np.ceil(thickness))), cv2.LINE_8)
    return mask


# ---------------------------------------------------------------- points


def to_points(segments: Sequence[PixelSegment | Ruling], dpi: float) -> list[Segment]:
    """Pixel segments as page points (pixels / (dpi / 72)), origin unchanged (top-left)."""
    # nothing else: continuous pixel coordinates divide straight into points
    s = POINTS_PER_INCH / dpi
    return [Segment(g[0] * s, g[1] * s, g[2] * s, g[3] * s) for g in segments]


@dataclass(frozen=True)
class PageLines:
    """A prepared page's line masks and the rulings fitted to them, in pixels."""

    masks: LineMasks
    horizontal: list[Ruling]
    vertical: list[Ruling]
    # long runs that meet no ruling across them (underscores, a title's strokes) and runs
    # wholly inside a round seal
    loose: list[Ruling]


def find_lines(
    binary: Image,
    dpi: float,
    options: LineOptions | None = None,
    rings: Sequence[tuple[float, float, float]] = (),
) -> PageLines:
    """Rulings (fitted to the long runs of ink) of a binary, upright, level page. ``rings``
    are round seals found by shape (``prepare.seal_rings``): their strokes (``seal_strokes``)
    are set aside with the loose runs."""
    options = options or LineOptions()
    masks = line_masks(binary, dpi, options)
    found_h = mask_rulings(masks.horizontal, dpi, options, True)
    found_v = mask_rulings(masks.vertical, dpi, options, False)
    tol = px(options.anchor_pt, dpi)
    in_h, in_v = seal_strokes(found_h, found_v, rings, options.ring_slack, tol, px(options.ring_break_pt, dpi))
    h = [r for r, inside in zip(found_h, in_h, strict=True) if not inside]
    v = [r for r, inside in zip(found_v, in_v, strict=True) if not inside]
    h_ok, v_ok = anchored(h, v, tol, px(options.bridge_pt, dpi) * 2)
    sealed = [r for r, inside in zip(found_h + found_v, in_h + in_v, strict=True) if inside]
    return PageLines(
        masks=masks,
        horizontal=[r for r, ok in zip(h, h_ok, strict=True) if ok],
        vertical=[r for r, ok in zip(v, v_ok, strict=True) if ok],
        loose=[r for r, ok in zip(h + v, h_ok + v_ok, strict=True) if not ok] + sealed,
    )
