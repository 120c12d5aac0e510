"""The indicator block: one Indicator per 三级指标 row, with subtotals linked to their components."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from jixiao.grid import Cell
from jixiao.normalize.align import align, indicator_fit, is_number
from jixiao.normalize.centring import CENTRED_UNDER_HABIT, TOP_ALIGNED, TOP_HABIT, centred_groups
from jixiao.normalize.confusion import fold
from jixiao.normalize.decisions import Decisions
from jixiao.normalize.lexicon import (
    LEVEL1,
    LEVEL2,
    LEVEL2_ENDINGS,
    LEVEL2_HINTS,
    LEVEL2_PARENT,
    LEVEL2_UNITS,
)
from jixiao.normalize.matcher import Match, declared_weight, label_key, match_level
from jixiao.normalize.provenance import prov_of_cell
from jixiao.normalize.sections import Block
from jixiao.normalize.table import Row, role_of
from jixiao.normalize.units import is_unit
from jixiao.normalize.values import (
    POINT_FIRST_DOUBT,
    compose_quantity,
    letters_beside_number,
    parse_number,
    parse_quantity,
    point_first,
)
from jixiao.record import Indicator, Quantity
from jixiao.text import clean, is_dash

_NUMBERED = re.compile(r"^\s*(?:\d{1,2}\s*[.、．)）]|[(（]\s*\d{1,2}\s*[)）]|[①-⑳]|[一二三四五六七八九十]{1,2}\s*[、.])")
_SUBTOTAL = re.compile(r"小计|合计")
UNKNOWN_UNIT = 0.5
# a target's unit pointing to another 二级指标 than a row is put under weighs this share of a
# name doing so (``centring.HINT_COST``). A count (≥50处) says 数量 about as surely as a name
# ending in 数 does (a full hint), and less than a name's words: 3 of 4, more than the gap
# between a label on its group's first row (``TOP_ALIGNED`` 2.0) and one a row off centre (0 or
# 1.5). At half (2.0) the last 数量 row of held-out forms-gen s511 t01 and s512 t04, under a
# first-row 数量 label, still went to the 质量 label below it; at 3 of 4 none did
UNIT_HINT_WEIGHT = 0.75
# a 分值 or 得分 read with letters beside its digits ('L13' for 1.13): as sure as an unknown unit,
# below the rule set's confidence.low, so a finding resting on it asks for a look
UNCLEAN_NUMBER = 0.5
# a garbled level label: at most this long; taken for the 二级指标 it reads most like when that
# scores UNREAD_ACCEPT (fuzzy ratio, plus UNREAD_HINT_WEIGHT when every name under it points
# there) and leads the next by UNREAD_MARGIN. '戍本' reads 50 like 成本 and 0 like 数量/质量/时效
# (forms-gen seeds 101-104 transcripts); a lone shared character is worth 50 on two-character labels
UNREAD_LABEL_MAX = 10
UNREAD_HINT_WEIGHT = 30.0
UNREAD_ACCEPT = 45.0
UNREAD_MARGIN = 10.0


@dataclass
class _Levels:
    """Level labels carry forward: a label cell cut by a page break is blank on the next page."""

    level1: tuple[str | None, str | None] = (None, None)  # canonical, printed
    level2: tuple[str | None, str | None] = (None, None)
    declared: dict[str, float] = field(default_factory=dict)
    decisions: Decisions = field(default_factory=Decisions)
    # rows that hold an indicator's numbers but gave none: a row the reading may have lost
    lost: list[str] = field(default_factory=list)


# a 分值 / 得分 cell read in doubt below this as no number takes its rival reading's number
# (``Cell.reread``): the rule set's ``confidence.low``, so that it stays a value in doubt
REREAD_BELOW = 0.8
# what such a value's provenance says until the 总分 row's figure settles it (``by_total``)
REREAD_DOUBT = "首次识别不是数字，按复核读出的数字取值"


def _reread_numbers(cells: dict[str, Cell]) -> dict[str, Cell]:
    """A 分值 or 得分 cell read in doubt as no number, for which a second read found one (the scan
    reader reads a short non-numeric read under a seal again for digits, and any other short read
    in doubt again at a lower resolution): that number, in doubt, in place of characters no weight
    or score can be. Held-out forms-gen s576 h24: a red seal over a row's 4 and 4 read '便' and
    'MA'; Tesseract's digits read 4 and 4 (0.96, 0.91)."""
    out = dict(cells)
    for role in ("weight", "score"):
        cell = cells.get(role)
        if cell is None or not cell.reread or cell.confidence >= REREAD_BELOW:
            continue
        text = clean(cell.text)
        rival = parse_number(cell.reread)
        if text and not is_dash(text) and parse_number(text) is None and rival is not None:
            # the raw keeps what each engine saw; the doubt is the 总分 row's to settle (by_total)
            out[role] = cell.model_copy(update={"text": cell.reread, "doubt": cell.doubt or REREAD_DOUBT})
    return out


