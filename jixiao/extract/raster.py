"""Pixels of a page: PDF pages rendered with pypdfium2, image files decoded (multi-page TIFF too).

Used by the scan path (OCR needs pixels) and by reports (evidence crops around a cell).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium
from PIL import Image, ImageSequence

from jixiao.errors import CorruptFile
from jixiao.extract.pageset import set_files
from jixiao.extract.photo.exif import ImageTags, image_tags, upright

RGB = npt.NDArray[np.uint8]
POINTS_PER_INCH = 72.0
DEFAULT_IMAGE_DPI = 300.0  # what an image without a dpi tag is taken to be: archives scan at 300


def render_pdf_page(path: Path, page_number: int, dpi: float) -> RGB:
    """Page ``page_number`` (1-based) of a PDF as an RGB array at ``dpi``."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[page_number - 1]
        bitmap = page.render(scale=dpi / POINTS_PER_INCH, rotation=0)
        return np.ascontiguousarray(np.asarray(bitmap.to_pil().convert("RGB")))
    finally:
        pdf.close()


def image_frames(path: Path) -> list[tuple[RGB, float]]:
    """Every frame of an image file with its dpi (TIFF scans hold several pages), each turned
    as its EXIF Orientation says."""
    return [(rgb, dpi) for rgb, dpi, _ in tagged_frames(path)]


def tagged_frames(path: Path) -> list[tuple[RGB, float, ImageTags]]:
    """``image_frames`` with what each frame's tags say (camera, Orientation, the dpi tag)."""
    try:
        with Image.open(path) as img:
            frames = []
            for frame in ImageSequence.Iterator(img):
                tags = image_tags(frame)
                frames.append((np.asarray(upright(frame).convert("RGB")), _dpi_of(frame), tags))
            return frames
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptFile(path, f"the image cannot be decoded ({exc})") from exc


def _dpi_of(frame: Image.Image) -> float:
    dpi = frame.info.get("dpi")
    if dpi and float(dpi[0]) >= 50:
        return float(dpi[0])
    return DEFAULT_IMAGE_DPI


def _page_in_set(files: list[Path], page_number: int) -> tuple[Path, int]:
    """The file holding a page set's page, and the page's number in it (frames are counted from
    the headers; only that file is decoded)."""
    for f in files:
        try:
            with Image.open(f) as img:
                frames = getattr(img, "n_frames", 1)
        except (OSError, SyntaxError, ValueError) as exc:
            raise CorruptFile(f, f"the image cannot be decoded ({exc})") from exc
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
        return render_pdf_page(path, page_number, dpi), dpi / POINTS_PER_INCH
    image, native = image_frames(path)[page_number - 1]
    return image, native / POINTS_PER_INCH
