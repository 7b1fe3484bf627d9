"""The persistent index as a library: add, query, parameters, fingerprint slices, remove, export.

Documents come from fixtures/index/ (see its README): three indexed articles, then a new
batch with an exact copy, an edited copy, a shared paragraph and a duplicate pair.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import numpy
import pytest
from hypothesis import given, settings as hypothesis_settings
from hypothesis import strategies as st

from arabic_dedupe import index
from arabic_dedupe.config import Settings
from arabic_dedupe.errors import StoreError
from arabic_dedupe.model import Document
from arabic_dedupe.pipeline import fingerprint_documents, scan_documents, with_paired_bands_only
from arabic_dedupe.reader import read_documents
from arabic_dedupe.signature import concatenate
from arabic_dedupe.stores import open_store
from arabic_dedupe.stores.memory import MemoryStore

FIXTURES = Path(__file__).parent.parent / "fixtures" / "index"
INDEXED = "fixtures/index/indexed/agency/"
NEW = "fixtures/index/new/portal/"


def read(folder: str) -> list[Document]:
    root = Path(__file__).parent.parent
    documents = [item for item in read_documents([str(root / folder)]) if isinstance(item, Document)]
    # Ids relative to the repository, as a user running from its root sees them.
    return [dataclasses.replace(document, id=str(Path(document.id).relative_to(root))) for document in documents]


@pytest.fixture
def indexed_store():
    store = open_store("memory:")
    index.add_documents(store, read("fixtures/index/indexed"), Settings())
    return store


def test_add_stores_every_document_with_its_paragraphs(indexed_store):
    assert indexed_store.counts()["documents"] == 3
    assert sorted(record.id for record in indexed_store.documents()) == [
        INDEXED + "biden-hopes.txt",
        INDEXED + "geneva-summit.txt",
        INDEXED + "summit-ends.txt",
    ]
    [geneva] = indexed_store.get([INDEXED + "geneva-summit.txt"])
    assert geneva.site.endswith("agency")
    assert geneva.paragraphs[0] == ("جنيف (عربي times)", 1)
    assert index.check(indexed_store) == []


def test_query_reports_new_documents_that_duplicate_indexed_ones_or_each_other(indexed_store):
    report, _ = index.query(indexed_store, read("fixtures/index/new"), Settings())
    assert [(cluster.members, cluster.representative) for cluster in report.article_clusters] == [
        ((INDEXED + "geneva-summit.txt", NEW + "geneva-edited.txt", NEW + "geneva-exact.txt"), INDEXED + "geneva-summit.txt"),
        ((NEW + "kremlin-copy.txt", NEW + "kremlin.txt"), NEW + "kremlin-copy.txt"),
    ]
    assert report.documents == 5
    # geneva-exact and geneva-edited copy an indexed article; one of the kremlin pair copies the other.
    assert report.stats["duplicate_documents"] == 3
    assert report.stats["duplicate_rate"] == 0.6
    assert report.stats["indexed_candidates"] == 2


def test_query_finds_a_paragraph_shared_with_an_indexed_article(indexed_store):
    report, _ = index.query(indexed_store, read("fixtures/index/new"), Settings())
    shared = [
        [(copy.document, copy.line) for copy in cluster.members]
        for cluster in report.paragraph_clusters
        if any(copy.document == INDEXED + "biden-hopes.txt" for copy in cluster.members)
    ]
    assert shared == [[(INDEXED + "biden-hopes.txt", 7), (NEW + "shares-paragraph.txt", 17)]]


def test_query_finds_the_clusters_a_full_scan_finds():
    indexed, new = read("fixtures/index/indexed"), read("fixtures/index/new")
    full, _ = scan_documents(indexed + new, Settings())
    new_ids = {document.id for document in new}
    expected = [cluster.members for cluster in full.article_clusters if new_ids.intersection(cluster.members)]
    store = open_store("memory:")
    index.add_documents(store, indexed, Settings())
    report, _ = index.query(store, new, Settings())
    assert [cluster.members for cluster in report.article_clusters] == expected


def test_query_adds_the_new_documents_only_when_asked(indexed_store):
    index.query(indexed_store, read("fixtures/index/new"), Settings())
    assert indexed_store.counts()["documents"] == 3
    index.query(indexed_store, read("fixtures/index/new"), Settings(), add=True)
    assert indexed_store.counts()["documents"] == 8
    assert index.check(indexed_store) == []


def test_a_new_version_of_an_indexed_document_is_not_its_own_duplicate(indexed_store):
    again = read("fixtures/index/indexed")
    report, _ = index.query(indexed_store, again, Settings())
    assert report.article_clusters == ()
    assert report.stats["indexed_candidates"] == 0


def test_adding_a_document_again_replaces_it(indexed_store):
    [geneva] = [document for document in read("fixtures/index/indexed") if document.id.endswith("geneva-summit.txt")]
    shorter = dataclasses.replace(geneva, text="عنوان جديد\nفقرة وحيدة بعد التعديل")
    result = index.add_documents(indexed_store, [shorter], Settings())
    assert (result.added, result.batches, result.indexed) == (1, 1, 3)
    [stored] = indexed_store.get([geneva.id])
    assert stored.paragraphs == (("عنوان جديد", 1), ("فقرة وحيدة بعد التعديل", 2))


def test_add_commits_batches_of_five_hundred_documents():
    documents = [Document(id=f"doc-{number:04d}", text=f"خبر رقم {number} عن الطقس في المدينة") for number in range(1201)]
    store = open_store("memory:")
    result = index.add_documents(store, documents, Settings(strip_boilerplate=False))
    assert (result.added, result.batches, result.indexed) == (1201, 3, 1201)


# --- parameters --------------------------------------------------------------------------


def test_an_index_refuses_other_shingle_sizes(indexed_store):
    with pytest.raises(StoreError) as caught:
        index.query(indexed_store, read("fixtures/index/new"), Settings(shingle_size=4))
    assert str(caught.value) == (
        "index memory: was built with shingle_size=5, this run uses 4; use the same settings or a new index"
    )


def test_an_index_names_every_parameter_that_differs(indexed_store):
    with pytest.raises(StoreError) as caught:
        index.claim(indexed_store, Settings(seed=7, normalize=False))
    assert str(caught.value) == (
        "index memory: was built with seed=1 and normalize=true, this run uses seed=7 and normalize=false; "
        "use the same settings or a new index"
    )


def test_a_query_may_use_other_thresholds(indexed_store):
    report, _ = index.query(indexed_store, read("fixtures/index/new"), Settings(jaccard_threshold=0.95, paragraphs=False))
    assert len(report.article_clusters) == 2


def test_open_index_checks_the_recorded_parameters(tmp_path):
    location = str(tmp_path / "index.db")
    store = index.open_index(location, Settings(), create=True)
    index.claim(store, Settings())
    store.close()
    with pytest.raises(StoreError, match=r"was built with num_perm=128 and bands=32, this run uses num_perm=64 and bands=16"):
        index.open_index(location, Settings(num_perm=64, bands=16), create=False)


def test_the_index_records_the_normalizer_version(indexed_store):
    parameters = indexed_store.parameters()
    assert parameters == Settings().as_parameters()
    assert "normalizer_version" in parameters


# --- fingerprint slices and bucket keys ----------------------------------------------------


def assert_same_fingerprints(left, right) -> None:
    for field in dataclasses.fields(left):
        numpy.testing.assert_array_equal(getattr(left, field.name), getattr(right, field.name), err_msg=field.name)
        assert getattr(left, field.name).dtype == getattr(right, field.name).dtype, field.name


paragraph_text = st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي 0123456789", max_size=120)


@hypothesis_settings(max_examples=40, deadline=None)
@given(forms=st.lists(st.lists(paragraph_text, max_size=5), min_size=1, max_size=6))
def test_fingerprint_slices_round_trip(forms):
    settings = Settings(shingle_size=3, num_perm=16, bands=4, rows_per_band=4)
    fingerprints = fingerprint_documents(forms, settings)
    columns = index.paragraph_columns(settings)
    slices = [index.decode_fingerprint(data, 16, columns) for data in index.encode_fingerprints(fingerprints, columns)]
    assert len(slices) == fingerprints.document_count
    # Everything comes back but the paragraph signature columns no scan pairs paragraphs by.
    assert columns == 8
    assert_same_fingerprints(concatenate(slices), with_paired_bands_only(fingerprints, settings))


def test_a_damaged_fingerprint_is_a_store_error():
    fingerprints = fingerprint_documents([["نص قصير من عدة كلمات عربية"]], Settings())
    (data,) = index.encode_fingerprints(fingerprints, 64)
    with pytest.raises(StoreError, match=r"fingerprint of 'a' is damaged \(\d+ bytes where \d+ were expected\)"):
        index.decode_fingerprint(data[:-1], 128, 64, "a")
    with pytest.raises(StoreError, match=r"fingerprint of 'a' is damaged \(unknown format\)"):
        index.decode_fingerprint(b"PK\x03\x04" + data[4:], 128, 64, "a")
    with pytest.raises(StoreError, match="it has 128 permutations, the index 64"):
        index.decode_fingerprint(data, 64, 64, "a")
    with pytest.raises(StoreError, match="its paragraph signatures have 64 columns, the index keeps 32"):
        index.decode_fingerprint(data, 128, 32, "a")
    with pytest.raises(StoreError, match="too short"):
        index.decode_fingerprint(b"AD", 128, 64, "a")


def test_a_fingerprint_of_an_earlier_version_asks_for_a_rebuild():
    # Format ADF1 (before 2026-11-23) kept all 128 columns of every paragraph signature.
    earlier = (Path(__file__).parent.parent / "fixtures" / "index" / "fingerprint-adf1.bin").read_bytes()
    assert earlier[:4] == b"ADF1"
    with pytest.raises(StoreError) as raised:
        index.decode_fingerprint(earlier, 128, 64, "news/a.txt")
    assert str(raised.value) == (
        "the stored fingerprint of 'news/a.txt' was written by an earlier version of dedupe "
        "(format ADF1, this version reads ADF2); rebuild the index with this version"
    )


def test_bucket_keys_cover_text_bands_and_long_paragraphs():
    settings = Settings()
    long_paragraph = " ".join(f"كلمة{number}" for number in range(30))
    forms = [[], ["خبر قصير"], ["خبر قصير", long_paragraph]]
    keys = index.bucket_keys(fingerprint_documents(forms, settings), settings)
    # Nothing for an empty document; text hash and one key per band for a short one; the
    # long paragraph adds its own hash and bands.
    assert [len(document_keys) for document_keys in keys] == [0, 1 + 32, 1 + 32 + 1 + 8]
    assert all(numpy.all(numpy.diff(document_keys.astype(numpy.float64)) > 0) for document_keys in keys)
    assert len(set(keys[1].tolist()) & set(keys[2].tolist())) == 0


# --- remove, export, stats -----------------------------------------------------------------


def test_remove_reports_unknown_ids(indexed_store):
    removed, unknown = index.remove(indexed_store, [INDEXED + "biden-hopes.txt", "nope.txt"])
    assert (removed, unknown) == ([INDEXED + "biden-hopes.txt"], ["nope.txt"])
    report, _ = index.query(indexed_store, read("fixtures/index/new"), Settings())
    assert not any(
        copy.document == INDEXED + "biden-hopes.txt" for cluster in report.paragraph_clusters for copy in cluster.members
    )
    assert index.check(indexed_store) == []


def test_export_gives_id_site_paragraphs_and_text_hash():
    store = open_store("memory:")
    index.add_documents(store, [Document(id="a.txt", text="العنوان\n\nنص الخبر", site="news")], Settings())
    [record] = index.export(store)
    assert record == {
        "id": "a.txt",
        "site": "news",
        "paragraphs": [{"text": "العنوان", "line": 1}, {"text": "نص الخبر", "line": 3}],
        "text_hash": record["text_hash"],
    }
    assert len(record["text_hash"]) == 16 and int(record["text_hash"], 16) > 0


def test_stats_counts_documents_paragraphs_and_buckets(indexed_store):
    facts = index.stats(indexed_store)
    assert {name: facts[name] for name in ("index", "documents", "size_bytes")} == {
        "index": "memory:",
        "documents": 3,
        "size_bytes": None,
    }
    assert facts["paragraphs"] == sum(len(record.paragraphs) for record in indexed_store.documents())
    assert facts["bucket_entries"] >= facts["buckets"] > 3 * 33
    assert facts["parameters"] == Settings().as_parameters()


@pytest.mark.parametrize("backend", ["memory", "sqlite", "redis"])
def test_every_backend_gives_the_same_report(backend, tmp_path, request):
    location = {"memory": "memory:", "sqlite": str(tmp_path / "index.db")}.get(backend)
    if location is None:
        location = request.getfixturevalue("redis_url")
    store = open_store(location)
    index.add_documents(store, read("fixtures/index/indexed"), Settings())
    report, _ = index.query(store, read("fixtures/index/new"), Settings())
    reference = open_store("memory:")
    index.add_documents(reference, read("fixtures/index/indexed"), Settings())
    expected, _ = index.query(reference, read("fixtures/index/new"), Settings())
    assert report.article_clusters == expected.article_clusters
    assert report.paragraph_clusters == expected.paragraph_clusters
    assert index.check(store) == []
    store.close()


def test_batches_prepared_while_a_commit_runs_are_committed_together(monkeypatch):
    # The first commit is held until four batches are prepared: batches 2 and 3 arrive
    # while it runs, so the next commit takes them (and maybe more) at once, whole.
    prepared, released = [], threading.Event()
    records_of = index.records_of

    def counted_records_of(batch, settings):
        prepared.append(len(batch.cleaned))
        if len(prepared) == 4:
            released.set()
        return records_of(batch, settings)

    class HeldStore(MemoryStore):
        def __init__(self):
            super().__init__()
            self.sizes = []

        def write(self, encoded):
            if not self.sizes:
                assert released.wait(timeout=60)
            self.sizes.append(len(encoded))
            super().write(encoded)

    monkeypatch.setattr(index, "records_of", counted_records_of)
    documents = [Document(id=f"doc-{number:04d}", text=f"خبر رقم {number} عن الطقس في المدينة") for number in range(2500)]
    store, progress = HeldStore(), []
    result = index.add_documents(store, documents, Settings(strip_boilerplate=False), progress=progress.append)
    assert (result.added, result.batches, result.indexed) == (2500, 5, 2500)
    assert progress == [500] * 5
    assert store.sizes[0] == 500 and store.sizes[1] >= 1000
    assert all(size % 500 == 0 for size in store.sizes) and sum(store.sizes) == 2500
