"""Evidence crops: the part of the page around a finding's cell, the cell outlined in red."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from jixiao.errors import JixiaoError
from jixiao.extract.raster import RGB, page_image
from jixiao.grid import Box

CROP_DPI = 110.0
PAD_Y = 28.0  # points above and below the cell; across, the whole row, so its label shows


@lru_cache(maxsize=16)
def _page(path: str, page: int) -> tuple[RGB, float] | None:
    try:
        return page_image(Path(path), page, CROP_DPI)
    except (JixiaoError, OSError, ValueError, IndexError):
        return None  # a report is still useful without its pictures


def crop_png(path: Path, page: int, box: Box) -> bytes | None:
    rendered = _page(str(path), page)
    if rendered is None:
        return None
    image, scale = rendered
    h, w = image.shape[:2]
    x0, y0 = 0, max(int((box.y0 - PAD_Y) * scale), 0)
    x1, y1 = w, min(int((box.y1 + PAD_Y) * scale), h)
    if x1 <= x0 or y1 <= y0:
        return None
    crop = np.ascontiguousarray(image[y0:y1, x0:x1].copy())
    top_left = (int(box.x0 * scale) - x0, int(box.y0 * scale) - y0)
    bottom_right = (int(box.x1 * scale) - x0, int(box.y1 * scale) - y0)
    cv2.rectangle(crop, top_left, bottom_right, (220, 30, 30), 2)
    ok, png = cv2.imencode(".png", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
    return png.tobytes() if ok else None


def crop_data_uri(path: Path, page: int | None, box: Box | None) -> str | None:
    if page is None or box is None:
        return None
    png = crop_png(path, page, box)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else None
