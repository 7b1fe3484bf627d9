"""Tests for the reporter: golden files per format, the JSON contract against its schema,
CI formats that survive hostile paths, and properties over generated reports.

Golden files live in fixtures/report/; after a deliberate change of output, rewrite them
with `REPORT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_report.py` and review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arabic_dedupe.errors import UsageError
from arabic_dedupe.model import ArticleCluster, ParagraphCluster, ParagraphCopy, Report, Skipped
from arabic_dedupe.report import (
    CSV_COLUMNS,
    FORMATS,
    duplicate_rate,
    render,
    render_check,
    report_from_dict,
    report_to_dict,
    snippet,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "report"
SCHEMA = json.loads((ROOT / "docs" / "scan-output.schema.json").read_text(encoding="utf-8"))
CASES = ("news", "empty", "awkward")
GOLDEN_EXTENSIONS = {
    "table": "table.txt",
    "json": "json",
    "jsonl": "jsonl",
    "csv": "csv",
    "github": "github.txt",
    "junit": "junit.xml",
}
BUDGETS = (
    "duplicate rate 42.9% is above the budget of 10.0%",
    "3 duplicate articles, the budget allows 0",
)


def load_case(name: str) -> Report:
    """A hand-made report from fixtures/report/cases (its "texts" are for the HTML tests)."""
    data = json.loads((FIXTURES / "cases" / f"{name}.json").read_text(encoding="utf-8"))
    data.pop("texts", None)
    return report_from_dict(data)


def assert_golden(name: str, rendered: str) -> None:
    path = FIXTURES / name
    if os.environ.get("REPORT_UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8", newline="")
    # newline="": compare bytes as written, so a "\r\n" that sneaks in is caught.
    with path.open(encoding="utf-8", newline="") as golden:
        assert rendered == golden.read()


def validator(definition: str | None = None) -> jsonschema.Draft202012Validator:
    # For a definition, only it applies, not the top-level object's requirements.
    schema = SCHEMA if definition is None else {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{definition}"}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


# --- golden files ------------------------------------------------------------------------


@pytest.mark.parametrize("format", GOLDEN_EXTENSIONS)
@pytest.mark.parametrize("case", CASES)
def test_render_matches_golden_file(case, format):
    assert_golden(f"{case}.{GOLDEN_EXTENSIONS[format]}", render(load_case(case), format))


@pytest.mark.parametrize("format", ["table", "github", "junit", "json", "jsonl"])
def test_render_check_matches_golden_file(format):
    rendered = render_check(load_case("news"), exceeded=list(BUDGETS), format=format)
    assert_golden(f"news.check.{GOLDEN_EXTENSIONS[format]}", rendered)


def test_render_check_table_says_when_every_budget_is_met():
    rendered = render_check(load_case("news"), exceeded=[], format="table")
    assert rendered.endswith("All duplication budgets met.\n")
    assert "Budget exceeded" not in rendered


def test_render_check_falls_back_to_render_for_formats_without_a_verdict():
    report = load_case("news")
    assert render_check(report, exceeded=list(BUDGETS), format="csv") == render(report, "csv")


def test_every_format_is_rendered():
    report = load_case("news")
    assert FORMATS == ("table", "json", "jsonl", "csv", "github", "junit", "html")
    for format in FORMATS:
        assert render(report, format).endswith("\n"), format


def test_unknown_format_names_the_choices():
    with pytest.raises(UsageError) as raised:
        render(load_case("news"), "yaml")
    assert str(raised.value) == (
        "unknown output format 'yaml'; choose one of: table, json, jsonl, csv, github, junit, html"
    )


# --- the JSON contract -------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("case", CASES)
def test_json_output_matches_the_schema(case):
    validator().validate(json.loads(render(load_case(case), "json")))


def test_check_json_output_matches_the_schema():
    output = json.loads(render_check(load_case("news"), exceeded=list(BUDGETS), format="json"))
    validator().validate(output)
    assert output["exceeded"] == list(BUDGETS)


@pytest.mark.parametrize("case", CASES)
def test_every_jsonl_line_matches_the_schema(case):
    lines = [json.loads(line) for line in render(load_case(case), "jsonl").splitlines()]
    for line in lines:
        validator("jsonl_line").validate(line)
    assert lines[-1]["type"] == "summary"
    assert [line["type"] for line in lines[:-1]] == sorted(
        (line["type"] for line in lines[:-1]), key=["article", "paragraph"].index
    )


def test_json_contract_of_the_news_report():
    output = json.loads(render(load_case("news"), "json"))
    assert output["documents"] == 7
    first = output["article_clusters"][0]
    assert first["members"] == [
        "news/okaz/2015-03-01.txt",
        "news/sabq/2015-03-01 copy.txt",
        'news/alriyadh/"breaking", 2015.txt',
    ]
    assert first["representative"] == "news/okaz/2015-03-01.txt"
    assert (first["min_similarity"], first["exact"], first["size"]) == (0.87, False, 3)
    assert first["similarities"] == [1.0, 0.93, 0.87]
    assert first["snippet"] == "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة…"
    assert output["article_clusters"][1]["exact"] is True
    within_one_document = output["paragraph_clusters"][1]
    assert within_one_document["members"] == [
        {"document": "news/sabq/2015-03-02.txt", "paragraph": 0, "line": 1},
        {"document": "news/sabq/2015-03-02.txt", "paragraph": 6, "line": 15},
    ]
    assert within_one_document["document_count"] == 1
    assert output["stats"] == {
        "paragraphs": 48,
        "candidate_pairs": 5,
        "duplicate_rate": 3 / 7,
        "duplicate_articles": 3,
        "article_clusters": 2,
        "paragraph_clusters": 2,
        "repeated_paragraph_copies": 5,
        "skipped": 1,
    }
    assert output["skipped"] == [
        {
            "path": "news/broken.txt",
            "message": "cannot decode news/broken.txt as UTF-8 or Windows-1256; re-save it as UTF-8",
        }
    ]
    assert output["parameters"]["normalizer_version"] == "1"


def test_json_keeps_arabic_readable():
    rendered = render(load_case("news"), "json")
    assert "وزارة الصحة" in rendered
    assert "\\u06" not in rendered


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"documents": -1}, id="negative-documents"),
        pytest.param({"article_clusters": [{"members": ["a"], "representative": "a",
                                            "min_similarity": 1, "exact": True}]},
                     id="cluster-of-one"),
        pytest.param({"paragraph_clusters": [{"members": [{"document": "a", "paragraph": 0},
                                                          {"document": "b", "paragraph": 0, "line": 1}],
                                              "text": "x"}]},
                     id="copy-without-line"),
        pytest.param({"paragraph_clusters": [{"members": [{"document": "a", "paragraph": 0, "line": 0},
                                                          {"document": "b", "paragraph": 0, "line": 1}],
                                              "text": "x"}]},
                     id="line-zero"),
        pytest.param({"article_clusters": [{"members": ["a", "b"], "representative": "a",
                                            "min_similarity": 1.5, "exact": True}]},
                     id="similarity-above-one"),
    ],
)
def test_schema_rejects_broken_output(broken):
    output = {**json.loads(render(load_case("empty"), "json")), **broken}
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(output)


def test_report_from_dict_rejects_other_json():
    with pytest.raises(UsageError) as raised:
        report_from_dict({"clusters": []})
    assert str(raised.value) == (
        "not a saved scan report: KeyError: 'documents'; "
        "expected the output of `dedupe scan --format json`"
    )


# --- duplicate rate ----------------------------------------------------------------------


def cluster_of(size: int) -> ArticleCluster:
    members = tuple(f"doc{index}.txt" for index in range(size))
    return ArticleCluster(members, members[0], 0.9, False)


@pytest.mark.parametrize(
    ("documents", "sizes", "expected"),
    [
        pytest.param(10, (), 0.0, id="no-clusters"),
        pytest.param(0, (), 0.0, id="no-documents"),
        pytest.param(4, (2,), 0.25, id="one-pair"),
        pytest.param(10, (3, 2), 0.3, id="two-clusters"),
        pytest.param(5, (5,), 0.8, id="everything-one-story"),
    ],
)
def test_duplicate_rate(documents, sizes, expected):
    report = Report(documents, tuple(cluster_of(size) for size in sizes), ())
    assert duplicate_rate(report) == pytest.approx(expected)
    assert report_to_dict(report)["stats"]["duplicate_rate"] == duplicate_rate(report)


def test_derived_stats_override_stale_numbers_from_the_scanner():
    report = Report(4, (cluster_of(2),), (), stats={"duplicate_rate": 0.9, "seconds": 1.5})
    assert report_to_dict(report)["stats"]["duplicate_rate"] == 0.25
    assert report_to_dict(report)["stats"]["seconds"] == 1.5


# --- table -------------------------------------------------------------------------------


def test_table_without_colour_has_no_escape_sequences_and_with_colour_has_some():
    report = load_case("news")
    assert "\x1b" not in render(report, "table")
    assert "\x1b[" in render(report, "table", color=True)


def test_table_ignores_colour_and_width_settings_of_the_environment(monkeypatch):
    report = load_case("news")
    expected = render(report, "table")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert render(report, "table") == expected


def test_table_prints_markup_and_escapes_in_paths_literally():
    rendered = render(load_case("awkward"), "table")
    assert "[bold]plain[/bold].txt" in rendered
    # The snippet carried an escape sequence and a right-to-left override.
    assert "\x1b" not in rendered
    assert "\u202e" not in rendered


def test_table_keeps_arabic_in_logical_order():
    rendered = render(load_case("news"), "table")
    assert "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى" in rendered


def test_table_follows_the_width():
    for width in (60, 100, 140):
        lines = render(load_case("news"), "table", width=width).splitlines()
        assert max(len(line) for line in lines) <= width


# --- CSV ---------------------------------------------------------------------------------


def test_csv_round_trips_awkward_paths():
    rows = list(csv.reader(io.StringIO(render(load_case("awkward"), "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row[2] for row in rows[1:]] == [
        "[bold]plain[/bold].txt",
        'up<script>alert(1)</script>/a "b", c:d%e.txt',
        "line\nbreak.txt",
        'up<script>alert(1)</script>/a "b", c:d%e.txt',
    ]
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)


# --- GitHub workflow commands -------------------------------------------------------------


def parse_workflow_command(line: str) -> tuple[str, dict[str, str], str]:
    """Undoes the runner's escaping, as the runner does when it reads a command."""

    def unescape(text: str) -> str:
        for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
            text = text.replace(escaped, raw)
        return text

    assert line.startswith("::")
    head, message = line[2:].split("::", 1)
    command, _, raw_properties = head.partition(" ")
    properties = {}
    for item in filter(None, raw_properties.split(",")):
        name, value = item.split("=", 1)
        properties[name] = unescape(value)
    return command, properties, unescape(message)


