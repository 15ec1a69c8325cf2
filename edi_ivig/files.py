"""Opening inputs and writing outputs atomically ("-" is stdin or stdout).

Every output is written to a temporary file `.NAME.PID.XXXXXXXX.tmp` beside it
and renamed into place once complete, so a reader never sees half a file. The
temporary is removed on any exit the process can see: an exception, or SIGTERM,
SIGINT and SIGHUP once `signals_raise()` is in force. What SIGKILL leaves
behind, `remove_stale_temporaries` removes on the next run over the folder.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

_UMASK = os.umask(0)
os.umask(_UMASK)

_TEMPORARY = re.compile(r"\..+\.(?P<pid>\d+)\.[a-z0-9_]{8}\.tmp")  # what mkstemp makes of our prefix and suffix


class OutputError(OSError):
    """An output could not be written (disk full, permission denied, read-only, closed pipe).

    `path` is the output as named on the command line ("-" for stdout), never the input:
    the input may be fine, and the message must send the reader to the right place.
    """

    def __init__(self, path: str, error: OSError):
        super().__init__(error.errno, error.strerror or str(error))
        self.path = path

    @property
    def where(self) -> str:
        return "stdout" if self.path == "-" else self.path


class Interrupted(SystemExit):
    """SIGTERM, SIGINT or SIGHUP arrived: unwind (removing temporaries) and exit 128 + the signal."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signum = signum


class _Guarded:
    """write and flush raise OutputError naming the output, so no caller mistakes it for the input."""

    target = "-"

    def write(self, data):  # type: ignore[no-untyped-def]
        try:
            return super().write(data)  # type: ignore[misc]
        except OSError as error:
            raise OutputError(self.target, error) from error

    def flush(self) -> None:
        try:
            super().flush()  # type: ignore[misc]
        except OSError as error:
            raise OutputError(self.target, error) from error


class _Writer(_Guarded, io.BufferedWriter):
    pass


class _Spool(_Guarded, io.BufferedRandom):
    pass


@contextmanager
def open_input(name: str) -> Iterator[BinaryIO]:
    if name == "-":
        yield sys.stdin.buffer
    else:
        with open(name, "rb") as stream:
            yield stream


def spool(target: str) -> BinaryIO:
    """An anonymous temporary file (gone when closed, or when the process dies) for bytes bound for `target`."""
    try:
        fd, path = tempfile.mkstemp(prefix="edi-ivig-")
        os.unlink(path)
    except OSError as error:
        raise OutputError(target, error) from error
    stream = _Spool(io.FileIO(fd, "w+b"))
    stream.target = target
    return stream  # type: ignore[return-value]


@contextmanager
def atomic_output(name: str) -> Iterator[BinaryIO]:
    """Write to a temporary file, then rename it into place; on error, leave nothing.

    For stdout the bytes are held in a temporary file and copied at the end, so a
    pipeline never sees half an interchange. Any failure to write raises OutputError.
    """
    if name == "-":
        with spool(name) as held:
            yield held
            held.seek(0)
            try:
                shutil.copyfileobj(held, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            except OSError as error:
                raise OutputError(name, error) from error
        return
    target = Path(name)
    try:
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(name, error) from error
    try:
        stream = _Writer(io.FileIO(fd, "wb"))
        stream.target = name
        with stream:
            yield stream  # type: ignore[misc]
            stream.flush()
            _finish(name, stream.fileno(), temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def _finish(name: str, fd: int, temporary: str, target: Path) -> None:
    try:
        os.fsync(fd)
        os.chmod(temporary, 0o666 & ~_UMASK)
        os.replace(temporary, target)
    except OSError as error:
        raise OutputError(name, error) from error


@contextmanager
def atomic_text_output(name: str) -> Iterator[TextIO]:
    """atomic_output for UTF-8 text (reports)."""
    with atomic_output(name) as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8", newline="\n")  # type: ignore[arg-type]
        try:
            yield text
            text.flush()
        finally:
            text.detach()  # the binary file is atomic_output's to close


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Remove the temporaries an edi-ivig killed with SIGKILL (or a power cut) left in `folder`.

    A temporary is ours when its name is `.NAME.PID.XXXXXXXX.tmp`, and stale when
    no process PID is alive. The pid, not the age, decides: a live run on a large
    file may write one temporary for many minutes, and age cannot tell it from a
    dead one; a pid that was reused only keeps a stale file until that process
    ends (never deletes a live one). An output folder shared by several machines
    at once is outside this (a pid means something on one machine only).
    """
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed  # a folder we cannot list is reported when we write to it
    for path in entries:
        match = _TEMPORARY.fullmatch(path.name)
        if match and not _alive(int(match["pid"])) and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def is_temporary(name: str) -> bool:
    """A name atomic_output gives its temporary files."""
    return _TEMPORARY.fullmatch(name) is not None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    except (OverflowError, OSError):
        return False
    return True


_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _raise_interrupted(signum: int, frame: object) -> None:
    for number in _SIGNALS:  # the clean-up that follows must not be cut short by a second signal
        signal.signal(number, signal.SIG_IGN)
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    """Turn SIGTERM, SIGINT and SIGHUP into Interrupted, for a process of our own (a batch worker)."""
    for number in _SIGNALS:
        signal.signal(number, _raise_interrupted)


@contextmanager
def signals_raise() -> Iterator[None]:
    """While in force, SIGTERM, SIGINT and SIGHUP raise Interrupted, so every `with` unwinds and
    removes its temporaries; the handlers in force before are restored afterwards."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = {number: signal.getsignal(number) for number in _SIGNALS}
    install_signal_handlers()
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def file_key(path: str) -> tuple[object, ...]:
    """What two names of one file have in common: the inode when it exists (hard links, symlinks,
    ./X, dir/../X), else the fully resolved path (a file not written yet, named two ways)."""
    try:
        status = os.stat(path)
    except OSError:
        return ("path", os.path.realpath(path))
    return ("inode", status.st_dev, status.st_ino)


def same_file(a: str, b: str) -> bool:
    if "-" in (a, b):
        return False
    return file_key(a) == file_key(b)