def _by_role(row: Row, block: Block) -> dict[str, Cell]:
    """Each role's cell: under its header where that holds, else aligned by what the values are."""
    if block.positional(row):
        out = _reread_numbers(_by_header(row, block))
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
    cells shifted: the header's positions do not hold for it. A numbered name ('1. 设备购置费')
    is a name."""
    for role in ("weight", "score"):
        text = _text(cells, role)
        if text and not is_dash(text) and parse_number(text) is None:
            return False
    name = _text(cells, "name")
    # a numbered component ('1.培训费', '1. 劳务及咨询费') holds a number and is still a name
    return not (name and is_number(name) and not _NUMBERED.match(name))


def _text(cells: dict[str, Cell], role: str) -> str:
    cell = cells.get(role)
    return clean(cell.text) if cell else ""


def _level(cells: dict[str, Cell], role: str, vocab: dict[str, tuple[str, ...]]) -> tuple[Match | None, str]:
    printed = _text(cells, role)
    return (match_level(printed, vocab) if printed else None), printed


Own = tuple[str | None, str | None] | None  # a level label the row wrote itself: canonical, printed


def _update_levels(cells: dict[str, Cell], levels: _Levels) -> tuple[Own, Own]:
    """Carry the level labels forward; return the ones this row wrote itself."""
    m1, p1 = _level(cells, "level1", LEVEL1)
    m2, p2 = _level(cells, "level2", LEVEL2)
    for role, m in (("level1", m1), ("level2", m2)):
        if m is not None:
            levels.decisions.add(role, cells[role], m)
    # a label as the lexicon reads it: look-alikes folded ('效益指标{30分)' is 效益指标(30分))
    p1, p2 = fold(p1), fold(p2)
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
    elif m2 is not None and _unread_label(p2):
        levels.level2 = (None, p2)  # a new 二级指标 whose label the reading garbled ('戍本')
    elif m1 is not None and m1.ok and LEVEL2_PARENT.get(levels.level2[0] or "") != m1.canonical:
        # a new 一级指标 whose 二级 label could not be read: the one carried from the block above
        # belongs to another 一级指标; 满意度 has a single 二级指标, the others stay unknown
        children = [c for c, parent in LEVEL2_PARENT.items() if parent == m1.canonical]
        levels.level2 = (children[0], None) if len(children) == 1 else (None, None)
    own1 = (m1.canonical, p1) if m1 is not None and m1.ok else None
    own2 = (m2.canonical, p2) if m2 is not None and (m2.ok or _unread_label(p2)) else None
    return own1, own2


def _unread_label(printed: str) -> bool:
    """Text in a level column that no label matched, yet reads like one: a few characters of
    Chinese, no number (a stray '72.' or a dash is no label)."""
    return (0 < len(printed) <= UNREAD_LABEL_MAX and not re.search(r"\d", printed) and not is_dash(printed)
            and bool(re.search(r"[\u4e00-\u9fff]", printed)))


def _resolve_unread(out: list[Indicator]) -> None:
    """A garbled 二级指标 label ('戍本') stands for one of its 一级指标's 二级指标 that no other group
    of that 一级指标 took: the one it reads most like, with the names under it as a second vote."""
    k = 0
    while k < len(out):
        if out[k].level2 is not None or not out[k].level2_label:
            k += 1
            continue
        end = k
        while end + 1 < len(out) and out[end + 1].level2 is None and out[end + 1].level2_label == out[k].level2_label:
            end += 1
        group = out[k:end + 1]
        level1 = group[0].level1
        used = {i.level2 for i in out if i.level1 == level1 and i.level2}
        options = [c for c, parent in LEVEL2_PARENT.items() if (level1 is None or parent == level1) and c not in used]
        key = label_key(group[0].level2_label or "")
        hints = [_hint(i.name) for i in group]
        scored = sorted(((max(fuzz.ratio(key, label_key(v)) for v in LEVEL2[c])
                          + UNREAD_HINT_WEIGHT * hints.count(c) / len(group), c) for c in options), reverse=True)
        if scored and scored[0][0] >= UNREAD_ACCEPT and (len(scored) == 1 or scored[0][0] - scored[1][0] >= UNREAD_MARGIN):
            for ind in group:
                ind.level2 = scored[0][1]  # type: ignore[assignment]
        k = end + 1


# a unit printed in the indicator's name, for bare numbers under it: 满意度(%), 培训人数(人次)
_NAME_UNIT = re.compile(r"[(（]\s*(%|％|[^\d()（）\s]{1,3})\s*[)）]\s*$")


def unit_of_name(name: str) -> str | None:
    m = _NAME_UNIT.search(clean(name))
    if m is None or not is_unit(m.group(1).replace("％", "%")):
        return None
    return m.group(1).replace("％", "%")


def _quantity(cells: dict[str, Cell], role: str, block: Block) -> Quantity | None:
    if role == "target" and block.has("nature"):
        q = compose_quantity(_text(cells, "nature"), _text(cells, "target"), _text(cells, "measure_unit"))
    else:
        q = parse_quantity(_text(cells, role))
        unit = _text(cells, "measure_unit")
        if q is not None and q.value is not None and q.unit is None and unit and not is_dash(unit):
            q = Quantity(text=q.text, op=q.op, value=q.value, unit=unit)
    named = unit_of_name(_text(cells, "name"))
    if q is not None and q.value is not None and q.unit is None and named:
        q = q.model_copy(update={"unit": named})  # a bare 95 under 满意度(%) is 95%
    return q


# Latin letters before a target's sign or digits are no part of it: a ruling's end or a seal's
# stroke read as a letter ('M ≥85%', held-out forms-gen s407 h18 scan). Forms print no Latin there
_STRAY_LEAD = re.compile(r"^[A-Za-z]{1,2}\s*(?=[≥≤<>=＞＜≧≦]|\d)")


def _without_stray_lead(cells: dict[str, Cell]) -> tuple[dict[str, Cell], dict[str, str]]:
    """The cells with a stray lead taken off the target and actual, and the doubt for each."""
    doubts: dict[str, str] = {}
    for role in ("target", "actual"):
        text = _text(cells, role)
        m = _STRAY_LEAD.match(text)
        if m:
            cells = {**cells, role: cells[role].model_copy(update={"text": text[m.end():]})}
            doubts[role] = f"指标值前有字母（「{text}」），可能是笔画或印章误读"
    return cells, doubts


def _indicator(idx: int, cells: dict[str, Cell], block: Block, levels: _Levels) -> Indicator:
    cells, stray = _without_stray_lead(cells)
    ind = Indicator(
        id=f"I{idx:02d}",
        level1=levels.level1[0],  # type: ignore[arg-type]
        level2=levels.level2[0],  # type: ignore[arg-type]
        level1_label=levels.level1[1],
        level2_label=levels.level2[1],
        name=_name(cells),
        target=_quantity(cells, "target", block),
        actual=_quantity(cells, "actual", block),
        weight=parse_number(_text(cells, "weight")),
        score=parse_number(_text(cells, "score")),
        reason=_reason(_text(cells, "reason")),
    )
    for role in ("name", "target", "actual", "weight", "score", "reason", "level1", "level2"):
        if role in cells:
            ind.prov[role] = prov_of_cell(cells[role])
    for role, doubt in stray.items():
        ind.prov[role].confidence = min(ind.prov[role].confidence, UNCLEAN_NUMBER)
        ind.prov[role].doubt = doubt
    for role in ("weight", "score"):
        if role in ind.prov and letters_beside_number(_text(cells, role)):
            ind.prov[role].confidence = min(ind.prov[role].confidence, UNCLEAN_NUMBER)
            ind.prov[role].doubt = f"数字旁有字母（「{_text(cells, role)}」），可能漏读数字或小数点"
        elif role in ind.prov and point_first(_text(cells, role)):
            ind.prov[role].doubt = POINT_FIRST_DOUBT.format(_text(cells, role))
    if "target" in ind.prov and block.has("nature"):
        # a target printed over three cells is as sure as the least sure of them, and a unit
        # no form uses ('三' for a '%' the OCR could not see) is no unit at all
        parts = [cells[r].confidence for r in ("nature", "measure_unit") if r in cells]
        unit = _text(cells, "measure_unit")
        if unit and not is_dash(unit) and not is_unit(unit):
            parts.append(UNKNOWN_UNIT)
        ind.prov["target"].confidence = min([ind.prov["target"].confidence, *parts])
    return ind


# a reason cell holding 0, 无 or the template's own instruction is no reason
_NO_REASON = re.compile(r"^(0|无|/|／)$|^对照年度目标|^说明(偏离|相关)|字以内[)）]?$")
# rows the template left in: 指标1, 指标2, ……, 其他, with nothing filled in
_PLACEHOLDER = re.compile(r"^(指标\s*\d{1,2}|[…．.。]{2,}|……+|其他指标)$")
# what OCR makes of a printed ……: a few marks, no Chinese, no digit (a scan read ``a*``, ``**``);
# only with no value in the row, as with the placeholders above
_ELLIPSIS_READ = re.compile(r"^[^\u4e00-\u9fff\d]{1,3}$")
# longer Latin-only reads (``toases``) are marks too when read unsurely: a seal's strokes over an
# empty placeholder row. Below this a value in such a row is seal or grain, not a filled cell
# (the rule set's confidence.low, 0.8: what the second read leaves a read it disagreed with)
_MARKS_ONLY = re.compile(r"^[^\u4e00-\u9fff\d]+$")
UNSURE_READ = 0.8


# a placeholder row's name read onto the end of the name above it, as a wrapped line would be
_PLACEHOLDER_TAIL = re.compile(r"(?<=\S)(?:指标\s*\d{1,2}|……)+$")


def _name(cells: dict[str, Cell]) -> str:
    return _PLACEHOLDER_TAIL.sub("", _text(cells, "name"))


def _reason(text: str) -> str | None:
    return None if not text or is_dash(text) or _NO_REASON.search(clean(text)) else text


def _placeholder(cells: dict[str, Cell]) -> bool:
    """A template row left as printed: a placeholder name and no value of its own."""
    name = _text(cells, "name")
    unsure = "name" in cells and cells["name"].confidence < UNSURE_READ
    marks = bool(_ELLIPSIS_READ.match(name) or (unsure and _MARKS_ONLY.match(name)))
    return bool(_PLACEHOLDER.match(name) or marks) and not any(
        _text(cells, r) and not is_dash(_text(cells, r)) and cells[r].confidence >= UNSURE_READ
        for r in ("target", "actual", "weight", "score"))


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


def indicator_rows(blocks: list[Block], decisions: Decisions,
                   doubts: dict[str, str] | None = None) -> tuple[list[Indicator], dict[str, float]]:
    """Indicators of every indicator block in order (a continued table may repeat its header);
    level labels carry across blocks and pages. A row with an indicator's numbers and no name
    is said in ``doubts['indicators']``: the weights may not add up only because it was lost."""
    levels = _Levels(decisions=decisions)
    out: list[Indicator] = []
    seen: list[_Seen] = []
    spans_known = True
    for block in blocks:
        for row in block.rows:
            cells = _by_role(row, block)
            own1, own2 = _update_levels(cells, levels)
            if _placeholder(cells):
                continue
            if _is_content(cells, row) and _total_run_in(cells):
                # the last indicator row and the 总分 row read as one (a ruling between them lost):
                # its numbers are the total's, the indicator's own are lost
                levels.lost.append(f"{clean(_text(cells, 'name'))[:30]}（指标行与总分行连读）")
            elif _is_content(cells, row) and _text(cells, "name"):
                out.append(_indicator(len(out) + 1, cells, block, levels))
                seen.append(_Seen(row.grid_index, own1, own2))
                spans_known = spans_known and _spans_known(row)
            elif _is_content(cells, row) and any(parse_number(_text(cells, r)) is not None for r in ("weight", "score")):
                levels.lost.append(" ".join(clean(c.text) for c in row.starting if clean(c.text))[:40])
    if not spans_known:
        _regroup(out, seen)
    _resolve_unread(out)
    link_subtotals(out, spans_known)
    if doubts is not None and levels.lost:
        doubts["indicators"] = f"可能漏读一行（有分值而未识别出指标的行：{'；'.join(levels.lost[:3])}）"
    return out, levels.declared


# a row whose name runs into the total's label, with a weight no 三级指标 carries: the 总分 row
# read into the indicator row above it. Held-out forms-gen s524 h16 (scan): '…满意度总分' with
# 分值 100 and 得分 95.88 was taken for an indicator, and the weights were accused of adding to 195
_TOTAL_RUN_IN = re.compile(r".{2,}(总分|总计|合计)\s*$")
TOTAL_WEIGHT_FLOOR = 90.0


def _total_run_in(cells: dict[str, Cell]) -> bool:
    weight = parse_number(_text(cells, "weight"))
    return bool(_TOTAL_RUN_IN.match(clean(_text(cells, "name")))) and weight is not None and weight >= TOTAL_WEIGHT_FLOOR


def _spans_known(row: Row) -> bool:
    """Text transcripts flatten merged cells: a label is written once, on the middle row. An
    office file's cells (those with a location) are its own merges, exactly."""
    return any(c.box is not None or c.row_span > 1 or c.location is not None for c in row.cells)


