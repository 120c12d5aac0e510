"""Ruled tables from ruling segments: the geometry shared by the text-PDF and the scan paths.

Input is plain segments in page points (origin top-left), whatever drew them: a text PDF's lines
and rectangle sides, or line fragments found in a scan's pixels. Nothing here knows about PDFs or
images, so both paths get the same tables from the same rulings.

The steps, each a small function:

1. ``split_segments``: keep near-horizontal and near-vertical segments, as (position, start, end).
2. ``_components``: segments that touch or cross form one table; separate tables never touch.
3. ``_cluster``: positions within ``snap_tolerance`` are one ruling (double lines, a scan's
   wobble, a 0.5 pt rectangle drawn as a line).
4. The clustered x's and y's give an atomic grid. For each boundary between two neighbouring atomic
   cells, ``_covered`` asks whether rulings cover at least ``min_coverage`` of it: a broken or
   faint line still separates, a line that is absent merges.
5. Union-find joins atomic cells across absent boundaries; a union that is not a rectangle (noise)
   is cut back into rectangles; grid lines that separate nothing are removed.
6. A table needs two rows of rulings, two columns of rulings and two cells. Anything less (a box
   around a title, a checkbox, underlines) is dropped, and its segments are returned as
   ``strays`` so that a short stroke inside a cell can be recognised as a dash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from jixiao.grid import Box

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class Segment(NamedTuple):
    """A ruling from (x0, y0) to (x1, y1), page points, origin top-left."""

    x0: float
    y0: float
    x1: float
    y1: float


class LatticeOptions(BaseModel):
    """Tolerances, in page points unless named a ratio. Scans may want larger ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # positions this close are one ruling: double lines, wobble, a line drawn as a thin rectangle
    snap_tolerance: float = 3.0
    # a segment may stop this short of (or run this far past) the segment it meets
    join_tolerance: float = 3.0
    # share of a boundary that rulings must cover to keep two cells apart
    min_coverage: float = 0.5
    # shorter segments are specks (dots, text strokes), not rulings
    min_length: float = 2.0
    # |dy/dx| above which a segment is a diagonal (a 斜线表头 header), not a ruling; ~2 degrees
    max_slope: float = 0.035
    # horizontal rulings that reach this far past the outermost vertical one (and vice versa)
    # mark an open side: the table has no border there, so an edge is added where they end
    open_side_min: float = 8.0
    # a boundary whose rulings cover a share strictly between these is half-ruled: a drawn or
    # printed table rules a boundary whole or not at all (a faint scan's broken line still
    # covers most of it), while a ruling that bows off its row or column (a photographed page
    # that did not flatten) covers it in part. Cells on such a boundary are ``Table.half_ruled``
    half_ruled: tuple[float, float] = (0.15, 0.85)


class TableCell(NamedTuple):
    row: int
    col: int
    row_span: int
    col_span: int
    box: Box


@dataclass(frozen=True)
class Table:
    """One ruled table: its edges and its (possibly merged) cells, row-major."""

    box: Box
    col_edges: list[float]
    row_edges: list[float]
    cells: list[TableCell]
    # indices of the cells with a half-ruled side or inner boundary (``LatticeOptions.half_ruled``):
    # where the table's rulings do not close, so that what is read there may be another cell's
    half_ruled: frozenset[int] = frozenset()

    @property
    def n_rows(self) -> int:
        return len(self.row_edges) - 1

    @property
    def n_cols(self) -> int:
        return len(self.col_edges) - 1


@dataclass(frozen=True)
class Lattice:
    tables: list[Table]
    # segments of dropped components, normalised; a short one inside a cell may be a dash
    strays: list[Segment]


# rise, in points, that any segment may have whatever its length (pixel rounding of short strokes)
_FLAT = 0.5

# A normalised ruling: position across it, then start and end along it. Rows of an (n, 3) array.
POS, START, END = 0, 1, 2


