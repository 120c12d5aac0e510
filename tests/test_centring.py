"""Rows under a flattened merged label: the partition that keeps each label centred."""

from __future__ import annotations

from jixiao.normalize.centring import centred_groups


def never(row: int, group: int) -> bool:
    return False


def test_centred_labels_split_the_rows() -> None:
    # groups of 3, 1 and 4 rows: labels on their middle rows (1, 3, 5)
    assert centred_groups(8, [1, 3, 5], never) == [0, 0, 0, 1, 2, 2, 2, 2]


def test_top_aligned_label_is_allowed() -> None:
    # the seed's 数量 label sits on the first of six rows
    assert centred_groups(7, [0, 6], never) == [0, 0, 0, 0, 0, 0, 1]


def test_names_break_a_tie() -> None:
    # labels on rows 0 and 2 of four rows: [2, 2] or [1, 3] centre equally well; row 1 is about
    # satisfaction (group 1) in the second case only
    assert centred_groups(4, [0, 2], never) == [0, 0, 1, 1]
    assert centred_groups(4, [0, 2], lambda row, group: row == 1 and group == 0) == [0, 1, 1, 1]


def test_impossible_layout_gives_none() -> None:
    assert centred_groups(3, [], never) is None
    assert centred_groups(2, [0, 5], never) is None
