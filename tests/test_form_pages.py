"""Which pages a form of an archive is on: a form claims a page by a table or a line of text on it,
not by a speck read as one character (held-out forms-gen s584 a01, a scan archive of five forms).
And the case scorer pairs a form read with the truth form whose pages it matches best."""

from __future__ import annotations

from fixtures.cases import _pair_forms
from jixiao.grid import Box, Cell, Document, Grid, Page, SourceInfo, TextLine
from jixiao.normalize.segment import split_forms


def _grid(page: int) -> Grid:
    cell = Cell(row=0, col=0, page=page, text="项目名称", raw="项目名称", box=Box(x0=50, y0=110, x1=300, y1=130))
    return Grid(page=page, box=Box(x0=50, y0=110, x1=550, y1=700), n_rows=1, n_cols=1, cells=[cell])


def _title(page: int) -> TextLine:
    return TextLine(page=page, text="项目支出绩效自评表", box=Box(x0=220, y0=47, x1=380, y1=65))


def _doc(top_of_page_two: str) -> Document:
    corner = TextLine(page=2, text=top_of_page_two, box=Box(x0=3.8, y0=0.0, x1=6.7, y1=2.9))
    pages = [Page(number=1, width=595, height=842, grids=[_grid(1)], lines=[_title(1)]),
             Page(number=2, width=595, height=842, grids=[_grid(2)], lines=[corner, _title(2)])]
    return Document(source=SourceInfo(file="a.pdf", sha256="", kind="scan_pdf", n_pages=2), pages=pages)


def test_a_speck_read_as_one_character_above_the_next_title_claims_no_page() -> None:
    """s584 a01: '國' in a 3 pt box at the corner of page 8, above form 5's title, made form 4
    (one page, 7) span pages 7 and 8, and the scorer paired it with form 5."""
    assert [f.pages for f in split_forms(_doc("國"))] == [[1], [2]]
    # a line of text there (a form's last words carried over) is the first form's, page and all
    assert [f.pages for f in split_forms(_doc("（盖章）"))] == [[1, 2], [2]]


def test_a_form_read_over_one_page_too_many_is_paired_with_the_truth_it_matches_best() -> None:
    want = [{"pages": [7]}, {"pages": [8, 9]}]
    got = [{"source": {"pages": [7, 8]}}, {"source": {"pages": [8, 9]}}]
    assert _pair_forms(want, got) == {0: 0, 1: 1}