def split_segments(
    segments: Iterable[Segment], options: LatticeOptions
) -> tuple[FloatArray, FloatArray]:
    """Horizontal and vertical rulings as (n, 3) arrays of (position, start, end)."""
    horizontal: list[tuple[float, float, float]] = []
    vertical: list[tuple[float, float, float]] = []
    for x0, y0, x1, y1 in segments:
        dx, dy = abs(x1 - x0), abs(y1 - y0)
        if max(dx, dy) < options.min_length:
            continue
        if dx > dy and dy <= max(dx * options.max_slope, _FLAT):
            horizontal.append(((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
        elif dy > dx and dx <= max(dy * options.max_slope, _FLAT):
            vertical.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))
        # anything else is a diagonal, e.g. the slash of a 斜线表头 header cell
    return _as_array(horizontal), _as_array(vertical)


def _as_array(rows: list[tuple[float, float, float]]) -> FloatArray:
    return np.array(rows, dtype=np.float64).reshape(-1, 3)


# ---------------------------------------------------------------- grouping into tables


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:  # path compression keeps later finds flat
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


# rows of the first operand per block of the pairwise tests: bounds their memory to a few MB on
# pages with thousands of strokes (hatching, charts) while a form's few hundred take one block
_BLOCK = 512


def _pairs_in_blocks(
    n: int, test: Callable[[slice], NDArray[np.bool_]]
) -> tuple[IntArray, IntArray]:
    """Indices (i, j) where ``test(rows)`` (a block of the pairwise matrix) is true."""
    found_i: list[IntArray] = [np.zeros(0, dtype=np.int64)]
    found_j: list[IntArray] = [np.zeros(0, dtype=np.int64)]
    for start in range(0, n, _BLOCK):
        i, j = np.nonzero(test(slice(start, start + _BLOCK)))
        found_i.append(i.astype(np.int64) + start)
        found_j.append(j.astype(np.int64))
    return np.concatenate(found_i), np.concatenate(found_j)


def _crossing_pairs(h: FloatArray, v: FloatArray, tol: float) -> tuple[IntArray, IntArray]:
    """Index pairs (i, j) where horizontal i and vertical j cross or nearly meet."""

    def test(rows: slice) -> NDArray[np.bool_]:
        hb = h[rows]
        x_ok = (v[None, :, POS] >= hb[:, None, START] - tol) & (
            v[None, :, POS] <= hb[:, None, END] + tol
        )
        y_ok = (hb[:, None, POS] >= v[None, :, START] - tol) & (
            hb[:, None, POS] <= v[None, :, END] + tol
        )
        return x_ok & y_ok

    return _pairs_in_blocks(len(h), test)


def _collinear_pairs(lines: FloatArray, snap: float, tol: float) -> tuple[IntArray, IntArray]:
    """Index pairs of parallel rulings on one line that overlap or nearly meet (broken lines)."""

    def test(rows: slice) -> NDArray[np.bool_]:
        block = lines[rows]
        same_line = np.abs(block[:, None, POS] - lines[None, :, POS]) <= snap
        meet = (block[:, None, START] <= lines[None, :, END] + tol) & (
            lines[None, :, START] <= block[:, None, END] + tol
        )
        return same_line & meet

    return _pairs_in_blocks(len(lines), test)


def _components(h: FloatArray, v: FloatArray, options: LatticeOptions) -> list[list[int]]:
    """Groups of segment indices (horizontals first, verticals offset by len(h)) that touch."""
    n_h = len(h)
    uf = _UnionFind(n_h + len(v))
    snap, tol = options.snap_tolerance, options.join_tolerance
    pairs = [
        (*_crossing_pairs(h, v, tol), 0, n_h),
        (*_collinear_pairs(h, snap, tol), 0, 0),
        (*_collinear_pairs(v, snap, tol), n_h, n_h),
    ]
    for left, right, left_offset, right_offset in pairs:
        for i, j in zip(left.tolist(), right.tolist()):
            uf.union(i + left_offset, j + right_offset)
    groups: dict[int, list[int]] = {}
    for k in range(n_h + len(v)):
        groups.setdefault(uf.find(k), []).append(k)
    return list(groups.values())


# ---------------------------------------------------------------- clustering positions


def _cluster(lines: FloatArray, tol: float) -> tuple[list[float], list[int]]:
    """Chain sorted positions closer than tol; each chain's position is its length-weighted mean.

    Returns the chain positions (ascending) and, per input line, the index of its chain.
    """
    order = np.argsort(lines[:, POS], kind="stable")
    labels = [0] * len(lines)
    sums: list[list[float]] = []  # per chain: weighted sum, total weight
    previous = -np.inf
    for k in order.tolist():
        pos = float(lines[k, POS])
        weight = max(float(lines[k, END] - lines[k, START]), 1e-6)
        if pos - previous > tol or not sums:
            sums.append([0.0, 0.0])
        sums[-1][0] += pos * weight
        sums[-1][1] += weight
        labels[k] = len(sums) - 1
        previous = pos
    return [s / w for s, w in sums], labels


def _merge_intervals(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intervals_by_cluster(
    lines: FloatArray, labels: list[int], n_clusters: int
) -> list[list[tuple[float, float]]]:
    spans: list[list[tuple[float, float]]] = [[] for _ in range(n_clusters)]
    for k, label in enumerate(labels):
        spans[label].append((float(lines[k, START]), float(lines[k, END])))
    return [_merge_intervals(s) for s in spans]


def _covered(intervals: list[tuple[float, float]], lo: float, hi: float) -> float:
    """Share of [lo, hi] that the (merged, sorted) intervals cover."""
    if hi <= lo:
        return 1.0
    total = sum(max(0.0, min(end, hi) - max(start, lo)) for start, end in intervals)
    return total / (hi - lo)


@dataclass
class _Axis:
    """The clustered rulings of one direction: edge positions and the spans drawn on each."""

    edges: list[float]
    spans: list[list[tuple[float, float]]]  # [] for an edge added at an open side


def _axis(lines: FloatArray, options: LatticeOptions) -> _Axis:
    edges, labels = _cluster(lines, options.snap_tolerance)
    return _Axis(edges, _intervals_by_cluster(lines, labels, len(edges)))


def _open_sides(axis: _Axis, across: _Axis, options: LatticeOptions) -> None:
    """Add an edge where the crossing rulings run on past the last edge: at least half of them,
    or the two outermost (the table's borders).

    A table drawn without its left border still has its horizontal rulings ending where the
    border would be; without this the first column would fall outside the table. A table cut by
    a page break has no closing rule, but its borders and the dividers of the cut row run on to
    the cut: without this the cut row would be lost. Overshoots of a few points stay below
    ``open_side_min`` and add nothing.
    """
    spans = [s for s in across.spans if s]
    if not axis.edges or not spans:
        return
    starts = [s[0][0] for s in spans]
    ends = [-s[-1][1] for s in spans]  # negated, so both sides are 'further below the edge'
    low = _open_side(starts, axis.edges[0], options.open_side_min)
    high = _open_side(ends, -axis.edges[-1], options.open_side_min)
    if low is not None:
        axis.edges.insert(0, low)
        axis.spans.insert(0, [])
    if high is not None:
        axis.edges.append(-high)
        axis.spans.append([])


def _open_side(reach: list[float], edge: float, min_gap: float) -> float | None:
    """Where an open side lies, given how far each crossing ruling reaches (outermost first and
    last), or None if the rulings stop at the edge."""
    past = [r for r in reach if edge - r >= min_gap]
    if len(past) * 2 >= len(reach) or (len(reach) >= 2 and edge - max(reach[0], reach[-1]) >= min_gap):
        return float(np.median(past))
    return None


# ---------------------------------------------------------------- merging atomic cells


BoolArray = NDArray[np.bool_]


def _coverage(cols: _Axis, rows: _Axis) -> tuple[FloatArray, FloatArray]:
    """How much of each inner boundary the rulings cover.

    ``vertical[r, c]`` is the boundary at col_edges[c + 1] inside atomic row r;
    ``horizontal[r, c]`` is the boundary at row_edges[r + 1] inside atomic column c.
    """
    n_rows, n_cols = len(rows.edges) - 1, len(cols.edges) - 1
    vertical = np.zeros((n_rows, max(n_cols - 1, 0)))
    horizontal = np.zeros((max(n_rows - 1, 0), n_cols))
    for r in range(n_rows):
        lo, hi = rows.edges[r], rows.edges[r + 1]
        for c in range(n_cols - 1):
            vertical[r, c] = _covered(cols.spans[c + 1], lo, hi)
    for c in range(n_cols):
        lo, hi = cols.edges[c], cols.edges[c + 1]
        for r in range(n_rows - 1):
            horizontal[r, c] = _covered(rows.spans[r + 1], lo, hi)
    return vertical, horizontal


def _boundaries(cols: _Axis, rows: _Axis, min_coverage: float) -> tuple[BoolArray, BoolArray]:
    """Which inner boundaries are ruled (``_coverage`` at least ``min_coverage``)."""
    vertical, horizontal = _coverage(cols, rows)
    return vertical >= min_coverage, horizontal >= min_coverage


def _half_ruled(rect: Rect, vertical: BoolArray, horizontal: BoolArray) -> bool:
    """Whether a cell (atomic row, col, spans) has a half-ruled boundary on a side or inside it."""
    r, c, h, w = rect
    v = vertical[r:r + h, max(c - 1, 0):c + w]  # the left side, inner boundaries, the right side
    hz = horizontal[max(r - 1, 0):r + h, c:c + w]
    return bool(v.any() or hz.any())


def _merge_atomic(vertical: BoolArray, horizontal: BoolArray) -> list[list[int]]:
    """Atomic cell indices (r * n_cols + c) grouped across unruled boundaries."""
    n_rows = vertical.shape[0]
    n_cols = horizontal.shape[1]
    uf = _UnionFind(n_rows * n_cols)
    for r, c in zip(*np.nonzero(~vertical)):
        uf.union(int(r) * n_cols + int(c), int(r) * n_cols + int(c) + 1)
    for r, c in zip(*np.nonzero(~horizontal)):
        uf.union(int(r) * n_cols + int(c), (int(r) + 1) * n_cols + int(c))
    groups: dict[int, list[int]] = {}
    for k in range(n_rows * n_cols):
        groups.setdefault(uf.find(k), []).append(k)
    return list(groups.values())


Rect = tuple[int, int, int, int]  # row, col, row_span, col_span


def _rectangles(members: set[tuple[int, int]]) -> list[Rect]:
    """Cut a group of atomic cells into rectangles, top-left first, each as wide then as tall
    as it can be. A rectangular group comes back whole; an L or a T (noise: a stray stroke that
    half-closed a boundary) becomes two or three cells instead of a cell that cannot exist."""
    left = set(members)
    rects: list[Rect] = []
    while left:
        r0, c0 = min(left)
        width = 1
        while (r0, c0 + width) in left:
            width += 1
        height = 1
        while all((r0 + height, c0 + k) in left for k in range(width)):
            height += 1
        rects.append((r0, c0, height, width))
        left -= {(r0 + i, c0 + k) for i in range(height) for k in range(width)}
    return rects


def _cell_rects(groups: list[list[int]], n_cols: int) -> list[Rect]:
    rects: list[Rect] = []
    for group in groups:
        rects.extend(_rectangles({divmod(k, n_cols) for k in group}))
    return sorted(rects)


def _drop_unused_edges(
    rects: list[Rect], col_edges: list[float], row_edges: list[float]
) -> tuple[list[Rect], list[float], list[float]]:
    """Remove grid lines that bound no cell (every cell spans across them), e.g. a cluster made
    only of a short stroke, so that spans count the columns a reader sees."""
    used_cols = sorted(
        {0, len(col_edges) - 1} | {c for _, c, _, _ in rects} | {c + w for _, c, _, w in rects}
    )
    used_rows = sorted(
        {0, len(row_edges) - 1} | {r for r, _, _, _ in rects} | {r + h for r, _, h, _ in rects}
    )
    col_index = {old: new for new, old in enumerate(used_cols)}
    row_index = {old: new for new, old in enumerate(used_rows)}
    renumbered = [
        (
            row_index[r],
            col_index[c],
            row_index[r + h] - row_index[r],
            col_index[c + w] - col_index[c],
        )
        for r, c, h, w in rects
    ]
    return renumbered, [col_edges[c] for c in used_cols], [row_edges[r] for r in used_rows]


# ---------------------------------------------------------------- tables


def _table(h: FloatArray, v: FloatArray, options: LatticeOptions) -> Table | None:
    """The table drawn by one component's rulings, or None when it is not a table."""
    if len(h) == 0 or len(v) == 0:
        return None
    cols, rows = _axis(v, options), _axis(h, options)
    _open_sides(cols, rows, options)
    _open_sides(rows, cols, options)
    if len(cols.edges) < 2 or len(rows.edges) < 2:
        return None
    vc, hc = _coverage(cols, rows)
    groups = _merge_atomic(vc >= options.min_coverage, hc >= options.min_coverage)
    atomic = _cell_rects(groups, len(cols.edges) - 1)
    lo, hi = options.half_ruled
    half = [_half_ruled(rect, (vc > lo) & (vc < hi), (hc > lo) & (hc < hi)) for rect in atomic]
    rects, col_edges, row_edges = _drop_unused_edges(atomic, cols.edges, rows.edges)
    if len(rects) < 2:
        return None
    return _make_table(rects, col_edges, row_edges, {rect for rect, h in zip(rects, half, strict=True) if h})


def _make_table(rects: list[Rect], col_edges: list[float], row_edges: list[float],
                half_ruled: set[Rect] | None = None) -> Table:
    ordered = sorted(rects)
    cells = [
        TableCell(
            r,
            c,
            h,
            w,
            Box(x0=col_edges[c], y0=row_edges[r], x1=col_edges[c + w], y1=row_edges[r + h]),
        )
        for r, c, h, w in ordered
    ]
    box = Box(x0=col_edges[0], y0=row_edges[0], x1=col_edges[-1], y1=row_edges[-1])
    half = frozenset(k for k, rect in enumerate(ordered) if rect in (half_ruled or set()))
    return Table(box=box, col_edges=col_edges, row_edges=row_edges, cells=cells, half_ruled=half)


def _to_segments(lines: FloatArray, horizontal: bool) -> list[Segment]:
    if horizontal:
        return [Segment(a, p, b, p) for p, a, b in lines.tolist()]
    return [Segment(p, a, p, b) for p, a, b in lines.tolist()]


def find_tables(segments: Iterable[Segment], options: LatticeOptions | None = None) -> Lattice:
    """All ruled tables drawn by ``segments``, top to bottom, then left to right."""
    options = options or LatticeOptions()
    h, v = split_segments(segments, options)
    tables: list[Table] = []
    strays: list[Segment] = []
    for group in _components(h, v, options):
        idx = np.array(group, dtype=np.int64)
        gh, gv = h[idx[idx < len(h)]], v[idx[idx >= len(h)] - len(h)]
        table = _table(gh, gv, options)
        if table is None:
            strays.extend(_to_segments(gh, True) + _to_segments(gv, False))
        else:
            tables.append(table)
    tables.sort(key=lambda t: (round(t.box.y0, 1), t.box.x0))
    return Lattice(tables=tables, strays=strays)


class CellLocator:
    """Which cell of a table holds a point: bisect the edges, then read an owner map that gives
    each atomic slot the index of the (possibly merged) cell covering it."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.cols = np.asarray(table.col_edges)
        self.rows = np.asarray(table.row_edges)
        self.owner = np.full((table.n_rows, table.n_cols), -1, dtype=np.int64)
        for k, cell in enumerate(table.cells):
            self.owner[cell.row : cell.row + cell.row_span, cell.col : cell.col + cell.col_span] = k

    def find(self, x: float, y: float) -> int | None:
        """Index into ``table.cells``, or None outside the table."""
        if not self.table.box.contains_point(x, y):
            return None
        c = int(np.searchsorted(self.cols, x, side="right")) - 1
        r = int(np.searchsorted(self.rows, y, side="right")) - 1
        # a point on the last edge belongs to the last slot
        k = int(
            self.owner[min(max(r, 0), self.table.n_rows - 1), min(max(c, 0), self.table.n_cols - 1)]
        )
        return k if k >= 0 else None
