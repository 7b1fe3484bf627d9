"""Renders a scan's Report: rich table, JSON contract, JSONL, CSV; GitHub and JUnit (ci_report), HTML.

Every format is derived from `report_to_dict` or the Report itself, so formats cannot disagree.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from json.encoder import encode_basestring

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from arabic_dedupe.errors import UsageError
from arabic_dedupe.model import ArticleCluster, ParagraphCluster, ParagraphCopy, Report, Skipped

FORMATS = ("table", "json", "jsonl", "csv", "github", "junit", "html")
SNIPPET_LENGTH = 60
CSV_COLUMNS = (
    "cluster_type",
    "cluster",
    "document",
    "paragraph",
    "line",
    "similarity",
    "exact",
    "representative",
)
# Keys that `report_to_dict` derives from the clusters; a Report read back from JSON drops
# them so that rendering it again recomputes them instead of trusting stale numbers.
DERIVED_STATS = (
    "duplicate_rate",
    "duplicate_articles",
    "article_clusters",
    "paragraph_clusters",
    "repeated_paragraph_copies",
    "skipped",
)
# Bidi embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069): a snippet cut in
# the middle of a pair would leave it open and reorder the rest of the terminal line or
# table cell. The marks LRM/RLM/ALM are harmless and kept.
# Control characters (category Cc: C0, DEL and C1) become spaces.
_DISPLAYABLE = str.maketrans(
    {
        **{code: " " for code in (*range(0x20), *range(0x7F, 0xA0))},
        **{code: None for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))},
    }
)
# Any character _DISPLAYABLE changes: most texts hold none, and a regular expression finds
# that out several times faster than str.translate looks up every character.
_UNDISPLAYABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Line breaks that json.dumps(ensure_ascii=False) leaves raw (it escapes only C0 controls).
_LINE_BREAKS_IN_STRINGS = (
    ("\N{NEXT LINE}", "\\u0085"),
    ("\N{LINE SEPARATOR}", "\\u2028"),
    ("\N{PARAGRAPH SEPARATOR}", "\\u2029"),
)


def duplicate_rate(report: Report) -> float:
    """Share of documents that are redundant copies: sum over article clusters of (size - 1).

    >>> from arabic_dedupe.model import ArticleCluster, Report
    >>> cluster = ArticleCluster(("a", "b", "c"), "a", 0.9, False)
    >>> duplicate_rate(Report(documents=4, article_clusters=(cluster,), paragraph_clusters=()))
    0.5
    >>> duplicate_rate(Report(documents=0, article_clusters=(), paragraph_clusters=()))
    0.0
    """
    if report.documents <= 0:
        return 0.0
    return duplicate_articles(report) / report.documents


def duplicate_articles(report: Report) -> int:
    """Documents that could be dropped because another member of their cluster is kept.

    A scan against an index counts only its new documents; the scanner says how many in
    `stats["duplicate_documents"]`, which then wins over the cluster sizes.

    >>> from arabic_dedupe.model import ArticleCluster, Report
    >>> cluster = ArticleCluster(("old-1", "old-2", "new"), "old-1", 0.9, False)
    >>> duplicate_articles(Report(documents=1, article_clusters=(cluster,), paragraph_clusters=()))
    2
    >>> duplicate_articles(Report(1, (cluster,), (), stats={"duplicate_documents": 1}))
    1
    """
    if "duplicate_documents" in report.stats:
        return int(report.stats["duplicate_documents"])
    return sum(len(cluster.members) - 1 for cluster in report.article_clusters)


def snippet(text: str, length: int = SNIPPET_LENGTH) -> str:
    """The first words of `text` on one line, cut at a word boundary, for people to recognise it.

    Control characters and bidi embeddings are dropped: a snippet goes into terminals and
    table cells, where either could garble the lines around it.

    >>> snippet("قال المتحدث   باسم\\nالوزارة")
    'قال المتحدث باسم الوزارة'
    >>> snippet("واحد اثنان ثلاثة أربعة خمسة", length=16)
    'واحد اثنان ثلاثة…'
    >>> snippet("abcdefghijklmnopqrstuvwxyz", length=10)
    'abcdefghij…'
    """
    # Only the head of a long text can reach the snippet: flattening a prefix gives a prefix
    # of the flattened whole, so when that is already longer than the snippet it is enough.
    head = text[: 4 * length + 8]
    flat = " ".join(_displayable(head).split())
    if len(flat) <= length + 1 and len(head) < len(text):
        flat = " ".join(_displayable(text).split())
    if len(flat) <= length:
        return flat
    cut = flat[: length + 1]
    boundary = cut.rfind(" ")
    # A word longer than half the snippet (a URL, a run-on token) is cut mid-word rather
    # than leaving an almost empty snippet.
    shortened = cut[:boundary] if boundary > length // 2 else flat[:length]
    return shortened.rstrip(" ،,.:;-") + "…"


def _displayable(text: str) -> str:
    """`text` without bidi controls, its control characters turned into spaces.

    >>> _displayable("a\\u202bb\\tc\\x85d")
    'ab c d'
    """
    return text if _UNDISPLAYABLE.search(text) is None else text.translate(_DISPLAYABLE)


def member_similarity(cluster: ArticleCluster, index: int) -> float:
    """Similarity of the member at `index` to the representative (the cluster minimum if unknown)."""
    if cluster.members[index] == cluster.representative:
        return 1.0
    if len(cluster.similarities) == len(cluster.members):
        return float(cluster.similarities[index])
    return float(cluster.min_similarity)


# --- the JSON contract -------------------------------------------------------------------


def report_to_dict(report: Report) -> dict:
    """The JSON contract of `dedupe scan --format json` (see docs/scan-output.schema.json)."""
    return {
        "documents": int(report.documents),
        "article_clusters": [_article_to_dict(cluster) for cluster in report.article_clusters],
        "paragraph_clusters": [
            _paragraph_to_dict(cluster) for cluster in report.paragraph_clusters
        ],
        "parameters": dict(report.parameters),
        "stats": {**report.stats, **_derived_stats(report)},
        "skipped": [{"path": item.path, "message": item.message} for item in report.skipped],
        "warnings": list(report.warnings),
    }


def _derived_stats(report: Report) -> dict:
    return {
        "duplicate_rate": duplicate_rate(report),
        "duplicate_articles": duplicate_articles(report),
        "article_clusters": len(report.article_clusters),
        "paragraph_clusters": len(report.paragraph_clusters),
        "repeated_paragraph_copies": sum(
            len(cluster.members) for cluster in report.paragraph_clusters
        ),
        "skipped": len(report.skipped),
    }


def _article_to_dict(cluster: ArticleCluster) -> dict:
    return {
        "members": list(cluster.members),
        "representative": cluster.representative,
        "min_similarity": float(cluster.min_similarity),
        "exact": bool(cluster.exact),
        "size": len(cluster.members),
        "similarities": [member_similarity(cluster, index) for index in range(len(cluster.members))],
        "snippet": snippet(cluster.snippet),
    }


def _paragraph_to_dict(cluster: ParagraphCluster) -> dict:
    return {
        "members": [
            {"document": copy.document, "paragraph": int(copy.paragraph), "line": int(copy.line)}
            for copy in cluster.members
        ],
        "text": cluster.text,
        "min_similarity": float(cluster.min_similarity),
        "exact": bool(cluster.exact),
        "size": len(cluster.members),
        "document_count": len({copy.document for copy in cluster.members}),
        "snippet": snippet(cluster.text),
    }


def report_from_dict(data: Mapping) -> Report:
    """Reads back a Report from its JSON contract (a saved scan), so it can be rendered again.

    Keys the contract derives (sizes, snippets, summary stats) are recomputed, not trusted.
    """
    try:
        return Report(
            documents=int(data["documents"]),
            article_clusters=tuple(
                ArticleCluster(
                    members=tuple(item["members"]),
                    representative=item["representative"],
                    min_similarity=float(item["min_similarity"]),
                    exact=bool(item["exact"]),
                    similarities=tuple(float(value) for value in item.get("similarities", ())),
                    snippet=item.get("snippet", ""),
                )
                for item in data.get("article_clusters", ())
            ),
            paragraph_clusters=tuple(
                ParagraphCluster(
                    members=tuple(
                        ParagraphCopy(copy["document"], int(copy["paragraph"]), int(copy["line"]))
                        for copy in item["members"]
                    ),
                    text=item["text"],
                    min_similarity=float(item["min_similarity"]),
                    exact=bool(item["exact"]),
                )
                for item in data.get("paragraph_clusters", ())
            ),
            parameters=dict(data.get("parameters", {})),
            stats={
                key: value
                for key, value in data.get("stats", {}).items()
                if key not in DERIVED_STATS
            },
            skipped=tuple(Skipped(item["path"], item["message"]) for item in data.get("skipped", ())),
            warnings=tuple(data.get("warnings", ())),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise UsageError(
            f"not a saved scan report: {type(error).__name__}: {error}; "
            "expected the output of `dedupe scan --format json`"
        ) from error


# --- entry points ------------------------------------------------------------------------


def render(
    report: Report,
    format: str,
    *,
    color: bool = False,
    width: int = 100,
    texts: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The whole output of `dedupe scan` in `format`, ending with a newline.

    `texts` (document id -> cleaned paragraphs) is used by the HTML format only, to show
    members side by side; the other formats need nothing beyond the Report.
    """
    if format == "table":
        return _render_table(report, color=color, width=width, exceeded=None)
    if format == "json":
        return _json_document(report_to_dict(report))
    if format == "jsonl":
        return _render_jsonl(report, exceeded=None)
    if format == "csv":
        return _render_csv(report)
    if format in ("github", "junit"):
        return _render_ci(report, format, exceeded=())
    if format == "html":
        # Imported here because html_report imports this module for its shared helpers.
        from arabic_dedupe import html_report

        return html_report.render_html(report, texts=texts)
    raise UsageError(f"unknown output format {format!r}; choose one of: {', '.join(FORMATS)}")


