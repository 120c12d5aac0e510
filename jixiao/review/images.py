"""Page images for the review: rendered from the form's source file (a zip member is read out of
its archive), cached, never written next to the source."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import cv2

from jixiao.corpus.work import Source
from jixiao.errors import JixiaoError
from jixiao.extract.raster import page_image

DPI = 110.0


def _source(path: str) -> Source:
    if "!" in path and Path(path.split("!", 1)[0]).suffix.lower() == ".zip":
        archive, member = path.split("!", 1)
        return Source(archive, member)
    return Source(path)


@lru_cache(maxsize=64)
def page_png(path: str, number: int) -> bytes | None:
    source = _source(path)
    try:
        if source.member is None:
            image, _ = page_image(Path(source.path), number, DPI)
        else:
            with tempfile.TemporaryDirectory(prefix="jixiao-review-") as tmp:
                local = Path(tmp) / Path(source.member).name
                local.write_bytes(source.read_bytes())
                image, _ = page_image(local, number, DPI)
    except (JixiaoError, OSError, ValueError, IndexError, KeyError):
        return None
    ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return png.tobytes() if ok else None
