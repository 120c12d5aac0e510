"""Golden tests of the lattice on small synthetic segment sets (page points, origin top-left)."""

from __future__ import annotations

import pytest

from jixiao.extract.lattice import Lattice, LatticeOptions, Segment, find_tables

Spans = list[tuple[int, int, int, int]]


def full_grid(xs: list[float], ys: list[float]) -> list[Segment]:
    """Every ruling of a plain grid, each drawn once across the whole table."""
    return [Segment(xs[0], y, xs[-1], y) for y in ys] + [Segment(x, ys[0], x, ys[-1]) for x in xs]


def spans(lattice: Lattice, table: int = 0) -> Spans:
    return [(c.row, c.col, c.row_span, c.col_span) for c in lattice.tables[table].cells]


def test_two_by_two() -> None:
    lattice = find_tables(full_grid([10, 60, 110], [20, 40, 60]))
    assert len(lattice.tables) == 1
    table = lattice.tables[0]
    assert (table.n_rows, table.n_cols) == (2, 2)
    assert table.col_edges == [10, 60, 110]
    assert table.row_edges == [20, 40, 60]
    assert spans(lattice) == [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)]
    assert table.cells[3].box.rounded() == [60, 40, 110, 60]


def test_row_span_where_a_horizontal_ruling_stops() -> None:
    # the ruling at y=40 is drawn only over the second and third columns
    xs, ys = [0, 50, 100, 150], [0, 20, 40, 60]
    segments = [Segment(0, y, 150, y) for y in (0, 20, 60)] + [Segment(50, 40, 150, 40)]
    segments += [Segment(x, 0, x, 60) for x in xs]
    lattice = find_tables(segments)
    assert spans(lattice) == [
        (0, 0, 1, 1), (0, 1, 1, 1), (0, 2, 1, 1),
        (1, 0, 2, 1), (1, 1, 1, 1), (1, 2, 1, 1),
        (2, 1, 1, 1), (2, 2, 1, 1),
    ]  # fmt: skip
    assert lattice.tables[0].row_edges == ys


def test_col_span_where_a_vertical_ruling_stops() -> None:
    # a header row whose middle vertical is missing: 一级指标 over two columns
    segments = [Segment(0, y, 120, y) for y in (0, 20, 40, 60)]
    segments += [Segment(0, 0, 0, 60), Segment(120, 0, 120, 60), Segment(60, 20, 60, 60)]
    lattice = find_tables(segments)
    assert spans(lattice) == [(0, 0, 1, 2), (1, 0, 1, 1), (1, 1, 1, 1), (2, 0, 1, 1), (2, 1, 1, 1)]
    assert lattice.tables[0].cells[0].box.rounded() == [0, 0, 120, 20]


def test_broken_line_with_a_small_gap_still_separates() -> None:
    # the middle horizontal is broken: 40 pt drawn, a 6 pt gap, 54 pt drawn (faint scan line)
    segments = [s for s in full_grid([0, 100], [0, 30, 60]) if s.y0 != 30]
    segments += [Segment(0, 30, 40, 30), Segment(46, 30.4, 100, 30.4)]
    lattice = find_tables(segments)
    assert spans(lattice) == [(0, 0, 1, 1), (1, 0, 1, 1)]


def test_missing_line_merges_even_with_stubs() -> None:
    # only 8 pt stubs at both ends of the y=30 boundary (lines overshooting the joint): absent
    segments = [s for s in full_grid([0, 100, 200], [0, 30, 60]) if s.y0 != 30]
    segments += [Segment(100, 30, 200, 30), Segment(0, 30, 8, 30), Segment(92, 30, 100, 30)]
    lattice = find_tables(segments)
    assert spans(lattice) == [(0, 0, 2, 1), (0, 1, 1, 1), (1, 1, 1, 1)]


