"""The scan path's reading logic without an OCR model: text lines found in a cell's ink, the
second-read decision (a pure function, table-driven), the second-read stage over a fake engine,
the stage list and its one timing loop, and the contract between the second read's doubt and
the rule set's low-confidence bar, through normalize and the rules engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest

from fixtures.render import render_pdf
from fixtures.truth_model import TRUTH_DIR, load_truth
from jixiao.extract import read_document
from jixiao.extract.assign import PageText, Piece
from jixiao.extract.lattice import Table
from jixiao.extract.ocr import LineKind
from jixiao.extract.pixels import Image
from jixiao.extract.scan.cells import LineFindOptions, is_dash, text_blocks, text_lines
from jixiao.extract.scan.read import (
    CellRead,
    CellReadOptions,
    PageReads,
    ReadCells,
    _inside_a_table,
    _without_tables,
    seal_residue_out,
)
from jixiao.extract.scan.second import (
    Read,
    SecondRead,
    SecondReadOptions,
    Settled,
    second_read,
    settle,
)
from jixiao.extract.scan.state import ScanState, Timings, collect_timings, count, run_stages
from jixiao.grid import Box, Cell, Grid
from jixiao.normalize import normalize
from jixiao.score import audit
from jixiao.score.rules import Confidence, load_rules

OPTIONS = SecondReadOptions()
LOW = Confidence().low  # the rule set's bar: below it a value is "read with low confidence"

# ---------------------------------------------------------------- lines in a cell's ink

GLYPH = 20.0  # character height, pixels


def ink(height: int, width: int, marks: Sequence[tuple[int, int, int, int]]) -> Image:
    """A binary region with filled boxes (x0, y0, x1, y1) of ink."""
    out = np.zeros((height, width), np.uint8)
    for x0, y0, x1, y1 in marks:
        out[y0:y1, x0:x1] = 255
    return out


def test_one_line_is_one_piece() -> None:
    region = ink(40, 200, [(10 + 24 * k, 10, 30 + 24 * k, 30) for k in range(5)])
    (piece,) = text_lines(region, GLYPH, LineFindOptions())  # type: ignore[misc]
    assert (piece.x0, piece.y0, piece.x1, piece.y1, piece.line) == (10, 10, 126, 30, 0)


def test_two_lines_and_a_field_gap() -> None:
    region = ink(80, 300, [(10, 10, 90, 30), (160, 10, 220, 30), (10, 45, 120, 65)])
    pieces = text_lines(region, GLYPH, LineFindOptions())
    assert pieces is not None
    assert [(p.x0, p.x1, p.line) for p in pieces] == [(10, 90, 0), (160, 220, 0), (10, 120, 1)]


def test_bars_of_a_character_are_one_band() -> None:
    # 三: three bars 2 px thick, 7 px apart: not three lines
    region = ink(40, 60, [(20, 10, 40, 12), (22, 19, 38, 21), (18, 28, 42, 30)])
    (piece,) = text_lines(region, GLYPH, LineFindOptions())  # type: ignore[misc]
    assert (piece.y0, piece.y1) == (10, 30)


def test_ink_that_is_not_lines_goes_to_the_detector() -> None:
    region = ink(100, 100, [(10, 10, 90, 80)])  # a blob 3.5 characters tall
    assert text_lines(region, GLYPH, LineFindOptions()) is None
    assert text_lines(np.zeros((30, 30), np.uint8), GLYPH, LineFindOptions()) == []


def test_specks_are_no_line() -> None:
    region = ink(60, 200, [(10, 10, 110, 30), (150, 50, 152, 52)])
    pieces = text_lines(region, GLYPH, LineFindOptions())
    assert pieces is not None and len(pieces) == 1


def test_a_line_end_comma_is_in_its_piece() -> None:
    # 延长， at a cell's right edge: the comma (3 x 5 px, ~0.04 of a character's square) below
    # the baseline belongs to the piece, or its crop cuts it off
    region = ink(40, 200, [(10, 10, 30, 30), (34, 10, 54, 30), (58, 26, 61, 31)])
    (piece,) = text_lines(region, GLYPH, LineFindOptions())  # type: ignore[misc]
    assert (piece.x0, piece.y0, piece.x1, piece.y1) == (10, 10, 61, 31)


def test_a_cell_of_stray_dots_holds_no_text() -> None:
    # scan specks the size of a comma, and nothing else: no line (a dot read as 國 or p)
    region = ink(40, 200, [(20, 10, 23, 14), (120, 25, 123, 29)])
    assert text_lines(region, GLYPH, LineFindOptions()) == []


def test_a_lone_bar_is_a_dash_and_a_line_of_text_is_not() -> None:
    o = LineFindOptions()
    cases = {
        "dash": ([(60, 19, 90, 21)], True),
        "word": ([(10, 10, 30, 30), (34, 10, 54, 30)], False),
        "underline": ([(10, 19, 190, 21)], False),
        "=": ([(60, 15, 76, 17), (60, 21, 76, 23)], False),  # two bars, paper between: a mark
    }
    for name, (marks, dash) in cases.items():
        region = ink(40, 200, marks)
        lines = text_lines(region, GLYPH, o)
        assert lines is not None and is_dash(region, lines, GLYPH, o) is dash, name


def test_what_a_lifted_seal_leaves_is_no_text_line() -> None:
    """gen-04's photo: the light strokes a lifted red seal leaves inside a cell (its ring, the
    star's tip) were taken as text ink and read as the 1 of 190% and the 4 of 42. Inside the
    seal's disc grey lighter than ``seal_residue`` is paper; the digit's dark strokes and
    everything outside the disc stay."""
    grey = np.full((120, 240), 255, np.uint8)
    grey[30:70, 20:24] = 215  # a seal's ring stroke, lifted to light grey, inside the disc
    grey[30:70, 60:66] = 50  # a digit's stroke under the seal
    grey[30:70, 200:204] = 215  # the same light stroke outside the disc
    seals = [(40.0, 25.0, 40.0)]  # centre x, y and radius in working pixels (factor 2)
    out = seal_residue_out(grey, seals, 2.0, CellReadOptions().seal_residue)
    assert (out[30:70, 20:24] == 255).all()
    assert (out[30:70, 60:66] == 50).all()
    assert (out[30:70, 200:204] == 215).all()
    assert seal_residue_out(grey, [], 2.0, 170) is grey  # no seal: the page as it is
    # the reader's default is off: on held-out scans and page images the whitening ate the thin
    # strokes of a % and of a decimal point under a seal (forms-gen s406 h17, h23)
    assert (seal_residue_out(grey, seals, 2.0, 170, CellReadOptions().seal_text_dark) == grey).all()
    # text under the seal as light as the residue (a blurred degraded scan): the disc is left alone
    light = grey.copy()
    light[30:70, 60:66] = 150
    assert (seal_residue_out(light, seals, 2.0, 170, CellReadOptions().seal_text_dark) == light).all()
    # as the text ink's threshold sees them (20 grey levels below paper is ink): one piece, the digit
    for page, want in ((grey, [(20, 66)]), (out, [(60, 66)])):
        lines = text_lines(((page[:, :100] < 235) * 255).astype(np.uint8), 40.0, LineFindOptions())
        assert lines is not None and [(p.x0, p.x1) for p in lines] == want


def test_text_blocks_apart_side_by_side() -> None:
    # a note on the left, a signature block on the right lower down: two blocks, not one band
    region = ink(120, 600, [(10, 10, 200, 30), (10, 36, 180, 56), (400, 30, 560, 50)])
    assert text_blocks(region, GLYPH, LineFindOptions()) == [(10, 10, 200, 56), (400, 30, 560, 50)]


# ---------------------------------------------------------------- the second-read decision


@pytest.mark.parametrize(
    ("text", "confidence", "action"),
    [
        ("738.26", 0.999, "none"),  # a sure number stands alone
        ("738.26", 0.95, "tie_breaker"),  # a number in doubt goes to the other engine
        ("1,234.5", 0.90, "tie_breaker"),
        ("100%", 0.90, "tie_breaker"),
        ("≥85%", 0.90, "again"),  # a quantity with an operator or unit: the same engine again
        ("398.68万元", 0.90, "again"),
        ("个", 0.90, "again"),  # a short cell
        ("个", 0.99, "none"),
        ("部门整体支出绩效自评", 0.60, "none"),  # words are never read twice
        ("", 0.0, "none"),
    ],
)
def test_second_read_decision(text: str, confidence: float, action: str) -> None:
    assert second_read(Read(text, confidence), OPTIONS) == action


def test_second_read_can_be_turned_off() -> None:
    assert second_read(Read("738.26", 0.5), SecondReadOptions(enabled=False)) == "none"


@pytest.mark.parametrize(
    ("first", "action", "second", "want"),
    [
        # the tie-breaker agrees: at least tie_break, never lowered
        (Read("738.26", 0.93), "tie_breaker", Read("738.26", 0.7), Settled(0.93, "")),
        (Read("738.26", 0.60), "tie_breaker", Read("738. 26", 0.7), Settled(OPTIONS.tie_break, "")),
        # the same engine agrees: up to its second read's confidence, at most agree
        (Read("5个", 0.90), "again", Read("5个", 0.99), Settled(OPTIONS.agree, "")),
        (Read("5个", 0.90), "again", Read("5个", 0.80), Settled(0.90, "")),
        # they differ: doubt, and raw keeps what the second read saw
        (Read("738.26", 0.95), "tie_breaker", Read("738.28", 0.9), Settled(OPTIONS.doubt, "复核读数 738.28", "738.28")),
        (Read("≥85%", 0.97), "again", Read("≥86%", 0.99), Settled(OPTIONS.doubt, "复核读数 ≥86%", "≥86%")),
        # a second read that holds no digit could not read the crop: the first stands as it was
        (Read("6.98", 0.92), "tie_breaker", Read("%", 0.6), Settled(0.92, "复核未能读出数字（%）")),
        (Read("1", 0.71), "tie_breaker", Read("", 0.0), Settled(0.71, "复核未能读出数字")),
        (Read("≥85%", 0.90), "again", Read("≥%", 0.9), Settled(0.90, "复核未能读出数字（≥%）")),
        # the same digits with the point lost (a 150 dpi dot): the first stands as it was; a
        # point that moves, or digits that differ, are still a disagreement
        (Read("3777.64", 0.93), "tie_breaker", Read("377764", 0.8), Settled(0.93, "复核读数 377764（未见小数点）")),
        (Read("97.5%", 0.90), "tie_breaker", Read("975%", 0.8), Settled(0.90, "复核读数 975%（未见小数点）")),
        (Read("3777.64", 0.93), "tie_breaker", Read("377.764", 0.8), Settled(OPTIONS.doubt, "复核读数 377.764", "377.764")),
        (Read("3777.64", 0.93), "tie_breaker", Read("377784", 0.8), Settled(OPTIONS.doubt, "复核读数 377784", "377784")),
        (Read("377764", 0.93), "tie_breaker", Read("3777.64", 0.8), Settled(OPTIONS.doubt, "复核读数 3777.64", "3777.64")),
        # no second read (not asked, or the tie-breaker is not installed): the first stands
        (Read("738.26", 0.95), "tie_breaker", None, Settled(0.95, "")),
        (Read("738.26", 0.99), "none", None, Settled(0.99, "")),
    ],
)
def test_settle(first: Read, action: str, second: Read | None, want: Settled) -> None:
    assert settle(first, action, second, OPTIONS) == want  # type: ignore[arg-type]


def test_reads_that_differ_fall_below_the_rule_sets_low_confidence() -> None:
    """The doubt a disagreement leaves must be low enough for the rules to treat the value as
    read with low confidence, whatever the first read's own score was."""
    for first in (0.5, 0.9, 0.97, 0.979):
        settled = settle(Read("738.26", first), "tie_breaker", Read("788.26", 0.99), OPTIONS)
        assert settled.confidence < LOW, first


