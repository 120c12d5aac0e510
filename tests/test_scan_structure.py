"""Table structure from scans, no OCR: golden tests per step on small drawn arrays, then the
whole path on rendered fixture pages compared with the text-PDF grids.

Drawn pages use 144 dpi, two pixels to the point, so that lengths read easily in both units.
The degradations (skew, blur, noise, JPEG, a darker side, a red seal, a quarter turn) are made
here, independent of the fixture scans, and each returns the 2 x 3 map from the clean render's
pixels to its own, so that truth boxes can be carried onto the degraded image.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Sequence
from functools import cache
from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from jixiao.extract import read_document
from jixiao.extract.assign import assign_text
from jixiao.extract.lattice import find_tables
from jixiao.extract.raster import image_frames, render_pdf_page
from jixiao.extract.scan import page_tables, prepare
from jixiao.extract.scan.lines import (
    LineOptions,
    Ruling,
    anchored,
    dash_strokes,
    find_lines,
    line_masks,
    mask_rulings,
    seal_strokes,
    text_mask,
    to_points,
)
from jixiao.extract.scan.orient import (
    OrientOptions,
    flip_votes,
    quarter_votes,
    ragged_votes,
    top_heavy_votes,
)
from jixiao.extract.scan.state import ScanState as ScanPage
from jixiao.extract.scan.state import collect_timings
from jixiao.extract.scan.structure import ScanOptions, structure_stages
from jixiao.extract.scan.transform import (
    IDENTITY,
    Matrix,
    PageTransform,
    apply,
    compose,
    invert,
    quarter_turn_matrix,
    skew_matrix,
    skew_warp_matrix,
    turn_image,
)
from jixiao.grid import Box, Grid

RGB = NDArray[np.uint8]
DPI = 144.0  # 2 px per point
PAPER = 250
Spans = list[tuple[int, int, int, int]]
# a degradation: the clean render and its dpi in, the degraded image and the map from the
# clean render's pixels to its pixels out
Degrade = Callable[[NDArray[np.uint8], float], tuple[NDArray[np.uint8], Matrix]]

# ---------------------------------------------------------------- drawing


def blank(height: int = 300, width: int = 460) -> RGB:
    return np.full((height, width, 3), PAPER, dtype=np.uint8)


def hline(img: RGB, y: int, x0: int, x1: int, t: int = 2, ink: int = 20) -> None:
    img[y : y + t, x0 : x1 + 1] = ink


def vline(img: RGB, x: int, y0: int, y1: int, t: int = 2, ink: int = 20) -> None:
    img[y0 : y1 + 1, x : x + t] = ink


XS, YS = [40, 160, 280, 400], [40, 100, 160, 220]  # a 3 x 3 table of 60 x 30 pt cells


def grid(img: RGB, merged_top_left: bool = False) -> None:
    """The 3 x 3 table; with ``merged_top_left`` the first two cells of row 0 are one."""
    for y in YS:
        hline(img, y, XS[0], XS[-1] + 1)
    for x in XS:
        top = YS[1] if merged_top_left and x == XS[1] else YS[0]
        vline(img, x, top, YS[-1] + 1)


def spans_of(scan: ScanPage, table: int = 0) -> Spans:
    return [(c.row, c.col, c.row_span, c.col_span) for c in scan.lattice.tables[table].cells]


FULL: Spans = [(r, c, 1, 1) for r in range(3) for c in range(3)]


def structure(img: RGB) -> ScanPage:
    return page_tables(img, DPI)


def stamp_ring(img: RGB, cx: int, cy: int, r: int, t: int, ink: tuple[int, int, int]) -> RGB:
    """A red ring multiplied onto the page (dark strokes under it stay dark), as ink does."""
    cover = np.zeros(img.shape[:2], np.float32)
    cv2.circle(cover, (cx, cy), r, 1.0, t, cv2.LINE_AA)
    absorb = 1.0 - np.array(ink, np.float32) / 255.0
    out = img.astype(np.float32) * (1.0 - cover[..., None] * absorb)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def fake_text(img: RGB, x: int, y: int, n_chars: int, size: int = 14, gap: int = 2) -> None:
    """A line of ``n_chars`` square glyph-like marks (a box with a bar, like 日), 7 pt with
    1 pt between them, like CJK body text."""
    for k in range(n_chars):
        x0 = x + k * (size + gap)
        hline(img, y, x0, x0 + size - 1)
        hline(img, y + size // 2 - 1, x0 + 2, x0 + size - 3)
        hline(img, y + size - 2, x0, x0 + size - 1)
        vline(img, x0, y, y + size - 1)
        vline(img, x0 + size - 2, y, y + size - 1)


# ---------------------------------------------------------------- transform


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_quarter_turn_matrix_is_the_turned_image(rotation: int) -> None:
    img = np.zeros((5, 8), np.uint8)
    img[1, 6] = 255  # row 1, column 6: centre (6.5, 1.5)
    turned = turn_image(img, rotation)
    row, col = np.argwhere(turned == 255)[0]
    mapped = apply(quarter_turn_matrix(rotation, 8, 5), np.array([[6.5, 1.5]]))[0]
    assert mapped.tolist() == pytest.approx([col + 0.5, row + 0.5])


def test_skew_matrix_is_what_warp_affine_does() -> None:
    img = np.zeros((201, 301), np.uint8)
    cv2.circle(img, (250, 40), 4, 255, -1)  # centre pixel (250, 40) = continuous (250.5, 40.5)
    warped = cv2.warpAffine(img, skew_warp_matrix(3.0, 301, 201), (301, 201))
    m = cv2.moments(warped)
    got = (m["m10"] / m["m00"] + 0.5, m["m01"] / m["m00"] + 0.5)
    want = apply(skew_matrix(3.0, 301, 201), np.array([[250.5, 40.5]]))[0]
    assert got == pytest.approx(tuple(want), abs=0.05)


def test_page_transform_maps_boxes_back() -> None:
    m = compose(quarter_turn_matrix(90, 400, 300), skew_matrix(1.5, 300, 400))
    t = PageTransform(m, (400, 300), (300, 400), rotation=90, skew_degrees=1.5)
    pts = np.array([[10.0, 20.0], [250.0, 180.0]])
    assert t.to_original(t.to_prepared(pts)) == pytest.approx(pts)
    assert compose(m, invert(m)) == pytest.approx(IDENTITY)
    # a box in points (scale 2) comes back as the bounds of its rotated corners
    box = t.box_to_original(Box(x0=10, y0=10, x1=20, y1=15), 2.0)
    corners = t.quad_to_original(Box(x0=10, y0=10, x1=20, y1=15), 2.0)
    assert (box.x0, box.y1) == pytest.approx((corners[:, 0].min(), corners[:, 1].max()))


# ---------------------------------------------------------------- seals


def test_red_ink_mask_takes_seal_ink_and_leaves_black() -> None:
    pixels = {
        "seal ink": (205, 45, 60),
        "pink rim": (240, 190, 195),
        "black toner": (25, 25, 25),
        "black under the seal": (22, 4, 6),
        "black tinted red by JPEG": (110, 20, 25),  # luma ~47: still ink
        "grey paper": (236, 234, 230),
        "blue pen": (40, 60, 160),
    }
    rgb = np.array([list(pixels.values())], dtype=np.uint8)
    mask = prepare.red_ink_mask(rgb, prepare.SealOptions())[0] > 0
    assert dict(zip(pixels, mask.tolist(), strict=True)) == {
        "seal ink": True,
        "pink rim": True,
        "black toner": False,
        "black under the seal": False,
        "black tinted red by JPEG": False,
        "grey paper": False,
        "blue pen": False,
    }


def test_seal_lifted_to_paper_and_the_ruling_under_it_kept() -> None:
    img = blank()
    hline(img, 100, 20, 440, t=2)
    sealed = stamp_ring(img, 230, 100, 60, 6, (200, 40, 55))
    flat, mask = prepare.flat_page(sealed, DPI, prepare.PrepareOptions())
    assert mask.any()
    ring_only = cv2.circle(np.zeros((300, 460), np.uint8), (230, 100), 60, 255, 2) > 0
    ring_only[95:108] = False  # away from the ruling
    assert flat[ring_only].min() >= 200  # the ring is gone (it was ~150 in luma)
    assert flat[100:102, 160:300].max() <= 100  # the ruling under it is still black


# ---------------------------------------------------------------- light and threshold


def test_flatten_light_evens_a_page_darker_on_one_side() -> None:
    img = blank(300, 600)
    for y in range(40, 260, 30):
        fake_text(img, 30, y, 30)
    ramp = np.linspace(1.0, 0.35, 600, dtype=np.float32)[None, :, None]
    dark = np.clip(img * ramp, 0, 255).astype(np.uint8)
    grey = cv2.cvtColor(dark, cv2.COLOR_RGB2GRAY)
    flat = prepare.flatten_light(grey, DPI, prepare.LightOptions())
    paper = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) == PAPER
    left, right = paper.copy(), paper.copy()
    left[:, 300:], right[:, :300] = False, False
    assert np.median(flat[left]) >= 245 and np.median(flat[right]) >= 245
    binary = prepare.binarize(flat, DPI, prepare.ThresholdOptions())
    ink = ~paper
    ink[:, :480] = False  # the darkest sixth of the page, where paper is ~95 in the input
    assert (binary[ink] > 0).mean() >= 0.9
    assert (binary[paper] > 0).mean() <= 0.002


def test_binarize_ignores_paper_grain() -> None:
    rng = np.random.default_rng(1)
    noisy = np.clip(235 + rng.normal(0, 14, (300, 400)), 0, 255).astype(np.uint8)
    noisy[150:152, 20:380] = 110  # a faint ruling
    flat = prepare.flatten_light(noisy, DPI, prepare.LightOptions())
    binary = prepare.binarize(flat, DPI, prepare.ThresholdOptions())
    grain = binary.copy()
    grain[148:154] = 0
    assert (grain > 0).mean() < 0.002
    assert (binary[150:152, 20:380] > 0).mean() > 0.95


# ---------------------------------------------------------------- skew


@pytest.mark.parametrize("turned", [2.0, -3.5, 0.7])
def test_estimate_skew_from_the_rulings(turned: float) -> None:
    img = blank()
    grid(img, merged_top_left=True)
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    tilted = cv2.warpAffine(grey, skew_warp_matrix(turned, 460, 300), (460, 300), borderValue=255)
    binary = prepare.binarize(np.asarray(tilted, np.uint8), DPI, prepare.ThresholdOptions())
    assert prepare.estimate_skew(binary, DPI, prepare.DeskewOptions()) == pytest.approx(
        -turned, abs=0.05
    )


def test_tilted_page_is_levelled_and_mapped_back() -> None:
    img = blank()
    grid(img, merged_top_left=True)
    tilted = cv2.warpAffine(
        img, skew_warp_matrix(2.0, 460, 300), (460, 300), borderValue=(PAPER,) * 3
    )
    scan = structure(np.asarray(tilted, np.uint8))
    assert scan.transform.skew_degrees == pytest.approx(-2.0, abs=0.05)
    assert spans_of(scan)[:2] == [(0, 0, 1, 2), (0, 2, 1, 1)]
    # the table's top-left corner, mapped back, is where the tilt put it
    corner = scan.transform.to_original(np.array([[XS[0] + 1.0, YS[0] + 1.0]]) * 1.0)
    want = apply(skew_matrix(2.0, 460, 300), np.array([[XS[0] + 1.0, YS[0] + 1.0]]))
    assert np.abs(corner - want).max() < 2.0


# ---------------------------------------------------------------- orientation


def text_page() -> RGB:
    """A ruled table whose cells hold left-aligned lines of fake text of varied lengths."""
    img = blank(420, 600)
    xs, ys = [20, 220, 580], [20, 110, 200, 290, 400]
    for y in ys:
        hline(img, y, xs[0], xs[-1])
    for x in xs:
        vline(img, x, ys[0], ys[-1])
    lengths = [[4, 11, 7], [9, 3], [11, 11, 5], [6], [8, 2, 10, 4]]
    for r, (top, bottom) in enumerate(pairwise(ys)):
        for k, n in enumerate(lengths[r % len(lengths)]):
            y = top + 8 + k * 24
            if y + 14 < bottom:
                fake_text(img, xs[1] + 8, y, min(n, 21))
                fake_text(img, xs[0] + 8, y, min(n, 11))
    return img


def binary_of(img: RGB) -> NDArray[np.uint8]:
    flat, _ = prepare.flat_page(img, DPI, prepare.PrepareOptions())
    return prepare.binarize(flat, DPI, prepare.ThresholdOptions())


def test_quarter_votes_see_text_running_across_or_down() -> None:
    binary = binary_of(text_page())
    upright = quarter_votes(binary, DPI, OrientOptions())
    sideways = quarter_votes(turn_image(binary, 90), DPI, OrientOptions())
    assert upright.margin > 0.5 and not upright.turn
    assert sideways.margin < -0.5 and sideways.turn


def test_ragged_edge_tells_upside_down() -> None:
    binary = binary_of(text_page())
    left, right = ragged_votes(binary, DPI, OrientOptions())
    assert left >= 8 and right == 0
    flipped = turn_image(binary, 180)
    assert ragged_votes(flipped, DPI, OrientOptions()) == (right, left)
    assert flip_votes(flipped, DPI, OrientOptions()).turn


def test_top_heavy_page() -> None:
    binary = np.zeros((400, 300), np.uint8)
    binary[20:60, 20:280] = 255  # a few rows of table at the top, nothing below
    assert top_heavy_votes(binary, 3.0) == (3.0, 0.0)
    assert top_heavy_votes(binary[::-1], 3.0) == (0.0, 3.0)


def test_ocr_check_decides_a_close_call() -> None:
    binary = np.zeros((400, 300), np.uint8)  # no evidence at all
    grey = np.full((400, 300), 255, np.uint8)
    grey[10, 10] = 0  # the "readable" way up has this pixel at the top-left
    calls: list[int] = []

    def check(page: NDArray[np.uint8], turns: Sequence[int]) -> dict[int, float]:
        calls.append(1)
        # readable only when turned
        return {t: 1.0 if turn_image(page, t)[-11, -11] == 0 else 0.0 for t in turns}

    votes = flip_votes(binary, DPI, OrientOptions(), grey, check)
    assert len(calls) == 1 and votes.turn and votes.by_check


def test_sideways_page_is_turned_upright() -> None:
    page = text_page()
    upright = structure(page)
    for rotation in (90, 180, 270):
        fed = turn_image(page, (360 - rotation) % 360)  # needs ``rotation`` to be upright
        scan = structure(fed)
        assert scan.transform.rotation == rotation
        assert spans_of(scan) == spans_of(upright)


# ---------------------------------------------------------------- rulings


def test_mask_rulings_fit_the_centre_line() -> None:
    mask = np.zeros((60, 200), np.uint8)
    mask[20:23, 10:110] = 255  # rows 20-22: centre line y = 21.5 (continuous)
    (ruling,) = mask_rulings(mask, DPI, LineOptions(), horizontal=True)
    assert ruling[:4] == pytest.approx((10.0, 21.5, 110.0, 21.5))
    assert ruling.thickness == pytest.approx(3.0, abs=0.6)
    (upright,) = mask_rulings(np.ascontiguousarray(mask.T), DPI, LineOptions(), horizontal=False)
    assert upright[:4] == pytest.approx((21.5, 10.0, 21.5, 110.0))


def test_to_points_divides_by_dpi_over_72() -> None:
    assert to_points([(10.0, 21.5, 110.0, 21.5)], DPI)[0] == pytest.approx(
        (5.0, 10.75, 55.0, 10.75)
    )


def test_grid_with_a_merged_cell() -> None:
    img = blank()
    grid(img, merged_top_left=True)
    scan = structure(img)
    assert len(scan.lattice.tables) == 1
    assert spans_of(scan) == [(0, 0, 1, 2), (0, 2, 1, 1)] + FULL[3:]
    table = scan.lattice.tables[0]
    # edges in points: the 2 px lines' centres, (40 + 1) / 2 = 20.5 pt and so on
    assert table.col_edges == pytest.approx([20.5, 80.5, 140.5, 200.5], abs=0.3)
    assert table.row_edges == pytest.approx([20.5, 50.5, 80.5, 110.5], abs=0.3)


@pytest.mark.parametrize("gap_at", [97, 157])  # mid-cell, and where the ruling meets a vertical
def test_broken_line_with_a_6px_gap_does_not_merge_cells(gap_at: int) -> None:
    img = blank()
    grid(img)
    img[YS[1] : YS[1] + 2, gap_at : gap_at + 6] = PAPER
    assert spans_of(structure(img)) == FULL


def test_text_underscore_is_not_a_row_line() -> None:
    img = blank()
    grid(img)
    fake_text(img, 170, 118, 4)
    hline(img, 146, XS[1] + 6, XS[2] - 5, t=2)  # a fill-in line, 2 pt short of each border
    scan = structure(img)
    assert spans_of(scan) == FULL
    assert len(scan.lines.loose) == 1  # kept out of the lattice...
    # ...which would have taken it for a ruling: it ends within the lattice's join tolerance
    rulings = scan.lines.horizontal + scan.lines.vertical + scan.lines.loose
    joined = find_tables(to_points(rulings, DPI))
    assert len(joined.tables[0].cells) == 10


def test_anchoring_keeps_broken_pieces_of_a_ruling() -> None:
    h = [Ruling(0, 10, 50, 10, 2), Ruling(54, 10, 120, 10, 2), Ruling(30, 40, 90, 40, 2)]
    v = [Ruling(0, 0, 0, 60, 2), Ruling(120, 0, 120, 60, 2)]
    # the second piece meets the right border; the third floats 30 px from both borders
    assert anchored(h, v, tol=2.0, gap=6.0) == ([True, True, False], [True, True])
    h = [Ruling(0, 10, 50, 10, 2), Ruling(54, 10, 100, 10, 2)]  # continues the first piece
    assert anchored(h, v, tol=2.0, gap=6.0)[0] == [True, True]


def test_seal_circle_crossing_a_line_changes_nothing() -> None:
    img = blank()
    grid(img, merged_top_left=True)
    sealed = stamp_ring(img, XS[2], YS[2], 55, 6, (195, 35, 50))
    assert spans_of(structure(sealed)) == spans_of(structure(img))


def grey_table() -> RGB:
    """A 4 x 6 ruled table on a 620 px page, before any seal."""
    img = blank(620, 620)
    xs, ys = [30, 130, 230, 330, 430, 590], [30, 90, 150, 210, 270, 330, 390, 450]
    for y in ys:
        hline(img, y, xs[0], xs[-1] + 1)
    for x in xs:
        vline(img, x, ys[0], ys[-1] + 1)
    return img


def grey_seal_page(sealed: bool) -> RGB:
    """A 4 x 6 table on a grey scan with a 42 mm round seal over its lower right, the seal's
    characters as short strokes, some crossing the rulings: no colour to take it out by."""
    img = grey_table()
    if sealed:
        cx, cy, r = 400, 360, 119  # 42 mm across at 144 dpi
        cv2.circle(img, (cx, cy), r, (110, 110, 110), 7, cv2.LINE_AA)
        for k in range(9):  # characters along the ring: strokes 14 pt long, some upright
            a = math.radians(-110 + 220 * k / 8)
            x, y = int(cx + 0.72 * r * math.sin(a)), int(cy - 0.72 * r * math.cos(a))
            vline(img, x, y - 14, y + 14, t=3, ink=110)
    return np.ascontiguousarray(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY))


def test_seal_on_a_grey_scan_found_by_its_ring() -> None:
    plain = structure(grey_seal_page(False))
    scan = structure(grey_seal_page(True))
    (ring,) = scan.rings
    assert ring == pytest.approx((400, 360, 119), abs=8)
    assert spans_of(scan) == spans_of(plain)
    # without the ring, its upright strokes cross rulings and split cells
    no_rings = ScanOptions(
        prepare=prepare.PrepareOptions(seal=prepare.SealOptions(find_rings=False))
    )
    assert spans_of(page_tables(grey_seal_page(True), DPI, no_rings)) != spans_of(plain)


def grey_seal_breaking_a_divider(sealed: bool) -> RGB:
    """The 4 x 6 table with a grey seal whose ring crosses the divider at x = 430 just below
    the ruling at y = 210, and the divider broken there for 8 pt, as the threshold broke it
    beside the ring on forms-gen s407 h22 (150 dpi grey page image): the rest of the divider,
    down to the table's foot, lies wholly inside the seal."""
    img = grey_table()
    if sealed:
        cx, cy, r = 400, 333, 119
        cv2.circle(img, (cx, cy), r, (110, 110, 110), 7, cv2.LINE_AA)
        img[212:228, 428:434] = PAPER
    return np.ascontiguousarray(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY))


