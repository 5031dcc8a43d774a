"""Command line: parse options, call the library, render. No algorithm here.

Exit codes: 0 success (whatever is found), 1 when ``--fail-on`` finds such a match, 2 bad input or
usage (missing path, nothing readable, malformed JSONL, invalid option).
"""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer
from typer.core import TyperArgument, TyperCommand, TyperOption

from dedup import __version__
from dedup.cli_index import register
from dedup.cli_report import MinShareOption, Scope, ScopeOption, TopOption, choice, filter_error, number
from dedup.config import BOILERPLATE_MIN_DOCS, ScanConfig
from dedup.files import written_whole
from dedup.progress import Progress
from dedup.report import PLAIN_WIDTH, render
from dedup.sources import DEFAULT_GLOBS, InputError

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgressBar

    from dedup.model import Report

# The stages (numba, scikit-learn, scipy), the renderers, the model and rich's consoles are imported
# inside the commands that use them, so that `dedup --help`, `dedup --version` and argument errors
# answer at once; tests/test_cli.py checks that none of the stages is loaded for them.

app = typer.Typer(
    name="dedup",
    help="Find exact, near and partial text reuse in and across documents, and what changed.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

FORMAT_HELP = "Report format (default: from --output's extension, .html .json or .txt; else text)."
FIGURE_GROUPS_HELP = "JSON or TOML file of extra figure groups for conflicts: {\"militants\": [\"jihadists\"]}."
EXIT_FOUND = 1
EXIT_INPUT = 2


class PlainCommand(TyperCommand):
    """Conventional usage and argument help (``dedup scan [OPTIONS] PATH...``), not typer's
    ``{paths}...`` and ``<list[Path]>``: an argument shows its metavar and its help."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        arguments = [p for p in self.get_params(ctx) if isinstance(p, TyperArgument)]
        return [self.options_metavar or "", *(p.metavar if p.required else f"[{p.metavar}]" for p in arguments)]

    def format_options(self, ctx: typer.Context, formatter) -> None:  # type: ignore[no-untyped-def]
        params = self.get_params(ctx)
        arguments = [(p.metavar or p.name or "", p.help or "") for p in params if isinstance(p, TyperArgument)]
        options = [record for p in params if isinstance(p, TyperOption) and (record := p.get_help_record(ctx))]
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class OutputFormat(str, enum.Enum):
    text = "text"
    json = "json"
    html = "html"


class EngineName(str, enum.Enum):
    local = "local"
    ray = "ray"


class OutputFiles(str, enum.Enum):
    jsonl = "jsonl"
    parquet = "parquet"


class Kind(str, enum.Enum):
    exact = "exact"
    near = "near"
    partial = "partial"


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """One line on stderr and a non-zero exit: never a traceback for bad input."""
    typer.echo(f"dedup: error: {message}", err=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    typer.echo(f"dedup: warning: {message}", err=True)


# ScanConfig names its fields in errors; the command line names its options.
CONFIG_OPTIONS = {"threshold": "--threshold", "workers": "--workers", "min_words": "--min-words",
                  "figure_groups": "--figure-groups", "boilerplate_min_docs": "--boilerplate-min-docs"}
BOILERPLATE_MIN_DOCS_HELP = "Text in this many otherwise unrelated documents is boilerplate, not reuse."
BOILERPLATE_FILE_HELP = ("File of boilerplate lines, one a line; a line starting 're:' is a regular expression "
                         "matching a whole paragraph or sentence.")


def option_message(error: ValueError) -> str:
    """A ScanConfig error with the option's name in place of the field's (``--min-words must be ...``)."""
    field, _, rest = str(error).partition(" ")
    return f"{CONFIG_OPTIONS[field]} {rest}" if field in CONFIG_OPTIONS else str(error)


FORMAT_OF_SUFFIX = {".html": "html", ".htm": "html", ".json": "json", ".txt": "text", "": "text"}


def output_format_for(explicit: Optional[OutputFormat], output: Optional[Path]) -> OutputFormat:
    """The report format: ``--format``, else the one ``--output``'s extension names, else text.
    A ``--format`` that contradicts a known extension is refused (``-o report.html --format json``)."""
    suffix = output.suffix.lower() if output is not None else None
    implied = FORMAT_OF_SUFFIX.get(suffix) if suffix is not None else None
    if explicit is None:
        return OutputFormat(implied or "text")
    if implied is not None and suffix and implied != explicit.value:
        fail(f"{output}: --format {explicit.value} does not match the extension {suffix} "
             f"(a {implied} file); change one of them")
    return explicit


def check_writable(output: Optional[Path]) -> None:
    """Refuse an output that cannot be written before a long scan starts, not after it."""
    if output is None:
        return
    target = output.resolve() if output.is_symlink() else output
    if target.is_dir():
        fail(f"{output}: cannot write (it is a folder)")
    if target.exists() and not target.is_file():  # a FIFO or a device is written in place
        if not os.access(target, os.W_OK):
            fail(f"{output}: cannot write (permission denied)")
        return
    folder = target.parent
    if not folder.is_dir():
        fail(f"{output}: cannot write (no folder {folder})")
    if not os.access(folder, os.W_OK | os.X_OK):
        fail(f"{output}: cannot write (folder {folder} is not writable)")


def wrote(output: Optional[Path], quiet: bool) -> None:
    if output is not None and not quiet:
        typer.echo(f"dedup: wrote {output}", err=True)


class BarProgress(Progress):
    """A rich progress bar on stderr, one task per stage."""

    def __init__(self, bar: RichProgressBar) -> None:
        self.bar = bar
        self.task: object = None

    def start(self, stage: str, total: int) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[-1].total)  # type: ignore[arg-type]
        self.task = self.bar.add_task(stage, total=max(total, 1))

    def advance(self, units: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, units)  # type: ignore[arg-type]


def progress_bar(quiet: bool) -> RichProgressBar | None:
    """A progress bar only when a person is watching: stderr is a terminal and --quiet is off."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgressBar

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        return None
    return RichProgressBar(TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(),
                           TimeElapsedColumn(), console=console, transient=True)


def write_output(render, output: Optional[Path]) -> None:  # type: ignore[no-untyped-def]
    """Call ``render(console)`` for stdout or for ``output``; machine output gets nothing mixed in."""
    from rich.console import Console

    if output is None:
        console = Console(highlight=False)
        if not console.is_terminal:  # a pipe or a log: one line per record, never wrapped mid-sentence
            console = Console(highlight=False, soft_wrap=True, width=PLAIN_WIDTH)
        render(console)
        return
    try:
        with written_whole([output]) as (partial,), partial.open("w", encoding="utf-8") as handle:
            render(Console(file=handle, no_color=True, highlight=False, soft_wrap=True, width=PLAIN_WIDTH))
    except OSError as exc:
        fail(f"{output}: cannot write ({exc.strerror or exc})")


def load_figure_groups(path: Optional[Path]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """:func:`dedup.option_files.figure_groups` of ``path``, a bad file ending the run."""
    from dedup.option_files import figure_groups

    return _option_file(figure_groups, path)


def load_boilerplate_file(path: Optional[Path]) -> tuple[str, ...]:
    """:func:`dedup.option_files.boilerplate_lines` of ``path``, a bad file ending the run."""
    from dedup.option_files import boilerplate_lines

    return _option_file(boilerplate_lines, path)


def _option_file(read, path: Optional[Path]):  # type: ignore[no-untyped-def]
    if path is None:
        return ()
    try:
        return read(path)
    except ValueError as exc:
        fail(str(exc))


def emit_report(report: Report, output_format: OutputFormat, output: Optional[Path], **filters: object) -> None:
    from dedup.report.render_json import write_json
    from dedup.report.render_text import render_text

    if output_format is OutputFormat.json:
        write_output(lambda console: write_json(report, console.file), output)
    elif output_format is OutputFormat.html:
        write_payload(render(report, "html"), output)
    else:
        write_output(lambda console: render_text(report, console, **filters), output)  # type: ignore[arg-type]


def write_payload(payload: str, output: Optional[Path]) -> None:
    """Machine output (JSON, HTML) as is: to ``output`` or stdout, nothing else mixed in."""
    write_output(lambda console: console.file.write(payload), output)


@app.command("scan", cls=PlainCommand)
def scan_command(
    paths: Annotated[list[Path], typer.Argument(
        metavar="PATH...", help="Files, folders (recursive), JSONL or Parquet files of {id, text}.", show_default=False)],
    threshold: Annotated[float, typer.Option(metavar="FLOAT", parser=number(float),
                                             help="Jaccard similarity for near-duplicate paragraphs.")] = 0.7,
    report_format: Annotated[Optional[OutputFormat], typer.Option(
        "--format", "-f", metavar="[text|json|html]", parser=choice(OutputFormat), help=FORMAT_HELP)] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE",
                                                   help="Write the report to this file.")] = None,
    glob: Annotated[Optional[list[str]], typer.Option(metavar="PATTERN",
                                                      help="File name patterns in folders (repeatable).")] = None,
    fail_on: Annotated[Optional[Kind], typer.Option(metavar="[exact|near|partial]", parser=choice(Kind),
                                                    help="Exit 1 if a match of this kind (or stricter) exists.")] = None,
    workers: Annotated[int, typer.Option(metavar="INTEGER", parser=number(int), help=(
        "Workers: threads for signatures, processes for segmentation, diffs and figures."))] = 1,
    min_words: Annotated[int, typer.Option(metavar="INTEGER", parser=number(int),
                                           help="Paragraphs with fewer words are not compared.")] = 4,
    date_field: Annotated[str, typer.Option(metavar="NAME", help=(
        "Metadata field dating each JSONL/Parquet document: reuse runs from the earlier to the later."))] = "date",
    diffs: Annotated[bool, typer.Option(help="Show what changed: word and figure diffs of near and partial "
                                             "matches, figure conflicts. --no-diffs skips them (large dedup "
                                             "jobs that need only the matches).", show_default=False)] = True,
    skip_bad_lines: Annotated[bool, typer.Option("--skip-bad-lines",
                                                 help="Skip malformed JSONL lines instead of stopping.")] = False,
    figure_groups: Annotated[Optional[Path], typer.Option(metavar="FILE", help=FIGURE_GROUPS_HELP)] = None,
    boilerplate_min_docs: Annotated[int, typer.Option(metavar="INTEGER", parser=number(int),
                                                      help=BOILERPLATE_MIN_DOCS_HELP)] = BOILERPLATE_MIN_DOCS,
    boilerplate_file: Annotated[Optional[Path], typer.Option(metavar="FILE", help=BOILERPLATE_FILE_HELP)] = None,
    max_document_mb: Annotated[float, typer.Option(metavar="FLOAT", parser=number(float),
                                                   help="Skip documents larger than this (MB).")] = 32.0,
    engine: Annotated[EngineName, typer.Option(metavar="[local|ray]", parser=choice(EngineName),
                                               help="Where the heavy stages run: this machine, or Ray.")] = (
        EngineName.local),
    address: Annotated[Optional[str], typer.Option(metavar="HOST:PORT",
                                                   help="Ray cluster to join (default: start a local one).")] = None,
    shards: Annotated[Optional[int], typer.Option(metavar="INTEGER", parser=number(int), help=(
        "Ray shards per stage (default: one per CPU of the cluster)."))] = None,
    output_format: Annotated[Optional[OutputFiles], typer.Option(
        "--output-format", metavar="[jsonl|parquet]", parser=choice(OutputFiles),
        help="Also write matches, clusters and the ids to drop as files (large corpora).")] = None,
    output_dir: Annotated[Path, typer.Option(metavar="DIRECTORY",
                                             help="Folder for --output-format files.")] = Path("dedup-output"),
    keep: Annotated[str, typer.Option(metavar="RULE", help="Which document of a duplicate group to keep: first, "
                                      "longest, or metadata:FIELD (smallest value, e.g. a date).")] = "first",
    scope: ScopeOption = Scope.all,
    top: TopOption = None,
    min_share: MinShareOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no messages on stderr.")] = False,
) -> None:
    """Scan documents for exact, near and partial reuse, inside and across files."""
    from contextlib import nullcontext

    from dedup.model import KIND_ORDER
    from dedup.pipeline import scan

    if max_document_mb <= 0:
        fail(f"--max-document-mb must be positive, got {max_document_mb}")
    if shards is not None and shards < 1:
        fail(f"--shards must be a positive integer, got {shards}")
    chosen_format = output_format_for(report_format, output)
    if message := filter_error(scope, top, min_share, chosen_format is OutputFormat.text):
        fail(message)
    check_writable(output)
    try:
        config = ScanConfig(threshold=threshold, workers=workers, min_words=min_words, diffs=diffs,
                            figure_groups=load_figure_groups(figure_groups),
                            boilerplate_min_docs=boilerplate_min_docs,
                            boilerplate_lines=load_boilerplate_file(boilerplate_file), date_field=date_field)
    except ValueError as exc:
        fail(option_message(exc))
    if output_format is not None:
        from dedup.report.output_files import keep_rule

        try:
            keep_rule(keep)  # a bad rule is refused before a long scan, not after it
        except ValueError as exc:
            fail(str(exc))
    bar = progress_bar(quiet)
    try:
        chosen = None  # the scan's own local engine, with --workers
        if engine is EngineName.ray:
            from dedup.engines.ray import RayEngine

            chosen = RayEngine(address=address, shards=shards,
                               notify=None if quiet else lambda line: typer.echo(f"dedup: {line}", err=True))
        with chosen or nullcontext(), bar or nullcontext():
            report = scan(paths, config=config, globs=glob or DEFAULT_GLOBS, skip_bad_lines=skip_bad_lines,
                          max_document_bytes=int(max_document_mb * 1e6), warn=None if quiet else warn,
                          progress=BarProgress(bar) if bar else None, engine=chosen)
    except (InputError, ImportError) as exc:
        fail(str(exc))
    if output_format is not None:
        from dedup.report.output_files import keep_warning

        unused_rule = keep_warning(report.documents, keep)
        if unused_rule is not None:  # in the report's warnings too, as the scan's own are
            report.warnings.append(unused_rule)
            if not quiet:
                warn(unused_rule)
    emit_report(report, chosen_format, output, scope=scope.value, top=top, min_share=min_share)
    wrote(output, quiet)
    if output_format is not None:
        from dedup.report.output_files import write_outputs

        try:
            written = write_outputs(report, output_dir, output_format.value, keep)
        except (ValueError, OSError) as exc:  # mixed metadata types; a folder that cannot be written
            fail(f"{output_dir}: {exc}")
        if not quiet:
            typer.echo("dedup: wrote " + ", ".join(str(path) for path in written.values()), err=True)
    found = fail_on is not None and any(KIND_ORDER[m.kind] <= KIND_ORDER[fail_on.value] for m in report.matches)
    if engine is EngineName.local:
        _EXIT.without_teardown = True  # every file is closed and no worker process is left
    if found:
        raise typer.Exit(EXIT_FOUND)


