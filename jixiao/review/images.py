"""Page images for the review: rendered from the form's source file (a zip member is read out of
its archive), cached, never written next to the source. An office file's page is its print by
LibreOffice (an office file has no pages of its own until printed)."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import cv2

from jixiao.corpus.work import Source
from jixiao.errors import JixiaoError
from jixiao.extract.office import ConvertOptions, converted
from jixiao.extract.open import sniff
from jixiao.extract.raster import RGB, page_image

_OFFICE = {"xlsx", "xls", "docx", "doc", "ods", "odt", "rtf"}

DPI = 110.0


def _source(path: str) -> Source:
    if "!" in path and Path(path.split("!", 1)[0]).suffix.lower() == ".zip":
        archive, member = path.split("!", 1)
        return Source(archive, member)
    return Source(path)


def _image(path: Path, number: int) -> RGB:
    kind = sniff(path)
    if kind not in _OFFICE:
        return page_image(path, number, DPI)[0]
    with converted(path, "pdf", ConvertOptions(), f".{kind}") as printed:
        return page_image(printed, number, DPI)[0]


@lru_cache(maxsize=64)
def page_png(path: str, number: int) -> bytes | None:
    source = _source(path)
    try:
        if source.member is None:
            image = _image(Path(source.path), number)
        else:
            with tempfile.TemporaryDirectory(prefix="jixiao-review-") as tmp:
                local = Path(tmp) / Path(source.member).name
                local.write_bytes(source.read_bytes())
                image = _image(local, number)
    except (JixiaoError, OSError, ValueError, IndexError, KeyError):
        return None
    ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return png.tobytes() if ok else None
