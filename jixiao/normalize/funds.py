"""The funds block: one FundsRow per 年度资金总额 / 基本支出 / 当年财政拨款 ... row."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

from pydantic import BaseModel, ConfigDict
from rapidfuzz.distance import Levenshtein

from jixiao.grid import Cell
from jixiao.normalize.align import align, funds_fit
from jixiao.normalize.confusion import fold
from jixiao.normalize.decisions import Decisions
from jixiao.normalize.lexicon import BLOCKS, FUNDS_INCOME, FUNDS_ROWS, FUNDS_SPENDING
from jixiao.normalize.matcher import Match, label_key, match
from jixiao.normalize.provenance import prov_of_cell
from jixiao.normalize.sections import Block
from jixiao.normalize.table import Extent, Row, extent, role_of
from jixiao.normalize.values import (
    POINT_FIRST_DOUBT,
    parse_number,
    parse_percent,
    point_first,
    rate_decimals,
    trailing_number,
)
from jixiao.record import FundsRow
from jixiao.text import clean, is_dash, nfkc

_NUMERIC_ROLES = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")
# a value read together with a label the OCR leaked into its cell ('五十100年数(N) 738.26')
REPAIRED_CONFIDENCE = 0.75
# 万元 to two decimals: parts that add up to the total within this confirm how it was read
SUM_CONFIRMS = 0.011
INFERRED_DOUBT = "列标题未识别，按列序推定"
# a cell read below this (the rule set's confidence.low) that does not parse is a misread, not a
# sign of shifted columns
MISREAD_BELOW = 0.8
# a money figure printed to the cent whose point was read as a gap ('1999 31': held-out forms-gen
# s596 h23, a seal's ring across the point of 1999.31, read 199931 and a true
# EXECUTION_RATE_MISMATCH lost). Only a rival reading, for the column's own sum to choose
_GAP_FOR_POINT = re.compile(r"^(\d+)\s+(\d{2})$")


class AlignmentOptions(BaseModel):
    """How a transcript's funds row is matched to its columns."""

    model_config = ConfigDict(frozen=True)

    # offsets tried between a row's cells and its header: forms-gen seeds 101-104 and the seed
    # transcript show header rows one column off their values (a lost or split header cell)
    shifts: tuple[int, ...] = (-1, 1, -2, 2)
    # a rival reading within this much fit giving other values leaves the row in doubt; one
    # value that fits its column is worth 1, so within 1 the rival is as good a reading
    margin: float = 1.0
    # the highest execution rate a form prints (executed far above budget is still under 200%)
    rate_max: float = 200.0


ALIGNMENT = AlignmentOptions()


class SumChoiceOptions(BaseModel):
    """When a money column's own sum settles values read in doubt (a seal over them)."""

    model_config = ConfigDict(frozen=True)

    # a value read below this is in doubt (the rule set's ``confidence.low``, 0.8 by default)
    doubtful_below: float = 0.8
    # at most this many values in doubt in one column are settled together: each may be its
    # first or its second read, so 2**n readings of the column are tried and only one may add up
    max_doubtful: int = 3
    # how sure a value the sum settled is: above ``doubtful_below``, a reading that holds together
    # (forms-gen s490 h23: a grey seal's ring over 2223.59, read 223.59 then 2223.59; the parts,
    # one of them under the seal too, add up to 2223.59 to the cent) and below a clear read's
    confidence: float = 0.9


SUM_CHOICE = SumChoiceOptions()


class StrayOptions(BaseModel):
    """When a funds label read in doubt is found inside characters a seal added to it."""

    model_config = ConfigDict(frozen=True)

    # only a label read below this: its characters were in doubt (a seal over it, 0.5)
    read_below: float = 0.8
    # at most this many characters beside the label are taken for the seal's. Probed on dev page
    # images with a grey seal stamped over the funds block: 年度资金总额 read 年度公金总额中旨 (the
    # ring's 中 and a stroke as 旨), the total row lost and a true FUNDS_SUM_MISMATCH with it
    max_stray: int = 2


STRAY = StrayOptions()


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


def _label_anywhere(row: Row) -> Cell | None:
    """A transcript row's label wherever it stands before its first number: a row off its
    header puts the label under a value column."""
    for cell in row.starting:
        if parse_number(cell.text) is not None:
            break
        text = clean(cell.text)
        if text and (match(text, FUNDS_ROWS).ok or _labels_inside(text)) and not _is_block_label(cell):
            return cell
    return None


