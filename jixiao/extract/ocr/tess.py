"""Tesseract two ways: the CLI through pytesseract for whole pages, tesserocr for crops.

- ``read_page``: ``tesseract`` (Debian's 5.3) with ``chi_sim`` on the page in grey with its
  ruling lines erased (they read as 一, 丨, l and swallow the cells' text otherwise), TSV out.
  One process per page. ``OMP_THREAD_LIMIT=1``: Debian's build is OpenMP and on two cores its
  threads fight each other (12 s a page against 3 s, same output).
- ``read_lines``: tesserocr's in-process API, one instance per language kept for the life of
  the engine (a process per cell costs ~0.15 s each). Numeric crops go to ``eng`` with a digit
  whitelist in single-line mode: ``chi_sim`` reads lone digits as 和, 区, 人 and returns nothing
  at all with a whitelist. The API keeps its page-segmentation mode and variables between
  calls, so both are set on every call.

Neither ``eng`` nor ``chi_sim`` has ≥ or ≤ in its character set (checked in their
``lstm-unicharset``): comparator cells must be read by another engine or from context.
"""

from __future__ import annotations

import os
import shlex
import threading
import unicodedata
from collections.abc import Sequence
from itertools import groupby, pairwise
from pathlib import Path
from typing import Any, ClassVar, Literal, TypedDict

import cv2
import numpy as np
from PIL import Image as PILImage
from pydantic import BaseModel, ConfigDict, Field

from jixiao.errors import OcrFailed, OcrUnavailable
from jixiao.extract.ocr.base import (
    Image,
    LineKind,
    OcrBox,
    clean_line,
    register_engine,
    summary,
)
from jixiao.extract.ocr.prep import (
    erase_lines,
    line_mask,
    text_height,
)
from jixiao.extract.pixels import paper_noise, stretch, tighten, u8
from jixiao.extract.pixels import to_grey as to_gray

DEBIAN_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
APT = "apt-get install tesseract-ocr tesseract-ocr-chi-sim"

# pytesseract's image_to_data(output_type=DICT): column name -> one value per row
TessData = dict[str, list[Any]]


class TessLineRaw(TypedDict):
    """tesserocr's answer for one crop: its text and mean word confidence (0..100)."""

    text: str
    conf: float


class TesseractOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tessdata: Path = DEBIAN_TESSDATA
    # whole page
    page_lang: str = "chi_sim"
    # 4 (one column of lines of varying size). Cells of the Qiannan pages read exactly (of 190;
    # clean 200 / 300 dpi, scan 200 / 300): psm 4 150 147 117 135, 3 (automatic) 158 133 122
    # 132 but it drops whole columns of a small table as non-text, 6 143 141 118 133, 11
    # (sparse) 144 124 128 144 with the fewest numbers right
    page_psm: int = Field(default=4, ge=0, le=13)
    page_timeout: float = Field(default=120.0, gt=0)
    erase_lines: bool = True
    # a page whose characters are lower than this (pixels, measured on the page) is enlarged by
    # ``page_upscale`` first: helps at 200 dpi (~23 px characters); at 300 dpi (~34 px)
    # enlarging lost cells and cost time
    page_upscale: float = Field(default=1.5, ge=1.0)
    page_upscale_below_px: float = Field(default=28.0, ge=0)
    # a page noisier than this (σ in grey levels, measured on the paper) gets a 3 × 3 median
    # first: on a σ 14 + JPEG scan at 200 dpi cells read exactly went from 87 to 114 of 190,
    # while on a clean render the median cost 24 of 146
    denoise_above: float = Field(default=5.0, ge=0)
    # "line": one box per stretch of a tesseract line (split at wide gaps, which after the
    # rules are erased are the gaps between cells); "word": one box per word (per character
    # for Chinese), leaving all joining to jixiao.extract.assign
    group: Literal["line", "word"] = "line"
    # both in line heights: a gap this wide splits a line into two boxes, or is a space
    split_gap: float = Field(default=1.0, gt=0)
    space_gap: float = Field(default=0.3, ge=0)
    # marks-only words (“ ” 。 ,) under this confidence (0..100) are dropped as invented: +2 to
    # +4 cells read exactly on each Qiannan page set (clean/scan, 200/300 dpi)
    min_mark_conf: float = Field(default=50.0, ge=0, le=100)
    omp_thread_limit: int = Field(default=1, ge=1)
    # crops
    text_lang: str = "chi_sim"
    numeric_lang: str = "eng"
    numeric_whitelist: str = "0123456789.%-,"
    line_psm: int = Field(default=7, ge=0, le=13)
    # cut each crop to its ink, then scale it so the ink is this many pixels high (and stretch
    # its contrast). Measured on the Qiannan cells, clean and scanned at 200 and 300 dpi, and on
    # rendered 738.26 / 2.5 / 99.65 / 100% at 150–300 dpi: numbers read 76/77 clean at 20–36 px
    # and best on the scan at 32 (74 and 76/77); one-line text cells 49/51 clean at 24–28 px,
    # 42–44/51 on the 200 dpi scan. A fixed ×1.5 below 40 px (the old recipe) made lone digits
    # vanish ("4" → "") once crops were cut to the ink, and 40+ px read "2.5" as "2.9"
    trim: bool = True
    numeric_height_px: int = Field(default=32, ge=8)
    text_height_px: int = Field(default=28, ge=8)
    # white margin round each crop, in ink heights: tesseract finds no baseline flush to the ink
    line_pad: float = Field(default=0.3, ge=0.0)


