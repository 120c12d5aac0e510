"""The review app over office files (issues 12, 15 review): each form of an office file shows its
own pages of the file's LibreOffice print, every page of a form that prints on two is served, the
print is made once per file, and a value's cell (Sheet1!F14, 表格1 第5行第3列) is shown."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from jixiao.corpus.ingest import IngestOptions, ingest
from jixiao.corpus.store import Corpus
from jixiao.review import images
from jixiao.review.app import create_app

pytestmark = pytest.mark.slow  # LibreOffice-built office files, ingest

OFFICE = Path(__file__).resolve().parent.parent / "fixtures" / "out" / "office"
BUNDLE = "gen-12-guizhou_dept-bundle"  # two forms; LibreOffice prints each on its own page
ONE = "qiannan-2024-dept"  # one form that prints on two pages


@pytest.fixture(scope="module")
def office_db(office_files: dict[str, dict[str, Path]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("office-review") / "office.duckdb"
    with Corpus(db) as corpus:
        ingest(corpus, [office_files[BUNDLE]["docx"], office_files[BUNDLE]["xlsx"], office_files[ONE]["docx"]],
               IngestOptions())
    return db


def forms_of(db: Path, name: str) -> list[str]:
    with Corpus(db, read_only=True) as corpus:
        _, rows = corpus.query("SELECT form_id FROM forms WHERE path LIKE ? ORDER BY form_index", [f"%{name}"])
    return [str(r[0]) for r in rows]


def shown_pages(client: TestClient, form_id: str) -> list[int]:
    html = client.get(f"/forms/{form_id}").text
    return [int(n) for n in re.findall(rf"/forms/{re.escape(form_id)}/page/(\d+)", html)]


def image(client: TestClient, form_id: str, number: int) -> np.ndarray:
    got = client.get(f"/forms/{form_id}/page/{number}?w=800", headers={"accept": "image/webp"})
    assert got.status_code == 200, (form_id, number, got.text[:200])
    return cv2.imdecode(np.frombuffer(got.content, np.uint8), cv2.IMREAD_GRAYSCALE)


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_each_form_of_an_office_file_shows_its_own_pages(office_db: Path, kind: str) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(office_db))
    first, second = forms_of(office_db, f"{BUNDLE}.{kind}")
    assert shown_pages(client, first) == [1] and shown_pages(client, second) == [2]
    assert client.get(f"/forms/{second}/page/1").status_code == 404  # the other form's page
    assert client.get(f"/forms/{first}/page/2").status_code == 404
    a, b = image(client, first, 1), image(client, second, 2)
    assert a.shape != b.shape or float(np.abs(a.astype(int) - b.astype(int)).mean()) > 1.0


def test_every_page_of_a_form_printed_on_two_is_served(office_db: Path) -> None:
    client = TestClient(base_url="http://localhost", app=create_app(office_db))
    (form_id,) = forms_of(office_db, f"{ONE}.docx")
    assert shown_pages(client, form_id) == [1, 2]
    assert image(client, form_id, 2).shape[1] == 800
    assert client.get(f"/forms/{form_id}/page/3").status_code == 404


def test_an_office_file_is_printed_once(office_db: Path) -> None:
    office = next(s for s in images.SOURCES if isinstance(s, images.OfficeSource))
    client = TestClient(base_url="http://localhost", app=create_app(office_db))
    (form_id,) = forms_of(office_db, f"{ONE}.docx")
    before = office.conversions
    for number, width in ((1, 800), (2, 800), (1, 1600), (2, 2400)):
        image(client, form_id, number) if width == 800 else client.get(f"/forms/{form_id}/page/{number}?w={width}")
    client.get(f"/forms/{form_id}")
    assert office.conversions - before <= 1  # one LibreOffice run for every page, width and format
    images.page_bytes.cache_clear()  # a cache miss of the rendered page does not convert again
    image(client, form_id, 2)
    assert office.conversions - before <= 1