def _left_of(cell: Cell, x: float) -> bool:
    return extent(cell).b <= x + 1e-6 + 0.25 * extent(cell).width


def _is_block_label(cell: Cell) -> bool:
    return match(cell.text, {"funds": BLOCKS["funds"]}, 80).ok and not _labels_inside(clean(cell.text))


def number_in(cell: Cell, percent: bool = False) -> tuple[float | None, bool]:
    """The cell's number, and whether it had to be picked out of leaked label text: the value
    is the number the cell ends with ('五十100年数(N) 1101, 05' is 1101.05, spacing repaired)."""
    parse = parse_percent if percent else parse_number
    value = parse(cell.text)
    if value is not None or is_dash(cell.text):
        return value, False
    value = trailing_number(nfkc(cell.raw or cell.text), percent)
    return value, value is not None


@dataclass
class Reading:
    """One way of reading a row's value cells: which cell is which column, and how well the
    values fit what those columns hold."""

    cells: dict[str, Cell]
    values: dict[str, float | None]
    fit: float
    how: str
    agrees: bool = False  # the printed rate is B / A under this reading


def _shifted(block: Block, shift: int) -> dict[str, Extent]:
    return {r: Extent(e.a + shift, e.b + shift) for r, e in block.roles()}


def _by_header(row: Row, block: Block, shift: int = 0) -> dict[str, Cell]:
    """Cells under the value headers; ``shift`` reads a transcript row whose cells stand that
    many columns right of its header (an engine that lost or split a header cell)."""
    roles = list(_shifted(block, shift).items())
    out: dict[str, Cell] = {}
    for cell in row.cells:
        role = role_of(cell, roles)
        if role in _NUMERIC_ROLES and role not in out:
            out[role] = cell  # a split header's second column repeats the first: keep one
    return out


def _repeats(cell: Cell, cells: dict[str, Cell], extents: dict[str, Extent] | None) -> bool:
    """A split header's second column repeats the value of the first: the same text, inside the
    column that took it (or, read without headers, right beside it)."""
    for role, taken in cells.items():
        if clean(taken.text) != clean(cell.text):
            continue
        if extents is not None and role in extents and extents[role].overlap(extent(cell)) > 0:
            return True
        if extents is None and abs(taken.col - cell.col) <= 1:
            return True
    return False


def _reading(row: Row, cells: dict[str, Cell], how: str, extents: dict[str, Extent] | None = None) -> Reading:
    values: dict[str, float | None] = {}
    fit = 0.0
    for role, cell in cells.items():
        text = clean(cell.text)
        if not text or is_dash(text):
            continue
        value, _ = number_in(cell, percent=role == "execution_rate")
        values[role] = value
        if value is None:
            fit -= 2.0  # text where a number belongs
        elif role == "execution_rate":
            # a rate is a percent: above RATE_MAX it is money or a count read into this column
            fit += (1.5 if "%" in text else 1.0) if value <= ALIGNMENT.rate_max else -2.0
        elif "%" in text or (role in ("weight", "score") and value > 100):
            fit -= 2.0
        else:
            fit += 1.0
    for cell in row.starting:  # a number no column took, unless it repeats its neighbour in one
        if all(cell is not c for c in cells.values()) and number_in(cell)[0] is not None and not _repeats(cell, cells, extents):
            fit -= 1.0
    agrees = _rate_agrees(values, cells)
    return Reading(cells, values, fit + (2.0 if agrees else 0.0), how, agrees)


def _rate_agrees(values: dict[str, float | None], cells: dict[str, Cell]) -> bool:
    a, b, r = values.get("annual_budget"), values.get("executed"), values.get("execution_rate")
    if not a or b is None or r is None:
        return False
    printed = clean(cells["execution_rate"].text)
    return abs(b / a * 100 - r) <= 0.5 * 10 ** -rate_decimals(printed) + 1e-6


def _slots(block: Block) -> list[str]:
    """The roles in the header's order, each as many times as the columns its header spans in a
    transcript: a split header's second column holds a repeat of the first's value."""
    out = ["label"]
    for h in sorted(block.header, key=lambda h: h.extent.a):
        if h.role in _NUMERIC_ROLES and h.role not in out:
            out += [h.role] * max(1, round(h.extent.width))
    return out


