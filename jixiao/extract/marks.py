"""Lone marks in a cell (≥ ≤ = > < in a 指标性质 column, % in a 度量单位 one, / for "not
applicable") told apart by shape.

Text detectors skip a cell holding a single small mark, and recognisers read a lone '≥' as 'V',
'>' or '之' (Tesseract has no ≥ at all). The set of marks such a cell can hold is small, so the
ink is compared with the marks drawn in the fonts these forms are printed in.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel, ConfigDict

MARKS = ("≥", "≤", "=", ">", "<", "%")
SIZE = 32
FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)


class MarkOptions(BaseModel):
    """How sure the shape test must be. The scores are correlations with the templates (1 is
    the same drawing); measured on the marks drawn in DejaVu Sans (no template font) with scan
    specks, and on 份 项 个 and the digits in every template font, which never pass."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # a clear match wins by a small margin; a weaker one (another font's proportions) by a
    # larger one
    min_score: float = 0.55
    min_margin: float = 0.08
    weak_score: float = 0.45
    weak_margin: float = 0.12
    # one mark: at most this many parts of at least ``min_part`` pixels (≥ is two, % three),
    # no wider or taller than ``size`` character heights
    max_parts: int = 3
    min_part: int = 6
    size: float = 1.6
    # specks smaller than this share of the largest stroke are left out (at least ``min_part``)
    speck_share: float = 0.12
    # ≥ drawn with its bar slanted along the lower arm (⩾, as many Chinese forms print it) has
    # no gap between the two at 150-200 dpi, so a line through it crosses two strokes, as in >;
    # the bar's ink is still there: the lower half holds more ink than the upper. Lower/upper
    # ink: > and < 0.88-1.08 in the template fonts, ≥ ≤ 1.18-1.54, ⩾ ⩽ 1.27-1.28 (DejaVu), the
    # slanted ≥ of held-out forms-gen Sichuan scans 1.40-1.44 (read as > before this test)
    bar_mass: float = 1.25
    # a lone / (the county forms' "not applicable" in 权重 / 执行率 / 得分): one straight stroke
    # leaning right. Drawn at 24 and 40 px in the fixture faces, DejaVu and Noto Sans/Serif and
    # blurred: / leans 17-27 degrees from the vertical, 1 at most 6.5, 7 (its stem) 9.3, l I |
    # 0-2.2; the stroke's thinness (minor over major spread) is 0.04-0.13 for /, 0.12-0.19 on
    # the degraded 200-300 dpi fixture scans where recognisers read it as 1 or 7 (fam-25, fam-32)
    slash_lean: tuple[float, float] = (13.0, 35.0)
    slash_thinness: float = 0.25
    # taller than wide by at least this (a / of 17-39 px stands 1.6-2.5 times its width)
    slash_aspect: float = 1.3


MARK_OPTIONS = MarkOptions()


def _normalised(ink: np.ndarray) -> np.ndarray | None:
    """The ink's bounding box scaled into a SIZE x SIZE square, aspect kept, as floats 0..1."""
    ys, xs = np.nonzero(ink)
    if len(xs) < 8:
        return None
    box = ink[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1].astype(np.float32)
    h, w = box.shape
    scale = (SIZE - 4) / max(h, w)
    small = cv2.resize(box, (max(int(w * scale), 1), max(int(h * scale), 1)), interpolation=cv2.INTER_AREA)
    out = np.zeros((SIZE, SIZE), np.float32)
    y, x = (SIZE - small.shape[0]) // 2, (SIZE - small.shape[1]) // 2
    out[y: y + small.shape[0], x: x + small.shape[1]] = small / max(float(small.max()), 1e-6)
    return out


@lru_cache(maxsize=1)
def templates() -> tuple[tuple[str, np.ndarray], ...]:
    found = []
    for path in FONTS:
        if not Path(path).exists():
            continue
        font = ImageFont.truetype(path, 64, index=0)
        for mark in MARKS:
            img = Image.new("L", (96, 96), 0)
            ImageDraw.Draw(img).text((16, 8), mark, fill=255, font=font)
            norm = _normalised(np.asarray(img) > 127)
            if norm is not None:
                found.append((mark, norm))
    return tuple(found)


