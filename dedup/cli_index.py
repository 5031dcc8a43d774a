"""Command line for the persistent index: ``dedup index ...``, ``dedup check`` and ``dedup serve``.

``dedup check`` exits with the verdict, so a shell pipeline can branch on it:

====  ==================================================================
0     new: nothing reused
3     partial-reuse: some passages are copies of stored articles
4     near-duplicate: most of the text copies one stored article
5     duplicate: the same article is stored
2     bad input or usage (missing file, empty text, not an index, parameter mismatch)
====  ==================================================================

``dedup check --add`` stores the article unless it is a duplicate (see
:meth:`dedup.index.Index.check_and_add`); ``--id`` names it (default: the file name; required for
stdin). Retried with the same id and text it stores nothing and gives the verdict against the other
stored articles; another text under a stored id exits 2 unless ``--replace``. ``dedup serve`` exits 0
when stopped, 2 on bad input and 6 when it cannot listen (address in use or not allowed). ``dedup index stats --verify`` exits 1 when the integrity check fails. Every other command
exits 0 on success and 2 on bad input, with one line on stderr.
"""

from __future__ import annotations

import enum
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dedup.config import BOILERPLATE_MIN_DOCS
from dedup.sources import DEFAULT_GLOBS, InputError, UnusableFile, file_text, read_documents

if TYPE_CHECKING:
    from dedup.index import Index, Verdict

# dedup.index (numba, scipy) is imported inside the commands that open an index, so that `dedup --help`,
# `dedup check --help` and argument errors answer at once.

EXIT_CODES = {"new": 0, "partial-reuse": 3, "near-duplicate": 4, "duplicate": 5}
EXIT_VERIFY_FAILED = 1
EXIT_CANNOT_LISTEN = 6

index_app = typer.Typer(name="index", help="A persistent index of articles: create, add, list, remove, stats, upgrade.",
                        no_args_is_help=True)


