"""Corrections: a person's change to one value, stored beside the original reading (which is never
overwritten), applied in order, undoable, with the rules re-run for the form at once.

A correction is of one of three kinds: ``correct`` (a new value), ``blank`` (the printed cell is
empty, so the value is cleared on purpose) and ``confirm`` (the reading is right: the value stays,
and the rules stop treating it as doubtful). Every one names who made it and, but for a
confirmation, why; an undo too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from jixiao.corpus.fields import (
    FieldError,
    Slot,
    apply,
    current,
    display,
    is_blank,
    locate,
    parse_value,
    same_value,
    vouch,
)
from jixiao.corpus.results import FormResult
from jixiao.corpus.store import Corpus
from jixiao.findings import Finding
from jixiao.record import FormRecord
from jixiao.score import AuditResult, audit
from jixiao.score.rules import RuleSet

CorrectionKind = Literal["correct", "blank", "confirm"]
KIND_NAMES = {"correct": "更正", "blank": "清空（原表空白）", "confirm": "确认识别无误"}
WHO_MAX, WHY_MAX = 50, 1000


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
    kind: CorrectionKind = "correct"
    undo_why: str | None = None


class Conflict(FieldError):
    """The value changed since the editor loaded it: the later save sees the earlier one."""

    def __init__(self, label: str, seen: str, now: str, by: Correction | None) -> None:
        self.field, self.seen, self.now = label, seen, now
        author = f"已由 {by.who} 于 {by.made_at:%m-%d %H:%M} " if by else "已"
        super().__init__(f"「{label}」{author}改为「{now or '空'}」（此页显示的是「{seen or '空'}」，可能是在另一个"
                         "标签页或由他人所改），未保存；请刷新页面后再改")


@dataclass
class Change:
    """What a saved correction (or an undo) did to the form's findings and total."""

    result: AuditResult
    added: list[Finding]
    removed: list[Finding]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def person(who: str) -> str:
    """The name a trail entry is signed with: required, never made up."""
    who = " ".join(who.split())
    if not who:
        raise FieldError("请填写审核人姓名：每条记录都要写明由谁所做，不接受匿名")
    if len(who) > WHO_MAX:
        raise FieldError(f"审核人姓名最长 {WHO_MAX} 字")
    return who


def reason(why: str, required: bool = True) -> str:
    why = why.strip()
    if required and not why:
        raise FieldError("请填写理由（如：对照原件第 1 页，此处印的是 4.65）")
    if len(why) > WHY_MAX:
        raise FieldError(f"理由最长 {WHY_MAX} 字，现有 {len(why)} 字")
    return why


def original(corpus: Corpus, form_id: str) -> FormRecord:
    _, rows = corpus.query("SELECT record FROM forms WHERE form_id = ?", [form_id])
    if not rows:
        raise FieldError("没有这张表（可能已从语料库中删除），请回到表格列表")
    return FormRecord.model_validate_json(rows[0][0])


def corrections(corpus: Corpus, form_id: str, active_only: bool = False) -> list[Correction]:
    sql = "SELECT * FROM corrections WHERE form_id = ?" + (" AND undone_at IS NULL" if active_only else "")
    columns, rows = corpus.query(sql + " ORDER BY correction_id", [form_id])
    return [Correction(**{k: v for k, v in zip(columns, row) if v is not None}) for row in rows]


def corrected_record(corpus: Corpus, form_id: str) -> FormRecord:
    """The original reading with every active correction applied, in the order made."""
    rec = original(corpus, form_id)
    for c in corrections(corpus, form_id, active_only=True):
        try:
            if c.kind == "confirm":
                vouch(rec, c.field)
            else:
                apply(rec, c.field, c.new_value)
        except FieldError:  # the form was re-read and lacks the field, or a bound tightened since
            rec.notes.append(f"更正 #{c.correction_id}（{c.field} → {c.new_value}）不适用于此次读取的结果，未应用")
    return rec


def _key(f: Finding) -> tuple[str, str, str]:
    return (f.code, f.target, f.field)


def _rerun(corpus: Corpus, form_id: str, rules: RuleSet, before: list[Finding],
           rec: FormRecord | None = None) -> Change:
    """Audit the corrected record and rewrite the form's rows (forms, funds, indicators,
    provenance, findings) to match it, so that queries and exports see what the audit sees."""
    rec = rec or corrected_record(corpus, form_id)
    result = audit(rec, rules)
    corpus.rewrite_form(form_id, FormResult(record=rec, findings=result.findings,
                                            recomputed_total=result.recomputed_total,
                                            recomputed_grade=result.recomputed_grade))
    old = {_key(f) for f in before}
    new = {_key(f) for f in result.findings}
    return Change(result, [f for f in result.findings if _key(f) not in old],
                  [f for f in before if _key(f) not in new])


