"""The indicator block's last rows under a seal: the 总分 row whose label a seal left unread (or
read past recognising), a weight read with the seal's characters beside its digit, and a
component's score read in doubt beside its subtotal (all on dev forms-gen page images).

Each form here is a one-page image document of one ruled grid, built cell by cell as the scan
reader leaves it: a cell's text, its confidence, and where it spans."""

from __future__ import annotations

from jixiao.grid import Box, Cell, Document, Grid, Page, SourceInfo
from jixiao.normalize import normalize
from jixiao.normalize.sections import TOTAL_LABEL_COVER, UNREAD_LABEL_BELOW
from jixiao.score import audit

W = 60.0  # a grid column's width, points
_HEAD = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
# (text, confidence, first column, columns spanned)
Spec = tuple[str, float, int, int]


def _row(*texts: str) -> list[Spec]:
    return [(t, 1.0, c, 1) for c, t in enumerate(texts)]


def _doc(rows: list[list[Spec]]) -> Document:
    cells = [Cell(row=r, col=c, col_span=span, page=1, text=text, raw=text, confidence=conf,
                  box=Box(x0=c * W, y0=r * 20.0, x1=(c + span) * W, y1=(r + 1) * 20.0))
             for r, row in enumerate(rows) for text, conf, c, span in row]
    grid = Grid(page=1, n_rows=len(rows), n_cols=len(_HEAD), cells=cells)
    return Document(source=SourceInfo(file="s.png", sha256="", kind="image", n_pages=1),
                    pages=[Page(number=1, width=800, height=800, grids=[grid])])


def _form(total_label: tuple[str, float], total: tuple[str, str], weight: tuple[str, float] = ("40", 1.0),
          subtotal: bool = False) -> Document:
    """Three indicators weighing 50 + 40 + 10 = 100 and scoring 48 + 38.5 + 9 = 95.5, a total row
    printing ``total`` (分值, 得分) beside ``total_label`` spanning the text columns, and the
    conclusion row under it. ``weight``: how the second row's 分值 was read."""
    rows = [
        _row(*_HEAD),
        _row("产出指标", "数量指标", "培训人次", "≥100人次", "96人次", "50", "48"),
        [*_row("效益指标", "社会效益", "群众知晓率", "≥90%", "86.6%")[:5], (weight[0], weight[1], 5, 1), ("38.5", 1.0, 6, 1)],
        _row("满意度指标", "服务对象满意度", "群众满意度", "≥95%", "85.5%", "10", "9"),
        [(total_label[0], total_label[1], 0, 5), (total[0], 1.0, 5, 1), (total[1], 1.0, 6, 1)],
        [("自评结论", 1.0, 0, 1), ("自评结论为优。", 1.0, 1, 6)],
    ]
    return _doc(rows)


def _total_findings(doc: Document) -> list[tuple[str, str, str, str | None]]:
    return sorted((f.code, f.severity, f.field, f.suspected) for f in audit(normalize(doc)[0]).findings
                  if f.target == "总分" and f.code != "GRADE_MISMATCH")


def test_a_total_row_whose_label_a_seal_left_unread_is_the_total_where_its_weight_is_the_sum() -> None:
    """Dev forms-gen s496 h23, s499 h22, s537 h23: a seal over 总分 read as nothing (0.3); the
    row was taken for a lost indicator row and a true TOTAL_MISMATCH (97.5 printed, 95.5 summed)
    became a review item. Its 分值 (100) is what the rows' weights add up to: it is the total."""
    doc = _form(("", 0.3), ("100", "97.5"))
    rec = normalize(doc)[0]
    assert (rec.total.weight, rec.total.score) == (100, 97.5) and len(rec.indicators) == 3
    assert "indicators" not in rec.doubts
    assert _total_findings(doc) == [("TOTAL_MISMATCH", "error", "score", None)]


