"""The review app in a real browser (Debian's Chromium, headless, driven by Playwright), tried as
an auditor would (issue 15): filter the list, open a form, let the findings drive the page (click,
j/k, zoom to the cell on any page), correct from the keyboard, be refused out-of-range entries,
rule on findings, see progress, export while serving."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from reviewdesk import Served, browser, desk_db, page, rows, served

pytestmark = pytest.mark.browser
__all__ = ["browser", "desk_db", "page", "served"]


@pytest.fixture()
def source_db(desk_db: Path) -> Path:
    return desk_db


def qiannan(s: Served) -> str:
    return str(rows(s.db, "SELECT form_id FROM forms WHERE path LIKE '%qiannan%'")[0][0])


def flagged_score(s: Served, form_id: str, page_no: int | None = None) -> tuple[str, str]:
    """A finding about an indicator's score (on ``page_no`` if given): its key and its field."""
    where = "" if page_no is None else f" AND page = {int(page_no)}"
    code, ind = rows(s.db, "SELECT code, indicator_id FROM findings WHERE form_id = ? AND indicator_id IS NOT NULL "
                           f"AND field = 'score'{where} ORDER BY seq LIMIT 1", [form_id])[0]
    return f"{code}|{ind}|score", f"indicators.{ind}.score"


def sign(page, why: str = "对照原件") -> None:  # type: ignore[no-untyped-def]
    page.fill("#editor-why", why)
    page.fill("#editor-who", "张审计")


def visible_in(page, inner: str, outer: str) -> bool:  # type: ignore[no-untyped-def]
    a = page.locator(inner).bounding_box()
    b = page.locator(outer).bounding_box()
    return bool(a and b and a["x"] >= b["x"] and a["y"] >= b["y"] and a["x"] + a["width"] <= b["x"] + b["width"]
                and a["y"] + a["height"] <= b["y"] + b["height"])


