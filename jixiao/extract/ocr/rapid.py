"""RapidOCR 3.x (PP-OCRv6 small, onnxruntime), strictly offline.

rapidocr 3.x resolves each model through ``default_models.yaml`` and, when a session is built
without an explicit ``model_path``, checks the file's SHA-256 and downloads it if missing or
different (``inference_engine/onnxruntime/main.py``). Passing ``Det/Rec/Cls.model_path`` to the
files its wheel ships skips that branch entirely: nothing is hashed, nothing is fetched. The
rec model carries its character list in the onnx metadata, so no dictionary is fetched either.
If a file is missing we raise ``OcrUnavailable`` instead of letting rapidocr go online.

Measured on the 2-core machine (see the report with this module): the 0°/180° text-line
classifier flipped ``(A)`` into ``(V)`` and ``93%`` into ``%86`` on an upright page, so it is
off by default; pages are never upside down after deskew.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, TypedDict

import cv2
from pydantic import BaseModel, ConfigDict, Field

from jixiao.errors import OcrFailed, OcrUnavailable
from jixiao.extract.ocr.base import (
    Image,
    LineKind,
    OcrBox,
    Point,
    clean_line,
    register_engine,
    summary,
)
from jixiao.extract.pixels import pad_white, tighten, to_bgr

# the three models rapidocr 3.10.0's wheel ships in rapidocr/models/
DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
INSTALL = "pip install rapidocr==3.10.0 onnxruntime"


class RapidOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # folder holding the three .onnx files; None: the models folder inside the installed wheel
    model_dir: Path | None = None
    # the 0/180 degree classifier: off, it turned "(A)" into "(V)" on upright pages
    use_cls: bool = False
    # rapidocr shrinks a page whose longer side exceeds this before detection and recognition.
    # 2000 (its default) measured best: 4000 read no better with PP-OCRv6 and cost more at 300 dpi
    max_side_len: int = Field(default=2000, ge=256)
    # rapidocr drops lines scored below this (its default). Every line of the Qiannan page,
    # clean or scanned, scored 0.89 or more, so nothing real hangs on it; boxes carry their
    # score as confidence for the auditor
    text_score: float = Field(default=0.5, ge=0.0, le=1.0)
    # the detector works at the image's own size up to this longer side (rapidocr's default
    # enlarges anything whose shorter side is under 736 px to 736: a cell region given to the
    # detector would cost as much as a page). A page is already within it (``max_side_len``)
    det_max_side: int = Field(default=2000, ge=256)
    # onnxruntime threads: the machines are 2-core; inter-op parallelism buys nothing for these
    # sequential graphs
    intra_op_threads: int = Field(default=2, ge=1)
    inter_op_threads: int = Field(default=1, ge=1)
    # crops per recognition batch. rapidocr sorts crops by width and pads each batch to its
    # widest (grey padding, which the model reads too), and PP-OCRv6's recogniser, on one
    # onnxruntime thread, ran no faster per pixel in batches even of crops of one width.
    # Measured on 978 cell crops of six degraded fixture scans (issue 14): one at a time 10.2-11.9
    # s CPU, batches of 6 12.9-14.1 s, 12 20.3 s, 24 35.7 s; crops bucketed by width (8-32 px)
    # 13.0-17.9 s. The reads differed on 11 crops (punctuation, specks; one 472.22 read 472,22
    # at 0.96, which the second read then checks)
    rec_batch: int = Field(default=1, ge=1)
    # rapidocr pads every line to at least 48 × 320 px before recognition (PaddleOCR's shape);
    # short lines (numbers, 分值) then cost as much as a long sentence. 96 read the Qiannan page
    # (clean and scanned, 200/300 dpi) and 100 numeric crops identically and cut recognition
    # time 2–4× (100 crops: 2.1 s → 0.4 s)
    rec_min_width: int = Field(default=96, ge=32)
    # cut each read_lines crop to its ink first (cell crops work as well as tight ones)
    trim: bool = True
    # white margin added round read_lines crops, in crop heights, left and right (``line_pad``)
    # and above and below (``line_pad_y``): the recogniser was trained on detector boxes, which
    # keep a margin round the ink, and it scales every crop to 48 px high, so the margin also
    # sets how wide (how costly: recognition time is linear in the scaled width, ~13.5 ms per
    # 100 px on one thread) a line is. Measured on 442 cell crops cut to their lines' ink from
    # three degraded fixture scans: 0.15 / 0.3 read 438 exactly (CER 6/2785), 0.1 / 0.2 439
    # (3/2785), 0.15 / 0.4 436 (8/2785) in 6 % less time; cut by the engine's own threshold
    # instead, 434 (8/2785)
    line_pad: float = Field(default=0.1, ge=0.0, le=1.0)
    line_pad_y: float | None = Field(default=0.2, ge=0.0, le=1.0)


class RapidRaw(TypedDict):
    """rapidocr's page output as plain lists: 4-point boxes in pixels, texts, scores."""

    boxes: list[list[list[float]]]
    txts: list[str]
    scores: list[float]


