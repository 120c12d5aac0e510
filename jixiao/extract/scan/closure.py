"""Whether a page's tables hold together: the cells of a table whose rulings do not close are in
doubt (``Closure``), so that a finding resting on them asks for a look instead of accusing the form.

Two signs, either enough. A region of the page where rulings still bow after the page was
straightened (``ScanState.unclosed``: a photographed page the dewarp left bowed, held-out
forms-gen photos with a 2% bend or a lens k1 0.12): the cells it meets. And a table with at
least ``min_cells`` half-ruled cells (``lattice.LatticeOptions.half_ruled``): a drawn or printed
table rules each boundary whole or not at all, a scan's faint line is broken but still covers
most of it, while a ruling that bowed off its row covers it in part. There what was read in a
cell may be a neighbour's, and a row may be lost or merged: each such cell carries
``Cell.doubt`` and its table ``Grid.doubt``. Normalize puts them into the values' provenance and
the record's doubts, and score makes the findings resting on them review items. The grid says
why; it never says where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from jixiao.extract.lattice import Table
from jixiao.extract.scan.read import PageReads
from jixiao.extract.scan.state import ScanState, count, need
from jixiao.grid import Box, Grid

CELL_DOUBT = "表格未能展平闭合，单元格边界不全（读数可能属于相邻单元格）"
TABLE_DOUBT = "表格未能展平闭合，可能漏读或错并一行"


class ClosureOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # a table with at least this many half-ruled cells does not hold together. Measured (no
    # OCR, structure only): the 13 photos of our fixtures (flat, tilted, curled, bent 2% and
    # lens k1 0.12 once straightened, cut off, sideways) have none; the 44 degraded scan fixture
    # pages at 200 dpi at most 3 (gen-17 p1, regress-level1-label-points p2: a noisy ruling's
    # stub); forms-gen s313 photos straightened but not closed: h07 (bend 2%, 124 of 151 cells
    # found) 8, h08 page 1 (lens k1 0.12, 111 of 143) 2 (its bowed rulings mark it anyway)
    min_cells: int = 6


def grid_doubts(table: Table, grid: Grid, options: ClosureOptions, open_cells: frozenset[int] = frozenset()) -> int:
    """Mark in doubt the cells of ``grid`` (read from ``table``) that ``open_cells`` names (met by
    a region whose rulings bow) and its half-ruled cells when there are enough of them; how many
    were marked."""
    if not options.enabled:
        return 0
    marked = set(open_cells) | (set(table.half_ruled) if len(table.half_ruled) >= options.min_cells else set())
    if marked:
        grid.doubt = TABLE_DOUBT
    for k in marked:
        grid.cells[k].doubt = CELL_DOUBT
    return len(marked)


def _meets(a: Box, b: tuple[float, float, float, float]) -> bool:
    return a.x0 < b[2] and b[0] < a.x1 and a.y0 < b[3] and b[1] < a.y1


@dataclass(frozen=True)
class Closure:
    """The cells of tables that do not close marked in doubt (see the module docstring)."""

    options: ClosureOptions
    name: str = "table closure"

    def __call__(self, state: ScanState) -> ScanState:
        reads: PageReads = need(state.reads, "cell reads")
        text = need(reads.text, "assigned text")
        lattice = need(state.lattice, "tables")
        transform = need(state.transform, "transform")
        for table, grid in zip(lattice.tables, text.grids, strict=True):
            open_cells = frozenset(
                k for k, cell in enumerate(table.cells)
                if state.unclosed and any(_meets(transform.box_to_original(cell.box, state.scale), r) for r in state.unclosed))
            marked = grid_doubts(table, grid, self.options, open_cells)
            if marked:
                count("cells in doubt: table not closed", marked)
        return state
