"""Pixels of a page: PDF pages rendered with pypdfium2, image files decoded (multi-page TIFF too).

Used by the scan path (OCR needs pixels) and by reports (evidence crops around a cell).

Every page image is checked against ``ReadLimits`` before it is decoded or rendered: its size from
the image header or the PDF page box, its frame count from the file's directory. A page too small
or too narrow to hold a form, or too large to decode, is refused with its size in the reason. The
limits in force are those of the read in progress (``page_limits``), else the defaults.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium
from PIL import Image, ImageSequence

from jixiao.errors import CorruptFile, InputError, NoFormFound, TooLarge
from jixiao.extract.base import ReadLimits
from jixiao.extract.pageset import set_files
from jixiao.extract.photo.exif import ImageTags, image_tags, upright

RGB = npt.NDArray[np.uint8]
POINTS_PER_INCH = 72.0
DEFAULT_IMAGE_DPI = 300.0  # what an image without a dpi tag is taken to be: archives scan at 300

# PIL warns (on stderr) from 89 million pixels; the check here refuses with a reason instead
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

_limits: ContextVar[ReadLimits | None] = ContextVar("page_limits", default=None)


@contextmanager
def page_limits(limits: ReadLimits) -> Iterator[None]:
    """The limits page images are checked against while the body runs (a read in progress)."""
    token = _limits.set(limits)
    try:
        yield
    finally:
        _limits.reset(token)


def current_limits() -> ReadLimits:
    return _limits.get() or ReadLimits()


def check_page_size(path: Path, width: int, height: int, what: str, limits: ReadLimits | None = None,
                    form_page: bool = True) -> None:
    """Refuse a page image of ``width`` × ``height`` pixels too large to decode or, if it is to be
    read as a ``form_page`` (not only shown), too small or too narrow to hold one."""
    limits = limits or current_limits()
    size = f"{what} is {width}×{height} pixels"
    if form_page and min(width, height) < limits.min_page_side:
        raise NoFormFound(path, f"{size}: too small to hold a form page (a side under {limits.min_page_side})")
    if form_page and max(width, height) > limits.max_page_aspect * min(width, height):
        raise NoFormFound(path, f"{size}: a strip, not a form page (over {limits.max_page_aspect:g} to 1)")
    if width * height > limits.max_page_pixels:
        raise TooLarge(path, f"{size} ({width * height / 1e6:.0f} million): over the limit of "
                             f"{limits.max_page_pixels / 1e6:.0f} million for a form page")


def _check_frames(path: Path, count: int, limits: ReadLimits) -> None:
    if count > limits.max_pages:
        raise TooLarge(path, f"an image of over {limits.max_pages} frames (pages), the limit")


def pdf_page_pixels(pdf: pdfium.PdfDocument, index: int, dpi: float) -> tuple[int, int]:
    width, height = pdf[index].get_size()
    scale = dpi / POINTS_PER_INCH
    return max(round(width * scale), 0), max(round(height * scale), 0)


def render_pdf_page(path: Path, page_number: int, dpi: float, form_page: bool = True) -> RGB:
    """Page ``page_number`` (1-based) of a PDF as an RGB array at ``dpi``; refused if it cannot be
    a form page (``check_page_size``)."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise CorruptFile(path, f"damaged PDF: its pages cannot be rendered ({exc})") from exc
    try:
        width, height = pdf_page_pixels(pdf, page_number - 1, dpi)
        check_page_size(path, width, height, f"page {page_number} at {dpi:.0f} dpi", form_page=form_page)
        page = pdf[page_number - 1]
        bitmap = page.render(scale=dpi / POINTS_PER_INCH, rotation=0)
        return np.ascontiguousarray(np.asarray(bitmap.to_pil().convert("RGB")))
    except pdfium.PdfiumError as exc:
        raise CorruptFile(path, f"damaged PDF: page {page_number} cannot be rendered ({exc})") from exc
    finally:
        pdf.close()


