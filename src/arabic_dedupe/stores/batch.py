"""A batch of index records as columns: what `index add` workers send back and stores write.

A list of StoredDocuments is a Python object per paragraph and per key; a RecordBatch is
a few byte strings and arrays, cheap to send between processes and to lay out for a store.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy

from arabic_dedupe.stores import StoredDocument


@dataclass(frozen=True, eq=False)
class RecordBatch(Sequence):
    """Documents to store, in order; indexing or iterating gives StoredDocuments.

    Paragraph texts are UTF-8, joined per document and the documents joined in order:
    document d's text is `texts[text_bounds[d]:text_bounds[d + 1]]`, its paragraphs are the
    rows `paragraph_bounds[d]` to `paragraph_bounds[d + 1]` of `paragraph_lines` and
    `paragraph_lengths` (in characters). Fingerprints are joined the same way, and each
    document's bucket keys are sorted and distinct, grouped by `key_bounds`.
    """

    ids: tuple[str, ...]
    sites: tuple[str, ...]
    text_hashes: numpy.ndarray  # uint64 per document
    texts: bytes
    text_bounds: numpy.ndarray  # documents + 1 byte offsets into texts
    paragraph_bounds: numpy.ndarray  # documents + 1 offsets into the paragraph rows
    paragraph_lines: numpy.ndarray  # int64 input line of each paragraph
    paragraph_lengths: numpy.ndarray  # int64 characters of each paragraph
    fingerprints: bytes
    fingerprint_bounds: numpy.ndarray  # documents + 1 byte offsets into fingerprints
    keys: numpy.ndarray  # uint64, grouped by document
    key_bounds: numpy.ndarray  # documents + 1 offsets into keys

    @classmethod
    def of(cls, documents: Sequence[StoredDocument]) -> RecordBatch:
        """`documents` as a batch (itself when it is one already).

        >>> batch = RecordBatch.of([StoredDocument("a", "site", (("نص", 3), ("x", 9)), 7, b"fp", (9, 2, 9))])
        >>> batch.texts.decode(), batch.paragraph_lengths.tolist(), batch.keys.tolist()
        ('نصx', [2, 1], [2, 9])
        >>> batch[0]
        StoredDocument(id='a', site='site', paragraphs=(('نص', 3), ('x', 9)), text_hash=7, fingerprint=b'fp', keys=(2, 9))
        """
        if isinstance(documents, RecordBatch):
            return documents
        texts = ["".join(text for text, _ in document.paragraphs).encode("utf-8") for document in documents]
        rows = [paragraph for document in documents for paragraph in document.paragraphs]
        keys, owners = _entries(documents)
        return cls(
            ids=tuple(document.id for document in documents),
            sites=tuple(document.site for document in documents),
            text_hashes=numpy.array([document.text_hash for document in documents], dtype=numpy.uint64),
            texts=b"".join(texts),
            text_bounds=offsets([len(text) for text in texts]),
            paragraph_bounds=offsets([len(document.paragraphs) for document in documents]),
            paragraph_lines=numpy.array([line for _, line in rows], dtype=numpy.int64),
            paragraph_lengths=numpy.array([len(text) for text, _ in rows], dtype=numpy.int64),
            fingerprints=b"".join(document.fingerprint for document in documents),
            fingerprint_bounds=offsets([len(document.fingerprint) for document in documents]),
            keys=keys,
            key_bounds=numpy.searchsorted(owners, numpy.arange(len(documents) + 1)).astype(numpy.int64),
        )

    @classmethod
    def join(cls, batches: Sequence[RecordBatch]) -> RecordBatch:
        """One batch of the documents of `batches`, in order.

        >>> first = RecordBatch.of([StoredDocument("a", "s", (("نص", 1),), 1, b"f", (3,))])
        >>> second = RecordBatch.of([StoredDocument("b", "t", (("x", 2), ("y", 5)), 2, b"gh", (1, 2))])
        >>> joined = RecordBatch.join([first, second])
        >>> list(joined) == [first[0], second[0]], joined.key_bounds.tolist()
        (True, [0, 1, 3])
        """
        if len(batches) == 1:
            return batches[0]
        return cls(
            ids=tuple(chain.from_iterable(batch.ids for batch in batches)),
            sites=tuple(chain.from_iterable(batch.sites for batch in batches)),
            text_hashes=numpy.concatenate([batch.text_hashes for batch in batches]).astype(numpy.uint64),
            texts=b"".join(batch.texts for batch in batches),
            text_bounds=_joined_bounds([batch.text_bounds for batch in batches]),
            paragraph_bounds=_joined_bounds([batch.paragraph_bounds for batch in batches]),
            paragraph_lines=numpy.concatenate([batch.paragraph_lines for batch in batches]).astype(numpy.int64),
            paragraph_lengths=numpy.concatenate([batch.paragraph_lengths for batch in batches]).astype(numpy.int64),
            fingerprints=b"".join(batch.fingerprints for batch in batches),
            fingerprint_bounds=_joined_bounds([batch.fingerprint_bounds for batch in batches]),
            keys=numpy.concatenate([batch.keys for batch in batches]).astype(numpy.uint64),
            key_bounds=_joined_bounds([batch.key_bounds for batch in batches]),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, position):
        if isinstance(position, slice):
            return self.select(range(*position.indices(len(self))))
        if not -len(self) <= position < len(self):
            raise IndexError(f"record {position} of a batch of {len(self)}")
        position %= len(self)
        text = self.texts[self.text_bounds[position] : self.text_bounds[position + 1]].decode("utf-8")
        first, last = self.paragraph_bounds[position], self.paragraph_bounds[position + 1]
        return StoredDocument(
            id=self.ids[position],
            site=self.sites[position],
            paragraphs=split_paragraphs(text, self.paragraph_lines[first:last].tolist(), self.paragraph_lengths[first:last].tolist()),
            text_hash=int(self.text_hashes[position]),
            fingerprint=self.fingerprints[self.fingerprint_bounds[position] : self.fingerprint_bounds[position + 1]],
            keys=tuple(self.keys[self.key_bounds[position] : self.key_bounds[position + 1]].tolist()),
        )

    def __iter__(self) -> Iterator[StoredDocument]:
        return (self[position] for position in range(len(self)))

    def select(self, positions: Sequence[int]) -> RecordBatch:
        """The batch of the documents at `positions`, in that order."""
        positions = list(positions)

        def rows(bounds: numpy.ndarray) -> numpy.ndarray:
            return numpy.concatenate(
                [numpy.arange(bounds[position], bounds[position + 1]) for position in positions] or [numpy.zeros(0, dtype=numpy.int64)]
            ).astype(numpy.int64)

        def pieces(data: bytes, bounds: numpy.ndarray) -> bytes:
            return b"".join(data[bounds[position] : bounds[position + 1]] for position in positions)

        def sizes(bounds: numpy.ndarray) -> numpy.ndarray:
            return offsets([bounds[position + 1] - bounds[position] for position in positions])

        paragraph_rows = rows(self.paragraph_bounds)
        return RecordBatch(
            ids=tuple(self.ids[position] for position in positions),
            sites=tuple(self.sites[position] for position in positions),
            text_hashes=self.text_hashes[positions] if positions else numpy.zeros(0, dtype=numpy.uint64),
            texts=pieces(self.texts, self.text_bounds),
            text_bounds=sizes(self.text_bounds),
            paragraph_bounds=sizes(self.paragraph_bounds),
            paragraph_lines=self.paragraph_lines[paragraph_rows],
            paragraph_lengths=self.paragraph_lengths[paragraph_rows],
            fingerprints=pieces(self.fingerprints, self.fingerprint_bounds),
            fingerprint_bounds=sizes(self.fingerprint_bounds),
            keys=self.keys[rows(self.key_bounds)],
            key_bounds=sizes(self.key_bounds),
        )

    def latest(self) -> RecordBatch:
        """The batch without documents whose id comes again later in it (the later copy
        wins, as it would in a later batch)."""
        last = {identifier: position for position, identifier in enumerate(self.ids)}
        return self if len(last) == len(self.ids) else self.select(sorted(last.values()))

    @property
    def key_owners(self) -> numpy.ndarray:
        """The position in the batch of the document each key belongs to."""
        return numpy.repeat(numpy.arange(len(self), dtype=numpy.int64), numpy.diff(self.key_bounds))


def split_paragraphs(text: str, lines: Sequence[int], lengths: Sequence[int]) -> tuple[tuple[str, int], ...]:
    """(text, line) of each paragraph of a document's joined text, from their lengths.

    >>> split_paragraphs("أولىثانية", [1, 4], [4, 5])
    (('أولى', 1), ('ثانية', 4))
    """
    paragraphs, offset = [], 0
    for line, length in zip(lines, lengths):
        paragraphs.append((text[offset : offset + length], line))
        offset += length
    return tuple(paragraphs)


def _joined_bounds(parts: Sequence[numpy.ndarray]) -> numpy.ndarray:
    """Offsets of several batches' pieces laid end to end, each batch's shifted past the last.

    >>> _joined_bounds([numpy.array([0, 2, 5]), numpy.array([0, 1])]).tolist()
    [0, 2, 5, 6]
    """
    shifted, end = [numpy.zeros(1, dtype=numpy.int64)], 0
    for bounds in parts:
        shifted.append(numpy.asarray(bounds[1:], dtype=numpy.int64) + end)
        end += int(bounds[-1])
    return numpy.concatenate(shifted)


def offsets(lengths: Sequence[int]) -> numpy.ndarray:
    """Offsets of pieces of these lengths laid end to end, from 0 (a batch's bounds).

    >>> offsets([3, 0, 2]).tolist()
    [0, 3, 3, 5]
    """
    return numpy.concatenate(([0], numpy.cumsum(numpy.asarray(lengths, dtype=numpy.int64)))).astype(numpy.int64)


def _entries(documents: Sequence[StoredDocument]) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Every (bucket key, position in the batch) of `documents` as two arrays, sorted by
    position then key, without repeats (the index hands each document's keys over that
    way already, so this only sorts when a caller did not)."""
    lengths = [len(document.keys) for document in documents]
    keys = numpy.fromiter(chain.from_iterable(document.keys for document in documents), dtype=numpy.uint64, count=sum(lengths))
    owners = numpy.repeat(numpy.arange(len(documents), dtype=numpy.int64), lengths)
    ascending = (keys[1:] > keys[:-1]) | (owners[1:] != owners[:-1])
    if not bool(ascending.all()):
        order = numpy.lexsort((keys, owners))
        keys, owners = keys[order], owners[order]
        distinct = numpy.ones(len(keys), dtype=bool)
        distinct[1:] = (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])
        keys, owners = keys[distinct], owners[distinct]
    return keys, owners
