"""`make demo-review`: a corpus of the bundled Qiannan recreation, its form page in the review app
rendered by headless Chromium with a finding selected (the page zoomed to its cell), and the
screenshot saved for the README (docs/review-qiannan.png)."""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from jixiao.corpus.ingest import IngestOptions, ingest
from jixiao.corpus.store import Corpus
from jixiao.review.app import create_app

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(source: Path, out: Path) -> None:
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        with Corpus(db) as corpus:
            ingest(corpus, [source], IngestOptions())
            form_id = corpus.query("SELECT form_id FROM forms ORDER BY form_index")[1][0][0]
        server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            start = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/forms/{form_id}")
            page.wait_for_load_state("networkidle")
            took = time.perf_counter() - start
            page.click("li.finding.sev-error[data-field]")  # the page zooms to its cell, which lights up
            page.wait_for_load_state("networkidle")  # the sharper image the zoom asks for
            page.wait_for_timeout(500)
            page.screenshot(path=str(out))
            browser.close()
        server.should_exit = True
        thread.join(timeout=10)
    print(f"form page rendered in {took:.2f} s; screenshot: {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