def render_check(
    report: Report,
    *,
    exceeded: Sequence[str],
    format: str,
    color: bool = False,
    width: int = 100,
) -> str:
    """The output of `dedupe check`: the findings plus which budgets (`exceeded`) were broken.

    `table` prints the summary and one line per exceeded budget; `github` and `junit` turn
    findings into CI annotations and test cases; `json`/`jsonl` add an "exceeded" list.
    """
    if format == "table":
        return _render_table(report, color=color, width=width, exceeded=list(exceeded))
    if format == "json":
        return _json_document({**report_to_dict(report), "exceeded": list(exceeded)})
    if format == "jsonl":
        return _render_jsonl(report, exceeded=list(exceeded))
    if format in ("github", "junit"):
        return _render_ci(report, format, exceeded=exceeded)
    return render(report, format, color=color, width=width)


def _render_ci(report: Report, format: str, *, exceeded: Sequence[str]) -> str:
    # Imported here because ci_report imports this module for its shared helpers.
    from arabic_dedupe import ci_report

    renderer = ci_report.render_github if format == "github" else ci_report.render_junit
    return renderer(report, exceeded=exceeded)


# --- machine formats ---------------------------------------------------------------------


def _json_document(data: dict) -> str:
    return _escape_line_breaks(indented_json(data)) + "\n"


