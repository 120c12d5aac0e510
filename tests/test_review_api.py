"""The review app's API and pages with FastAPI's TestClient: corrections are validated, stored
beside the original, re-run the rules, survive a stale second tab, and can be undone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jixiao.cli import app as cli
from jixiao.review.app import create_app

FIELD = "indicators.I12.score"  # 项目支出小计


@pytest.fixture()
def corpus(misread_corpus: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    db, form_id = misread_corpus
    copy = tmp_path / "review.duckdb"
    shutil.copy(db, copy)
    return copy, form_id


def codes(client: TestClient, form_id: str) -> set[str]:
    page = client.get(f"/forms/{form_id}").text
    return {c for c in ("SCORE_RULE_MISMATCH", "TOTAL_MISMATCH", "SUBTOTAL_MISMATCH") if f'data-code="{c}"' in page}


def test_list_filters_and_form_page(corpus: tuple[Path, str]) -> None:
    db, form_id = corpus
    client = TestClient(create_app(db))
    assert form_id in client.get("/").text
    assert form_id in client.get("/", params={"year": 2024, "code": "TOTAL_MISMATCH", "severity": "error"}).text
    assert form_id not in client.get("/", params={"code": "GRADE_MISMATCH"}).text
    assert form_id in client.get("/", params={"unit": "政务服务"}).text
    page = client.get(f"/forms/{form_id}").text
    assert f'data-field="{FIELD}"' in page and "<rect" in page
    assert client.get(f"/forms/{form_id}/page/1.png").headers["content-type"] == "image/png"
    assert client.get("/forms/nope").status_code == 404


def test_correct_rerun_conflict_undo(corpus: tuple[Path, str]) -> None:
    db, form_id = corpus
    client = TestClient(create_app(db))
    assert codes(client, form_id) == {"SCORE_RULE_MISMATCH", "TOTAL_MISMATCH", "SUBTOTAL_MISMATCH"}
    url = f"/api/forms/{form_id}/corrections"
    bad = client.post(url, json={"field": FIELD, "value": "四点六五", "seen": "4.85"})
    assert bad.status_code == 400 and "不是数字" in bad.json()["error"]
    assert client.post(url, json={"field": "indicators.I99.score", "value": "1"}).status_code == 400
    ok = client.post(url, json={"field": FIELD, "value": "4.65", "seen": "4.85", "who": "张审计", "why": "对照原件"})
    assert ok.status_code == 200
    removed = {f["code"] for f in ok.json()["removed"]}
    assert removed == {"SCORE_RULE_MISMATCH", "TOTAL_MISMATCH"} and ok.json()["recomputed_total"] == 99.65
    stale = client.post(url, json={"field": FIELD, "value": "4.7", "seen": "4.85", "who": "另一个标签页"})
    assert stale.status_code == 409 and stale.json()["current"] == "4.65"
    assert codes(client, form_id) == {"SUBTOTAL_MISMATCH"}
    page = client.get(f"/forms/{form_id}").text
    assert "已更正" in page and "张审计" in page
    correction_id = int(page.split('class="undo" data-id="')[1].split('"')[0])
    undone = client.post(f"/api/corrections/{correction_id}/undo", json={"who": "张审计"})
    assert undone.status_code == 200 and {f["code"] for f in undone.json()["added"]} == {"SCORE_RULE_MISMATCH", "TOTAL_MISMATCH"}
    assert client.post(f"/api/corrections/{correction_id}/undo", json={}).status_code == 400


def test_original_reading_kept_and_reports_follow(corpus: tuple[Path, str], tmp_path: Path) -> None:
    db, form_id = corpus
    client = TestClient(create_app(db))
    client.post(f"/api/forms/{form_id}/corrections", json={"field": FIELD, "value": "4.65", "seen": "4.85"})
    app = client.app
    _, rows = app.state.corpus.query("SELECT record FROM forms WHERE form_id = ?", [form_id])  # type: ignore[attr-defined]
    original = json.loads(rows[0][0])
    assert next(i for i in original["indicators"] if i["id"] == "I12")["score"] == 4.85
    app.state.corpus.close()  # type: ignore[attr-defined]
    out = tmp_path / "f.json"
    result = CliRunner().invoke(cli, ["audit", "--db", str(db), "--json", str(out)])
    assert result.exit_code == 0, result.output
    findings = json.loads(out.read_text(encoding="utf-8"))
    sub = next(f for f in findings if f["code"] == "SUBTOTAL_MISMATCH")
    assert sub["reported"] == 4.65 and sub["corrected"] and "人工更正" in sub["message"]
    assert not any(f["code"] == "TOTAL_MISMATCH" for f in findings)
    export = CliRunner().invoke(cli, ["corpus", "export", "--db", str(db), "--xlsx", str(tmp_path / "c.xlsx")])
    assert export.exit_code == 0
    from openpyxl import load_workbook

    assert load_workbook(tmp_path / "c.xlsx")["corrections"].max_row == 2


def test_token_required_off_loopback(corpus: tuple[Path, str]) -> None:
    db, form_id = corpus
    client = TestClient(create_app(db, token="s3cret"))
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"x-jixiao-token": "wrong"}).status_code == 401
    assert client.get("/", params={"token": "s3cret"}).status_code == 200
    assert client.get(f"/forms/{form_id}").status_code == 200  # the cookie set on the first visit
    result = CliRunner().invoke(cli, ["review", "--db", str(db), "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--token" in result.stderr
