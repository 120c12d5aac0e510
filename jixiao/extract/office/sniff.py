"""Which office format a file is, from its bytes: the extension is not trusted.

- A zip holding ``[Content_Types].xml`` is Office Open XML: ``xl/`` parts make it a workbook
  (.xlsx, .xlsm), ``word/`` parts a Word document (.docx, .docm).
- A zip whose ``mimetype`` member names an OpenDocument type is .ods or .odt.
- An OLE compound file (the old binary formats) is told by its streams: ``WordDocument`` for Word
  and WPS 文字 (.doc, .wps), ``Workbook`` or ``Book`` for Excel and WPS 表格 (.xls, .et);
  ``EncryptionInfo`` + ``EncryptedPackage`` is an .xlsx or .docx saved with a password.
- ``{\\rtf`` is a rich-text document (Word saves those as .doc too).

Encryption is found here, before any reader runs, so that a password-protected file gets one
line saying so instead of a parser's complaint.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from typing import Literal

from xlrd.compdoc import CompDoc, CompDocError

from jixiao.errors import CorruptFile, EncryptedFile, TooLarge

OfficeKind = Literal["xlsx", "xls", "docx", "doc", "ods", "odt", "rtf"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ODF_TYPES: dict[str, OfficeKind] = {
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.text-template": "odt",
}
# an OLE file is read whole to list its streams; past this it is not a form
MAX_OLE_BYTES = 256 * 1024 * 1024
_F_ENCRYPTED = 0x0100  # FIB flag of a Word binary document saved with a password


def office_kind(path: Path, head: bytes) -> OfficeKind | None:
    """The office format of the file whose first bytes are ``head``, or None if it is none."""
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path)
    if head.startswith(b"{\\rtf"):
        return "rtf"
    return None


def _zip_kind(path: Path) -> OfficeKind | None:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "[Content_Types].xml" in names:
                if any(n.startswith("xl/") for n in names):
                    return "xlsx"
                if any(n.startswith("word/") for n in names):
                    return "docx"
                return None
            if "mimetype" in names:
                kind = _ODF_TYPES.get(zf.read("mimetype").decode("ascii", "replace").strip())
                if kind is not None and _odf_encrypted(zf):
                    raise EncryptedFile(path, "encrypted: the OpenDocument file needs a password to open")
                return kind
    except zipfile.BadZipFile as exc:
        raise CorruptFile(path, f"damaged zip archive (a cut-off .xlsx or .docx?): {exc}") from None
    except (OSError, KeyError, RuntimeError) as exc:  # RuntimeError: an encrypted zip member
        raise CorruptFile(path, f"damaged zip archive ({type(exc).__name__}: {exc})") from None
    return None


def _odf_encrypted(zf: zipfile.ZipFile) -> bool:
    try:
        return b"encryption-data" in zf.read("META-INF/manifest.xml")
    except KeyError:
        return False


def _ole_kind(path: Path) -> OfficeKind | None:
    size = path.stat().st_size
    if size > MAX_OLE_BYTES:
        raise TooLarge(path, f"{size / 2**20:.0f} MB old Office document, over {MAX_OLE_BYTES // 2**20} MB")
    data = path.read_bytes()
    try:
        doc = CompDoc(data, logfile=_Quiet())
    except (CompDocError, IndexError, ValueError, struct.error) as exc:
        raise CorruptFile(path, f"damaged old Office document (its directory cannot be read: {exc})") from None
    names = {d.name for d in doc.dirlist}
    if {"EncryptionInfo", "EncryptedPackage"} <= names:
        raise EncryptedFile(path, "encrypted: the Office file needs a password to open")
    if "WordDocument" in names:
        if _word_encrypted(doc):
            raise EncryptedFile(path, "encrypted: the Word document needs a password to open")
        return "doc"
    if "Workbook" in names or "Book" in names:
        return "xls"  # xlrd says so itself if it is encrypted (a FILEPASS record)
    return None


def _word_encrypted(doc: CompDoc) -> bool:
    try:
        stream = doc.get_named_stream("WordDocument")
    except (CompDocError, IndexError, ValueError):
        return False
    if not stream or len(stream) < 12:
        return False
    flags = struct.unpack_from("<H", stream, 10)[0]
    return bool(flags & _F_ENCRYPTED)


class _Quiet:
    """xlrd writes its warnings to a log file object: swallow them."""

    def write(self, _: str) -> int:
        return 0
