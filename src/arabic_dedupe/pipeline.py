"""The order of the stages, written once: clean, fingerprint, candidates, verify, cluster.

`scan_documents` turns documents into a Report; each stage is a pure function of the
previous stage's output, timed, so the report can say where the time went. A corpus of
COMPACT_FROM documents or more goes through the same stages streamed (streaming.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import collections
import contextlib
import functools
import itertools
import time
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence

import numpy

from arabic_dedupe import candidates, packed, verify
from arabic_dedupe.boilerplate import (
    HashedLines,
    clean_document,
    count_site_line_hashes,
    hashed_site_boilerplate,
    split_paragraphs,
)
from arabic_dedupe.cluster import star_clusters
from arabic_dedupe.config import Settings
from arabic_dedupe.model import (
    ArticleCluster,
    CleanDocument,
    Document,
    Paragraph,
    ParagraphCluster,
    ParagraphCopy,
    Report,
    Skipped,
)
from arabic_dedupe.normalize import collapse_whitespace, normalize_many
from arabic_dedupe.processes import (
    collection_paused,
    forked_pool,
    inherited_here,
    pair_measurer,
    pair_similarities,
    release_freed_memory,
)
from arabic_dedupe.verify import LEDE_CHARACTERS, LEDE_MIN_WORDS, LEDE_NEEDLE, DocumentComparer, ParagraphComparer
from arabic_dedupe.signature import (
    Fingerprints,
    Permutations,
    concatenate,
    fingerprint,
    load_compiled_kernel,
)

# A paragraph found in more documents than this is site furniture that escaped the
# boilerplate stage (or a stock sentence); it still forms a paragraph cluster, but it does
# not make all those documents candidate duplicates of each other.
MAX_DOCUMENTS_PER_SHARED_PARAGRAPH = 50
SNIPPET_CHARACTERS = 120
# Documents fingerprinted together: large enough for vectorization to pay, small enough
# that the temporary arrays stay in memory the process already has.
BATCH_DOCUMENTS = 500
# The in-memory scan hands its workers larger batches: each batch's result is pickled
# and piped back, and on SaudiNewsNet half as many round trips took 0.18 s off the scan
# (2,000 gained nothing more); the index keeps BATCH_DOCUMENTS, its commit size.
IN_MEMORY_BATCH_DOCUMENTS = 1_000
# From this many documents a scan streams and keeps them packed (see scan_documents):
# below it the full records fit in memory easily, and packing would only cost time.
COMPACT_FROM = 50_000
# Paragraph pairs cost about 1.5 us each (verify.pair_overlaps counts them all at once):
# SaudiNewsNet's 54,000 were measured in 0.08 s here against 0.21 s with forked workers.
PARALLEL_PARAGRAPH_PAIRS = 500_000
# A corpus this large (characters) has many batches for the compiled fingerprint kernel;
# its load (about 0.3 s) is paid once in the parent, while the workers count site lines,
# and the workers that prepare are forked after it.
PRELOAD_KERNEL_CHARACTERS = 5_000_000


def clean_documents(documents: list[Document], strip_boilerplate: bool) -> list[CleanDocument]:
    """Boilerplate stage over a corpus: count lines per site, then clean each document."""
    site_lines = corpus_boilerplate([documents], strip_boilerplate)
    return clean_batch(documents, site_lines, strip_boilerplate)


def corpus_boilerplate(
    batches: Sequence[list[Document]],
    strip_boilerplate: bool,
    counted: Iterable[dict[str, tuple[numpy.ndarray, numpy.ndarray]]] | None = None,
) -> dict[str, HashedLines]:
    """Lines that repeat across a site's documents: counted per batch, merged, thresholded.

    The counting is a map-reduce: `counted`, the count_site_line_hashes of each batch, may
    come from worker processes (or Spark), so no process needs the whole corpus in memory
    at once; without it each batch is counted here.
    """
    if not strip_boilerplate:
        return {}
    counts: dict[str, list[tuple[numpy.ndarray, numpy.ndarray]]] = {}
    per_site: Counter = Counter()
    for batch_counts in counted if counted is not None else map(count_site_line_hashes, batches):
        for site, arrays in batch_counts.items():
            counts.setdefault(site, []).append(arrays)
    for batch in batches:
        per_site.update(document.site for document in batch)
    return hashed_site_boilerplate(counts, dict(per_site))


def lines_of_sites(documents: Iterable[Document], site_lines: dict) -> dict:
    """The site lines of the sites these documents come from: what a worker cleaning them
    needs, rather than every site's."""
    return {site: site_lines[site] for site in {document.site for document in documents} if site in site_lines}


