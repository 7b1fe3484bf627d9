"""A labelled set derived at run time from SaudiNewsNet: sampled articles plus injected copies.

Nothing here is written to the repository: the corpus stays in ../shared/corpora, and the
only file written is a sample of borderline real pairs in .eval/ (gitignored) for people.

The corpus already holds real duplicates (wire stories republished by several outlets), so
a pair of two original articles is unlabelled unless both have the same normalized text.
Known labels: an injected variant with its base (and the base's exact copies) is positive;
a variant with any other article is negative, unless that article overlaps the base
(then it may be a real copy of it, and the pair is left unlabelled).
"""

from __future__ import annotations

import json
import random
import sys
import zipfile
from collections import Counter, defaultdict
from dataclasses import replace
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import eval_corpus_text as text  # noqa: E402
import make_eval_corpus as generator  # noqa: E402
from evaluate import LabelledSet  # noqa: E402

from arabic_dedupe.evaluation import ordered_pair, pairs_within  # noqa: E402
from arabic_dedupe.model import Document  # noqa: E402
from arabic_dedupe.normalize import normalize  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "corpora" / "saudinewsnet" / "dataset"
BORDERLINE_FILE = ROOT / ".eval" / "borderline_pairs.jsonl"
SEED = 7
# Share of sampled articles that get injected copies.
INJECTED_SHARE = 0.1
# Overlap (containment either way, on word 5-shingles) above which an original article may
# be a real copy of a base: pairs between it and the base's variants are left unlabelled.
RELATED_CONTAINMENT = 0.3
BORDERLINE = (0.6, 0.85)
BORDERLINE_SAMPLE = 25
# A shingle found in more articles than this is a stock phrase, not evidence of copying.
MAX_POSTINGS = 50
VARIANT_KINDS = ("noise", "dateline_credit", "drop_one", "drop_two", "exact_copy", "reword")


def corpus_available(dataset: Path = DATASET) -> bool:
    return dataset.is_dir() and any(dataset.glob("*.zip"))


def load_articles(dataset: Path = DATASET) -> list[Document]:
    """Every article with content, as a Document named `saudinewsnet/<day>.json#<index>`."""
    documents = []
    for archive in sorted(dataset.glob("*.zip")):
        with zipfile.ZipFile(archive) as opened:
            for name in sorted(opened.namelist()):
                if not name.endswith(".json"):
                    continue
                records = json.loads(opened.read(name).decode("utf-8"))
                for index, record in enumerate(records):
                    content = (record.get("content") or "").strip()
                    if not content:
                        continue
                    documents.append(Document(
                        id=f"saudinewsnet/{name}#{index}", text=content,
                        site=record.get("source") or "", title=record.get("title") or "",
                        date=record.get("date_extracted") or "",
                    ))
    return documents


def paragraphs_of(document: Document) -> list[str]:
    return [line.strip() for line in document.text.split("\n") if line.strip()]


def _safe_noise(article: generator.Article, rng: random.Random) -> generator.Article:
    # Real text may hold characters whose noisy spelling normalizes differently (a mark on
    # a presentation form); such a line is kept as it was rather than mislabelled.
    indic = rng.random() < 0.6

    def respell(line: str) -> str:
        try:
            return generator.orthographic_noise(line, rng, indic)
        except AssertionError:
            return line

    return replace(article, title=respell(article.title),
                   paragraphs=[respell(paragraph) for paragraph in article.paragraphs])


def make_variant(kind: str, base: Document, rng: random.Random) -> generator.Article | None:
    """The base article edited the way `kind` says, or None when it is too short for it."""
    article = generator.Article(base.title, paragraphs_of(base), "real",
                                {"city": rng.choice(text.CITIES)})
    count = len(article.paragraphs)
    if kind == "noise":
        return _safe_noise(article, rng)
    if kind == "dateline_credit":
        return generator.with_dateline_and_credit(article, rng)
    if kind == "drop_one":
        return generator.without_paragraphs(article, 1, rng) if count >= 5 else None
    if kind == "drop_two":
        return generator.without_paragraphs(article, 2, rng) if count >= 9 else None
    if kind == "exact_copy":
        return article
    if kind == "reword":
        changed = generator.reworded(article, rng, changes=3)
        return changed if changed.paragraphs != article.paragraphs else None
    raise ValueError(kind)


def _shingle_sets(documents: list[Document]) -> list[set[int]]:
    sets = []
    for document in documents:
        words = normalize(document.text).split()
        size = generator.SHINGLE_SIZE
        if len(words) < size:
            sets.append({hash(tuple(words))} if words else set())
        else:
            sets.append({hash(tuple(words[i: i + size])) for i in range(len(words) - size + 1)})
    return sets


def overlapping_pairs(sets: list[set[int]], minimum: float) -> dict[tuple[int, int], tuple[float, float]]:
    """Pairs whose larger containment reaches `minimum`, with both containments."""
    postings: dict[int, list[int]] = defaultdict(list)
    for index, shingles in enumerate(sets):
        for shingle in shingles:
            postings[shingle].append(index)
    result = {}
    for index, shingles in enumerate(sets):
        if not shingles:
            continue
        common: Counter[int] = Counter()
        for shingle in shingles:
            holders = postings[shingle]
            if len(holders) <= MAX_POSTINGS:
                common.update(other for other in holders if other > index)
        for other, shared in common.items():
            forward, backward = shared / len(shingles), shared / len(sets[other])
            if max(forward, backward) >= minimum:
                result[(index, other)] = (forward, backward)
    return result