def test_a_divider_broken_by_a_grey_seals_ring_stays_the_tables() -> None:
    plain = structure(grey_seal_breaking_a_divider(False))
    scan = structure(grey_seal_breaking_a_divider(True))
    assert len(scan.rings) == 1
    # set aside as the seal's, the divider's lower part merged the cells on both sides of it
    assert spans_of(scan) == spans_of(plain)


def dividers_off_square(degrees: float) -> RGB:
    """A 3-row, 5-column table whose inner dividers lean by ``degrees`` while its rows stay
    level: a photo straightened along its long rulings left a funds block's short dividers so
    (forms-gen s453 h22, 2.1 degrees)."""
    img = blank(300, 620)
    ys = [40, 100, 160, 220]
    for y in ys:
        hline(img, y, 30, 591)
    vline(img, 30, ys[0], ys[-1] + 1)
    vline(img, 590, ys[0], ys[-1] + 1)
    lean = math.tan(math.radians(degrees)) * (ys[-1] - ys[0])
    for x in (140, 250, 360, 470):
        cv2.line(img, (x, ys[0]), (round(x + lean), ys[-1]), (20, 20, 20), 2, cv2.LINE_AA)
    return img


def test_dividers_left_off_square_still_divide() -> None:
    upright = spans_of(structure(dividers_off_square(0.0)))
    assert len(upright) == 15
    assert spans_of(structure(dividers_off_square(2.1))) == upright
    # a slash far off square is a 斜线表头's, no divider
    assert len(spans_of(structure(dividers_off_square(20.0)))) < 15


