"""Rows and labels cut by a page break are joined; whole rows after a break are left alone."""

from __future__ import annotations

from jixiao.grid import Box, Cell, Grid
from jixiao.normalize.pagebreak import row_stream
from jixiao.text import clean

XS = [0, 50, 150, 180, 210, 300]  # 二级指标 | 三级指标 | 分值 | 得分 | 原因


def grid(page: int, rows: list[list[str]], spans: dict[tuple[int, int], int] | None = None) -> Grid:
    spans = spans or {}
    cells = []
    for r, texts in enumerate(rows):
        for c, text in enumerate(texts):
            if text is None:
                continue  # covered by a row span from above
            span = spans.get((r, c), 1)
            box = Box(x0=XS[c], y0=20 * r, x1=XS[c + 1], y1=20 * (r + span))
            cells.append(Cell(row=r, col=c, row_span=span, page=page, box=box, text=text, raw=text))
    return Grid(page=page, n_rows=len(rows), n_cols=len(XS) - 1, cells=cells)


def texts(grids: list[Grid]) -> list[list[str]]:
    return [[clean(c.text) for c in row.starting] for row in row_stream(grids).rows]


def test_rest_of_a_cut_row_joins_the_row_above() -> None:
    before = grid(1, [["社会效益指标", "公共服务水平提升", "13", "13", "受政策调整影响,部分"]])
    after = grid(2, [["", "", "", "", "任务顺延至下一年度"], ["生态效益指标", "森林覆盖率", "6", "6", ""]])
    assert texts([before, after]) == [
        ["社会效益指标", "公共服务水平提升", "13", "13", "受政策调整影响,部分任务顺延至下一年度"],
        ["生态效益指标", "森林覆盖率", "6", "6", ""],
    ]
    assert before.cells[-1].text == "受政策调整影响,部分"  # the grid itself stays as read


def test_cut_label_is_joined_on_both_pages() -> None:
    before = grid(1, [["服务对象满", "服务对象满意度", "5.5", "5.5", ""]])
    after = grid(2, [["意度指标", "社会公众满意度", "4.5", "4.5", ""], [None, "群众满意度", "4", "4", ""]],
                 spans={(0, 0): 2})
    rows = row_stream([before, after]).rows
    assert clean(rows[0].cells[0].text) == "服务对象满意度指标"
    assert clean(rows[2].cells[0].text) == "服务对象满意度指标"
    assert len(rows) == 3


def test_whole_rows_after_a_break_are_not_joined() -> None:
    before = grid(1, [["数量指标", "培训人次", "10", "10", "受天气影响"]])
    total = grid(2, [["总分", "", "100", "96", ""]])
    assert texts([before, total])[1] == ["总分", "", "100", "96", ""]
    other = grid(2, [["质量指标", "合格率", "", "", ""]])
    assert texts([before, other])[0][0] == "数量指标"
    assert texts([before, other])[1][0] == "质量指标"


def test_same_page_tables_and_transcripts_are_not_joined() -> None:
    before = grid(1, [["社会效益指标", "公共服务水平提升", "13", "13", "受政策调整影响,部分"]])
    same_page = grid(1, [["", "", "", "", "任务顺延至下一年度"]])
    assert len(texts([before, same_page])) == 2
    unboxed = grid(2, [["", "", "", "", "任务顺延至下一年度"]])
    unboxed.cells = [c.model_copy(update={"box": None}) for c in unboxed.cells]
    assert len(texts([before, unboxed])) == 2