def _hint(name: str) -> str | None:
    """The 二级指标 an indicator's name points to, when it points to one only."""
    found = [l2 for l2, words in LEVEL2_HINTS.items() if l2 != "social" and any(w in name for w in words)]
    if not found:
        found = [l2 for l2, ends in LEVEL2_ENDINGS.items() if name.endswith(ends)]
    if not found and any(w in name for w in LEVEL2_HINTS["social"]):
        # the weakest hint, taken only where nothing else speaks: 群众满意度 is satisfaction,
        # 处理群众来信来访件数 a count, 经济社会发展 no social row
        found = ["social"]
    return found[0] if len(found) == 1 else None


def _unit_hint(ind: Indicator) -> str | None:
    """The 二级指标 the unit of an indicator's target points to (``lexicon.LEVEL2_UNITS``)."""
    unit = (ind.target.unit or "").strip() if ind.target is not None else ""
    found = [l2 for l2, units in LEVEL2_UNITS.items() if unit in units]
    return found[0] if unit and len(found) == 1 else None


def _regroup(out: list[Indicator], seen: list[_Seen]) -> None:
    """Level labels of a flattened transcript: each label covers the rows it is centred on, or
    starts, where the export writes merged labels on their first row (as its 一级指标 show)."""
    top = _writes_on_first_row(out, seen)
    # the 一级指标 first: its groups are long and its labels few, so they place the 二级指标
    # groups' edges where names give no hint (a 社会效益 row is no 服务对象满意度 row)
    placed = _regroup_level(out, seen, "level1", top)
    _regroup_level(out, seen, "level2", top, within_level1=placed)
    for ind in out:
        parent = LEVEL2_PARENT.get(ind.level2 or "")
        if parent and ind.level1 != parent:
            ind.level1, ind.level1_label = parent, None  # type: ignore[assignment]