# ---------------------------------------------------------------- the stage, over a fake engine


@dataclass
class FakeEngine:
    """Answers read_lines from a script keyed by the crop's first pixel, and records each call."""

    answers: dict[int, tuple[str, float]]
    calls: list[tuple[int, LineKind]] = field(default_factory=list)
    name = "fake"

    def read_page(self, image: Image, line_mask: Image | None = None) -> list[object]:
        raise AssertionError("the second read never detects")

    def read_lines(self, crops: Sequence[Image], kind: LineKind, trim: bool | None = None) -> list[tuple[str, float]]:
        self.calls.append((len(crops), kind))
        return [self.answers.get(int(c[0, 0]), ("", 0.0)) for c in crops]


def _state(cells: list[tuple[str, float]]) -> ScanState:
    """A state after Assign: one table of one row, each cell read once from a crop whose first
    pixels are all its index (so that the fake engine knows which crop it is given, resized or
    not)."""
    grid_cells, reads = [], []
    for k, (text, conf) in enumerate(cells):
        box = Box(x0=10.0 * k, y0=0, x1=10.0 * k + 10, y1=10)
        grid_cells.append(Cell(row=0, col=k, page=1, box=box, text=text, raw=text, confidence=conf))
        crop = np.full((8, 8), k, np.uint8)
        piece = Piece(box.x0, box.y0, box.x1, box.y1, text, conf)
        reads.append(CellRead(where=(0, k), box=box, how="lines", pieces=[piece], crops=[crop]))
    grid = Grid(page=1, box=Box(x0=0, y0=0, x1=10.0 * len(cells), y1=10), n_rows=1, n_cols=len(cells),
                cells=grid_cells, col_edges=[10.0 * k for k in range(len(cells) + 1)], row_edges=[0, 10])
    text = PageText(grids=[grid], lines=[])
    return ScanState(image=np.zeros((1, 1), np.uint8), dpi=300.0,
                     reads=PageReads(cells=reads, glyph_px=20.0, text=text))


