"""Whether a text is a unit of measure as forms print them (个, 人次, 万元, %, 元/人, 台（套）).

The vocabulary is data (units.toml, with why it is a closed list); this module only composes it:
a magnitude prefix on a unit (万人次), and parts joined by / or set in brackets (元/人, 台（套）).
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

UNITS_FILE = Path(__file__).resolve().parent / "units.toml"
_PARTS = re.compile(r"[/／()（）·]")


@cache
def _vocabulary() -> tuple[frozenset[str], tuple[str, ...]]:
    data = tomllib.loads(UNITS_FILE.read_text(encoding="utf-8"))
    units = frozenset(u for group in data["units"].values() for u in group)
    # longest first, so 十万 is tried before 十
    prefixes = tuple(sorted(data["prefixes"]["magnitude"], key=len, reverse=True))
    return units, prefixes


def _one_unit(text: str) -> bool:
    units, prefixes = _vocabulary()
    if text in units:
        return True
    return any(text.startswith(p) and text[len(p):] in units for p in prefixes)


def is_unit(text: str) -> bool:
    """A unit of measure as forms print them: 个, 人次, 万元, %, 个工作日, 元/人, 台（套）…"""
    text = text.strip().replace("％", "%")
    if not text:
        return False
    if _one_unit(text):
        return True
    parts = [p for p in _PARTS.split(text) if p]
    return bool(parts) and all(_one_unit(p) for p in parts)
