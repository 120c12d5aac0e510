"""The text-layer reader: a PDF's vector rulings and glyphs through the lattice.

pdfplumber supplies the objects; everything else is ``lattice`` and ``assign``, the same code the
scan path runs on its own line fragments and OCR boxes. ``find_tables()`` is not used: it does
not report spans.

Every call into pdfplumber / pdfminer happens inside ``_translated``, which turns their errors
into jixiao's; the lattice and assignment run outside it, so a bug of ours is never reported as a
damaged file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSEOF
from pdfplumber.page import Page as PlumberPage
from pdfplumber.utils.exceptions import PdfminerException
from pydantic import BaseModel, ConfigDict, Field

from jixiao.errors import CorruptFile, EmptyFile, EncryptedFile, InputError, TooLarge
from jixiao.extract.assign import Piece, TextOptions, assign_text
from jixiao.extract.base import PageResult, ReadLimits, ReadResult, expect_pages
from jixiao.extract.clipping import Clipped, clip_reader, unclip
from jixiao.extract.lattice import LatticeOptions, Segment, find_tables
from jixiao.grid import Box, Page

# pdfminer logs a warning per glyph for fonts with odd descriptors ("Could not get FontBBox"),
# thousands per browser-printed page; the text still comes out, and the user needs one line
# per file, not a flood.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

PdfObject = dict[str, Any]  # pdfplumber's own object type


class PdfTextOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lattice: LatticeOptions = Field(default_factory=LatticeOptions)
    text: TextOptions = Field(default_factory=TextOptions)
    # a rectangle (or filled path) no thicker than this is a drawn line, taken along its middle
    thin_rect: float = 3.0
    # glyphs drawn twice within this distance (fake bold) are read once
    dedupe_tolerance: float = 1.0
    # a page with glyphs but no rulings, under an image covering this share of it, is a scan
    # with an OCR text layer: its tables are in the pixels
    scan_image_share: float = 0.5


@dataclass(frozen=True)
class PageObjects:
    """What one page holds, in page points with the origin at the visible page's top-left."""

    width: float
    height: float
    rotation: int
    segments: list[Segment]
    pieces: list[Piece]
    image_share: float  # largest image's share of the page area
    has_drawing: bool


# ---------------------------------------------------------------- errors


def _unwrap(exc: BaseException) -> BaseException:
    if isinstance(exc, PdfminerException) and exc.args and isinstance(exc.args[0], BaseException):
        return exc.args[0]
    return exc


def translate_error(path: Path, exc: BaseException, truncated: bool) -> InputError:
    """One of jixiao's errors, with a reason an auditor can act on, for a pdfminer failure."""
    inner = _unwrap(exc)
    if isinstance(inner, PDFPasswordIncorrect):
        return EncryptedFile(path, "encrypted: the PDF needs a password to open")
    if isinstance(inner, PDFEncryptionError):
        return EncryptedFile(path, f"encrypted with a method that cannot be read ({inner})")
    detail = f"{type(inner).__name__}: {inner}".rstrip(": ")
    if truncated:
        return CorruptFile(path, f"truncated: no %EOF end marker, the file was cut off ({detail})")
    if isinstance(inner, PSEOF):
        return CorruptFile(path, f"truncated or damaged: the PDF data ends unexpectedly ({detail})")
    if isinstance(inner, PDFSyntaxError) and "/Root" in str(inner):
        return CorruptFile(path, "damaged: the PDF has no document catalogue (/Root)")
    return CorruptFile(path, f"damaged PDF ({detail})")


