"""The zip an .xlsx, .docx, .ods or .odt is, checked from its directory before any parser (openpyxl,
python-docx, LibreOffice) inflates a byte of it.

A zip bomb is a small file whose members unpack to gigabytes. The central directory states each
member's packed and unpacked size, and Python's zipfile never inflates a member past its stated
size (a member that holds more fails its CRC), so the directory alone bounds what parsing can
cost: the whole, one member, and a member's packing ratio are checked against the limits in
``OfficeOptions``; the refusal names the file and the member.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from jixiao.errors import CorruptFile, EncryptedFile, TooLarge
from jixiao.extract.office.options import OfficeOptions


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


def check_zip(path: Path, options: OfficeOptions) -> None:
    """Refuse a zip whose members are encrypted or would unpack past the limits."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise CorruptFile(path, f"damaged zip archive: {exc}") from None
    except OSError as exc:
        raise CorruptFile(path, f"damaged zip archive ({type(exc).__name__}: {exc})") from None
    if any(i.flag_bits & 0x1 for i in members):
        raise EncryptedFile(path, "encrypted zip members: the file needs a password to open")
    for i in members:
        if i.file_size > options.max_member_bytes:
            raise TooLarge(path, f"its member {i.filename} unpacks to {_mb(i.file_size)}, over the limit of "
                                 f"{_mb(options.max_member_bytes)} for one member (max_member_bytes): not a form")
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > options.ratio_floor_bytes and ratio > options.max_zip_ratio:
            raise TooLarge(path, f"its member {i.filename} unpacks to {_mb(i.file_size)} from {_mb(i.compress_size)} "
                                 f"({ratio:.0f}:1, over {options.max_zip_ratio:g}:1, max_zip_ratio): a zip bomb, not a form")
    total = sum(i.file_size for i in members)
    if total > options.max_unzipped_bytes:
        biggest = max(members, key=lambda i: i.file_size)
        raise TooLarge(path, f"unpacks to {_mb(total)} (its largest member {biggest.filename}: "
                             f"{_mb(biggest.file_size)}), over the limit of {_mb(options.max_unzipped_bytes)} "
                             "(max_unzipped_bytes)")
