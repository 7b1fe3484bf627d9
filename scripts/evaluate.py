"""Score the scanner on labelled sets: the committed corpus and, when present, SaudiNewsNet.

`make eval` runs this and prints one table per set; tests/test_quality.py pins floors on
the same numbers for the committed set.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path

from arabic_dedupe import evaluation
from arabic_dedupe.config import Settings
from arabic_dedupe.model import Document
from arabic_dedupe.pipeline import scan_documents
from arabic_dedupe.reader import read_documents

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "fixtures" / "eval"
SCRIPTS = Path(__file__).resolve().parent


@dataclass
class LabelledSet:
    """Documents with what is known about them.

    `negatives=None` and no `negative_rule` means fully labelled: every pair that is not
    positive is negative.
    """

    name: str
    documents: list[Document]
    positives: set[tuple[str, str]]
    negatives: set[tuple[str, str]] | None = None
    # For large partly labelled sets: says whether a pair is a known negative, so the
    # negatives need not be listed (only predicted pairs are asked).
    negative_rule: Callable[[tuple[str, str]], bool] | None = None
    shared_paragraphs: list[list[str]] = field(default_factory=list)
    group_of: dict[str, str] = field(default_factory=dict)
    boilerplate_lines: dict[str, list[int]] = field(default_factory=dict)
    body_lines: dict[str, list[int]] = field(default_factory=dict)
    # Kind of each labelled pair ("noise", "follow_up", ...) for the per-kind breakdown.
    pair_kinds: dict[tuple[str, str], str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Scores:
    """Numbers of one run; `rows` is the table as printed."""

    pairs: evaluation.PairScores
    shared_all: float | None
    shared_two: float | None
    lines: evaluation.LineScores | None
    lsh_recall: float | None
    seconds: float
    by_kind: dict[str, tuple[int, int]]  # kind -> (predicted duplicate, labelled pairs)

    def rows(self) -> list[tuple[str, str]]:
        pairs = self.pairs
        rows = [
            ("article pair precision", f"{pairs.precision:.4f}"),
            ("article pair recall", f"{pairs.recall:.4f}"),
            ("article pair F1", f"{pairs.f1:.4f}"),
            ("  true / false positives / missed",
             f"{pairs.true_positives} / {pairs.false_positives} / {pairs.false_negatives}"),
        ]
        if pairs.unlabelled_predictions:
            rows.append(("  predicted pairs not labelled", str(pairs.unlabelled_predictions)))
        if self.shared_all is not None:
            rows.append(("shared-paragraph recall (all copies)", f"{self.shared_all:.4f}"))
            rows.append(("shared-paragraph recall (two articles)", f"{self.shared_two:.4f}"))
        if self.lines is not None:
            rows.append(("boilerplate lines removed",
                         f"{self.lines.boilerplate_removed_share:.4f} "
                         f"({self.lines.boilerplate_removed}/{self.lines.boilerplate_lines})"))
            rows.append(("body lines kept",
                         f"{self.lines.body_kept_share:.4f} "
                         f"({self.lines.body_kept}/{self.lines.body_lines})"))
        if self.lsh_recall is not None:
            rows.append(("LSH recall of verified pairs", f"{self.lsh_recall:.4f}"))
        rows.append(("scan time (s)", f"{self.seconds:.2f}"))
        for kind, (found, total) in sorted(self.by_kind.items()):
            rows.append((f"  {kind}: called duplicate", f"{found}/{total}"))
        return rows


def _as_repo_ids(documents: list, base: Path) -> list[Document]:
    # The reader names files as reached from its argument; labels name them from the
    # repository root, whatever the current directory is.
    result = []
    for document in documents:
        if not isinstance(document, Document):
            raise SystemExit(f"could not read an evaluation file: {document.message}")
        relative = Path(document.id).resolve().relative_to(base).as_posix()
        result.append(replace(document, id=relative, site=str(Path(relative).parent)))
    return result


def load_committed_set(folder: Path = COMMITTED, root: Path = ROOT) -> LabelledSet:
    """The generated corpus in fixtures/eval with its labels."""
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    documents = _as_repo_ids(list(read_documents([str(folder)])), root)
    missing = set(labels["documents"]) - {document.id for document in documents}
    if missing:
        raise SystemExit(f"labelled documents not found: {sorted(missing)[:3]}")
    kinds = {}
    for group in labels["groups"]:
        for variant in group["variants"]:
            kinds[evaluation.ordered_pair(group["base"], variant["document"])] = variant["kind"]
    for record in labels["negative_pairs"]:
        kinds[evaluation.ordered_pair(*record["documents"])] = "negative " + record["kind"]
    return LabelledSet(
        name="committed synthetic corpus (fixtures/eval)",
        documents=documents,
        positives={evaluation.ordered_pair(*pair) for pair in labels["duplicate_pairs"]},
        negatives=None,
        shared_paragraphs=[record["documents"] for record in labels["shared_paragraphs"]],
        group_of={doc: record["group"] for doc, record in labels["documents"].items()},
        boilerplate_lines=labels["boilerplate_lines"],
        body_lines=labels["body_lines"],
        pair_kinds=kinds,
    )


def lsh_recall_of(documents: list[Document], settings: Settings,
                  pairs_to_check: Callable[[int], list[tuple[int, int]]] | None = None) -> float | None:
    """Share of pairs that exact verification accepts which LSH banding makes candidates.

    Uses the pipeline's own stages; `pairs_to_check(count)` limits the exhaustive pass
    (all pairs by default). None when the pipeline's internals are not available.
    """
    try:
        from arabic_dedupe import candidates
        from arabic_dedupe.pipeline import (
            DocumentComparer,
            clean_documents,
            fingerprint_documents,
            matching_forms,
        )
    except ImportError:
        return None
    import numpy

    cleaned = clean_documents(documents, settings.strip_boilerplate)
    forms = matching_forms(cleaned, settings.normalize)
    fingerprints = fingerprint_documents(forms, settings)
    comparer = DocumentComparer(fingerprints, forms, settings)
    count = len(documents)
    chosen = pairs_to_check(count) if pairs_to_check else list(combinations(range(count), 2))
    exhaustive = [pair for pair in chosen if comparer.similarity_if_duplicate(*pair) is not None]
    rows = numpy.arange(count, dtype=numpy.int64)
    found = candidates.lsh_candidates(
        fingerprints.document_signatures, rows, settings.bands, settings.rows_per_band
    ).tolist()
    return evaluation.lsh_recall(exhaustive, [tuple(pair) for pair in found])


def score(labelled: LabelledSet, settings: Settings = Settings(), with_lsh: bool = True,
          lsh_pairs: Callable[[int], list[tuple[int, int]]] | None = None) -> Scores:
    """Scan the set's documents and compare what the scan found with the labels."""
    started = time.perf_counter()
    report, cleaned = scan_documents(labelled.documents, settings)
    seconds = time.perf_counter() - started
    predicted = evaluation.predicted_pairs(report.article_clusters)
    negatives = labelled.negatives
    if labelled.negative_rule is not None:
        negatives = {pair for pair in predicted if labelled.negative_rule(pair)}
    pairs = evaluation.pair_scores(predicted, labelled.positives, negatives)
    shared_all = shared_two = None
    if labelled.shared_paragraphs:
        shared_all = evaluation.shared_paragraph_recall(
            labelled.shared_paragraphs, report.paragraph_clusters, require_all=True)
        shared_two = evaluation.shared_paragraph_recall(
            labelled.shared_paragraphs, report.paragraph_clusters, require_all=False,
            group_of=labelled.group_of)
    lines = None
    if labelled.boilerplate_lines or labelled.body_lines:
        lines = evaluation.line_scores(cleaned, labelled.boilerplate_lines, labelled.body_lines)
    by_kind: dict[str, tuple[int, int]] = {}
    for pair, kind in labelled.pair_kinds.items():
        found, total = by_kind.get(kind, (0, 0))
        by_kind[kind] = (found + (pair in predicted), total + 1)
    recall = lsh_recall_of(labelled.documents, settings, lsh_pairs) if with_lsh else None
    return Scores(pairs, shared_all, shared_two, lines, recall, seconds, by_kind)


