"""Read the files given to `edi-ivig refdata`: tell each one's format from its content, and read it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from edi_ivig.refdata import crosswalk, fda_ndc, hcpcs_fixed, hcpcs_sheet, icd10_order, mue
from edi_ivig.refdata.common import BadFile, Upstream, decode, effective_from_name
from edi_ivig.refdata.tables import Table

FORMATS = ("hcpcs-fixed", "hcpcs-sheet", "crosswalk", "mue", "icd10-order", "fda-ndc")
COVERAGE_LIST = "coverage_a57187_group1.csv"
_XLSX = b"PK\x03\x04"


def detect(path: str, data: bytes) -> str:
    """The format of a file, from its first bytes and lines (never from its name)."""
    if data.startswith(_XLSX):
        return "hcpcs-sheet"
    text = decode(data[:200_000])
    if fda_ndc.kind(text):
        return "fda-ndc"
    if mue.looks_like(text):
        return "mue"
    if crosswalk.looks_like(text):
        return "crosswalk"
    if hcpcs_sheet.looks_like(fields for _, fields in hcpcs_sheet.csv_rows(data[:200_000])):
        return "hcpcs-sheet"
    if hcpcs_fixed.looks_like(text):
        return "hcpcs-fixed"
    if icd10_order.looks_like(text):
        return "icd10-order"
    raise BadFile(path, 1, 1, f"not a format refdata reads ({', '.join(FORMATS)}); --format names one")


def read_all(paths: Sequence[str], fmt: str | None, effective: dt.date | None, config_dir: Path) -> list[Upstream]:
    """Every file read, in the order the tables take them: HCPCS first (new codes), then crosswalks (NDC codes), ..."""
    files = [(path, _bytes(path)) for path in paths]
    formats = {path: fmt or detect(path, data) for path, data in files}
    hcpcs_table = Table.read(config_dir / "hcpcs_immune_globulin.csv")
    ndc_table = Table.read(config_dir / "ndc_immune_globulin.csv")
    codes = {row["hcpcs"] for row in hcpcs_table.rows}
    read: list[Upstream] = []
    for path, data in files:
        if formats[path] in ("hcpcs-fixed", "hcpcs-sheet"):
            when = _effective(path, effective)
            if formats[path] == "hcpcs-fixed":
                read.append(hcpcs_fixed.read(path, data, when, codes))
            else:
                form = "hcpcs-xlsx" if data.startswith(_XLSX) else "hcpcs-csv"
                rows = hcpcs_sheet.xlsx_rows(data, path) if data.startswith(_XLSX) else hcpcs_sheet.csv_rows(data)
                read.append(hcpcs_sheet.read(path, rows, when, codes, form))
    codes |= {seen.values["hcpcs"] for upstream in read for seen in upstream.rows}
    ndcs = {row["ndc11"]: row["hcpcs"] for row in ndc_table.rows}
    for path, data in files:
        if formats[path] == "crosswalk":
            upstream = crosswalk.read(path, data, effective, codes)
            ndcs.update({seen.key[0]: seen.values["hcpcs"] for seen in upstream.rows if seen.key[0] not in ndcs})
            read.append(upstream)
        elif formats[path] == "mue":
            read.append(mue.read(path, data, _effective(path, effective), codes))
        elif formats[path] == "icd10-order":
            when = effective or icd10_order.effective_from_name(path) or _effective(path, None)
            read.append(icd10_order.read(path, data, when, config_dir / COVERAGE_LIST))
    read += _fda(files, formats, effective, ndcs, ndc_table)
    return read


def _fda(files: Sequence[tuple[str, bytes]], formats: dict[str, str], effective: dt.date | None,
         ndcs: dict[str, str], ndc_table: Table) -> list[Upstream]:
    """Each package.txt joined to the product.txt given with it (or beside it)."""
    fda = [(path, data) for path, data in files if formats[path] == "fda-ndc"]
    products = [(p, d) for p, d in fda if fda_ndc.kind(decode(d[:20000])) == "product"]
    packages = [(p, d) for p, d in fda if fda_ndc.kind(decode(d[:20000])) == "package"]
    if products and not packages:
        raise BadFile(products[0][0], 1, 1, "an FDA product.txt alone gives no package NDC: give package.txt with it")
    known_products = {"-".join(row["ndc_as_labeled"].split("-")[:2]) for row in ndc_table.rows if row.get("ndc_as_labeled")}
    read = []
    for path, data in packages:
        if not products:
            beside = Path(path).with_name("product.txt")
            if not beside.is_file():
                raise BadFile(path, 1, 1, "an FDA package.txt needs its product.txt: give both, or put product.txt beside it")
            products = [(str(beside), beside.read_bytes())]
        product_path, product_data = products[0]
        read.append(fda_ndc.read(path, data, product_path, product_data, _effective(path, effective), ndcs, known_products))
    return read


def _effective(path: str, given: dt.date | None) -> dt.date:
    when = given or effective_from_name(path)
    if when is None:
        raise BadFile(path, 1, 1, "no effective date in the file name (e.g. 2026-04-01, 2026Q2) or content: give --effective")
    return when


def _bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise BadFile(path, 1, 1, f"cannot read: {error.strerror or error}") from None
