"""Curl and lens distortion taken out of a flattened photo: the rulings straightened.

A homography makes a plane flat. A page lifted off the desk (curl) or seen through a wide phone
lens (barrel) is not a plane, so its rulings stay bowed after it, and a bow of more than a
ruling's snap tolerance leaves cells open. Each long ruling is found, fitted by a polynomial
(``y = f(x)`` for a horizontal one, ``x = g(y)`` for a vertical one) and measured by its bow: the
largest distance between that curve and the straight line fitted to the same ink. Only where
several rulings bow past ``DewarpOptions.min_bow_pt`` is the page remapped (``cv2.remap``): the
rulings' displacement is fitted as one smooth polynomial field of the page per direction, and
every pixel of the straight page is taken from where that field says it lies on the bowed one.
A flat page is left as it is.

The map is kept (``Dewarp.map_x``, ``map_y``: straight page pixel -> flat page pixel), so boxes
read on the straight page go back through it and then through the inverse homography into the
photo's own pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from jixiao.extract.pixels import POINTS_PER_INCH, Image, u8

Floats = NDArray[np.float64]


class DewarpOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # rulings are found at about this resolution: curvature of a fraction of a point is all
    # that matters, and a quarter of the pixels is a quarter of the time
    work_dpi: float = 100.0
    # a ruling is a run of ink at least this long in the opening kernel (text strokes are
    # shorter than a 10.5 pt glyph) and, joined up, at least this share of the page (a table's
    # inner verticals span a fifth of a page of it, and a lens bends them too)
    kernel_pt: float = 18.0
    # ink thickened across by this before the opening: a ruling bowed 2% of the page's height
    # climbs about 1 px in 9 at 100 dpi, so a 1-2 px line's level runs are shorter than the kernel
    thicken_pt: float = 3.5
    min_share: float = 0.2
    # the polynomial of a ruling, and of the page's displacement along it; 4 follows a bow and
    # a lens's S-shaped edge lines, not noise. Across the rulings the field is of this degree
    # (the bow of a lifted page grows towards its lifted edge; a lens's with the distance from
    # the centre)
    degree: int = 4
    across_degree: int = 2
    # passes of fit and remap: a second takes out what the first field's degree left (on
    # forms-gen s313 h07, bent 2%: ruling bows 6.7 pt -> up to 2.3 pt after one pass)
    passes: int = 2
    # the page is remapped only when at least ``bowed_rulings`` rulings bow more than this from
    # their straight lines (one bowed fit alone is a ruling with text run into it). Measured,
    # the third-largest bow of a page's rulings after the homography (240-300 dpi): on the 13
    # bench photos, flat, tilted, shadowed, turned and cut-off pages 0.20-0.57 pt (the fit's
    # noise on a 1-2 px line at 100 dpi), a 0.4% curl 0.96 and 1.32 pt, lens k1 0.04 1.04 pt
    # (the lens page and the 0.96 pt curl read exactly unstraightened; the 1.32 pt curl lost a
    # finding and 0.5% CER), a 2% bend 4.68 pt and lens k1 0.12 2.07 pt (cells open: no form
    # found unstraightened); on forms-gen s313 photos, a 23-degree tilt 1.14 pt (the largest
    # flat page measured), a 2% bend 6.3 pt, lens k1 0.12 2.39-2.44 pt. 1.2 pt is between the
    # flat pages' largest and that curl; a flat page straightened by mistake read the same
    # (s313 h10 p1 at 1.0 pt: 157 of 157 cells)
    min_bow_pt: float = 1.2
    bowed_rulings: int = 3
    # a fit whose column centres scatter more than this about the curve is text run into a
    # ruling, not a ruling: left out of the measurement and the map
    max_scatter_pt: float = 1.0
    # after straightening, a ruling that still bows more than this leaves the cells along it
    # open (``Dewarp.open``). Measured, the largest bows left on the straightened page (points):
    # our bend 2% and lens k1 0.12 photos 0.49 and 0.39, curl 0.4% 0.53 (all cells closed, every
    # number read); forms-gen s420 h05 bend 2% 0.40 and 0.64 (every field read); s313 h07 bend 2%
    # 5.3, 2.2, 1.4 (124 of 151 cells), s313 h08 lens 1.7, 1.3 (111 of 143), s420 h08 bend 3.2,
    # 3.1 (no form found). Unstraightened pages are not measured again
    open_bow_pt: float = 0.8


@dataclass
class Ruling:
    """One ruling in flat page pixels: along ``t`` (x for a horizontal one), across = poly(t)."""

    horizontal: bool
    t0: float
    t1: float
    poly: Floats  # np.polyval coefficients, across as a function of along
    line: Floats  # the straight line fitted to the same ink (slope, intercept)
    bow: float  # pixels


@dataclass
class Dewarp:
    """The remap of a bowed page: ``map_x``/``map_y`` give, for each pixel of the straight page,
    where it is on the flat (homography-corrected) page."""

    map_x: NDArray[np.float32]
    map_y: NDArray[np.float32]
    bow_pt: float  # the bow measured before (the ``bowed_rulings``-th largest), in points
    rulings: int
    # where rulings still bow past ``open_bow_pt`` on the straight page (its pixels): each such
    # ruling's extent, as wide across as it bows
    open: list[tuple[float, float, float, float]] = field(default_factory=list)

    def to_flat(self, points: Floats) -> Floats:
        """Straight page pixels (N x 2) -> flat page pixels, by the maps (bilinear)."""
        h, w = self.map_x.shape
        x = np.clip(points[:, 0], 0, w - 1.001)
        y = np.clip(points[:, 1], 0, h - 1.001)
        x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
        fx, fy = x - x0, y - y0
        out = np.empty_like(points, dtype=np.float64)
        for k, m in enumerate((self.map_x, self.map_y)):
            top = m[y0, x0] * (1 - fx) + m[y0, x0 + 1] * fx
            bottom = m[y0 + 1, x0] * (1 - fx) + m[y0 + 1, x0 + 1] * fx
            out[:, k] = top * (1 - fy) + bottom * fy
        return out


def _rulings(binary: Image, scale: float, horizontal: bool, options: DewarpOptions) -> list[Ruling]:
    """Long rulings of one direction in a binary image (ink 255) at ``scale`` px per point,
    returned in those pixels."""
    img = binary if horizontal else np.ascontiguousarray(binary.T)
    w = img.shape[1]
    k = max(5, round(options.kernel_pt * scale))
    # a bowed ruling is short level runs stepping up or down: thickened across first, so that
    # the steps overlap into one run the opening keeps, then joined along
    thick = cv2.dilate(img, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, round(options.thicken_pt * scale)))))
    runs = cv2.morphologyEx(thick, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    joined = cv2.dilate(runs, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 3)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    out: list[Ruling] = []
    for i in range(1, n):
        if stats[i, cv2.CC_STAT_WIDTH] < options.min_share * w:
            continue
        x0, y0 = stats[i, cv2.CC_STAT_LEFT], stats[i, cv2.CC_STAT_TOP]
        bw, bh = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]
        mask = (labels[y0 : y0 + bh, x0 : x0 + bw] == i) & (img[y0 : y0 + bh, x0 : x0 + bw] > 0)
        cols = np.flatnonzero(mask.any(axis=0))
        if cols.size < options.min_share * w:
            continue
        rows = np.arange(bh, dtype=np.float64)[:, None]
        weight = mask[:, cols].astype(np.float64)
        across = (weight * rows).sum(axis=0) / weight.sum(axis=0) + y0  # the ruling's centre per column
        along = cols.astype(np.float64) + x0
        poly = np.polyfit(along, across, options.degree)
        scatter = float(np.std(across - np.polyval(poly, along)))
        if scatter > options.max_scatter_pt * scale:
            continue
        line = np.polyfit(along, across, 1)
        grid = np.linspace(along[0], along[-1], 64)
        bow = float(np.abs(np.polyval(poly, grid) - np.polyval(line, grid)).max())
        out.append(Ruling(horizontal, float(along[0]), float(along[-1]), poly, line, bow))
    return out


@dataclass
class _Field:
    """One direction's displacement across its rulings, as one smooth polynomial of the page:
    a horizontal ruling's ink lies at ``y = c_i + F(x, y)`` (``c_i``, its own level, is fitted
    with it), so that every ruling, whole or partial, straightens to the same level, parallel to
    the others: a partial ruling's own straight line would keep the tilt of the part of the bow
    it spans. Terms all carry a power of ``along``, since a function of ``across`` alone only
    moves rulings along each other, which changes nothing in a table."""

    coef: Floats
    powers: list[tuple[int, int]]
    norm: tuple[float, float]  # along, across: coordinates are divided by these
    lo: Floats  # the samples' extent (along, across, normalised): the field is held beyond it
    hi: Floats

    def __call__(self, along: Floats, across: Floats) -> Floats:
        a = np.clip(along / self.norm[0], self.lo[0], self.hi[0])
        c = np.clip(across / self.norm[1], self.lo[1], self.hi[1])
        return sum((k * a**i * c**j for k, (i, j) in zip(self.coef, self.powers, strict=True)), np.zeros_like(a)) * self.norm[1]


def _fit_field(rulings: list[Ruling], size: tuple[int, int], options: DewarpOptions) -> _Field | None:
    """``F`` of ``_Field`` for one direction's rulings (``size``: along, across in pixels)."""
    if not rulings:
        return None
    # with few rulings, fewer terms across: two rulings cannot tell a curve across them
    across_degree = min(options.across_degree, len(rulings) - 1)
    powers = [(i, j) for i in range(1, options.degree + 1) for j in range(across_degree + 1)]
    norm = (float(size[0]), float(size[1]))
    rows, which = [], []
    for n, r in enumerate(rulings):  # each ruling sampled along its fitted curve
        t = np.linspace(r.t0, r.t1, 48)
        rows.append(np.stack([t / norm[0], np.polyval(r.poly, t) / norm[1]], axis=1))
        which.append(np.full(t.size, n))
    pts, line = np.concatenate(rows), np.concatenate(which)
    levels = np.zeros((pts.shape[0], len(rulings)))
    levels[np.arange(pts.shape[0]), line] = 1.0
    terms = np.stack([pts[:, 0] ** i * pts[:, 1] ** j for i, j in powers], axis=1)
    solution, *_ = np.linalg.lstsq(np.concatenate([levels, terms], axis=1), pts[:, 1], rcond=None)
    return _Field(solution[len(rulings):], powers, norm, pts.min(axis=0), pts.max(axis=0))


