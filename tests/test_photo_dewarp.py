"""Curl and lens distortion (issue 13): bowed rulings straightened by a remap, a flat page left
alone, and the map back lands on the bowed page. Synthetic pages, no OCR: milliseconds."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fixtures.photo import bow, lens
from jixiao.extract.photo.dewarp import DewarpOptions, dewarp, measure, open_rulings

DPI = 200.0


def _ruled_page() -> np.ndarray:
    """A 6 x 9 inch page at 200 dpi ruled as a table (12 rows, 5 columns), text-like blobs in the cells."""
    h, w = int(9 * DPI), int(6 * DPI)
    page = np.full((h, w, 3), 245, np.uint8)
    x0, x1, y0, y1 = 100, w - 100, 150, h - 150
    for y in np.linspace(y0, y1, 13).astype(int):
        cv2.line(page, (x0, y), (x1, y), (30, 30, 30), 2)
    for x in np.linspace(x0, x1, 6).astype(int):
        cv2.line(page, (x, y0), (x, y1), (30, 30, 30), 2)
    rng = np.random.default_rng(7)
    for y in np.linspace(y0, y1, 13)[:-1] + 40:
        for x in np.linspace(x0, x1, 6)[:-1] + 30:
            for k in range(int(rng.integers(1, 5))):  # glyph-sized blobs, gaps between them
                cv2.rectangle(page, (int(x + 34 * k), int(y)), (int(x + 34 * k + 26), int(y + 26)), (40, 40, 40), 2)
    return page


def _third_bow_pt(rgb: np.ndarray) -> float:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    bows = sorted((r.bow for r in measure(grey, DPI, DewarpOptions())), reverse=True)
    return bows[2] / (DPI / 72)


def test_a_flat_page_is_not_touched() -> None:
    page = _ruled_page()
    assert _third_bow_pt(page) < DewarpOptions().min_bow_pt / 2
    assert dewarp(page, DPI) is None


@pytest.mark.parametrize("distort", [lambda p: bow(p, 0.02), lambda p: lens(p, 0.12)], ids=["curl 2%", "barrel k1 0.12"])
def test_bowed_rulings_are_straightened_and_mapped_back(distort) -> None:  # type: ignore[no-untyped-def]
    page = _ruled_page()
    bent = distort(page)
    assert _third_bow_pt(bent) > 2 * DewarpOptions().min_bow_pt  # the distortion is strong
    out = dewarp(bent, DPI)
    assert out is not None
    straight, remap = out
    assert _third_bow_pt(straight) < DewarpOptions().min_bow_pt
    # straightened, no ruling is left open; the bent page's rulings are, each boxed round its bow
    assert remap.open == []
    left = open_rulings(cv2.cvtColor(bent, cv2.COLOR_RGB2GRAY), DPI, DewarpOptions())
    assert len(left) >= 3 and all(x1 > x0 and y1 > y0 for x0, y0, x1, y1 in left)
    # each ink pixel of the straight page maps back onto ink of the bent page
    ys, xs = np.nonzero(cv2.cvtColor(straight, cv2.COLOR_RGB2GRAY) < 100)
    pick = np.random.default_rng(1).choice(xs.size, 400, replace=False)
    back = remap.to_flat(np.stack([xs[pick] + 0.0, ys[pick] + 0.0], axis=1))
    grey = cv2.cvtColor(bent, cv2.COLOR_RGB2GRAY)
    dark = cv2.erode(grey, np.ones((3, 3), np.uint8))  # within a pixel
    hits = dark[np.round(back[:, 1]).astype(int), np.round(back[:, 0]).astype(int)] < 160
    assert hits.mean() > 0.97
