"""Reading and setting one value of a record by its dotted field name (funds.total.executed,
indicators.I03.score, total.score, unit), with what a person types checked for its kind and range.

A person's entry is parsed strictly (unlike OCR output, nothing is repaired: an 'S' is not a 5),
and refused with a Chinese sentence that names the value by the row and column the auditor sees.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from jixiao.errors import JixiaoError
from jixiao.normalize.values import parse_date, parse_quantity
from jixiao.record import FormRecord, FundsRow, Indicator, Prov, Total
from jixiao.text import DASHES, nfkc

Kind = Literal["money", "points", "total_points", "percent", "quantity", "text", "long_text", "year", "date",
               "grade"]
NUMERIC: frozenset[str] = frozenset({"money", "points", "total_points", "percent"})

FUNDS_FIELDS: dict[str, Kind] = {"initial_budget": "money", "annual_budget": "money", "executed": "money",
                                 "weight": "points", "execution_rate": "percent", "score": "points",
                                 "label": "text"}
INDICATOR_FIELDS: dict[str, Kind] = {"weight": "points", "score": "points", "target": "quantity",
                                     "actual": "quantity", "name": "text", "reason": "long_text"}
TOTAL_FIELDS: dict[str, Kind] = {"weight": "total_points", "score": "total_points"}
TOP_FIELDS: dict[str, Kind] = {"unit": "text", "department": "text", "project_name": "text", "title": "text",
                               "conclusion": "long_text", "year": "year", "fill_date": "date", "grade": "grade"}
GRADES = ("优", "良", "中", "差")

# what the auditor sees as the column of a value
FIELD_NAMES = {"initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数",
               "weight": "分值", "execution_rate": "执行率", "score": "得分", "label": "行标签",
               "target": "年度指标值", "actual": "实际完成值", "name": "指标名称", "reason": "原因分析",
               "unit": "单位名称", "department": "主管部门", "project_name": "项目名称", "title": "表名",
               "conclusion": "自评结论", "year": "年度", "fill_date": "填报日期", "grade": "自评等级"}


class Bounds(BaseModel):
    """What a person may enter, per kind of value. Not the rules (a form may break those, and its
    figure must still be enterable as printed) but what no form prints: beyond these a figure is a
    typo, and storing it would turn a typo into findings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # a form's points add up to 100, so no row's weight or score is above it
    points: tuple[float, float] = (0.0, 100.0)
    # a printed total above 100 is a finding (TOTAL_MISMATCH), so it must be enterable; twice is not seen
    total_points: tuple[float, float] = (0.0, 200.0)
    # 万元: 1e8 万元 is 1 万亿元, beyond any one unit's budget (the largest province's is ~2e5 万元 × 100)
    money: tuple[float, float] = (0.0, 1e8)
    # execution rates and completion percentages are printed above 100 (106%), never ten times over
    percent: tuple[float, float] = (0.0, 1000.0)
    # forms print money to 2 places and rates to 2–4; more is a slip of the keyboard
    decimals: int = 4
    text: int = 200
    long_text: int = 2000
    years: tuple[int, int] = (1990, 2100)


BOUNDS = Bounds()
_KIND_WORD = {"money": "金额（万元）", "points": "分值/得分", "total_points": "总分", "percent": "百分比"}
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")  # 1,234.5 groups thousands; 4,65 is refused
_UNIT = {"money": "万元", "points": "分", "total_points": "分", "percent": "%"}


class FieldError(JixiaoError):
    """A correction aimed at a field that does not exist, or a value that does not fit it."""


@dataclass(frozen=True)
class Slot:
    """Where a field lives in the record: the object holding it, the attribute and its kind."""

    holder: FormRecord | FundsRow | Indicator | Total
    attr: str
    kind: Kind
    label: str  # the row and column as the auditor sees them: 项目支出小计 · 得分

    @property
    def prov_map(self) -> dict[str, Prov]:
        return self.holder.prov

    @property
    def prov(self) -> Prov | None:
        return self.holder.prov.get(self.attr)


