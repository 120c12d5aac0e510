"""The indicator block: one Indicator per 三级指标 row, with subtotals linked to their components."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jixiao.grid import Cell
from jixiao.normalize.align import align, indicator_fit, is_unit
from jixiao.normalize.centring import centred_groups
from jixiao.normalize.decisions import Decisions
from jixiao.normalize.lexicon import LEVEL1, LEVEL2, LEVEL2_HINTS, LEVEL2_PARENT
from jixiao.normalize.matcher import Match, declared_weight, match
from jixiao.normalize.provenance import prov_of_cell
from jixiao.normalize.sections import Block
from jixiao.normalize.table import Row, role_of
from jixiao.normalize.values import compose_quantity, parse_number, parse_quantity
from jixiao.record import Indicator, Quantity
from jixiao.text import clean, is_dash

_NUMBERED = re.compile(r"^\s*(?:\d{1,2}\s*[.、．)）]|[(（]\s*\d{1,2}\s*[)）]|[①-⑳]|[一二三四五六七八九十]{1,2}\s*[、.])")
_SUBTOTAL = re.compile(r"小计|合计")
UNKNOWN_UNIT = 0.5


@dataclass
class _Levels:
    """Level labels carry forward: a label cell cut by a page break is blank on the next page."""

    level1: tuple[str | None, str | None] = (None, None)  # canonical, printed
    level2: tuple[str | None, str | None] = (None, None)
    declared: dict[str, float] = field(default_factory=dict)
    decisions: Decisions = field(default_factory=Decisions)


def _by_role(row: Row, block: Block) -> dict[str, Cell]:
    """Each role's cell: under its header where that holds, else aligned by what the values are."""
    if block.positional(row):
        out = _by_header(row, block)
        if _plausible(out):
            return out
    out = align(row.cells, ["level1", "level2", *[r for r in block.role_order() if r not in ("level1", "level2")]],
                indicator_fit)
    if "name" not in out:  # a name that reads like a label ('服务对象满意度') is still the name
        for role in ("level2", "level1"):
            if role in out:
                out["name"] = out.pop(role)
                break
    return out


def _by_header(row: Row, block: Block) -> dict[str, Cell]:
    roles = block.roles()
    out: dict[str, Cell] = {}
    for cell in row.cells:
        role = role_of(cell, roles)
        if role and (role not in out or (not clean(out[role].text) and clean(cell.text))):
            out[role] = cell
    return out


def _plausible(cells: dict[str, Cell]) -> bool:
    """Values that contradict their column (a text under 分值, a number as the name) mean the row's
    cells shifted: the header's positions do not hold for it."""
    for role in ("weight", "score"):
        text = _text(cells, role)
        if text and not is_dash(text) and parse_number(text) is None:
            return False
    name = _text(cells, "name")
    # a numbered component ('1.培训费', '1. 劳务及咨询费') holds a number and is still a name
    return not (name and parse_number(name) is not None and len(name) <= 8 and not _NUMBERED.match(name))


def _text(cells: dict[str, Cell], role: str) -> str:
    cell = cells.get(role)
    return clean(cell.text) if cell else ""


def _level(cells: dict[str, Cell], role: str, vocab: dict[str, tuple[str, ...]]) -> tuple[Match | None, str]:
    printed = _text(cells, role)
    return (match(printed, vocab) if printed else None), printed


Own = tuple[str | None, str | None] | None  # a level label the row wrote itself: canonical, printed


def _update_levels(cells: dict[str, Cell], levels: _Levels) -> tuple[Own, Own]:
    """Carry the level labels forward; return the ones this row wrote itself."""
    m1, p1 = _level(cells, "level1", LEVEL1)
    m2, p2 = _level(cells, "level2", LEVEL2)
    for role, m in (("level1", m1), ("level2", m2)):
        if m is not None:
            levels.decisions.add(role, cells[role], m)
    if m1 is not None and m1.ok:
        levels.level1 = (m1.canonical, p1)
        weight = declared_weight(p1)
        if weight is not None and m1.canonical:
            levels.declared[m1.canonical] = weight
    if m2 is not None and m2.ok:
        levels.level2 = (m2.canonical, p2)
        if m1 is None or not m1.ok:
            parent = LEVEL2_PARENT.get(m2.canonical or "")
            if parent != levels.level1[0]:
                levels.level1 = (parent, levels.level1[1] if levels.level1[0] == parent else None)
    elif m1 is not None and m1.ok and LEVEL2_PARENT.get(levels.level2[0] or "") != m1.canonical:
        # a new 一级指标 whose 二级 label could not be read: the one carried from the block above
        # belongs to another 一级指标; 满意度 has a single 二级指标, the others stay unknown
        children = [c for c, parent in LEVEL2_PARENT.items() if parent == m1.canonical]
        levels.level2 = (children[0], None) if len(children) == 1 else (None, None)
    own1 = (m1.canonical, p1) if m1 is not None and m1.ok else None
    own2 = (m2.canonical, p2) if m2 is not None and m2.ok else None
    return own1, own2


