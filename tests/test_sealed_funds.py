"""The funds block under a seal: a money value read in doubt, settled by its column's sum
(forms-gen s490 h23), and a row label read with the seal's characters beside it; and two
readings a seal (or a 150 dpi page) left short of digits: a rate read point first, a score in
doubt that lost a digit (both found on held-out seeds after their measurement).

A grey seal's ring crossed the 全年预算数 of 年度资金总额 (2223.59) and of 基本支出: the first read
gave 223.59, the tie-breaker 2223.59, and under a seal both stay in doubt, so the form's true
EXECUTION_RATE_MISMATCH (94% printed, 2223.59 / 2223.59 = 100%) became a review item. The parts
add up to 2223.59 to the cent: that reading holds together, and the finding is an error again.
Where no reading of the column adds up, or two do, nothing is settled and no error is raised."""

from __future__ import annotations

from jixiao.grid import Box, Cell, Document, Grid, Page, SourceInfo
from jixiao.normalize import normalize
from jixiao.normalize.funds import SUM_CHOICE, settle_by_sums
from jixiao.record import FundsRow, Prov
from jixiao.score import audit

_HEAD = ["资金来源", "年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率", "得分"]
# (text, confidence, second read) per cell
Read = tuple[str, float, str | None]


def _sure(text: str) -> Read:
    return (text, 1.0, None)


def _page_image(rows: list[list[Read]]) -> Document:
    """A one-page image document of one ruled grid of reads (text, confidence, second read)."""
    cells = [
        Cell(row=r, col=c, page=1, text=text, raw=text, confidence=conf, reread=reread,
             box=Box(x0=c * 60.0, y0=r * 20.0, x1=(c + 1) * 60.0, y1=(r + 1) * 20.0))
        for r, row in enumerate(rows) for c, (text, conf, reread) in enumerate(row)
    ]
    grid = Grid(page=1, n_rows=len(rows), n_cols=len(rows[0]), cells=cells)
    return Document(source=SourceInfo(file="s.png", sha256="", kind="image", n_pages=1),
                    pages=[Page(number=1, width=800, height=800, grids=[grid])])


def _funds_doc(total_annual: Read, basic_annual: Read, rate: str = "94%",
               label: Read = ("年度资金总额", 1.0, None)) -> Document:
    rows: list[list[Read]] = [
        [_sure(h) for h in _HEAD],
        [label, _sure("2222.31"), total_annual, _sure("2223.59"), _sure("10"), _sure(rate), _sure("10")],
        [_sure("基本支出"), _sure("2110.27"), basic_annual, _sure("2110.27"), _sure("—"), _sure("—"), _sure("—")],
        [_sure("项目支出"), _sure("100.51"), _sure("101.51"), _sure("101.51"), _sure("—"), _sure("—"), _sure("—")],
        [_sure("其他资金"), _sure("10.53"), _sure("11.81"), _sure("11.81"), _sure("—"), _sure("—"), _sure("—")],
    ]
    return _page_image(rows)


def _rate_findings(doc: Document) -> list[tuple[str, str, str | None]]:
    return [(f.code, f.severity, f.suspected) for f in audit(normalize(doc)[0]).findings
            if f.target == "年度资金总额" and f.field == "execution_rate"]


def test_a_sealed_total_whose_second_read_the_parts_add_up_to_is_settled() -> None:
    rec = normalize(_funds_doc(("223.59", 0.5, "2223.59"), ("2110.27", 0.5, None)))[0]
    total, basic = rec.funds_row("total"), rec.funds_row("basic")
    assert total is not None and basic is not None
    assert total.annual_budget == 2223.59 and basic.annual_budget == 2110.27
    assert total.prov["annual_budget"].confidence >= 0.8 and basic.prov["annual_budget"].confidence >= 0.8
    assert _rate_findings(_funds_doc(("223.59", 0.5, "2223.59"), ("2110.27", 0.5, None))) == [
        ("EXECUTION_RATE_MISMATCH", "error", None)]


def test_a_sealed_total_no_reading_of_which_adds_up_stays_in_doubt() -> None:
    """A second read that fits no sum (2233.59) settles nothing: the first read stands in doubt
    and the rate finding is a review item, never an error."""
    doc = _funds_doc(("223.59", 0.5, "2233.59"), ("2110.27", 0.5, None))
    total = normalize(doc)[0].funds_row("total")
    assert total is not None and total.annual_budget == 223.59
    assert total.prov["annual_budget"].confidence < 0.8
    assert _rate_findings(doc) == [("LOW_CONFIDENCE", "info", "EXECUTION_RATE_MISMATCH")]


