"""A photo (or an image whose dpi tag cannot be the paper's) made into a flat, upright-ish page
at a known resolution, with the homography back to the photo.

The resolution comes from the page, not the tag: phones write 72 dpi whatever the distance, and
Pillow reports none when EXIF has none. With the sheet found, its outline against A4 (210 x 297
mm, either way up) gives pixels per inch; without it, the height of the body text does. Which
was used goes into the page's provenance. A quarter turn left over (a sideways photo without an
Orientation tag) is the scan path's orientation check's to settle, as for scans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from jixiao.extract.photo.dewarp import Dewarp, DewarpOptions
from jixiao.extract.photo.exif import ImageTags
from jixiao.extract.photo.sheet import SheetOptions, find_frame, find_sheet, holds_table
from jixiao.extract.pixels import Image, u8
from jixiao.grid import PhotoInfo

A4_INCHES = (210 / 25.4, 297 / 25.4)


class PhotoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # a dpi tag below this is not a scanner's: 72 and 96 are what cameras and screens write
    min_tag_dpi: float = 150.0
    # the flat page is drawn at the measured resolution, within these bounds: below 150 the
    # scan path's glyph tests lose the strokes, above 300 is time spent on nothing
    min_dpi: float = 150.0
    max_dpi: float = 300.0
    # an outline this close to A4's 1.414 (long / short, after flattening) is taken as A4
    a4_ratio: tuple[float, float] = (1.25, 1.6)
    # blank border drawn over the flat page's edge, in inches: the desk showing past a corner
    # fitted a pixel too wide would be a long dark line, a ruling to the line finder
    edge_inch: float = 0.12
    # body text of these forms is 10.5-12 pt (五号-小四); its glyphs' ink is about 0.9 of that
    text_pt: float = 10.0
    # where only the table's frame is found: this much of the photo kept round it (the title
    # above, the dates and signatures below)
    frame_margin_inch: float = 1.2
    # an image with no camera and no usable tag whose own sides are A4's within this (long /
    # short) is the page itself, at its size against A4: forms-gen's untagged 150 and 200 dpi
    # page images are 1.4137-1.4141; reading them at the body text's height (measured 96 px/in
    # on a 150 dpi page) resampled them and lost thin digits (1项 read as 项, 1.13 as 13)
    page_ratio: tuple[float, float] = (1.40, 1.43)
    sheet: SheetOptions = Field(default_factory=SheetOptions)
    dewarp: DewarpOptions = Field(default_factory=DewarpOptions)


@dataclass
class FlatPhoto:
    image: Image  # RGB, the flattened page
    dpi: float  # its resolution
    homography: NDArray[np.float64]  # photo pixels -> flat page pixels
    info: PhotoInfo
    # the remap that straightened bowed rulings after the homography (straight -> flat pixels)
    dewarp: Dewarp | None = None


def is_photo(tags: ImageTags, options: PhotoOptions) -> bool:
    """A camera took it, or its dpi tag is none a scanner writes."""
    return bool(tags.camera) or tags.dpi is None or tags.dpi < options.min_tag_dpi


def _side(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    return float(np.hypot(*(a - b)))


def _text_dpi(grey: Image, options: PhotoOptions) -> float | None:
    """Pixels per inch from the median height of glyph-sized ink blobs (CJK glyphs are about
    square and about the font size tall)."""
    h, w = grey.shape
    block = max(15, (min(h, w) // 60) | 1)
    binary = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15)
    binary = cv2.dilate(binary, np.ones((2, 2), np.uint8))  # join a glyph's strokes
    _, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    bw, bh = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    glyph = (bh >= 8) & (bh <= h / 20) & (bw >= 0.6 * bh) & (bw <= 1.4 * bh)
    if glyph.sum() < 30:
        return None
    return float(np.median(bh[glyph])) / (0.9 * options.text_pt / 72.0)


def _whole_page(h: int, w: int) -> tuple[float, NDArray[np.float32]]:
    """The image taken as the whole sheet: its pixels per inch with its long side A4's long side,
    and its own corners (top left, top right, bottom right, bottom left) as the sheet's."""
    corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    return max(h, w) / A4_INCHES[1], corners


@dataclass
class PagePlan:
    """Where the page is in the photo and how large: the quadrilateral to flatten (tl, tr, br,
    bl), its size in inches, the margin of photo kept round it, and where the scale came from.
    ``src`` None: the image is the page itself, read as it is at ``ppi``."""

    src: NDArray[np.float32] | None
    ppi: float
    size_in: tuple[float, float]
    margin_in: float
    scale_from: Literal["page_outline", "text_height", "page_size"]
    sheet_found: bool


def flatten_photo(rgb: Image, tags: ImageTags, options: PhotoOptions | None = None) -> FlatPhoto | None:
    """The flat page of a photo, or None when the image is not one (a scanner's dpi tag)."""
    options = options or PhotoOptions()
    plan = find_page(rgb, tags, options)
    return None if plan is None else warp_page(rgb, plan, tags, options)


