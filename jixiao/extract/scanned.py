"""The scan path: page pixels to the grid model, through table structure, OCR and a digit-aware
second pass. Registered with ``open.py`` for image files and for PDF pages without a text layer.

Cells come out in two frames: ``box`` on the prepared page (upright, deskewed: what layout and
normalize use) and ``source_box`` on the page as the file holds it (what evidence crops and the
review outline). The OCR reads the prepared page, with seals suppressed; the original is never
altered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from pydantic import BaseModel, ConfigDict, Field

from jixiao.errors import OcrFailed, OcrUnavailable
from jixiao.extract.assign import assign_text
from jixiao.extract.base import PageResult, ReadResult
from jixiao.extract.marks import MARKS, classify_mark, is_single_glyph
from jixiao.extract.ocr import OcrEngine, get_engine, to_pieces
from jixiao.extract.photo.flatten import PhotoOptions, flatten_photo
from jixiao.extract.photo.source import to_photo
from jixiao.extract.raster import POINTS_PER_INCH, render_pdf_page, tagged_frames
from jixiao.extract.scan.readable import readability_check
from jixiao.extract.scan.structure import ScanPage, page_tables
from jixiao.grid import Box, Cell, Grid, Page, TextLine

_NUMERIC = re.compile(r"^[-+]?\d[\d\s.,，。]*%?$")
# a number with an operator or a short unit: '≥85%', '398.68万元', '5个'
_QUANTITY = re.compile(r"^[≥≤<>=]?\s*\d[\d\s.,，。]*\s*(%|[\u4e00-\u9fff]{1,4})?$")
AGREE, TIE_BREAK, DOUBT = 0.97, 0.85, 0.5  # confidence after the second pass, by how reads agreed
MIN_INK_PIXELS = 25  # fewer ink pixels than this in an empty cell is noise, not a character
MIN_EMPTY_READ = 0.3
UNREAD_INK = 0.3
GLYPH_POINTS = 12.0
CROP_INSET_POINTS = 0.8
MARK_CONFIDENCE = 0.9
SURE = 0.98
# what engines print for a lone ≥ ≤ = > <: such a read is checked by shape, never a digit or word
MARK_MISREADS = frozenset("Vv><=二之Zz乏这冬≥≤")  # a character of these forms is at most about this tall


class ScanReadOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: str = "rapidocr"
    # the second engine consulted where the two reads of a number disagree
    tie_breaker: str = "tesseract"
    numeric_pass: bool = True
    # threads the page engine may use; None leaves the engine's own setting (2: this machine's
    # cores). A pool of N workers gives each cores / N, so that they do not fight for them
    threads: int | None = None
    min_dpi: float = 150.0
    max_dpi: float = 400.0
    # phone photos (and images whose dpi tag is no scanner's): the page found and flattened first
    photo: PhotoOptions = Field(default_factory=PhotoOptions)


# ---------------------------------------------------------------- pixels


def native_dpi(pdf: pdfium.PdfDocument, index: int, default: float = 300.0) -> float:
    """The resolution of the scan inside a PDF page: render there, not at a resampled one."""
    page = pdf[index]
    try:
        best = 0.0
        for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,)):
            width_px, _ = obj.get_px_size()
            left, _, right, _ = obj.get_bounds()
            if right > left:
                best = max(best, width_px / ((right - left) / POINTS_PER_INCH))
        return best or default
    except (AttributeError, pdfium.PdfiumError):
        return default


# ---------------------------------------------------------------- a page


def page_engine(options: ScanReadOptions) -> OcrEngine:
    if options.threads is not None and options.engine == "rapidocr":
        return get_engine(options.engine, {"intra_op_threads": options.threads})
    return get_engine(options.engine)


def _number_of(text: str) -> str:
    return re.sub(r"[\s，,]", "", text).replace("。", ".")


def _rechecked(text: str, confidence: float) -> bool:
    """Every number and quantity; and one- or two-character cells (units, 个, 项) the page pass
    scored below sure: short reads score low even when right, and a read of the cell settles them."""
    return bool(_QUANTITY.match(text)) or (0 < len(text) <= 2 and confidence < SURE)


def _has_ink(ink: np.ndarray, scan: ScanPage, box: Box) -> bool:
    """Enough text ink inside the cell, away from its borders, to be a character."""
    inside = _crop_of(ink, scan, box)
    needed = max(MIN_INK_PIXELS, 0.004 * inside.size)
    return inside.size > 0 and int(np.count_nonzero(inside)) >= needed


def _padded(crop: np.ndarray) -> np.ndarray:
    """White space around a lone mark: recognition reads '=' as '二' when it fills the crop."""
    if crop.size == 0:
        return crop
    pad_y, pad_x = max(crop.shape[0] // 5, 4), max(crop.shape[1] // 3, 8)
    return cv2.copyMakeBorder(crop, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT, value=255)


def _crop_of(image: np.ndarray, scan: ScanPage, box: Box, inset: int | None = None) -> np.ndarray:
    """The cell's pixels, ``inset`` pixels in from its rulings (by default 2 points' worth)."""
    s = scan.scale
    inset = max(int(2 * s), 3) if inset is None else inset
    x0, y0 = max(int(box.x0 * s) + inset, 0), max(int(box.y0 * s) + inset, 0)
    x1, y1 = min(int(box.x1 * s) - inset, image.shape[1]), min(int(box.y1 * s) - inset, image.shape[0])
    return image[y0:y1, x0:x1] if x1 > x0 and y1 > y0 else np.zeros((0, 0), np.uint8)


def _crop(scan: ScanPage, box: Box, inset: int = 2) -> np.ndarray:
    return _crop_of(scan.grey, scan, box, inset)


@dataclass
class _Second:
    """The second pass over numeric cells: each number read twice, a third read where they differ."""

    scan: ScanPage
    options: ScanReadOptions

    @cached_property
    def ink(self) -> np.ndarray:
        """Text ink alone: the binarised page without the table's rulings (made once a page)."""
        return cv2.subtract(self.scan.prepared.binary, self.scan.table_rulings)

    def run(self, grids: list[Grid]) -> None:
        self.numbers(grids)
        self.empties(grids)

    def empties(self, grids: list[Grid]) -> None:
        """Cells the page-wide detection left empty though they hold ink: a lone '≥', '%' or digit
        is too small for the text detector. Recognition alone reads them."""
        ink = self.ink
        cells = [c for g in grids for c in g.cells
                 if c.box is not None and (not c.text.strip() or c.text.strip() in MARK_MISREADS)
                 and not c.dash and _has_ink(ink, self.scan, c.box)]
        rest = [c for c in cells if not self._mark(c, _crop_of(ink, self.scan, c.box))]  # type: ignore[arg-type]
        if not rest:
            return
        crops = [_padded(_crop(self.scan, c.box)) for c in rest]  # type: ignore[arg-type]
        reads = page_engine(self.options).read_lines(crops, "text")
        for cell, (text, conf) in zip(rest, reads):
            if cell.text.strip():
                continue
            if text.strip() and conf >= MIN_EMPTY_READ:
                cell.text = cell.raw = text.strip()
                cell.confidence = conf
            else:
                cell.confidence = UNREAD_INK  # something is written here that nothing could read

    def _mark(self, cell: Cell, ink: np.ndarray) -> bool:
        """A lone ≥ ≤ = > < told by its shape; True if the cell was settled so."""
        if ink.size == 0 or not is_single_glyph(ink, GLYPH_POINTS * self.scan.scale):
            return False
        found = classify_mark(ink)
        if found is None:
            return False
        cell.text = cell.raw = found[0]
        # the match score is a correlation, not a probability: past the bar and the margin, the
        # shape is decisive, short of certain
        cell.confidence = MARK_CONFIDENCE
        return True

    def numbers(self, grids: list[Grid]) -> None:
        """Every number read again from its cell alone; where the two reads differ, Tesseract is
        asked too. The page read always stands: the second pass only says how sure it is."""
        cells = [c for g in grids for c in g.cells if c.box is not None and _rechecked(c.text.strip(), c.confidence)]
        marks = [c for c in cells if c.text.strip() in MARKS]
        self._check_marks(marks)
        cells = [c for c in cells if c.text.strip() not in MARKS]
        if not cells:
            return
        inset = max(2, round(CROP_INSET_POINTS * self.scan.scale))  # clear of the rulings
        crops = [_crop(self.scan, c.box, inset=inset) for c in cells]  # type: ignore[arg-type]
        again = page_engine(self.options).read_lines(crops, "text")
        disputed = [k for k, (c, (t, _)) in enumerate(zip(cells, again)) if _number_of(t) != _number_of(c.text)]
        bare = [k for k in disputed if _NUMERIC.match(cells[k].text.strip())]
        third = dict(zip(bare, self._third([crops[k] for k in bare])))
        for k, (cell, (_, conf)) in enumerate(zip(cells, again)):
            if k not in disputed:
                cell.confidence = max(cell.confidence, min(conf, AGREE))
            elif _number_of(third.get(k, ("", 0.0))[0]) == _number_of(cell.text):
                cell.confidence = min(cell.confidence, TIE_BREAK)
            else:
                cell.confidence = min(cell.confidence, DOUBT)
                cell.raw = f"{cell.raw} | 复核读数 {again[k][0]}".strip(" |")

    def _check_marks(self, cells: list[Cell]) -> None:
        """A ≥ or ≤ the page read is checked against its shape, not read again: recognisers
        read lone marks poorly (that is why the shape test exists)."""
        ink = self.ink
        for cell in cells:
            found = classify_mark(_crop_of(ink, self.scan, cell.box))  # type: ignore[arg-type]
            if found is not None and found[0] == cell.text.strip():
                cell.confidence = max(cell.confidence, MARK_CONFIDENCE)
            elif found is not None:
                cell.confidence = min(cell.confidence, DOUBT)

    def _third(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        if not crops:
            return []
        try:
            return get_engine(self.options.tie_breaker).read_lines(crops, "numeric")
        except (OcrUnavailable, OcrFailed):
            return [("", 0.0)] * len(crops)


def _to_source(scan: ScanPage, box: Box | None, px_per_point: float) -> Box | None:
    if box is None:
        return None
    b = scan.box_on_original(box)
    return Box(x0=b.x0 / px_per_point, y0=b.y0 / px_per_point, x1=b.x1 / px_per_point, y1=b.y1 / px_per_point)


def read_scan_page(image: np.ndarray, dpi: float, number: int, options: ScanReadOptions) -> Page:
    """One scanned page into the grid model."""
    engine = page_engine(options)
    check = readability_check(lambda crops: engine.read_lines(crops, "text"), dpi)
    scan = page_tables(image, dpi, check=check)
    boxes = engine.read_page(scan.grey, scan.table_rulings)
    text = assign_text(scan.lattice.tables, to_pieces(boxes, scan.scale), number, strays=scan.strays)
    if options.numeric_pass:
        _Second(scan, options).run(text.grids)
    px = dpi / POINTS_PER_INCH
    for grid in text.grids:
        for cell in grid.cells:
            cell.source_box = _to_source(scan, cell.box, px)
    lines: list[TextLine] = [line.model_copy(update={"source_box": _to_source(scan, line.box, px)}) for line in text.lines]
    h, w = image.shape[:2]
    return Page(number=number, width=w / px, height=h / px, grids=text.grids, lines=lines, scale=scan.scale,
                rotation=scan.transform.rotation, skew_degrees=scan.transform.skew_degrees)


# ---------------------------------------------------------------- files


def read_image_file(path: Path, options: ScanReadOptions, first: int = 1) -> ReadResult:
    """Every frame of an image file; pages are numbered from ``first`` (a page set's later files)."""
    pages = []
    for n, (rgb, dpi, tags) in enumerate(tagged_frames(path), first):
        flat = flatten_photo(rgb, tags, options.photo)
        if flat is None:
            page = read_scan_page(rgb, dpi, n, options)
        else:  # read flat, located on the photo
            page = to_photo(read_scan_page(flat.image, flat.dpi, n, options), flat, (rgb.shape[1], rgb.shape[0]), dpi)
        pages.append(PageResult(page, "text", "scan"))
    return ReadResult(kind="image", pages=pages)


def read_pdf_pages(path: Path, numbers: list[int], options: ScanReadOptions) -> list[PageResult]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        dpis = {n: min(max(native_dpi(pdf, n - 1), options.min_dpi), options.max_dpi) for n in numbers}
    finally:
        pdf.close()
    return [PageResult(read_scan_page(render_pdf_page(path, n, dpis[n]), dpis[n], n, options), "text", "scan")
            for n in numbers]