@app.command("diff", cls=PlainCommand)
def diff_command(
    a: Annotated[Path, typer.Argument(metavar="A", help="The earlier or original document.", show_default=False)],
    b: Annotated[Path, typer.Argument(metavar="B", help="The document to compare with it.", show_default=False)],
    output_format: Annotated[Optional[OutputFormat], typer.Option(
        "--format", "-f", metavar="[text|json|html]", parser=choice(OutputFormat),
        help=FORMAT_HELP.replace("Report", "Output"))] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Write to this file.")] = None,
    threshold: Annotated[float, typer.Option(metavar="FLOAT", parser=number(float),
                                             help="Jaccard similarity for near-duplicate paragraphs.")] = 0.7,
    figure_groups: Annotated[Optional[Path], typer.Option(metavar="FILE", help=FIGURE_GROUPS_HELP)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No messages on stderr.")] = False,
) -> None:
    """Align two documents and show which wording and which figures changed."""
    from dedup.pipeline import compare
    from dedup.report.render_text import render_comparison

    chosen_format = output_format_for(output_format, output)
    check_writable(output)
    try:
        config = ScanConfig(threshold=threshold, figure_groups=load_figure_groups(figure_groups))
    except ValueError as exc:
        fail(option_message(exc))
    try:
        comparison = compare(a, b, config=config, warn=None if quiet else warn)
    except InputError as exc:
        fail(str(exc))
    if chosen_format is OutputFormat.text:  # a terminal gets colours
        write_output(lambda console: render_comparison(comparison, console), output)
    else:
        write_payload(render(comparison, chosen_format.value), output)
    wrote(output, quiet)


def _print_version(requested: bool) -> None:
    if requested:
        typer.echo(f"dedup {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    settings_file: Annotated[Optional[Path], typer.Option(
        "--config", help="Settings file (default: dedup.toml, or [tool.dedup] in pyproject.toml, in the "
                         "current folder).", show_default=False)] = None,
) -> None:
    """Options before any command (the app's help text is set on ``app``). The settings file gives
    the commands' defaults (click's ``default_map``), so a flag on the command line wins over it."""
    from dedup.settings import SettingsError, command_defaults, load_settings

    try:
        settings = load_settings(path=settings_file)
    except SettingsError as exc:
        fail(str(exc))
    ctx.obj = settings
    ctx.default_map = command_defaults(settings)


