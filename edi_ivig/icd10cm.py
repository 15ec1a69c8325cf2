"""ICD-10-CM as the pinned library simple-icd-10-cm carries it: which codes exist, which are
billable, which are headers and what is under them.

Why not `import simple_icd_10_cm`: the library parses its 240,000-line tabular XML when it is
imported, about 2.5-3 s and 190 MB on the machines this runs on, in every process (each batch
worker, each filter run), while the product keeps a run under 64 MB. What IG10 needs is only
the set of codes, and the library ships that set beside the XML: its code list, which it reads
when it builds its tree (the same codes, without dots). So this module reads that file of the
installed, pinned distribution, once and only when a rule first asks (0.1-0.2 s, 8 MB for a
moment, 0.7 MB kept), without importing the package, and answers from it: in ICD-10-CM a
code's children are the codes that extend it (G35 -> G35A, G35B -> G35B0), so a code is
billable when no code extends it. tests/test_icd10cm.py holds these answers to the library's
own (get_all_codes, is_leaf, get_descendants) over every code, so this stays a reading of the
library, not a list of ours.

Which release that is, and the dates of service it speaks for, is data:
config/icd10cm_release.toml, checked against the installed version.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.metadata
import os
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Literal, overload

import attrs

from edi_ivig.settings import ConfigError


@attrs.frozen
class Release:
    """The ICD-10-CM release the pinned library carries, and the dates of service it is valid for."""

    name: str  # "ICD-10-CM FY2026 (April 1, 2026 update)"
    library: str  # the distribution, "simple-icd-10-cm"
    version: str  # its pinned version
    code_list: str  # the code list's path inside the distribution
    valid_from: dt.date
    valid_through: dt.date

    def covers(self, day: dt.date | None) -> bool:
        """Whether the release is the code set of a date of service (no date: not known to be)."""
        return day is not None and self.valid_from <= day <= self.valid_through


def plain(code: str) -> str:
    """A code as the 837 carries it and as this module keys it: no dot, upper case (G35.A -> G35A)."""
    return code.replace(".", "").strip().upper()


class _Sorted(Sequence[str]):
    """Codes in order, packed in one string of 7-character records: about 0.7 MB, where a tuple and a
    set of the 98,000 strings add 13 MB to a run kept under 64 MB. Padding with a space, which
    sorts before every letter and digit, keeps the order of the codes themselves."""

    WIDTH = 7  # the longest ICD-10-CM code

    def __init__(self, codes: Iterable[str]):
        """From codes in order, each once; packed one by one, so no second list of 98,000 strings is made."""
        packed = bytearray()
        for code in codes:
            packed += code.ljust(self.WIDTH).encode("ascii")
        self._packed = packed.decode("ascii")
        self._count = len(self._packed) // self.WIDTH

    @classmethod
    def from_packed(cls, packed: str) -> _Sorted:
        """As `packed` says them (what `packed` gave of an earlier one)."""
        codes = cls(())
        codes._packed, codes._count = packed, len(packed) // cls.WIDTH
        return codes

    @property
    def packed(self) -> str:
        return self._packed

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, at: int) -> str: ...
    @overload
    def __getitem__(self, at: slice) -> Sequence[str]: ...
    def __getitem__(self, at: int | slice) -> str | Sequence[str]:
        if isinstance(at, slice):
            return [self[i] for i in range(*at.indices(self._count))]
        if not 0 <= at < self._count:
            raise IndexError(at)
        return self._packed[at * self.WIDTH:(at + 1) * self.WIDTH].rstrip()

    def left(self, code: str) -> int:
        """Where `code` is or would be (bisect_left), searched in the packed string itself: bisect through
        __getitem__ takes several times as long."""
        key, packed, width = code.ljust(self.WIDTH), self._packed, self.WIDTH
        low, high = 0, self._count
        while low < high:
            middle = (low + high) // 2
            if packed[middle * width:(middle + 1) * width] < key:
                low = middle + 1
            else:
                high = middle
        return low


Kind = Literal["billable", "header", "unknown"]


@attrs.frozen
class CodeSet:
    """The codes of one release (no dots) in order, so a code's descendants follow it."""

    release: Release
    codes: _Sorted = attrs.field(repr=False)

    @classmethod
    def from_code_list(cls, release: Release, text: str) -> CodeSet:
        """The library's code list: one code a line (with or without a dot), and among them the
        chapters (1-22) and blocks (E08-E13), which are no codes."""
        codes = [line.split(" ", 1)[0].replace(".", "") for line in text.splitlines()]  # upper case already
        codes.sort()  # in place: about 8 MB for a moment, where a set and copies took 18
        unique = (code for at, code in enumerate(codes) if at == 0 or code != codes[at - 1])
        return cls(release, _Sorted(code for code in unique if code[:1].isalpha() and "-" not in code))

    def kind(self, code: str) -> Kind:
        """billable: a code of the release that no code extends (what a claim may carry); header: a
        code with codes under it (G35 from FY2026), never billable; unknown: not a code of the release
        (nor are chapters and blocks)."""
        code = plain(code)
        at = self.codes.left(code)
        if at == len(self.codes) or self.codes[at] != code:
            return "unknown"
        return "header" if self._extends(at + 1, code) else "billable"

    def billable_descendants(self, code: str) -> tuple[str, ...]:
        """The billable codes under a code, sorted (G35 -> G35A, G35B0, ..., G35D; the tabular puts C92.9 before
        C92.A); none for a billable code."""
        code = plain(code)
        start, end = self.codes.left(code), self.codes.left(code + "\x7f")  # \x7f: past every code that extends it
        under = [self.codes[at] for at in range(start, end)]
        return tuple(c for i, c in enumerate(under) if c != code and not (i + 1 < len(under) and under[i + 1].startswith(c)))

    def resolve(self, entry: str) -> tuple[str, ...]:
        """The codes a table entry names: itself (N18.5), or the categories of a range (E08-E13 ->
        E08, E09, E10, E11, E13: there is no E12). Raises ValueError naming what the release lacks."""
        first, dash, last = (plain(part) for part in entry.partition("-"))
        for code in (first, last) if dash else (first,):
            if self.kind(code) == "unknown":
                raise ValueError(f"{code} is not a code of {self.release.name}")
        if not dash:
            return (first,)
        if len(first) != 3 or len(last) != 3 or last < first:
            raise ValueError(f"range {entry!r} is not from one category to a later one (E08-E13)")
        start, end = self.codes.left(first), self.codes.left(last + "\x7f")
        return tuple(c for c in (self.codes[at] for at in range(start, end)) if len(c) == 3)

    def _extends(self, at: int, code: str) -> bool:
        """Whether the code at `at`, the one after `code` in order, extends it: then `code` has children."""
        return at < len(self.codes) and self.codes[at].startswith(code)


