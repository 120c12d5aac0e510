"""What the review tests share: a small corpus built from the fixtures as an auditor's archive
holds it (text PDFs, a two-page form, two forms bound in one file, a zip member, a transcript),
a review server on a free port, and Debian's Chromium driven by Playwright.

Nothing here names a finding: the tests ask the corpus which findings it holds, so a change to
the rules or to reading (other issues) does not break them."""

from __future__ import annotations

import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jixiao.corpus.ingest import IngestOptions, ingest
from jixiao.corpus.store import Corpus

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
# fixture documents of the desk corpus, each for what it brings
DESK_PDFS = {
    "gen-14-sichuan_project": "a form over two pages",
    "gen-04-guizhou_dept": "a 水务 unit, for the unit filter",
    "gen-12-guizhou_dept-bundle": "two forms bound in one file",
}
ZIPPED = "gen-03-yunnan_dept"  # a form inside a zip archive
TRANSCRIBED = "gen-10-sichuan_project"  # a transcript: no page image


def build_desk(folder: Path, misread_pdf: Path, text_pdfs: dict[str, Path],
               transcripts: dict[str, dict[str, Path]]) -> Path:
    files = folder / "archive"
    files.mkdir(parents=True)
    shutil.copy(misread_pdf, files / misread_pdf.name)
    for name in DESK_PDFS:
        shutil.copy(text_pdfs[name], files / f"{name}.pdf")
    with zipfile.ZipFile(files / "bundle.zip", "w") as zf:
        zf.write(text_pdfs[ZIPPED], f"2024/{ZIPPED}.pdf")
    shutil.copy(transcripts[TRANSCRIBED]["txt"], files / f"{TRANSCRIBED}.txt")
    db = folder / "desk.duckdb"
    with Corpus(db) as corpus:
        ingest(corpus, [files], IngestOptions())
    return db


@pytest.fixture(scope="session")
def desk_db(tmp_path_factory: pytest.TempPathFactory, misread_corpus: tuple[Path, str],
            text_pdfs: dict[str, Path], transcripts: dict[str, dict[str, Path]]) -> Path:
    """The desk corpus, built once a session (every test module that imports this shares it)."""
    folder = tmp_path_factory.getbasetemp() / "review-desk"
    db = folder / "desk.duckdb"
    if not db.exists():
        build_desk(folder, misread_corpus[0].parent / "qiannan-misread.pdf", text_pdfs, transcripts)
    return db


def rows(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """A query on a closed corpus (read-only, so it also works while a server runs)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    base: str
    db: Path


@pytest.fixture()
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """A review server (in this process, on a thread) over a fresh copy of the corpus the test
    module's `source_db` fixture gives."""
    import uvicorn

    from jixiao.review.app import create_app

    db = tmp_path / "review.duckdb"
    shutil.copy(request.getfixturevalue("source_db"), db)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", db)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/system-deps.sh installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()
