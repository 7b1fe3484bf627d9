"""Compact records of prepared documents, so a large scan holds a few KB per document.

A corpus-wide scan needs, of every document, only its keys: the exact-text hash and the
LSH band keys of the document and of its long paragraphs. Two documents can only end in
one cluster if they share a key, so only those that share one are rebuilt in full (from
their cleaned text, kept compressed) and go through `pipeline.detect`; the rest are
counted and left packed.

Nothing here is pickled: a packed document is JSON compressed with Zstandard (level 1
packs Arabic news 2.6-fold at about 200 MB/s, four times zlib's speed at the same ratio).
A scan small enough to hold its texts leaves them uncompressed: compressing was more than
half of the packing time. Uncompressed texts are UTF-16, not UTF-8: for Arabic, which
Python holds as two bytes a character, writing and reading UTF-16 is a copy, three to four
times faster than UTF-8, for 10% more bytes (the ASCII spaces and digits take two). And
where the process that unpacks holds the documents as read (the in-memory scan), a
paragraph that is a line of the document, as most are, is packed as a reference to that
line (pack_document's `original`): a third of what the workers send back is then gone.
"""

from __future__ import annotations

import codecs
import collections
import itertools
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy
import zstandard

from arabic_dedupe import candidates
from arabic_dedupe.config import Settings
from arabic_dedupe.model import CleanDocument, Document, Paragraph, Removal

# Zstandard's fastest level: packing runs once per document, in the workers.
COMPRESSION_LEVEL = 1
# How every Zstandard frame starts; an uncompressed packed document starts with "[" in
# UTF-16, the start of its JSON header.
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# UTF-16 that keeps every string as it is, lone surrogates too ("surrogatepass"), called
# directly: str.encode and bytes.decode look the codec up by name on every call. (The
# reader never gives a text a lone surrogate; two in a row would come back as one pair.)
_to_utf16 = codecs.utf_16_le_encode
_from_utf16 = codecs.utf_16_le_decode


def _utf16(text: str) -> bytes:
    return _to_utf16(text, "surrogatepass")[0]


def _text_of_utf16(data: bytes) -> str:
    return _from_utf16(data, "surrogatepass", True)[0]


@dataclass(frozen=True, eq=False)
class PackedDocuments(Sequence):
    """Prepared documents as keys and compressed text; indexing one rebuilds its CleanDocument.

    `documents` keep their id, site, path and warnings; their text is dropped or, where
    the caller holds the documents as read anyway (the in-memory scan), kept but never
    used: a rebuilt CleanDocument's document has none.
    """

    documents: tuple[Document, ...]
    blobs: tuple[bytes, ...]
    paragraph_counts: numpy.ndarray  # int64 kept paragraphs per document
    removed_counts: numpy.ndarray  # int64 paragraphs the boilerplate stage removed
    repeats: numpy.ndarray  # bool: a removed paragraph repeats a kept one of the document
    text_hashes: numpy.ndarray  # uint64 exact-duplicate key (0 for a document without text)
    has_text: numpy.ndarray  # bool: at least one shingle
    # The keys stay in the batches they came in (a tuple of arrays): they are only ever
    # read a column at a time, so a corpus-sized copy of them is never needed.
    document_keys: tuple[numpy.ndarray, ...]  # (documents, bands) uint32: LSH band keys, low half
    paragraph_documents: numpy.ndarray  # int64 document of each long paragraph
    paragraph_keys: tuple[numpy.ndarray, ...]  # (long paragraphs, 1 + paragraph bands) uint64: exact hash, band keys

    def __len__(self) -> int:
        return len(self.documents)

    def __getitem__(self, position):
        if isinstance(position, slice):
            return self.unpack(range(*position.indices(len(self))))
        return unpack_document(self.documents[position], self.blobs[position])

    def __iter__(self) -> Iterator[CleanDocument]:
        decompressor = zstandard.ZstdDecompressor()
        for document, blob in zip(self.documents, self.blobs):
            yield unpack_document(document, blob, decompressor)

    def unpack(self, positions: Iterable[int]) -> list[CleanDocument]:
        """The CleanDocuments at these positions."""
        decompressor = zstandard.ZstdDecompressor()
        return [unpack_document(self.documents[index], self.blobs[index], decompressor) for index in positions]

    def keeping(self, positions: Sequence[int]) -> PackedDocuments:
        """The same corpus with only the texts at these positions: the others become
        empty documents (their keys and counts stay)."""
        kept = numpy.zeros(len(self), dtype=bool)
        kept[list(positions)] = True
        return replace(self, blobs=tuple(blob if keep else _EMPTY for blob, keep in zip(self.blobs, kept.tolist())))

    def view(self, positions: Sequence[int]) -> PackedView:
        """These documents (in this order) as a sequence of their own, still packed."""
        positions = tuple(int(position) for position in positions)
        return PackedView(self, positions, tuple(self.documents[position] for position in positions))


