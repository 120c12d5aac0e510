"""Grids seen as a stream of logical rows, each listing every cell that covers it.

A merged cell that spans rows appears in each row it covers, so a row-spanning 一级指标 label
is found from any of its rows. Column identity is horizontal extent: the box's x-range where
there are boxes (scans and PDFs; survives a continuation page whose columns shifted a little),
the column index range for transcripts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.grid import Cell, Grid
from jixiao.text import clean


@dataclass(frozen=True)
class Extent:
    a: float
    b: float

    def overlap(self, other: Extent) -> float:
        return max(0.0, min(self.b, other.b) - max(self.a, other.a))

    @property
    def width(self) -> float:
        return max(self.b - self.a, 1e-9)


def extent(cell: Cell) -> Extent:
    if cell.box is not None:
        return Extent(cell.box.x0, cell.box.x1)
    return Extent(float(cell.col), float(cell.col + cell.col_span))


@dataclass
class Row:
    grid_index: int
    index: int  # row number inside its grid
    cells: list[Cell]  # every cell covering this row, left to right

    @property
    def starting(self) -> list[Cell]:
        """Cells whose first row is this one: the row's own content."""
        return [c for c in self.cells if c.row == self.index]

    def texts(self) -> list[str]:
        return [clean(c.text) for c in self.starting]

    def is_empty(self) -> bool:
        return all(not t for t in self.texts())


@dataclass
class RowStream:
    rows: list[Row] = field(default_factory=list)



def grid_rows(gi: int, grid: Grid) -> list[Row]:
    covering: list[list[Cell]] = [[] for _ in range(grid.n_rows)]
    for cell in grid.cells:
        for r in range(cell.row, min(cell.row + cell.row_span, grid.n_rows)):
            covering[r].append(cell)
    return [Row(gi, r, sorted(cs, key=lambda c: c.col)) for r, cs in enumerate(covering)]


def role_of(cell: Cell, header: list[tuple[str, Extent]], min_share: float = 0.5) -> str | None:
    """The header role whose column this cell sits under (most shared width, at least half)."""
    ext = extent(cell)
    best, best_overlap = None, 0.0
    for role, hext in header:
        ov = ext.overlap(hext)
        if ov > best_overlap:
            best, best_overlap = role, ov
    if best is None:
        return None
    share = best_overlap / min(ext.width, _width_of(header, best))
    return best if share >= min_share else None


def _width_of(header: list[tuple[str, Extent]], role: str) -> float:
    return max(e.width for r, e in header if r == role)