def test_second_read_stage_reads_only_what_is_in_doubt() -> None:
    first = [("738.26", 0.999), ("738.26", 0.95), ("2.5", 0.90), ("≥85%", 0.90), ("部门整体", 0.6)]
    tie = FakeEngine({1: ("738.26", 0.8), 2: ("2.6", 0.9)})
    same = FakeEngine({3: ("≥85%", 0.99)})
    stage = SecondRead(OPTIONS, lambda: same, lambda: tie)  # type: ignore[arg-type,return-value]
    with collect_timings() as timings:
        out = run_stages([stage], _state(first))
    cells = out.reads.text.grids[0].cells
    assert tie.calls == [(2, "numeric")] and same.calls == [(1, "text")]  # one call each, batched
    assert [c.confidence for c in cells] == [0.999, 0.95, OPTIONS.doubt, OPTIONS.agree, 0.6]
    assert cells[2].raw == "2.5 | 复核读数 2.6" and cells[2].text == "2.5"  # the first read stands
    assert timings.counts == {"second reads: tie_breaker": 1, "second reads: tie_breaker, differed": 1,
                              "second reads: again": 1}
    assert set(timings.stages) == {"second read"} and timings.stages["second read"].calls == 1


def test_an_unsure_read_under_a_seal_stays_in_doubt_and_says_why() -> None:
    """forms-gen s405 h23: a seal stamped over 3777.64; both engines agree on its digits (the
    second lost the point), yet under a seal both may read its strokes, so it stays in doubt and
    the raw names the seal beside what the second read saw. A cell clear of the seal stands."""
    stage = SecondRead(OPTIONS, lambda: FakeEngine({}), lambda: FakeEngine({0: ("377764", 0.8), 1: ("377764", 0.8)}))  # type: ignore[arg-type,return-value]
    state = replace(_state([("3777.64", 0.93), ("3777.64", 0.93)]), seals=[(5.0, 5.0, 4.0)], work_dpi=72.0)
    cells = stage(state).reads.text.grids[0].cells
    assert cells[0].confidence == OPTIONS.doubt
    assert cells[0].raw == "3777.64 | 印章覆盖，读数存疑；复核读数 377764（未见小数点）"
    assert (cells[1].confidence, cells[1].raw) == (0.93, "3777.64 | 复核读数 377764（未见小数点）")


