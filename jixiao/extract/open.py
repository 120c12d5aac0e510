"""``read_document``: sniff a file by its bytes, hash it, and hand it to the reader for its kind.

Readers are a small registry keyed by file kind, so the scan path slots in by registering an
image reader and a page-OCR hook; until then images and image-only PDF pages raise ``NeedsOcr``.

The limits of ``ReadLimits`` that can be checked from the outside are checked here, before the
reader starts: bytes, frames of an image, pages of a page set; page images are checked by
``raster`` under the limits of this read (``page_limits``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pypdfium2 as pdfium
from pydantic import BaseModel, ConfigDict, Field

from jixiao.errors import CorruptFile, EmptyFile, InputError, NoFormFound, TooLarge, UnsupportedFile
from jixiao.extract.base import (
    FileKind,
    NeedsOcr,
    PageResult,
    PageStatus,
    ReadLimits,
    ReadResult,
    expect_pages,
    page_list,
)
from jixiao.extract.office import OfficeKind, OfficeOptions, office_kind, read_office
from jixiao.extract.pageset import members, set_files
from jixiao.extract.pdf_text import PdfTextOptions, read_pdf
from jixiao.extract.raster import check_page_size, count_frames, page_limits, pdf_page_pixels
from jixiao.extract.scanned import ScanReadOptions, read_image_file, read_pdf_pages
from jixiao.extract.transcript import (
    HTML_SUFFIXES,
    TEXT_SUFFIXES,
    TRIED,
    decode_text,
    read_transcript,
)
from jixiao.grid import Document, SourceInfo

TRANSCRIPT_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES


class ReadOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limits: ReadLimits = Field(default_factory=ReadLimits)
    pdf: PdfTextOptions = Field(default_factory=PdfTextOptions)
    # what to do with pages only OCR could read when no OCR is registered: raise NeedsOcr, or
    # keep them as empty pages (the caller then reports ExtractResult.pages' statuses itself)
    on_needs_ocr: Literal["raise", "skip"] = "raise"
    # how scans are read: the OCR engine, the second pass over numbers
    scan: ScanReadOptions = Field(default_factory=ScanReadOptions)
    # office files: limits, and LibreOffice's timeout and profile for the old formats
    office: OfficeOptions = Field(default_factory=OfficeOptions)


# ---------------------------------------------------------------- sniffing

_HEAD = 1024  # PDF readers accept the %PDF- header anywhere in the first KiB

_IMAGES: list[tuple[bytes, FileKind]] = [
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
]

# what common non-forms start with, to name them in the reason
_OTHERS: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "a zip archive, not an Office document (.ofd and .zip files are zips)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file that is neither Word nor Excel (.ppt, .msg?)"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document"),
    (b"%!PS", "a PostScript file"),
    (b"<?xml", "an XML file"),
]


def _describe(head: bytes) -> str:
    """What the first bytes say the file is, for the reason of UnsupportedFile."""
    for magic, what in _OTHERS:
        if head.startswith(magic):
            return what
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if _looks_like_text(head):
        return "a text file"
    return ""


# control characters a text file may hold (a stray NUL, an escape an old OCR export left):
# binary data decoded as text has many more
_TEXT_CONTROL_SHARE = 0.02


def _looks_like_text(head: bytes) -> bool:
    text = _decode_head(head)
    if not text:
        return False
    odd = sum(not (ch.isprintable() or ch in "\r\n\t\f\ufeff") for ch in text)
    return odd <= _TEXT_CONTROL_SHARE * len(text)


def _decode_head(head: bytes) -> str | None:
    # the cut at _HEAD may split a multi-byte character: retry without the last few bytes
    for trim in range(4):
        decoded = decode_text(head[: len(head) - trim])
        if decoded is not None:
            return decoded[0]
    return None


def sniff(path: Path) -> FileKind:
    """The file's kind from its first bytes; the extension is not trusted."""
    head = _read_head(path)
    if not head:
        raise EmptyFile(path, "empty file (0 bytes)")
    if b"%PDF-" in head:
        return "pdf"
    for magic, kind in _IMAGES:
        if head.startswith(magic):
            return kind
    office = office_kind(path, head)
    if office is not None:
        return office
    what = _describe(head)
    named_text = path.suffix.lower() in TRANSCRIPT_SUFFIXES
    if what in ("a text file", "an HTML page") and named_text:
        return "transcript"
    start = f"starts with {head[:8]!r}"
    if named_text and not what:
        raise UnsupportedFile(path, f"named {path.suffix} but not text in any encoding read ({TRIED}): {start}")
    raise UnsupportedFile(
        path, f"not a PDF or image ({start}: {what})" if what else f"not a PDF or image ({start})"
    )


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(_HEAD)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "a directory, not a file") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None


