"""Quality metrics of a scan against labels: pair precision/recall, paragraphs, boilerplate.

Pure functions over ids, pairs and the scanner's own records; `scripts/evaluate.py` reads
the labels and prints the numbers, and `tests/test_quality.py` pins their floors.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

from arabic_dedupe.model import ArticleCluster, CleanDocument, ParagraphCluster

Pair = tuple[str, str]


@dataclass(frozen=True)
class PairScores:
    """How well predicted duplicate pairs agree with labelled ones.

    `false_positives` counts only predicted pairs known to be negative: when the labels
    list their negatives explicitly, a predicted pair that is in neither list is unknown
    and is counted in `unlabelled_predictions` instead.
    """

    true_positives: int
    false_positives: int
    false_negatives: int
    unlabelled_predictions: int = 0

    @property
    def precision(self) -> float:
        """Share of judged predictions that are right; 1.0 when nothing was predicted."""
        judged = self.true_positives + self.false_positives
        return self.true_positives / judged if judged else 1.0

    @property
    def recall(self) -> float:
        """Share of labelled duplicate pairs found; 1.0 when there are none to find."""
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0.0 when both are 0)."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True)
class LineScores:
    """Boilerplate stage against line labels: labelled lines removed and kept."""

    boilerplate_lines: int
    boilerplate_removed: int
    body_lines: int
    body_kept: int

    @property
    def boilerplate_removed_share(self) -> float:
        """Share of labelled boilerplate lines the cleaner removed; 1.0 when none labelled."""
        return self.boilerplate_removed / self.boilerplate_lines if self.boilerplate_lines else 1.0

    @property
    def body_kept_share(self) -> float:
        """Share of labelled body lines the cleaner kept; 1.0 when none labelled."""
        return self.body_kept / self.body_lines if self.body_lines else 1.0


def ordered_pair(first: str, second: str) -> Pair:
    """A pair in one canonical order, so (a, b) and (b, a) count once.

    >>> ordered_pair("site_b/2.txt", "site_a/1.txt")
    ('site_a/1.txt', 'site_b/2.txt')
    """
    return (first, second) if first <= second else (second, first)


def pairs_within(groups: Iterable[Iterable[str]]) -> set[Pair]:
    """Every unordered pair of distinct members inside each group.

    >>> sorted(pairs_within([["a", "b", "c"], ["d"]]))
    [('a', 'b'), ('a', 'c'), ('b', 'c')]
    """
    pairs: set[Pair] = set()
    for group in groups:
        members = sorted(set(group))
        pairs.update(combinations(members, 2))
    return pairs


def predicted_pairs(clusters: Iterable[ArticleCluster]) -> set[Pair]:
    """The duplicate pairs a report claims: all pairs within each article cluster."""
    return pairs_within(cluster.members for cluster in clusters)


def pair_scores(
    predicted: Iterable[Pair],
    positives: Iterable[Pair],
    negatives: Iterable[Pair] | None = None,
) -> PairScores:
    """Score predicted pairs against labelled positive (and, if given, negative) pairs.

    With `negatives=None` the labels are complete: every pair that is not positive is a
    negative. With explicit negatives (a derived set where most pairs are unknown), a
    predicted pair in neither list is not judged.

    >>> scores = pair_scores([("a", "b"), ("c", "d")], [("b", "a"), ("a", "e")])
    >>> (scores.true_positives, scores.false_positives, scores.false_negatives)
    (1, 1, 1)
    >>> pair_scores([("c", "d"), ("x", "y")], [], negatives=[("d", "c")]).unlabelled_predictions
    1
    """
    predicted_set = {ordered_pair(*pair) for pair in predicted}
    positive_set = {ordered_pair(*pair) for pair in positives}
    true_positives = len(predicted_set & positive_set)
    wrong_or_unknown = predicted_set - positive_set
    if negatives is None:
        false_positives, unlabelled = len(wrong_or_unknown), 0
    else:
        negative_set = {ordered_pair(*pair) for pair in negatives}
        false_positives = len(wrong_or_unknown & negative_set)
        unlabelled = len(wrong_or_unknown) - false_positives
    return PairScores(
        true_positives=true_positives,
        false_positives=false_positives,
        false_negatives=len(positive_set - predicted_set),
        unlabelled_predictions=unlabelled,
    )


def shared_paragraph_recall(
    shared: Iterable[Collection[str]],
    clusters: Iterable[ParagraphCluster],
    require_all: bool = True,
    group_of: Mapping[str, str] | None = None,
) -> float:
    """Share of labelled shared paragraphs that one paragraph cluster brings together.

    `shared` holds, for each labelled paragraph, the documents that contain it. With
    `require_all` a paragraph is found when a single cluster has copies from every one of
    them; otherwise when a cluster has copies from at least two. `group_of` maps a
    document to its duplicate group, so that for the at-least-two rule finding the
    paragraph only among copies of one article does not count. 1.0 when nothing is labelled.

    >>> from arabic_dedupe.model import ParagraphCopy, ParagraphCluster
    >>> cluster = ParagraphCluster(
    ...     members=(ParagraphCopy("a", 0, 3), ParagraphCopy("b", 2, 5)),
    ...     text="...", min_similarity=1.0, exact=True)
    >>> shared_paragraph_recall([{"a", "b", "c"}], [cluster])
    0.0
    >>> shared_paragraph_recall([{"a", "b", "c"}], [cluster], require_all=False)
    1.0
    """
    documents_per_cluster = [
        {copy.document for copy in cluster.members} for cluster in clusters
    ]
    group = (lambda document: document) if group_of is None else (
        lambda document: group_of.get(document, document)
    )
    labelled = 0
    found = 0
    for documents in shared:
        wanted = set(documents)
        labelled += 1
        for covered in documents_per_cluster:
            if require_all:
                if wanted <= covered:
                    found += 1
                    break
            elif len({group(document) for document in wanted & covered}) >= 2:
                found += 1
                break
    return found / labelled if labelled else 1.0


def _lines_of(start: int, text: str) -> range:
    # A paragraph or removed stretch may span several input lines (joined wrapped lines).
    return range(start, start + text.count("\n") + 1)


def kept_lines(document: CleanDocument) -> set[int]:
    """Input line numbers covered by the kept paragraphs of a cleaned document."""
    return {
        line for paragraph in document.paragraphs for line in _lines_of(paragraph.line, paragraph.text)
    }


def removed_lines(document: CleanDocument) -> set[int]:
    """Input line numbers covered by the stretches the boilerplate stage removed."""
    return {line for removal in document.removed for line in _lines_of(removal.line, removal.text)}


def line_scores(
    cleaned: Iterable[CleanDocument],
    boilerplate: Mapping[str, Iterable[int]],
    body: Mapping[str, Iterable[int]],
) -> LineScores:
    """Count labelled boilerplate lines removed and labelled body lines kept.

    A boilerplate line counts as removed only when a removal record covers it, and a body
    line as kept only when a kept paragraph covers it; a labelled document the scan did
    not return counts as neither.

    >>> from arabic_dedupe.model import Document, Paragraph, Removal
    >>> page = CleanDocument(Document("p", "menu\\nbody\\nfooter"),
    ...     paragraphs=(Paragraph(0, "body", 2),), removed=(Removal("menu", 1, "menu"),))
    >>> scores = line_scores([page], {"p": [1, 3]}, {"p": [2]})
    >>> (scores.boilerplate_removed, scores.boilerplate_lines, scores.body_kept, scores.body_lines)
    (1, 2, 1, 1)
    """
    by_id = {document.id: document for document in cleaned}
    boilerplate_total = boilerplate_removed = body_total = body_kept = 0
    for document_id, lines in boilerplate.items():
        wanted = set(lines)
        boilerplate_total += len(wanted)
        if document_id in by_id:
            boilerplate_removed += len(wanted & removed_lines(by_id[document_id]))
    for document_id, lines in body.items():
        wanted = set(lines)
        body_total += len(wanted)
        if document_id in by_id:
            body_kept += len(wanted & kept_lines(by_id[document_id]))
    return LineScores(
        boilerplate_lines=boilerplate_total,
        boilerplate_removed=boilerplate_removed,
        body_lines=body_total,
        body_kept=body_kept,
    )


def lsh_recall(exhaustive_pairs: Iterable[Pair], lsh_pairs: Iterable[Pair]) -> float:
    """Share of the pairs exact verification finds over all pairs that LSH candidates keep.

    Measures what banding loses; 1.0 when the exhaustive search found nothing.

    >>> lsh_recall([("a", "b"), ("c", "d")], [("b", "a"), ("e", "f")])
    0.5
    """
    exhaustive = {ordered_pair(*pair) for pair in exhaustive_pairs}
    if not exhaustive:
        return 1.0
    found = {ordered_pair(*pair) for pair in lsh_pairs}
    return len(exhaustive & found) / len(exhaustive)