def _last_change(corpus: Corpus, form_id: str, field: str) -> Correction | None:
    active = [c for c in corrections(corpus, form_id, active_only=True) if c.field == field]
    return active[-1] if active else None


def _check(corpus: Corpus, form_id: str, rec: FormRecord, slot: Slot, field: str, seen: str | None) -> str:
    now = current(rec, field)
    if seen is not None and seen.strip() != now:
        raise Conflict(slot.label, seen.strip(), now, _last_change(corpus, form_id, field))
    return now


def _store(corpus: Corpus, form_id: str, field: str, old: str, new: str, who: str, why: str,
           kind: CorrectionKind) -> None:
    (next_id,), = corpus.query("SELECT coalesce(max(correction_id), 0) + 1 FROM corrections")[1]
    corpus.query("INSERT INTO corrections VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, NULL)",
                 [next_id, form_id, field, old, new, who, why, _now(), kind])


def _in_transaction(corpus: Corpus, work: Callable[[], Change]) -> Change:
    corpus.db.execute("BEGIN TRANSACTION")
    try:
        out = work()
        corpus.db.execute("COMMIT")
        return out
    except BaseException:
        corpus.db.execute("ROLLBACK")
        raise


def correct(corpus: Corpus, form_id: str, field: str, new_value: str, who: str, why: str,
            seen: str | None, rules: RuleSet, blank: bool = False) -> Change:
    """Store a correction and re-run the rules. ``seen`` is the value the editor showed: if it is
    no longer current, nothing is stored and Conflict says what it is now and who changed it.
    An empty new value is refused unless ``blank`` says the printed cell is empty."""
    who, why = person(who), reason(why)

    def work() -> Change:
        rec = corrected_record(corpus, form_id)
        slot = locate(rec, field)
        now = _check(corpus, form_id, rec, slot, field, seen)
        if is_blank(new_value) and not blank:
            raise FieldError(f"「{slot.label}」的新值为空。若原表此处确为空白，请勾选「原表此处空白」；"
                             "若识别的值无误，请点「识别无误」")
        if blank and not is_blank(new_value):
            raise FieldError("勾选了「原表此处空白」，新值须留空")
        value = None if blank else parse_value(slot.kind, new_value, slot.label)
        if same_value(slot.kind, value, getattr(slot.holder, slot.attr)):
            raise FieldError(f"「{slot.label}」的新值与现值「{now or '空'}」相同，未保存；"
                             "若核对后识别无误，请点「识别无误」")
        before = audit(rec, rules).findings
        text = "" if blank else display(value)
        _store(corpus, form_id, field, now, text, who, why, "blank" if blank else "correct")
        apply(rec, field, text)
        return _rerun(corpus, form_id, rules, before, rec)

    return _in_transaction(corpus, work)


def confirm(corpus: Corpus, form_id: str, field: str, who: str, why: str, seen: str | None,
            rules: RuleSet) -> Change:
    """The reading is right as it is (a low-confidence value checked against the page): stored in
    the trail, and the rules then treat the value as sure."""
    who, why = person(who), reason(why, required=False)

    def work() -> Change:
        rec = corrected_record(corpus, form_id)
        slot = locate(rec, field)
        now = _check(corpus, form_id, rec, slot, field, seen)
        if slot.prov is not None and slot.prov.corrected:
            raise FieldError(f"「{slot.label}」已经人工更正或确认过，无需再确认")
        before = audit(rec, rules).findings
        _store(corpus, form_id, field, now, now, who, why, "confirm")
        vouch(rec, field)
        return _rerun(corpus, form_id, rules, before, rec)

    return _in_transaction(corpus, work)


def undo(corpus: Corpus, correction_id: int, who: str, why: str, rules: RuleSet) -> Change:
    who, why = person(who), reason(why)

    def work() -> Change:
        _, rows = corpus.query("SELECT form_id, undone_at FROM corrections WHERE correction_id = ?", [correction_id])
        if not rows:
            raise FieldError("没有这条更正记录，请刷新页面")
        form_id, undone_at = rows[0]
        if undone_at is not None:
            raise FieldError("这条更正已被撤销过，请刷新页面")
        before = audit(corrected_record(corpus, form_id), rules).findings
        corpus.query("UPDATE corrections SET undone_at = ?, undone_by = ?, undo_why = ? WHERE correction_id = ?",
                     [_now(), who, why, correction_id])
        return _rerun(corpus, form_id, rules, before)

    return _in_transaction(corpus, work)
