"""A corpus made by an older jixiao (schema 1: no review trail, no corrected marks, no pinyin key)
is brought up to date when first opened, even by a read-only command, and keeps its rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from reviewdesk import desk_db, rows
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.corpus.schema import SCHEMA_VERSION
from jixiao.corpus.store import Corpus
from jixiao.corpus.units import unit_sort_key

__all__ = ["desk_db"]
ADDED = {"forms": ["unit_sort"], "findings": ["corrected"], "provenance": ["corrected"],
         "corrections": ["kind", "undo_why"]}


def downgrade(db: Path) -> None:
    """What a schema-1 corpus looks like: the columns and tables of schema 2 taken away."""
    con = duckdb.connect(str(db))
    try:
        con.execute("INSERT INTO corrections VALUES (1, (SELECT min(form_id) FROM forms), 'unit', 'a', 'b', "
                    "'张审计', '对照原件', now()::TIMESTAMP, NULL, NULL, NULL, NULL)")
        con.execute("DROP VIEW finding_reviews")
        con.execute("DROP TABLE reviews")
        for table, columns in ADDED.items():
            for column in columns:
                con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    finally:
        con.close()


def test_an_older_corpus_is_brought_up_to_date(desk_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    shutil.copy(desk_db, db)
    forms = rows(db, "SELECT form_id, unit FROM forms ORDER BY form_id")
    downgrade(db)
    result = CliRunner().invoke(app, ["corpus", "query", "SELECT count(*) AS n FROM finding_reviews",
                                      "--db", str(db), "--csv"])
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]
    for table, columns in ADDED.items():
        have = {r[0] for r in rows(db, f"DESCRIBE {table}")}
        assert set(columns) <= have, table
    assert rows(db, "SELECT form_id, unit FROM forms ORDER BY form_id") == forms
    keys = rows(db, "SELECT unit, unit_sort FROM forms WHERE unit IS NOT NULL")
    assert keys and all(key == unit_sort_key(unit) for unit, key in keys)  # filled in for the old rows
    assert rows(db, "SELECT kind FROM corrections") == [("correct",)]
    with Corpus(db) as corpus:  # and a new corpus's columns are in the same order
        fresh = tmp_path / "new.duckdb"
        Corpus(fresh).close()
        for table in ADDED:
            assert corpus.query(f"SELECT * FROM {table} LIMIT 0")[0] == [
                r[0] for r in rows(fresh, f"DESCRIBE {table}")]
