"""The review server does not lock the corpus (issue 15, Broken 6): with `jixiao review` running as
a real process, `audit --db`, `corpus query`, `corpus export` and a second `review` all work, and
both servers' saves reach the same corpus. A process that really holds the file is named."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from reviewdesk import desk_db, free_port, rows
from typer.testing import CliRunner

from jixiao import cli_corpus
from jixiao.cli import app as cli
from jixiao.review.app import create_app

__all__ = ["desk_db"]
ROOT = Path(__file__).resolve().parent.parent
JIXIAO = [sys.executable, "-m", "jixiao.cli"]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def post(url: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@contextmanager
def review_process(db: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([*JIXIAO, "review", "--db", str(db), "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if get(base + "/")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"review did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*JIXIAO, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow  # a review server and CLI subprocesses
def test_other_commands_work_while_review_serves(desk_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    shutil.copy(desk_db, db)
    form_id, ind = rows(db, "SELECT form_id, indicator_id FROM indicators WHERE score >= 1 AND parent IS NULL "
                            "ORDER BY form_id, indicator_id LIMIT 1")[0]
    field = f"indicators.{ind}.score"
    score = rows(db, "SELECT score FROM indicators WHERE form_id = ? AND indicator_id = ?", [form_id, ind])[0][0]
    with review_process(db) as first:
        status, _ = post(f"{first}/api/forms/{form_id}/corrections",
                         {"field": field, "value": f"{score - 1:g}", "seen": f"{score:g}", "who": "张审计", "why": "对照原件"})
        assert status == 200
        audit = run("audit", "--db", str(db), "--json", str(tmp_path / "f.json"))
        assert audit.returncode in (0, 1) and "lock" not in audit.stderr.lower(), audit.stderr
        assert any(f["corrected"] for f in json.loads((tmp_path / "f.json").read_text(encoding="utf-8")))
        query = run("corpus", "query", "SELECT count(*) AS n FROM corrections", "--db", str(db), "--csv")
        assert query.returncode == 0 and query.stdout.splitlines() == ["n", "1"], query.stderr
        export = run("corpus", "export", "--db", str(db), "--xlsx", str(tmp_path / "c.xlsx"))
        assert export.returncode == 0, export.stderr
        assert load_workbook(tmp_path / "c.xlsx")["corrections"].max_row == 2
        with review_process(db) as second:
            status, body = post(f"{second}/api/forms/{form_id}/corrections",
                                {"field": field, "value": f"{score - 0.5:g}", "seen": f"{score - 1:g}",
                                 "who": "李复核", "why": "复核"})
            assert status == 200, body
            assert "李复核" in get(f"{first}/forms/{form_id}")[1]  # the first server sees the second's save
            status, body = post(f"{first}/api/forms/{form_id}/corrections",
                                {"field": field, "value": "0", "seen": f"{score - 1:g}", "who": "张审计", "why": "x"})
            assert status == 409 and "李复核" in str(body["error"])
        assert get(f"{first}/export.xlsx")[0] == 200


def test_a_process_holding_the_corpus_is_named(desk_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "c.duckdb"
    shutil.copy(desk_db, db)
    app = create_app(db)
    app.state.gate.wait = 0.3
    hold = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(120)"
    holder = subprocess.Popen([sys.executable, "-c", hold, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        client = TestClient(base_url="http://localhost", app=app)
        page = client.get("/")
        assert page.status_code == 503 and f"进程 {holder.pid}" in page.text and "text/html" in page.headers["content-type"]
        api = client.post("/api/forms/x/reviews", json={"key": "k", "status": "confirmed", "who": "张审计"})
        assert api.status_code == 503 and "暂时无法保存" in api.json()["error"]
        monkeypatch.setattr(cli_corpus, "SHARED_WAIT", 0.3)
        result = CliRunner().invoke(cli, ["corpus", "query", "SELECT 1", "--db", str(db)])
        assert result.exit_code == 2 and f"process {holder.pid}" in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) <= 3
    finally:
        holder.kill()
        holder.wait()
    assert client.get("/").status_code == 200  # and once it has gone, all is well again
