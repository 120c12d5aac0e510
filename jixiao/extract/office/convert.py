"""Old and other office formats to their modern twin with LibreOffice headless.

``.doc``, ``.wps`` and ``.rtf`` become ``.docx``, ``.ods`` becomes ``.xlsx``, ``.odt`` becomes
``.docx``; the modern readers then read them. LibreOffice runs as ``soffice --headless
--convert-to`` with jixiao's own profile directory (``-env:UserInstallation``), so a desktop
LibreOffice the user has open neither takes the job nor is touched; one conversion at a time
(a lock across threads and processes: two instances on one profile corrupt it); and a timeout,
past which the whole process group (soffice, oosplash, soffice.bin) is killed and the profile,
which a killed instance may leave locked, is thrown away.

The input is copied to a temporary folder under a plain name first: LibreOffice names its output
after the input, and a file name with odd characters or a second file of the same stem would
otherwise get in the way.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jixiao.errors import CorruptFile, InputError, UnsupportedFile
from jixiao.extract.office.options import ConvertOptions

# --convert-to arguments: the export filter names are LibreOffice's own
FILTERS = {
    "docx": "docx:MS Word 2007 XML",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "pdf": "pdf",
}
_thread_lock = threading.Lock()


class ConversionTimeout(InputError):
    kind = "timeout"


def soffice_path(options: ConvertOptions) -> str | None:
    if options.soffice:
        return options.soffice if Path(options.soffice).exists() or shutil.which(options.soffice) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def profile_dir(options: ConvertOptions) -> Path:
    return options.profile or Path(tempfile.gettempdir()) / f"jixiao-libreoffice-{os.getuid()}"


@contextmanager
def _one_at_a_time(profile: Path) -> Iterator[None]:
    profile.parent.mkdir(parents=True, exist_ok=True)
    with _thread_lock, open(profile.parent / f"{profile.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@contextmanager
def converted(path: Path, target: str, options: ConvertOptions, source_suffix: str | None = None) -> Iterator[Path]:
    """The file converted to ``target`` (docx, xlsx, pdf), in a temporary folder that is removed
    when the block ends. Raises UnsupportedFile without LibreOffice, ConversionTimeout when it
    runs past the timeout, CorruptFile when it cannot convert the file."""
    exe = soffice_path(options)
    suffix = (source_suffix or path.suffix or ".bin").lower()
    if exe is None:
        raise UnsupportedFile(path, f"a {suffix} file: reading it needs LibreOffice, which is not installed "
                                    "(scripts/system-deps.sh installs it)")
    with tempfile.TemporaryDirectory(prefix="jixiao-convert-") as tmp:
        source = Path(tmp) / f"input{suffix}"
        shutil.copyfile(path, source)
        out = Path(tmp) / "out"
        _run(exe, source, target, out, options, path)
        made = out / f"input.{target}"
        if not made.is_file() or made.stat().st_size == 0:
            raise CorruptFile(path, f"damaged or not a document LibreOffice can read: it could not convert it to .{target}")
        yield made


def _run(exe: str, source: Path, target: str, out: Path, options: ConvertOptions, shown: Path) -> None:
    profile = profile_dir(options)
    cmd = [exe, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--invisible",
           "--nologo", "--nodefault", "--norestore", "--nolockcheck",
           "--convert-to", FILTERS.get(target, target), "--outdir", str(out), str(source)]
    with _one_at_a_time(profile):
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            proc.communicate(timeout=options.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            shutil.rmtree(profile, ignore_errors=True)  # a killed instance may leave it locked
            raise ConversionTimeout(
                shown, f"LibreOffice did not finish converting it within {options.timeout:g} s and was stopped"
            ) from None
        finally:
            _kill_group(proc)  # nothing it started outlives the conversion
