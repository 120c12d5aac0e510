"""Which template family a form is (jixiao/families/*.toml): from the columns its funds and
indicator blocks print and fill, their order, and the funds rows it has.

A column printed but left empty everywhere counts as absent: the rules check only what the form
fills in (a 年初预算数 column left blank is not a zero)."""

from __future__ import annotations

import re
from typing import Literal

from jixiao.family import UNKNOWN, Family, families
from jixiao.normalize.confusion import fold
from jixiao.normalize.sections import Sections
from jixiao.record import FormRecord, TemplateChoice
from jixiao.text import clean

# a family is named when it fits at least this well and leads the runner-up by MARGIN; below it
# the form is "unknown" and gets every rule its columns support. Measured on the fixtures of
# every family (fixtures/families.py): right families scored >= 0.93, the nearest wrong one <= 0.86
ACCEPT = 0.80
MARGIN = 0.02
# how much each part of the evidence weighs in the fit
W_INDICATORS, W_FUNDS, W_ROWS, W_ORDER = 0.45, 0.30, 0.10, 0.15

_INDICATOR_FIELDS = {"target": "target", "actual": "actual", "weight": "weight", "score": "score",
                     "reason": "reason", "name": "name", "level1": "level1", "level2": "level2"}
_YUAN = re.compile(r"[(（]\s*元\s*[)）]|单位\s*[:：]\s*元(?!\S*万)")
_WANYUAN = re.compile(r"万元|萬元")


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def funds_columns(rec: FormRecord, sections: Sections) -> list[str]:
    """The funds block's value columns in printed order, those filled on some row."""
    if not sections.funds:
        return []
    order = [r for r in sections.funds[0].role_order() if r != "label"]
    return [r for r in order if any(getattr(f, r, None) is not None for f in rec.funds)]


def indicator_columns(rec: FormRecord, sections: Sections) -> list[str]:
    if not sections.indicators:
        return []
    out = []
    for role in sections.indicators[0].role_order():
        field = _INDICATOR_FIELDS.get(role)
        if role in ("nature", "measure_unit"):
            out.append(role)  # parts of the split target: their values live in target
        elif field is not None and any(getattr(i, field, None) not in (None, "") for i in rec.indicators):
            out.append(role)
    return out


def empty_columns(rec: FormRecord, sections: Sections) -> list[str]:
    """Headers printed over columns that no row fills, as 'block.column'."""
    out = []
    if sections.funds:
        filled = set(funds_columns(rec, sections))
        out += [f"funds.{r}" for r in sections.funds[0].role_order() if r != "label" and r not in filled]
    if sections.indicators:
        filled = set(indicator_columns(rec, sections))
        out += [f"indicators.{r}" for r in sections.indicators[0].role_order()
                if r in _INDICATOR_FIELDS and r not in filled]
    return out


def money_unit(sections: Sections) -> Literal["万元", "元"]:
    """万元 unless the funds block says 元 (a header '(元)' or '单位：元'), as some counties print."""
    for block in sections.funds:
        # the block's side label may sit on any of its rows (a transcript centres it in its span)
        cells = [c for row in [block.header_row, *block.rows] for c in row.cells]
        text = "".join(fold(clean(c.text)) for c in cells if not any(ch.isdigit() for ch in c.text))
        if _YUAN.search(text) and not _WANYUAN.search(text):
            return "元"
    return "万元"


def _known_rows(rows: list[str], family: Family) -> float:
    """The share of the form's funds rows the family may hold (a family lists every row it can);
    none where the form lacks a row group the family requires."""
    if not all(set(group) & set(rows) for group in family.funds.requires):
        return 0.0
    return sum(r in family.funds.rows for r in rows) / len(rows) if rows else 1.0


def _order_fit(family: Family, cols: list[str]) -> float:
    """Whether 分值 comes before the values, as the family prints it."""
    if "weight" not in cols or "target" not in cols:
        return 1.0 if "weight" not in family.columns.indicators else 0.5
    before = cols.index("weight") < cols.index("target")
    return 1.0 if before == family.weight_before_values else 0.0


def fit(family: Family, ind_cols: list[str], fund_cols: list[str], rows: list[str], unit: str) -> float:
    score = (W_INDICATORS * _jaccard(set(ind_cols), set(family.columns.indicators))
             + W_FUNDS * _jaccard(set(fund_cols), set(family.columns.funds))
             + W_ROWS * _known_rows(rows, family)
             + W_ORDER * _order_fit(family, ind_cols))
    return score if unit == family.funds.money_unit else score * 0.9


def _printed(sections: Sections, kind: str) -> list[str]:
    """The columns a block's header prints, filled or not: the template's shape."""
    blocks = sections.funds if kind == "funds" else sections.indicators
    return [r for r in blocks[0].role_order() if r != "label"] if blocks else []


def recognise(rec: FormRecord, sections: Sections) -> TemplateChoice:
    ind_cols = indicator_columns(rec, sections)
    fund_cols = funds_columns(rec, sections)
    rows: list[str] = [f.item for f in rec.funds]
    unit = money_unit(sections)
    # the family is told by what the template prints; the rules by what the form fills
    shape_ind, shape_funds = _printed(sections, "indicators"), _printed(sections, "funds")
    ranked = sorted(((fit(f, shape_ind, shape_funds, rows, unit), f.name) for f in families()), reverse=True)
    best, name = ranked[0] if ranked else (0.0, UNKNOWN)
    runner, runner_name = ranked[1] if len(ranked) > 1 else (0.0, None)
    chosen = name if best >= ACCEPT and best - runner >= MARGIN else UNKNOWN
    return TemplateChoice(
        family=chosen, confidence=round(best, 3), runner_up=runner_name if chosen != UNKNOWN else name,
        runner_score=round(runner if chosen != UNKNOWN else best, 3), funds_columns=fund_cols,
        indicator_columns=ind_cols, funds_rows=rows, money_unit=unit,
        empty_columns=empty_columns(rec, sections),  # type: ignore[arg-type]
    )


_MONEY = ("initial_budget", "annual_budget", "executed")
_SCALE = {("万元", "元"): 10000.0, ("元", "万元"): 0.0001}


def _cell_unit(raw: str) -> str | None:
    t = clean(raw)
    if "万元" in t:
        return "万元"
    return "元" if t.endswith("元") else None


def one_money_unit(rec: FormRecord, unit: str, notes: list[str]) -> None:
    """Every funds amount in the block's unit: a cell that prints its own ('208万元' in a block of
    元) is converted, and the record says so, so that sums compare like with like."""
    for row in rec.funds:
        for key in _MONEY:
            value, prov = getattr(row, key), row.prov.get(key)
            own = _cell_unit(prov.raw) if prov is not None else None
            if value is None or own is None or own == unit:
                continue
            converted = round(value * _SCALE[(own, unit)], 6)
            setattr(row, key, converted)
            notes.append(f"「{row.label}」{prov.raw if prov else ''} 以{own}填报，已换算为 {converted:g} {unit}。")
