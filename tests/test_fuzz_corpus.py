"""The reduced crashers of issue 11 (``fixtures.fuzz.crashers``): each is one failure with its
reason, never a traceback, and a batch holding all of them still reads the good form, in the CLI
and in the corpus. Before the fixes each of these printed a traceback, hung, or lost the batch."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixtures.fuzz import Mutant, crasher_zips, crashers, write
from jixiao.cli import app
from jixiao.corpus.ingest import IngestOptions, ingest
from jixiao.corpus.store import Corpus
from jixiao.pipeline import process_file
from jixiao.score.rules import load_rules
from jixiao.terminal import plain

CRASHERS = crashers()
runner = CliRunner()


@pytest.fixture(autouse=True)
def _log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "errors.log"
    monkeypatch.setenv("JIXIAO_LOG", str(log))
    return log


@pytest.mark.parametrize(("mutant", "kind", "pattern"), CRASHERS, ids=[m.name for m, _, _ in CRASHERS])
def test_each_crasher_is_one_failure_with_its_reason(tmp_path: Path, mutant: Mutant, kind: str, pattern: str,
                                                     _log: Path) -> None:
    outcome = process_file(write(mutant, tmp_path), load_rules())
    assert outcome.error is not None
    assert outcome.error.kind != "internal", outcome.error.reason
    if kind:
        assert outcome.error.kind == kind, outcome.error.reason
    if pattern:
        assert re.search(pattern, outcome.error.reason), outcome.error.reason
    assert not _log.exists()  # none of them is a bug of jixiao's any more


def test_a_batch_of_crashers_names_each_once_and_reads_the_good_form(tmp_path: Path,
                                                                      text_pdfs: dict[str, Path]) -> None:
    paths = [write(m, tmp_path / "in") for m, _, _ in CRASHERS]
    good = text_pdfs["qiannan-2024-dept"]
    out = tmp_path / "forms.jsonl"
    result = runner.invoke(app, ["extract", *map(str, paths), str(good), "-o", str(out)], env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == len(paths), result.stderr
    for path in paths:  # each named once, as written: markup in a name or a reason is text
        assert sum(line.startswith(f"jixiao: {plain(path)}: ") for line in lines) == 1, path
    assert any("[bold]x.pdf: " in line for line in lines)
    assert any("[/'Type'" in line for line in lines)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["source"]["file"] for r in records] == [str(good)]


@pytest.mark.slow  # a whole corpus of crashers through ingest
def test_a_corpus_of_crashers_stores_every_failure_and_the_good_form(tmp_path: Path,
                                                                     text_pdfs: dict[str, Path]) -> None:
    folder = tmp_path / "archive"
    for m, _, _ in CRASHERS:
        write(m, folder)
    form = text_pdfs["gen-03-yunnan_dept"].read_bytes()
    zips = crasher_zips(form)
    for m, _ in zips:
        write(m, folder)
    good = text_pdfs["qiannan-2024-dept"]
    db = tmp_path / "c.duckdb"
    with Corpus(db) as corpus:
        summary = ingest(corpus, [folder, good], IngestOptions(workers=2))
        _, files = corpus.query("SELECT path FROM files")
        _, failures = corpus.query("SELECT path, kind, reason, error_type FROM failures")
    stored = {p for (p,) in files}
    assert str(good) in stored
    assert f"{folder / 'nested-5.zip'}!level1.pdf" in stored  # the same form at every level: stored once
    kinds: dict[str, set[str]] = {}
    for path, kind, _, _ in failures:
        kinds.setdefault(path, set()).add(kind)
    for m, kind, _ in CRASHERS:
        assert kinds.get(str(folder / m.name)), m.name
        assert not kind or kind in kinds[str(folder / m.name)], (m.name, kinds[str(folder / m.name)])
    for m, kind in zips:
        of_zip = {k for p, ks in kinds.items() if p.startswith(str(folder / m.name)) for k in ks}
        assert kind == "read" or kind in of_zip, (m.name, of_zip)
    assert all(t for _, _, _, t in failures)  # the exception type is stored with every failure
    assert "internal" not in {k for ks in kinds.values() for k in ks}
    assert summary.stored + summary.failed + summary.skipped == summary.seen and not summary.interrupted
    # stored reasons hold [/…] (pdfminer's dictionary dump) and paths hold [ : listed as text
    listed = runner.invoke(app, ["corpus", "failures", "--db", str(db)], env={"COLUMNS": "400"})
    assert listed.exit_code == 1 and "Traceback" not in listed.output
    assert "[/'Type'" in listed.output and "[bold]x.pdf" in listed.output
    queried = runner.invoke(app, ["corpus", "query", "SELECT path, reason FROM failures", "--db", str(db)],
                            env={"COLUMNS": "400"})
    assert queried.exit_code == 0 and "dir[/odd-dict.pdf" in queried.output


# crashers found by the fuzz harness in readers merged later, kept as files: an .xls is made by
# LibreOffice, not by code here (xls-record-cut.xls: one byte of a fixture workbook changed, a
# record length, so that xlrd's struct.unpack ran off the end of a sheet: an internal error)
STORED = sorted((Path(__file__).parent / "data" / "crashers").iterdir())


@pytest.mark.parametrize("path", STORED, ids=[p.name for p in STORED])
def test_each_stored_crasher_is_no_bug_of_ours(path: Path, _log: Path) -> None:
    from jixiao.errors import CorruptFile
    from jixiao.extract.office.biff import read_xls
    from jixiao.extract.office.options import OfficeOptions

    with pytest.raises(CorruptFile, match="damaged sheet"):  # xlrd's own reading: a damaged sheet
        read_xls(path, OfficeOptions())
    outcome = process_file(path, load_rules())  # the whole reader may still get it through LibreOffice
    assert outcome.error is None or outcome.error.kind != "internal", outcome.error.reason
    assert not _log.exists()