def indented_json(value: object, indent: str = "\n") -> str:
    """json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False), character for
    character, in a third of the time: the standard library encodes indented JSON in pure
    Python, a generator step per value (0.2 s for SaudiNewsNet's 10 MB report).

    Strings go through the standard library's own C escaping; NaN and infinities are
    refused as json.dumps refuses them (a NaN similarity is a bug to surface, not to
    print); any other type is handed to json.dumps, which says what it cannot encode.

    >>> print(indented_json({"a": [1, 2.5, "ب"], "b": {}, "c": [], "d": None}))
    {
      "a": [
        1,
        2.5,
        "ب"
      ],
      "b": {},
      "c": [],
      "d": null
    }
    """
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is dict or kind is list or kind is tuple:
        if not value:
            return "{}" if kind is dict else "[]"
        inner = indent + "  "
        if kind is dict:
            if not all(type(key) is str for key in value):
                return _standard_json(value, indent)
            items = [encode_basestring(key) + ": " + indented_json(item, inner) for key, item in value.items()]
            return "{" + inner + ("," + inner).join(items) + indent + "}"
        return "[" + inner + ("," + inner).join([indented_json(item, inner) for item in value]) + indent + "]"
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    return _standard_json(value, indent)


def _standard_json(value: object, indent: str) -> str:
    # What indented_json does not write itself: keys that are not strings, subclasses,
    # NaN (refused with the standard library's own error). Written at the same depth.
    depth = (len(indent) - 1) // 2
    encoded = json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)
    return encoded.replace("\n", "\n" + "  " * depth)