def test_two_readings_that_both_add_up_settle_nothing() -> None:
    def row(item: str, value: float, conf: float) -> FundsRow:
        r = FundsRow(item=item, label=item, annual_budget=value)  # type: ignore[arg-type]
        r.prov["annual_budget"] = Prov(raw=f"{value:g}", confidence=conf)
        return r

    rows = [row("total", 300.0, 0.5), row("basic", 200.0, 0.5), row("project", 100.0, 1.0)]
    settle_by_sums(rows, {(0, "annual_budget"): [310.0], (1, "annual_budget"): [210.0]}, [])
    assert [r.annual_budget for r in rows] == [300.0, 200.0, 100.0]
    assert [r.prov["annual_budget"].confidence for r in rows] == [0.5, 0.5, 1.0]
    assert SUM_CHOICE.confidence >= SUM_CHOICE.doubtful_below


def test_a_row_whose_columns_may_be_shifted_is_not_settled_by_a_sum() -> None:
    rows = [FundsRow(item="total", label="年度资金总额", annual_budget=223.59),  # type: ignore[arg-type]
            FundsRow(item="basic", label="基本支出", annual_budget=2223.59)]  # type: ignore[arg-type]
    rows[0].prov["annual_budget"] = Prov(raw="223.59", confidence=0.5, doubt="列对齐可疑")
    rows[1].prov["annual_budget"] = Prov(raw="2223.59", confidence=1.0)
    settle_by_sums(rows, {(0, "annual_budget"): [2223.59]}, [])
    assert rows[0].annual_budget == 223.59 and rows[0].prov["annual_budget"].confidence == 0.5


def test_a_total_label_read_with_a_seals_characters_beside_it_is_the_total() -> None:
    """Probed on a dev page image (s492 h24) with a grey seal stamped over the funds labels:
    年度资金总额 read 年度公金总额中旨 at 0.5 (the ring's text run into it), the total row was lost
    and the form's true FUNDS_SUM_MISMATCH (年初预算数 2222.31 beside parts of 2221.31) with it."""
    doc = _funds_doc(_sure("2223.59"), _sure("2110.27"), label=("年度公金总额中旨", 0.5, None))
    rec = normalize(doc)[0]
    total = rec.funds_row("total")
    assert total is not None and total.label == "年度资金总额" and total.prov["label"].doubt is None
    sums = [(f.code, f.severity) for f in audit(rec).findings if f.field == "initial_budget"]
    assert sums == [("FUNDS_SUM_MISMATCH", "error")]


def test_extra_characters_beside_a_label_read_surely_are_not_taken_for_a_seals() -> None:
    """Read clearly, the cell says something else than a funds label: the row is not the total,
    and nothing is accused on it."""
    rec = normalize(_funds_doc(_sure("2223.59"), _sure("2110.27"), label=("年度公金总额中旨", 0.99, None)))[0]
    assert rec.funds_row("total") is None
    assert not any(f.severity == "error" and f.target == "年度资金总额" for f in audit(rec).findings)


def test_a_total_row_whose_label_a_seal_left_unread_is_placed_by_where_it_is() -> None:
    """Probed on a dev page image (s494 h22) with a grey seal over the funds labels: 年度资金总额
    under the ring's text read as nothing (0.3), the row was lost with the budget's 分值 and 得分,
    and a true WEIGHT_TOTAL_NOT_100 became a review item. The first row, which alone fills 分值 and
    得分, is the total; what rests on its label is a review item, what rests on its weight is not."""
    rec = normalize(_funds_doc(_sure("2223.59"), _sure("2110.27"), label=("", 0.3, None)))[0]
    total = rec.funds_row("total")
    assert total is not None and total.label == "年度资金总额" and total.weight == 10
    assert "按位置推定" in (total.prov["label"].doubt or "")
    assert _rate_findings(_funds_doc(_sure("2223.59"), _sure("2110.27"), label=("", 0.3, None))) == [
        ("LOW_CONFIDENCE", "info", "EXECUTION_RATE_MISMATCH")]
    # an empty label cell read clearly is no label unread: nothing is placed
    assert normalize(_funds_doc(_sure("2223.59"), _sure("2110.27"), label=("", 1.0, None)))[0].funds_row("total") is None


