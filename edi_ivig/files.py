"""Opening inputs and writing outputs atomically ("-" is stdin or stdout)."""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def open_input(name: str) -> Iterator[BinaryIO]:
    if name == "-":
        yield sys.stdin.buffer
    else:
        with open(name, "rb") as stream:
            yield stream


@contextmanager
def atomic_output(name: str) -> Iterator[BinaryIO]:
    """Write to a temporary file, then rename it into place; on error, leave nothing.

    For stdout the bytes are held in a temporary file and copied at the end, so a
    pipeline never sees half an interchange.
    """
    if name == "-":
        with tempfile.TemporaryFile(prefix="edi-ivig-") as spool:
            yield spool  # type: ignore[misc]
            spool.seek(0)
            shutil.copyfileobj(spool, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        return
    target = Path(name)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_UMASK)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


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


def file_key(path: str) -> tuple[object, ...]:
    """What two names of one file have in common: the inode when it exists (hard links, symlinks,
    ./X, dir/../X), else the fully resolved path (a file not written yet, named two ways)."""
    try:
        status = os.stat(path)
    except OSError:
        return ("path", os.path.realpath(path))
    return ("inode", status.st_dev, status.st_ino)
