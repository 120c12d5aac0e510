"""A scanned page's tables: the rulings found on the prepared page, and the shared lattice.

The stages here follow the preparation ones (``prepare.py``) and need no OCR: ``Lines`` fits
the rulings (``lines.find_lines``), ``Tables`` runs the lattice on them in page points, and
``Dashes`` draws the rulings the tables are made of and finds the drawn dashes (—) in what is
left. ``page_tables`` runs preparation and structure on an image, for callers (and tests) that
want the tables alone: its ``Lattice`` is in page points on the prepared (upright, level) page,
the frame in which the reading stages express every box.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field

from jixiao.extract.lattice import LatticeOptions, Table, find_tables
from jixiao.extract.pixels import Image
from jixiao.extract.scan.lines import (
    LineOptions,
    dash_strokes,
    find_lines,
    on_tables,
    ruling_mask,
    text_mask,
    to_points,
)
from jixiao.extract.scan.orient import OrientationCheck
from jixiao.extract.scan.prepare import PrepareOptions, prepare_stages
from jixiao.extract.scan.state import ScanState, Stage, count, need, run_stages


class ScanOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prepare: PrepareOptions = Field(default_factory=PrepareOptions)
    lines: LineOptions = Field(default_factory=LineOptions)
    # a scan's rulings may be left up to 3 degrees off square after deskewing (``LineOptions.
    # max_slant_degrees``: forms-gen s453 h22, a photo straightened along its long rulings left
    # the funds block's dividers 2.1 degrees off upright); a 斜线表头 slash is far steeper
    lattice: LatticeOptions = Field(default_factory=lambda: LatticeOptions(max_slope=0.0525))
    # a "table" none of whose cells is this wide is the strokes of a heading, not a table: a bold
    # title's strokes at 300 dpi make one-row lattices whose widest cell is 8-38 pt (项目支出绩效自评表
    # read as '支支古', forms-gen seeds 402-406 scans, 19 of 139 lattices), while the narrowest real
    # table's widest cell is 347 pt; dropped, their ink is read as the title it is
    min_table_cell_pt: float = 45.0


@dataclass(frozen=True)
class Lines:
    """Rulings fitted to the long runs of ink, in working pixels."""

    options: ScanOptions
    name: str = "rulings"

    def __call__(self, state: ScanState) -> ScanState:
        lines = find_lines(need(state.binary, "binary page"), state.work_dpi, self.options.lines, state.rings)
        return replace(state, lines=lines)


@dataclass(frozen=True)
class Tables:
    """The lattice (``lattice.find_tables``) on the rulings in page points."""

    options: ScanOptions
    name: str = "tables"

    def __call__(self, state: ScanState) -> ScanState:
        lines = need(state.lines, "rulings")
        lattice = find_tables(to_points(lines.horizontal + lines.vertical, state.work_dpi), self.options.lattice)
        kept = [t for t in lattice.tables if holds_text(t, self.options.min_table_cell_pt)]
        if len(kept) < len(lattice.tables):
            count("heading strokes taken for a table", len(lattice.tables) - len(kept))
            lattice = replace(lattice, tables=kept)
        return replace(state, lattice=lattice)


def holds_text(table: Table, min_cell_pt: float) -> bool:
    """Whether any of a table's cells is wide enough to hold a line of text."""
    return any(c.box.x1 - c.box.x0 >= min_cell_pt for c in table.cells)


@dataclass(frozen=True)
class Dashes:
    """The table rulings drawn as a mask, and drawn dashes found in the text ink left: what
    ``assign_text`` gets as strays (not the lattice's own, which in a scan are mostly text whose
    strokes touched into a long run)."""

    options: ScanOptions
    name: str = "dashes"

    def __call__(self, state: ScanState) -> ScanState:
        lines, lattice = need(state.lines, "rulings"), need(state.lattice, "tables")
        binary = need(state.binary, "binary page")
        rulings = lines.horizontal + lines.vertical
        used = on_tables(rulings, lattice.tables, state.work_scale, self.options.lattice.snap_tolerance)
        table_rulings = ruling_mask([r for r, u in zip(rulings, used, strict=True) if u], binary.shape)
        dashes = dash_strokes(text_mask(binary, table_rulings, state.work_dpi), state.work_dpi, self.options.lines)
        return replace(state, table_rulings=table_rulings, dashes=dashes, strays=to_points(dashes, state.work_dpi))


def structure_stages(options: ScanOptions) -> list[Stage]:
    """Preparation, then rulings, tables and dashes."""
    return [*prepare_stages(options.prepare), Lines(options), Tables(options), Dashes(options)]


def page_tables(
    image_rgb: Image,
    dpi: float,
    options: ScanOptions | None = None,
    check: OrientationCheck | None = None,
) -> ScanState:
    """Tables with merged cells of a scanned page, in points on the prepared page.

    ``image_rgb`` is the page as scanned (H x W x 3, uint8; a grey H x W image is accepted);
    ``dpi`` its resolution. ``check`` is the optional OCR orientation score (see orient.py).
    """
    state = ScanState(image=image_rgb, dpi=dpi, check=check)
    return run_stages(structure_stages(options or ScanOptions()), state)
