"""A spreadsheet cell's value as the sheet shows it: the number format applied, as Excel does.

The reader must see what the person saw and printed: 0.9993 under ``0.00%`` is ``99.93%``, 1234.5
under ``#,##0.00`` is ``1,234.50``, a date serial under ``yyyy"年"m"月"d"日"`` is ``2025年2月20日``.
openpyxl and xlrd give the stored value and the format string; neither applies one. This covers
the format language a form uses: sections (positive;negative;zero;text), quoted and escaped
literals, digit placeholders (0 # ?), thousands separators, percent, scientific notation, and
date and time codes. Colours, locale tags and conditions are read past. Rounding is half away
from zero on the decimal value, as Excel rounds (2.675 under 0.00 is 2.68).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Excel's general format shows at most this many significant digits (in a wide enough column)
_GENERAL_DIGITS = 11
# numFmtIds 27-36 and 50-58 are the CJK built-in date formats; openpyxl does not know them
ZH_BUILTIN_FORMATS: dict[int, str] = {
    **dict.fromkeys((27, 36, 50, 52, 57), 'yyyy"年"m"月"'),
    **dict.fromkeys((28, 29, 51, 53, 54, 58), 'm"月"d"日"'),
    30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"',
    33: 'h"时"mm"分"ss"秒"',
    **dict.fromkeys((34, 55), '上午/下午h"时"mm"分"'),
    **dict.fromkeys((35, 56), '上午/下午h"时"mm"分"ss"秒"'),
}
# locale-dependent built-ins, as a zh-CN Excel shows them (openpyxl spells them the US way)
_LOCALE_FORMATS = {"mm-dd-yy": "yyyy/m/d", "d-mmm-yy": "d-mmm-yy", "[$-f800]": 'yyyy"年"m"月"d"日"'}

_EPOCH_1900 = dt.datetime(1899, 12, 30)  # serial 1 is 1900-01-01 (with Lotus' leap day 1900-02-29)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_DATE_CODE = re.compile(r"(yyyy|yy|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p|上午/下午|e)",
                        re.IGNORECASE)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

Value = object  # str, int, float, bool, date, datetime, time, None


def display(value: Value, fmt: str | None, date1904: bool = False) -> str:
    """The text a cell holding ``value`` under number format ``fmt`` shows."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return _text_section(value, fmt)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return format_date(_as_datetime(value), _date_format_or_default(fmt, value))
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, int | float):
        return format_number(float(value), fmt or "General", date1904)
    return str(value)


def _as_datetime(value: dt.date | dt.datetime | dt.time) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return dt.datetime.combine(dt.date(1899, 12, 30), value)


def _date_format_or_default(fmt: str | None, value: object) -> str:
    if fmt and is_date_format(fmt):
        return fmt
    if isinstance(value, dt.time):
        return "h:mm:ss"
    if isinstance(value, dt.datetime) and (value.hour or value.minute or value.second):
        return "yyyy/m/d h:mm"
    return "yyyy/m/d"


# ---------------------------------------------------------------- sections and literals


def _sections(fmt: str) -> list[str]:
    """The format's ;-separated sections, quotes and escapes respected."""
    out, cur, quoted, k = [], [], False, 0
    while k < len(fmt):
        ch = fmt[k]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and not quoted and k + 1 < len(fmt):
            cur.append(fmt[k:k + 2])
            k += 2
            continue
        elif ch == ";" and not quoted:
            out.append("".join(cur))
            cur = []
            k += 1
            continue
        cur.append(ch)
        k += 1
    out.append("".join(cur))
    return out


def _tokens(section: str) -> list[tuple[str, str]]:
    """(kind, text): 'lit' for literal text, 'code' for format codes. Brackets ([Red], [$-804],
    [>=100]) are dropped except elapsed-time ones; _x (a space as wide as x) is a space; *x (fill
    with x) is dropped."""
    out: list[tuple[str, str]] = []
    k = 0
    while k < len(section):
        ch = section[k]
        if ch == '"':
            end = section.find('"', k + 1)
            end = len(section) if end < 0 else end
            out.append(("lit", section[k + 1:end]))
            k = end + 1
        elif ch == "\\" and k + 1 < len(section):
            out.append(("lit", section[k + 1]))
            k += 2
        elif ch == "_" and k + 1 < len(section):
            out.append(("lit", " "))
            k += 2
        elif ch == "*" and k + 1 < len(section):
            k += 2
        elif ch == "[":
            end = section.find("]", k)
            end = len(section) if end < 0 else end
            inner = section[k + 1:end]
            if re.fullmatch(r"[hms]+", inner, re.IGNORECASE):
                out.append(("code", inner))
            k = end + 1
        else:
            out.append(("code", ch))
            k += 1
    return out