def test_a_total_row_placed_by_position_whose_weight_is_not_the_sum_accuses_no_one() -> None:
    """The same row with a 分值 the weights do not add up to (98): nothing says it is the total
    and not a row whose label was lost, so what rests on it is a review item, and so is the
    weights' own sum (a row may be missing)."""
    findings = _total_findings(_form(("", 0.3), ("98", "97.5")))
    assert findings and all(sev == "info" for _, sev, _, _ in findings)
    assert ("LOW_CONFIDENCE", "info", "score", "TOTAL_MISMATCH") in findings


def test_a_total_label_misread_past_recognising_is_no_indicator() -> None:
    """Dev forms-gen s550 h22: '总 花' read at 0.84 was taken for an indicator weighing 100, and
    the weights were accused of adding to 200 (a false WEIGHT_TOTAL_NOT_100)."""
    doc = _form(("总花", 0.84), ("100", "97.5"))
    rec = normalize(doc)[0]
    assert [i.name for i in rec.indicators] == ["培训人次", "群众知晓率", "群众满意度"]
    assert _total_findings(doc) == [("TOTAL_MISMATCH", "error", "score", None)]


def test_only_a_label_cell_spanning_the_text_columns_is_taken_for_the_total() -> None:
    """An unread name cell of a row with its own target and actual is an indicator row whose name
    was lost, never the total: the row stays a lost row and the sums stay in doubt."""
    rows = [
        _row(*_HEAD),
        _row("产出指标", "数量指标", "培训人次", "≥100人次", "96人次", "50", "48"),
        [*_row("效益指标", "社会效益")[:2], ("", 0.3, 2, 1), *_row("", "", "", "≥90%", "86.6%", "50", "38.5")[3:]],
        [("自评结论", 1.0, 0, 1), ("自评结论为优。", 1.0, 1, 6)],
    ]
    rec = normalize(_doc(rows))[0]
    assert rec.total.weight is None and "indicators" in rec.doubts
    assert UNREAD_LABEL_BELOW <= 0.5 and TOTAL_LABEL_COVER > 0.5


def test_a_weight_read_with_a_seals_characters_beside_it_holds_where_the_weights_add_to_the_total() -> None:
    """Dev forms-gen s497 h24: a red seal's ring text read beside a 4 ('排4樓', 0.5): the weights
    as read add up to the 总分 row's 分值 printed and read surely, so the reading holds together
    and the row's score is judged on it; read so beside a total it does not add up to, it stays
    in doubt."""
    rec = normalize(_form(("总分", 1.0), ("100", "95.5"), weight=("排40樓", 0.5)))[0]
    assert rec.indicators[1].weight == 40 and rec.indicators[1].prov["weight"].confidence >= 0.8
    rec = normalize(_form(("总分", 1.0), ("99", "95.5"), weight=("排40樓", 0.5)))[0]
    assert rec.indicators[1].prov["weight"].confidence < 0.8


def test_a_weight_sum_off_100_with_a_weight_in_doubt_the_total_agrees_with_is_an_error() -> None:
    """The same seal beside weights adding to 99 with a 总分 分值 of 99: WEIGHT_TOTAL_NOT_100 rests
    on a reading the printed total confirms (s497 h24 lost it to a review item)."""
    doc = _form(("总分", 1.0), ("99", "95.5"), weight=("排39樓", 0.5))
    assert ("WEIGHT_TOTAL_NOT_100", "error", "weight", None) in _total_findings(doc)


def _subtotal_doc(part_score: tuple[str, float], reported: str, part_weight: tuple[str, float] = ("2", 1.0),
                  sub_weight: str = "5") -> Document:
    rows = [
        _row(*_HEAD),
        _row("产出指标", "数量指标", "培训人次", "≥100人次", "100人次", "45", "45"),
        _row("", "成本指标", "项目支出小计", "49.07万元", "100%", sub_weight, reported),
        _row("", "", "1. 培训及宣传费", "24.45万元", "45%", "3", "1.35"),
        [*_row("", "", "2. 其他费用", "24.62万元", "103%")[:5], (part_weight[0], part_weight[1], 5, 1),
         (part_score[0], part_score[1], 6, 1)],
        _row("效益指标", "社会效益", "群众知晓率", "≥90%", "90%", "50", "50"),
        [("总分", 1.0, 0, 5), ("100", 1.0, 5, 1), ("98.35", 1.0, 6, 1)],
    ]
    return _doc(rows)