def measure(grey: Image, dpi: float, options: DewarpOptions) -> list[Ruling]:
    """Long rulings of a flat page, fitted, in the page's own pixels."""
    f = min(1.0, options.work_dpi / dpi)
    small = cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else grey
    scale = dpi * f / POINTS_PER_INCH
    block = max(15, round(scale * 12) | 1)
    binary = u8(cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12))
    found = _rulings(binary, scale, True, options) + _rulings(binary, scale, False, options)
    back = 1 / f
    return [Ruling(r.horizontal, r.t0 * back, r.t1 * back, r.poly * np.array([back ** (1 - k) for k in range(r.poly.size - 1, -1, -1)]),
                   r.line * np.array([1.0, back]), r.bow * back) for r in found]


def _maps(grey: Image, dpi: float, options: DewarpOptions) -> tuple[NDArray[np.float32], NDArray[np.float32], float, int] | None:
    """One pass: the maps straightening ``grey``'s rulings, the bow measured, the rulings used;
    None when fewer than ``bowed_rulings`` bow past ``min_bow_pt``."""
    rulings = measure(grey, dpi, options)
    scale = dpi / POINTS_PER_INCH
    bows = sorted((r.bow for r in rulings), reverse=True)
    bow_pt = bows[options.bowed_rulings - 1] / scale if len(bows) >= options.bowed_rulings else 0.0
    if bow_pt < options.min_bow_pt:
        return None
    h, w = grey.shape
    f_h = _fit_field([r for r in rulings if r.horizontal], (w, h), options)
    f_v = _fit_field([r for r in rulings if not r.horizontal], (h, w), options)
    # the field on a coarse grid whose points are the pixel centres cv2.resize assumes when it
    # enlarges by ``step``; the source of a straight pixel found by a few fixed-point steps
    step = max(4, round(scale * 4))
    ny, nx = -(-h // step), -(-w // step)
    gx, gy = np.meshgrid((np.arange(nx) + 0.5) * step - 0.5, (np.arange(ny) + 0.5) * step - 0.5)
    sx, sy = gx.copy(), gy.copy()
    for _ in range(3):
        dy = f_h(sx, sy) if f_h is not None else 0.0
        dx = f_v(sy, sx) if f_v is not None else 0.0
        sx, sy = gx + dx, gy + dy
    size = (nx * step, ny * step)
    map_x = np.ascontiguousarray(cv2.resize(sx.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)[:h, :w], np.float32)
    map_y = np.ascontiguousarray(cv2.resize(sy.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)[:h, :w], np.float32)
    return map_x, map_y, bow_pt, len(rulings)


def dewarp(rgb: Image, dpi: float, options: DewarpOptions | None = None) -> tuple[Image, Dewarp] | None:
    """The page with its rulings straightened, and the map back; None when fewer than
    ``bowed_rulings`` rulings bow more than ``min_bow_pt`` (a flat page is not touched). A
    second pass on the straightened page takes out what the first field's degree left; the
    maps are composed, so the page is resampled once."""
    options = options or DewarpOptions()
    if not options.enabled:
        return None
    grey = u8(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)) if rgb.ndim == 3 else rgb
    first = _maps(grey, dpi, options)
    if first is None:
        return None
    map_x, map_y, bow_pt, n = first
    for _ in range(options.passes - 1):
        again = _maps(u8(cv2.remap(grey, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)), dpi, options)
        if again is None:
            break
        mx, my = again[0], again[1]  # straighter page -> straight page: sample the first maps there
        map_x = np.asarray(cv2.remap(map_x, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), np.float32)
        map_y = np.asarray(cv2.remap(map_y, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), np.float32)
    straight = u8(cv2.remap(rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    left = open_rulings(u8(cv2.remap(grey, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)), dpi, options)
    return straight, Dewarp(map_x=map_x, map_y=map_y, bow_pt=round(bow_pt, 2), rulings=n, open=left)


def open_rulings(grey: Image, dpi: float, options: DewarpOptions) -> list[tuple[float, float, float, float]]:
    """Boxes (x0, y0, x1, y1, the page's pixels) round each ruling of ``grey`` that bows more
    than ``open_bow_pt``: along its extent, across as far as the curve strays from its line."""
    out = []
    for r in measure(grey, dpi, options):
        if r.bow / (dpi / POINTS_PER_INCH) <= options.open_bow_pt:
            continue
        t = np.linspace(r.t0, r.t1, 32)
        across = np.polyval(r.poly, t)
        lo, hi = float(across.min()) - r.bow, float(across.max()) + r.bow
        out.append((r.t0, lo, r.t1, hi) if r.horizontal else (lo, r.t0, hi, r.t1))
    return out