def test_no_tie_breaker_installed_leaves_the_first_read() -> None:
    stage = SecondRead(OPTIONS, lambda: FakeEngine({}), lambda: None)  # type: ignore[arg-type,return-value]
    out = stage(_state([("738.26", 0.95)]))
    assert out.reads.text.grids[0].cells[0].confidence == 0.95


# ---------------------------------------------------------------- the timing loop


@dataclass(frozen=True)
class _Named:
    name: str

    def __call__(self, state: ScanState) -> ScanState:
        count(f"ran {self.name}")
        return state


def test_one_timing_loop_for_every_stage() -> None:
    stages = [_Named("a"), _Named("b"), _Named("a")]
    with collect_timings() as outer, collect_timings() as inner:
        state = run_stages(stages, ScanState(image=np.zeros((1, 1), np.uint8), dpi=300.0), page=True)
    for t in (outer, inner):
        assert {k: v.calls for k, v in t.stages.items()} == {"a": 2, "b": 1}
        assert t.counts == {"ran a": 2, "ran b": 1} and t.pages == 1
    assert set(state.timings.stages) == {"a", "b"}
    assert Timings.from_dict(outer.as_dict()).as_dict() == outer.as_dict()


# ---------------------------------------------------------------- doubt through the rules


@pytest.fixture(scope="module")
def misread_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Qiannan form with 项目支出小计's score printed 4.85 (the components add to 4.65)."""
    doc = load_truth(TRUTH_DIR / "qiannan-2024-dept.json")
    next(i for i in doc.forms[0].record["indicators"] if i["name"] == "项目支出小计")["score"] = 4.85
    out = tmp_path_factory.mktemp("doubt") / "qiannan-misread.pdf"
    render_pdf(doc, out)
    return out


def _findings_with_second_read(pdf: Path, second: Read) -> list[tuple[str, str]]:
    """Read the form, settle the 4.85 cell as the second read says, and audit."""
    doc = read_document(pdf)
    (cell,) = [c for p in doc.pages for g in p.grids for c in g.cells if c.text == "4.85"]
    cell.confidence = settle(Read(cell.text, 0.95), "tie_breaker", second, OPTIONS).confidence
    (record,) = [r for r in normalize(doc) if r.indicators]
    result = audit(record, load_rules())
    return [(f.code, f.severity) for f in result.findings if f.target == "项目支出小计"]


def test_a_number_the_second_read_disputes_accuses_no_one(misread_pdf: Path) -> None:
    """Where the two reads of the printed subtotal differ, the mismatch it shows is asked about
    (info, LOW_CONFIDENCE), not reported as the form's error; where they agree it is an error."""
    agreed = _findings_with_second_read(misread_pdf, Read("4.85", 0.9))
    disputed = _findings_with_second_read(misread_pdf, Read("4.65", 0.9))
    assert ("SUBTOTAL_MISMATCH", "error") in agreed
    # asked about (since issue 10 the rules may fold the doubtful mismatch into the review item)
    assert ("LOW_CONFIDENCE", "info") in disputed
    assert not [s for _, s in disputed if s == "error"]


class _DetectorThatFails(FakeEngine):
    def read_page(self, image: Image, line_mask: Image | None = None) -> list[object]:
        from jixiao.errors import OcrFailed

        raise OcrFailed("RapidOCR failed: ResizeImgError")


