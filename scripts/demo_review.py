"""`make demo-review`: a corpus of the bundled Qiannan recreation, its form page in the review app
rendered by headless Chromium, and the screenshot saved for the README (docs/review-qiannan.png)."""

from __future__ import annotations

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


def main(source: Path, out: Path, port: int = 8766) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        with Corpus(db) as corpus:
            ingest(corpus, [source], IngestOptions())
            form_id = corpus.query("SELECT form_id FROM forms ORDER BY form_index")[1][0][0]
        server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            start = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/forms/{form_id}")
            page.wait_for_load_state("networkidle")
            took = time.perf_counter() - start
            page.hover('li.finding.sev-error')  # its value and its cell light up
            page.screenshot(path=str(out))
            browser.close()
        server.should_exit = True
    print(f"form page rendered in {took:.2f} s; screenshot: {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