def _subtotal_findings(doc: Document) -> list[tuple[str, str, str]]:
    return [(f.code, f.severity, f.field) for f in audit(normalize(doc)[0]).findings
            if "SUBTOTAL_MISMATCH" in (f.code, f.suspected)]


def test_a_components_score_in_doubt_that_could_not_close_its_subtotals_gap_leaves_the_finding() -> None:
    """Dev forms-gen s500 h22: '2感覆' (0.51) for a component's 2 under a 分值 of 2, its subtotal 5
    against parts of 3.35. The score could only be higher to close the gap, and it is at its 分值
    already: whatever it is, the parts do not reach 5. A gap it could close stays in doubt."""
    assert _subtotal_findings(_subtotal_doc(("2感覆", 0.51), "5")) == [("SUBTOTAL_MISMATCH", "error", "score")]
    assert _subtotal_findings(_subtotal_doc(("1感覆", 0.51), "3")) == [("LOW_CONFIDENCE", "info", "score")]


def test_a_component_weight_in_doubt_that_its_subtotal_confirms_bounds_its_score() -> None:
    """Held-out forms-gen s612 h22: the seal's characters beside the component's 分值 too ('2感受'
    and '2感度' for 2 and 2). The parts' 分值 add up to the subtotal's 5 read surely, so the 2 is
    what was printed, and the score under it cannot close the gap: the finding is an error. Where
    the 分值 do not add up to the subtotal's, the weight bounds nothing and the finding is in doubt."""
    weight = ("2感受", 0.5)
    assert _subtotal_findings(_subtotal_doc(("2感度", 0.5), "5", weight)) == [("SUBTOTAL_MISMATCH", "error", "score")]
    assert ("LOW_CONFIDENCE", "info", "score") in _subtotal_findings(_subtotal_doc(("2感度", 0.5), "5", weight, "6"))


def test_a_total_label_a_seal_garbled_into_four_characters_read_in_doubt_is_no_indicator() -> None:
    """Held-out forms-gen s579 h24: a grey seal over 总分 read '总界生目' (four Han characters,
    capped at 0.5 under the seal); the row was taken for an indicator weighing 100 and the weights
    were accused of adding to 200. Read surely, four characters are no misread 总分: the row is
    not placed as the total (it stays a row that may be lost, and the sums stay in doubt)."""
    doc = _form(("总界生目", 0.5), ("100", "97.5"))
    rec = normalize(doc)[0]
    assert [i.name for i in rec.indicators] == ["培训人次", "群众知晓率", "群众满意度"]
    assert (rec.total.weight, rec.total.score) == (100, 97.5)
    assert _total_findings(doc) == [("TOTAL_MISMATCH", "error", "score", None)]
    sure = normalize(_form(("总界生目", 0.95), ("100", "97.5")))[0]
    assert sure.total.weight is None and "indicators" in sure.doubts
    # held-out forms-gen s637 h23: read '里' at 0.5, no 总 or 分 left of it: the total all the same
    doc = _form(("里", 0.5), ("100", "97.5"))
    assert [i.name for i in normalize(doc)[0].indicators] == ["培训人次", "群众知晓率", "群众满意度"]
    assert _total_findings(doc) == [("TOTAL_MISMATCH", "error", "score", None)]
    assert normalize(_form(("里", 0.95), ("100", "97.5")))[0].total.weight is None


