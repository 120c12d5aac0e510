"""Shared fixtures: the rendered fixture set (built on demand from the truth files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures.build import build_pdf
from fixtures.truth_model import TruthDoc, all_truth

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "out"


@pytest.fixture(scope="session")
def truth_docs() -> list[TruthDoc]:
    return all_truth()


@pytest.fixture(scope="session")
def text_pdfs(truth_docs: list[TruthDoc]) -> dict[str, Path]:
    """name -> rendered text PDF, building any that are missing or stale."""
    return {doc.name: build_pdf(doc, OUT) for doc in truth_docs}


@pytest.fixture(scope="session")
def transcripts(truth_docs: list[TruthDoc]) -> dict[str, dict[str, Path]]:
    """name -> {"html": path, "txt": path}: the generated transcripts of every truth document."""
    from fixtures.transcribe import write_transcripts

    out: dict[str, dict[str, Path]] = {}
    for doc in truth_docs:
        paths = write_transcripts(doc, OUT)
        out[doc.name] = {p.suffix.lstrip("."): p for p in paths}
    return out



@pytest.fixture(scope="session")
def misread_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A corpus holding the Qiannan form as if 项目支出小计's score 4.65 had been read as 4.85."""
    from fixtures.render import render_pdf
    from fixtures.truth_model import TRUTH_DIR, load_truth
    from jixiao.corpus.ingest import IngestOptions, ingest
    from jixiao.corpus.store import Corpus

    doc = load_truth(TRUTH_DIR / "qiannan-2024-dept.json")
    record = doc.forms[0].record
    next(i for i in record["indicators"] if i["name"] == "项目支出小计")["score"] = 4.85
    folder = tmp_path_factory.mktemp("misread")
    render_pdf(doc, folder / "qiannan-misread.pdf")
    db = folder / "review.duckdb"
    with Corpus(db) as corpus:
        ingest(corpus, [folder / "qiannan-misread.pdf"], IngestOptions())
        form_id = corpus.query("SELECT form_id FROM forms")[1][0][0]
    return db, form_id


def need_libreoffice() -> None:
    from fixtures.office import soffice

    if soffice() is None:
        message = "LibreOffice (soffice) is not installed: scripts/system-deps.sh installs it"
        if os.environ.get("JIXIAO_REQUIRE_LIBREOFFICE"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def office_files(truth_docs: list[TruthDoc]) -> dict[str, dict[str, Path]]:
    """name -> kind -> file, building (with LibreOffice) what the fixture build has not."""
    need_libreoffice()
    from fixtures.office import build_office

    build_office(truth_docs, OUT)
    from fixtures.office import KINDS, path_of

    return {d.name: {k: path_of(OUT, d.name, k) for k in KINDS} for d in truth_docs}
