"""Detection stages: shingles and signatures, LSH candidates, verification, clustering."""

from __future__ import annotations

import itertools

import numpy
import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st
from rapidfuzz import fuzz

from arabic_dedupe import candidates, verify
from arabic_dedupe.cluster import star_clusters
from arabic_dedupe.config import Settings
from arabic_dedupe.errors import UsageError
from arabic_dedupe.model import Document
from arabic_dedupe.pipeline import scan_documents
from arabic_dedupe.signature import Permutations, fingerprint, hash_words, minhash, mix64, shingle_hashes

WORDS = (
    "أعلن الكرملين انطلاق جولة ثانية من المحادثات بين الرئيسين في جنيف وقال المتحدث إن "
    "اللقاء سيتناول ملفات الأمن الإلكتروني والحد من التسلح وعودة السفيرين إلى موسكو وواشنطن "
    "وأكدت مصادر دبلوماسية أن الوفدين اتفقا على مواصلة المشاورات خلال الأشهر المقبلة"
).split()


def sentence(seed: int, length: int = 18) -> str:
    generator = numpy.random.default_rng(seed)
    return " ".join(generator.choice(WORDS, size=length)) + "."


def article(seed: int, paragraphs: int = 6) -> list[str]:
    return [sentence(seed * 100 + index, 25) for index in range(paragraphs)]


def document(name: str, paragraphs: list[str], site: str = "site") -> Document:
    return Document(id=name, text="\n".join(paragraphs), site=site, path=name)


# --- signatures ---------------------------------------------------------------------------


def test_word_hashes_do_not_depend_on_position_or_text() -> None:
    words = hash_words(["قال بوتين اليوم", "اليوم قال", "2021 عام"])
    hashes = words.hashes.tolist()
    assert hashes[0] == hashes[4] and hashes[2] == hashes[3]
    assert len(set(hashes)) == 5
    assert words.text_of_word.tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert words.numeric.tolist() == [False, False, False, False, False, True, False]


def test_short_texts_get_one_shingle_and_empty_texts_none() -> None:
    words = hash_words(["قمة بوتين بايدن", "", "أ ب ت ث ج ح"])
    shingles, owners = shingle_hashes(words, 3, shingle_size=5)
    assert owners.tolist() == [0, 2, 2]


@pytest.mark.parametrize("overlap", [0.3, 0.5, 0.8, 0.95])
def test_minhash_estimates_jaccard(overlap: float) -> None:
    # Shingle hashes are mix64 outputs, so the test feeds values of that kind.
    generator = numpy.random.default_rng(11)
    universe = mix64(generator.integers(0, 1 << 63, size=4000, dtype=numpy.uint64))
    shift = int(1000 * 2 * overlap / (1 + overlap))
    first, second = universe[:1000], universe[1000 - shift : 2000 - shift]
    exact, _ = verify.set_overlap(numpy.unique(first), numpy.unique(second))
    owners = numpy.concatenate((numpy.zeros(1000, numpy.int64), numpy.ones(1000, numpy.int64)))
    signatures = minhash(numpy.concatenate((first, second)), owners, 2, Permutations.create(256, 7))
    estimate = float(numpy.mean(signatures[0] == signatures[1]))
    # Standard error at 256 permutations is at most 0.031; allow three of them.
    assert abs(estimate - exact) < 0.094, (estimate, exact)


def test_document_signature_is_minimum_of_its_paragraphs() -> None:
    permutations = Permutations.create(64, 3)
    forms = [["الف باء تاء ثاء جيم حاء خاء", "دال ذال راء زاي سين شين"], ["الف باء تاء ثاء جيم حاء خاء"]]
    prints = fingerprint(forms, shingle_size=3, permutations=permutations)
    assert (prints.document_signatures[0] == prints.paragraph_signatures[:2].min(axis=0)).all()
    assert prints.paragraph_bounds.tolist() == [0, 2, 3]
    assert len(prints.document_shingles(0)) == 5 + 4


# --- candidates ---------------------------------------------------------------------------


def test_rows_sharing_a_band_key_become_candidates() -> None:
    keys = numpy.array([[1, 9], [1, 8], [2, 8], [3, 7]], dtype=numpy.uint64)
    pairs = candidates.pairs_from_keys(keys, numpy.array([10, 11, 12, 13]))
    assert pairs.tolist() == [[10, 11], [11, 12]]


def test_oversized_buckets_pair_with_their_first_row_only(monkeypatch) -> None:
    monkeypatch.setattr(candidates, "MAX_BUCKET", 3)
    keys = numpy.ones((5, 1), dtype=numpy.uint64)
    pairs = candidates.pairs_from_keys(keys, numpy.arange(5))
    assert pairs.tolist() == [[0, 1], [0, 2], [0, 3], [0, 4]]


