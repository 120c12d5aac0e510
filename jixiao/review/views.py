"""What the review pages show, computed from the corpus: the forms list, and one form's pages,
values (with their boxes) and findings (with the values they concern)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jixiao.corpus.corrections import Correction, corrected_record, corrections
from jixiao.corpus.fields import FUNDS_FIELDS, INDICATOR_FIELDS, TOP_FIELDS, TOTAL_FIELDS, display
from jixiao.corpus.store import Corpus
from jixiao.findings import Finding, FormRef, Location
from jixiao.grid import Box
from jixiao.record import FormRecord, Prov
from jixiao.score import audit
from jixiao.score.rules import RuleSet

SORTS = {"unit": "unit", "year": "year", "score": "total_score", "recomputed": "recomputed_total",
         "errors": "n_errors", "warnings": "n_warnings", "low": "n_infos", "type": "form_type"}
PAGE_SIZE = 100
FIELD_NAMES = {"initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数",
               "weight": "分值", "execution_rate": "执行率", "score": "得分", "label": "行标签",
               "target": "年度指标值", "actual": "实际完成值", "name": "指标名称", "reason": "原因分析",
               "unit": "单位", "department": "主管部门", "project_name": "项目名称", "title": "表名",
               "conclusion": "自评结论", "year": "年度", "fill_date": "填报日期", "grade": "等级"}


@dataclass
class Filters:
    unit: str = ""
    year: int | None = None
    code: str = ""
    severity: str = ""
    sort: str = "unit"
    desc: bool = False
    page: int = 1

    def sql(self) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[object] = []
        if self.unit:
            where.append("(unit ILIKE ? OR unit_key ILIKE ?)")
            params += [f"%{self.unit}%", f"%{self.unit}%"]
        if self.year:
            where.append("year = ?")
            params.append(self.year)
        if self.code or self.severity:
            sub = "SELECT form_id FROM findings WHERE " + " AND ".join(
                c for c, v in (("code = ?", self.code), ("severity = ?", self.severity)) if v)
            where.append(f"form_id IN ({sub})")
            params += [v for v in (self.code, self.severity) if v]
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        return clause, params


def forms_page(corpus: Corpus, f: Filters) -> tuple[int, list[dict[str, Any]]]:
    clause, params = f.sql()
    _, count = corpus.query(f"SELECT count(*) FROM forms{clause}", params)
    order = SORTS.get(f.sort, "unit") + (" DESC" if f.desc else "") + " NULLS LAST, form_id"
    columns, rows = corpus.query(
        "SELECT form_id, unit, year, form_type, title, project_name, total_score, recomputed_total, grade, "
        f"recomputed_grade, n_errors, n_warnings, n_infos FROM forms{clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, PAGE_SIZE, (max(f.page, 1) - 1) * PAGE_SIZE])
    return int(count[0][0]), [dict(zip(columns, r)) for r in rows]


def facets(corpus: Corpus) -> dict[str, list[Any]]:
    return {
        "years": [r[0] for r in corpus.query("SELECT DISTINCT year FROM forms WHERE year IS NOT NULL ORDER BY 1")[1]],
        "codes": [r[0] for r in corpus.query("SELECT DISTINCT code FROM findings ORDER BY 1")[1]],
    }


@dataclass
class Value:
    field: str
    group: str
    label: str
    value: str
    prov: Prov | None
    low: bool
    findings: int = 0


@dataclass
class FormView:
    form_id: str
    row: dict[str, Any]
    record: FormRecord
    findings: list[tuple[Finding, str | None]]
    values: list[Value]
    pages: list[tuple[int, float, float]]
    corrections: list[Correction]
    reported_sum: float | None = None
    boxes: dict[int, list[Value]] = field(default_factory=dict)


def _values(rec: FormRecord, low: float) -> list[Value]:
    out: list[Value] = []

    def add(path: str, group: str, holder: Any, attr: str) -> None:
        prov = holder.prov.get(attr) if hasattr(holder, "prov") else None
        out.append(Value(path, group, FIELD_NAMES.get(attr, attr), display(getattr(holder, attr)), prov,
                         bool(prov and prov.confidence < low and not prov.corrected)))

    for attr in TOP_FIELDS:
        add(attr, "表头", rec, attr)
    for f in rec.funds:
        for attr in FUNDS_FIELDS:
            add(f"funds.{f.item}.{attr}", f.label, f, attr)
    for i in rec.indicators:
        for attr in INDICATOR_FIELDS:
            add(f"indicators.{i.id}.{attr}", i.name, i, attr)
    for attr in TOTAL_FIELDS:
        add(f"total.{attr}", "总分", rec.total, attr)
    return out


def finding_field(rec: FormRecord, f: Finding) -> str | None:
    """The dotted field a finding is about, to highlight its value and box."""
    if f.indicator_id:
        return f"indicators.{f.indicator_id}.{f.field}"
    row = next((r for r in rec.funds if r.label == f.target), None)
    if row is not None:
        return f"funds.{row.item}.{f.field}"
    if f.target == "总分" and f.field in TOTAL_FIELDS:
        return f"total.{f.field}"
    return f.field if f.field in TOP_FIELDS else None


def form_view(corpus: Corpus, form_id: str, rules: RuleSet) -> FormView:
    columns, rows = corpus.query("SELECT * EXCLUDE (record) FROM forms WHERE form_id = ?", [form_id])
    row = dict(zip(columns, rows[0]))
    rec = corrected_record(corpus, form_id)
    fcols, frows = corpus.query("SELECT * FROM findings WHERE form_id = ? ORDER BY seq", [form_id])
    findings = [_finding(dict(zip(fcols, r)), rec) for r in frows]
    values = _values(rec, rules.confidence.low)
    for v in values:
        v.findings = sum(1 for _, name in findings if name == v.field)
    _, prow = corpus.query("SELECT page, width, height FROM pages WHERE sha256 = ? ORDER BY page", [row["sha256"]])
    pages = [(int(p), float(w), float(h)) for p, w, h in prow if int(p) in set(rec.source.pages)]
    view = FormView(form_id, row, rec, findings, values, pages, corrections(corpus, form_id),
                    audit(rec, rules).reported_sum)
    for v in values:
        if v.prov is not None and v.prov.box is not None and v.prov.page is not None:
            view.boxes.setdefault(v.prov.page, []).append(v)
    return view


def _finding(row: dict[str, Any], rec: FormRecord) -> tuple[Finding, str | None]:
    box = None
    if row["x0"] is not None:
        box = Box(x0=row["x0"], y0=row["y0"], x1=row["x1"], y1=row["y1"])
    f = Finding(code=row["code"], severity=row["severity"], form=FormRef(file=rec.source.file, index=rec.source.index),
                target=row["target"], field=row["field"], reported=row["reported"], expected=row["expected"],
                rule=row["rule"], message=row["message"],
                location=Location(page=row["page"], box=box, line=row["line"]),
                low_confidence=bool(row["low_confidence"]), indicator_id=row["indicator_id"])
    return f, finding_field(rec, f)
