"""The `edi-ivig` command line: check, fix and validate 837P/837I files.

Exit codes: 0 done and no error finding remains; 1 done and error findings
remain (for `validate`: the file has implementation-guide errors); 2 usage
error; 3 an input is unreadable or not an 837 (the message says where).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from edi_ivig import __version__, log
from edi_ivig.errors import UnreadableInput
from edi_ivig.files import atomic_output, open_input, same_file
from edi_ivig.pipeline import FileResult, run

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3

INPUT = click.Path(dir_okay=False, allow_dash=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="edi-ivig")
@click.option("-v", "--verbose", count=True, help="More log detail on stderr: -v info, -vv debug.")
@click.option(
    "--log-format", type=click.Choice(["console", "json"]), default="console", show_default=True,
    help="Log lines for people (console) or for log collectors (json lines).",
)
def main(verbose: int, log_format: str) -> None:
    """Find, flag and fix the IVIG lines of HIPAA 5010 837P/837I claim files.

    edi-ivig reads 837P (005010X222A1) and 837I (005010X223A2) files, checks the
    immune globulin lines of every claim and writes the corrected 837. Claims no
    rule changes are written byte for byte as read.

    \b
    Examples:
      edi-ivig check claims.837                 report, write nothing
      edi-ivig fix claims.837 -o fixed.837      write the corrected 837
      edi-ivig fix - -o - < in.837 > out.837    as a filter in a pipeline
      edi-ivig validate claims.837 --999 ack    pyx12 implementation-guide check

    Exit codes: 0 done, no error finding left; 1 error findings left (validate:
    guide errors found); 2 usage error; 3 input unreadable or not an 837.
    """
    log.configure(verbose, log_format)


def _fail_unreadable(name: str, error: UnreadableInput) -> None:
    click.echo(f"edi-ivig: {name}: cannot read: {error.message}", err=True)


def _summary(result: FileResult) -> str:
    s = result.stats
    kinds = "/".join(sorted(s.kinds)) or "837"
    return (
        f"{result.name}: {kinds}, {s.interchanges} interchange(s), {s.transactions} transaction(s),"
        f" {s.claims} claim(s), {s.service_lines} service line(s); no findings"
    )


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=INPUT, metavar="INPUT...")
def check(inputs: tuple[str, ...]) -> None:
    """Report what the rules find in each INPUT; write no EDI.

    INPUT is an 837 file, or - for stdin. Prints one summary line per file.
    """
    code = EXIT_OK
    for name in inputs:
        try:
            with open_input(name) as stream:
                result = run(stream, name=name)
        except UnreadableInput as error:
            _fail_unreadable(name, error)
            code = EXIT_UNREADABLE
            continue
        except OSError as error:
            click.echo(f"edi-ivig: {name}: {error.strerror or error}", err=True)
            code = EXIT_UNREADABLE
            continue
        click.echo(_summary(result))
    sys.exit(code)


@main.command()
@click.argument("input_", type=INPUT, metavar="INPUT")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
    help="Where to write the corrected 837 (- for stdout). Written atomically: a"
    " temporary file renamed into place, nothing left behind on error.",
)
def fix(input_: str, output: str) -> None:
    """Write INPUT with the fixes applied to OUTPUT.

    Claims no fix changes are written exactly as read; a file with nothing to
    fix comes out byte-identical. INPUT is never modified.
    """
    if same_file(input_, output):
        raise click.UsageError("OUTPUT is the same file as INPUT; edi-ivig never modifies its input")
    try:
        with open_input(input_) as source, atomic_output(output) as sink:
            result = run(source, sink, name=input_)
    except UnreadableInput as error:
        _fail_unreadable(input_, error)
        sys.exit(EXIT_UNREADABLE)
    except OSError as error:
        click.echo(f"edi-ivig: {error.filename or input_}: {error.strerror or error}", err=True)
        sys.exit(EXIT_UNREADABLE)
    click.echo(_summary(result), err=output == "-")
    sys.exit(EXIT_OK)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=INPUT, metavar="INPUT...")
@click.option(
    "--999", "ack_path", type=click.Path(allow_dash=False), default=None,
    help="Write pyx12's 999 acknowledgment here (with several INPUTs: a directory,"
    " one NAME.999 per input).",
)
def validate(inputs: tuple[str, ...], ack_path: str | None) -> None:
    """Validate each INPUT against its implementation guide with pyx12.

    Errors are listed per claim (CLM01) with the segment number in the file
    (ISA = 1) and the position in the transaction that a 999 reports.
    """
    from edi_ivig.validate import validate as run_validation

    if ack_path and len(inputs) > 1 and not Path(ack_path).is_dir():
        raise click.UsageError("with several INPUTs, --999 must name an existing directory")
    code = EXIT_OK
    for name in inputs:
        try:
            with open_input(name) as stream:
                result = run_validation(stream)
        except UnreadableInput as error:
            _fail_unreadable(name, error)
            code = EXIT_UNREADABLE
            continue
        except OSError as error:
            click.echo(f"edi-ivig: {name}: {error.strerror or error}", err=True)
            code = EXIT_UNREADABLE
            continue
        for note in result.notes:
            click.echo(f"{name}: note: {note}", err=True)
        if ack_path:
            target = Path(ack_path) / f"{Path(name).name}.999" if Path(ack_path).is_dir() else Path(ack_path)
            with atomic_output(str(target)) as sink:
                sink.write(result.ack_999.encode("latin-1"))
        if result.valid:
            click.echo(f"{name}: valid")
            continue
        code = max(code, EXIT_FINDINGS)
        click.echo(f"{name}: {len(result.errors)} error(s)")
        for claim_id, errors in result.by_claim().items():
            click.echo(f"  claim {claim_id}:" if claim_id is not None else "  outside claims:")
            for e in errors:
                where = f"segment {e.segment}" if e.segment is not None else "segment ?"
                what = e.element or e.segment_id or ""
                position = f", position {e.position} in its transaction" if e.position else ""
                click.echo(f"    {where} ({what}{position}): {e.message}")
    sys.exit(code)
