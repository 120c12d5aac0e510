"""The review app guarded as a local server must be (review of issue 15): a request under any
Host but this machine's names is refused (DNS rebinding), a verdict on a finding does not
overwrite one recorded since the page was shown, and an .xlsb gets a plain answer."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from reviewdesk import desk_db, rows
from typer.testing import CliRunner

from jixiao.cli import app as cli
from jixiao.errors import UnsupportedFile
from jixiao.extract import extract_document
from jixiao.review.app import create_app

pytestmark = pytest.mark.slow  # renders and ingests a corpus (44 s setup under load)

__all__ = ["desk_db"]


@pytest.fixture()
def db(desk_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "desk.duckdb"
    shutil.copy(desk_db, copy)
    return copy


def a_finding(db: Path) -> tuple[str, str]:
    form_id, key = rows(db, "SELECT form_id, finding_key FROM finding_reviews ORDER BY form_id, seq LIMIT 1")[0]
    return str(form_id), str(key)


def test_a_rebound_host_is_refused(db: Path) -> None:
    application = create_app(db)
    form_id, key = a_finding(db)
    for host in ("localhost", "127.0.0.1"):
        assert TestClient(application, base_url=f"http://{host}:8765").get("/").status_code == 200
    evil = TestClient(application, base_url="http://attacker.example:8765")
    assert evil.get("/").status_code == 400
    assert evil.get(f"/forms/{form_id}").status_code == 400
    posted = evil.post(f"/api/forms/{form_id}/reviews", json={"key": key, "status": "confirmed", "who": "x"})
    assert posted.status_code == 400 and rows(db, "SELECT count(*) FROM reviews") == [(0,)]
    lan = create_app(db, allowed_hosts=["localhost", "audit.lan"])  # configurable
    assert TestClient(lan, base_url="http://audit.lan").get("/").status_code == 200
    assert TestClient(lan, base_url="http://attacker.example").get("/").status_code == 400


def test_a_verdict_recorded_since_is_not_overwritten(db: Path) -> None:
    client = TestClient(create_app(db), base_url="http://localhost")
    form_id, key = a_finding(db)
    url = f"/api/forms/{form_id}/reviews"
    first = client.post(url, json={"key": key, "status": "confirmed", "seen": "open", "who": "张审计"})
    assert first.status_code == 200, first.text
    stale = client.post(url, json={"key": key, "status": "dismissed", "seen": "open", "who": "李审计",
                                   "why": "识别错误"})  # a second tab still showing 未审
    assert stale.status_code == 409 and stale.json()["current"] == "confirmed"
    assert "张审计" in stale.json()["error"] and "属实" in stale.json()["error"]
    assert rows(db, "SELECT status, who FROM reviews") == [("confirmed", "张审计")]
    fresh = client.post(url, json={"key": key, "status": "dismissed", "seen": "confirmed", "who": "李审计",
                                   "why": "识别错误"})
    assert fresh.status_code == 200
    assert 'data-status="dismissed"' in client.get(f"/forms/{form_id}").text  # what the next save sends


def test_an_xlsb_is_answered_plainly(tmp_path: Path) -> None:
    path = tmp_path / "表.xlsb"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
        zf.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00")
    with pytest.raises(UnsupportedFile, match=r"\.xlsb.*save it as \.xlsx"):
        extract_document(path)
    result = CliRunner().invoke(cli, ["audit", str(path), "--json", str(tmp_path / "f.json")])
    mine = [ln for ln in result.output.splitlines() if str(path) in ln]
    assert result.exit_code != 0 and len(mine) == 1 and ".xlsx" in mine[0] and "Traceback" not in result.output
