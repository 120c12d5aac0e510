"""The review app's API and pages with FastAPI's TestClient, over the desk corpus (issue 15):
the list filters and sorts without 422s, corrections are range-checked and signed, statuses and
confirmations go in the trail, tokens of any script work, errors are Chinese pages, and what the
corpus holds after a correction agrees everywhere (audit --json, export)."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from reviewdesk import desk_db, rows
from typer.testing import CliRunner

from jixiao.cli import app as cli
from jixiao.corpus.corrections import original
from jixiao.corpus.fields import current, locate
from jixiao.corpus.results import FormResult
from jixiao.corpus.store import Corpus
from jixiao.corpus.units import unit_sort_key
from jixiao.record import FormRecord
from jixiao.review import views
from jixiao.review.app import create_app
from jixiao.score import audit

pytestmark = pytest.mark.slow  # renders and ingests a corpus per module (38 s setup under load)

__all__ = ["desk_db"]
ASCII_WORDS = re.compile(r"[A-Za-z]{4,}")  # an English word in a message meant for the auditor


@pytest.fixture()
def db(desk_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "desk.duckdb"
    shutil.copy(desk_db, copy)
    return copy


def form_where(db: Path, condition: str) -> str:
    return str(rows(db, f"SELECT form_id FROM forms WHERE {condition} ORDER BY form_id LIMIT 1")[0][0])


def scored_field(db: Path, form_id: str) -> tuple[str, float]:
    """A counted indicator's score (what the total adds up), and its value."""
    rec = record_of(db, form_id)
    ind = next(i for i in rec.indicators if i.parent is None and i.score is not None and i.score >= 0.5
               and i.level1 != "budget_execution")
    return f"indicators.{ind.id}.score", float(ind.score or 0)


def record_of(db: Path, form_id: str) -> FormRecord:
    with Corpus(db, read_only=True) as corpus:
        return original(corpus, form_id)


def flagged(db: Path, form_id: str) -> tuple[str, str, str]:
    """A finding of the form that is about an indicator's value: (finding key, field, value)."""
    code, ind, field = rows(db, "SELECT code, indicator_id, field FROM findings WHERE form_id = ? "
                                "AND indicator_id IS NOT NULL AND field = 'score' ORDER BY seq LIMIT 1", [form_id])[0]
    dotted = f"indicators.{ind}.{field}"
    return f"{code}|{ind}|{field}", dotted, current(record_of(db, form_id), dotted)


def post(client: TestClient, form_id: str, **body: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/forms/{form_id}/corrections", json={"who": "张审计", "why": "对照原件", **body})


def n_corrections(db: Path) -> int:
    return int(rows(db, "SELECT count(*) FROM corrections")[0][0])


def chinese_only(message: str) -> None:
    assert message and not ASCII_WORDS.search(message.replace("jixiao review", "")), message
    assert "indicators." not in message and "funds." not in message and "undefined" not in message


# ---------------------------------------------------------------- Broken 1, 9: the forms list

def test_filter_without_year_and_every_sort_and_pager_link(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db))
    page = client.get("/?unit=水务&year=&code=&severity=")
    assert page.status_code == 200
    units = re.findall(r'class="form-link"[^>]*>([^<]+)<', page.text)
    assert units and all("水务" in u for u in units)
    assert client.get("/?year=abc&page=x&desc=maybe").status_code == 200
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    seen = set()
    todo = ["/?year="]
    while todo:  # every sort header and pager link, from every page they lead to
        url = todo.pop()
        if url in seen or len(seen) > 60:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:200])
        todo += ["/" + h.replace("&amp;", "&") for h in re.findall(r'href="(\?[^"]*)"', response.text)]
    assert any("page=2" in u for u in seen) and any("sort=year" in u for u in seen)


def test_percent_and_underscore_are_characters_in_the_unit_filter(db: Path) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db))
    for wildcard in ("%", "_", "%_%"):
        page = client.get("/", params={"unit": wildcard}).text
        assert 'id="count">0 张表<' in page and 'class="form-link"' not in page, wildcard
    assert 'id="count">0 张表<' not in client.get("/", params={"unit": "市"}).text