def derive(articles: int = 3000, seed: int = SEED, dataset: Path = DATASET) -> LabelledSet:
    """Sample, inject variants, label what can be known; write the borderline sample."""
    rng = random.Random(seed)
    everything = load_articles(dataset)
    sample = sorted(rng.sample(range(len(everything)), min(articles, len(everything))))
    originals = [everything[index] for index in sample]

    # Exact normalized copies among the originals are known positives.
    by_text: dict[str, list[int]] = defaultdict(list)
    for index, document in enumerate(originals):
        by_text[normalize(document.text)].append(index)
    copies_of = {index: group for group in by_text.values() for index in group}
    exact_groups = [group for group in by_text.values() if len(group) > 1]

    overlaps = overlapping_pairs(_shingle_sets(originals), RELATED_CONTAINMENT)
    related: dict[int, set[int]] = defaultdict(set)
    for first, second in overlaps:
        related[first].add(second)
        related[second].add(first)

    documents = list(originals)
    base_of: dict[str, int] = {}
    kinds: dict[tuple[str, str], str] = {}
    sources = sorted({document.site for document in originals})
    bases = rng.sample(range(len(originals)), int(len(originals) * INJECTED_SHARE))
    for base in sorted(bases):
        wanted = rng.sample(VARIANT_KINDS, rng.choice((1, 1, 2)))
        for kind in wanted:
            article = make_variant(kind, originals[base], rng)
            if article is None:
                continue
            body = "\n\n".join(article.paragraphs + ([article.credit] if article.credit else []))
            site = rng.choice([source for source in sources if source != originals[base].site])
            variant = Document(id=f"injected/{kind}/{originals[base].id}", text=body, site=site,
                               title=article.title, date=originals[base].date)
            documents.append(variant)
            base_of[variant.id] = base
            kinds[ordered_pair(originals[base].id, variant.id)] = kind

    # Positives: each base with its variants and its exact copies; exact copies anywhere.
    groups: dict[int, list[str]] = defaultdict(list)
    for variant, base in base_of.items():
        groups[base].append(variant)
    labelled_groups = [
        [originals[member].id for member in copies_of[base]] + variants
        for base, variants in groups.items()
    ]
    labelled_groups += [[originals[member].id for member in group] for group in exact_groups]
    positives = pairs_within(labelled_groups)

    index_of = {document.id: index for index, document in enumerate(originals)}

    def family(document_id: str) -> set[int]:
        # The originals a document is, or may be, a copy of.
        base = base_of.get(document_id, index_of.get(document_id))
        return set(copies_of[base]) | related[base]

    def is_known_negative(pair: tuple[str, str]) -> bool:
        first, second = pair
        if pair in positives or (first not in base_of and second not in base_of):
            return False
        return not (family(first) & family(second))

    borderline = {
        pair: values for pair, values in overlaps.items()
        if all(BORDERLINE[0] <= value <= BORDERLINE[1] for value in values)
    }
    for first, second in borderline:
        kinds[ordered_pair(originals[first].id, originals[second].id)] = "real borderline pair (unlabelled)"
    for group in exact_groups:
        for pair in combinations(sorted(originals[member].id for member in group), 2):
            kinds[pair] = "real exact copy"
    _write_borderline_sample(borderline, originals, rng)

    notes = [
        f"sampled {len(originals)} of {len(everything)} articles (seed {seed}); injected "
        f"{len(base_of)} variants of {len(groups)} articles; {len(exact_groups)} groups of "
        "exact normalized copies among the originals",
        f"precision is judged only on pairs with a known label; {len(borderline)} real pairs with "
        f"containment {BORDERLINE[0]}-{BORDERLINE[1]} both ways are unlabelled "
        f"(sample of {min(len(borderline), BORDERLINE_SAMPLE)} in {BORDERLINE_FILE.relative_to(ROOT)})",
    ]
    return LabelledSet(
        name=f"SaudiNewsNet derived set (seed {seed})",
        documents=documents,
        positives=positives,
        negatives=None,
        negative_rule=is_known_negative,
        pair_kinds=kinds,
        notes=notes,
    )


def _write_borderline_sample(borderline: dict, originals: list[Document], rng: random.Random) -> None:
    chosen = sorted(borderline)
    chosen = sorted(rng.sample(chosen, min(len(chosen), BORDERLINE_SAMPLE)))
    BORDERLINE_FILE.parent.mkdir(exist_ok=True)
    with BORDERLINE_FILE.open("w", encoding="utf-8") as output:
        for first, second in chosen:
            forward, backward = borderline[(first, second)]
            record = {
                "first": originals[first].id, "second": originals[second].id,
                "sources": [originals[first].site, originals[second].site],
                "titles": [originals[first].title, originals[second].title],
                "containment_first_in_second": round(forward, 3),
                "containment_second_in_first": round(backward, 3),
                "texts": [originals[first].text, originals[second].text],
            }
            output.write(json.dumps(record, ensure_ascii=False) + "\n")


def pairs_for_lsh_recall(labelled: LabelledSet):
    """The labelled positive pairs as document indices, for evaluate.lsh_recall_of."""
    index = {document.id: number for number, document in enumerate(labelled.documents)}
    pairs = sorted((index[first], index[second]) for first, second in labelled.positives)
    return lambda count: [tuple(sorted(pair)) for pair in pairs]
