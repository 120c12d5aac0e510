"""The sheet of paper in a photo: found against the desk (and any other sheet beside it) as the
largest bright, colourless region away from the frame's edge, fitted with four corners.

Paper is bright and nearly grey under any light a phone's white balance leaves; a desk, a hand
and its shadow are darker or coloured. The test runs on a copy about a thousand pixels long:
the outline needs no more, and the corners are mapped back to the full photo.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from jixiao.extract.scan.units import Image, u8

Quad = NDArray[np.float32]  # 4 x 2 corners, top-left, top-right, bottom-right, bottom-left


class SheetOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # the outline is searched on a copy this many pixels on its long side
    work_px: int = 1000
    # paper score = lightness - chroma_weight x chroma (Lab): a warm desk is as light as paper in
    # shadow, never as grey
    chroma_weight: float = 2.0
    # closing that fills the text and rulings of the sheet, as a share of the copy's long side
    close_share: float = 0.012
    # a sheet covers at least this share of the photo (a photo is taken of one form)
    min_area_share: float = 0.12
    # corners: the hull simplified by this share of its perimeter, raised until four are left
    approx_shares: tuple[float, ...] = (0.01, 0.015, 0.02, 0.03, 0.04, 0.06, 0.08)
    # a candidate whose outline runs along the photo's edge for more than this share is a
    # sheet cut by the frame (the one beside the form), scored down in proportion
    edge_px: int = 3


@dataclass(frozen=True)
class Sheet:
    quad: Quad  # in the photo's pixels
    area_share: float  # of the photo


def order_corners(points: NDArray[np.float32]) -> Quad:
    """Top-left, top-right, bottom-right, bottom-left, by the sums and differences of x and y."""
    pts = points.reshape(-1, 2).astype(np.float32)
    s, d = pts.sum(axis=1), pts[:, 1] - pts[:, 0]
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32)


def paper_mask(small_rgb: Image, options: SheetOptions) -> Image:
    lab = cv2.cvtColor(small_rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    chroma = np.hypot(lab[:, :, 1] - 128.0, lab[:, :, 2] - 128.0)
    score = np.clip(lab[:, :, 0] - options.chroma_weight * chroma, 0, 255).astype(np.uint8)
    _, mask = cv2.threshold(score, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    k = max(3, int(options.close_share * max(small_rgb.shape[:2])) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    return u8(cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel))


def _quad_of(contour: NDArray[np.int32], options: SheetOptions) -> NDArray[np.float32] | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for share in options.approx_shares:
        approx = cv2.approxPolyDP(hull, share * perimeter, True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float32)
        if len(approx) < 4:
            break
    return None


def _on_edge(contour: NDArray[np.int32], shape: tuple[int, int], edge: int) -> float:
    pts = contour.reshape(-1, 2)
    h, w = shape
    near = (pts[:, 0] <= edge) | (pts[:, 1] <= edge) | (pts[:, 0] >= w - 1 - edge) | (pts[:, 1] >= h - 1 - edge)
    return float(near.mean()) if len(pts) else 1.0


def find_sheet(rgb: Image, options: SheetOptions | None = None) -> Sheet | None:
    """The form's sheet in a photo, or None where no bright four-cornered region is big enough
    (a scan that is all paper, or a page whose edges are hidden)."""
    options = options or SheetOptions()
    h, w = rgb.shape[:2]
    factor = options.work_px / max(h, w)
    small = u8(cv2.resize(rgb, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA))
    mask = paper_mask(small, options)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    area = float(small.shape[0] * small.shape[1])
    best: tuple[float, NDArray[np.float32], float] | None = None
    for contour in contours:
        share = cv2.contourArea(contour) / area
        if share < options.min_area_share:
            continue
        quad = _quad_of(contour, options)
        if quad is None:
            continue
        score = share * (1.0 - _on_edge(contour, small.shape[:2], options.edge_px))
        if best is None or score > best[0]:
            best = (score, quad, share)
    if best is None or best[0] <= 0:
        return None
    return Sheet(quad=order_corners(best[1] / factor), area_share=best[2])
