"""Office files as an archive holds them: told apart by their bytes, every format of them read, and
a damaged, password-protected or oversized one answered in one line."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from fixtures.compare import compare_record
from fixtures.office import convert_all
from fixtures.truth_model import TruthDoc
from jixiao.cli import app
from jixiao.errors import CorruptFile, EncryptedFile, NoFormFound, TooLarge
from jixiao.extract import ReadOptions, extract_document, sniff
from jixiao.extract.office import OfficeOptions
from jixiao.extract.office.numfmt import display
from jixiao.normalize import normalize
from jixiao.pipeline import read_forms

runner = CliRunner()


@pytest.mark.parametrize(("value", "fmt", "shown"), [
    (0.9993, "0.00%", "99.93%"),
    (1, "0%", "100%"),
    (1234.5, "#,##0.00", "1,234.50"),
    (10, "0.00", "10.00"),
    (2.675, "0.00", "2.68"),  # Excel rounds the decimal half away from zero; float rounding gives 2.67
    (738.26, "General", "738.26"),
    (9.959999999999999, "General", "9.96"),  # a formula's float noise, as Excel's General shows it
    (13800138000, "General", "13800138000"),
    (-5, "#,##0.00_);(#,##0.00)", "(5.00)"),
    (0, '0.00;-0.00;"—"', "—"),
    (3, '0"个"', "3个"),
    (45708, 'yyyy"年"m"月"d"日"', "2025年2月20日"),
    (dt.datetime(2025, 2, 20), "yyyy.m.d", "2025.2.20"),
    (dt.datetime(2025, 2, 20), "mm-dd-yy", "2025/2/20"),  # built-in 14, as a zh-CN Excel shows it
    (45708.5, "yyyy-mm-dd hh:mm", "2025-02-20 12:00"),
    ("≥95%", "@", "≥95%"),
])
def test_number_formats_show_what_the_sheet_shows(value: object, fmt: str, shown: str) -> None:
    assert display(value, fmt) == shown


@pytest.mark.slow  # LibreOffice-built office files
def test_kind_is_sniffed_from_the_bytes(office_files: dict[str, dict[str, Path]], tmp_path: Path) -> None:
    paths = office_files["gen-00-guizhou_dept"]
    for kind, wanted in (("xlsx", "xlsx"), ("xls", "xls"), ("docx", "docx"), ("doc", "doc")):
        renamed = tmp_path / f"form-{kind}.pdf"
        shutil.copyfile(paths[kind], renamed)
        assert sniff(renamed) == wanted


@pytest.mark.slow
@pytest.mark.parametrize(("source", "target"), [("xlsx", "ods"), ("docx", "odt"), ("docx", "rtf")])
@pytest.mark.slow  # LibreOffice-built office files
def test_other_office_formats_are_read_through_libreoffice(source: str, target: str, tmp_path: Path,
                                                            truth_docs: list[TruthDoc],
                                                            office_files: dict[str, dict[str, Path]]) -> None:
    """WPS and LibreOffice formats (.ods, .odt) and rich text (.rtf, which Word also saves as .doc)
    give the record the .xlsx or .docx gives."""
    doc = next(d for d in truth_docs if d.name == "qiannan-2024-dept")
    convert_all([office_files[doc.name][source]], target, tmp_path)
    converted = tmp_path / f"{doc.name}.{target}"
    disguised = tmp_path / f"{doc.name}.{'wps' if target == 'rtf' else target}"  # the extension is not trusted
    converted.rename(disguised)
    _, records = read_forms(disguised)
    score = compare_record(doc.forms[0], records[0])
    assert score.numeric_rate == 1.0 and score.cer == 0.0, score.misses


# ---------------------------------------------------------------- bad input


def _encrypted(plain: Path, out: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with plain.open("rb") as f, out.open("wb") as g:
        OOXMLFile(f).encrypt("secret", g)
    return out


def _word_with_password_flag(doc: Path, out: Path) -> Path:
    """A .doc whose FIB says it is encrypted (fEncrypted), as Word writes a protected document."""
    data = bytearray(doc.read_bytes())
    sector = 512  # the WordDocument stream begins at a sector boundary with the FIB's 0xA5EC
    start = next(k for k in range(sector, len(data), sector) if data[k:k + 2] == b"\xec\xa5")
    flags = struct.unpack_from("<H", data, start + 10)[0]
    struct.pack_into("<H", data, start + 10, flags | 0x0100)
    out.write_bytes(bytes(data))
    return out


@pytest.fixture()
def bad_office(tmp_path: Path, office_files: dict[str, dict[str, Path]]) -> dict[str, Path]:
    paths = office_files["gen-00-guizhou_dept"]
    xlsx = paths["xlsx"].read_bytes()
    files = {
        "cut": tmp_path / "cut.xlsx",
        "garbled": tmp_path / "garbled.docx",
        "locked-xlsx": _encrypted(paths["xlsx"], tmp_path / "locked.xlsx"),
        "locked-docx": _encrypted(paths["docx"], tmp_path / "locked.docx"),
        "locked-doc": _word_with_password_flag(paths["doc"], tmp_path / "locked.doc"),
        "cut-xls": tmp_path / "cut.xls",
    }
    files["cut"].write_bytes(xlsx[: len(xlsx) // 2])
    docx = bytearray(paths["docx"].read_bytes())
    at = docx.find(b"word/document.xml") + 200  # inside the compressed document part
    docx[at:at + 400] = b"\x00" * 400
    files["garbled"].write_bytes(bytes(docx))
    xls = paths["xls"].read_bytes()
    files["cut-xls"].write_bytes(xls[: len(xls) // 3])
    return files


@pytest.mark.slow  # LibreOffice-built office files
def test_bad_office_files_are_one_line_each(bad_office: dict[str, Path], tmp_path: Path,
                                            office_files: dict[str, dict[str, Path]]) -> None:
    good = office_files["qiannan-2024-dept"]["xlsx"]
    out = tmp_path / "f.json"
    result = runner.invoke(app, ["audit", *map(str, bad_office.values()), str(good), "--json", str(out)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("jixiao:")]
    assert "Traceback" not in result.output + result.stderr
    assert len(lines) == len(bad_office), result.stderr
    for name, path in bad_office.items():
        mine = [line for line in lines if f"{path}:" in line]
        assert len(mine) == 1, (name, lines)
        if name.startswith("locked"):
            assert "password" in mine[0], mine[0]
    assert out.read_text(encoding="utf-8").strip() not in ("", "[]")  # the good workbook was audited


@pytest.mark.slow  # LibreOffice-built office files
def test_password_and_damage_are_told_apart(bad_office: dict[str, Path]) -> None:
    for name in ("locked-xlsx", "locked-docx", "locked-doc"):
        with pytest.raises(EncryptedFile):
            extract_document(bad_office[name])
    for name in ("cut", "garbled", "cut-xls"):
        with pytest.raises(CorruptFile):
            extract_document(bad_office[name])


@pytest.mark.slow  # LibreOffice-built office files
def test_workbook_that_unpacks_too_far_is_refused(office_files: dict[str, dict[str, Path]]) -> None:
    options = ReadOptions(office=OfficeOptions(max_unzipped_bytes=10_000))
    with pytest.raises(TooLarge, match="unpacks to"):
        extract_document(office_files["gen-00-guizhou_dept"]["xlsx"], options)


def test_a_workbook_without_a_form(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    wb.active.append(["张三", "13800138000"])
    buffer = io.BytesIO()
    wb.save(buffer)
    path = tmp_path / "contacts.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(NoFormFound):
        read_forms(path)


def test_hidden_rows_columns_and_outside_the_print_area_are_not_read(tmp_path: Path) -> None:
    """What the sheet does not print is not read: a hidden row, a hidden column, a cell past the
    print area; a hidden sheet is not a page."""
    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    ws.append(["项目名称", "道路养护", "隐藏列"])
    ws.append(["草稿", "不要", "x"])
    ws.append(["主管部门", "交通局", "y"])
    ws["E1"] = "打印区域以外"
    ws.row_dimensions[2].hidden = True
    ws.column_dimensions["C"].hidden = True
    ws.print_area = "A1:C3"
    wb.create_sheet("底稿").sheet_state = "hidden"
    path = tmp_path / "hidden.xlsx"
    wb.save(path)
    doc = extract_document(path).document
    assert len(doc.pages) == 1
    texts = [c.text for g in doc.pages[0].grids for c in g.cells] + [line.text for line in doc.pages[0].lines]
    assert "道路养护" in " ".join(texts) and "交通局" in " ".join(texts)
    assert not any(t in " ".join(texts) for t in ("草稿", "不要", "隐藏列", "打印区域以外"))


@pytest.mark.slow  # LibreOffice-built office files
def test_normalize_reads_a_sheet_with_no_borders(office_files: dict[str, dict[str, Path]], tmp_path: Path,
                                                 truth_docs: list[TruthDoc]) -> None:
    """A person who never draws borders: the table is told by its filled rows."""
    from openpyxl import load_workbook
    from openpyxl.styles import Border

    doc = next(d for d in truth_docs if d.name == "gen-04-guizhou_dept")
    wb = load_workbook(office_files[doc.name]["xlsx"])
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                cell.border = Border()
    path = tmp_path / "plain.xlsx"
    wb.save(path)
    records = normalize(extract_document(path).document)
    score = compare_record(doc.forms[0], records[0])
    assert score.numeric_rate == 1.0, score.misses[:10]


def test_word_table_split_by_hand_with_blank_labels_and_short_numbered_names(tmp_path: Path) -> None:
    """forms-gen forms typed into Word: a table split over two pages by hand, the labels of the
    rows below the split left as plain blank cells (no merge), a 绩效指标 side column, and cost
    components whose names are short enough to look like numbers ('1.培训费'). Each row keeps its
    own labels and its subtotal."""
    import docx
    from docx.enum.text import WD_BREAK

    header = ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    rows = [
        ["绩效指标", "产出指标", "数量指标", "培训人次", "≥100人次", "120人次", "40", "40"],
        ["", "", "成本指标", "项目支出小计", "20万元", "100%", "10", "10"],
        ["", "", "", "1.培训费", "12万元", "100%", "6", "6"],
        ["", "", "", "2.差旅费", "8万元", "100%", "4", "4"],
        ["", "效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", "30", "30"],
        ["", "满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "96%", "10", "10"],
    ]
    document = docx.Document()
    document.add_paragraph("项目支出绩效自评表")
    document.add_paragraph("项目名称：基层干部培训")
    split = 2  # after 项目支出小计: its components open the second table with blank label cells
    for part, block in enumerate((rows[:split], rows[split:])):
        if part:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        body = block if part else [header, *block]
        table = document.add_table(rows=len(body), cols=len(header))
        table.style = "Table Grid"
        for r, values in enumerate(body):
            for c, value in enumerate(values):
                table.cell(r, c).text = value
        if not part:  # labels merged down their rows of the first part, as Word merges them
            table.cell(1, 0).merge(table.cell(2, 0)).text = "绩效指标"
            table.cell(1, 1).merge(table.cell(2, 1)).text = "产出指标"
    document.add_paragraph("总分：100    得分：100")
    path = tmp_path / "split.docx"
    document.save(str(path))
    _, records = read_forms(path)
    got = {i.name: (i.level1, i.level2, i.parent) for i in records[0].indicators}
    subtotal = next(i.id for i in records[0].indicators if i.name == "项目支出小计")
    assert got["1.培训费"] == ("output", "cost", subtotal)
    assert got["2.差旅费"] == ("output", "cost", subtotal)
    assert got["群众知晓率"][:2] == ("outcome", "social")


@pytest.mark.slow  # LibreOffice-built office files
def test_review_shows_an_office_form(tmp_path: Path, office_files: dict[str, dict[str, Path]]) -> None:
    """An ingested workbook is a form like any other in the corpus and the review app; its page
    image is LibreOffice's print of it."""
    from fastapi.testclient import TestClient

    from jixiao.corpus.ingest import IngestOptions, ingest
    from jixiao.corpus.store import Corpus
    from jixiao.review.app import create_app

    db = tmp_path / "office.duckdb"
    with Corpus(db) as corpus:
        summary = ingest(corpus, [office_files["qiannan-2024-dept"]["xlsx"]], IngestOptions())
        assert summary.forms == 1
        form_id = corpus.query("SELECT form_id FROM forms")[1][0][0]
        kind = corpus.query("SELECT kind FROM files")[1][0][0]
    assert kind == "spreadsheet"
    client = TestClient(base_url="http://localhost", app=create_app(db))
    page = client.get(f"/forms/{form_id}")
    assert page.status_code == 200 and "黔南州人民政府政务服务中心" in page.text
    image = client.get(f"/forms/{form_id}/page/1?w=1200", headers={"accept": "image/webp"})
    assert image.status_code == 200 and image.content[8:12] == b"WEBP"


