"""Verification of candidate pairs on exact shingle sets: Jaccard, containment, the lede.

LSH only proposes; every duplicate reported was decided here, by the rules in `decide`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy
from rapidfuzz import fuzz

# Below this many shingles on the smaller side, set overlap is too coarse (one edited word
# changes a fifth of a short text's shingles), so the character-level rapidfuzz ratio decides.
SHORT_TEXT_SHINGLES = 12
SHORT_TEXT_RATIO = 90.0
# A copy carries the news of its source: the lede of the smaller document must mostly be
# found in the larger one. Follow-ups and separate write-ups that reuse background
# paragraphs have a lede of their own.
LEDE_CONTAINMENT = 0.6
# Near-identical texts need no lede check: an edit that keeps 85% of the shingles on both
# sides is a copy whatever it did to the first paragraph.
NEAR_IDENTICAL_JACCARD = 0.85


@dataclass(frozen=True)
class Evidence:
    """The measured overlap of a pair, enough to decide and to explain the decision."""

    jaccard: float
    containment: float
    lede_containment: float
    numbers_found: float
    fuzzy: float | None = None


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


def contained(part: numpy.ndarray, whole: numpy.ndarray) -> float:
    """Share of `part` (sorted, distinct) found in `whole` (sorted, distinct); 1.0 if empty."""
    if len(part) == 0:
        return 1.0
    return len(numpy.intersect1d(part, whole, assume_unique=True)) / len(part)


def decide(evidence: Evidence, *, jaccard_threshold: float, containment_threshold: float) -> tuple[bool, str]:
    """Whether a pair is a duplicate, and the rule that said so (or why not).

    The rule users apply: the same source text, edited or abridged, is a duplicate; a
    follow-up or a separate write-up of the same event is not, even when it reuses
    background paragraphs. On SaudiNewsNet, pairs with containment >= 0.9 were copies of
    one statement even when the republisher rewrote the first sentence (so the lede is not
    checked there); between the thresholds, an edited copy keeps the source's lede while a
    follow-up or a second write-up brings its own.

    >>> decide(Evidence(0.5, 0.95, 0.1, 1.0), jaccard_threshold=0.7, containment_threshold=0.9)
    (True, 'one contains the other')
    >>> decide(Evidence(0.72, 0.8, 0.2, 1.0), jaccard_threshold=0.7, containment_threshold=0.9)
    (False, 'different lede')
    """
    if evidence.fuzzy is not None:
        if evidence.fuzzy >= SHORT_TEXT_RATIO:
            return True, "short texts nearly identical"
        return False, "short texts differ"
    if evidence.jaccard >= NEAR_IDENTICAL_JACCARD:
        return True, "near-identical"
    if evidence.containment >= containment_threshold:
        return True, "one contains the other"
    if evidence.jaccard >= jaccard_threshold:
        if evidence.lede_containment >= LEDE_CONTAINMENT:
            return True, "edited copy"
        return False, "different lede"
    return False, "overlap below thresholds"


def similarity(evidence: Evidence) -> float:
    """The one number reported for a pair: containment, or the fuzzy ratio for short texts."""
    if evidence.fuzzy is not None:
        return round(evidence.fuzzy / 100.0, 4)
    return round(evidence.containment, 4)
