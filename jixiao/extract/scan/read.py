"""Reading a prepared page whose tables are known: cells, not pages.

``ReadCells`` finds the text lines of every cell in the cell's own ink (``cells.text_lines``)
and hands their crops, all of the page's at once, to the recogniser (``read_lines``: batched,
width-sorted); whole-page text detection never runs. Only a region whose ink is not plain lines
(``text_lines`` answers None) is given to the engine's detector, and only that region. Text
outside the tables (title, unit and date lines, notes) is read the same way, block by block.
``Marks`` tells lone ≥ ≤ = > < % by their shape, which recognisers read poorly. ``Assign``
puts the reads into the grid (``assign.assign_text``), ``SecondRead`` (second.py) re-reads only
the reads in doubt, and ``PageOut`` maps every box back onto the original image.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from jixiao.extract.assign import PageText, Piece, assign_text
from jixiao.extract.lattice import Table
from jixiao.extract.marks import MARKS, classify_mark, is_single_glyph
from jixiao.extract.ocr import OcrEngine
from jixiao.extract.pixels import (
    Image,
    PixelBox,
    binarize,
    crop,
    glyph_height,
    odd_px,
    px,
    u8,
    without,
)
from jixiao.extract.scan.cells import LineFindOptions, glyph_or, text_blocks, text_lines
from jixiao.extract.scan.state import ScanState, count, need
from jixiao.grid import Box, Page, TextLine

# what engines print for a lone ≥ ≤ = > <: such a read is checked by shape, never a digit or word
MARK_MISREADS = frozenset("Vv><=二之Zz乏这冬≥≤")


class CellReadOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lines: LineFindOptions = Field(default_factory=LineFindOptions)
    # a cell's ink is looked for, and its crops cut, this far inside its box: clear of half a
    # ruling's width (rulings are 0.5-1.5 pt), which the text ink has lost anyway
    inset_pt: float = 0.8
    # a piece is cropped with this margin round its ink (shares of the character height), within
    # the cell: the recogniser cuts the crop to its ink again and adds its own margin
    crop_margin: float = 0.3
    # fewer ink pixels than this (at 300 dpi; scaled by area to the working resolution) in a
    # cell is noise, not a character
    min_ink_pixels: int = 25
    # a cell read below this confidence was not read: its ink stays unread (``unread_ink``)
    min_read: float = 0.3
    # the confidence of a cell that holds ink nothing could read: low, so that a finding
    # resting on it asks for a look
    unread_ink: float = 0.3
    # text outside the tables read below this is dropped (rapidocr's own floor for detected
    # lines: scan specks and seal strokes read as stray characters at 0.2-0.45)
    min_loose_read: float = 0.5
    # table areas are blanked this far beyond their box before text outside them is looked for
    table_margin_pt: float = 2.0
    # a lone mark is at most about this tall (points); its ink is binarised from a crop this
    # far inside the cell
    glyph_points: float = 12.0
    mark_inset_pt: float = 2.0
    # the shape test's match score is a correlation, not a probability: past the bar and the
    # margin (marks.py), the shape is decisive, short of certain
    mark_confidence: float = 0.9


@dataclass
class CellRead:
    """What the first read made of one cell (``where`` = (table, cell)) or block of loose text
    (``where`` None): its pieces in page points with the crops they were read from."""

    where: tuple[int, int] | None
    box: Box
    how: str = "empty"  # empty | lines | detected | mark
    pieces: list[Piece] = field(default_factory=list)
    crops: list[Image] = field(default_factory=list)
    unread: bool = False  # ink that nothing could read


@dataclass
class PageReads:
    cells: list[CellRead]
    glyph_px: float  # the page's character height, working pixels
    text: PageText | None = None


EngineFor = Callable[[], OcrEngine]


def _box_px(box: Box, scale: float, inset: float) -> PixelBox:
    return (int(np.ceil(box.x0 * scale + inset)), int(np.ceil(box.y0 * scale + inset)),
            int(box.x1 * scale - inset), int(box.y1 * scale - inset))


def _to_points(x0: float, y0: float, x1: float, y1: float, scale: float) -> tuple[float, float, float, float]:
    return x0 / scale, y0 / scale, x1 / scale, y1 / scale


@dataclass
class _Pending:
    """A piece waiting for the recogniser."""

    read: CellRead
    crop: Image
    points: tuple[float, float, float, float]


@dataclass(frozen=True)
class ReadCells:
    """The first read of every cell and of the text outside the tables."""

    options: CellReadOptions
    engine: EngineFor
    name: str = "read cells"

    def __call__(self, state: ScanState) -> ScanState:
        lattice, grey = need(state.lattice, "tables"), need(state.grey, "grey page")
        binary, rulings = need(state.binary, "binary page"), need(state.table_rulings, "table rulings")
        ink = self._text_ink(state, binary, rulings)
        glyph = glyph_or(glyph_height(ink), state.work_dpi)
        f = state.dpi / state.work_dpi  # full-resolution pixels per working pixel
        o = self.options
        min_ink = max(2, round(o.min_ink_pixels * (state.work_dpi / 300.0) ** 2))
        reads: list[CellRead] = []
        pending: list[_Pending] = []
        regions: list[tuple[CellRead, PixelBox]] = []
        for t, table in enumerate(lattice.tables):
            for k, cell in enumerate(table.cells):
                read = CellRead(where=(t, k), box=cell.box)
                reads.append(read)
                region = _box_px(cell.box, state.work_scale, px(o.inset_pt, state.work_dpi, 1))
                self._plan(read, ink, region, glyph, f, min_ink, state, grey, pending, regions)
        for block in self._loose_blocks(state, ink, lattice.tables, glyph):
            read = CellRead(where=None, box=Box(**dict(zip(("x0", "y0", "x1", "y1"),
                                                           _to_points(*block, state.work_scale)))))
            reads.append(read)
            self._plan(read, ink, block, glyph, f, 1, state, grey, pending, regions)
        engine = self.engine()
        self._recognise(engine, pending)
        self._detect(engine, regions, grey, f, state.scale)
        for read in reads:
            floor = o.min_read if read.where is not None else o.min_loose_read
            kept = [(p, c) for p, c in zip(read.pieces, read.crops, strict=True) if p.text.strip() and p.confidence >= floor]
            if read.how in ("lines", "detected") and not kept and read.where is not None:
                read.unread = True
            read.pieces, read.crops = [p for p, _ in kept], [c for _, c in kept]
            count(f"cells read: {read.how}" if read.where is not None else f"loose blocks: {read.how}")
        return replace(state, reads=PageReads(cells=reads, glyph_px=glyph))

    @staticmethod
    def _text_ink(state: ScanState, binary: Image, rulings: Image) -> Image:
        """The text ink: the binary page without the table rulings and without drawn dashes
        (a dash is told by its shape, and OCR writes it as 一 or nothing)."""
        ink = without(binary, rulings, px(0.6, state.work_dpi, 1))
        if state.dashes:
            ink = ink.copy()
            half = px(1.2, state.work_dpi, 1)
            for x0, y, x1, _ in state.dashes:
                ink[max(0, int(y) - half): int(y) + half + 1, max(0, int(x0) - 1): int(x1) + 1] = 0
        return ink

    def _loose_blocks(self, state: ScanState, ink: Image, tables: Sequence[Table], glyph: float) -> list[PixelBox]:
        outside = ink.copy()
        margin = px(self.options.table_margin_pt, state.work_dpi, 1)
        for table in tables:
            x0, y0, x1, y1 = _box_px(table.box, state.work_scale, -margin)
            outside[max(0, y0):max(0, y1), max(0, x0):max(0, x1)] = 0
        return text_blocks(outside, glyph, self.options.lines)

    def _plan(self, read: CellRead, ink: Image, region: PixelBox, glyph: float, f: float, min_ink: int,
              state: ScanState, grey: Image, pending: list[_Pending], regions: list[tuple[CellRead, PixelBox]]) -> None:
        """Decide how a region is read: nothing, its lines straight to the recogniser, or the
        detector inside it."""
        x0, y0, _, _ = region
        cut = crop(ink, region)
        if cut.size == 0 or int(np.count_nonzero(cut)) < min_ink:
            return
        lines = text_lines(cut, glyph, self.options.lines)
        if lines is None:
            read.how = "detected"
            regions.append((read, region))
            return
        if not lines:
            return
        read.how = "lines"
        inner = tuple(round(v * f) for v in region)
        margin = round(self.options.crop_margin * glyph * f)
        for line in lines:
            b = line.shifted(x0, y0)
            box = (max(inner[0], round(b.x0 * f) - margin), max(inner[1], round(b.y0 * f) - margin),
                   min(inner[2], round(b.x1 * f) + margin), min(inner[3], round(b.y1 * f) + margin))
            piece_crop = crop(grey, box)
            if piece_crop.size:
                pending.append(_Pending(read, piece_crop, _to_points(b.x0 * f, b.y0 * f, b.x1 * f, b.y1 * f, state.scale)))

    @staticmethod
    def _recognise(engine: OcrEngine, pending: list[_Pending]) -> None:
        if not pending:
            return
        results = engine.read_lines([p.crop for p in pending], "text")
        for p, (text, conf) in zip(pending, results, strict=True):
            p.read.pieces.append(Piece(*p.points, text.strip(), conf))
            p.read.crops.append(p.crop)

    @staticmethod
    def _detect(engine: OcrEngine, regions: list[tuple[CellRead, PixelBox]], grey: Image, f: float, scale: float) -> None:
        for read, region in regions:
            x0, y0, x1, y1 = (round(v * f) for v in region)
            area = crop(grey, (x0, y0, x1, y1))
            if area.size == 0:
                continue
            for b in engine.read_page(np.ascontiguousarray(area)):
                read.pieces.append(Piece(*_to_points(b.x0 + x0, b.y0 + y0, b.x1 + x0, b.y1 + y0, scale), b.text, b.confidence))
                bx = (max(0, int(b.x0)), max(0, int(b.y0)), int(np.ceil(b.x1)), int(np.ceil(b.y1)))
                read.crops.append(crop(area, bx))


def mark_ink(grey: Image, box: Box, scale: float, dpi: float, noise: float, inset_pt: float) -> Image:
    """A cell's ink at full resolution for the shape test: the grey crop inside the cell,
    binarised as the page was (about two characters' window, the page's grain)."""
    cut = crop(grey, _box_px(box, scale, inset_pt * scale))
    if cut.size == 0:
        return u8(np.zeros((0, 0)))
    return binarize(np.ascontiguousarray(cut), odd_px(10.0, dpi, 3), max(12.0, 3.0 * noise), 215)


@dataclass(frozen=True)
class Marks:
    """Lone ≥ ≤ = > < % told by shape (marks.py). A cell read empty, unread, or read as one of
    the characters recognisers print for a lone mark is settled by its shape when the shape is
    clear; a mark the recogniser did read is checked against its shape."""

    options: CellReadOptions
    doubt: float
    name: str = "marks"

    def __call__(self, state: ScanState) -> ScanState:
        reads: PageReads = need(state.reads, "cell reads")
        grey = need(state.grey, "grey page")
        o = self.options
        for read in reads.cells:
            if read.where is None or read.how == "empty":
                continue
            text = "".join(p.text for p in read.pieces).strip()
            if text in MARKS:
                self._check(read, text, grey, state)
            elif not text or text in MARK_MISREADS:
                ink = mark_ink(grey, read.box, state.scale, state.dpi, state.noise, o.mark_inset_pt)
                if ink.size and is_single_glyph(ink, o.glyph_points * state.scale):
                    found = classify_mark(ink)
                    if found is not None:
                        b = read.box
                        read.pieces = [Piece(b.x0, b.y0, b.x1, b.y1, found[0], o.mark_confidence)]
                        read.crops = [crop(grey, _box_px(b, state.scale, o.mark_inset_pt * state.scale))]
                        read.how, read.unread = "mark", False
                        count("marks told by shape")
        return state

    def _check(self, read: CellRead, text: str, grey: Image, state: ScanState) -> None:
        ink = mark_ink(grey, read.box, state.scale, state.dpi, state.noise, self.options.mark_inset_pt)
        found = classify_mark(ink) if ink.size else None
        if found is None:
            return
        conf = self.options.mark_confidence
        read.pieces = [replace(p, confidence=max(p.confidence, conf) if found[0] == text else min(p.confidence, self.doubt))
                       for p in read.pieces]
        count("marks checked by shape")


@dataclass(frozen=True)
class Assign:
    """The reads into the grid: cells and page lines (``assign.assign_text``)."""

    options: CellReadOptions
    name: str = "assign"

    def __call__(self, state: ScanState) -> ScanState:
        reads: PageReads = need(state.reads, "cell reads")
        lattice = need(state.lattice, "tables")
        pieces = [p for r in reads.cells for p in r.pieces]
        text = assign_text(lattice.tables, pieces, state.number, strays=state.strays)
        for read in reads.cells:
            if read.unread and read.where is not None:
                t, k = read.where
                text.grids[t].cells[k].confidence = self.options.unread_ink
        reads.text = text
        return state


def _to_source(state: ScanState, box: Box | None) -> Box | None:
    if box is None:
        return None
    b = need(state.transform, "transform").box_to_original(box, state.scale)
    s = state.scale
    return Box(x0=b.x0 / s, y0=b.y0 / s, x1=b.x1 / s, y1=b.y1 / s)


@dataclass(frozen=True)
class PageOut:
    """The grid page, each box also mapped onto the page as the file holds it."""

    name: str = "page"

    def __call__(self, state: ScanState) -> ScanState:
        reads: PageReads = need(state.reads, "cell reads")
        text = need(reads.text, "assigned text")
        transform = need(state.transform, "transform")
        for grid in text.grids:
            for cell in grid.cells:
                cell.source_box = _to_source(state, cell.box)
        lines: list[TextLine] = [line.model_copy(update={"source_box": _to_source(state, line.box)}) for line in text.lines]
        h, w = state.image.shape[:2]
        page = Page(number=state.number, width=w / state.scale, height=h / state.scale, grids=text.grids,
                    lines=lines, scale=state.scale, rotation=transform.rotation, skew_degrees=transform.skew_degrees)
        return replace(state, page=page)


def reads_of(state: ScanState) -> PageReads:
    return need(state.reads, "cell reads")