def sha256_of(path: Path) -> str:
    return digest_of(path)[0]


def digest_of(path: Path) -> tuple[str, int]:
    """sha256 and size of the file's bytes; of a page set, of its page files one after another."""
    digest, size = hashlib.sha256(), 0
    for member in members(path):
        with member.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
    return digest.hexdigest(), size


def _check_size(path: Path, limits: ReadLimits, kind: FileKind | None = None) -> None:
    size = path.stat().st_size
    limit = limits.max_transcript_bytes if kind == "transcript" else limits.max_bytes
    if size > limit:
        what = "a transcript of " if kind == "transcript" else ""
        raise TooLarge(path, f"{what}{_mb(size)}, over the limit of {_mb(limit)}")


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size < 10 * 2**20 else f"{size / 2**20:.0f} MB"


# ---------------------------------------------------------------- readers

Reader = Callable[[Path, ReadOptions], ReadResult]
# given the file and the numbers of pages that need OCR, returns those pages read by OCR
PageOcr = Callable[[Path, list[int], ReadOptions], list[PageResult]]


def _read_pdf(path: Path, options: ReadOptions) -> ReadResult:
    return read_pdf(path, options.limits, options.pdf)


def _read_image(path: Path, options: ReadOptions) -> ReadResult:
    expect_pages(count_frames(path, options.limits))  # every frame checked before any is decoded
    return read_image_file(path, options.scan)


def _ocr_pdf_pages(path: Path, numbers: list[int], options: ReadOptions) -> list[PageResult]:
    return read_pdf_pages(path, numbers, options.scan)


def _read_transcript(path: Path, options: ReadOptions) -> ReadResult:
    return read_transcript(path, options.limits)


def _office_reader(kind: OfficeKind) -> Reader:
    return lambda path, options: read_office(path, kind, options.office)


READERS: dict[FileKind, Reader] = {
    "transcript": _read_transcript,
    "pdf": _read_pdf,
    "png": _read_image,
    "jpeg": _read_image,
    "tiff": _read_image,
    **{kind: _office_reader(kind) for kind in ("xlsx", "xls", "docx", "doc", "ods", "odt", "rtf")},
}
_page_ocr: list[PageOcr] = [_ocr_pdf_pages]  # the hook for PDF pages without a text layer


def register_reader(kind: FileKind, reader: Reader) -> None:
    """Replace the reader of one file kind (the scan path registers its image reader here)."""
    READERS[kind] = reader


def register_page_ocr(hook: PageOcr | None) -> PageOcr | None:
    """Set (or with None, clear) the hook that reads PDF pages without a text layer; returns the
    hook it replaces, so that a caller can put it back."""
    previous = _page_ocr[0] if _page_ocr else None
    _page_ocr[:] = [hook] if hook is not None else []
    return previous


def _fill_ocr_pages(path: Path, result: ReadResult, options: ReadOptions) -> None:
    missing = [p.page.number for p in result.needing_ocr()]
    if not missing:
        return
    if _page_ocr:
        by_number = {p.page.number: p for p in _ocr_each(_page_ocr[0], path, result.needing_ocr(), options)}
        result.pages = [by_number.get(p.page.number, p) for p in result.pages]
        result.kind = "scan_pdf"
    elif options.on_needs_ocr == "raise":
        reasons = sorted({p.reason for p in result.needing_ocr()})
        pages = "page" if len(missing) == 1 else "pages"
        need = "needs" if len(missing) == 1 else "need"
        raise NeedsOcr(
            path,
            f"{pages} {page_list(missing)} {need} OCR, which is not available yet "
            f"({'; '.join(reasons)})",
            pages=missing,
        )


