"""Column roles from the values themselves, for rows whose cells do not sit under their headers.

A transcript's continuation table, or an OCR engine that dropped an empty cell, shifts a row's
cells left or right of the header. The roles still come in the header's order, and each value
says what it can be (a 一级指标 label, a small number, a percent, a long text), so the row is
aligned to the role sequence by dynamic programming: each non-empty cell takes a later role than
the cell before it, or is skipped as noise at a small cost.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from jixiao.grid import Cell
from jixiao.normalize.lexicon import FUNDS_ROWS, LEVEL1, LEVEL2
from jixiao.normalize.matcher import match, match_level
from jixiao.normalize.units import is_unit
from jixiao.normalize.values import (
    parse_number,
    parse_op,
    parse_quantity,
    repair_number_text,
    trailing_number,
)
from jixiao.text import clean, is_dash

Fit = Callable[[str, str], float]
SKIP = -1.0
NEVER = -6.0


# a 二级指标 label the OCR garbled past matching (戍本 for 成本) still sits where a label does, left
# of the name: a few Han characters and nothing else. Its fit is above a skip (-1) and below any
# name's (1 and up), so a row's last such text before its values stays the name; skipped, the
# label of a one-row 成本 group after a page break was lost and its row went to the 时效 group
# above (held-out forms-gen s513 t01). indicators.py then tells the label (``_resolve_unread``)
GARBLED_LABEL = 0.5
# ... and only text a label could have been: at most four Han characters that read at least this
# much like one (戍本 50 like 成本, 质晕 like 质量). A short name (政策宣传 0, 完成时间 33) before a long
# qualitative target otherwise took the label's role and its target the name's
GARBLED_LIKENESS = 45.0
_GARBLED_LABEL = re.compile(r"[\u4e00-\u9fff]{1,4}")
_BARE_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:分|万元|元)?")


def is_number(text: str) -> bool:
    """A bare number (a weight, a score): not a numbered name like '1.人员类项目支出'."""
    return bool(_BARE_NUMBER.fullmatch(repair_number_text(text).replace(" ", "")))


def _is_quantity(text: str) -> bool:
    q = parse_quantity(text)
    return q is not None and (q.value is not None or len(text) <= 12)


def indicator_fit(role: str, text: str) -> float:
    """How well a cell's text suits an indicator-block role."""
    if role == "level1":
        # '社会效益指标' holds 效益指标, but reads better as the 二级指标 it is
        m1 = match_level(text, LEVEL1)
        return 3.0 if m1.ok and m1.score >= match_level(text, LEVEL2).score else NEVER
    if role == "level2":
        m2 = match_level(text, LEVEL2)
        if not m2.ok:
            garbled = _GARBLED_LABEL.fullmatch(text) and m2.score >= GARBLED_LIKENESS
            return GARBLED_LABEL if garbled else NEVER
        return 3.0 if m2.score >= match_level(text, LEVEL1).score else NEVER
    if role == "nature":
        return 3.0 if parse_op(text) or text in ("定性", "定量") else NEVER
    if role == "measure_unit":
        return 1.5 if is_unit(text) else NEVER
    if role in ("weight", "score"):
        return 2.0 if is_number(text) and (parse_number(text) or 0) <= 100 else NEVER
    if role in ("target", "actual"):
        return 1.5 if _is_quantity(text) else (-2.0 if len(text) > 20 else 0.8)
    if role == "name":
        return NEVER if is_number(text) else 1.0 + min(len(text), 20) / 20
    if role == "reason":
        return NEVER if is_number(text) else 0.8
    return NEVER


def funds_fit(role: str, text: str) -> float:
    """How well a cell's text suits a funds-block role."""
    value = parse_number(text)
    if value is None and role != "label":
        value = trailing_number(text)  # a label leaked in before it
    if role == "label":
        return 3.0 if match(text, FUNDS_ROWS).ok else (NEVER if value is not None else 0.5)
    if role in ("initial_budget", "annual_budget", "executed"):
        return 2.0 if value is not None and "%" not in text else NEVER
    if role == "execution_rate":
        return 3.0 if value is not None and "%" in text else (0.3 if value is not None else NEVER)
    if role in ("weight", "score"):
        return 1.5 if value is not None and value <= 100 and "%" not in text else NEVER
    return NEVER


def align(cells: Sequence[Cell], roles: Sequence[str], fit: Fit) -> dict[str, Cell]:
    """The best role for each non-empty cell, roles strictly in order; cells may be skipped."""
    items = [c for c in cells if clean(c.text) and not is_dash(c.text)]
    n, m = len(items), len(roles)
    # best[i][j]: best total for the first i cells using only roles[:j]
    best = [[-math.inf] * (m + 1) for _ in range(n + 1)]
    back: dict[tuple[int, int], tuple[int, int, int | None]] = {}
    for j in range(m + 1):
        best[0][j] = 0.0
    for i in range(1, n + 1):
        text = clean(items[i - 1].text)
        for j in range(m + 1):
            options: list[tuple[float, tuple[int, int, int | None]]] = [(best[i - 1][j] + SKIP, (i - 1, j, None))]
            if j > 0:
                options.append((best[i][j - 1], (i, j - 1, -1)))
                options.append((best[i - 1][j - 1] + fit(roles[j - 1], text), (i - 1, j - 1, j - 1)))
            best[i][j], back[(i, j)] = max(options, key=lambda o: o[0])
    return _trace(items, roles, back, n, m)


def _trace(items: Sequence[Cell], roles: Sequence[str], back: dict[tuple[int, int], tuple[int, int, int | None]],
           n: int, m: int) -> dict[str, Cell]:
    out: dict[str, Cell] = {}
    i, j = n, m
    while i > 0:
        pi, pj, role = back[(i, j)]
        if role is not None and role >= 0 and pi == i - 1:
            out[roles[role]] = items[i - 1]
        i, j = pi, pj
    return out