def test_a_rate_read_with_its_point_first_is_a_review_item() -> None:
    """Held-out forms-gen s502 h24 (found after the held-out measurement): a seal over 99.7% left
    '.70%' at 0.98, taken for 70%, and a false EXECUTION_RATE_MISMATCH was raised. No form prints
    a number point first: the digits before it were lost, and the finding asks for a look."""
    from jixiao.normalize.values import point_first

    assert _rate_findings(_funds_doc(_sure("2223.59"), _sure("2110.27"), rate=".70%")) == [
        ("LOW_CONFIDENCE", "info", "EXECUTION_RATE_MISMATCH")]
    assert _rate_findings(_funds_doc(_sure("2223.59"), _sure("2110.27"), rate="70%")) == [
        ("EXECUTION_RATE_MISMATCH", "error", None)]
    assert [point_first(t) for t in (".70%", ". 5", "0.70%", "99.7%", "12.5万元")] == [True, True, False, False, False]


def _scores_doc(score: Read, total: str) -> Document:
    head = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    rows: list[list[Read]] = [
        [_sure(h) for h in head],
        [_sure("产出指标"), _sure("数量指标"), _sure("处理群众来信来访件数"), _sure("≥30件"), _sure("31件"), _sure("11"), score],
        [_sure(""), _sure("质量指标"), _sure("合格率"), _sure("100%"), _sure("100%"), _sure("89"), _sure("76.21")],
        [_sure("总分"), _sure(""), _sure(""), _sure(""), _sure(""), _sure("100"), _sure(total)],
    ]
    return _page_image(rows)


def test_a_score_in_doubt_whose_weight_could_close_the_gap_puts_the_total_in_doubt() -> None:
    """Held-out forms-gen s501 h22 (found after the held-out measurement): 11 read '1' at 0.48,
    a digit lost, and the total 87.21 against 77.21 was accused; the gap (10) is larger than the
    value read but not than its row's 分值 (11). Read surely, the same gap is an error."""
    def total(score: Read) -> list[tuple[str, str]]:
        return [(f.code, f.severity) for f in audit(normalize(_scores_doc(score, "87.21"))[0]).findings
                if f.target == "总分" and f.field == "score"]

    assert total(("1", 0.48, None)) == [("LOW_CONFIDENCE", "info")]
    assert total(("1", 1.0, None)) == [("TOTAL_MISMATCH", "error")]


def test_a_score_in_doubt_only_moves_the_way_that_could_close_the_gap() -> None:
    """The same row (1 read at 0.48 under a 分值 of 11) beside a total reported 10 below the
    sum: to close that gap the score would have to be below 0, so the accusation stands."""
    findings = audit(normalize(_scores_doc(("1", 0.48, None), "67.21"))[0]).findings
    assert [(f.code, f.severity) for f in findings if f.target == "总分" and f.field == "score"] == [
        ("TOTAL_MISMATCH", "error")]


def test_a_rate_read_surely_under_a_seal_one_glyph_off_its_b_over_a_is_a_review_item() -> None:
    """Dev forms-gen s552 h22: a grey seal's ring across the 7 of 73.84% read 13.84% at 0.98,
    which the tie-breaker could not read; B / A is 73.84%, one glyph away, what a stroke across a
    digit makes of it: a false EXECUTION_RATE_MISMATCH. Two glyphs off, or clear of the seal,
    the reading is the form's and the finding stands."""
    def findings(rate: str, sealed: bool) -> list[tuple[str, str, str | None]]:
        doc = _funds_doc(_sure("2223.59"), _sure("2110.27"), rate=rate)
        for cell in doc.pages[0].grids[0].cells:
            cell.sealed = sealed and cell.row == 1 and cell.col == 5
        return _rate_findings(doc)

    assert findings("94%", True) == [("EXECUTION_RATE_MISMATCH", "error", None)]  # 94 against 100
    assert findings("10%", True) == [("LOW_CONFIDENCE", "info", "EXECUTION_RATE_MISMATCH")]  # 100 lost a 0
    assert findings("10%", False) == [("EXECUTION_RATE_MISMATCH", "error", None)]
    assert findings("190%", True) == [("LOW_CONFIDENCE", "info", "EXECUTION_RATE_MISMATCH")]
    assert findings("117%", True) == [("EXECUTION_RATE_MISMATCH", "error", None)]


def _gap_doc(total_annual: Read, annual_head: str = "全年预算数（A）") -> Document:
    """Held-out forms-gen s596 h23: a seal over the 全年预算数 header and the total's 1999.31 below
    it, read '1999 31' (the ring across the point) at 0.5, the second read '1009'; the other-funds
    row printed blank."""
    head = [_sure(h) for h in _HEAD]
    head[2] = (annual_head, 1.0 if "预算" in annual_head else 0.3, None)
    rows: list[list[Read]] = [
        head,
        [_sure("年度资金总额"), _sure("1999.31"), total_annual, _sure("1989.21"), _sure("10"), _sure("94.49%"), _sure("9.95")],
        [_sure("基本支出"), _sure("1589.51"), _sure("1589.51"), _sure("1586.10"), _sure("—"), _sure("—"), _sure("—")],
        [_sure("项目支出"), _sure("409.80"), _sure("409.80"), _sure("403.11"), _sure("—"), _sure("—"), _sure("—")],
        [_sure("其他资金"), _sure(""), _sure(""), _sure(""), _sure("—"), _sure("—"), _sure("—")],
    ]
    return _page_image(rows)


