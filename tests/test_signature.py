"""Fingerprints: pinned values, and the compiled kernel against the numpy reference.

Persistent indexes store these values, so both paths must give them bit for bit.
"""

from __future__ import annotations

import dataclasses

import numpy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arabic_dedupe.signature import Fingerprints, Permutations, fingerprint

PATHS = [pytest.param(False, id="numpy"), pytest.param(True, id="compiled")]

# Letters, both kinds of digits, marks and tatweel, Latin, punctuation, characters outside
# the basic plane (a word never holds them), a lone surrogate, control characters.
ALPHABET = (
    "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئىة"
    "٠١٢٣٤٥٦٧٨٩0123456789"
    "\u064b\u064e\u0650\u0651\u0652ـ"
    "abcxyzABCÉé"
    " ،.؟!-_'\"()\t\r\x00\u200c\u00a0"
    "😀𝟘\U00020000\ud800"
)


def assert_identical(first: Fingerprints, second: Fingerprints) -> None:
    for field in dataclasses.fields(Fingerprints):
        left, right = getattr(first, field.name), getattr(second, field.name)
        assert left.dtype == right.dtype, field.name
        assert left.shape == right.shape, field.name
        assert numpy.array_equal(left, right), field.name


# Values the numpy implementation gave when indexes started storing them.
PINNED_DOCUMENTS = [["قال الرئيس في مؤتمر صحفي اليوم إن الاتفاق سيوقع", "عام 2021"], [], [""]]


@pytest.mark.parametrize("compiled", PATHS)
def test_fingerprint_values_are_pinned(compiled: bool) -> None:
    prints = fingerprint(PINNED_DOCUMENTS, shingle_size=5, permutations=Permutations.create(128, 1), compiled=compiled)
    assert prints.text_hashes.tolist() == [14486828472653068649, 0, 3244421341483603138]
    assert prints.paragraph_hashes.tolist() == [4861176440088489653, 13717282338708439740, 3244421341483603138]
    assert prints.shingles.tolist() == [
        7134594883066287376,
        2087814815823888958,
        4865482166418436622,
        17525990038912315995,
        17269049738823074777,
        11289634218635386534,
    ]
    assert prints.shingle_bounds.tolist() == [0, 5, 6, 6]
    assert prints.numbers.tolist() == [2907142324939975678]
    assert prints.number_bounds.tolist() == [0, 1, 1, 1]
    assert prints.paragraph_words.tolist() == [9, 2, 0]
    assert prints.paragraph_bounds.tolist() == [0, 2, 2, 3]
    assert prints.paragraph_lengths.tolist() == [47, 8, 0]
    assert prints.paragraph_signatures[0, :6].tolist() == [64879959, 677818440, 681021586, 1599347797, 1683109509, 650186351]
    assert prints.paragraph_signatures[1, :6].tolist() == [1233144358, 3782186696, 1499009067, 1270501879, 546398005, 2716858231]
    assert prints.document_signatures[0, :4].tolist() == [64879959, 677818440, 681021586, 1270501879]
    # A document without shingles gets the all-ones signature.
    assert (prints.document_signatures[1:] == 0xFFFFFFFF).all()
    assert (prints.paragraph_signatures[2] == 0xFFFFFFFF).all()


words = st.text(alphabet=ALPHABET, min_size=1, max_size=12)
separators = st.sampled_from([" ", " ", " ", "، ", ". ", "-", "\u064e ", " 😀 "])
structured_paragraphs = st.lists(st.tuples(words, separators), max_size=40).map(
    lambda pairs: "".join(word + separator for word, separator in pairs).strip()
)
# Matching forms never hold a newline: it separates the texts of a batch.
any_paragraphs = st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=60)
paragraphs = st.one_of(structured_paragraphs, structured_paragraphs, any_paragraphs, st.just(""))
documents = st.lists(st.lists(paragraphs, max_size=6), max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    documents,
    st.integers(min_value=1, max_value=7),
    st.sampled_from([1, 3, 16, 128]),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_compiled_kernel_matches_numpy(documents: list[list[str]], shingle_size: int, num_perm: int, seed: int) -> None:
    permutations = Permutations.create(num_perm, seed)
    reference = fingerprint(documents, shingle_size=shingle_size, permutations=permutations, compiled=False)
    compiled = fingerprint(documents, shingle_size=shingle_size, permutations=permutations, compiled=True)
    assert_identical(reference, compiled)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(words, min_size=1, max_size=200, unique=True), st.integers(min_value=0, max_value=2**32 - 1))
def test_compiled_kernel_matches_numpy_beyond_one_chunk(vocabulary: list[str], seed: int) -> None:
    # The numpy MinHash works in chunks of 32768 shingles; a paragraph spanning two chunks
    # and a batch of several chunks must come out the same.
    generator = numpy.random.default_rng(seed)

    def paragraph(word_count: int) -> str:
        return " ".join(vocabulary[index] for index in generator.integers(0, len(vocabulary), size=word_count))

    documents = [[paragraph(30_000), paragraph(3)], [paragraph(12_000), ""], [paragraph(40_000)]]
    permutations = Permutations.create(128, seed)
    reference = fingerprint(documents, shingle_size=5, permutations=permutations, compiled=False)
    compiled = fingerprint(documents, shingle_size=5, permutations=permutations, compiled=True)
    assert len(reference.shingles) > 2 * 32768
    assert_identical(reference, compiled)


@pytest.mark.parametrize("compiled", PATHS)
def test_empty_batch(compiled: bool) -> None:
    prints = fingerprint([], shingle_size=5, permutations=Permutations.create(16, 1), compiled=compiled)
    assert prints.document_count == 0
    assert prints.document_signatures.shape == (0, 16)
    assert prints.paragraph_bounds.tolist() == [0]
    assert prints.shingle_bounds.tolist() == [0]
