"""Page images for the review: rendered from the form's source file (a zip member is read out of
its archive) at the width the browser asks for, compressed (WebP, or JPEG for a browser without
it), cached, never written next to the source.

Where the pixels come from is pluggable: a PageSource says which files it draws and renders a
page at a width. RasterSource draws PDFs and image files; an office file (its LibreOffice print)
is one more source put before it with `register`, and nothing else here changes."""

from __future__ import annotations

import atexit
import hashlib
import shutil
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
# a text this long or longer tells an office form's page from another's; a one-character cell (a
# digit, 是, —) is on every page of a bundle
MIN_PAGE_TEXT = 2
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
    """Office files: an office file has no pages until printed, so its pages are LibreOffice's
    print. The print is made once per file content (its sha256) and kept for the server's life:
    a conversion takes 1-10 s, and every page, width and format of the file is drawn from it."""

    KINDS = frozenset({"xlsx", "xls", "docx", "doc", "ods", "odt", "rtf"})
    SUFFIXES = frozenset({".xlsx", ".xls", ".et", ".docx", ".doc", ".wps", ".ods", ".odt", ".rtf"})

    def __init__(self, options: ConvertOptions | None = None) -> None:
        self.options = options or ConvertOptions()
        self.conversions = 0  # LibreOffice runs so far: one per file content
        self._prints: dict[str, Path] = {}
        self._folder: Path | None = None
        self._lock = threading.Lock()

    def handles(self, path: Path) -> bool:
        if path.suffix.lower() in self.SUFFIXES:
            return True
        try:  # the extension is not trusted by the readers, so not here either
            return path.is_file() and sniff(path) in self.KINDS
        except (JixiaoError, OSError):
            return False

    def printed(self, path: Path) -> Path:
        """The file's LibreOffice print (a PDF), converted on first use, then from the cache."""
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with self._lock:  # two threads asking for one new file convert it once
            pdf = self._prints.get(digest)
            if pdf is not None and pdf.is_file():
                return pdf
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="jixiao-review-prints-"))
                atexit.register(shutil.rmtree, self._folder, True)
            pdf = self._folder / f"{digest}.pdf"
            with converted(path, "pdf", self.options, f".{sniff(path)}") as made:
                shutil.copyfile(made, pdf)
            self.conversions += 1
            self._prints[digest] = pdf
            return pdf

    def render(self, path: Path, number: int, width: int) -> RGB:
        return RasterSource().render(self.printed(path), number, width)


def _squeezed(text: str) -> str:
    return "".join(text.split())


def print_pages(path: str, form_index: int, forms: tuple[frozenset[str], ...]) -> list[tuple[int, float, float]]:
    """The pages of an office file's print that hold form ``form_index``, as (page, width,
    height in points). ``forms`` holds, for every form the file gave in order, the texts read
    from it; a page belongs to the form whose own texts (those no other form of the file has)
    it shows most of, and a page showing none (a continuation of notes) to the form before it."""
    return _print_map(path, forms).get(form_index, [])


@lru_cache(maxsize=64)
def _print_map(path: str, forms: tuple[frozenset[str], ...]) -> dict[int, list[tuple[int, float, float]]]:
    office = next((s for s in SOURCES if isinstance(s, OfficeSource)), None)
    if office is None:
        return {}
    try:
        with _local(path) as local:
            pdf_path = office.printed(local)
            with _RENDERING:
                pdf = pdfium.PdfDocument(str(pdf_path))
                try:
                    pages = []
                    for i in range(len(pdf)):
                        page = pdf[i]
                        text = page.get_textpage().get_text_range()
                        pages.append((i + 1, float(page.get_width()), float(page.get_height()), _squeezed(text)))
                finally:
                    pdf.close()
    except (JixiaoError, OSError, ValueError, IndexError, KeyError, pdfium.PdfiumError):
        return {}
    own = []
    for i, texts in enumerate(forms):
        others: set[str] = set().union(*(t for j, t in enumerate(forms) if j != i))
        own.append({_squeezed(t) for t in texts if len(_squeezed(t)) >= MIN_PAGE_TEXT} - {_squeezed(t) for t in others})
    out: dict[int, list[tuple[int, float, float]]] = {}
    before = 0
    for number, w, h, text in pages:
        if not text:
            continue  # a blank page of the print belongs to no form
        hits = [sum(1 for t in mine if t in text) for mine in own]
        best = max(range(len(hits)), key=lambda i: (hits[i], -i)) if hits else 0
        owner = best if hits and hits[best] > 0 else before
        out.setdefault(owner, []).append((number, w, h))
        before = owner
    return out


SOURCES: list[PageSource] = [OfficeSource(), RasterSource()]
# pdfium is not thread-safe, and the server renders in a pool of threads: one page at a time
_RENDERING = threading.Lock()


def register(source: PageSource) -> None:
    """Put a page source before the others (it is asked first)."""
    SOURCES.insert(0, source)
    page_bytes.cache_clear()
    _print_map.cache_clear()


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
            drawn: Path = local
            if isinstance(source, OfficeSource):  # printed (once) outside the lock: it takes seconds
                drawn, source = source.printed(local), RasterSource()
            with _RENDERING:
                image = source.render(drawn, number, width)
    except (JixiaoError, OSError, ValueError, IndexError, KeyError):
        return None
    flag = cv2.IMWRITE_WEBP_QUALITY if fmt == "webp" else cv2.IMWRITE_JPEG_QUALITY
    ok, data = cv2.imencode(f".{fmt}", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [flag, QUALITY[fmt]])
    return data.tobytes() if ok else None
