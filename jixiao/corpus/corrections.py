"""Corrections: a person's change to one value, stored beside the original reading (which is never
overwritten), applied in order, undoable, with the rules re-run for the form at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel

from jixiao.corpus.fields import FieldError, apply, current, locate, parse_value
from jixiao.corpus.store import Corpus
from jixiao.corpus.units import unit_key
from jixiao.findings import Finding
from jixiao.record import FormRecord
from jixiao.score import AuditResult, audit
from jixiao.score.rules import RuleSet


class Correction(BaseModel):
    correction_id: int
    form_id: str
    field: str
    old_value: str
    new_value: str
    who: str
    why: str
    made_at: dt.datetime
    undone_at: dt.datetime | None = None
    undone_by: str | None = None


class Conflict(FieldError):
    """The value changed since the editor loaded it: the later save sees the earlier one."""

    def __init__(self, field: str, seen: str, now: str) -> None:
        self.field, self.seen, self.now = field, seen, now
        super().__init__(f"「{field}」已被他人改为「{now}」（你看到的是「{seen}」），请刷新后再改")


@dataclass
class Change:
    """What a saved correction (or an undo) did to the form's findings and total."""

    result: AuditResult
    added: list[Finding]
    removed: list[Finding]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def original(corpus: Corpus, form_id: str) -> FormRecord:
    _, rows = corpus.query("SELECT record FROM forms WHERE form_id = ?", [form_id])
    if not rows:
        raise FieldError(f"没有这张表：{form_id} (no such form)")
    return FormRecord.model_validate_json(rows[0][0])


def corrections(corpus: Corpus, form_id: str, active_only: bool = False) -> list[Correction]:
    sql = "SELECT * FROM corrections WHERE form_id = ?" + (" AND undone_at IS NULL" if active_only else "")
    columns, rows = corpus.query(sql + " ORDER BY correction_id", [form_id])
    return [Correction(**dict(zip(columns, row))) for row in rows]


def corrected_record(corpus: Corpus, form_id: str) -> FormRecord:
    """The original reading with every active correction applied, in the order made."""
    rec = original(corpus, form_id)
    for c in corrections(corpus, form_id, active_only=True):
        apply(rec, c.field, c.new_value)
    return rec


def _key(f: Finding) -> tuple[str, str, str]:
    return (f.code, f.target, f.field)


def _rerun(corpus: Corpus, form_id: str, rules: RuleSet, before: list[Finding],
           rec: FormRecord | None = None) -> Change:
    rec = rec or corrected_record(corpus, form_id)
    result = audit(rec, rules)
    corpus.write_findings(form_id, result.findings)
    counts = [sum(f.severity == s for f in result.findings) for s in ("error", "warning", "info")]
    corpus.query(
        "UPDATE forms SET unit = ?, unit_key = ?, year = ?, total_weight = ?, total_score = ?, recomputed_total = ?,"
        " grade = ?, recomputed_grade = ?, n_errors = ?, n_warnings = ?, n_infos = ? WHERE form_id = ?",
        [rec.unit, unit_key(rec.unit), rec.year, rec.total.weight, rec.total.score, result.recomputed_total,
         rec.grade, result.recomputed_grade, *counts, form_id])
    old = {_key(f) for f in before}
    new = {_key(f) for f in result.findings}
    return Change(result, [f for f in result.findings if _key(f) not in old],
                  [f for f in before if _key(f) not in new])


def correct(corpus: Corpus, form_id: str, field: str, new_value: str, who: str, why: str,
            seen: str | None, rules: RuleSet) -> Change:
    """Store a correction and re-run the rules. ``seen`` is the value the editor showed: if it is
    no longer current, nothing is stored and Conflict says what it is now."""
    corpus.db.execute("BEGIN TRANSACTION")
    try:
        rec = corrected_record(corpus, form_id)
        slot = locate(rec, field)
        parse_value(slot.kind, new_value)  # refuse what does not fit before storing anything
        now = current(rec, field)
        if seen is not None and seen.strip() != now:
            raise Conflict(field, seen, now)
        before = audit(rec, rules).findings
        (next_id,), = corpus.query("SELECT coalesce(max(correction_id), 0) + 1 FROM corrections")[1]
        corpus.query("INSERT INTO corrections VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                     [next_id, form_id, field, now, new_value.strip(), who or "anonymous", why, _now()])
        apply(rec, field, new_value)
        change = _rerun(corpus, form_id, rules, before, rec)
        corpus.db.execute("COMMIT")
        return change
    except BaseException:
        corpus.db.execute("ROLLBACK")
        raise


def undo(corpus: Corpus, correction_id: int, who: str, rules: RuleSet) -> Change:
    corpus.db.execute("BEGIN TRANSACTION")
    try:
        _, rows = corpus.query("SELECT form_id, undone_at FROM corrections WHERE correction_id = ?", [correction_id])
        if not rows:
            raise FieldError(f"没有这条更正：{correction_id} (no such correction)")
        form_id, undone_at = rows[0]
        if undone_at is not None:
            raise FieldError(f"更正 {correction_id} 已撤销 (already undone)")
        before = audit(corrected_record(corpus, form_id), rules).findings
        corpus.query("UPDATE corrections SET undone_at = ?, undone_by = ? WHERE correction_id = ?",
                     [_now(), who or "anonymous", correction_id])
        change = _rerun(corpus, form_id, rules, before)
        corpus.db.execute("COMMIT")
        return change
    except BaseException:
        corpus.db.execute("ROLLBACK")
        raise