def test_coverage_threshold_is_an_option() -> None:
    # 60 of 100 pt drawn under the first column: a boundary at the default 0.5, absent at 0.7
    segments = [s for s in full_grid([0, 100, 200], [0, 30, 60]) if s.y0 != 30]
    segments.append(Segment(0, 30, 60, 30))
    assert spans(find_tables(segments)) == [(0, 0, 1, 1), (0, 1, 2, 1), (1, 0, 1, 1)]
    strict = find_tables(segments, LatticeOptions(min_coverage=0.7))
    assert spans(strict) == [(0, 0, 1, 1), (0, 1, 1, 1)]


def test_two_separate_tables_on_one_page() -> None:
    lower = full_grid([0, 50, 100, 150], [200, 220, 240])
    upper = full_grid([20, 80, 140], [10, 30, 50, 70])
    lattice = find_tables(lower + upper)
    assert [(t.n_rows, t.n_cols) for t in lattice.tables] == [(3, 2), (2, 3)]  # top first
    assert lattice.tables[1].box.rounded() == [0, 200, 150, 240]


def test_overshooting_and_short_lines_snap_to_the_joints() -> None:
    # horizontals run 4 pt past the frame; verticals stop 2 pt short of it
    segments = [Segment(-4, y, 104, y) for y in (0, 25, 50)]
    segments += [Segment(x, 2, x, 48) for x in (0, 50, 100)]
    lattice = find_tables(segments)
    table = lattice.tables[0]
    assert table.col_edges == [0, 50, 100]  # no column for the overshoot
    assert table.row_edges == [0, 25, 50]
    assert len(table.cells) == 4


def test_double_lines_are_one_ruling() -> None:
    # the outer frame drawn twice, 1.5 pt apart (Word's double border)
    segments = full_grid([0, 60, 120], [0, 20, 40])
    segments += [Segment(-1.5, -1.5, 121.5, -1.5), Segment(-1.5, 41.5, 121.5, 41.5)]
    segments += [Segment(-1.5, -1.5, -1.5, 41.5), Segment(121.5, -1.5, 121.5, 41.5)]
    table = find_tables(segments).tables[0]
    assert (table.n_rows, table.n_cols) == (2, 2)
    assert table.col_edges[0] == pytest.approx(-0.75, abs=0.1)
    assert table.row_edges[-1] == pytest.approx(40.75, abs=0.1)


def test_wobbly_scan_lines_cluster() -> None:
    # a scan's rulings: each drawn as fragments whose positions wander by up to 1 pt
    segments = []
    for k, y in enumerate((0, 20, 40)):
        segments += [Segment(0, y + 0.6 * (k % 2), 55, y - 0.3), Segment(55, y + 0.8, 100, y)]
    for k, x in enumerate((0, 50, 100)):
        segments += [Segment(x - 0.7, 0, x - 0.4, 22), Segment(x + 0.5 * (k % 2), 22, x, 40)]
    table = find_tables(segments).tables[0]
    assert (table.n_rows, table.n_cols) == (2, 2)
    assert table.col_edges[1] == pytest.approx(50, abs=1)


def test_lone_rectangle_and_underlines_are_not_tables() -> None:
    title_box = [
        Segment(100, 10, 300, 10), Segment(100, 40, 300, 40),
        Segment(100, 10, 100, 40), Segment(300, 10, 300, 40),
    ]  # fmt: skip
    underlines = [Segment(50, 80, 150, 80), Segment(200, 80, 300, 80)]
    lattice = find_tables(title_box + underlines + full_grid([0, 50, 100], [100, 120, 140]))
    assert len(lattice.tables) == 1
    assert lattice.tables[0].box.rounded() == [0, 100, 100, 140]
    assert len(lattice.strays) == 6  # the box's four sides and the two underlines


def test_non_rectangular_union_is_cut_into_rectangles() -> None:
    # the y=20 ruling covers only column 1 and the x=50 ruling only row 1: the top-left three
    # atomic cells join into an L, which cannot be a cell
    segments = [
        Segment(0, 0, 100, 0), Segment(0, 40, 100, 40), Segment(50, 20, 100, 20),
        Segment(0, 0, 0, 40), Segment(100, 0, 100, 40), Segment(50, 20, 50, 40),
    ]  # fmt: skip
    lattice = find_tables(segments)
    assert spans(lattice) == [(0, 0, 1, 2), (1, 0, 1, 1), (1, 1, 1, 1)]


