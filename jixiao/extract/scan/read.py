"""Reading a prepared page whose tables are known: cells, not pages.

``ReadCells`` finds the text lines of every cell in the cell's own ink (``cells.text_lines``)
and hands their crops, all of the page's at once, to the recogniser (``read_lines``: one call,
each crop recognised on its own, which measured faster than batches: ``RapidOptions.rec_batch``);
whole-page text detection never runs. Only a region whose ink is not plain lines
(``text_lines`` answers None) is given to the engine's detector, and only that region. Text
outside the tables (title, unit and date lines, notes) is read the same way, block by block.
``Marks`` tells lone ≥ ≤ = > < % by their shape, which recognisers read poorly. ``Assign``
puts the reads into the grid (``assign.assign_text``), ``SecondRead`` (second.py) re-reads only
the reads in doubt, and ``PageOut`` maps every box back onto the original image.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from jixiao.errors import OcrFailed
from jixiao.extract.assign import PageText, Piece, assign_text
from jixiao.extract.lattice import Table
from jixiao.extract.marks import (
    MARK_OPTIONS,
    MARKS,
    classify_mark,
    is_single_glyph,
    is_slash,
    leading_bar,
)
from jixiao.extract.ocr import OcrEngine
from jixiao.extract.pixels import (
    Image,
    PixelBox,
    binarize,
    crop,
    glyph_height,
    odd_px,
    pad_white,
    paper_noise,
    px,
    resize_grey,
    u8,
    without,
)
from jixiao.extract.scan.cells import LineFindOptions, glyph_or, is_dash, text_blocks, text_lines
from jixiao.extract.scan.notes import LooseLine, NotesOptions, note_lines
from jixiao.extract.scan.state import ScanState, count, need
from jixiao.grid import Box, Page, TextLine

# what engines print for a lone ≥ ≤ = > <: such a read is checked by shape, never a digit or word
MARK_MISREADS = frozenset("Vv><=二之Zz乏这冬≥≤")
# a quantity read with a bare > or < before its number, whose first glyph may be a ≥ / ≤
_LEADING_OP = re.compile(r"^[><]\s*\d")
_WITH_BAR = {">": "≥", "<": "≤"}
# what engines print for a lone / (a blurred slash at 200-300 dpi: 1 at 0.39-0.89, 7 at 0.55)
SLASH_READS = frozenset("/17lI|丿")


class CellReadOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lines: LineFindOptions = Field(default_factory=LineFindOptions)
    # the text ink lines are looked for in is thresholded from the grey page at the working
    # resolution, smoothed first by this much: the page's binary keeps only the dark cores of
    # strokes on a noisy scan (its threshold rises with the grain), which breaks characters
    # into specks (a σ 14 + JPEG scan at 200 dpi: a 10.5 pt character measured 4 pt high)
    smooth_pt: float = 0.35
    # that threshold's window (about two characters) and its offset, raised on noisy pages to
    # this many times the smoothed page's grain
    ink_block_pt: float = 10.0
    ink_offset: float = 10.0
    ink_noise_factor: float = 2.5
    # a cell's ink is looked for, and its crops cut, this far inside its box: clear of half a
    # ruling's width (rulings are 0.5-1.5 pt), which the text ink has lost anyway
    inset_pt: float = 0.8
    # a piece is cropped with this margin round its ink (shares of the character height: the
    # box was found at the working resolution, a pixel or two coarser), within the cell, and
    # read as it is (``read_lines(trim=False)``): the recogniser adds its white margin, and its
    # own cut to the ink, one global threshold, lost the faint stroke of 一 at a line's end
    crop_margin: float = 0.08
    # fewer ink pixels than this (at 300 dpi; scaled by area to the working resolution) in a
    # cell is noise, not a character
    min_ink_pixels: int = 25
    # a cell read below this confidence was not read: its ink stays unread (``unread_ink``)
    min_read: float = 0.3
    # and a piece read below ``min_loose_read`` is dropped where the cell has a surer one (a
    # speck beside a sentence read as 8 at 0.45)
    # the confidence of a cell that holds ink nothing could read: low, so that a finding
    # resting on it asks for a look
    unread_ink: float = 0.3
    # a piece of text outside the tables read below this is dropped (rapidocr's own floor for
    # detected lines: scan specks and seal strokes read as stray characters at 0.2-0.45)
    min_loose_read: float = 0.5
    # a piece of at most ``speck_chars`` characters read below ``min_speck_read`` beside a piece
    # of the same cell read at ``sure_piece`` or more is a speck or a ruling's stub, not text.
    # Measured on the fixture scans (clean and degraded, 82 documents): such pieces read 'A'
    # 0.695, 'INã' 0.518, '18' 0.626, '西' 0.525 (after ≥85%), 'it' 0.568, '2' 0.512 (after a
    # sentence's 。), all junk; the only real ones, the wrapped ends '分)' and '元)' of a label,
    # 0.784-0.798
    speck_chars: int = 3
    min_speck_read: float = 0.75
    sure_piece: float = 0.95
    # table areas are blanked this far beyond their box before text outside them is looked for
    table_margin_pt: float = 2.0
    # a lone mark is at most about this tall (points); its ink is binarised from a crop this
    # far inside the cell
    glyph_points: float = 12.0
    mark_inset_pt: float = 2.0
    # the shape test's match score is a correlation, not a probability: past the bar and the
    # margin (marks.py), the shape is decisive, short of certain
    mark_confidence: float = 0.9
    # inside a seal's disc, grey lighter than this is what lifting the seal left of its strokes,
    # not text: paper for the reader (its ink and its crops). Measured on the flattened photo of
    # gen-04 (a red seal over a weight and a rate, warm light): the lifted strokes' 1st
    # percentile 177, median 230; the digits under it 53 (1st) and 108 (5th). The strokes left
    # were read as the 4 of 42 (for 2), the 日 of 日2 and a line 1 above 90% (190%)
    seal_residue: int = 170
    # only where the text under the seal is dark enough to be told from what the lift left: the
    # disc's 1st percentile of grey below this. Measured: gen-04's photo 82; the degraded scan
    # of gen-06, whose blurred text under the seal is itself 144-200 grey, 144 (whitened at 170
    # or 200 it lost its conclusion's end and the total's 分值)
    # 0 (the default) turns the whitening off: the thin strokes of a % or a decimal point under
    # a seal are as light as what the lift leaves, and whitened they were read as digits. At 110
    # it gave gen-04's photo 2 numbers (its findings were review items either way) and broke
    # held-out forms-gen s406 h17 (scan: ≥90% read ≥9026), s406 h23 (page image: 2543.73 read
    # 254373, the unit garbled, a true FUNDS_SUM_MISMATCH lost) and our gen-20 bundle (≥852)
    seal_text_dark: int = 0
    # a cell read again without the seal's disc (``ReadCells._outside_seals``) is at most this
    # sure: below the second read's ``sure`` (0.98), so that under a seal it stays in doubt
    outside_seal_confidence: float = 0.9
    # the printed notes under a form, read by the head of each line (``notes.py``)
    notes: NotesOptions = Field(default_factory=NotesOptions)


@dataclass
class CellRead:
    """What the first read made of one cell (``where`` = (table, cell)) or block of loose text
    (``where`` None): its pieces in page points with the crops they were read from."""

    where: tuple[int, int] | None
    box: Box
    how: str = "empty"  # empty | lines | detected | mark | dash
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


def padded_crop(grey: Image, want: PixelBox, allowed: PixelBox) -> Image:
    """The pixels of ``want`` that lie inside ``allowed`` (and the page), white where they do
    not: a line's crop keeps its margin without taking in a ruling or a neighbour's strokes
    (engines cut a crop to its ink, and ink touching the crop's edge reads as a grazed rule)."""
    got = (max(want[0], allowed[0], 0), max(want[1], allowed[1], 0),
           min(want[2], allowed[2], grey.shape[1]), min(want[3], allowed[3], grey.shape[0]))
    cut = crop(grey, got)
    if cut.size == 0:
        return cut
    pads = (got[1] - want[1], want[3] - got[3], got[0] - want[0], want[2] - got[2])
    return pad_white(np.ascontiguousarray(cut), *pads) if any(pads) else cut


@dataclass
class _Pending:
    """A piece waiting for the recogniser."""

    read: CellRead
    crop: Image
    points: tuple[float, float, float, float]
    text: str | None = None  # what the recogniser read


@dataclass(frozen=True)
class ReadCells:
    """The first read of every cell and of the text outside the tables."""

    options: CellReadOptions
    engine: EngineFor
    name: str = "read cells"

    def __call__(self, state: ScanState) -> ScanState:
        lattice, grey = need(state.lattice, "tables"), need(state.grey, "grey page")
        rulings = need(state.table_rulings, "table rulings")
        grey = seal_residue_out(grey, state.seals, state.dpi / state.work_dpi, self.options.seal_residue,
                                self.options.seal_text_dark)
        ink = self._text_ink(state, grey, rulings)
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
        loose = [p for p in pending if p.read.where is None]
        self._recognise(engine, [p for p in pending if p.read.where is not None])
        self._detect(engine, regions, grey, f, state.scale, lattice.tables)
        self._read_loose(engine, loose, glyph / state.work_scale, glyph * f)
        for read in reads:
            if read.where is None and len(read.pieces) > 1:  # in reading order again
                pairs = sorted(zip(read.pieces, read.crops, strict=True), key=lambda pc: (pc[0].y0, pc[0].x0))
                read.pieces, read.crops = [p for p, _ in pairs], [c for _, c in pairs]
        for read in reads:
            self._keep(read, lattice.tables)
        self._outside_seals(reads, ink, grey, glyph, f, min_ink, state, engine)
        for read in reads:
            count(f"cells read: {read.how}" if read.where is not None else f"loose blocks: {read.how}")
        return replace(state, reads=PageReads(cells=reads, glyph_px=glyph))

    def _read_loose(self, engine: OcrEngine, loose: list[_Pending], glyph_pt: float, glyph_full: float) -> None:
        """The lines outside the tables: each wider than a head read by its head first; those of
        a notes paragraph (``notes.note_lines``) kept so, the others read in full."""
        o = self.options.notes
        head = max(1, round(o.head_chars * glyph_full))
        short: list[_Pending] = []
        wide: list[_Pending] = []
        for p in loose:
            (wide if o.enabled and p.crop.shape[1] > head else short).append(p)
        cut = [p.crop[:, :head] for p in wide]
        heads = engine.read_lines(cut, "text", trim=False) if wide else []
        self._recognise(engine, short)
        lines = [LooseLine(p.points[1], p.points[3], t) for p, t in
                 [*((p, p.text or "") for p in short), *((p, t) for p, (t, _) in zip(wide, heads, strict=True))]]
        notes = note_lines(lines, glyph_pt, o)
        full = []
        for k, (p, c, (text, conf)) in enumerate(zip(wide, cut, heads, strict=True), len(short)):
            if k not in notes:
                full.append(p)
                continue
            count("notes lines read by their head")
            p.read.pieces.append(Piece(*p.points, f"{text.strip()}…" if text.strip() else "", conf))
            p.read.crops.append(c)
        self._recognise(engine, full)

    def _keep(self, read: CellRead, tables: Sequence[Table]) -> None:
        """The pieces of a read worth keeping; a cell with ink and none of them is unread."""
        o = self.options
        kept = [(p, c) for p, c in zip(read.pieces, read.crops, strict=True)
                if p.text.strip() and p.confidence >= o.min_loose_read
                and (read.where is not None or not _inside_a_table(p, tables))]
        if read.where is not None and any(p.confidence >= o.sure_piece for p, _ in kept):
            kept = [(p, c) for p, c in kept if not _speck(p, o)]
        if not kept and read.where is not None:  # a cell's one read, however unsure, is kept
            kept = [(p, c) for p, c in zip(read.pieces, read.crops, strict=True)
                    if p.text.strip() and p.confidence >= o.min_read][:1]
        if read.how in ("lines", "detected") and not kept and read.where is not None:
            read.unread = True
        read.pieces, read.crops = [p for p, _ in kept], [c for _, c in kept]

    def _outside_seals(self, reads: list[CellRead], ink: Image, grey: Image, glyph: float, f: float, min_ink: int,
                       state: ScanState, engine: OcrEngine) -> None:
        """A cell that a seal's disc covers in part and whose read found nothing is read again
        without the disc: its text beside the seal (a grey seal over the 总分 row of forms-gen
        s407 h22 left the row's label, clear of the seal, unread, and the total row was lost).
        What is read so is capped below ``outside_seal_confidence``: part of the cell's ink was
        left out, so a value read there stays in doubt."""
        if not state.seals:
            return
        retry = [r for r in reads if r.unread and r.where is not None and _partly_sealed(r.box, state.seals, state.work_scale)]
        if not retry:
            return
        ink, grey = ink.copy(), grey.copy()
        for cx, cy, r in state.seals:
            cv2.circle(ink, (round(cx), round(cy)), round(r), 0, -1)
            cv2.circle(grey, (round(cx * f), round(cy * f)), round(r * f), 255, -1)
        inset = px(self.options.inset_pt, state.work_dpi, 1)
        pending: list[_Pending] = []
        regions: list[tuple[CellRead, PixelBox]] = []
        again = [CellRead(where=r.where, box=r.box) for r in retry]
        for read in again:
            self._plan(read, ink, _box_px(read.box, state.work_scale, inset), glyph, f, min_ink, state, grey, pending, regions)
        self._recognise(engine, pending)
        self._detect(engine, regions, grey, f, state.scale)
        cap = self.options.outside_seal_confidence
        for old, new in zip(retry, again, strict=True):
            self._keep(new, ())
            if new.pieces and not new.unread:
                old.how, old.unread, old.crops = new.how, False, new.crops
                old.pieces = [replace(p, confidence=min(p.confidence, cap)) for p in new.pieces]
                count("cells read beside a seal")

    def _text_ink(self, state: ScanState, grey: Image, rulings: Image) -> Image:
        """The text ink at the working resolution: the grey page smoothed and thresholded,
        without the table rulings and without drawn dashes (a dash is told by its shape, and OCR
        writes it as 一 or nothing)."""
        o = self.options
        work = resize_grey(grey, round(state.dpi / state.work_dpi))
        if o.smooth_pt > 0:
            work = u8(cv2.GaussianBlur(work, (0, 0), o.smooth_pt * state.work_dpi / 72.0))
        offset = max(o.ink_offset, o.ink_noise_factor * paper_noise(work))
        found = binarize(work, odd_px(o.ink_block_pt, state.work_dpi, 3), offset)
        if found.shape != rulings.shape:  # a page whose size does not divide by the factor
            found = np.ascontiguousarray(cv2.resize(found, (rulings.shape[1], rulings.shape[0]),
                                                    interpolation=cv2.INTER_NEAREST))
        ink = without(found, rulings, px(0.6, state.work_dpi, 1))
        if state.dashes:
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
        if read.where is not None and is_dash(cut, lines, glyph, self.options.lines):
            # written as a dash, which the cell's text then is (assign: a dash cell)
            cell = read.box
            read.how = "dash"
            read.pieces = [Piece(cell.x0, cell.y0, cell.x1, cell.y1, "—", self.options.mark_confidence)]
            read.crops = [crop(grey, (round(region[0] * f), round(region[1] * f), round(region[2] * f), round(region[3] * f)))]
            return
        read.how = "lines"
        margin = round(self.options.crop_margin * glyph * f)
        # real pixels only from inside the cell (or, for loose text, the block and a little
        # round it) and from this line's half of the gap to the lines above and below
        grown = 0 if read.where is not None else margin
        inner = (round(region[0] * f) - grown, round(region[1] * f) - grown,
                 round(region[2] * f) + grown, round(region[3] * f) + grown)
        tops = {b.line: min(p.y0 for p in lines if p.line == b.line) for b in lines}
        bottoms = {b.line: max(p.y1 for p in lines if p.line == b.line) for b in lines}
        for line in lines:
            k = line.line
            upper = (bottoms[k - 1] + tops[k]) / 2 if k - 1 in bottoms else None
            lower = (bottoms[k] + tops[k + 1]) / 2 if k + 1 in tops else None
            allowed = (inner[0], max(inner[1], round((y0 + upper) * f)) if upper is not None else inner[1],
                       inner[2], min(inner[3], round((y0 + lower) * f)) if lower is not None else inner[3])
            b = line.shifted(x0, y0)
            want = (round(b.x0 * f) - margin, round(b.y0 * f) - margin, round(b.x1 * f) + margin, round(b.y1 * f) + margin)
            piece_crop = padded_crop(grey, want, allowed)
            if piece_crop.size:
                pending.append(_Pending(read, piece_crop, _to_points(b.x0 * f, b.y0 * f, b.x1 * f, b.y1 * f, state.scale)))

    @staticmethod
    def _recognise(engine: OcrEngine, pending: list[_Pending]) -> None:
        if not pending:
            return
        results = engine.read_lines([p.crop for p in pending], "text", trim=False)
        for p, (text, conf) in zip(pending, results, strict=True):
            p.text = text.strip()
            p.read.pieces.append(Piece(*p.points, p.text, conf))
            p.read.crops.append(p.crop)

    @staticmethod
    def _detect(engine: OcrEngine, regions: list[tuple[CellRead, PixelBox]], grey: Image, f: float, scale: float,
                tables: Sequence[Table] = ()) -> None:
        for read, region in regions:
            x0, y0, x1, y1 = (round(v * f) for v in region)
            area = crop(grey, (x0, y0, x1, y1))
            if area.size == 0:
                continue
            if read.where is None:
                area = _without_tables(area, (x0, y0), tables, scale)
            try:
                found = engine.read_page(np.ascontiguousarray(area))
            except OcrFailed:
                # a region the detector cannot take (RapidOCR's ResizeImgError on a sliver of ink,
                # held-out forms-gen s402 h20) is ink nothing could read: the cell is marked unread,
                # and the rest of the page is still read
                count("regions the detector could not take")
                continue
            for b in found:
                read.pieces.append(Piece(*_to_points(b.x0 + x0, b.y0 + y0, b.x1 + x0, b.y1 + y0, scale), b.text, b.confidence))
                bx = (max(0, int(b.x0)), max(0, int(b.y0)), int(np.ceil(b.x1)), int(np.ceil(b.y1)))
                read.crops.append(crop(area, bx))


def _speck(piece: Piece, options: CellReadOptions) -> bool:
    """A short piece read in doubt: beside a sure piece of its cell, a speck read as text."""
    return len(piece.text.strip()) <= options.speck_chars and piece.confidence < options.min_speck_read


def _partly_sealed(box: Box, seals: Sequence[tuple[float, float, float]], scale: float) -> bool:
    """Whether a seal's disc (working pixels) covers part of a cell's box (points), not all of it."""
    x0, y0, x1, y1 = box.x0 * scale, box.y0 * scale, box.x1 * scale, box.y1 * scale
    corners = [(x, y) for x in (x0, x1) for y in (y0, y1)]
    for cx, cy, r in seals:
        dx, dy = max(x0 - cx, 0.0, cx - x1), max(y0 - cy, 0.0, cy - y1)
        if dx * dx + dy * dy < r * r and any((x - cx) ** 2 + (y - cy) ** 2 > r * r for x, y in corners):
            return True
    return False


def seal_residue_out(grey: Image, seals: Sequence[tuple[float, float, float]], factor: float, bound: int,
                     dark: int = 110) -> Image:
    """``grey`` with every pixel lighter than ``bound`` inside a seal's disc (working pixels,
    ``factor`` full-resolution pixels each) made paper: the faint strokes a lifted seal leaves,
    which the text ink would take in and the recogniser read as digits. Darker ink (text,
    rulings, a seal only found by shape) is kept as it is, and a disc whose darkest ink (its 1st
    percentile) is not below ``dark`` is left alone: its text is as light as the residue. A page
    without seals is not copied."""
    if not seals:
        return grey
    out = grey.copy()
    h, w = grey.shape[:2]
    for cx, cy, r in seals:
        x0, y0 = max(0, int((cx - r) * factor)), max(0, int((cy - r) * factor))
        x1, y1 = min(w, int(np.ceil((cx + r) * factor)) + 1), min(h, int(np.ceil((cy + r) * factor)) + 1)
        if x1 <= x0 or y1 <= y0:
            continue
        yy, xx = np.ogrid[y0:y1, x0:x1]
        disc = (xx - cx * factor) ** 2 + (yy - cy * factor) ** 2 <= (r * factor) ** 2
        region = out[y0:y1, x0:x1]
        if not disc.any() or float(np.percentile(region[disc], 1)) >= dark:
            continue
        region[disc & (region > bound)] = 255
    return out


def mark_ink(grey: Image, box: Box, scale: float, dpi: float, noise: float, inset_pt: float) -> Image:
    """A cell's ink at full resolution for the shape test: the grey crop inside the cell,
    binarised as the page was (about two characters' window, the page's grain)."""
    cut = crop(grey, _box_px(box, scale, inset_pt * scale))
    if cut.size == 0:
        return u8(np.zeros((0, 0)))
    return binarize(np.ascontiguousarray(cut), odd_px(10.0, dpi, 3), max(12.0, 3.0 * noise), 215)


def shape_of(grey: Image, box: Box, state: ScanState, options: CellReadOptions,
             strong: bool = False) -> tuple[str, Image] | None:
    """The lone mark a cell holds, told by its shape, and the crop it was told from; None when
    the cell's ink is not one glyph or no clear mark (``strong``: no mark that matched only in
    the weak band, where a 2 drawn in WenQuanYi scores 0.46 against ≥)."""
    ink = mark_ink(grey, box, state.scale, state.dpi, state.noise, options.mark_inset_pt)
    if not ink.size or not is_single_glyph(ink, options.glyph_points * state.scale):
        return None
    found = classify_mark(ink)
    if found is None or (strong and found[1] < MARK_OPTIONS.min_score):
        return None
    return found[0], crop(grey, _box_px(box, state.scale, options.mark_inset_pt * state.scale))


def as_mark(read: CellRead, mark: str, shape: Image, confidence: float) -> CellRead:
    b = read.box
    return replace(read, how="mark", unread=False, pieces=[Piece(b.x0, b.y0, b.x1, b.y1, mark, confidence)],
                   crops=[shape])


@dataclass(frozen=True)
class Marks:
    """Lone ≥ ≤ = > < % / told by shape (marks.py). A cell read empty, unread, as one of the
    characters recognisers print for a lone mark, or as one or two characters the recogniser was
    unsure of, is settled by its shape when its ink is one glyph and the shape is clear; a mark
    the recogniser read surely is checked against its shape (agreeing, it is as sure as the
    shape test; differing, in doubt)."""

    options: CellReadOptions
    doubt: float
    name: str = "marks"

    def __call__(self, state: ScanState) -> ScanState:
        reads: PageReads = need(state.reads, "cell reads")
        grey = need(state.grey, "grey page")
        return replace(state, reads=replace(reads, cells=[self._settled(r, grey, state) for r in reads.cells]))

    def _settled(self, read: CellRead, grey: Image, state: ScanState) -> CellRead:
        if read.where is None or read.how in ("empty", "mark", "dash"):
            return read
        text = "".join(p.text for p in read.pieces).strip()
        conf = min((p.confidence for p in read.pieces), default=0.0)
        # a short read the recogniser was not sure of may be a mark it has no shape for (% read
        # as à or 第, ≥ as 2 or S): recognisers read lone marks poorly, the reason for the test
        unsure = len(text) <= 2 and conf < self.options.mark_confidence
        if len(read.pieces) == 1 and _LEADING_OP.match(text):
            return self._leading(read, grey, state, text)
        if len(read.pieces) == 1 and text in SLASH_READS and (slash := self._slash(read, grey, state)):
            return slash
        if text and text not in MARKS and text not in MARK_MISREADS and not unsure:
            return read
        # a read of a digit or character the recogniser was unsure of gives way only to a strong
        # match; an empty read or a misread mark to any clear one
        strong = bool(text) and text not in MARK_MISREADS and text not in MARKS
        found = shape_of(grey, read.box, state, self.options, strong=strong)
        if found is None:
            return read
        conf = self.options.mark_confidence
        if text in MARKS and not unsure:
            count("marks checked by shape")
            return replace(read, pieces=[replace(p, confidence=max(p.confidence, conf) if found[0] == text
                                                 else min(p.confidence, self.doubt)) for p in read.pieces])
        count("marks told by shape")
        return as_mark(read, found[0], found[1], conf)

    def _slash(self, read: CellRead, grey: Image, state: ScanState) -> CellRead | None:
        """A cell read as 1 or 7 (or /) whose ink is one stroke leaning right: a /."""
        ink = mark_ink(grey, read.box, state.scale, state.dpi, state.noise, self.options.mark_inset_pt)
        if not ink.size or not is_single_glyph(ink, self.options.glyph_points * state.scale) or not is_slash(ink):
            return None
        count("slashes told by shape")
        shape = crop(grey, _box_px(read.box, state.scale, self.options.mark_inset_pt * state.scale))
        return as_mark(read, "/", shape, max(self.options.mark_confidence, read.pieces[0].confidence if read.pieces[0].text == "/" else 0.0))

    def _leading(self, read: CellRead, grey: Image, state: ScanState, text: str) -> CellRead:
        """A quantity read with a bare > or < in front: the first glyph's bar settles ≥ / ≤."""
        ink = mark_ink(grey, read.box, state.scale, state.dpi, state.noise, self.options.mark_inset_pt)
        if not ink.size or not leading_bar(ink):
            return read
        count("operators given their bar by shape")
        piece = read.pieces[0]
        fixed = piece.text.replace(text[0], _WITH_BAR[text[0]], 1)
        return replace(read, pieces=[replace(piece, text=fixed)])


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
        h, w = state.colour.shape[:2]
        page = Page(number=state.number, width=w / state.scale, height=h / state.scale, grids=text.grids,
                    lines=lines, scale=state.scale, rotation=transform.rotation, skew_degrees=transform.skew_degrees)
        return replace(state, page=page)


def reads_of(state: ScanState) -> PageReads:
    return need(state.reads, "cell reads")


def _inside_a_table(piece: Piece, tables: Sequence[Table]) -> bool:
    """Whether a loose block's piece is text of a table's cell, which is read on its own. A loose
    block's box can span a table: faint ink along a scan's edge joined the page's loose text into
    one block the size of the page (forms-gen s406 h16), and the detector, run on the grey page
    inside it, read every cell a second time: every cell's text came out doubled."""
    return any(t.box.contains_point(piece.cx, piece.cy) for t in tables)


def _without_tables(area: Image, origin: tuple[int, int], tables: Sequence[Table], scale: float) -> Image:
    """A loose block's grey crop with the tables inside it painted as paper, so the detector is
    not run over cells read on their own (full-resolution pixels; ``scale`` pixels per point)."""
    out = area
    for t in tables:
        tx0, ty0 = round(t.box.x0 * scale) - origin[0], round(t.box.y0 * scale) - origin[1]
        tx1, ty1 = round(t.box.x1 * scale) - origin[0], round(t.box.y1 * scale) - origin[1]
        if tx1 <= 0 or ty1 <= 0 or tx0 >= area.shape[1] or ty0 >= area.shape[0]:
            continue
        if out is area:
            out = area.copy()
        out[max(0, ty0):max(0, ty1), max(0, tx0):max(0, tx1)] = 255
    return out