# --- verification ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        pytest.param(verify.Evidence(0.9, 0.95, 1.0, 1.0), (True, "near-identical"), id="near-identical"),
        pytest.param(verify.Evidence(0.48, 0.93, 0.0, 1.0), (True, "one contains the other"), id="abridged-copy"),
        pytest.param(verify.Evidence(0.62, 0.8, 0.9, 1.0), (True, "edited copy: same lede"), id="edited-copy"),
        pytest.param(verify.Evidence(0.72, 0.84, 0.3, 1.0), (False, "different lede"), id="follow-up"),
        pytest.param(verify.Evidence(0.6, 0.76, 0.95, 0.25), (False, "different numbers"), id="second-write-up"),
        pytest.param(verify.Evidence(0.2, 0.35, 1.0, 1.0), (False, "overlap below thresholds"), id="quotes-one-paragraph"),
        pytest.param(verify.Evidence(0.0, 0.0, 1.0, 1.0, fuzzy=93.0), (True, "short texts nearly identical"), id="short-same"),
        pytest.param(verify.Evidence(0.0, 0.0, 1.0, 1.0, fuzzy=70.0), (False, "short texts differ"), id="short-different"),
    ],
)
def test_decide(evidence, expected) -> None:
    assert verify.decide(evidence, jaccard_threshold=0.85, containment_threshold=0.9) == expected


@given(
    st.sets(st.integers(0, 60), max_size=40),
    st.sets(st.integers(0, 60), max_size=40),
)
def test_overlap_is_symmetric_and_bounded(first, second) -> None:
    first_array = numpy.array(sorted(first), dtype=numpy.uint64)
    second_array = numpy.array(sorted(second), dtype=numpy.uint64)
    forward = verify.set_overlap(first_array, second_array)
    assert forward == verify.set_overlap(second_array, first_array)
    assert 0.0 <= forward[0] <= forward[1] <= 1.0


# No deadline: the first example may compile the kernel (a fresh clone has no cache).
@hypothesis_settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 30), max_size=25), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=20),
)
def test_pair_overlaps_count_distinct_shared_values(items, raw_pairs) -> None:
    """The compiled kernel and the numpy path both count what Python sets count, repeats
    inside an item included (a paragraph may hold the same shingle twice)."""
    from arabic_dedupe import overlap_kernel

    values = numpy.array([value for item in items for value in item], dtype=numpy.uint64)
    ends = numpy.cumsum([len(item) for item in items]).astype(numpy.int64)
    starts = ends - numpy.array([len(item) for item in items], dtype=numpy.int64)
    pairs = numpy.array([(a % len(items), b % len(items)) for a, b in raw_pairs], dtype=numpy.int64).reshape(-1, 2)
    expected = [
        [len(set(items[a])) for a, _ in pairs.tolist()],
        [len(set(items[b])) for _, b in pairs.tolist()],
        [len(set(items[a]) & set(items[b])) for a, b in pairs.tolist()],
    ]
    assert [part.tolist() for part in overlap_kernel.pair_overlaps(values, starts, ends, pairs)] == expected
    with pytest.MonkeyPatch.context() as patch:
        # Measured a few pairs a call, as a long list of pairs is.
        patch.setattr(verify, "OVERLAP_CHUNK_PAIRS", 3)
        patch.setattr(verify, "KERNEL_MIN_PAIRS", 0)
        assert [part.tolist() for part in verify.pair_overlaps(values, starts, ends, pairs)] == expected
        patch.setattr(verify, "compiled_module", lambda name: None)
        assert [part.tolist() for part in verify.pair_overlaps(values, starts, ends, pairs)] == expected


def test_comparers_measure_pairs_in_one_call_as_they_do_one_by_one() -> None:
    """similarities (the overlap kernel, then the rules) equals similarity_if_duplicate
    pair by pair, for documents (edited, abridged, short, unrelated) and paragraphs."""
    from arabic_dedupe import pipeline

    base = article(7, 6)
    documents = [
        document("a", base),
        document("b", base[:4] + [sentence(1, 25)]),
        document("c", [base[0]] + article(8, 5)),
        document("d", ["خبر قصير جدا"]),
        document("e", ["خبر قصير جدا."]),
        document("f", article(9, 4)),
    ]
    settings = Settings()
    forms = pipeline.matching_forms(pipeline.clean_documents(documents, True), True)
    prints = pipeline.fingerprint_documents(forms, settings)
    pairs = numpy.array(list(itertools.combinations(range(len(documents)), 2)), dtype=numpy.int64)
    comparer = verify.DocumentComparer(prints, forms, settings)
    one_by_one = [comparer.similarity_if_duplicate(a, b) for a, b in pairs.tolist()]
    assert comparer.similarities(pairs) == one_by_one
    assert sum(value is not None for value in one_by_one) >= 2
    rows = numpy.array(list(itertools.combinations(range(len(prints.paragraph_lengths)), 2)), dtype=numpy.int64)
    paragraphs = verify.ParagraphComparer(prints, forms, settings)
    one_by_one = [paragraphs.similarity_if_duplicate(a, b) for a, b in rows.tolist()]
    assert paragraphs.similarities(rows) == one_by_one
    assert sum(value is not None for value in one_by_one) >= 5


