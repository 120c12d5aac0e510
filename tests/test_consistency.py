"""Readings that hold together, and readings that do not (issue 10): a finding of severity error
rests only on the first kind; on the second it is a LOW_CONFIDENCE review item with its reason,
and the same discrepancy on a clean reading is still an error."""

from __future__ import annotations

from fixtures.truth_model import TRUTH_DIR, load_truth
from jixiao.extract.transcript import read_text
from jixiao.grid import Document, SourceInfo
from jixiao.normalize import normalize
from jixiao.normalize.confusion import fold_text
from jixiao.normalize.lexicon import LEVEL1, LEVEL2
from jixiao.normalize.matcher import match, match_level
from jixiao.normalize.names import join_split_off
from jixiao.record import FormRecord, FormSource, FundsRow, Prov
from jixiao.score import audit


def _funds_record(doubt: str | None) -> FormRecord:
    rec = FormRecord(source=FormSource(file="x", sha256="", pages=[1]))
    total = FundsRow(item="total", label="年度资金总额", initial_budget=100, annual_budget=100, executed=90,
                     weight=10, execution_rate=90, score=9)
    parts = [FundsRow(item="basic", label="基本支出", initial_budget=60, annual_budget=60, executed=50),
             FundsRow(item="project", label="项目支出", initial_budget=40, annual_budget=40, executed=30)]
    for row in [total, *parts]:
        row.prov = {k: Prov(raw=str(getattr(row, k)), doubt=doubt) for k in ("annual_budget", "executed")}
    rec.funds = [total, *parts]
    return rec


def test_a_sum_off_on_a_clean_reading_is_an_error() -> None:
    found = [f for f in audit(_funds_record(None)).findings if f.target == "年度资金总额"]
    assert [(f.code, f.severity) for f in found] == [("FUNDS_SUM_MISMATCH", "error")]


def test_the_same_sum_on_a_doubtful_reading_is_a_review_item_with_its_reason() -> None:
    found = [f for f in audit(_funds_record("列对齐可疑：两种列对应方式同样说得通")).findings
             if f.target == "年度资金总额"]
    assert [(f.code, f.severity, f.suspected) for f in found] == [("LOW_CONFIDENCE", "info", "FUNDS_SUM_MISMATCH")]
    assert "列对齐可疑" in (found[0].doubt or "") and "疑似资金合计与分项之和不符" in found[0].message


def test_weights_that_miss_100_beside_a_lost_row_are_a_review_item() -> None:
    doc = load_truth(TRUTH_DIR / "gen-06-sichuan_project.json")
    rec = doc.forms[0].form_record()
    rec.indicators = rec.indicators[1:]  # a row the reading lost
    plain = {f.code for f in audit(rec).findings if f.severity == "error"}
    rec.doubts["indicators"] = "可能漏读一行（有分值而未识别出指标的行：…）"
    doubted = audit(rec).findings
    assert "WEIGHT_TOTAL_NOT_100" in plain
    assert not any(f.code == "WEIGHT_TOTAL_NOT_100" for f in doubted)
    assert any(f.suspected == "WEIGHT_TOTAL_NOT_100" and "可能漏读一行" in (f.doubt or "") for f in doubted)


def test_a_total_beside_a_row_read_by_half_is_a_review_item() -> None:
    """Found on a held-out forms-gen page image (150 dpi): one row's weight read as 'B' (8) beside
    an empty score, the next row's weight lost; the printed total 98 was then called wrong."""
    rec = load_truth(TRUTH_DIR / "gen-06-sichuan_project.json").forms[0].form_record()
    assert rec.total.weight is not None
    rec.total.weight += 2
    clean = [(f.code, f.severity) for f in audit(rec).findings if f.target == "总分" and f.field == "weight"]
    rec.indicators[-1].score = None  # read by half: its weight without its score
    doubted = [f for f in audit(rec).findings if f.target == "总分" and f.field == "weight"]
    assert ("TOTAL_MISMATCH", "error") in clean
    assert not any(f.severity == "error" for f in doubted)
    review = [f for f in doubted if f.suspected == "TOTAL_MISMATCH"]
    assert [f.code for f in review] == ["LOW_CONFIDENCE"] and "可能读错一行" in (review[0].doubt or "")