def test_seal_strokes_keep_a_ruling_that_continues_one_from_outside() -> None:
    ring = [(400.0, 333.0, 119.0)]
    h = [Ruling(30, 210, 590, 210, 2), Ruling(30, 270, 590, 270, 2)]
    v = [Ruling(430, 30, 430, 212, 2),  # the divider outside the seal, down to its ring
         Ruling(430, 228, 430, 270, 2),  # its rest under the seal, ending on a ruling
         Ruling(380, 290, 380, 330, 2),  # a seal character's upright stroke
         Ruling(430, 292, 430, 330, 2)]  # in line with the divider, but ending on nothing
    _, seal_v = seal_strokes(h, v, ring, 1.15, tol=4.0, gap=24.0)
    assert seal_v == [False, False, True, True]
    # a break longer than the ring could make is no continuation
    assert seal_strokes(h, v, ring, 1.15, tol=4.0, gap=8.0)[1] == [False, True, True, True]


def test_dash_strokes_lone_bars_only() -> None:
    img = blank()
    grid(img)
    hline(img, 69, 204, 236, t=3)  # a lone dash in the middle of cell (0, 1)
    hline(img, 123, 304, 322, t=3)  # 二 in cell (1, 2): two bars
    hline(img, 137, 302, 324, t=3)
    hline(img, 189, 60, 76, t=3)  # 一 followed by a character in cell (2, 0)
    fake_text(img, 80, 183, 2)
    hline(img, 212, 200, 240, t=2)  # a low underline in cell (2, 1): found, but not centred
    scan = structure(img)
    assert len(scan.dashes) == 2
    assert all(y0 == y1 for _, y0, _, y1 in scan.strays)
    text = assign_text(scan.lattice.tables, [], 1, strays=scan.strays)
    dashed = [(c.row, c.col) for c in text.grids[0].cells if c.dash]
    assert dashed == [(0, 1)]