def clean_batch(
    documents: list[Document], site_lines: Mapping[str, Container[str]], strip_boilerplate: bool
) -> list[CleanDocument]:
    if not strip_boilerplate:
        return [_unstripped(document) for document in documents]
    return [clean_document(document, site_lines.get(document.site, frozenset())) for document in documents]


@dataclass(frozen=True)
class Prepared:
    """Documents after the per-document stages: cleaned, matching forms, fingerprints."""

    cleaned: list[CleanDocument]
    forms: list[list[str]]
    fingerprints: Fingerprints
    seconds: dict[str, float]


def prepare_batch(
    documents: list[Document], site_lines: Mapping[str, Container[str]], settings: Settings
) -> Prepared:
    """The per-document stages for one batch: clean, normalize, fingerprint (pure)."""
    stopwatch = Stopwatch()
    cleaned = clean_batch(documents, site_lines, settings.strip_boilerplate)
    stopwatch.lap("boilerplate")
    forms = matching_forms(cleaned, settings.normalize)
    stopwatch.lap("normalize")
    permutations = Permutations.create(settings.num_perm, settings.seed)
    prints = fingerprint(forms, shingle_size=settings.shingle_size, permutations=permutations)
    stopwatch.lap("signatures")
    # The original text is not needed after cleaning; dropping it halves what travels
    # back from a worker and what the scan keeps in memory.
    light = [CleanDocument(replace(item.document, text=""), item.paragraphs, item.removed) for item in cleaned]
    return Prepared(light, forms, prints, stopwatch.seconds)


def _resolve(batch: list[Document] | range) -> list[Document]:
    return inherited_here()[batch.start : batch.stop] if isinstance(batch, range) else batch


def _count_job(batch: list[Document] | range) -> dict[str, tuple[numpy.ndarray, numpy.ndarray]]:
    return count_site_line_hashes(_resolve(batch))


def _prepare_job(job: tuple[list[Document] | range, dict[str, HashedLines], Settings, Callable | None]):
    batch, site_lines, settings, finish = job
    documents = _resolve(batch)
    prepared = prepare_batch(documents, site_lines, settings)
    return prepared if finish is None else finish(prepared, documents)


def _batches(documents: list[Document], size: int = BATCH_DOCUMENTS) -> list[list[Document]]:
    return [documents[start : start + size] for start in range(0, len(documents), size)]


def prepared_batches(
    documents: list[Document],
    settings: Settings,
    *,
    jobs: int = 1,
    finish: Callable | None = None,
    batch_documents: int = BATCH_DOCUMENTS,
) -> Iterator:
    """Prepare each batch of `batch_documents` documents over `jobs` processes, yielding
    in batch order.

    Site boilerplate is counted over all batches first (a map-reduce). `finish`, a
    picklable function of a Prepared batch and the batch's documents as read, runs in the
    worker too (the index turns a batch into stored records there), so only its result
    travels back.
    """
    batches = _batches(documents, batch_documents)
    if jobs <= 1 or len(batches) <= 1:
        site_lines = corpus_boilerplate(batches, settings.strip_boilerplate)
        yield from map(_prepare_job, [(batch, lines_of_sites(batch, site_lines), settings, finish) for batch in batches])
        return
    starts = range(0, len(documents), batch_documents)
    references = [range(start, start + len(batch)) for start, batch in zip(starts, batches)]
    preload = sum(len(document.text) for document in documents) >= PRELOAD_KERNEL_CHARACTERS
    executor = forked_pool(jobs, documents)
    try:
        counted = executor.map(_count_job, references) if settings.strip_boilerplate else None
        if preload:
            # While the workers count site lines, this process loads the kernel; the
            # workers that prepare are forked after it, and inherit it.
            load_compiled_kernel()
        site_lines = corpus_boilerplate(batches, settings.strip_boilerplate, counted)
        if preload:
            executor.shutdown()
            executor = forked_pool(jobs, documents)
        jobs_list = [
            (reference, lines_of_sites(batch, site_lines), settings, finish)
            for reference, batch in zip(references, batches)
        ]
        yield from executor.map(_prepare_job, jobs_list)
    finally:
        executor.shutdown(cancel_futures=True)