@dataclass(frozen=True, eq=False)
class PackedView(Sequence):
    """Some documents of a PackedDocuments; indexing one unpacks it, nothing is kept."""

    corpus: PackedDocuments
    positions: tuple[int, ...]
    documents: tuple[Document, ...]

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, position):
        if isinstance(position, slice):
            return self.corpus.unpack(self.positions[position])
        return self.corpus[self.positions[position]]

    def __iter__(self) -> Iterator[CleanDocument]:
        decompressor = zstandard.ZstdDecompressor()
        for position in self.positions:
            yield unpack_document(self.corpus.documents[position], self.corpus.blobs[position], decompressor)

    @property
    def repeats(self) -> numpy.ndarray:
        return self.corpus.repeats[list(self.positions)]

    @property
    def paragraph_counts(self) -> numpy.ndarray:
        return self.corpus.paragraph_counts[list(self.positions)]

    @property
    def removed_counts(self) -> numpy.ndarray:
        return self.corpus.removed_counts[list(self.positions)]


def is_packed(cleaned: Sequence[CleanDocument]) -> bool:
    """Whether `cleaned` is a packed corpus (or a view of one), which unpacks a document
    each time it is indexed and keeps per-document counts of its own."""
    return isinstance(cleaned, (PackedDocuments, PackedView))


@dataclass(frozen=True, eq=False)
class StowedDocuments:
    """Documents as read, their texts compressed: what a streaming scan holds between
    counting site lines and cleaning (see `pipeline.scan_documents`)."""

    documents: tuple[Document, ...]  # without their text
    texts: tuple[bytes, ...]

    def __len__(self) -> int:
        return len(self.documents)


def stow(documents: Sequence[Document]) -> StowedDocuments:
    """Compress the texts of a batch of documents.

    >>> batch = [Document("a", "قال الوزير"), Document("b", "")]
    >>> unstow(stow(batch)) == batch
    True
    """
    compressor = zstandard.ZstdCompressor(level=COMPRESSION_LEVEL)
    return StowedDocuments(
        # Sites repeat across a corpus: one string per site, not per document.
        tuple(replace(document, text="", site=sys.intern(document.site)) for document in documents),
        tuple(compressor.compress(document.text.encode("utf-8", "surrogatepass")) for document in documents),
    )


def unstow(stowed: StowedDocuments) -> list[Document]:
    decompressor = zstandard.ZstdDecompressor()
    return [
        replace(document, text=decompressor.decompress(text).decode("utf-8", "surrogatepass"))
        for document, text in zip(stowed.documents, stowed.texts)
    ]


# How a text is packed when the original is at hand: written out, or as the document's
# input line it is (stripped of white space at both ends, or as it is).
_WRITTEN, _STRIPPED_LINE, _WHOLE_LINE = 0, 1, 2


def pack_document(
    document: CleanDocument,
    compressor: zstandard.ZstdCompressor | None = None,
    *,
    compress: bool = True,
    original: Document | None = None,
) -> bytes:
    """The kept and removed paragraphs of a cleaned document, compressed unless not `compress`.

    A line of JSON (input lines, removal reasons, the length of every text) is followed by
    the texts end to end: joining strings is several times faster than JSON-escaping them.
    With the `original` document (uncompressed only), a text that is one of its input
    lines is not written: the header says which line it is, and unpacking (given that same
    document) takes it from there.

    >>> original = Document("a", "اقرأ أيضا\\n  خبر  \\nنص آخر", first_line=1)
    >>> clean = CleanDocument(original, (Paragraph(0, "خبر", 2), Paragraph(1, "نص", 3)), (Removal("اقرأ أيضا", 1, "related"),))
    >>> [unpack_document(original, blob) == replace(clean, document=replace(original, text=""))
    ...  for blob in (pack_document(clean), pack_document(clean, compress=False), pack_document(clean, compress=False, original=original))]
    [True, True, True]
    >>> len(pack_document(clean, compress=False, original=original)) < len(pack_document(clean, compress=False))
    True
    """
    texts = [paragraph.text for paragraph in document.paragraphs] + [removal.text for removal in document.removed]
    lines = [paragraph.line for paragraph in document.paragraphs] + [removal.line for removal in document.removed]
    fields = [
        [paragraph.line for paragraph in document.paragraphs],
        [[removal.line, removal.reason, removal.duplicate_of] for removal in document.removed],
        [len(text) for text in texts],
    ]
    if original is not None and not compress:
        sources = _sources(texts, lines, original)
        fields.append(sources)
        texts = [text for text, source in zip(texts, sources) if source == _WRITTEN]
    text = "\n".join((json.dumps(fields), "".join(texts)))
    if not compress:
        return _utf16(text)
    compressor = compressor or zstandard.ZstdCompressor(level=COMPRESSION_LEVEL)
    return compressor.compress(text.encode("utf-8", "surrogatepass"))


