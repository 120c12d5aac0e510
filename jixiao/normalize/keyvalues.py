"""Key: value pairs from table rows ('联系人 | 金菊英 | 联系电话 | …') and from loose text lines
('单位(盖章)：…  填报日期：2025.2.20')."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from jixiao.grid import Cell, TextLine
from jixiao.normalize.confusion import fold
from jixiao.normalize.lexicon import KEYS
from jixiao.normalize.provenance import prov_of_cell, prov_of_line
from jixiao.normalize.sections import key_of
from jixiao.normalize.table import Row
from jixiao.normalize.text import clean, nfkc, strip_markup
from jixiao.record import Prov


@dataclass
class KeyValue:
    key: str
    label: str
    value: str
    prov: Prov


def row_pairs(row: Row) -> list[KeyValue]:
    """Each key cell takes the text of the cells up to the next key cell as its value."""
    pairs: list[KeyValue] = []
    key_cell: Cell | None = None
    key: str | None = None
    values: list[Cell] = []
    for cell in row.starting:
        k = key_of(cell)
        if k:
            _close(pairs, key, key_cell, values)
            key, key_cell, values = k, cell, []
        elif key_cell is not None:
            values.append(cell)
    _close(pairs, key, key_cell, values)
    return pairs


def _close(out: list[KeyValue], key: str | None, key_cell: Cell | None, values: list[Cell]) -> None:
    if key is None or key_cell is None:
        return
    text = "".join(clean(c.text) for c in values)
    prov = prov_of_cell(values[0], text) if values else prov_of_cell(key_cell, "")
    for extra in values[1:]:
        if prov.box is not None and extra.box is not None:
            prov.box = prov.box.union(extra.box)
    out.append(KeyValue(key, clean(key_cell.text), text, prov))


@lru_cache(maxsize=1)
def _key_pattern() -> re.Pattern[str]:
    variants = sorted({fold(v) for vs in KEYS.values() for v in vs}, key=len, reverse=True)
    spaced = ["\\s*".join(re.escape(ch) for ch in v) for v in variants]
    return re.compile(r"(" + "|".join(spaced) + r")\s*[:：]")


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
    pairs = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        key = _canonical(m.group(1))
        if key:
            value = clean(text[m.end():end])
            pairs.append(KeyValue(key, m.group(1), value, prov_of_line(line, value)))
    return pairs
