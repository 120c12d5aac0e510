"""A light patch is not a sheet: an untagged grey page image under uneven light (a lamp's bright
spot, the page turned a little on the glass) gave the sheet finder a bright region whose four
corners cut through the table. Flattened to that quadrilateral, the page lost most of its table
and no form was found (forms-gen s527 h24, a 150 dpi PNG). A sheet's outline must hold the
table's frame; where it does not, the image is read as the page it is."""

from __future__ import annotations

import cv2
import numpy as np

from jixiao.extract.photo.exif import ImageTags
from jixiao.extract.photo.flatten import PhotoOptions, find_page
from jixiao.extract.photo.sheet import Sheet, find_frame, find_sheet, holds_table, share_inside

H, W = 1753, 1240  # A4 at 150 dpi
FRAME = (120, 250, 1120, 1450)


def _ruled_page() -> np.ndarray:
    img = np.full((H, W), 240, np.uint8)
    x0, y0, x1, y1 = FRAME
    for y in range(y0, y1 + 1, 40):
        cv2.line(img, (x0, y), (x1, y), 30, 2)
    for x in (x0, 300, 600, 800, 950, x1):
        cv2.line(img, (x, y0), (x, y1), 30, 2)
    rng = np.random.default_rng(0)
    for y in range(y0 + 12, y1 - 20, 40):
        for x in range(x0 + 10, x1 - 40, 60):
            if rng.random() < 0.5:
                cv2.putText(img, "88", (x, y + 22), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 40, 2)
    return img


def _under_a_lamp_spot(img: np.ndarray, turn_deg: float) -> np.ndarray:
    """Bright round (0.3, 0.2) of the page, half as bright far from it; turned on the glass."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    light = 0.5 + 0.5 * np.exp(-((xx / W - 0.3) ** 2 + (yy / H - 0.2) ** 2) / 0.1)
    lit = np.clip(img.astype(np.float32) * light, 0, 255).astype(np.uint8)
    m = cv2.getRotationMatrix2D((W / 2, H / 2), turn_deg, 1.0)
    m[:, 2] += [10, -8]
    turned = cv2.warpAffine(lit, m, (W, H), borderValue=235)
    return cv2.cvtColor(turned, cv2.COLOR_GRAY2RGB)


UNTAGGED = ImageTags(orientation=1, camera="", dpi=None)


def test_a_light_patch_is_not_taken_for_the_sheet() -> None:
    for turn in (-1.5, 1.0):
        rgb = _under_a_lamp_spot(_ruled_page(), turn)
        patch = find_sheet(rgb)
        assert patch is not None  # the class: a bright region with four corners
        assert not holds_table(patch, find_frame(rgb), rgb.shape[:2])
        plan = find_page(rgb, UNTAGGED, PhotoOptions())
        assert plan is not None and not plan.sheet_found
        assert plan.scale_from == "page_size"  # the image is the page, at its size against A4


def test_a_sheet_round_the_table_holds_it() -> None:
    rgb = cv2.cvtColor(_ruled_page(), cv2.COLOR_GRAY2RGB)
    x0, y0, x1, y1 = FRAME
    table = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
    page = np.array([[5, 5], [W - 6, 5], [W - 6, H - 6], [5, H - 6]], np.float32)
    half = np.array([[0, 0], [W // 2, 0], [W // 2, H - 1], [0, H - 1]], np.float32)
    assert share_inside(page, table, (H, W)) > 0.99
    assert 0.3 < share_inside(half, table, (H, W)) < 0.6
    assert holds_table(Sheet(quad=page, area_share=1.0), find_frame(rgb), (H, W))
    assert not holds_table(Sheet(quad=half, area_share=0.5), find_frame(rgb), (H, W))