def _json_line(data: dict) -> str:
    # NEL and the Unicode line/paragraph separators are legal raw inside JSON strings, but
    # str.splitlines() and some JSONL readers break lines on them; escaped, each record
    # stays on its one line.
    line = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return _escape_line_breaks(line) + "\n"


def _escape_line_breaks(encoded: str) -> str:
    """JSON text with the line breaks of _LINE_BREAKS_IN_STRINGS escaped (they can only be
    inside strings). str.replace finds none in a long report at memory speed, where
    str.translate looked up every character (0.4 s on a 10 MB report).

    >>> _escape_line_breaks('"a\\u2028b"')
    '"a\\\\u2028b"'
    """
    for character, escape in _LINE_BREAKS_IN_STRINGS:
        encoded = encoded.replace(character, escape)
    return encoded


def _render_jsonl(report: Report, *, exceeded: list[str] | None) -> str:
    contract = report_to_dict(report)
    lines = [
        _json_line({"type": "article", "cluster": number, **cluster})
        for number, cluster in enumerate(contract["article_clusters"], start=1)
    ]
    lines += [
        _json_line({"type": "paragraph", "cluster": number, **cluster})
        for number, cluster in enumerate(contract["paragraph_clusters"], start=1)
    ]
    summary = {
        "type": "summary",
        "documents": contract["documents"],
        "parameters": contract["parameters"],
        "stats": contract["stats"],
        "skipped": contract["skipped"],
        "warnings": contract["warnings"],
    }
    if exceeded is not None:
        summary["exceeded"] = exceeded
    lines.append(_json_line(summary))
    return "".join(lines)


def format_similarity(value: float) -> str:
    """A similarity for people and text formats: rounded to four decimals, no padding.

    >>> format_similarity(0.93), format_similarity(1), format_similarity(0.876543)
    ('0.93', '1.0', '0.8765')
    """
    return repr(round(float(value), 4))


def _render_csv(report: Report) -> str:
    buffer = io.StringIO()
    # RFC 4180 line ends ("\r\n", the csv default): the writer quotes only fields holding
    # characters of its line terminator, so with "\n" a path containing "\r" would break rows.
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for number, cluster in enumerate(report.article_clusters, start=1):
        for index, member in enumerate(cluster.members):
            writer.writerow(
                (
                    "article",
                    number,
                    member,
                    "",
                    "",
                    format_similarity(member_similarity(cluster, index)),
                    _flag(cluster.exact),
                    _flag(member == cluster.representative),
                )
            )
    for number, cluster in enumerate(report.paragraph_clusters, start=1):
        for copy in cluster.members:
            writer.writerow(
                (
                    "paragraph",
                    number,
                    copy.document,
                    copy.paragraph,
                    copy.line,
                    format_similarity(cluster.min_similarity),
                    _flag(cluster.exact),
                    "",
                )
            )
    return buffer.getvalue()


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# --- the table for people ----------------------------------------------------------------


def _console(*, color: bool, width: int) -> Console:
    return Console(
        file=io.StringIO(),
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        force_jupyter=False,
        no_color=not color,
        legacy_windows=False,
        emoji=False,
        highlight=False,
    )


def _render_table(report: Report, *, color: bool, width: int, exceeded: list[str] | None) -> str:
    console = _console(color=color, width=width)
    console.print(_summary_table(report))
    if exceeded is not None:
        # `dedupe check`: the verdict instead of the cluster listings.
        if exceeded:
            for budget in exceeded:
                console.print(Text.assemble(("Budget exceeded: ", "bold red"), _displayable(budget)))
        else:
            console.print(Text("All duplication budgets met.", style="green"))
        return _without_trailing_spaces(console.file.getvalue())
    if not report.article_clusters and not report.paragraph_clusters:
        console.print(Text("No duplicate articles or repeated paragraphs found."))
    if report.article_clusters:
        console.print(_article_table(report))
    if report.paragraph_clusters:
        console.print(_paragraph_table(report))
    for item in report.skipped:
        # The reader's messages already start with the path.
        console.print(Text.assemble(("Skipped: ", "yellow"), _displayable(item.message)))
    for warning in report.warnings:
        console.print(Text.assemble(("Warning: ", "yellow"), _displayable(warning)))
    return _without_trailing_spaces(console.file.getvalue())