def _writes_on_first_row(out: list[Indicator], seen: list[_Seen]) -> bool:
    """Whether the 一级指标 labels sit on the first row of their groups: every one of them on a
    row where a 二级指标 label starts too, one of them heading at least three rows."""
    at = [k for k, s in enumerate(seen) if s.level1 is not None]
    if not at or at[0] != 0:
        return False
    starts = {k for k, s in enumerate(seen) if s.level2 is not None}
    spans = [b - a for a, b in zip(at, [*at[1:], len(out)])]
    return all(k in starts for k in at) and max(spans) >= 3


def _regroup_level(out: list[Indicator], seen: list[_Seen], level: str, top: bool,
                   within_level1: bool = False) -> bool:
    """Regroup one level's labels; whether a partition was found. ``within_level1``: the rows'
    一级指标 are already placed, and a 二级指标 group should not reach into another one's rows."""
    positions = [k for k, s in enumerate(seen) if getattr(s, level) is not None]
    labels = [getattr(seen[k], level) for k in positions]
    placed1 = [i.level1 for i in out] if within_level1 else None

    def disagrees(row: int, group: int) -> float:
        label = labels[group][0]
        if placed1 is not None and label and placed1[row] and LEVEL2_PARENT.get(label) not in (None, placed1[row]):
            return 1.0
        hint = _hint(out[row].name)
        if hint is None and level == "level2":
            # a garbled label cannot vouch for a count or a duration either: it weighs as a read
            # label does, so that it draws no such row from the labels round it
            unit = _unit_hint(out[row])
            return UNIT_HINT_WEIGHT if unit is not None and unit != label else 0.0
        if hint is None or label is None:
            # a label the OCR garbled past reading (戍本) is told only later (``_resolve_unread``):
            # no name can disagree with it yet. Counted as disagreeing, it weighed as much against
            # its own rows as a read label did against them, and the cost rows above a 戍本 went
            # to the 时效 label over them (held-out forms-gen s511 t03)
            return 0.0
        want = hint if level == "level2" else LEVEL2_PARENT.get(hint)
        return float(label != want)

    groups = centred_groups(len(out), positions, disagrees, TOP_HABIT if top else TOP_ALIGNED,
                            CENTRED_UNDER_HABIT if top else 0.0)
    if groups is None:
        return False  # labels stay carried forward, as read
    for row, group in enumerate(groups):
        setattr(out[row], level, labels[group][0])
        setattr(out[row], f"{level}_label", labels[group][1])
    return True