@contextmanager
def _decoding(path: Path) -> Iterator[None]:
    """PIL's failures on a damaged or hostile image as jixiao's (PIL raises OSError, SyntaxError,
    ValueError, struct.error, EOFError, IndexError, ... on bad input)."""
    try:
        yield
    except InputError:
        raise
    except Image.UnidentifiedImageError as exc:  # its message names the file (a temporary copy)
        raise CorruptFile(path, "the image cannot be decoded (not a format PIL can identify: a damaged "
                                "header?)") from exc
    except Image.DecompressionBombError as exc:
        raise TooLarge(path, f"the image is too large to decode ({exc})") from exc
    except MemoryError:
        raise  # not the file's damage: the pipeline says how much memory there was
    except Exception as exc:
        raise CorruptFile(path, f"the image cannot be decoded ({type(exc).__name__}: {exc})") from exc


def _frames(img: Image.Image, path: Path, limits: ReadLimits, form_pages: bool = True) -> Iterator[Image.Image]:
    """The frames of an open image, each checked before the caller decodes it."""
    for k, frame in enumerate(ImageSequence.Iterator(img)):
        _check_frames(path, k + 1, limits)
        what = "the image" if k == 0 else f"frame {k + 1}"
        check_page_size(path, frame.size[0], frame.size[1], what, limits, form_page=form_pages)
        yield frame


def count_frames(path: Path, limits: ReadLimits | None = None) -> int:
    """How many page images an image file holds, every one checked, none decoded."""
    limits = limits or current_limits()
    with _decoding(path), Image.open(path) as img:
        return sum(1 for _ in _frames(img, path, limits))


def image_frames(path: Path, form_pages: bool = True) -> list[tuple[RGB, float]]:
    """Every frame of an image file with its dpi (TIFF scans hold several pages); each checked
    before it is decoded, as a form page unless only to be shown; each turned as its EXIF
    Orientation says."""
    return [(rgb, dpi) for rgb, dpi, _ in tagged_frames(path, form_pages)]


def tagged_frames(path: Path, form_pages: bool = True) -> list[tuple[RGB, float, ImageTags]]:
    """``image_frames`` with what each frame's tags say (camera, Orientation, the dpi tag)."""
    limits = current_limits()
    with _decoding(path), Image.open(path) as img:
        frames = _frames(img, path, limits, form_pages)
        return [(np.asarray(upright(frame).convert("RGB")), _dpi_of(frame), image_tags(frame)) for frame in frames]


def _dpi_of(frame: Image.Image) -> float:
    dpi = frame.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):  # a tag of the wrong type in a damaged file
        value = 0.0
    return value if 50 <= value <= 10_000 else DEFAULT_IMAGE_DPI


def _page_in_set(files: list[Path], page_number: int) -> tuple[Path, int]:
    """The file holding a page set's page, and the page's number in it (frames are counted from
    the headers; only that file is decoded)."""
    for f in files:
        with _decoding(f), Image.open(f) as img:
            frames = getattr(img, "n_frames", 1)
        if page_number <= frames:
            return f, page_number
        page_number -= frames
    raise IndexError(f"no page {page_number} in {files[0]}")


def page_image(path: Path, page_number: int, dpi: float = 150.0) -> tuple[RGB, float]:
    """A page's pixels and how many pixels there are per PDF point (to map boxes onto them)."""
    files = set_files(path)
    if files is not None:  # a page set: its page files' frames, one after another
        path, page_number = _page_in_set(files, page_number)
    with open(path, "rb") as fh:
        is_pdf = b"%PDF" in fh.read(1024)
    if is_pdf:
        return render_pdf_page(path, page_number, dpi, form_page=False), dpi / POINTS_PER_INCH
    image, native = image_frames(path, form_pages=False)[page_number - 1]
    return image, native / POINTS_PER_INCH
