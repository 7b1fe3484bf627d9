"""Verification of candidate pairs on exact shingle sets: Jaccard, containment, the lede.

LSH only proposes: DocumentComparer measures each pair, and `decide` names the rule that
makes it a duplicate or not.
"""

from __future__ import annotations

from dataclasses import dataclass

import re
import sys

import numpy
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from arabic_dedupe.config import Settings
from arabic_dedupe.recent import RecentCache
from arabic_dedupe.signature import Fingerprints, compiled_module

# Below this many shingles on the smaller side, set overlap is too coarse (one edited word
# changes a fifth of a short text's shingles), so the character-level rapidfuzz ratio decides.
SHORT_TEXT_SHINGLES = 12
SHORT_TEXT_RATIO = 90.0
# Between "shares a lot" and "contains the other", what carries the news decides: an
# edited copy keeps its source's lede (rapidfuzz partial ratio of the two ledes, so a changed
# word, a comma or a dateline put in front costs little) and its numbers; a follow-up or a second write-up of the
# event brings a lede of its own. The band starts where SaudiNewsNet's republished wire
# stories start (containment 0.6).
EDITED_CONTAINMENT = 0.6
LEDE_SIMILARITY = 0.9
# Share of the smaller text's numbers that must appear in the larger one (when it has at
# least two): 400 jobs in one story and 413 in the other are two write-ups, not one. Ledes
# that both state numbers must state the same ones (a changed score or toll is news).
NUMBERS_FOUND = 0.5
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class Evidence:
    """The measured overlap of a pair, enough to decide and to explain the decision."""

    jaccard: float
    containment: float
    lede_similarity: float
    numbers_found: float
    fuzzy: float | None = None


def numbers_disagree(first_lede: str, second_lede: str) -> bool:
    """Both ledes state numbers and not the same ones: a score, a toll or a sum changed.

    >>> numbers_disagree("فاز الساحل 4 مقابل 2", "فاز الساحل 4 مقابل 1")
    True
    >>> numbers_disagree("فاز الساحل 4 مقابل 2 امس", "القطيف: فاز الساحل 2 مقابل 4")
    False
    """
    first, second = set(_NUMBER.findall(first_lede)), set(_NUMBER.findall(second_lede))
    return bool(first) and bool(second) and first != second


def set_overlap(first: numpy.ndarray, second: numpy.ndarray) -> tuple[float, float]:
    """(Jaccard, containment) of two sorted arrays of distinct values.

    Containment is the overlap over the smaller set, so an abridged copy scores high.

    >>> set_overlap(numpy.array([1, 2, 3, 4]), numpy.array([2, 3]))
    (0.5, 1.0)
    """
    if len(first) == 0 or len(second) == 0:
        return 0.0, 0.0
    shared = len(numpy.intersect1d(first, second, assume_unique=True))
    union = len(first) + len(second) - shared
    return shared / union, shared / min(len(first), len(second))


# Pairs whose shingle sets one call of the overlap kernel gathers: at most twice as many
# documents' sets (about 30 MB of shingles for news articles), and neighbouring pairs,
# which share documents, still share the sorting of their sets.
OVERLAP_CHUNK_PAIRS = 4096
# From this many pairs the overlap kernel is worth loading numba for (numpy: about 20 us a
# pair).
KERNEL_MIN_PAIRS = 5_000


def pair_overlaps(
    values: numpy.ndarray, starts: numpy.ndarray, ends: numpy.ndarray, pairs: numpy.ndarray
) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """(sizes of the first sets, sizes of the second, shared values) of each pair (i, j) of
    an (n, 2) array, item i's set being the distinct values in values[starts[i]:ends[i]].

    The compiled kernel (from KERNEL_MIN_PAIRS pairs, or once numba is loaded) counts
    OVERLAP_CHUNK_PAIRS pairs a call (each call gathers the sets of its pairs' items, so
    the chunk bounds that memory: a streamed scan of a million documents measures
    millions of pairs); otherwise numpy does it pair by pair (the same counts, a few
    microseconds each).
    """
    # Loading numba costs a process 0.15 s or more the first time: a few pairs (a query of
    # a few articles) are measured with numpy unless a kernel is in use already.
    kernel = compiled_module("overlap_kernel") if len(pairs) >= KERNEL_MIN_PAIRS or "numba" in sys.modules else None
    if kernel is not None:
        counted = [
            kernel.pair_overlaps(values, starts, ends, pairs[start : start + OVERLAP_CHUNK_PAIRS])
            for start in range(0, len(pairs), OVERLAP_CHUNK_PAIRS)
        ] or [kernel.pair_overlaps(values, starts, ends, pairs)]
        return tuple(numpy.concatenate(part) for part in zip(*counted))
    counted = numpy.zeros((3, len(pairs)), dtype=numpy.int64)
    for position, (first, second) in enumerate(pairs.tolist()):
        first_set = numpy.unique(values[starts[first] : ends[first]])
        second_set = numpy.unique(values[starts[second] : ends[second]])
        shared = len(numpy.intersect1d(first_set, second_set, assume_unique=True))
        counted[:, position] = len(first_set), len(second_set), shared
    return counted[0], counted[1], counted[2]