def readings(row: Row, block: Block) -> list[Reading]:
    """Every reading worth weighing, best first. A row with boxes (a PDF, a scan) is read under
    its headers; a transcript row may stand off its header, so shifted and aligned readings
    compete with it on how well their values fit (types, and B / A against the printed rate)."""
    out: list[Reading] = []
    if block.positional(row):
        out.append(_reading(row, _by_header(row, block), "header", _shifted(block, 0)))
    if not any(c.box is not None for c in row.cells):
        for shift in ALIGNMENT.shifts:
            out.append(_reading(row, _by_header(row, block, shift), f"header{shift:+d}", _shifted(block, shift)))
        aligned = {k: v for k, v in align(row.cells, _slots(block), funds_fit).items() if k in _NUMERIC_ROLES}
        out.append(_reading(row, aligned, "aligned"))
    elif not out or not any(clean(c.text) for c in out[0].cells.values()):
        order = ["label", *[r for r in block.role_order() if r in _NUMERIC_ROLES]]
        aligned = {k: v for k, v in align(row.cells, order, funds_fit).items() if k in _NUMERIC_ROLES}
        out.append(_reading(row, aligned, "aligned"))
    # the best fit; on a tie the header's own positions, then the smallest shift
    return sorted(out, key=lambda r: -r.fit)


def settle(rows: list[list[Reading]], inferred: set[str]) -> list[tuple[Reading | None, str | None]]:
    """One reading per row, and why it may be in doubt. A header off its values is off for the
    whole block, so the way of reading that fits the block best is taken for every row (a row
    without a rate is settled by the rows that have one); a row that another way fits clearly
    better is read that way, and is in doubt, as is every row where the block's choice was a
    close call between readings that give other values."""
    # a column told by the header's order is confirmed where any row's rate is its B / A
    confirmed = any(r.agrees and inferred & set(r.values) for found in rows for r in found)
    totals: dict[str, float] = {}
    for found in rows:
        for r in found:
            totals[r.how] = totals.get(r.how, 0.0) + r.fit
    order = list(dict.fromkeys(r.how for found in rows for r in found))
    ranked = sorted(order, key=lambda h: -totals[h])
    out: list[tuple[Reading | None, str | None]] = []
    for found in rows:
        by_how = {r.how: r for r in found}
        if not found:
            out.append((None, None))
            continue
        chosen = next((by_how[h] for h in ranked if h in by_how), found[0])
        doubt = None
        best = max(found, key=lambda r: r.fit)
        if best.fit > chosen.fit + ALIGNMENT.margin:
            chosen, doubt = best, "列对齐可疑：本行与同表其他行的列对应方式不同"
        else:
            close = [h for h in ranked[1:] if totals[ranked[0]] - totals[h] < ALIGNMENT.margin and h in by_how]
            if any(by_how[h].values != chosen.values for h in close):
                doubt = "列对齐可疑：两种列对应方式同样说得通"
        # a value that does not parse as its column's, read surely, says the columns may be
        # shifted; one read in doubt is a misread of its own (held-out forms-gen s606 h24: a seal
        # over 103% left 'A' at 0.5 under an unread 执行率 header, and the row's true
        # FUNDS_SUM_MISMATCH was a review item): its own findings are in doubt by its confidence
        if any(v is None and chosen.cells[r].confidence >= MISREAD_BELOW for r, v in chosen.values.items()):
            doubt = "列对齐可疑：有数值无法按所在列解析"
        elif doubt is None and inferred & set(chosen.values) and not (chosen.agrees or confirmed):
            doubt = INFERRED_DOUBT
        out.append((chosen, doubt))
    return out


# the columns that hold no money: one of them told by the header's order (its header unread
# under a seal, between columns read) puts only its own values in doubt, not the row's money
# (the rate: held-out forms-gen s606 h24, a seal over 执行率 and the 103% under it)
NO_MONEY_COLUMNS = frozenset({"weight", "score", "execution_rate"})


def _doubted(doubt: str | None, inferred: set[str]) -> frozenset[str] | None:
    """The roles a row's doubt bears on: every one (None), or, where the only columns told by the
    header's order hold no money (points, rate), those alone (dev forms-gen s541 h24: a seal over the 分值
    header left it unread, and the budget's weight was lost with a true WEIGHT_TOTAL_NOT_100)."""
    if doubt == INFERRED_DOUBT and inferred and inferred <= NO_MONEY_COLUMNS:
        return frozenset(inferred)
    return None


