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


SLASH_FACES = ["uming", "ukai", "wqy-microhei", "wqy-zenhei", "dejavu"]


def _face(face: str, size: int) -> ImageFont.FreeTypeFont:
    from fixtures.fonts import FONT_FILES

    return ImageFont.truetype(FONT if face == "dejavu" else str(FONT_FILES[face]), size)


def _drawn_in(ch: str, face: str, size: int = 32) -> np.ndarray:
    """One character drawn in ``face``, blurred and thresholded as a degraded scan leaves it."""
    import cv2

    img = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(img).text((size // 2, size // 4), ch, fill=255, font=_face(face, size))
    return ((cv2.GaussianBlur(np.asarray(img), (0, 0), 0.8) > 110) * 255).astype(np.uint8)


@pytest.mark.parametrize("face", SLASH_FACES)
def test_a_slash_read_as_1_or_7_is_told_by_its_lean(face: str) -> None:
    """The county forms print / in 权重 / 执行率 / 得分 ("not applicable"); on the degraded
    scans of fam-25 and fam-32 the recogniser read every one as 1 (or 7), a weight of 1. A /
    leans 17-27 degrees; 1 l I | stand upright and 7's bar spreads its ink."""
    from jixiao.extract.marks import is_slash

    assert is_slash(_drawn_in("/", face))
    assert not [ch for ch in "17lI|02345689%" if is_slash(_drawn_in(ch, face))]


def test_a_cell_read_as_1_over_a_slash_becomes_a_slash() -> None:
    """The scan path's mark step (read.Marks): a cell holding a drawn / and read as 1 at 0.5 is
    a /; the same cell holding a 1 keeps its read."""
    from types import SimpleNamespace

    from jixiao.extract.assign import Piece
    from jixiao.extract.scan.read import CellRead, CellReadOptions, Marks
    from jixiao.grid import Box

    def settled(ch: str) -> str:
        grey = np.full((120, 160), 235, np.uint8)  # a 72 dpi page: a pixel a point
        img = Image.fromarray(grey)
        ImageDraw.Draw(img).text((70, 45), ch, fill=30, font=_face("wqy-microhei", 22))
        read = CellRead(where=(0, 0), box=Box(x0=40, y0=30, x1=120, y1=90), how="lines",
                        pieces=[Piece(60, 45, 90, 70, "1", 0.5)], crops=[np.asarray(img)])
        state = SimpleNamespace(scale=1.0, dpi=72.0, noise=2.0)
        out = Marks(CellReadOptions(), doubt=0.5)._settled(read, np.asarray(img), state)  # type: ignore[arg-type]
        return "".join(p.text for p in out.pieces)

    assert settled("/") == "/"
    assert settled("1") == "1"
