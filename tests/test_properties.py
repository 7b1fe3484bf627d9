"""Properties over whatever text arrives: decoding, normalizing, cleaning and scanning never
raise, and cleaning or normalizing twice changes nothing, from the library to `dedupe clean`.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arabic_dedupe.boilerplate import clean_document
from arabic_dedupe.cli import cli
from arabic_dedupe.config import Settings
from arabic_dedupe.model import Document, Skipped
from arabic_dedupe.normalize import normalize
from arabic_dedupe.pipeline import clean_documents, scan_documents
from arabic_dedupe.reader import decode_bytes, read_documents

# Letters, marks, tatweel, Arabic and Persian digits and punctuation, invisible format
# characters, and the page furniture a scraper leaves: bullets, pipes, separators.
ARABIC_ALPHABET = (
    [chr(code) for code in range(0x0600, 0x0700)]
    + ["\u200c", "\u200d", "\u200e", "\u200f", "\u202b", "\u202c", "\ufeff", "\u00a0", "\u2022"]
    + list(" \t.,:;!?«»\"'()-|*#0123456789")
)
WORDS = st.text(alphabet=ARABIC_ALPHABET, min_size=1, max_size=12)
# Sentences drawn from a small pool repeat, as menus, footers and copied paragraphs do.
SENTENCES = st.lists(WORDS, min_size=1, max_size=14).map(" ".join)
PAGES = st.lists(st.sampled_from(["", " "]) | SENTENCES, min_size=0, max_size=12).flatmap(
    lambda pool: st.lists(st.sampled_from(pool or [""]), max_size=25).map("\n".join)
)
ANY_TEXT = st.text(max_size=400)
# Lone surrogates are real input too (JSON escapes, undecodable file names).
WITH_SURROGATES = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)
TEXTS = st.one_of(PAGES, ANY_TEXT, SENTENCES)
BYTES = st.one_of(
    st.binary(max_size=600),
    TEXTS.map(lambda text: text.encode("utf-8")),
    PAGES.map(lambda text: text.encode("cp1256", errors="replace")),
    PAGES.map(lambda text: text.encode("utf-16")),
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def document(text: str, name: str = "doc.txt", site: str = "site") -> Document:
    return Document(id=name, text=text, site=site, path=name)


# --- reader ----------------------------------------------------------------------------


@FAST
@given(BYTES)
def test_decode_bytes_never_raises_and_returns_plain_lines(data):
    text, encoding, warnings = decode_bytes(data, "page.txt")
    assert "\r" not in text and "\0" not in text
    assert encoding
    assert all(warning.startswith("page.txt") and "\n" not in warning for warning in warnings)
    text.encode("utf-8")  # no lone surrogates leak out


@FAST
@given(BYTES)
def test_reading_any_file_gives_one_document_or_one_skip_with_a_one_line_message(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("any") / "page.txt"
    path.write_bytes(data)
    [result] = list(read_documents([str(path)]))
    if isinstance(result, Skipped):
        assert result.message.startswith(str(path)) and "\n" not in result.message
    else:
        assert result.text.strip()
        assert all("\n" not in warning for warning in result.warnings)


@FAST
@given(st.lists(st.dictionaries(st.sampled_from(["id", "text", "source", "title"]), TEXTS | st.integers() | st.none()), max_size=5))
def test_reading_any_jsonl_never_raises(tmp_path_factory, records):
    path = tmp_path_factory.mktemp("jsonl") / "records.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    for result in read_documents([str(path)]):
        if isinstance(result, Document):
            result.text.encode("utf-8")
            result.id.encode("utf-8")
        else:
            assert "\n" not in result.message


# --- normalizer ------------------------------------------------------------------------


@FAST
@given(st.one_of(TEXTS, WITH_SURROGATES))
def test_normalize_never_raises_and_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


# --- boilerplate and clean ---------------------------------------------------------------


@FAST
@given(TEXTS)
def test_clean_document_is_idempotent(text):
    cleaned = clean_document(document(text))
    again = clean_document(document(cleaned.text))
    assert again.text == cleaned.text
    assert again.removed == ()


@FAST
@given(st.lists(TEXTS, min_size=1, max_size=8))
def test_clean_documents_over_a_site_never_raises_and_keeps_original_spelling(texts):
    documents = [document(text, f"{index}.txt") for index, text in enumerate(texts)]
    cleaned = clean_documents(documents, strip_boilerplate=True)
    assert [item.id for item in cleaned] == [item.id for item in documents]
    for item in cleaned:
        # Kept paragraphs are original lines, in order, from the line they report (hard-wrapped
        # lines re-joined with a space, possibly across a removed line), never rewritten.
        lines = [" ".join(line.split()) for line in item.document.text.split("\n")]
        for paragraph in item.paragraphs:
            assert made_of_lines(" ".join(paragraph.text.split()), lines[paragraph.line - 1 :]), paragraph


def made_of_lines(text: str, lines: list[str]) -> bool:
    """Whether `text` is the first of `lines` joined with some of the following ones."""
    if not lines or not lines[0] or not text.startswith(lines[0]):
        return False
    rest = text[len(lines[0]) :].lstrip(" ")
    for line in lines[1:]:
        if not rest:
            break
        if line and rest.startswith(line):
            rest = rest[len(line) :].lstrip(" ")
    return rest == ""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(PAGES, ANY_TEXT).map(lambda text: text.encode("utf-8")) | st.binary(max_size=300))
def test_dedupe_clean_of_its_own_output_changes_nothing(data):
    runner = CliRunner()
    first = runner.invoke(cli, ["clean", "-"], input=data, catch_exceptions=False)
    assert first.exit_code in (0, 1)
    assert all(line.startswith("dedupe: ") for line in first.stderr.splitlines())
    if first.exit_code == 1 or not first.stdout.strip():
        return
    second = runner.invoke(cli, ["clean", "-"], input=first.stdout_bytes, catch_exceptions=False)
    assert (second.exit_code, second.stderr) == (0, "")
    assert second.stdout == first.stdout


# --- scan --------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, min_size=1, max_size=6), st.booleans())
def test_scan_never_raises_and_clusters_name_only_real_documents(texts, copy_first):
    documents = [document(text, f"{index}.txt") for index, text in enumerate(texts)]
    if copy_first:
        documents.append(document(texts[0], "copy.txt"))
    report, cleaned = scan_documents(documents, Settings(shingle_size=3))
    names = {item.id for item in documents}
    assert report.documents == len(documents) == len(cleaned)
    members = [member for cluster in report.article_clusters for member in cluster.members]
    assert set(members) <= names and len(members) == len(set(members))
    for cluster in report.paragraph_clusters:
        assert {copy.document for copy in cluster.members} <= names
