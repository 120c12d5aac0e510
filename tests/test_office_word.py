"""Word tables as real and hostile files hold them (review of issue 12): rows and cells wrapped
in content controls or custom XML are read, hidden text is not, and a span past any form's grid
is refused in one line instead of filling millions of slots."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from lxml import etree
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.errors import TooLarge
from jixiao.extract import extract_document
from jixiao.pipeline import read_forms
from jixiao.record import FormRecord

CLEAN = "gen-00-guizhou_dept"


def record(path: Path) -> FormRecord:
    _, records = read_forms(path)
    assert len(records) == 1
    return records[0]


def _table_rows(document: docx.document.Document) -> list[etree._Element]:
    return [tr for tr in document.element.body.iter(qn("w:tr"))]


def _wrap(el: etree._Element, tag: str) -> None:
    """Put ``el`` inside a w:sdt (its w:sdtContent) or a w:customXml, where it stood."""
    parent = el.getparent()
    at = parent.index(el)
    if tag == "sdt":
        outer = etree.SubElement(parent, qn("w:sdt"))
        etree.SubElement(outer, qn("w:sdtPr"))
        inner = etree.SubElement(outer, qn("w:sdtContent"))
    else:
        outer = etree.SubElement(parent, qn("w:customXml"), {qn("w:element"): "row"})
        inner = outer
    parent.remove(outer)
    parent.insert(at, outer)
    inner.append(el)


def _scored_rows(document: docx.document.Document, rec: FormRecord) -> list[etree._Element]:
    """Table rows holding an indicator name, in order."""
    names = [i.name for i in rec.indicators if i.score is not None]
    out = []
    for tr in _table_rows(document):
        text = "".join(t.text or "" for t in tr.iter(qn("w:t")))
        if any(n and n in text for n in names):
            out.append(tr)
    return out


@pytest.mark.parametrize("wrapper", ["sdt", "customXml"])
@pytest.mark.slow  # LibreOffice-built office files
def test_rows_and_cells_in_content_controls_are_read(office_files: dict[str, dict[str, Path]], tmp_path: Path,
                                                     wrapper: str) -> None:
    source = office_files[CLEAN]["docx"]
    before = record(source)
    document = docx.Document(str(source))
    rows = _scored_rows(document, before)
    assert len(rows) >= 3
    _wrap(rows[0], wrapper)  # a whole row in a repeating-section control
    for tc in rows[1].findall(qn("w:tc")):
        _wrap(tc, wrapper)  # every cell of a row in its own control
    path = tmp_path / f"{wrapper}.docx"
    document.save(str(path))
    after = record(path)
    assert [(i.name, i.weight, i.score) for i in after.indicators] == \
        [(i.name, i.weight, i.score) for i in before.indicators]


@pytest.mark.slow  # LibreOffice-built office files
def test_hidden_text_is_not_cell_text(office_files: dict[str, dict[str, Path]], tmp_path: Path) -> None:
    source = office_files[CLEAN]["docx"]
    before = record(source)
    document = docx.Document(str(source))
    row = _scored_rows(document, before)[0]
    for tc in row.findall(qn("w:tc")):
        p = tc.find(qn("w:p"))
        run = etree.SubElement(p, qn("w:r"))
        rpr = etree.SubElement(run, qn("w:rPr"))
        etree.SubElement(rpr, qn("w:vanish"))
        etree.SubElement(run, qn("w:t")).text = "9"  # a hidden 9 after every value of the row
        shown = copy.deepcopy(run)
        shown.find(qn("w:rPr")).find(qn("w:vanish")).set(qn("w:val"), "0")  # vanish off: shown
        shown.find(qn("w:t")).text = ""
        p.append(shown)
    path = tmp_path / "hidden.docx"
    document.save(str(path))
    after = record(path)
    assert [(i.name, i.weight, i.score) for i in after.indicators] == \
        [(i.name, i.weight, i.score) for i in before.indicators]


@pytest.mark.parametrize("attr", ["gridSpan", "gridBefore"])
@pytest.mark.slow  # LibreOffice-built office files
def test_a_span_past_any_grid_is_refused_in_one_line(office_files: dict[str, dict[str, Path]], tmp_path: Path,
                                                     attr: str) -> None:
    document = docx.Document(str(office_files[CLEAN]["docx"]))
    tr = _table_rows(document)[2]
    if attr == "gridSpan":
        pr = tr.find(qn("w:tc")).get_or_add_tcPr()
        etree.SubElement(pr, qn("w:gridSpan"), {qn("w:val"): "5000"})
    else:
        pr = tr.find(qn("w:trPr"))
        if pr is None:
            pr = etree.Element(qn("w:trPr"))
            tr.insert(0, pr)
        etree.SubElement(pr, qn("w:gridBefore"), {qn("w:val"): "5000"})
    path = tmp_path / f"{attr}.docx"
    document.save(str(path))
    with pytest.raises(TooLarge, match="max_table_cols"):
        extract_document(path)
    result = CliRunner().invoke(app, ["extract", str(path), "-o", str(tmp_path / "forms.jsonl")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    refusal = [ln for ln in result.output.splitlines() if path.name in ln]
    assert len(refusal) == 1 and re.search(r"grid column 500[01]\b", refusal[0]), result.output