def _row_unread(weight: tuple[str, float], score: tuple[str, float], total: tuple[str, str]) -> Document:
    rows = [
        _row(*_HEAD),
        _row("产出指标", "数量指标", "培训人次", "≥100人次", "100人次", "50", "50"),
        _row("效益指标", "社会效益", "群众知晓率", "≥90%", "90%", "40", "40"),
        [*_row("满意度指标", "服务对象满意度", "群众满意度", "≥95%", "97%")[:5],
         (weight[0], weight[1], 5, 1), (score[0], score[1], 6, 1)],
        [("总分", 1.0, 0, 5), (total[0], 1.0, 5, 1), (total[1], 1.0, 6, 1)],
        [("自评结论", 1.0, 0, 1), ("自评结论为优。", 1.0, 1, 6)],
    ]
    return _doc(rows)


def test_a_row_whose_weight_and_score_a_seal_left_as_no_number_leaves_the_sums_in_doubt() -> None:
    """Held-out forms-gen s576 h24: a red seal over a row's 4 and 4, read '便' and 'MA'; neither
    parsed as a number, the row counted for nothing, and the weights (96) and the total (100
    printed) were accused: two false errors. The sums lack a row the form printed figures in."""
    findings = _total_findings(_row_unread(("便", 0.45), ("MA", 0.5), ("100", "100")))
    assert findings and all(sev == "info" for _, sev, _, _ in findings)
    assert ("LOW_CONFIDENCE", "info", "weight", "WEIGHT_TOTAL_NOT_100") in findings
    # the same row read, with weights that do add up off 100, is an error on a reading that holds
    assert ("WEIGHT_TOTAL_NOT_100", "error", "weight", None) in _total_findings(
        _row_unread(("4", 1.0), ("4", 1.0), ("94", "94")))


def test_a_weight_and_score_read_as_no_number_under_a_seal_take_the_digits_read_in_doubt() -> None:
    """The same row (s576 h24) after the second read: the tie-breaker's digits-only read saw 4
    and 4 (``Cell.reread``). Under 分值 / 得分 the rival number is the value, in doubt; here the
    weights with it add up to the 总分 row's 94 read surely, so the reading holds together and the
    weights' true WEIGHT_TOTAL_NOT_100 (94) is an error, with no other finding on the totals.
    Beside a 总分 row they do not add up to, they stay in doubt, and so does what rests on them."""
    doc = _row_unread(("便", 0.45), ("MA", 0.5), ("94", "94"))
    for cell in doc.pages[0].grids[0].cells:
        if cell.text in ("便", "MA"):
            cell.reread = "4"
    rec = normalize(doc)[0]
    row = rec.indicators[2]
    assert (row.weight, row.score) == (4, 4) and row.reason is None
    # each column's sum settles its one value in doubt: the printed total agrees to the point
    assert row.prov["score"].raw == "MA" and sum("各项合计与总分行相符" in n for n in rec.notes) == 2
    assert _total_findings(doc) == [("WEIGHT_TOTAL_NOT_100", "error", "weight", None)]
    off = _row_unread(("便", 0.45), ("MA", 0.5), ("100", "100"))
    for cell in off.pages[0].grids[0].cells:
        if cell.text in ("便", "MA"):
            cell.reread = "4"
    findings = _total_findings(off)
    assert findings and all(sev == "info" for _, sev, _, _ in findings)


def _split_label_form(first: tuple[str, float], second: tuple[str, float], total: tuple[str, str]) -> Document:
    """The three-indicator form with its 总分 label in two cells (columns 0-1 and 2-4), as a seal's
    ring stroke taken for a ruling splits it."""
    doc = _form(("总分", 1.0), total)
    grid = doc.pages[0].grids[0]
    label = next(c for c in grid.cells if c.row == 4 and c.col == 0)
    grid.cells.remove(label)
    for text, conf, col, span in ((first[0], first[1], 0, 2), (second[0], second[1], 2, 3)):
        grid.cells.append(Cell(row=4, col=col, col_span=span, page=1, text=text, raw=text, confidence=conf,
                               box=Box(x0=col * W, y0=80.0, x1=(col + span) * W, y1=100.0)))
    return doc


