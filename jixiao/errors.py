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

    @property
    def error_type(self) -> str:
        """The name of what went wrong underneath: the library's exception this one translates
        (``PSEOF``, ``DecompressionBombError``), else this class's own name."""
        cause = self.__cause__
        return type(cause).__name__ if cause is not None else type(self).__name__


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


class OutOfTime(InputError):
    """Reading the file ran past its time limit (seconds per page)."""

    kind = "timeout"


class Skipped(InputError):
    """Not read on purpose: a second zip member of the same name, a zip nested too deep."""

    kind = "skipped"


class ReaderDied(InputError):
    """The process reading the file died (killed, out of memory, a crash in a C library)."""

    kind = "crashed"


class InternalError(InputError):
    """A bug in jixiao met while reading the file: reported as such, traceback in the log."""

    kind = "internal"

    def __init__(self, file: str | Path, reason: str, error_type: str) -> None:
        self._error_type = error_type
        super().__init__(file, reason)

    @property
    def error_type(self) -> str:
        return self._error_type


def input_error(kind: str, file: str | Path, reason: str, error_type: str | None = None) -> InputError:
    """The InputError of ``kind`` (what a worker process sent back as data), else a plain one."""
    if kind == InternalError.kind:
        return InternalError(file, reason, error_type or "InternalError")
    classes = [InputError, UnsupportedFile, CorruptFile, EncryptedFile, EmptyFile, TooLarge, NoFormFound,
               OutOfTime, Skipped, ReaderDied]
    cls = next((c for c in classes if c.kind == kind), InputError)
    return cls(file, reason)


class RulesError(JixiaoError):
    """A rule-set file that does not parse or names a setting that does not exist."""


class OcrUnavailable(JixiaoError):
    """An OCR engine that is not installed or whose model files are missing."""


class OcrFailed(JixiaoError):
    """An installed OCR engine that failed on an input (an onnxruntime or tesseract error)."""
