"""Rows and labels cut by a page break, put back together.

A table that runs onto the next page may break inside a row: Word and browsers print the part of
the row that fits, and the rest of each cell's text at the top of the next page (a scan of the
print keeps the cut). A row-spanning label (一级指标, 二级指标) is cut the same way even when the
rows under it are whole: '满意度指' closes one page and '标(10分)' opens the next.

Only grids with boxes are joined: a transcript's continuation table has its own columns, so its
column indexes say nothing about the page before.
"""

from __future__ import annotations

import re

from jixiao.grid import Cell, Grid
from jixiao.normalize.lexicon import BLOCKS, FUNDS_ROWS, KEYS, LEVEL1, LEVEL2
from jixiao.normalize.matcher import ACCEPT, match
from jixiao.normalize.table import Row, RowStream, extent, grid_rows
from jixiao.text import clean, is_dash, wrap_separator

_SAME_COLUMN = 0.7  # overlap over the wider of two cells: one column on both sides of the break
_LABEL_GAIN = 8.0  # a joined label must match this much better than either half
_WHOLE_LABEL = 90.0  # a text matching a row label this well starts a row, it does not end one
_ROW_LABELS = (LEVEL1, LEVEL2, FUNDS_ROWS, KEYS, BLOCKS)
_BARE_NUMBER = re.compile(r"^[-+]?[\d.,%\s]*\d[\d.,%\s]*$")


def row_stream(grids: list[Grid]) -> RowStream:
    """The rows of a form's grids in order, with what each page break cut joined up."""
    per_grid = [grid_rows(gi, grid) for gi, grid in enumerate(grids)]
    for gi in range(1, len(grids)):
        if _crosses_page(grids[gi - 1], grids[gi]):
            per_grid[gi] = join_break(per_grid[gi - 1], per_grid[gi])
    return RowStream([row for rows in per_grid for row in rows])


def _crosses_page(before: Grid, after: Grid) -> bool:
    return after.page > before.page and _boxed(before) and _boxed(after)


def join_break(before: list[Row], after: list[Row]) -> list[Row]:
    """The rows of the grid after a page break, with what the break cut joined to the page before.

    Cells are replaced by joined copies (the grids themselves are left as read); a row that only
    carried the rest of the row above it is dropped."""
    if not before or not after:
        return after
    pairs = _columns(before[-1], after[0])
    if pairs is None:
        return after
    if _is_rest_of_row(pairs, after[0]):
        _join(before, after, [(p, c) for p, c in pairs if clean(c.text)])
        return after[1:]
    _join(before, after, [(p, c) for p, c in pairs if _cut_label(p, c)])
    return after


def _boxed(grid: Grid) -> bool:
    return all(c.box is not None for c in grid.cells)


def _columns(last: Row, first: Row) -> list[tuple[Cell, Cell]] | None:
    """Each cell covering the first row after the break with the cell above it in the same
    column, or None if the two rows are not ruled alike (another table, another block)."""
    pairs = []
    for cell in first.cells:
        above = max(last.cells, key=lambda p: _share(p, cell))
        if _share(above, cell) < _SAME_COLUMN:
            return None
        pairs.append((above, cell))
    return pairs


def _share(a: Cell, b: Cell) -> float:
    ea, eb = extent(a), extent(b)
    return ea.overlap(eb) / max(ea.width, eb.width)


def _is_rest_of_row(pairs: list[tuple[Cell, Cell]], first: Row) -> bool:
    """The first row holds only the ends of texts begun above it: fewer filled cells than the row
    above, each under a filled cell, and no number, dash or whole label of its own (a row of
    figures, a 总分 row, a row opening with '质量指标' is a row in its own right)."""
    below = [c for _, c in pairs if c.row == first.index and clean(c.text)]
    above_filled = sum(1 for p, _ in pairs if clean(p.text))
    if not below or len(below) >= above_filled:
        return False
    for above, cell in pairs:
        text = clean(cell.text)
        if not text:
            continue
        if not clean(above.text) or _BARE_NUMBER.match(text) or is_dash(text) or _is_label(text):
            return False
    return True


def _is_label(text: str) -> bool:
    return any(match(text, vocab).score >= _WHOLE_LABEL for vocab in _ROW_LABELS)


def _cut_label(above: Cell, below: Cell) -> bool:
    """A level label whose two halves sit on either side of the break."""
    a, b = clean(above.text), clean(below.text)
    if not a or not b:
        return False
    for vocab in (LEVEL1, LEVEL2):
        joined = match(a + b, vocab)
        if joined.ok and joined.score >= ACCEPT:
            halves = max(match(a, vocab).score, match(b, vocab).score)
            if joined.score >= halves + _LABEL_GAIN:
                return True
    return False


def _join(before: list[Row], after: list[Row], pairs: list[tuple[Cell, Cell]]) -> None:
    for above, below in pairs:
        text = _joined(above.text, below.text)
        raw = _joined(above.raw or above.text, below.raw or below.text, "\n")
        confidence = min(above.confidence, below.confidence)
        _replace(before, above, above.model_copy(update={"text": text, "raw": raw, "confidence": confidence}))
        _replace(after, below, below.model_copy(update={"text": text, "raw": raw, "confidence": confidence}))


def _joined(a: str, b: str, between: str = "") -> str:
    a, b = a.rstrip(), b.lstrip()
    if not a or not b:
        return a or b
    return a + (between or wrap_separator(a[-1], b[0])) + b


def _replace(rows: list[Row], old: Cell, new: Cell) -> None:
    for row in rows:
        row.cells = [new if c is old else c for c in row.cells]