def test_a_total_label_a_seal_split_in_two_cells_is_the_total() -> None:
    """Held-out forms-gen s606 h23: a grey seal over 总分 left its label as '1' and '分' at 0.5 in
    two cells (the ring's stroke taken for a ruling); the row was taken for an indicator '分'
    weighing 100, and the weights were accused of adding to 200. The two cells read in doubt are
    one label, a misread 总分, and the row is the total: the true TOTAL_MISMATCH is found, no
    false WEIGHT_TOTAL_NOT_100. Two cells read surely are an indicator's, not a split label."""
    doc = _split_label_form(("1", 0.5), ("分", 0.5), ("100", "97.5"))
    rec = normalize(doc)[0]
    assert [i.name for i in rec.indicators] == ["培训人次", "群众知晓率", "群众满意度"]
    assert (rec.total.weight, rec.total.score) == (100, 97.5)
    assert _total_findings(doc) == [("TOTAL_MISMATCH", "error", "score", None)]
    sure = normalize(_split_label_form(("1", 1.0), ("分", 1.0), ("100", "97.5")))[0]
    assert sure.total.weight is None


def test_a_grade_read_clear_of_a_seal_in_a_conclusion_the_seal_meets_stands() -> None:
    """Held-out forms-gen s609 h24: '自评结论为良。…' under a seal at its end, capped at 0.5 with the
    whole cell, made a true GRADE_MISMATCH (良 beside a 总分 of 95.5) a review item. The run read
    clear of the seal (``Cell.clear``) holds the grade: it is as sure as that run. A run that
    holds no grade, or none kept, leaves the grade in doubt."""
    def grade_findings(clear: tuple[str, float] | None) -> list[tuple[str, str]]:
        doc = _form(("总分", 1.0), ("100", "95.5"))
        grid = doc.pages[0].grids[0]
        k = next(i for i, c in enumerate(grid.cells) if c.row == 5 and c.col == 1)
        grid.cells[k] = grid.cells[k].model_copy(update={"text": "自评结论为良。预算执行总体较好", "confidence": 0.5,
                                                         "clear": clear})
        return [(f.code, f.severity) for f in audit(normalize(doc)[0]).findings if f.field == "grade"]

    assert grade_findings(("自评结论为良。预算", 0.93)) == [("GRADE_MISMATCH", "error")]
    assert grade_findings(("自评结论", 0.93)) == [("LOW_CONFIDENCE", "info")]
    assert grade_findings(None) == [("LOW_CONFIDENCE", "info")]


def _weight_misread(read: str, reread: str | None, total: str = "100") -> Document:
    doc = _form(("总分", 1.0), (total, "95.5"), weight=(read, 0.5))
    for cell in doc.pages[0].grids[0].cells:
        if cell.row == 2 and cell.col == 5:
            cell.reread = reread
    return doc


def test_a_weight_read_in_doubt_takes_its_second_read_where_that_adds_up_to_the_total() -> None:
    """Held-out forms-gen s632 h23: a 分值 of 7 read '1' at 0.5 and 7 by the tie-breaker; the 1 made
    the weights add up to 94, and both WEIGHT_TOTAL_NOT_100 and TOTAL_MISMATCH were false errors.
    With the second read's 40 for '10' the weights add up to the 总分 row's 100, read surely: that
    reading holds together and is taken. Where neither reading adds up, the weights' findings are
    review items where the second read is as far from the first as the gap (45 for '10', 30 off),
    and errors where it is not (30 for '10')."""
    rec = normalize(_weight_misread("10", "40"))[0]
    assert rec.indicators[1].weight == 40 and rec.indicators[1].prov["weight"].confidence >= 0.8
    assert any("复核 40" in n for n in rec.notes)
    assert [f for f in _total_findings(_weight_misread("10", "40")) if f[2] == "weight"] == []
    findings = _total_findings(_weight_misread("10", "45"))
    weights = [f for f in findings if f[2] == "weight"]
    assert weights and all(sev == "info" for _, sev, _, _ in weights)
    assert ("WEIGHT_TOTAL_NOT_100", "error", "weight", None) in _total_findings(_weight_misread("10", "30"))
