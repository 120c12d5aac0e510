"""Bugs in jixiao met while reading a file: the traceback goes to a log file, the user gets one
line that says it is ours ("internal error, please report") and where the traceback is.

The log is ``$JIXIAO_LOG`` if set, else ``$XDG_STATE_HOME/jixiao/errors.log`` (by default
``~/.local/state/jixiao/errors.log``); where neither can be written, the temp folder's
``jixiao-errors.log``. Worker processes append to the same file, each entry under a lock.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sys
import tempfile
import traceback
from pathlib import Path

from jixiao.errors import InternalError

MESSAGE_CHARS = 160  # of the exception's own message, in the one line


def log_path() -> Path:
    if os.environ.get("JIXIAO_LOG"):
        return Path(os.environ["JIXIAO_LOG"])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "jixiao" / "errors.log"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(text)
    return path


def write_entry(text: str) -> Path | None:
    """Append ``text`` to the log; the path written, or None where nothing could be."""
    for path in (log_path(), Path(tempfile.gettempdir()) / "jixiao-errors.log"):
        try:
            return _write(path, text)
        except OSError:
            continue
    return None


def internal_error(file: str | Path, exc: BaseException) -> InternalError:
    """The failure of ``file`` for an exception jixiao did not expect, its traceback logged."""
    name = type(exc).__name__
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    tb = "".join(traceback.format_exception(exc))
    entry = (f"--- {stamp} pid {os.getpid()} python {sys.version.split()[0]}\n"
             f"file: {file}\n{tb}\n")
    where = write_entry(entry)
    message = " ".join(str(exc).split())
    if len(message) > MESSAGE_CHARS:
        message = message[: MESSAGE_CHARS - 1] + "…"
    told = f"{name}: {message}" if message else name
    logged = f"traceback in {where}" if where else "no log could be written"
    return InternalError(file, f"internal error, please report ({told}; {logged})", name)
