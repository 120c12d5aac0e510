"""LOW_CONFIDENCE: values the reader was unsure of, and labels mapped by a narrow margin."""

from __future__ import annotations

from jixiao.record import Prov
from jixiao.score.context import Audit, fmt

_FIELD_NAMES = {"weight": "分值", "score": "得分", "target": "年度指标值", "actual": "实际完成值",
                "initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数",
                "execution_rate": "执行率", "name": "指标名称", "label": "行标签"}


def _values(a: Audit) -> list[tuple[str, str, Prov, str | None]]:
    rec = a.record
    out: list[tuple[str, str, Prov, str | None]] = []
    for f in rec.funds:
        out.extend((f.label, k, p, None) for k, p in f.prov.items())
    for i in rec.indicators:
        out.extend((i.name, k, p, i.id) for k, p in i.prov.items())
    out.extend(("总分", k, p, None) for k, p in rec.total.prov.items())
    return out


def check_confidence(a: Audit) -> None:
    c = a.rules.confidence
    for target, field_name, prov, ident in _values(a):
        word = _FIELD_NAMES.get(field_name, field_name)
        if prov.confidence < c.low:
            a.add(
                "LOW_CONFIDENCE", target, field_name,
                f"「{target}」的{word}识别为「{prov.raw}」，置信度 {fmt(prov.confidence)} 低于 "
                f"{fmt(c.low)}，请对照原件核实。",
                "confidence.value", prov.raw, None, prov, (), ident,
            )
        elif prov.match_margin is not None and prov.match_margin < c.label_margin:
            a.add(
                "LOW_CONFIDENCE", target, field_name,
                f"标签「{prov.raw}」归为「{target}」的把握不大（与次优候选仅差 {fmt(prov.match_margin)} 分），"
                f"请核实。",
                "confidence.label", prov.raw, None, prov, (), ident,
            )
