"""LOW_CONFIDENCE: values the reader was unsure of, and labels mapped by a narrow margin."""

from __future__ import annotations

from jixiao.record import Prov
from jixiao.score.context import Audit, fmt

_FIELD_NAMES = {"weight": "分值", "score": "得分", "target": "年度指标值", "actual": "实际完成值",
                "initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数",
                "execution_rate": "执行率", "name": "指标名称", "label": "行标签", "unit": "单位名称",
                "department": "主管部门", "project_name": "项目名称", "fill_date": "填报日期",
                "title": "表名", "conclusion": "自评结论", "grade": "自评等级"}


def _values(a: Audit) -> list[tuple[str, str, Prov, str | None]]:
    rec = a.record
    out: list[tuple[str, str, Prov, str | None]] = []
    for f in rec.funds:
        out.extend((f.label, k, p, None) for k, p in f.prov.items())
    for i in rec.indicators:
        out.extend((i.name, k, p, i.id) for k, p in i.prov.items())
    out.extend(("总分", k, p, None) for k, p in rec.total.prov.items())
    out.extend((_FIELD_NAMES.get(k, k), k, p, None) for k, p in rec.prov.items())
    return out


def check_confidence(a: Audit) -> None:
    c = a.rules.confidence
    for target, field_name, prov, ident in _values(a):
        word = _FIELD_NAMES.get(field_name, field_name)
        if prov.confidence < c.low and not prov.corrected:
            a.add(
                "LOW_CONFIDENCE", target, field_name,
                f"「{target}」的{word}识别为「{prov.raw}」，置信度 {fmt(prov.confidence)} 低于 "
                f"{fmt(c.low)}，请对照原件核实。",
                "confidence.value", prov.raw, None, prov, (), ident,
            )
    for d in a.record.labels:
        if d.canonical is not None and d.margin < c.label_margin:
            where = Prov(page=d.page, box=d.box, raw=d.raw, line=d.line, column=d.column)
            a.add(
                "LOW_CONFIDENCE", d.raw, d.kind,
                f"标签「{d.raw}」识别为「{d.canonical}」（{fmt(d.score)} 分），但与次优候选「{d.runner_up}」"
                f"（{fmt(d.runner_score)} 分）仅差 {fmt(d.margin)} 分，请核实该行/列的含义。",
                "confidence.label", d.canonical, d.runner_up, where,
            )
