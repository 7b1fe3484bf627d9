"""Why documents are (or are not) duplicates: one pair in detail, and a deduplicated corpus.

Owns `dedupe explain` (scores, verdict, paragraph alignment, boilerplate removed) and the
choice of the document each cluster keeps for `dedupe clean --drop-duplicates`, with the
manifest line saying why every other member was dropped. Verdicts come from the scanner's
own stages and rules (pipeline, verify.decide), never from a second implementation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from rapidfuzz import fuzz, process

from arabic_dedupe import pipeline, verify
from arabic_dedupe.config import Settings
from arabic_dedupe.errors import UsageError
from arabic_dedupe.model import CleanDocument, Document, Paragraph, Removal, Report
from arabic_dedupe.report import snippet

# The scanner groups documents whose matching forms are equal before any scoring.
EXACT_COPY = "exact copy"
NO_TEXT = "no text left after cleaning"
# A paragraph of A is aligned with its best paragraph of B when the score reaches this:
# lower than the paragraph clusters' threshold, because an explanation should also show
# the paragraphs a republisher edited, not only the ones it copied whole.
ALIGNMENT_THRESHOLD = 0.5
SNIPPET_CHARACTERS = 70
KEEP_POLICIES = ("first", "longest", "newest")


@dataclass(frozen=True)
class Verdict:
    """The scanner's decision on one pair, with the evidence it was taken on."""

    duplicate: bool
    reason: str
    similarity: float
    evidence: verify.Evidence
    exact: bool = False


@dataclass(frozen=True)
class Alignment:
    """A paragraph of the first document and its best-scoring paragraph of the second.

    `score` is the shingle Jaccard similarity, or the rapidfuzz ratio (over 100) when
    either paragraph is too short for shingles, as in the scanner's paragraph clusters.
    `matched` when the ratio reaches the scanner's short-text level, or (paragraphs long
    enough for shingles) the Jaccard similarity reaches the alignment threshold.
    """

    first: Paragraph
    second: Paragraph | None
    jaccard: float
    containment: float
    ratio: float
    score: float
    matched: bool
    identical: bool


@dataclass(frozen=True)
class Explanation:
    """Everything `dedupe explain` prints about a pair."""

    first: CleanDocument
    second: CleanDocument
    verdict: Verdict
    fuzzy_ratio: float
    token_set_ratio: float
    alignments: tuple[Alignment, ...]
    unmatched_second: tuple[Paragraph, ...]
    settings: Settings
    threshold: float


# --- verdicts ---------------------------------------------------------------------------


def judge_pairs(
    cleaned: Sequence[CleanDocument], pairs: Sequence[tuple[int, int]], settings: Settings
) -> list[Verdict]:
    """The scanner's verdict on each pair of cleaned documents (indexes into `cleaned`).

    The same stages as a scan: matching forms, fingerprints, then exact copies first and
    the Evidence and rules of verify.decide for the others.
    """
    forms = pipeline.matching_forms(list(cleaned), settings.normalize)
    fingerprints = pipeline.fingerprint_documents(forms, settings)
    return _verdicts(forms, fingerprints, pairs, settings)


def _verdicts(forms, fingerprints, pairs: Sequence[tuple[int, int]], settings: Settings) -> list[Verdict]:
    comparer = pipeline.DocumentComparer(fingerprints, forms, settings)
    verdicts = []
    for first, second in pairs:
        if len(comparer.shingles(first)) == 0 or len(comparer.shingles(second)) == 0:
            verdicts.append(Verdict(False, NO_TEXT, 0.0, verify.Evidence(0.0, 0.0, 0.0, 0.0)))
            continue
        evidence = comparer.evidence(first, second, complete=True)
        if fingerprints.text_hashes[first] == fingerprints.text_hashes[second]:
            verdicts.append(Verdict(True, EXACT_COPY, 1.0, evidence, exact=True))
            continue
        duplicate, reason = comparer.decide(evidence)
        verdicts.append(Verdict(duplicate, reason, verify.similarity(evidence), evidence))
    return verdicts


