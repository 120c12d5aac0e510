"""The printed notes under a form (注：1. 绩效自评采取打分评价的形式…): found from their first line,
read by the head of each line.

A template's notes are the same instructions on every form it prints, a paragraph of full-width
lines under the table. No field of the record comes from them (``assemble`` skips note lines when
it looks for pairs), yet read in full they were a quarter of all the recognition a degraded
fixture scan paid for (38.5k of 143k scaled pixels over three forms: a 60-character line is as
costly as 25 number cells). So once a loose line opens the notes, the lines that follow it
closely are read only as far as their first few characters: every loose line wider than that is
read by its head first (six characters), which tells the opener, a line that carries something (联系人, 填报日期, a
form's title: read in full) and the rest of the paragraph (kept as its head and an ellipsis).
Pure decisions here; ``read.ReadCells`` does the reading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

# a line that opens a form's notes: 注 / 注： / 说明： / 备注： / 填表说明
NOTE_OPENER = re.compile(r"^\s*[-*]?\s*(注\s*[:：]?|说明\s*[:：]|备注\s*[:：]|填表说明)")
# what a line that is no note continuation starts with: a key of the form's own (contact, date,
# unit, department, sign-off, conclusion, grade) or a title (a form bound after this one on the
# same page), or a colon within its head (a key: 经办人：). Anchored at the head's start: the notes'
# prose runs on mid-sentence and speaks of 预算, 年度指标值, 部门(单位), 绩效 (a 预算 anywhere in a
# head read the Qiannan form's third notes line in full and ended the notes there)
CARRIES = re.compile(r"^(?:联系|填[报表]|电话|负责|经办|财务|主管|实施|预算[单部]|日期|单位|部门|审[核批]|签[字章名]|盖章"
                     r"|自评|评[定价]|综合评|结论|等[级次]|\d{4}\s*年|[（(]\s*\d{4}|项目(?:名称|支出)|部门整体)"
                     r"|^.{1,5}[:：]")
_SPACE = re.compile(r"\s+")


class NotesOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # a line is read this many characters (glyph heights) from its start, its margin included:
    # 6 takes in a key and its colon (主管部门：, 财务负责人) and a numbered item's opening
    # (2.偏差原因); each such head costs about what a number cell does
    head_chars: float = 6.0
    # a line belongs to the notes paragraph when its top is at most this many glyph heights
    # below the bottom of the notes line above it (body lines are ~0.3-0.6 apart; the gap to
    # whatever comes after the notes, a date line or the next form, is wider)
    gap: float = 1.2
    # and it is no taller than this many glyph heights (a title is set larger)
    max_height: float = 1.4


@dataclass(frozen=True)
class LooseLine:
    """One piece of loose text: its top and bottom (points) and what its head reads."""

    y0: float
    y1: float
    head: str


def note_lines(lines: Sequence[LooseLine], glyph_pt: float, options: NotesOptions) -> set[int]:
    """Indices of the pieces of a notes paragraph: an opener, and each piece under it within
    ``gap`` of the one above, no taller than ``max_height``, whose head carries nothing. A piece
    that does not go on with the paragraph ends it."""
    out: set[int] = set()
    bottom: float | None = None
    for k in sorted(range(len(lines)), key=lambda i: (lines[i].y0, i)):
        line = lines[k]
        if NOTE_OPENER.match(line.head):
            out.add(k)
            bottom = line.y1 if bottom is None else max(bottom, line.y1)
            continue
        near = bottom is not None and line.y0 - bottom <= options.gap * glyph_pt
        if near and line.y1 - line.y0 <= options.max_height * glyph_pt and not carries(line.head):
            out.add(k)
            bottom = max(bottom or line.y1, line.y1)
        else:
            bottom = None
    return out


def carries(head: str) -> bool:
    """Whether a line's head says the line is more than the notes' prose."""
    return bool(CARRIES.search(_SPACE.sub("", head)))  # letter-spaced keys too: 填 报 日 期