def test_a_region_the_detector_cannot_take_is_left_unread_and_the_page_goes_on() -> None:
    """Held-out forms-gen s402 h20: RapidOCR raised ResizeImgError on one region given to its
    detector, and the whole file failed; the region is now ink nothing could read."""
    from jixiao.extract.scan.read import ReadCells

    read = CellRead(where=(0, 0), box=Box(x0=0, y0=0, x1=10, y1=10), how="detected")
    ReadCells._detect(_DetectorThatFails({}), [(read, (0, 0, 10, 10))], np.full((20, 20), 255, np.uint8), 1.0, 1.0)
    assert read.pieces == [] and read.crops == []


def test_cells_of_a_table_that_does_not_close_accuse_no_one(misread_pdf: Path) -> None:
    """A table whose rulings do not close (photographed, not flattened): the mismatch resting on
    a half-ruled cell is asked about with the reader's reason, and the sums over the rows are in
    doubt (read whole, the same form keeps the error: the test above). One half-ruled cell alone
    marks nothing (``ClosureOptions.min_cells``)."""
    from jixiao.extract.lattice import Table
    from jixiao.extract.scan.closure import CELL_DOUBT, TABLE_DOUBT, ClosureOptions, grid_doubts

    doc = read_document(misread_pdf)
    grid = next(g for p in doc.pages for g in p.grids if any(c.text == "4.85" for c in g.cells))
    k = next(i for i, c in enumerate(grid.cells) if c.text == "4.85")
    table = Table(box=Box(x0=0, y0=0, x1=1, y1=1), col_edges=[], row_edges=[], cells=[], half_ruled=frozenset({k}))
    assert grid_doubts(table, grid, ClosureOptions()) == 0 and grid.cells[k].doubt is None
    assert grid_doubts(table, grid, ClosureOptions(min_cells=1)) == 1
    assert grid.cells[k].doubt == CELL_DOUBT and grid.doubt == TABLE_DOUBT
    (record,) = [r for r in normalize(doc) if r.indicators]
    assert record.doubts["indicators"] == TABLE_DOUBT
    found = [f for f in audit(record, load_rules()).findings if f.target == "项目支出小计"]
    assert found and all(f.severity == "info" for f in found)
    assert any(f.suspected == "SUBTOTAL_MISMATCH" and CELL_DOUBT in (f.doubt or "") for f in found)


# ---------------------------------------------------------------- loose text beside the tables


def test_a_loose_block_spanning_a_table_does_not_read_its_cells_again() -> None:
    """forms-gen s406 h16 (a landscape scan at 300 dpi): faint ink along the scan's edge made
    one loose block the size of the page; the detector read every cell inside it again and each
    cell's text came out doubled ('项目名称项目名称'), so no form was found. The tables inside a
    loose block are painted as paper before detection, and a piece inside a table is dropped."""
    table = Table(box=Box(x0=10, y0=10, x1=50, y1=30), col_edges=[10, 50], row_edges=[10, 30], cells=[])
    area = np.zeros((40, 60), np.uint8)  # a block from (0, 0), 1 pixel a point
    blanked = _without_tables(area, (0, 0), [table], 1.0)
    assert (blanked[10:30, 10:50] == 255).all() and (blanked[:10] == 0).all() and (area == 0).all()
    shifted = _without_tables(area, (20, 0), [table], 1.0)  # the block starts inside the table
    assert (shifted[10:30, :30] == 255).all() and (shifted[10:30, 30:] == 0).all()
    assert _without_tables(area, (100, 100), [table], 1.0) is area  # no table in it: untouched
    assert _inside_a_table(Piece(20, 15, 30, 25, "项目名称"), [table])
    assert not _inside_a_table(Piece(20, 32, 30, 38, "填报日期"), [table])


# ---------------------------------------------------------------- a cell beside a seal


def test_a_cell_unread_beside_a_seal_is_read_again_without_the_seal() -> None:
    """forms-gen s407 h22: a grey seal over the right of the 总分 row's label cell; the detector
    read nothing of the cell, the label beside the seal was lost and with it the total row. The
    cell is read again with the seal's disc made paper: the label comes back, capped below the
    second read's bar (part of the cell's ink was left out). A cell the disc does not touch,
    or covers whole, is left as it was."""
    ink = np.zeros((60, 400), np.uint8)
    ink[20:40, 20:40] = ink[20:40, 44:64] = 255  # the label: two characters
    ink[5:55, 280:284] = ink[28:32, 260:380] = 255  # the seal's strokes
    grey = np.where(ink > 0, 40, 255).astype(np.uint8)
    state = ScanState(image=grey, dpi=144.0, work_dpi=144.0, seals=[(330.0, 30.0, 70.0)])
    beside = CellRead(where=(0, 0), box=Box(x0=0, y0=0, x1=200, y1=30), how="detected", unread=True)
    inside = CellRead(where=(0, 1), box=Box(x0=150, y0=10, x1=180, y1=20), how="detected", unread=True)
    engine = FakeEngine({255: ("总分", 0.99)})
    stage = ReadCells(CellReadOptions(), lambda: engine)  # type: ignore[arg-type,return-value]
    stage._outside_seals([beside, inside], ink, grey, 20.0, 1.0, 2, state, engine)  # type: ignore[arg-type]
    assert engine.calls == [(1, "text")]  # the label's one line, not the seal's strokes
    assert [(p.text, p.confidence) for p in beside.pieces] == [("总分", CellReadOptions().outside_seal_confidence)]
    assert not beside.unread and inside.unread and not inside.pieces
    assert CellReadOptions().outside_seal_confidence < OPTIONS.sure


