"""Spreadsheet values as the sheet computes with them (review of issue 12): a value shown rounded
by its number format is read as stored (the shown text kept as raw), and a formula saved without
its result is recalculated, or else reported as not read, never accused on."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jixiao.extract import ReadOptions
from jixiao.extract.office import ConvertOptions, OfficeOptions
from jixiao.extract.office.numfmt import display
from jixiao.pipeline import read_forms
from jixiao.record import FormRecord
from jixiao.score import audit
from jixiao.score.rules import load_rules

CLEAN = "gen-00-guizhou_dept"  # a form with no planted discrepancy: no finding at all
NO_LIBREOFFICE = ReadOptions(office=OfficeOptions(convert=ConvertOptions(soffice="/nonexistent/soffice")))


@pytest.mark.parametrize(("value", "fmt", "stored", "shown"), [
    (4.655, "0.00", "4.655", "4.66"),
    (2.75, "0", "2.75", "3"),
    (0.99935, "0.00%", "99.935%", "99.94%"),
    (1234.5678, "#,##0.00", "1,234.5678", "1,234.57"),
    (2.5, '0"分"', "2.5分", "3分"),
    (10, "0.00", "10.00", "10.00"),
    (0.1 + 0.2, "0.00", "0.30", "0.30"),  # float noise is not a stored decimal
])
def test_stored_value_in_its_formats_dress(value: float, fmt: str, stored: str, shown: str) -> None:
    assert display(value, fmt, exact=True) == stored and display(value, fmt) == shown


def one_form(path: Path, options: ReadOptions | None = None) -> FormRecord:
    _, records = read_forms(path, options)
    assert len(records) == 1
    return records[0]


@pytest.mark.slow  # LibreOffice-built office files
def test_display_rounded_values_are_read_as_stored(office_files: dict[str, dict[str, Path]], tmp_path: Path) -> None:
    source = office_files[CLEAN]["xlsx"]
    before = one_form(source)
    wb = load_workbook(source)
    rounded = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, float) and cell.value != int(cell.value) and "%" not in cell.number_format:
                    cell.number_format = "0"  # 2.75 shows as 3, 10.5 as 11: the sum of what shows breaks
                    rounded += 1
    assert rounded >= 5
    path = tmp_path / "rounded.xlsx"
    wb.save(path)
    after = one_form(path)
    assert [i.score for i in after.indicators] == [i.score for i in before.indicators]
    assert [i.weight for i in after.indicators] == [i.weight for i in before.indicators]
    assert [f.model_dump() for f in after.funds] != [] and after.total.score == before.total.score
    assert audit(after, load_rules()).findings == []  # as the sheet adds up, nothing is wrong
    shown = [i.prov["score"].raw for i in after.indicators if i.score is not None and i.score != int(i.score)]
    assert shown and all(re.fullmatch(r"\d+", raw) for raw in shown)  # the shown text stays as raw


def _with_formula(source: Path, out: Path, cached: bytes | None) -> tuple[str, float]:
    """The form with its first indicator's score typed as a formula, saved with ``cached`` as its
    result's XML (None: no <v> at all, as openpyxl and other writers save formulas)."""
    wb = load_workbook(source)
    ws = wb.worksheets[0]
    first = one_form(source).indicators[0]
    ref = first.prov["score"].location.split("!")[1]  # type: ignore[union-attr]
    ws[ref] = f"={first.score}"
    plain = out.with_suffix(".plain.xlsx")
    wb.save(plain)
    replaced = 0
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/sheet") and cached is not None:
                data, n = re.subn(rb'(<c r="' + ref.encode() + rb'"[^>]*>\s*<f>[^<]*</f>)', rb"\1" + cached, data)
                replaced += n
            zout.writestr(info, data)
    assert replaced == (0 if cached is None else 1)
    return ref, float(first.score or 0)


@pytest.mark.parametrize("cached", [b"<v></v>", b"<v/>", None], ids=["empty-v", "self-closed-v", "no-v"])
@pytest.mark.slow  # LibreOffice-built office files
def test_formula_without_its_result_is_never_read_as_blank(office_files: dict[str, dict[str, Path]], tmp_path: Path,
                                                           cached: bytes | None) -> None:
    path = tmp_path / "formula.xlsx"
    ref, score = _with_formula(office_files[CLEAN]["xlsx"], path, cached)
    recomputed = one_form(path)  # LibreOffice computes it: read as its result
    assert recomputed.indicators[0].score == score
    assert audit(recomputed, load_rules()).findings == []
    unread = one_form(path, NO_LIBREOFFICE)  # nothing can compute it: not read, and said so
    prov = unread.indicators[0].prov["score"]
    assert unread.indicators[0].score is None and prov.confidence == 0 and "公式未计算" in prov.raw
    findings = audit(unread, load_rules()).findings
    assert not [f for f in findings if f.severity != "info"], findings  # no accusation rests on it
    assert any(f.code == "LOW_CONFIDENCE" and "公式未计算" in f.message and f.location.location
               and f.location.location.endswith(ref) for f in findings)