def explain_pair(
    first: Document, second: Document, settings: Settings = Settings(), threshold: float = ALIGNMENT_THRESHOLD
) -> Explanation:
    """Clean both documents (as a corpus of two), score them and align their paragraphs.

    Site-wide lines are found only across many documents of a site, so a scan of the whole
    corpus can strip lines that this explanation keeps.
    """
    if not 0.0 < threshold <= 1.0:
        raise UsageError(f"paragraph threshold must be in (0, 1], got {threshold}")
    cleaned = pipeline.clean_documents([first, second], settings.strip_boilerplate)
    forms = pipeline.matching_forms(cleaned, settings.normalize)
    fingerprints = pipeline.fingerprint_documents(forms, settings)
    (verdict,) = _verdicts(forms, fingerprints, [(0, 1)], settings)
    first_text, second_text = " ".join(forms[0]), " ".join(forms[1])
    alignments = _align(cleaned, forms, fingerprints, threshold)
    matched = {alignment.second.index for alignment in alignments if alignment.matched and alignment.second}
    return Explanation(
        first=cleaned[0],
        second=cleaned[1],
        verdict=verdict,
        fuzzy_ratio=round(fuzz.ratio(first_text, second_text), 2),
        token_set_ratio=round(fuzz.token_set_ratio(first_text, second_text), 2),
        alignments=tuple(alignments),
        unmatched_second=tuple(paragraph for paragraph in cleaned[1].paragraphs if paragraph.index not in matched),
        settings=settings,
        threshold=threshold,
    )


def _align(cleaned, forms, fingerprints, threshold: float) -> list[Alignment]:
    first_forms, second_forms = forms[0], forms[1]
    offset = len(first_forms)
    if not first_forms:
        return []
    ratios = process.cdist(first_forms, second_forms, scorer=fuzz.ratio) if second_forms else None
    second_shingles = [fingerprints.paragraph_shingles(offset + column) for column in range(len(second_forms))]
    alignments = []
    for row, paragraph in enumerate(cleaned[0].paragraphs):
        shingles = fingerprints.paragraph_shingles(row)
        best = None
        for column, other in enumerate(second_shingles):
            jaccard, containment = verify.set_overlap(shingles, other)
            ratio = float(ratios[row, column])
            short = min(len(shingles), len(other)) < verify.SHORT_TEXT_SHINGLES
            score = ratio / 100.0 if short else jaccard
            # Nearly the same characters is a match at any length: a respelled word that
            # recurs can cost a long paragraph half its shingles and a few characters.
            matched = ratio >= verify.SHORT_TEXT_RATIO or (not short and jaccard >= threshold)
            # Ties (all scores zero, typically) go to the closest characters.
            candidate = (matched, score, ratio, column, jaccard, containment)
            if best is None or candidate[:3] > best[:3]:
                best = candidate
        if best is None:
            alignments.append(Alignment(paragraph, None, 0.0, 0.0, 0.0, 0.0, False, False))
            continue
        matched, score, ratio, column, jaccard, containment = best
        alignments.append(
            Alignment(
                first=paragraph,
                second=cleaned[1].paragraphs[column],
                jaccard=round(jaccard, 4),
                containment=round(containment, 4),
                ratio=round(ratio, 2),
                score=round(score, 4),
                matched=matched,
                identical=first_forms[row] == second_forms[column],
            )
        )
    return alignments


# --- rendering --------------------------------------------------------------------------


def _describe(document: CleanDocument) -> str:
    kept, removed = len(document.paragraphs), len(document.removed)
    return f"{_count(kept, 'paragraph')} kept, {removed} removed"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _where(label: str, paragraph: Paragraph) -> str:
    return f"{label} ¶{paragraph.index} line {paragraph.line}"