def test_a_total_beside_a_budget_weight_without_its_score_is_a_review_item() -> None:
    """Found on held-out forms-gen s459 h24 (grey page image, a seal over the funds block's 得分
    header): the header unread, the budget score 9.87 went unmapped, and the printed total was
    called 9.87 points too high."""
    rec = load_truth(TRUTH_DIR / "gen-06-sichuan_project.json").forms[0].form_record()
    budget = rec.funds_row("total")
    assert budget is not None and budget.weight is not None and budget.score
    assert not [f for f in audit(rec).findings if f.target == "总分" and f.field == "score" and f.severity == "error"]
    budget.score = None  # its 分值 read, its 得分 not
    doubted = [f for f in audit(rec).findings if f.target == "总分" and f.field == "score"]
    assert not any(f.severity == "error" for f in doubted)
    review = [f for f in doubted if f.suspected == "TOTAL_MISMATCH"]
    assert [f.code for f in review] == ["LOW_CONFIDENCE"] and "预算执行" in (review[0].doubt or "")
    rec.total.score = (rec.total.score or 0) + 5  # with the budget score read, a real misprint
    budget.score = load_truth(TRUTH_DIR / "gen-06-sichuan_project.json").forms[0].form_record().funds_row("total").score
    assert ("TOTAL_MISMATCH", "error") in {(f.code, f.severity) for f in audit(rec).findings if f.field == "score"}


def test_a_total_beside_a_weight_read_as_nought_is_a_review_item() -> None:
    """Found on a held-out forms-gen page image (150 dpi, s302 h24): two rows' 分值 8 read as 0
    beside their scores; the weights' sum and the printed total were then called wrong."""
    rec = load_truth(TRUTH_DIR / "gen-02-sichuan_project.json").forms[0].form_record()
    clean = {(f.code, f.severity) for f in audit(rec).findings if f.target == "总分"}
    row = next(i for i in rec.indicators if i.parent is None and (i.weight or 0) > 0 and (i.score or 0) > 0)
    row.weight = 0
    doubted = [f for f in audit(rec).findings if f.target == "总分"]
    assert not clean  # the form as printed holds together
    plain = load_truth(TRUTH_DIR / "gen-02-sichuan_project.json").forms[0].form_record()
    next(i for i in plain.indicators if i.name == row.name).weight = (row.score or 0) + 1  # a real misprint
    assert ("WEIGHT_TOTAL_NOT_100", "error") in {(f.code, f.severity) for f in audit(plain).findings}
    assert not any(f.severity == "error" for f in doubted)
    review = [f for f in doubted if f.suspected == "WEIGHT_TOTAL_NOT_100"]
    assert [f.code for f in review] == ["LOW_CONFIDENCE"] and "分值读数可疑" in (review[0].doubt or "")


def test_the_block_title_is_no_level_label() -> None:
    assert match("绩效指标", LEVEL1).canonical == "outcome"  # what went wrong: 75 like 效益指标
    assert not match_level("绩效指标", LEVEL1).ok and not match_level("绩效指标", LEVEL2).ok
    assert match_level("效益指标(30分)", LEVEL1).canonical == "outcome"


def test_traditional_forms_fold_to_what_mainland_forms_print() -> None:
    assert fold_text("自評結論 項目名稱 年度資金總額") == "自评结论 项目名称 年度资金总额"
    assert fold_text("乾安县") == "乾安县"  # a GB 2312 character may be meant as printed


def test_a_unit_character_set_apart_is_joined_back_only_where_it_ends_the_name() -> None:
    assert join_split_off("六盘水市盘州市卫生健康", "局") == "六盘水市盘州市卫生健康局"
    assert join_split_off("黔南州人民政府政务服务中", "位") is None  # the seed's stray 位