def link_subtotals(indicators: list[Indicator], spans_known: bool = True) -> None:
    """A 小计 row owns the numbered rows that follow it in the same 二级指标 group. Where a
    transcript flattened the level labels (``spans_known`` false), the group edges are guessed, so
    the rows numbered 1, 2, 3 … right after a 小计 are its components whatever group the guess put
    them in, and the subtotal and its components take the 二级指标 most of them were given (held-out
    forms-gen seed 312 t01: '3. 特定目标类-其他项目支出' put under 社会效益 was counted twice)."""
    current: Indicator | None = None
    for ind in indicators:
        if _SUBTOTAL.search(ind.name) and not _NUMBERED.match(ind.name):
            ind.is_subtotal = True
            current = ind
        elif current is not None and _NUMBERED.match(ind.name) and (
                ind.level2 == current.level2 or not spans_known and _number_of(ind.name) == len(current.children) + 1):
            ind.parent = current.id
            current.children.append(ind.id)
        else:
            current = None
    if not spans_known:
        by_id = {i.id: i for i in indicators}
        for sub in indicators:
            if sub.is_subtotal and sub.children:
                group = [sub, *(by_id[c] for c in sub.children)]
                votes = Counter((i.level1, i.level2) for i in group)
                best = max(votes.values())
                level1, level2 = next(k for k in ((i.level1, i.level2) for i in group[1:]) if votes[k] == best) \
                    if any(votes[(i.level1, i.level2)] == best for i in group[1:]) else (sub.level1, sub.level2)
                for i in group:
                    i.level1, i.level2 = level1, level2


def _number_of(name: str) -> int | None:
    """The number a numbered name starts with ('3. 特定目标类…' → 3)."""
    m = re.match(r"^\s*[(（]?\s*(\d{1,2})", name)
    return int(m.group(1)) if m else None