def render_text(explanation: Explanation) -> str:
    """The plain-text explanation: Arabic as stored (never reshaped), no colour, no tables."""
    verdict, evidence, settings = explanation.verdict, explanation.verdict.evidence, explanation.settings
    lines = [
        f"A  {explanation.first.id}  ({_describe(explanation.first)})",
        f"B  {explanation.second.id}  ({_describe(explanation.second)})",
        "",
        f"Verdict: {'duplicate' if verdict.duplicate else 'not a duplicate'} ({verdict.reason})",
        f"Similarity: {verdict.similarity:.4f}",
        "",
        f"Scores on the matching form ({settings.shingle_size}-word shingles)",
        f"  Jaccard          {evidence.jaccard:.4f}   near-identical from {settings.jaccard_threshold:.2f}",
        f"  Containment      {evidence.containment:.4f}   one contains the other from {settings.containment_threshold:.2f}; "
        f"edited copy from {settings.edited_containment:.2f} with the same lede",
        f"  Lede similarity  {evidence.lede_similarity:.4f}   the two ledes alike from {settings.lede_threshold:.2f}",
        f"  Numbers found    {evidence.numbers_found:.4f}   an edited copy keeps {verify.NUMBERS_FOUND:.2f} of the smaller text's numbers",
        f"  Fuzzy ratio      {explanation.fuzzy_ratio:6.2f}   rapidfuzz ratio of the whole texts; decides when a text "
        f"has under {verify.SHORT_TEXT_SHINGLES} shingles (from {verify.SHORT_TEXT_RATIO:.0f})",
        f"  Token set ratio  {explanation.token_set_ratio:6.2f}   rapidfuzz token set ratio of the whole texts",
        "",
        f"Paragraphs of A and their best match in B (Jaccard from {explanation.threshold:.2f} or characters "
        f"alike from {verify.SHORT_TEXT_RATIO:.0f}; = same text, ~ similar)",
    ]
    if not explanation.alignments:
        lines.append("  A has no paragraphs")
    for alignment in explanation.alignments:
        where = _where("A", alignment.first)
        if alignment.second is None:
            lines.append(f"  {where}  no match (B has no paragraphs)")
        else:
            scores = f"jaccard {alignment.jaccard:.2f} ratio {alignment.ratio:.1f}"
            target = _where("B", alignment.second)
            if alignment.matched:
                mark = "=" if alignment.identical else "~"
                lines.append(f"  {where}  {mark} {target}  {scores}")
            else:
                lines.append(f"  {where}  no match (best {target}, {scores})")
        lines.append(f"      {snippet(alignment.first.text, SNIPPET_CHARACTERS)}")
    lines += ["", "Paragraphs of B that match no paragraph of A"]
    if not explanation.unmatched_second:
        lines.append("  none")
    for paragraph in explanation.unmatched_second:
        lines.append(f"  {_where('B', paragraph)}")
        lines.append(f"      {snippet(paragraph.text, SNIPPET_CHARACTERS)}")
    for label, document in (("A", explanation.first), ("B", explanation.second)):
        lines += ["", f"Boilerplate removed from {label}"]
        if not document.removed:
            lines.append("  nothing")
        for removal in document.removed:
            lines.append(f"  line {removal.line}  {removal.reason}  {snippet(removal.text, SNIPPET_CHARACTERS)}")
    return "\n".join(lines) + "\n"


def _paragraph_dict(paragraph: Paragraph | None) -> dict | None:
    if paragraph is None:
        return None
    return {"paragraph": paragraph.index, "line": paragraph.line, "text": paragraph.text}


def _removal_dict(removal: Removal) -> dict:
    return {"line": removal.line, "reason": removal.reason, "text": removal.text, "duplicate_of": removal.duplicate_of}


def explanation_to_dict(explanation: Explanation) -> dict:
    """The JSON form of an explanation (`dedupe explain --format json`)."""
    verdict, evidence, settings = explanation.verdict, explanation.verdict.evidence, explanation.settings
    return {
        "first": {"document": explanation.first.id, "paragraphs": len(explanation.first.paragraphs)},
        "second": {"document": explanation.second.id, "paragraphs": len(explanation.second.paragraphs)},
        "verdict": {
            "duplicate": verdict.duplicate,
            "rule": verdict.reason,
            "similarity": verdict.similarity,
            "exact": verdict.exact,
        },
        "scores": {
            "jaccard": round(evidence.jaccard, 4),
            "containment": round(evidence.containment, 4),
            "lede_similarity": round(evidence.lede_similarity, 4),
            "numbers_found": round(evidence.numbers_found, 4),
            "fuzzy_ratio": explanation.fuzzy_ratio,
            "token_set_ratio": explanation.token_set_ratio,
            "short_texts": evidence.fuzzy is not None,
        },
        "thresholds": {
            "jaccard": settings.jaccard_threshold,
            "containment": settings.containment_threshold,
            "edited_containment": settings.edited_containment,
            "lede_similarity": settings.lede_threshold,
            "numbers_found": verify.NUMBERS_FOUND,
            "short_text_shingles": verify.SHORT_TEXT_SHINGLES,
            "short_text_ratio": verify.SHORT_TEXT_RATIO,
            "paragraph_alignment": explanation.threshold,
        },
        "paragraphs": [
            {
                "first": _paragraph_dict(alignment.first),
                "second": _paragraph_dict(alignment.second),
                "jaccard": alignment.jaccard,
                "containment": alignment.containment,
                "ratio": alignment.ratio,
                "score": alignment.score,
                "matched": alignment.matched,
                "identical": alignment.identical,
            }
            for alignment in explanation.alignments
        ],
        "unmatched_second": [_paragraph_dict(paragraph) for paragraph in explanation.unmatched_second],
        "removed": {
            "first": [_removal_dict(removal) for removal in explanation.first.removed],
            "second": [_removal_dict(removal) for removal in explanation.second.removed],
        },
    }


def render_json(explanation: Explanation) -> str:
    return json.dumps(explanation_to_dict(explanation), ensure_ascii=False, indent=2) + "\n"