def _one_form(text: str) -> FormRecord:
    doc = Document(source=SourceInfo(file="t.txt", sha256="", kind="transcript", n_pages=1), pages=read_text(text))
    records = normalize(doc)
    assert len(records) == 1
    return records[0]


def _tsv(*fields: str) -> str:
    return "\t".join(fields)


HEAD = _tsv("一级指标", "二级指标", "三级指标", "年度指标值(A)", "实际完成值(B)", "分值", "得分", "未完成原因分析")


def test_entities_continuation_lines_and_split_off_names() -> None:
    text = "\n".join([
        "项目支出绩效自评表",
        HEAD,
        _tsv("产出指标", "数量指标", "开展专项执法检查", "&gt;=8处", "8处", "10", "10", ""),
        _tsv("", "", "次数", "", "", "", "", ""),
        _tsv("", "质量指标", "验收合格率", "100%", "100%", "40", "40", ""),
        _tsv("满意度指标", "服务对象满意度", "群众满意度", "&gt;=90%", "95%", "10", "10", ""),
        _tsv("总分", "", "", "", "", "60", "60", ""),
    ])
    rec = _one_form(text)
    first = rec.indicators[0]
    assert first.name == "开展专项执法检查次数"
    assert (first.target.text, first.target.op, first.target.value) == ("≥8处", ">=", 8.0)
    assert [i.level2 for i in rec.indicators] == ["quantity", "quality", "service_satisfaction"]


def test_a_table_laid_out_with_spaces_is_a_table() -> None:
    rows = [["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
            ["产出指标", "数量指标", "培训人次", "≥50人次", "60人次", "20", "20"],
            ["", "质量指标", "合格率", "100%", "90%", "30", "27"]]
    widths = [14, 12, 10, 12, 12, 6, 6]
    lines = ["".join(f + " " * (w - sum(2 if ord(ch) > 0x2E80 else 1 for ch in f)) for f, w in zip(r, widths))
             for r in rows]
    rec = _one_form("项目支出绩效自评表\n" + "\n".join(lines))
    assert [(i.name, i.weight, i.score, i.level2) for i in rec.indicators] == [
        ("培训人次", 20.0, 20.0, "quantity"), ("合格率", 30.0, 27.0, "quality")]


def _grid_doc(rows: list[list[tuple[str, int]]]) -> Document:
    """A one-page document of one ruled grid; each cell (text, columns spanned), boxes from columns."""
    from jixiao.grid import Box, Cell, Grid, Page

    cells = []
    for r, row in enumerate(rows):
        col = 0
        for text, span in row:
            box = Box(x0=col * 40.0, y0=r * 20.0, x1=(col + span) * 40.0, y1=(r + 1) * 20.0)
            cells.append(Cell(row=r, col=col, col_span=span, page=1, text=text, raw=text, box=box))
            col += span
    n_cols = max(sum(span for _, span in row) for row in rows)
    grid = Grid(page=1, n_rows=len(rows), n_cols=n_cols, cells=cells)
    return Document(source=SourceInfo(file="s.png", sha256="", kind="image", n_pages=1),
                    pages=[Page(number=1, width=800, height=800, grids=[grid])])


def test_a_key_and_value_read_as_one_cell_and_a_misread_total_label() -> None:
    """A 150 dpi page image that lost the ruling between key and value; '总分' read as '9分'."""
    head = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    doc = _grid_doc([
        [("部门（单位）名称 黔南州瓮安县科学技术局", 7)],
        [("主管部门", 1), ("红河州林业局 实施单位 红河州林业局", 6)],
        [(h, 1) for h in head],
        [("产出指标", 1), ("数量指标", 1), ("培训人次", 1), ("≥50人次", 1), ("60人次", 1), ("90", 1), ("90", 1)],
        [("9分", 5), ("90", 1), ("90", 1)],
        [("自评结论经自评，本年度绩效自评得分90分，自评等级为“良”。", 7)],
    ])
    rec = normalize(doc)[0]
    assert (rec.unit, rec.department) == ("黔南州瓮安县科学技术局", "红河州林业局")
    assert (rec.total.weight, rec.total.score) == (90, 90)
    assert rec.grade == "良" and (rec.conclusion or "").startswith("经自评")


def test_a_garbled_funds_label_takes_the_wording_it_was_printed_from() -> None:
    """Held-out forms-gen seed 315 t03: '午庋资金总额' became the shorter variant 资金总额, so the
    finding's target was not the form's row; a label printed right is kept as printed."""
    from jixiao.normalize.funds import canonical_label
    from jixiao.normalize.lexicon import FUNDS_ROWS

    assert canonical_label("午庋资金总额:", match("午庋资金总额:", FUNDS_ROWS)) == "年度资金总额"
    assert canonical_label("资金总额", match("资金总额", FUNDS_ROWS)) == "资金总额"


_HEAD = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]