@app.command("config")
def config_command(
    ctx: typer.Context,
    threshold: Annotated[Optional[float], typer.Option(help="As for scan.", show_default=False)] = None,
    min_words: Annotated[Optional[int], typer.Option(help="As for scan.", show_default=False)] = None,
    glob: Annotated[Optional[list[str]], typer.Option(help="As for scan.", show_default=False)] = None,
    figure_groups: Annotated[Optional[Path], typer.Option(help="As for scan.", show_default=False)] = None,
    index: Annotated[Optional[Path], typer.Option(help="As for check and serve.", show_default=False)] = None,
    token_env: Annotated[Optional[str], typer.Option(help="Environment variable holding serve's token.",
                                                     show_default=False)] = None,
    boilerplate_min_docs: Annotated[Optional[int], typer.Option(help="As for scan.", show_default=False)] = None,
    boilerplate_file: Annotated[Optional[Path], typer.Option(help="As for scan.", show_default=False)] = None,
) -> None:
    """Show the settings in force and where each comes from: default, a settings file, or a flag."""
    from dedup.settings import with_flags

    flags = {"threshold": threshold, "min_words": min_words, "globs": tuple(glob) if glob else None,
             "figure_groups": figure_groups and str(figure_groups), "index": index and str(index),
             "token_env": token_env, "boilerplate_min_docs": boilerplate_min_docs,
             "boilerplate_file": boilerplate_file and str(boilerplate_file)}
    settings = with_flags(ctx.obj, flags)
    for name, setting in settings.items():
        value = setting.value
        shown = ", ".join(value) if isinstance(value, tuple) else "(none)" if value is None else str(value)
        if name == "token_env":
            shown += " (set)" if str(value) in os.environ else " (not set)"
        typer.echo(f"{name:<14} {shown:<32} {setting.source}")


@app.command("version")
def version_command() -> None:
    """Print the version."""
    _print_version(True)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON schema of the scan report (--format json)."""
    from dedup.report import schema_json

    typer.echo(schema_json(), nl=False)


register(app)


class _ExitMode:
    """Set by a command whose work is done and whose files are closed, for ``main`` to read."""

    without_teardown = False


_EXIT = _ExitMode()


def main() -> None:
    """The ``dedup`` command. After a local scan the process ends without freeing its objects one by
    one: a scan of the Debian corpus leaves millions (matches, passages, diffs), and tearing them down
    took 0.6-1 s after the report was already written (mypy's fast exit does the same). Only the
    console script does this; ``app`` called in-process (tests, other programs) returns as usual."""
    try:
        app()
    except SystemExit as done:
        if not _EXIT.without_teardown:
            raise
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can reach it
                pass
        os._exit(code)