def test_word_nested_table_is_read_as_a_table(tmp_path: Path) -> None:
    """The indicator block pasted as a table inside a cell of the form's table (a nested table):
    read as a table of its own, its rows and labels as if it stood alone."""
    import docx

    document = docx.Document()
    document.add_paragraph("项目支出绩效自评表")
    outer = document.add_table(rows=2, cols=2)
    outer.style = "Table Grid"
    outer.cell(0, 0).text = "项目名称"
    outer.cell(0, 1).text = "基层干部培训"
    outer.cell(1, 0).text = "绩效指标"
    inner = outer.cell(1, 1).add_table(rows=3, cols=5)
    inner.style = "Table Grid"
    for r, values in enumerate([["一级指标", "三级指标", "年度指标值", "分值", "得分"],
                                ["产出指标", "培训人次", "≥100人次", "60", "60"],
                                ["满意度指标", "参训人员满意度", "≥90%", "40", "40"]]):
        for c, value in enumerate(values):
            inner.cell(r, c).text = value
    path = tmp_path / "nested.docx"
    document.save(str(path))
    doc = extract_document(path).document
    assert [(g.n_rows, g.n_cols) for g in doc.pages[0].grids] == [(2, 2), (3, 5)]
    assert doc.pages[0].grids[1].cells[0].location == "表格2 第1行第1列"
    _, records = read_forms(path)
    got = {i.name: (i.level1, i.weight, i.score) for i in records[0].indicators}
    assert got == {"培训人次": ("output", 60.0, 60.0), "参训人员满意度": ("satisfaction", 40.0, 40.0)}