def _quantity(cells: dict[str, Cell], role: str, block: Block) -> Quantity | None:
    if role == "target" and block.has("nature"):
        return compose_quantity(_text(cells, "nature"), _text(cells, "target"), _text(cells, "measure_unit"))
    q = parse_quantity(_text(cells, role))
    unit = _text(cells, "measure_unit")
    if q is not None and q.value is not None and q.unit is None and unit and not is_dash(unit):
        q = Quantity(text=q.text, op=q.op, value=q.value, unit=unit)
    return q


def _indicator(idx: int, cells: dict[str, Cell], block: Block, levels: _Levels) -> Indicator:
    ind = Indicator(
        id=f"I{idx:02d}",
        level1=levels.level1[0],  # type: ignore[arg-type]
        level2=levels.level2[0],  # type: ignore[arg-type]
        level1_label=levels.level1[1],
        level2_label=levels.level2[1],
        name=_text(cells, "name"),
        target=_quantity(cells, "target", block),
        actual=_quantity(cells, "actual", block),
        weight=parse_number(_text(cells, "weight")),
        score=parse_number(_text(cells, "score")),
        reason=_reason(_text(cells, "reason")),
    )
    for role in ("name", "target", "actual", "weight", "score", "reason", "level1", "level2"):
        if role in cells:
            ind.prov[role] = prov_of_cell(cells[role])
    if "target" in ind.prov and block.has("nature"):
        # a target printed over three cells is as sure as the least sure of them, and a unit
        # no form uses ('三' for a '%' the OCR could not see) is no unit at all
        parts = [cells[r].confidence for r in ("nature", "measure_unit") if r in cells]
        unit = _text(cells, "measure_unit")
        if unit and not is_dash(unit) and not is_unit(unit):
            parts.append(UNKNOWN_UNIT)
        ind.prov["target"].confidence = min([ind.prov["target"].confidence, *parts])
    return ind


def _reason(text: str) -> str | None:
    return None if not text or is_dash(text) else text


def _is_content(cells: dict[str, Cell], row: Row) -> bool:
    """The row writes an indicator of its own: a row under the tail of a row-spanning one (a
    label cut by a page break, say) only repeats the cells it sits under."""
    own = [cells[r] for r in ("name", "target", "actual", "weight", "score") if _text(cells, r)]
    return any(c.row == row.index for c in own)


@dataclass
class _Seen:
    """What one indicator row showed of its own: its grid and the level labels written on it."""

    grid: int
    level1: tuple[str | None, str | None] | None
    level2: tuple[str | None, str | None] | None


def indicator_rows(blocks: list[Block], decisions: Decisions) -> tuple[list[Indicator], dict[str, float]]:
    """Indicators of every indicator block in order (a continued table may repeat its header);
    level labels carry across blocks and pages."""
    levels = _Levels(decisions=decisions)
    out: list[Indicator] = []
    seen: list[_Seen] = []
    spans_known = True
    for block in blocks:
        for row in block.rows:
            cells = _by_role(row, block)
            own1, own2 = _update_levels(cells, levels)
            if _is_content(cells, row) and _text(cells, "name"):
                out.append(_indicator(len(out) + 1, cells, block, levels))
                seen.append(_Seen(row.grid_index, own1, own2))
                spans_known = spans_known and _spans_known(row)
    if not spans_known:
        _regroup(out, seen)
    link_subtotals(out)
    return out, levels.declared


def _spans_known(row: Row) -> bool:
    """Text transcripts flatten merged cells: a label is written once, on the middle row. An
    office file's cells (those with a location) are its own merges, exactly."""
    return any(c.box is not None or c.row_span > 1 or c.location is not None for c in row.cells)


def _hint(name: str) -> str | None:
    found = [l2 for l2, words in LEVEL2_HINTS.items() if any(w in name for w in words)]
    return found[0] if len(found) == 1 else None


def _regroup(out: list[Indicator], seen: list[_Seen]) -> None:
    """Level labels of a flattened transcript: each label covers the rows it is centred on."""
    for level in ("level2", "level1"):
        _regroup_level(out, seen, level)
    for ind in out:
        parent = LEVEL2_PARENT.get(ind.level2 or "")
        if parent and ind.level1 != parent:
            ind.level1, ind.level1_label = parent, None  # type: ignore[assignment]


def _regroup_level(out: list[Indicator], seen: list[_Seen], level: str) -> None:
    positions = [k for k, s in enumerate(seen) if getattr(s, level) is not None]
    labels = [getattr(seen[k], level) for k in positions]

    def disagrees(row: int, group: int) -> bool:
        hint = _hint(out[row].name)
        if hint is None:
            return False
        want = hint if level == "level2" else LEVEL2_PARENT.get(hint)
        return labels[group][0] != want

    groups = centred_groups(len(out), positions, disagrees)
    if groups is None:
        return  # labels stay carried forward, as read
    for row, group in enumerate(groups):
        setattr(out[row], level, labels[group][0])
        setattr(out[row], f"{level}_label", labels[group][1])


def link_subtotals(indicators: list[Indicator]) -> None:
    """A 小计 row owns the numbered rows that follow it in the same 二级指标 group."""
    current: Indicator | None = None
    for ind in indicators:
        if _SUBTOTAL.search(ind.name) and not _NUMBERED.match(ind.name):
            ind.is_subtotal = True
            current = ind
        elif current is not None and _NUMBERED.match(ind.name) and ind.level2 == current.level2:
            ind.parent = current.id
            current.children.append(ind.id)
        else:
            current = None