class CheckFormat(str, enum.Enum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add ``index``, ``check`` and ``serve`` to the ``dedup`` app."""
    app.add_typer(index_app, name="index")
    app.command("check")(check_command)
    app.command("serve")(serve_command)


def _cli() -> ModuleType:
    """``dedup.cli`` (fail, warn, progress bar): imported late, because it imports this module to register."""
    from dedup import cli

    return cli


def _open(path: Path, *, corrupt_code: int = 2, **params: Any) -> Index:
    """Open an index or exit with one line: 2 for bad input (not an index, other parameters), and
    ``corrupt_code`` for a damaged file."""
    from dedup.index import Index, IndexCorrupt, IndexFileError

    try:
        return Index.open(path, **params)
    except IndexCorrupt as exc:
        _cli().fail(str(exc), corrupt_code)
    except (IndexFileError, ValueError) as exc:
        _cli().fail(str(exc))


@index_app.command("create")
def create_command(
    path: Annotated[Path, typer.Argument(help="The index file to create (must not exist).")],
    threshold: Annotated[float, typer.Option(help="Jaccard similarity for near-duplicate paragraphs.")] = 0.7,
    shingle_size: Annotated[int, typer.Option(help="Words per paragraph shingle.")] = 5,
    num_perm: Annotated[int, typer.Option(help="MinHash permutations.")] = 128,
    min_words: Annotated[int, typer.Option(help="Paragraphs with fewer words are not compared.")] = 4,
    seed: Annotated[int, typer.Option(help="MinHash seed.")] = 1,
    boilerplate_min_docs: Annotated[int, typer.Option(help="Text in this many otherwise unrelated documents "
                                                      "(stored ones and the checked one) is boilerplate.")
                                    ] = BOILERPLATE_MIN_DOCS,
    boilerplate_file: Annotated[Path | None, typer.Option(
        help="File of boilerplate lines (or 're:' patterns); the lines are stored in the index.")] = None,
) -> None:
    """Create an empty index with these matching parameters (stored in it)."""
    from dedup.index import Index, IndexFileError

    cli = _cli()
    lines = cli.load_boilerplate_file(boilerplate_file)
    try:
        Index.create(path, threshold=threshold, shingle_size=shingle_size, num_perm=num_perm,
                     min_words=min_words, seed=seed, boilerplate_min_docs=boilerplate_min_docs,
                     boilerplate_lines=lines).close()
    except (IndexFileError, ValueError) as exc:
        _cli().fail(str(exc))
    typer.echo(f"created {path}")


@index_app.command("add")
def add_command(
    path: Annotated[Path, typer.Argument(help="The index file.")],
    inputs: Annotated[list[Path], typer.Argument(help="Files, folders (recursive) or JSONL files of {id, text}.")],
    replace: Annotated[bool, typer.Option(help="Overwrite documents whose id is already stored.")] = False,
    skip_existing: Annotated[bool, typer.Option(
        help="Leave documents whose id is already stored as they are, and add the others.")] = False,
    batch_size: Annotated[int, typer.Option(help="Documents per transaction.", min=1)] = 500,
    glob: Annotated[list[str] | None, typer.Option(help="File name patterns in folders (repeatable).")] = None,
    skip_bad_lines: Annotated[bool, typer.Option(help="Skip malformed JSONL lines instead of stopping.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no warnings on stderr.")] = False,
) -> None:
    """Add documents; an id already stored is an error unless --replace or --skip-existing."""
    from dedup.index import IndexFileError

    cli = _cli()
    if replace and skip_existing:
        cli.fail("--replace and --skip-existing exclude each other")
    skipped = 0
    with _open(path) as index:
        try:
            documents = read_documents(inputs, globs=glob or DEFAULT_GLOBS, skip_bad_lines=skip_bad_lines,
                                       warn=(lambda message: None) if quiet else cli.warn)
        except InputError as exc:
            cli.fail(str(exc))
        if skip_existing:
            kept = [d for d in documents if d.id not in index]
            skipped, documents = len(documents) - len(kept), kept
        elif not replace:
            stored = next((d.id for d in documents if d.id in index), None)
            if stored is not None:
                cli.fail(f"document {stored!r} is already in {path} (use --replace to overwrite it)")
        items = ((d.id, d.text, {"path": d.path, **d.metadata}) for d in documents)
        bar = cli.progress_bar(quiet)
        try:
            if bar is None:
                added = index.add_many(items, batch_size=batch_size, replace=replace)
            else:
                with bar:
                    task = bar.add_task("adding", total=len(documents))
                    added = index.add_many(items, batch_size=batch_size, replace=replace,
                                           progress=lambda done: bar.update(task, completed=done))
        except (IndexFileError, ValueError) as exc:
            cli.fail(str(exc))
    from dedup.report.labels import counted

    typer.echo(f"added {counted(added, 'document')} to {path}" + (f" (skipped {skipped} already stored)" if skipped else ""))


class ListFormat(str, enum.Enum):
    text = "text"
    json = "json"


@index_app.command("list")
def list_command(
    path: Annotated[Path, typer.Argument(help="The index file.")],
    output_format: Annotated[ListFormat, typer.Option("--format", "-f", help="One id a line, or a JSON array.")
                             ] = ListFormat.text,
) -> None:
    """The stored ids, in code point order."""
    from dedup.index import IndexFileError

    with _open(path) as index:
        try:
            ids = index.ids()
        except IndexFileError as exc:
            _cli().fail(str(exc))
    if output_format is ListFormat.json:
        typer.echo(json.dumps(ids, ensure_ascii=False))
    elif ids:
        typer.echo("\n".join(ids))


@index_app.command("remove")
def remove_command(
    path: Annotated[Path, typer.Argument(help="The index file.")],
    ids: Annotated[list[str], typer.Argument(help="Ids of the documents to remove.")],
) -> None:
    """Remove documents by id (each in its own transaction)."""
    from dedup.index import IndexFileError

    with _open(path) as index:
        for doc_id in ids:
            try:
                index.remove(doc_id)
            except IndexFileError as exc:
                _cli().fail(str(exc))
    typer.echo(f"removed {len(ids)} documents from {path}")


@index_app.command("upgrade")
def upgrade_command(path: Annotated[Path, typer.Argument(help="The index file.")]) -> None:
    """Rewrite an index made by an older dedup in this version's schema (one transaction: an interrupted
    upgrade leaves it as it was; a few minutes per million stored paragraphs)."""
    from dedup.index import SCHEMA_VERSION, Index, IndexFileError

    try:
        before = Index.upgrade(path)
    except IndexFileError as exc:
        _cli().fail(str(exc))
    if before == SCHEMA_VERSION:
        typer.echo(f"{path} is already at schema version {SCHEMA_VERSION}")
    else:
        typer.echo(f"upgraded {path} from schema version {before} to {SCHEMA_VERSION}")


@index_app.command("stats")
def stats_command(
    path: Annotated[Path, typer.Argument(help="The index file.")],
    verify: Annotated[bool, typer.Option(help="Run the integrity and consistency checks; exit 1 on failure.")] = False,
) -> None:
    """Counts, sizes and parameters of an index, as JSON."""
    from dedup.index import IndexFileError

    failed = EXIT_VERIFY_FAILED if verify else _cli().EXIT_INPUT
    # integrity_check (below) reads every page anyway, so the open skips its own quick_check
    with _open(path, quick_check=False if verify else None, corrupt_code=failed) as index:
        try:
            stats = index.stats(verify=verify)
        except IndexFileError as exc:
            _cli().fail(str(exc), failed)
    typer.echo(json.dumps(stats, indent=2))
    if verify and not stats["ok"]:
        _cli().fail(f"{path}: verification failed ({'; '.join(stats['problems'])})", EXIT_VERIFY_FAILED)


def check_command(
    index_path: Annotated[Path, typer.Option("--index", help="The index file.", show_default=False)],
    source: Annotated[str, typer.Argument(help="The article to check: a file, or - for stdin.")] = "-",
    doc_id: Annotated[str | None, typer.Option("--id", help="Id to store it under (--add).")] = None,
    add: Annotated[bool, typer.Option(help="Store the article unless it is a duplicate.")] = False,
    replace: Annotated[bool, typer.Option(
        help="With --add: an id already stored with another text is replaced (without: exit 2).")] = False,
    output_format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = CheckFormat.text,
    limit: Annotated[int, typer.Option(help="Report at most this many stored documents.", min=1)] = 10,
    date: Annotated[str | None, typer.Option(
        help="When the article was written (ISO 8601 or the wire's 2-MAR-1987 12:27:27.54): a stored story "
             "over three days older is then not taken for a version of it. With --add it is stored as the "
             "article's date metadata.")] = None,
) -> None:
    """Check one article against an index.

    Exit code: 0 new, 3 partial-reuse, 4 near-duplicate, 5 duplicate, 2 bad input.
    """
    from dedup.dates import parse_date
    from dedup.index import IndexFileError

    cli = _cli()
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        text, _ = file_text(Path(source), data)  # an HTML page is checked by its article text, as scanned
    except OSError as exc:
        cli.fail(f"{source}: cannot read ({exc.strerror or exc})")
    except InputError as exc:
        cli.fail(str(exc))
    except UnusableFile as exc:
        cli.fail(f"{source}: {exc}")
    if replace and not add:
        cli.fail("--replace needs --add")
    if date is not None and parse_date(date) is None:
        cli.fail(f"--date {date!r} is not a date")
    if add and doc_id is None:
        if source == "-":
            cli.fail("--add needs --id when the article comes from stdin")
        doc_id = Path(source).name
    with _open(index_path) as index:
        try:
            if add:
                metadata = {"path": source} if date is None else {"path": source, "date": date}
                verdict = index.check_and_add(str(doc_id), text, metadata, limit=limit, replace=replace)
            else:
                verdict = index.check(text, limit=limit, date=date)
        except (IndexFileError, ValueError) as exc:
            cli.fail(f"{source}: {exc}")
    if output_format is CheckFormat.json:
        typer.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(render_verdict(verdict))
    raise typer.Exit(EXIT_CODES[verdict.verdict])


def render_verdict(verdict: Verdict) -> str:
    """A few lines a person reads: the verdict, each stored document, what changed."""
    from dedup.report.labels import figure_text, short, wording_text

    retry = verdict.id is not None and not verdict.added and verdict.verdict != "duplicate"
    note = f" (stored as {verdict.id})" if verdict.added else f" (already stored as {verdict.id})" if retry else ""
    corrects = f" (corrects {verdict.version_of})" if verdict.correction else ""
    lines = [verdict.verdict + corrects + note]
    for match in verdict.matches:
        lines.append(f"  {match.relation} of {match.id}: similarity {match.similarity:.2f}, "
                     f"{match.incoming_in_stored:.0%} of this text in it, "
                     f"{match.stored_in_incoming:.0%} of it here")
        for passage in match.passages:
            lines.append(f"    {passage.kind:7} line {passage.incoming.line} <- line {passage.stored.line}: "
                         f"{short(passage.incoming.text, 80)}")
            if passage.diff is not None and not match.alignment:
                lines.extend(f"      figures: {figure_text(f.change, f.a, f.b)}" for f in passage.diff.figures)
                lines.extend(f"      wording: {wording_text(w.kind, w.a, w.b)}" for w in passage.diff.wording[:5])
        if match.alignment:
            changes = match.changes()
            lines.append("    what changed (whole-text alignment):")
            lines.extend(f"      figures: {figure_text(f['change'], f['a'], f['b'])}" for f in changes["figures"])
            lines.extend(f"      wording: {wording_text(w['kind'], w['a'], w['b'])}" for w in changes["wording"][:5])
            lines.extend(f"      added line {q['line']}: {short(q['text'], 80)}" for q in changes["added"])
            lines.extend(f"      removed line {q['line']}: {short(q['text'], 80)}" for q in changes["removed"])
    for report in verdict.conflicting_reports:
        lines.append(f"  other figures in {report.id} (same event, no passage reused; names "
                     f"{', '.join(report.names[:5])}{', ...' if len(report.names) > 5 else ''})")
        lines.extend(f"    {conflict.counts}: "
                     + " vs ".join(f"{value.value} ({'here' if 1 in value.docs else 'stored'})"
                                   for value in conflict.values) for conflict in report.conflicts)
    return "\n".join(lines)


class LogLevel(str, enum.Enum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


def serve_command(
    index_path: Annotated[Path, typer.Option("--index", help="The index file.", show_default=False)],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    token: Annotated[str | None, typer.Option(envvar="DEDUP_TOKEN", help="Bearer token required for writes.",
                                                 show_default=False)] = None,
    private: Annotated[bool, typer.Option(
        help="The token is required for reads too (/check, /documents, /stats): stored texts may be "
             "embargoed. /health and /docs stay open.")] = False,
    max_bytes: Annotated[int, typer.Option(help="Largest request body accepted.", min=1)] = 1_000_000,
    resident: Annotated[bool, typer.Option(
        help="Lock the index file in memory, so checks never wait for the disk (falls back to reading it "
             "from disk, with a warning, when it cannot).")] = True,
    log_level: Annotated[LogLevel, typer.Option(
        help="info logs one line per request (method, path, status, verdict, ms); warning only problems.")
    ] = LogLevel.info,
) -> None:
    """Serve an index over HTTP (POST /check, POST /documents, ...; see /docs).

    Exit code: 0 stopped (Ctrl-C, SIGTERM), 2 bad input (not an index, damaged, bad options),
    6 cannot listen (address in use or not allowed).
    """
    from dedup.index import IndexFileError
    from dedup.service import LOG, CannotListen, create_app, serve

    cli = _cli()
    try:  # create_app runs the integrity check, so a bad index is refused before listening
        app = create_app(os.fspath(index_path), token=token, private=private, max_bytes=max_bytes,
                         resident=resident, warn=cli.warn)
    except (IndexFileError, ValueError) as exc:
        cli.fail(str(exc))
    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        cli.warn(f"serving on {host} without --token: anyone who reaches it can add and remove documents")
    LOG.setLevel(log_level.value.upper())
    try:
        serve(app, host, port)
    except CannotListen as exc:
        cli.fail(str(exc), EXIT_CANNOT_LISTEN)
