"""County variants of the template families (issue 16): funds blocks split by level of government
or twice (by income and by spending), `/` for not applicable, and the header and footer county
forms print (项目负责人及电话, a project code, 项目类别 boxes, a bare grade). Each test reads at most
one small fixture file or builds a record by hand: seconds in all."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.build import build_pdf
from fixtures.compare import compare_findings, compare_record
from fixtures.truth_model import TruthDoc, all_truth
from jixiao.extract import read_document
from jixiao.family import family
from jixiao.normalize import normalize
from jixiao.normalize.lexicon import FUNDS_ROWS
from jixiao.normalize.matcher import match
from jixiao.normalize.values import checked_options, project_code, split_contact, unit_code
from jixiao.record import FormRecord, FormSource, FundsRow
from jixiao.score import audit

OUT = Path(__file__).resolve().parents[1] / "fixtures" / "out"


def _doc(prefix: str) -> TruthDoc:
    return next(d for d in all_truth() if d.name.startswith(prefix))


def _funds_codes(funds: list[FundsRow]) -> list[tuple[str, str]]:
    rec = FormRecord(source=FormSource(file="t", sha256="", pages=[1]), form_type="department_overall", funds=funds)
    return sorted((f.code, f.field) for f in audit(rec).findings if f.code == "FUNDS_SUM_MISMATCH")


def _row(item: str, label: str, a: float, b: float) -> FundsRow:
    return FundsRow(item=item, label=label, initial_budget=a, annual_budget=a, executed=b)  # type: ignore[arg-type]


def test_a_block_split_by_income_and_by_spending_sums_each_half_alone() -> None:
    total = FundsRow(item="total", label="年度资金总额", initial_budget=500, annual_budget=500, executed=480,
                     weight=10, score=9.6)
    halves = [_row("fiscal", "其中:财政拨款", 400, 390), _row("other", "其他资金", 100, 90),
              _row("basic", "其中:基本支出", 300, 300), _row("project", "项目支出", 200, 180)]
    assert _funds_codes([total, *halves]) == []  # summed together the parts are 1000 against 500
    short = [*halves[:3], _row("project", "项目支出", 200, 170)]
    assert _funds_codes([total, *short]) == [("FUNDS_SUM_MISMATCH", "executed")]


def test_central_and_provincial_add_up_to_their_total_and_grants_are_a_part_of_a_part() -> None:
    total = FundsRow(item="total", label="合计", initial_budget=300, annual_budget=300, executed=290)
    levels = [_row("central", "中央财政", 200, 195), _row("provincial", "省级财政", 100, 95)]
    assert _funds_codes([*levels, total]) == []
    assert _funds_codes([levels[0], _row("provincial", "省级财政", 100, 85), total]) == [
        ("FUNDS_SUM_MISMATCH", "executed")]
    grants = [_row("fiscal", "其中:本年财政拨款", 250, 240), _row("transfers", "其中:中央、省、市补助县级资金", 150, 140),
              _row("carryover", "上年结转资金", 30, 30), _row("other", "其他资金", 20, 20)]
    assert _funds_codes([total, *grants]) == []


def test_every_funds_row_wording_is_read_surely_as_itself() -> None:
    """A new row's wordings must not put an old one in doubt (省财政资金 beside 财政资金 did)."""
    for item, variants in FUNDS_ROWS.items():
        for v in variants:
            m = match(v, FUNDS_ROWS)
            assert m.canonical == item and m.sure, (v, m.canonical, m.runner_up, m.margin)


@pytest.mark.parametrize(("text", "name", "phone"), [
    ("李四 13912345678(办公)", "李四", "13912345678"),
    ("张三（办公）0566-1234567", "张三", "05661234567"),
    ("王五、赵六", "王五、赵六", None),
])
def test_name_and_phone_in_one_cell(text: str, name: str, phone: str | None) -> None:
    assert split_contact(text) == (name, phone)


def test_checkboxes_and_project_code() -> None:
    assert checked_options("□新增项目 þ延续项目") == ["延续项目"]
    assert checked_options("R常年性项目 □一次性项目") == ["常年性项目"]
    assert checked_options("□新增项目 □延续项目") == []
    assert project_code("51000021R000000012345 农村饮水安全巩固提升工程") == ("51000021R000000012345", "农村饮水安全巩固提升工程")
    assert project_code("2023年农村饮水安全巩固提升工程") == (None, "2023年农村饮水安全巩固提升工程")
    assert unit_code("219-池州市贵池区棠溪镇人民政府") == ("219", "池州市贵池区棠溪镇人民政府")
    assert unit_code("2023年度项目办") == (None, "2023年度项目办")


def test_dept_split_needs_both_halves() -> None:
    fam = family("dept_split")
    assert fam is not None and fam.funds.requires


@pytest.mark.parametrize("prefix", ["fam-24", "fam-28", "fam-31"])
def test_county_forms_read_whole_from_text_pdfs(prefix: str) -> None:
    """`/` in the parts' 权重 and 得分 (no SCORE_MISSING, no LOW_CONFIDENCE), the split and the
    level blocks, 项目负责人及电话, 项目编码, 项目类别 and the bare grade: every field, every finding."""
    doc = _doc(prefix)
    (rec,) = normalize(read_document(build_pdf(doc, OUT)))
    score = compare_record(doc.forms[0], rec)
    assert score.misses == []
    findings = audit(rec).findings
    fs = compare_findings(doc.forms[0], findings)
    assert (fs.missing, fs.unexpected) == ([], [])
    assert not [f for f in findings if f.code in ("SCORE_MISSING", "LOW_CONFIDENCE")]
    assert rec.template is not None and rec.template.family == doc.family
    if doc.forms[0].record["extra"].get("主管部门编码"):  # printed '219-…' before the name
        assert rec.department == doc.forms[0].record["department"] and rec.extra["主管部门编码"]


def test_a_notice_above_the_form_leaves_the_contact_the_forms_own(tmp_path: Path) -> None:
    """A county site publishes the form under a notice signed 联系人：郑晓东 联系电话：0871-…;
    the form's own 负责人及电话 holds two names and no phone. Read as a transcript with the form's
    title left out, the notice's phone was the form's and its sentence the title."""
    from fixtures.family_layouts import NOTICE_CONTACT
    from fixtures.transcribe import write_transcripts

    doc = _doc("fam-37")
    want = doc.forms[0].record["contact"]
    assert want["phone"] is None and doc.forms[0].render.notice
    write_transcripts(doc, tmp_path)
    txt = next(tmp_path.rglob(f"{doc.name}.txt"))
    untitled = tmp_path / "untitled.txt"
    untitled.write_text("\n".join(line for line in txt.read_text(encoding="utf-8").splitlines()
                                  if line.strip() != doc.forms[0].record["title"]), encoding="utf-8")
    for path in (build_pdf(doc, OUT), txt, untitled):
        (rec,) = normalize(read_document(path))
        assert (rec.contact.name, rec.contact.phone) == (want["name"], None), path.name
        assert NOTICE_CONTACT[1].replace("-", "") not in rec.model_dump_json(), path.name
        assert not (rec.title or "").endswith("。"), path.name