# --- a deduplicated corpus --------------------------------------------------------------


@dataclass(frozen=True)
class Dropped:
    """A document left out of a deduplicated corpus, and the kept document it duplicates.

    `verified_against` is the document the similarity and reason were measured on: the
    kept one, unless the pair fails verification on its own (a cluster verifies every
    member against its representative, not members against each other); then it is the
    cluster's representative.
    """

    document: str
    kept: str
    similarity: float
    reason: str
    exact: bool
    cluster: int
    verified_against: str


def parse_date(text: str) -> datetime | None:
    """A document date in ISO 8601 (date, or date and time), as naive UTC; None otherwise.

    >>> parse_date("2015-01-01 12:00:00"), parse_date("2021-06-16")
    (datetime.datetime(2015, 1, 1, 12, 0), datetime.datetime(2021, 6, 16, 0, 0))
    >>> parse_date("2021-06-16T03:00:00+03:00"), parse_date("16/06/2021")
    (datetime.datetime(2021, 6, 16, 0, 0), None)
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def choose_kept(members: Sequence[int], cleaned: Sequence[CleanDocument], keep: str) -> int:
    """The member (index in input order) a cluster keeps.

    first: earliest in input order. longest: most characters of cleaned text. newest:
    latest date (ISO 8601; documents without one count as older than any dated one).
    Ties go to the earliest in input order.

    >>> docs = [CleanDocument(Document(id=name, text="", date=date), (Paragraph(0, text, 1),))
    ...         for name, text, date in [("a", "قصير", ""), ("b", "نص أطول", "2020-01-01"), ("c", "نص", "2021-05-01")]]
    >>> choose_kept([0, 1, 2], docs, "first"), choose_kept([0, 1, 2], docs, "longest"), choose_kept([0, 1, 2], docs, "newest")
    (0, 1, 2)
    """
    if keep not in KEEP_POLICIES:
        raise UsageError(f"--keep must be one of {', '.join(KEEP_POLICIES)}, got {keep!r}")
    ordered = sorted(members)
    if keep == "first":
        return ordered[0]
    if keep == "longest":
        return max(ordered, key=lambda member: (len(cleaned[member].text), -member))
    oldest = datetime.min

    def dated(member: int) -> tuple[datetime, int]:
        return parse_date(cleaned[member].document.date) or oldest, -member

    return max(ordered, key=dated)


def drop_duplicates(
    report: Report, cleaned: Sequence[CleanDocument], keep: str, settings: Settings = Settings()
) -> list[Dropped]:
    """Every document a deduplicated corpus leaves out, in input order: all members of each
    article cluster but the one `choose_kept` picks, with the scanner's reason."""
    position = {document.id: index for index, document in enumerate(cleaned)}
    plan = []
    for number, cluster in enumerate(report.article_clusters, start=1):
        members = [position[member] for member in cluster.members]
        kept = choose_kept(members, cleaned, keep)
        representative = position[cluster.representative]
        plan.extend((number, member, kept, representative) for member in members if member != kept)
    # Only cluster members are fingerprinted again, and each pair once.
    pairs = sorted({(kept, member) for _, member, kept, _ in plan} | {
        (representative, member) for _, member, _, representative in plan if representative != member
    })
    involved = sorted({index for pair in pairs for index in pair})
    local = {index: place for place, index in enumerate(involved)}
    verdicts = dict(zip(pairs, judge_pairs(
        [cleaned[index] for index in involved], [(local[a], local[b]) for a, b in pairs], settings
    )))
    dropped = []
    for number, member, kept, representative in plan:
        against, verdict = kept, verdicts[(kept, member)]
        if not verdict.duplicate and representative not in (kept, member):
            against, verdict = representative, verdicts[(representative, member)]
        dropped.append(
            Dropped(
                document=cleaned[member].id,
                kept=cleaned[kept].id,
                similarity=verdict.similarity,
                reason=verdict.reason,
                exact=verdict.exact,
                cluster=number,
                verified_against=cleaned[against].id,
            )
        )
    dropped.sort(key=lambda item: position[item.document])
    return dropped


def manifest_line(dropped: Dropped, keep: str) -> str:
    """One JSONL line of the drop manifest."""
    return json.dumps(
        {
            "dropped": dropped.document,
            "duplicate_of": dropped.kept,
            "similarity": dropped.similarity,
            "reason": dropped.reason,
            "exact": dropped.exact,
            "cluster": dropped.cluster,
            "keep": keep,
            "verified_against": dropped.verified_against,
        },
        ensure_ascii=False,
    )
