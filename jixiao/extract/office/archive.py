"""The zip an .xlsx, .docx, .ods or .odt is, checked from its directory before any parser (openpyxl,
python-docx, LibreOffice) inflates a byte of it.

A zip bomb is a small file whose members unpack to gigabytes. The central directory states each
member's packed and unpacked size, and Python's zipfile never inflates a member past its stated
size (a member that holds more fails its CRC), so the directory alone bounds what parsing can
cost: the whole, one member, and a member's packing ratio are checked against the limits in
``OfficeOptions``; the refusal names the file and the member. The member check is also the corpus's,
for each member of a zip archive it reads.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from jixiao.errors import CorruptFile, EncryptedFile, TooLarge
from jixiao.extract.office.options import OfficeOptions


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


def check_member(info: zipfile.ZipInfo, shown: str | Path, max_bytes: int, max_ratio: float, ratio_floor: int,
                 settings: tuple[str, str] = ("max_member_bytes", "max_zip_ratio")) -> None:
    """Refuse one member of a zip from its directory entry, before a byte of it is inflated: a
    password-protected one, one past ``max_bytes`` when inflated, or one of over ``ratio_floor``
    bytes that inflates more than ``max_ratio`` times (a bomb). ``settings`` names the two
    options (size, ratio) the caller's limits came from, so that the reason says which to raise.
    The office readers check every member of the file; the corpus checks each zip member it reads."""
    if info.flag_bits & 0x1:
        raise EncryptedFile(shown, f"a password-protected zip member ({info.filename}): not read without its "
                                   "password")
    if info.file_size > max_bytes:
        raise TooLarge(shown, f"its member {info.filename} unpacks to {_mb(info.file_size)} when inflated, over the "
                              f"limit of {_mb(max_bytes)} for one member ({settings[0]}): not a form")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > ratio_floor and ratio > max_ratio:
        raise TooLarge(shown, f"its member {info.filename} unpacks to {_mb(info.file_size)} when inflated from "
                              f"{_mb(info.compress_size)} ({ratio:.0f}:1, over {max_ratio:g}:1, {settings[1]}): "
                              "a zip bomb, not a form")


def check_zip(path: Path, options: OfficeOptions) -> None:
    """Refuse a zip whose members are encrypted or would unpack past the limits."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise CorruptFile(path, f"damaged zip archive: {exc}") from None
    except OSError as exc:
        raise CorruptFile(path, f"damaged zip archive ({type(exc).__name__}: {exc})") from None
    for i in members:
        check_member(i, path, options.max_member_bytes, options.max_zip_ratio, options.ratio_floor_bytes)
    total = sum(i.file_size for i in members)
    if total > options.max_unzipped_bytes:
        biggest = max(members, key=lambda i: i.file_size)
        raise TooLarge(path, f"unpacks to {_mb(total)} (its largest member {biggest.filename}: "
                             f"{_mb(biggest.file_size)}), over the limit of {_mb(options.max_unzipped_bytes)} "
                             "(max_unzipped_bytes)")