def _literal_text(tokens: list[tuple[str, str]]) -> str:
    return "".join(t for _, t in tokens)


def _text_section(value: str, fmt: str | None) -> str:
    """Text is shown as typed, unless the format's fourth section wraps it (@ is the text)."""
    if not fmt:
        return value
    sections = _sections(fmt)
    if len(sections) < 4 or "@" not in sections[3]:
        return value
    return "".join(value if (k == "code" and t == "@") else t for k, t in _tokens(sections[3]))


# ---------------------------------------------------------------- dates


def is_date_format(fmt: str) -> bool:
    """Whether the format shows a date or time (codes outside quotes and brackets)."""
    lowered = fmt.lower()
    if lowered.startswith(("[$-f800]", "[$-f400]")):
        return True
    codes = "".join(t for k, t in _tokens(_sections(fmt)[0]) if k == "code").lower()
    if codes in ("general", "@"):
        return False
    return bool(re.search(r"[ymdhs]|上午/下午", codes))


def serial_to_datetime(serial: float, date1904: bool = False) -> dt.datetime:
    if date1904:
        return _EPOCH_1904 + dt.timedelta(days=serial)
    if serial < 60:  # before Lotus' phantom 1900-02-29
        return _EPOCH_1900 + dt.timedelta(days=serial + 1)
    return _EPOCH_1900 + dt.timedelta(days=serial)


def format_date(value: dt.datetime, fmt: str) -> str:
    lowered = fmt.lower()
    for tag, replacement in _LOCALE_FORMATS.items():
        if lowered.startswith(tag):
            fmt = replacement + fmt[len(tag):] if tag.startswith("[") else replacement
            break
    tokens = _tokens(_sections(fmt)[0])
    has_ampm = any(k == "code" and t.lower() in ("a", "上") for k, t in tokens)
    parts: list[str] = []
    codes = _merge_codes(tokens)
    for n, (kind, tok) in enumerate(codes):
        if kind == "lit":
            parts.append(tok)
            continue
        parts.append(_date_code(tok, value, codes, n, has_ampm))
    return "".join(parts).strip()


