"""The HTML report: one self-contained right-to-left page with figures, histograms and clusters.

Every piece of scraped text (paths, paragraphs, snippets, messages) goes through `_escape`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence

from arabic_dedupe.model import ArticleCluster, ParagraphCluster, Report
from arabic_dedupe.normalize import normalize
from arabic_dedupe.report import (
    format_similarity,
    duplicate_articles,
    duplicate_rate,
    member_similarity,
    snippet,
)

# Histogram buckets: similarities below the lowest edge are rare (thresholds sit above it)
# and are counted together in one extra bucket, shown only when it is not empty.
HISTOGRAM_LOW = 0.5
HISTOGRAM_BUCKETS = 10
# No script may run and nothing may be fetched, even if some text escaped our escaping.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"

STYLE = """
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6575; --line: #d6dbe3;
  --card: #ffffff; --page: #f3f5f8; --accent: #1f6feb; --mark: #ffe08a; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px; background: var(--page); color: var(--ink);
  font-family: "Noto Naskh Arabic", "Noto Sans Arabic", "Segoe UI", Tahoma, "DejaVu Sans",
  sans-serif; font-size: 16px; line-height: 1.7; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 0 0 8px; }
.subtitle, .meta { color: var(--muted); margin: 0 0 12px; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 24px; padding: 0; }
.figure { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 18px; min-width: 120px; }
.figure dt { color: var(--muted); font-size: 0.9rem; }
.figure dd { margin: 0; font-size: 1.5rem; font-weight: bold; }
.histograms { display: flex; flex-wrap: wrap; gap: 16px; margin-bottom: 24px; }
.histogram { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 16px; }
.histogram svg { display: block; }
.histogram .bar { fill: var(--accent); }
.histogram text { font-size: 11px; fill: var(--muted); font-family: "DejaVu Sans", sans-serif; }
.cluster { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 16px; margin-bottom: 20px; }
.members { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; }
.member { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
  background: #fbfcfd; min-width: 0; }
.member.representative { border-color: var(--accent); }
.member header { border-bottom: 1px solid var(--line); padding-bottom: 6px; margin-bottom: 8px; }
.member p { margin: 0 0 8px; }
.path { font-family: "DejaVu Sans Mono", monospace; font-size: 0.85rem; overflow-wrap: anywhere; }
.badge { display: inline-block; font-size: 0.8rem; border-radius: 10px; padding: 0 8px;
  margin-inline-start: 6px; background: #e7effc; color: var(--accent); }
.badge.exact { background: #fde8e8; color: #b42318; }
mark { background: var(--mark); color: inherit; padding: 0 2px; border-radius: 3px; }
.missing { color: var(--muted); font-style: italic; }
blockquote { margin: 0 0 12px; padding: 8px 12px; border-inline-start: 4px solid var(--accent);
  background: #fbfcfd; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: start; }
nav ol { columns: 3; }
footer { color: var(--muted); font-size: 0.85rem; margin-top: 24px; }
"""


def render_html(report: Report, *, texts: Mapping[str, Sequence[str]] | None = None) -> str:
    """The whole HTML page for `report`; `texts` maps document ids to cleaned paragraphs.

    Without `texts` the clusters still list their members, with snippets instead of text.
    """
    texts = texts or {}
    parts = [
        "<!DOCTYPE html>\n",
        '<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        "<title>تقرير التكرار</title>\n",
        f"<style>{STYLE}</style>\n</head>\n<body>\n",
        "<header>\n<h1>تقرير المقالات والفقرات المكررة</h1>\n",
        '<p class="subtitle">أُنشئ بواسطة <bdi dir="ltr">dedupe</bdi></p>\n</header>\n',
        _figures(report),
        _histograms(report),
        _contents(report),
    ]
    parts += [
        _article_section(number, cluster, texts)
        for number, cluster in enumerate(report.article_clusters, start=1)
    ]
    parts += [
        _paragraph_section(number, cluster)
        for number, cluster in enumerate(report.paragraph_clusters, start=1)
    ]
    parts += [_skipped_and_warnings(report), _parameters(report), "</body>\n</html>\n"]
    return "".join(parts)


def _escape(text: str) -> str:
    return html.escape(str(text), quote=True)


def _path(path: str) -> str:
    # Paths are left-to-right text inside a right-to-left page; <bdi> keeps a path's own
    # direction (and any bidi controls it carries) from reordering the words around it.
    return f'<bdi dir="ltr" class="path">{_escape(path)}</bdi>'


def _figures(report: Report) -> str:
    copies = sum(len(cluster.members) for cluster in report.paragraph_clusters)
    figures = [
        ("المستندات", str(report.documents)),
        ("المقالات المكررة", str(duplicate_articles(report))),
        ("مجموعات المقالات", str(len(report.article_clusters))),
        ("نسبة التكرار", f"{duplicate_rate(report):.1%}"),
        ("الفقرات المكررة", str(len(report.paragraph_clusters))),
        ("نسخ الفقرات المكررة", str(copies)),
    ]
    if report.skipped:
        figures.append(("مدخلات متخطاة", str(len(report.skipped))))
    items = "".join(
        f'<div class="figure"><dt>{label}</dt><dd><bdi dir="ltr">{value}</bdi></dd></div>\n'
        for label, value in figures
    )
    return f'<section class="summary" aria-label="الملخص">\n<dl class="figures">\n{items}</dl>\n</section>\n'


def bucket_counts(values: Iterable[float]) -> tuple[int, list[int]]:
    """Counts similarities below 0.5, then in ten buckets of 0.05 from 0.5 up to 1.0 inclusive.

    >>> bucket_counts([0.3, 0.5, 0.55, 0.95, 1.0])
    (1, [1, 1, 0, 0, 0, 0, 0, 0, 0, 2])
    """
    below = 0
    counts = [0] * HISTOGRAM_BUCKETS
    width = (1.0 - HISTOGRAM_LOW) / HISTOGRAM_BUCKETS
    for value in values:
        if value < HISTOGRAM_LOW:
            below += 1
            continue
        # Rounded first so that 0.95 lands in the 0.95 bucket despite binary fractions.
        index = math.floor(round((value - HISTOGRAM_LOW) / width, 9))
        counts[min(index, HISTOGRAM_BUCKETS - 1)] += 1
    return below, counts


def _histograms(report: Report) -> str:
    article_values = [
        member_similarity(cluster, index)
        for cluster in report.article_clusters
        for index, member in enumerate(cluster.members)
        if member != cluster.representative
    ]
    paragraph_values = [cluster.min_similarity for cluster in report.paragraph_clusters]
    charts = [
        _histogram("تشابه المقالات المكررة مع ممثل مجموعتها", article_values),
        _histogram("أدنى تشابه في كل مجموعة فقرات", paragraph_values),
    ]
    return f'<section class="histograms" aria-label="توزيع التشابه">\n{"".join(charts)}</section>\n'


def _histogram(title: str, values: Sequence[float]) -> str:
    below, counts = bucket_counts(values)
    labels = [f"{HISTOGRAM_LOW + index * 0.05:.2f}" for index in range(HISTOGRAM_BUCKETS)]
    if below:
        counts = [below, *counts]
        labels = ["<0.50", *labels]
    bar_width, gap, chart_height, top, bottom = 32, 6, 120, 18, 22
    tallest = max(counts) or 1
    bars = []
    for position, (label, count) in enumerate(zip(labels, counts)):
        x = gap + position * (bar_width + gap)
        height = round(chart_height * count / tallest)
        y = top + chart_height - height
        # Empty buckets get no count label: a row of zeros hides the bars that matter.
        count_label = (
            f'<text x="{x + bar_width / 2:g}" y="{y - 4}" text-anchor="middle">{count}</text>'
            if count
            else ""
        )
        bars.append(
            f"<g><title>{_escape(label)}: {count}</title>"
            f'<rect class="bar" x="{x}" y="{y}" width="{bar_width}" height="{height}"></rect>'
            f"{count_label}"
            f'<text x="{x + bar_width / 2:g}" y="{top + chart_height + 15}" '
            f'text-anchor="middle">{_escape(label)}</text></g>'
        )
    width = gap + len(counts) * (bar_width + gap)
    height = top + chart_height + bottom
    # Similarity grows left to right like any numeric axis, also on a right-to-left page.
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" direction="ltr" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{_escape(title)}">'
        f'<line x1="0" y1="{top + chart_height}" x2="{width}" y2="{top + chart_height}" '
        f'stroke="#d6dbe3"></line>{"".join(bars)}</svg>'
    )
    return (
        f'<figure class="histogram">\n<h2>{_escape(title)}</h2>\n'
        f'<p class="meta">{len(values)} قيمة</p>\n{svg}\n</figure>\n'
    )


def _contents(report: Report) -> str:
    if not report.article_clusters and not report.paragraph_clusters:
        return '<p class="meta">لم يُعثر على مقالات أو فقرات مكررة.</p>\n'
    links = [
        f'<li><a href="#article-{number}">مجموعة مقالات {number}</a> '
        f"({len(cluster.members)})</li>"
        for number, cluster in enumerate(report.article_clusters, start=1)
    ]
    links += [
        f'<li><a href="#paragraph-{number}">فقرة مكررة {number}</a> ({len(cluster.members)})</li>'
        for number, cluster in enumerate(report.paragraph_clusters, start=1)
    ]
    return f'<nav aria-label="المحتويات">\n<ol>\n{"".join(links)}\n</ol>\n</nav>\n'


def _matching_forms(paragraphs: Iterable[str]) -> set[str]:
    return {form for form in (normalize(paragraph) for paragraph in paragraphs) if form}


def _article_section(
    number: int, cluster: ArticleCluster, texts: Mapping[str, Sequence[str]]
) -> str:
    representative_forms = _matching_forms(texts.get(cluster.representative, ()))
    other_forms = _matching_forms(
        paragraph
        for member in cluster.members
        if member != cluster.representative
        for paragraph in texts.get(member, ())
    )
    members = []
    for index, member in enumerate(cluster.members):
        is_representative = member == cluster.representative
        # The representative highlights what its copies repeat; a copy highlights what it
        # shares with the representative (every member was verified against it).
        shared = other_forms if is_representative else representative_forms
        members.append(
            _member(member, member_similarity(cluster, index), is_representative, texts.get(member), shared, cluster)
        )
    exact = '<span class="badge exact">تطابق تام</span>' if cluster.exact else ""
    return (
        f'<section class="cluster article-cluster" id="article-{number}">\n'
        f"<h2>مجموعة مقالات {number}{exact}</h2>\n"
        f'<p class="meta">{len(cluster.members)} مستندات · أدنى تشابه '
        f'<bdi dir="ltr">{format_similarity(cluster.min_similarity)}</bdi></p>\n'
        f'<div class="members">\n{"".join(members)}</div>\n</section>\n'
    )


def _member(
    member: str,
    similarity: float,
    is_representative: bool,
    paragraphs: Sequence[str] | None,
    shared: set[str],
    cluster: ArticleCluster,
) -> str:
    role = "representative" if is_representative else "copy"
    badge = (
        '<span class="badge">الممثل</span>'
        if is_representative
        else f'<span class="badge">تشابه <bdi dir="ltr">{format_similarity(similarity)}</bdi></span>'
    )
    if paragraphs is None:
        body = '<p class="missing">النص غير مضمّن في هذا التقرير.</p>\n'
        if is_representative and cluster.snippet:
            body += f'<p dir="auto">{_escape(snippet(cluster.snippet))}</p>\n'
    else:
        body = "".join(_paragraph(paragraph, shared) for paragraph in paragraphs)
    return (
        f'<article class="member {role}">\n<header>{_path(member)} {badge}</header>\n'
        f"{body}</article>\n"
    )


def _paragraph(paragraph: str, shared: set[str]) -> str:
    escaped = _escape(paragraph)
    if normalize(paragraph) in shared:
        escaped = f"<mark>{escaped}</mark>"
    return f'<p dir="auto">{escaped}</p>\n'


def _paragraph_section(number: int, cluster: ParagraphCluster) -> str:
    rows = "".join(
        f"<tr><td>{_path(copy.document)}</td><td>{copy.paragraph}</td><td>{copy.line}</td></tr>\n"
        for copy in cluster.members
    )
    documents = len({copy.document for copy in cluster.members})
    exact = '<span class="badge exact">تطابق تام</span>' if cluster.exact else ""
    return (
        f'<section class="cluster paragraph-cluster" id="paragraph-{number}">\n'
        f"<h2>فقرة مكررة {number}{exact}</h2>\n"
        f'<p class="meta">{len(cluster.members)} نسخ في {documents} مستندات · أدنى تشابه '
        f'<bdi dir="ltr">{format_similarity(cluster.min_similarity)}</bdi></p>\n'
        f'<blockquote dir="auto">{_escape(cluster.text)}</blockquote>\n'
        "<table>\n<thead><tr><th>المستند</th><th>الفقرة</th><th>السطر</th></tr></thead>\n"
        f"<tbody>\n{rows}</tbody>\n</table>\n</section>\n"
    )


def _skipped_and_warnings(report: Report) -> str:
    parts = []
    if report.skipped:
        items = "".join(
            f"<li>{_path(item.path)}: <span dir=\"auto\">{_escape(item.message)}</span></li>\n"
            for item in report.skipped
        )
        parts.append(f'<section class="skipped">\n<h2>مدخلات متخطاة</h2>\n<ul>\n{items}</ul>\n</section>\n')
    if report.warnings:
        items = "".join(f'<li dir="auto">{_escape(warning)}</li>\n' for warning in report.warnings)
        parts.append(f'<section class="warnings">\n<h2>تحذيرات</h2>\n<ul>\n{items}</ul>\n</section>\n')
    return "".join(parts)


def _parameters(report: Report) -> str:
    rows = "".join(
        f'<tr><th dir="ltr">{_escape(name)}</th><td dir="ltr">{_escape(value)}</td></tr>\n'
        for name, value in report.parameters.items()
    )
    return (
        f"<footer>\n<details>\n<summary>إعدادات الفحص</summary>\n<table>\n{rows}</table>\n"
        "</details>\n</footer>\n"
    )