def _sources(texts: list[str], lines: list[int], original: Document) -> list[int]:
    """How each text can be found in the original: its stripped input line, its whole
    input line, or not at all (a hard-wrapped paragraph joins several)."""
    input_lines = original.text.split("\n")
    sources = []
    for text, line in zip(texts, lines):
        offset = line - original.first_line
        found = input_lines[offset] if 0 <= offset < len(input_lines) else None
        if found is not None and found.strip() == text:
            sources.append(_STRIPPED_LINE)
        elif found == text:
            sources.append(_WHOLE_LINE)
        else:
            sources.append(_WRITTEN)
    return sources


def _unpacked_texts(document: Document, fields: list, body: str, count: int | None = None) -> list[str]:
    """The first `count` (else all) texts of a packed document: from its body, and (when
    its header says where) from the document's input lines."""
    lengths = fields[2] if count is None else fields[2][:count]
    if len(fields) < 4:
        ends = list(itertools.accumulate(lengths))
        return [body[end - length : end] for end, length in zip(ends, lengths)]
    input_lines = document.text.split("\n")
    lines = fields[0] + [removal[0] for removal in fields[1]]
    texts = []
    written = 0
    for length, line, source in zip(lengths, lines, fields[3]):
        if source == _WRITTEN:
            texts.append(body[written : written + length])
            written += length
        else:
            found = input_lines[line - document.first_line]
            texts.append(found.strip() if source == _STRIPPED_LINE else found)
    return texts


def _blob_text(blob: bytes, decompressor: zstandard.ZstdDecompressor | None = None) -> str:
    """The text of a packed document: a Zstandard frame of UTF-8, or UTF-16."""
    if blob.startswith(_ZSTD_MAGIC):
        decompressor = decompressor or zstandard.ZstdDecompressor()
        return decompressor.decompress(blob).decode("utf-8", "surrogatepass")
    return _text_of_utf16(blob)


def unpack_document(
    document: Document, blob: bytes, decompressor: zstandard.ZstdDecompressor | None = None
) -> CleanDocument:
    header, body = _blob_text(blob, decompressor).split("\n", 1)
    fields = json.loads(header)
    lines, removals = fields[0], fields[1]
    texts = _unpacked_texts(document, fields, body)
    return CleanDocument(
        replace(document, text="") if document.text else document,
        tuple(Paragraph(index, text, line) for index, (text, line) in enumerate(zip(texts, lines))),
        tuple(
            Removal(text, line, reason, duplicate_of)
            for text, (line, reason, duplicate_of) in zip(texts[len(lines) :], removals)
        ),
    )


def kept_paragraphs(cleaned: Sequence[CleanDocument], position: int) -> tuple[list[str], list[int]]:
    """The texts and input lines of the kept paragraphs of cleaned[position].

    A packed corpus reads them from the document's blob without building the document
    (its Paragraph and Removal objects cost the paragraph report a third of its time).

    >>> clean = CleanDocument(Document("a", ""), (Paragraph(0, "خبر", 3),), (Removal("اقرأ أيضا", 1, "related"),))
    >>> corpus = PackedDocuments((clean.document,), (pack_document(clean),), *([numpy.zeros(1)] * 5), (), numpy.zeros(0), ())
    >>> kept_paragraphs(corpus, 0), kept_paragraphs(corpus.view([0]), 0), kept_paragraphs([clean], 0)
    ((['خبر'], [3]), (['خبر'], [3]), (['خبر'], [3]))
    """
    if isinstance(cleaned, PackedView):
        return kept_paragraphs(cleaned.corpus, cleaned.positions[position])
    if isinstance(cleaned, PackedDocuments):
        header, body = _blob_text(cleaned.blobs[position]).split("\n", 1)
        fields = json.loads(header)
        return _unpacked_texts(cleaned.documents[position], fields, body, len(fields[0])), fields[0]
    paragraphs = cleaned[position].paragraphs
    return [paragraph.text for paragraph in paragraphs], [paragraph.line for paragraph in paragraphs]