class RapidLinesRaw(TypedDict):
    """rapidocr's recognition-only output as plain lists, one entry per crop."""

    txts: list[str]
    scores: list[float]


# ---------------------------------------------------------------- conversion (pure)


def convert_rapid(raw: RapidRaw) -> list[OcrBox]:
    """Page output to boxes: bounding box of each quadrilateral, empty texts dropped."""
    boxes: list[OcrBox] = []
    for quad, text, score in zip(raw["boxes"], raw["txts"], raw["scores"], strict=True):
        text = re.sub(r"\s+", " ", text).strip()
        if not text:
            continue
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        boxes.append(OcrBox(min(xs), min(ys), max(xs), max(ys), text, _unit(score), _polygon(quad)))
    return boxes


def _polygon(quad: list[list[float]]) -> tuple[Point, Point, Point, Point] | None:
    if len(quad) != 4:
        return None
    a, b, c, d = ((float(p[0]), float(p[1])) for p in quad)
    return a, b, c, d


def convert_rapid_lines(raw: RapidLinesRaw, kind: LineKind) -> list[tuple[str, float]]:
    """(text, confidence) per crop; an empty read has confidence 0."""
    out = []
    for text, score in zip(raw["txts"], raw["scores"], strict=True):
        text = clean_line(text, kind)
        out.append((text, _unit(score) if text else 0.0))
    return out


def raw_from_output(output: Any) -> RapidRaw:
    """rapidocr's ``RapidOCROutput`` (numpy boxes, tuples) as JSON-able lists."""
    if getattr(output, "boxes", None) is None or getattr(output, "txts", None) is None:
        return RapidRaw(boxes=[], txts=[], scores=[])
    return RapidRaw(
        boxes=[[[float(v) for v in p] for p in quad] for quad in output.boxes.tolist()],
        txts=[str(t) for t in output.txts],
        scores=[float(s) for s in output.scores],
    )


def _unit(score: float) -> float:
    return min(max(float(score), 0.0), 1.0)


# ---------------------------------------------------------------- the engine


def wheel_model_dir() -> Path:
    try:
        import rapidocr
    except ImportError as exc:
        raise OcrUnavailable(f"rapidocr is not installed: {INSTALL}") from exc
    return Path(rapidocr.__file__).resolve().parent / "models"


def _model_paths(options: RapidOptions) -> dict[str, Path]:
    folder = options.model_dir or wheel_model_dir()
    paths = {"Det": folder / DET_MODEL, "Rec": folder / REC_MODEL}
    if options.use_cls:
        paths["Cls"] = folder / CLS_MODEL
    for path in paths.values():
        if not path.is_file():
            raise OcrUnavailable(
                f"RapidOCR model {path.name} is missing from {folder}: reinstall rapidocr==3.10.0"
                " (its wheel ships it); jixiao never downloads models"
            )
    return paths


def _params(options: RapidOptions, paths: dict[str, Path]) -> dict[str, Any]:
    params: dict[str, Any] = {
        "Global.log_level": "warning",
        "Global.use_cls": options.use_cls,
        "Global.max_side_len": options.max_side_len,
        "Global.text_score": options.text_score,
        "Det.limit_type": "max",
        "Det.limit_side_len": options.det_max_side,
        "Rec.rec_batch_num": options.rec_batch,
        "Rec.rec_img_shape": [3, 48, options.rec_min_width],
        "EngineConfig.onnxruntime.intra_op_num_threads": options.intra_op_threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": options.inter_op_threads,
    }
    params.update({f"{task}.model_path": str(path) for task, path in paths.items()})
    return params


