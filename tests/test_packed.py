"""The packed scan: compact records give the same report as the full in-memory scan."""

from __future__ import annotations

import gc
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy
import pytest
from click.testing import CliRunner
from hypothesis import given, settings as hypothesis_settings, strategies

from arabic_dedupe import packed, pipeline, processes
from arabic_dedupe.boilerplate import clean_document
from arabic_dedupe.cli import cli
from arabic_dedupe.config import Settings
from arabic_dedupe.model import CleanDocument, Document, Paragraph, Removal, Skipped
from arabic_dedupe.reader import read_documents
from arabic_dedupe.report import render

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora" / "saudinewsnet" / "dataset"


def fixture_documents(*folders: str) -> list[Document]:
    found = read_documents([str(ROOT / "fixtures" / folder) for folder in folders], glob="*.txt")
    return [item for item in found if isinstance(item, Document)]


def comparable(report) -> dict:
    """The JSON report without timings and the packed scan's own count of rebuilt documents."""
    data = json.loads(render(report, "json"))
    data["stats"].pop("seconds")
    data["stats"].pop("rebuilt_documents", None)
    return data


texts = strategies.text(alphabet=strategies.characters(codec="utf-8"), max_size=40)


@given(
    paragraphs=strategies.lists(strategies.tuples(texts, strategies.integers(1, 10**6)), max_size=5),
    removed=strategies.lists(
        strategies.tuples(texts, strategies.integers(1, 10**6), strategies.sampled_from(["repeated", "related"]), strategies.none() | strategies.integers(0, 4)),
        max_size=4,
    ),
    compress=strategies.booleans(),
)
@hypothesis_settings(max_examples=200, deadline=None)
def test_a_packed_document_unpacks_to_the_same_cleaned_document(paragraphs, removed, compress):
    document = Document(id="x.txt", text="", site="s", warnings=("w",))
    clean = CleanDocument(
        document,
        tuple(Paragraph(index, text, line) for index, (text, line) in enumerate(paragraphs)),
        tuple(Removal(*fields) for fields in removed),
    )
    assert packed.unpack_document(document, packed.pack_document(clean, compress=compress)) == clean


lines = strategies.text(alphabet=strategies.sampled_from("قال  الوزير\t«»٢٠ab. \u00a0-"), max_size=30)


@given(strategies.lists(lines, max_size=12), strategies.integers(1, 50))
@hypothesis_settings(max_examples=300, deadline=None)
def test_a_document_packed_by_reference_to_its_lines_unpacks_to_its_cleaned_document(input_lines, first_line):
    """Cleaned for real (blank and repeated lines, hard-wrapped lines joined): the texts
    that are input lines are referred to, the others written out, and all come back."""
    original = Document(id="x.jsonl#1", text="\n".join(input_lines), site="s", first_line=first_line)
    clean = clean_document(original)
    blob = packed.pack_document(clean, compress=False, original=original)
    assert packed.unpack_document(original, blob) == replace(clean, document=replace(original, text=""))
    corpus = packed.PackedDocuments((original,), (blob,), *([numpy.zeros(1)] * 5), (), numpy.zeros(0), ())
    assert packed.kept_paragraphs(corpus, 0) == ([p.text for p in clean.paragraphs], [p.line for p in clean.paragraphs])


@pytest.mark.parametrize("jobs", [1, 2], ids=["one-process", "two-workers"])
def test_packed_scan_reports_exactly_what_the_full_scan_reports(jobs):
    documents = fixture_documents("seeds", "eval", "detection")
    full_report, full_cleaned = pipeline.scan_documents(documents, jobs=jobs, compact=False)
    packed_report, packed_cleaned = pipeline.scan_documents(documents, jobs=jobs, compact=True)
    assert full_report.article_clusters, "the fixtures must hold duplicates for this test to mean anything"
    assert comparable(packed_report) == comparable(full_report)
    assert list(packed_cleaned) == list(full_cleaned)
    # Site lines are counted by hash in the packed scan: the same lines go.
    reasons = [removal.reason for document in packed_cleaned for removal in document.removed]
    assert reasons.count("site-boilerplate") > 100
    assert packed_cleaned[3] == full_cleaned[3]
    assert packed_cleaned[1:3] == list(full_cleaned[1:3])
    # Only documents that share a key with another were rebuilt in full.
    assert 0 < packed_report.stats["rebuilt_documents"] < len(documents)


def test_packed_scan_warns_about_documents_cleaning_emptied():
    documents = [
        Document(id="empty.txt", text="اقرأ أيضا\n\n", site="a"),
        Document(id="news.txt", text="قال الوزير إن الحكومة ستفتح مدارس جديدة في المدينة هذا العام", site="a"),
    ]
    full_report, _ = pipeline.scan_documents(documents, compact=False)
    packed_report, _ = pipeline.scan_documents(documents, compact=True)
    assert packed_report.warnings == full_report.warnings
    assert any(warning.startswith("empty.txt: no text left after cleaning") for warning in packed_report.warnings)


