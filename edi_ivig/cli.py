"""The `edi-ivig` command line: check, fix, validate, rules, regress.

Exit codes: 0 done and no error finding remains; 1 done and error findings
remain (validate: guide errors; regress: a case failed); 2 usage error (a bad
option or config file, two outputs naming one file, an output over the input);
3 an input is unreadable or not an 837 (the message says where); 4 an output
could not be written (disk full, permission denied, read-only, a closed stdout
pipe; the message names the output). 128 + N when stopped by signal N (SIGTERM,
SIGINT, SIGHUP), with every temporary file removed.

stdout carries at most one output: in `fix` only the corrected 837 (-o -), in
`check` one report (--json, --277 or --html -).
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click

from edi_ivig import __version__, log
from edi_ivig.errors import UnreadableInput
from edi_ivig.files import (
    OutputError,
    atomic_output,
    atomic_text_output,
    file_key,
    open_input,
    remove_stale_temporaries,
    signals_raise,
)
from edi_ivig.pipeline import FileResult, Pipeline, Report, build_pipeline
from edi_ivig.reports.text import TextReport
from edi_ivig.settings import Config, ConfigError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_UNREADABLE, EXIT_OUTPUT = 0, 1, 2, 3, 4

INPUT = click.Path(dir_okay=False, allow_dash=True)


class _Commands(click.Group):
    """The commands; those that live in their own packages are imported when named (or listed
    by --help), so that `fix`, run once per file by a hook, does not pay for importing them."""

    IN_PACKAGES = {
        "refdata": "edi_ivig.refdata.command",  # the reference-table importer
        "serve": "edi_ivig.service.command",  # the hook as an HTTP service
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.IN_PACKAGES])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = self.IN_PACKAGES.get(cmd_name)
        if module is not None:
            command: click.Command = getattr(importlib.import_module(module), cmd_name)
            return command
        return super().get_command(ctx, cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as error:
            # click suggests a close name from the commands it holds; these are not held yet
            no_such = getattr(click.exceptions, "NoSuchCommand", None)  # click 8.4 and later
            if no_such is not None and isinstance(error, no_such):
                raise no_such(error.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None
            raise


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="edi-ivig")
@click.option("-v", "--verbose", count=True, help="More log detail on stderr: -v info, -vv debug.")
@click.option(
    "--log-format", type=click.Choice(["console", "json"]), default="console", show_default=True,
    help="Log lines for people (console) or for log collectors (json lines).",
)
def main(verbose: int, log_format: str) -> None:
    """Find, flag and fix the IVIG lines of HIPAA 5010 837P/837I claim files.

    edi-ivig reads 837P (005010X222A1) and 837I (005010X223A2) files, checks the
    immune globulin lines of every claim against the billing rules (see
    `edi-ivig rules`) and writes the corrected 837. Claims no fix changes are
    written byte for byte as read.

    \b
    Examples:
      edi-ivig check claims.837                 report, write nothing
      edi-ivig fix claims.837 -o fixed.837      apply the safe fixes
      edi-ivig fix claims.837 -o fixed.837 --unsafe-fixes
                                                also the fixes a provider must stand behind
      edi-ivig fix - -o - < in.837 > out.837    as a filter in a pipeline
      edi-ivig batch inbox/ outbox/ --workers 2 a folder: 837, 277CA and JSON per file
      edi-ivig validate claims.837 --999 ack    pyx12 implementation-guide check
      edi-ivig rules                            the rules, their severity and fix safety
      edi-ivig regress fixtures/rules           re-run regression cases
      edi-ivig serve --token-file token         the hook over HTTP (POST /v1/fix)

    Exit codes: 0 done, no error finding left; 1 error findings left (validate:
    guide errors; regress: a case failed); 2 usage error (also: two outputs that
    are one file); 3 input unreadable or not an 837; 4 an output could not be
    written (disk full, no permission, closed pipe); 128+N stopped by signal N,
    temporary files removed.
    """
    log.configure(verbose, log_format)
    click.get_current_context().with_resource(signals_raise())


config_option = click.option(
    "--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None,
    help="A TOML file layered over the defaults (config/default.toml): rule switches, severities,"
    " fix policy, per-payer overrides.",
)


def _load_config(path: str | None) -> Config:
    try:
        return Config.load(path)
    except ConfigError as error:
        raise click.UsageError(f"config: {error}") from None


def _fail_unreadable(name: str, error: UnreadableInput) -> None:
    click.echo(f"edi-ivig: {name}: cannot read: {error.message}", err=True)


def _fail_output(error: OutputError) -> None:
    """One line naming the output; a reader that closed stdout early gets nothing more."""
    click.echo(f"edi-ivig: {error.where}: cannot write: {error.strerror}", err=True)
    if error.path == "-" and error.errno == errno.EPIPE:
        _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit does not complain of the closed pipe again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file descriptor (a test runner)
        pass


def report_options(several: bool):  # type: ignore[no-untyped-def]
    """--json, --277 and --html, shared by check (several inputs) and fix (one).

    "-" is accepted by both (as -o is) and refused by fix before any work: stdout carries
    one output at most, and in fix that is the corrected 837.
    """
    if several:
        where = " (- for stdout: one report at most, one INPUT; with several INPUTs: a directory, one file per input)"
    else:
        where = " (a file: stdout is for the corrected 837 only)"

    def add(command):  # type: ignore[no-untyped-def]
        for flag, what in (
            ("--html", "the HTML report a billing person reads"),
            ("--277", "the 277CA claim acknowledgment (005010X214) for the submitter"),
            ("--json", "the JSON report (docs: Reports and the 277CA)"),
        ):
            command = click.option(
                flag, f"{flag[2:].replace('277', 'ack')}_path", type=click.Path(allow_dash=True), default=None,
                help=f"Write {what} here{where}.",
            )(command)
        return command

    return add


def _report_path(path: str | None, name: str, suffix: str, several: bool) -> str | None:
    if path is None:
        return None
    return str(Path(path) / f"{Path(name).name}{suffix}") if several else path


def _run(
    pipeline: Pipeline,
    name: str,
    *,
    output: str | None = None,
    held: str | None = None,
    paths: dict[str, str | None],
    config: Config,
    echo_to_stderr: bool = False,
) -> FileResult:
    """Read one input, write what was asked; every file written atomically, none on failure."""
    # As a filter (OUTPUT -), stderr is where a pipeline's logs go: print the summary only,
    # which names no claim; --json, --html and --277 hold the details.
    echo = (lambda line: click.echo(line, err=True)) if echo_to_stderr else click.echo
    with ExitStack() as stack:
        source = stack.enter_context(open_input(name))
        sink = stack.enter_context(atomic_output(output)) if output else None
        held_sink = stack.enter_context(atomic_output(held)) if held else None
        reports: list[Report] = [TextReport(echo, details=not echo_to_stderr)]
        # each report is imported when asked for: the HTML report's lxml and the 277CA's map cost start-up
        if paths.get("json"):
            from edi_ivig.reports.json_report import JsonReport

            reports.append(JsonReport(stack.enter_context(atomic_text_output(paths["json"]))))  # type: ignore[arg-type]
        if paths.get("html"):
            from edi_ivig.reports.html_report import HtmlReport

            reports.append(HtmlReport(stack.enter_context(atomic_text_output(paths["html"]))))  # type: ignore[arg-type]
        if paths.get("ack"):
            from edi_ivig.reports.ack277 import Ack277

            reports.append(Ack277(stack.enter_context(atomic_output(paths["ack"])), config))  # type: ignore[arg-type]
        return pipeline.run(source, sink, name=name, held=held_sink, reports=reports, keep=False)


def _run_in_chunks(
    name: str, workers: int, *, output: str, held: str | None, paths: dict[str, str | None], config: Config,
    unsafe_fixes: bool, echo_to_stderr: bool,
) -> FileResult | None:
    """fix --workers: `name` converted in chunks by several processes, each output written as _run
    writes it; None (nothing written) when it is not to be cut, and then _run converts it whole."""
    from edi_ivig import chunked
    from edi_ivig.log import get_logger

    echo = (lambda line: click.echo(line, err=True)) if echo_to_stderr else click.echo
    text = TextReport(echo, details=not echo_to_stderr)
    try:
        with ExitStack() as stack:
            outputs = chunked.Outputs(
                stack.enter_context(atomic_output(output)),
                stack.enter_context(atomic_output(held)) if held else None,
                stack.enter_context(atomic_output(paths["ack"])) if paths.get("ack") else None,  # type: ignore[arg-type]
                stack.enter_context(atomic_text_output(paths["json"])) if paths.get("json") else None,  # type: ignore[arg-type]
            )
            result = chunked.convert_file(name, config, outputs, text, unsafe_fixes=unsafe_fixes, workers=workers)
    except chunked.NotCut:
        return None
    log = get_logger().bind(file=name)
    for warning in result.warnings:
        log.warning("read_warning", message=warning.message, segment=warning.segment)
    c = result.counts
    log.info("file_done", claims=c.claims, changed=c.changed, held=c.held, findings=sum(c.findings.values()),
             errors_left=c.errors_left, workers=workers)
    text.finish(result)
    return result


FLAGS = {"json": "--json", "ack": "--277", "html": "--html"}


def _check_report_paths(inputs: tuple[str, ...], paths: dict[str, str | None], named: list[dict[str, str | None]]) -> None:
    """Refuse, before any work, reports that would overwrite an input or each other, or share stdout."""
    several = len(inputs) > 1
    to_stdout = [FLAGS[kind] for kind, path in paths.items() if path == "-"]
    if len(to_stdout) > 1:
        raise click.UsageError(f"{' and '.join(to_stdout)} are all -: stdout takes one report at most")
    if several:
        for kind, path in paths.items():
            if path and (path == "-" or not Path(path).is_dir()):
                raise click.UsageError(f"with several INPUTs, {FLAGS[kind]} must name an existing directory")
    outputs = [
        (f"{FLAGS[kind]} of {name}" if several else FLAGS[kind], path)
        for name, reports in zip(inputs, named, strict=True)
        for kind, path in reports.items()
    ]
    _check_outputs(inputs, outputs)


def _check_outputs(inputs: tuple[str, ...], outputs: list[tuple[str, str | None]]) -> None:
    """Refuse, before any work, outputs that cannot be written, would overwrite an input, or
    are one file named twice (./X, dir/../X, a symlink, a hard link): one of the two would be lost."""
    _check_output_folders(*(path for _, path in outputs))
    read = {file_key(name) for name in inputs if name != "-"}
    written: dict[tuple[object, ...], str] = {}
    for label, path in outputs:
        if not path or path == "-":
            continue
        key = file_key(path)
        if key in read:
            raise click.UsageError(f"{path} is the same file as INPUT; edi-ivig never modifies its input")
        if key in written:
            raise click.UsageError(f"{written[key]} and {label} would both write {path}: each output needs a file of its own")
        written[key] = label
    for folder in {Path(path).parent for _, path in outputs if path and path != "-"}:
        remove_stale_temporaries(folder)


def _check_output_folders(*paths: str | None) -> None:
    """Refuse, before any work, an output that cannot be written (not an unreadable input)."""
    for path in paths:
        if not path or path == "-":
            continue
        if Path(path).is_dir():
            raise click.UsageError(f"cannot write {path}: it is a directory")
        if not Path(path).parent.is_dir():
            raise click.UsageError(f"cannot write {path}: there is no folder {Path(path).parent}")


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=INPUT, metavar="INPUT...")
@config_option
@report_options(several=True)
def check(
    inputs: tuple[str, ...], config_path: str | None, json_path: str | None, ack_path: str | None, html_path: str | None
) -> None:
    """Report what the rules find in each INPUT; write no EDI.

    INPUT is an 837 file, or - for stdin. Prints a line per finding (claim, line
    as read, rule, severity, 277CA status code, whether `fix` would correct it,
    what to do) and a summary line per file. --json, --277 and --html write the
    reports too; the 277CA then says what `fix` would send. One of them may be -
    (stdout); the findings then go to stderr as the summary line only.
    """
    config = _load_config(config_path)
    pipeline = build_pipeline("check", config=config)
    paths = {"json": json_path, "ack": ack_path, "html": html_path}
    several = len(inputs) > 1
    suffixes = {"json": ".json", "ack": ".277", "html": ".html"}
    per_input = [{k: _report_path(v, name, suffixes[k], several) for k, v in paths.items()} for name in inputs]
    _check_report_paths(inputs, paths, per_input)
    code = EXIT_OK
    for name, named in zip(inputs, per_input, strict=True):
        try:
            result = _run(pipeline, name, paths=named, config=config, echo_to_stderr="-" in paths.values())
        except OutputError as error:
            _fail_output(error)
            code = EXIT_OUTPUT
            continue
        except UnreadableInput as error:
            _fail_unreadable(name, error)
            code = max(code, EXIT_UNREADABLE)
            continue
        except OSError as error:
            click.echo(f"edi-ivig: {error.filename or name}: {error.strerror or error}", err=True)
            code = max(code, EXIT_UNREADABLE)
            continue
        if result.has_errors and code == EXIT_OK:
            code = EXIT_FINDINGS
    sys.exit(code)


@main.command()
@click.argument("input_", type=INPUT, metavar="INPUT")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
    help="Where to write the corrected 837 (- for stdout). Written atomically: a"
    " temporary file renamed into place, nothing left behind on error.",
)
@click.option(
    "--unsafe-fixes", is_flag=True,
    help="Also apply the fixes that assert something the provider must stand behind"
    " (adding JZ or 25, replacing a NOC code). Safe fixes are always applied.",
)
@click.option(
    "--hold-errors", "held", type=click.Path(dir_okay=False), default=None,
    help="Move the claims that still carry an error finding after fixing into this file (a"
    " valid 837 of its own; empty when no claim is held), so OUTPUT holds only claims fit to"
    " send. A file, never - (stdout is for OUTPUT only). Exit code 1 when any claim is held.",
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=1, show_default=True,
    help="Convert an INPUT file of 8 MB or more in this many processes (at most the CPU count), cut"
    " at its interchanges or transactions (interchanges only with --hold-errors); every output is"
    " the bytes one process writes. Not with --html, whose page is made in one process.",
)
@config_option
@report_options(several=False)
def fix(
    input_: str, output: str, unsafe_fixes: bool, held: str | None, workers: int, config_path: str | None,
    json_path: str | None, ack_path: str | None, html_path: str | None,
) -> None:
    """Write INPUT with the fixes applied to OUTPUT.

    Safe fixes (units in the descriptor's unit where the claim shows the slip,
    the NOS narrative from the NDC, a per-day split where each line states its
    daily dose) are applied; unsafe ones (an even split of a date range, JZ,
    modifier 25, a recode) only with --unsafe-fixes or when the config says so
    for a rule; `edi-ivig rules` gives each rule's. Claims no fix changes
    are written exactly as read; a file with nothing to fix comes out
    byte-identical. INPUT is never modified. The findings and summary go to
    stdout; when OUTPUT is - (a filter), only the summary, to stderr. Every
    output must be a file of its own (exit 2 before any work otherwise), and only
    OUTPUT may be - (stdout).
    """
    if held == "-":
        raise click.UsageError("--hold-errors must name a file: stdout (-) carries only the corrected 837")
    if workers > 1 and html_path:
        raise click.UsageError("--workers and --html: the HTML page is made in one process; drop one of them")
    for flag, path in (("--json", json_path), ("--277", ack_path), ("--html", html_path)):
        if path == "-":
            raise click.UsageError(f"{flag} must name a file: in fix, stdout (-) carries only the corrected 837")
    _check_outputs(
        (input_,),
        [("OUTPUT", output), ("--hold-errors", held), ("--json", json_path), ("--277", ack_path), ("--html", html_path)],
    )
    config = _load_config(config_path)
    pipeline = build_pipeline("fix", config=config, unsafe_fixes=unsafe_fixes)
    paths = {"json": json_path, "ack": ack_path, "html": html_path}
    try:
        result = None
        if workers > 1 and input_ != "-":
            result = _run_in_chunks(input_, _workers(workers), output=output, held=held, paths=paths, config=config,
                                    unsafe_fixes=unsafe_fixes, echo_to_stderr=output == "-")
        if result is None:
            result = _run(pipeline, input_, output=output, held=held, paths=paths, config=config,
                          echo_to_stderr=output == "-")
    except OutputError as error:
        _fail_output(error)
        sys.exit(EXIT_OUTPUT)
    except UnreadableInput as error:
        _fail_unreadable(input_, error)
        sys.exit(EXIT_UNREADABLE)
    except OSError as error:
        click.echo(f"edi-ivig: {error.filename or input_}: {error.strerror or error}", err=True)
        sys.exit(EXIT_UNREADABLE)
    sys.exit(EXIT_FINDINGS if result.has_errors else EXIT_OK)


class _FolderOrUrl(click.Path):
    """A folder, or a URL (s3://, gs://, file://, ...) left for fsspec to check: batch on Dask reads and writes those."""

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        return value if "://" in value else super().convert(value, param, ctx)


@main.command()
@click.argument("in_dir", type=_FolderOrUrl(exists=True, file_okay=False), metavar="IN_DIR")
@click.argument("out_dir", type=_FolderOrUrl(file_okay=False), metavar="OUT_DIR")
@click.option(
    "--workers", type=click.IntRange(min=1), default=None,
    help="Files converted at once, each in its own process; more than the CPU count is capped at"
    " it, with a warning on stderr. [default: the CPU count, at most 8]",
)
@click.option(
    "--scheduler", metavar="ADDRESS", default=None,
    help="Run each file as a task on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:8786);"
    " IN_DIR and OUT_DIR may then be URLs the workers reach.",
)
@click.option(
    "--dask-local", type=click.IntRange(min=1), default=None, metavar="N",
    help="Run each file as a task on a Dask cluster of N worker processes started on this machine.",
)
@click.option("--unsafe-fixes", is_flag=True, help="Also apply the unsafe fixes (see fix --help).")
@click.option(
    "--hold-errors", is_flag=True,
    help="Keep the claims that still carry an error finding out of NAME and put them in NAME.held"
    " (a valid 837; written only when a claim is held); no NAME when every claim is held.",
)
@config_option
def batch(
    in_dir: str, out_dir: str, workers: int | None, scheduler: str | None, dask_local: int | None,
    unsafe_fixes: bool, hold_errors: bool, config_path: str | None,
) -> None:
    """Fix every file in IN_DIR, writing the results to OUT_DIR.

    For each file NAME directly in IN_DIR, OUT_DIR gets NAME (the corrected
    837), NAME.277 (the 277CA) and NAME.json (the report), each written
    atomically. Hidden names (.NAME: how transfer tools name a file still being
    written) and anything not a regular file are not converted: each is named on
    stderr as skipped and counted in the summary. A file that cannot be read, or
    whose outputs cannot be written, is reported, gets no output, and the batch
    goes on. OUT_DIR/batch-summary.json sums up the run; a run over the same
    folder gives the same bytes. A progress bar shows on a terminal. Exit code 1
    when a file failed or error findings remain; 4 when an output could not be
    written.

    With --scheduler or --dask-local, each file is a task on a Dask cluster (a
    file of 64 MB or more, a task per chunk of its interchanges or transactions),
    with the same outputs and summary; IN_DIR and OUT_DIR may be fsspec URLs
    (s3://, gs://, file://; S3 credentials as for the AWS CLI). A worker that
    dies mid-file has the file retried on another; no half-written output
    remains under a final name. Dask's dashboard address goes to stderr.

    \b
    Examples:
      edi-ivig batch inbox/ outbox/                           this machine, in processes
      edi-ivig batch inbox/ outbox/ --dask-local 2            a local Dask cluster of 2 workers
      edi-ivig batch s3://claims/in s3://claims/out --dask-local 4
                                                              a bucket, from this machine
      edi-ivig batch s3://claims/in s3://claims/out --scheduler tcp://scheduler:8786
                                                              a bucket, on a cluster
    """
    from edi_ivig import batch as batches

    if scheduler is not None or dask_local is not None:
        _dask_batch(in_dir, out_dir, workers, scheduler, dask_local, unsafe_fixes, hold_errors, config_path)
    if "://" in in_dir or "://" in out_dir:
        raise click.UsageError("a URL as IN_DIR or OUT_DIR needs --dask-local N or --scheduler ADDRESS")
    source, target = Path(in_dir).resolve(), Path(out_dir).resolve()
    if source == target:
        raise click.UsageError("OUT_DIR is IN_DIR; edi-ivig never writes over its inputs")
    _load_config(config_path)  # a bad config is a usage error before any work
    files = batches.inputs(source)
    workers = _workers(workers)
    try:
        with _progress(len(files)) as advance:
            summary = batches.run_batch(
                source, target, workers=workers, unsafe_fixes=unsafe_fixes, hold_errors=hold_errors,
                config_path=config_path, progress=advance,
            )
    except OutputError as error:
        _fail_output(error)
        sys.exit(EXIT_OUTPUT)
    _batch_done(summary, f"{workers} worker(s)", out_dir)


def _batch_done(summary, ran_on: str, out_dir: str) -> None:  # type: ignore[no-untyped-def]
    """What batch says when done, and its exit code."""
    from edi_ivig import batch as batches

    totals = summary.totals()
    written = f"{out_dir.rstrip('/')}/{batches.SUMMARY}" if "://" in out_dir else Path(out_dir) / batches.SUMMARY
    for failure in summary.failed:
        click.echo(f"edi-ivig: {failure.name}: {failure.error}", err=True)
    for skipped in summary.skipped:
        click.echo(f"edi-ivig: {skipped.name}: skipped: {skipped.why}", err=True)
    rules = ", ".join(f"{rule} {count}" for rule, count in totals["findings_by_rule"].items()) or "none"  # type: ignore[union-attr]
    click.echo(
        f"{totals['files']} file(s), {totals['failed']} failed, {totals['skipped']} skipped;"
        f" {totals['claims']} claim(s), {totals['changed']} changed,"
        f" {totals['held']} held;"
        f" {totals['errors_left']} error(s) left; findings by rule: {rules}; {summary.seconds:.1f} s with"
        f" {ran_on}; summary in {written}"
    )
    if summary.cannot_write:
        sys.exit(EXIT_OUTPUT)
    sys.exit(EXIT_FINDINGS if summary.failed or totals["errors_left"] else EXIT_OK)


def _dask_batch(
    in_dir: str, out_dir: str, workers: int | None, scheduler: str | None, dask_local: int | None,
    unsafe_fixes: bool, hold_errors: bool, config_path: str | None,
) -> None:
    """batch on a Dask cluster (edi_ivig.dask_batch); what cannot be reached is one line and exit 2."""
    if workers is not None or (scheduler is not None and dask_local is not None):
        raise click.UsageError("use one of --workers, --scheduler and --dask-local")
    if "://" not in in_dir + out_dir and Path(in_dir).resolve() == Path(out_dir).resolve():
        raise click.UsageError("OUT_DIR is IN_DIR; edi-ivig never writes over its inputs")
    _load_config(config_path)
    from edi_ivig import dask_batch
    from edi_ivig.places import PlaceError

    try:
        with dask_batch.connect(scheduler, dask_local) as client:
            if (link := dask_batch.dashboard(client)) is not None:
                click.echo(f"edi-ivig: Dask dashboard: {link}", err=True)
            summary = dask_batch.run_dask_batch(
                in_dir, out_dir, client, unsafe_fixes=unsafe_fixes, hold_errors=hold_errors, config_path=config_path,
                progress=_stderr_is_terminal(),
            )
            ran_on = f"Dask at {scheduler}" if scheduler else f"a local Dask cluster of {dask_local} worker(s)"
    except (dask_batch.DaskError, PlaceError) as error:
        click.echo(f"edi-ivig: {error}", err=True)
        sys.exit(EXIT_USAGE)
    except OutputError as error:
        _fail_output(error)
        sys.exit(EXIT_OUTPUT)
    _batch_done(summary, ran_on, out_dir)


def _stderr_is_terminal() -> bool:
    from rich.console import Console

    return Console(stderr=True).is_terminal


def _workers(asked: int | None) -> int:
    """--workers, capped at the CPU count: more processes than CPUs only add memory and switching."""
    from edi_ivig import batch as batches

    cpus = os.cpu_count() or 1
    if asked is None:
        return batches.default_workers()
    if asked > cpus:
        click.echo(f"edi-ivig: --workers {asked} is more than the {cpus} CPU(s); using {cpus}", err=True)
        return cpus
    return asked


@contextmanager
def _progress(total: int):  # type: ignore[no-untyped-def]
    """A progress bar on a terminal (stderr); nothing when piped."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda outcome: None
        return
    columns = (TextColumn("converting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("files", total=total)
        yield lambda outcome: bar.advance(task)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=INPUT, metavar="INPUT...")
@click.option(
    "--999", "ack_path", type=click.Path(allow_dash=False), default=None,
    help="Write pyx12's 999 acknowledgment here (a file, not -: stdout carries what validate"
    " finds; with several INPUTs: a directory, one NAME.999 per input).",
)
def validate(inputs: tuple[str, ...], ack_path: str | None) -> None:
    """Validate each INPUT against its implementation guide with pyx12.

    Errors are listed per claim (CLM01) with the segment number in the file
    (ISA = 1) and the position in the transaction that a 999 reports.
    """
    from edi_ivig.validate import validate as run_validation

    if ack_path == "-":
        raise click.UsageError("--999 must name a file: stdout carries what validate finds")
    if ack_path and len(inputs) > 1 and not Path(ack_path).is_dir():
        raise click.UsageError("with several INPUTs, --999 must name an existing directory")
    targets = {name: _999_path(ack_path, name) for name in inputs} if ack_path else {}
    _check_outputs(inputs, [(f"--999 of {name}", target) for name, target in targets.items()])
    code = EXIT_OK
    for name in inputs:
        try:
            with open_input(name) as stream:
                result = run_validation(stream)
        except UnreadableInput as error:
            _fail_unreadable(name, error)
            code = max(code, EXIT_UNREADABLE)
            continue
        except OSError as error:
            click.echo(f"edi-ivig: {name}: {error.strerror or error}", err=True)
            code = max(code, EXIT_UNREADABLE)
            continue
        for note in result.notes:
            click.echo(f"{name}: note: {note}", err=True)
        try:
            if ack_path:
                with atomic_output(targets[name]) as sink:
                    sink.write(result.ack_999.encode("latin-1"))
        except OutputError as error:
            _fail_output(error)
            code = EXIT_OUTPUT
            continue
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


def _999_path(ack_path: str, name: str) -> str:
    return str(Path(ack_path) / f"{Path(name).name}.999") if Path(ack_path).is_dir() else ack_path


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table", show_default=True,
    help="A table for the terminal, a markdown table for documents, or JSON for tools.",
)
def rules(fmt: str) -> None:
    """List the rules: id, title, claim types, severity, fix safety, 277CA code."""
    from edi_ivig.reports.rules import render

    click.echo(render(fmt), nl=fmt != "table")


@main.command()
@click.argument("ack", type=click.Path(exists=True, dir_okay=False), metavar="FILE.277")
def summary(ack: str) -> None:
    """Show a 277CA as the submitter reads it: each claim accepted or rejected, with its status
    codes, and what edi-ivig corrected, left to review or held it for (no patient names)."""
    from edi_ivig.reports.ack277_summary import render

    try:
        click.echo(render(Path(ack).read_bytes(), ack))
    except UnreadableInput as error:
        _fail_unreadable(ack, error)
        sys.exit(EXIT_UNREADABLE)


@main.command()
@click.argument("cases_dir", type=click.Path(exists=True, file_okay=False), metavar="CASES_DIR")
@click.option(
    "--update", is_flag=True,
    help="Rewrite each failing case's expected.x12 and findings.json with what it produced."
    " Review the change (git diff) before keeping it.",
)
def regress(cases_dir: str, update: bool) -> None:
    """Run the regression cases under CASES_DIR and show what differs.

    A case is a folder with input.x12, expected.x12 (the corrected 837),
    findings.json (the expected findings) and an optional case.toml (mode,
    unsafe_fixes, config). EDI differences are shown one segment per line.
    Exit 0 when every case passed (or, with --update, was updated), 1 when
    one failed, 2 when a case.toml is wrong.
    """
    from edi_ivig import regress as cases

    try:
        found = cases.find_cases(Path(cases_dir))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if not found:
        raise click.UsageError(f"no case (a folder with input.x12) under {cases_dir}")
    failed = not_updated = 0
    for case in found:
        outcome = cases.run_case(case)
        name = str(case.folder)
        if outcome.passed:
            click.echo(f"ok    {name}")
            continue
        failed += 1
        click.echo(f"FAIL  {name}" + (f": {outcome.error}" if outcome.error else ""))
        for line in outcome.output_diff + outcome.findings_diff:
            click.echo(f"      {line}")
        if update and outcome.error is None:
            cases.update(outcome)
            click.echo("      (expectations updated)")
        else:
            not_updated += 1
    summary = f"{len(found) - failed} passed, {failed} failed"
    click.echo(summary + (f", {failed - not_updated} updated" if update else ""))
    sys.exit(EXIT_FINDINGS if not_updated else EXIT_OK)


