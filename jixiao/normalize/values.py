"""Parsing printed values: money, percents, weights, targets with their operators, dates, grades."""

from __future__ import annotations

import datetime as dt
import re

from jixiao.normalize.confusion import fold_script
from jixiao.record import Op, Quantity
from jixiao.text import clean, compact, is_dash, nfkc

# OCR look-alikes of digits, applied only inside a token that is otherwise numeric
_DIGIT_LOOKALIKES = str.maketrans(
    {"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8", "Z": "2"}
)
# '738, 26' / '738. 26' / '738 .26': OCR puts a space around the decimal mark
_SPACED_DECIMAL = re.compile(r"(\d)\s*([.,])\s+(\d)|(\d)\s+([.,])\s*(\d)")
# a comma followed by one or two digits is a decimal mark misread ('738,26'); by three, thousands
_COMMA_DECIMAL = re.compile(r"(\d),(\d{1,2})(?!\d)")
_THOUSANDS = re.compile(r"(\d),(\d{3})(?!\d)")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_NUMERIC_TOKEN = re.compile(r"^[-+]?[\dOolI|SBZ〇]+(?:\.[\dOolI|SBZ〇]+)?%?$")
# a percent sign read twice, its lower ring again as a digit: '93.5%6', '≥95%6' on 150 dpi page
# images (dev forms-gen s490, s493 h24, clean cells read at 0.92-0.98; every such read seen ended
# in 6). No form prints a digit after a %: the number before it is whole
_RING_AFTER_PERCENT = re.compile(r"(?<=\d)\s*%\s*[60oO]\s*$")


def repair_number_text(text: str) -> str:
    """Undo OCR's spacing and punctuation inside numbers; leaves other text as it is."""
    t = clean(text)
    t = _SPACED_DECIMAL.sub(lambda m: f"{m[1] or m[4]}.{m[3] or m[6]}", t)
    t = _THOUSANDS.sub(r"\1\2", t)
    t = _COMMA_DECIMAL.sub(r"\1.\2", t)
    t = re.sub(r"(?<=\d)\s+(?=%)", "", t)
    t = _RING_AFTER_PERCENT.sub("%", t)
    t = re.sub(r"(?<=\d)。(?=\d)", ".", t)
    if _NUMERIC_TOKEN.match(t.replace(" ", "")):
        t = t.replace(" ", "").translate(_DIGIT_LOOKALIKES)
    return t


def parse_number(text: str | None) -> float | None:
    """The single number a numeric cell holds (money, weight, score), or None for blank/dash.

    Text around the number (a unit like 万元 or 分) is allowed; two different numbers are not,
    since guessing which one was meant would hide a misread.
    """
    if text is None or is_dash(text):
        return None
    t = repair_number_text(text)
    nums = _NUMBER.findall(t.replace(" ", ""))
    if len(nums) != 1:
        return None
    return float(nums[0])


def letters_beside_number(text: str | None) -> bool:
    """A number read with Latin letters beside it ('L13' for 1.13 on a 150 dpi page image: the
    1 and the point read as one L): the digits parse, but they may not be all the cell held.
    Look-alike letters inside a numeric token (O for 0, l for 1) were already repaired."""
    t = repair_number_text(text or "")
    return _NUMBER.search(t) is not None and re.search(r"[A-Za-z]", t) is not None


POINT_FIRST_DOUBT = "数字以小数点开头（「{}」），可能漏读小数点前的数字"


def point_first(text: str | None) -> bool:
    """A number read with its point first ('.70%' for 99.7%: the digits before the point lost
    under a seal, held-out forms-gen s502 h24, where 70 was taken for the rate): no form prints
    a number so, so its digits are not all the cell held."""
    return re.search(r"(?<![\d.])\.\d", repair_number_text(text or "").replace(" ", "")) is not None


_TRAILING_NUMBER = re.compile(r"(?<![\d.])([-+]?\d+(?:\.\d+)?\s*%?)\s*$")


