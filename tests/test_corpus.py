"""The corpus: ingest is idempotent, survives SIGKILL, isolates failures, scales out unchanged."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.corpus.ingest import IngestOptions, ingest
from jixiao.corpus.store import Corpus

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seeds" / "qiannan-2024-department-selfeval.ocr.txt"
# what must be identical between runs: every table, minus when and how fast
TABLES = {
    "files": "SELECT * EXCLUDE (ingested_at, seconds) FROM files",
    "failures": "SELECT * EXCLUDE (failed_at) FROM failures",
    "forms": "SELECT * FROM forms",
    "funds": "SELECT * FROM funds",
    "indicators": "SELECT * FROM indicators",
    "findings": "SELECT * FROM findings",
    "provenance": "SELECT * FROM provenance",
    "pages": "SELECT * FROM pages",
}


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: sorted(con.execute(sql).fetchall(), key=repr) for name, sql in TABLES.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, text_pdfs: dict[str, Path],
            transcripts: dict[str, dict[str, Path]]) -> Path:
    """A folder like an archive: PDFs, transcripts in a subfolder, a zip, a broken file."""
    root = tmp_path_factory.mktemp("archive")
    for name, pdf in sorted(text_pdfs.items())[:12]:
        shutil.copy(pdf, root / pdf.name)
    sub = root / "2024" / "txt"
    sub.mkdir(parents=True)
    for name in sorted(transcripts)[12:18]:
        shutil.copy(transcripts[name]["txt"], sub / f"{name}.txt")
    shutil.copy(SEED, sub / SEED.name)
    with zipfile.ZipFile(root / "bundle.zip", "w") as zf:
        for name in sorted(transcripts)[18:]:
            zf.write(transcripts[name]["html"], f"html/{name}.html")
        zf.writestr("html/readme.txt", "not a form at all")
    (root / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\n")
    return root


def run(db: Path, paths: list[Path], **options: object) -> object:
    with Corpus(db) as corpus:
        return ingest(corpus, paths, IngestOptions(**options))  # type: ignore[arg-type]


@pytest.mark.slow  # ingests a whole archive (workers, Dask, subprocesses)
def test_ingest_twice_gives_identical_rows(tmp_path: Path, archive: Path) -> None:
    db = tmp_path / "c.duckdb"
    first = run(db, [archive])
    rows = snapshot(db)
    assert first.failed == 2 and first.stored >= 18  # broken.pdf and the zip's readme
    second = run(db, [archive])
    assert (second.stored, second.failed, second.skipped) == (0, 0, second.seen)
    assert snapshot(db) == rows
    assert len(rows["forms"]) >= 19 and len(rows["findings"]) > 10


@pytest.mark.slow  # ingests a whole archive (workers, Dask, subprocesses)
def test_workers_and_dask_store_the_same_rows(tmp_path: Path, archive: Path) -> None:
    run(tmp_path / "serial.duckdb", [archive])
    run(tmp_path / "pool.duckdb", [archive], workers=2)
    assert snapshot(tmp_path / "pool.duckdb") == snapshot(tmp_path / "serial.duckdb")
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run(tmp_path / "dask.duckdb", [archive], dask=cluster.scheduler_address)
    assert snapshot(tmp_path / "dask.duckdb") == snapshot(tmp_path / "serial.duckdb")


def test_a_pool_reads_the_largest_files_first() -> None:
    from jixiao.corpus.ingest import largest_first
    from jixiao.corpus.work import Source

    jobs = [(Source(path=f"{n}.pdf"), f"sha{n}", size) for n, size in enumerate((10, 900, 50, 900))]
    assert [j[2] for j in largest_first(jobs, 2)] == [900, 900, 50, 10]
    assert [j[1] for j in largest_first(jobs, 2)][:2] == ["sha1", "sha3"]  # ties keep the order found
    assert largest_first(jobs, 1) == jobs


def test_an_ingest_says_what_its_readers_cost(tmp_path: Path, text_pdfs: dict[str, Path]) -> None:
    """The bench's CPU and memory per worker come from here: a pool's workers are forked by a fork
    server, not by the ingest, so the ingest's RUSAGE_CHILDREN never sees them (it read 0 MB)."""
    pdfs = [text_pdfs[name] for name in sorted(text_pdfs)[:3]]
    for workers in (0, 2):
        summary = run(tmp_path / f"w{workers}.duckdb", pdfs, workers=workers)
        assert summary.stored == 3  # type: ignore[attr-defined]
        assert summary.cpu_seconds > 0.05  # type: ignore[attr-defined]
        # a process that imported jixiao holds well over 50 MB; 1 GB is the ceiling
        assert 50 < summary.worker_peak_mb < 1024  # type: ignore[attr-defined]