def ends_with_eof_marker(path: Path) -> bool:
    """Whether %%EOF occurs near the end. Its absence means a cut-off download or copy; it is
    only used to word the reason when parsing fails, since some readable PDFs lack it."""
    with path.open("rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 2048))
        return b"%%EOF" in f.read()


@contextmanager
def _translated(path: Path, truncated: bool) -> Iterator[None]:
    try:
        yield
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises anything on bad input: KeyError, ...
        raise translate_error(path, exc, truncated) from _unwrap(exc)


# ---------------------------------------------------------------- segments


def _is_white(color: object) -> bool:
    """A stroke in white draws nothing visible on paper (it erases a ruling)."""
    if not isinstance(color, tuple | list) or not color:
        return False
    if not all(isinstance(v, int | float) for v in color):
        return False  # a pattern or a named colour space
    if len(color) == 4:
        return all(v == 0 for v in color)  # CMYK
    return all(v >= 0.95 for v in color)


def _thin_as_line(x0: float, top: float, x1: float, bottom: float, thin: float) -> Segment | None:
    """A box no thicker than ``thin`` as the line along its middle."""
    if bottom - top <= thin and x1 - x0 > bottom - top:
        y = (top + bottom) / 2
        return Segment(x0, y, x1, y)
    if x1 - x0 <= thin:
        x = (x0 + x1) / 2
        return Segment(x, top, x, bottom)
    return None


def rect_segments(rect: PdfObject, thin: float) -> list[Segment]:
    """A thin rectangle is one line; a stroked one, its four sides; a filled one is shading."""
    x0, top, x1, bottom = rect["x0"], rect["top"], rect["x1"], rect["bottom"]
    line = _thin_as_line(x0, top, x1, bottom, thin)
    if line is not None:
        visible = rect.get("fill") and not _is_white(rect.get("non_stroking_color"))
        stroked = rect.get("stroke") and not _is_white(rect.get("stroking_color"))
        return [line] if visible or stroked else []
    if not rect.get("stroke", True) or _is_white(rect.get("stroking_color")):
        return []
    return [
        Segment(x0, top, x1, top),
        Segment(x0, bottom, x1, bottom),
        Segment(x0, top, x0, bottom),
        Segment(x1, top, x1, bottom),
    ]


def path_segments(obj: PdfObject, thin: float) -> list[Segment]:
    """A line or curve: its straight pieces when stroked; when only filled, one line if thin
    (a line drawn as a filled sliver). Filled shapes that are not thin are glyph outlines or
    shading, whose edges would otherwise look like tiny tables."""
    if obj.get("stroke", True):
        if _is_white(obj.get("stroking_color")):
            return []
        points = obj.get("pts") or [(obj["x0"], obj["top"]), (obj["x1"], obj["bottom"])]
        return [Segment(a[0], a[1], b[0], b[1]) for a, b in pairwise(points)]
    if obj.get("fill") and not _is_white(obj.get("non_stroking_color")):
        line = _thin_as_line(obj["x0"], obj["top"], obj["x1"], obj["bottom"], thin)
        return [line] if line is not None else []
    return []


def _shift(segment: Segment, dx: float, dy: float) -> Segment:
    return Segment(segment.x0 - dx, segment.y0 - dy, segment.x1 - dx, segment.y1 - dy)


def page_segments(page: PlumberPage, thin: float) -> list[Segment]:
    """All rulings drawn on the page, relative to the page's top-left corner."""
    ox, oy = page.bbox[0], page.bbox[1]
    found: list[Segment] = []
    for rect in page.rects:
        found.extend(rect_segments(rect, thin))
    for obj in [*page.lines, *page.curves]:
        found.extend(path_segments(obj, thin))
    return [_shift(s, ox, oy) for s in found]


# ---------------------------------------------------------------- glyphs and the page


def dedupe(pieces: list[Piece], tolerance: float) -> list[Piece]:
    """Drop a glyph drawn again within ``tolerance`` of an earlier copy of the same text, as
    fake bold (a glyph overprinted with a small offset) does. Buckets of side ``tolerance``
    keep it linear; pdfplumber's own dedupe_chars took a third of the page time."""
    if tolerance <= 0:
        return pieces
    seen: dict[tuple[str, int, int], list[Piece]] = {}
    kept: list[Piece] = []
    for p in pieces:
        bx, by = int(p.x0 // tolerance), int(p.y0 // tolerance)
        near = (
            q
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for q in seen.get((p.text, bx + dx, by + dy), ())
        )
        if any(abs(q.x0 - p.x0) <= tolerance and abs(q.y0 - p.y0) <= tolerance for q in near):
            continue
        seen.setdefault((p.text, bx, by), []).append(p)
        kept.append(p)
    return kept


def page_pieces(
    page: PlumberPage, dedupe_tolerance: float, clipped: Sequence[Clipped] = ()
) -> list[Piece]:
    """One piece per glyph, relative to the page's top-left corner, fake-bold doubles removed,
    glyphs outside the page or their clip treated as the page shows them (``clipping``)."""
    ox, oy = page.bbox[0], page.bbox[1]
    pieces = [
        Piece(c["x0"] - ox, c["top"] - oy, c["x1"] - ox, c["bottom"] - oy, c["text"])
        for c in page.chars
    ]
    shifted = [
        Clipped(bounds=_shift_box(c.bounds, ox, oy), clip=_shift_box(c.clip, ox, oy), text=c.text)
        for c in clipped
    ]
    pieces = unclip(pieces, shifted, float(page.width), float(page.height))
    return dedupe(pieces, dedupe_tolerance)


def _shift_box(box: Box, dx: float, dy: float) -> Box:
    return Box(x0=box.x0 - dx, y0=box.y0 - dy, x1=box.x1 - dx, y1=box.y1 - dy)


def _visible_page(page: PlumberPage) -> PlumberPage:
    """The page cut to its CropBox, which is what viewers (and the scan path's renderer) show."""
    mx0, mtop, mx1, mbottom = page.mediabox
    cx0, ctop, cx1, cbottom = page.cropbox
    box = (max(cx0, mx0), max(ctop, mtop), min(cx1, mx1), min(cbottom, mbottom))
    if box[2] - box[0] < 1 or box[3] - box[1] < 1:  # a broken CropBox: ignore it
        return page
    if all(abs(a - b) < 0.5 for a, b in zip(box, page.mediabox, strict=True)):
        return page
    return page.crop(box)


def _image_share(page: PlumberPage) -> float:
    area = float(page.width * page.height) or 1.0
    shares = [
        max(0.0, float(im["x1"] - im["x0"])) * max(0.0, float(im["bottom"] - im["top"])) / area
        for im in page.images
    ]
    return min(max(shares, default=0.0), 1.0)


def page_objects(
    page: PlumberPage, options: PdfTextOptions, clipped: Sequence[Clipped] = ()
) -> PageObjects:
    """Everything the reader needs from pdfplumber for one page (the only pdfplumber calls);
    ``clipped`` is what pdfium knows of the page's text drawn outside its clip."""
    page = _visible_page(page)
    segments = page_segments(page, options.thin_rect)
    return PageObjects(
        width=float(page.width),
        height=float(page.height),
        rotation=int(page.rotation),
        segments=segments,
        pieces=page_pieces(page, options.dedupe_tolerance, clipped),
        image_share=_image_share(page),
        has_drawing=bool(segments or page.images or page.curves),
    )


def _status(objects: PageObjects, n_grids: int, options: PdfTextOptions) -> tuple[str, str]:
    has_text = any(p.text.strip() for p in objects.pieces)
    if has_text and (n_grids or objects.image_share < options.scan_image_share):
        return "text", ""
    if has_text:
        return "needs_ocr", "a page image under an OCR text layer, with no ruled lines to read"
    if objects.image_share > 0:
        return "needs_ocr", "no text layer: the page is an image (a scan)"
    if objects.has_drawing:
        return "needs_ocr", "no text layer: only vector drawing (text converted to outlines?)"
    return "blank", "nothing on the page"


def read_page(objects: PageObjects, number: int, options: PdfTextOptions) -> PageResult:
    """The grids and loose lines of one page, with its status."""
    lattice = find_tables(objects.segments, options.lattice)
    content = assign_text(
        lattice.tables, objects.pieces, number, strays=lattice.strays, options=options.text
    )
    status, reason = _status(objects, len(content.grids), options)
    page = Page(
        number=number, width=objects.width, height=objects.height, rotation=objects.rotation
    )
    if status == "text":
        page = page.model_copy(update={"grids": content.grids, "lines": content.lines})
    return PageResult(page=page, status=status, reason=reason)  # type: ignore[arg-type]


def _check_page_count(path: Path, n_pages: int, limits: ReadLimits) -> None:
    if n_pages == 0:
        raise EmptyFile(path, "the PDF has no pages")
    if n_pages > limits.max_pages:
        raise TooLarge(path, f"{n_pages} pages, over the limit of {limits.max_pages}")


def read_pdf(
    path: Path, limits: ReadLimits | None = None, options: PdfTextOptions | None = None
) -> ReadResult:
    """Every page of a PDF through the text layer. Pages without one come back as needs_ocr."""
    limits, options = limits or ReadLimits(), options or PdfTextOptions()
    truncated = not ends_with_eof_marker(path)
    result = ReadResult(kind="text_pdf")
    with _translated(path, truncated):
        pdf = pdfplumber.open(path)
    try:
        with _translated(path, truncated):
            pages: Sequence[PlumberPage] = pdf.pages
        _check_page_count(path, len(pages), limits)
        expect_pages(len(pages))
        with clip_reader(path) as clips:
            for number, plumber_page in enumerate(pages, start=1):
                clipped = clips.page(number - 1)
                with _translated(path, truncated):
                    objects = page_objects(plumber_page, options, clipped)
                    plumber_page.close()  # drop pdfplumber's per-page caches: archives run long
                result.pages.append(read_page(objects, number, options))
    finally:
        _close(pdf)
    return result


def _close(pdf: pdfplumber.PDF) -> None:
    """Close without raising: ``PDF.close`` walks ``pdf.pages`` again, and on a file whose pages
    did not parse it raises pdfminer's error once more, from the ``finally``, past the
    translation (and over the error already on its way out)."""
    try:
        pdf.close()
    except Exception:  # noqa: BLE001
        if not pdf.stream_is_external:
            pdf.stream.close()
