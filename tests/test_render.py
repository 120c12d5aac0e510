"""The fixture renderer: what it prints must be what the truth says, in real ruled cells."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest

from fixtures.render import form_pages, render_pdf
from fixtures.truth_model import TRUTH_DIR, RenderOptions, TruthDoc, TruthForm, load_truth
from fixtures.values import fmt_date, fmt_number, fmt_rate, plain, split_target
from fixtures.wrap import wrap
from jixiao.record import FormRecord, Quantity

pytestmark = pytest.mark.slow  # renders fixture PDFs

QIANNAN = TRUTH_DIR / "qiannan-2024-dept.json"
LINES = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}


def qiannan() -> TruthDoc:
    return load_truth(QIANNAN)


def with_render(doc: TruthDoc, name: str, **render: object) -> TruthDoc:
    """The same forms drawn with other render options."""
    forms = [
        TruthForm(record=f.record, render=f.render.model_copy(update=render)) for f in doc.forms
    ]
    return TruthDoc(name=name, forms=forms)


def cells_by_page(pdf_path: Path) -> list[list[tuple[tuple[float, ...], str]]]:
    """Every ruled cell pdfplumber finds, per page: (bbox, text with line breaks removed)."""
    out = []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            found = []
            for table in page.find_tables(LINES):
                for bbox in table.cells:
                    text = page.crop(bbox).extract_text() or ""
                    found.append((tuple(bbox), text.replace("\n", "")))
            out.append(found)
    return out


def cell_texts(pdf_path: Path) -> set[str]:
    return {t for page in cells_by_page(pdf_path) for _, t in page}


def page_texts(pdf_path: Path) -> list[str]:
    with pdfplumber.open(pdf_path) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def expected_cells(rec: FormRecord, opts: RenderOptions) -> set[str]:
    """Strings that must each fill one whole cell of the guizhou/national layouts."""
    num = opts.number_style
    want = {rec.unit or "", rec.goals.planned or "", rec.goals.actual or "", rec.conclusion or ""}
    want |= {rec.contact.name or "", rec.contact.phone or ""}
    want |= {fmt_number(rec.total.weight, num), fmt_number(rec.total.score, num)}
    for f in rec.funds:
        want |= {
            f.label,
            fmt_number(f.initial_budget, num, ""),
            fmt_number(f.annual_budget, num, ""),
            fmt_number(f.executed, num, ""),
        }
        if f.execution_rate is not None:
            want.add(fmt_rate(f.execution_rate))
        if f.score is not None:
            want |= {fmt_number(f.weight, num), fmt_number(f.score, num)}
    for i in rec.indicators:
        want |= {i.name, i.level1_label or "", i.level2_label or "", i.reason or ""}
        want |= {q.text for q in (i.target, i.actual) if q}
        want |= {fmt_number(i.weight, num), fmt_number(i.score, num)}
    return want - {""}


# ---------------------------------------------------------------- the Qiannan fixture


@pytest.fixture(scope="module")
def qiannan_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_pdf(qiannan(), tmp_path_factory.mktemp("pdf") / "qiannan.pdf")


def test_every_qiannan_value_fills_a_cell(qiannan_pdf: Path) -> None:
    form = qiannan().forms[0]
    rec = form.form_record()
    missing = expected_cells(rec, form.render) - cell_texts(qiannan_pdf)
    assert not missing, missing
    # the seed's own spot checks, literally
    cells = cell_texts(qiannan_pdf)
    assert {"738.26", "737.34", "4.65", "2.5", "1.4", "99.65", "100%", "=5个"} <= cells
    assert "—" in cells  # the seed dashes inapplicable weights and scores


def test_qiannan_loose_text(qiannan_pdf: Path) -> None:
    text = "\n".join(page_texts(qiannan_pdf))
    assert "部门整体支出绩效目标自评表" in text.splitlines()[0]
    assert "填报日期：2025.2.20" in text
    assert "单位(盖章)" in text
    assert "注：1.绩效自评采取打分评价的形式" in text


def test_qiannan_breaks_after_twelve_indicators(qiannan_pdf: Path) -> None:
    pages = page_texts(qiannan_pdf)
    assert len(pages) == 2
    assert "项目支出小计" in pages[0]  # indicator 12
    assert "1.运转类其他项目支出" not in pages[0]  # indicator 13 opens page 2
    first = cells_by_page(qiannan_pdf)[1]
    top = min(b[1] for b, _ in first)
    # the level-1/level-2/绩效指标 columns continue as empty bordered cells, labels not repeated
    assert [t for b, t in sorted(first) if b[1] == top][:3] == ["", "", ""]


def test_merged_label_cell_has_no_inner_lines(qiannan_pdf: Path) -> None:
    with pdfplumber.open(qiannan_pdf) as pdf:
        page = pdf.pages[0]
        table = page.find_tables(LINES)[0]
        bbox = next(b for b in table.cells if page.crop(b).extract_text() == "产出指标\n(50分)")
        x0, top, x1, bottom = bbox
        assert bottom - top > 200  # spans 12 rows down to the page break
        crossing = [
            e
            for e in page.edges
            if e["orientation"] == "h"
            and top + 1 < e["top"] < bottom - 1
            and e["x0"] < (x0 + x1) / 2 < e["x1"]
        ]
        assert not crossing


def test_render_is_deterministic(tmp_path: Path) -> None:
    a = render_pdf(qiannan(), tmp_path / "a.pdf").read_bytes()
    b = render_pdf(qiannan(), tmp_path / "b.pdf").read_bytes()
    assert a == b


# ---------------------------------------------------------------- other layouts and documents


def test_two_forms_start_on_their_own_pages(tmp_path: Path) -> None:
    doc = qiannan()
    yunnan = with_render(
        doc, "y", layout="yunnan_dept", break_after_indicator=None, notes=False, font="wqy-zenhei"
    ).forms[0]
    two = TruthDoc(name="two", forms=[doc.forms[0], yunnan])
    path = render_pdf(two, tmp_path / "two.pdf")
    spans = form_pages(two)
    texts = page_texts(path)
    assert spans[0] == [1, 2] and spans[1][0] == 3
    assert len(texts) == spans[1][-1]
    assert texts[2].startswith("部门整体支出绩效目标自评表")  # the title as the record has it
    assert "部门名称：黔南州人民政府政务服务中心" in texts[2]
    assert "部门名称" not in texts[1]  # form 1 ends on page 2 without form 2 starting there


@pytest.mark.parametrize(
    "layout", ["guizhou_dept", "national_project", "sichuan_project", "yunnan_dept"]
)
@pytest.mark.parametrize("page_size", ["A4", "A4-landscape"])
def test_no_text_leaves_its_cell(tmp_path: Path, layout: str, page_size: str) -> None:
    doc = with_render(
        qiannan(),
        layout,
        layout=layout,
        page_size=page_size,
        number_style="fixed2",
        col_scale=[1.4, 0.7, 1, 1, 1, 1, 0.6, 0.6],
    )
    path = render_pdf(doc, tmp_path / f"{layout}.pdf")
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            boxes = [b for t in page.find_tables(LINES) for b in t.cells]
            table = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            for ch in page.chars:
                mid = ((ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2)
                if not (table[0] < mid[0] < table[2] and table[1] < mid[1] < table[3]):
                    continue  # loose text above or below the table
                assert any(
                    b[0] <= ch["x0"] + 0.2
                    and ch["x1"] <= b[2] + 0.2
                    and b[1] <= ch["top"] + 0.2
                    and ch["bottom"] <= b[3] + 0.2
                    for b in boxes
                ), (ch["text"], ch["x0"], ch["top"])


def test_sichuan_splits_targets(tmp_path: Path) -> None:
    doc = with_render(qiannan(), "sc", layout="sichuan_project")
    rec = doc.forms[0].form_record()
    rec_extra = dict(doc.forms[0].record, extra={"存在问题": "无", "改进措施": "继续保持"})
    doc = TruthDoc(name="sc", forms=[TruthForm(record=rec_extra, render=doc.forms[0].render)])
    path = render_pdf(doc, tmp_path / "sc.pdf")
    cells = cell_texts(path)
    for i in rec.indicators:
        assert set(split_target(i.target)) - {""} <= cells, i.name
    assert {
        "定性",
        "按时保质完成",
        "=",
        "5",
        "个",
        "398.68",
        "万元",
        "100%",
        "指标性质",
        "度量单位",
        "权重",
        "评价结论",
        "存在问题",
        "无",
        "改进措施",
        "继续保持",
    } <= cells
    text = "\n".join(page_texts(path))
    assert "填表人：金菊英" in text and "联系电话：08548228927" in text


# ---------------------------------------------------------------- values and wrapping


def test_number_and_date_styles() -> None:
    assert [plain(v) for v in (738.26, 10.0, 2.5, 4.65, 0.0)] == [
        "738.26",
        "10",
        "2.5",
        "4.65",
        "0",
    ]
    assert fmt_number(10, "fixed2") == "10.00" and fmt_number(None, "plain", "—") == "—"
    assert fmt_rate(99.65) == "99.65%" and fmt_rate(100.0) == "100%"
    assert fmt_date("2025-02-20", "dots") == "2025.2.20"
    assert fmt_date("2025-02-20", "cjk") == "2025年2月20日"
    assert fmt_date("2025-02-20", "iso") == "2025-02-20"


def test_split_target() -> None:
    assert split_target(Quantity(text="≥5个", op=">=", value=5, unit="个")) == ("≥", "5", "个")
    assert split_target(Quantity(text="优秀")) == ("定性", "优秀", "")


def test_wrap_keeps_numbers_whole() -> None:
    lines = wrap("全年共受理业务59.80万件", 5 * 10, lambda s: 10.0 * len(s))
    assert "".join(lines) == "全年共受理业务59.80万件"
    assert any("59.80" in line for line in lines)
    assert wrap("，。好", 20, lambda s: 10.0 * len(s))[0] != ""
