"""Text clean-up shared by every stage: what a printed label or value is, whatever read it."""

from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[\w(（])|(?<=[\w)）%.:,])\s+(?=[{_CJK}])")
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
_MULTISPACE = re.compile(r"\s+")

# CJK Radicals Supplement code points that PDF fonts (Source Han / Noto CJK among them) put in
# their ToUnicode maps for ordinary characters: '部⻔' for 部门, '⼈⺠' for 人民. NFKC folds the
# Kangxi radicals but not these; the targets are Unicode's EquivalentUnifiedIdeograph.txt.
# Also the few traditional code points that simplified-Chinese fonts draw with the glyph of the
# simplified character (戶 and 户 are one glyph), so a ToUnicode map may name either.
_RADICALS = str.maketrans(
    "⺁⺄⺅⺆⺇⺉⺊⺋⺌⺍⺎⺏⺐⺒⺓⺔⺖⺗⺘⺙⺛⺝⺞⺟⺠⺡⺢⺣⺤⺦⺧⺨⺩⺪⺫⺬⺭⺮⺯⺰⺱⺲⺳⺴⺵⺶⺷⺸⺹⺺⺻⺼⺽⺾⺿⻀⻁⻂⻃⻄⻅⻆⻈⻉⻊⻋⻌⻍⻎⻏⻐⻑⻒⻓⻔⻖⻗⻘⻙⻚⻛⻜⻝⻟⻠⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻭⻮⻯⻰⻱⻲⻳戶戸內呂",
    "厂乙亻冂几刂卜㔾小小兀尣尢巳幺彑忄心扌攵旡月歺母民氵氺灬爫丬牛犭王疋目示礻竹糸纟罓罒网网网羊羊羋耂肀聿肉臼艹艹艹虎衤覀西见角讠贝足车辶辶辶阝钅長镸长门阝雨青韦页风飞食飠饣马骨鬼鱼鸟卤麦黄黾斉齐歯齿竜龙龜亀龟户户内吕",
)

DASHES = frozenset({"—", "–", "-", "－", "―", "_", "一", "/", "／", "--", "——", "…", "无", "\\"})


def nfkc(text: str) -> str:
    # NFKC folds full-width digits, letters and punctuation (（）：，％) to ASCII, so that a form
    # typed in full-width and its OCR read the same; radical code points become the characters.
    return unicodedata.normalize("NFKC", text).translate(_RADICALS)


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


def wrap_separator(before: str, after: str) -> str:
    """What goes between two wrapped lines: a space only inside Latin text (``ISO`` / ``9001``,
    ``word`` / ``wrap``); CJK and numbers cut by a narrow column join with nothing."""
    latin = before.isascii() and before.isalnum() and after.isascii() and after.isalnum()
    return " " if latin and not (before.isdigit() and after.isdigit()) else ""


def compact(text: str | None) -> str:
    """Clean text with every space removed: the key used to compare labels."""
    return re.sub(r"\s+", "", clean(text))


def is_dash(text: str | None) -> bool:
    """A cell that says 'not applicable': a dash of any kind, or an OCR's reading of one."""
    t = compact(text)
    return t in DASHES or (len(t) > 1 and set(t) <= {"-", "—", "_", "–", "一"})