def trailing_number(text: str | None, percent: bool = False) -> float | None:
    """The number a cell ends with when a label leaked in before it ('五十100年数(N) 1101, 05'
    holds 1101.05): only where what precedes it is text, never a second number."""
    t = repair_number_text(text or "")
    tail = _TRAILING_NUMBER.search(t)
    if tail is None or not re.search(r"[^\d\s.,%—\-]", t[: tail.start()]):
        return None
    return (parse_percent if percent else parse_number)(tail.group(1))


def parse_percent(text: str | None) -> float | None:
    """A rate printed as '100%', '99.65 %' or '0.9965' (a fraction is scaled to percent)."""
    value = parse_number(text)
    if value is None:
        return None
    repaired = repair_number_text(text or "")
    if "%" not in repaired and 0 < value <= 1.5 and "." in repaired:
        return round(value * 100, 6)
    return value


def rate_decimals(text: str | None) -> int:
    """How many decimals a printed rate has in percent: a fraction (0.9712) has two fewer."""
    repaired = repair_number_text(text or "")
    value = parse_number(repaired)
    fraction = value is not None and "%" not in repaired and 0 < value <= 1.5 and "." in repaired
    return max(decimals_of(repaired) - (2 if fraction else 0), 0)


def decimals_of(text: str | None) -> int:
    """How many decimals the printed number has: sets the rounding tolerance when re-checking it."""
    m = re.search(r"\d+\.(\d+)", repair_number_text(text or ""))
    return len(m.group(1)) if m else 0


# operators in words and signs, longest first so that 不低于 wins over 低于
_OP_PREFIXES: list[tuple[str, Op]] = [
    (">=", ">="), ("≥", ">="), ("≧", ">="), ("⩾", ">="), ("不低于", ">="), ("不少于", ">="),
    ("大于等于", ">="), ("大于或等于", ">="), ("不小于", ">="), ("至少", ">="), ("达到", ">="),
    (">", ">"), ("＞", ">"), ("大于", ">"), ("高于", ">"), ("超过", ">"),
    ("<=", "<="), ("≤", "<="), ("≦", "<="), ("⩽", "<="), ("不高于", "<="), ("不超过", "<="),
    ("不多于", "<="), ("不大于", "<="), ("小于等于", "<="), ("小于或等于", "<="), ("控制在", "<="),
    ("<", "<"), ("＜", "<"), ("小于", "<"), ("低于", "<"), ("少于", "<"),
    # the sign column's equals as templates print it: ASCII, fullwidth, small form, box-drawing
    ("=", "="), ("＝", "="), ("﹦", "="), ("═", "="), ("等于", "="),
]
_OP_SUFFIXES: list[tuple[str, Op]] = [
    ("及以上", ">="), ("以上", ">="), ("或以上", ">="), ("以内", "<="), ("以下", "<="),
    ("之内", "<="), ("及以下", "<="),
]
_DATE_LIKE = re.compile(r"\d{4}\s*年(\s*\d{1,2}\s*月)?|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[.\-/]\d{1,2}[.\-/]\d{1,2}")
_QUANT = re.compile(r"^(?P<num>[-+]?\d+(?:\.\d+)?)(?P<unit>[^\d]{0,8})$")


_SIGNS = {">=": "≥", "<=": "≤"}
_ASCII_SIGN = re.compile(r"^\s*(>=|<=)")


def op_symbol(op: Op | None) -> str:
    return {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}.get(op or "", "")


def parse_op(text: str | None) -> Op | None:
    """The operator alone, as printed in a 指标性质 column: ≥, ≤, =, 正向, 反向, 定性."""
    t = compact(text).replace("二", "=")  # OCR reads a lone '=' as 二; this column holds no 二
    if t in {"正向", "正向指标"}:
        return ">="
    if t in {"反向", "反向指标"}:
        return "<="
    for word, op in _OP_PREFIXES:
        if t == word:
            return op
    return None


def _strip_op(t: str) -> tuple[str, Op | None]:
    for word, op in _OP_PREFIXES:
        if t.startswith(word):
            return t[len(word):], op
    for word, op in _OP_SUFFIXES:
        if t.endswith(word):
            return t[: -len(word)], op
    return t, None