# ---------------------------------------------------------------- conversion (pure)


def _is_marks(text: str) -> bool:
    """Only punctuation and symbols: “ ” 。 , — %."""
    return all(unicodedata.category(ch)[0] in "PS" for ch in text)


def _words(
    raw: TessData, scale: float, min_mark_conf: float
) -> list[tuple[tuple[int, int, int, int], OcrBox]]:
    """Word rows (level 5, with text and a confidence) as (line key, box in original pixels).

    A word of marks alone below ``min_mark_conf`` (0..100) is dropped: chi_sim invents “ ” 。 ,
    in the white gaps where rules were erased, always with low confidence."""
    words = []
    for i, level in enumerate(raw["level"]):
        text = str(raw["text"][i]).strip()
        conf = float(raw["conf"][i])
        if int(level) != 5 or not text or conf < 0:
            continue
        if _is_marks(text) and conf < min_mark_conf:
            continue
        x, y = float(raw["left"][i]) / scale, float(raw["top"][i]) / scale
        w, h = float(raw["width"][i]) / scale, float(raw["height"][i]) / scale
        key = (
            int(raw["page_num"][i]),
            int(raw["block_num"][i]),
            int(raw["par_num"][i]),
            int(raw["line_num"][i]),
        )
        words.append((key, OcrBox(x, y, x + w, y + h, text, min(conf / 100.0, 1.0))))
    return words


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _stretches(words: list[OcrBox], split_gap: float) -> list[list[OcrBox]]:
    """A tesseract line cut where the gap is ``split_gap`` line heights or more: with the rules
    erased, one tesseract line often runs across several cells of a table row."""
    words = sorted(words, key=lambda b: b.x0)
    height = float(np.median([b.y1 - b.y0 for b in words]))
    parts: list[list[OcrBox]] = [[words[0]]]
    for left, right in pairwise(words):
        if right.x0 - left.x1 >= split_gap * height:
            parts.append([])
        parts[-1].append(right)
    return parts


def _join(words: list[OcrBox], space_gap: float) -> str:
    """Words of one stretch as text: nothing between two CJK characters (tesseract gives one
    word per character), otherwise a space only where the gap is wide enough to be one."""
    height = float(np.median([b.y1 - b.y0 for b in words]))
    out = words[0].text
    for left, right in pairwise(words):
        both_wide = _wide(left.text[-1]) and _wide(right.text[0])
        gap = right.x0 - left.x1
        out += " " if not both_wide and gap >= space_gap * height else ""
        out += right.text
    return out


