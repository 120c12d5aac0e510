"""OCR transcripts (.txt, .md, .html) read to the same record and findings as the forms themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixtures.compare import Score, compare_findings, compare_record
from fixtures.truth_model import TruthDoc, load_truth
from jixiao.cli import app
from jixiao.extract import read_document
from jixiao.extract.transcript import read_html, read_text
from jixiao.normalize import normalize
from jixiao.score import audit

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seeds" / "qiannan-2024-department-selfeval.ocr.txt"
QIANNAN = ROOT / "fixtures" / "truth" / "qiannan-2024-dept.json"


@pytest.fixture(scope="module")
def seed_record():  # type: ignore[no-untyped-def]
    records = normalize(read_document(SEED))
    assert len(records) == 1
    return records[0]


def test_seed_header_fields(seed_record) -> None:  # type: ignore[no-untyped-def]
    assert seed_record.unit == "黔南州人民政府政务服务中心"
    assert seed_record.fill_date == "2025-02-20" and seed_record.year == 2024
    assert seed_record.form_type == "department_overall" and seed_record.grade == "优"
    assert (seed_record.contact.name, seed_record.contact.phone) == ("金菊英", "08548228927")
    assert (seed_record.total.weight, seed_record.total.score) == (100, 99.65)


def test_seed_numbers_match_the_qiannan_truth(seed_record) -> None:  # type: ignore[no-untyped-def]
    truth = load_truth(QIANNAN).forms[0]
    score = compare_record(truth, seed_record)
    assert score.numeric_total >= 86 and score.numeric_rate == 1.0, score.misses
    numeric_misses = [m for m in score.misses if not m.startswith(("goals.", "conclusion"))]
    assert numeric_misses == []  # every funds row, indicator (with parents), target, actual


def test_seed_audit_says_what_the_rules_say(seed_record) -> None:  # type: ignore[no-untyped-def]
    truth = load_truth(QIANNAN).forms[0]
    findings = audit(seed_record).findings
    fs = compare_findings(truth, findings)
    assert (fs.missing, fs.unexpected) == ([], [])
    low = {(f.target, f.field) for f in findings if f.code == "LOW_CONFIDENCE"}
    assert ("单位名称", "unit") in low  # completed from '…服务中'
    # read out of '五十100年数(N) 738.26', and confirmed: 基本支出 + 项目支出 add up to it
    total = seed_record.funds_row("total")
    assert total.annual_budget == 738.26 and total.prov["annual_budget"].confidence == 1.0
    assert ("年度资金总额", "annual_budget") not in low
    assert any("与各分项之和相符" in n for n in seed_record.notes)


def test_seed_provenance_is_line_and_column(seed_record) -> None:  # type: ignore[no-untyped-def]
    prov = seed_record.funds_row("total").prov["executed"]
    assert prov.box is None and prov.line == 7 and prov.column is not None and prov.raw == "738, 26"


@pytest.mark.parametrize("kind", ["html", "txt"])
@pytest.mark.slow  # every transcript against its truth
def test_generated_transcripts_match_truth(kind: str, truth_docs: list[TruthDoc],
                                           transcripts: dict[str, dict[str, Path]]) -> None:
    total, problems = Score(), []
    for doc in truth_docs:
        records = normalize(read_document(transcripts[doc.name][kind]))
        assert len(records) == len(doc.forms), doc.name
        for truth, rec in zip(doc.forms, records):
            total.add(compare_record(truth, rec))
            fs = compare_findings(truth, audit(rec).findings)
            if fs.missing or fs.unexpected:
                problems.append((doc.name, fs.missing, fs.unexpected))
    assert total.numeric_rate == 1.0 and total.exact_rate == 1.0, total.misses[:10]
    assert total.cer <= (0.0 if kind == "html" else 0.005), total.misses[:10]
    assert problems == []


def test_html_spans() -> None:
    pages = read_html("<p>项目支出绩效自评表</p><table><tr><td rowspan=2>一级指标</td><td colspan=2>a</td></tr>"
                      "<tr><td>b</td><td>c</td></tr></table><p>填报日期：2025年1月2日</p>")
    grid = pages[0].grids[0]
    cells = {(c.row, c.col): (c.row_span, c.col_span, c.text) for c in grid.cells}
    assert cells == {(0, 0): (2, 1, "一级指标"), (0, 1): (1, 2, "a"), (1, 1): (1, 1, "b"), (1, 2): (1, 1, "c")}
    assert [line.text for line in pages[0].lines] == ["项目支出绩效自评表", "填报日期:2025年1月2日"]


def test_markdown_pipes_and_page_marks() -> None:
    pages = read_text("# 标题\n| 分值 | 得分 |\n|---|---|\n| 10 | 9.5 |\n<!-- page 2 -->\n| 总分 | 100 |\n")
    assert len(pages) == 2
    assert [[c.text for c in g.cells] for g in pages[0].grids] == [["分值", "得分", "10", "9.5"]]
    assert pages[1].grids[0].cells[1].line == 6


def test_explain_shows_choices_and_runner_up() -> None:
    result = CliRunner().invoke(app, ["explain", str(SEED)], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    assert "annual_budget" in result.output and "runner-up" in result.output
    assert "末字缺失" in result.output  # the unit repair is shown as a note


def test_wrong_encoding_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "form.txt"
    bad.write_bytes(b"\xff\xfe\x00\x00garbage\x81\x82")
    result = CliRunner().invoke(app, ["extract", str(bad), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 1 and "form.txt" in result.stderr and "Traceback" not in result.stderr


_FUNDS = ("项目支出绩效自评表\n（2023年度）\n项目名称\t测试项目\n主管部门\t市财政局\t实施单位\t市财政局\n"
          "\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分\n"
          "\t年度资金总额\t300\t300\t{total}\t10\t100%\t10\n"
          "项目资金（万元）\t其中：当年财政拨款\t200\t200\t200\t—\t100%\t—\n"
          "\t{label}\t100\t100\t100\t—\t100%\t—\n\t其他资金\t\t\t\t—\t—\t—\n")


@pytest.mark.parametrize(("label", "total", "want"), [
    ("上年结转资金", "300", []),  # the row read: the sums hold
    ("上年结转资金", "310", [("FUNDS_SUM_MISMATCH", "error")]),  # read, and 310 ≠ 300: an error
    # a row of numbers under a label read as nothing (forms-gen s446 t04): the parts may be short
    # by that row, so 200 ≠ 300 is a review item, never an accusation
    ("▇▇", "300", [("LOW_CONFIDENCE", "info")] * 3),
])
def test_a_funds_row_read_as_no_row_puts_the_sums_in_doubt(tmp_path: Path, label: str, total: str,
                                                           want: list[tuple[str, str]]) -> None:
    path = tmp_path / "funds.txt"
    path.write_text(_FUNDS.format(label=label, total=total), encoding="utf-8")
    rec = normalize(read_document(path))[0]
    found = [(f.code, f.severity) for f in audit(rec).findings if f.rule == "funds.sum"]
    assert found == want
    assert ("funds" in rec.doubts) == (label == "▇▇")
    if label == "▇▇":
        assert "可能漏读一行" in rec.doubts["funds"] and "▇▇ 100 100 100" in rec.doubts["funds"]