def _apply(reading: Reading, doubt: str | None, fr: FundsRow,
           doubted: frozenset[str] | None = None) -> dict[str, list[float]]:
    """The reading's values on ``fr``; returns the rival values, by role: what a second read saw,
    and a figure whose point was read as a gap. ``doubt`` bears on the ``doubted`` roles (None:
    all of them)."""
    rivals: dict[str, list[float]] = {}
    for role, cell in reading.cells.items():
        value, repaired = number_in(cell, percent=role == "execution_rate")
        if value is None and not clean(cell.text):
            continue
        setattr(fr, role, value)
        fr.prov[role] = prov_of_cell(cell)
        fr.prov[role].doubt = doubt if doubted is None or role in doubted else None
        if repaired:
            fr.prov[role].confidence = min(fr.prov[role].confidence, REPAIRED_CONFIDENCE)
        if value is not None and point_first(cell.text):
            fr.prov[role].doubt = fr.prov[role].doubt or POINT_FIRST_DOUBT.format(clean(cell.text))
        if role == "execution_rate":
            continue
        gap = _GAP_FOR_POINT.match(clean(cell.text))
        seen = [parse_number(cell.reread) if cell.reread else None,
                float(f"{gap[1]}.{gap[2]}") if gap else None]
        rivals[role] = [v for v in dict.fromkeys(seen) if v is not None and v != value]
    return {role: vs for role, vs in rivals.items() if vs}


def canonical_label(text: str, m: Match) -> str:
    """A funds row's label as the form prints it, or, where the reading garbled it past what
    folding repairs ('午度资金总额'), the vocabulary's wording it was matched to (keeping the
    '其中：' the form printed before it)."""
    folded = fold(text)
    if len(folded) == len(text):  # the enumeration comma is the form's own ('中央、省、市补助县级资金')
        folded = "".join(o if o == "、" else f for o, f in zip(text, folded, strict=True))
    printed = folded.rstrip(":：")
    if m.variant is None or label_key(printed) == label_key(m.variant):
        return printed
    # the wording the garbled text was printed from: fewest edits, then its length (an OCR engine
    # mostly misreads characters, seldom adds them: '午庋资金总额' is 年度资金总额, not 资金总额)
    key = label_key(printed)
    variants = FUNDS_ROWS.get(m.canonical, (m.variant,)) if m.canonical else (m.variant,)
    wording = min(variants, key=lambda v: (Levenshtein.distance(key, label_key(v)),
                                           abs(len(key) - len(label_key(v))), v != m.variant))
    lead = "其中：" if printed.startswith("其中") and not wording.startswith("其中") else ""
    return lead + wording


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
            lead = "其中：" if key[max(pos - 2, 0):pos] == "其中" else ""  # as the form printed it
            found.append((pos, lead + label_key(variant)))
            taken.append(span)
    return [v for _, v in sorted(found)]


def _label_among_strays(text: str, m: Match) -> tuple[Match, str]:
    """A label read in doubt with a few characters beside it that are none of the form's (a
    seal's ring text read into the cell): the run of the text that surely matches a funds label,
    where the rest is at most ``max_stray`` characters; else the match as it was."""
    key = label_key(text)
    sure: list[tuple[Match, str]] = []
    for size in range(max(2, len(key) - STRAY.max_stray), len(key)):
        for start in range(len(key) - size + 1):
            found = match(key[start:start + size], FUNDS_ROWS)
            if found.sure:
                sure.append((found, key[start:start + size]))
    # runs that read as two different rows say the cell is no one row's label
    if not sure or len({f.canonical for f, _ in sure}) > 1:
        return m, text
    return max(sure, key=lambda found: found[0].score)


# the total row told by where it is, its label unread: what rests on the label is a review item
PLACED_DOUBT = "行标签未能读出，按位置推定为年度资金总额（首行且填有分值或得分）"


def _first_row_scored(row: Row, block: Block, label_cell: Cell | None) -> bool:
    """Whether a funds row whose label was read in doubt and matches nothing is the block's total
    all the same: the first row under the header, and one that fills the 分值 or 得分 column,
    which only 年度资金总额 fills. Probed on dev page images with a grey seal stamped over the
    funds labels: 年度资金总额 under the seal's ring text read as nothing (0.3), the row was lost
    with the budget's weight and score, and a true WEIGHT_TOTAL_NOT_100 became a review item."""
    if label_cell is None or label_cell.confidence >= STRAY.read_below:
        return False
    cells = _by_header(row, block)
    return any(role in cells and number_in(cells[role])[0] is not None for role in ("weight", "score"))


