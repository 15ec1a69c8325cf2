"""The FDA NDC Directory download: package.txt joined to product.txt (tab-separated, by PRODUCTID).

product.txt: PRODUCTID, PRODUCTNDC, PRODUCTTYPENAME, PROPRIETARYNAME, PROPRIETARYNAMESUFFIX,
NONPROPRIETARYNAME, DOSAGEFORMNAME, ROUTENAME, ..., LABELERNAME, ...; package.txt: PRODUCTID,
PRODUCTNDC, NDCPACKAGECODE, PACKAGEDESCRIPTION, ... Columns are found by name. NDCs are in
10-digit labeled form (4-4-2, 5-3-2, 5-4-1); the table keys them as 11 digits (5-4-2). The
directory carries no HCPCS code: a new package gets its code from a crosswalk read in the same run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Collection, Mapping
from pathlib import Path

from edi_ivig.refdata.common import NDC_TABLE, BadFile, Observed, Upstream, decode

PRODUCT_COLUMNS = ("PRODUCTID", "PRODUCTNDC", "PROPRIETARYNAME", "PROPRIETARYNAMESUFFIX", "ROUTENAME", "LABELERNAME")
PACKAGE_COLUMNS = ("PRODUCTID", "PRODUCTNDC", "NDCPACKAGECODE")
ROUTES = {"INTRAVENOUS": "IV", "SUBCUTANEOUS": "SC", "INTRAMUSCULAR": "IM"}


def kind(text: str) -> str | None:
    """'product' or 'package' for an FDA NDC Directory file, from its header line."""
    first = text.split("\n", 1)[0].rstrip("\r").split("\t")
    if "PRODUCTID" not in first:
        return None
    return "package" if "NDCPACKAGECODE" in first else "product" if "PROPRIETARYNAME" in first else None


def ndc11(labeled: str) -> str | None:
    """11 digits (5-4-2) from the 10-digit labeled form, or None when it is not one of 4-4-2, 5-3-2, 5-4-1."""
    parts = labeled.strip().split("-")
    lengths = [len(p) for p in parts]
    if not all(p.isdigit() for p in parts) or lengths not in ([4, 4, 2], [5, 3, 2], [5, 4, 1], [5, 4, 2]):
        return None
    labeler, product, package = parts
    return labeler.zfill(5) + product.zfill(4) + package.zfill(2)


def _rows(path: str, data: bytes, required: tuple[str, ...]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(decode(data), newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = [(number, fields) for number, fields in enumerate(reader, 1)]
    if not rows:
        raise BadFile(path, 1, 1, "empty file")
    header = [f.strip() for f in rows[0][1]]
    missing = [name for name in required if name not in header]
    if missing:
        raise BadFile(path, 1, 1, f"the header lacks column {', '.join(missing)}")
    for number, fields in rows[1:]:
        if fields and len(fields) < len(header):
            raise BadFile(path, number, len(fields) + 1, f"{len(fields)} fields where the header has {len(header)}")
    return header, [(n, f) for n, f in rows[1:] if any(x.strip() for x in f)]


def read(path: str, data: bytes, product_path: str, product_data: bytes, effective: dt.date,
         known_ndcs: Mapping[str, str], known_products: Collection[str]) -> Upstream:
    """The package rows of immune globulin products: NDCs in the table or a crosswalk, or new packages of a product the table has.

    known_ndcs: ndc11 -> the HCPCS code the table or a crosswalk gives it; known_products: labeler-product
    segments (44206-439) of the table's NDCs.
    """
    product_header, product_rows = _rows(product_path, product_data, PRODUCT_COLUMNS)
    p = {name: product_header.index(name) for name in PRODUCT_COLUMNS}
    products = {fields[p["PRODUCTID"]]: (number, fields) for number, fields in product_rows}
    header, rows = _rows(path, data, PACKAGE_COLUMNS)
    at = {name: header.index(name) for name in PACKAGE_COLUMNS}
    found: list[Observed] = []
    for number, fields in rows:
        labeled = fields[at["NDCPACKAGECODE"]].strip()
        key = ndc11(labeled)
        if key is None:
            raise BadFile(path, number, at["NDCPACKAGECODE"] + 1, "NDCPACKAGECODE is not a 10-digit NDC (4-4-2, 5-3-2, 5-4-1)")
        product_ndc = "-".join(labeled.split("-")[:2])
        if key not in known_ndcs and product_ndc not in known_products:
            continue
        product_id = fields[at["PRODUCTID"]].strip()
        if product_id not in products:
            raise BadFile(path, number, at["PRODUCTID"] + 1, f"PRODUCTID of NDC {labeled} is not in {Path(product_path).name}")
        product_line, product = products[product_id]
        routes = [r.strip().upper() for r in product[p["ROUTENAME"]].split(";") if r.strip()]
        route = "/".join(ROUTES.get(r, r) for r in routes)
        values = {"ndc11": key, "ndc_as_labeled": labeled, "labeler": product[p["LABELERNAME"]].strip(), "route": route}
        name = " ".join(x for x in (product[p["PROPRIETARYNAME"]].strip(), product[p["PROPRIETARYNAMESUFFIX"]].strip()) if x)
        fills = {"product": name, "hcpcs": known_ndcs.get(key, "")}
        found.append(Observed(key=(key,), values=values, line=number, fills=fills))
    return Upstream(path=path, format="fda-ndc", effective=effective, table=NDC_TABLE, rows=tuple(found))
