"""The streamed scan of a large corpus: two passes over the inputs, packed records, and
detection over only the documents that share a key with another.

`pipeline.scan_documents` hands a corpus of COMPACT_FROM documents or more to
`scan_streamed`. The stages are the pipeline's own (prepare_batch, detect); what this
module adds is how the corpus moves: batches to forked workers with few in flight, site
lines counted by hash, every prepared document packed (packed.py), the meeting documents
rebuilt, bounded caches, and freed memory handed back between stages.
"""

from __future__ import annotations

import collections
import functools
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

import numpy

from arabic_dedupe import packed
from arabic_dedupe.boilerplate import HashedLines, count_site_line_hashes, hashed_site_boilerplate
from arabic_dedupe.config import Settings
from arabic_dedupe.model import CleanDocument, Document, Report, Skipped
from arabic_dedupe.pipeline import (
    BATCH_DOCUMENTS,
    Stopwatch,
    detect,
    lines_of_sites,
    matching_forms,
    prepare_batch,
    warnings_of,
    with_paired_bands_only,
)
from arabic_dedupe.processes import ordered_pool, release_freed_memory
from arabic_dedupe.recent import RecentCache
from arabic_dedupe.signature import (
    Fingerprints,
    Permutations,
    concatenate,
    fingerprint,
    load_compiled_kernel,
)

# A streamed scan returns freed memory to the system this often (in batches received).
RELEASE_EVERY_BATCHES = 100


def scan_streamed(
    documents: Iterable[Document],
    settings: Settings,
    skipped: Sequence[Skipped],
    *,
    jobs: int,
    progress: Callable[..., None] | None,
    reread: Callable[[], Iterable[Document]] | None = None,
    keep_texts: bool = True,
) -> tuple[Report, Sequence[CleanDocument]]:
    """scan_documents in two streaming passes over worker processes, holding packed records.

    First pass: each batch's site lines are counted, and unless the documents can be read
    again (`reread`), its texts compressed (stowed). Second pass: each batch, read again
    or unstowed, is cleaned, fingerprinted and packed. No more than a few batches are ever
    in flight, so the documents as read are never all in memory.
    """
    stopwatch = Stopwatch()
    seconds: Counter = Counter()
    load_compiled_kernel()
    with ordered_pool(jobs) as run:
        counts: dict[str, list[tuple[numpy.ndarray, numpy.ndarray]]] = {}
        per_site: Counter = Counter()
        stowed: collections.deque[packed.StowedDocuments] = collections.deque()
        count_job = functools.partial(_count_and_stow, strip_boilerplate=settings.strip_boilerplate, stow=reread is None)
        for batch_counts, sites, batch in run(count_job, _in_batches(documents)):
            for site, arrays in batch_counts.items():
                counts.setdefault(site, []).append(arrays)
            per_site.update(sites)
            if batch is not None:
                stowed.append(batch)
        site_lines = hashed_site_boilerplate(counts, per_site)
        del counts
        release_freed_memory()
        if progress is not None:
            progress(0, total=sum(per_site.values()))
        stopwatch.lap("site lines")

        def second_pass() -> Iterator[packed.StowedDocuments | list[Document]]:
            if reread is not None:
                yield from _in_batches(reread())
            # Each stowed batch leaves this process's memory as it goes to a worker.
            while stowed:
                yield stowed.popleft()

        def handed_over() -> Iterator[tuple]:
            for batch in second_pass():
                documents = batch.documents if isinstance(batch, packed.StowedDocuments) else batch
                yield batch, lines_of_sites(documents, site_lines), settings

        def prepared_parts() -> Iterator[packed.PackedDocuments]:
            yield packed.pack(prepare_batch([], {}, settings), settings)  # the empty corpus
            for number, (part, part_seconds) in enumerate(run(_prepare_stowed_job, handed_over()), 1):
                seconds.update(part_seconds)
                if progress is not None:
                    progress(len(part))
                if number % RELEASE_EVERY_BATCHES == 0:
                    release_freed_memory()
                yield part

        corpus = packed.join(prepared_parts())
    stopwatch.lap("prepare")
    stopwatch.seconds.update({stage: round(value, 4) for stage, value in seconds.items()})
    release_freed_memory()
    meeting = packed.meeting_documents(corpus)
    if not keep_texts:
        corpus = corpus.keeping(meeting)
        release_freed_memory()
    cleaned = corpus.view(meeting)
    forms = LazyForms(cleaned, settings.normalize)
    fingerprints = _lean_fingerprints(cleaned, settings)
    release_freed_memory()
    stopwatch.lap("rebuild")
    report = detect(
        cleaned,
        forms,
        fingerprints,
        settings,
        skipped=tuple(skipped),
        stopwatch=stopwatch,
        documents=cleaned.documents,
        # Pairs are measured in this process: workers forked from a parent holding a
        # million packed documents each build caches of their own, and on 1M generated
        # documents measuring in them saved 9 s of 210 for 1.5 GiB more memory in all.
    )
    count = len(corpus)
    duplicates = report.stats["duplicate_documents"]
    stats = {
        **report.stats,
        "documents": count,
        "duplicate_rate": round(duplicates / count, 6) if count else 0.0,
        "boilerplate_paragraphs_removed": int(corpus.removed_counts.sum()),
        "rebuilt_documents": len(meeting),
    }
    warnings = warnings_of(corpus.documents, corpus.paragraph_counts == 0)
    return replace(report, documents=count, stats=stats, warnings=warnings), corpus if keep_texts else cleaned


