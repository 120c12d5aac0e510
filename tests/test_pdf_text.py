"""The text-layer reader end to end, on PDFs drawn with reportlab in tmp_path."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
from tablepdf import PAGE_H, TableSpec, big_form_spec, draw_table, register_font, table_pdf

from jixiao.errors import CorruptFile, EmptyFile, EncryptedFile, TooLarge, UnsupportedFile
from jixiao.extract import (
    NeedsOcr,
    PageResult,
    ReadLimits,
    ReadOptions,
    extract_document,
    read_document,
    register_page_ocr,
)
from jixiao.grid import Grid, Page

INDICATOR = "对进驻窗口人员进行行政管理和日常、年度考核，后勤保障及服务"


def indicator_spec() -> TableSpec:
    """A slice of the indicator block: 绩效指标 over four rows, 产出指标 over three, a header
    cell over two columns, and a long wrapped 三级指标."""
    spec = TableSpec(col_widths=[30, 50, 50, 110, 50, 40], row_heights=[20, 48, 20, 20, 20])
    spec.spans = {(0, 0): (1, 2), (1, 0): (4, 1), (1, 1): (3, 1), (0, 4): (1, 2)}
    spec.texts = {
        (0, 0): "一级指标", (0, 2): "二级指标", (0, 3): "三级指标", (0, 4): "指标值与完成值",
        (1, 0): "绩效指标", (1, 1): "产出指标", (1, 2): "数量指标", (1, 3): INDICATOR,
        (1, 4): "1项", (1, 5): "100%", (2, 3): "开展项目个数", (2, 4): "≥5个", (2, 5): "—",
        (4, 1): "效益指标", (4, 3): "ISO 9001 认证",
    }  # fmt: skip
    return spec


def cell_map(grid: Grid) -> dict[tuple[int, int], tuple[int, int, str]]:
    return {(c.row, c.col): (c.row_span, c.col_span, c.text) for c in grid.cells}


def expected_map(spec: TableSpec) -> dict[tuple[int, int], tuple[int, int, str]]:
    return {(r, c): (rs, cs, spec.texts.get((r, c), "")) for r, c, rs, cs in spec.cells()}


@pytest.mark.parametrize("rulings", ["lines", "thin_rects", "cell_rects"])
def test_merged_cells_and_wrapped_chinese(tmp_path: Path, rulings: str) -> None:
    spec = indicator_spec()
    pdf = table_pdf(tmp_path / "form.pdf", [spec], title="部门整体支出绩效自评表", rulings=rulings)  # type: ignore[arg-type]
    document = read_document(pdf)
    page = document.pages[0]
    assert len(page.grids) == 1
    grid = page.grids[0]
    assert (grid.n_rows, grid.n_cols) == (5, 6)
    assert cell_map(grid) == expected_map(spec)
    assert grid.col_edges == pytest.approx(spec.col_edges(), abs=0.5)
    assert [line.text for line in page.lines] == ["部门整体支出绩效自评表"]


def test_wrapped_cell_keeps_its_lines_in_raw(tmp_path: Path) -> None:
    grid = read_document(table_pdf(tmp_path / "f.pdf", [indicator_spec()])).pages[0].grids[0]
    cell = next(c for c in grid.cells if (c.row, c.col) == (1, 3))
    assert cell.raw.count("\n") >= 2  # 110 pt wide at 9 pt: three or more lines
    assert cell.raw.replace("\n", "") == INDICATOR
    dash = next(c for c in grid.cells if (c.row, c.col) == (2, 5))
    assert dash.dash and not any(c.dash for c in grid.cells if c is not dash)


def test_cell_boxes_are_page_points_from_the_top_left(tmp_path: Path) -> None:
    spec = indicator_spec()
    document = read_document(table_pdf(tmp_path / "f.pdf", [spec]))
    page = document.pages[0]
    assert (page.width, page.height) == (595, 842)
    first = page.grids[0].cells[0]
    assert first.box is not None
    assert first.box.rounded() == [50, 90, 130, 110]  # spec.left, spec.top, two columns, a row


def test_platypus_table_with_spans(tmp_path: Path) -> None:
    """reportlab's own Table draws rulings its own way (segments around spans)."""
    style = ParagraphStyle("c", fontName=register_font(), fontSize=9, leading=11, wordWrap="CJK")
    p = lambda text: Paragraph(text, style)
    data = [
        [p("绩效指标"), p("一级指标"), p("二级指标"), p("三级指标")],
        ["", p("产出指标"), p("数量指标"), p(INDICATOR)],
        ["", "", p("质量指标"), p("738.26")],
        [p("总分"), "", "", p("100")],
    ]
    table = Table(data, colWidths=[40, 60, 60, 80])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("SPAN", (0, 0), (0, 2)),
                ("SPAN", (1, 1), (1, 2)),
                ("SPAN", (0, 3), (2, 3)),
            ]
        )
    )
    out = tmp_path / "platypus.pdf"
    SimpleDocTemplate(str(out)).build([table])
    grid = read_document(out).pages[0].grids[0]
    assert cell_map(grid) == {
        (0, 0): (3, 1, "绩效指标"), (0, 1): (1, 1, "一级指标"), (0, 2): (1, 1, "二级指标"),
        (0, 3): (1, 1, "三级指标"), (1, 1): (2, 1, "产出指标"), (1, 2): (1, 1, "数量指标"),
        (1, 3): (1, 1, INDICATOR), (2, 2): (1, 1, "质量指标"), (2, 3): (1, 1, "738.26"),
        (3, 0): (1, 3, "总分"), (3, 3): (1, 1, "100"),
    }  # fmt: skip