# --- clustering ---------------------------------------------------------------------------


@hypothesis_settings(max_examples=200)
@given(st.integers(2, 12).flatmap(lambda count: st.tuples(st.just(count), st.sets(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1))))))
def test_clusters_partition_members_and_never_chain(case) -> None:
    count, raw_edges = case
    edges = {(min(a, b), max(a, b)): 0.9 for a, b in raw_edges if a != b}
    clusters = star_clusters(count, edges)
    seen = [member for _, members, _ in clusters for member in members]
    assert len(seen) == len(set(seen))
    for representative, members, similarities in clusters:
        assert representative in members and len(members) >= 2
        for member, value in zip(members, similarities):
            if member != representative:
                assert (min(member, representative), max(member, representative)) in edges
                assert value == 0.9


def test_chain_is_not_merged_without_a_verified_link() -> None:
    # A~B and B~C but A!~C: B takes one of them, the other stays out.
    clusters = star_clusters(3, {(0, 1): 0.9, (1, 2): 0.9}, verify=lambda node, representative: None)
    assert clusters == [(1, [0, 1, 2], [0.9, 1.0, 0.9])]
    # 1 and 2 both have two links; 1 comes first and takes 0 and 2; 3 matched only 2 and
    # fails against 1, so it stays out rather than chaining in.
    checked = []

    def never(node, representative):
        checked.append((node, representative))
        return None

    clusters = star_clusters(4, {(0, 1): 0.9, (2, 3): 0.9, (1, 2): 0.8}, verify=never)
    assert clusters == [(1, [0, 1, 2], [0.9, 1.0, 0.8])]
    assert checked == [(3, 1)]


# --- the pipeline on small corpora ----------------------------------------------------------


def corpus() -> list[Document]:
    base = article(1, 8)
    other = article(2, 8)
    quoting = article(3, 6) + [base[3]]
    follow_up = [sentence(999, 30)] + base[5:8] + article(4, 3)
    return [
        document("a/base.txt", ["عنوان الخبر الأول"] + base),
        document("b/exact.txt", ["عنوان الخبر الأول"] + base, site="b"),
        document("b/abridged.txt", ["الرياض - واس:"] + base[:4] + base[5:], site="b"),
        document("c/noisy.txt", [paragraph.replace("ي ", "ى ").replace("ة", "ه") for paragraph in base], site="c"),
        document("a/other.txt", other),
        document("a/quoting.txt", quoting),
        document("a/follow-up.txt", follow_up),
    ]


def test_scan_finds_copies_and_nothing_else() -> None:
    report, cleaned = scan_documents(corpus())
    assert report.documents == 7
    assert len(report.article_clusters) == 1
    cluster = report.article_clusters[0]
    assert set(cluster.members) == {"a/base.txt", "b/exact.txt", "b/abridged.txt", "c/noisy.txt"}
    assert cluster.exact is False
    assert 0.9 <= cluster.min_similarity <= 1.0
    assert report.stats["duplicate_documents"] == 3
    assert report.stats["exact_duplicate_documents"] == 1
    assert len(cleaned) == 7


def test_exact_copies_alone_are_labelled_exact() -> None:
    base = article(5, 5)
    report, _ = scan_documents([document("x.txt", base), document("y.txt", base), document("z.txt", article(6, 5))])
    assert [(cluster.members, cluster.exact, cluster.min_similarity) for cluster in report.article_clusters] == [
        (("x.txt", "y.txt"), True, 1.0)
    ]


def test_shared_paragraphs_are_reported_across_documents() -> None:
    report, _ = scan_documents(corpus())
    quoted = [
        cluster
        for cluster in report.paragraph_clusters
        if any(copy.document == "a/quoting.txt" for copy in cluster.members)
    ]
    assert len(quoted) == 1
    documents = {copy.document for copy in quoted[0].members}
    assert {"a/quoting.txt", "a/base.txt", "b/exact.txt"} <= documents
    quoting_copy = next(copy for copy in quoted[0].members if copy.document == "a/quoting.txt")
    assert (quoting_copy.paragraph, quoting_copy.line) == (6, 7)


def test_scan_is_deterministic() -> None:
    first, _ = scan_documents(corpus())
    second, _ = scan_documents(list(reversed(corpus()))[::-1])
    assert first.article_clusters == second.article_clusters
    assert first.paragraph_clusters == second.paragraph_clusters


