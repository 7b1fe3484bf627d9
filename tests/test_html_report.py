"""Tests for the HTML report: structure, highlights and escaping of hostile scraped text,
then the page as headless Chromium renders it (screenshot pixels and the live DOM).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arabic_dedupe.html_report import bucket_counts, render_html
from arabic_dedupe.model import ArticleCluster, ParagraphCluster, ParagraphCopy, Report, Skipped
from arabic_dedupe.report import render, report_from_dict

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "report" / "cases"
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">',
)


def load_case(name: str) -> tuple[Report, dict[str, list[str]]]:
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    texts = data.pop("texts", {})
    return report_from_dict(data), texts


# --- a small DOM, built by the standard library's HTML parser ---------------------------


@dataclass
class Node:
    tag: str
    attributes: dict[str, str | None]
    children: list = field(default_factory=list)

    def find_all(self, tag: str | None = None, css_class: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                classes = (child.attributes.get("class") or "").split()
                if (tag is None or child.tag == tag) and (css_class is None or css_class in classes):
                    found.append(child)
                found.extend(child.find_all(tag, css_class))
        return found

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.open[-1].children.append(node)
        if tag not in VOID_ELEMENTS:
            self.open.append(node)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(page: str) -> Node:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    return builder.root


def assert_inert(document: Node) -> None:
    """No element or attribute through which scraped text could run code or fetch anything."""
    elements = document.find_all()
    assert [node.tag for node in elements if node.tag in {"script", "img", "iframe", "object", "embed", "link"}] == []
    for node in elements:
        for name, value in node.attributes.items():
            assert not name.startswith("on"), (node.tag, name)
            if name in {"href", "src", "action", "formaction", "xlink:href"}:
                assert (value or "").startswith("#"), (node.tag, name, value)


def members_of(section: Node) -> list[tuple[str, list[tuple[bool, str]]]]:
    """(path, [(highlighted, paragraph text), ...]) for each member column of a cluster."""
    columns = []
    for article in section.find_all("article", "member"):
        path = article.find_all("bdi", "path")[0].text()
        paragraphs = [(bool(p.find_all("mark")), p.text()) for p in article.find_all("p")]
        columns.append((path, paragraphs))
    return columns


# --- structure ---------------------------------------------------------------------------


def test_page_is_arabic_right_to_left_and_self_contained():
    report, texts = load_case("news")
    page = render(report, "html", texts=texts)
    document = parse(page)
    root = document.find_all("html")[0]
    assert root.attributes == {"lang": "ar", "dir": "rtl"}
    assert {"charset": "utf-8"} in [meta.attributes for meta in document.find_all("meta")]
    policy = [meta.attributes["content"] for meta in document.find_all("meta") if meta.attributes.get("http-equiv")]
    assert policy == ["default-src 'none'; style-src 'unsafe-inline'"]
    assert_inert(document)
    style = document.find_all("style")[0].text()
    assert "url(" not in style and "@import" not in style
    # The only address is the SVG namespace, which names the vocabulary and is never fetched.
    assert set(re.findall(r"[a-z]+://[^\s\"'<>]*", page)) == {"http://www.w3.org/2000/svg"}
    assert page == render_html(report, texts=texts)


def test_summary_figures():
    report, texts = load_case("news")
    figures = parse(render(report, "html", texts=texts)).find_all("div", "figure")
    assert [(figure.find_all("dt")[0].text(), figure.find_all("dd")[0].text()) for figure in figures] == [
        ("المستندات", "7"),
        ("المقالات المكررة", "3"),
        ("مجموعات المقالات", "2"),
        ("نسبة التكرار", "42.9%"),
        ("الفقرات المكررة", "2"),
        ("نسخ الفقرات المكررة", "5"),
        ("مدخلات متخطاة", "1"),
    ]


def test_one_section_per_cluster_with_members_side_by_side():
    report, texts = load_case("news")
    document = parse(render(report, "html", texts=texts))
    articles = document.find_all("section", "article-cluster")
    paragraphs = document.find_all("section", "paragraph-cluster")
    assert [section.attributes["id"] for section in articles] == ["article-1", "article-2"]
    assert [section.attributes["id"] for section in paragraphs] == ["paragraph-1", "paragraph-2"]
    assert [link.attributes["href"] for link in document.find_all("a")] == [
        "#article-1", "#article-2", "#paragraph-1", "#paragraph-2",
    ]
    columns = articles[0].find_all("div", "members")[0].find_all("article")
    assert [column.attributes["class"] for column in columns] == [
        "member representative", "member copy", "member copy",
    ]
    assert "تطابق تام" in articles[1].find_all("h2")[0].text()
    assert "تطابق تام" not in articles[0].find_all("h2")[0].text()


def test_shared_paragraphs_are_highlighted_by_matching_form():
    report, texts = load_case("news")
    section = parse(render(report, "html", texts=texts)).find_all("section", "article-cluster")[0]
    highlighted = [(path, [marked for marked, _ in paragraphs]) for path, paragraphs in members_of(section)]
    assert highlighted == [
        # The representative marks what any copy repeats; its social-media line is its own.
        ("news/okaz/2015-03-01.txt", [True, True, True, False]),
        # Alef maksura for yeh in the quote still matches; the cost paragraph is new.
        ("news/sabq/2015-03-01 copy.txt", [True, True, False]),
        # Diacritics on the lead still match.
        ('news/alriyadh/"breaking", 2015.txt', [True, True, True]),
    ]
    assert members_of(section)[2][1][0][1] == texts['news/alriyadh/"breaking", 2015.txt'][0]


def test_members_without_text_say_so_and_show_the_snippet():
    report, _ = load_case("news")
    section = parse(render(report, "html")).find_all("section", "article-cluster")[1]
    assert members_of(section) == [
        (
            "news/spa/1.txt",
            [
                (False, "النص غير مضمّن في هذا التقرير."),
                (False, "الرياض - واس: استقبل خادم الحرمين الشريفين في قصر اليمامة…"),
            ],
        ),
        ("news/spa/1 (1).txt", [(False, "النص غير مضمّن في هذا التقرير.")]),
    ]


def test_paragraph_cluster_lists_every_copy():
    report, texts = load_case("news")
    section = parse(render(report, "html", texts=texts)).find_all("section", "paragraph-cluster")[1]
    rows = [[cell.text() for cell in row.find_all("td")] for row in section.find_all("tbody")[0].find_all("tr")]
    assert rows == [["news/sabq/2015-03-02.txt", "0", "1"], ["news/sabq/2015-03-02.txt", "6", "15"]]
    assert "2 نسخ في 1 مستندات" in section.find_all("p", "meta")[0].text()


def test_histograms_count_similarities_per_bucket():
    report, texts = load_case("news")
    charts = parse(render(report, "html", texts=texts)).find_all("figure", "histogram")
    titles = [[title.text() for title in chart.find_all("title")] for chart in charts]
    # Article copies at 0.87, 0.93 and 1.0; paragraph clusters at 0.92 and 1.0.
    assert [[title for title in chart if not title.endswith(": 0")] for chart in titles] == [
        ["0.85: 1", "0.90: 1", "0.95: 1"],
        ["0.90: 1", "0.95: 1"],
    ]
    assert len(titles[0]) == len(titles[1]) == 10


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([], (0, [0] * 10), id="none"),
        pytest.param([0.7, 0.7499, 0.75], (0, [0, 0, 0, 0, 2, 1, 0, 0, 0, 0]), id="edges-belong-above"),
        pytest.param([0.1, 0.49], (2, [0] * 10), id="below-the-chart"),
        pytest.param([1.0, 0.95], (0, [0] * 9 + [2]), id="top-bucket-is-closed"),
    ],
)
def test_bucket_counts(values, expected):
    assert bucket_counts(values) == expected


def test_low_similarities_get_their_own_bar():
    report = Report(2, (ArticleCluster(("a", "b"), "a", 0.3, False, (1.0, 0.3)),), ())
    chart = parse(render(report, "html")).find_all("figure", "histogram")[0]
    assert chart.find_all("title")[0].text() == "<0.50: 1"


def test_empty_report_says_nothing_was_found():
    report, _ = load_case("empty")
    document = parse(render(report, "html"))
    assert document.find_all("section", "article-cluster") == []
    assert "لم يُعثر على مقالات أو فقرات مكررة." in document.text()


# --- hostile scraped text ----------------------------------------------------------------


def test_hostile_text_and_paths_are_shown_not_run():
    report, texts = load_case("awkward")
    page = render(report, "html", texts=texts)
    document = parse(page)
    assert_inert(document)
    assert "<script" not in page and "<img" not in page and "javascript:alert(1)\">" not in page
    shown = document.text()
    for payload in PAYLOADS:
        assert payload in shown
    # The path lands intact in element text, never in an attribute.
    paths = [node.text() for node in document.find_all("bdi", "path")]
    assert 'up<script>alert(1)</script>/a "b", c:d%e.txt' in paths


def test_hostile_skipped_paths_warnings_and_parameters_are_escaped():
    hostile = PAYLOADS[1]
    report = Report(
        1,
        (),
        (),
        parameters={hostile: hostile},
        skipped=(Skipped(hostile + ".txt", hostile),),
        warnings=(hostile,),
    )
    page = render(report, "html")
    document = parse(page)
    assert_inert(document)
    assert document.text().count(hostile) == 5


# Pieces of markup, joined at random: tags, attributes, comments, entities, Arabic.
texts_with_markup = st.lists(
    st.sampled_from(
        list("<>\"'&=/ \n\r\tabجد;:") + ["script", "onerror", "javascript:", "<!--", "-->", "&amp;", "]]>", "<img"]
    ),
    max_size=20,
).map("".join)


@settings(max_examples=100, deadline=None)
@given(path=texts_with_markup.filter(str.strip), paragraph=texts_with_markup)
def test_any_scraped_text_comes_out_as_text(path, paragraph):
    report = Report(
        2,
        (ArticleCluster((path, path + "2"), path, 0.9, False, (1.0, 0.9), paragraph),),
        (ParagraphCluster((ParagraphCopy(path, 0, 1), ParagraphCopy(path + "2", 0, 1)), paragraph, 0.9, False),),
    )
    document = parse(render(report, "html", texts={path: [paragraph], path + "2": [paragraph]}))
    assert_inert(document)
    assert [node.text() for node in document.find_all("bdi", "path")][:2] == [path, path + "2"]
    assert document.find_all("blockquote")[0].text() == paragraph


# --- in a real browser -------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BACKGROUND = (0xF3, 0xF5, 0xF8)
BAR_BLUE = (0x1F, 0x6F, 0xEB)
HIGHLIGHT = (0xFF, 0xE0, 0x8A)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)
    if path is None:
        reason = (
            "headless Chromium is not installed (looked for `chromium` on PATH and /usr/bin/chromium); "
            "install the Debian package `chromium`, e.g. with `make services`"
        )
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"{reason}. CI must run the browser test, so this is a failure, not a skip.")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def page_url(tmp_path_factory) -> str:
    report, texts = load_case("news")
    path = tmp_path_factory.mktemp("html-report") / "report.html"
    path.write_text(render(report, "html", texts=texts), encoding="utf-8")
    return path.as_uri()


def run_chromium(chromium: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess:
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, f"chromium exited with {result.returncode}: {result.stderr[-2000:]}"
    return result


def decode_png(data: bytes) -> numpy.ndarray:
    """Pixels (height x width x RGB) of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert data[:8] == PNG_SIGNATURE
    position, compressed, header = 8, [], None
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[position + 8 + length : position + 12 + length])[0]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed.append(body)
        position += 12 + length
    width, height, bit_depth, colour_type, _, _, interlace = header
    assert (bit_depth, interlace) == (8, 0) and colour_type in (2, 6), header
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(compressed))
    stride = width * channels
    assert len(raw) == height * (stride + 1)
    rows, previous = [], bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        filter_type, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        assert filter_type <= 4, f"unknown PNG filter {filter_type} on row {row}"
        for index in range(stride if filter_type else 0):
            left = line[index - channels] if index >= channels else 0
            up = previous[index]
            upper_left = previous[index - channels] if index >= channels else 0
            if filter_type == 1:
                predictor = left
            elif filter_type == 2:
                predictor = up
            elif filter_type == 3:
                predictor = (left + up) // 2
            else:
                estimate = left + up - upper_left
                distances = (abs(estimate - left), abs(estimate - up), abs(estimate - upper_left))
                predictor = (left, up, upper_left)[distances.index(min(distances))]
            line[index] = (line[index] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return numpy.frombuffer(b"".join(rows), dtype=numpy.uint8).reshape(height, width, channels)[:, :, :3]


def pixels_of(image: numpy.ndarray, colour: tuple[int, int, int]) -> numpy.ndarray:
    return numpy.all(image == numpy.array(colour, dtype=numpy.uint8), axis=2)


def test_browser_screenshot_shows_a_right_to_left_page(chromium, page_url, tmp_path):
    screenshot = tmp_path / "report.png"
    run_chromium(chromium, tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1200,900", page_url)
    image = decode_png(screenshot.read_bytes())
    assert image.shape == (900, 1200, 3)
    colours = numpy.unique(image.reshape(-1, 3), axis=0)
    assert len(colours) > 50, "the screenshot is nearly blank"
    assert pixels_of(image, BACKGROUND).mean() > 0.3, "the page background is missing"
    assert pixels_of(image, BAR_BLUE).sum() > 1000, "no histogram bars"
    assert pixels_of(image, HIGHLIGHT).sum() > 500, "no highlighted shared paragraphs in view"
    # The heading is dark text in the top band; on a right-to-left page it hugs the right edge.
    heading_band = image[15:70].astype(int).sum(axis=2) < 200
    columns = numpy.nonzero(heading_band.any(axis=0))[0]
    assert len(columns) > 100, "no heading text"
    assert columns.min() > 600, f"heading starts at x={columns.min()}, not on the right"


def test_browser_dom_has_the_report_and_no_scripts(chromium, page_url, tmp_path):
    result = run_chromium(chromium, tmp_path / "profile", "--dump-dom", page_url)
    document = parse(result.stdout)
    root = document.find_all("html")[0]
    assert (root.attributes.get("dir"), root.attributes.get("lang")) == ("rtl", "ar")
    assert len(document.find_all("section", "article-cluster")) == 2
    assert len(document.find_all("section", "paragraph-cluster")) == 2
    assert len(document.find_all("mark")) == 8
    assert document.find_all("script") == []
    assert_inert(document)
