"""Metric functions of the quality gate, on hand-built reports with known answers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arabic_dedupe import evaluation
from arabic_dedupe.model import (
    ArticleCluster,
    CleanDocument,
    Document,
    Paragraph,
    ParagraphCluster,
    ParagraphCopy,
    Removal,
)


def article_cluster(*members: str) -> ArticleCluster:
    return ArticleCluster(members=members, representative=members[0], min_similarity=0.9, exact=False)


def paragraph_cluster(*documents: str) -> ParagraphCluster:
    copies = tuple(ParagraphCopy(document, 0, 1) for document in documents)
    return ParagraphCluster(members=copies, text="...", min_similarity=1.0, exact=True)


# ---------------------------------------------------------------- article pairs


def test_predicted_pairs_are_all_pairs_within_each_cluster():
    clusters = [article_cluster("c", "a", "b"), article_cluster("x", "y"), article_cluster("z")]
    assert evaluation.predicted_pairs(clusters) == {
        ("a", "b"), ("a", "c"), ("b", "c"), ("x", "y"),
    }


def test_pair_scores_on_a_fully_labelled_set():
    predicted = evaluation.predicted_pairs([article_cluster("a", "b", "c"), article_cluster("d", "e")])
    positives = [("a", "b"), ("b", "c"), ("a", "c"), ("f", "g")]
    scores = evaluation.pair_scores(predicted, positives)
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (3, 1, 1)
    assert scores.precision == pytest.approx(0.75)
    assert scores.recall == pytest.approx(0.75)
    assert scores.f1 == pytest.approx(0.75)
    assert scores.unlabelled_predictions == 0


def test_pair_scores_judge_only_labelled_pairs_when_negatives_are_given():
    predicted = [("a", "b"), ("a", "z"), ("q", "r")]
    scores = evaluation.pair_scores(predicted, positives=[("b", "a")], negatives=[("z", "a")])
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (1, 1, 0)
    assert scores.unlabelled_predictions == 1
    assert scores.precision == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("predicted", "positives", "precision", "recall", "f1"),
    [
        pytest.param([], [], 1.0, 1.0, 1.0, id="nothing-to-find-nothing-found"),
        pytest.param([], [("a", "b")], 1.0, 0.0, 0.0, id="nothing-found"),
        pytest.param([("a", "b")], [], 0.0, 1.0, 0.0, id="only-false-positives"),
    ],
)
def test_pair_scores_edge_cases(predicted, positives, precision, recall, f1):
    scores = evaluation.pair_scores(predicted, positives)
    assert (scores.precision, scores.recall, scores.f1) == (precision, recall, f1)


pair_lists = st.lists(
    st.tuples(st.sampled_from("abcdef"), st.sampled_from("abcdef")).filter(lambda p: p[0] != p[1]),
    max_size=12,
)


@given(pair_lists)
def test_predicting_exactly_the_positives_scores_one(pairs):
    scores = evaluation.pair_scores(pairs, [(second, first) for first, second in pairs])
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)


@given(pair_lists, pair_lists)
def test_pair_order_does_not_matter(predicted, positives):
    flipped = [(second, first) for first, second in predicted]
    assert evaluation.pair_scores(predicted, positives) == evaluation.pair_scores(flipped, positives)


@given(st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=5), max_size=4))
def test_pairs_within_a_group_count_n_choose_two(groups):
    pairs = evaluation.pairs_within(groups)
    assert all(first < second for first, second in pairs)
    if len(groups) == 1:
        size = len(set(groups[0]))
        assert len(pairs) == size * (size - 1) // 2


# ---------------------------------------------------------------- shared paragraphs


@pytest.mark.parametrize(
    ("require_all", "expected"),
    [pytest.param(True, 0.5, id="all-copies"), pytest.param(False, 1.0, id="at-least-two")],
)
def test_shared_paragraph_recall(require_all, expected):
    shared = [["a", "b"], ["c", "d", "e"]]
    clusters = [paragraph_cluster("a", "b", "x"), paragraph_cluster("c", "d")]
    assert evaluation.shared_paragraph_recall(shared, clusters, require_all=require_all) == expected


def test_copies_within_one_duplicate_group_do_not_count_as_two_articles():
    shared = [["a", "a-copy", "b"]]
    clusters = [paragraph_cluster("a", "a-copy")]
    group_of = {"a": "a", "a-copy": "a", "b": "b"}
    assert evaluation.shared_paragraph_recall(shared, clusters, require_all=False, group_of=group_of) == 0.0
    assert evaluation.shared_paragraph_recall(shared, clusters, require_all=False) == 1.0


def test_shared_paragraph_recall_needs_one_cluster_not_several():
    shared = [["a", "b", "c"]]
    clusters = [paragraph_cluster("a", "b"), paragraph_cluster("b", "c")]
    assert evaluation.shared_paragraph_recall(shared, clusters) == 0.0


def test_shared_paragraph_recall_with_no_labels_is_one():
    assert evaluation.shared_paragraph_recall([], [paragraph_cluster("a", "b")]) == 1.0


# ---------------------------------------------------------------- boilerplate lines


def cleaned_page() -> CleanDocument:
    text = "menu\ntitle\nfirst\nsecond line one\nsecond line two\nshare\nfooter"
    return CleanDocument(
        Document("page", text),
        paragraphs=(
            Paragraph(0, "title", 2),
            Paragraph(1, "first", 3),
            Paragraph(2, "second line one\nsecond line two", 4),
            Paragraph(3, "footer", 7),
        ),
        removed=(Removal("menu", 1, "menu"), Removal("share", 6, "site")),
    )


def test_kept_and_removed_lines_cover_multi_line_stretches():
    page = cleaned_page()
    assert evaluation.kept_lines(page) == {2, 3, 4, 5, 7}
    assert evaluation.removed_lines(page) == {1, 6}


def test_line_scores_count_removed_boilerplate_and_kept_body():
    scores = evaluation.line_scores([cleaned_page()], {"page": [1, 6, 7]}, {"page": [3, 4, 5]})
    assert (scores.boilerplate_removed, scores.boilerplate_lines) == (2, 3)
    assert (scores.body_kept, scores.body_lines) == (3, 3)
    assert scores.boilerplate_removed_share == pytest.approx(2 / 3)
    assert scores.body_kept_share == 1.0


def test_a_labelled_document_missing_from_the_scan_counts_as_failure():
    scores = evaluation.line_scores([], {"gone": [1, 2]}, {"gone": [3]})
    assert (scores.boilerplate_removed, scores.body_kept) == (0, 0)
    assert (scores.boilerplate_removed_share, scores.body_kept_share) == (0.0, 0.0)


def test_line_scores_without_labels_are_one():
    scores = evaluation.line_scores([cleaned_page()], {}, {})
    assert (scores.boilerplate_removed_share, scores.body_kept_share) == (1.0, 1.0)


# ---------------------------------------------------------------- LSH recall


@pytest.mark.parametrize(
    ("exhaustive", "lsh", "expected"),
    [
        pytest.param([("a", "b"), ("c", "d")], [("d", "c"), ("a", "b"), ("x", "y")], 1.0, id="all-found"),
        pytest.param([("a", "b"), ("c", "d")], [("b", "a")], 0.5, id="half-found"),
        pytest.param([("a", "b")], [], 0.0, id="none-found"),
        pytest.param([], [("a", "b")], 1.0, id="nothing-to-find"),
    ],
)
def test_lsh_recall(exhaustive, lsh, expected):
    assert evaluation.lsh_recall(exhaustive, lsh) == expected