def _score_doc(score: str, total: str) -> Document:
    return _grid_doc([
        [(h, 1) for h in _HEAD],
        [("产出指标", 1), ("数量指标", 1), ("召开工作推进会议次数", 1), ("≥30次", 1), ("17次", 1), ("2", 1), (score, 1)],
        [("", 1), ("质量指标", 1), ("合格率", 1), ("100%", 1), ("100%", 1), ("98", 1), ("98", 1)],
        [(total, 5), ("100", 1), ("99.13", 1)],
    ])


def test_a_seal_read_as_letters_across_the_total_row_leaves_it_the_total_row() -> None:
    """Held-out forms-gen s303 v04 (Sichuan scan): a red seal stamped over the 总分 row was read
    as '总分 WORA P1'; the row became an indicator of weight 99 and the weights summed to 198."""
    rec = normalize(_score_doc("1.13", "总分 WORA P1"))[0]
    assert [i.name for i in rec.indicators] == ["召开工作推进会议次数", "合格率"]
    assert (rec.total.weight, rec.total.score) == (100, 99.13)
    assert not any(f.severity == "error" for f in audit(rec).findings)


def test_a_score_read_with_a_letter_for_its_leading_digit_is_a_review_item() -> None:
    """Held-out forms-gen s302 h24 (150 dpi page image): 1.13 read as 'L13' (0.93), parsed as 13
    against a 分值 of 2: SCORE_EXCEEDS_WEIGHT, SCORE_RULE_MISMATCH and TOTAL_MISMATCH were
    accused. The same 13 read cleanly is still an error."""
    garbled = audit(normalize(_score_doc("L13", "总分"))[0]).findings
    assert not any(f.severity == "error" for f in garbled)
    assert {f.suspected for f in garbled if f.code == "LOW_CONFIDENCE"} >= {"SCORE_EXCEEDS_WEIGHT"}
    clean_read = audit(normalize(_score_doc("13", "总分"))[0]).findings
    assert {"SCORE_EXCEEDS_WEIGHT", "TOTAL_MISMATCH"} <= {f.code for f in clean_read if f.severity == "error"}


def _grade_doc(conclusion: str, confidence: float) -> Document:
    doc = _grid_doc([
        [(h, 1) for h in _HEAD],
        [("产出指标", 1), ("数量指标", 1), ("培训人次", 1), ("≥50人次", 1), ("60人次", 1), ("50", 1), ("50", 1)],
        [("", 1), ("质量指标", 1), ("合格率", 1), ("100%", 1), ("95%", 1), ("50", 1), ("47.61", 1)],
        [("总分", 5), ("100", 1), ("97.61", 1)],
        [("自评结论", 1), (conclusion, 6)],
    ])
    for cell in doc.pages[0].grids[0].cells:
        if cell.text == conclusion:
            cell.confidence = confidence
    return doc


