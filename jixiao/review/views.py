"""What the review pages show, computed from the corpus: the forms list (filtered, sorted, with
review progress and each form's source), and one form's pages, values (with their boxes, kinds
and allowed ranges) and findings (with the values they concern and their review status)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from jixiao.corpus.corrections import Correction, corrected_record, corrections
from jixiao.corpus.fields import (
    BOUNDS,
    FIELD_NAMES,
    FUNDS_FIELDS,
    INDICATOR_FIELDS,
    NUMERIC,
    TOP_FIELDS,
    TOTAL_FIELDS,
    Kind,
    display,
)
from jixiao.corpus.reviews import STATUS_NAMES, Review, current, finding_key, trail
from jixiao.corpus.store import Corpus
from jixiao.corpus.units import unit_key
from jixiao.findings import Finding, FormRef, Location
from jixiao.grid import Box
from jixiao.record import FormRecord, Prov
from jixiao.review.images import drawable
from jixiao.score import audit
from jixiao.score.rules import RuleSet

SORTS = {"unit": "unit_sort", "year": "year", "score": "total_score", "recomputed": "recomputed_total",
         "errors": "n_errors", "warnings": "n_warnings", "low": "n_infos", "type": "form_type",
         "source": "path", "open": "n_open"}
PAGE_SIZE = 100
REVIEW_FILTERS = {"": "全部", "open": "有待审发现", "done": "已审完"}
# the order "next unreviewed" walks the corpus in: the list's default order
WALK_ORDER = "unit_sort NULLS LAST, year, path, form_index, form_id"
_PROGRESS = """WITH p AS (SELECT form_id, count(*) AS n_findings,
                   count(*) FILTER (WHERE status <> 'open') AS n_reviewed FROM finding_reviews GROUP BY form_id)
               SELECT f.*, coalesce(p.n_findings, 0) AS n_findings, coalesce(p.n_reviewed, 0) AS n_reviewed,
                      coalesce(p.n_findings, 0) - coalesce(p.n_reviewed, 0) AS n_open,
                      count(*) OVER (PARTITION BY f.sha256) AS n_in_file
               FROM forms f LEFT JOIN p USING (form_id)"""


def _int(text: str | None, default: int | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else default
    except ValueError:
        return default


@dataclass
class Filters:
    """The list's query, read forgivingly: an empty or odd parameter means 'any', never a 422."""

    unit: str = ""
    year: int | None = None
    code: str = ""
    severity: str = ""
    review: str = ""
    sort: str = "unit"
    desc: bool = False
    page: int = 1

    @classmethod
    def of(cls, q: QueryParams) -> Filters:
        sort = q.get("sort", "unit")
        return cls(unit=q.get("unit", "").strip()[:100], year=_int(q.get("year"), None),
                   code=q.get("code", "")[:40], severity=q.get("severity", "")[:10],
                   review=q.get("review", "") if q.get("review", "") in REVIEW_FILTERS else "",
                   sort=sort if sort in SORTS else "unit", desc=q.get("desc", "").lower() in ("1", "true"),
                   page=max(_int(q.get("page"), 1) or 1, 1))

    def link(self, **change: Any) -> str:
        """This query with some parameters changed, empty ones left out: '?unit=水务&sort=year'."""
        values = {"unit": self.unit, "year": self.year, "code": self.code, "severity": self.severity,
                  "review": self.review, "sort": self.sort, "desc": self.desc, "page": self.page, **change}
        defaults = {"sort": "unit", "desc": False, "page": 1}
        kept = {k: ("true" if v is True else v) for k, v in values.items()
                if v not in (None, "", False) and defaults.get(k) != v}
        return "?" + urlencode(kept) if kept else "?"

    def sql(self) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[object] = []
        if self.unit:
            # contains(), not LIKE: a % or _ typed by the auditor is a character, not a wildcard
            where.append("(contains(lower(unit), lower(?)) OR contains(unit_key, ?))")
            params += [self.unit, unit_key(self.unit) or self.unit]
        if self.year:
            where.append("year = ?")
            params.append(self.year)
        if self.code or self.severity:
            sub = "SELECT form_id FROM findings WHERE " + " AND ".join(
                c for c, v in (("code = ?", self.code), ("severity = ?", self.severity)) if v)
            where.append(f"form_id IN ({sub})")
            params += [v for v in (self.code, self.severity) if v]
        if self.review == "open":
            where.append("n_open > 0")
        elif self.review == "done":
            where.append("n_findings > 0 AND n_open = 0")
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        return clause, params


