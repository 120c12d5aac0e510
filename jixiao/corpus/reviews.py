"""Review statuses: an auditor's verdict on one finding (confirmed, dismissed with a reason, left
for follow-up), kept as a trail — every verdict is a row, the latest per finding holds, and taking
one back is a verdict too ('open'). A finding is known by its key (code, row, column), which
survives the rules being re-run after a correction."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from jixiao.corpus.corrections import person, reason
from jixiao.corpus.fields import FieldError
from jixiao.corpus.store import Corpus
from jixiao.findings import Finding

Status = Literal["open", "confirmed", "dismissed", "follow_up"]
STATUS_NAMES: dict[str, str] = {"open": "未审", "confirmed": "属实", "dismissed": "不成立", "follow_up": "待跟进"}
# a dismissal or a follow-up says why (what is wrong with the finding, what is to be asked)
NEEDS_REASON = frozenset({"dismissed", "follow_up", "open"})


class Review(BaseModel):
    review_id: int
    form_id: str
    finding_key: str
    code: str
    target: str
    field: str
    status: Status
    why: str
    who: str
    made_at: dt.datetime


def finding_key(f: Finding) -> str:
    """The same key as schema.FINDING_KEY computes in SQL."""
    return f"{f.code}|{f.indicator_id or f.target}|{f.field}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def set_status(corpus: Corpus, form_id: str, key: str, status: str, who: str, why: str) -> Review:
    """Record a verdict on a finding the form has now. Call with a writable corpus."""
    if status not in STATUS_NAMES:
        raise FieldError("审核状态须为 属实、不成立、待跟进 或 未审")
    who, why = person(who), reason(why, required=status in NEEDS_REASON)
    _, rows = corpus.query("SELECT code, target, field FROM finding_reviews WHERE form_id = ? AND finding_key = ?",
                           [form_id, key])
    if not rows:
        raise FieldError("这条发现已不存在（可能因更正而消除），请刷新页面")
    code, target, field = rows[0]
    corpus.db.execute("BEGIN TRANSACTION")
    try:
        (next_id,), = corpus.query("SELECT coalesce(max(review_id), 0) + 1 FROM reviews")[1]
        review = Review(review_id=next_id, form_id=form_id, finding_key=key, code=code, target=target,
                        field=field, status=status, why=why, who=who, made_at=_now())  # type: ignore[arg-type]
        corpus.query("INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", list(review.model_dump().values()))
        corpus.db.execute("COMMIT")
    except BaseException:
        corpus.db.execute("ROLLBACK")
        raise
    return review


def trail(corpus: Corpus, form_id: str) -> list[Review]:
    """Every verdict on the form's findings, oldest first."""
    columns, rows = corpus.query("SELECT * FROM reviews WHERE form_id = ? ORDER BY review_id", [form_id])
    return [Review(**dict(zip(columns, r))) for r in rows]


def current(reviews: list[Review]) -> dict[str, Review]:
    """The verdict that holds now, per finding key."""
    return {r.finding_key: r for r in reviews}