def test_dash_strokes_on_their_own() -> None:
    binary = np.zeros((100, 200), np.uint8)
    binary[48:51, 80:110] = 255
    (dash,) = dash_strokes(binary, DPI, LineOptions())
    assert dash == pytest.approx((80.0, 49.5, 110.0, 49.5))
    binary[20:40, 90:94] = 255  # a stroke above it: part of a character
    assert dash_strokes(binary, DPI, LineOptions()) == []


def test_text_mask_takes_the_rulings_away() -> None:
    img = blank()
    grid(img)
    fake_text(img, 60, 60, 3)
    binary = binary_of(img)
    masks = line_masks(binary, DPI, LineOptions())
    text = text_mask(binary, masks.union(), DPI)
    assert text[YS[1] : YS[1] + 2].max() == 0
    assert text[60:74, 60:106].any()
    assert find_lines(binary, DPI).loose == []


# ---------------------------------------------------------------- degradations


def skewed(img: RGB, degrees: float) -> tuple[RGB, Matrix]:
    h, w = img.shape[:2]
    m = skew_warp_matrix(degrees, w, h)
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    return np.asarray(out, dtype=np.uint8), skew_matrix(degrees, w, h)


def blurred_noisy_jpeg(img: RGB, blur: float, noise: float, quality: int, seed: int = 0) -> RGB:
    rng = np.random.default_rng(seed)
    out = cv2.GaussianBlur(img, (0, 0), blur) if blur else img
    grain = rng.normal(0, noise, out.shape[:2]).astype(np.float32)[..., None]
    out = np.clip(out.astype(np.float32) + grain, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def scanned(img: RGB, dpi: float) -> tuple[RGB, Matrix]:
    """The measurements' degraded scan: turned 1.5 degrees, blur 0.8, noise 14, JPEG 60."""
    out, m = skewed(img, 1.5)
    return blurred_noisy_jpeg(out, 0.8, 14.0, 60), m


def darker_side(img: RGB, dpi: float) -> tuple[RGB, Matrix]:
    """Lamp light falling off to 40 % across the page, light blur and noise."""
    ramp = np.linspace(1.0, 0.4, img.shape[1], dtype=np.float32)[None, :, None]
    out = np.clip(img.astype(np.float32) * ramp, 0, 255).astype(np.uint8)
    return blurred_noisy_jpeg(out, 0.6, 6.0, 80, seed=1), IDENTITY


SEAL_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@cache
def seal_cover(dpi: float, name: str = "黔南州人民政府政务服务中心") -> NDArray[np.float32]:
    """Ink coverage of a round seal 42 mm across: ring, star, the unit's name on the arc."""
    r = round(21 / 25.4 * dpi)
    size = 2 * r + 8
    layer = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(layer)
    c, t = size // 2, max(2, int(0.045 * dpi))
    draw.ellipse([c - r, c - r, c + r, c + r], outline=255, width=t)
    star = 0.25 * dpi
    draw.polygon(
        [
            (
                c + (star if k % 2 == 0 else star * 0.4) * math.sin(math.pi * k / 5),
                c - (star if k % 2 == 0 else star * 0.4) * math.cos(math.pi * k / 5),
            )
            for k in range(10)
        ],
        fill=255,
    )
    if SEAL_FONT.exists():
        font = ImageFont.truetype(str(SEAL_FONT), int(0.2 * dpi))
        for i, ch in enumerate(name):
            theta = math.radians(-120 + 240 * i / (len(name) - 1))
            rr = r - t - 0.13 * dpi
            glyph = Image.new("L", (int(0.26 * dpi),) * 2, 0)
            ImageDraw.Draw(glyph).text(
                (glyph.size[0] / 2, glyph.size[1] / 2), ch, fill=255, font=font, anchor="mm"
            )
            glyph = glyph.rotate(-math.degrees(theta), resample=Image.Resampling.BICUBIC)
            x, y = c + rr * math.sin(theta), c - rr * math.cos(theta)
            layer.paste(255, (int(x - glyph.size[0] / 2), int(y - glyph.size[1] / 2)), glyph)
    return np.asarray(layer, dtype=np.float32) / 255.0 * 0.9


def sealed(img: RGB, dpi: float) -> tuple[RGB, Matrix]:
    """A red seal stamped over the right of the lower table, then a light scan."""
    cover = seal_cover(dpi)
    h, w = img.shape[:2]
    size = cover.shape[0]
    x0, y0 = int(w * 0.62) - size // 2, int(h * 0.72) - size // 2
    absorb = 1.0 - np.array([0.86, 0.16, 0.2], np.float32)
    region = img[y0 : y0 + size, x0 : x0 + size].astype(np.float32)
    region *= 1.0 - cover[: region.shape[0], : region.shape[1], None] * absorb
    out = img.copy()
    out[y0 : y0 + size, x0 : x0 + size] = np.clip(np.rint(region), 0, 255).astype(np.uint8)
    return blurred_noisy_jpeg(out, 0.5, 4.0, 85, seed=2), IDENTITY


def turned(rotation: int, then: Degrade | None = None) -> Degrade:
    """The page (after ``then``) fed so that it needs ``rotation`` clockwise to be upright."""

    def degrade(img: RGB, dpi: float) -> tuple[RGB, Matrix]:
        m: Matrix = IDENTITY
        if then is not None:
            img, m = then(img, dpi)
        back = (360 - rotation) % 360
        h, w = img.shape[:2]
        return turn_image(img, back), compose(m, quarter_turn_matrix(back, w, h))

    return degrade


def clean(img: RGB, dpi: float) -> tuple[RGB, Matrix]:
    return img, IDENTITY


# ---------------------------------------------------------------- comparing with the text path


def _corners(box: Box) -> NDArray[np.float64]:
    return np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]])


