"""A batch's IN_DIR or OUT_DIR as a place fsspec reaches: a folder, file://, s3://, gs://, ...

Only `batch` on Dask uses it (imported when a Dask option is given). A local folder is
still written as `edi_ivig.files` writes (a temporary beside the output, renamed); object
storage has no rename, so an output goes to a temporary key `.NAME.RUN.XXXXXXXX.tmp` (a
hidden name: batch skips it as input, a transmitter that sends hidden names is broken
anyway) and is then copied to NAME, and the temporary removed. A task that dies between
the two leaves only the temporary, which the run that made it removes at its end
(`remove_temporaries`): the run id, not a pid, says whose it is, since a pid means
nothing across machines.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import attrs

HIDDEN = "a hidden name (transfer tools write files in progress so); rename it to have it converted"
NOT_A_FILE = "not a regular file"


class PlaceError(Exception):
    """A URL that names no place edi-ivig can reach (no such protocol, its package missing,
    no credentials, no such bucket); the message is one line for the person at the terminal."""


@attrs.frozen
class Entry:
    name: str
    why_skipped: str | None  # None: an input to convert
    size: int


@attrs.frozen
class Place:
    """A folder or a key prefix, and the fsspec file system it lives on."""

    url: str  # as given
    fs: Any  # an fsspec AbstractFileSystem (pickled to the workers: fsspec file systems are)
    root: str  # the path on `fs`, no trailing slash

    @property
    def local(self) -> bool:
        return "file" in _protocols(self.fs)

    def path(self, name: str) -> str:
        return f"{self.root}/{name}"

    def shown(self, name: str) -> str:
        """How a message names NAME here: as the user wrote the place, never a credential."""
        return f"{self.url.rstrip('/')}/{name}"

    def same(self, other: Place) -> bool:
        return _protocols(self.fs) == _protocols(other.fs) and self.root == other.root

    def entries(self) -> list[Entry]:
        """What is directly in the place, by name: each an input or skipped, with why."""
        self.fs.invalidate_cache(self.root)  # a listing cached by an earlier run in this process is stale
        found = []
        for info in self.fs.ls(self.root, detail=True):
            name = info["name"].rstrip("/").rsplit("/", 1)[-1]
            if not name or info["name"].rstrip("/") == self.root:
                continue
            if name.startswith("."):
                why: str | None = HIDDEN
            elif info.get("type") != "file":
                why = NOT_A_FILE
            else:
                why = None
            found.append(Entry(name, why, int(info.get("size") or 0)))
        return sorted(found, key=lambda e: e.name)

    def publish(self, name: str, local_file: str, run_id: str) -> None:
        """Copy a complete local file to NAME: under a temporary key first, so NAME is only ever whole."""
        temporary = self.path(temporary_name(name, run_id))
        try:
            self.fs.put_file(local_file, temporary)
            self.fs.mv(temporary, self.path(name))
        finally:
            if self.fs.exists(temporary):
                self.fs.rm_file(temporary)

    def remove(self, name: str) -> None:
        """No NAME here (one left by an earlier run, say); nothing when there is none."""
        if self.fs.exists(self.path(name)):
            self.fs.rm_file(self.path(name))

    def remove_temporaries(self, run_id: str) -> list[str]:
        """Remove what tasks of run `run_id` that died left under temporary keys."""
        left = [e.name for e in self.entries() if _is_run_temporary(e.name, run_id)]
        for name in left:
            self.fs.rm_file(self.path(name))
        return left


def open_place(url: str, *, must_exist: bool) -> Place:
    """The place a URL or path names; PlaceError (one line, no traceback) when it cannot be reached."""
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ValueError, ImportError) as error:  # an unknown protocol, or its package not installed
        raise PlaceError(f"{url}: {_first_line(error)}") from None
    place = Place(url, fs, root.rstrip("/") or root)
    try:
        if must_exist and not fs.isdir(place.root):
            raise PlaceError(f"{url}: no such folder (or bucket prefix)")
        if not must_exist and place.local:
            fs.makedirs(place.root, exist_ok=True)
        elif not must_exist and not fs.exists(place.root.split("/")[0]):
            raise PlaceError(f"{url}: no such bucket")
    except PlaceError:
        raise
    except Exception as error:  # credentials, network, permissions: each library has its own
        raise PlaceError(f"{url}: cannot reach it: {_first_line(error)}") from None
    return place


def new_run_id() -> str:
    return secrets.token_hex(4)


def temporary_name(name: str, run_id: str) -> str:
    return f".{name}.{run_id}.{secrets.token_hex(4)}.tmp"


def _is_run_temporary(name: str, run_id: str) -> bool:
    return re.fullmatch(rf"\..+\.{re.escape(run_id)}\.[0-9a-f]{{8}}\.tmp", name) is not None


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
