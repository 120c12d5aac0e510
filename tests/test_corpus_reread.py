"""A file read again (``corpus ingest --force``) keeps a person's corrections (review of issues
12, 15): the derived tables are what the corrected record gives, not the new raw reading; and an
office value's cell (Sheet1!I24) is stored with its provenance and findings and shown in review."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.corpus.corrections import correct
from jixiao.corpus.store import Corpus
from jixiao.review.app import create_app
from jixiao.score.rules import load_rules

pytestmark = pytest.mark.slow  # LibreOffice-built office files, ingest

FORM = "qiannan-2024-dept"  # its xlsx has a SUBTOTAL_MISMATCH (an error) on 项目支出小计


def rows(db: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(con.execute(sql, params or []).fetchall(), key=repr)
    finally:
        con.close()


def derived(db: Path) -> dict[str, list[tuple[object, ...]]]:
    return {t: rows(db, f"SELECT * FROM {t}") for t in ("funds", "indicators", "findings", "provenance")} | {
        "forms": rows(db, "SELECT * EXCLUDE (record) FROM forms")}


@pytest.fixture()
def corrected_db(office_files: dict[str, dict[str, Path]], tmp_path: Path) -> tuple[Path, Path, str]:
    source = tmp_path / f"{FORM}.xlsx"
    source.write_bytes(office_files[FORM]["xlsx"].read_bytes())
    db = tmp_path / "c.duckdb"
    ingest = CliRunner().invoke(app, ["corpus", "ingest", str(source), "--db", str(db)])
    assert ingest.exit_code == 0, ingest.output
    (form_id, ind, expected), = rows(db, "SELECT form_id, indicator_id, expected FROM findings "
                                         "WHERE code = 'SUBTOTAL_MISMATCH' AND field = 'score'")
    with Corpus(db) as corpus:
        correct(corpus, str(form_id), f"indicators.{ind}.score", str(expected), "张审计", "对照原件", None,
                load_rules())
    return db, source, str(form_id)


def test_reingest_with_force_keeps_the_corrections(corrected_db: tuple[Path, Path, str]) -> None:
    db, source, _ = corrected_db
    before = derived(db)
    assert not [r for r in before["findings"] if r[2] == "SUBTOTAL_MISMATCH"]  # the correction removed it
    again = CliRunner().invoke(app, ["corpus", "ingest", str(source), "--db", str(db), "--force"])
    assert again.exit_code == 0, again.output
    assert derived(db) == before  # the new reading is stored under the correction, not over it
    assert rows(db, "SELECT count(*) FROM corrections WHERE undone_at IS NULL") == [(1,)]


def test_office_cell_is_stored_and_shown(corrected_db: tuple[Path, Path, str]) -> None:
    db, _, form_id = corrected_db
    cells = rows(db, "SELECT field, location FROM provenance WHERE form_id = ?", [form_id])
    assert cells and all(str(loc).startswith("Sheet1!") for _, loc in cells), cells[:5]
    located = rows(db, "SELECT code, location FROM findings WHERE form_id = ? AND location IS NOT NULL", [form_id])
    assert located and all(str(loc).startswith("Sheet1!") for _, loc in located)
    html = TestClient(base_url="http://localhost", app=create_app(db)).get(f"/forms/{form_id}").text
    for _, loc in located:
        assert f'<span class="cell-ref">{loc}</span>' in html