def test_edge_that_bounds_no_cell_is_dropped() -> None:
    # a short vertical stroke inside the first cell (a character's stroke in a scan)
    segments = full_grid([0, 100, 200], [0, 40, 80]) + [Segment(30, 40, 30, 45)]
    table = find_tables(segments).tables[0]
    assert table.col_edges == [0, 100, 200]
    assert len(table.cells) == 4


def test_open_side_gets_an_edge() -> None:
    # no left border: the horizontals end at x=0 and the first vertical is at x=50
    segments = [Segment(0, y, 150, y) for y in (0, 20, 40)]
    segments += [Segment(x, 0, x, 40) for x in (50, 100, 150)]
    table = find_tables(segments).tables[0]
    assert table.col_edges == [0, 50, 100, 150]
    assert len(table.cells) == 6


def test_row_cut_by_a_page_break_is_kept() -> None:
    # the page ends inside the last row: no closing rule, only the borders and the dividers of
    # that row run on to the cut (the rows above have more columns)
    segments = [Segment(0, y, 150, y) for y in (0, 20, 40)]
    segments += [Segment(x, 0, x, 40) for x in (50, 100)] + [Segment(x, 0, x, 70) for x in (0, 75, 150)]
    table = find_tables(segments).tables[0]
    assert table.row_edges == [0, 20, 40, 70]
    assert spans(find_tables(segments))[-2:] == [(2, 0, 1, 2), (2, 2, 1, 2)]


def test_one_long_divider_is_not_an_open_side() -> None:
    segments = full_grid([0, 50, 100, 150], [0, 20, 40]) + [Segment(50, 40, 50, 80)]
    assert find_tables(segments).tables[0].row_edges == [0, 20, 40]


def test_diagonal_header_slash_is_ignored() -> None:
    segments = full_grid([0, 60, 120], [0, 30, 60]) + [Segment(0, 0, 60, 30)]
    table = find_tables(segments).tables[0]
    assert len(table.cells) == 4
    assert table.col_edges == [0, 60, 120]


def test_no_segments_no_tables() -> None:
    assert find_tables([]) == Lattice(tables=[], strays=[])


def test_a_boundary_ruled_in_part_marks_its_cells_half_ruled() -> None:
    """A ruling that bows off its row (a photographed page not flattened) covers a boundary in
    part: the cells on both sides of it are ``half_ruled``. A boundary ruled whole, a faint
    scan's broken line and one not ruled at all mark nothing."""
    xs, ys = [0, 100, 200, 300], [0, 30, 60, 90]
    whole = find_tables(full_grid(xs, ys)).tables[0]
    assert whole.half_ruled == frozenset()
    # the y=30 ruling drawn over 40 of the middle column's 100 pt: below min_coverage, so the two
    # cells merge, and the one cell they make is half-ruled
    segments = [s for s in full_grid(xs, ys) if s.y0 != 30] + [Segment(0, 30, 100, 30), Segment(100, 30, 140, 30),
                                                                Segment(200, 30, 300, 30)]
    table = find_tables(segments).tables[0]
    assert spans(find_tables(segments)) == [(0, 0, 1, 1), (0, 1, 2, 1), (0, 2, 1, 1), (1, 0, 1, 1), (1, 2, 1, 1),
                                            (2, 0, 1, 1), (2, 1, 1, 1), (2, 2, 1, 1)]
    assert {table.cells[k].col for k in table.half_ruled} == {1} and len(table.half_ruled) == 1
    # 90 of the 100 pt drawn (a faint scan line's gap) separates the cells and marks nothing
    broken = [s for s in full_grid(xs, ys) if s.y0 != 30] + [Segment(0, 30, 100, 30), Segment(100, 30, 190, 30),
                                                               Segment(200, 30, 300, 30)]
    assert find_tables(broken).tables[0].half_ruled == frozenset()