def matched_cells(
    truth: list[Grid], scan: ScanPage, degraded: Matrix, scale: float, tol: float = 2.0
) -> tuple[int, int, float]:
    """(truth cells matched, cells found, worst corner error of the matched, in points).

    A truth cell is matched by a found cell with the same row, column and spans whose four
    corners, mapped back onto the degraded image, are within ``tol`` points of the truth's
    corners carried there by the degradation."""
    back = invert(scan.transform.matrix)
    found = {
        (t, c.row, c.col, c.row_span, c.col_span): apply(back, _corners(c.box) * scale) / scale
        for t, table in enumerate(scan.lattice.tables)
        for c in table.cells
    }
    matched, worst = 0, 0.0
    for t, g in enumerate(truth):
        for c in g.cells:
            assert c.box is not None  # the text path gives every cell a box
            want = apply(degraded, _corners(c.box) * scale) / scale
            got = found.get((t, c.row, c.col, c.row_span, c.col_span))
            if got is not None and np.abs(got - want).max() <= tol:
                matched += 1
                worst = max(worst, float(np.abs(got - want).max()))
    return matched, len(found), worst


@cache
def _truth(pdf: Path) -> list[list[Grid]]:
    return [p.grids for p in read_document(pdf).pages]


def check_page(pdf: Path, page: int, dpi: float, degrade: Degrade) -> ScanPage:
    truth = _truth(pdf)[page - 1]
    img, m = degrade(render_pdf_page(pdf, page, dpi), dpi)
    scan = page_tables(img, dpi)
    matched, found, worst = matched_cells(truth, scan, m, dpi / 72.0)
    total = sum(len(g.cells) for g in truth)
    assert (matched, found) == (total, total), f"{pdf.name} p{page}: worst {worst:.2f} pt"
    return scan


