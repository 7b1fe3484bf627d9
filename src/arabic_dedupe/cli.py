"""The `dedupe` command: thin click commands over the library.

Commands parse options, call the pipeline, render, and turn DedupeError into one-line
messages with documented exit codes. No detection logic lives here.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence

import click

from arabic_dedupe import __version__, index as index_library, report as reporter
from arabic_dedupe.config import Settings
from arabic_dedupe.explain import (
    ALIGNMENT_THRESHOLD,
    KEEP_POLICIES,
    drop_duplicates as plan_drops,
    explain_pair,
    manifest_line,
    render_json,
    render_text,
)
from arabic_dedupe.errors import DedupeError, UsageError
from arabic_dedupe.model import CleanDocument, Document, Skipped
from arabic_dedupe.normalize import normalize
from arabic_dedupe.packed import is_packed
from arabic_dedupe.pipeline import clean_documents, scan_documents
from arabic_dedupe.processes import collection_paused
from arabic_dedupe.reader import read_documents
from arabic_dedupe.stores import open_store
from arabic_dedupe.writer import check_output_file, check_output_folder, output_path, write_atomically

EXIT_OK = 0
EXIT_PROBLEM = 1  # an input could not be read, or (check) the budget was exceeded
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
MANIFEST_NAME = "dedupe-manifest.jsonl"


class CommandError(click.ClickException):
    """A DedupeError as click shows it: `Error: message` on stderr and its exit code."""

    def __init__(self, error: DedupeError):
        super().__init__(str(error))
        self.exit_code = error.exit_code


def translate_errors(command: Callable) -> Callable:
    """DedupeError as click's errors; and the command runs with the cyclic garbage
    collector paused (see processes.collection_paused): a command is one pass over a corpus
    that makes next to no reference cycles."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            with collection_paused():
                return command(*args, **kwargs)
        except UsageError as error:
            raise click.UsageError(str(error)) from None
        except DedupeError as error:
            raise CommandError(error) from None

    return wrapper


