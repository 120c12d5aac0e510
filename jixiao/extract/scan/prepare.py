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
    flip_votes,
    quarter_votes,
)
from jixiao.extract.scan.transform import (
    PageTransform,
    compose,
    quarter_turn_matrix,
    skew_matrix,
    turn_image,
)

Image = NDArray[np.uint8]
POINTS_PER_INCH = 72.0


def px(points: float, dpi: float, minimum: int = 1) -> int:
    """A length in points as whole pixels at ``dpi`` (at least ``minimum``)."""
    return max(minimum, int(round(points * dpi / POINTS_PER_INCH)))


def odd(n: int) -> int:
    return n if n % 2 else n + 1


# ---------------------------------------------------------------- options


class SealOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # red minus the larger of green and blue, 0-255: seal ink is strongly red; black toner (also
    # black toner under a seal) and grey paper are not
    min_redness: int = 45
    # darker pixels stay ink whatever their hue: toner printed under the seal shows dark red
    min_red: int = 90
    # the seal's anti-aliased, JPEG-smeared rim: within this distance of seal ink the red channel
    # (in which red ink is nearly paper and black stays black) replaces the grey
    rim_pt: float = 1.0


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
    max_degrees: float = 5.0
    # smaller estimates are left alone: resampling blurs and costs time for nothing
    min_degrees: float = 0.05
    # fragments of rulings are found with an opening this long, after thickening by smear_pt so
    # that a line at max_degrees still has runs this long
    fragment_pt: float = 14.0
    smear_pt: float = 2.5
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
    rotation_margin: float = 0.0  # how decided the orientation was (see orient.py); 0 = no test
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def scale(self) -> float:
        """Pixels per PDF point."""
        return self.dpi / POINTS_PER_INCH


# ---------------------------------------------------------------- seals


def red_ink_mask(rgb: Image, options: SealOptions) -> Image:
    """255 where a pixel is red ink (an official seal), judged by colour alone."""
    r, g, b = cv2.split(rgb)
    redness = cv2.subtract(r, cv2.max(g, b))  # saturates at 0: greys and blues give 0
    red = (redness >= options.min_redness) & (r >= options.min_red)
    return red.astype(np.uint8) * 255


def suppress_seals(rgb: Image, dpi: float, options: SealOptions) -> tuple[Image, Image]:
    """A grey copy of the page with red ink replaced by the paper's brightness, and the mask.

    Around seal ink the red channel stands in for the grey: there red ink is about as bright as
    paper while black text and rulings under the seal stay dark, so they survive. The ink itself
    is lifted to paper in ``flatten_light`` once the paper's brightness is known.
    """
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if not options.enabled:
        return grey, np.zeros_like(grey)
    mask = red_ink_mask(rgb, options)
    if not mask.any():
        return grey, mask
    rim = odd(2 * px(options.rim_pt, dpi) + 1)
    near = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (rim, rim)))
    red_channel = np.ascontiguousarray(rgb[:, :, 0])
    np.copyto(grey, red_channel, where=near > 0)
    return grey, mask


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
    return cv2.resize(smooth, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)


def flatten_light(
    grey: Image, dpi: float, options: LightOptions, seal: Image | None = None
) -> Image:
    """The page divided by its background, so that paper is ~255 on a page darker on one side;
    seal ink (``seal`` mask) becomes paper."""
    if not options.enabled:
        flat = grey.copy()
        if seal is not None and seal.any():
            flat[seal > 0] = 255
        return flat
    bg = background(grey, dpi, options)
    flat = cv2.divide(grey, cv2.max(bg, 1), scale=255.0)
    if seal is not None and seal.any():
        flat[seal > 0] = 255
    return flat


# ---------------------------------------------------------------- binarising