# What a document whose text was let go unpacks to: no paragraphs, nothing removed.
_EMPTY = pack_document(CleanDocument(Document("", ""), ()))


def pack(
    prepared,
    settings: Settings,
    *,
    with_keys: bool = True,
    compress: bool = True,
    originals: Sequence[Document] | None = None,
) -> PackedDocuments:
    """Pack one prepared batch (a `pipeline.Prepared`); runs in the worker that prepared it.

    Without keys (a caller that keeps the fingerprints themselves) the key arrays are empty;
    without `compress` the texts stay uncompressed, and with `originals` (the batch's
    documents as read, which the unpacking process must hold too) its input lines are
    referred to, not written (see pack_document).
    """
    prints = prepared.fingerprints
    compressor = zstandard.ZstdCompressor(level=COMPRESSION_LEVEL)
    long_rows = numpy.flatnonzero(prints.paragraph_lengths >= settings.paragraph_min_chars)
    if not with_keys:
        long_rows = long_rows[:0]
    return PackedDocuments(
        documents=tuple(document.document for document in prepared.cleaned),
        blobs=tuple(
            pack_document(document, compressor, compress=compress, original=original)
            for document, original in zip(prepared.cleaned, originals or itertools.repeat(None))
        ),
        paragraph_counts=numpy.diff(prints.paragraph_bounds),
        removed_counts=numpy.array([len(document.removed) for document in prepared.cleaned], dtype=numpy.int64),
        repeats=numpy.array(
            [any(removal.duplicate_of is not None for removal in document.removed) for document in prepared.cleaned],
            dtype=bool,
        ),
        text_hashes=prints.text_hashes,
        has_text=prints.has_text,
        document_keys=(
            _short(
                candidates.band_keys(prints.document_signatures, settings.bands, settings.rows_per_band)
                if with_keys
                else numpy.zeros((prints.document_count, 0), dtype=numpy.uint64)
            ),
        ),
        paragraph_documents=prints.document_of_paragraph[long_rows],
        paragraph_keys=(
            numpy.concatenate(
                (
                    prints.paragraph_hashes[long_rows, None],
                    candidates.band_keys(
                        prints.paragraph_signatures[long_rows], settings.paragraph_bands, settings.rows_per_band
                    ),
                ),
                axis=1,
            ),
        ),
    )


def _short(keys: numpy.ndarray) -> numpy.ndarray:
    """The low 32 bits of 64-bit keys: half the memory, and a chance collision only makes
    a document meet another (and be verified for nothing); equal keys stay equal.

    Only document keys are shortened: among a million documents a column of 32-bit keys
    holds about a hundred chance collisions, among the five times as many long paragraphs
    twenty-five times more (on 1M generated documents shortening those too rebuilt 50%
    more documents than it saved memory for)."""
    return keys.astype(numpy.uint32)


def join(parts: Iterable[PackedDocuments]) -> PackedDocuments:
    """Consecutive packed batches as one, document numbers shifted.

    The parts are consumed: each array is concatenated as soon as all parts are in, and
    its pieces dropped, so joining never holds the corpus's arrays twice over.
    """
    columns: dict[str, list] = collections.defaultdict(list)
    documents: list[Document] = []
    blobs: list[bytes] = []
    for part in parts:
        for name in _ARRAYS:
            value = getattr(part, name)
            columns[name].append(value + len(documents) if name == "paragraph_documents" else value)
        documents.extend(part.documents)
        blobs.extend(part.blobs)
        del part
    arrays = {name: numpy.concatenate(columns.pop(name)) for name in _ARRAYS if name not in _CHUNKED}
    chunks = {name: tuple(chunk for chunks in columns.pop(name) for chunk in chunks) for name in _CHUNKED}
    return PackedDocuments(documents=tuple(documents), blobs=tuple(blobs), **arrays, **chunks)


_CHUNKED = ("document_keys", "paragraph_keys")
_ARRAYS = (
    "paragraph_counts",
    "removed_counts",
    "repeats",
    "text_hashes",
    "has_text",
    "paragraph_documents",
    *_CHUNKED,
)