def print_table(title: str, rows: list[tuple[str, str]], notes: list[str] = ()) -> None:
    width = max(len(name) for name, _ in rows)
    print(title)
    print("-" * len(title))
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    for note in notes:
        print(note)
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saudinewsnet-articles", type=int, default=3000,
                        help="articles sampled from SaudiNewsNet (default: %(default)s)")
    parser.add_argument("--skip-saudinewsnet", action="store_true")
    arguments = parser.parse_args(argv)

    committed = load_committed_set()
    scores = score(committed)
    print_table(f"{committed.name}: {len(committed.documents)} documents", scores.rows())

    if arguments.skip_saudinewsnet:
        return 0
    sys.path.insert(0, str(SCRIPTS))
    import derive_saudinewsnet

    if not derive_saudinewsnet.corpus_available():
        print(f"SaudiNewsNet set: corpus absent ({derive_saudinewsnet.DATASET}); not evaluated.")
        return 0
    started = time.perf_counter()
    derived = derive_saudinewsnet.derive(arguments.saudinewsnet_articles)
    build_seconds = time.perf_counter() - started
    scores = score(derived, lsh_pairs=derive_saudinewsnet.pairs_for_lsh_recall(derived))
    rows = scores.rows() + [("set derivation time (s)", f"{build_seconds:.2f}")]
    print_table(f"{derived.name}: {len(derived.documents)} documents", rows, derived.notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