def _ocr_each(hook: PageOcr, path: Path, pages: list[PageResult], options: ReadOptions) -> list[PageResult]:
    """The pages read by the hook one at a time: a page that is no form page (a 2×2 pt box)
    is left blank, with the reason, and the others are still read. pdfium may refuse a file that
    pdfminer opened (a catalogue without /Pages): that file is damaged."""
    _check_rendered_sizes(path, [p.page.number for p in pages], options)
    out: list[PageResult] = []
    for page in pages:
        n = page.page.number
        try:
            out.extend(hook(path, [n], options))
        except NoFormFound as exc:
            out.append(PageResult(page.page, "blank", exc.reason))
        except pdfium.PdfiumError as exc:
            raise CorruptFile(path, f"damaged PDF: page {n} cannot be rendered for OCR ({exc})") from exc
    return out


def _check_rendered_sizes(path: Path, numbers: list[int], options: ReadOptions) -> None:
    """Refuse, before any page is read, a page too large even at the lowest resolution the scan
    path renders at (a 200-inch MediaBox): not after the pages before it took their OCR time."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise CorruptFile(path, f"damaged PDF: its pages cannot be rendered for OCR ({exc})") from exc
    try:
        for n in numbers:
            width, height = pdf_page_pixels(pdf, n - 1, options.scan.min_dpi)
            check_page_size(path, width, height, f"page {n} at {options.scan.min_dpi:.0f} dpi", options.limits,
                            form_page=False)
    except pdfium.PdfiumError as exc:
        raise CorruptFile(path, f"damaged PDF: its pages cannot be rendered for OCR ({exc})") from exc
    finally:
        pdf.close()


def _read_page_set(files: list[Path], options: ReadOptions) -> ReadResult:
    """Page images filed one per file (see ``pageset``), read as the pages of one document."""
    for f in files:  # every file checked before any page is read: first what each file is
        kind = sniff(f)
        if kind not in ("png", "jpeg", "tiff"):
            raise UnsupportedFile(f, f"a {kind} file among the page images of one document")
        _check_size(f, options.limits)
    frames = 0
    for f in files:  # then what it holds
        frames += count_frames(f, options.limits)
        if frames > options.limits.max_pages:
            raise TooLarge(f, f"a set of page images of over {options.limits.max_pages} pages, the limit")
    expect_pages(frames)
    pages: list[PageResult] = []
    for f in files:
        pages.extend(read_image_file(f, options.scan, first=len(pages) + 1).pages)
    return ReadResult(kind="image", pages=pages)


class ExtractResult(BaseModel):
    """The document and, per page, how it was read (text, needs_ocr, blank) and why."""

    document: Document
    status: list[PageStatus]
    reasons: list[str]


def extract_document(path: Path, options: ReadOptions | None = None) -> ExtractResult:
    """Read a PDF or image into the grid model, with each page's status."""
    options = options or ReadOptions()
    path = Path(path)
    files = set_files(path)
    with page_limits(options.limits):
        if files is not None:
            result = _read_page_set(files, options)
        else:
            kind = sniff(path)
            _check_size(path, options.limits, kind)
            result = READERS[kind](path, options)
            _fill_ocr_pages(path, result, options)
    source = SourceInfo(
        file=str(path), sha256=sha256_of(path), kind=result.kind, n_pages=len(result.pages)
    )
    document = Document(source=source, pages=[p.page for p in result.pages])
    return ExtractResult(
        document=document,
        status=[p.status for p in result.pages],
        reasons=[p.reason for p in result.pages],
    )


def read_document(path: Path, options: ReadOptions | None = None) -> Document:
    """Read a PDF or image into the grid model.

    Raises UnsupportedFile, EmptyFile, TooLarge, EncryptedFile, CorruptFile, or NeedsOcr (pages
    or images that only OCR can read while no OCR reader is registered).
    """
    return extract_document(path, options).document
