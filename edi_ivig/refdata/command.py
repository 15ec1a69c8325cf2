"""`edi-ivig refdata`: the command line of the importer (registered in edi_ivig/cli.py)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from edi_ivig.files import OutputError, atomic_text_output
from edi_ivig.refdata import show
from edi_ivig.refdata.common import BadFile
from edi_ivig.refdata.load import FORMATS, read_all
from edi_ivig.refdata.tables import take_in

PACKAGE_CONFIG = Path(__file__).resolve().parent.parent / "config"


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False), metavar="FILE...")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Read every FILE as this format. [default: told from each file's content]")
@click.option("--config-dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="The folder of tables to compare with and write. [default: the package's config/]")
@click.option("--write", is_flag=True, help="Apply the diff to the tables (each written atomically). Without it"
              " nothing is written: review first.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Also write the diff as JSON to this file (- for stdout, the readable diff then goes to stderr).")
@click.option("--effective", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The effective date of files whose name and content carry none (the FDA NDC Directory).")
def refdata(files: tuple[str, ...], fmt: str | None, config_dir: str | None, write: bool, json_path: str | None,
            effective: dt.datetime | None) -> None:
    """Take the official quarterly files into the config/ reference tables, with a diff to review.

    \b
    Formats (told from the content; --format to override):
      hcpcs-fixed  CMS HCPCS Alpha-Numeric file, 320-byte records (HCPC2019_CONTR_ANWEB.txt)
      hcpcs-sheet  the same file as .xlsx (HCPC2020_OCT_ANWEB.xlsx) or a CSV saved from it
      crosswalk    CMS ASP NDC-HCPCS crosswalk CSV (one per quarter)
      mue          CMS NCCI MUE table, practitioner or outpatient hospital
      icd10-order  CMS ICD-10-CM order file: a REPORT only, no table is written
                   (diagnosis validity comes from the simple-icd-10-cm library)
      fda-ndc      FDA NDC Directory package.txt with its product.txt

    \b
    Tables: hcpcs_immune_globulin.csv (HCPCS files), ndc_immune_globulin.csv
    (crosswalk: HCPCS code and grams per package; FDA: labeled NDC, labeler,
    route), mue_immune_globulin.csv (MUE). Only immune globulin codes are taken:
    the table's codes and the J1551-J1599 codes whose descriptor names an immune
    globulin. Columns a file does not carry are kept from the table's row; a new
    row gets what the file gives, confidence low. A changed row's source names
    the file before what its old source said. Rows the file does not hold are
    kept and listed, never dropped. For the ICD-10-CM order file, the report
    lists each code of the coverage list that the file shows as a header (not
    billable) with its billable children, and each one it does not hold.

    \b
    Examples:
      edi-ivig refdata HCPC2026_APR_ANWEB.xlsx                  what the quarter would change
      edi-ivig refdata crosswalk-2026Q2.csv MCR_MUE_*.csv --write  take them in
      edi-ivig refdata package.txt product.txt --effective 2026-10-30
      edi-ivig refdata icd10cm_order_2027.txt                   coverage list codes now headers
      edi-ivig refdata FILE --config-dir my-config --json diff.json

    Exit codes: 0 done; 2 a FILE cannot be read as its format (FILE:LINE:COLUMN:
    what is wrong) or a usage error, nothing written; 4 a table could not be
    written.
    """
    folder = Path(config_dir) if config_dir else PACKAGE_CONFIG
    try:
        upstreams = read_all(files, fmt, effective.date() if effective else None, folder)
    except BadFile as error:
        click.echo(f"edi-ivig: refdata: {error}", err=True)
        sys.exit(2)
    diffs, changed = take_in(upstreams, folder)
    written = sorted(f"{name}.csv" for name in changed) if write else []
    echo = (lambda line: click.echo(line, err=True)) if json_path == "-" else click.echo
    try:
        if write:
            for name, table in changed.items():
                table.write(folder / f"{name}.csv")
        if json_path:
            with atomic_text_output(json_path) as sink:
                sink.write(show.as_json(diffs, written))
    except OutputError as error:
        click.echo(f"edi-ivig: refdata: {error.where}: cannot write: {error.strerror}", err=True)
        sys.exit(4)
    for line in show.text(diffs, written):
        echo(line)