def prepare(
    documents: list[Document],
    settings: Settings,
    *,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Prepared:
    """Clean, normalize and fingerprint every document, in batches over `jobs` processes."""
    results = []
    for result in prepared_batches(documents, settings, jobs=jobs):
        results.append(result)
        if progress is not None:
            progress(len(result.cleaned))
    if not results:
        results = [prepare_batch([], {}, settings)]
    seconds: Counter = Counter()
    for result in results:
        seconds.update(result.seconds)
    return Prepared(
        cleaned=[document for result in results for document in result.cleaned],
        forms=[form for result in results for form in result.forms],
        fingerprints=concatenate([result.fingerprints for result in results]),
        seconds={stage: round(value, 4) for stage, value in seconds.items()},
    )


def _unstripped(document: Document) -> CleanDocument:
    paragraphs = split_paragraphs(document.text, document.first_line)
    return CleanDocument(
        document, tuple(Paragraph(index, text, line) for index, (text, line) in enumerate(paragraphs))
    )


def matching_forms(cleaned: list[CleanDocument], use_normalizer: bool) -> list[list[str]]:
    """The matching form of every kept paragraph (the original text stays untouched)."""
    if not use_normalizer:
        return [[collapse_whitespace(paragraph.text) for paragraph in document.paragraphs] for document in cleaned]
    return [
        [paragraph.form for paragraph in document.paragraphs]
        if all(paragraph.form for paragraph in document.paragraphs)
        else normalize_many([paragraph.text for paragraph in document.paragraphs])
        for document in cleaned
    ]


def paragraph_clusters(
    fingerprints: Fingerprints,
    forms: Sequence[list[str]],
    settings: Settings,
    jobs: int = 1,
    band_keys: numpy.ndarray | None = None,
) -> list[tuple[list[int], float, bool]]:
    """Clusters of near-identical paragraph rows (at least the minimum length).

    Returns (member rows, smallest similarity to the representative, all exact) per cluster.
    Candidate pairs are measured over `jobs` processes when there are enough of them
    (PARALLEL_PARAGRAPH_PAIRS). `band_keys` are the rows'
    paired_band_keys, when workers have made them already.
    """
    eligible = numpy.flatnonzero(fingerprints.paragraph_lengths >= settings.paragraph_min_chars)
    edges: dict[tuple[int, int], float] = {}
    exact_groups = candidates.equal_key_groups(fingerprints.paragraph_hashes[eligible], eligible)
    is_head = numpy.zeros(len(fingerprints.paragraph_lengths), dtype=bool)
    is_head[eligible] = True
    for group in exact_groups:
        head = int(group[0])
        for member in group[1:].tolist():
            edges[(head, member)] = 1.0
        is_head[group[1:]] = False
    heads = numpy.flatnonzero(is_head)
    if band_keys is None:
        band_keys = paired_band_keys(fingerprints, settings)
    pairs = candidates.pairs_from_keys(band_keys[heads], heads)

    comparer = ParagraphComparer(fingerprints, forms, settings)
    measuring_jobs = jobs if len(pairs) >= PARALLEL_PARAGRAPH_PAIRS else 1
    for (first, second), value in zip(pairs.tolist(), pair_similarities(comparer, pairs, measuring_jobs)):
        if value is not None:
            edges[(first, second)] = value
    stars = star_clusters(len(fingerprints.paragraph_lengths), edges, verify=comparer.similarity_if_duplicate)
    result = []
    paragraph_hashes = fingerprints.paragraph_hashes.tolist()
    for representative, members, similarities in stars:
        hashes = {paragraph_hashes[row] for row in members}
        others = [value for member, value in zip(members, similarities) if member != representative]
        result.append((members, min(others), len(hashes) == 1))
    return result


@contextlib.contextmanager
def _pair_values(comparer, settings: Settings, prints: Fingerprints, jobs: int, caller_busy: bool = False):
    """Yields `measure(pairs)` (processes.pair_measurer): the value detect gives each
    document pair, its verified similarity (None for no duplicate), measured meanwhile;
    or, with verification off, the share of agreeing signature values."""
    if settings.verify:
        with pair_measurer(comparer, jobs, caller_busy=caller_busy) as measure:
            yield measure
        return

    def estimate(pairs: numpy.ndarray) -> Callable[[], list]:
        agreeing = prints.document_signatures[pairs[:, 0]] == prints.document_signatures[pairs[:, 1]]
        estimates = [round(float(estimate), 4) for estimate in agreeing.mean(axis=1)]
        return lambda: estimates

    yield estimate


class Stopwatch:
    """Accumulates seconds per stage name, for the report's stats."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + now - self.clock, 4)
        self.clock = now


def fingerprint_documents(forms: list[list[str]], settings: Settings) -> Fingerprints:
    """Signatures of documents given by their paragraphs' matching forms, in batches."""
    permutations = Permutations.create(settings.num_perm, settings.seed)
    return concatenate(
        [
            fingerprint(forms[start : start + BATCH_DOCUMENTS], shingle_size=settings.shingle_size, permutations=permutations)
            for start in range(0, max(len(forms), 1), BATCH_DOCUMENTS)
        ]
    )


def candidate_pairs(
    fingerprints: Fingerprints,
    paragraph_groups: list[tuple[list[int], float, bool]],
    settings: Settings,
) -> tuple[list[numpy.ndarray], set[tuple[int, int]]]:
    """Exact-duplicate groups, and the document pairs worth verifying.

    Exact copies (same matching text) are grouped first and only their first member takes
    part further. Pairs come from LSH on document signatures and from sharing a repeated
    paragraph: an abridged copy has low Jaccard similarity (LSH may miss it) but keeps
    whole paragraphs of its source.
    """
    exact_groups, head_of, pairs = similar_signature_pairs(fingerprints, settings)
    return exact_groups, pairs | shared_paragraph_pairs(fingerprints, paragraph_groups, head_of)


def similar_signature_pairs(
    fingerprints: Fingerprints, settings: Settings
) -> tuple[list[numpy.ndarray], dict[int, int], set[tuple[int, int]]]:
    """The exact-duplicate groups, the first member of each group's other members (by
    document), and the LSH pairs among documents that head a group or have no copy."""
    has_text = numpy.flatnonzero(fingerprints.has_text)
    exact_groups = candidates.equal_key_groups(fingerprints.text_hashes[has_text], has_text)
    head_of = {int(member): int(group[0]) for group in exact_groups for member in group[1:]}
    head_rows = numpy.array([row for row in has_text.tolist() if row not in head_of], dtype=numpy.int64)
    pairs = {
        tuple(pair)
        for pair in candidates.lsh_candidates(
            fingerprints.document_signatures, head_rows, settings.bands, settings.rows_per_band
        ).tolist()
    }
    return exact_groups, head_of, pairs


def shared_paragraph_pairs(
    fingerprints: Fingerprints, paragraph_groups: list[tuple[list[int], float, bool]], head_of: dict[int, int]
) -> set[tuple[int, int]]:
    """Pairs of documents (heads of exact groups) that share a repeated paragraph, unless
    more than MAX_DOCUMENTS_PER_SHARED_PARAGRAPH do."""
    document_of_row = fingerprints.document_of_paragraph
    pairs: set[tuple[int, int]] = set()
    for rows, _, _ in paragraph_groups:
        owners = sorted({head_of.get(int(document_of_row[row]), int(document_of_row[row])) for row in rows})
        if 1 < len(owners) <= MAX_DOCUMENTS_PER_SHARED_PARAGRAPH:
            pairs.update((a, b) for position, a in enumerate(owners) for b in owners[position + 1 :])
    return pairs


@collection_paused()
def scan_documents(
    documents: Iterable[Document],
    settings: Settings = Settings(),
    skipped: Sequence[Skipped] = (),
    *,
    jobs: int = 1,
    progress: Callable[..., None] | None = None,
    compact: bool | None = None,
    reread: Callable[[], Iterable[Document]] | None = None,
    keep_texts: bool = True,
) -> tuple[Report, Sequence[CleanDocument]]:
    """Find duplicate articles and repeated paragraphs; return the report and the cleaned documents.

    `jobs` worker processes run the per-document stages; `progress` is called with the
    number of documents finished after each batch (and with `total=` once the number of
    documents is known). The cleaned documents keep their paragraphs but not the
    original text.

    From COMPACT_FROM documents on (or with `compact`), the scan streams: `documents` is
    consumed once, batch by batch, and each prepared document is kept packed (packed.py);
    only those that share a key with another are rebuilt for `detect`. Same report, a
    fraction of the memory. `skipped` is read when the documents have been consumed, so
    a reader may still be adding to it while it yields them. `reread`, a function that
    yields the same documents again (from files, say), lets a streamed scan read them a
    second time instead of keeping their texts compressed between its two passes.
    Without `keep_texts` a streamed scan returns only the cleaned documents that share a
    key with another (every member of a cluster is one) and lets go of the other texts
    as soon as it knows which those are.
    """
    if compact is None:
        iterator = iter(documents)
        head = list(itertools.islice(iterator, COMPACT_FROM))
        compact = len(head) == COMPACT_FROM
        documents = itertools.chain(head, iterator) if compact else head
        del head
    if compact:
        # Imported here: the streamed scan is built on this module's stages.
        from arabic_dedupe.streaming import scan_streamed

        return scan_streamed(
            documents, settings, skipped, jobs=jobs, progress=progress, reread=reread, keep_texts=keep_texts
        )
    stopwatch = Stopwatch()
    documents = list(documents)
    if progress is not None:
        progress(0, total=len(documents))
    seconds: Counter = Counter()
    texts, forms, prints, keys = [], [], [], []
    finish = functools.partial(_in_memory_job, settings=settings)
    done = 0
    for part, part_forms, part_prints, part_keys, part_seconds in prepared_batches(
        documents, settings, jobs=jobs, finish=finish, batch_documents=IN_MEMORY_BATCH_DOCUMENTS
    ):
        # A batch comes back without its documents (_in_memory_job): they are these, as read.
        texts.append(replace(part, documents=tuple(documents[done : done + len(part.blobs)])))
        done += len(part.blobs)
        forms.append(part_forms)
        prints.append(part_prints)
        keys.append(part_keys)
        seconds.update(part_seconds)
        if progress is not None:
            progress(len(part.blobs))
    if not texts:  # no documents: one empty batch, so the arrays have their shapes
        empty = _in_memory_job(prepare_batch([], {}, settings), [], settings)
        texts, forms, prints, keys = [empty[0]], [empty[1]], [empty[2]], [empty[3]]
    cleaned = packed.join(texts)
    stopwatch.lap("prepare")
    # Per-stage seconds of the per-document stages, summed over the worker processes.
    stopwatch.seconds.update({stage: round(value, 4) for stage, value in seconds.items()})
    report = detect(
        cleaned,
        packed.join_forms(forms),
        concatenate(prints),
        settings,
        skipped=tuple(skipped),
        stopwatch=stopwatch,
        documents=cleaned.documents,
        jobs=jobs,
        paragraph_band_keys=numpy.concatenate(keys),
    )
    return report, cleaned


def _in_memory_job(
    prepared: Prepared, documents: list[Document], settings: Settings
) -> tuple[packed.PackedDocuments, packed.PackedForms, Fingerprints, numpy.ndarray, dict[str, float]]:
    """A prepared batch as it travels back from a worker: the cleaned texts packed,
    uncompressed (bytes and strings cross processes far faster than paragraph objects,
    and a corpus this size can hold its texts) and by reference to the `documents` as
    read where they can be, the matching forms packed, the fingerprints without their
    paragraph signatures, and instead the band keys that paragraphs are paired by (half
    the bytes, and made in the workers)."""
    stopwatch = Stopwatch()
    # The parent holds the documents as read: sending them back would only cost it the
    # unpickling of every one (0.35 s of SaudiNewsNet's 30,676); the texts refer to them.
    texts = packed.pack(prepared, settings, with_keys=False, compress=False, originals=documents)
    texts = replace(texts, documents=())
    prints = prepared.fingerprints
    keys = paired_band_keys(prints, settings)
    prints = replace(prints, paragraph_signatures=numpy.zeros((len(prints.paragraph_lengths), 0), dtype=numpy.uint32))
    stopwatch.lap("pack")
    return texts, packed.PackedForms.of(prepared.forms), prints, keys, {**prepared.seconds, **stopwatch.seconds}


def paired_band_keys(prints: Fingerprints, settings: Settings) -> numpy.ndarray:
    """The LSH band keys paragraph_clusters pairs paragraph rows by (one column per band of
    the first settings.paragraph_bands)."""
    return candidates.band_keys(prints.paragraph_signatures, settings.paragraph_bands, settings.rows_per_band)


def with_paired_bands_only(prints: Fingerprints, settings: Settings) -> Fingerprints:
    """`prints` keeping of each paragraph signature only the columns paragraph_clusters
    pairs paragraphs by (the first settings.paragraph_bands bands): all detect reads."""
    kept_columns = settings.paragraph_bands * settings.rows_per_band
    return replace(prints, paragraph_signatures=numpy.ascontiguousarray(prints.paragraph_signatures[:, :kept_columns]))


def detect(
    cleaned: Sequence[CleanDocument],
    forms: Sequence[list[str]],
    fingerprints: Fingerprints,
    settings: Settings,
    *,
    skipped: tuple[Skipped, ...] = (),
    new: numpy.ndarray | None = None,
    stopwatch: Stopwatch | None = None,
    documents: Sequence[Document] | None = None,
    jobs: int = 1,
    paragraph_band_keys: numpy.ndarray | None = None,
) -> Report:
    """Candidates, verification and clustering over fingerprinted documents.

    Candidate pairs of paragraphs and of documents are measured over `jobs` processes.
    `paragraph_band_keys` (paired_band_keys of the fingerprints) stand in for the
    paragraph signatures when the workers that fingerprinted made them.

    With `new` (a boolean per document), only clusters holding at least one new document
    are reported: the others are documents already known to an index. `documents` (the
    Document of each cleaned one) spares going through `cleaned` when that is packed.
    """
    stopwatch = stopwatch or Stopwatch()
    lap = stopwatch.lap
    if documents is None:
        documents = [document.document for document in cleaned]
    document_of_row = fingerprints.document_of_paragraph
    count = len(documents)

    def worth_verifying(pairs: set[tuple[int, int]]) -> numpy.ndarray:
        if new is not None:
            # Two indexed documents were compared when they were added.
            pairs = {(first, second) for first, second in pairs if new[first] or new[second]}
        return numpy.array(sorted(pairs), dtype=numpy.int64).reshape(-1, 2)

    # The document pairs LSH proposes are measured by worker processes while this one
    # clusters paragraphs (so the stats count both, and LSH, as "paragraphs"); the pairs
    # only a shared paragraph proposes come after.
    exact_groups, head_of, similar = similar_signature_pairs(fingerprints, settings)
    similar_pairs = worth_verifying(similar)
    comparer = DocumentComparer(fingerprints, forms, settings)
    with _pair_values(comparer, settings, fingerprints, jobs, caller_busy=settings.paragraphs) as measure:
        similar_values = measure(similar_pairs)
        paragraph_groups = (
            paragraph_clusters(fingerprints, forms, settings, jobs, paragraph_band_keys) if settings.paragraphs else []
        )
        release_freed_memory()
        lap("paragraphs")
        shared_pairs = worth_verifying(shared_paragraph_pairs(fingerprints, paragraph_groups, head_of) - similar)
        lap("candidates")
        shared_values = measure(shared_pairs)
        measured = dict(zip(map(tuple, similar_pairs.tolist()), similar_values()))
        measured.update(zip(map(tuple, shared_pairs.tolist()), shared_values()))
    edges: dict[tuple[int, int], float] = {
        (int(group[0]), int(member)): 1.0 for group in exact_groups for member in group[1:]
    }
    verified = 0
    for pair in sorted(measured):
        if measured[pair] is not None:
            edges[pair] = measured[pair]
            verified += 1
    lap("verify")

    stars = star_clusters(
        count,
        edges,
        verify=comparer.similarity_if_duplicate if settings.verify else None,
    )
    article_clusters = []
    for representative, members, similarities in stars:
        others = [value for member, value in zip(members, similarities) if member != representative]
        hashes = {int(fingerprints.text_hashes[member]) for member in members}
        texts, _ = packed.kept_paragraphs(cleaned, representative)
        article_clusters.append(
            ArticleCluster(
                members=tuple(documents[member].id for member in members),
                representative=documents[representative].id,
                min_similarity=min(others),
                exact=len(hashes) == 1,
                similarities=tuple(similarities),
                snippet=texts[0][:SNIPPET_CHARACTERS] if texts else "",
            )
        )
    lap("cluster")

    paragraph_report = _paragraph_report(paragraph_groups, fingerprints, cleaned, documents, document_of_row)
    lap("paragraphs")
    if new is not None:
        new_ids = {documents[index].id for index in numpy.flatnonzero(new)}
        article_clusters = [cluster for cluster in article_clusters if new_ids.intersection(cluster.members)]
        paragraph_report = [
            cluster for cluster in paragraph_report if new_ids.intersection(copy.document for copy in cluster.members)
        ]
        count = len(new_ids)

    duplicates = sum(len(cluster.members) - 1 for cluster in article_clusters)
    stats = {
        "documents": count,
        "skipped": len(skipped),
        "article_clusters": len(article_clusters),
        "duplicate_documents": duplicates,
        "duplicate_rate": round(duplicates / count, 6) if count else 0.0,
        "exact_duplicate_documents": sum(len(group) - 1 for group in exact_groups),
        "paragraph_clusters": len(paragraph_report),
        "repeated_paragraph_copies": sum(len(cluster.members) - 1 for cluster in paragraph_report),
        "boilerplate_paragraphs_removed": removed_paragraphs(cleaned),
        "candidate_pairs": len(measured),
        "verified_pairs": verified,
        "seconds": stopwatch.seconds,
    }
    parameters = {
        **settings.as_parameters(),
        "max_bucket": candidates.MAX_BUCKET,
        "max_documents_per_shared_paragraph": MAX_DOCUMENTS_PER_SHARED_PARAGRAPH,
        "lede_min_words": LEDE_MIN_WORDS,
        "lede_characters": LEDE_CHARACTERS,
        "lede_needle": LEDE_NEEDLE,
        "numbers_found": verify.NUMBERS_FOUND,
        "short_text_shingles": verify.SHORT_TEXT_SHINGLES,
        "short_text_ratio": verify.SHORT_TEXT_RATIO,
    }
    reported = range(len(documents)) if new is None else numpy.flatnonzero(new).tolist()
    empty = numpy.diff(fingerprints.paragraph_bounds) == 0
    report = Report(
        documents=count,
        article_clusters=tuple(article_clusters),
        paragraph_clusters=tuple(paragraph_report),
        parameters=parameters,
        stats=stats,
        skipped=tuple(skipped),
        warnings=warnings_of([documents[index] for index in reported], empty[reported]),
    )
    return report


def removed_paragraphs(cleaned: Sequence[CleanDocument]) -> int:
    """Paragraphs the boilerplate stage removed from these documents. A packed corpus
    keeps the count per document: unpacking every text to count would take longer than
    verifying its pairs."""
    if packed.is_packed(cleaned):
        return int(cleaned.removed_counts.sum())
    return sum(len(document.removed) for document in cleaned)


def warnings_of(documents: Sequence[Document], empty: Sequence[bool]) -> tuple[str, ...]:
    """What the reader said about each document, and documents that cleaning emptied."""
    warnings = [warning for document in documents for warning in document.warnings]
    warnings += [
        f"{document.id}: no text left after cleaning (only marks, page furniture or blank lines); "
        "it takes no part in matching. Check the file."
        for document, is_empty in zip(documents, empty)
        if is_empty
    ]
    return tuple(warnings)


def _paragraph_report(
    groups: list[tuple[list[int], float, bool]],
    fingerprints: Fingerprints,
    cleaned: Sequence[CleanDocument],
    documents: Sequence[Document],
    document_of_row: numpy.ndarray,
) -> list[ParagraphCluster]:
    """Paragraph clusters as reported: cross-document groups plus repeats inside a document.

    A paragraph the boilerplate stage removed as a repeat points at the kept paragraph's
    index and at its own input line; it joins the kept paragraph's cluster if there is one.
    """
    clusters: list[tuple[list[ParagraphCopy], float, bool, str]] = []
    cluster_of_copy: dict[tuple[int, int], int] = {}
    located = [
        [(int(document_of_row[row]), int(row - fingerprints.paragraph_bounds[document_of_row[row]])) for row in rows]
        for rows, _, _ in groups
    ]
    # Input lines of every copy and the text of each cluster's first copy, read document by
    # document: a packed `cleaned` unpacks each document once and keeps none of them.
    wanted: dict[int, set[int]] = collections.defaultdict(set)
    for copies in located:
        for document, index in copies:
            wanted[document].add(index)
    first_copies = {copies[0] for copies in located}
    line_of, text_of = {}, {}
    for document in sorted(wanted):
        texts, lines = packed.kept_paragraphs(cleaned, document)
        for index in wanted[document]:
            line_of[(document, index)] = lines[index]
            if (document, index) in first_copies:
                text_of[(document, index)] = texts[index]
    for copies, (_, min_similarity, exact) in zip(located, groups):
        for copy in copies:
            cluster_of_copy[copy] = len(clusters)
        clusters.append(
            (
                [ParagraphCopy(documents[document].id, index, line_of[(document, index)]) for document, index in copies],
                min_similarity,
                exact,
                text_of[copies[0]],
            )
        )
    with_repeats = (
        numpy.flatnonzero(cleaned.repeats).tolist()
        if packed.is_packed(cleaned)
        else range(len(cleaned))
    )
    for document in with_repeats:
        clean = cleaned[document]
        for removal in clean.removed:
            if removal.duplicate_of is None:
                continue
            # A removed repeat is the same text, or (lede-prefix) wholly contained in the
            # kept paragraph: its similarity, as overlap over the smaller side, is 1.
            copy = ParagraphCopy(clean.id, removal.duplicate_of, removal.line)
            exact = removal.reason == "repeated"
            position = cluster_of_copy.get((document, removal.duplicate_of))
            if position is None:
                kept = clean.paragraphs[removal.duplicate_of]
                position = len(clusters)
                cluster_of_copy[(document, removal.duplicate_of)] = position
                clusters.append(([ParagraphCopy(clean.id, kept.index, kept.line)], 1.0, True, kept.text))
            copies, min_similarity, all_exact, text = clusters[position]
            clusters[position] = (copies + [copy], min_similarity, all_exact and exact, text)
    report = []
    for copies, min_similarity, exact, text in clusters:
        members = tuple(sorted(copies, key=lambda copy: (copy.document, copy.line)))
        report.append(ParagraphCluster(members=members, text=text, min_similarity=min_similarity, exact=exact))
    return report