def locate(rec: FormRecord, field: str) -> Slot:
    parts = field.split(".")
    word = FIELD_NAMES.get(parts[-1], parts[-1])
    if len(parts) == 1 and parts[0] in TOP_FIELDS:
        return Slot(rec, parts[0], TOP_FIELDS[parts[0]], f"表头 · {word}")
    if len(parts) == 2 and parts[0] == "total" and parts[1] in TOTAL_FIELDS:
        return Slot(rec.total, parts[1], TOTAL_FIELDS[parts[1]], f"总分 · {word}")
    if len(parts) == 3 and parts[0] == "funds" and parts[2] in FUNDS_FIELDS:
        row = rec.funds_row(parts[1])
        if row is not None:
            return Slot(row, parts[2], FUNDS_FIELDS[parts[2]], f"{row.label} · {word}")
    if len(parts) == 3 and parts[0] == "indicators" and parts[2] in INDICATOR_FIELDS:
        ind = rec.indicator(parts[1])
        if ind is not None:
            return Slot(ind, parts[2], INDICATOR_FIELDS[parts[2]], f"{ind.name} · {word}")
    raise FieldError("该表没有这一项数值，请刷新页面后再试")


def label_of(rec: FormRecord, field: str) -> str:
    """The row and column of a field for messages; the dotted name only if the form lacks it."""
    try:
        return locate(rec, field).label
    except FieldError:
        return field


def display(value: Any) -> str:
    """A value as the form prints it, for the editor and for the correction log."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, BaseModel) and hasattr(value, "text"):
        return str(value.text)
    return str(value)


def current(rec: FormRecord, field: str) -> str:
    slot = locate(rec, field)
    return display(getattr(slot.holder, slot.attr))


def is_blank(text: str) -> bool:
    """Nothing entered: empty, spaces, or a dash standing for an empty cell."""
    t = nfkc(text).strip()
    return t == "" or t in DASHES


def _number(kind: Kind, text: str, label: str) -> float:
    t = nfkc(text).replace("−", "-").replace(" ", "").removesuffix(_UNIT[kind])
    if not _NUMBER.fullmatch(t):
        raise FieldError(f"「{label}」须填数字，「{text.strip()[:40]}」不是数字")
    t = t.replace(",", "")
    value = float(t)
    low, high = getattr(BOUNDS, kind)
    if not math.isfinite(value) or not low <= value <= high:
        raise FieldError(f"「{label}」须在 {low:g} 到 {high:g} 之间（{_KIND_WORD[kind]}），填入的是 {t[:30]}")
    if "." in t and len(t.split(".", 1)[1]) > BOUNDS.decimals:
        raise FieldError(f"「{label}」最多 {BOUNDS.decimals} 位小数，填入的是 {t}")
    return value


def parse_value(kind: Kind, text: str, label: str = "该值") -> Any:
    """The typed value of a correction (None for blank), or FieldError saying why it does not fit."""
    if is_blank(text):
        return None
    text = text.strip()
    if kind in NUMERIC:
        return _number(kind, text, label)
    if kind == "year":
        t = nfkc(text).removesuffix("年")
        low, high = BOUNDS.years
        if not t.isdigit() or not low <= int(t) <= high:
            raise FieldError(f"「{label}」须为 {low}–{high} 之间的年份，「{text[:20]}」不是")
        return int(t)
    if kind == "date":
        iso = parse_date(text)
        if iso is None:
            raise FieldError(f"「{label}」须为日期（如 2025-02-20 或 2025年2月20日），「{text[:30]}」不是")
        return iso
    if kind == "grade":
        if nfkc(text) not in GRADES:
            raise FieldError(f"「{label}」须为 优、良、中、差 之一")
        return nfkc(text)
    limit = BOUNDS.long_text if kind == "long_text" else BOUNDS.text
    if len(text) > limit:
        raise FieldError(f"「{label}」最长 {limit} 字，填入了 {len(text)} 字")
    if kind == "quantity":
        quantity = parse_quantity(text)
        if quantity is not None and quantity.value is not None and not abs(quantity.value) < 1e12:
            raise FieldError(f"「{label}」中的数字过大：{text[:30]}")
        return quantity
    return text


def same_value(kind: Kind, a: Any, b: Any) -> bool:
    """Whether a correction would change nothing: 6 and 6.0, or the same text."""
    if kind in NUMERIC and a is not None and b is not None:
        return abs(float(a) - float(b)) < 1e-9
    return display(a).strip() == display(b).strip()


def apply(rec: FormRecord, field: str, text: str) -> None:
    """Set the field to the corrected value, marking its provenance as vouched for by a person."""
    slot = locate(rec, field)
    setattr(slot.holder, slot.attr, parse_value(slot.kind, text, slot.label))
    vouch(rec, field)


def vouch(rec: FormRecord, field: str) -> None:
    """Mark a value as checked by a person (its reading confirmed, or corrected): the rules then
    stop treating it as doubtful. What was read stays in the provenance's ``raw``."""
    slot = locate(rec, field)
    prov = slot.prov
    slot.prov_map[slot.attr] = prov.model_copy(update={"corrected": True}) if prov else Prov(raw="", corrected=True)
