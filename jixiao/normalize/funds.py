"""The funds block: one FundsRow per 年度资金总额 / 基本支出 / 当年财政拨款 ... row."""

from __future__ import annotations

from jixiao.grid import Cell
from jixiao.normalize.lexicon import BLOCKS, FUNDS_ROWS
from jixiao.normalize.matcher import match
from jixiao.normalize.provenance import prov_of_cell
from jixiao.normalize.sections import Block
from jixiao.normalize.table import Row, extent, role_of
from jixiao.normalize.text import clean
from jixiao.normalize.values import parse_number, parse_percent
from jixiao.record import FundsRow

_NUMERIC_ROLES = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")


def _label_cell(row: Row, block: Block) -> Cell | None:
    """The row's own label: under the 资金来源 header if there is one, else the rightmost cell left
    of the first value column that is not the block's row-spanning label."""
    roles = block.roles()
    labelled = [c for c in row.cells if role_of(c, roles) == "label"]
    if labelled:
        return labelled[-1]
    value_x = [h.extent.a for h in block.header if h.role in _NUMERIC_ROLES]
    left = min(value_x) if value_x else float("inf")
    candidates = [
        c for c in row.cells
        if role_of(c, roles) is None and _left_of(c, left) and not _is_block_label(c)
    ]
    return candidates[-1] if candidates else None


def _left_of(cell: Cell, x: float) -> bool:
    return extent(cell).b <= x + 1e-6 + 0.25 * extent(cell).width


def _is_block_label(cell: Cell) -> bool:
    return match(cell.text, {"funds": BLOCKS["funds"]}, 80).ok


def _values(row: Row, block: Block, fr: FundsRow) -> None:
    roles = block.roles()
    for cell in row.cells:
        role = role_of(cell, roles)
        if role not in _NUMERIC_ROLES or getattr(fr, role) is not None:
            continue
        value = parse_percent(cell.text) if role == "execution_rate" else parse_number(cell.text)
        if value is not None or clean(cell.text):
            setattr(fr, role, value)
            fr.prov[role] = prov_of_cell(cell)


def funds_rows(block: Block, notes: list[str]) -> list[FundsRow]:
    out: list[FundsRow] = []
    for row in block.rows:
        label_cell = _label_cell(row, block)
        if label_cell is None:
            continue
        m = match(label_cell.text, FUNDS_ROWS)
        if not m.ok or any(f.item == m.canonical for f in out):
            if clean(label_cell.text):
                notes.append(f"资金行标签未识别：{clean(label_cell.text)!r}（最接近 {m.runner_up}）")
            continue
        fr = FundsRow(item=m.canonical, label=clean(label_cell.text).rstrip(":："))  # type: ignore[arg-type]
        fr.prov["label"] = prov_of_cell(label_cell, m=m)
        _values(row, block, fr)
        out.append(fr)
    return out
