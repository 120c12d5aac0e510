"""The corpus's tables and views (DuckDB). Keys are the source file's sha256 and the form's index
in it, so the same file ingested twice, from any path, is the same rows.

A column added later goes at the end of its table, in CREATE TABLE and in MIGRATIONS alike, so a
corpus made by an older jixiao and brought up to date has its columns in the same order as a new
one."""

from __future__ import annotations

# 2: review statuses and their trail (reviews), what a correction was (corrections.kind, undo_why),
#    corrected marks on findings and provenance, a pinyin sort key for units (forms.unit_sort)
SCHEMA_VERSION = 2

TABLES = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS files (
        sha256 VARCHAR PRIMARY KEY, path VARCHAR, size BIGINT, kind VARCHAR, n_pages INTEGER,
        n_forms INTEGER, seconds DOUBLE, ingested_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS pages (
        sha256 VARCHAR, page INTEGER, width DOUBLE, height DOUBLE, PRIMARY KEY (sha256, page))""",
    """CREATE TABLE IF NOT EXISTS failures (
        sha256 VARCHAR, path VARCHAR, kind VARCHAR, reason VARCHAR, failed_at TIMESTAMP,
        PRIMARY KEY (path, sha256))""",
    # the exception underneath a failure (PSEOF, BadZipFile, KeyError for a bug); added to
    # corpora made before it
    """ALTER TABLE failures ADD COLUMN IF NOT EXISTS error_type VARCHAR""",
    """CREATE TABLE IF NOT EXISTS forms (
        form_id VARCHAR PRIMARY KEY, sha256 VARCHAR, path VARCHAR, form_index INTEGER,
        pages INTEGER[], form_type VARCHAR, title VARCHAR, year INTEGER, unit VARCHAR,
        unit_key VARCHAR, department VARCHAR, project_name VARCHAR, fill_date DATE,
        total_weight DOUBLE, total_score DOUBLE, recomputed_total DOUBLE, grade VARCHAR,
        recomputed_grade VARCHAR, n_errors INTEGER, n_warnings INTEGER, n_infos INTEGER,
        conclusion VARCHAR, contact_name VARCHAR, contact_phone VARCHAR, record JSON, unit_sort VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS funds (
        form_id VARCHAR, item VARCHAR, label VARCHAR, initial_budget DOUBLE, annual_budget DOUBLE,
        executed DOUBLE, weight DOUBLE, execution_rate DOUBLE, score DOUBLE,
        PRIMARY KEY (form_id, item))""",
    """CREATE TABLE IF NOT EXISTS indicators (
        form_id VARCHAR, indicator_id VARCHAR, parent VARCHAR, level1 VARCHAR, level2 VARCHAR,
        name VARCHAR, target_text VARCHAR, target_op VARCHAR, target_value DOUBLE, target_unit VARCHAR,
        actual_text VARCHAR, actual_op VARCHAR, actual_value DOUBLE, actual_unit VARCHAR,
        weight DOUBLE, score DOUBLE, reason VARCHAR, is_subtotal BOOLEAN,
        PRIMARY KEY (form_id, indicator_id))""",
    """CREATE TABLE IF NOT EXISTS findings (
        form_id VARCHAR, seq INTEGER, code VARCHAR, severity VARCHAR, target VARCHAR, field VARCHAR,
        reported VARCHAR, expected VARCHAR, rule VARCHAR, message VARCHAR, page INTEGER,
        x0 DOUBLE, y0 DOUBLE, x1 DOUBLE, y1 DOUBLE, line INTEGER, low_confidence BOOLEAN,
        indicator_id VARCHAR, corrected BOOLEAN, PRIMARY KEY (form_id, seq))""",
    """CREATE TABLE IF NOT EXISTS provenance (
        form_id VARCHAR, field VARCHAR, page INTEGER, x0 DOUBLE, y0 DOUBLE, x1 DOUBLE, y1 DOUBLE,
        raw VARCHAR, confidence DOUBLE, line INTEGER, col INTEGER, corrected BOOLEAN,
        PRIMARY KEY (form_id, field))""",
    """CREATE TABLE IF NOT EXISTS corrections (
        correction_id INTEGER PRIMARY KEY, form_id VARCHAR, field VARCHAR, old_value VARCHAR,
        new_value VARCHAR, who VARCHAR, why VARCHAR, made_at TIMESTAMP, undone_at TIMESTAMP,
        undone_by VARCHAR, kind VARCHAR, undo_why VARCHAR)""",
    # a person's verdict on one finding, kept as a trail: the latest row per (form, finding) holds
    """CREATE TABLE IF NOT EXISTS reviews (
        review_id INTEGER PRIMARY KEY, form_id VARCHAR, finding_key VARCHAR, code VARCHAR,
        target VARCHAR, field VARCHAR, status VARCHAR, why VARCHAR, who VARCHAR, made_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS unit_aliases (alias_key VARCHAR PRIMARY KEY, unit_key VARCHAR)""",
]

# what a corpus of an older schema lacks (each a no-op on a new one)
MIGRATIONS = [
    "ALTER TABLE forms ADD COLUMN IF NOT EXISTS unit_sort VARCHAR",
    "ALTER TABLE findings ADD COLUMN IF NOT EXISTS corrected BOOLEAN",
    "ALTER TABLE provenance ADD COLUMN IF NOT EXISTS corrected BOOLEAN",
    "ALTER TABLE corrections ADD COLUMN IF NOT EXISTS kind VARCHAR",
    "ALTER TABLE corrections ADD COLUMN IF NOT EXISTS undo_why VARCHAR",
    "UPDATE corrections SET kind = 'correct' WHERE kind IS NULL",
]

# tables whose rows belong to one form (deleted and rewritten together when a file is re-read)
FORM_TABLES = ("funds", "indicators", "findings", "provenance")

# a finding's identity across re-runs of the rules (its seq changes when a correction adds one)
FINDING_KEY = "code || '|' || coalesce(indicator_id, target) || '|' || field"

VIEWS = [
    # every finding with its review status now ('open' until someone rules on it)
    f"""CREATE OR REPLACE VIEW finding_reviews AS
        WITH latest AS (
            SELECT form_id, finding_key, arg_max(status, review_id) AS status,
                   arg_max(who, review_id) AS reviewed_by, arg_max(why, review_id) AS review_why,
                   max(made_at) AS reviewed_at
            FROM reviews GROUP BY form_id, finding_key)
        SELECT x.*, {FINDING_KEY} AS finding_key, coalesce(l.status, 'open') AS status,
               l.reviewed_by, l.review_why, l.reviewed_at
        FROM findings x LEFT JOIN latest l ON l.form_id = x.form_id AND l.finding_key = {FINDING_KEY}""",
    # a unit under any of its spellings: an alias an auditor registered, else the normalised key
    """CREATE OR REPLACE VIEW form_units AS
        SELECT f.*, coalesce(a.unit_key, f.unit_key) AS unit_group
        FROM forms f LEFT JOIN unit_aliases a ON a.alias_key = f.unit_key""",
    """CREATE OR REPLACE VIEW findings_per_unit_year AS
        SELECT u.unit_group, any_value(u.unit) AS unit, u.year, x.code, x.severity, count(*) AS n
        FROM findings x JOIN form_units u USING (form_id)
        GROUP BY u.unit_group, u.year, x.code, x.severity
        ORDER BY u.unit_group, u.year, x.severity, x.code""",
    """CREATE OR REPLACE VIEW score_trends AS
        SELECT unit_group, any_value(unit) AS unit, year, form_type, project_name,
               avg(total_score) AS total_score, avg(recomputed_total) AS recomputed_total,
               any_value(grade) AS grade, sum(n_errors) AS errors, count(*) AS forms,
               avg(total_score) - lag(avg(total_score)) OVER (
                   PARTITION BY unit_group, form_type, project_name ORDER BY year) AS change
        FROM form_units
        GROUP BY unit_group, year, form_type, project_name
        ORDER BY unit_group, form_type, project_name, year""",
]
