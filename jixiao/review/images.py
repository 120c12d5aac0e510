"""Page images for the review: rendered from the form's source file (a zip member is read out of
its archive) at the width the browser asks for, compressed (WebP, or JPEG for a browser without
it), cached, never written next to the source.

Where the pixels come from is pluggable: a PageSource says which files it draws and renders a
page at a width. RasterSource draws PDFs and image files; an office file (its LibreOffice print)
is one more source put before it with `register`, and nothing else here changes."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

import cv2
import pypdfium2 as pdfium

from jixiao.corpus.work import Source
from jixiao.errors import JixiaoError
from jixiao.extract.office import ConvertOptions, converted
from jixiao.extract.open import sniff
from jixiao.extract.raster import POINTS_PER_INCH, RGB, page_image, render_pdf_page

Format = Literal["webp", "jpeg"]
MEDIA = {"webp": "image/webp", "jpeg": "image/jpeg"}
# widths the browser may ask for: its column width × zoom × device pixel ratio, rounded up to one
# of these, so a handful of renderings per page serve every screen and the cache stays small
WIDTHS = (800, 1200, 1600, 2400, 3200)
# at 1600 px the fixture pages come to 0.10–0.15 MB as WebP (text PDFs, clean scans) and 0.26–0.52
# MB (degraded scans: noise compresses badly), against 0.6–7 MB as PNG; JPEG is 1.4–2.6× WebP
QUALITY = {"webp": 75, "jpeg": 80}
MAX_DPI = 400.0  # the widest width (3200 px) of an A4 page; a text PDF gains nothing past it


class PageSource(Protocol):
    def handles(self, path: Path) -> bool:
        """Whether this source draws this file's pages."""

    def render(self, path: Path, number: int, width: int) -> RGB:
        """Page ``number`` (1-based) about ``width`` pixels wide. Raises JixiaoError, OSError or
        IndexError when it cannot."""


class RasterSource:
    """PDFs (rendered by pypdfium2 at the dpi that gives the width) and image files (scaled down)."""

    SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"})  # a page set ends in its pages'

    def handles(self, path: Path) -> bool:
        return path.suffix.lower() in self.SUFFIXES

    def render(self, path: Path, number: int, width: int) -> RGB:
        if _is_pdf(path):  # rendered at the dpi that gives the width
            pdf = pdfium.PdfDocument(str(path))
            try:
                width_pt = pdf[number - 1].get_width()
            finally:
                pdf.close()
            return render_pdf_page(path, number, min(width / width_pt * POINTS_PER_INCH, MAX_DPI))
        image, _ = page_image(path, number)  # an image file (or a page set) at its own resolution
        return _scaled(image, width)


def _is_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return b"%PDF" in fh.read(1024)
    except OSError:
        return False  # a page set's name is not a file


def _scaled(image: RGB, width: int) -> RGB:
    if image.shape[1] <= width:
        return image
    height = round(image.shape[0] * width / image.shape[1])
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)  # type: ignore[return-value]


class OfficeSource:
    """Office files: an office file has no pages until printed, so its page is LibreOffice's print."""

    KINDS = frozenset({"xlsx", "xls", "docx", "doc", "ods", "odt", "rtf"})
    SUFFIXES = frozenset({".xlsx", ".xls", ".et", ".docx", ".doc", ".wps", ".ods", ".odt", ".rtf"})

    def handles(self, path: Path) -> bool:
        if path.suffix.lower() in self.SUFFIXES:
            return True
        try:  # the extension is not trusted by the readers, so not here either
            return path.is_file() and sniff(path) in self.KINDS
        except (JixiaoError, OSError):
            return False

    def render(self, path: Path, number: int, width: int) -> RGB:
        kind = sniff(path)
        with converted(path, "pdf", ConvertOptions(), f".{kind}") as printed:
            return RasterSource().render(printed, number, width)


SOURCES: list[PageSource] = [OfficeSource(), RasterSource()]
# pdfium is not thread-safe, and the server renders in a pool of threads: one page at a time
_RENDERING = threading.Lock()


def register(source: PageSource) -> None:
    """Put a page source before the others (it is asked first)."""
    SOURCES.insert(0, source)
    page_bytes.cache_clear()


def drawable(path: str) -> bool:
    """Whether some source draws this form file's pages (a transcript has none to draw)."""
    name = Path(path.split("!", 1)[1] if "!" in path else path)
    return any(s.handles(name) for s in SOURCES)


def bucket(width: int) -> int:
    return next((w for w in WIDTHS if w >= width), WIDTHS[-1])


@contextmanager
def _local(path: str) -> Iterator[Path]:
    """The source as a file on disk: itself, or its zip member copied to a temporary folder."""
    if "!" in path and Path(path.split("!", 1)[0]).suffix.lower() == ".zip":
        archive, member = path.split("!", 1)
        with tempfile.TemporaryDirectory(prefix="jixiao-review-") as tmp:
            local = Path(tmp) / Path(member).name
            local.write_bytes(Source(archive, member).read_bytes())
            yield local
    else:
        yield Path(path)


@lru_cache(maxsize=96)
def page_bytes(path: str, number: int, width: int, fmt: Format) -> bytes | None:
    """The page compressed, or None when its file cannot be drawn now (moved, unreadable)."""
    try:
        with _local(path) as local:
            source = next((s for s in SOURCES if s.handles(local)), None)
            if source is None:
                return None
            with _RENDERING:
                image = source.render(local, number, width)
    except (JixiaoError, OSError, ValueError, IndexError, KeyError):
        return None
    flag = cv2.IMWRITE_WEBP_QUALITY if fmt == "webp" else cv2.IMWRITE_JPEG_QUALITY
    ok, data = cv2.imencode(f".{fmt}", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [flag, QUALITY[fmt]])
    return data.tobytes() if ok else None
