"""Boxes read on the flat page, mapped back into the photo the auditor took (through the
straightening remap where there was one, then the inverse homography), so that evidence crops
and the review outline land on the photo itself."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from jixiao.extract.photo.flatten import FlatPhoto
from jixiao.extract.raster import POINTS_PER_INCH
from jixiao.grid import Box, Page

# points taken along each side of a box: a remapped page bends its straight sides in the photo,
# so the corners alone could miss the side's middle
_ALONG = np.linspace(0.0, 1.0, 3)


def _mapper(flat: FlatPhoto, photo_dpi: float) -> Callable[[Box | None], Box | None]:
    inverse = np.linalg.inv(flat.homography)
    to_px, from_px = flat.dpi / POINTS_PER_INCH, photo_dpi / POINTS_PER_INCH

    def mapped(box: Box | None) -> Box | None:
        if box is None:
            return None
        xs, ys = box.x0 + (box.x1 - box.x0) * _ALONG, box.y0 + (box.y1 - box.y0) * _ALONG
        edge = [(x, box.y0) for x in xs] + [(x, box.y1) for x in xs] + [(box.x0, y) for y in ys] + [(box.x1, y) for y in ys]
        pts = np.array(edge, np.float64) * to_px
        if flat.dewarp is not None:
            pts = flat.dewarp.to_flat(pts)
        pts = cv2.perspectiveTransform(pts[None], inverse)[0] / from_px
        return Box(x0=float(pts[:, 0].min()), y0=float(pts[:, 1].min()), x1=float(pts[:, 0].max()), y1=float(pts[:, 1].max()))

    return mapped


def to_photo(page: Page, flat: FlatPhoto, photo_size: tuple[int, int], photo_dpi: float) -> Page:
    """``page`` as read from the flat page, its source boxes moved onto the photo (whose pixels
    per point are ``photo_dpi`` / 72, as ``raster.page_image`` gives them)."""
    mapped = _mapper(flat, photo_dpi)
    for grid in page.grids:
        for cell in grid.cells:
            cell.source_box = mapped(cell.source_box or cell.box)
    lines = [line.model_copy(update={"source_box": mapped(line.source_box or line.box)}) for line in page.lines]
    w, h = photo_size
    return page.model_copy(update={"lines": lines, "width": w / (photo_dpi / POINTS_PER_INCH),
                                   "height": h / (photo_dpi / POINTS_PER_INCH), "photo": flat.info})