def find_page(rgb: Image, tags: ImageTags, options: PhotoOptions) -> PagePlan | None:
    """Where the page of a photo is and its resolution; None when the image is not a photo."""
    if not options.enabled or not is_photo(tags, options):
        return None
    sheet = find_sheet(rgb, options.sheet)
    # the table's frame, found once: a sheet must hold it, and a camera's photo with no sheet
    # is flattened to it
    frame = find_frame(rgb, options.sheet) if sheet is not None or tags.camera else None
    if sheet is not None and not holds_table(sheet, frame, rgb.shape[:2], options.sheet):
        sheet = None  # a patch of light on the page, not the sheet's outline
    h, w = rgb.shape[:2]
    page_ppi, whole = _whole_page(h, w)
    if sheet is not None:
        tl, tr, br, bl = sheet.quad
        across = (_side(tl, tr) + _side(bl, br)) / 2
        down = (_side(tl, bl) + _side(tr, br)) / 2
        long_px, short_px = max(across, down), min(across, down)
        ratio = long_px / max(short_px, 1.0)
        if options.a4_ratio[0] <= ratio <= options.a4_ratio[1]:
            ppi = float(np.sqrt(long_px / A4_INCHES[1] * short_px / A4_INCHES[0]))
            size_in = (A4_INCHES[1], A4_INCHES[0]) if across > down else A4_INCHES
            return PagePlan(sheet.quad, ppi, size_in, 0.0, "page_outline", True)
        # not A4, or a part hidden: keep the outline's own proportions
        grey = u8(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        ppi = _text_dpi(grey, options) or long_px / A4_INCHES[1]
        return PagePlan(sheet.quad, ppi, (across / ppi, down / ppi), 0.0, "text_height", True)
    if tags.camera and frame is not None:
        # a camera's photo with the sheet's edges hidden: the table's frame flattened, with a
        # margin round it for the title and the lines under the table. Not for an untagged
        # scan, which is all page: cropping it to its table would lose what lies further out
        grey = u8(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        tl, tr, br, bl = frame.quad
        across, down = (_side(tl, tr) + _side(bl, br)) / 2, (_side(tl, bl) + _side(tr, br)) / 2
        ppi = _text_dpi(grey, options) or options.min_dpi
        return PagePlan(frame.quad, ppi, (across / ppi, down / ppi), options.frame_margin_inch, "text_height", False)
    if not tags.camera and options.page_ratio[0] <= max(h, w) / max(min(h, w), 1) <= options.page_ratio[1]:
        # the image is the page (a scan without a usable tag): its size against A4, no warp
        # where that size is one the scan path reads at
        ppi, _ = _whole_page(h, w)
        src = None if options.min_dpi <= ppi <= options.max_dpi else whole
        return PagePlan(src, ppi, (w / ppi, h / ppi), 0.0, "page_size", False)
    grey = u8(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    # no sheet against a background: the image is the page (a scan without a dpi tag)
    ppi = _text_dpi(grey, options) or page_ppi
    return PagePlan(whole, ppi, (w / ppi, h / ppi), 0.0, "text_height", False)


def warp_page(rgb: Image, plan: PagePlan, tags: ImageTags, options: PhotoOptions) -> FlatPhoto:
    """The page of ``plan`` drawn flat and upright (or the image itself where it is the page)."""
    if plan.src is None:
        h, w = rgb.shape[:2]
        identity = np.eye(3, dtype=np.float64)
        corners = [[float(x), float(y)] for x, y in _whole_page(h, w)[1]]
        info = PhotoInfo(camera="", exif_orientation=tags.orientation, tag_dpi=tags.dpi, scale_from=plan.scale_from,
                         px_per_inch=round(plan.ppi, 1), read_dpi=round(plan.ppi, 1), sheet_found=False,
                         corners=corners, homography=[[float(v) for v in row] for row in identity])
        return FlatPhoto(image=rgb, dpi=plan.ppi, homography=identity, info=info)
    return _warp(rgb, plan.src, plan.ppi, plan.size_in, plan.margin_in, plan.scale_from, tags, options, plan.sheet_found)


def _warp(rgb: Image, src: NDArray[np.float32], ppi: float, size_in: tuple[float, float], margin_in: float,
          scale_from: Literal["page_outline", "text_height", "page_size"], tags: ImageTags, options: PhotoOptions,
          sheet_found: bool) -> FlatPhoto:
    """``src`` (the photo's quadrilateral) drawn as an upright rectangle of ``size_in`` inches,
    ``margin_in`` of the photo kept round it."""
    dpi = float(np.clip(ppi, options.min_dpi, options.max_dpi))
    m = margin_in * dpi
    out_w, out_h = max(1, round(size_in[0] * dpi + 2 * m)), max(1, round(size_in[1] * dpi + 2 * m))
    dst = np.array([[m, m], [out_w - 1 - m, m], [out_w - 1 - m, out_h - 1 - m], [m, out_h - 1 - m]], np.float32)
    homography = np.asarray(cv2.getPerspectiveTransform(src, dst), np.float64)
    flat = u8(cv2.warpPerspective(rgb, homography, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    if sheet_found:
        edge = max(1, round(options.edge_inch * dpi))
        paper = np.median(flat[edge : 3 * edge, edge:-edge].reshape(-1, 3), axis=0).astype(np.uint8)
        for band in (np.s_[:edge], np.s_[-edge:], np.s_[:, :edge], np.s_[:, -edge:]):
            flat[band] = paper
    info = PhotoInfo(
        camera=tags.camera,
        exif_orientation=tags.orientation,
        tag_dpi=tags.dpi,
        scale_from=scale_from,
        px_per_inch=round(ppi, 1),
        read_dpi=round(dpi, 1),
        sheet_found=sheet_found,
        corners=[[round(float(x), 1), round(float(y), 1)] for x, y in src],
        homography=[[float(v) for v in row] for row in homography],
    )
    return FlatPhoto(image=flat, dpi=dpi, homography=homography, info=info)
