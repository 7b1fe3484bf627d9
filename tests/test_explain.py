"""`dedupe explain`: golden outputs, exit codes, and agreement with the scanner's verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings as hypothesis_settings, strategies

from arabic_dedupe.cli import cli
from arabic_dedupe.config import Settings
from arabic_dedupe.explain import (
    EXACT_COPY,
    NO_TEXT,
    choose_kept,
    explain_pair,
    judge_pairs,
    parse_date,
)
from arabic_dedupe.model import CleanDocument, Document, Paragraph
from arabic_dedupe.pipeline import scan_documents

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = "fixtures/explain"


@pytest.fixture(autouse=True)
def at_repository_root(monkeypatch):
    # Document ids are the paths as given, so the golden files hold repository-relative paths.
    monkeypatch.chdir(ROOT)


def run(*arguments: str):
    return CliRunner().invoke(cli, ["explain", *arguments])


def fixture_document(name: str) -> Document:
    path = f"{FIXTURES}/{name}.txt"
    return Document(id=path, text=(ROOT / path).read_text(encoding="utf-8"), site=FIXTURES, path=path)


@pytest.mark.parametrize(
    "second",
    ["abridged", "edited", "unrelated"],
    ids=["abridged-copy-is-contained", "edited-copy-is-near-identical", "unrelated-story"],
)
def test_text_report_matches_golden_file(second):
    result = run(f"{FIXTURES}/original.txt", f"{FIXTURES}/{second}.txt")
    assert result.exit_code == 0
    assert result.stdout == (ROOT / FIXTURES / f"original-{second}.expected.txt").read_text(encoding="utf-8")


def test_json_report_matches_golden_file():
    result = run(f"{FIXTURES}/original.txt", f"{FIXTURES}/abridged.txt", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(
        (ROOT / FIXTURES / "original-abridged.expected.json").read_text(encoding="utf-8")
    )


def test_json_report_names_the_rule_and_the_alignment():
    result = run(f"{FIXTURES}/original.txt", f"{FIXTURES}/abridged.txt", "--format", "json")
    data = json.loads(result.stdout)
    assert data["verdict"] == {"duplicate": True, "rule": "one contains the other", "similarity": 1.0, "exact": False}
    aligned = [
        (item["first"]["paragraph"], item["second"]["paragraph"] if item["matched"] else None)
        for item in data["paragraphs"]
    ]
    # Paragraphs 3 and 5 of the original were cut by the republisher.
    assert aligned == [(0, 0), (1, 1), (2, 2), (3, None), (4, 3), (5, None)]
    assert data["unmatched_second"] == []
    assert [(item["line"], item["reason"]) for item in data["removed"]["second"]] == [(5, "related")]


def test_arabic_is_printed_in_stored_order():
    result = run(f"{FIXTURES}/original.txt", f"{FIXTURES}/edited.txt")
    stored = (ROOT / FIXTURES / "original.txt").read_text(encoding="utf-8").splitlines()[4]
    assert f"      {stored}\n" in result.stdout


def test_same_file_twice_is_an_exact_copy():
    result = run(f"{FIXTURES}/edited.txt", f"{FIXTURES}/edited.txt")
    assert result.exit_code == 0
    assert "Verdict: duplicate (exact copy)\nSimilarity: 1.0000\n" in result.stdout


def test_short_texts_are_decided_by_the_fuzzy_ratio():
    result = run(f"{FIXTURES}/short-a.txt", f"{FIXTURES}/short-b.txt")
    assert result.exit_code == 0
    assert "Verdict: duplicate (short texts nearly identical)\nSimilarity: 0.9302\n" in result.stdout


def test_a_document_without_text_after_cleaning_is_never_a_duplicate():
    result = run(f"{FIXTURES}/widgets-only.txt", f"{FIXTURES}/widgets-only.txt")
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "A  fixtures/explain/widgets-only.txt  (0 paragraphs kept, 3 removed)\n"
        "B  fixtures/explain/widgets-only.txt  (0 paragraphs kept, 3 removed)\n\n"
        f"Verdict: not a duplicate ({NO_TEXT})\n"
    )
    assert "Paragraphs of A and their best match in B (Jaccard from 0.50 or characters alike from 90; = same text, ~ similar)\n  A has no paragraphs\n" in result.stdout


def test_detection_options_change_the_verdict():
    # Containment of the abridged copy is 1.0: a threshold above it cannot be reached,
    # and Jaccard 0.60 is below the edited-copy threshold.
    result = run(f"{FIXTURES}/original.txt", f"{FIXTURES}/abridged.txt", "--containment", "1.0", "--jaccard", "0.65")
    assert "Verdict: duplicate (one contains the other)" in result.stdout
    result = run(f"{FIXTURES}/original.txt", f"{FIXTURES}/abridged.txt", "--shingle-size", "3", "--jaccard", "0.99")
    assert result.exit_code == 0
    assert "(3-word shingles)" in result.stdout


def test_missing_file_exits_1_with_the_reader_message(tmp_path):
    missing = tmp_path / "missing.txt"
    result = run(f"{FIXTURES}/original.txt", str(missing))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"dedupe: {missing}: no such file or folder; skipped. Check the path.\n"


def test_both_unreadable_files_are_reported(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = run(str(empty), str(tmp_path / "missing.txt"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"dedupe: {empty}: empty file; skipped. Check that it was saved completely.",
        f"dedupe: {tmp_path / 'missing.txt'}: no such file or folder; skipped. Check the path.",
    ]


@pytest.mark.parametrize(
    "arguments, message",
    [
        ([FIXTURES, f"{FIXTURES}/original.txt"], f"Error: {FIXTURES} is a folder; explain compares two files, one document each"),
        (
            ["fixtures/inputs/records.jsonl", f"{FIXTURES}/original.txt"],
            "Error: fixtures/inputs/records.jsonl holds 9 records; name one as FILE#ID (the id a scan prints), or save each in a file of its own",
        ),
        ([f"{FIXTURES}/original.txt", f"{FIXTURES}/edited.txt", "--paragraph-threshold", "0"], "Error: Invalid value for '--paragraph-threshold'"),
        ([f"{FIXTURES}/original.txt"], "Error: Missing argument 'SECOND'."),
        ([f"{FIXTURES}/original.txt", f"{FIXTURES}/edited.txt", "--format", "table"], "Error: Invalid value for '--format'"),
    ],
    ids=["folder", "many-records", "zero-threshold", "one-file", "unknown-format"],
)
def test_usage_errors_exit_2(arguments, message):
    result = run(*arguments)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_a_one_record_jsonl_file_is_one_document(tmp_path):
    record = tmp_path / "one.jsonl"
    text = (ROOT / FIXTURES / "edited.txt").read_text(encoding="utf-8")
    record.write_text(json.dumps({"id": "x", "text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run(str(record), f"{FIXTURES}/edited.txt")
    assert result.exit_code == 0
    assert f"A  {record}#x  (6 paragraphs kept, 1 removed)\n" in result.stdout
    assert "Verdict: duplicate (exact copy)" in result.stdout


def test_explain_agrees_with_the_scanner():
    names = ["original", "abridged", "edited", "unrelated", "short-a", "short-b"]
    documents = [fixture_document(name) for name in names]
    report, cleaned = scan_documents(documents)
    clustered = {
        frozenset((cluster.representative, member))
        for cluster in report.article_clusters
        for member in cluster.members
        if member != cluster.representative
    }
    pairs = [(first, second) for first in range(len(names)) for second in range(first + 1, len(names))]
    verdicts = judge_pairs(cleaned, pairs, Settings())
    for (first, second), verdict in zip(pairs, verdicts):
        pair = frozenset((documents[first].id, documents[second].id))
        if pair in clustered:
            assert verdict.duplicate, (names[first], names[second], verdict)
    duplicates = {
        (names[first], names[second]) for (first, second), verdict in zip(pairs, verdicts) if verdict.duplicate
    }
    assert duplicates == {("original", "abridged"), ("original", "edited"), ("abridged", "edited"), ("short-a", "short-b")}


paragraph_subsets = strategies.lists(strategies.integers(0, 5), min_size=1, max_size=6, unique=True)


@hypothesis_settings(max_examples=30, deadline=None)
@given(paragraph_subsets, paragraph_subsets)
def test_verdict_and_similarity_are_symmetric(first_rows, second_rows):
    lines = fixture_document("edited").text.splitlines()
    first = Document(id="a", text="\n".join(lines[row] for row in sorted(first_rows)))
    second = Document(id="b", text="\n".join(lines[row] for row in sorted(second_rows)))
    forward, backward = explain_pair(first, second).verdict, explain_pair(second, first).verdict
    assert (forward.duplicate, forward.reason, forward.similarity) == (backward.duplicate, backward.reason, backward.similarity)
    if sorted(first_rows) == sorted(second_rows):
        assert forward.reason == EXACT_COPY


def clean(name: str, text: str, date: str = "") -> CleanDocument:
    return CleanDocument(Document(id=name, text=text, date=date), (Paragraph(0, text, 1),))


KEEP_CASES = [
    ("first", [clean("a", "قصير"), clean("b", "نص أطول بكثير")], [0, 1], 0),
    ("longest", [clean("a", "قصير"), clean("b", "نص أطول بكثير")], [0, 1], 1),
    ("longest", [clean("a", "نص"), clean("b", "نص")], [0, 1], 0),
    ("newest", [clean("a", "x", "2015-01-02"), clean("b", "x", "2015-01-03 08:00:00")], [0, 1], 1),
    ("newest", [clean("a", "x", "2015-01-02"), clean("b", "x", "")], [0, 1], 0),
    ("newest", [clean("a", "x", "yesterday"), clean("b", "x", "2001-01-01")], [0, 1], 1),
    ("newest", [clean("a", "x"), clean("b", "x")], [0, 1], 0),
    ("newest", [clean("a", "x", "2015-01-02"), clean("b", "x", "2015-01-02")], [1, 0], 0),
]


@pytest.mark.parametrize(
    "keep, documents, members, expected",
    KEEP_CASES,
    ids=[
        "first-in-input-order",
        "longest-cleaned-text",
        "longest-tie-goes-to-input-order",
        "newest-date-and-time",
        "undated-counts-oldest",
        "unparseable-date-counts-undated",
        "no-dates-keeps-first",
        "same-date-keeps-first",
    ],
)
def test_choose_kept(keep, documents, members, expected):
    assert choose_kept(members, documents, keep) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2015-01-01", "2015-01-01T00:00:00"),
        ("2015-01-01 12:30:00", "2015-01-01T12:30:00"),
        ("2015-01-01T12:30:00+03:00", "2015-01-01T09:30:00"),
        (" 2015-01-01 ", "2015-01-01T00:00:00"),
        ("01/02/2015", None),
        ("", None),
    ],
    ids=["date", "date-time", "offset-to-utc", "padded", "day-month-year", "empty"],
)
def test_parse_date(text, expected):
    parsed = parse_date(text)
    assert (parsed.isoformat() if parsed else None) == expected


def test_help_says_what_explain_does():
    result = CliRunner().invoke(cli, ["explain", "--help"])
    assert result.exit_code == 0
    assert "Show why two documents are, or are not, duplicates." in result.stdout
    # click re-wraps the docstring to the terminal width.
    assert "Exit 0 whatever the verdict, 1 if a file cannot be read, 2 on a usage error." in " ".join(result.stdout.split())


def test_a_record_is_named_as_file_hash_id(tmp_path):
    records = tmp_path / "news.jsonl"
    rows = [("first", article_text("original")), ("second", article_text("edited"))]
    records.write_text("".join(json.dumps({"id": key, "text": text}, ensure_ascii=False) + "\n" for key, text in rows), encoding="utf-8")
    result = run(f"{records}#first", f"{records}#second")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"A  {records}#first  (6 paragraphs kept, 6 removed)\nB  {records}#second  (6 paragraphs kept, 1 removed)\n")
    result = run(f"{records}#first", f"{records}#third")
    assert result.exit_code == 1
    assert result.stderr == f"dedupe: {records}#third: no record with the id third in {records}; check the id as scan printed it.\n"


def article_text(name: str) -> str:
    return (ROOT / FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def test_paragraphs_with_nearly_the_same_characters_are_aligned_whatever_their_jaccard():
    # One respelled word that recurs changes most five-word shingles of a paragraph but
    # few of its characters.
    paragraph = article_text("original").splitlines()[6]
    respelled = paragraph.replace("المحطة", "المحطه").replace("الطاقة", "الطاقه").replace("من", "مِن")
    first = Document(id="a", text=paragraph)
    second = Document(id="b", text=respelled)
    (alignment,) = explain_pair(first, second, Settings(normalize=False)).alignments
    assert alignment.jaccard < 0.5 and alignment.ratio >= 90
    assert alignment.matched and not alignment.identical