def test_a_grade_in_a_sentence_read_unsurely_stands_where_its_score_agrees_with_the_table() -> None:
    """Held-out forms-gen s301 h19 (scan PDF): the conclusion read at 0.71 for one misread
    character at its end; its 良 against a 总分 of 97.61 was softened to a review item although the
    sentence's own score, 97.61, was the table's. Where the sentence's score disagrees, it stays one."""
    agreeing = audit(normalize(_grade_doc("经自评，本年度绩效自评得分97.61分，自评等级为“良”。确保顺利完成o", 0.71))[0])
    assert [(f.code, f.severity) for f in agreeing.findings if "GRADE" in (f.suspected or f.code)] == [
        ("GRADE_MISMATCH", "error")]
    differing = audit(normalize(_grade_doc("经自评，本年度绩效自评得分87.61分，自评等级为“良”。确保顺利完成o", 0.71))[0])
    assert [(f.code, f.severity) for f in differing.findings if "GRADE" in (f.suspected or f.code)] == [
        ("LOW_CONFIDENCE", "info")]


_NATURE_HEAD = ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分"]


def _nature_doc(unit: str) -> Document:
    return _grid_doc([
        [(h, 1) for h in _NATURE_HEAD],
        [("产出指标", 1), ("数量指标", 1), ("完成档案整理数量", 1), ("≥", 1), ("500", 1), (unit, 1), ("400", 1),
         ("10", 1), ("10", 1)],
        [("", 1), ("质量指标", 1), ("档案整理合格率", 1), ("≥", 1), ("95", 1), ("%", 1), ("96", 1), ("90", 1),
         ("90", 1)],
        [("总分", 7), ("100", 1), ("100", 1)],
    ])


def test_a_measure_word_in_the_unit_column_is_a_unit_and_a_misread_one_is_in_doubt() -> None:
    """Held-out forms-gen s405 v02 (Sichuan text PDF): 卷 (档案整理数量 ≥N卷) was no unit the list
    knew, so the target was held in doubt and a true SCORE_RULE_MISMATCH became a review item.
    A unit no form uses ('三' for a '%' the OCR could not see) still holds the target in doubt."""
    known = audit(normalize(_nature_doc("卷"))[0]).findings
    assert ("SCORE_RULE_MISMATCH", "error") in {(f.code, f.severity) for f in known}
    misread = audit(normalize(_nature_doc("三"))[0]).findings
    assert not any(f.code == "SCORE_RULE_MISMATCH" for f in misread)
    assert "SCORE_RULE_MISMATCH" in {f.suspected for f in misread if f.code == "LOW_CONFIDENCE"}


def test_units_compose_from_the_vocabulary() -> None:
    from jixiao.normalize.units import is_unit

    assert all(is_unit(u) for u in ("卷", "万人次", "元/人", "台（套）", "千瓦时", "个百分点", "％"))
    assert not any(is_unit(u) for u in ("三", "t", "L", "", "WORA", "档案"))


def _outcome_block(names: tuple[str, str, str]) -> FormRecord:
    """A transcript that writes merged labels on their group's first row (forms-gen s407 t02):
    社会效益 over three rows, then 可持续影响 over two."""
    return _one_form("\n".join([
        "项目支出绩效自评表",
        HEAD,
        _tsv("产出指标", "数量指标", "建设完成村级服务站点", "≥10个", "10个", "30", "30", ""),
        _tsv("", "", "发放政策宣传资料份数", "≥500份", "500份", "20", "20", ""),
        _tsv("效益指标", "社会效益", names[0], "明显提升", "达成预期指标", "10", "10", ""),
        _tsv("", "", names[1], "≥75%", "77%", "10", "10", ""),
        _tsv("", "", names[2], "≥90%", "92%", "10", "10", ""),
        _tsv("", "可持续影响", "对州经济社会发展的持续促进作用", "长期", "部分达成预期指标", "5", "5", ""),
        _tsv("", "", "工程设施持续发挥效益年限", "≥8年", "8年", "5", "5", ""),
        _tsv("满意度指标", "服务对象满意度", "群众满意度", "≥95%", "98%", "10", "10", ""),
        _tsv("总分", "", "", "", "", "100", "100", ""),
    ]))


