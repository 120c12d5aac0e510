"""Pixel operations shared by the scan path and the OCR engines: one place for each.

Conventions: images are uint8 numpy arrays. Grey images have paper near 255; binary images have
ink = 255 and paper = 0 (what OpenCV's morphology and connected components count as
foreground). Lengths given in points are turned into pixels at the image's dpi with ``px``.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

POINTS_PER_INCH = 72.0

Image = NDArray[np.uint8]
# (x0, y0, x1, y1) in whole pixels, x1 and y1 exclusive
PixelBox = tuple[int, int, int, int]


def u8(array: Any) -> Image:
    """An OpenCV result as the uint8 array it is (no copy): OpenCV's stubs type it loosely."""
    return np.asarray(array, dtype=np.uint8)


# ---------------------------------------------------------------- lengths


def px(points: float, dpi: float, minimum: int = 1) -> int:
    """A length in points as whole pixels at ``dpi`` (at least ``minimum``)."""
    return max(minimum, round(points * dpi / POINTS_PER_INCH))


def odd(n: int) -> int:
    return n if n % 2 else n + 1


def odd_px(points: float, dpi: float, minimum: int = 1) -> int:
    """A kernel length: odd, because OpenCV anchors an even kernel off-centre and an opening
    with one shifts what it keeps by a pixel."""
    return odd(px(points, dpi, minimum))


# ---------------------------------------------------------------- colour


def to_grey(image: Image) -> Image:
    """One channel (ITU-R 601 luma, as OpenCV and Pillow weigh it); a grey image as it is."""
    if image.ndim == 2:
        return image
    return u8(cv2.cvtColor(np.ascontiguousarray(image[:, :, :3]), cv2.COLOR_RGB2GRAY))