def contained(part: numpy.ndarray, whole: numpy.ndarray) -> float:
    """Share of `part` (sorted, distinct) found in `whole` (sorted, distinct); 1.0 if empty."""
    if len(part) == 0:
        return 1.0
    return len(numpy.intersect1d(part, whole, assume_unique=True)) / len(part)


def decide(
    evidence: Evidence,
    *,
    jaccard_threshold: float,
    containment_threshold: float,
    edited_containment: float = EDITED_CONTAINMENT,
    lede_threshold: float = LEDE_SIMILARITY,
) -> tuple[bool, str]:
    """Whether a pair is a duplicate, and the rule that said so (or why not).

    The rule users apply: the same source text, edited or abridged, is a duplicate; a
    follow-up or a separate write-up of the same event is not, even when it reuses
    background paragraphs. On SaudiNewsNet, pairs sharing `jaccard_threshold` of their
    shingles, or with containment >= `containment_threshold`, were copies of one statement
    even when the republisher rewrote the first sentence; below that, the lede and the
    numbers decide.

    >>> thresholds = dict(jaccard_threshold=0.85, containment_threshold=0.9)
    >>> decide(Evidence(0.5, 0.95, 0.1, 1.0), **thresholds)
    (True, 'one contains the other')
    >>> decide(Evidence(0.6, 0.78, 0.93, 1.0), **thresholds)
    (True, 'edited copy: same lede')
    >>> decide(Evidence(0.6, 0.78, 0.4, 1.0), **thresholds)
    (False, 'different lede')
    """
    if evidence.fuzzy is not None:
        if evidence.fuzzy >= SHORT_TEXT_RATIO:
            return True, "short texts nearly identical"
        return False, "short texts differ"
    if evidence.jaccard >= jaccard_threshold:
        return True, "near-identical"
    if evidence.containment >= containment_threshold:
        return True, "one contains the other"
    if evidence.containment < edited_containment:
        return False, "overlap below thresholds"
    if evidence.lede_similarity < lede_threshold:
        return False, "different lede"
    if evidence.numbers_found < NUMBERS_FOUND:
        return False, "different numbers"
    return True, "edited copy: same lede"


def similarity(evidence: Evidence) -> float:
    """The one number reported for a pair: containment, or the fuzzy ratio for short texts."""
    if evidence.fuzzy is not None:
        return round(evidence.fuzzy / 100.0, 4)
    return round(evidence.containment, 4)


# The lede is the first paragraph long enough to carry the news (titles, datelines and
# subheads are shorter).
LEDE_MIN_WORDS = 12
# Ledes are compared on their first characters: two or three lines of a wire story; the
# start of one (the needle) is aligned inside the other.
LEDE_CHARACTERS = 300
LEDE_NEEDLE = 150


def _lede_row(fingerprints: Fingerprints, document: int) -> int | None:
    first, last = fingerprints.paragraph_bounds[document], fingerprints.paragraph_bounds[document + 1]
    if first == last:
        return None
    words = fingerprints.paragraph_words[first:last]
    long_enough = numpy.flatnonzero(words >= LEDE_MIN_WORDS)
    return int(first + (long_enough[0] if len(long_enough) else numpy.argmax(words)))


def _lede_similarity(first: str, second: str, cutoff: float) -> float:
    """How alike two ledes are, tolerating a dateline, byline or widget put in front of one.

    The start of each lede (LEDE_NEEDLE characters) is looked for in the other lede with
    rapidfuzz's partial ratio; the better direction counts. A short needle keeps the
    alignment cheap, and still reaches the names a templated story changes. Below `cutoff`
    rapidfuzz may stop early and return 0: the rule only needs to know they are not alike,
    and with a cutoff the second direction is measured only when the first falls short.
    """
    score = _partial_ratio(first[:LEDE_NEEDLE], second, cutoff * 100.0)
    if cutoff == 0.0 or score < cutoff * 100.0:
        score = max(score, _partial_ratio(second[:LEDE_NEEDLE], first, cutoff * 100.0))
    return score / 100.0