# a row of the funds block that holds a number but no label it could be read as: a row lost to
# the record, so a sum over the block's rows may be short by it (forms-gen s446 t04: 上年结转资金's
# label run into the row above left its numbers unlabelled, and 945.43 + 0 ≠ 1138.99 was an error)
LOST_ROW_DOUBT = "可能漏读一行（资金表中有一行数字未能对应到资金来源：{}）"


def _holds_number(row: Row, label_cell: Cell | None) -> bool:
    return any(c is not label_cell and number_in(c)[0] is not None for c in row.cells) or (
        label_cell is not None and parse_number(label_cell.text) is not None)


def _row_text(row: Row) -> str:
    """What a lost row printed, for the doubt that names it."""
    return " ".join(clean(c.text) for c in row.cells if clean(c.text))[:40]


def funds_rows(block: Block, notes: list[str], decisions: Decisions,
               doubts: dict[str, str] | None = None) -> list[FundsRow]:
    """The block's rows; ``doubts["funds"]`` says so when a row of numbers could not be read as
    any funds row (its sums are then in doubt, not its rows)."""
    out: list[FundsRow] = []
    lost: list[str] = []
    read: list[list[Reading]] = []  # each row's readings, settled together once all are in
    pending: list[str] = []  # labels found in an earlier row's cell, for rows that lack their own
    for row in block.rows:
        label_cell = _label_cell(row, block)
        if not any(c.box is not None for c in row.cells) and (
                label_cell is None or not match(label_cell.text, FUNDS_ROWS).ok):
            label_cell = _label_anywhere(row) or label_cell
        if label_cell is None:
            if _holds_number(row, None):
                lost.append(_row_text(row))
            continue
        text = clean(label_cell.text)
        m = match(text, FUNDS_ROWS)
        if not m.ok and label_cell is not None and label_cell.confidence < STRAY.read_below:
            m, text = _label_among_strays(text, m)
        placed = not m.ok and not out and not lost and _first_row_scored(row, block, label_cell)
        if placed:
            m, text = Match("total", 0.0, FUNDS_ROWS["total"][0]), FUNDS_ROWS["total"][0]
        if not m.ok:
            inside = _labels_inside(text) if text else []
            label = inside[0] if inside else (pending.pop(0) if pending and not text else None)
            pending.extend(inside[1:])
            m = match(label, FUNDS_ROWS) if label else m
            text = label or text
        if not m.ok or any(f.item == m.canonical for f in out):
            if text:
                notes.append(f"资金行标签未识别：{text!r}（最接近 {m.runner_up}）")
            if _holds_number(row, label_cell):
                lost.append(_row_text(row))
            continue
        decisions.add("funds.row", label_cell, m)
        # a label that matched is a label: every look-alike in it is folded back ('頂目支出')
        fr = FundsRow(item=m.canonical, label=canonical_label(text, m))  # type: ignore[arg-type]
        fr.prov["label"] = prov_of_cell(label_cell, m=m)
        if placed:
            fr.prov["label"].doubt = PLACED_DOUBT
        elif not m.sure:
            fr.prov["label"].doubt = f"行标签识别不确定（「{text}」读作「{m.variant}」，{m.score:.0f} 分）"
        out.append(fr)
        read.append(readings(row, block))
    inferred = {h.role for h in block.header if h.inferred}
    rivals: dict[tuple[int, str], list[float]] = {}
    for n, (fr, (reading, doubt)) in enumerate(zip(out, settle(read, inferred))):
        if reading is not None:
            rivals.update({(n, role): v for role, v in _apply(reading, doubt, fr, _doubted(doubt, inferred)).items()})
    _confirm_by_sums(out, notes)
    settle_by_sums(out, rivals, notes)
    _confirm_inferred(out, inferred)
    if lost and doubts is not None:
        doubts.setdefault("funds", LOST_ROW_DOUBT.format("；".join(lost[:2])))
    return out


def _confirm_inferred(rows: list[FundsRow], inferred: set[str]) -> None:
    """A money column told by the header's order is confirmed when its parts add up to its
    total: the reading holds together, and no row is in doubt for it."""
    total = next((r for r in rows if r.item == "total"), None)
    if total is None:
        return
    for column in inferred & {"initial_budget", "annual_budget", "executed"}:
        values = [getattr(r, column) for r in rows if r.item != "total" and getattr(r, column) is not None]
        if getattr(total, column) is None or not values or abs(sum(values) - getattr(total, column)) > SUM_CONFIRMS:
            continue
        for row in rows:
            for prov in row.prov.values():
                if prov.doubt == INFERRED_DOUBT:
                    prov.doubt = None


