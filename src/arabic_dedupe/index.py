"""The persistent, incremental index: add documents, check new ones against them, stats, remove, export.

The index reuses the pipeline: documents are cleaned, normalized and fingerprinted by the
pipeline's own functions, and queries end in `pipeline.detect`. What it adds is storage.

What a document leaves in a store
---------------------------------
- its record: id, site, cleaned paragraphs (text, input line) and its fingerprint slice,
  every array of `Fingerprints` restricted to that document, encoded as raw bytes with
  dtypes fixed here (`encode_fingerprints`); nothing is pickled, so an index file from
  someone else cannot run code. Of each paragraph signature only the columns a scan pairs
  paragraphs by are kept (`pipeline.with_paired_bands_only`, 64 of 128 by default): the
  other half was never read, and an eighth of what an `index add` wrote;
- its bucket keys (unsigned 64-bit), one bucket per:
  * exact text hash (the exact-duplicate fast path),
  * LSH band of the document signature (`candidates.band_keys`),
  * exact hash and LSH band of every paragraph of at least `paragraph_min_chars`, so a
    new article that shares one paragraph with an indexed one is found (a quarter of the
    bands: see `paragraph_bands`).
  Each kind (and each band) is salted differently, so a key of one kind never meets a key
  of another.

A query fingerprints the new documents, collects the indexed documents filed under any of
their keys (at most `candidates.MAX_BUCKET` per bucket, the oldest), rebuilds those as
CleanDocuments and Fingerprints slices, and runs `detect` over stored + new with the new
ones marked: the report lists the clusters holding at least one new document.

Parameters: the index records `Settings.as_parameters()` when it is created. Those that
change what is stored (BUILD_PARAMETERS) must match on every later run; thresholds and the
stage switches only change how a query judges candidates, so a query may change them.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import struct
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy

from arabic_dedupe import candidates
from arabic_dedupe.config import Settings
from arabic_dedupe.errors import StoreError, UsageError
from arabic_dedupe.model import CleanDocument, Document, Paragraph, Report, Skipped
from arabic_dedupe.pipeline import (
    BATCH_DOCUMENTS,
    Prepared,
    detect,
    matching_forms,
    prepare,
    prepared_batches,
    with_paired_bands_only,
)
from arabic_dedupe.processes import collection_paused
from arabic_dedupe.signature import Fingerprints, concatenate, mix64
from arabic_dedupe.stores import Store, StoredDocument, open_store
from arabic_dedupe.stores.batch import RecordBatch, offsets

# Parameters that decide what is stored (signatures, buckets, kept paragraphs): an index
# built with other values holds incomparable fingerprints.
BUILD_PARAMETERS = (
    "shingle_size",
    "num_perm",
    "seed",
    "bands",
    "rows_per_band",
    "paragraph_min_chars",
    "normalize",
    "strip_boilerplate",
    "normalizer_version",
)
# Most prepared batches one commit of `add_documents` takes together.
GROUP_BATCHES = 4
# Salts separating the kinds of bucket keys (arbitrary odd 64-bit constants).
_TEXT_SALT = numpy.uint64(0x243F6A8885A308D3)
_DOCUMENT_BAND_SALT = numpy.uint64(0x13198A2E03707345)
_PARAGRAPH_SALT = numpy.uint64(0xA4093822299F31D1)
_PARAGRAPH_BAND_SALT = numpy.uint64(0x082EFA98EC4E6C89)
# Encoded fingerprint slice: magic, then counts of paragraphs, shingles, numbers,
# permutations (document signature columns) and paragraph signature columns.
_MAGIC = b"ADF2"
_HEADER = struct.Struct("<4sIIIII")
# Earlier versions' magics: their fingerprints hold something else, the index is rebuilt.
_OLD_MAGICS = (b"ADF1",)
# What `check` rebuilds a Settings from, out of the recorded parameters.
_SETTING_NAMES = frozenset(field.name for field in dataclasses.fields(Settings))


@dataclass(frozen=True)
class AddResult:
    """What `add_documents` did: documents written, in how many committed batches."""

    added: int
    batches: int
    indexed: int


# --- parameters --------------------------------------------------------------------------


def parameter_differences(stored: dict, current: dict) -> list[tuple[str, object, object]]:
    """(name, stored value, current value) of every build parameter that differs.

    >>> parameter_differences({"shingle_size": 5, "seed": 1}, {"shingle_size": 4, "seed": 1})
    [('shingle_size', 5, 4)]
    """
    return [
        (name, stored.get(name), current.get(name))
        for name in BUILD_PARAMETERS
        if name in current and stored.get(name) != current.get(name)
    ]


def check_parameters(stored: dict, settings: Settings, location: str) -> None:
    """Refuse to mix signatures built differently, saying what differs.

    >>> check_parameters({**Settings().as_parameters(), "shingle_size": 5}, Settings(shingle_size=4), "news.db")
    Traceback (most recent call last):
    ...
    arabic_dedupe.errors.StoreError: index news.db was built with shingle_size=5, this run uses 4; use the same settings or a new index
    """
    differences = parameter_differences(stored, settings.as_parameters())
    if not differences:
        return
    if len(differences) == 1:
        name, was, now = differences[0]
        detail = f"{name}={_show(was)}, this run uses {_show(now)}"
    else:
        detail = (
            " and ".join(f"{name}={_show(was)}" for name, was, _ in differences)
            + ", this run uses "
            + " and ".join(f"{name}={_show(now)}" for name, _, now in differences)
        )
    raise StoreError(f"index {location} was built with {detail}; use the same settings or a new index")


def _show(value: object) -> str:
    """A parameter value as written on the command line (true, 5, "2.1")."""
    if value is None:
        return "(not recorded)"
    return json.dumps(value)


def open_index(location: str, settings: Settings, *, create: bool) -> Store:
    """Open a store and check it was built with `settings` (an empty store accepts any)."""
    store = open_store(location, create=create)
    try:
        stored = store.parameters()
        if stored is not None:
            check_parameters(stored, settings, location)
    except BaseException:
        store.close()
        raise
    return store


# --- fingerprint slices ------------------------------------------------------------------


def paragraph_columns(settings: Settings) -> int:
    """Columns of each paragraph signature an index keeps: those paragraphs are paired by.

    >>> paragraph_columns(Settings())
    64
    """
    return settings.paragraph_bands * settings.rows_per_band


def encode_fingerprints(fingerprints: Fingerprints, columns: int) -> list[bytes]:
    """Each document's slice of `fingerprints` as bytes: a header, then little-endian arrays,
    the paragraph signatures cut to their first `columns` columns.

    Every array of the batch is converted once and each document takes byte ranges of it
    (a dozen numpy calls per document cost more than the whole batch's conversion).
    """
    num_perm = fingerprints.document_signatures.shape[1]
    columns = min(columns, fingerprints.paragraph_signatures.shape[1])
    text_hashes = fingerprints.text_hashes.astype("<u8", copy=False).tobytes()
    signatures = fingerprints.document_signatures.astype("<u4", copy=False).tobytes()
    paragraph_signatures = numpy.ascontiguousarray(fingerprints.paragraph_signatures[:, :columns], dtype="<u4")
    per_paragraph = [
        (fingerprints.paragraph_lengths.astype("<i8", copy=False).tobytes(), 8),
        (fingerprints.paragraph_words.astype("<i8", copy=False).tobytes(), 8),
        (fingerprints.paragraph_hashes.astype("<u8", copy=False).tobytes(), 8),
        (paragraph_signatures.tobytes(), 4 * columns),
        (numpy.diff(fingerprints.shingle_bounds).astype("<i8", copy=False).tobytes(), 8),
    ]
    shingles = fingerprints.shingles.astype("<u8", copy=False).tobytes()
    numbers = fingerprints.numbers.astype("<u8", copy=False).tobytes()
    paragraph_bounds = fingerprints.paragraph_bounds.tolist()
    shingle_bounds = fingerprints.shingle_bounds.tolist()
    number_bounds = fingerprints.number_bounds.tolist()
    encoded = []
    for document in range(fingerprints.document_count):
        first, last = paragraph_bounds[document], paragraph_bounds[document + 1]
        shingle_first, shingle_last = shingle_bounds[first], shingle_bounds[last]
        number_first, number_last = number_bounds[document], number_bounds[document + 1]
        parts = [
            _HEADER.pack(
                _MAGIC, last - first, shingle_last - shingle_first, number_last - number_first, num_perm, columns
            ),
            text_hashes[8 * document : 8 * document + 8],
            signatures[4 * num_perm * document : 4 * num_perm * (document + 1)],
        ]
        parts += [data[size * first : size * last] for data, size in per_paragraph]
        parts += [shingles[8 * shingle_first : 8 * shingle_last], numbers[8 * number_first : 8 * number_last]]
        encoded.append(b"".join(parts))
    return encoded


def decode_fingerprint(data: bytes, num_perm: int, columns: int, identifier: str = "") -> Fingerprints:
    """A one-document Fingerprints from `encode_fingerprints` bytes; StoreError if damaged
    or written by an earlier version. `columns`: the paragraph signature columns expected."""
    damaged = f"the stored fingerprint of {identifier!r} is damaged"
    if data[:4] in _OLD_MAGICS:
        raise StoreError(
            f"the stored fingerprint of {identifier!r} was written by an earlier version of dedupe "
            f"(format {data[:4].decode()}, this version reads {_MAGIC.decode()}); rebuild the index with this version"
        )
    if len(data) < _HEADER.size:
        raise StoreError(f"{damaged} (too short); remove the document and add it again")
    magic, paragraphs, shingle_count, number_count, stored_perm, stored_columns = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise StoreError(f"{damaged} (unknown format); rebuild the index with this version")
    if stored_perm != num_perm:
        raise StoreError(f"{damaged}: it has {stored_perm} permutations, the index {num_perm}")
    if stored_columns != min(columns, num_perm):
        raise StoreError(f"{damaged}: its paragraph signatures have {stored_columns} columns, the index keeps {columns}")
    layout = (
        ("<u8", 1),
        ("<u4", num_perm),
        ("<i8", paragraphs),
        ("<i8", paragraphs),
        ("<u8", paragraphs),
        ("<u4", paragraphs * stored_columns),
        ("<i8", paragraphs),
        ("<u8", shingle_count),
        ("<u8", number_count),
    )
    expected = _HEADER.size + sum(numpy.dtype(dtype).itemsize * count for dtype, count in layout)
    if len(data) != expected:
        raise StoreError(f"{damaged} ({len(data)} bytes where {expected} were expected); remove it and add it again")
    arrays, offset = [], _HEADER.size
    for dtype, count in layout:
        arrays.append(numpy.frombuffer(data, dtype=dtype, count=count, offset=offset))
        offset += numpy.dtype(dtype).itemsize * count
    text_hash, signature, lengths, words, hashes, paragraph_signatures, shingle_counts, shingles, numbers = arrays
    native = {"<u8": numpy.uint64, "<u4": numpy.uint32, "<i8": numpy.int64}
    return Fingerprints(
        text_hashes=text_hash.astype(native["<u8"]),
        document_signatures=signature.astype(native["<u4"]).reshape(1, num_perm),
        paragraph_bounds=numpy.array([0, paragraphs], dtype=numpy.int64),
        paragraph_lengths=lengths.astype(numpy.int64),
        paragraph_words=words.astype(numpy.int64),
        paragraph_hashes=hashes.astype(numpy.uint64),
        paragraph_signatures=paragraph_signatures.astype(numpy.uint32).reshape(paragraphs, stored_columns),
        shingles=shingles.astype(numpy.uint64),
        shingle_bounds=numpy.concatenate(([0], numpy.cumsum(shingle_counts))).astype(numpy.int64),
        numbers=numbers.astype(numpy.uint64),
        number_bounds=numpy.array([0, number_count], dtype=numpy.int64),
    )


# --- bucket keys -------------------------------------------------------------------------


def _salted(keys: numpy.ndarray, salt: numpy.uint64) -> numpy.ndarray:
    """Keys of one kind, one column per band, made distinct from every other kind and band."""
    with numpy.errstate(over="ignore"):
        band_salts = mix64(numpy.arange(keys.shape[1], dtype=numpy.uint64) + salt)
        return mix64(keys ^ band_salts[None, :])


def paragraph_bands(bands: int) -> int:
    """Bands a paragraph is filed under: the first quarter of the document bands.

    Paragraphs are only reported from `paragraph_threshold` (0.8) up, where few bands
    suffice: with 8 bands of 4 rows a pair at Jaccard 0.8 shares a bucket with probability
    1 - (1 - 0.8**4)**8 = 0.985, at 0.85 0.997 and at 0.9 0.9998. Filing every paragraph
    under all 32 bands tripled the rows an `index add` writes for no finding in practice.

    >>> paragraph_bands(32), paragraph_bands(2)
    (8, 1)
    """
    return max(1, bands // 4)


def paragraph_band_keys(signatures: numpy.ndarray, bands: int, rows_per_band: int) -> numpy.ndarray:
    """Band keys of paragraph signatures over their first `paragraph_bands(bands)` bands."""
    return candidates.band_keys(signatures, paragraph_bands(bands), rows_per_band)


def bucket_keys(fingerprints: Fingerprints, settings: Settings) -> list[numpy.ndarray]:
    """Sorted distinct bucket keys of each document (none for a document without text)."""
    keys, bounds = _grouped_bucket_keys(fingerprints, settings)
    return [keys[bounds[document] : bounds[document + 1]] for document in range(fingerprints.document_count)]


def _grouped_bucket_keys(fingerprints: Fingerprints, settings: Settings) -> tuple[numpy.ndarray, numpy.ndarray]:
    """`bucket_keys` as one array grouped by document, and the documents' bounds in it."""
    count = fingerprints.document_count
    has_text = fingerprints.has_text
    document_of_row = fingerprints.document_of_paragraph
    document_keys = numpy.concatenate(
        (
            _salted(fingerprints.text_hashes[:, None], _TEXT_SALT),
            _salted(
                candidates.band_keys(fingerprints.document_signatures, settings.bands, settings.rows_per_band),
                _DOCUMENT_BAND_SALT,
            ),
        ),
        axis=1,
    )[has_text]
    rows = numpy.flatnonzero(
        (fingerprints.paragraph_lengths >= settings.paragraph_min_chars) & (numpy.diff(fingerprints.shingle_bounds) > 0)
    )
    paragraph_keys = numpy.concatenate(
        (
            _salted(fingerprints.paragraph_hashes[rows][:, None], _PARAGRAPH_SALT),
            _salted(
                paragraph_band_keys(fingerprints.paragraph_signatures[rows], settings.bands, settings.rows_per_band),
                _PARAGRAPH_BAND_SALT,
            ),
        ),
        axis=1,
    )
    owners = numpy.concatenate(
        (
            numpy.repeat(numpy.flatnonzero(has_text), document_keys.shape[1]),
            numpy.repeat(document_of_row[rows], paragraph_keys.shape[1]),
        )
    )
    keys = numpy.concatenate((document_keys.ravel(), paragraph_keys.ravel()))
    # By owner, keys ascending inside: a sort of the keys, then a stable sort of their owners
    # (a radix sort when they fit 16 bits; numpy.lexsort took six times as long).
    by_key = numpy.argsort(keys)
    owner_type = numpy.uint16 if count <= 1 << 16 else numpy.int64
    order = by_key[numpy.argsort(owners[by_key].astype(owner_type), kind="stable")]
    owners, keys = owners[order], keys[order]
    distinct = numpy.ones(len(keys), dtype=bool)
    distinct[1:] = (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])
    owners, keys = owners[distinct], keys[distinct]
    return keys, numpy.searchsorted(owners, numpy.arange(count + 1)).astype(numpy.int64)