def test_github_commands_carry_awkward_paths_intact():
    lines = render(load_case("awkward"), "github").splitlines()
    commands = [parse_workflow_command(line) for line in lines]
    assert [(command, properties.get("file"), properties.get("line")) for command, properties, _ in commands] == [
        ("error", 'up<script>alert(1)</script>/a "b", c:d%e.txt', "1"),
        ("warning", "line\nbreak.txt", "2"),
        ("warning", 'up<script>alert(1)</script>/a "b", c:d%e.txt', "7"),
        ("notice", None, None),
    ]
    assert commands[0][1]["title"] == "Near-duplicate article"
    assert commands[1][1]["title"] == "Repeated paragraph"


def test_github_budget_errors_come_before_the_summary_notice():
    lines = render_check(load_case("news"), exceeded=list(BUDGETS), format="github").splitlines()
    assert lines[-3:] == [
        "::error title=Duplication budget exceeded::duplicate rate 42.9%25 is above the budget of 10.0%25",
        "::error title=Duplication budget exceeded::3 duplicate articles, the budget allows 0",
        "::notice title=dedupe::7 documents, 3 duplicate articles in 2 clusters, duplicate rate 42.9%25, "
        "2 repeated paragraphs",
    ]


# --- JUnit -------------------------------------------------------------------------------


