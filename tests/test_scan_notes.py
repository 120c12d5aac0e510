"""The printed notes under a form: which loose lines are read only by their head (scan/notes.py)."""

from __future__ import annotations

from jixiao.extract.scan.notes import LooseLine, NotesOptions, carries, note_lines

GLYPH = 10.0  # points


def _lines(*rows: tuple[float, str], height: float = GLYPH) -> list[LooseLine]:
    return [LooseLine(y, y + height, head) for y, head in rows]


def test_the_notes_paragraph_is_its_opener_and_the_lines_close_under_it() -> None:
    lines = _lines((700, "注：1.绩"), (714, "分最高不"), (728, "2.未完成"), (742, "3.定量指"), (756, "若定量指"))
    assert note_lines(lines, GLYPH, NotesOptions()) == {0, 1, 2, 3, 4}


def test_no_opener_no_notes() -> None:
    lines = _lines((700, "1.绩效自"), (714, "分最高不"), (728, "2.未完成"))
    assert note_lines(lines, GLYPH, NotesOptions()) == set()


def test_a_line_that_carries_something_is_read_and_ends_the_notes() -> None:
    lines = _lines((700, "注：1.绩"), (714, "分最高不"), (728, "联系人："), (742, "若定量指"))
    assert note_lines(lines, GLYPH, NotesOptions()) == {0, 1}
    assert carries("填报日期") and carries("联系电话") and carries("2024年度") and not carries("3.定量指")
    assert carries("主管部门：") and carries("经办人：张") and carries("填 报 日 期") and carries("综合评定等")
    assert not carries("2.未完成原") and not carries("分最高不能超") and not carries("若定量指标为")
    assert not carries("分、预算资金") and not carries("项指标得分加") and not carries("1.绩效自评")


def test_a_wide_gap_or_a_taller_line_ends_the_notes() -> None:
    gap = _lines((700, "注：1.绩"), (714, "分最高不"), (760, "整，但总"))  # 3.6 glyphs below
    assert note_lines(gap, GLYPH, NotesOptions()) == {0, 1}
    # a form bound after this one: its title, set larger, right under the notes
    title = [*_lines((700, "注：1.绩"), (714, "分最高不")), LooseLine(728, 746, "某某县财")]
    assert note_lines(title, GLYPH, NotesOptions()) == {0, 1}


def test_pieces_side_by_side_go_with_their_line() -> None:
    lines = _lines((700, "注：1.绩"), (714, "分最高不"), (714.5, "整，但总"))
    assert note_lines(lines, GLYPH, NotesOptions()) == {0, 1, 2}