def test_two_tables_and_fake_bold(tmp_path: Path) -> None:
    upper = TableSpec(col_widths=[80, 80], row_heights=[20, 20], texts={(0, 0): "资金来源"})
    lower = TableSpec(col_widths=[60, 60, 60], row_heights=[20], top=200, texts={(0, 2): "得分"})
    out = tmp_path / "two.pdf"
    canvas = Canvas(str(out), pagesize=(595, 842))
    for spec in (upper, lower):
        draw_table(canvas, spec)
    canvas.setFont(register_font(), 12)
    for dx in (0, 0.4):  # fake bold: the same string drawn twice, 0.4 pt apart
        canvas.drawString(300 + dx, PAGE_H - 400, "自评结论：优")
    canvas.save()
    page = read_document(out).pages[0]
    assert [(g.n_rows, g.n_cols) for g in page.grids] == [(2, 2), (1, 3)]
    assert page.grids[0].cells[0].text == "资金来源"
    assert page.grids[1].cells[2].text == "得分"
    assert [line.text for line in page.lines] == ["自评结论：优"]


def test_source_info(tmp_path: Path) -> None:
    pdf = table_pdf(tmp_path / "f.pdf", [indicator_spec()], pages=2)
    document = read_document(pdf)
    assert document.source.sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert document.source.kind == "text_pdf"
    assert document.source.n_pages == 2
    assert [p.number for p in document.pages] == [1, 2]
    assert document.pages[1].grids[0].page == 2


# ---------------------------------------------------------------- unreadable files


def test_encrypted_pdf(tmp_path: Path) -> None:
    pdf = table_pdf(tmp_path / "secret.pdf", [indicator_spec()], encrypt="s3cret")
    with pytest.raises(EncryptedFile) as caught:
        read_document(pdf)
    assert "password" in caught.value.reason
    assert str(caught.value).startswith(str(pdf))


def test_owner_password_only_pdf_reads(tmp_path: Path) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    out = tmp_path / "restricted.pdf"
    canvas = Canvas(str(out), encrypt=StandardEncryption("", ownerPassword="owner", canPrint=0))
    canvas.setFont(register_font(), 12)
    canvas.drawString(100, 700, "可以打开")
    canvas.save()
    assert read_document(out).pages[0].lines[0].text == "可以打开"


@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_truncated_pdf(tmp_path: Path, keep: float) -> None:
    data = table_pdf(tmp_path / "whole.pdf", [indicator_spec()]).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(CorruptFile) as caught:
        read_document(cut)
    assert caught.value.reason.startswith("truncated")


def test_zero_byte_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(EmptyFile) as caught:
        read_document(empty)
    assert caught.value.reason == "empty file (0 bytes)"


def test_text_file_renamed_pdf(tmp_path: Path) -> None:
    fake = tmp_path / "form.pdf"
    fake.write_text("部门整体支出绩效自评表\n得分 100\n", encoding="utf-8")
    with pytest.raises(UnsupportedFile) as caught:
        read_document(fake)
    assert caught.value.reason.startswith("not a PDF or image (starts with b'")
    assert caught.value.reason.endswith(": a text file)")


def test_docx_renamed_pdf(tmp_path: Path) -> None:
    fake = tmp_path / "form.pdf"
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(UnsupportedFile) as caught:
        read_document(fake)
    assert "b'PK\\x03\\x04" in caught.value.reason
    assert "a zip archive" in caught.value.reason