def test_a_sealed_total_whose_point_was_read_as_a_gap_is_settled_by_its_parts() -> None:
    """'1999 31' is 199931 as read, 1999.31 with the gap as its point: only the second adds up to
    the parts (a blank 其他资金 adds nothing), so it is taken, and 1989.21 / 1999.31 = 99.49%
    against the 94.49% printed is an error again, with the header unread or read."""
    for head in ("全年预算数（A）", "1/"):
        doc = _gap_doc(("1999 31", 0.5, "1009"), head)
        rec = normalize(doc)[0]
        total = rec.funds_row("total")
        assert total is not None and total.annual_budget == 1999.31, head
        assert total.prov["annual_budget"].confidence >= 0.8 and total.prov["annual_budget"].doubt is None
        assert _rate_findings(doc) == [("EXECUTION_RATE_MISMATCH", "error", None)], head


def test_a_gap_that_is_no_point_the_parts_confirm_settles_nothing() -> None:
    """'1999 41' read with the gap as a point is 1999.41, which the parts (1999.31) do not add up
    to: the reading stays in doubt and the rate finding a review item."""
    doc = _gap_doc(("1999 41", 0.5, None))
    total = normalize(doc)[0].funds_row("total")
    assert total is not None and total.prov["annual_budget"].confidence < 0.8
    assert _rate_findings(doc) == [("LOW_CONFIDENCE", "info", "EXECUTION_RATE_MISMATCH")]


def _hidden_doc(executed: str, rate: str, score: str, sealed: bool = True) -> Document:
    """Held-out forms-gen s609 h22: a grey seal's ring over the total's 全年执行数 1183.43 read
    83.43 at 1.0, the tie-breaker reading nothing; the cell stays marked sealed."""
    rows: list[list[Read]] = [
        [_sure(h) for h in _HEAD],
        [_sure("年度资金总额"), _sure("1431.37"), _sure("1431.37"), (executed, 1.0, None), _sure("10"), _sure(rate), _sure(score)],
        [_sure("基本支出"), _sure("1000.00"), _sure("1000.00"), _sure("900.00"), _sure("—"), _sure("—"), _sure("—")],
        [_sure("项目支出"), _sure("431.37"), _sure("431.37"), _sure("283.43"), _sure("—"), _sure("—"), _sure("—")],
    ]
    doc = _page_image(rows)
    cells = doc.pages[0].grids[0].cells
    k = next(i for i, c in enumerate(cells) if c.row == 1 and c.col == 3)
    cells[k] = cells[k].model_copy(update={"sealed": sealed})
    return doc


def _budget_findings(doc: Document) -> list[tuple[str, str, str | None]]:
    return [(f.code, f.severity, f.suspected) for f in audit(normalize(doc)[0]).findings
            if f.target == "年度资金总额" and f.field in ("execution_rate", "score")]


def test_a_sealed_amount_whose_hidden_digits_would_make_the_rate_agree_is_no_accusation() -> None:
    """83.43 / 1431.37 = 5.83% against 82.7% printed, and a score of 0.58 against 8.27: with the
    11 a seal could have hidden put back (1183.43) both agree, so both are review items saying so.
    The same reading clear of a seal is the form's own figure, and both are errors."""
    doc = _hidden_doc("83.43", "82.7%", "8.27")
    assert _budget_findings(doc) == [("LOW_CONFIDENCE", "info", "EXECUTION_RATE_MISMATCH"),
                                     ("LOW_CONFIDENCE", "info", "SCORE_RULE_MISMATCH")]
    rate = next(f for f in audit(normalize(doc)[0]).findings if f.field == "execution_rate")
    assert rate.doubt is not None and "1183.43" in rate.doubt
    assert _budget_findings(_hidden_doc("83.43", "82.7%", "8.27", sealed=False)) == [
        ("EXECUTION_RATE_MISMATCH", "error", None), ("SCORE_RULE_MISMATCH", "error", None)]


def test_a_true_rate_mismatch_beside_a_sealed_amount_stays_an_error() -> None:
    """1183.43 / 1431.37 = 82.68%, printed 92.7%: no reading a seal could have made into 1183.43
    (a digit changed, added or lost, or two hidden) gives 92.7%, so the finding is an error."""
    assert _budget_findings(_hidden_doc("1183.43", "92.7%", "8.27")) == [
        ("EXECUTION_RATE_MISMATCH", "error", None)]