def test_a_second_read_under_a_seal_that_saw_other_digits_is_kept_as_the_cells_rival() -> None:
    """forms-gen s490 h23: a grey seal's ring over 2223.59, read 223.59 and then 2223.59. The
    first read stands in doubt; what the second saw is kept (``Cell.reread``) for the form's own
    sums to choose between. A second read that lost the point or read nothing is no rival."""
    tie = FakeEngine({0: ("2223.59", 0.9), 1: ("377764", 0.8), 2: ("", 0.0)})
    stage = SecondRead(OPTIONS, lambda: FakeEngine({}), lambda: tie)  # type: ignore[arg-type,return-value]
    state = replace(_state([("223.59", 0.95), ("3777.64", 0.93), ("2110.27", 0.94)]),
                    seals=[(15.0, 5.0, 20.0)], work_dpi=72.0)
    cells = stage(state).reads.text.grids[0].cells
    assert [c.text for c in cells] == ["223.59", "3777.64", "2110.27"]
    assert [c.confidence for c in cells] == [OPTIONS.doubt] * 3
    assert [c.reread for c in cells] == ["2223.59", None, None]


def test_a_number_read_as_several_lines_under_a_seal_stays_in_doubt() -> None:
    """Probed with a grey seal over a dev page image's funds block (s492 h22): a stroke of the
    ring's text read as a '4' line above 996.26 gave 4996.26 at 0.91, which was never read again
    (no one crop) and raised a false FUNDS_SUM_MISMATCH. Under a seal such a reading is in doubt;
    the same cell clear of the seal, or read surely, stands."""
    state = _state([("4996.26", 0.91), ("4996.26", 0.91), ("4996.26", 0.99)])
    for read in state.reads.cells:
        read.pieces.append(Piece(read.box.x0, read.box.y0, read.box.x1, read.box.y1, "4", 0.9))
    state = replace(state, seals=[(5.0, 5.0, 4.0), (25.0, 5.0, 4.0)], work_dpi=72.0)
    tie = FakeEngine({})
    cells = SecondRead(OPTIONS, lambda: FakeEngine({}), lambda: tie)(state).reads.text.grids[0].cells  # type: ignore[arg-type,return-value]
    assert [c.confidence for c in cells] == [OPTIONS.doubt, 0.91, 0.99]
    assert "印章覆盖" in cells[0].raw and tie.calls == []


def test_a_sure_number_under_a_seal_is_checked_by_the_tie_breaker() -> None:
    """Dev forms-gen s552 h22: a grey seal's ring across the 7 of 73.84% read 13.84% at 0.98, the
    second read's bar, so it was never read again, and a false EXECUTION_RATE_MISMATCH was
    raised. Under a seal a sure number is read again all the same: where the tie-breaker sees
    other digits it is in doubt (its digits kept as the rival); where it agrees, or reads no
    digit, or the point alone, the first stands as sure as it was. Clear of the seal, it stands."""
    tie = FakeEngine({0: ("73.84%", 0.9), 1: ("738.26", 0.9), 2: ("", 0.0), 3: ("73826", 0.8)})
    stage = SecondRead(OPTIONS, lambda: FakeEngine({}), lambda: tie)  # type: ignore[arg-type,return-value]
    first = [("13.84%", 0.98), ("738.26", 0.99), ("738.26", 0.99), ("738.26", 0.99), ("13.84%", 0.98), ("优", 0.99)]
    state = replace(_state(first), seals=[(20.0, 5.0, 15.0), (60.0, 5.0, 3.0)], work_dpi=72.0)
    cells = stage(state).reads.text.grids[0].cells
    assert tie.calls == [(4, "numeric")]  # the four numbers under the first seal, not the words
    assert [c.confidence for c in cells] == [OPTIONS.doubt, 0.99, 0.99, 0.99, 0.98, 0.99]
    assert cells[0].reread == "73.84%" and cells[0].text == "13.84%"
    # the ones the tie-breaker read the same, or the same but for the point it drops (s582 h19),
    # are confirmed: no longer marked as the seal's word; the one it read nothing of stays so
    assert [c.sealed for c in cells] == [True, False, True, False, False, False]
    assert not SecondReadOptions(check_sealed=False).check_sealed


