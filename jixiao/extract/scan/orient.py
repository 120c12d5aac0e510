"""Which way up a scanned page is: cheap geometric tests, and a hook for an OCR-based one.

Quarter turn (is the text running across or down the page?): the page's non-ruling ink is
smeared along each axis by less than the gap between text lines but more than the gap between
characters. Along the text's direction the smear makes long flat text-line blobs; across it,
characters stay separate. The side whose blobs are elongated wins.

Half turn (is the page upside down?): two cues that do not need to read the text.
- Ragged edge: left-aligned text in cells (indicator names, goals, notes) starts at the cell's
  left border and ends short of the right one; upside down it hugs the right border. Centred
  text (numbers, headings) and full lines do not vote. Each text line is one vote.
- Top-heavy: forms fill pages from the top, so a page with a few rows of table and nothing
  below has its ink at the bottom when upside down.
(Marks at the bottom of text lines, the decimal points and 。，、, were tried and dropped: CJK
characters have as many small dots at their top, 主 文 立 部, as punctuation has at the bottom.)
Each cue votes; an optional ``OrientationCheck`` (an OCR engine scoring how readable a page is)
settles pages where the votes are close.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from jixiao.extract.pixels import Image, long_runs, odd_px, px, reduce_binary, u8, without


# An OCR-based orientation verdict: given a grey page (paper 255) and the quarter turns to
# compare (degrees clockwise; 0 = as it stands), how readable the page is under each (e.g. the
# mean recognition confidence of a few of its text lines); higher is more likely upright. It is
# asked on a close call and on every turn the geometry proposes, never when the geometry is clear.
class OrientationCheck(Protocol):
    def __call__(self, grey: Image, turns: Sequence[int]) -> dict[int, float]: ...


class OrientOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # the tests run on a copy reduced to this resolution: enough to see 9 pt characters
    work_dpi: float = 100.0
    # ink runs this long in either direction are rulings, removed before looking at text
    line_pt: float = 14.0
    # smear: bridges the gap between characters (~1 pt), not between lines (>= ~2.5 pt)
    smear_pt: float = 1.6
    # a text-line blob is at least this many times longer than thick, and no thicker than this
    min_aspect: float = 3.0
    max_line_pt: float = 24.0
    min_line_pt: float = 4.0
    # once the text is known to run across, characters are joined into lines by a wider smear,
    # still narrower than the padding on both sides of a ruling between two cells
    line_smear_pt: float = 4.0
    # a text line hugs a side of its space when within hug_pt of it and at least clear_pt
    # nearer to it than to the other side
    hug_pt: float = 8.0
    clear_pt: float = 6.0
    # a turn is made only when the evidence for it beats the evidence against by this share
    quarter_margin: float = 0.2
    flip_margin: float = 0.3
    # votes for the end of the page that holds the ink (a page a quarter filled gets them all)
    top_heavy_votes: float = 3.0
    # pseudo-votes for neither side in the upside-down test (its votes are counts of lines)
    flip_prior: float = 3.0
    # below this share, or when a turn is proposed, the page is asked of the OCR check. On the
    # 89 pages of the 50 scan fixtures (clean + degraded, 2026-12-01) it was asked on 9: 3 turned
    # pages and 6 upright ones whose upside-down margin was 0.0-0.50; its verdict agreed with the
    # geometry on all 9, so it costs where it runs, and is kept as a guard for layouts the votes
    # were not made for
    ask_below: float = 0.5
    # the OCR check reads the page's widest text lines under each turn in rounds of
    # ``check_round`` lines (one batched call for every turn), at most ``check_lines`` each, and
    # stops once the best turn's mean confidence beats every other's by ``check_gap``. Measured
    # on the 90 final (upright) pages of the scan fixtures, crops cut to ``check_aspect``: after
    # 3 lines the upright page led the best of its 180 degree turn and of its lines down the
    # page turned by 0.2 or more on 89 (5th percentile 0.25, median 0.50; after 2 lines 3 pages
    # were under 0.2); the wrong turn never led. The close ones are pages with one line down
    # them (a vertical label) that reads 0.76-0.98 turned: there the check reads on. Recognition
    # costs ~0.035-0.06 s CPU a line at one onnxruntime thread, batched or not, so the lines
    # read are the check's cost (it read 16 a turn before: 32-80 lines a page it ran on)
    check_round: int = 3
    check_lines: int = 16
    check_gap: float = 0.2
    # each line is read in its first check_aspect line heights (about 6 CJK characters): the
    # recogniser's time grows with a crop's width (6 crops of a degraded page's widest lines,
    # 15 heights long: 0.97-1.04 s CPU; cut to 8 heights 0.48, to 6 0.32-0.39), and the
    # upright lines still read at 1.0 against 0.45-0.61 upside down
    check_aspect: float = 8.0


@dataclass(frozen=True)
class Votes:
    """The evidence for leaving the page as it is and for turning it, and the decision.

    When an OCR check decided, ``upright`` and ``turned`` are its scores for the page as it
    stands and for its best turn, ``scores`` every turn's it read, and ``margin`` stays the
    geometric one (which was too close to call)."""

    upright: float
    turned: float
    margin: float  # (upright - turned) / (upright + turned + prior), in (-1, 1); 0 = no evidence
    turn: bool
    by_check: bool = False
    scores: tuple[tuple[int, float], ...] = ()  # (turn clockwise, score) the check gave


def _votes(upright: float, turned: float, margin_needed: float, prior: float) -> Votes:
    """The margin is shrunk towards 0 by ``prior`` pseudo-votes, so that one or two stray
    votes on an almost empty page cannot turn it: most pages are fed the right way up."""
    total = upright + turned + prior
    margin = (upright - turned) / total if total > 0 else 0.0
    return Votes(upright, turned, margin, margin < -margin_needed)


# ---------------------------------------------------------------- text ink


def reduced(binary: Image, dpi: float, work_dpi: float) -> tuple[Image, float]:
    """The binary page at about ``work_dpi`` (any ink in a block stays ink), and that dpi."""
    factor = int(max(1, round(dpi / work_dpi)))
    return reduce_binary(binary, factor), dpi / factor


def page_text(binary: Image, dpi: float, options: OrientOptions) -> Image:
    """Non-ruling ink: the binary page minus long runs in either direction (same length both
    ways, so that neither axis is favoured)."""
    n = odd_px(options.line_pt, dpi, 3)
    lines = cv2.bitwise_or(long_runs(binary, n, True), long_runs(binary, n, False))
    return without(binary, u8(lines), 1)


def text_line_blobs(
    text: Image,
    dpi: float,
    options: OrientOptions,
    horizontal: bool,
    smear_pt: float,
    min_aspect: float | None = None,
) -> NDArray[np.int32]:
    """Stats rows (left, top, width, height, area) of the smeared text's components that look
    like text lines running along the axis: ``min_aspect`` times longer than thick, no thicker
    than a text line and no thinner than a small character."""
    smear = odd_px(smear_pt, dpi, 3)
    shape = (smear, 1) if horizontal else (1, smear)
    smeared = cv2.morphologyEx(
        text, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, shape)
    )
    _, _, found, _ = cv2.connectedComponentsWithStats(smeared, connectivity=8)
    stats = np.asarray(found, dtype=np.int32)[1:]
    along = stats[:, cv2.CC_STAT_WIDTH if horizontal else cv2.CC_STAT_HEIGHT]
    across = stats[:, cv2.CC_STAT_HEIGHT if horizontal else cv2.CC_STAT_WIDTH]
    aspect = options.min_aspect if min_aspect is None else min_aspect
    ok = (
        (along >= aspect * across)
        & (across <= px(options.max_line_pt, dpi))
        & (across >= px(options.min_line_pt, dpi, 2))
    )
    return stats[ok]


def _asked(
    votes: Votes,
    options: OrientOptions,
    grey: Image | None,
    check: OrientationCheck | None,
    turns: Sequence[int],
    always: bool = False,
) -> Votes:
    """The OCR check's verdict on a close call, and on every turn the geometry proposes: the page
    as it is against the best of its ``turns``. Most pages come the right way up, and a layout
    the cues were not made for (cells drawn as separate boxes, text set tight against the right
    border) can outvote them; turning an upright page costs the whole page."""
    if check is None or grey is None or (abs(votes.margin) >= options.ask_below and not votes.turn and not always):
        return votes
    scores = check(grey, (0, *turns))
    up, down = scores.get(0, 0.0), max(scores.get(t, 0.0) for t in turns)
    return Votes(up, down, votes.margin, down > up, by_check=True, scores=tuple(sorted(scores.items())))


def quarter_votes(
    small: Image,
    dpi: float,
    options: OrientOptions,
    grey: Image | None = None,
    check: OrientationCheck | None = None,
) -> Votes:
    """Whether the page's text runs down it (turn by 90 degrees) rather than across it.

    ``small`` is the binary page reduced to about ``work_dpi`` (``reduced``), ``dpi`` its
    resolution. When the vote is close and an OCR ``check`` is given, it scores ``grey`` (the
    full page) as it is and turned clockwise by 90 degrees, and decides."""
    text = page_text(small, dpi, options)
    across = text_line_blobs(text, dpi, options, True, options.smear_pt)
    down = text_line_blobs(text, dpi, options, False, options.smear_pt)
    upright = float(across[:, cv2.CC_STAT_WIDTH].sum())
    turned = float(down[:, cv2.CC_STAT_HEIGHT].sum())
    votes = _votes(upright, turned, options.quarter_margin, 0.0)
    # a sideways page is as likely a quarter turn either way: the check reads both, and the
    # upside-down test takes its verdict between them (``flip_votes``, ``quarter``)
    return _asked(votes, options, grey, check, (90, 270))


# ---------------------------------------------------------------- upside down


def _rulings_and_text(binary: Image, dpi: float, options: OrientOptions) -> tuple[Image, Image]:
    return long_runs(binary, odd_px(options.line_pt, dpi, 3), False), page_text(binary, dpi, options)


def _spaces(
    blobs: NDArray[np.int32], vertical: Image
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """For each blob, the x of the nearest vertical ruling on its left and on its right (-1 and
    inf where there is none) along its middle row."""
    lo = np.full(len(blobs), -1.0)
    hi = np.full(len(blobs), np.inf)
    for k, (left, top, width, height, _) in enumerate(blobs.tolist()):
        xs = np.flatnonzero(vertical[top + height // 2])
        before, after = xs[xs < left], xs[xs >= left + width]
        if len(before):
            lo[k] = before.max()
        if len(after):
            hi[k] = after.min()
    return lo, hi


def _join_line_pieces(
    blobs: NDArray[np.int32], lo: NDArray[np.float64], hi: NDArray[np.float64]
) -> list[tuple[float, float, float, float]]:
    """Pieces of one text line in one space (a line broken at a wide punctuation mark, a
    space) as one line: (left, right, space left, space right)."""
    lines: list[list[float]] = []
    order = np.lexsort((blobs[:, cv2.CC_STAT_LEFT], lo, hi, blobs[:, cv2.CC_STAT_TOP]))
    for k in order.tolist():
        left, top, width, height = (float(v) for v in blobs[k, :4])
        for line in lines:
            same_space = line[2] == lo[k] and line[3] == hi[k]
            overlap = min(line[5], top + height) - max(line[4], top)
            if same_space and overlap >= 0.5 * min(height, line[5] - line[4]):
                line[0], line[1] = min(line[0], left), max(line[1], left + width - 1)
                break
        else:
            lines.append([left, left + width - 1, float(lo[k]), float(hi[k]), top, top + height])
    return [(a, b, c, d) for a, b, c, d, _, _ in lines]


def ragged_votes(binary: Image, dpi: float, options: OrientOptions) -> tuple[float, float]:
    """(text lines hugging the left of their space, text lines hugging the right).

    A text line's space runs from the nearest vertical ruling on its left (or the left edge of
    the page's text, without one) to the nearest on its right. A line that starts close to one
    side and ends clearly short of the other is aligned to that side; centred lines and full
    lines do not vote."""
    vertical, text = _rulings_and_text(binary, dpi, options)
    # no aspect test: a line's pieces (注：, 3.) count however short they are
    blobs = text_line_blobs(text, dpi, options, True, options.line_smear_pt, min_aspect=0.0)
    if len(blobs) == 0:
        return 0.0, 0.0
    lo, hi = _spaces(blobs, vertical)
    lefts = blobs[:, cv2.CC_STAT_LEFT].astype(np.float64)
    rights = lefts + blobs[:, cv2.CC_STAT_WIDTH] - 1
    block = (float(np.percentile(lefts, 2)), float(np.percentile(rights, 98)))
    hug, clear = px(options.hug_pt, dpi), px(options.clear_pt, dpi)
    left_votes = right_votes = 0.0
    for left, right, space_lo, space_hi in _join_line_pieces(blobs, lo, hi):
        gap_left = left - (space_lo if space_lo >= 0 else block[0])
        gap_right = (space_hi if np.isfinite(space_hi) else block[1]) - right
        if min(gap_left, gap_right) > hug or abs(gap_left - gap_right) < clear:
            continue
        if gap_left < gap_right:
            left_votes += 1
        else:
            right_votes += 1
    return left_votes, right_votes


def top_heavy_votes(binary: Image, weight: float) -> tuple[float, float]:
    """Up to ``weight`` votes for the side of the page that holds most of the ink.

    Forms fill pages from the top: a continuation page with a few rows of table and nothing
    below is common, and upside down its ink sits at the bottom. A full page's ink is centred
    and gives (almost) nothing."""
    rows = np.count_nonzero(binary, axis=1).astype(np.float64)
    total = rows.sum()
    if total == 0:
        return 0.0, 0.0
    centre = float((rows * np.arange(len(rows))).sum() / total) / max(len(rows) - 1, 1)
    lean = float(np.clip((0.5 - centre) / 0.25, -1.0, 1.0)) * weight
    return max(lean, 0.0), max(-lean, 0.0)


def settled_by_quarter(quarter: Votes | None) -> Votes | None:
    """The upside-down verdict on a page the quarter-turn test just turned clockwise by 90, when
    its OCR check read both quarter turns: upside down when 270 read better than 90. The same
    lines, read once (issue 14); None when the check did not read them."""
    scores = dict(quarter.scores) if quarter is not None and quarter.by_check and quarter.turn else {}
    if 90 not in scores or 270 not in scores:
        return None
    return Votes(scores[90], scores[270], 0.0, scores[270] > scores[90], by_check=True,
                 scores=((0, scores[90]), (180, scores[270])))


def flip_votes(
    small: Image,
    dpi: float,
    options: OrientOptions,
    grey: Image | None = None,
    check: OrientationCheck | None = None,
    sideways: bool = False,
    quarter: Votes | None = None,
) -> Votes:
    """Whether the (level, text-across) page is upside down.

    ``small`` is the reduced binary page (``reduced``) at ``dpi``. When the vote is close and
    an OCR ``check`` is given, it scores ``grey`` (the full page) both ways up and decides. A page
    that came ``sideways`` (just given a quarter turn) is as likely 90 as 270 degrees off, so the
    check, when there is one, always decides: by the ``quarter`` test's own reading of both
    quarter turns when it made one (``settled_by_quarter``), else by reading the page again."""
    if sideways and check is not None and (known := settled_by_quarter(quarter)) is not None:
        return known
    left, right = ragged_votes(small, dpi, options)
    top, bottom = top_heavy_votes(small, options.top_heavy_votes)
    votes = _votes(left + top, right + bottom, options.flip_margin, options.flip_prior)
    return _asked(votes, options, grey, check, (180,), sideways)


def lines_to_read(read: Mapping[int, Sequence[float]], left: Mapping[int, int], options: OrientOptions) -> int:
    """How many lines of each turn the OCR check should have read after its next round; 0 once
    it is settled.

    ``read`` holds the confidences read so far for each turn compared, ``left`` how many lines
    each turn still has unread. Settled when no turn has lines left, when ``check_lines`` were
    read of each that has, or when the best turn's mean beats every other's by ``check_gap``
    (a turn with no lines at all scores 0). A turn behind the others (the page as it stands,
    already read by the quarter-turn test) catches up first."""
    reading = [len(read[t]) for t, n in left.items() if n > 0]
    if not reading or min(reading) >= options.check_lines:
        return 0
    if min(reading) > 0:
        means = sorted((sum(v) / len(v) if v else 0.0 for v in read.values()), reverse=True)
        if len(means) < 2 or means[0] - means[1] >= options.check_gap:
            return 0
    return min(options.check_lines, min(reading) + options.check_round)