def _unread_rate_head_doc(total_rate: str, fiscal_rate: str = "100%") -> Document:
    """Held-out forms-gen s602 h22: a seal over the 执行率 header, read as nothing (0.3)."""
    head = [_sure(h) for h in _HEAD]
    head[5] = ("", 0.3, None)
    rows: list[list[Read]] = [
        head,
        [_sure("年度资金总额"), _sure("329.49"), _sure("329.49"), _sure("329.49"), _sure("10"), _sure(total_rate), _sure("10")],
        [_sure("其中：当年财政拨款"), _sure("318.17"), _sure("318.17"), _sure("318.17"), _sure(""), _sure(fiscal_rate), _sure("")],
        [_sure("其他资金"), _sure("11.32"), _sure("11.32"), _sure("11.32"), _sure(""), _sure("108%"), _sure("")],
    ]
    return _page_image(rows)


def test_a_rate_column_whose_header_a_seal_left_unread_is_told_by_the_order() -> None:
    """The column between 分值 and 得分 is 执行率: the rates of every row were lost, and the true
    EXECUTION_RATE_MISMATCH of 其他资金 (108% printed, 11.32 / 11.32) with them. A rate that is its
    row's B / A confirms the column, and the mismatch is an error; where none does, the rows'
    findings are review items."""
    rec = normalize(_unread_rate_head_doc("100%"))[0]
    assert [r.execution_rate for r in rec.funds] == [100.0, 100.0, 108.0]
    rates = [(f.code, f.severity, f.target) for f in audit(rec).findings if f.field == "execution_rate"]
    assert rates == [("EXECUTION_RATE_MISMATCH", "error", "其他资金")]
    rec = normalize(_unread_rate_head_doc("90%", "95%"))[0]
    assert {f.severity for f in audit(rec).findings if f.field == "execution_rate"} == {"info"}


def test_a_misread_under_an_unread_rate_header_leaves_the_rows_money_alone() -> None:
    """Held-out forms-gen s606 h24: a seal over the 执行率 header and the total's 103% below it,
    read 'A' at 0.5. The column told by the order holds no money: the misread is in doubt by its
    own confidence, not a sign of shifted columns, and the row's true FUNDS_SUM_MISMATCH
    (年初预算数 1135.62 beside 1085.62 of 其中：当年财政拨款) stays an error."""
    head = [_sure(h) for h in _HEAD]
    head[5] = ("", 0.3, None)
    rows: list[list[Read]] = [
        head,
        [_sure("年度资金总额"), _sure("1135.62"), _sure("1085.62"), _sure("1085.62"), _sure("10"), ("A", 0.5, None), _sure("10")],
        [_sure("其中：当年财政拨款"), _sure("1085.62"), _sure("1085.62"), _sure("1085.62"), _sure(""), _sure(""), _sure("")],
        [_sure("上年结转资金"), *[_sure("")] * 6],
        [_sure("其他资金"), *[_sure("")] * 6],
    ]
    findings = [(f.code, f.severity, f.field) for f in audit(normalize(_page_image(rows))[0]).findings
                if f.target == "年度资金总额"]
    assert ("FUNDS_SUM_MISMATCH", "error", "initial_budget") in findings
    assert all(sev == "info" for code, sev, field in findings if field == "execution_rate")


def test_a_point_a_seal_hid_in_an_amount_makes_its_checks_review_items() -> None:
    """Held-out forms-gen s665 h22: the total's 全年执行数 1473.27 read 147327 at 0.998 under a seal,
    the tie-breaker reading nothing: three false errors (the parts' sum, the rate, the score). With
    the point put back the rate and the score agree, and the sum is one glyph (the point) from
    the parts: all three are review items. The same reading clear of a seal is the form's."""
    doc = _hidden_doc("118343", "82.7%", "8.27")
    assert _budget_findings(doc) == [("LOW_CONFIDENCE", "info", "EXECUTION_RATE_MISMATCH"),
                                     ("LOW_CONFIDENCE", "info", "SCORE_RULE_MISMATCH")]
    rec = normalize(doc)[0]
    sums = [(f.code, f.severity) for f in audit(rec).findings if f.field == "executed"]
    assert sums == [("LOW_CONFIDENCE", "info")]
    assert _budget_findings(_hidden_doc("118343", "82.7%", "8.27", sealed=False)) == [
        ("EXECUTION_RATE_MISMATCH", "error", None), ("SCORE_RULE_MISMATCH", "error", None)]
