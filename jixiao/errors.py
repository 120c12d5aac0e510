"""jixiao's own exceptions. Third-party errors (pdfminer, pypdfium2, cv2, tesseract, duckdb) are
translated into these at the boundary where they occur, so callers handle one family and the CLI
can print one line: the file and the reason."""

from __future__ import annotations

from pathlib import Path


class JixiaoError(Exception):
    """Base of every error jixiao raises on purpose."""


class InputError(JixiaoError):
    """A file that cannot be read as a form. ``reason`` is one short sentence for the auditor."""

    kind = "unreadable"

    def __init__(self, file: str | Path, reason: str) -> None:
        self.file = str(file)
        self.reason = reason
        super().__init__(f"{self.file}: {reason}")


class UnsupportedFile(InputError):
    kind = "unsupported"


class CorruptFile(InputError):
    kind = "corrupt"


class EncryptedFile(InputError):
    kind = "encrypted"


class EmptyFile(InputError):
    kind = "empty"


class TooLarge(InputError):
    kind = "too_large"


class NoFormFound(InputError):
    kind = "no_form"


class RulesError(JixiaoError):
    """A rule-set file that does not parse or names a setting that does not exist."""


class OcrUnavailable(JixiaoError):
    """An OCR engine that is not installed or whose model files are missing."""


class OcrFailed(JixiaoError):
    """An installed OCR engine that failed on an input (an onnxruntime or tesseract error)."""