def forms_page(corpus: Corpus, f: Filters) -> tuple[int, list[dict[str, Any]]]:
    clause, params = f.sql()
    listed = f"SELECT * FROM ({_PROGRESS}){clause}"
    _, count = corpus.query(f"SELECT count(*) FROM ({listed})", params)
    direction = " DESC" if f.desc else ""
    order = f"{SORTS[f.sort]}{direction} NULLS LAST, unit_sort NULLS LAST, year, path, form_index"
    columns, rows = corpus.query(
        f"SELECT * EXCLUDE (record) FROM ({listed}) ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, PAGE_SIZE, (f.page - 1) * PAGE_SIZE])
    out = [dict(zip(columns, r)) for r in rows]
    for r in out:
        r["file"] = source_name(r["path"])
    return int(count[0][0]), out


def source_name(path: str) -> str:
    """A form's file as the list shows it: the name, and the archive it came out of."""
    if "!" in path:
        archive, member = path.split("!", 1)
        return f"{PurePath(member).name}（{PurePath(archive).name} 内）"
    return PurePath(path).name


def facets(corpus: Corpus) -> dict[str, Any]:
    _, totals = corpus.query(f"SELECT count(*), sum(n_open) FROM ({_PROGRESS})")
    return {
        "years": [r[0] for r in corpus.query("SELECT DISTINCT year FROM forms WHERE year IS NOT NULL ORDER BY 1")[1]],
        "codes": [r[0] for r in corpus.query("SELECT DISTINCT code FROM findings ORDER BY 1")[1]],
        "forms": int(totals[0][0] or 0), "open": int(totals[0][1] or 0),
    }


def next_unreviewed(corpus: Corpus, after: str | None) -> str | None:
    """The next form (in the list's order, wrapping round) with a finding nobody has ruled on."""
    _, rows = corpus.query(f"SELECT form_id, n_open FROM ({_PROGRESS}) ORDER BY {WALK_ORDER}")
    ids = [r[0] for r in rows]
    start = ids.index(after) + 1 if after in ids else 0
    for form_id, n_open in rows[start:] + rows[:start]:
        if n_open and form_id != after:
            return str(form_id)
    return None


@dataclass
class Value:
    field: str
    group: str
    label: str
    value: str
    kind: Kind
    prov: Prov | None
    low: bool
    findings: int = 0

    @property
    def bounds(self) -> tuple[float, float] | None:
        return getattr(BOUNDS, self.kind) if self.kind in NUMERIC else None

    @property
    def limit(self) -> int:
        return BOUNDS.long_text if self.kind == "long_text" else BOUNDS.text

    @property
    def box(self) -> str:
        b = self.prov.box if self.prov else None
        return f"{b.x0:.1f},{b.y0:.1f},{b.x1:.1f},{b.y1:.1f}" if b else ""


@dataclass
class FindingView:
    finding: Finding
    field: str | None  # the dotted field of the value it concerns, when the form has that value
    key: str
    review: Review | None

    @property
    def status(self) -> str:
        return self.review.status if self.review else "open"

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def box(self) -> str:
        b = self.finding.location.box
        return f"{b.x0:.1f},{b.y0:.1f},{b.x1:.1f},{b.y1:.1f}" if b else ""


@dataclass
class FormView:
    form_id: str
    row: dict[str, Any]
    record: FormRecord
    findings: list[FindingView]
    values: list[Value]
    pages: list[tuple[int, float, float]]
    corrections: list[Correction]
    reviews: list[Review]
    reported_sum: float | None = None
    n_in_file: int = 1
    boxes: dict[int, list[Value]] = field(default_factory=dict)

    @property
    def n_open(self) -> int:
        return sum(1 for f in self.findings if f.status == "open")

    @property
    def vouched(self) -> dict[str, str]:
        """Per field, how a person last vouched for it: correct, blank or confirm."""
        return {c.field: c.kind for c in self.corrections if c.undone_at is None}


def _values(rec: FormRecord, low: float) -> list[Value]:
    out: list[Value] = []

    def add(path: str, group: str, holder: Any, attr: str, kind: Kind) -> None:
        prov = holder.prov.get(attr)
        out.append(Value(path, group, FIELD_NAMES.get(attr, attr), display(getattr(holder, attr)), kind, prov,
                         bool(prov and prov.confidence < low and not prov.corrected)))

    for attr, kind in TOP_FIELDS.items():
        add(attr, "表头", rec, attr, kind)
    for f in rec.funds:
        for attr, kind in FUNDS_FIELDS.items():
            add(f"funds.{f.item}.{attr}", f.label, f, attr, kind)
    for i in rec.indicators:
        for attr, kind in INDICATOR_FIELDS.items():
            add(f"indicators.{i.id}.{attr}", i.name, i, attr, kind)
    for attr, kind in TOTAL_FIELDS.items():
        add(f"total.{attr}", "总分", rec.total, attr, kind)
    return out


def finding_field(rec: FormRecord, f: Finding) -> str | None:
    """The dotted field a finding is about, to highlight its value and box."""
    if f.indicator_id:
        return f"indicators.{f.indicator_id}.{f.field}" if f.field in INDICATOR_FIELDS else None
    row = next((r for r in rec.funds if r.label == f.target), None)
    if row is not None:
        return f"funds.{row.item}.{f.field}" if f.field in FUNDS_FIELDS else None
    if f.target == "总分" and f.field in TOTAL_FIELDS:
        return f"total.{f.field}"
    return f.field if f.field in TOP_FIELDS else None


def form_exists(corpus: Corpus, form_id: str) -> bool:
    return bool(corpus.query("SELECT 1 FROM forms WHERE form_id = ?", [form_id])[1])


def form_view(corpus: Corpus, form_id: str, rules: RuleSet) -> FormView:
    columns, rows = corpus.query(f"SELECT * EXCLUDE (record) FROM ({_PROGRESS}) WHERE form_id = ?", [form_id])
    row = dict(zip(columns, rows[0]))
    rec = corrected_record(corpus, form_id)
    reviews = trail(corpus, form_id)
    now = current(reviews)
    fcols, frows = corpus.query("SELECT * FROM findings WHERE form_id = ? ORDER BY seq", [form_id])
    findings = []
    for r in frows:
        f = _finding(dict(zip(fcols, r)), rec)
        findings.append(FindingView(f, finding_field(rec, f), finding_key(f), now.get(finding_key(f))))
    values = _values(rec, rules.confidence.low)
    for v in values:
        v.findings = sum(1 for f in findings if f.field == v.field)
    _, prow = corpus.query("SELECT page, width, height FROM pages WHERE sha256 = ? ORDER BY page", [row["sha256"]])
    pages = [(int(p), float(w), float(h)) for p, w, h in prow if int(p) in set(rec.source.pages)
             and drawable(row["path"])]
    view = FormView(form_id, row, rec, findings, values, pages, corrections(corpus, form_id), reviews,
                    audit(rec, rules).reported_sum, int(row["n_in_file"]))
    for v in values:
        if v.prov is not None and v.prov.box is not None and v.prov.page is not None:
            view.boxes.setdefault(v.prov.page, []).append(v)
    return view


def page_of(corpus: Corpus, form_id: str, number: int) -> tuple[str, float] | None:
    """The form's source path and the page's width in points, if the form has that page."""
    _, rows = corpus.query(
        "SELECT f.path, p.width FROM forms f JOIN pages p ON p.sha256 = f.sha256 AND p.page = ? "
        "WHERE f.form_id = ? AND list_contains(f.pages, ?)", [number, form_id, number])
    return (str(rows[0][0]), float(rows[0][1])) if rows else None


def _finding(row: dict[str, Any], rec: FormRecord) -> Finding:
    box = None
    if row["x0"] is not None:
        box = Box(x0=row["x0"], y0=row["y0"], x1=row["x1"], y1=row["y1"])
    return Finding(code=row["code"], severity=row["severity"], form=FormRef(file=rec.source.file, index=rec.source.index),
                   target=row["target"], field=row["field"], reported=row["reported"], expected=row["expected"],
                   rule=row["rule"], message=row["message"],
                   location=Location(page=row["page"], box=box, line=row["line"]),
                   low_confidence=bool(row["low_confidence"]), corrected=bool(row["corrected"]),
                   indicator_id=row["indicator_id"])