def _pdf_with_objects(objects: list[bytes]) -> bytes:
    """A well-formed PDF (header, objects, xref, trailer) around the given object bodies."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_pdf_with_zero_pages(tmp_path: Path) -> None:
    empty = tmp_path / "nopages.pdf"
    empty.write_bytes(
        _pdf_with_objects(
            [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
        )
    )
    with pytest.raises(EmptyFile) as caught:
        read_document(empty)
    assert caught.value.reason == "the PDF has no pages"


def test_limits(tmp_path: Path) -> None:
    pdf = table_pdf(tmp_path / "f.pdf", [indicator_spec()], pages=3)
    with pytest.raises(TooLarge) as caught:
        read_document(pdf, ReadOptions(limits=ReadLimits(max_pages=2)))
    assert caught.value.reason == "3 pages, over the limit of 2"
    with pytest.raises(TooLarge):
        read_document(pdf, ReadOptions(limits=ReadLimits(max_bytes=1000)))


def test_missing_file(tmp_path: Path) -> None:
    from jixiao.errors import InputError

    with pytest.raises(InputError) as caught:
        read_document(tmp_path / "nowhere.pdf")
    assert caught.value.reason == "no such file"


# ---------------------------------------------------------------- scans: the OCR signal


def _scan_page_pdf(tmp_path: Path) -> Path:
    """Page 1 a text page, page 2 only an image (a scan)."""
    png = tmp_path / "scan.png"
    Image.new("L", (200, 280), 255).save(png)
    out = tmp_path / "mixed.pdf"
    canvas = Canvas(str(out), pagesize=(595, 842))
    canvas.setFont(register_font(), 12)
    canvas.drawString(100, 700, "部门整体支出绩效自评表")
    canvas.showPage()
    canvas.drawImage(str(png), 0, 0, 595, 842)
    canvas.showPage()
    canvas.save()
    return out


@pytest.fixture()
def no_ocr() -> Iterator[None]:
    """As if no OCR were installed: image-only pages cannot be read."""
    previous = register_page_ocr(None)
    yield
    register_page_ocr(previous)


def test_image_only_page_raises_needs_ocr(tmp_path: Path, no_ocr: None) -> None:
    with pytest.raises(NeedsOcr) as caught:
        read_document(_scan_page_pdf(tmp_path))
    assert caught.value.pages == [2]
    assert caught.value.reason.startswith("page 2 needs OCR")
    assert "the page is an image" in caught.value.reason


def test_image_only_page_can_be_skipped_and_is_reported(tmp_path: Path, no_ocr: None) -> None:
    result = extract_document(_scan_page_pdf(tmp_path), ReadOptions(on_needs_ocr="skip"))
    assert result.status == ["text", "needs_ocr"]
    assert result.document.pages[0].lines[0].text == "部门整体支出绩效自评表"
    assert result.document.pages[1].lines == []


def test_registered_page_ocr_fills_scanned_pages(tmp_path: Path) -> None:
    calls: list[list[int]] = []

    def fake_ocr(path: Path, pages: list[int], options: ReadOptions) -> list[PageResult]:
        calls.append(pages)
        return [PageResult(Page(number=n, width=595, height=842), "text") for n in pages]

    previous = register_page_ocr(fake_ocr)
    try:
        result = extract_document(_scan_page_pdf(tmp_path))
    finally:
        register_page_ocr(previous)
    assert calls == [[2]]
    assert result.status == ["text", "text"]


@pytest.mark.slow  # OCR on an image / a rendered full page
def test_image_file_is_read_as_a_scan(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"  # an image, whatever the name says
    Image.new("L", (400, 560), 255).save(scan, format="PNG", dpi=(200, 200))
    doc = read_document(scan)
    assert doc.source.kind == "image" and len(doc.pages) == 1 and doc.pages[0].grids == []
    assert abs(doc.pages[0].width - 400 * 72 / 200) < 0.01


# ---------------------------------------------------------------- a full page


@pytest.mark.slow  # OCR on an image / a rendered full page
def test_a_full_form_page_reads_every_cell(tmp_path: Path) -> None:
    """30 rows x 8 columns, 25 merged cells, on four pages. Its speed is measured by `make bench`
    (the text-PDF row), not here: a wall-clock bound fails on a loaded machine, not on a slow reader."""
    spec = big_form_spec()
    pdf = table_pdf(tmp_path / "big.pdf", [spec], title="部门整体支出绩效自评表", pages=4)
    document = read_document(pdf)
    assert len(document.pages) == 4
    assert all(cell_map(p.grids[0]) == expected_map(spec) for p in document.pages)
