"""Failure isolation at the file boundary: a bug, a timeout, Ctrl-C, a dead or hung worker."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import psutil
import pytest
from typer.testing import CliRunner

import jixiao.pipeline
from jixiao.cli import app
from jixiao.corpus.ingest import IngestOptions, ingest
from jixiao.corpus.pool import death_reason
from jixiao.corpus.store import Corpus
from jixiao.corpus.work import Source, ZipLimits, find_sources, sha256_of
from jixiao.extract.transcript import decode_text
from jixiao.pipeline import process_file, read_options
from jixiao.score.rules import load_rules
from jixiao.terminal import plain

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "fixtures" / "out" / "images"
runner = CliRunner()


@pytest.fixture(autouse=True)
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "errors.log"
    monkeypatch.setenv("JIXIAO_LOG", str(path))
    return path


def _env(log: Path) -> dict[str, str]:
    return dict(os.environ, JIXIAO_LOG=str(log), COLUMNS="300")


# ---------------------------------------------------------------- in this process


def test_a_bug_is_an_internal_error_with_its_traceback_in_the_log(tmp_path: Path, log: Path,
                                                                  text_pdfs: dict[str, Path],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(doc: object) -> list[object]:
        raise KeyError("a bug in normalize")

    monkeypatch.setattr(jixiao.pipeline, "normalize", broken)
    pdf = text_pdfs["qiannan-2024-dept"]
    outcome = process_file(pdf, load_rules())
    assert outcome.error is not None and outcome.error.kind == "internal"
    assert outcome.error.reason.startswith("internal error, please report (KeyError: 'a bug in normalize'")
    assert str(log) in outcome.error.reason and outcome.error.error_type == "KeyError"
    logged = log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "broken" in logged and str(pdf) in logged
    # read in this process (--workers 0): the broken normalize is this process's
    result = runner.invoke(app, ["extract", str(pdf), "-o", str(tmp_path / "f.jsonl"), "--workers", "0"])
    assert result.exit_code == 1 and "Traceback" not in result.output + result.stderr
    assert result.stderr.count("\n") == 1 and "internal error, please report" in result.stderr


def test_a_file_past_its_time_limit_is_stopped_and_the_batch_goes_on(tmp_path: Path,
                                                                     text_pdfs: dict[str, Path]) -> None:
    slow = text_pdfs["gen-20-guizhou_dept-bundle"]
    outcome = process_file(slow, load_rules(), read_options(seconds_per_page=0.001))
    assert outcome.error is not None and outcome.error.kind == "timeout"
    assert "0.001 s per page" in outcome.error.reason
    # the clock is gone afterwards: the next file reads with no limit
    assert process_file(slow, load_rules(), read_options(seconds_per_page=0)).ok
    result = runner.invoke(app, ["extract", str(slow), str(text_pdfs["qiannan-2024-dept"]), "--timeout", "0.001",
                                 "-o", str(tmp_path / "f.jsonl")])
    assert result.exit_code == 1 and result.stderr.count("timed out") == 2


def test_control_characters_and_markup_print_as_text(tmp_path: Path) -> None:
    assert plain("[bold]x.pdf") == "[bold]x.pdf"
    assert plain("a\x1b[31mb\nc\u202ed") == "a\\x1b[31mb\\x0ac\\u202ed"
    bad = tmp_path / "[red]a\x1b[2Jb.pdf"
    bad.write_bytes(b"%PDF-1.4\n")
    result = runner.invoke(app, ["extract", str(bad), "-o", str(tmp_path / "f.jsonl")])
    assert result.exit_code == 1 and "\x1b" not in result.stderr
    assert f"jixiao: {tmp_path}/[red]a\\x1b[2Jb.pdf: " in result.stderr


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be", "gb18030"])
def test_transcripts_in_other_encodings_are_read(tmp_path: Path, encoding: str) -> None:
    seed = ROOT / "fixtures" / "seeds" / "qiannan-2024-department-selfeval.ocr.txt"
    text = seed.read_text(encoding="utf-8")
    assert decode_text(text.encode(encoding)) is not None
    path = tmp_path / "form.txt"
    path.write_bytes(text.encode(encoding))
    outcome = process_file(path, load_rules())
    assert outcome.ok and outcome.results[0].record.unit == "黔南州人民政府政务服务中心"


@pytest.mark.parametrize(("encoding", "named"), [
    ("utf-16", "utf-16-le"), ("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"), ("utf-32", "utf-32-le"),
    ("utf-32-le", "utf-32-le"), ("utf-32-be", "utf-32-be"), ("gb18030", "gb18030"), ("utf-8-sig", "utf-8-sig"),
])
def test_the_encoding_a_transcript_is_read_in_is_named(encoding: str, named: str) -> None:
    # with a byte-order mark or without: the encoding is told from the bytes, never assumed
    text = "绩效自评表\t预算执行率\t10\n项目名称\t乡村振兴\t95.5\n" * 40
    assert decode_text(text.encode(encoding)) == (text if encoding in ("gb18030", "utf-8-sig", "utf-16-le",
                                                                       "utf-16-be", "utf-32-le", "utf-32-be")
                                                  else "\ufeff" + text, named)


def test_a_transcript_in_no_encoding_read_names_the_encodings_tried(tmp_path: Path) -> None:
    path = tmp_path / "form.txt"
    path.write_bytes("绩效自评表 预算执行率\n".encode("gb18030") * 50 + b"\xff\xfe\xfd\x80\x80")  # GB18030, cut
    outcome = process_file(path, load_rules())
    assert outcome.error is not None and outcome.error.kind in ("corrupt", "unsupported")
    assert "UTF-8" in outcome.error.reason and "GB18030" in outcome.error.reason, outcome.error.reason


def test_transcript_tables_past_the_limits_are_refused_before_the_grid_is_filled(tmp_path: Path) -> None:
    from jixiao.errors import TooLarge
    from jixiao.extract.base import ReadLimits
    from jixiao.extract.transcript import read_transcript

    limits = ReadLimits(max_table_cells=20, max_table_slots=50)
    cells = tmp_path / "cells.html"
    cells.write_text("<table>" + "<tr><td>1</td></tr>" * 21 + "</table>", encoding="utf-8")
    tabs = tmp_path / "tabs.txt"
    tabs.write_text("a" + "\tb" * 21 + "\n", encoding="utf-8")
    spans = tmp_path / "spans.html"
    spans.write_text('<table><tr><td rowspan="8" colspan="8">x</td></tr></table>', encoding="utf-8")
    for path, what in ((cells, "22 cells|21 cells"), (tabs, "22 cells"), (spans, "64 grid slots")):
        with pytest.raises(TooLarge, match=what):
            read_transcript(path, limits)
    assert read_transcript(spans).pages[0].page.grids[0].n_rows == 8  # inside the default limits


# ---------------------------------------------------------------- zips


def _zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def test_zips_nested_to_a_depth_and_what_was_skipped_is_said(tmp_path: Path, text_pdfs: dict[str, Path]) -> None:
    form = text_pdfs["qiannan-2024-dept"].read_bytes()
    inner = _zip(tmp_path / "inner.zip", [("deep.zip", _zip(tmp_path / "d.zip", [("x.pdf", form)]).read_bytes()),
                                          ("b.pdf", form)])
    outer = _zip(tmp_path / "outer.zip", [("inner.zip", inner.read_bytes()), ("a.pdf", b"%PDF-1.4 first\n"),
                                          ("notes.dat", b"x")])
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(outer, "a") as zf:
        zf.writestr("a.pdf", form)  # a second member of the same name
    (tmp_path / "inner.zip").unlink()
    (tmp_path / "d.zip").unlink()
    found = find_sources([outer], ZipLimits(max_depth=1))
    assert [s.name for s in found.sources] == [f"{outer}!a.pdf", f"{outer}!inner.zip!b.pdf"]
    refused = {r.path: r.error.reason for r in found.refused if r.error}
    assert "only the last is read" in refused[f"{outer}!a.pdf"]
    assert "2 levels deep" in refused[f"{outer}!inner.zip!deep.zip"]
    # a member's digest is streamed, and is the digest of its bytes
    nested = found.sources[1]
    assert nested.inner == ("b.pdf",) and sha256_of(nested)[1] == len(form)
    assert Source(str(outer), "a.pdf").read_bytes() == form


def test_zip_bombs_and_broken_members_are_refused_before_inflating(tmp_path: Path) -> None:
    import random

    from fixtures.fuzz import zip_bomb, zip_broken

    rng = random.Random(3)
    for name, data in [zip_bomb(rng), zip_broken(rng, b"%PDF-1.4\n", "encrypted"),
                       zip_broken(rng, b"%PDF-1.4\n" * 100, "method99"), zip_broken(rng, b"%PDF-1.4\n", "badcrc")]:
        (tmp_path / name).write_bytes(data)
    db = tmp_path / "c.duckdb"
    with Corpus(db) as corpus:
        summary = ingest(corpus, [tmp_path], IngestOptions(workers=0))
        _, rows = corpus.query("SELECT path, kind, reason FROM failures ORDER BY path")
    reasons = {Path(p.split("!")[0]).name + "!" + p.split("!")[1]: (k, r) for p, k, r in rows}
    bomb = next(v for k, v in reasons.items() if k.endswith("!bomb.pdf"))
    assert bomb[0] == "too_large" and "when inflated" in bomb[1]
    assert reasons["encrypted.zip!form.pdf"][0] == "encrypted"
    assert reasons["method99.zip!form.pdf"][0] == "unsupported"
    assert reasons["badcrc.zip!form.pdf"][0] == "corrupt" and "CRC" in reasons["badcrc.zip!form.pdf"][1]
    assert summary.failed == len(rows) and not summary.interrupted
    with Corpus(db) as corpus:  # a rerun counts them as failed before, and stores nothing twice
        again = ingest(corpus, [tmp_path], IngestOptions(workers=0))
    assert (again.failed, again.skipped) == (0, again.seen)


def test_a_member_is_hashed_in_blocks_not_inflated_in_memory(tmp_path: Path) -> None:
    import hashlib
    import random
    import tracemalloc

    data = random.Random(11).randbytes(48 << 20)  # (incompressible: no zip bomb to be refused)
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("big.pdf", data)
    expected = hashlib.sha256(data).hexdigest()
    del data
    tracemalloc.start()
    try:
        digest, size = sha256_of(Source(str(archive), "big.pdf"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (digest, size) == (expected, 48 << 20)
    assert peak < 8 << 20, f"{peak / 2**20:.1f} MB held while hashing a 48 MB member"


def test_too_many_members_is_one_line(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "many.zip", [(f"{k}.txt", b"x") for k in range(30)])
    found = find_sources([archive], ZipLimits(max_members=10))
    assert not found.sources and "30 members" in found.refused[0].error.reason  # type: ignore[union-attr]


# ---------------------------------------------------------------- worker processes


def test_death_reasons_name_the_signal() -> None:
    assert "SIGKILL" in death_reason(-9) and "SIGSEGV" in death_reason(-11) and "status 3" in death_reason(3)


def _scan_and_forms(folder: Path, text_pdfs: dict[str, Path]) -> Path:
    folder.mkdir()
    shutil.copy(IMAGES / "gen-20-guizhou_dept-bundle.tif", folder / "scan.tif")  # 6 pages of OCR
    for name in ("gen-00-guizhou_dept", "gen-03-yunnan_dept", "qiannan-2024-dept"):
        shutil.copy(text_pdfs[name], folder / f"{name}.pdf")
    return folder


def _busy_worker(proc: subprocess.Popen[str], cpu: float, limit: float = 300) -> psutil.Process:
    """The worker process of ``proc`` that has used ``cpu`` seconds: reading the scan (a text form
    takes a tenth of a second)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            for child in psutil.Process(proc.pid).children(recursive=True):
                if child.ppid() != proc.pid and child.cpu_times().user >= cpu:
                    return child
        except psutil.Error:
            pass
        time.sleep(0.2)
    raise AssertionError("no worker got busy")