def test_junit_is_well_formed_and_counts_failures():
    root = ElementTree.fromstring(
        render_check(load_case("news"), exceeded=list(BUDGETS), format="junit").encode("utf-8")
    )
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("7", "4", "1")
    assert len(cases) == 7
    failing = [case.get("name") for case in cases if case.find("failure") is not None]
    assert failing == [
        "duplication budgets",
        "news/sabq/2015-03-01 copy.txt",
        'news/alriyadh/"breaking", 2015.txt',
        "news/spa/1 (1).txt",
    ]


def test_junit_escapes_awkward_text():
    root = ElementTree.fromstring(render(load_case("awkward"), "junit").encode("utf-8"))
    case = root.find("testsuite/testcase[@classname='dedupe.articles']")
    assert case.get("name") == 'up<script>alert(1)</script>/a "b", c:d%e.txt'
    output = root.find("testsuite/testcase[@classname='dedupe.paragraphs']/system-out").text
    # The bell character cannot be carried by XML 1.0 at all.
    assert "\ufffdجرس" in output


# --- snippets ----------------------------------------------------------------------------


# Control characters and bidi embeddings are dropped from snippets (tested on the golden
# files); here the text has none, so a snippet must start it exactly.
plain_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs"),
        blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    )
)


@given(plain_text)
def test_snippet_is_one_short_line_that_starts_the_text(text):
    short = snippet(text)
    assert len(short) <= 61
    assert "\n" not in short
    flat = " ".join(text.split())
    if short.endswith("…"):
        assert flat.startswith(short.removesuffix("…"))
    else:
        assert short == flat