def test_units_sorted_by_pinyin_and_each_form_shows_its_source(db: Path) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db))
    text = client.get("/").text
    units = re.findall(r'class="form-link"[^>]*>([^<]+)<', text)
    assert units == sorted(units, key=lambda u: unit_sort_key(u) or "")
    assert units != sorted(units)  # code-point order differs here, so the test can tell
    bundle = rows(db, "SELECT path FROM forms GROUP BY path HAVING count(*) > 1")[0][0]
    assert f"{Path(bundle).name}" in text and "第 2 张表（共 2 张）" in text
    assert "（bundle.zip 内）" in text
    desc = re.findall(r'class="form-link"[^>]*>([^<]+)<', client.get("/?sort=unit&desc=true").text)
    assert desc == units[::-1]


# ---------------------------------------------------------------- Broken 3, 4: range and trail

def test_range_refusals_store_nothing(db: Path) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db))
    form_id = form_where(db, "n_errors > 0 AND path LIKE '%qiannan%'")
    _, field, value = flagged(db, form_id)
    before = rows(db, "SELECT code, field FROM findings WHERE form_id = ? ORDER BY seq", [form_id])
    for bad in ("-5", "−5", "99999999999999999999999999", "1e3", "4,65", "1.23456", "S"):
        r = post(client, form_id, field=field, value=bad, seen=value)
        assert r.status_code == 400, bad
        chinese_only(r.json()["error"])
    lone = post(client, form_id, field=field, value=" ", seen=value)
    assert lone.status_code == 400 and "原表此处空白" in lone.json()["error"]
    same = post(client, form_id, field=field, value=f"{float(value):.2f}", seen=value)
    assert same.status_code == 400 and "相同" in same.json()["error"]
    long = post(client, form_id, field=field, value="4.65", seen=value, why="理" * 1001)
    assert long.status_code == 400 and "1000" in long.json()["error"]
    huge = post(client, form_id, field=field, value="4.65", seen=value, why="理" * 6000)
    assert huge.status_code == 400
    chinese_only(huge.json()["error"])
    assert n_corrections(db) == 0
    assert rows(db, "SELECT code, field FROM findings WHERE form_id = ? ORDER BY seq", [form_id]) == before
    blank = post(client, form_id, field=field, value="", seen=value, blank=True, why="原表此处空白")
    assert blank.status_code == 200
    assert rows(db, "SELECT kind, new_value FROM corrections") == [("blank", "")]


def test_trail_is_signed_never_anonymous(db: Path) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db))
    form_id = form_where(db, "n_errors > 0 AND path LIKE '%qiannan%'")
    _, field, value = flagged(db, form_id)
    url = f"/api/forms/{form_id}/corrections"
    for body in ({"who": "", "why": "对照原件"}, {"who": "   ", "why": "对照原件"}, {"who": "张审计", "why": " "}, {}):
        r = client.post(url, json={"field": field, "value": "1", "seen": value, **body})
        assert r.status_code == 400
        chinese_only(r.json()["error"])
    ok = post(client, form_id, field=field, value="1", seen=value)
    assert ok.status_code == 200
    cid = rows(db, "SELECT correction_id FROM corrections")[0][0]
    assert client.post(f"/api/corrections/{cid}/undo", json={"why": "更正有误"}).status_code == 400
    assert client.post(f"/api/corrections/{cid}/undo", json={"who": "李复核"}).status_code == 400
    assert client.post(f"/api/corrections/{cid}/undo", json={"who": "李复核", "why": "更正有误"}).status_code == 200
    trail = rows(db, "SELECT who, why, undone_by, undo_why FROM corrections")
    assert trail == [("张审计", "对照原件", "李复核", "更正有误")]
    assert "anonymous" not in client.get(f"/forms/{form_id}").text


