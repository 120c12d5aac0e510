"""Reading and setting one value of a record by its dotted field name (funds.total.executed,
indicators.I03.score, total.score, unit), with the value checked for its kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from jixiao.errors import JixiaoError
from jixiao.normalize.values import parse_date, parse_number, parse_percent, parse_quantity
from jixiao.record import FormRecord, FundsRow, Indicator, Prov, Total

Kind = Literal["number", "percent", "quantity", "text", "year", "date", "grade"]

FUNDS_FIELDS: dict[str, Kind] = {"initial_budget": "number", "annual_budget": "number", "executed": "number",
                                 "weight": "number", "execution_rate": "percent", "score": "number", "label": "text"}
INDICATOR_FIELDS: dict[str, Kind] = {"weight": "number", "score": "number", "target": "quantity",
                                     "actual": "quantity", "name": "text", "reason": "text"}
TOTAL_FIELDS: dict[str, Kind] = {"weight": "number", "score": "number"}
TOP_FIELDS: dict[str, Kind] = {"unit": "text", "department": "text", "project_name": "text", "title": "text",
                               "conclusion": "text", "year": "year", "fill_date": "date", "grade": "grade"}
GRADES = ("优", "良", "中", "差")


class FieldError(JixiaoError):
    """A correction aimed at a field that does not exist, or a value that does not fit it."""


@dataclass(frozen=True)
class Slot:
    """Where a field lives in the record: the object holding it, the attribute and its kind."""

    holder: FormRecord | FundsRow | Indicator | Total
    attr: str
    kind: Kind

    @property
    def prov_map(self) -> dict[str, Prov]:
        return self.holder.prov


def locate(rec: FormRecord, field: str) -> Slot:
    parts = field.split(".")
    if len(parts) == 1 and parts[0] in TOP_FIELDS:
        return Slot(rec, parts[0], TOP_FIELDS[parts[0]])
    if len(parts) == 2 and parts[0] == "total" and parts[1] in TOTAL_FIELDS:
        return Slot(rec.total, parts[1], TOTAL_FIELDS[parts[1]])
    if len(parts) == 3 and parts[0] == "funds" and parts[2] in FUNDS_FIELDS:
        row = rec.funds_row(parts[1])
        if row is not None:
            return Slot(row, parts[2], FUNDS_FIELDS[parts[2]])
    if len(parts) == 3 and parts[0] == "indicators" and parts[2] in INDICATOR_FIELDS:
        ind = rec.indicator(parts[1])
        if ind is not None:
            return Slot(ind, parts[2], INDICATOR_FIELDS[parts[2]])
    raise FieldError(f"该表没有字段「{field}」(no such field on this form)")


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


def parse_value(kind: Kind, text: str) -> Any:
    """The typed value of a correction, or FieldError saying why it does not fit."""
    text = text.strip()
    if text == "":
        return None
    if kind in ("number", "percent"):
        value = parse_percent(text) if kind == "percent" else parse_number(text)
        if value is None:
            raise FieldError(f"「{text}」不是数字 (not a number)")
        return value
    if kind == "year":
        year = parse_number(text)
        if year is None or not 1990 <= year <= 2100 or year != int(year):
            raise FieldError(f"「{text}」不是年份 (not a year)")
        return int(year)
    if kind == "date":
        iso = parse_date(text)
        if iso is None:
            raise FieldError(f"「{text}」不是日期 (not a date)")
        return iso
    if kind == "grade":
        if text not in GRADES:
            raise FieldError(f"等级须为 优/良/中/差 (grade must be one of {GRADES})")
        return text
    if kind == "quantity":
        return parse_quantity(text)
    return text


def apply(rec: FormRecord, field: str, text: str) -> None:
    """Set the field to the corrected value, marking its provenance as corrected."""
    slot = locate(rec, field)
    setattr(slot.holder, slot.attr, parse_value(slot.kind, text))
    prov = slot.prov_map.get(slot.attr) if hasattr(slot.holder, "prov") else None
    if prov is not None:
        slot.prov_map[slot.attr] = prov.model_copy(update={"corrected": True})
    elif hasattr(slot.holder, "prov"):
        slot.prov_map[slot.attr] = Prov(raw="", corrected=True)