def _merge_codes(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join runs of code characters into date codes (yyyy, mm, 上午/下午...), the rest literal."""
    runs: list[tuple[str, str]] = []
    for kind, tok in tokens:
        if runs and runs[-1][0] == kind == "code":
            runs[-1] = ("code", runs[-1][1] + tok)
        else:
            runs.append((kind, tok))
    out: list[tuple[str, str]] = []
    for kind, tok in runs:
        if kind == "lit":
            out.append((kind, tok))
            continue
        pos = 0
        for m in _DATE_CODE.finditer(tok):
            if m.start() > pos:
                out.append(("lit", tok[pos:m.start()]))
            out.append(("code", m.group(0)))
            pos = m.end()
        if pos < len(tok):
            out.append(("lit", tok[pos:]))
    return out


def _is_minute(codes: list[tuple[str, str]], n: int) -> bool:
    """m/mm means minutes right after an hour code or right before a seconds code."""
    before = [t.lower() for k, t in codes[:n] if k == "code"]
    after = [t.lower() for k, t in codes[n + 1:] if k == "code"]
    return (bool(before) and before[-1][0] == "h") or (bool(after) and after[0][0] == "s")


def _date_code(tok: str, v: dt.datetime, codes: list[tuple[str, str]], n: int, ampm: bool) -> str:
    t = tok.lower()
    if t in ("yyyy", "e"):
        return f"{v.year:04d}"
    if t == "yy":
        return f"{v.year % 100:02d}"
    if t in ("m", "mm") and _is_minute(codes, n):
        return f"{v.minute:02d}" if t == "mm" else str(v.minute)
    hour = (v.hour % 12 or 12) if ampm else v.hour
    simple = {
        "m": str(v.month), "mm": f"{v.month:02d}", "mmm": _MONTHS[v.month - 1][:3],
        "mmmm": _MONTHS[v.month - 1], "mmmmm": _MONTHS[v.month - 1][0],
        "d": str(v.day), "dd": f"{v.day:02d}", "ddd": _DAYS[v.weekday()][:3], "dddd": _DAYS[v.weekday()],
        "h": str(hour), "hh": f"{hour:02d}", "s": str(v.second), "ss": f"{v.second:02d}",
        "am/pm": "AM" if v.hour < 12 else "PM", "a/p": "A" if v.hour < 12 else "P",
        "上午/下午": "上午" if v.hour < 12 else "下午",
    }
    return simple.get(t, tok)


# ---------------------------------------------------------------- numbers


def general(value: float) -> str:
    """Excel's General format: an integer as digits, else up to 11 significant digits."""
    if value == 0:
        return "0"
    if abs(value) >= 1e11 or abs(value) < 1e-9:
        mantissa, exponent = f"{value:.5E}".split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E{int(exponent):+03d}"
    if value == int(value):
        return str(int(value))
    digits = _GENERAL_DIGITS - len(str(int(abs(value)))) if abs(value) >= 1 else _GENERAL_DIGITS - 1
    text = format(_round(value, max(digits, 0)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _round(value: float, places: int) -> Decimal:
    try:
        return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # beyond Decimal's default precision: plain rounding is exact enough
        return Decimal(round(value, places))


def _section_for(value: float, sections: list[str]) -> tuple[str, float, bool]:
    """(section, value to show, whether a minus sign is still needed)."""
    if len(sections) >= 2 and value < 0:
        return sections[1], -value, False
    if len(sections) >= 3 and value == 0:
        return sections[2], value, False
    return sections[0], value, value < 0


def format_number(value: float, fmt: str, date1904: bool = False) -> str:
    sections = _sections(fmt)
    if fmt.strip().lower() in ("general", "", "@") or sections[0].strip().lower() == "general":
        return general(value)
    if is_date_format(fmt):
        try:
            return format_date(serial_to_datetime(value, date1904), fmt)
        except OverflowError:
            return general(value)
    section, shown, minus = _section_for(value, sections)
    tokens = _tokens(section)
    codes = "".join(t for k, t in tokens if k == "code")
    if not re.search(r"[0#?]", codes):
        return _literal_text(tokens).replace("@", general(value))  # all literal: shown as written
    if "/" in codes:
        return general(value)  # fractions: no form prints them
    percent = codes.count("%")
    shown *= 100 ** percent
    if re.search(r"[eE][+-]", codes):
        return _scientific(shown, codes, minus)
    number = _fixed(shown, codes)
    out: list[str] = []
    placed = False
    for kind, tok in tokens:
        if kind == "lit" or tok not in "0#?.,":
            out.append(tok)
        elif not placed:
            out.append(number)
            placed = True
    text = "".join(out)
    return ("-" + text) if minus and shown != 0 and number.strip("0.,") else text


def _fixed(value: float, codes: str) -> str:
    """The number part of a format (``#,##0.00``, ``0.0``, ``#.##``) applied to ``value``."""
    first = re.search(r"[0#?.]", codes)
    found = re.match(r"[0#?,]*(?:\.[0#?]*)?", codes[first.start() if first else 0:])
    pattern = found.group(0) if found and found.group(0) else "0"
    integer_part, dot, decimal_part = pattern.partition(".")
    scale = len(integer_part) - len(integer_part.rstrip(","))  # trailing commas divide by 1000
    integer_part = integer_part.rstrip(",")
    places = len(decimal_part)
    required = len(decimal_part.rstrip("#?"))
    whole, _, frac = format(_round(value / 1000**scale, places), "f").partition(".")
    whole = whole.lstrip("-")
    while len(frac) > required and frac.endswith("0"):
        frac = frac[:-1]
    min_int = integer_part.count("0")
    if whole == "0" and min_int == 0:
        whole = ""
    whole = whole.rjust(min_int, "0")
    if "," in integer_part and whole:
        whole = f"{int(whole):,}"
    return whole + ("." + frac if dot else "")


def _scientific(value: float, codes: str, minus: bool) -> str:
    mantissa_codes = codes.split("E")[0].split("e")[0]
    places = len(mantissa_codes.partition(".")[2])
    text = f"{value:.{places}E}"
    mantissa, exponent = text.split("E")
    return ("-" if minus else "") + f"{mantissa}E{int(exponent):+03d}"