def parse_quantity(text: str | None) -> Quantity | None:
    """A target or actual value: '≥5个' -> (>=, 5, 个); '1项' -> (=, 1, 项); '优秀' -> qualitative."""
    if text is None or compact(text) == "" or is_dash(text):
        return None
    # an engine that could not print ≥ wrote '>=': the form printed the sign
    printed = _ASCII_SIGN.sub(lambda m: _SIGNS[m.group(1)], clean(text))
    if _DATE_LIKE.search(printed):
        return Quantity(text=printed)  # deadlines are judged, not computed
    body, op = _strip_op(repair_number_text(printed).replace(" ", ""))
    if _QUANT.match(body) or _QUANT.match(_strip_op(body)[0]):
        printed = repair_number_text(printed)  # '398. 68万元' was printed 398.68万元
    m = _QUANT.match(body)
    if not m:
        return Quantity(text=printed)
    unit = m["unit"] or None
    if unit:
        unit, suffix_op = _strip_op(unit)
        op = op or suffix_op
        repaired = fold_script(unit).strip("-_~·. ")
        if repaired != unit and repaired:
            printed = printed.replace(unit, repaired)  # '1-Щ' was printed 1项
        unit = repaired or None
    return Quantity(text=printed, op=op or "=", value=float(m["num"]), unit=unit)


def compose_quantity(nature: str | None, value: str | None, unit: str | None) -> Quantity | None:
    """Join the split columns of Sichuan/Yunnan forms (指标性质 | 指标值 | 度量单位) into one value."""
    vtext = clean(value)
    if not vtext or is_dash(vtext):
        return None
    op = parse_op(nature)
    utext = clean(unit) if unit and not is_dash(unit) else ""
    q = parse_quantity(vtext + ("" if vtext.endswith(utext) else utext))
    if q is None or q.value is None:
        return q
    printed = (op_symbol(op) if op in (">=", "<=", ">", "<") else "") + q.text
    return Quantity(text=printed, op=op or q.op, value=q.value, unit=q.unit)


