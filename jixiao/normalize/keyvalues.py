"""Key: value pairs from table rows ('联系人 | 金菊英 | 联系电话 | …') and from loose text lines
('单位(盖章)：…  填报日期：2025.2.20')."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from jixiao.grid import Cell, TextLine
from jixiao.normalize.confusion import fold
from jixiao.normalize.lexicon import BLOCKS, FUNDS_COLUMNS, INDICATOR_COLUMNS, KEYS
from jixiao.normalize.matcher import match
from jixiao.normalize.provenance import prov_of_cell, prov_of_line
from jixiao.normalize.sections import key_of, leading_key
from jixiao.normalize.table import Row, extent
from jixiao.record import Prov
from jixiao.text import clean, compact, nfkc, strip_markup


@dataclass
class KeyValue:
    key: str
    label: str
    value: str
    prov: Prov
    # the first few characters of the next cell, where the reading set them apart from the rest
    # of it ('<sup>局</sup> 年初预算数'): the value's own last character, split off by the OCR
    spill: str = ""


def row_pairs(row: Row, limit: float | None = None) -> list[KeyValue]:
    """Each key cell takes the text of the cells up to the next key cell as its value; cells
    from ``limit`` on belong to something else (a header run into this row)."""
    pairs: list[KeyValue] = []
    key_cell: Cell | None = None
    key: str | None = None
    values: list[Cell] = []
    after: Cell | None = None
    alone = len([c for c in row.starting if clean(c.text)]) == 1
    for cell in row.starting:
        if limit is not None and extent(cell).b > limit + 1e-6:
            after = cell
            break
        k = key_of(cell)
        lead = None if k or not alone else leading_key(cell)
        if k:
            _close(pairs, key, key_cell, values, cell)
            key, key_cell, values = k, cell, []
        elif lead is not None:  # key and value read as one cell
            _close(pairs, key, key_cell, values, cell)
            printed = clean(cell.text)
            key, key_cell = lead[0], cell.model_copy(update={"text": printed[: len(printed) - len(lead[1])]})
            values = [cell.model_copy(update={"text": lead[1]})]
        elif key_cell is not None:
            values.append(cell)
    _close(pairs, key, key_cell, values, after)
    return pairs


_SPILL = re.compile(r"^([\u4e00-\u9fff]{1,2})\s+\S")


def _spill(cell: Cell | None) -> str:
    if cell is None:
        return ""
    m = _SPILL.match(strip_markup(nfkc(cell.raw or cell.text)).strip())
    return m.group(1) if m else ""


def _close(out: list[KeyValue], key: str | None, key_cell: Cell | None, values: list[Cell],
           after: Cell | None = None) -> None:
    if key is None or key_cell is None:
        return
    label = clean(key_cell.text)
    # a key split over two cells ('部门(单位)' | '名称'): the second half is not the value
    while values and match(label + clean(values[0].text), KEYS).score > match(label, KEYS).score:
        label += clean(values[0].text)
        values = values[1:]
    text = strip_leaked_labels("".join(clean(c.text) for c in values))
    prov = prov_of_cell(values[0], text) if values else prov_of_cell(key_cell, "")
    for extra in values[1:]:
        if prov.box is not None and extra.box is not None:
            prov.box = prov.box.union(extra.box)
    inner = _inner_key(text)
    if inner is not None:  # a second key read into this value's cell ('红河州林业局 实施单位 红河州林业局')
        at, variant, other = inner
        out.append(KeyValue(key, label, text[:at], prov, ""))
        out.append(KeyValue(other, variant, text[at + len(variant):], prov.model_copy(), _spill(after)))
        return
    out.append(KeyValue(key, label, text, prov, _spill(after)))


@lru_cache(maxsize=1)
def _inner_keys() -> tuple[tuple[str, str], ...]:
    found = {(v, k) for k, vs in KEYS.items() if k in ("unit", "department", "project_name", "contact_name", "phone")
             for v in vs if len(v) >= 4 and "(" not in v}
    return tuple(sorted(found, key=lambda x: -len(x[0])))


def _inner_key(text: str) -> tuple[int, str, str] | None:
    """Where another header key sits inside a value, with text on both sides of it."""
    for variant, key in _inner_keys():
        at = text.find(variant)
        if at >= 2 and len(text) - at - len(variant) >= 2:
            return at, variant, key
    return None


@lru_cache(maxsize=1)
def _table_labels() -> tuple[str, ...]:
    vocabs = (FUNDS_COLUMNS, INDICATOR_COLUMNS, BLOCKS)
    labels = {compact(v) for vocab in vocabs for vs in vocab.values() for v in vs if len(compact(v)) >= 3}
    return tuple(sorted(labels, key=len, reverse=True))


def strip_leaked_labels(value: str) -> str:
    """A value that ends with a table label ('…服务中心资金来源') took in the header next to it."""
    stripped = True
    while stripped:  # a run-together row may have leaked two ('…资金来源年初预算数')
        stripped = False
        for label in _table_labels():
            if value.endswith(label) and len(value) > len(label):
                value, stripped = value[: -len(label)], True
                break
    return value


@lru_cache(maxsize=1)
def _key_pattern() -> re.Pattern[str]:
    variants = sorted({fold(v) for vs in KEYS.values() for v in vs}, key=len, reverse=True)
    spaced = ["\\s*".join(re.escape(ch) for ch in v) for v in variants]
    return re.compile(r"(" + "|".join(spaced) + r")\s*[:：]")


@lru_cache(maxsize=1)
def _lead_pattern() -> re.Pattern[str]:
    """A key opening a line needs no colon: '自评结论  自评结论为优…' (a row read as a line)."""
    variants = sorted({fold(v) for vs in KEYS.values() for v in vs if len(v) >= 3}, key=len, reverse=True)
    spaced = ["\\s*".join(re.escape(ch) for ch in v) for v in variants]
    return re.compile(r"^\s*(" + "|".join(spaced) + r")\s*[:：]?")


def _canonical(label: str) -> str | None:
    target = re.sub(r"\s+", "", label)
    for key, variants in KEYS.items():
        if target in (fold(v) for v in variants):
            return key
    return None


def line_pairs(line: TextLine) -> list[KeyValue]:
    """'单位(盖章)：X  填报日期：Y' -> unit=X, fill_date=Y. Keys need their colon here."""
    text = re.sub(r"\s+", " ", strip_markup(nfkc(line.text or ""))).strip()
    # fold is one character for one, so positions found in the folded text hold in the original
    found = list(_key_pattern().finditer(fold(text)))
    if not found or found[0].start() > 0:
        lead = _lead_pattern().match(fold(text))
        if lead:
            found.insert(0, lead)
    keys = [_canonical(m.group(1)) for m in found]
    # a conclusion states its grade in its own words ('综合评定等级：中。…'): the grade is read
    # from it, and the sentence stays whole
    if "conclusion" in keys:
        k = keys.index("conclusion")
        found = found[: k + 1] + [m for m, key in zip(found[k + 1:], keys[k + 1:]) if key != "grade"]
        keys = [_canonical(m.group(1)) for m in found]
    pairs = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        key = keys[i]
        if key:
            value = clean(text[m.end():end])
            pairs.append(KeyValue(key, m.group(1), value, prov_of_line(line, value)))
    return pairs