RELEASE_FILE = "icd10cm_release.toml"


@functools.cache
def release() -> Release:
    """The release named in config/icd10cm_release.toml, if the installed library is the version it names.

    Cheap (package metadata, no import of the library): the configuration checks it when it loads.
    """
    where = f"config/{RELEASE_FILE}"
    data = tomllib.loads(resources.files("edi_ivig.config").joinpath(RELEASE_FILE).read_text(encoding="utf-8"))
    found = Release(
        data["release"], data["library"], data["version"], data["code_list"], data["valid_from"], data["valid_through"]
    )
    try:
        installed = importlib.metadata.version(found.library)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(f"{where}: {found.library} {found.version} is not installed") from None
    if installed != found.version:
        raise ConfigError(
            f"{where} names {found.library} {found.version} ({found.name}) but {installed} is installed:"
            " update the release's name and dates with the library"
        )
    return found


@functools.cache
def code_set() -> CodeSet:
    """The release's codes, read on first use from the library's own code list (0.1-0.2 s), or
    from the packed copy an earlier run left in the cache folder (a few ms; `_cached`)."""
    current = release()
    path = importlib.metadata.distribution(current.library).locate_file(current.code_list)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"config/{RELEASE_FILE}: {current.code_list} of {current.library} cannot be read ({error})") from None
    cached = _cache_folder() / f"icd10cm-{hashlib.sha256(data).hexdigest()[:32]}.packed"
    packed = _read_packed(cached)
    if packed is not None:
        return CodeSet(current, _Sorted.from_packed(packed))
    codes = CodeSet.from_code_list(current, data.decode("utf-8"))
    _write_packed(cached, codes.codes.packed)
    return codes


# The packed code set of a code list, kept between runs: each command-line run (and each batch
# worker) would otherwise read and sort the 98,000 codes again. Named by the hash of the
# library's file it was made from, so a new library version never reads an old copy; its own
# hash on its first line, so a torn or altered file is made again, not believed.


def _cache_folder() -> Path:
    """$EDI_IVIG_CACHE_DIR, else $XDG_CACHE_HOME/edi-ivig, else ~/.cache/edi-ivig."""
    chosen = os.environ.get("EDI_IVIG_CACHE_DIR")
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "edi-ivig"


def _read_packed(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    digest, _, packed = text.partition("\n")
    if hashlib.sha256(packed.encode("ascii")).hexdigest() != digest or len(packed) % _Sorted.WIDTH:
        return None
    return packed


def _write_packed(path: Path, packed: str) -> None:
    """Written whole or not at all (a temporary file renamed); a folder that cannot be written is
    no error: the next run reads the code list again."""
    text = hashlib.sha256(packed.encode("ascii")).hexdigest() + "\n" + packed
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(text)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass


def kind(code: str) -> Kind:
    """code_set().kind(code), remembered: a batch carries the same few hundred diagnoses again and
    again. What is longer than any code (7 characters and a dot) is none, and not remembered: an
    837 element can be a megabyte."""
    return _kind(code) if len(code) <= _Sorted.WIDTH + 1 else "unknown"


@functools.lru_cache(maxsize=4096)
def _kind(code: str) -> Kind:
    return code_set().kind(code)
