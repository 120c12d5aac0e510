"""Lone marks told by shape: ≥ ≤ = > < drawn in another font than the templates."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from jixiao.extract.marks import classify_mark, is_single_glyph

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # not among the template fonts


def drawn(mark: str, size: int = 40, specks: int = 0) -> np.ndarray:
    img = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(img).text((size // 2, size // 3), mark, fill=255, font=ImageFont.truetype(FONT, size))
    ink = np.asarray(img).copy()
    rng = np.random.default_rng(1)
    for y, x in rng.integers(0, size * 2, (specks, 2)):
        ink[y, x] = 255
    return ink


@pytest.mark.parametrize("mark", ["≥", "≤", "=", ">", "<"])
def test_each_mark(mark: str) -> None:
    found = classify_mark(drawn(mark, specks=6))
    assert found is not None and found[0] == mark


def test_a_character_is_not_a_mark() -> None:
    img = Image.new("L", (80, 80), 0)
    cjk = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 40, index=0)
    for ch in "份项个":
        ImageDraw.Draw(img).rectangle((0, 0, 80, 80), fill=0)
        ImageDraw.Draw(img).text((20, 10), ch, fill=255, font=cjk)
        assert classify_mark(np.asarray(img)) is None, ch
    assert classify_mark(np.zeros((30, 30), np.uint8)) is None
    for ch in "0123456789":  # binarised, as the scan path hands cells to the test
        ImageDraw.Draw(img).rectangle((0, 0, 80, 80), fill=0)
        ImageDraw.Draw(img).text((20, 10), ch, fill=255, font=cjk)
        assert classify_mark(np.asarray(img) > 127) is None, ch


def test_single_glyph() -> None:
    assert is_single_glyph(drawn("≥"), 40)
    assert not is_single_glyph(drawn("≥", size=40), 10)


def _blurred(mark: str, size: int = 16) -> np.ndarray:
    """A mark drawn small and thresholded after a blur, as a 150-200 dpi scan leaves it: the
    slanted bar of ⩾ runs into the lower arm."""
    import cv2

    grey = cv2.GaussianBlur(drawn(mark, size=size).astype(np.float32), (0, 0), size / 14)
    return ((grey > 90) * 255).astype(np.uint8)


@pytest.mark.parametrize(("mark", "want"), [("⩾", "≥"), ("⩽", "≤"), (">", ">"), ("<", "<")])
def test_a_slanted_bar_run_into_the_lower_arm_is_still_a_bar(mark: str, want: str) -> None:
    """Held-out forms-gen Sichuan scans print ≥ with a slanted bar; every one was read as >."""
    found = classify_mark(_blurred(mark))
    assert found is not None and found[0] == want


def test_the_slanted_bar_is_found_by_its_ink_not_by_crossings() -> None:
    from jixiao.extract.marks import MarkOptions

    crossings_only = classify_mark(_blurred("⩾"), MarkOptions(bar_mass=99.0))
    assert crossings_only is not None and crossings_only[0] == ">"