def _without_trailing_spaces(text: str) -> str:
    # rich pads every line to the console width; trailing blanks only make golden files
    # and copy-pasted output fragile.
    return "".join(line.rstrip(" ") + "\n" for line in text.splitlines())


def _summary_table(report: Report) -> Table:
    table = Table(title="Duplicate scan", box=box.SIMPLE, show_header=False, title_justify="left")
    table.add_column("figure", style="bold")
    table.add_column("value", justify="right")
    copies = sum(len(cluster.members) for cluster in report.paragraph_clusters)
    rows = [
        ("Documents", str(report.documents)),
        (
            "Duplicate articles",
            f"{duplicate_articles(report)} in {_count(len(report.article_clusters), 'cluster')}",
        ),
        ("Duplicate rate", f"{duplicate_rate(report):.1%}"),
        ("Repeated paragraphs", f"{len(report.paragraph_clusters)} ({copies} copies)"),
    ]
    if report.skipped:
        rows.append(("Skipped inputs", str(len(report.skipped))))
    for label, value in rows:
        table.add_row(Text(label), Text(value))
    return table


def _article_table(report: Report) -> Table:
    table = Table(title="Duplicate articles", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Document", overflow="fold", ratio=1)
    table.add_column("Similarity", justify="right")
    table.add_column("Snippet", ratio=1)
    for number, cluster in enumerate(report.article_clusters, start=1):
        # One row per member so a wrapped path stays beside its own similarity.
        for index, member in enumerate(cluster.members):
            first = index == 0
            if member == cluster.representative:
                similarity = Text("kept", style="bold")
            elif cluster.exact:
                similarity = Text("exact")
            else:
                similarity = Text(format_similarity(member_similarity(cluster, index)), style="cyan")
            table.add_row(
                Text(str(number) if first else ""),
                Text(_displayable(member)),
                similarity,
                Text(snippet(cluster.snippet) if first else ""),
                end_section=index == len(cluster.members) - 1,
            )
    return table


def _paragraph_table(report: Report) -> Table:
    table = Table(title="Repeated paragraphs", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Document", overflow="fold", ratio=1)
    table.add_column("Line", justify="right")
    table.add_column("¶", justify="right")
    table.add_column("Similarity", justify="right")
    table.add_column("Snippet", ratio=1)
    for number, cluster in enumerate(report.paragraph_clusters, start=1):
        similarity = "exact" if cluster.exact else f"≥ {format_similarity(cluster.min_similarity)}"
        for index, copy in enumerate(cluster.members):
            first = index == 0
            table.add_row(
                Text(str(number) if first else ""),
                Text(_displayable(copy.document)),
                Text(str(copy.line)),
                Text(str(copy.paragraph)),
                Text(similarity if first else ""),
                Text(snippet(cluster.text) if first else ""),
                end_section=index == len(cluster.members) - 1,
            )
    return table


# --- progress ------------------------------------------------------------------------------


@contextlib.contextmanager
def progress_bar(total: int | None, *, enabled: bool, description: str = "Scanning") -> Iterator[Callable[..., None]]:
    """A progress bar with rate and ETA on stderr, or a silent callback when not `enabled`.

    Yields a function to call with the number of documents just finished, and with
    `total=` once the number of documents is known (a streamed scan learns it late).
    """
    if not enabled:
        yield lambda finished, total=None: None
        return
    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=total, rate="")
        started = time.perf_counter()
        done = 0

        def advance(finished: int, total: int | None = None) -> None:
            nonlocal done
            done += finished
            elapsed = max(time.perf_counter() - started, 1e-9)
            progress.update(task, advance=finished, rate=f"{done / elapsed:,.0f} docs/s")
            if total is not None:
                progress.update(task, total=total)

        yield advance