# --- adding ------------------------------------------------------------------------------


def records_of(prepared: Prepared, settings: Settings) -> RecordBatch:
    """What the store keeps of each prepared document, as one batch of columns (a worker
    sends it back to the writing process: a few byte strings, not an object per paragraph)."""
    keys, key_bounds = _grouped_bucket_keys(prepared.fingerprints, settings)
    encoded = encode_fingerprints(prepared.fingerprints, paragraph_columns(settings))
    texts = ["".join(paragraph.text for paragraph in document.paragraphs).encode("utf-8") for document in prepared.cleaned]
    paragraphs = [paragraph for document in prepared.cleaned for paragraph in document.paragraphs]
    return RecordBatch(
        ids=tuple(document.id for document in prepared.cleaned),
        sites=tuple(document.document.site for document in prepared.cleaned),
        text_hashes=prepared.fingerprints.text_hashes.astype(numpy.uint64),
        texts=b"".join(texts),
        text_bounds=offsets([len(text) for text in texts]),
        paragraph_bounds=offsets([len(document.paragraphs) for document in prepared.cleaned]),
        paragraph_lines=numpy.array([paragraph.line for paragraph in paragraphs], dtype=numpy.int64),
        paragraph_lengths=numpy.array([len(paragraph.text) for paragraph in paragraphs], dtype=numpy.int64),
        fingerprints=b"".join(encoded),
        fingerprint_bounds=offsets([len(data) for data in encoded]),
        keys=keys,
        key_bounds=key_bounds,
    )


