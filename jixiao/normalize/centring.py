"""Which rows a merged label covers, when a transcript flattened the merge.

A text dump of a ruled table writes a row-spanning label (一级指标, 二级指标) once, near the middle
of its span: a group of n rows has about (n - 1) // 2 rows above its label and n // 2 below.
Wrapped rows are taller, so the label can sit a row off the count's centre, and a span cut by a
page break keeps its label where the whole span's centre fell. Given the rows where labels
appear, the groups are the partition that keeps labels closest to centred while agreeing with
what the indicator names suggest; dynamic programming over (label, first row) finds it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

HINT_COST = 4.0  # a row whose name points to another group than the one it is put in
# rows below the label minus rows above it, and what each costs: floor-centring gives 0 or +1
OFFSETS = {0: 0.0, 1: 0.0, -1: 1.5, 2: 2.5, -2: 3.0}
TOP_ALIGNED = 2.0  # some exports put a merged cell's text on its first row instead
# ... and an export seen doing so for the 一级指标 labels (each on its group's first row) likely
# does it for the 二级指标 too: then a first-row label costs only this
TOP_HABIT = 0.5
# there, a label off its group's first row costs this much more than it would elsewhere
CENTRED_UNDER_HABIT = 1.0
# where two partitions centre equally well ([2, 2] or [1, 3] rows), forms favour even groups
SIZE_COST = 0.05


def centred_groups(
    n: int, labels: list[int], disagrees: Callable[[int, int], float], top_cost: float = TOP_ALIGNED,
    centred_extra: float = 0.0,
) -> list[int] | None:
    """For each of n rows, the index of the label whose group holds it; None if no partition
    fits. ``disagrees(row, group)`` says how strongly the row points to another group (1: its name,
    less: its unit; 0: nothing speaks against it); ``top_cost``
    is what a label on its group's first row costs (less where the engine is known to do that),
    ``centred_extra`` what is added to a label off its group's first row there."""
    if not labels or labels[0] < 0 or labels[-1] >= n:
        return None

    def hint_cost(k: int, start: int, end: int) -> float:
        size = end - start + 1
        return HINT_COST * sum(disagrees(r, k) for r in range(start, end + 1)) + SIZE_COST * size * size

    @cache
    def best(k: int, start: int) -> tuple[float, tuple[int, ...]] | None:
        above = labels[k] - start
        if above < 0:
            return None
        options: list[tuple[float, tuple[int, ...]]] = []
        for end, cost in _ends(labels, k, above, n, top_cost, centred_extra):
            if k == len(labels) - 1:
                if end == n - 1:
                    options.append((cost + hint_cost(k, start, end), (end,)))
            elif end < labels[k + 1]:
                rest = best(k + 1, end + 1)
                if rest is not None:
                    options.append((cost + hint_cost(k, start, end) + rest[0], (end, *rest[1])))
        return min(options) if options else None

    found = best(0, 0)
    if found is None:
        return None
    groups: list[int] = []
    start = 0
    for k, end in enumerate(found[1]):
        groups.extend([k] * (end - start + 1))
        start = end + 1
    return groups


def _ends(labels: list[int], k: int, above: int, n: int, top_cost: float,
          centred_extra: float) -> list[tuple[int, float]]:
    """Where group k may end, with the cost of each choice."""
    label = labels[k]
    extra = centred_extra if above > 0 else 0.0
    ends = {label + above + offset: cost + extra for offset, cost in OFFSETS.items() if label + above + offset >= label}
    if above == 0:
        limit = labels[k + 1] if k + 1 < len(labels) else n
        # a label on its group's first row reads as top-aligned, whatever its offset from the
        # centre would also cost (a 3-row group headed on its first row is top-aligned, not a
        # centred label two rows off: forms-gen s407 t02 split 社会效益 2 + 3 for 3 + 2)
        for end in range(label + 2, limit):
            ends[end] = min(ends.get(end, top_cost), top_cost)
    return sorted(ends.items())