def _sharing_rows(chunks: Sequence[numpy.ndarray], rows: numpy.ndarray | None = None) -> numpy.ndarray:
    """Whether each row (of the chunks stacked, or of those `rows` of them) holds, in some
    column, a key another row holds in that column. Columns are assembled one at a time."""
    width = chunks[0].shape[1] if chunks else 0
    count = sum(len(chunk) for chunk in chunks) if rows is None else len(rows)
    sharing = numpy.zeros(count, dtype=bool)
    for position in range(width):
        column = numpy.concatenate([chunk[:, position] for chunk in chunks])
        if rows is not None:
            column = column[rows]
        # Only which keys repeat matters, not the order of equal ones: numpy's default
        # (vectorized) sort, several times faster than a stable one.
        order = numpy.argsort(column)
        ordered = column[order]
        equal_next = ordered[1:] == ordered[:-1]
        repeated = numpy.zeros(len(column), dtype=bool)
        repeated[1:] |= equal_next
        repeated[:-1] |= equal_next
        sharing[order[repeated]] = True
    return sharing


def meeting_documents(packed: PackedDocuments) -> numpy.ndarray:
    """Documents that share a key with another document (or repeat a paragraph of their own).

    Every pair `detect` could compare, and every paragraph cluster it could report, lies
    among these: candidates come only from equal keys, and a paragraph repeated inside a
    document is reported from its removal. So `detect` over these documents alone finds
    what it would find over the whole corpus.
    """
    meeting = packed.repeats.copy()
    with_text = numpy.flatnonzero(packed.has_text)
    meeting[with_text[_sharing_rows([packed.text_hashes[with_text, None]])]] = True
    meeting[with_text[_sharing_rows(packed.document_keys, with_text)]] = True
    meeting[packed.paragraph_documents[_sharing_rows(packed.paragraph_keys)]] = True
    return numpy.flatnonzero(meeting)


@dataclass(frozen=True, eq=False)
class PackedForms(Sequence):
    """The matching forms of documents (a list of paragraph forms each), end to end in one
    UTF-16 string of bytes: what a worker sends back of a batch's forms, and what a scan
    keeps of them.

    One byte string and two arrays cross processes and sit in memory far cheaper than one
    string object per paragraph (165,000 for SaudiNewsNet), and bytes cross without being
    decoded: only the documents verification reads are decoded, when indexed.

    >>> forms = PackedForms.of([["قال الوزير", "اليوم"], [], [""]])
    >>> forms[0], forms[1], forms[2], len(forms)
    (['قال الوزير', 'اليوم'], [], [''], 3)
    >>> join_forms([forms, PackedForms.of([["خبر"]])])[3]
    ['خبر']
    """

    data: bytes
    starts: numpy.ndarray  # int64 where each form starts in data, then len(data)
    bounds: numpy.ndarray  # int64 first form of each document, then the number of forms

    @classmethod
    def of(cls, forms: Sequence[Sequence[str]]) -> PackedForms:
        flat = [form for document in forms for form in document]
        data = _utf16("".join(flat))
        lengths = [len(form) for form in flat]
        if len(data) != 2 * sum(lengths):
            # Characters beyond the first plane take two UTF-16 code units.
            lengths = [len(_utf16(form)) // 2 for form in flat]
        starts = numpy.zeros(len(flat) + 1, dtype=numpy.int64)
        numpy.cumsum(lengths, out=starts[1:])
        starts *= 2
        bounds = numpy.zeros(len(forms) + 1, dtype=numpy.int64)
        numpy.cumsum([len(document) for document in forms], out=bounds[1:])
        return cls(data, starts, bounds)

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def __getitem__(self, position):
        if isinstance(position, slice):
            return [self[index] for index in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(position)
        first, last = int(self.bounds[position]), int(self.bounds[position + 1])
        starts = self.starts[first : last + 1].tolist()
        if len(starts) < 2:
            return []
        # One decode for the document, then cut: code units are the document's characters
        # unless one lies beyond the first plane.
        text = _text_of_utf16(self.data[starts[0] : starts[-1]])
        if len(text) * 2 == starts[-1] - starts[0]:
            offsets = [(start - starts[0]) // 2 for start in starts]
            return [text[begin:end] for begin, end in zip(offsets, offsets[1:])]
        data = self.data
        return [_text_of_utf16(data[start:end]) for start, end in zip(starts, starts[1:])]


def join_forms(parts: Iterable[PackedForms]) -> PackedForms:
    """Consecutive PackedForms as one (the parts' bytes joined once)."""
    datas, starts, bounds = [], [numpy.zeros(1, dtype=numpy.int64)], [numpy.zeros(1, dtype=numpy.int64)]
    size = forms = 0
    for part in parts:
        datas.append(part.data)
        starts.append(part.starts[1:] + size)
        bounds.append(part.bounds[1:] + forms)
        size += len(part.data)
        forms += int(part.bounds[-1])
    return PackedForms(b"".join(datas), numpy.concatenate(starts), numpy.concatenate(bounds))