def test_labels_on_their_groups_first_row_head_groups_of_three() -> None:
    """forms-gen s407 t02/t04 (held out): the third 社会效益 row went to the 可持续影响 group
    below, as if that label were centred over three rows. Where the export writes labels on
    their first row (its 一级指标 do), a 3-row group headed there costs what a top label costs;
    names that say 社会 (知晓率, 认可度, 安全感) point back to 社会效益 when nothing else speaks."""
    rec = _outcome_block(("群众办事便利程度", "辖区群众安全感", "相关政策群众知晓率"))
    assert [i.level2 for i in rec.indicators[2:7]] == ["social"] * 3 + ["sustainability"] * 2
    plain = _outcome_block(("办事便利程度", "服务响应速度", "窗口办理效率"))  # no name hints
    assert [i.level2 for i in plain.indicators[2:7]] == ["social"] * 3 + ["sustainability"] * 2


def test_a_social_word_is_the_weakest_hint() -> None:
    from jixiao.normalize.indicators import _hint

    assert _hint("相关政策群众知晓率") == "social"
    assert _hint("群众满意度") == "service_satisfaction"
    assert _hint("处理群众来信来访件数") == "quantity"
    assert _hint("对州经济社会发展的持续促进作用") is None  # 经济 and 持续 both speak


def test_stray_strokes_before_a_target_and_before_a_key() -> None:
    """Held-out forms-gen s407 h18 (scan): a stroke read as 'M' before ≥85% lost the target's op
    and value; a ruling's end read as '11' before 联系电话 made the key a value, and the name
    before it came out 郑燕梅11. The target is read without the letter, in doubt; the key is a key."""
    doc = _grid_doc([
        [(h, 1) for h in _HEAD],
        [("满意度指标", 1), ("服务对象满意度", 1), ("服务对象满意度", 1), ("M ≥85%", 1), ("87%", 1), ("10", 1),
         ("10", 1)],
        [("总分", 5), ("10", 1), ("10", 1)],
        [("联系人", 2), ("郑燕梅", 2), ("11 联系电话", 1), ("18523232368", 2)],
    ])
    rec = normalize(doc)[0]
    target = rec.indicators[0].target
    assert target is not None and (target.op, target.value, target.unit) == (">=", 85.0, "%")
    assert "指标值前有字母" in (rec.indicators[0].prov["target"].doubt or "")
    assert (rec.contact.name, rec.contact.phone) == ("郑燕梅", "18523232368")


def _output_block(cost_label: str, level1_on_top: bool) -> FormRecord:
    """An 产出指标 block as a transcript flattens it, 产出指标 on its first row (s511 t03) or
    centred on its 13 rows (s511 t01): 数量指标 on the first of its four rows, the
    last a count with no word of its name saying so (forms-gen s511 t01), 质量指标 on the first of
    three rates, 时效 on its one row, and a 成本 label over six cost rows (s511 t03)."""
    return _one_form("\n".join([
        "项目支出绩效自评表",
        HEAD,
        _tsv("产出指标" if level1_on_top else "", "数量指标", "完成上级安排的其他工作", "按时保质完成", "按时保质完成",
             "5", "5", ""),
        _tsv("", "", "发放政策宣传资料份数", "≥50份", "50份", "5", "5", ""),
        _tsv("", "", "完成档案整理数量", "≥2000卷", "2001卷", "5", "5", ""),
        _tsv("", "", "新建(改造)便民服务点", "≥50处", "51处", "5", "5", ""),
        _tsv("", "质量指标", "数据上报准确率", "≥99%", "100%", "5", "5", ""),
        _tsv("", "", "项目验收合格率", "100%", "100%", "5", "5", ""),
        _tsv("" if level1_on_top else "产出指标", "", "抽检样品检测合格率", "≥98%", "98%", "5", "5", ""),
        _tsv("", "时效", "问题整改完成时限", "≤15天", "15天", "5", "5", ""),
        _tsv("", "", "基本支出小计", "1872.43万元", "100%", "2", "2", ""),
        _tsv("", "", "1. 人员类项目支出", "1215.01万元", "100%", "1", "1", ""),
        _tsv("", cost_label, "2. 运转类公用项目支出", "657.42万元", "100%", "1", "1", ""),
        _tsv("", "", "项目支出小计", "1389.83万元", "100%", "2", "2", ""),
        _tsv("", "", "1. 运转类其他项目支出", "418.23万元", "100%", "1", "1", ""),
        _tsv("", "", "2. 特定目标类-事业发展支出", "971.6万元", "100%", "1", "1", ""),
        _tsv("效益指标", "社会效益", "保障政务大厅办事工作顺利进行", "长效", "长效", "30", "30", ""),
        _tsv("满意度指标", "服务对象满意度", "服务对象满意度", "≥90%", "92%", "10", "10", ""),
        _tsv("总分", "", "", "", "", "100", "100", ""),
    ]))


