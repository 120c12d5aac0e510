"""Text pieces into cells: glyphs from a text layer and boxes from OCR."""

from __future__ import annotations

from jixiao.extract.assign import Piece, TextOptions, assign_text, join_text, split_piece
from jixiao.extract.lattice import CellLocator, Segment, Table, find_tables


def table_2x2() -> Table:
    xs, ys = [0.0, 100.0, 200.0], [0.0, 40.0, 80.0]
    segments = [Segment(0, y, 200, y) for y in ys] + [Segment(x, 0, x, 80) for x in xs]
    return find_tables(segments).tables[0]


def glyphs(
    text: str, x: float, y: float, size: float = 10.0, advance: float | None = None
) -> list[Piece]:
    """One piece per character, as a text layer gives them; CJK full width, others half."""
    out = []
    for ch in text:
        width = advance or (size if ord(ch) > 0x2E80 else size / 2)
        out.append(Piece(x, y, x + width, y + size, ch))
        x += width
    return out


def test_wrapped_chinese_joins_without_separator_and_raw_keeps_lines() -> None:
    pieces = glyphs("对进驻窗口人员", 2, 3) + glyphs("进行行政管理", 2, 15)
    grid = assign_text([table_2x2()], pieces, page=1).grids[0]
    cell = grid.cells[0]
    assert cell.text == "对进驻窗口人员进行行政管理"
    assert cell.raw == "对进驻窗口人员\n进行行政管理"
    assert [c.text for c in grid.cells[1:]] == ["", "", ""]


def test_gaps_keep_one_space_except_between_cjk() -> None:
    options = TextOptions()
    line = glyphs("ISO", 0, 0) + glyphs("9001", 25, 0) + glyphs("资", 60, 0) + glyphs("金", 74, 0)
    line += glyphs("来", 88, 0) + glyphs("源", 98, 0)  # the last two touch
    text, raw = join_text(line, options)
    assert text == "ISO 9001 资金来源"
    assert raw == "ISO 9001 资 金 来源"


def test_explicit_space_glyph_is_a_gap_marker() -> None:
    line = glyphs("2. 5", 0, 0)  # the space is a glyph of its own, no extra gap
    assert join_text(line, TextOptions())[0] == "2. 5"


def test_wrap_inside_latin_gets_a_space_inside_numbers_not() -> None:
    options = TextOptions()
    assert join_text(glyphs("ISO", 0, 0) + glyphs("9001", 0, 12), options)[0] == "ISO 9001"
    assert join_text(glyphs("738.2", 0, 0) + glyphs("6", 0, 12), options)[0] == "738.26"


def test_vertical_label_one_glyph_per_line() -> None:
    pieces = [p for k, ch in enumerate("绩效指标") for p in glyphs(ch, 40, 2 + 9 * k, size=8)]
    cell = assign_text([table_2x2()], pieces, page=1).grids[0].cells[0]
    assert cell.text == "绩效指标"
    assert cell.raw == "绩\n效\n指\n标"


def test_glyph_goes_to_the_cell_holding_its_centre() -> None:
    # a glyph 6 pt over the boundary at x=100, its centre still left of it
    pieces = [Piece(89, 10, 99.5, 20, "甲"), Piece(97, 50, 107, 60, "乙")]
    grid = assign_text([table_2x2()], pieces, page=3).grids[0]
    assert [c.text for c in grid.cells] == ["甲", "", "", "乙"]
    assert all(c.page == 3 for c in grid.cells)


def test_ocr_box_straddling_two_cells_is_split_by_character_width() -> None:
    # OCR read "100%" and the next cell's "4" as one box from x=60 to x=130
    box = Piece(60, 10, 130, 22, "100% 4", confidence=0.8)
    table = table_2x2()
    parts = split_piece(box, [CellLocator(table)])
    assert [(where, part.text) for where, part in parts] == [((0, 0), "100%"), ((0, 1), "4")]
    grid = assign_text([table], [box], page=1).grids[0]
    assert (grid.cells[0].text, grid.cells[1].text) == ("100%", "4")
    assert grid.cells[1].confidence == 0.8


def test_ocr_box_without_spaces_is_split_in_proportion() -> None:
    box = Piece(60, 10, 140, 22, "甲乙丙丁")  # 20 pt a character: centres 70, 90 | 110, 130
    parts = split_piece(box, [CellLocator(table_2x2())])
    assert [(where, part.text) for where, part in parts] == [((0, 0), "甲乙"), ((0, 1), "丙丁")]
    assert parts[1][1].x0 == 100


def test_ocr_box_with_padding_over_the_boundary_is_not_split() -> None:
    # "738.26" with 3 pt of padding past x=100: no character's centre is past the line
    box = Piece(62, 10, 103, 22, "738.26")
    parts = split_piece(box, [CellLocator(table_2x2())])
    assert [(where, part.text) for where, part in parts] == [((0, 0), "738.26")]


def test_ocr_box_across_two_rows_goes_to_the_larger_share() -> None:
    box = Piece(110, 35, 150, 49, "优秀")  # 5 pt above y=40, 9 pt below
    grid = assign_text([table_2x2()], [box], page=1).grids[0]
    assert grid.cells[3].text == "优秀"


def test_loose_pieces_become_lines_top_to_bottom_left_to_right() -> None:
    table = table_2x2()
    pieces = glyphs("填报日期:2025.2.20", 120, 90) + glyphs("单位(盖章):", 0, 90)
    pieces += glyphs("部门整体支出绩效自评表", 30, -30, size=14)
    lines = assign_text([table], pieces, page=2).lines
    assert [line.text for line in lines] == [
        "部门整体支出绩效自评表",
        "单位(盖章): 填报日期:2025.2.20",
    ]
    assert lines[1].box is not None and lines[1].box.x0 == 0
    assert lines[0].page == 2


def test_dash_from_text_and_from_a_drawn_stroke() -> None:
    segments = [Segment(0, y, 150, y) for y in (0, 30)]
    segments += [Segment(x, 0, x, 30) for x in (0, 50, 100, 150)]
    lattice = find_tables(segments + [Segment(70, 15, 80, 15), Segment(110, 25, 140, 25)])
    assert len(lattice.strays) == 2
    pieces = [Piece(20, 10, 30, 20, "—")]
    grid = assign_text(lattice.tables, pieces, page=1, strays=lattice.strays).grids[0]
    # a dash glyph; a short centred stroke in an empty cell; a low underline is no dash
    assert [c.dash for c in grid.cells] == [True, True, False]
    assert [c.text for c in grid.cells] == ["—", "", ""]


def test_confidence_is_the_lowest_of_the_cell() -> None:
    pieces = [Piece(5, 5, 40, 15, "优秀", 0.9), Piece(5, 20, 40, 30, "完成", 0.4)]
    assert assign_text([table_2x2()], pieces, page=1).grids[0].cells[0].confidence == 0.4


def test_grid_carries_edges_and_spans() -> None:
    grid = assign_text([table_2x2()], [], page=1).grids[0]
    assert grid.col_edges == [0, 100, 200] and grid.row_edges == [0, 40, 80]
    assert (grid.n_rows, grid.n_cols, len(grid.cells)) == (2, 2, 4)