def test_meeting_documents_are_those_sharing_a_key_or_repeating_a_paragraph():
    lede = "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة الرياض بسعة خمسمائة سرير لخدمة سكان المنطقة"
    other = "فاز الفريق الأول لكرة القدم بالمباراة النهائية أمس بثلاثة أهداف مقابل هدف واحد أمام جمهور كبير"
    third = "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار خفض الإنتاج الذي أعلنته الدول المصدرة هذا الأسبوع"
    repeat = "تحدث المسؤولون عن خطط التنمية في المنطقة الشرقية خلال السنوات الخمس القادمة وعن ميزانيتها الكبيرة"
    documents = [
        Document(id="copy-a", text=lede, site="a"),
        Document(id="alone", text=other, site="a"),
        Document(id="copy-b", text=lede, site="b"),
        Document(id="shares-a-paragraph-1", text=third + "\n\nخبر قصير عن الطقس", site="c"),
        Document(id="shares-a-paragraph-2", text="عنوان آخر مختلف تماما\n\n" + third, site="d"),
        Document(id="repeats-itself", text=repeat + "\n\nفقرة في الوسط\n\n" + repeat, site="e"),
    ]
    settings = Settings()
    prepared = pipeline.prepare_batch(documents, {}, settings)
    corpus = packed.pack(prepared, settings)
    assert packed.meeting_documents(corpus).tolist() == [0, 2, 3, 4, 5]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"SaudiNewsNet is not at {CORPUS}")
def test_packed_scan_matches_the_full_scan_on_real_news():
    documents = []
    with zipfile.ZipFile(sorted(CORPUS.glob("*.zip"))[0]) as archive:
        for name in archive.namelist():
            for position, article in enumerate(json.loads(archive.read(name))):
                documents.append(Document(id=f"{name}#{position}", text=article["content"], site=article["source"]))
    documents = documents[:3000]
    full_report, _ = pipeline.scan_documents(documents, jobs=2, compact=False)
    packed_report, _ = pipeline.scan_documents(documents, jobs=2, compact=True)
    assert len(full_report.article_clusters) > 10
    assert comparable(packed_report) == comparable(full_report)


def test_a_large_scan_packs_by_default(monkeypatch):
    documents = fixture_documents("seeds")
    monkeypatch.setattr(pipeline, "COMPACT_FROM", len(documents))
    report, cleaned = pipeline.scan_documents(documents)
    assert "rebuilt_documents" in report.stats
    monkeypatch.setattr(pipeline, "COMPACT_FROM", len(documents) + 1)
    report, cleaned = pipeline.scan_documents(documents)
    assert "rebuilt_documents" not in report.stats
    assert len(cleaned) == len(documents)


def test_a_stream_of_documents_is_scanned_with_what_the_reader_skipped_meanwhile(monkeypatch):
    documents = fixture_documents("seeds", "eval")
    monkeypatch.setattr(pipeline, "COMPACT_FROM", 20)
    skipped: list[Skipped] = []

    def reading():
        for position, document in enumerate(documents):
            if position == 7:
                skipped.append(Skipped("broken.txt", "broken.txt: not UTF-8; convert it"))
            yield document

    streamed, cleaned = pipeline.scan_documents(reading(), skipped=skipped, jobs=2)
    full, _ = pipeline.scan_documents(documents, skipped=skipped, compact=False)
    assert isinstance(cleaned, packed.PackedDocuments) and len(cleaned) == len(documents)
    assert streamed.skipped == (Skipped("broken.txt", "broken.txt: not UTF-8; convert it"),)
    assert streamed.stats["skipped"] == 1
    assert comparable(streamed) == comparable(full)


def test_a_stream_that_can_be_read_again_is_read_twice_instead_of_stowed(monkeypatch):
    documents = fixture_documents("seeds", "eval")
    monkeypatch.setattr(pipeline, "COMPACT_FROM", 20)
    readings = []

    def reread():
        readings.append(len(readings))
        return iter(documents)

    monkeypatch.setattr(packed, "stow", lambda batch: pytest.fail("a stream that can be read again was stowed"))
    twice, cleaned = pipeline.scan_documents(iter(documents), reread=reread, jobs=1)
    full, _ = pipeline.scan_documents(documents, compact=False)
    assert readings == [0]
    assert len(cleaned) == len(documents)
    assert comparable(twice) == comparable(full)


def test_a_short_stream_takes_the_in_memory_path(monkeypatch):
    documents = fixture_documents("seeds")
    monkeypatch.setattr(pipeline, "COMPACT_FROM", len(documents) + 1)
    report, cleaned = pipeline.scan_documents(iter(documents))
    assert "rebuilt_documents" not in report.stats and len(cleaned) == len(documents)
    assert report.documents == len(documents)