def test_stale_save_names_who_changed_it_and_labels_are_the_auditors(db: Path) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db))
    form_id = form_where(db, "n_errors > 0 AND path LIKE '%qiannan%'")
    _, field, value = flagged(db, form_id)
    assert post(client, form_id, field=field, value="1", seen=value).status_code == 200
    stale = post(client, form_id, field=field, value="2", seen=value, who="李复核")
    assert stale.status_code == 409 and stale.json()["current"] == "1"
    message = stale.json()["error"]
    assert "张审计" in message and "已被他人改为" not in message and "另一个标签页" in message
    chinese_only(message)
    rec = record_of(db, form_id)
    assert locate(rec, field).label.split(" · ")[0] in message


# ---------------------------------------------------------------- Broken 5, 9: tokens, error pages

@pytest.mark.parametrize("token", ["s3cret", "令牌"])
def test_tokens_of_any_script(db: Path, token: str) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db, token=token))
    refused = client.get("/")
    assert refused.status_code == 401 and "text/html" in refused.headers["content-type"] and "令牌" in refused.text
    assert client.get("/", params={"token": "令"}).status_code == 401
    assert client.get("/", params={"token": "X"}).status_code == 401
    assert client.get("/", headers={"x-jixiao-token": "wrong"}).status_code == 401
    assert client.get("/", headers={"x-jixiao-token": token.encode("utf-8")}).status_code == 200
    api = TestClient(base_url="http://localhost", app=client.app).post("/api/forms/x/corrections", json={"field": "unit", "value": "x"})
    assert api.status_code == 401 and "令牌" in api.json()["error"]
    first = client.get(f"/?unit=&token={quote(token)}", follow_redirects=False)
    assert first.status_code == 303 and "token" not in first.headers["location"]
    assert token not in (first.headers.get("set-cookie") or "")
    assert client.get("/").status_code == 200  # the session cookie
    assert TestClient(base_url="http://localhost", app=client.app).get("/static/review.css").status_code == 200  # the 401 page is styled


def test_error_pages_are_chinese_html(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db))
    form_id = form_where(db, "path LIKE '%qiannan%'")
    for url in (f"/forms/{form_id}/page/99", "/forms/nope", "/forms/nope/page/1", "/no-such-page"):
        r = client.get(url)
        assert r.status_code == 404 and "text/html" in r.headers["content-type"], url
        chinese_only(re.search(r'id="error-message">([^<]*)<', r.text)[1])  # type: ignore[index]
    r = client.get(f"/forms/{form_id}/page/abc")
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]
    r = client.post(f"/api/forms/{form_id}/corrections", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    chinese_only(r.json()["error"])
    r = post(client, form_id, field="indicators.I99.score", value="1")
    assert r.status_code == 400
    chinese_only(r.json()["error"])

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    app = create_app(db)
    monkeypatch.setattr("jixiao.review.app.form_view", broken)
    r = TestClient(base_url="http://localhost", app=app, raise_server_exceptions=False).get(f"/forms/{form_id}")
    assert r.status_code == 500 and "text/html" in r.headers["content-type"] and "Traceback" not in r.text
    chinese_only(re.search(r'id="error-message">([^<]*)<', r.text)[1])  # type: ignore[index]


# ---------------------------------------------------------------- Broken 7: one story everywhere

def test_corrected_values_are_what_every_output_says(db: Path, tmp_path: Path) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db))
    form_id = form_where(db, "path LIKE '%qiannan%'")
    field, score = scored_field(db, form_id)
    ind = field.split(".")[1]
    new = score - 0.5
    assert post(client, form_id, field=field, value=f"{new:g}", seen=f"{score:g}").status_code == 200
    record = json.loads(rows(db, "SELECT record FROM forms WHERE form_id = ?", [form_id])[0][0])
    assert next(i for i in record["indicators"] if i["id"] == ind)["score"] == score  # the original kept
    out = tmp_path / "f.json"
    result = CliRunner().invoke(cli, ["audit", "--db", str(db), "--json", str(out)])
    assert result.exit_code == 0, result.output
    findings = [f for f in json.loads(out.read_text(encoding="utf-8")) if Path(f["form"]["file"]).name.startswith("qiannan")]
    total = [f for f in findings if f["code"] == "TOTAL_MISMATCH" and f["field"] == "score"]
    assert total and all(f["corrected"] for f in total), total  # computed from the corrected score
    export = CliRunner().invoke(cli, ["corpus", "export", "--db", str(db), "--xlsx", str(tmp_path / "c.xlsx")])
    assert export.exit_code == 0, export.output
    wb = load_workbook(tmp_path / "c.xlsx")
    sheet = list(wb["indicators"].values)
    head = sheet[0]
    row = next(r for r in sheet[1:] if r[head.index("form_id")] == form_id and r[head.index("indicator_id")] == ind)
    assert row[head.index("score")] == new
    fsheet = list(wb["findings"].values)
    assert "corrected" in fsheet[0] and "status" in fsheet[0]
    exported = {(r[fsheet[0].index("code")], r[fsheet[0].index("corrected")]) for r in fsheet[1:]
                if r[fsheet[0].index("form_id")] == form_id}
    assert ("TOTAL_MISMATCH", True) in exported
    provenance = rows(db, "SELECT corrected FROM provenance WHERE form_id = ? AND field = ?", [form_id, field])
    assert provenance == [(True,)]


