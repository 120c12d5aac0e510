"""One key per unit whatever its spelling: 黔南州政务服务中心 and 黔南州人民政府政务服务中心 join."""

from __future__ import annotations

import re

from jixiao.normalize.confusion import fold_text
from jixiao.text import compact

_AUTONOMOUS = [
    (re.compile(r"^(..)[\u4e00-\u9fff]{1,10}?族(?:[\u4e00-\u9fff]{1,6}?族)*自治州"), r"\1州"),
    (re.compile(r"^(..)[\u4e00-\u9fff]{1,10}?族(?:[\u4e00-\u9fff]{1,6}?族)*自治县"), r"\1县"),
    (re.compile(r"^(广西|内蒙古|宁夏|新疆|西藏)[\u4e00-\u9fff]{0,6}?自治区"), r"\1"),
]
# words that name the parent government inside a body's name; dropped when more follows
_GOVERNMENT = re.compile(r"(?<=[州市县区省])人民政府(?=.)")
_PUNCT = re.compile(r"[()\[\]{}（）【】〔〕《》<>\"'“”‘’·,，.。:：;；、/\\|_-]")


def unit_key(name: str | None) -> str | None:
    if not name:
        return None
    key = _PUNCT.sub("", fold_text(compact(name)))
    for pattern, short in _AUTONOMOUS:
        key = pattern.sub(short, key)
    key = _GOVERNMENT.sub("", key)
    return key or None


def unit_sort_key(name: str | None) -> str | None:
    """A unit name's place in a list as a Chinese reader expects it: by pinyin (with tones, so
    homophones keep an order), not by code point (which puts 玉溪 before 铜仁)."""
    if not name:
        return None
    # imported here: its dictionaries take 0.3 s to load, wanted only when a form is stored
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(compact(name), style=Style.TONE3, neutral_tone_with_five=True)).lower()