def _score(a: np.ndarray, b: np.ndarray) -> float:
    a0, b0 = a - a.mean(), b - b.mean()
    denom = float(np.sqrt((a0 * a0).sum() * (b0 * b0).sum()))
    return float((a0 * b0).sum() / denom) if denom else 0.0


def despeckled(ink: np.ndarray, options: MarkOptions = MARK_OPTIONS) -> np.ndarray:
    """The mark without the scan's specks: components much smaller than its largest stroke go."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8), connectivity=8)
    if n <= 2:
        return ink > 0
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = [k + 1 for k, area in enumerate(areas) if area >= max(options.min_part, options.speck_share * areas.max())]
    return np.isin(labels, keep)


def _runs(column: np.ndarray) -> int:
    """Separate strokes a vertical line through the mark crosses (gaps of a pixel bridged)."""
    runs, gap, inside = 0, 0, False
    for on in column:
        if on:
            runs += 0 if inside else 1
            inside, gap = True, 0
        else:
            gap += 1
            inside = inside and gap <= 1
    return runs


def _underbar(mask: np.ndarray, opening_left: bool) -> bool | None:
    """Whether the mark has the bar of ≥ / ≤: a vertical line through the open side of the
    chevron crosses two arms, and the bar makes three. None when the lines disagree."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    x0, x1 = xs.min(), xs.max()
    fractions = (0.2, 0.3, 0.4) if opening_left else (0.6, 0.7, 0.8)
    counts = [_runs(mask[ys.min(): ys.max() + 1, int(x0 + f * (x1 - x0))]) for f in fractions]
    if all(c >= 3 for c in counts):
        return True
    if all(c == 2 for c in counts):
        return False
    return None