def _lean_fingerprints(cleaned: Sequence[CleanDocument], settings: Settings) -> Fingerprints:
    """Fingerprints of documents unpacked a batch at a time, keeping of each paragraph's
    signature only the bands paragraph_clusters pairs by."""
    permutations = Permutations.create(settings.num_perm, settings.seed)

    def batches() -> Iterator[Fingerprints]:
        for start in range(0, max(len(cleaned), 1), BATCH_DOCUMENTS):
            forms = matching_forms(cleaned[start : start + BATCH_DOCUMENTS], settings.normalize)
            prints = fingerprint(forms, shingle_size=settings.shingle_size, permutations=permutations)
            yield with_paired_bands_only(prints, settings)

    return concatenate(batches())


class LazyForms(Sequence):
    """The matching forms of a sequence of cleaned documents, made when asked for.

    Detection reads few of them (ledes of borderline pairs, short texts), so a packed scan
    does not keep them all, only the recently used (pairs share documents)."""

    def __init__(self, cleaned: Sequence[CleanDocument], use_normalizer: bool) -> None:
        self.cleaned = cleaned
        self.use_normalizer = use_normalizer
        self.cache: RecentCache[list[str]] = RecentCache(4096)

    def __len__(self) -> int:
        return len(self.cleaned)

    def __getitem__(self, position):
        if isinstance(position, slice):
            return [self[index] for index in range(*position.indices(len(self)))]
        return self.cache.get(position, lambda: matching_forms([self.cleaned[position]], self.use_normalizer)[0])


def _in_batches(documents: Iterable[Document]) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while batch := list(itertools.islice(iterator, BATCH_DOCUMENTS)):
        yield batch


def _count_and_stow(
    batch: list[Document], strip_boilerplate: bool, stow: bool
) -> tuple[dict[str, tuple[numpy.ndarray, numpy.ndarray]], list[str], packed.StowedDocuments | None]:
    """A batch's site-line counts, as (line hashes, documents) arrays per site, the site of
    each document, and (with `stow`) the batch stowed for the second pass."""
    hashed = count_site_line_hashes(batch) if strip_boilerplate else {}
    return hashed, [document.site for document in batch], packed.stow(batch) if stow else None


def _prepare_stowed_job(job: tuple[packed.StowedDocuments | list[Document], dict[str, HashedLines], Settings]):
    batch, site_lines, settings = job
    documents = packed.unstow(batch) if isinstance(batch, packed.StowedDocuments) else batch
    prepared = prepare_batch(documents, site_lines, settings)
    stopwatch = Stopwatch()
    result = packed.pack(prepared, settings)
    stopwatch.lap("pack")
    return result, {**prepared.seconds, **stopwatch.seconds}
