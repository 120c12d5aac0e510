"""The OCR orientation check (issue 14): the lines cropped once and the crops turned, every turn
read in one batched call per round, a round more only while the turns are close, the upside-down
verdict of a sideways page taken from the quarter-turn test's own reading. A fake recogniser
that tells a glyph's heavy bottom from its top stands in for the OCR engine (the real engine on
real pages: ``test_ocr_engines.test_readability_check_tells_upright_from_turned``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from jixiao.extract.scan.orient import (
    OrientOptions,
    Votes,
    lines_to_read,
    quarter_votes,
    settled_by_quarter,
)
from jixiao.extract.scan.readable import readability_check
from jixiao.extract.scan.transform import turn_image

DPI = 144.0  # 2 px per point: the check works on the page at full resolution (no reduction)
OPTIONS = OrientOptions(check_round=4, check_lines=16, check_gap=0.2)


def page(lines: int = 18) -> NDArray[np.uint8]:
    """Lines of 8 glyphs (7 pt boxes, 1 pt apart), each glyph heavier at its bottom: a
    recogniser can tell which way up a crop of it is."""
    grey = np.full((40 + lines * 24, 200), 250, np.uint8)
    for row in range(lines):
        y = 20 + row * 24
        for k in range(8):
            x = 20 + k * 16
            grey[y : y + 14, x : x + 14] = 20
            grey[y + 2 : y + 9, x + 2 : x + 12] = 250  # open above, a solid bar below
    return grey


class Fake:
    """A recogniser by shape: a crop across with its ink low reads well (``upright``), with its
    ink high poorly (``turned``); a crop taller than wide (a line read down) reads as nothing."""

    def __init__(self, upright: float = 0.95, turned: float = 0.3) -> None:
        self.upright, self.turned = upright, turned
        self.calls: list[int] = []

    def __call__(self, crops: Sequence[NDArray[np.uint8]]) -> list[tuple[str, float]]:
        self.calls.append(len(crops))
        out = []
        for crop in crops:
            h, w = crop.shape
            ink = (crop < 128).sum(axis=1)
            if w < 2 * h:
                out.append(("", 0.0))
            else:
                low = ink[h // 2 :].sum() > ink[: h // 2].sum()
                out.append(("日日" if low else "口口", self.upright if low else self.turned))
        return out


@pytest.mark.parametrize(
    ("read", "left", "upto"),
    [
        ({0: [], 180: []}, {0: 16, 180: 16}, 4),  # nothing read yet: the first round
        ({0: [1.0] * 4, 180: [0.3] * 4}, {0: 12, 180: 12}, 0),  # far apart after one round
        ({0: [0.9] * 4, 180: [0.8] * 4}, {0: 12, 180: 12}, 8),  # close: another round
        ({0: [0.9] * 14, 180: [0.8] * 14}, {0: 2, 180: 2}, 16),  # the last round stops at check_lines
        ({0: [0.9] * 16, 180: [0.8] * 16}, {0: 5, 180: 5}, 0),  # check_lines read: the best mean stands
        ({0: [0.9] * 2, 180: [0.8] * 2}, {0: 0, 180: 0}, 0),  # a page with 2 lines: all read
        ({0: [0.95] * 4, 90: [], 270: []}, {0: 12, 90: 0, 270: 0}, 0),  # no lines down: they score 0
        ({0: [0.95] * 4, 180: []}, {0: 12, 180: 16}, 4),  # read before (the quarter test): catch up
        ({0: [], 90: [], 270: []}, {0: 0, 90: 0, 270: 0}, 0),  # a page with no text lines at all
        ({0: [0.5] * 4, 90: [0.99] * 4, 270: [0.85] * 4}, {0: 12, 90: 12, 270: 12}, 8),  # 90 v 270 close
    ],
)
def test_lines_to_read(read: dict[int, list[float]], left: dict[int, int], upto: int) -> None:
    assert lines_to_read(read, left, OPTIONS) == upto


def _quarter(scores: dict[int, float], turn: bool = True, by_check: bool = True) -> Votes:
    return Votes(0.0, 0.0, -0.9, turn, by_check, tuple(sorted(scores.items())))


@pytest.mark.parametrize(
    ("quarter", "flip"),
    [
        (None, None),
        (_quarter({0: 0.1, 90: 0.99, 270: 0.4}), False),  # the clockwise quarter read best
        (_quarter({0: 0.1, 90: 0.4, 270: 0.99}), True),  # the other: turned 90, it is upside down
        (_quarter({0: 0.1, 90: 0.4, 270: 0.99}, by_check=False), None),  # geometry alone
        (_quarter({0: 0.99, 90: 0.4, 270: 0.3}, turn=False), None),  # left as it stands
        (_quarter({0: 0.1, 90: 0.99}), None),  # one quarter only
    ],
)
def test_settled_by_quarter(quarter: Votes | None, flip: bool | None) -> None:
    votes = settled_by_quarter(quarter)
    assert (None if votes is None else votes.turn) == flip


@pytest.mark.parametrize("fed", [0, 180])
def test_upright_against_upside_down_in_one_batched_round(fed: int) -> None:
    fake = Fake()
    scores = readability_check(fake, DPI, OPTIONS)(turn_image(page(), fed), (0, 180))
    assert fake.calls == [8]  # 4 lines each way, one call
    assert scores == pytest.approx({0: 0.95, 180: 0.3} if fed == 0 else {0: 0.3, 180: 0.95})


def test_a_close_call_reads_more_rounds() -> None:
    fake = Fake(upright=0.9, turned=0.8)
    scores = readability_check(fake, DPI, OPTIONS)(page(), (0, 180))
    assert fake.calls == [8, 8, 8, 8]  # 16 lines each way, the most it reads
    assert scores[0] > scores[180]


@pytest.mark.parametrize(("fed", "flip"), [(90, True), (270, False)])
def test_sideways_page_read_once_for_both_tests(fed: int, flip: bool) -> None:
    """A page fed turned clockwise by ``fed``: the quarter test turns it by 90, and whether it is
    then upside down comes from the same reading of both quarter turns."""
    grey = turn_image(page(), fed)
    binary = np.where(grey < 128, 255, 0).astype(np.uint8)
    fake = Fake()
    votes = quarter_votes(binary, DPI, OPTIONS, grey, readability_check(fake, DPI, OPTIONS))
    assert votes.turn and votes.by_check
    assert fake.calls == [8]  # no lines across: 4 of each quarter turn
    settled = settled_by_quarter(votes)
    assert settled is not None and settled.turn == flip


def test_the_page_as_it_stands_is_read_once() -> None:
    fake = Fake()
    check = readability_check(fake, DPI, OPTIONS)
    grey = page()
    check(grey, (0, 90, 270))  # the quarter test: no lines down the page, 4 across
    check(grey, (0, 180))  # the upside-down test on the same array: only the turned lines
    assert fake.calls == [4, 4]
