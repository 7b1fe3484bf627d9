"""Redis store: one index shared by several crawler machines (`redis://host:port/db`).

Key layout (every key starts with `dedupe:`):

- `dedupe:format`: "1", the layout version.
- `dedupe:parameters`: JSON of the parameters that built the index (set once, SET NX).
- `dedupe:sequence`: counter handing each added document a number (insertion order).
- `dedupe:documents`: sorted set, document id -> its number.
- `dedupe:document:<id>`: hash with `site`, `paragraphs` (JSON `[[text, line], ...]`),
  `text_hash` (decimal), `fingerprint` (raw bytes), `keys` (bucket keys, little-endian
  uint64 bytes), `number`.
- `dedupe:bucket:<key as 16 hex digits>`: sorted set, document id -> its number, so a
  bucket's oldest members come first.
- `dedupe:counts`: hash with `paragraphs` and `bucket_entries`, kept in step by every write.

Each `add` or `remove` batch is one MULTI/EXEC transaction that WATCHes the records it
replaces or deletes: a killed writer leaves whole batches, and two writers touching the
same id retry instead of leaving stray bucket entries. Nothing is unpickled.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

import numpy
import redis

from arabic_dedupe.errors import StoreError
from arabic_dedupe.stores import StoredDocument

FORMAT = b"1"
PREFIX = "dedupe:"
# Commands sent in one round trip when reading buckets or records.
_READ_CHUNK = 5000
# Pages of SCAN when counting or checking buckets.
_SCAN_COUNT = 5000
_RECORD_FIELDS = (b"site", b"paragraphs", b"text_hash", b"fingerprint", b"keys")


def _document_key(identifier: str) -> str:
    return f"{PREFIX}document:{identifier}"


def _bucket_key(key: int) -> str:
    return f"{PREFIX}bucket:{key:016x}"


class RedisStore:
    """An index in a Redis database, shared by every process that can reach the server."""

    def __init__(self, url: str):
        self.location = url
        try:
            self.client = redis.Redis.from_url(url, socket_timeout=60, socket_connect_timeout=10)
        except ValueError as error:
            raise StoreError(f"cannot use the index location {url}: {error}; expected redis://host:port/db") from None
        format_value = self._call(self.client.get, f"{PREFIX}format")
        if format_value is not None and format_value != FORMAT:
            raise StoreError(
                f"{url} holds dedupe index format {format_value.decode(errors='replace')}, this version reads "
                f"format {FORMAT.decode()}; use another database or rebuild the index"
            )

    def _call(self, function, *arguments, **options):
        try:
            return function(*arguments, **options)
        except redis.exceptions.ConnectionError as error:
            raise StoreError(f"cannot reach Redis at {self.location}: {error}; is redis-server running?") from None
        except redis.exceptions.RedisError as error:
            raise StoreError(f"Redis at {self.location} refused a command: {error}") from None

    def parameters(self) -> dict | None:
        text = self._call(self.client.get, f"{PREFIX}parameters")
        return None if text is None else json.loads(text)

    def claim(self, parameters: dict) -> dict:
        self._call(self.client.set, f"{PREFIX}format", FORMAT, nx=True)
        self._call(self.client.set, f"{PREFIX}parameters", json.dumps(parameters, sort_keys=True), nx=True)
        return self.parameters()

    def add(self, documents: Sequence[StoredDocument]) -> None:
        if not documents:
            return
        # Later copies of an id in one batch win, as they would in separate batches.
        latest = list({document.id: document for document in documents}.values())
        first_number = self._call(self.client.incrby, f"{PREFIX}sequence", len(latest)) - len(latest) + 1

        def write(pipe) -> None:
            old = _old_keys(pipe, [document.id for document in latest])
            pipe.multi()
            _queue_deletes(pipe, old)
            paragraphs = entries = 0
            for offset, document in enumerate(latest):
                number = first_number + offset
                keys = numpy.unique(numpy.array(document.keys, dtype=numpy.uint64))
                pipe.hset(
                    _document_key(document.id),
                    mapping={
                        "site": document.site,
                        "paragraphs": json.dumps([list(paragraph) for paragraph in document.paragraphs], ensure_ascii=False),
                        "text_hash": str(document.text_hash),
                        "fingerprint": document.fingerprint,
                        "keys": keys.astype("<u8").tobytes(),
                        "number": str(number),
                    },
                )
                pipe.zadd(f"{PREFIX}documents", {document.id: number})
                for key in keys.tolist():
                    pipe.zadd(_bucket_key(key), {document.id: number})
                paragraphs += len(document.paragraphs)
                entries += len(keys)
            pipe.hincrby(f"{PREFIX}counts", "paragraphs", paragraphs)
            pipe.hincrby(f"{PREFIX}counts", "bucket_entries", entries)

        self._transaction(write, [_document_key(document.id) for document in latest])

    def _transaction(self, write, watched: list[str]) -> None:
        """Run `write(pipe)` under WATCH of `watched`, retrying while another writer intervenes."""

        def attempt() -> None:
            with self.client.pipeline(transaction=True) as pipe:
                while True:
                    try:
                        pipe.watch(*watched)
                        write(pipe)
                        pipe.execute()
                        return
                    except redis.exceptions.WatchError:
                        continue

        self._call(attempt)

    def members(self, keys: Iterable[int], limit: int) -> set[str]:
        probe = sorted({int(key) for key in keys})
        found: set[str] = set()
        for start in range(0, len(probe), _READ_CHUNK):
            pipe = self.client.pipeline(transaction=False)
            for key in probe[start : start + _READ_CHUNK]:
                pipe.zrange(_bucket_key(key), 0, limit - 1)
            for members in self._call(pipe.execute):
                found.update(member.decode() for member in members)
        return found

    def get(self, ids: Iterable[str]) -> list[StoredDocument]:
        wanted = list(dict.fromkeys(ids))
        result = []
        for start in range(0, len(wanted), _READ_CHUNK):
            chunk = wanted[start : start + _READ_CHUNK]
            pipe = self.client.pipeline(transaction=False)
            for identifier in chunk:
                pipe.hmget(_document_key(identifier), _RECORD_FIELDS)
            for identifier, values in zip(chunk, self._call(pipe.execute)):
                if values[0] is not None:
                    result.append(_record(identifier, values))
        return result

    def remove(self, ids: Iterable[str]) -> list[str]:
        wanted = list(dict.fromkeys(ids))
        removed: list[str] = []

        def write(pipe) -> None:
            old = _old_keys(pipe, wanted)
            removed[:] = list(old)
            pipe.multi()
            _queue_deletes(pipe, old)

        if wanted:
            self._transaction(write, [_document_key(identifier) for identifier in wanted])
        return removed

    def documents(self) -> Iterator[StoredDocument]:
        ids = sorted(member.decode() for member in self._call(self.client.zrange, f"{PREFIX}documents", 0, -1))
        for start in range(0, len(ids), _READ_CHUNK):
            yield from self.get(ids[start : start + _READ_CHUNK])

    def _bucket_names(self) -> Iterator[bytes]:
        return self._call(self.client.scan_iter, match=f"{PREFIX}bucket:*", count=_SCAN_COUNT)

    def counts(self) -> dict[str, int]:
        counts = self._call(self.client.hgetall, f"{PREFIX}counts")
        return {
            "documents": self._call(self.client.zcard, f"{PREFIX}documents"),
            "paragraphs": int(counts.get(b"paragraphs", 0)),
            "buckets": sum(1 for _ in self._bucket_names()),
            "bucket_entries": int(counts.get(b"bucket_entries", 0)),
        }

    def size_bytes(self) -> int | None:
        # Redis cannot cheaply tell one prefix's memory; this is the whole server's.
        return int(self._call(self.client.info, "memory")["used_memory"])

    def check(self) -> list[str]:
        problems = []
        entries = 0
        for name in self._bucket_names():
            members = self._call(self.client.zrange, name, 0, -1)
            entries += len(members)
            if not members:
                continue
            scores = self._call(self.client.zmscore, f"{PREFIX}documents", members)
            for member, score in zip(members, scores):
                if score is None and len(problems) < 10:
                    problems.append(
                        f"bucket {name.decode()[len(PREFIX) + len('bucket:'):]} lists {member.decode()!r}, which is not stored"
                    )
        recorded = int(self._call(self.client.hget, f"{PREFIX}counts", "bucket_entries") or 0)
        if recorded != entries:
            problems.append(f"documents are filed under {recorded} bucket entries, but buckets hold {entries}")
        return problems

    def close(self) -> None:
        self.client.close()


def _old_keys(pipe, ids: list[str]) -> dict[str, tuple[numpy.ndarray, int]]:
    """Immediate-mode reads (after WATCH): the bucket keys and paragraph count of stored ids."""
    old = {}
    for identifier in ids:
        key_bytes, paragraphs = pipe.hmget(_document_key(identifier), ["keys", "paragraphs"])
        if key_bytes is not None:
            old[identifier] = (numpy.frombuffer(key_bytes, dtype="<u8"), len(json.loads(paragraphs)))
    return old


def _queue_deletes(pipe, old: dict[str, tuple[numpy.ndarray, int]]) -> None:
    paragraphs = entries = 0
    for identifier, (keys, paragraph_count) in old.items():
        for key in keys.tolist():
            pipe.zrem(_bucket_key(key), identifier)
        pipe.zrem(f"{PREFIX}documents", identifier)
        pipe.delete(_document_key(identifier))
        paragraphs += paragraph_count
        entries += len(keys)
    if old:
        pipe.hincrby(f"{PREFIX}counts", "paragraphs", -paragraphs)
        pipe.hincrby(f"{PREFIX}counts", "bucket_entries", -entries)


def _record(identifier: str, values: list) -> StoredDocument:
    site, paragraphs, text_hash, fingerprint, key_bytes = values
    return StoredDocument(
        id=identifier,
        site=site.decode(),
        paragraphs=tuple((text, int(line)) for text, line in json.loads(paragraphs)),
        text_hash=int(text_hash),
        fingerprint=bytes(fingerprint),
        keys=tuple(numpy.frombuffer(key_bytes, dtype="<u8").tolist()),
    )