def _snippet_of_whole_text(text: str, length: int) -> str:
    """The snippet rule applied to the whole text, character by character (what `snippet`
    does faster by flattening only the head of a long text)."""
    bidi = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    shown = "".join(
        " " if unicodedata.category(character) == "Cc" else character for character in text if character not in bidi
    )
    flat = " ".join(shown.split())
    if len(flat) <= length:
        return flat
    cut = flat[: length + 1]
    boundary = cut.rfind(" ")
    return (cut[:boundary] if boundary > length // 2 else flat[:length]).rstrip(" ،,.:;-") + "…"


@given(
    st.lists(
        st.sampled_from(["ب", "a", " ", "\n", "\t", "\x85", "\x1b", "\u202b", "\u2069", "،", "-", " " * 40, "كلمة" * 5]),
        max_size=400,
    ).map("".join),
    st.sampled_from([1, 3, 10, 16, 60]),
)
def test_snippet_equals_the_rule_over_the_whole_text(text, length):
    assert snippet(text, length=length) == _snippet_of_whole_text(text, length)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", "", id="empty"),
        pytest.param("خبر   قصير\n", "خبر قصير", id="whitespace-collapsed"),
        pytest.param("كلمة " * 20, "كلمة " * 11 + "كلمة…", id="cut-at-a-word"),
        pytest.param("\u202eمعكوس\u202c \x1b[31mأحمر", "معكوس [31mأحمر", id="controls-dropped"),
    ],
)
def test_snippet_examples(text, expected):
    assert snippet(text) == expected


# --- properties over generated reports ----------------------------------------------------

paths = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20
)
similarities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def reports(draw) -> Report:
    documents = draw(st.lists(paths, min_size=2, max_size=8, unique=True))
    # Article clusters partition documents, as the clustering stage guarantees.
    unclustered = list(draw(st.permutations(documents)))
    article_clusters = []
    while len(unclustered) >= 2 and draw(st.booleans()):
        size = draw(st.integers(2, len(unclustered)))
        members, unclustered = unclustered[:size], unclustered[size:]
        scores = [1.0] + draw(st.lists(similarities, min_size=size - 1, max_size=size - 1))
        article_clusters.append(
            ArticleCluster(
                tuple(members),
                members[0],
                min(scores),
                draw(st.booleans()),
                tuple(scores),
                draw(st.text(max_size=80)),
            )
        )
    paragraph_clusters = [
        ParagraphCluster(
            tuple(
                ParagraphCopy(document, paragraph, line)
                for document, paragraph, line in draw(
                    st.lists(
                        st.tuples(st.sampled_from(documents), st.integers(0, 50), st.integers(1, 500)),
                        min_size=2,
                        max_size=4,
                    )
                )
            ),
            draw(st.text(max_size=120)),
            draw(similarities),
            draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    skipped = tuple(Skipped(path, draw(st.text(max_size=30))) for path in draw(st.lists(paths, max_size=2)))
    return Report(len(documents), tuple(article_clusters), tuple(paragraph_clusters), skipped=skipped)


@settings(max_examples=60, deadline=None)
@given(reports())
def test_generated_reports_render_valid_output_in_every_format(report):
    contract = json.loads(render(report, "json"))
    validator().validate(contract)
    for line in render(report, "jsonl").splitlines():
        validator("jsonl_line").validate(json.loads(line))
    rows = list(csv.reader(io.StringIO(render(report, "csv"))))
    members = sum(len(cluster.members) for cluster in (*report.article_clusters, *report.paragraph_clusters))
    assert len(rows) == 1 + members
    ElementTree.fromstring(render(report, "junit").encode("utf-8"))
    # The runner reads commands line by line, splitting on "\n" (and "\r") only.
    github = render(report, "github").removesuffix("\n").split("\n")
    assert all(line.startswith("::") for line in github)
    assert len(github) == 1 + members - len(report.article_clusters)


@settings(max_examples=60, deadline=None)
@given(reports())
def test_saved_json_renders_like_the_report_it_came_from(report):
    again = report_from_dict(json.loads(render(report, "json")))
    for format in ("json", "csv", "github", "junit", "table"):
        assert render(again, format) == render(report, format)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=5), children, max_size=4)
    | st.dictionaries(st.integers(0, 9), children, max_size=2),
    max_leaves=25,
)


@settings(max_examples=300)
@given(JSON_VALUES)
def test_indented_json_writes_what_json_dumps_writes(value):
    from arabic_dedupe.report import indented_json

    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)


@pytest.mark.parametrize("bad", [float("nan"), [1.0, float("inf")], {"a": {"b": float("-inf")}}], ids=["nan", "inf-in-list", "nested"])
def test_indented_json_refuses_what_json_refuses(bad):
    from arabic_dedupe.report import indented_json

    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        indented_json(bad)


def test_the_quick_check_for_undisplayable_characters_matches_the_table_exactly():
    from arabic_dedupe import report

    changed = {chr(code) for code in report._DISPLAYABLE}
    found = {chr(code) for code in range(0x3000) if report._UNDISPLAYABLE.search(chr(code))}
    assert found == changed