def _partial_ratio(needle: str, haystack: str, cutoff: float) -> float:
    """rapidfuzz's partial ratio, or with a `cutoff` a score that is at or above the cutoff
    exactly when the partial ratio is (all the rule asks).

    A needle found whole scores 100 without aligning it (one in eleven borderline
    SaudiNewsNet pairs: copies that kept the lede's start). With a cutoff, the ratio of the
    needle to the haystack's start, when it reaches the cutoff, is the answer: the partial
    ratio slides the needle over every window of its length and keeps the best, so it is
    at least that. Most copies keep the lede where it was: on SaudiNewsNet this settled 84%
    of the ledes that match, at a twentieth of the cost of aligning them. Below the cutoff
    the score is 0, as rapidfuzz gives it.

    >>> _partial_ratio("قال الوزير", "الرياض - قال الوزير اليوم", 90.0), _partial_ratio("", "نص", 0.0)
    (100.0, 0.0)
    """
    if needle and needle in haystack:
        return 100.0
    if cutoff and needle and len(haystack) >= len(needle):
        at_start = fuzz.ratio(needle, haystack[: len(needle)], score_cutoff=cutoff)
        if at_start:
            return at_start
        # A window shares at most `common` characters in order with the needle (their
        # longest common subsequence with the whole haystack), and is no longer than the
        # needle, so its ratio, 2 x shared / (both lengths), is at most this bound. It
        # settles 38% of the ledes that do not match, at a twentieth of the cost.
        common = LCSseq.similarity(needle, haystack)
        if 200.0 * common / (len(needle) + common) < cutoff - 1e-9:
            return 0.0
    return fuzz.partial_ratio(needle, haystack, score_cutoff=cutoff)


# Candidate pairs come sorted, so a document's pairs are mostly near each other: a cache
# of the recent shingle sets serves them without keeping one per document of the corpus.
CACHED_SHINGLE_SETS = 20_000


class DocumentComparer:
    """Computes Evidence for document pairs, caching each document's shingle set."""

    def __init__(self, fingerprints: Fingerprints, forms: list[list[str]], settings: Settings):
        self.fingerprints = fingerprints
        self.forms = forms
        self.settings = settings
        self.shingle_cache: RecentCache[numpy.ndarray] = RecentCache(CACHED_SHINGLE_SETS)

    def shingles(self, document: int) -> numpy.ndarray:
        return self.shingle_cache.get(document, lambda: self.fingerprints.document_shingles(document))

    def lede(self, document: int) -> str:
        """The start of the document's lede: what carries the news, and bounded so the
        partial-ratio comparison stays cheap (it grows with the product of the lengths)."""
        row = _lede_row(self.fingerprints, document)
        if row is None:
            return ""
        return self.forms[document][row - int(self.fingerprints.paragraph_bounds[document])][:LEDE_CHARACTERS]

    def evidence(self, first: int, second: int, *, complete: bool = False) -> Evidence:
        """The measured overlap of two documents.

        The ledes and numbers only decide inside the band between `edited_containment`
        and the outer thresholds, so outside it they are measured only when `complete`
        (for `dedupe explain`); otherwise they are reported as 1.0, a value no rule reads.
        """
        first_set, second_set = self.shingles(first), self.shingles(second)
        shared = len(numpy.intersect1d(first_set, second_set, assume_unique=True))
        return self._evidence(first, second, len(first_set), len(second_set), shared, complete)

    def similarities(self, pairs: numpy.ndarray) -> list[float | None]:
        """similarity_if_duplicate of each pair (an (n, 2) array of documents), the shared
        shingles of all of them counted at once."""
        prints = self.fingerprints
        bounds = prints.shingle_bounds[prints.paragraph_bounds]
        counted = pair_overlaps(prints.shingles, bounds[:-1], bounds[1:], pairs)
        values = []
        for (first, second), first_size, second_size, shared in zip(pairs.tolist(), *(part.tolist() for part in counted)):
            evidence = self._evidence(first, second, first_size, second_size, shared, False)
            values.append(similarity(evidence) if self.decide(evidence)[0] else None)
        return values

    def _evidence(self, first: int, second: int, first_size: int, second_size: int, shared: int, complete: bool) -> Evidence:
        """evidence, given the sizes of the two shingle sets and how many shingles they share."""
        if first_size == 0 or second_size == 0:
            jaccard = containment = 0.0
        else:
            jaccard = shared / (first_size + second_size - shared)
            containment = shared / min(first_size, second_size)
        smaller, larger = (first, second) if first_size <= second_size else (second, first)
        if min(first_size, second_size) < SHORT_TEXT_SHINGLES:
            ratio = fuzz.ratio(" ".join(self.forms[first]), " ".join(self.forms[second]))
            return Evidence(jaccard, containment, 1.0, 1.0, fuzzy=ratio)
        in_band = (
            self.settings.edited_containment <= containment < self.settings.containment_threshold
            and jaccard < self.settings.jaccard_threshold
        )
        if not (in_band or complete):
            return Evidence(jaccard, containment, 1.0, 1.0)
        first_lede, second_lede = self.lede(first), self.lede(second)
        lede_similarity = _lede_similarity(first_lede, second_lede, 0.0 if complete else self.settings.lede_threshold)
        if numbers_disagree(first_lede, second_lede):
            numbers = 0.0
        else:
            smaller_numbers = self.fingerprints.document_numbers(smaller)
            numbers = (
                contained(smaller_numbers, self.fingerprints.document_numbers(larger))
                if len(smaller_numbers) >= 2
                else 1.0
            )
        return Evidence(jaccard, containment, lede_similarity, numbers)

    def decide(self, evidence: Evidence) -> tuple[bool, str]:
        """decide with this scan's thresholds."""
        return decide(
            evidence,
            jaccard_threshold=self.settings.jaccard_threshold,
            containment_threshold=self.settings.containment_threshold,
            edited_containment=self.settings.edited_containment,
            lede_threshold=self.settings.lede_threshold,
        )

    def similarity_if_duplicate(self, first: int, second: int) -> float | None:
        evidence = self.evidence(first, second)
        duplicate, _ = self.decide(evidence)
        return similarity(evidence) if duplicate else None