def _load(options: RapidOptions) -> Any:
    """A RapidOCR with its sessions built now, so that a broken install fails here."""
    try:
        import onnxruntime  # noqa: F401  (rapidocr 3.x does not depend on it)
    except ImportError as exc:
        raise OcrUnavailable(f"onnxruntime is not installed: {INSTALL}") from exc
    paths = _model_paths(options)
    try:
        from rapidocr import RapidOCR

        engine = RapidOCR(params=_params(options, paths))
        # rapidocr builds sessions on first use; build them now (private but pinned: 3.10.0)
        engine._load_det_model()
        engine._load_rec_model()
        if options.use_cls:
            engine._load_cls_model()
    except OcrUnavailable:
        raise
    except Exception as exc:  # onnxruntime's load errors derive from Exception only
        raise OcrUnavailable(
            f"RapidOCR models in {paths['Det'].parent} cannot be loaded ({summary(exc)}): "
            "reinstall rapidocr==3.10.0 and onnxruntime"
        ) from exc
    return engine


def _pad(crop: Image, share: float, share_y: float | None = None) -> Image:
    """A white margin of ``share`` crop heights left and right, ``share_y`` above and below."""
    share_y = share if share_y is None else share_y
    if share <= 0 and share_y <= 0:
        return crop
    m, my = max(2, round(crop.shape[0] * share)), max(2, round(crop.shape[0] * share_y))
    return pad_white(crop, my, my, m, m)


@register_engine
class RapidOcrEngine:
    """PP-OCRv6 small through rapidocr 3.10; one instance per process (``get_engine``)."""

    name: ClassVar[str] = "rapidocr"
    Options: ClassVar[type[RapidOptions]] = RapidOptions

    def __init__(self, options: RapidOptions | None = None) -> None:
        self.options = options or RapidOptions()
        self._ocr = _load(self.options)
        # rapidocr's __call__ stores use_det/use_cls/use_rec on the instance (they stick to
        # later calls), so every call passes all three, and calls are serialised
        self._lock = threading.Lock()

    def read_page(self, image: Image, line_mask: Image | None = None) -> list[OcrBox]:
        """Detection + recognition over the page. ``line_mask`` is ignored: PP-OCRv6 reads
        text between ruling lines as it is."""
        return convert_rapid(self.page_raw(image))

    def read_lines(self, crops: Sequence[Image], kind: LineKind, trim: bool | None = None) -> list[tuple[str, float]]:
        """Recognition only, batched; ``kind`` only changes clean-up (numeric: no spaces)."""
        return convert_rapid_lines(self.lines_raw(crops, trim), kind)

    def page_raw(self, image: Image) -> RapidRaw:
        bgr = to_bgr(image)
        with self._lock:
            output = self._run(
                lambda: self._ocr(bgr, use_det=True, use_cls=self.options.use_cls, use_rec=True)
            )
        return raw_from_output(output)

    def lines_raw(self, crops: Sequence[Image], trim: bool | None = None) -> RapidLinesRaw:
        """``RapidOCR.recognize_txt`` takes a list and batches it (``rec_batch`` at a time);
        a ``use_det=False`` call would take one image per call."""
        o = self.options
        cut = o.trim if trim is None else trim
        ready = [to_bgr(_pad(tighten(c) if cut else c, o.line_pad, o.line_pad_y)) for c in crops if c.size]
        if not ready:
            return RapidLinesRaw(txts=[""] * len(crops), scores=[0.0] * len(crops))
        with self._lock:
            out = self._run(lambda: self._ocr.recognize_txt(ready))
        txts, scores = iter(out.txts), iter(out.scores)
        pairs = [(next(txts), float(next(scores))) if c.size else ("", 0.0) for c in crops]
        return RapidLinesRaw(txts=[t for t, _ in pairs], scores=[s for _, s in pairs])

    @staticmethod
    def _run(call: Any) -> Any:
        try:
            return call()
        except (cv2.error, ValueError, RuntimeError) as exc:
            raise OcrFailed(f"RapidOCR failed: {summary(exc)}") from exc
        except Exception as exc:
            # rapidocr's own ONNXRuntimeError / ResizeImgError / LoadImageError derive from
            # Exception; anything else is a bug of ours and propagates
            if type(exc).__module__.startswith("rapidocr"):
                raise OcrFailed(f"RapidOCR failed: {summary(exc)}") from exc
            raise