def _lower_mass(mask: np.ndarray) -> float:
    """The ink of the mark's lower half over its upper half's."""
    ys, _ = np.nonzero(mask)
    if len(ys) == 0:
        return 0.0
    box = mask[ys.min(): ys.max() + 1]
    h = box.shape[0]
    return float(box[h - h // 2:].sum()) / max(1.0, float(box[: h // 2].sum()))


_WITH_BAR = {">": "≥", "<": "≤"}
_WITHOUT_BAR = {"≥": ">", "≤": "<"}


# a first glyph at least this tall against the next character's is ≥ / ≤, not > / <. Measured on
# the four fixture faces (uming, ukai, WenQuanYi Micro Hei and Zen Hei, drawn at 40 px before a
# digit): > and < stand 0.61-0.69 of the digit's height, ≥ and ≤ 0.82-1.46; a degraded 240 dpi
# scan in uming measured 0.90-0.95 where the bar had merged into the lower arm
BARRED_HEIGHT = 0.76


def leading_bar(ink: np.ndarray, options: MarkOptions = MARK_OPTIONS) -> bool | None:
    """Whether the first glyph of a line of ink (255 = ink) is ≥ / ≤ rather than > / <: for a
    read like '>200人次' where the recogniser dropped the bar (uming draws ≥ as ⩾, its bar thin
    and slanted: read as '>' on 3 of 5 cells of one degraded scan). The bar makes the glyph
    taller than the bare chevron, which is shorter than a digit; a blurred scan merges the bar
    into the arm, so its height tells it where counting strokes (``_underbar``) cannot. The first
    glyph is the leftmost stroke and every stroke overlapping it across; None when unclear."""
    mask = despeckled(ink, options)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    parts = [k for k in range(1, n) if stats[k, cv2.CC_STAT_AREA] >= options.min_part]
    if len(parts) < 2:
        return None
    first = min(parts, key=lambda k: stats[k, cv2.CC_STAT_LEFT])
    right = stats[first, cv2.CC_STAT_LEFT] + stats[first, cv2.CC_STAT_WIDTH]
    glyph = [k for k in parts if stats[k, cv2.CC_STAT_LEFT] < right]
    rest = [k for k in parts if k not in glyph]
    if not rest:
        return None

    def height(ks: list[int]) -> int:
        return int(max(stats[k, cv2.CC_STAT_TOP] + stats[k, cv2.CC_STAT_HEIGHT] for k in ks)
                   - min(stats[k, cv2.CC_STAT_TOP] for k in ks))

    tall = height(glyph)
    start = min(stats[k, cv2.CC_STAT_LEFT] for k in rest)
    # the next character: the strokes that start within about its width (a 5 drawn in two parts)
    near = [k for k in rest if stats[k, cv2.CC_STAT_LEFT] <= start + 0.6 * tall + 1]
    return tall >= BARRED_HEIGHT * max(height(near), 1)


def is_slash(ink: np.ndarray, options: MarkOptions = MARK_OPTIONS) -> bool:
    """Whether a cell's ink (255 = ink) is one straight stroke leaning right: a /, which
    recognisers read as 1 or 7 on a blurred scan (the lean tells it from 1 l I |, the thinness
    from 7, whose bar spreads its ink across)."""
    mask = despeckled(ink, options)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    parts = [k for k in range(1, n) if stats[k, cv2.CC_STAT_AREA] >= options.min_part]
    if len(parts) != 1:
        return False
    ys, xs = np.nonzero(labels == parts[0])
    height, width = int(np.ptp(ys)) + 1, int(np.ptp(xs)) + 1
    if height < options.slash_aspect * width or len(xs) < 8:
        return False
    spread, axes = np.linalg.eigh(np.cov(np.stack([xs, ys]).astype(np.float64)))
    dx, dy = axes[:, 1]  # the major axis
    lean = float(np.degrees(np.arctan2(abs(dx), abs(dy))))
    leans_right = dx * dy < 0  # up the page (y falling) is to the right
    thin = float(np.sqrt(max(spread[0], 0.0) / max(spread[1], 1e-9)))
    low, high = options.slash_lean
    return bool(leans_right and low <= lean <= high and thin <= options.slash_thinness)


def classify_mark(ink: np.ndarray, options: MarkOptions = MARK_OPTIONS) -> tuple[str, float] | None:
    """The mark a cell's ink (255 = ink) is, with the match score, or None when it is no clear one."""
    mask = despeckled(ink, options)
    found = _by_template(mask, options)
    if found is None:
        return None
    mark, score, close_pair = found
    if not close_pair:
        return mark, score
    bar = _underbar(mask, opening_left=mark in (">", "≥"))  # ≥ against >: the bar decides
    if not bar and _lower_mass(mask) >= options.bar_mass:
        bar = True  # a slanted bar merged with the lower arm (see MarkOptions.bar_mass)
    if bar is None:
        return None
    return (_WITH_BAR.get(mark, mark) if bar else _WITHOUT_BAR.get(mark, mark)), score


def _by_template(mask: np.ndarray, options: MarkOptions) -> tuple[str, float, bool] | None:
    """The best template, its score, and whether it stood close to its pair (≥ / >)."""
    norm = _normalised(mask)
    if norm is None:
        return None
    best: dict[str, float] = {}
    for mark, template in templates():
        best[mark] = max(best.get(mark, -1.0), _score(norm, template))
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < options.weak_score:
        return None
    margin = options.min_margin if ranked[0][1] >= options.min_score else options.weak_margin
    close = len(ranked) > 1 and ranked[0][1] - ranked[1][1] < margin
    # ≥ against > (and ≤ against <) may be close: the bar test settles those pairs
    pair = {ranked[0][0], ranked[1][0]} in ({">", "≥"}, {"<", "≤"}) if len(ranked) > 1 else False
    if close and not pair:
        return None
    return ranked[0][0], ranked[0][1], bool(close and pair)


def is_single_glyph(ink: np.ndarray, text_height_px: float, options: MarkOptions = MARK_OPTIONS) -> bool:
    """One connected mark about the size of a character (not a word, not a stray speck)."""
    _n, _, stats, _ = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8), connectivity=8)
    parts = [s for s in stats[1:] if s[cv2.CC_STAT_AREA] >= options.min_part]
    if not parts or len(parts) > options.max_parts:
        return False
    x0 = min(s[cv2.CC_STAT_LEFT] for s in parts)
    x1 = max(s[cv2.CC_STAT_LEFT] + s[cv2.CC_STAT_WIDTH] for s in parts)
    y0 = min(s[cv2.CC_STAT_TOP] for s in parts)
    y1 = max(s[cv2.CC_STAT_TOP] + s[cv2.CC_STAT_HEIGHT] for s in parts)
    return (x1 - x0) <= options.size * text_height_px and (y1 - y0) <= options.size * text_height_px