def test_a_streamed_cli_scan_tells_each_skip_once_and_reads_the_files_twice(monkeypatch, tmp_path):
    for seed in sorted((ROOT / "fixtures" / "seeds").glob("*.txt")):
        (tmp_path / seed.name).write_bytes(seed.read_bytes())
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 8)
    monkeypatch.setattr(pipeline, "COMPACT_FROM", 3)
    monkeypatch.setattr(packed, "stow", lambda batch: pytest.fail("files were stowed instead of read again"))
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json", "--jobs", "1"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["documents"] == 5 and report["stats"]["skipped"] == 1
    assert "rebuilt_documents" in report["stats"]
    assert result.stderr.count("image.txt") == 1


def test_without_keep_texts_a_streamed_scan_returns_the_documents_that_meet_another(monkeypatch):
    documents = fixture_documents("seeds", "eval")
    monkeypatch.setattr(pipeline, "COMPACT_FROM", 20)
    kept, all_texts = pipeline.scan_documents(iter(documents), keep_texts=True)
    report, meeting = pipeline.scan_documents(iter(documents), keep_texts=False)
    assert comparable(report) == comparable(kept)
    assert len(meeting) == report.stats["rebuilt_documents"] < len(documents)
    by_id = {document.id: document for document in all_texts}
    assert all(document == by_id[document.id] for document in meeting)
    members = {member for cluster in report.article_clusters for member in cluster.members}
    assert members <= {document.id for document in meeting}


def test_pairs_measured_in_worker_processes_give_the_same_report(monkeypatch):
    documents = fixture_documents("seeds", "eval", "detection")
    alone, _ = pipeline.scan_documents(documents, jobs=1, compact=False)
    # Every in-memory scan with candidate pairs now measures them in two forked workers,
    # paragraph pairs too (a streamed scan measures them in its own process).
    monkeypatch.setattr(processes, "PARALLEL_PAIRS", 1)
    monkeypatch.setattr(pipeline, "PARALLEL_PARAGRAPH_PAIRS", 1)
    shared, _ = pipeline.scan_documents(documents, jobs=2, compact=False)
    assert alone.stats["candidate_pairs"] > 50
    assert comparable(shared) == comparable(alone)


def test_pair_similarities_keep_the_order_of_the_pairs(monkeypatch):
    documents = fixture_documents("eval")
    settings = Settings()
    prepared = pipeline.prepare(documents, settings)
    comparer = pipeline.DocumentComparer(prepared.fingerprints, prepared.forms, settings)
    _, candidates = pipeline.candidate_pairs(prepared.fingerprints, [], settings)
    pairs = numpy.array(sorted(candidates) + [(first, first + 1) for first in range(20)])
    expected = [comparer.similarity_if_duplicate(first, second) for first, second in pairs.tolist()]
    assert any(value is not None for value in expected) and None in expected
    monkeypatch.setattr(processes, "PARALLEL_PAIRS", 1)
    assert processes.pair_similarities(comparer, pairs, jobs=2) == expected
    # One worker, the caller busy meanwhile; asked at once, the caller measures every run
    # the worker has not taken yet, and the values still come in the pairs' order. The
    # same worker measures the next pairs too, however few.
    with processes.pair_measurer(comparer, jobs=2, caller_busy=True) as measure:
        values, more = measure(pairs), measure(pairs[:3])
        assert (values(), more()) == (expected, expected[:3])


@given(
    documents=strategies.lists(strategies.lists(texts, max_size=4), max_size=8),
    cut=strategies.integers(0, 8),
)
@hypothesis_settings(max_examples=200, deadline=None)
def test_packed_forms_give_back_every_document_s_forms(documents, cut):
    whole = packed.PackedForms.of(documents)
    assert [whole[index] for index in range(len(whole))] == documents
    assert whole[:] == documents
    joined = packed.join_forms([packed.PackedForms.of(documents[:cut]), packed.PackedForms.of(documents[cut:])])
    assert list(joined) == documents


@pytest.mark.parametrize("enabled", [True, False], ids=["collector-on", "collector-off"])
def test_a_scan_pauses_the_garbage_collector_and_restores_it(monkeypatch, enabled):
    seen = []
    original = pipeline.detect

    def detect(*arguments, **options):
        seen.append(gc.isenabled())
        return original(*arguments, **options)

    monkeypatch.setattr(pipeline, "detect", detect)
    (gc.enable if enabled else gc.disable)()
    try:
        pipeline.scan_documents(fixture_documents("seeds"))
        assert (seen, gc.isenabled()) == ([False], enabled)
    finally:
        gc.enable()


def test_without_verification_every_candidate_pair_is_an_edge_at_its_signature_estimate(monkeypatch):
    documents = fixture_documents("seeds", "eval", "detection")
    settings = Settings(verify=False)
    report, _ = pipeline.scan_documents(documents, settings)
    assert report.stats["verified_pairs"] == report.stats["candidate_pairs"] > 50
    verified, _ = pipeline.scan_documents(documents)
    assert report.stats["duplicate_documents"] >= verified.stats["duplicate_documents"]
    monkeypatch.setattr(processes, "PARALLEL_PAIRS", 1)
    shared, _ = pipeline.scan_documents(documents, settings, jobs=2)
    assert comparable(shared) == comparable(report)