def _bomb(source: Path | None, out: Path, member: str, mb: int, extra: dict[str, bytes] | None = None) -> Path:
    """``source`` (or an empty zip) with ``member`` replaced by ``mb`` MB of spaces inside valid XML: packs
    about 1000:1, as a zip bomb does."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
        if source is not None:
            with zipfile.ZipFile(source) as zin:
                for info in zin.infolist():
                    if info.filename != member:
                        zout.writestr(info, zin.read(info))
        body = b'<?xml version="1.0"?><x>' + b" " * (mb * 2**20) + b"</x>"
        zout.writestr(member, body)
    return out


@pytest.mark.parametrize(("kind", "member"), [("xlsx", "xl/worksheets/sheet1.xml"), ("docx", "word/document.xml")])
@pytest.mark.slow  # LibreOffice-built office files
def test_a_zip_bomb_is_refused_from_its_directory_naming_the_member(
        office_files: dict[str, dict[str, Path]], tmp_path: Path, kind: str, member: str) -> None:
    path = _bomb(office_files["gen-00-guizhou_dept"][kind], tmp_path / f"bomb.{kind}", member, 40)
    assert path.stat().st_size < 2**20  # 40 MB of XML in well under 1 MB
    with pytest.raises(TooLarge, match=re.escape(member)) as refused:
        extract_document(path)
    assert "max_zip_ratio" in refused.value.reason and str(path) == refused.value.file
    big = ReadOptions(office=OfficeOptions(max_member_bytes=8 * 2**20))  # the one-member limit alone
    with pytest.raises(TooLarge, match=re.escape(member) + ".*max_member_bytes"):
        extract_document(_bomb(office_files["gen-00-guizhou_dept"][kind], tmp_path / f"big.{kind}", member, 10), big)


def test_an_opendocument_bomb_is_refused_before_libreoffice(tmp_path: Path) -> None:
    mimetype = {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}
    path = _bomb(None, tmp_path / "bomb.ods", "content.xml", 40, mimetype)
    with pytest.raises(TooLarge, match="content.xml"):
        extract_document(path)
    manifest = _bomb(None, tmp_path / "manifest.ods", "META-INF/manifest.xml", 40, mimetype)
    with pytest.raises(TooLarge, match="META-INF/manifest.xml"):
        extract_document(manifest)