def _confirm_by_sums(rows: list[FundsRow], notes: list[str]) -> None:
    """A total's amount picked out of leaked label text is sure when the rows under it add up to
    it: the arithmetic read it a second time."""
    total = next((r for r in rows if r.item == "total"), None)
    parts = [r for r in rows if r.item != "total"]
    if total is None or not parts:
        return
    for column in ("initial_budget", "annual_budget", "executed"):
        prov, value = total.prov.get(column), getattr(total, column)
        values = [getattr(p, column) for p in parts if getattr(p, column) is not None]
        if prov is None or value is None or prov.confidence >= REPAIRED_CONFIDENCE + 1e-9 or not values:
            continue
        if abs(sum(values) - value) <= SUM_CONFIRMS:
            prov.confidence = 1.0
            notes.append(f"「{total.label}」{column} {value:g} 从夹带标签的单元格「{prov.raw}」读出，与各分项之和相符。")


def _sum_groups(rows: list[FundsRow]) -> list[list[int]]:
    """The rows (by index) that add up to the total: all the parts, or, on a block split by
    spending (基本支出, 项目支出) and by income (财政拨款 ...), each half on its own."""
    parts = [n for n, r in enumerate(rows) if r.item != "total"]
    items = {rows[n].item for n in parts}
    if items & FUNDS_SPENDING and items & FUNDS_INCOME:
        spending = [n for n in parts if rows[n].item in FUNDS_SPENDING]
        return [spending, [n for n in parts if n not in spending]]
    return [parts]


def settle_by_sums(rows: list[FundsRow], rivals: dict[tuple[int, str], list[float]], notes: list[str],
                   options: SumChoiceOptions = SUM_CHOICE) -> None:
    """Money values read in doubt, settled by their column's sum where exactly one reading of the
    column adds up: each value in doubt read as its first read or, where a second read saw other
    digits, as that. The reading that adds up to the cent holds together (two misreads that
    cancel to the cent are not a risk worth a review item), so its values in doubt are no longer
    in doubt; where none or several add up, nothing changes and the findings stay review items.
    A value whose row's reading is itself in doubt (its columns may be shifted) is left alone."""
    total = next((n for n, r in enumerate(rows) if r.item == "total"), None)
    if total is None:
        return
    for column in ("initial_budget", "annual_budget", "executed"):
        for group in _sum_groups(rows):
            _settle_column(rows, total, group, column, rivals, notes, options)


def _settle_column(rows: list[FundsRow], total: int, group: list[int], column: str,
                   rivals: dict[tuple[int, str], list[float]], notes: list[str], options: SumChoiceOptions) -> None:
    # a part that prints nothing in the column (其他资金 left blank) adds nothing to it
    group = [n for n in group if getattr(rows[n], column) is not None or column in rows[n].prov]
    members = [total, *group]
    found = {n: rows[n].prov.get(column) for n in members}
    provs = {n: p for n, p in found.items() if p is not None}
    if not group or len(provs) < len(members) or any(getattr(rows[n], column) is None for n in members):
        return
    doubtful = [n for n in members if provs[n].confidence < options.doubtful_below and not provs[n].corrected]
    # a column told by the header's order is no reason to leave it: a reading of it that adds up
    # to the cent confirms the order too (``_confirm_inferred``); a row's columns that may be
    # shifted are
    if not doubtful or len(doubtful) > options.max_doubtful or any(
            p.doubt and p.doubt != INFERRED_DOUBT for p in provs.values()):
        return
    choices = [[getattr(rows[n], column), *rivals.get((n, column), [])] for n in doubtful]
    fits: set[tuple[float, ...]] = set()
    for picked in product(*choices):
        value = {**{n: getattr(rows[n], column) for n in members}, **dict(zip(doubtful, picked, strict=True))}
        if abs(sum(value[n] for n in group) - value[total]) <= SUM_CONFIRMS:
            fits.add(tuple(picked))
    if len(fits) != 1:
        return
    for n, v in zip(doubtful, next(iter(fits)), strict=True):
        prov = provs[n]
        if v != getattr(rows[n], column):
            notes.append(f"「{rows[n].label}」{column} 首读 {getattr(rows[n], column):g}、复核 {v:g}，"
                         f"按各分项之和取 {v:g}。")
            setattr(rows[n], column, v)
        prov.confidence = max(prov.confidence, options.confidence)
