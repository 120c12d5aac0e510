"""The 总分 row's own figures as a check on the rows read.

A 总分 row told only by its shape and place (``sections.unread_total``: its label unread under a
seal) is the total where its 分值 is what the counted rows' weights add up to; elsewhere what rests
on it is a review item, and a row may have been lost. And a weight or score read in doubt (a seal's
characters read beside its digits: '排4樓' for 4) holds together where, as read, its column adds up
to the figure the 总分 row prints, read surely: a misread that the printed total happens to match
to the cent would take a second error of the same size on the form.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from jixiao.normalize.funds import INFERRED_DOUBT
from jixiao.normalize.indicators import REREAD_DOUBT
from jixiao.normalize.values import parse_number
from jixiao.record import FormRecord, FundsRow, Indicator, Prov

PLACED_TOTAL_DOUBT = "总分行标签未能读出，按位置推定为总分行，而其分值与各项分值合计不符或未读出"
PLACED_LOST = "可能漏读一行（按位置推定为总分行的一行，分值与各项分值合计不符）"


class ByTotalOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    # a value read below this is in doubt (the rule set's ``confidence.low``, 0.8 by default)
    doubtful_below: float = 0.8
    # at most this many values in doubt in one column are settled by its sum: weights are small
    # whole numbers, and two misreads that cancel (4 for 5 beside 6 for 5) are a real risk where
    # for money to the cent they are not (``funds.SUM_CHOICE`` settles up to 3)
    max_doubtful: int = 1
    # how sure a value the total settled is: above ``doubtful_below``, below a clear read
    confidence: float = 0.9
    # the sum and the printed total agree within this (scores print two decimals)
    tolerance: float = 0.011


BY_TOTAL = ByTotalOptions()


def _column(rec: FormRecord, field: str) -> list[tuple[str, float | None, Prov | None]]:
    """Each value that adds up to the total in ``field`` (weight or score), named by its row: the
    counted indicator rows and the funds block's budget-execution row."""
    return [(o.name if isinstance(o, Indicator) else o.label, getattr(o, field), o.prov.get(field)) for o in _owners(rec)]


def _adds_up(rec: FormRecord, field: str, options: ByTotalOptions) -> bool:
    printed = getattr(rec.total, field)
    parts = _column(rec, field)
    if printed is None or not parts or any(v is None for _, v, _ in parts):
        return False
    return abs(sum(v or 0.0 for _, v, _ in parts) - printed) <= options.tolerance


def check_placed(rec: FormRecord, placed: bool, options: ByTotalOptions = BY_TOTAL) -> None:
    """A 总分 row placed by position holds where its 分值, read surely, is the counted weights'
    sum; else its figures are in doubt and the block may have lost the row it was."""
    if not placed:
        return
    weight = rec.total.prov.get("weight")
    if weight is not None and weight.confidence >= options.doubtful_below and _adds_up(rec, "weight", options):
        rec.notes.append("总分行标签未能读出：按位置（指标表末行）推定为总分行，其分值等于各项分值合计。")
        return
    for prov in rec.total.prov.values():
        prov.doubt = prov.doubt or PLACED_TOTAL_DOUBT
    rec.doubts.setdefault("indicators", PLACED_LOST)


def confirm_inferred_weight(rec: FormRecord, options: ByTotalOptions = BY_TOTAL) -> None:
    """The budget's 分值 under a header told only by the columns' order (its header unread under
    a seal) is confirmed where the weights, with it, add up to the 总分 row's 分值 read surely."""
    budget = rec.funds_row("total")
    prov = budget.prov.get("weight") if budget is not None else None
    printed = rec.total.prov.get("weight")
    if (prov is None or prov.doubt != INFERRED_DOUBT or printed is None or printed.doubt
            or printed.confidence < options.doubtful_below):
        return
    others = [p for _, _, p in _column(rec, "weight") if p is not prov]
    if any(p is None or p.doubt for p in others) or not _adds_up(rec, "weight", options):
        return
    prov.doubt = None
    rec.notes.append("资金表分值列标题未能读出，按列序推定；各项分值合计与总分行相符，予以确认。")


def settle_by_total(rec: FormRecord, options: ByTotalOptions = BY_TOTAL) -> None:
    """Weights and scores read in doubt, settled where their column adds up to the 总分 row's
    figure as read, or with the one value in doubt as its second read saw it; nothing is settled where a row may be lost or any value of the column is
    missing or its reading is in doubt for a reason of its own (columns shifted, a digit lost)."""
    if rec.doubts.get("indicators") or rec.doubts.get("budget"):
        return
    for field in ("weight", "score"):
        printed = rec.total.prov.get(field)
        if printed is None or printed.doubt or (printed.confidence < options.doubtful_below and not printed.corrected):
            continue
        parts = _column(rec, field)
        provs = [p for _, _, p in parts]
        # a digits-only read taken for a non-number under a seal (``REREAD_DOUBT``) is a value in
        # doubt like any low read: the printed total may settle it; any other doubt may not
        if any(p is None or (p.doubt and p.doubt != REREAD_DOUBT) for p in provs) or any(v is None for _, v, _ in parts):
            continue
        doubtful = [(name, p) for name, _, p in parts if p is not None and not p.corrected
                    and (p.confidence < options.doubtful_below or p.doubt == REREAD_DOUBT)]
        if not doubtful or len(doubtful) > options.max_doubtful:
            continue
        as_read = _adds_up(rec, field, options)
        if not as_read and not _take_rival(rec, field, doubtful[0][1], options):
            continue
        for name, prov in doubtful:
            prov.confidence = max(prov.confidence, options.confidence)
            prov.doubt = None
            if as_read:
                rec.notes.append(f"「{name}」的{'分值' if field == 'weight' else '得分'}读数存疑（{prov.raw}），"
                                 f"各项合计与总分行相符，按所读取值。")


def _take_rival(rec: FormRecord, field: str, prov: Prov, options: ByTotalOptions) -> bool:
    """Where the column does not add up to the 总分 row as read, the one value in doubt read as
    its second read saw it (``Prov.reread``) where that makes it add up: the reading that holds
    together (held-out forms-gen s632 h23: a 分值 of 7 read '1' at 0.5, read again 7 by the
    tie-breaker; with the 1 the weights were accused of adding to 94 and the total of 100 against
    94, two false errors). Whether it was taken."""
    rival = parse_number(prov.reread) if prov.reread else None
    owner = next((o for o in _owners(rec) if o.prov.get(field) is prov), None)
    if rival is None or owner is None or getattr(owner, field) is None:
        return False
    read = getattr(owner, field)
    setattr(owner, field, rival)
    if _adds_up(rec, field, options):
        rec.notes.append(f"「{getattr(owner, 'name', None) or getattr(owner, 'label', '')}」的"
                         f"{'分值' if field == 'weight' else '得分'}首读 {read:g}、复核 {rival:g}，按总分行取 {rival:g}。")
        return True
    setattr(owner, field, read)
    return False


def _owners(rec: FormRecord) -> list[Indicator | FundsRow]:
    """The rows whose values ``_column`` adds up."""
    budget = rec.funds_row("total")
    return [*rec.counted(), *([budget] if budget is not None and budget.weight is not None else [])]
