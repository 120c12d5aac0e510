"""Every fixture form as the office files it was filled in (.xlsx, .xls, .docx, .doc) and as
LibreOffice prints them (PDF from Calc and from Writer), against truth: the record field by field
and the findings, no more and no fewer, as for the text PDF.

The office files are written by ``fixtures.office`` as a person fills the form in (numbers as
numbers under their number formats, rates as percent numbers, a hidden draft row and helper
column, a note outside the print area, Excel's bottom-aligned merged labels cut by a page break,
a Word table split over pages by hand, a one-cell frame table) and converted by LibreOffice in
the fixture build, cached. LibreOffice is installed by ``make test``; elsewhere these tests skip
with a message saying so.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fixtures.compare import Score, compare_findings, compare_record
from fixtures.office import KINDS
from fixtures.truth_model import TruthDoc
from jixiao.extract import extract_document
from jixiao.normalize import normalize
from jixiao.score import audit


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.slow  # LibreOffice conversions, whole-file truth comparison
def test_office_forms_match_truth(kind: str, truth_docs: list[TruthDoc],
                                  office_files: dict[str, dict[str, Path]]) -> None:
    total, problems = Score(), []
    expected_kind = {"pdf-calc": "text_pdf", "pdf-writer": "text_pdf", "xlsx": "spreadsheet",
                     "xls": "spreadsheet"}.get(kind, "document")
    for doc in truth_docs:
        result = extract_document(office_files[doc.name][kind])
        assert result.document.source.kind == expected_kind
        records = normalize(result.document)
        if len(records) != len(doc.forms):
            problems.append((doc.name, "forms", len(records), len(doc.forms)))
        for truth, rec in zip(doc.forms, records):
            score = compare_record(truth, rec)
            total.add(score)
            if score.misses:
                problems.append((doc.name, rec.source.index, score.misses[:5]))
            found = compare_findings(truth, audit(rec).findings)
            if found.missing or found.unexpected:
                problems.append((doc.name, rec.source.index, found.missing, found.unexpected))
    assert total.numeric_total > 1000
    assert problems == []
    assert total.numeric_rate == 1.0 and total.exact_rate == 1.0 and total.cer == 0.0


def test_values_are_located_in_the_file(office_files: dict[str, dict[str, Path]]) -> None:
    """A value read from a sheet says which cell it is in; from Word, which table, row and column."""
    paths = office_files["qiannan-2024-dept"]
    sheet = normalize(extract_document(paths["xlsx"]).document)[0]
    total = sheet.funds_row("total")
    assert total is not None
    prov = total.prov["annual_budget"]
    assert prov.location is not None and prov.location.startswith("Sheet1!") and prov.raw == "738.26"
    word = normalize(extract_document(paths["docx"]).document)[0]
    wprov = word.funds_row("total").prov["annual_budget"]  # type: ignore[union-attr]
    assert wprov.location is not None and wprov.location.startswith("表格1 第") and "列" in wprov.location


def test_findings_name_the_cell(office_files: dict[str, dict[str, Path]], truth_docs: list[TruthDoc]) -> None:
    doc = next(d for d in truth_docs if any(f.planted for f in d.forms))
    rec = normalize(extract_document(office_files[doc.name]["xlsx"]).document)[0]
    errors = [f for f in audit(rec).findings if f.severity == "error"]
    assert errors and all(f.location.location and "!" in f.location.location for f in errors)


def test_conversion_is_killed_at_its_timeout(office_files: dict[str, dict[str, Path]], tmp_path: Path) -> None:
    """A conversion that does not finish in time is killed, its whole process group with it, and
    the file gets one line; LibreOffice's own start takes longer than this timeout."""
    from jixiao.errors import InputError
    from jixiao.extract.office import ConvertOptions, OfficeOptions, read_office
    from jixiao.extract.office.convert import ConversionTimeout

    options = OfficeOptions(convert=ConvertOptions(timeout=0.5, profile=tmp_path / "profile"))
    start = time.monotonic()
    with pytest.raises(ConversionTimeout) as caught:
        read_office(office_files["qiannan-2024-dept"]["doc"], "doc", options)
    assert time.monotonic() - start < 10
    assert isinstance(caught.value, InputError)
    assert "did not finish converting it within 0.5 s and was stopped" in caught.value.reason
    assert not _processes_using(tmp_path / "profile")


def _processes_using(profile: Path) -> list[int]:
    """Pids whose command line names the profile: what a killed conversion would leave running."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if str(profile).encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found