@pytest.mark.slow  # ingests a whole archive (workers, Dask, subprocesses)
def test_sigkill_at_random_points_then_resume(tmp_path: Path, archive: Path) -> None:
    reference = tmp_path / "ref.duckdb"
    run(reference, [archive])
    db = tmp_path / "killed.duckdb"
    cmd = [sys.executable, "-m", "jixiao.cli", "corpus", "ingest", str(archive), "--db", str(db)]
    rng = random.Random(1234)
    for _ in range(4):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        time.sleep(rng.uniform(1.0, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert done.returncode in (0, 1), done.stderr
    assert snapshot(db) == snapshot(reference)


@pytest.mark.slow  # ingests a whole archive (workers, Dask, subprocesses)
def test_failures_listed_and_exit_status(tmp_path: Path, archive: Path) -> None:
    db = tmp_path / "c.duckdb"
    runner = CliRunner()
    result = runner.invoke(app, ["corpus", "ingest", str(archive), "--db", str(db)])
    assert result.exit_code == 1 and "broken.pdf" in result.stderr
    result = runner.invoke(app, ["corpus", "failures", "--db", str(db)], env={"COLUMNS": "250"})
    assert result.exit_code == 1 and "broken.pdf" in result.output and "readme.txt" in result.output


@pytest.mark.slow  # ingests a whole archive (workers, Dask, subprocesses)
def test_views_join_unit_spellings_and_export(tmp_path: Path) -> None:
    other = tmp_path / "2023.txt"
    text = SEED.read_text(encoding="utf-8").replace("2024", "2023").replace("2025. 2. 2", "2024. 2. 2")
    other.write_text(text.replace("黔南州人民政府政务服务中", "黔南布依族苗族自治州政务服务中心 "), encoding="utf-8")
    db = tmp_path / "c.duckdb"
    run(db, [SEED, other])
    with Corpus(db, read_only=True) as corpus:
        _, trend = corpus.query("SELECT unit_group, year, total_score FROM score_trends ORDER BY year")
    assert [(r[0], r[1]) for r in trend] == [("黔南州政务服务中心", 2023), ("黔南州政务服务中心", 2024)]
    runner = CliRunner()
    out = runner.invoke(app, ["corpus", "query", ("SELECT code, n FROM findings_per_unit_year WHERE year = 2024 "
                                                 "ORDER BY code"), "--db", str(db), "--csv"])
    assert out.exit_code == 0 and out.output.splitlines()[0] == "code,n" and "SUBTOTAL_MISMATCH,1" in out.output
    result = runner.invoke(app, ["corpus", "export", "--db", str(db), "--parquet", str(tmp_path / "pq"),
                                 "--xlsx", str(tmp_path / "c.xlsx")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "pq" / "forms").iterdir()) == ["year=2023", "year=2024"]
    n = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{tmp_path}/pq/findings/*/*.parquet')").fetchall()
    assert n[0][0] >= 6
    assert (tmp_path / "c.xlsx").stat().st_size > 5000


@pytest.mark.slow  # ingests a whole archive (workers, Dask, subprocesses)
def test_bad_sql_and_missing_db_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["corpus", "query", "SELECT 1", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "no such corpus" in result.stderr
    db = tmp_path / "c.duckdb"
    run(db, [SEED])
    result = runner.invoke(app, ["corpus", "query", "SELEC nonsense", "--db", str(db)])
    assert result.exit_code == 2 and "query failed" in result.stderr and "Traceback" not in result.stderr


def test_an_ingest_reads_its_rule_set_once(tmp_path: Path, text_pdfs: dict[str, Path],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Not once per stored file: the rule set is read when the ingest starts, and every form is
    audited under it (a form of another template family, budget-20 here, under its family's
    shipped set, read once per process)."""
    import jixiao.corpus.ingest as ingest_module

    read: list[object] = []
    real = ingest_module.load_rules
    monkeypatch.setattr(ingest_module, "load_rules", lambda path=None: read.append(path) or real(path))
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("qiannan-2024-dept", "fam-13-budget20-yuan-funds-sum"):
        shutil.copy(text_pdfs[name], folder / f"{name}.pdf")
    with Corpus(tmp_path / "c.duckdb") as corpus:
        summary = ingest(corpus, [folder], IngestOptions(workers=0))
    assert summary.stored == 2 and summary.forms >= 2 and read == [None]