def test_filter_without_year_then_sort(served: Served, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(served.base + "/")
    page.fill('input[name="unit"]', "水务")
    page.click('button:has-text("筛选")')
    page.wait_for_selector("#forms")
    units = page.locator("a.form-link").all_inner_texts()
    assert units and all("水务" in u for u in units)
    page.click('a.sort[data-sort="year"]')
    assert page.locator("a.form-link").all_inner_texts() == units and "unit=水务" in unquote(page.url)
    page.goto(served.base + "/")
    page.click('a.sort[data-sort="unit"]')  # descending now
    assert "desc=true" in page.url and page.locator("a.form-link").count() > 3


def test_correct_a_misread_score_then_undo(served: Served, page) -> None:  # type: ignore[no-untyped-def]
    form_id = qiannan(served)
    _, field = flagged_score(served, form_id)
    page.goto(f"{served.base}/forms/{form_id}")
    before = page.inner_text("#total-summed")
    row = page.locator(f'tr.value[data-field="{field}"]')
    row.hover()
    assert "hl" in (page.locator(f'rect[data-field="{field}"]').get_attribute("class") or "")
    codes = set(page.locator("li.finding").evaluate_all("els => els.map(e => e.dataset.code)"))
    row.click()
    assert page.locator("#editor-crop").is_visible()  # the cell, cut from the page, inside the dialog
    page.fill("#editor-value", "4.65")
    sign(page, "对照原件，4.85 系识别错误")
    with page.expect_navigation():
        page.click("#editor-save")
    banner = page.inner_text("#banner")
    assert "已保存" in banner and re.search(r"重算总分 \d+(\.\d{1,2})?。", banner)
    assert page.inner_text("#total-summed") != before
    assert "已更正" in page.inner_text(f'tr.value[data-field="{field}"]')
    after = set(page.locator("li.finding").evaluate_all("els => els.map(e => e.dataset.code)"))
    assert after != codes
    page.click("button.undo")
    page.fill("#undo-why", "更正有误")
    page.fill("#undo-who", "李复核")
    with page.expect_navigation():
        page.press("#undo-who", "Enter")
    assert set(page.locator("li.finding").evaluate_all("els => els.map(e => e.dataset.code)")) == codes
    assert "李复核" in page.inner_text("#corrections") and "更正有误" in page.inner_text("#corrections")


def test_keyboard_opens_editor_and_enter_saves(served: Served, page) -> None:  # type: ignore[no-untyped-def]
    form_id = qiannan(served)
    _, field = flagged_score(served, form_id)
    page.goto(f"{served.base}/forms/{form_id}")
    page.locator(f'tr.value[data-field="{field}"]').evaluate("row => row.previousElementSibling.focus()")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.field") == field
    page.keyboard.press("Enter")
    page.wait_for_timeout(400)
    assert page.locator("#editor").evaluate("d => d.open")  # opened, and not closed by the same Enter
    assert page.evaluate("document.activeElement.id") == "editor-value"
    page.keyboard.press("Escape")
    assert not page.locator("#editor").evaluate("d => d.open")
    page.keyboard.press("Enter")  # focus is back on the row
    page.keyboard.type("4.65")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("对照原件")
    page.keyboard.press("Tab")
    page.keyboard.type("张审计")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter saves (保存 is the dialog's default button)
    assert "已保存" in page.inner_text("#banner")
    assert rows(served.db, "SELECT new_value, who FROM corrections") == [("4.65", "张审计")]


def test_range_refusals_in_the_browser(served: Served, page) -> None:  # type: ignore[no-untyped-def]
    form_id = qiannan(served)
    _, field = flagged_score(served, form_id)
    page.goto(f"{served.base}/forms/{form_id}")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.click(f'tr.value[data-field="{field}"]')
    sign(page)
    for bad, says in (("-5", "之间"), ("99999999999999999999999999", "之间"), ("四点六五", "不是数字"), (" ", "原表此处空白")):
        page.fill("#editor-value", bad)
        page.click("#editor-save")
        assert says in page.inner_text("#editor-error"), bad
    assert posts == []  # caught before sending
    page.fill("#editor-value", page.locator(f'tr.value[data-field="{field}"]').get_attribute("data-value") or "")
    page.click("#editor-save")
    page.wait_for_function("document.querySelector('#editor-error').textContent.includes('相同')")
    assert len(posts) == 1  # the server refuses the no-op, in Chinese
    page.fill("#editor-why", "理" * 1200)
    assert len(page.input_value("#editor-why")) == 1000
    page.fill("#editor-who", "")
    page.fill("#editor-value", "4.65")
    page.click("#editor-save")
    assert "审核人" in page.inner_text("#editor-error")
    assert rows(served.db, "SELECT count(*) FROM corrections") == [(0,)]


def test_finding_click_zooms_to_its_cell_on_page_2(served: Served, page) -> None:  # type: ignore[no-untyped-def]
    form_id = qiannan(served)
    key, field = flagged_score(served, form_id, page_no=2)
    page.goto(f"{served.base}/forms/{form_id}")
    cell = f'#page-2 rect.cell[data-field="{field}"]'
    assert not visible_in(page, cell, "#pages")  # page 2 starts out of view
    page.click(f'li.finding[data-key="{key}"]')
    page.wait_for_timeout(300)
    assert visible_in(page, cell, "#pages")
    assert int(page.inner_text("#zoom-level").rstrip("%")) > 100
    assert "hl" in (page.locator(cell).get_attribute("class") or "")
    assert visible_in(page, f'li.finding[data-key="{key}"]', "#side")  # the findings stay in view
    keys = page.locator("li.finding").evaluate_all("els => els.map(e => e.dataset.key)")
    page.keyboard.press("j")
    at = keys.index(key)
    selected = page.locator("li.finding.selected").get_attribute("data-key")
    assert selected == keys[min(at + 1, len(keys) - 1)]
    page.keyboard.press("k")
    assert page.locator("li.finding.selected").get_attribute("data-key") == key
    page.keyboard.press("Enter")  # the selected finding's value, in the editor
    label = page.locator(f'tr.value[data-field="{field}"]').get_attribute("data-label")
    assert page.locator("#editor").evaluate("d => d.open") and page.inner_text("#editor-title") == f"更正：{label}"
    page.keyboard.press("Escape")
    assert not page.locator("#editor").evaluate("d => d.open")


def test_zoom_pan_and_sharp_images(served: Served, page) -> None:  # type: ignore[no-untyped-def]
    form_id = qiannan(served)
    page.goto(f"{served.base}/forms/{form_id}")
    page.wait_for_function("document.querySelector('#page-1 img').complete")
    first = page.locator("#page-1 img").get_attribute("src") or ""
    assert re.search(r"/page/1\?w=\d+$", first)
    width = page.locator("#canvas").evaluate("c => c.offsetWidth")
    for _ in range(4):
        page.click("#zoom-in")
    assert page.inner_text("#zoom-level") == "244%"
    assert page.locator("#canvas").evaluate("c => c.offsetWidth") > 2 * width
    page.wait_for_function(f"document.querySelector('#page-1 img').src.split('w=')[1] > {first.split('w=')[1]}")
    box = page.locator("#pages").bounding_box()
    assert box is not None
    left = page.locator("#pages").evaluate("p => [p.scrollLeft, p.scrollTop]")
    page.mouse.move(box["x"] + 300, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(box["x"] + 150, box["y"] + 200, steps=5)
    page.mouse.up()
    assert page.locator("#pages").evaluate("p => [p.scrollLeft, p.scrollTop]") == [left[0] + 150, left[1] + 100]
    assert not page.locator("#editor").evaluate("d => d.open")  # a drag is not a click on a cell
    page.click("#zoom-fit")
    assert page.inner_text("#zoom-level") == "100%"
    served_type = page.evaluate("fetch(document.querySelector('#page-1 img').src).then(r => r.headers.get('content-type'))")
    assert served_type in ("image/webp", "image/jpeg")


def test_review_status_round_trip_and_progress(served: Served, page) -> None:  # type: ignore[no-untyped-def]
    form_id = qiannan(served)
    key, _ = flagged_score(served, form_id)
    n = rows(served.db, "SELECT count(*) FROM findings WHERE form_id = ?", [form_id])[0][0]
    page.goto(f"{served.base}/forms/{form_id}")
    page.click(f'li.finding[data-key="{key}"]')
    page.keyboard.press("d")
    page.wait_for_selector("#verdict[open]")
    page.keyboard.press("Enter")  # no reason yet: refused in place
    assert "理由" in page.inner_text("#verdict-error")
    page.keyboard.type("识别错误，原表为 4.65")
    page.fill("#verdict-who", "张审计")
    with page.expect_navigation():
        page.press("#verdict-who", "Enter")
    finding = page.locator(f'li.finding[data-key="{key}"]')
    assert "不成立" in finding.inner_text() and "张审计" in finding.inner_text()
    assert "识别错误，原表为 4.65" in page.inner_text("#trail")
    assert page.locator("li.finding.selected").get_attribute("data-key") != key  # moved on to the next
    page.goto(served.base + "/")
    progress = page.locator(f'tr[data-form="{form_id}"] td.progress').inner_text()
    assert progress == f"已审 1/{n}"
    page.click("#next-unreviewed")
    page.wait_for_selector(".layout")
    landed = page.locator(".layout").get_attribute("data-form")
    assert rows(served.db, "SELECT count(*) FROM finding_reviews WHERE form_id = ? AND status = 'open'", [landed])[0][0] > 0
    page.click("#next-unreviewed")
    page.wait_for_selector(".layout")
    assert page.locator(".layout").get_attribute("data-form") != landed


def test_export_from_the_app_while_serving(served: Served, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    form_id = qiannan(served)
    key, _ = flagged_score(served, form_id)
    page.goto(f"{served.base}/forms/{form_id}")
    page.click(f'li.finding[data-key="{key}"]')
    page.click(f'li.finding[data-key="{key}"] button[data-status="follow_up"]')
    page.fill("#verdict-why", "向单位核实")
    page.fill("#verdict-who", "张审计")
    with page.expect_navigation():
        page.click("#verdict-save")
    with page.expect_download() as download:
        page.click("#export")
    target = tmp_path / "export.xlsx"
    download.value.save_as(target)
    sheet = list(load_workbook(target)["发现"].values)
    head = sheet[0]
    followed = [r for r in sheet[1:] if r[head.index("审核状态")] == "待跟进"]
    assert len(followed) == 1 and followed[0][head.index("审核理由")] == "向单位核实"
    assert followed[0][head.index("审核人")] == "张审计"


def test_values_filter_colours_and_rounding(served: Served, page) -> None:  # type: ignore[no-untyped-def]
    form_id = qiannan(served)
    _, field = flagged_score(served, form_id)
    page.goto(f"{served.base}/forms/{form_id}")
    total = page.locator("tr.value").count()
    page.check("#only-flagged")
    shown = page.locator("tr.value:visible").count()
    assert 0 < shown < total
    assert shown == page.locator("tr.value.flagged, tr.value.low").count()
    page.reload()
    assert page.is_checked("#only-flagged")  # kept for the next form
    assert page.evaluate("fmt(92.3103)") == "92.31" and page.evaluate("fmt(99.65)") == "99.65"
    page.click(f'tr.value[data-field="{field}"]')
    page.fill("#editor-value", "4.7")
    sign(page)
    with page.expect_navigation():
        page.click("#editor-save")
    rect = page.locator(f'rect.cell[data-field="{field}"]')
    if "flagged" in (rect.get_attribute("class") or ""):  # corrected, and still carrying a finding: red
        assert rect.evaluate("r => getComputedStyle(r).stroke") == "rgb(192, 57, 43)"
    else:
        assert rect.evaluate("r => getComputedStyle(r).stroke") == "rgb(39, 174, 96)"


def test_stale_tab_sees_who_saved_first(served: Served, page) -> None:  # type: ignore[no-untyped-def]
    form_id = qiannan(served)
    _, field = flagged_score(served, form_id)
    page.goto(f"{served.base}/forms/{form_id}")
    other = page.context.new_page()
    other.goto(f"{served.base}/forms/{form_id}")
    page.click(f'tr.value[data-field="{field}"]')
    page.fill("#editor-value", "4.65")
    sign(page)
    with page.expect_navigation():
        page.click("#editor-save")
    other.click(f'tr.value[data-field="{field}"]')
    other.fill("#editor-value", "4.7")
    other.fill("#editor-why", "另一个标签页")
    other.click("#editor-save")
    other.wait_for_selector("#editor-error:not([hidden])")
    message = other.inner_text("#editor-error")
    assert "4.65" in message and "张审计" in message and "已被他人改为" not in message