def to_bgr(image: Image) -> Image:
    """Three-channel BGR, which OpenCV-based engines (rapidocr) take from an ndarray."""
    if image.ndim == 2:
        return u8(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
    return np.ascontiguousarray(image[:, :, 2::-1])


# ---------------------------------------------------------------- resolution


def reduce_binary(binary: Image, factor: int) -> Image:
    """A binary image ``factor`` times smaller where any ink in a block stays ink: a one-pixel
    ruling survives, which an averaging resize and a threshold would lose."""
    if factor <= 1:
        return binary
    size = (max(1, binary.shape[1] // factor), max(1, binary.shape[0] // factor))
    mean = cv2.resize(binary, size, interpolation=cv2.INTER_AREA)  # block means, fast
    return u8((mean > 0) * 255)


def resize_grey(grey: Image, factor: float) -> Image:
    """A grey image ``factor`` times smaller, by area averaging (which also cancels noise). A
    whole factor gives the size ``reduce_binary`` gives, so that the two stay pixel for pixel."""
    if factor <= 1:
        return grey
    if float(factor).is_integer():
        size = (max(1, grey.shape[1] // int(factor)), max(1, grey.shape[0] // int(factor)))
    else:
        size = (max(1, round(grey.shape[1] / factor)), max(1, round(grey.shape[0] / factor)))
    return u8(cv2.resize(grey, size, interpolation=cv2.INTER_AREA))


# ---------------------------------------------------------------- ink


def paper_noise(grey: Image, rows: int = 200) -> float:
    """Standard deviation of the paper's grain, from pixels minus their 3 x 3 median on a sample
    of ``rows`` rows. Only the dark side of the residuals is used: a flattened page clips bright
    grain at 255, and the dark side is what a threshold must not take for ink."""
    sample = np.ascontiguousarray(grey[:: max(1, grey.shape[0] // rows)])
    residual = sample.astype(np.int16) - cv2.medianBlur(sample, 3).astype(np.int16)
    paper = residual[sample > 160]
    dark = paper[paper < 0]
    # on clean paper almost nothing is below its neighbours but the anti-aliased edges of
    # strokes, whose residuals say nothing about grain; grain puts nearly half of it there
    if dark.size < 0.2 * max(paper.size, 1):
        return 0.0
    return 1.4826 * float(np.median(-dark))


def binarize(grey: Image, block: int, offset: float, max_ink: int = 255) -> Image:
    """Ink = 255: darker than the mean of its ``block`` x ``block`` window by ``offset``, and
    darker than ``max_ink`` whatever the window says (so that flat paper grain never counts)."""
    local = cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, odd(max(block, 3)), offset
    )
    if max_ink >= 255:
        return u8(local)
    return u8(cv2.bitwise_and(local, u8((grey < max_ink) * 255)))


def long_runs(binary: Image, length: int, horizontal: bool, smear: int = 1, bridge: int = 1) -> Image:
    """Ink runs at least ``length`` pixels long along one axis (a morphological opening).

    ``smear`` first thickens the ink across the axis, so that a line tilted by a few degrees
    still has long runs; ``bridge`` afterwards closes breaks up to that long along the axis
    (a faint or JPEG-eaten stretch of a ruling), which no longer touches text because only long
    runs are left by then."""
    along = (length, 1) if horizontal else (1, length)
    work = binary
    if smear > 1:
        work = u8(cv2.dilate(work, cv2.getStructuringElement(cv2.MORPH_RECT, (1, smear) if horizontal else (smear, 1))))
    kept = cv2.morphologyEx(work, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, along))
    if bridge > 1:
        gap = (bridge, 1) if horizontal else (1, bridge)
        kept = cv2.morphologyEx(kept, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, gap))
    return u8(kept)


def grow(mask: Image, pixels: int) -> Image:
    """The mask grown by ``pixels`` on every side (a square dilation)."""
    if pixels <= 0:
        return mask
    size = 2 * pixels + 1
    return u8(cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))))


def without(binary: Image, mask: Image, margin: int = 0) -> Image:
    """The ink of ``binary`` outside ``mask`` grown by ``margin`` (text without its rulings)."""
    return u8(cv2.bitwise_and(binary, cv2.bitwise_not(grow(mask, margin))))


def erase(grey: Image, mask: Image, margin: int = 0) -> Image:
    """A grey copy with the masked pixels (grown by ``margin``) painted paper white."""
    if mask.shape[:2] != grey.shape[:2]:
        raise ValueError(f"mask {mask.shape[:2]} does not match image {grey.shape[:2]}")
    out = grey.copy()
    out[grow(u8((mask > 0) * 255), margin) > 0] = 255
    return out


# ---------------------------------------------------------------- crops


def crop(image: Image, box: PixelBox) -> Image:
    """The pixels inside ``box``, clipped to the image; an empty array when nothing is left."""
    x0, y0, x1, y1 = box
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
    if x1 <= x0 or y1 <= y0:
        return np.zeros((0, 0) + image.shape[2:], np.uint8)
    return image[y0:y1, x0:x1]


def pad_white(image: Image, top: int, bottom: int, left: int, right: int) -> Image:
    """A white margin round a crop (the crop is cut to its ink: replicating its edge would
    smear strokes)."""
    white = (255,) * (image.shape[2] if image.ndim == 3 else 1)
    return u8(cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=white))


# A rule the crop grazed (a cell crop cut a pixel too wide) shows as edge rows or columns this
# dark, or, where it is faint or tilted, as a component touching the edge and running along
# this share of it while this thin across
_EDGE_DARK = 0.6
_RULE_ALONG = 0.8
_RULE_ACROSS = 0.2
# components smaller than this (pixels) are specks; a decimal point at 150 dpi is about 4
_MIN_SPECK = 3
# a crop whose darkest ink is this close to its paper holds no ink
_MIN_CONTRAST = 40
# a pixel of a crop is ink when it is darker than the paper by this share of the way to the
# darkest ink, after a 3 x 3 blur (which takes a σ 14 grain to about 5). Halfway (the old rule)
# lost the faint single stroke of 一 and the bars of 三 on degraded 200 dpi scans
_INK_SHARE = 0.35


def paper_and_ink(grey: Image) -> tuple[float, float]:
    """Grey level of the paper (the median pixel: a crop is mostly paper) and of the ink (the
    darkest pixel after a 3 x 3 median, so one dark noise pixel does not count). Halfway is the
    threshold for a crop: Otsu's drifts into the paper's noise when a lone digit is 1 % of it."""
    return float(np.median(grey)), float(cv2.medianBlur(grey, 3).min())


def crop_ink(grey: Image) -> Image | None:
    """A crop's ink (255) by one global threshold between paper and ink (``_INK_SHARE``); None
    when the crop holds no ink at all. Not adaptive: a crop is small and holds one line, and ink
    against paper is the one contrast in it."""
    if min(grey.shape[:2]) < 3:
        return None
    paper, ink_level = paper_and_ink(grey)
    if paper - ink_level < _MIN_CONTRAST:
        return None
    smooth = cv2.GaussianBlur(grey, (3, 3), 0)
    return u8((smooth < paper - _INK_SHARE * (paper - ink_level)) * 255)


def _clear_dark_edges(dark: Image) -> Image:
    """Blank the edge rows and columns that are mostly ink, walking inwards while they are."""
    dark = dark.copy()
    for axis in (0, 1):
        share = dark.mean(axis=1 - axis) / 255.0
        for order in (range(share.size), range(share.size - 1, -1, -1)):
            for i in order:
                if share[i] < _EDGE_DARK:
                    break
                if axis == 0:
                    dark[i, :] = 0
                else:
                    dark[:, i] = 0
    return dark


def _is_grazed_rule(x: int, y: int, w: int, h: int, width: int, height: int) -> bool:
    touches = x == 0 or y == 0 or x + w == width or y + h == height
    flat = w >= _RULE_ALONG * width and h <= _RULE_ACROSS * height
    upright = h >= _RULE_ALONG * height and w <= _RULE_ACROSS * width
    return touches and (flat or upright)


def ink_box(image: Image) -> PixelBox | None:
    """(x0, y0, x1, y1) of the ink in a crop, rules grazed at its edges and lone specks (JPEG
    ringing, dust) left out; None if blank."""
    dark = crop_ink(to_grey(image))
    if dark is None:
        return None
    dark = _clear_dark_edges(dark)
    _, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    height, width = dark.shape[:2]
    kept = [
        (x, y, x + w, y + h)
        for x, y, w, h, area in stats[1:].tolist()
        if area >= _MIN_SPECK and not _is_grazed_rule(x, y, w, h, width, height)
    ]
    if not kept:
        return None
    x0, y0, x1, y1 = zip(*kept, strict=True)
    return min(x0), min(y0), max(x1), max(y1)


def tighten(image: Image) -> Image:
    """The crop cut to its ink: recognisers scale a line to a fixed height (rapidocr 48 px),
    so the whitespace of a tall cell shrinks the text, and tesseract's single-line mode finds
    no line in a lone digit lost in a big cell. A blank crop comes back unchanged."""
    box = ink_box(image)
    if box is None:
        return image
    x0, y0, x1, y1 = box
    return image[y0:y1, x0:x1]


def stretch(grey: Image) -> Image:
    """Contrast stretched so the ink is black and the paper (and everything lighter: most of
    a scan's noise) white. Tesseract binarises a crop itself, badly on grey noisy paper:
    numeric crops of a σ 14 + JPEG scan read 50/77 exactly before, 72–74/77 after."""
    paper, ink_level = paper_and_ink(grey)
    if paper - ink_level < 1:
        return grey
    scaled = (grey.astype(np.float32) - ink_level) * (255.0 / (paper - ink_level))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def glyph_height(binary: Image, max_share: float = 0.1) -> float:
    """Typical character height in pixels of a binary image's text: the 75th percentile of the
    heights of ink components shaped like glyph parts (CJK characters break into several
    components, so the median is a radical's height; the upper quartile is the whole
    character's). A table's rulings form one component far too large to count. 0 without ink."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    h, w = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    glyphs = h[(h >= 4) & (w <= 3 * h) & (h <= binary.shape[0] * max_share)]
    return float(np.percentile(glyphs, 75)) if glyphs.size else 0.0


def despeckle(binary: Image, min_area: int) -> Image:
    """The ink without connected components smaller than ``min_area`` pixels."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if n <= 1:
        return binary
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return u8(keep[labels] * 255)


def runs(profile: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-d profile, end exclusive."""
    if profile.size == 0:
        return []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], profile.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