def _db_rows(db: Path) -> tuple[list[str], list[tuple[str, str, str]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        files = [r[0] for r in con.execute("SELECT path FROM files ORDER BY path").fetchall()]
        failures = con.execute("SELECT path, kind, reason FROM failures").fetchall()
    finally:
        con.close()
    return files, failures


@pytest.mark.slow
def test_a_worker_killed_mid_file_fails_that_file_and_the_rest_are_stored(tmp_path: Path, log: Path,
                                                                          text_pdfs: dict[str, Path]) -> None:
    folder = _scan_and_forms(tmp_path / "archive", text_pdfs)
    db = tmp_path / "c.duckdb"
    cmd = [sys.executable, "-m", "jixiao.cli", "corpus", "ingest", str(folder), "--db", str(db), "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(log))
    _busy_worker(proc, cpu=2.5).send_signal(signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in stdout + stderr and "corpus ingest" in stdout
    files, failures = _db_rows(db)
    assert len(files) == 3 and all(not f.endswith("scan.tif") for f in files)
    assert [(Path(p).name, k) for p, k, _ in failures] == [("scan.tif", "crashed")]
    assert "SIGKILL" in failures[0][2] and f"failed {plain(folder / 'scan.tif')}: " in stderr


@pytest.mark.slow
def test_a_hung_worker_is_killed_at_its_limit(tmp_path: Path, log: Path, text_pdfs: dict[str, Path]) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(IMAGES / "qiannan-2024-dept-p1.jpg", folder / "scan.jpg")  # read first, by name
    shutil.copy(text_pdfs["gen-03-yunnan_dept"], folder / "z-form.pdf")
    db = tmp_path / "c.duckdb"
    cmd = [sys.executable, "-m", "jixiao.cli", "corpus", "ingest", str(folder), "--db", str(db), "--workers", "1",
           "--timeout", "8"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(log))
    _busy_worker(proc, cpu=0.5).send_signal(signal.SIGSTOP)  # stuck: not even its own alarm can stop it
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1 and "Traceback" not in stdout + stderr
    files, failures = _db_rows(db)
    assert [Path(f).name for f in files] == ["z-form.pdf"]
    assert [(Path(p).name, k) for p, k, _ in failures] == [("scan.jpg", "timeout")]
    assert "the reading process was stopped" in failures[0][2]


@pytest.mark.slow  # a CLI subprocess waiting out a time limit
def test_an_extract_stuck_in_c_code_is_killed_at_its_limit_and_the_batch_goes_on(
        tmp_path: Path, log: Path, text_pdfs: dict[str, Path]) -> None:
    """`jixiao extract` reads in a worker process, as corpus ingest does: a file its own alarm
    cannot stop (here the worker is frozen, as a long OCR call would hold it) is killed at its
    limit, named in one line, and the next file is read by a fresh worker. No OCR model loads:
    the files are text PDFs, and the worker loads models only for a scan."""
    stuck, good = text_pdfs["gen-20-guizhou_dept-bundle"], text_pdfs["qiannan-2024-dept"]  # 6 pages, 1 s CPU
    out = tmp_path / "forms.jsonl"
    cmd = [sys.executable, "-m", "jixiao.cli", "extract", str(stuck), str(good), "-o", str(out), "--timeout", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(log))
    start = time.monotonic()
    _busy_worker(proc, cpu=0.3, limit=60).send_signal(signal.SIGSTOP)  # inside the bundle: not even its alarm runs
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "Traceback" not in stdout + stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and plain(stuck) in lines[0] and "the reading process was stopped" in lines[0], stderr
    assert time.monotonic() - start < 60  # 6 pages × 1 s, and the 5 s grace: not the 120 s of a stuck worker
    assert len(out.read_text(encoding="utf-8").splitlines()) >= 1 and "1/2 file(s)" in stdout


@pytest.mark.slow
def test_ctrl_c_ends_an_ingest_with_its_summary(tmp_path: Path, log: Path, text_pdfs: dict[str, Path]) -> None:
    folder = _scan_and_forms(tmp_path / "archive", text_pdfs)
    db = tmp_path / "c.duckdb"
    cmd = [sys.executable, "-m", "jixiao.cli", "corpus", "ingest", str(folder), "--db", str(db), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(log),
                            start_new_session=True)
    _busy_worker(proc, cpu=2.0)
    os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: to the whole process group
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Traceback" not in stdout + stderr
    assert "interrupted" in stdout and "not read" in stdout
    files, failures = _db_rows(db)
    assert not failures and len(files) < 4 and not any(f.endswith("scan.tif") for f in files)
    (folder / "scan.tif").unlink()  # (not read again here: it is minutes of OCR)
    with Corpus(db) as corpus:  # what was committed is whole: a rerun reads only the rest
        summary = ingest(corpus, [folder], IngestOptions(workers=0))
    assert summary.skipped == len(files) and summary.stored == 3 - len(files) and not summary.failed


@pytest.mark.slow
def test_ctrl_c_ends_an_extract_with_what_was_read(tmp_path: Path, log: Path, text_pdfs: dict[str, Path]) -> None:
    out = tmp_path / "forms.jsonl"
    good = text_pdfs["qiannan-2024-dept"]
    cmd = [sys.executable, "-m", "jixiao.cli", "extract", str(good), str(IMAGES / "gen-20-guizhou_dept-bundle.tif"),
           str(good), "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(log),
                            start_new_session=True)
    _busy_worker(proc, cpu=5.0, limit=120)  # the worker reading the scan (extract reads in a worker process)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stdout + stderr
    assert "interrupted: 1 of 3 file(s) read" in stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1  # the form read before Ctrl-C is written


@pytest.mark.slow
def test_workers_end_when_the_ingest_is_killed(tmp_path: Path, log: Path, text_pdfs: dict[str, Path]) -> None:
    folder = _scan_and_forms(tmp_path / "archive", text_pdfs)
    cmd = [sys.executable, "-m", "jixiao.cli", "corpus", "ingest", str(folder), "--db", str(tmp_path / "c.duckdb"),
           "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=_env(log))
    worker = _busy_worker(proc, cpu=1.0)
    proc.send_signal(signal.SIGKILL)  # kill -9: nothing in the ingest runs to stop its workers
    proc.wait()
    worker.wait(timeout=20)  # the worker saw its ingest go and ended (psutil.TimeoutExpired if not)
    assert not worker.is_running()


@pytest.mark.slow
def test_a_worker_out_of_memory_fails_only_its_file(tmp_path: Path, text_pdfs: dict[str, Path]) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(IMAGES / "qiannan-2024-dept-p1.jpg", folder / "scan.jpg")  # 2480×3508: RGB alone is 26 MB
    shutil.copy(text_pdfs["gen-03-yunnan_dept"], folder / "z-form.pdf")
    with Corpus(tmp_path / "c.duckdb") as corpus:
        summary = ingest(corpus, [folder], IngestOptions(workers=1, memory_mb=700))
        _, failures = corpus.query("SELECT path, kind, reason FROM failures")
    assert summary.stored == 1 and summary.failed == 1
    # where the limit bites (decoding, or the OCR engine's threads) varies; either way, that file
    assert [(Path(p).name, k) for p, k, _ in failures] in ([("scan.jpg", "too_large")], [("scan.jpg", "crashed")])
    assert "700 MB" in failures[0][2] or "died" in failures[0][2]
