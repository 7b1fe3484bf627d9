"""GitHub Actions workflow commands and JUnit XML for a Report: the formats CI systems read.

Owns the escaping each of them needs; report.render and report.render_check dispatch here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence

from arabic_dedupe.model import ParagraphCopy, Report
from arabic_dedupe.report import (
    duplicate_articles,
    duplicate_rate,
    format_similarity,
    member_similarity,
    snippet,
)

# Characters XML 1.0 cannot carry at all, even escaped; scraped text sometimes has them.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# --- GitHub Actions workflow commands ----------------------------------------------------


def escape_workflow_data(text: str) -> str:
    """Escapes the message of a GitHub Actions workflow command (after the `::`).

    >>> escape_workflow_data("50% done\\r\\nnext")
    '50%25 done%0D%0Anext'
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_workflow_property(text: str) -> str:
    """Escapes a property value of a workflow command, where `,` and `:` are separators.

    >>> escape_workflow_property("news, daily: 1.txt")
    'news%2C daily%3A 1.txt'
    """
    return escape_workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def _workflow_command(command: str, message: str, **properties: str | int) -> str:
    rendered = ",".join(
        f"{name}={escape_workflow_property(str(value))}" for name, value in properties.items()
    )
    separator = " " if rendered else ""
    return f"::{command}{separator}{rendered}::{escape_workflow_data(message)}\n"


def render_github(report: Report, *, exceeded: Sequence[str]) -> str:
    """Workflow commands, one a line: an error per redundant article, a warning per copy of
    a repeated paragraph, an error per exceeded budget, and a closing notice with the summary."""
    lines = []
    for cluster in report.article_clusters:
        for index, member in enumerate(cluster.members):
            if member == cluster.representative:
                continue
            kind = "an exact copy" if cluster.exact else "a near-duplicate"
            message = (
                f"{member} is {kind} of {cluster.representative} "
                f"(similarity {format_similarity(member_similarity(cluster, index))}, "
                f"cluster of {len(cluster.members)})"
            )
            lines.append(
                _workflow_command(
                    "error", message, file=member, line=1, title="Near-duplicate article"
                )
            )
    for cluster in report.paragraph_clusters:
        for copy in cluster.members:
            others = [other for other in cluster.members if other != copy]
            message = (
                f"paragraph {copy.paragraph} is repeated in {_count(len(others), 'other place')}: "
                f"{_locations(others)} (similarity {format_similarity(cluster.min_similarity)}): "
                f"{snippet(cluster.text)}"
            )
            lines.append(
                _workflow_command(
                    "warning", message, file=copy.document, line=copy.line, title="Repeated paragraph"
                )
            )
    for budget in exceeded:
        lines.append(_workflow_command("error", budget, title="Duplication budget exceeded"))
    lines.append(_workflow_command("notice", _summary_sentence(report), title="dedupe"))
    return "".join(lines)


def _locations(copies: Sequence[ParagraphCopy], limit: int = 5) -> str:
    shown = ", ".join(f"{copy.document}:{copy.line}" for copy in copies[:limit])
    hidden = len(copies) - limit
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def _summary_sentence(report: Report) -> str:
    return (
        f"{_count(report.documents, 'document')}, "
        f"{_count(duplicate_articles(report), 'duplicate article')} in "
        f"{_count(len(report.article_clusters), 'cluster')}, duplicate rate "
        f"{duplicate_rate(report):.1%}, "
        f"{_count(len(report.paragraph_clusters), 'repeated paragraph')}"
    )


def _count(number: int, noun: str) -> str:
    """
    >>> _count(1, "cluster"), _count(0, "cluster")
    ('1 cluster', '0 clusters')
    """
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# --- JUnit XML ---------------------------------------------------------------------------


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(report: Report, *, exceeded: Sequence[str]) -> str:
    """One test suite: a failing case per redundant article and one for the budgets; repeated
    paragraphs pass with their details in system-out; skipped inputs are skipped cases."""
    suite = ElementTree.Element("testsuite", name="dedupe")
    failures = 0
    budgets = ElementTree.SubElement(
        suite, "testcase", classname="dedupe.budgets", name="duplication budgets"
    )
    if exceeded:
        failures += 1
        failure = ElementTree.SubElement(
            budgets,
            "failure",
            type="budget-exceeded",
            message=_xml_text(f"{_count(len(exceeded), 'budget')} exceeded"),
        )
        failure.text = _xml_text("\n".join(exceeded))
    for number, cluster in enumerate(report.article_clusters, start=1):
        for index, member in enumerate(cluster.members):
            if member == cluster.representative:
                continue
            # One failing case per redundant document: that is the unit a fix removes.
            failures += 1
            case = ElementTree.SubElement(
                suite, "testcase", classname="dedupe.articles", name=_xml_text(member)
            )
            failure = ElementTree.SubElement(
                case,
                "failure",
                type="near-duplicate",
                message=_xml_text(
                    f"{'exact copy' if cluster.exact else 'near-duplicate'} of "
                    f"{cluster.representative} (similarity "
                    f"{format_similarity(member_similarity(cluster, index))})"
                ),
            )
            failure.text = _xml_text(
                f"article cluster {number}: {', '.join(cluster.members)}\n{snippet(cluster.snippet)}"
            )
    for number, cluster in enumerate(report.paragraph_clusters, start=1):
        # Repeated paragraphs are warnings elsewhere (they do not fail a check by
        # themselves), so they pass here and carry the details in system-out.
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname="dedupe.paragraphs",
            name=_xml_text(f"repeated paragraph {number}"),
        )
        output = ElementTree.SubElement(case, "system-out")
        output.text = _xml_text(
            f"{len(cluster.members)} copies (similarity {format_similarity(cluster.min_similarity)}): "
            f"{_locations(cluster.members, limit=len(cluster.members))}\n{cluster.text}"
        )
    for item in report.skipped:
        case = ElementTree.SubElement(
            suite, "testcase", classname="dedupe.inputs", name=_xml_text(item.path)
        )
        ElementTree.SubElement(case, "skipped", message=_xml_text(item.message))
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(len(report.skipped)))
    root = ElementTree.Element("testsuites", name="dedupe")
    root.append(suite)
    ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'