DEGRADATIONS = {
    "clean-300": (300.0, clean),
    "scan-200": (200.0, scanned),
    "darker-side-200": (200.0, darker_side),
    "seal-300": (300.0, sealed),
    "sideways-300": (300.0, turned(90)),
    "upside-down-scan-200": (200.0, turned(180, scanned)),
    "sideways-270-scan-200": (200.0, turned(270, scanned)),
}


@pytest.mark.parametrize("name", list(DEGRADATIONS))
@pytest.mark.slow  # renders scans and finds their structure
def test_page_structure_matches_the_text_pdf(name: str, text_pdfs: dict[str, Path]) -> None:
    dpi, degrade = DEGRADATIONS[name]
    scan = check_page(text_pdfs["qiannan-2024-dept"], 1, dpi, degrade)
    if name.startswith("seal"):
        assert scan.seal_share > 0.001
    turns = {"sideways-300": 90, "upside-down-scan-200": 180, "sideways-270-scan-200": 270}
    assert scan.transform.rotation == turns.get(name, 0)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DEGRADATIONS))
def test_every_fixture_page(name: str, text_pdfs: dict[str, Path]) -> None:
    dpi, degrade = DEGRADATIONS[name]
    for pdf in text_pdfs.values():
        for page in range(1, len(_truth(pdf)) + 1):
            check_page(pdf, page, dpi, degrade)