def paper_noise(flat: Image) -> float:
    """Standard deviation of the paper's grain on a flattened page (robust: median absolute
    deviation of pixels minus their 3 x 3 median, on a sample of rows)."""
    rows = flat[:: max(1, flat.shape[0] // 200)]
    residual = rows.astype(np.int16) - cv2.medianBlur(rows, 3).astype(np.int16)
    paper = rows > 200
    if not paper.any():
        return 0.0
    mad = float(np.median(np.abs(residual[paper])))
    return 1.4826 * mad


def binarize(flat: Image, dpi: float, options: ThresholdOptions) -> Image:
    """Ink = 255: darker than the local mean by the offset (raised on noisy pages) and darker
    than ``max_ink`` overall, so that flat paper grain never counts."""
    block = odd(px(options.block_pt, dpi, minimum=3))
    offset = max(options.offset, options.noise_factor * paper_noise(flat))
    local = cv2.adaptiveThreshold(
        flat, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, offset
    )
    dark = (flat < options.max_ink).astype(np.uint8) * 255
    return cv2.bitwise_and(local, dark)


# ---------------------------------------------------------------- skew


def _fragment_masks(binary: Image, dpi: float, options: DeskewOptions) -> tuple[Image, Image]:
    """Long horizontal and vertical ink runs, after thickening across the run so that a line
    tilted by up to ``max_degrees`` still has runs of ``fragment_pt``."""
    length, smear = px(options.fragment_pt, dpi, 3), px(options.smear_pt, dpi)
    h = cv2.dilate(binary, cv2.getStructuringElement(cv2.MORPH_RECT, (1, smear)))
    h = cv2.morphologyEx(h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    v = cv2.dilate(binary, cv2.getStructuringElement(cv2.MORPH_RECT, (smear, 1)))
    v = cv2.morphologyEx(v, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    return h, v


def fragment_slopes(mask: Image, min_length: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Least-squares slope dy/dx of every connected component at least ``min_length`` wide,
    and its width. Sums per component label keep this vectorised."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    wide = np.flatnonzero(stats[:, cv2.CC_STAT_WIDTH] >= min_length)
    wide = wide[wide > 0]
    if len(wide) == 0:
        return np.zeros(0), np.zeros(0)
    keep = np.zeros(n, dtype=bool)
    keep[wide] = True
    ys, xs = np.nonzero(keep[labels])
    lab = labels[ys, xs]
    x, y = xs.astype(np.float64), ys.astype(np.float64)
    count = np.bincount(lab, minlength=n).astype(np.float64)
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
    h_slopes, h_len = fragment_slopes(h, min_len)
    v_slopes, v_len = fragment_slopes(cv2.transpose(v), min_len)
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
    m = np.array(skew_matrix(degrees, w, h)).reshape(2, 3)
    return cv2.warpAffine(
        grey, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )


# ---------------------------------------------------------------- the whole preparation


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._last
        self._last = now


def _turn(grey: Image, binary: Image, rotation: int) -> tuple[Image, Image]:
    return turn_image(grey, rotation), turn_image(binary, rotation)


def prepare_page(
    rgb: Image,
    dpi: float,
    options: PrepareOptions | None = None,
    check: OrientationCheck | None = None,
) -> PreparedPage:
    """Seals out, light evened, binarised, turned upright, levelled.

    ``check`` is an optional OCR-based orientation test (see ``orient.OrientationCheck``),
    consulted when the cheap geometric test is not sure which way up the page is.
    """
    options = options or PrepareOptions()
    clock = _Clock()
    height, width = rgb.shape[:2]
    grey, seal = suppress_seals(rgb, dpi, options.seal)
    clock.lap("seal")
    flat = flatten_light(grey, dpi, options.light, seal)
    clock.lap("light")
    binary = binarize(flat, dpi, options.threshold)
    clock.lap("threshold")

    rotation, margin = 0, 0.0
    if options.orient.enabled:
        quarter = quarter_votes(binary, dpi, options.orient)
        if quarter.turn:
            flat, binary = _turn(flat, binary, 90)
            rotation = 90
        margin = quarter.margin
        clock.lap("orient")

    matrix = quarter_turn_matrix(rotation, width, height)
    skew = 0.0
    if options.deskew.enabled:
        skew = estimate_skew(binary, dpi, options.deskew)
        clock.lap("skew")
        if abs(skew) >= options.deskew.min_degrees:
            flat = rotate_grey(flat, skew)
            binary = binarize(flat, dpi, options.threshold)
            h, w = flat.shape
            matrix = compose(matrix, skew_matrix(skew, w, h))
            clock.lap("rotate")
        else:
            skew = 0.0

    if options.orient.enabled:
        flip = flip_votes(flat, binary, dpi, options.orient, check)
        if flip.turn:
            flat, binary = _turn(flat, binary, 180)
            h, w = flat.shape
            matrix = compose(matrix, quarter_turn_matrix(180, w, h))
            rotation = (rotation + 180) % 360
        margin = min(margin, flip.margin) if rotation % 180 or quarter.margin else flip.margin
        clock.lap("orient")

    transform = PageTransform(
        matrix=matrix,
        original_size=(width, height),
        prepared_size=(flat.shape[1], flat.shape[0]),
        rotation=rotation,
        skew_degrees=skew,
    )
    return PreparedPage(
        grey=flat,
        binary=binary,
        dpi=dpi,
        transform=transform,
        seal_share=float(np.count_nonzero(seal)) / seal.size,
        rotation_margin=margin,
        seconds=clock.seconds,
    )