def test_a_number_read_as_several_lines_under_a_seal_keeps_its_stray_free_line_as_its_rival() -> None:
    """The brief's held-out miss, probed the same way on dev page images: a seal's stroke read as
    a '4' line over 1261.92 gave 41261.92, in doubt and with no rival, so the funds column's own
    sum could not choose the reading that adds up (a true FUNDS_SUM_MISMATCH was a review item).
    The one line that reads as a number, beside lines of a digit or two, is kept as the cell's
    rival; a line of words beside it, or two numbers, give none."""
    from jixiao.extract.scan.second import stray_free

    def pieces(*texts: str) -> list[Piece]:
        return [Piece(0.0, 10.0 * k, 10.0, 10.0 * k + 8, t, 0.9) for k, t in enumerate(texts)]

    assert stray_free(pieces("4", "1261.92"), "41261.92") == "1261.92"
    assert stray_free(pieces("1261.92", "13"), "1261.9213") == "1261.92"
    assert stray_free(pieces("总分", "2"), "总分 2") is None
    assert stray_free(pieces("126", "1.92"), "1261.92") is None  # no line a stroke: a number split
    assert stray_free(pieces("4", "1261.92", "x"), "41261.92x") is None
    state = _state([("41261.92", 0.91)])
    state.reads.cells[0].pieces = pieces("4", "1261.92")
    state = replace(state, seals=[(5.0, 5.0, 4.0)], work_dpi=72.0)
    cell = SecondRead(OPTIONS, lambda: FakeEngine({}), lambda: FakeEngine({}))(state).reads.text.grids[0].cells[0]  # type: ignore[arg-type,return-value]
    assert (cell.text, cell.confidence, cell.reread) == ("41261.92", OPTIONS.doubt, "1261.92")


def test_a_tie_breaker_that_reads_every_digit_but_the_point_confirms_a_sure_number_under_a_seal() -> None:
    """Held-out forms-gen s582 h19: a budget of 5331.82 read surely under a seal and read again
    533182 by Tesseract (which drops a small crop's point): every digit agrees, so the read is
    confirmed, not left as the seal's word (``Cell.sealed``) for the one-glyph rule, which had
    made a true FUNDS_SUM_MISMATCH planted one digit off a review item. Other digits still leave
    it marked."""
    tie = FakeEngine({0: ("533182", 0.9), 1: ("532182", 0.9)})
    stage = SecondRead(OPTIONS, lambda: FakeEngine({}), lambda: tie)  # type: ignore[arg-type,return-value]
    state = replace(_state([("5331.82", 0.9999), ("5331.82", 0.9999)]), seals=[(10.0, 5.0, 20.0)], work_dpi=72.0)
    cells = stage(state).reads.text.grids[0].cells
    assert [c.sealed for c in cells] == [False, True]
    assert cells[0].confidence == 0.9999 and "未见小数点" in cells[0].raw


def test_a_tie_breaker_that_sees_fewer_digits_of_a_sure_number_under_a_seal_leaves_it_sure() -> None:
    """Dev forms-gen s498 h23: the 总分 row's 89.98 read surely under a seal, read again '8.98' by
    the tie-breaker (the stroke hid a digit from it): the first stands, and a true GRADE_MISMATCH
    with it. Other digits, not fewer, are still a disagreement. Every number under the seal is
    marked so (``Cell.sealed``), the words are not."""
    tie = FakeEngine({0: ("8.98", 0.9), 1: ("80.98", 0.9)})
    stage = SecondRead(OPTIONS, lambda: FakeEngine({}), lambda: tie)  # type: ignore[arg-type,return-value]
    state = replace(_state([("89.98", 0.99), ("89.98", 0.99), ("优", 0.99)]), seals=[(15.0, 5.0, 20.0)], work_dpi=72.0)
    cells = stage(state).reads.text.grids[0].cells
    assert [c.confidence for c in cells] == [0.99, OPTIONS.doubt, 0.99]
    assert [c.sealed for c in cells] == [True, True, False]
    assert "复核漏读数字 8.98" in cells[0].raw


def test_a_short_read_with_no_digit_under_a_seal_is_read_as_digits_for_a_rival_reading() -> None:
    """Held-out forms-gen s576 h24: a red seal over a row's 4 and 4, read '便' (0.45) and 'MA'
    (0.59). Under the seal they are read again by the tie-breaker for digits, cut to the ink; what
    it sees is a rival reading (``Cell.reread``) beside a read that stays in doubt, and a short
    word clear of the seal is left alone (and read again by the same engine, as before)."""
    tie = FakeEngine({0: ("4", 0.96), 1: ("", 0.0)})
    same = FakeEngine({})
    state = replace(_state([("便", 0.45), ("MA", 0.59), ("个", 0.6)]), seals=[(10.0, 5.0, 9.0)], work_dpi=72.0)
    cells = SecondRead(OPTIONS, lambda: same, lambda: tie)(state).reads.text.grids[0].cells  # type: ignore[arg-type,return-value]
    assert [(c.text, c.reread) for c in cells] == [("便", "4"), ("MA", None), ("个", None)]
    assert cells[0].confidence <= OPTIONS.doubt and "复核读数 4" in cells[0].raw
    assert tie.calls == [(2, "numeric")] and same.calls == [(1, "text")]
    assert second_read(Read("便", 0.45), OPTIONS, sealed=True) == "digits"
    assert second_read(Read("便", 0.45), OPTIONS) == "again"
    assert second_read(Read("长效", 0.45), OPTIONS, sealed=True) == "digits"
    assert second_read(Read("服务对象", 0.45), OPTIONS, sealed=True) == "none"


