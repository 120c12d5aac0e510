"""The funds block: one FundsRow per 年度资金总额 / 基本支出 / 当年财政拨款 ... row."""

from __future__ import annotations

import re

from jixiao.grid import Cell
from jixiao.normalize.align import align, funds_fit
from jixiao.normalize.confusion import fold
from jixiao.normalize.decisions import Decisions
from jixiao.normalize.lexicon import BLOCKS, FUNDS_ROWS
from jixiao.normalize.matcher import label_key, match
from jixiao.normalize.provenance import prov_of_cell
from jixiao.normalize.sections import Block
from jixiao.normalize.table import Row, extent, role_of
from jixiao.normalize.values import parse_number, parse_percent
from jixiao.record import FundsRow
from jixiao.text import clean, is_dash

_NUMERIC_ROLES = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")
# a value read together with a label the OCR leaked into its cell ('五十100年数(N) 738.26')
REPAIRED_CONFIDENCE = 0.75


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
    filled = [c for c in candidates if clean(c.text)]
    return (filled or candidates)[-1] if candidates else None


def _left_of(cell: Cell, x: float) -> bool:
    return extent(cell).b <= x + 1e-6 + 0.25 * extent(cell).width


def _is_block_label(cell: Cell) -> bool:
    return match(cell.text, {"funds": BLOCKS["funds"]}, 80).ok and not _labels_inside(clean(cell.text))


def number_in(cell: Cell, percent: bool = False) -> tuple[float | None, bool]:
    """The cell's number, and whether it had to be picked out of leaked label text."""
    parse = parse_percent if percent else parse_number
    value = parse(cell.text)
    if value is not None or is_dash(cell.text):
        return value, False
    tokens = (cell.raw or cell.text).split()
    if len(tokens) > 1 and re.search(r"[^\d\s.,%—\-]", " ".join(tokens[:-1])):
        tail = parse(tokens[-1])
        if tail is not None:
            return tail, True
    return None, False


def _cells_by_role(row: Row, block: Block) -> dict[str, Cell]:
    if block.positional(row):
        roles = block.roles()
        out: dict[str, Cell] = {}
        for cell in row.cells:
            role = role_of(cell, roles)
            if role in _NUMERIC_ROLES and role not in out:
                out[role] = cell  # a split header's second column repeats the first: keep one
        if any(clean(c.text) for c in out.values()):
            return out
    return align(row.cells, ["label", *[r for r in block.role_order() if r in _NUMERIC_ROLES]], funds_fit)


def _values(row: Row, block: Block, fr: FundsRow) -> None:
    for role, cell in _cells_by_role(row, block).items():
        if role not in _NUMERIC_ROLES:
            continue
        value, repaired = number_in(cell, percent=role == "execution_rate")
        if value is None and not clean(cell.text):
            continue
        setattr(fr, role, value)
        fr.prov[role] = prov_of_cell(cell)
        if repaired:
            fr.prov[role].confidence = min(fr.prov[role].confidence, REPAIRED_CONFIDENCE)


def _labels_inside(text: str) -> list[str]:
    """Funds-row labels found inside one cell, in reading order: an OCR engine that ran the side
    label and two rows' labels together ('…资金(万元) 基本支出 项目支出') gives several."""
    key = label_key(text)
    found: list[tuple[int, str]] = []
    taken: list[range] = []
    variants = sorted({v for vs in FUNDS_ROWS.values() for v in vs if len(v) >= 4}, key=len, reverse=True)
    for variant in variants:
        pos = key.find(label_key(variant))
        span = range(pos, pos + len(label_key(variant)))
        if pos >= 0 and not any(set(span) & set(t) for t in taken):
            found.append((pos, label_key(variant)))
            taken.append(span)
    return [v for _, v in sorted(found)]


def funds_rows(block: Block, notes: list[str], decisions: Decisions) -> list[FundsRow]:
    out: list[FundsRow] = []
    pending: list[str] = []  # labels found in an earlier row's cell, for rows that lack their own
    for row in block.rows:
        label_cell = _label_cell(row, block)
        if label_cell is None:
            continue
        text = clean(label_cell.text)
        m = match(text, FUNDS_ROWS)
        if not m.ok:
            inside = _labels_inside(text) if text else []
            label = inside[0] if inside else (pending.pop(0) if pending and not text else None)
            pending.extend(inside[1:])
            m = match(label, FUNDS_ROWS) if label else m
            text = label or text
        if not m.ok or any(f.item == m.canonical for f in out):
            if text:
                notes.append(f"资金行标签未识别：{text!r}（最接近 {m.runner_up}）")
            continue
        decisions.add("funds.row", label_cell, m)
        # a label that matched is a label: every look-alike in it is folded back ('頂目支出')
        fr = FundsRow(item=m.canonical, label=fold(text).rstrip(":："))  # type: ignore[arg-type]
        fr.prov["label"] = prov_of_cell(label_cell, m=m)
        _values(row, block, fr)
        out.append(fr)
    return out
