"""Text clean-up shared by every stage: what a printed label or value is, whatever read it."""

from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[\w(（])|(?<=[\w)）%.:,])\s+(?=[{_CJK}])")
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
_MULTISPACE = re.compile(r"\s+")

DASHES = frozenset({"—", "–", "-", "－", "―", "_", "一", "/", "／", "--", "——", "…", "无", "\\"})


def nfkc(text: str) -> str:
    # NFKC folds full-width digits, letters and punctuation (（）：，％) to ASCII, so that a form
    # typed in full-width and its OCR read the same.
    return unicodedata.normalize("NFKC", text)


def strip_markup(text: str) -> str:
    """Remove HTML/markdown fragments that older OCR exports leak into cell text."""
    text = _HTML_TAG.sub("", text)
    text = text.replace("**", "").replace("&nbsp;", " ").replace("&amp;", "&")
    return text


def clean(text: str | None) -> str:
    """Printed text as one line: NFKC, markup removed, spaces between Chinese characters dropped.

    OCR and PDF text layers both insert spaces between CJK glyphs ('效 益 指 标') that were never
    printed; spaces between Latin words are kept.
    """
    if not text:
        return ""
    text = strip_markup(nfkc(text)).replace("\n", " ")
    text = _MULTISPACE.sub(" ", text).strip()
    text = _SPACE_BETWEEN_CJK.sub("", text)
    text = _SPACE_NEAR_CJK.sub("", text)
    return text


def compact(text: str | None) -> str:
    """Clean text with every space removed: the key used to compare labels."""
    return re.sub(r"\s+", "", clean(text))


def is_dash(text: str | None) -> bool:
    """A cell that says 'not applicable': a dash of any kind, or an OCR's reading of one."""
    t = compact(text)
    return t in DASHES or (len(t) > 1 and set(t) <= {"-", "—", "_", "–", "一"})