def _record_batches(documents: list[Document], settings: Settings, jobs: int) -> Iterator[RecordBatch]:
    """Records of each batch of documents, in order, prepared over `jobs` processes.

    Workers prepare batches ahead (and turn them into records) while this process writes
    the finished ones, so storage overlaps with fingerprinting.
    """
    yield from prepared_batches(documents, settings, jobs=jobs, finish=functools.partial(_records_job, settings=settings))


def _records_job(prepared: Prepared, documents: list[Document], settings: Settings) -> RecordBatch:
    # prepared_batches hands its finish the batch as read too; the records need only the
    # prepared batch.
    return records_of(prepared, settings)


def claim(store: Store, settings: Settings) -> None:
    """Record the settings in a new index, or check them against the recorded ones."""
    check_parameters(store.claim(settings.as_parameters()), settings, store.location)


@collection_paused()
def add_documents(
    store: Store,
    documents: Iterable[Document],
    settings: Settings,
    *,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> AddResult:
    """Add documents (replacing those with the same id), in committed batches of
    BATCH_DOCUMENTS (several in one commit when the store is behind).

    A process stopped part-way leaves the batches already committed, and nothing of the
    batches in flight.
    """
    claim(store, settings)
    added = batches = 0

    def committed(future) -> None:
        nonlocal added, batches
        for count in future.result():
            added += count
            batches += 1
            if progress is not None:
                progress(count)

    def write(encoded: object, counts: list[int]) -> list[int]:
        store.write(encoded)
        return counts

    # One writer thread commits while this thread prepares (or receives from the workers)
    # the next batches and lays them out for the store (`Store.encode`): the wait for the
    # database (Redis runs the transaction, SQLite writes its pages) overlaps with both.
    # Batches that arrive while a commit runs are committed together by the next one, up
    # to GROUP_BATCHES: a commit costs much the same for one batch as for a few (SQLite
    # rewrites the bucket pages a batch touches, and a batch touches most of them), and
    # workers outpace the writer.
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending, waiting = None, []

        def submit() -> None:
            nonlocal pending, waiting
            encoded = store.encode(RecordBatch.join(waiting))
            if pending is not None:
                committed(pending)
            pending, waiting = writer.submit(write, encoded, [len(records) for records in waiting]), []

        for records in _record_batches(list(documents), settings, jobs):
            waiting.append(records)
            if pending is None or pending.done() or len(waiting) == GROUP_BATCHES:
                submit()
        if waiting:
            submit()
        if pending is not None:
            committed(pending)
    return AddResult(added=added, batches=batches, indexed=store.counts()["documents"])


# --- querying ----------------------------------------------------------------------------


def _stored_documents(records: Sequence[StoredDocument]) -> list[CleanDocument]:
    return [
        CleanDocument(
            Document(id=record.id, text="", site=record.site),
            tuple(Paragraph(index, text, line) for index, (text, line) in enumerate(record.paragraphs)),
        )
        for record in records
    ]


@collection_paused()
def query(
    store: Store,
    documents: Iterable[Document],
    settings: Settings,
    *,
    skipped: tuple[Skipped, ...] = (),
    add: bool = False,
    jobs: int = 1,
) -> tuple[Report, list[CleanDocument]]:
    """Report new documents that duplicate indexed ones or each other; add them if `add`.

    Returns the report and the cleaned documents it mentions (indexed ones included). An
    indexed document with the id of a new one is left out: the new version replaces it.
    """
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = round(seconds.get(stage, 0.0) + now - clock, 4)
        clock = now

    documents = list(documents)
    if add:
        claim(store, settings)
    elif (recorded := store.parameters()) is not None:
        check_parameters(recorded, settings, store.location)
    prepared = prepare(documents, settings, jobs=jobs)
    new_cleaned, new_forms = prepared.cleaned, prepared.forms
    seconds.update(prepared.seconds)
    clock = time.perf_counter()

    keys = bucket_keys(prepared.fingerprints, settings)
    # Cut as the stored fingerprints are, so the two concatenate.
    new_prints = with_paired_bands_only(prepared.fingerprints, settings)
    new_ids = {document.id for document in new_cleaned}
    probe = numpy.unique(numpy.concatenate(keys)) if keys else numpy.zeros(0, dtype=numpy.uint64)
    found = store.members(probe.tolist(), limit=candidates.MAX_BUCKET) - new_ids
    stored = store.get(sorted(found))
    lap("index lookup")
    stored_cleaned = _stored_documents(stored)
    stored_forms = matching_forms(stored_cleaned, settings.normalize)
    columns = paragraph_columns(settings)
    stored_prints = [decode_fingerprint(record.fingerprint, settings.num_perm, columns, record.id) for record in stored]
    cleaned = stored_cleaned + new_cleaned
    fingerprints = concatenate(stored_prints + [new_prints])
    new = numpy.zeros(len(cleaned), dtype=bool)
    new[len(stored) :] = True
    lap("index load")
    report = detect(cleaned, stored_forms + new_forms, fingerprints, settings, skipped=skipped, new=new, jobs=jobs)
    if add:
        records = records_of(prepared, settings)
        for start in range(0, len(records), BATCH_DOCUMENTS):
            store.add(records[start : start + BATCH_DOCUMENTS])
        lap("index add")
    return _count_new_duplicates(report, new_ids, len(stored), seconds), cleaned


def _count_new_duplicates(report: Report, new_ids: set[str], indexed: int, seconds: dict[str, float]) -> Report:
    """Duplicates counted among new documents only: in a cluster, every new member is a
    duplicate when an indexed document is there, all but one otherwise."""
    duplicates = 0
    for cluster in report.article_clusters:
        fresh = sum(1 for member in cluster.members if member in new_ids)
        duplicates += fresh if fresh < len(cluster.members) else fresh - 1
    count = report.documents
    stats = {
        **report.stats,
        "duplicate_documents": duplicates,
        "duplicate_rate": round(duplicates / count, 6) if count else 0.0,
        "indexed_candidates": indexed,
        "seconds": {**seconds, **report.stats.get("seconds", {})},
    }
    return dataclasses.replace(report, stats=stats)


# --- stats, remove, export, check ------------------------------------------------------


def stats(store: Store) -> dict:
    """What `dedupe index stats` prints: counts, size and the recorded parameters."""
    return {"index": store.location, **store.counts(), "size_bytes": store.size_bytes(), "parameters": store.parameters()}


def remove(store: Store, ids: Sequence[str]) -> tuple[list[str], list[str]]:
    """Remove documents by id; returns (removed, not found)."""
    removed = store.remove(ids)
    found = set(removed)
    return removed, [identifier for identifier in dict.fromkeys(ids) if identifier not in found]


def export(store: Store) -> Iterator[dict]:
    """One JSON-ready object per indexed document, ordered by id (no signatures)."""
    for record in store.documents():
        yield {
            "id": record.id,
            "site": record.site,
            "paragraphs": [{"text": text, "line": line} for text, line in record.paragraphs],
            "text_hash": f"{record.text_hash:016x}",
        }


def check(store: Store) -> list[str]:
    """Integrity problems of an index: the store's own checks, then every fingerprint decodes."""
    problems = store.check()
    parameters = store.parameters()
    if parameters is None:
        return problems
    try:
        built = Settings(**{name: value for name, value in parameters.items() if name in _SETTING_NAMES})
    except (UsageError, TypeError) as error:
        return [*problems, f"the recorded parameters are not settings this version accepts: {error}"]
    for record in store.documents():
        try:
            decode_fingerprint(record.fingerprint, built.num_perm, paragraph_columns(built), record.id)
        except StoreError as error:
            problems.append(str(error))
    return problems


def check_index(location: str) -> list[str]:
    """`check` on the index at `location` (which must exist)."""
    store = open_store(location, create=False)
    try:
        return check(store)
    finally:
        store.close()



def format_size(size: int | None) -> str:
    """Bytes for people.

    >>> format_size(1536), format_size(66_676_840), format_size(None)
    ('1.5 KiB', '63.6 MiB', 'unknown')
    """
    if size is None:
        return "unknown"
    value, unit = float(size), "bytes"
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"


def format_stats(facts: dict) -> str:
    """`dedupe index stats` as text: one fact per line, then the recorded parameters.

    >>> print(format_stats({"index": "news.db", "documents": 2, "paragraphs": 9, "buckets": 70,
    ...     "bucket_entries": 72, "size_bytes": 4096, "parameters": {"seed": 1}}), end="")
    index       news.db
    documents   2
    paragraphs  9
    buckets     70 (72 entries)
    size        4.0 KiB
    parameters  seed=1
    """
    parameters = facts.get("parameters")
    shown = " ".join(f"{name}={_show(value)}" for name, value in sorted(parameters.items())) if parameters else "(none yet)"
    lines = [
        ("index", facts["index"]),
        ("documents", facts["documents"]),
        ("paragraphs", facts["paragraphs"]),
        ("buckets", f"{facts['buckets']} ({facts['bucket_entries']} entries)"),
        ("size", format_size(facts["size_bytes"])),
        ("parameters", shown),
    ]
    return "".join(f"{name:<11} {value}\n" for name, value in lines)
