"""The review app in a real browser (Debian's Chromium, headless, driven by Playwright): open a
form, correct a misread score, see its finding go and the total change, reload, undo."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jixiao.review.app import create_app

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
FIELD = "indicators.I12.score"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def server(misread_corpus: tuple[Path, str], tmp_path: Path) -> Iterator[tuple[str, str]]:
    import uvicorn

    db, form_id = misread_corpus
    copy = tmp_path / "review.duckdb"
    shutil.copy(db, copy)
    port = _free_port()
    config = uvicorn.Config(create_app(copy), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", form_id
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture()
def page():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/system-deps.sh installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


def test_correct_a_misread_score_then_undo(server: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, form_id = server
    page.goto(base + "/")
    page.click(f'a[href="/forms/{form_id}"]')
    page.wait_for_selector('li.finding[data-code="SCORE_RULE_MISMATCH"]')
    before = page.inner_text("#total-summed")
    row = page.locator(f'tr.value[data-field="{FIELD}"]')
    row.hover()
    assert "hl" in (page.locator(f'rect[data-field="{FIELD}"]').get_attribute("class") or "")
    row.click()
    page.fill("#editor-value", "4.65")
    page.fill("#editor-why", "对照原件，4.85 系识别错误")
    page.fill("#editor-who", "张审计")
    with page.expect_navigation():
        page.click("#editor-save")
    assert "消除" in page.inner_text("#banner") and "SCORE_RULE_MISMATCH" in page.inner_text("#banner")
    assert page.locator('li.finding[data-code="SCORE_RULE_MISMATCH"]').count() == 0
    assert page.locator('li.finding[data-code="TOTAL_MISMATCH"]').count() == 0
    assert (before, page.inner_text("#total-summed")) == ("99.85", "99.65")
    page.reload()
    assert "已更正" in page.inner_text(f'tr.value[data-field="{FIELD}"]')
    assert page.locator('li.finding[data-code="SCORE_RULE_MISMATCH"]').count() == 0
    with page.expect_navigation():
        page.click("button.undo")
    assert page.locator('li.finding[data-code="SCORE_RULE_MISMATCH"]').count() == 1
    assert "undone" in (page.locator("#corrections li").first.get_attribute("class") or "")


def test_stale_tab_sees_the_earlier_save(server: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, form_id = server
    page.goto(f"{base}/forms/{form_id}")
    other = page.context.browser.new_page()
    other.goto(f"{base}/forms/{form_id}")
    page.click(f'tr.value[data-field="{FIELD}"]')
    page.fill("#editor-value", "4.65")
    with page.expect_navigation():
        page.click("#editor-save")
    other.click(f'tr.value[data-field="{FIELD}"]')
    other.fill("#editor-value", "4.7")
    other.click("#editor-save")
    other.wait_for_selector("#editor-error:not([hidden])")
    assert "4.65" in other.inner_text("#editor-error")