def test_settings_are_validated_with_a_hint() -> None:
    with pytest.raises(UsageError, match=r"bands \(10\) x rows per band \(4\) must equal the number of permutations \(128\)"):
        Settings(bands=10)
    with pytest.raises(UsageError, match="containment threshold must be in"):
        Settings(containment_threshold=1.5)


def test_lsh_finds_what_exhaustive_verification_finds() -> None:
    """LSH recall >= 0.99 against verifying every pair, on generated near-duplicates."""
    documents = []
    for story in range(30):
        base = article(100 + story, 8)
        documents.append(document(f"s{story}/0.txt", base))
        documents.append(document(f"s{story}/1.txt", base[:3] + base[4:]))
        documents.append(document(f"s{story}/2.txt", [p.replace("ة", "ه") for p in base[1:]] + [sentence(story)]))
    from arabic_dedupe import pipeline

    cleaned = pipeline.clean_documents(documents, True)
    forms = pipeline.matching_forms(cleaned, True)
    settings = Settings()
    prints = pipeline.fingerprint_documents(forms, settings)
    comparer = pipeline.DocumentComparer(prints, forms, settings)
    exhaustive = {
        (a, b)
        for a, b in itertools.combinations(range(len(documents)), 2)
        if comparer.similarity_if_duplicate(a, b) is not None
    }
    groups = pipeline.paragraph_clusters(prints, forms, settings)
    exact_groups, pairs = pipeline.candidate_pairs(prints, groups, settings)
    found = set(pairs) | {(int(g[0]), int(m)) for g in exact_groups for m in g[1:]}
    recall = len(exhaustive & found) / len(exhaustive)
    assert len(exhaustive) >= 60
    assert recall >= 0.99


@given(st.lists(st.integers(0, 6), max_size=60))
def test_stable_sort_equals_numpy_stable_argsort(values) -> None:
    keys = numpy.array(values, dtype=numpy.uint64)
    ordered, order = candidates.stable_sort(keys)
    assert order.tolist() == numpy.argsort(keys, kind="stable").tolist()
    assert ordered.tolist() == sorted(values)


@hypothesis_settings(max_examples=150)
@given(st.integers(2, 40).flatmap(lambda count: st.tuples(
    st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), min_size=count, max_size=count),
    st.permutations(range(count)),
)))
def test_band_pairs_equal_brute_force(case) -> None:
    raw_keys, order = case
    keys = numpy.array(raw_keys, dtype=numpy.uint64)
    rows = numpy.array(order, dtype=numpy.int64) * 7
    expected = {
        (min(rows[i], rows[j]), max(rows[i], rows[j]))
        for i, j in itertools.combinations(range(len(rows)), 2)
        if (keys[i] == keys[j]).any()
    }
    found = candidates.pairs_from_keys(keys, rows)
    assert len(found) == len(expected)
    assert found.tolist() == sorted([int(a), int(b)] for a, b in expected)


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ابت ث", max_size=300), st.integers(0, 300), st.integers(0, 150), st.sampled_from([0.0, 90.0]))
def test_a_lede_found_whole_scores_what_rapidfuzz_gives_it(haystack, start, length, cutoff):
    needle = haystack[start : start + length]
    expected = fuzz.partial_ratio(needle, haystack, score_cutoff=cutoff)
    assert verify._partial_ratio(needle, haystack, cutoff) == expected


@hypothesis_settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ابت ثج", max_size=200), st.text(alphabet="ابت ثج", max_size=220), st.sampled_from([0.0, 60.0, 90.0]))
def test_a_lede_reaches_the_cutoff_exactly_when_its_partial_ratio_does(needle, haystack, cutoff):
    """With a cutoff the score may be a lower window's ratio, never above the partial
    ratio, and on the same side of the cutoff; without one it is the partial ratio."""
    expected = fuzz.partial_ratio(needle, haystack, score_cutoff=cutoff)
    score = verify._partial_ratio(needle, haystack, cutoff)
    assert score <= expected
    assert (score >= cutoff) == (expected >= cutoff) if cutoff else score == expected
    # Copies that keep the lede's start, with one letter changed, take the quick answer.
    if len(needle) >= 30 and cutoff == 90.0:
        edited = needle[:10] + ("ج" if needle[10] != "ج" else "ب") + needle[11:]
        assert verify._partial_ratio(edited, needle + haystack, cutoff) >= cutoff


def test_a_few_pairs_are_measured_without_loading_numba():
    """A query of a few articles must not pay numba's load (0.15 s or more) for its pairs."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import sys
        import numpy
        from arabic_dedupe import verify
        counted = verify.pair_overlaps(numpy.array([1, 2, 3, 2], dtype=numpy.uint64), numpy.array([0, 2]), numpy.array([2, 4]), numpy.array([[0, 1]]))
        print([part.tolist() for part in counted], "numba" in sys.modules)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[[2], [2], [1]] False"
