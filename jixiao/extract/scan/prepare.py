"""Page preparation for scans: seals out, light evened, binarised, turned upright and levelled.

Each step is a plain function on arrays; ``prepare_page`` runs them in order and records the
transform between the original scan and the prepared copy (``transform``). The original image is
never modified: evidence crops come from it, mapped through ``PageTransform``.

Images are uint8. Grey images have paper near 255; binary images have ink = 255, paper = 0
(what OpenCV's morphology and connected components count as foreground).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from jixiao.extract.scan.orient import (
    OrientationCheck,
    OrientOptions,
    Votes,
    flip_votes,
    quarter_votes,
    reduced,
)
from jixiao.extract.scan.transform import (
    Matrix,
    PageTransform,
    compose,
    quarter_turn_matrix,
    skew_matrix,
    skew_warp_matrix,
    turn_image,
)
from jixiao.extract.scan.units import POINTS_PER_INCH, Image, odd, odd_px, px, u8

Ring = tuple[float, float, float]  # a round seal: centre x, centre y, radius in pixels

# ---------------------------------------------------------------- options


class SealOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # red minus the larger of green and blue, 0-255: seal ink is strongly red; black toner (also
    # black toner under a seal) and grey paper are not
    min_redness: int = 35
    # darker pixels stay ink whatever their hue: toner under the seal, and black strokes that a
    # JPEG's shared colour samples (4:2:0) tint red next to seal ink, are dark in luma (~30-60)
    # while seal ink is not (~90-130)
    min_red: int = 90
    min_luma: int = 80
    # within this distance of seal ink the red channel (in which red ink is nearly paper and
    # black stays black) stands in for the grey: the stamp's rim, its lightly inked parts
    rim_pt: float = 2.5
    # round seals are also found by shape (a grey scan has no colour to go by): official
    # seals are 38-45 mm across. Rulings wholly inside one are its strokes, not the table's
    find_rings: bool = True
    ring_min_mm: float = 34.0
    ring_max_mm: float = 48.0
    # Hough accumulator votes needed, on the 50 dpi copy: lower finds fainter rings
    ring_votes: int = 30


class LightOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # the background is estimated on a copy reduced to this resolution: lighting varies slowly
    work_dpi: float = 50.0
    # closing size: wider than any dark stroke or block of text, so that only paper is left
    kernel_pt: float = 14.0


class ThresholdOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # adaptive threshold window, about two characters of body text
    block_pt: float = 10.0
    # a pixel is ink when this much darker than its window's mean, at least; raised on noisy
    # scans to noise_factor times the measured paper noise
    offset: float = 12.0
    noise_factor: float = 3.0
    # and darker than this on the flattened page (paper is ~255), whatever its window says
    max_ink: int = 215


class DeskewOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # the issue asks for ±5°; hand-fed and photographed pages go further. Measured on 8 forms
    # scanned at 200 dpi: 5°, 8° and 12° all read every number (CER 0.02%, 0.02%, 0.9%); with
    # 5° / 2.5 pt, 8° pages found no table at all
    max_degrees: float = 15.0
    # smaller estimates are left alone: resampling blurs and costs time for nothing
    min_degrees: float = 0.05
    # fragments of rulings are found with an opening this long, after thickening by smear_pt so
    # that a line at max_degrees still has runs this long
    fragment_pt: float = 14.0
    smear_pt: float = 4.5
    # only fragments at least this long vote, weighted by their length
    min_length_pt: float = 60.0


class PrepareOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seal: SealOptions = Field(default_factory=SealOptions)
    light: LightOptions = Field(default_factory=LightOptions)
    threshold: ThresholdOptions = Field(default_factory=ThresholdOptions)
    orient: OrientOptions = Field(default_factory=OrientOptions)
    deskew: DeskewOptions = Field(default_factory=DeskewOptions)


# ---------------------------------------------------------------- result


@dataclass
class PreparedPage:
    """A page ready for line finding and OCR, and how it relates to the original scan."""

    grey: Image  # flattened grey, seals removed, upright and level
    binary: Image  # ink = 255
    dpi: float
    transform: PageTransform
    seal_share: float = 0.0  # share of the page's pixels taken as seal ink
    # the orientation tests' evidence (None when not run): a margin near 0 means the page's
    # way up was a guess (few text lines and no OCR check)
    quarter: Votes | None = None
    flip: Votes | None = None
    # round seals found by shape, on the prepared page (centre x, centre y, radius; pixels)
    rings: list[Ring] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def scale(self) -> float:
        """Pixels per PDF point."""
        return self.dpi / POINTS_PER_INCH


# ---------------------------------------------------------------- seals


def red_ink_mask(rgb: Image, options: SealOptions, luma: Image | None = None) -> Image:
    """255 where a pixel is red ink (an official seal), judged by colour and brightness."""
    r, g, b = cv2.split(rgb)
    luma = u8(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)) if luma is None else luma
    redness = cv2.subtract(r, cv2.max(g, b))  # saturates at 0: greys and blues give 0
    red = (redness >= options.min_redness) & (r >= options.min_red) & (luma >= options.min_luma)
    return red.astype(np.uint8) * 255


def seal_zone(mask: Image, dpi: float, options: SealOptions) -> Image:
    """The seal ink and its surroundings (``rim_pt``): the stamp's rim, its lightly inked and
    speckled parts, which the colour test alone misses."""
    rim = odd(2 * px(options.rim_pt, dpi) + 1)
    return u8(cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (rim, rim))))


def _redness_share(rgb: Image) -> NDArray[np.float32]:
    """(R - max(G, B)) / R per pixel: 0 for greys, ~0.8 for dense seal ink."""
    r = rgb[:, :, 0].astype(np.float32)
    gb = np.maximum(rgb[:, :, 1], rgb[:, :, 2]).astype(np.float32)
    return np.clip((r - gb) / np.maximum(r, 1.0), 0.0, 1.0)


def lift_seal(flat: Image, flat_red: Image, rgb: Image, mask: Image, zone: Image) -> Image:
    """The flattened grey with the seal taken out.

    In the red channel seal ink is nearly paper while black text and rulings under the seal
    stay as dark as anywhere else, so within the zone the grey becomes the larger of the grey
    and the flattened red channel. Red ink still absorbs some red light (it reads ~0.8 of the
    paper): each pixel's red is raised by that absorption in proportion to how red the pixel
    is, so that dense ink reaches paper while a ruling under it, whose red comes mostly from
    its own darkness, is raised only a little and keeps the darkness it has elsewhere.
    """
    x, y, w, h = cv2.boundingRect(zone)
    box = (slice(y, y + h), slice(x, x + w))
    core = mask[box] > 0
    share = _redness_share(rgb[box])
    full = float(np.percentile(share[core], 90)) if core.any() else 1.0
    red = flat_red[box].astype(np.float32)
    transmission = float(np.percentile(red[core], 50)) / 255.0 if core.any() else 1.0
    amount = np.clip(share / max(full, 1e-3), 0.0, 1.0)  # how much ink is on the pixel
    lifted = red / (1.0 - amount * (1.0 - np.clip(transmission, 0.6, 1.0)))
    out = flat.copy()
    region = out[box]
    keep = zone[box] > 0
    region[keep] = np.maximum(region, np.clip(lifted, 0, 255).astype(np.uint8))[keep]
    return out


def seal_rings(flat: Image, dpi: float, options: SealOptions) -> list[Ring]:
    """Round seals on the page by their outline (Hough circles on a 50 dpi copy: ~10 ms).

    Needed where colour cannot find them: a grey scan, or a stamp too faint or too dark to
    read as red. A table has no circles of this size, so false rings are rare; and a ring only
    removes rulings that lie wholly inside it (see ``lines.outside_rings``)."""
    if not options.find_rings:
        return []
    factor = max(1.0, dpi / 50.0)
    small = cv2.resize(flat, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
    mm = 50.0 / 25.4  # pixels per mm at 50 dpi
    lo, hi = options.ring_min_mm / 2 * mm, options.ring_max_mm / 2 * mm
    found = cv2.HoughCircles(
        small,
        cv2.HOUGH_GRADIENT,
        dp=1,
        minDist=2 * lo,
        param1=80,
        param2=options.ring_votes,
        minRadius=int(lo),
        maxRadius=int(np.ceil(hi)),
    )
    if found is None:
        return []
    return [(float(x) * factor, float(y) * factor, float(r) * factor) for x, y, r in found[0]]


# ---------------------------------------------------------------- light


def background(grey: Image, dpi: float, options: LightOptions) -> Image:
    """The paper's brightness everywhere: a closing (max then min filter) on a reduced copy
    removes text and rulings, a blur smooths the result, and it is scaled back up."""
    factor = max(1.0, dpi / options.work_dpi)
    small = cv2.resize(
        grey,
        (max(1, round(grey.shape[1] / factor)), max(1, round(grey.shape[0] / factor))),
        interpolation=cv2.INTER_AREA,  # averaging also cancels most of a scan's noise
    )
    k = odd(px(options.kernel_pt, dpi / factor, minimum=3))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_REPLICATE)
    smooth = cv2.GaussianBlur(closed, (0, 0), sigmaX=k / 2)
    return u8(cv2.resize(smooth, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR))


def flatten_light(grey: Image, dpi: float, options: LightOptions) -> Image:
    """The page divided by its background, so that paper is ~255 even on a page darker on one
    side and a threshold means the same everywhere."""
    if not options.enabled:
        return grey.copy()
    bg = background(grey, dpi, options)
    return u8(cv2.divide(grey, np.maximum(bg, 1), scale=255.0))


def flat_page(image: Image, dpi: float, options: PrepareOptions) -> tuple[Image, Image]:
    """The flattened grey page with seals taken out, and the seal ink mask. ``image`` is RGB
    (H x W x 3) or grey (H x W; a grey scan has no colour to find seals by)."""
    rgb = image
    grey = image if image.ndim == 2 else u8(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    flat = flatten_light(grey, dpi, options.light)
    if not options.seal.enabled or image.ndim == 2:
        return flat, np.zeros_like(grey)
    mask = red_ink_mask(rgb, options.seal, grey)
    if not mask.any():
        return flat, mask
    red = np.ascontiguousarray(rgb[:, :, 0])
    flat_red = flatten_light(red, dpi, options.light)
    return lift_seal(flat, flat_red, rgb, mask, seal_zone(mask, dpi, options.seal)), mask


# ---------------------------------------------------------------- binarising


def paper_noise(flat: Image) -> float:
    """Standard deviation of the paper's grain on a flattened page, from pixels minus their
    3 x 3 median on a sample of rows. Only the dark side of the residuals is used: flattening
    clips bright grain at 255, and the dark side is what a threshold must not take for ink."""
    rows = np.ascontiguousarray(flat[:: max(1, flat.shape[0] // 200)])
    residual = rows.astype(np.int16) - cv2.medianBlur(rows, 3).astype(np.int16)
    paper = residual[rows > 160]
    dark = paper[paper < 0]
    # on clean paper almost nothing is below its neighbours but the anti-aliased edges of
    # strokes, whose residuals say nothing about grain; grain puts nearly half of it there
    if dark.size < 0.2 * max(paper.size, 1):
        return 0.0
    return 1.4826 * float(np.median(-dark))


def binarize(flat: Image, dpi: float, options: ThresholdOptions) -> Image:
    """Ink = 255: darker than the local mean by the offset (raised on noisy pages) and darker
    than ``max_ink`` overall, so that flat paper grain never counts."""
    block = odd_px(options.block_pt, dpi, minimum=3)
    offset = max(options.offset, options.noise_factor * paper_noise(flat))
    local = cv2.adaptiveThreshold(
        flat, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, offset
    )
    dark = (flat < options.max_ink).astype(np.uint8) * 255
    return u8(cv2.bitwise_and(local, dark))


# ---------------------------------------------------------------- skew


def _fragment_masks(binary: Image, dpi: float, options: DeskewOptions) -> tuple[Image, Image]:
    """Long horizontal and vertical ink runs, after thickening across the run so that a line
    tilted by up to ``max_degrees`` still has runs of ``fragment_pt``."""
    length, smear = odd_px(options.fragment_pt, dpi, 3), odd_px(options.smear_pt, dpi)
    h = cv2.dilate(binary, cv2.getStructuringElement(cv2.MORPH_RECT, (1, smear)))
    h = cv2.morphologyEx(h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    v = cv2.dilate(binary, cv2.getStructuringElement(cv2.MORPH_RECT, (smear, 1)))
    v = cv2.morphologyEx(v, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    return u8(h), u8(v)


def fragment_slopes(
    mask: Image, ink: Image, min_length: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Least-squares slope dy/dx of every connected component of ``mask`` at least
    ``min_length`` wide, fitted to the ``ink`` pixels inside it (the smeared mask's own ends
    are cut square by the opening and would bias a tilted fragment), and its width. Sums per
    component label keep this vectorised."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    wide = np.flatnonzero(stats[:, cv2.CC_STAT_WIDTH] >= min_length)
    wide = wide[wide > 0]
    if len(wide) == 0:
        return np.zeros(0), np.zeros(0)
    keep = np.zeros(n, dtype=bool)
    keep[wide] = True
    ys, xs = np.nonzero(keep[labels] & (ink > 0))
    lab = labels[ys, xs]
    x, y = xs.astype(np.float64), ys.astype(np.float64)
    count = np.maximum(np.bincount(lab, minlength=n).astype(np.float64), 1.0)
    sx, sy = np.bincount(lab, x, n), np.bincount(lab, y, n)
    sxx, sxy = np.bincount(lab, x * x, n), np.bincount(lab, x * y, n)
    c = count[wide]
    var = sxx[wide] / c - (sx[wide] / c) ** 2
    cov = sxy[wide] / c - sx[wide] * sy[wide] / c**2
    slopes = cov / np.maximum(var, 1e-9)
    return slopes, stats[wide, cv2.CC_STAT_WIDTH].astype(np.float64)


def _weighted_median(values: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2)])


def estimate_skew(binary: Image, dpi: float, options: DeskewOptions) -> float:
    """Degrees to rotate (counter-clockwise on screen) to level the rulings; 0 when there are
    none. Horizontal fragments give the angle directly; vertical ones (slope dx/dy) give its
    negative. The length-weighted median ignores text strokes and the odd diagonal."""
    h, v = _fragment_masks(binary, dpi, options)
    min_len = px(options.min_length_pt, dpi)
    h_slopes, h_len = fragment_slopes(h, binary, min_len)
    v_slopes, v_len = fragment_slopes(u8(cv2.transpose(v)), u8(cv2.transpose(binary)), min_len)
    # a line sloping down to the right (dy/dx > 0) on screen was turned clockwise: undo with +
    angles = np.degrees(np.concatenate([np.arctan(h_slopes), -np.arctan(v_slopes)]))
    weights = np.concatenate([h_len, v_len])
    ok = np.abs(angles) <= options.max_degrees
    if not ok.any():
        return 0.0
    return _weighted_median(angles[ok], weights[ok])


def rotate_grey(grey: Image, degrees: float) -> Image:
    """The grey page turned about its centre; uncovered corners become paper."""
    h, w = grey.shape
    m = skew_warp_matrix(degrees, w, h)
    turned = cv2.warpAffine(
        grey, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )
    return u8(turned)


# ---------------------------------------------------------------- the whole preparation


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._last
        self._last = now


@dataclass
class _Work:
    """The page as it is being turned: flattened grey, binary, the reduced binary the tests
    read, and the map from the original pixels so far."""

    flat: Image
    binary: Image
    small: Image
    small_dpi: float
    matrix: Matrix

    def turn(self, rotation: int) -> None:
        h, w = self.flat.shape
        self.matrix = compose(self.matrix, quarter_turn_matrix(rotation, w, h))
        self.flat = turn_image(self.flat, rotation)
        self.binary = turn_image(self.binary, rotation)
        self.small = turn_image(self.small, rotation)


def _level(work: _Work, dpi: float, options: PrepareOptions) -> float:
    """Estimate the skew on the reduced page and, when it matters, rotate and re-binarise."""
    skew = estimate_skew(work.small, work.small_dpi, options.deskew)
    if abs(skew) < options.deskew.min_degrees:
        return 0.0
    h, w = work.flat.shape
    work.flat = rotate_grey(work.flat, skew)
    work.binary = binarize(work.flat, dpi, options.threshold)
    work.small, _ = reduced(work.binary, dpi, options.orient.work_dpi)
    work.matrix = compose(work.matrix, skew_matrix(skew, w, h))
    return skew


def prepare_page(
    image: Image,
    dpi: float,
    options: PrepareOptions | None = None,
    check: OrientationCheck | None = None,
) -> PreparedPage:
    """Seals out, light evened, binarised, turned upright, levelled. ``image`` is the page as
    scanned, RGB (H x W x 3) or grey (H x W), uint8; ``dpi`` its resolution.

    The quarter-turn test runs first (text across or down the page), then the skew is measured
    and removed, then the upside-down test runs on the level page. ``check`` is an optional
    OCR-based orientation score (``orient.OrientationCheck``) for pages the cheap test is not
    sure about. The quarter turn is always clockwise by 90: a page whose text runs down is
    either 90 or 270 away from upright, and the upside-down test settles which.
    """
    options = options or PrepareOptions()
    clock = _Clock()
    height, width = image.shape[:2]
    flat, seal = flat_page(image, dpi, options)
    clock.lap("light_seal")
    binary = binarize(flat, dpi, options.threshold)
    clock.lap("threshold")
    small, small_dpi = reduced(binary, dpi, options.orient.work_dpi)
    work = _Work(flat, binary, small, small_dpi, quarter_turn_matrix(0, width, height))
    rotation, quarter, flip = 0, None, None
    if options.orient.enabled:
        quarter = quarter_votes(work.small, small_dpi, options.orient, work.flat, check)
        if quarter.turn:
            work.turn(90)
            rotation = 90
        clock.lap("orient")
    skew = _level(work, dpi, options) if options.deskew.enabled else 0.0
    clock.lap("deskew")
    if options.orient.enabled:
        flip = flip_votes(work.small, small_dpi, options.orient, work.flat, check, sideways=rotation == 90)
        if flip.turn:
            work.turn(180)
            rotation = (rotation + 180) % 360
        clock.lap("orient")
    rings = seal_rings(work.flat, dpi, options.seal)
    clock.lap("rings")
    transform = PageTransform(
        matrix=work.matrix,
        original_size=(width, height),
        prepared_size=(work.flat.shape[1], work.flat.shape[0]),
        rotation=rotation,
        skew_degrees=skew,
    )
    return PreparedPage(
        grey=work.flat,
        binary=work.binary,
        dpi=dpi,
        transform=transform,
        seal_share=float(np.count_nonzero(seal)) / max(seal.size, 1),
        quarter=quarter,
        flip=flip,
        rings=rings,
        seconds=clock.seconds,
    )
