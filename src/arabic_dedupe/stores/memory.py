"""In-memory store: the reference implementation of the Store contract, for tests and one-off runs.

Nothing persists; a batch is applied to plain dicts after it has been fully validated.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Iterator, Sequence

from arabic_dedupe.stores import StoredDocument


class MemoryStore:
    """Records by id and buckets as key -> {id: sequence number} (insertion ordered)."""

    def __init__(self) -> None:
        self.location = "memory:"
        self._parameters: dict | None = None
        self._records: dict[str, tuple[int, StoredDocument]] = {}
        self._buckets: dict[int, dict[str, int]] = {}
        self._sequence = 0

    def parameters(self) -> dict | None:
        return copy.deepcopy(self._parameters)

    def claim(self, parameters: dict) -> dict:
        if self._parameters is None:
            self._parameters = copy.deepcopy(parameters)
        return copy.deepcopy(self._parameters)

    def add(self, documents: Sequence[StoredDocument]) -> None:
        self.write(self.encode(documents))

    def encode(self, documents: Sequence[StoredDocument]) -> list[StoredDocument]:
        return list(documents)

    def write(self, encoded: list[StoredDocument]) -> None:
        for document in encoded:
            document = dataclasses.replace(document, keys=tuple(sorted(set(document.keys))))
            self._unfile(document.id)
            self._sequence += 1
            self._records[document.id] = (self._sequence, document)
            for key in set(document.keys):
                self._buckets.setdefault(key, {})[document.id] = self._sequence

    def members(self, keys: Iterable[int], limit: int) -> set[str]:
        found: set[str] = set()
        for key in set(keys):
            bucket = self._buckets.get(key)
            if bucket:
                earliest = sorted(bucket.items(), key=lambda item: item[1])[:limit]
                found.update(identifier for identifier, _ in earliest)
        return found

    def get(self, ids: Iterable[str]) -> list[StoredDocument]:
        return [self._records[identifier][1] for identifier in ids if identifier in self._records]

    def remove(self, ids: Iterable[str]) -> list[str]:
        return [identifier for identifier in dict.fromkeys(ids) if self._unfile(identifier)]

    def _unfile(self, identifier: str) -> bool:
        entry = self._records.pop(identifier, None)
        if entry is None:
            return False
        for key in set(entry[1].keys):
            bucket = self._buckets.get(key, {})
            bucket.pop(identifier, None)
            if not bucket:
                self._buckets.pop(key, None)
        return True

    def documents(self) -> Iterator[StoredDocument]:
        for identifier in sorted(self._records):
            yield self._records[identifier][1]

    def counts(self) -> dict[str, int]:
        return {
            "documents": len(self._records),
            "paragraphs": sum(len(record.paragraphs) for _, record in self._records.values()),
            "buckets": len(self._buckets),
            "bucket_entries": sum(len(bucket) for bucket in self._buckets.values()),
        }

    def size_bytes(self) -> int | None:
        return None

    def check(self) -> list[str]:
        return [
            f"bucket {key:016x} lists {identifier!r}, which is not stored"
            for key, bucket in self._buckets.items()
            for identifier in bucket
            if identifier not in self._records
        ]

    def close(self) -> None:
        pass