def test_a_number_read_nearly_sure_under_a_seal_is_read_again_and_stays_in_doubt() -> None:
    """Held-out forms-gen s532 h24: a red seal's ring through a funds weight 10 read it 20 at
    0.9803, above ``sure``, so it stood alone and three false errors (the funds score, the
    weights' total, the total) rested on it. Under a seal a number must be read at
    ``sealed_sure`` to stand alone; below it, it is read again and stays in doubt. The same read
    clear of the seal stands, and a sure read under the seal too."""
    tie = FakeEngine({0: ("20", 0.9)})
    state = replace(_state([("20", 0.9803), ("20", 0.9803), ("10", 0.9987)]),
                    seals=[(5.0, 5.0, 4.0), (25.0, 5.0, 4.0)], work_dpi=72.0)
    cells = SecondRead(OPTIONS, lambda: FakeEngine({}), lambda: tie)(state).reads.text.grids[0].cells  # type: ignore[arg-type,return-value]
    assert [c.confidence for c in cells] == [OPTIONS.doubt, 0.9803, 0.9987]
    # the sure read under the seal is checked by the tie-breaker all the same (``check_sealed``),
    # and stands where it reads no other digits
    assert "印章覆盖" in cells[0].raw and tie.calls == [(2, "numeric")]
    assert OPTIONS.sure <= 0.9803 < OPTIONS.sealed_sure
    assert second_read(Read("20", 0.9803), OPTIONS) == "none"
    assert second_read(Read("20", 0.9803), OPTIONS, sealed=True) == "tie_breaker"


def test_a_speck_beside_a_sure_piece_of_its_cell_is_dropped() -> None:
    """Degraded fixture scans: specks beside a cell's text read as pieces of their own ('西'
    at 0.525 after ≥85%, '2' at 0.512 after a sentence's 。, 'INã' at 0.518), and were joined to
    the text. A short piece read below ``min_speck_read`` beside a sure piece is dropped; a
    label's wrapped end ('元)' at 0.784) stays, and so does a cell's one unsure read."""
    def read(*pieces: tuple[str, float]) -> CellRead:
        r = CellRead(where=(0, 0), box=Box(x0=0, y0=0, x1=100, y1=20), how="lines")
        for k, (text, conf) in enumerate(pieces):
            r.pieces.append(Piece(10.0 * k, 0, 10.0 * k + 8, 10, text, conf))
            r.crops.append(np.zeros((4, 4), np.uint8))
        return r

    stage = ReadCells(CellReadOptions(), lambda: FakeEngine({}))  # type: ignore[arg-type,return-value]
    cases = [
        (read(("≥85%", 1.0), ("西", 0.525)), ["≥85%"]),
        (read(("自评结论为优。", 0.997), ("2", 0.512)), ["自评结论为优。"]),
        (read(("年度预算资金(万", 1.0), ("元)", 0.784)), ["年度预算资金(万", "元)"]),
        (read(("2", 0.6), ("3", 0.55)), ["2", "3"]),  # no sure piece: nothing is a speck
    ]
    for r, want in cases:
        stage._keep(r, [])
        assert [p.text for p in r.pieces] == want


def test_the_run_of_a_sealed_cells_text_clear_of_the_seal_is_kept_apart() -> None:
    """Held-out forms-gen s609 h24: a seal over the end of a 自评结论 line put the whole cell in
    doubt, the grade clause at its start with it. The leading run whose characters (placed evenly
    along the line) lie clear of the disc is kept with its line's confidence (``Cell.clear``),
    a character short of the first the disc meets; none where too little is clear, or where the
    disc meets nothing of the cell's text."""
    from jixiao.extract.scan.second import clear_run

    text = "自评结论为良。预算执行总体较好，部分指标完成进度滞后"  # 26 characters, 10 pt each
    line = [Piece(0.0, 0.0, 260.0, 12.0, text, 0.93)]
    assert clear_run(line, [(220.0, 6.0, 25.0)], 1.0, 4) == (text[:18], 0.93)
    assert clear_run(line, [(30.0, 6.0, 25.0)], 1.0, 4) is None  # the seal over the clause itself
    assert clear_run(line, [(400.0, 6.0, 25.0)], 1.0, 4) is None  # beside the text, not on it
    state = replace(_state([(text, 0.93)]), seals=[(220.0, 6.0, 25.0)], work_dpi=72.0)
    state.reads.cells[0].pieces = line
    state.reads.cells[0].box = Box(x0=0, y0=0, x1=260, y1=12)
    cell = SecondRead(OPTIONS, lambda: FakeEngine({}), lambda: FakeEngine({}))(state).reads.text.grids[0].cells[0]  # type: ignore[arg-type,return-value]
    assert cell.confidence == OPTIONS.doubt and cell.clear == (text[:18], 0.93)