def _merge(words: list[OcrBox], space_gap: float) -> OcrBox:
    return OcrBox(
        x0=min(b.x0 for b in words),
        y0=min(b.y0 for b in words),
        x1=max(b.x1 for b in words),
        y1=max(b.y1 for b in words),
        text=_join(words, space_gap),
        confidence=min(b.confidence for b in words),
    )


def convert_tess_data(
    raw: TessData,
    scale: float = 1.0,
    group: Literal["line", "word"] = "line",
    split_gap: float = 1.0,
    space_gap: float = 0.3,
    min_mark_conf: float = 50.0,
) -> list[OcrBox]:
    """pytesseract's ``image_to_data`` dict to boxes in the original image's pixels.

    ``scale`` is how much the image was enlarged before tesseract saw it. A box's confidence is
    its weakest word's: one doubtful character makes the whole value doubtful.
    """
    words = _words(raw, scale, min_mark_conf)
    if group == "word":
        return [box for _, box in words]
    boxes: list[OcrBox] = []
    for _, line in groupby(words, key=lambda kw: kw[0]):
        for part in _stretches([box for _, box in line], split_gap):
            boxes.append(_merge(part, space_gap))
    return boxes


def convert_tess_lines(raw: Sequence[TessLineRaw], kind: LineKind) -> list[tuple[str, float]]:
    out = []
    for line in raw:
        text = clean_line(line["text"], kind)
        out.append((text, min(max(float(line["conf"]) / 100.0, 0.0), 1.0) if text else 0.0))
    return out


# ---------------------------------------------------------------- the engine


def _check_tessdata(folder: Path, langs: set[str]) -> None:
    for lang in sorted(langs):
        for part in lang.split("+"):
            if not (folder / f"{part}.traineddata").is_file():
                package = f"tesseract-ocr-{part.replace('_', '-')}"
                raise OcrUnavailable(
                    f"tesseract language data {part}.traineddata is not in {folder}: "
                    f"apt-get install {package}"
                )


def _check_cli() -> None:
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
    except ImportError as exc:
        raise OcrUnavailable("pytesseract is not installed: pip install pytesseract") from exc
    except (OSError, RuntimeError) as exc:  # TesseractNotFoundError is an EnvironmentError
        raise OcrUnavailable(f"the tesseract program is not installed: {APT}") from exc


def _new_api(folder: Path, lang: str) -> Any:
    try:
        import tesserocr
    except ImportError as exc:
        raise OcrUnavailable("tesserocr is not installed: pip install tesserocr") from exc
    try:
        # the wheel bundles its own libtesseract, whose compiled-in tessdata path is not
        # Debian's: always pass it
        return tesserocr.PyTessBaseAPI(path=f"{folder}{os.sep}", lang=lang)
    except RuntimeError as exc:
        raise OcrUnavailable(
            f"tesserocr cannot load {lang} from {folder} ({summary(exc)}): {APT}"
        ) from exc


def _prepare_crop(crop: Image, height: int, options: TesseractOptions, trim: bool | None = None) -> PILImage.Image:
    cut = options.trim if trim is None else trim
    gray = to_gray(tighten(crop) if cut else crop)
    # a crop cut to its ink, here or by the caller, is scaled so that its ink is ``height`` high
    if (cut or trim is False) and gray.shape[0] > 0:
        f = height / gray.shape[0]
        # cubic to enlarge, area to shrink (no aliasing of thin strokes)
        interpolation = cv2.INTER_CUBIC if f > 1 else cv2.INTER_AREA
        gray = u8(cv2.resize(gray, None, fx=f, fy=f, interpolation=interpolation))
    gray = stretch(gray)
    pad = max(2, round(gray.shape[0] * options.line_pad))
    gray = u8(cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255))
    return PILImage.fromarray(gray)