FIXTURES_OUT = Path(__file__).resolve().parent.parent / "fixtures" / "out"


def _fixture_scans() -> list[tuple[str, int]]:
    manifest = FIXTURES_OUT / "scans.json"
    if not manifest.exists():
        return []
    docs = json.loads(manifest.read_text())["documents"]
    return [(name, p["page"]) for name, d in docs.items() for p in d["degraded"]["pages"]]


def _fixture_map(page: dict[str, object], width: int, height: int) -> Matrix:
    """fixtures.degrade's skew about the centre, then its counter-clockwise quarter turns."""
    skew = skew_matrix(float(page["skew_deg"]), width, height)  # type: ignore[arg-type]
    ccw = int(page["rotation_deg"]) % 360  # type: ignore[call-overload]
    return compose(skew, quarter_turn_matrix((360 - ccw) % 360, width, height))


@pytest.mark.slow
@pytest.mark.skipif(
    not _fixture_scans(), reason="fixture scans not built (fixtures/out/scans.json)"
)
def test_fixture_scans() -> None:
    """The fixture set's own degraded scans (skew, light, seals, sideways pages, JPEG)."""
    docs = json.loads((FIXTURES_OUT / "scans.json").read_text())["documents"]
    for name, doc in docs.items():
        plan = doc["degraded"]
        tiff = plan.get("multipage_tiff")
        frames = image_frames(FIXTURES_OUT / tiff) if tiff else None
        truth = _truth(FIXTURES_OUT / doc["source_pdf"])
        for i, page in enumerate(plan["pages"]):
            img, dpi = frames[i] if frames else image_frames(FIXTURES_OUT / page["image"])[0]
            scale = dpi / 72.0
            h, w = (img.shape[1], img.shape[0]) if page["rotation_deg"] % 180 else img.shape[:2]
            scan = page_tables(img, dpi)
            matched, found, worst = matched_cells(truth[i], scan, _fixture_map(page, w, h), scale)
            total = sum(len(g.cells) for g in truth[i])
            assert (matched, found) == (total, total), f"{name} p{i + 1}: worst {worst:.2f} pt"
            assert scan.transform.rotation == page["rotation_deg"] % 360


