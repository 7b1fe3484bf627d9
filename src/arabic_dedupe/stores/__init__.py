"""Persistent index storage: the one small protocol every backend implements, and `open_store`.

A store keeps opaque document records and buckets (64-bit key -> document ids); it knows
nothing about MinHash. `arabic_dedupe.index` decides what the records and keys mean.

Contract (tests/test_stores.py runs it over every backend):

- `claim(parameters)` stores the parameters of an empty store and returns what the store
  holds, atomically, so two processes creating one index agree on who won.
- `add(documents)` writes one batch all or nothing. Re-adding an id replaces the old record
  and its bucket entries. It is `write(encode(documents))`: `encode` lays the batch out
  (no lock, no transaction), `write` stores it.
- `members(keys, limit)` returns the ids filed under any of `keys`, at most `limit` per key
  (the ones added first), so a bucket every article of a site shares stays cheap.
- `remove(ids)` deletes records and their bucket entries, returning the ids it found.
- `check()` lists problems (empty when the store is consistent): every bucket entry must
  point at a stored document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from arabic_dedupe.errors import StoreError


@dataclass(frozen=True)
class StoredDocument:
    """One indexed document as a store keeps it.

    `paragraphs` are the cleaned paragraphs as (text, input line); `fingerprint` is an
    encoded slice of Fingerprints (see `arabic_dedupe.index`), opaque to the store; `keys`
    are the buckets the document is filed under (unsigned 64-bit; a store gives them back
    sorted and without repeats).
    """

    id: str
    site: str
    paragraphs: tuple[tuple[str, int], ...]
    text_hash: int
    fingerprint: bytes
    keys: tuple[int, ...]


class Store(Protocol):
    """What the index needs from a backend. Every method may raise StoreError."""

    location: str

    def parameters(self) -> dict | None:
        """The parameters the index was built with, or None for an empty new index."""

    def claim(self, parameters: dict) -> dict:
        """Record `parameters` if none are recorded yet; return the recorded ones."""

    def add(self, documents: Sequence[StoredDocument]) -> None:
        """Store one batch atomically (replacing records with the same ids): `write(encode(documents))`."""

    def encode(self, documents: Sequence[StoredDocument]) -> object:
        """`documents` laid out for `write`: the part of `add` that needs no lock, so a
        caller can do it while another thread writes the previous batch."""

    def write(self, encoded: object) -> None:
        """Store one batch `encode` laid out, atomically."""

    def members(self, keys: Iterable[int], limit: int) -> set[str]:
        """Ids filed under any of `keys`, at most `limit` per key, earliest added first."""

    def get(self, ids: Iterable[str]) -> list[StoredDocument]:
        """The records of those ids that are stored, in the order asked."""

    def remove(self, ids: Iterable[str]) -> list[str]:
        """Delete records and their bucket entries; return the ids that were stored."""

    def documents(self) -> Iterator[StoredDocument]:
        """Every record, ordered by id."""

    def counts(self) -> dict[str, int]:
        """documents, paragraphs, buckets (distinct keys) and bucket_entries."""

    def size_bytes(self) -> int | None:
        """Space the index takes (file or server memory), when the backend can tell."""

    def check(self) -> list[str]:
        """Integrity problems, one line each; empty when the store is consistent."""

    def close(self) -> None:
        """Release the connection (idempotent)."""


def open_store(location: str, *, create: bool = True) -> Store:
    """The backend for a LOCATION: `redis://host:port/db`, `memory:`, or a file path (SQLite).

    With `create=False` a missing index file is an error instead of a new empty index (a
    Redis database or memory store simply starts empty).

    >>> store = open_store("memory:")
    >>> store.parameters() is None, store.counts()["documents"]
    (True, 0)
    """
    if not location:
        raise StoreError("no index location given; pass --index PATH or --index redis://host:port/db")
    if location.startswith(("redis://", "rediss://", "unix://")):
        from arabic_dedupe.stores.redis import RedisStore

        return RedisStore(location)
    if location == "memory:":
        from arabic_dedupe.stores.memory import MemoryStore

        return MemoryStore()
    from arabic_dedupe.stores.sqlite import SQLiteStore

    return SQLiteStore(location, create=create)
