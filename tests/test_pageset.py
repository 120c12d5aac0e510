"""Page images filed one per file are grouped into one document by name, and found again by it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from jixiao.corpus.work import discover, sha256_of
from jixiao.errors import UnsupportedFile
from jixiao.extract import read_document
from jixiao.extract.open import sha256_of as file_sha256
from jixiao.extract.pageset import group_pages, set_files
from jixiao.extract.raster import page_image


def test_runs_of_numbered_pages_are_grouped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    names = (
        "a/x-p2.png", "a/b.pdf", "a/x-p1.png", "a/form1.png", "a/form3.png", "a/scan_01.jpg",
        "a/scan_02.jpg", "a/r2023.png", "a/y(1).tif", "a/y(2).tif", "a/single-p1.png", "b/x-p3.png")
    for name in names:
        Path(name).parent.mkdir(exist_ok=True)
        Path(name).touch()
    paths = [Path(p) for p in names]
    assert [str(p) for p in group_pages(paths)] == [
        "a/x-p1.png+x-p2.png", "a/b.pdf", "a/form1.png", "a/form3.png", "a/scan_01.jpg+scan_02.jpg",
        "a/r2023.png", "a/y(1).tif+y(2).tif", "a/single-p1.png", "b/x-p3.png"]
    assert set_files(Path("a/x-p1.png+x-p2.png")) == [Path("a/x-p1.png"), Path("a/x-p2.png")]
    assert set_files(Path("a/b.pdf")) is None
    # a page that is missing is reported by itself; the page that is there is read alone
    assert [str(p) for p in group_pages([Path("a/x-p1.png"), Path("a/x-p2.png"), Path("a/x-p3.png")])] == [
        "a/x-p1.png+x-p2.png", "a/x-p3.png"]
    assert [str(p) for p in group_pages([Path("a/form1.png"), Path("a/form2.png")])] == ["a/form1.png", "a/form2.png"]


def _page(path: Path, value: int) -> None:
    Image.fromarray(np.full((40, 30, 3), value, np.uint8)).save(path, dpi=(200, 200))


def test_a_page_set_is_hashed_paged_and_discovered_as_one(tmp_path: Path) -> None:
    for n, value in ((1, 10), (2, 200)):
        _page(tmp_path / f"form-p{n}.png", value)
    (tmp_path / "notes.txt").write_text("not a form", encoding="utf-8")
    sources = discover([tmp_path])
    assert [Path(s.path).name for s in sources] == ["form-p1.png+form-p2.png", "notes.txt"]
    name = Path(sources[0].path)
    both = (tmp_path / "form-p1.png").read_bytes() + (tmp_path / "form-p2.png").read_bytes()
    assert file_sha256(name) == sha256_of(sources[0])[0] == hashlib.sha256(both).hexdigest()
    image, scale = page_image(name, 2)
    assert image.shape == (40, 30, 3) and int(image[0, 0, 0]) == 200 and scale == pytest.approx(200 / 72, rel=1e-4)  # PNG stores dots per metre


def test_a_non_image_in_a_page_set_is_named(tmp_path: Path) -> None:
    _page(tmp_path / "form-p1.png", 10)
    (tmp_path / "form-p2.png").write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(UnsupportedFile, match="form-p2.png"):
        read_document(tmp_path / "form-p1.png+form-p2.png")