# ---------------------------------------------------------------- Broken 8: unread and doubtful values

def make_doubtful(db: Path, form_id: str) -> str:
    """Turn one read value into a doubtful dash (as a poor scan gives): confidence 0.3, nothing read."""
    with Corpus(db) as corpus:
        rec = original(corpus, form_id)
        row = next(f for f in rec.funds if "initial_budget" in f.prov)
        row.prov["initial_budget"] = row.prov["initial_budget"].model_copy(update={"confidence": 0.3, "raw": "—"})
        row.initial_budget = None
        result = audit(rec)
        corpus.query("UPDATE forms SET record = ? WHERE form_id = ?", [rec.model_dump_json(), form_id])
        corpus.rewrite_form(form_id, FormResult(record=rec, findings=result.findings,
                                                recomputed_total=result.recomputed_total))
    return f"funds.{row.item}.initial_budget"


def test_unread_value_can_be_entered_and_doubtful_dash_confirmed(db: Path) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db))
    form_id = form_where(db, "path LIKE '%qiannan%'")
    rec = record_of(db, form_id)
    unread = next(f for f in ("department", "project_name", "fill_date", "conclusion") if getattr(rec, f) is None
                  and f not in rec.prov)
    page = client.get(f"/forms/{form_id}").text
    assert f'data-field="{unread}"' in page
    value = "2025-02-20" if unread == "fill_date" else "黔南州人民政府"
    assert post(client, form_id, field=unread, value=value, seen="").status_code == 200
    field = make_doubtful(db, form_id)
    low = rows(db, "SELECT count(*) FROM findings WHERE form_id = ? AND code = 'LOW_CONFIDENCE' AND field = 'initial_budget'", [form_id])
    assert low == [(1,)]
    assert f'data-field="{field}" data-value=""' in client.get(f"/forms/{form_id}").text
    r = client.post(f"/api/forms/{form_id}/confirm", json={"field": field, "seen": "", "who": "张审计"})
    assert r.status_code == 200, r.text
    assert rows(db, "SELECT count(*) FROM findings WHERE form_id = ? AND code = 'LOW_CONFIDENCE' AND field = 'initial_budget'", [form_id]) == [(0,)]
    assert rows(db, "SELECT kind, who FROM corrections WHERE field = ?", [field]) == [("confirm", "张审计")]
    assert "已确认" in client.get(f"/forms/{form_id}").text
    again = client.post(f"/api/forms/{form_id}/confirm", json={"field": field, "seen": "", "who": "张审计"})
    assert again.status_code == 400


# ---------------------------------------------------------------- Missing 2: page images

