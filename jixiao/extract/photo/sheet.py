"""The sheet of paper in a photo: found against the desk (and any other sheet beside it) as the
largest bright, colourless region away from the frame's edge, fitted with four corners.

Paper is bright and nearly grey under any light a phone's white balance leaves; a desk, a hand
and its shadow are darker or coloured. The test runs on a copy about a thousand pixels long:
the outline needs no more, and the corners are mapped back to the full photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import cv2
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from jixiao.extract.pixels import Image, u8

Quad = NDArray[np.float32]  # 4 x 2 corners, top-left, top-right, bottom-right, bottom-left


class SheetOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # the outline is searched on a copy this many pixels on its long side
    work_px: int = 1000
    # paper score = lightness - chroma_weight x chroma (Lab): a warm desk is as light as paper in
    # shadow, never as grey
    chroma_weight: float = 2.0
    # closing that fills the text and rulings of the sheet, as a share of the copy's long side
    close_share: float = 0.006
    # paper in a hand's shadow is at least this share of the lit paper's brightness
    min_shade: float = 0.35
    # a sheet covers at least this share of the photo (a photo is taken of one form)
    min_area_share: float = 0.12
    # corners: the hull simplified by this share of its perimeter, raised until four are left
    approx_shares: tuple[float, ...] = (0.005, 0.008, 0.012, 0.02, 0.03, 0.05)
    # at most this many of the outline's corners are tried four at a time (C(12, 4) = 495)
    max_corners: int = 12
    # a quadrilateral's score: paper inside it, less this many times what is not paper (the
    # notch of desk between the form and a sheet touching it)
    outside_weight: float = 4.0
    # and a quarter less for each corner on the photo's edge
    edge_corner_cost: float = 0.25
    # a candidate whose outline runs along the photo's edge for more than this share is a
    # sheet cut by the frame (the one beside the form), scored down in proportion
    edge_px: int = 3
    # a sheet holds the table on it: an outline that leaves more than a tenth of the table's frame
    # outside is not the page but a patch of light (uneven lighting on a grey page image:
    # forms-gen s527 h24's outline held 0.60 of its frame; the phone photo fixtures' sheets
    # hold 0.96-0.98 of theirs, the frame's fitted corners reaching a little past the table)
    min_frame_inside: float = 0.9


@dataclass(frozen=True)
class Sheet:
    quad: Quad  # in the photo's pixels
    area_share: float  # of the photo


def order_corners(points: NDArray[np.float32]) -> Quad:
    """Top-left, top-right, bottom-right, bottom-left, by the sums and differences of x and y."""
    pts = points.reshape(-1, 2).astype(np.float32)
    s, d = pts.sum(axis=1), pts[:, 1] - pts[:, 0]
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32)


def neutral(small_rgb: Image) -> NDArray[np.float32]:
    """The copy white-balanced on its brightest tenth (the paper): a warm or cool cast leaves
    paper coloured, and colour is what tells it from a desk."""
    rgb = small_rgb.astype(np.float32)
    lum = rgb.mean(axis=2)
    bright = rgb[lum >= np.percentile(lum, 90)]
    gains = bright.mean() / np.maximum(bright.mean(axis=0), 1.0)
    return np.clip(rgb * gains[None, None, :], 0, 255)


def paper_masks(small_rgb: Image, options: SheetOptions) -> list[Image]:
    """Where the paper is, two ways, tried in order: by colour alone (grey after white
    balance, and not dark), which a hand's shadow does not change; and by lightness less
    colour, for a desk as grey as paper in colour but darker."""
    rgb = neutral(small_rgb)
    top, low = rgb.max(axis=2), rgb.min(axis=2)
    saturation = ((top - low) / np.maximum(top, 1.0) * 255).astype(np.uint8)
    paper_light = float(np.percentile(top, 90))
    _, grey = cv2.threshold(saturation, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    by_colour = grey & ((top >= options.min_shade * paper_light).astype(np.uint8) * 255)
    lab = cv2.cvtColor(rgb.astype(np.uint8), cv2.COLOR_RGB2LAB).astype(np.float32)
    chroma = np.hypot(lab[:, :, 1] - 128.0, lab[:, :, 2] - 128.0)
    score = np.clip(lab[:, :, 0] - options.chroma_weight * chroma, 0, 255).astype(np.uint8)
    _, by_light = cv2.threshold(score, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    k = max(3, int(options.close_share * max(small_rgb.shape[:2])) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    return [u8(cv2.morphologyEx(cv2.morphologyEx(u8(m), cv2.MORPH_CLOSE, kernel), cv2.MORPH_OPEN, kernel))
            for m in (by_colour, by_light)]


def _quad_of(contour: NDArray[np.int32], shape: tuple[int, int], options: SheetOptions) -> tuple[NDArray[np.float32], float] | None:
    """The four corners that best cover the region, and how much paper they hold (a share of
    the photo). Of the outline's polygon's corners, the four whose quadrilateral holds the most
    paper and the least else: a sheet lying over a corner of the form, or touching it, joins
    the region, and its corners must not stretch the form's outline. A corner on the photo's
    edge belongs to a sheet the frame cuts (the one beside the form), and counts less."""
    region = np.zeros(shape, np.uint8)
    cv2.drawContours(region, [contour], -1, 1, thickness=-1)
    perimeter = cv2.arcLength(contour, True)
    for share in options.approx_shares:
        corners = cv2.approxPolyDP(contour, share * perimeter, True).reshape(-1, 2)
        if len(corners) <= options.max_corners:
            break
    if len(corners) < 4:
        return None
    h, w = shape
    e = options.edge_px
    on_edge = (corners[:, 0] <= e) | (corners[:, 1] <= e) | (corners[:, 0] >= w - 1 - e) | (corners[:, 1] >= h - 1 - e)
    best, best_score = None, 0.0
    canvas = np.zeros(shape, np.uint8)
    for pick in combinations(range(len(corners)), 4):
        quad = corners[list(pick)].astype(np.int32)
        if not cv2.isContourConvex(quad):
            continue
        canvas[:] = 0
        cv2.fillConvexPoly(canvas, quad, 1)
        inside = float(np.count_nonzero(canvas & region))
        outside = float(np.count_nonzero(canvas)) - inside
        score = (inside - options.outside_weight * outside) * (1 - options.edge_corner_cost * int(on_edge[list(pick)].sum()))
        if score > best_score:
            best, best_score = quad, score
    if best is None:
        return None
    return best.astype(np.float32), best_score / float(h * w)


def find_sheet(rgb: Image, options: SheetOptions | None = None) -> Sheet | None:
    """The form's sheet in a photo, or None where no bright four-cornered region is big enough
    (a scan that is all paper, or a page whose edges are hidden)."""
    options = options or SheetOptions()
    h, w = rgb.shape[:2]
    factor = options.work_px / max(h, w)
    small = u8(cv2.resize(rgb, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA))
    area = float(small.shape[0] * small.shape[1])
    for mask in paper_masks(small, options):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        best: tuple[float, NDArray[np.float32]] | None = None
        for contour in contours:
            if cv2.contourArea(contour) / area < options.min_area_share:
                continue
            found = _quad_of(np.asarray(contour, np.int32), small.shape[:2], options)
            if found is not None and found[1] >= options.min_area_share and (best is None or found[1] > best[0]):
                best = (found[1], found[0])
        if best is not None:
            if _edge_corners(best[1], small.shape[:2], options.edge_px) >= 2:
                return None  # the frame cuts the sheet: its corners are not the page's
            return Sheet(quad=order_corners(best[1] / factor), area_share=best[0])
    return None


def share_inside(outer: Quad, inner: Quad, shape: tuple[int, int], work_px: int = SheetOptions().work_px) -> float:
    """How much of quadrilateral ``inner`` lies inside ``outer`` (both in an image of ``shape``),
    drawn on a copy ``work_px`` long, as the sheet is searched."""
    factor = work_px / max(shape)
    size = (max(1, round(shape[0] * factor)), max(1, round(shape[1] * factor)))
    a, b = np.zeros(size, np.uint8), np.zeros(size, np.uint8)
    cv2.fillConvexPoly(a, np.round(outer * factor).astype(np.int32), 1)
    cv2.fillConvexPoly(b, np.round(inner * factor).astype(np.int32), 1)
    return float(np.count_nonzero(a & b)) / max(float(np.count_nonzero(b)), 1.0)


def holds_table(sheet: Sheet, frame: Sheet | None, shape: tuple[int, int], options: SheetOptions | None = None) -> bool:
    """Whether the sheet's outline holds the table's ``frame`` (``find_frame``; None: no frame
    found, nothing to hold) in an image of ``shape``."""
    options = options or SheetOptions()
    return frame is None or share_inside(sheet.quad, frame.quad, shape, options.work_px) >= options.min_frame_inside


def _edge_corners(quad: NDArray[np.float32], shape: tuple[int, int], edge: int) -> int:
    h, w = shape
    x, y = quad[:, 0], quad[:, 1]
    return int(((x <= edge) | (y <= edge) | (x >= w - 1 - edge) | (y >= h - 1 - edge)).sum())


def find_frame(rgb: Image, options: SheetOptions | None = None) -> Sheet | None:
    """The table's outer frame, where the sheet's own edges are hidden (the photo taken too
    close, the page cut by the frame): the largest ink component (a table's rulings all touch),
    fitted with four corners as the sheet is."""
    options = options or SheetOptions()
    h, w = rgb.shape[:2]
    factor = options.work_px / max(h, w)
    small = u8(cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), (max(1, round(w * factor)), max(1, round(h * factor))),
                          interpolation=cv2.INTER_AREA))
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)
    ink = cv2.dilate(ink, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n < 2:
        return None
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_WIDTH] * stats[1:, cv2.CC_STAT_HEIGHT]))
    component = (labels == biggest).astype(np.uint8) * 255
    contours, _ = cv2.findContours(component, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea)
    region = np.zeros_like(component)
    cv2.drawContours(region, [contour], -1, 255, thickness=-1)
    filled, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    found = _quad_of(np.asarray(filled[0], np.int32), small.shape[:2], options)
    if found is None or found[1] < options.min_area_share:
        return None
    return Sheet(quad=order_corners(found[0] / factor), area_share=found[1])
