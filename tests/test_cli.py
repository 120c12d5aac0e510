"""The command line: outputs written, bad files get one line each, and the batch goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from jixiao.cli import app

runner = CliRunner()


@pytest.fixture()
def bad_files(tmp_path: Path, text_pdfs: dict[str, Path]) -> dict[str, Path]:
    good = text_pdfs["gen-00-guizhou_dept"].read_bytes()
    files = {
        "text": tmp_path / "notes.pdf",
        "empty": tmp_path / "empty.pdf",
        "truncated": tmp_path / "cut.pdf",
        "zip": tmp_path / "form.docx",
    }
    files["text"].write_text("这不是PDF", encoding="utf-8")
    files["empty"].write_bytes(b"")
    files["truncated"].write_bytes(good[: len(good) // 3])
    files["zip"].write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    return files


def test_audit_writes_every_output(tmp_path: Path, text_pdfs: dict[str, Path]) -> None:
    paths = {k: tmp_path / f"out.{k}" for k in ("json", "html", "xlsx")}
    result = runner.invoke(app, ["audit", str(text_pdfs["qiannan-2024-dept"]), "--json", str(paths["json"]),
                                 "--html", str(paths["html"]), "--xlsx", str(paths["xlsx"])])
    assert result.exit_code == 0, result.output
    findings = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert {(f["code"], f["target"]) for f in findings if f["severity"] == "error"} == {("SUBTOTAL_MISMATCH", "项目支出小计")}
    sub = next(f for f in findings if f["code"] == "SUBTOTAL_MISMATCH")
    assert sub["location"]["page"] == 1 and sub["location"]["box"] is not None
    html = paths["html"].read_text(encoding="utf-8")
    assert "黔南州人民政府政务服务中心" in html and "1.4 + " in html and "data:image/png;base64," in html
    wb = load_workbook(paths["xlsx"])
    assert wb["发现"].max_row == 1 + len(findings)


def test_extract_jsonl_contract(tmp_path: Path, text_pdfs: dict[str, Path]) -> None:
    out = tmp_path / "forms.jsonl"
    result = runner.invoke(app, ["extract", str(text_pdfs["gen-20-guizhou_dept-bundle"]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    record = json.loads(lines[0])
    for key in ("schema_version", "source", "form_type", "title", "year", "unit", "department", "project_name",
                "fill_date", "funds", "goals", "indicators", "total", "grade", "conclusion", "contact"):
        assert key in record
    assert set(record["source"]) >= {"file", "sha256", "pages"}
    assert set(record["indicators"][0]["target"]) >= {"text", "op", "value", "unit"}


def test_bad_inputs_get_one_line_and_the_batch_goes_on(tmp_path: Path, bad_files: dict[str, Path],
                                                       text_pdfs: dict[str, Path]) -> None:
    out = tmp_path / "f.json"
    good = text_pdfs["qiannan-2024-dept"]
    args = ["audit", str(bad_files["text"]), str(good), *(str(p) for p in list(bad_files.values())[1:]),
            str(tmp_path / "missing.pdf"), "--json", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("jixiao:")]
    assert len(lines) == 5, result.stderr
    assert "Traceback" not in result.output + result.stderr
    for path in [*bad_files.values(), tmp_path / "missing.pdf"]:
        assert sum(str(path.name) in line for line in lines) == 1
    assert json.loads(out.read_text(encoding="utf-8"))  # the good file was still audited


def test_no_form_in_pdf(tmp_path: Path) -> None:
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "letter.pdf"
    c = Canvas(str(path))
    c.drawString(72, 720, "Dear auditor, this letter has no table.")
    c.save()
    result = runner.invoke(app, ["extract", str(path), "-o", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 1
    assert "letter.pdf" in result.stderr and "no ruled table" in result.stderr


def test_bad_rules_file_is_one_line(tmp_path: Path, text_pdfs: dict[str, Path]) -> None:
    rules = tmp_path / "r.toml"
    rules.write_text('name = "x"\n[grades]\n"优" = "ninety"\n', encoding="utf-8")
    result = runner.invoke(app, ["audit", str(text_pdfs["qiannan-2024-dept"]), "--rules", str(rules)])
    assert result.exit_code == 2 and "r.toml" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["extract", "audit", "rules"])
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and len(result.output) > 100
    assert app.registered_commands and all(c.callback.__doc__ for c in app.registered_commands)