def test_page_images_compressed_at_the_asked_width(db: Path) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db))
    form_id = form_where(db, "path LIKE '%qiannan%'")
    webp = client.get(f"/forms/{form_id}/page/2?w=1000", headers={"accept": "image/webp,*/*"})
    assert webp.status_code == 200 and webp.headers["content-type"] == "image/webp"
    jpeg = client.get(f"/forms/{form_id}/page/2?w=1000", headers={"accept": "image/png,*/*"})
    assert jpeg.headers["content-type"] == "image/jpeg"
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(webp.content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[1] == 1200  # the next width the server renders at
    assert len(webp.content) < 250_000 and len(jpeg.content) < 400_000
    zipped = form_where(db, "path LIKE '%.zip!%'")
    assert client.get(f"/forms/{zipped}/page/1", headers={"accept": "image/webp"}).status_code == 200
    transcribed = form_where(db, "path LIKE '%.txt'")
    transcript = client.get(f"/forms/{transcribed}").text
    assert "<img" not in transcript and "转录稿" in transcript  # nothing to draw, and it says so


# ---------------------------------------------------------------- Missing 3, 5: statuses, export

def test_review_status_round_trip_progress_next_and_export(db: Path) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(db))
    form_id = form_where(db, "path LIKE '%qiannan%'")
    key, _, _ = flagged(db, form_id)
    url = f"/api/forms/{form_id}/reviews"
    assert client.post(url, json={"key": key, "status": "dismissed", "who": "张审计"}).status_code == 400  # no reason
    assert client.post(url, json={"key": key, "status": "confirmed", "who": ""}).status_code == 400
    assert client.post(url, json={"key": key, "status": "whatever", "who": "张审计"}).status_code == 400
    assert client.post(url, json={"key": "NOPE|x|y", "status": "confirmed", "who": "张审计"}).status_code == 400
    ok = client.post(url, json={"key": key, "status": "dismissed", "who": "张审计", "why": "识别错误，原表为 4.65"})
    assert ok.status_code == 200 and ok.json()["name"] == "不成立"
    n = rows(db, "SELECT count(*) FROM findings WHERE form_id = ?", [form_id])[0][0]
    listing = client.get("/").text
    assert f"已审 1/{n}" in listing
    page = client.get(f"/forms/{form_id}").text
    assert "识别错误，原表为 4.65" in page and "status-dismissed" in page
    for other in rows(db, "SELECT finding_key FROM finding_reviews WHERE form_id = ? AND status = 'open'", [form_id]):
        assert client.post(url, json={"key": other[0], "status": "follow_up", "who": "张审计", "why": "问单位"}).status_code == 200
    assert f"已审 {n}/{n}" in client.get("/").text
    nxt = client.get(f"/next?after={form_id}", follow_redirects=False)
    assert nxt.status_code == 303 and form_id not in nxt.headers["location"]
    assert client.get("/?review=done").text.count('class="form-link"') == 1
    wb = load_workbook(io.BytesIO(client.get("/export.xlsx").content))
    sheet = list(wb["发现"].values)
    head = sheet[0]
    statuses = [r[head.index("审核状态")] for r in sheet[1:] if r[head.index("文件")].endswith("qiannan-misread.pdf")]
    assert sorted(set(statuses)) == ["不成立", "待跟进"]
    assert "审核记录" in wb.sheetnames and wb["审核记录"].max_row == n + 1
    back = client.post(url, json={"key": key, "status": "open", "who": "张审计", "why": "重新核对"})
    assert back.status_code == 200 and f"已审 {n - 1}/{n}" in client.get("/").text


def test_review_command_refuses_what_it_cannot_serve(db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["review", "--db", str(db), "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--token" in result.stderr
    result = runner.invoke(cli, ["review", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "no such corpus" in result.stderr
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["review", "--db", str(db), "--port", str(port)])
    assert result.exit_code == 2 and f"port {port}" in result.stderr and "Traceback" not in result.stderr