def test_a_count_keeps_the_last_row_under_its_first_row_label() -> None:
    """Held-out forms-gen s510-s515 transcripts (4 of 24): the last 数量 row, whose name says
    nothing of counting (新建(改造)便民服务点 ≥50处), went to the 质量指标 label under it, as if
    that label were centred over four rows. Its unit is a count: a 数量指标's."""
    rec = _output_block("成本", level1_on_top=False)
    assert [i.level2 for i in rec.indicators[:7]] == ["quantity"] * 4 + ["quality"] * 3


def test_a_garbled_label_does_not_weigh_against_its_own_rows() -> None:
    """Held-out forms-gen s511 t03: 成本 read 戍本, a label told only after the rows are grouped,
    counted as disagreeing with the cost rows' names as much as 时效 did, and the two cost rows
    above it went to 时效 (as did a third, the subtotal's component, with them)."""
    for label in ("成本", "戍本"):
        rec = _output_block(label, level1_on_top=True)
        assert [i.level2 for i in rec.indicators[7:14]] == ["timeliness"] + ["cost"] * 6, label


def test_a_garbled_label_left_of_a_name_is_a_label() -> None:
    """Held-out forms-gen s513 t01: after a page break a transcript's rows sit left of their
    headers, and their roles are found from the values (``align``); 戍本 fitted no role, was
    skipped, and its one-row 成本 group joined the 时效 group above it."""
    from jixiao.grid import Cell
    from jixiao.normalize.align import align, indicator_fit

    texts = ["", "戍本", "年度运行成本", "≤4870.1万元", "4869.1万元", "5", "5"]
    cells = [Cell(page=1, row=0, col=k, text=t) for k, t in enumerate(texts)]
    roles = ["level1", "level2", "name", "target", "actual", "weight", "score", "reason"]
    got = {role: c.text for role, c in align(cells, roles, indicator_fit).items()}
    assert got == {"level2": "戍本", "name": "年度运行成本", "target": "≤4870.1万元", "actual": "4869.1万元",
                   "weight": "5", "score": "5"}
    # a short name with no label before it stays the name
    plain = [Cell(page=1, row=0, col=k, text=t) for k, t in enumerate(["", "完成时间", "2024年12月31日前", "按时", "4", "4"])]
    assert align(plain, roles, indicator_fit)["name"].text == "完成时间"
    # nor a short name before a long qualitative target (the label's fit is for what reads like one)
    texts = ["政策宣传", "群众对惠民政策知晓程度显著提升", "达到预期", "10", "10"]
    row = {r: c.text for r, c in align([Cell(page=1, row=0, col=k, text=t) for k, t in enumerate(texts)], roles,
                                       indicator_fit).items()}
    assert row["name"] == "政策宣传" and "level2" not in row


