"""A funds 分值 header a seal left unread (dev forms-gen s541 h24): the column is told by the
header's order, only its own values are in doubt, and the budget's weight is confirmed where the
weights add up to the 总分 row's 分值 read surely."""

from __future__ import annotations

from jixiao.normalize.by_total import confirm_inferred_weight
from jixiao.normalize.funds import INFERRED_DOUBT, _doubted
from jixiao.record import FormRecord, FormSource, FundsRow, Indicator, Prov


def _record(weights: list[float], total: float, total_conf: float = 0.99) -> FormRecord:
    budget = FundsRow(item="total", label="年度资金总额", annual_budget=100.0, executed=98.0, weight=10.0,
                      execution_rate=98.0, score=9.8, prov={"weight": Prov(raw="10", confidence=0.99, doubt=INFERRED_DOUBT)})
    rows = [Indicator(id=f"I{k}", name=f"指标{k}", level1="output", weight=w, score=w,
                      prov={"weight": Prov(raw=str(w), confidence=0.99)}) for k, w in enumerate(weights)]
    rec = FormRecord(source=FormSource(file="s.png", sha256="", pages=[1]), funds=[budget], indicators=rows)
    rec.total.weight = total
    rec.total.prov["weight"] = Prov(raw=str(total), confidence=total_conf)
    return rec


def test_only_the_points_columns_told_by_order_are_in_doubt() -> None:
    assert _doubted(INFERRED_DOUBT, {"weight"}) == frozenset({"weight"})
    assert _doubted(INFERRED_DOUBT, {"weight", "score"}) == frozenset({"weight", "score"})
    # a money column told by order puts the whole row in doubt, and so does any other reason
    assert _doubted(INFERRED_DOUBT, {"weight", "executed"}) is None
    assert _doubted("列对齐可疑", {"weight"}) is None


def test_the_budget_weight_under_an_inferred_header_is_confirmed_by_the_total_row() -> None:
    rec = _record([50.0, 30.0, 10.0], 100.0)
    confirm_inferred_weight(rec)
    assert rec.funds[0].prov["weight"].doubt is None and any("按列序推定" in n for n in rec.notes)


def test_it_stays_in_doubt_where_the_weights_do_not_add_up_or_the_total_is_unsure() -> None:
    for rec in (_record([50.0, 30.0, 12.0], 100.0), _record([50.0, 30.0, 10.0], 100.0, total_conf=0.5)):
        confirm_inferred_weight(rec)
        assert rec.funds[0].prov["weight"].doubt == INFERRED_DOUBT and not rec.notes