class ParagraphComparer:
    """Similarity of paragraph rows (of one Fingerprints), caching each row's shingle set.

    Paragraph shingle sets are small (tens of values) and each is met in several pairs:
    Python sets, made once per row, compare them faster than numpy calls per pair.
    """

    def __init__(self, fingerprints: Fingerprints, forms: list[list[str]], settings: Settings):
        self.fingerprints = fingerprints
        self.forms = forms
        self.settings = settings
        self.shingle_sets: RecentCache[frozenset[int]] = RecentCache(CACHED_SHINGLE_SETS)
        # Made once: the property makes the whole array each time it is read.
        self.document_of_row = fingerprints.document_of_paragraph

    def shingle_set(self, row: int) -> frozenset[int]:
        shingles, bounds = self.fingerprints.shingles, self.fingerprints.shingle_bounds
        return self.shingle_sets.get(row, lambda: frozenset(shingles[bounds[row] : bounds[row + 1]].tolist()))

    def form(self, row: int) -> str:
        document = int(self.document_of_row[row])
        return self.forms[document][row - int(self.fingerprints.paragraph_bounds[document])]

    def similarity_if_duplicate(self, first: int, second: int) -> float | None:
        """Jaccard of the two rows' shingles (the rapidfuzz ratio for short paragraphs),
        or None below the paragraph threshold."""
        first_set, second_set = self.shingle_set(first), self.shingle_set(second)
        return self._similarity(first, second, len(first_set), len(second_set), len(first_set & second_set))

    def similarities(self, pairs: numpy.ndarray) -> list[float | None]:
        """similarity_if_duplicate of each pair (an (n, 2) array of rows), the shared
        shingles of all of them counted at once."""
        bounds = self.fingerprints.shingle_bounds
        counted = pair_overlaps(self.fingerprints.shingles, bounds[:-1], bounds[1:], pairs)
        return [
            self._similarity(first, second, first_size, second_size, shared)
            for (first, second), first_size, second_size, shared in zip(pairs.tolist(), *(part.tolist() for part in counted))
        ]

    def _similarity(self, first: int, second: int, first_size: int, second_size: int, shared: int) -> float | None:
        if min(first_size, second_size) < SHORT_TEXT_SHINGLES:
            ratio = fuzz.ratio(self.form(first), self.form(second)) / 100.0
            return round(ratio, 4) if ratio >= SHORT_TEXT_RATIO / 100.0 else None
        jaccard = shared / (first_size + second_size - shared)
        return round(jaccard, 4) if jaccard >= self.settings.paragraph_threshold else None