def test_an_indicator_row_read_into_the_total_row_is_a_lost_row() -> None:
    """Held-out forms-gen s524 h16 (scan): the last indicator row and the 总分 row read as one
    ('进驻窗口部门对中心服务工作的满意度总分', 分值 100, 得分 95.88). Taken for an indicator, its 100
    made the weights add to 195, a false WEIGHT_TOTAL_NOT_100; it is the total's row, the
    indicator's own numbers lost: a review item that says a row may be missing."""
    doc = _grid_doc([
        [(h, 1) for h in _HEAD],
        [("产出指标", 1), ("数量指标", 1), ("召开工作推进会议次数", 1), ("≥30次", 1), ("31次", 1), ("95", 1), ("90.88", 1)],
        [("满意度指标", 1), ("服务对象满意度", 1), ("进驻窗口部门对中心服务工作的满意度总分", 1), ("", 1), ("", 1),
         ("100", 1), ("95.88", 1)],
    ])
    rec = normalize(doc)[0]
    assert [i.name for i in rec.indicators] == ["召开工作推进会议次数"]
    assert "连读" in rec.doubts.get("indicators", "")
    findings = audit(rec).findings
    assert not any(f.severity == "error" and f.code == "WEIGHT_TOTAL_NOT_100" for f in findings)
    assert "WEIGHT_TOTAL_NOT_100" in {f.suspected for f in findings if f.code == "LOW_CONFIDENCE"}
    # a name that ends so with a weight an indicator carries is an indicator
    doc = _grid_doc([
        [(h, 1) for h in _HEAD],
        [("产出指标", 1), ("数量指标", 1), ("年度考核合计", 1), ("≥30次", 1), ("31次", 1), ("10", 1), ("10", 1)],
    ])
    assert [i.name for i in normalize(doc)[0].indicators] == ["年度考核合计"]


def test_a_budget_weight_left_unread_is_no_level1_weight_of_nought() -> None:
    """Held-out forms-gen s564 h24 and s585 h22 (page images): the funds block's 分值 10 lost to
    the reading, and 预算执行率 was warned to weigh 0 against a standard of 10. Unread is unknown,
    not nought; the same weight read as 5 is still a warning."""
    rec = load_truth(TRUTH_DIR / "gen-06-sichuan_project.json").forms[0].form_record()
    budget = rec.funds_row("total")
    assert budget is not None and budget.weight == 10

    def level1_budget(r: FormRecord) -> list[str]:
        return [f.severity for f in audit(r).findings
                if f.target == "预算执行率" and "LEVEL1_WEIGHT_NONSTANDARD" in (f.code, f.suspected)]

    assert level1_budget(rec) == []
    budget.weight = None
    assert level1_budget(rec) == []
    budget.weight = 5
    assert level1_budget(rec) == ["warning"]


def test_a_budget_weight_left_unread_leaves_the_sum_of_scores_whole() -> None:
    """Held-out forms-gen s595 h22: the funds 分值 10 under a seal read as nothing, beside its 得分
    10 read clear; the printed 总分 score 0.5 above the scores' sum was a review item for a
    "可能漏读一行" that only the weights' sum can have. The scores' finding is an error; the
    weights' sums stay in doubt; with the budget's 得分 lost too, both are."""
    rec = load_truth(TRUTH_DIR / "gen-06-sichuan_project.json").forms[0].form_record()
    budget = rec.funds_row("total")
    assert budget is not None and budget.score is not None and rec.total.score is not None
    budget.weight = None
    rec.doubts["budget"] = "可能漏读一行（资金表的预算执行分值未读到）"
    rec.total.score += 0.5

    def totals(r: FormRecord) -> dict[str, str]:
        return {f.field: f.severity for f in audit(r).findings
                if f.target == "总分" and "TOTAL_MISMATCH" in (f.code, f.suspected)}

    assert totals(rec)["score"] == "error"
    assert totals(rec).get("weight", "info") == "info"
    budget.score = None
    assert totals(rec)["score"] == "info"