def input_options(command: Callable) -> Callable:
    """Options every command that reads a corpus takes."""
    decorators = [
        click.argument("paths", nargs=-1, required=True, type=click.Path()),
        click.option("--glob", "glob", default="*.txt", show_default=True, help="Files to read inside folders."),
        click.option("--text-field", default="text", show_default=True, help="JSONL/CSV field holding the text."),
        click.option("--id-field", default="id", show_default=True, help="JSONL/CSV field holding the document id."),
        click.option("--strict", is_flag=True, help="Treat any skipped input as fatal (exit 1 before output)."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def detection_options(command: Callable) -> Callable:
    """Options that set the detection parameters (defaults: every stage on)."""
    defaults = Settings()
    decorators = [
        click.option("--shingle-size", type=int, default=defaults.shingle_size, show_default=True, help="Words per shingle."),
        click.option("--num-perm", type=int, default=defaults.num_perm, show_default=True, help="MinHash permutations."),
        click.option("--seed", type=int, default=defaults.seed, show_default=True, help="MinHash seed."),
        click.option("--bands", type=int, default=defaults.bands, show_default=True, help="LSH bands."),
        click.option("--rows-per-band", type=int, default=defaults.rows_per_band, show_default=True, help="LSH rows per band."),
        click.option("--jaccard", "jaccard_threshold", type=float, default=defaults.jaccard_threshold, show_default=True, help="Jaccard from which two texts are near-identical copies."),
        click.option("--containment", "containment_threshold", type=float, default=defaults.containment_threshold, show_default=True, help="Containment from which one text contains the other (abridged copies)."),
        click.option("--edited-containment", type=float, default=defaults.edited_containment, show_default=True, help="Containment from which an edited copy is judged by its lede."),
        click.option("--lede-threshold", type=float, default=defaults.lede_threshold, show_default=True, help="How alike two ledes must be for an edited copy (rapidfuzz ratio / 100)."),
        click.option("--paragraph-min-chars", type=int, default=defaults.paragraph_min_chars, show_default=True, help="Shortest paragraph reported as repeated."),
        click.option("--no-normalize", is_flag=True, help="Match on the text as written."),
        click.option("--no-boilerplate", is_flag=True, help="Keep navigation, widgets and repeated lines."),
        click.option("--no-paragraphs", is_flag=True, help="Skip paragraph-level clusters."),
        click.option("--no-verify", is_flag=True, help="Trust LSH estimates without exact verification."),
        click.option("--jobs", "-j", type=click.IntRange(1), default=None, help="Worker processes (default: all cores)."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def settings_from(options: dict) -> Settings:
    return Settings(
        shingle_size=options["shingle_size"],
        num_perm=options["num_perm"],
        seed=options["seed"],
        bands=options["bands"],
        rows_per_band=options["rows_per_band"],
        jaccard_threshold=options["jaccard_threshold"],
        containment_threshold=options["containment_threshold"],
        edited_containment=options["edited_containment"],
        lede_threshold=options["lede_threshold"],
        paragraph_min_chars=options["paragraph_min_chars"],
        normalize=not options["no_normalize"],
        strip_boilerplate=not options["no_boilerplate"],
        paragraphs=not options["no_paragraphs"],
        verify=not options["no_verify"],
    )


def use_color(no_color: bool) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def reading(paths: Iterable[str], options: dict, skipped: list[Skipped], *, tell: bool = True) -> Iterator[Document]:
    """Read every input lazily, telling the user on stderr about each skip and warning
    (unless not `tell`: a second reading); the skipped inputs collect in `skipped`."""
    stdin = getattr(sys.stdin, "buffer", sys.stdin)
    for item in read_documents(
        list(paths), glob=options["glob"], stdin=stdin, text_field=options["text_field"], id_field=options["id_field"]
    ):
        if isinstance(item, Skipped):
            skipped.append(item)
            if tell:
                click.echo(f"dedupe: {item.message}", err=True)
        else:
            for warning in item.warnings if tell else ():
                click.echo(f"dedupe: {warning}", err=True)
            yield item


def refuse_skips_if_strict(skipped: Sequence[Skipped], options: dict) -> None:
    if skipped and options["strict"]:
        raise DedupeError(f"{len(skipped)} input(s) skipped and --strict is set; nothing was written")


def load(paths: Iterable[str], options: dict) -> tuple[list[Document], tuple[Skipped, ...]]:
    """Read every input into memory, telling the user on stderr about each skip and warning."""
    skipped: list[Skipped] = []
    documents = list(reading(paths, options, skipped))
    refuse_skips_if_strict(skipped, options)
    return documents, tuple(skipped)


def detect_in(paths: Iterable[str], settings: Settings, options: dict):
    """Scan the inputs (streaming them), or check them against --index; returns the report,
    the cleaned documents and the skipped inputs."""
    location, add = options["index_location"], options["add_to_index"]
    if location is not None:
        documents, skipped = load(paths, options)
        store = index_library.open_index(location, settings, create=add)
        try:
            jobs = options.get("jobs") or os.cpu_count() or 1
            report, cleaned = index_library.query(store, documents, settings, skipped=skipped, add=add, jobs=jobs)
        finally:
            store.close()
        return report, cleaned, skipped
    if add:
        raise UsageError("--add needs --index LOCATION (a file path or redis://host:port/db)")
    skipped: list[Skipped] = []
    # Files can be read again: a large scan then reads them twice rather than keeping
    # every text compressed between its passes. Standard input can be read only once.
    reread = None if "-" in paths else functools.partial(reading, paths, options, [], tell=False)
    report, cleaned = run_scan(reading(paths, options, skipped), settings, skipped, options, reread=reread)
    refuse_skips_if_strict(skipped, options)
    return report, cleaned, tuple(skipped)


def run_scan(documents: Iterable[Document], settings: Settings, skipped: Sequence[Skipped], options: dict, reread=None):
    """The scan, over all cores unless --jobs says otherwise, with progress on a terminal.

    Only the cleaned documents that can be in a cluster are kept (the HTML report shows
    those); a large scan lets the others go early."""
    jobs = options.get("jobs") or os.cpu_count() or 1
    with reporter.progress_bar(None, enabled=sys.stderr.isatty()) as advance:
        return scan_documents(
            documents, settings, skipped=skipped, jobs=jobs, progress=advance, reread=reread, keep_texts=False
        )


def index_options(command: Callable) -> Callable:
    """--index LOCATION and --add, for commands that can check against a persistent index."""
    command = click.option("--add", "add_to_index", is_flag=True, help="Also add the new documents to the --index.")(command)
    return click.option(
        "--index", "index_location", metavar="LOCATION", help="Check against this index: a file (SQLite) or redis://host:port/db."
    )(command)


def cluster_texts(report, cleaned: Sequence[CleanDocument]) -> dict[str, list[str]]:
    """The cleaned paragraphs of the documents in article clusters, which the HTML report
    shows side by side; a packed scan unpacks only those."""
    members = {member for cluster in report.article_clusters for member in cluster.members}
    if is_packed(cleaned):
        cleaned = [cleaned[position] for position, document in enumerate(cleaned.documents) if document.id in members]
    return {
        document.id: [paragraph.text for paragraph in document.paragraphs] for document in cleaned if document.id in members
    }


def emit(text: str, output: str | None) -> None:
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        write_atomically(output, text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedupe")
def cli() -> None:
    """Find near-duplicate Arabic news articles and paragraphs; strip web boilerplate."""


@cli.command()
@input_options
@click.option("--out", "out", type=click.Path(), help="Write each cleaned file under this folder (same relative path).")
@click.option("--normalize", "show_matching_form", is_flag=True, help="Print the matching form instead of the original spelling.")
@click.option("--format", "output_format", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
@click.option("--drop-duplicates", is_flag=True, help="Keep one article of each duplicate cluster; list the others in a manifest.")
@click.option("--keep", type=click.Choice(KEEP_POLICIES), help="Article a cluster keeps: first (input order, the default), longest (cleaned text), newest (ISO 8601 date; undated counts oldest).")
@click.option("--manifest", type=click.Path(), help=f"JSONL of dropped documents [default: OUTDIR/{MANIFEST_NAME}].")
@translate_errors
def clean(paths, out, show_matching_form, output_format, drop_duplicates, keep, manifest, **options) -> None:
    """Print articles without menus, widgets, related links or repeated paragraphs.

    One paragraph per line; several documents are separated by an empty line.

    With --drop-duplicates, one article of each cluster that `dedupe scan` reports is
    written; every other member gets a manifest line: the document it duplicates (the
    kept one), the similarity and the rule, measured against the kept document, or
    against the cluster's representative when that pair alone does not pass
    (`verified_against` says which). Ties of --keep go to the earliest in input order.
    Plain text files have no date (a file's modification time says when it was copied,
    not when the article appeared); JSONL/CSV records take `date` or `date_extracted`,
    HTML pages the date the page states.

    Exit 0 on success, 1 if some input could not be read, 2 on a usage error.
    """
    if (keep is not None or manifest is not None) and not drop_duplicates:
        raise UsageError("--keep and --manifest apply only with --drop-duplicates")
    if drop_duplicates and out is None and manifest is None:
        raise UsageError("--drop-duplicates needs --out OUTDIR (the manifest is written there) or --manifest FILE")
    if out is not None:
        check_output_folder(out, paths)
    if drop_duplicates:
        manifest = manifest or os.path.join(out, MANIFEST_NAME)
        _check_manifest(manifest, paths)
    documents, skipped = load(paths, options)
    if drop_duplicates:
        cleaned, manifest_text = _without_duplicates(documents, skipped, keep or KEEP_POLICIES[0])
    else:
        cleaned = clean_documents(documents, strip_boilerplate=True)
    for document in cleaned:
        if not document.paragraphs:
            click.echo(
                f"dedupe: {document.id}: no text left after cleaning (only marks, page furniture or "
                "blank lines); nothing printed or written for it. Check the file.",
                err=True,
            )
    cleaned = [document for document in cleaned if document.paragraphs]

    def body(document: CleanDocument) -> str:
        if show_matching_form:
            return "\n".join(normalize(paragraph.text) for paragraph in document.paragraphs)
        return document.text

    if out is not None:
        targets = _output_targets(out, cleaned, paths, body)
        if drop_duplicates and os.path.abspath(manifest) in {os.path.abspath(target) for target, _ in targets}:
            raise UsageError(f"an input would be written to {manifest}, the manifest; nothing was written. Use --manifest FILE")
        for target, text in targets:
            write_atomically(target, text)
    elif output_format == "jsonl":
        for document in cleaned:
            click.echo(json.dumps({"document": document.id, "text": body(document)}, ensure_ascii=False))
    else:
        click.echo("\n\n".join(body(document) for document in cleaned), nl=bool(cleaned))
    if drop_duplicates:
        write_atomically(manifest, manifest_text)
        dropped = len(documents) - len(cleaned)
        click.echo(f"dedupe: kept {len(cleaned)} of {len(documents)} documents; {dropped} dropped as duplicates, listed in {manifest}", err=True)
    sys.exit(EXIT_PROBLEM if skipped else EXIT_OK)


def _check_manifest(manifest: str, arguments: Iterable[str]) -> None:
    """Refuse a manifest that is an input, a folder, or inside an input folder: a deduplicating
    run never writes among its inputs."""
    if os.path.isdir(manifest):
        raise UsageError(f"--manifest {manifest} is a folder; give the name of a file to write")
    real_manifest = os.path.realpath(manifest)
    for argument in arguments:
        real_input = os.path.realpath(argument)
        if argument != "-" and os.path.commonpath([real_manifest, real_input]) == real_input:
            raise UsageError(f"--manifest {manifest} is inside the input {argument}; write it elsewhere")


def _without_duplicates(documents: list[Document], skipped, keep: str) -> tuple[list[CleanDocument], str]:
    """The cleaned documents a deduplicated corpus keeps, and the manifest of the others."""
    report, cleaned = scan_documents(documents, Settings(), skipped=skipped)
    dropped = plan_drops(report, cleaned, keep)
    gone = {item.document for item in dropped}
    kept = [document for document in cleaned if document.id not in gone]
    return kept, "".join(manifest_line(item, keep) + "\n" for item in dropped)


def _relative_name(document: Document, arguments: Iterable[str]) -> str:
    """Where a document's file sits relative to the argument that reached it."""
    source = document.path or document.id
    for argument in arguments:
        prefix = os.path.join(argument, "")
        if source.startswith(prefix):
            return source[len(prefix) :]
        if source == argument:
            return os.path.basename(argument)
    return os.path.basename(source)


def _output_targets(out: str, cleaned: list[CleanDocument], arguments, body) -> list[tuple[str, str]]:
    """Every (file, content) to write under `out`, checked before anything is written: two
    inputs with the same relative name (`a/x.txt`, `b/x.txt`) must not overwrite each other."""
    targets: dict[str, str] = {}
    result = []
    for relative, text in _output_files(cleaned, arguments, body):
        target = output_path(out, relative)
        if target in targets:
            raise UsageError(
                f"two inputs have the relative name {relative} and would both be written to "
                f"{target}; nothing was written. Clean them in separate runs with separate --out folders"
            )
        targets[target] = relative
        result.append((target, text))
    return result


def _output_files(cleaned: list[CleanDocument], arguments, body) -> Iterable[tuple[str, str]]:
    """(relative path, content) of each output file: one text file per input text file;
    records of a JSONL/CSV file go to one JSONL file of the same name (ending in .jsonl)."""
    records: dict[str, list[str]] = {}
    for document in cleaned:
        relative = _relative_name(document.document, arguments)
        if document.document.path and document.document.path != document.id:
            name = relative[: -len(".gz")] if relative.endswith(".gz") else relative
            name = os.path.splitext(name)[0] + ".jsonl"
            line = json.dumps({"id": document.id, "text": body(document)}, ensure_ascii=False)
            records.setdefault(name, []).append(line)
        else:
            stem, extension = os.path.splitext(relative)
            # An HTML page comes out as its article text: name it so.
            if extension.lower() in (".html", ".htm"):
                relative = stem + ".txt"
            yield relative, body(document) + "\n"
    for name, lines in records.items():
        yield name, "\n".join(lines) + "\n"


@cli.command()
@input_options
@detection_options
@index_options
@click.option("--format", "output_format", type=click.Choice(list(reporter.FORMATS)), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(), help="Write the report to this file instead of stdout.")
@click.option("--no-color", is_flag=True, help="No colour even on a terminal (NO_COLOR is honoured too).")
@translate_errors
def scan(paths, output_format, output, no_color, **options) -> None:
    """Report clusters of duplicate articles and repeated paragraphs.

    Exit 0 whatever is found, 1 if some input could not be read, 2 on a usage error.
    """
    settings = settings_from(options)
    check_output_file(output, paths, options["glob"])
    report, cleaned, skipped = detect_in(paths, settings, options)
    texts = cluster_texts(report, cleaned) if output_format == "html" else None
    del cleaned  # a large scan's packed corpus: not needed to render, so not held meanwhile
    emit(reporter.render(report, output_format, color=use_color(no_color), width=_width(), texts=texts), output)
    sys.exit(EXIT_PROBLEM if skipped else EXIT_OK)


@cli.command()
@input_options
@detection_options
@click.option("--max-duplicate-rate", type=click.FloatRange(0.0, 1.0), help="Largest share of documents that may duplicate another.")
@click.option("--max-duplicates", type=click.IntRange(0), help="Largest number of documents that may duplicate another.")
@index_options
@click.option("--format", "output_format", type=click.Choice(["table", "json", "jsonl", "github", "junit"]), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(), help="Write the findings to this file instead of stdout.")
@click.option("--no-color", is_flag=True, help="No colour even on a terminal (NO_COLOR is honoured too).")
@translate_errors
def check(paths, max_duplicate_rate, max_duplicates, output_format, output, no_color, **options) -> None:
    """Fail (exit 1) when duplicate articles exceed the budget.

    The rate is article level: documents that duplicate another document kept in their
    cluster, over all documents. Repeated paragraphs are reported, not counted.
    Exit 0 within budget, 1 over budget or an input could not be read, 2 on a usage error.
    """
    if max_duplicate_rate is None and max_duplicates is None:
        raise UsageError("give a budget: --max-duplicate-rate R and/or --max-duplicates N")
    settings = settings_from(options)
    check_output_file(output, paths, options["glob"])
    report, cleaned, skipped = detect_in(paths, settings, options)
    del cleaned  # only the report is needed from here on
    duplicates = reporter.duplicate_articles(report)
    rate = reporter.duplicate_rate(report)
    if options["index_location"]:
        # Against an index only new documents count: indexed members of a cluster are not
        # duplicates this batch brings in.
        duplicates, rate = report.stats["duplicate_documents"], report.stats["duplicate_rate"]
    exceeded = []
    if max_duplicate_rate is not None and rate > max_duplicate_rate:
        exceeded.append(f"duplicate rate {rate:.2%} is over the budget {max_duplicate_rate:.2%} ({duplicates} of {report.documents} documents)")
    if max_duplicates is not None and duplicates > max_duplicates:
        exceeded.append(f"{duplicates} duplicate documents is over the budget of {max_duplicates}")
    emit(reporter.render_check(report, exceeded=exceeded, format=output_format, color=use_color(no_color), width=_width()), output)
    sys.exit(EXIT_PROBLEM if exceeded or skipped else EXIT_OK)


@cli.command()
@click.argument("first", type=click.Path())
@click.argument("second", type=click.Path())
@detection_options
@click.option("--paragraph-threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=ALIGNMENT_THRESHOLD, show_default=True, help="Lowest shingle Jaccard at which a paragraph of A is aligned with one of B (nearly the same characters always are).")
@click.option("--text-field", default="text", show_default=True, help="JSONL/CSV field holding the text.")
@click.option("--id-field", default="id", show_default=True, help="JSONL/CSV field holding the document id.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@translate_errors
def explain(first, second, paragraph_threshold, text_field, id_field, output_format, **options) -> None:
    """Show why two documents are, or are not, duplicates.

    Cleans both, prints the scores the scanner decides on (Jaccard, containment, lede,
    numbers, rapidfuzz ratios), the verdict and the rule that gave it, which paragraph
    of A matches which of B, and the boilerplate removed from each. Takes the detection
    options of `scan`. A file must hold one document; name a record of a JSONL/CSV file
    as FILE#ID, the id `scan` prints.
    Exit 0 whatever the verdict, 1 if a file cannot be read, 2 on a usage error.
    """
    settings = settings_from(options)
    pair = [_read_one(path, text_field, id_field) for path in (first, second)]
    if any(document is None for document in pair):
        sys.exit(EXIT_PROBLEM)
    explanation = explain_pair(pair[0], pair[1], settings, threshold=paragraph_threshold)
    click.echo(render_json(explanation) if output_format == "json" else render_text(explanation), nl=False)
    sys.exit(EXIT_OK)


def _read_one(path: str, text_field: str, id_field: str) -> Document | None:
    """The one document of a file for `explain`, or the record FILE#ID as a scan names it;
    None (told on stderr) if it cannot be read."""
    if path != "-" and os.path.isdir(path):
        raise UsageError(f"{path} is a folder; explain compares two files, one document each")
    source, _, record = path.rpartition("#")
    by_id = bool(source and record) and not os.path.exists(path)
    found = list(
        read_documents(
            [source if by_id else path], stdin=sys.stdin, text_field=text_field, id_field=id_field
        )
    )
    if by_id:
        found = [item for item in found if isinstance(item, Document) and item.id == path]
        if not found:
            click.echo(f"dedupe: {path}: no record with the id {record} in {source}; check the id as scan printed it.", err=True)
            return None
    if len(found) > 1:
        raise UsageError(
            f"{path} holds {len(found)} records; name one as FILE#ID (the id a scan prints), or save each in a file of its own"
        )
    (item,) = found
    if isinstance(item, Skipped):
        click.echo(f"dedupe: {item.message}", err=True)
        return None
    for warning in item.warnings:
        click.echo(f"dedupe: {warning}", err=True)
    return item


@cli.group("index")
def index_group() -> None:
    """Keep a persistent index of documents seen before (a SQLite file or Redis).

    Every command takes --index LOCATION: a file path (SQLite, created by `add`) or
    redis://host:port/db for an index shared by several machines.
    """


def index_location_option(command: Callable) -> Callable:
    return click.option(
        "--index", "location", required=True, metavar="LOCATION", help="Index file (SQLite) or redis://host:port/db."
    )(command)


@index_group.command("add")
@input_options
@detection_options
@index_location_option
@translate_errors
def index_add(paths, location, **options) -> None:
    """Add documents (articles and their paragraphs) to the index.

    Documents are committed in batches of 500; a document whose id is already indexed is
    replaced. Exit 0 on success, 1 if some input could not be read or the index refused
    the settings, 2 on a usage error.
    """
    settings = settings_from(options)
    documents, skipped = load(paths, options)
    jobs = options.get("jobs") or os.cpu_count() or 1
    store = index_library.open_index(location, settings, create=True)
    try:
        with reporter.progress_bar(len(documents), enabled=sys.stderr.isatty(), description="Indexing") as advance:
            result = index_library.add_documents(store, documents, settings, jobs=jobs, progress=advance)
    finally:
        store.close()
    click.echo(f"added {result.added} documents to {location}; it holds {result.indexed} documents")
    sys.exit(EXIT_PROBLEM if skipped else EXIT_OK)


@index_group.command("stats")
@index_location_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@translate_errors
def index_stats(location, output_format) -> None:
    """Print documents, paragraphs, buckets, size and the parameters that built the index."""
    store = open_store(location, create=False)
    try:
        facts = index_library.stats(store)
    finally:
        store.close()
    if output_format == "json":
        click.echo(json.dumps(facts, ensure_ascii=False, indent=2))
    else:
        click.echo(index_library.format_stats(facts), nl=False)


@index_group.command("remove")
@click.argument("ids", nargs=-1, required=True)
@index_location_option
@translate_errors
def index_remove(ids, location) -> None:
    """Remove documents (by id, as `scan` reports them) and their buckets.

    Exit 0 when every id was removed, 1 when some id is not in the index (the others are
    still removed).
    """
    store = open_store(location, create=False)
    try:
        removed, unknown = index_library.remove(store, list(ids))
    finally:
        store.close()
    click.echo(f"removed {len(removed)} document{'' if len(removed) == 1 else 's'} from {location}")
    for identifier in unknown:
        click.echo(f"dedupe: {identifier} is not in the index {location}; `dedupe index export` lists the ids", err=True)
    sys.exit(EXIT_PROBLEM if unknown else EXIT_OK)


@index_group.command("export")
@index_location_option
@translate_errors
def index_export(location) -> None:
    """Print every indexed document as one JSON object per line (id, site, paragraphs, text hash)."""
    store = open_store(location, create=False)
    try:
        for record in index_library.export(store):
            click.echo(json.dumps(record, ensure_ascii=False))
    finally:
        store.close()


@index_group.command("check")
@index_location_option
@translate_errors
def index_check(location) -> None:
    """Check the index's integrity: storage, buckets and fingerprints. Exit 1 on a problem."""
    problems = index_library.check_index(location)
    for problem in problems:
        click.echo(f"dedupe: {problem}", err=True)
    if problems:
        raise DedupeError(f"the index {location} has {len(problems)} problem(s); rebuild it from the exported documents")
    click.echo(f"{location}: ok")


def _width() -> int:
    """Terminal width on a terminal; a fixed 100 columns otherwise, so files are stable."""
    if sys.stdout.isatty():
        return max(60, os.get_terminal_size().columns)
    return 100


class Interrupted(BaseException):
    """Ctrl-C, raised by our own signal handler so click does not turn it into "Aborted!"."""


def _interrupt(signal_number, frame) -> None:
    raise Interrupted()


def main(arguments: list[str] | None = None) -> None:
    """Console entry point: one line, never a traceback, for interrupts and closed pipes."""
    signal.signal(signal.SIGINT, _interrupt)
    try:
        _run(arguments)
    finally:
        # The work is done and reported: a Ctrl-C during interpreter shutdown must not
        # turn a finished run into a death by signal.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(arguments: list[str] | None) -> None:
    try:
        cli.main(args=arguments, prog_name="dedupe", standalone_mode=False)
    except Interrupted:
        click.echo("dedupe: interrupted; outputs are written whole or not at all", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.exceptions.Exit as exit_request:
        sys.exit(exit_request.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The reader of our output went away (`dedupe clean big/ | head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_OK)
    except OSError as error:
        if error.filename is not None:
            raise  # a file we did not expect to touch: a bug, keep the traceback
        # Standard output failed (`> /dev/full`, a full disk): say so once; the buffer
        # goes to /dev/null so that Python's own flush at exit does not fail again.
        click.echo(f"dedupe: cannot write the output: {error.strerror or error}", err=True)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_PROBLEM)
    sys.exit(EXIT_OK)
