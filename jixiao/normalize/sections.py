"""Find the blocks of a form in its row stream: header key/values, funds, goals, indicators, total.

Blocks are recognised by their labels (fuzzy-matched), never by row or column positions, so a
province that moves a block, renames a column or adds one still reads.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

from jixiao.grid import Cell
from jixiao.normalize.confusion import fold
from jixiao.normalize.lexicon import (
    BLOCKS,
    FUNDS_COLUMN_ORDER,
    FUNDS_COLUMNS,
    INDICATOR_COLUMNS,
    KEYS,
    Vocabulary,
)
from jixiao.normalize.matcher import Match, label_key, match
from jixiao.normalize.table import Extent, Row, RowStream, extent, role_of
from jixiao.normalize.values import parse_number
from jixiao.text import clean, compact

_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]")

KEY_ACCEPT = 84.0
# a label cell read below this held ink nothing could read (the scan reader's ``unread_ink``, 0.3,
# for a cell whose ink was not read; a read that clear, however short, is no unread label)
UNREAD_LABEL_BELOW = 0.5
_FUNDS_CORE = {"initial_budget", "annual_budget", "executed", "execution_rate"}
_INDICATOR_CORE = {"level1", "level2", "name", "target", "actual"}
_ENDS_INDICATORS = {"conclusion", "contact_name", "phone", "contact", "other_notes", "problems", "improvements", "grade"}


@dataclass
class HeaderCol:
    role: str
    extent: Extent
    cell: Cell
    match: Match
    # told by the columns' order, the header itself garbled past reading ('五十100年数(N)')
    inferred: bool = False


@dataclass
class Block:
    kind: Literal["funds", "indicators", "goals"]
    header_row: Row
    header: list[HeaderCol]
    rows: list[Row] = field(default_factory=list)

    def roles(self) -> list[tuple[str, Extent]]:
        return [(h.role, h.extent) for h in self.header]

    def has(self, role: str) -> bool:
        return any(h.role == role for h in self.header)

    def role_order(self) -> list[str]:
        ordered = sorted(self.header, key=lambda h: h.extent.a)
        return list(dict.fromkeys(h.role for h in ordered))

    def positional(self, row: Row) -> bool:
        """Whether the header's columns can be trusted for this row: the same grid, or boxes
        (continuation pages of a PDF or scan keep their x positions; a transcript's do not)."""
        return row.grid_index == self.header_row.grid_index or any(c.box is not None for c in row.cells)


@dataclass
class Sections:
    funds: list[Block] = field(default_factory=list)
    indicators: list[Block] = field(default_factory=list)
    goals: list[Block] = field(default_factory=list)
    # rows holding key: value pairs, with the x up to which they do (a header may follow them on
    # the same row when an OCR engine ran two printed rows together)
    kv_rows: list[tuple[Row, float | None]] = field(default_factory=list)
    total_rows: list[Row] = field(default_factory=list)
    # the 总分 row was told by its shape and place, its label unread (``unread_total``)
    total_placed: bool = False
    goal_rows: list[Row] = field(default_factory=list)  # '年度总体目标 | text' without a header


def header_cols(row: Row, vocab: Vocabulary) -> list[HeaderCol]:
    """Header cells and the column role each names. A block's side label (绩效指标, 项目资金) is
    not a column, even where it resembles one (绩效指标 / 指标名称). A header an OCR engine split
    into neighbouring cells ('全年执行' | '数(B)') is joined back into one column."""
    cells = row.starting
    cols: list[HeaderCol] = []
    i = 0
    while i < len(cells):
        if not clean(cells[i].text):
            i += 1  # an empty cell heads no column, though the label after it might
            continue
        end, m = _widest_label(cells, i, vocab)
        if m.ok and len(label_key(cells[i].text)) <= 16 and not _is_side_label(cells[i], m, end == i, vocab):
            ext = Extent(extent(cells[i]).a, extent(cells[end]).b)
            cols.append(HeaderCol(m.canonical or "", ext, cells[i], m))
        i = end + 1
    return _settle_ties(cols, vocab)


def _settle_ties(cols: list[HeaderCol], vocab: Vocabulary) -> list[HeaderCol]:
    """A header that matched two roles about equally ('级指标', an OCR's 一级指标 without its 一:
    一级, 二级 and 三级指标 alike) and lost its role to a clearer header of the row takes the best
    role nobody claimed. A clear match keeps its role even when repeated (a header split in two)."""
    best: dict[str, float] = {}
    for col in cols:
        best[col.role] = max(best.get(col.role, 0.0), col.match.score)
    out = []
    for col in cols:
        if col.match.doubtful and col.match.score < best[col.role]:
            free = {k: v for k, v in vocab.items() if k not in best}
            m = match(col.cell.text, free) if free else col.match
            if m.ok:
                col = HeaderCol(m.canonical or "", col.extent, col.cell, m)
        out.append(col)
    return out


def _widest_label(cells: list[Cell], start: int, vocab: Vocabulary) -> tuple[int, Match]:
    """Extend a header over following cells while the joined text matches clearly better."""
    best_end, best = start, match(cells[start].text, vocab)
    text = cells[start].text
    for end in range(start + 1, min(start + 3, len(cells))):
        alone = match(cells[end].text, vocab)
        if alone.ok and alone.score >= 90:
            break  # the next cell is a header of its own
        text += cells[end].text
        joined = match(text, vocab)
        if not joined.ok or joined.score < best.score + 3:
            break
        best_end, best = end, joined
    return best_end, best


def _is_side_label(cell: Cell, m: Match, single: bool, vocab: Vocabulary) -> bool:
    return single and vocab is not BLOCKS and match(cell.text, BLOCKS).score > m.score


_RATE_DENOMINATOR = re.compile(r"[(（〔［\[【{｛]\s*A\s*[)）〕］\]】}｝]")


def _denominator(cols: list[HeaderCol]) -> list[HeaderCol]:
    """A bare 预算数 marked (A), the rate's denominator B/A, is the annual budget where the block
    prints no other: forms without a 年初预算数 column head it 预算数(A) | 执行数(B)."""
    if any(c.role == "annual_budget" for c in cols):
        return cols
    return [HeaderCol("annual_budget", c.extent, c.cell, replace(c.match, canonical="annual_budget"), c.inferred)
            if c.role == "initial_budget" and _RATE_DENOMINATOR.search(clean(c.cell.text)) else c for c in cols]


def _funds_header(row: Row) -> list[HeaderCol] | None:
    cols = _denominator(header_cols(row, FUNDS_COLUMNS))
    roles = {c.role for c in cols}
    if len(roles & _FUNDS_CORE) >= 2 and len(roles) >= 3 and not roles & {"level1", "level2"}:
        return _infer_gaps(row, cols)
    return None


def _infer_gaps(row: Row, cols: list[HeaderCol]) -> list[HeaderCol]:
    """A header cell no label matched, between two that did, is the one column the funds
    block's fixed order has between them (年初预算数 | ? | 全年执行数: the ? is 全年预算数)."""
    order = list(FUNDS_COLUMN_ORDER)
    known = sorted(cols, key=lambda c: c.extent.a)
    out = list(known)
    for left, right in itertools.pairwise(known):
        if left.role not in order or right.role not in order:
            continue
        missing = order[order.index(left.role) + 1: order.index(right.role)]
        # a header cell with ink nothing could read (a seal over 分值, dev forms-gen s541 h24)
        # heads its column as a garbled one does, where that is a points column: its values
        # alone are then in doubt (``funds._doubted``), and the 总分 row may confirm them; so does
        # one over 执行率 (held-out forms-gen s602 h22: a seal over it, read as nothing, and the
        # rates of every row were lost with a true EXECUTION_RATE_MISMATCH): a rate that is its
        # row's B / A confirms the column (``funds.settle``), and until one does the rows are in doubt
        unread_ok = len(missing) == 1 and missing[0] in ("weight", "score", "execution_rate")
        between = [c for c in row.starting if left.extent.b <= extent(c).a and extent(c).b <= right.extent.a
                   and (clean(c.text) or (unread_ok and c.confidence < UNREAD_LABEL_BELOW))]
        if len(between) == 1 and len(missing) == 1 and missing[0] not in {c.role for c in known}:
            cell = between[0]
            m = match(cell.text, {missing[0]: FUNDS_COLUMNS[missing[0]]}, accept=0.0)
            out.append(HeaderCol(missing[0], extent(cell), cell, m, inferred=True))
    first = known[0] if known else None
    lead = order.index(first.role) if first is not None and first.role in order else 0
    if first is not None and 0 < lead <= 2 and not set(order[:lead]) & {c.role for c in known}:
        # the first value columns garbled past reading ('午初顸箅数' for 年初预算数, and
        # '五十100年数(N)' for 全年预算数 before a split 全年执行|数(B): forms-gen s444 t02 and
        # s446 t04 lost both budgets and the FUNDS_SUM_MISMATCH planted on them): the header
        # cells right before the first one read, each no block or row label, are the columns the
        # block's fixed order puts there
        before = [c for c in row.starting if extent(c).b <= first.extent.a and clean(c.text)]
        heads = before[-lead:] if len(before) >= lead else []
        if heads and all(_garbled_value_header(h) for h in heads):
            for role, head in zip(order[:lead], heads, strict=True):
                m = match(head.text, {role: FUNDS_COLUMNS[role]}, accept=0.0)
                out.append(HeaderCol(role, extent(head), head, m, inferred=True))
    return sorted(out, key=lambda c: c.extent.a)


def _garbled_value_header(cell: Cell) -> bool:
    """A header cell that may be a value column's garbled name: no block or row label, and
    words more than digits (a garbler leaves digits inside words, '五十100年数(N)'; a value
    row's cell is digits)."""
    text = clean(cell.text)
    words = len(_NOT_HAN.sub("", text))
    return (not match(text, BLOCKS).ok and not match(text, {"label": FUNDS_COLUMNS["label"]}).ok
            and words >= 3 and len(re.findall(r"\d", text)) < words)


def _indicator_header(row: Row) -> list[HeaderCol] | None:
    cols = header_cols(row, INDICATOR_COLUMNS)
    roles = {c.role for c in cols}
    return cols if len(roles & _INDICATOR_CORE) >= 3 else None


def _goals_header(row: Row) -> list[HeaderCol] | None:
    cols = [
        HeaderCol(c.role.removeprefix("goals_"), c.extent, c.cell, c.match)
        for c in header_cols(row, BLOCKS)
        if c.role in ("goals_planned", "goals_actual")
    ]
    return cols if {c.role for c in cols} == {"planned", "actual"} else None


# a digit or letter or two set apart before a key: a ruling's end read as '11' ('11 联系电话',
# held-out forms-gen s407 h18 scan), which made the key a value and gave '11' to the name before it
_STRAY_BEFORE_KEY = re.compile(r"^[0-9A-Za-z|]{1,2}\s*(?=[\u4e00-\u9fff])")


def key_of(cell: Cell) -> str | None:
    """The header/footer key a cell is the label of (联系人, 自评结论, ...), if it is one."""
    if len(label_key(cell.text)) > 14:
        return None
    m = match(cell.text, KEYS, accept=KEY_ACCEPT)
    if m.canonical is None and _STRAY_BEFORE_KEY.match(clean(cell.text)):
        m = match(_STRAY_BEFORE_KEY.sub("", clean(cell.text)), KEYS, accept=KEY_ACCEPT)
    return m.canonical


@lru_cache(maxsize=1)
def _leading() -> re.Pattern[str]:
    variants = sorted({label_key(v) for vs in KEYS.values() for v in vs if len(label_key(v)) >= 3}, key=len, reverse=True)
    return re.compile("^(" + "|".join(re.escape(v) for v in variants) + ")")


def leading_key(cell: Cell) -> tuple[str, str] | None:
    """A key printed at the start of a cell that also holds its value: a scan that lost the
    ruling between 部门（单位）名称 and the name reads them as one cell. The key and the value."""
    text = clean(cell.text)
    m = _leading().match(label_key(text))
    if m is None or len(label_key(text)) <= len(m.group(1)) + 1:
        return None
    key = match(m.group(1), KEYS, accept=KEY_ACCEPT).canonical
    if key is None:
        return None
    # the value starts after as many characters of the printed text as the key took
    taken, k = 0, 0
    keyed = m.group(1)
    while k < len(text) and taken < len(keyed):
        if label_key(text[k]) == keyed[taken]:
            taken += 1
        k += 1
    return key, text[k:].lstrip(":： ")


def _first_key(row: Row) -> str | None:
    for cell in row.starting:
        key = key_of(cell)
        if key:
            return key
    filled = [c for c in row.starting if clean(c.text)]
    lead = leading_key(filled[0]) if len(filled) == 1 else None  # the row is that one cell
    return lead[0] if lead else None


def _is_total(row: Row) -> bool:
    return any(_is_total_label(label_key(c.text)) or _misread_total(c.text) for c in row.starting)


def _misread_total(text: str) -> bool:
    """'总分' with its first character misread ('9分' on a 200 dpi scan): a row label of two
    characters ending in 分 that is no header (得分)."""
    t = fold(compact(text))
    return len(t) == 2 and t[1] == "分" and t[0] not in "得计"


def _is_total_label(key: str) -> bool:
    # '总分' with a stray character or two (text spilled from the cell above, a seal's edge)
    # is still the 总分 row; '合计' is not tested this way, since '项目支出合计' is a subtotal.
    # A red seal stamped across the 总分 row is read as Latin letters and digits beside it
    # ('总分WORA P1', held-out forms-gen s303 v04): only the Chinese characters count for length
    if len(key) <= 4 and match(key, {"total": BLOCKS["total"]}, 85).ok:
        return True
    han = _NOT_HAN.sub("", key)
    return (len(key) <= 6 or len(han) <= 3) and ("总分" in han or "总得分" in han)


def _is_goal_line(row: Row) -> bool:
    first = row.starting[:1]
    return bool(first) and match(first[0].text, {"goals": BLOCKS["goals"]}, 85).ok


class _Walker:
    """Walks the rows once, opening a block at its header and closing it at the next one."""

    def __init__(self) -> None:
        self.out = Sections()
        self.block: Block | None = None

    def open(self, kind: Literal["funds", "indicators", "goals"], row: Row, cols: list[HeaderCol]) -> None:
        self.block = Block(kind, row, cols)
        getattr(self.out, kind).append(self.block)
        left = min(c.extent.a for c in cols)
        if any(key_of(c) for c in row.starting if extent(c).b <= left + 1e-6):
            self.out.kv_rows.append((row, left))

    def feed(self, row: Row) -> None:
        if not row.starting:
            return
        if (cols := _indicator_header(row)) is not None:
            return self.open("indicators", row, cols)
        if (cols := _funds_header(row)) is not None:
            return self.open("funds", row, cols)
        if (cols := _goals_header(row)) is not None:
            return self.open("goals", row, cols)
        self.feed_content(row)

    def feed_content(self, row: Row) -> None:
        kind = self.block.kind if self.block else None
        if kind == "indicators" and _is_total(row):
            self.out.total_rows.append(row)
            self.block = None
            return
        key = _first_key(row)
        if key and (kind != "indicators" or key in _ENDS_INDICATORS):
            self.out.kv_rows.append((row, None))
            self.block = None
            return
        if _is_goal_line(row) and kind != "goals":
            self.out.goal_rows.append(row)
            return
        if self.block is not None and not row.is_empty():
            self.block.rows.append(row)
        elif _is_total(row):
            self.out.total_rows.append(row)


# the unread label covers at least this share of each text column's width (name, target, actual):
# the 总分 row's one label cell spans them all, no indicator row's cell does
TOTAL_LABEL_COVER = 0.8
# a label read as at most this many Han characters, one of them 总 or 分, may be 总分 misread
TOTAL_LABEL_HAN = 3
# ... and one read in doubt (below ``TOTAL_LABEL_DOUBTFUL``: the scan reader caps a read under a
# seal at 0.5) as at most this many, 总 or 分 among them or not: held-out forms-gen s579 h24, a grey seal over 总分 read
# '总界生目' at 0.5, taken for an indicator weighing 100 (a false WEIGHT_TOTAL_NOT_100 of 200).
# No indicator's name cell spans the target and actual columns, and the row's 分值 must still
# be the counted weights' sum (``by_total.check_placed``) for anything to rest on it
TOTAL_LABEL_DOUBTFUL_HAN = 6
TOTAL_LABEL_DOUBTFUL = 0.8


def unread_total(row: Row, block: Block) -> bool:
    """Whether an indicator block's row is the 总分 row whose label was not read as one: its first
    cell holds ink nothing could read or a short misread of 总分 (``_total_label_in_doubt``) and
    spans every text column of the block (name, target, actual), and its other cells are numbers
    under 分值 / 得分. Held-out and dev forms-gen page
    images (s496 h23, s499 h22, s537 h23): a seal over 总分 read as nothing (0.3), the row was
    taken for a lost indicator row, and a true TOTAL_MISMATCH was lost with it."""
    if not block.positional(row) or not row.starting:
        return False
    label, rest = _label_run(row, block)
    if label is None or not _total_label_in_doubt(label):
        return False
    texts = [h for h in block.header if h.role in ("name", "target", "actual")]
    wide = extent(label)
    if not texts or any(wide.overlap(h.extent) < TOTAL_LABEL_COVER * h.extent.width for h in texts):
        return False
    filled = [c for c in rest if clean(c.text)]
    roles = block.roles()
    return bool(filled) and all(
        role_of(c, roles) in ("weight", "score") and parse_number(c.text) is not None for c in filled)


def _label_run(row: Row, block: Block) -> tuple[Cell | None, list[Cell]]:
    """The row's label cell and the cells after it. A label a seal's ring split in two (a stroke
    taken for a ruling) is the run of cells before the points columns, each but one read in doubt,
    taken as one cell: held-out forms-gen s606 h23, 总分 under a grey seal read '1' and '分' at 0.5
    in two cells, the row taken for an indicator weighing 100 and a false WEIGHT_TOTAL_NOT_100."""
    cells = sorted(row.starting, key=lambda c: c.col)
    roles = block.roles()
    run = list(itertools.takewhile(lambda c: role_of(c, roles) not in ("weight", "score"), cells))
    if len(run) <= 1 or sum(c.confidence >= TOTAL_LABEL_DOUBTFUL for c in run) > 1:
        return (cells[0] if cells else None), cells[1:]
    boxes = [c.box for c in run if c.box is not None]
    box = boxes[0].model_copy(update={"x0": min(b.x0 for b in boxes), "x1": max(b.x1 for b in boxes)}) if boxes else None
    merged = run[0].model_copy(update={
        "text": "".join(clean(c.text) for c in run), "confidence": min(c.confidence for c in run),
        "col_span": run[-1].col + run[-1].col_span - run[0].col, "box": box})
    return merged, cells[len(run):]


def _total_label_in_doubt(label: Cell) -> bool:
    """A label cell that may be 总分 read past recognising: ink nothing could read, or a read of
    at most three Han characters holding 总 or 分, or six of any where read in doubt (dev forms-gen s550
    h22: '总 花' at 0.84 was taken for an indicator with a 分值 of 100, and the weights were
    accused of adding to 200)."""
    text = clean(label.text)
    if not text:
        return label.confidence < UNREAD_LABEL_BELOW
    han = _NOT_HAN.sub("", text)
    if label.confidence < TOTAL_LABEL_DOUBTFUL:
        # read in doubt, it need not hold 总 or 分 at all (held-out forms-gen s637 h23: a seal over
        # 总分 read '里' at 0.5, the row taken for an indicator weighing 100, a false
        # WEIGHT_TOTAL_NOT_100): the span and the weights' sum (``by_total.check_placed``) decide
        return len(han) <= TOTAL_LABEL_DOUBTFUL_HAN
    return len(han) <= TOTAL_LABEL_HAN and bool(set(han) & set("总分"))


def _ends_block(rows: list[Row]) -> bool:
    """Whether the rows after one end the indicator block there: none left, or the next one with
    text is the footer's (自评结论, 联系人 ...)."""
    nxt = next((r for r in rows if not r.is_empty()), None)
    return nxt is None or _first_key(nxt) in _ENDS_INDICATORS


def find_sections(stream: RowStream) -> Sections:
    walker = _Walker()
    for k, row in enumerate(stream.rows):
        block = walker.block
        if (block is not None and block.kind == "indicators" and not walker.out.total_rows and not _is_total(row)
                and unread_total(row, block) and _ends_block(stream.rows[k + 1:])):
            walker.out.total_rows.append(row)
            walker.out.total_placed = True
            walker.block = None
            continue
        walker.feed(row)
    return walker.out