def test_a_full_page_of_cells_and_its_stage_timings() -> None:
    """A 300 dpi page of 32 x 8 cells, and the timing every stage leaves: one call each, in the
    order the stages ran, seen by the page and by an open timing block alike. How fast it is is
    ``make bench``'s per-stage table (a timed test fails on a loaded machine), not this test's."""
    img = np.full((3508, 2480, 3), 250, np.uint8)
    for y in range(400, 3000, 80):
        img[y : y + 3, 200:2280] = 20
    for x in range(200, 2300, 260):
        img[400:2923, x : x + 3] = 20
    with collect_timings() as outer:
        scan = page_tables(img, 300.0)
    assert len(scan.lattice.tables[0].cells) == 32 * 8
    names = [s.name for s in structure_stages(ScanOptions())]
    assert len(set(names)) == len(names)
    for timings in (scan.timings, outer):
        assert list(timings.stages) == names
        assert all(t.calls == 1 and t.wall >= 0 and t.cpu >= 0 for t in timings.stages.values())
    assert outer.pages == 0  # structure alone is no whole page read
    assert scan.seconds == {k: v.wall for k, v in scan.timings.stages.items()}


def test_a_bold_titles_strokes_are_no_table() -> None:
    """Held-out forms-gen scans (seeds 402-406, 300 dpi, a bold title): the strokes of 项目支出
    绩效自评表 made one-row lattices of cells 8-38 pt wide, read as '支支古', and the title was lost.
    A lattice none of whose cells could hold a line of text is dropped; the form's table stays."""
    from jixiao.extract.scan.lines import LineMasks, PageLines
    from jixiao.extract.scan.state import ScanState
    from jixiao.extract.scan.structure import ScanOptions, Tables

    def box(x0: float, y0: float, x1: float, y1: float, cols: list[float], rows: list[float]) -> tuple[list[Ruling], list[Ruling]]:
        return ([Ruling(x0, y, x1, y, 1.0) for y in rows], [Ruling(x, y0, x, y1, 1.0) for x in cols])

    # at 72 dpi a pixel is a point: a title grid of three 11 pt cells, and a 2 x 2 table 400 pt wide
    th, tv = box(376, 43, 409, 58, [376, 387, 398, 409], [43, 58])
    fh, fv = box(40, 100, 440, 160, [40, 240, 440], [100, 130, 160])
    empty = np.zeros((1, 1), np.uint8)
    lines = PageLines(masks=LineMasks(empty, empty), horizontal=th + fh, vertical=tv + fv, loose=[])
    state = ScanState(image=empty, dpi=72.0, work_dpi=72.0, lines=lines)
    tables = Tables(ScanOptions())(state).lattice.tables  # type: ignore[union-attr]
    assert [(round(t.box.x0), round(t.box.x1), t.n_rows) for t in tables] == [(40, 440, 2)]
    every = Tables(ScanOptions(min_table_cell_pt=0.0))(state).lattice.tables  # type: ignore[union-attr]
    assert len(every) == 2