@register_engine
class TesseractEngine:
    """Tesseract: CLI per page, tesserocr per crop; one instance per process (``get_engine``)."""

    name: ClassVar[str] = "tesseract"
    Options: ClassVar[type[TesseractOptions]] = TesseractOptions

    def __init__(self, options: TesseractOptions | None = None) -> None:
        self.options = options or TesseractOptions()
        o = self.options
        _check_tessdata(o.tessdata, {o.page_lang, o.text_lang, o.numeric_lang})
        _check_cli()
        # pytesseract hands os.environ to its subprocess and takes no env argument; an explicit
        # setting by the user wins. The in-process tesserocr library is built without OpenMP.
        os.environ.setdefault("OMP_THREAD_LIMIT", str(o.omp_thread_limit))
        self._apis: dict[str, Any] = {}
        self._lock = threading.Lock()  # a TessBaseAPI is not thread-safe

    # ------------------------------------------------------------ whole page

    def read_page(self, image: Image, line_mask: Image | None = None) -> list[OcrBox]:
        o = self.options
        raw, scale = self.page_raw(image, line_mask)
        return convert_tess_data(raw, scale, o.group, o.split_gap, o.space_gap, o.min_mark_conf)

    def page_raw(self, image: Image, mask: Image | None = None) -> tuple[TessData, float]:
        """tesseract's TSV as a dict, and by how much the page was enlarged before it."""
        gray = to_gray(image)
        if self.options.erase_lines:
            gray = erase_lines(gray, line_mask(gray) if mask is None else mask)
        if paper_noise(gray) > self.options.denoise_above:
            gray = u8(cv2.medianBlur(gray, 3))
        scale = self._page_scale(gray)
        if scale != 1.0:
            gray = u8(cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC))
        return self._image_to_data(gray), scale

    def _page_scale(self, gray: Image) -> float:
        o = self.options
        small = 0 < text_height(gray) < o.page_upscale_below_px
        return o.page_upscale if small else 1.0

    def _image_to_data(self, gray: Image) -> TessData:
        import pytesseract

        o = self.options
        config = f"--psm {o.page_psm} --tessdata-dir {shlex.quote(str(o.tessdata))}"
        try:
            data: TessData = pytesseract.image_to_data(
                PILImage.fromarray(gray),
                lang=o.page_lang,
                config=config,
                output_type=pytesseract.Output.DICT,
                timeout=o.page_timeout,
            )
        except pytesseract.TesseractNotFoundError as exc:
            raise OcrUnavailable(f"the tesseract program is not installed: {APT}") from exc
        except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
            # RuntimeError: pytesseract's timeout
            raise OcrFailed(f"tesseract failed on the page: {summary(exc)}") from exc
        return data

    # ------------------------------------------------------------ crops

    def read_lines(self, crops: Sequence[Image], kind: LineKind, trim: bool | None = None) -> list[tuple[str, float]]:
        return convert_tess_lines(self.lines_raw(crops, kind, trim), kind)

    def lines_raw(self, crops: Sequence[Image], kind: LineKind, trim: bool | None = None) -> list[TessLineRaw]:
        o = self.options
        lang = o.numeric_lang if kind == "numeric" else o.text_lang
        whitelist = o.numeric_whitelist if kind == "numeric" else ""
        height = o.numeric_height_px if kind == "numeric" else o.text_height_px
        with self._lock:
            api = self._api(lang)
            return [self._read_one(api, crop, whitelist, height, trim) for crop in crops]

    def _api(self, lang: str) -> Any:
        if lang not in self._apis:
            self._apis[lang] = _new_api(self.options.tessdata, lang)
        return self._apis[lang]

    def _read_one(self, api: Any, crop: Image, whitelist: str, height: int, trim: bool | None = None) -> TessLineRaw:
        if crop.size == 0:
            return TessLineRaw(text="", conf=0.0)
        api.SetPageSegMode(self.options.line_psm)
        # "" clears a whitelist left by an earlier call
        api.SetVariable("tessedit_char_whitelist", whitelist)
        try:
            api.SetImage(_prepare_crop(crop, height, self.options, trim))
            text = api.GetUTF8Text()
            conf = float(api.MeanTextConf())
        except RuntimeError as exc:
            raise OcrFailed(f"tesserocr failed on a crop: {summary(exc)}") from exc
        return TessLineRaw(text=text, conf=conf)

    def close(self) -> None:
        with self._lock:
            for api in self._apis.values():
                api.End()
            self._apis.clear()
