"""The scan path: page pixels to the grid model, as one list of stages (``scan_stages``).

Registered with ``open.py`` for image files and for PDF pages without a text layer. The stages
(``scan/state.py``: each ``(ScanState) -> ScanState``, timed by ``run_stages``) prepare the page
(light, seals, threshold, orientation, skew), find its structure (rulings, tables, dashes), read
its cells (``scan/read.py``: the cells' own text lines straight to the recogniser, detection only
inside regions that are not plain lines), settle lone marks by shape, assign the reads to the
grid, read again only what is in doubt (``scan/second.py``), and map every box back onto the
page as the file holds it.

Cells come out in two frames: ``box`` on the prepared page (upright, deskewed: what layout and
normalize use) and ``source_box`` on the page as the file holds it (what evidence crops and the
review outline). The OCR reads the prepared page, with seals suppressed; the original is never
altered.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

import pypdfium2 as pdfium
from pydantic import BaseModel, ConfigDict, Field

from jixiao.errors import OcrUnavailable
from jixiao.extract.base import PageResult, ReadResult
from jixiao.extract.ocr import OcrEngine, get_engine
from jixiao.extract.photo.exif import ImageTags
from jixiao.extract.photo.flatten import PhotoOptions
from jixiao.extract.photo.stages import OntoPhoto, PhotoState, photo_stages
from jixiao.extract.raster import POINTS_PER_INCH, render_pdf_page, tagged_frames
from jixiao.extract.scan.closure import Closure, ClosureOptions
from jixiao.extract.scan.read import Assign, CellReadOptions, Marks, PageOut, ReadCells
from jixiao.extract.scan.readable import readability_check
from jixiao.extract.scan.second import SecondRead, SecondReadOptions
from jixiao.extract.scan.state import ScanState, Stage, need, run_stages
from jixiao.extract.scan.structure import ScanOptions, structure_stages
from jixiao.grid import Page


class ScanReadOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: str = "rapidocr"
    # the second engine consulted where the first read of a number is in doubt
    tie_breaker: str = "tesseract"
    # threads the page engine may use; None leaves the engine's own setting (2: this machine's
    # cores). A pool of N workers gives each cores / N, so that they do not fight for them
    threads: int | None = None
    min_dpi: float = 150.0
    max_dpi: float = 400.0
    structure: ScanOptions = Field(default_factory=ScanOptions)
    read: CellReadOptions = Field(default_factory=CellReadOptions)
    second: SecondReadOptions = Field(default_factory=SecondReadOptions)
    # the cells of a table whose rulings do not close are in doubt
    closure: ClosureOptions = Field(default_factory=ClosureOptions)
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
    """The page engine: one per process and thread setting (``get_engine`` caches it)."""
    if options.threads is not None and options.engine == "rapidocr":
        return get_engine(options.engine, {"intra_op_threads": options.threads})
    return get_engine(options.engine)


def load_engines(engine: str = "rapidocr", threads: int | None = None) -> None:
    """Load the page engine of a worker process now (a pool's initializer), so that its models
    are read once, before its first file, and kept for every page after it."""
    try:
        page_engine(ScanReadOptions(engine=engine, threads=threads))
    except OcrUnavailable:
        pass  # said once per file that needs it, as a reason, not here at start-up


def tie_breaker(options: ScanReadOptions) -> OcrEngine | None:
    """The tie-breaking engine, or None where it is not installed (then numbers in doubt stay
    as sure as their first read says)."""
    try:
        return get_engine(options.tie_breaker)
    except OcrUnavailable:
        return None


def scan_stages(options: ScanReadOptions) -> list[Stage]:
    """The scan path, in order. An image file's photo steps (``photo/stages.py``: page finding,
    perspective, dewarping) run before its first stage, "light and seals", and the boxes are moved
    onto the photo after its last (``read_scan_page``)."""
    engine = partial(page_engine, options)  # built once per process, on first use
    return [
        *structure_stages(options.structure),
        ReadCells(options.read, engine),
        Marks(options.read, options.second.doubt),
        Assign(options.read),
        SecondRead(options.second, engine, partial(tie_breaker, options)),
        Closure(options.closure),
        PageOut(),
    ]


def read_scan_page(image: object, dpi: float, number: int, options: ScanReadOptions,
                   tags: ImageTags | None = None) -> Page:
    """One scanned page into the grid model; ``tags``: an image file's (then the photo steps run)."""
    state = ScanState(image=image, dpi=dpi, number=number)  # type: ignore[arg-type]
    if tags is not None:  # a photo is flattened first; each photo step is a no-op for a scan
        state = run_stages(photo_stages(options.photo), replace(state, photo=PhotoState(tags=tags, image_dpi=dpi)))
    # the engine is loaded when first needed: a page with no text never loads it. The check is
    # at the resolution of the page the stages read (a photo's flat page)
    check = readability_check(lambda crops: page_engine(options).read_lines(crops, "text"), state.dpi,
                              options.structure.prepare.orient)
    stages = [*scan_stages(options), *([OntoPhoto()] if tags is not None else [])]
    return need(run_stages(stages, replace(state, check=check), page=True).page, "page")


# ---------------------------------------------------------------- files


def read_image_file(path: Path, options: ScanReadOptions, first: int = 1) -> ReadResult:
    """Every frame of an image file; pages are numbered from ``first`` (a page set's later files)."""
    pages = []
    for n, (rgb, dpi, tags) in enumerate(tagged_frames(path), first):
        # a photo is read flat (the photo stages) and located on the photo
        pages.append(PageResult(read_scan_page(rgb, dpi, n, options, tags), "text", "scan"))
    return ReadResult(kind="image", pages=pages)


def read_pdf_pages(path: Path, numbers: list[int], options: ScanReadOptions) -> list[PageResult]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        dpis = {n: min(max(native_dpi(pdf, n - 1), options.min_dpi), options.max_dpi) for n in numbers}
    finally:
        pdf.close()
    return [PageResult(read_scan_page(render_pdf_page(path, n, dpis[n]), dpis[n], n, options), "text", "scan")
            for n in numbers]