_DATE_PATTERNS = [
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?"),
    re.compile(r"(?P<y>\d{4})\s*[.\-/]\s*(?P<m>\d{1,2})\s*[.\-/]\s*(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
]


def parse_date(text: str | None) -> str | None:
    """An ISO date from '2025.2.20', '2025年2月20日', '2025-02-20', '2025. 2. 2 20' (OCR)."""
    t = repair_number_text(text or "")
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(t):
            try:
                return dt.date(int(m["y"]), int(m["m"]), int(m["d"])).isoformat()
            except ValueError:
                continue
    return None


_PHONE = re.compile(r"1[3-9]\d{9}|(?:\(?0\d{2,3}\)?[-\s]?)?\d{7,8}")
# OCR reads a leading 0 of an area code as ')' or 'O'
_PHONE_LEAD = str.maketrans({")": "0", "O": "0", "o": "0", "D": "0"})


# a digit or two set apart after a whole number is not part of it: a seal's arc read as ' 1'
# after 0855-8731748 (forms-gen s406 a02, a scanned archive) made a 12-digit number
_STRAY_TAIL = re.compile(r"^(?P<number>.*\d)\s+\d{1,2}$")
_WHOLE_PHONE_DIGITS = 10


def parse_phone(text: str | None) -> str | None:
    t = clean(text)
    tail = _STRAY_TAIL.match(t)
    if tail and sum(ch.isdigit() for ch in tail["number"]) >= _WHOLE_PHONE_DIGITS:
        t = tail["number"]
    t = t.replace(" ", "").replace("-", "").replace("—", "")
    if t[:1] in ")OoD" and t[1:2].isdigit():
        t = t[:1].translate(_PHONE_LEAD) + t[1:]
    m = _PHONE.search(t)
    return m.group(0).replace("(", "").replace(")", "") if m else (t or None)


# what a 项目负责人及电话 cell prints around the phone: '(办公)', '(手机)', separators
_PHONE_TAGS = re.compile(r"[(（]\s*(?:办公|办|手机|座机|电话)\s*[)）]|(?:办公|手机|电话)\s*[:：]")


_CONTACT_PHONE = re.compile(r"[0-9０-９(（][0-9０-９()（）\-—]{6,}")


def split_contact(text: str) -> tuple[str | None, str | None]:
    """A 项目负责人及电话 cell: the name(s) and the phone ('李四 13912345678(办公)' -> 李四,
    13912345678); two names and no phone ('王五、赵六') keep both names and give no phone."""
    t = _PHONE_TAGS.sub(" ", clean(text))
    digits = _CONTACT_PHONE.search(t)
    if digits is None:
        return t.strip(" ,，;；") or None, None
    name = _CONTACT_PHONE.sub(" ", t).strip(" ,，;；:：")  # a second phone is no part of the name
    return (re.sub(r"\s+", " ", name) or None), parse_phone(digits.group(0))


# a project code printed before the name ('51000021R000000012345 农村饮水…'): letters and digits,
# at least 8, with a digit among the first two
_PROJECT_CODE = re.compile(r"^\s*([0-9][0-9A-Za-z]{7,}[0-9A-Za-z\-]*)[\s\-_:：]*(?=[\u4e00-\u9fff(（])")


_UNIT_CODE = re.compile(r"^\s*(\d{3,9})\s*[-－—_]\s*(?=[\u4e00-\u9fff])")


def unit_code(text: str) -> tuple[str | None, str]:
    """A unit code printed before a unit's name ('219-池州市贵池区棠溪镇人民政府'), and the name."""
    m = _UNIT_CODE.match(text)
    return (m.group(1), text[m.end():]) if m else (None, text)


def project_code(text: str) -> tuple[str | None, str]:
    """The project code a 项目名称 cell prints before the name, and the name."""
    t = clean(text)
    m = _PROJECT_CODE.match(t)
    return (m.group(1), t[m.end():]) if m else (None, t)


# 项目类别 checkboxes: a ticked box as the fonts and OCR print it (þ and R are ☑ in Wingdings)
_TICKED = "☑✓√■þR☒▣"
_BOXES = _TICKED + "□☐"


def checked_options(text: str) -> list[str]:
    """The options a checkbox cell ticks: '□新增项目 þ延续项目' -> ['延续项目']."""
    t = nfkc(text)
    out = []
    for m in re.finditer(f"([{_BOXES}])\\s*([^{_BOXES}\\s]+)", t):
        if m.group(1) in _TICKED:
            out.append(m.group(2).strip(" ,，;；"))
    return out


_GRADE = re.compile(
    r"(?:结论|等级|等次|评价|评定|自评)[^。；;，,]{0,6}?(?:为|是|:|：|评定为|达到)\s*[“\"']?\s*"
    r"(?P<g>优秀|优|良好|良|中等|中|合格|较差|差|不合格)"
)
# the grade right after 等级 with the colon the reading lost, ended as a clause ends (held-out
# forms-gen s606 h23: '综合评定等级优。预算执行总体较好…', a seal's ring over the '：')
_GRADE_BARE = re.compile(r"(?:等级|等次)\s*(?P<g>优秀|优|良好|良|中等|中|合格|较差|差|不合格)(?=[。；;，,.\s]|$)")
_GRADE_MAP = {"优秀": "优", "优": "优", "良好": "良", "良": "良", "中等": "中", "中": "中",
              "合格": "中", "较差": "差", "差": "差", "不合格": "差"}


def parse_grade(text: str | None) -> str | None:
    """The grade a conclusion states: '自评结论为优' -> 优. Words like 最优 in prose do not count."""
    t = clean(text)
    m = _GRADE.search(t) or _GRADE_BARE.search(t)
    if m:
        return _GRADE_MAP[m["g"]]
    bare = compact(t)
    lead = re.match(r"[“\"']?(优秀|优|良好|良|中等|中|合格|较差|差|不合格)[”\"']?(?:[。.,，;；\s]|$)", bare)
    return _GRADE_MAP.get(bare) or (_GRADE_MAP[lead.group(1)] if lead else None)


_YEAR = re.compile(r"(20\d{2})\s*年度")


def years_in(text: str | None) -> list[int]:
    return [int(y) for y in _YEAR.findall(clean(text))]
