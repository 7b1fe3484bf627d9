"""SQLite store (stdlib sqlite3, WAL): the embedded default index, one file shared by processes.

Layout (format 2; "packed" means unsigned 64-bit big-endian bytes, which sort like the
numbers):

- `meta(name, value)`: `format` and `parameters` (JSON of `Settings.as_parameters()`).
- `documents(number, id, site, text, paragraph_shape, paragraph_count, text_hash,
  fingerprint, keys)`: `number` is an AUTOINCREMENT integer, so numbers grow in insertion
  order and are never reused; `text` is the cleaned paragraphs joined, and
  `paragraph_shape` each paragraph's input line and length in characters (big-endian
  signed 64-bit pairs); `fingerprint` is opaque bytes; `text_hash` is signed 64-bit
  (SQLite's INTEGER), the same bits as the unsigned hash; `keys` is the document's bucket
  keys, packed and sorted (what `remove` deletes).
- `buckets(key, document)`: a WITHOUT ROWID table keyed (key, document), the key packed
  (an 8-byte BLOB), so one bucket's members are adjacent on disk and come out oldest first.
- 16 KiB pages: a batch's commit writes a quarter of the pages 4 KiB ones took.

A batch goes in with two statements, whatever its size: the records' ids, sites, texts,
paragraph shapes, fingerprints and keys as one BLOB each, cut by `substr` at offsets
`json_each` reads from one JSON array of integers; the bucket entries as one BLOB of packed
keys (sorted, so each b-tree page is visited once) cut the same way. Why: sqlite3 lets go
of Python's global lock for each step of a statement, so an `executemany` of 665,000
bucket rows in `index add`'s writer thread waited for the lock 665,000 times while the
preparing thread held it (up to 5 ms each); two statements run alongside it instead.

Nothing is ever unpickled: text is UTF-8, parameters JSON, numbers integers, arrays raw
bytes whose dtype is fixed by the code. Each `add` or `remove` is one `BEGIN IMMEDIATE` transaction,
so a process killed at any point leaves the batches that committed and nothing else, and
concurrent writers queue on SQLite's lock (busy timeout) instead of failing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy

from arabic_dedupe.candidates import stable_sort
from arabic_dedupe.errors import StoreError
from arabic_dedupe.stores import StoredDocument
from arabic_dedupe.stores.batch import RecordBatch, offsets, split_paragraphs

FORMAT = "2"
# Writers wait this long for another process's batch to commit before giving up.
BUSY_TIMEOUT_SECONDS = 120.0
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS documents (
        number INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL,
        text TEXT NOT NULL,
        paragraph_shape BLOB NOT NULL,
        paragraph_count INTEGER NOT NULL,
        text_hash INTEGER NOT NULL,
        fingerprint BLOB NOT NULL,
        keys BLOB NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS buckets (
        key BLOB NOT NULL,
        document INTEGER NOT NULL,
        PRIMARY KEY (key, document)
    ) WITHOUT ROWID""",
)
_COLUMNS = "id, site, text, paragraph_shape, text_hash, fingerprint, keys"
PAGE_SIZE = 16384
# The write-ahead log is copied back into the file when it holds this much.
WAL_CHECKPOINT_BYTES = 80 * 1024 * 1024
_PACKED = numpy.dtype(">u8")
# One batch's records, numbered from ?2 in order: ?1 is a JSON array with, per record, the
# paragraph count, the text hash and the (start, length) in ?3 .. ?8 of its id, site, text,
# paragraph shape, fingerprint and keys. Strings travel as UTF-8 in BLOBs: one read out of
# JSON would end at its first NUL character.
_INSERT_DOCUMENTS = """
INSERT INTO documents (number, id, site, text, paragraph_shape, paragraph_count, text_hash, fingerprint, keys)
SELECT ?2 + key,
       CAST(coalesce(substr(?3, value ->> 2, value ->> 3), x'') AS TEXT),
       CAST(coalesce(substr(?4, value ->> 4, value ->> 5), x'') AS TEXT),
       CAST(coalesce(substr(?5, value ->> 6, value ->> 7), x'') AS TEXT), coalesce(substr(?6, value ->> 8, value ->> 9), x''),
       value ->> 0, value ->> 1,
       coalesce(substr(?7, value ->> 10, value ->> 11), x''), coalesce(substr(?8, value ->> 12, value ->> 13), x'')
FROM json_each(?1)
"""
# One batch's bucket entries: the packed keys (?1) and, in the same order, a JSON array of
# the documents' positions in the batch (?2, numbered from ?3), whose positions say which 8
# bytes of ?1 are the key.
_INSERT_ENTRIES = "INSERT INTO buckets SELECT substr(?1, 8 * key + 1, 8), ?3 + value FROM json_each(?2)"
# The entries of the buckets whose packed keys make up ?1; ?2 is a JSON array with one
# element per key, only there to count them (SQLite 3.40 has no series function).
_SELECT_ENTRIES = """
SELECT key, document FROM buckets
WHERE key IN (SELECT substr(?1, 8 * key + 1, 8) FROM json_each(?2))
ORDER BY key, document
"""


@dataclass(frozen=True)
class _Encoded:
    """A batch laid out for the two INSERTs (`SQLiteStore.encode`)."""

    ids: tuple[str, ...]
    records: str
    blobs: tuple[bytes, ...]
    entry_keys: bytes
    entry_owners: str


def _packed(keys: numpy.ndarray) -> bytes:
    return numpy.asarray(keys, dtype=numpy.uint64).astype(_PACKED).tobytes()


def _pieces(bounds: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """SQL substr arguments (starts from 1, lengths) of the pieces between `bounds`.

    >>> [values.tolist() for values in _pieces(numpy.array([0, 3, 3, 5]))]
    [[1, 4, 4], [3, 0, 2]]
    """
    bounds = numpy.asarray(bounds, dtype=numpy.int64)
    return bounds[:-1] + 1, numpy.diff(bounds)


def _unsigned(value: int) -> int:
    return value & 0xFFFFFFFFFFFFFFFF


def _positions(count: int) -> str:
    """A JSON array of `count` elements, for json_each to number rows 0 .. count - 1.

    >>> _positions(3), _positions(0)
    ('[0,0,0]', '[]')
    """
    return "[" + ",".join("0" * count) + "]"


def _key_text(key: object) -> str:
    """A bucket key as `check` reports it: 16 hex digits (what else it is, when damaged)."""
    if isinstance(key, bytes) and len(key) == 8:
        return f"{int.from_bytes(key, 'big'):016x}"
    return repr(key)


class SQLiteStore:
    """An index in one SQLite file; safe to share between processes on one machine."""

    def __init__(self, path: str, *, create: bool = True):
        self.location = path
        if os.path.isdir(path):
            raise StoreError(f"{path} is a folder; give a file path for the index, e.g. {os.path.join(path, 'index.db')}")
        if not create and not os.path.exists(path):
            raise StoreError(f"no index at {path}; create one with `dedupe index add PATH... --index {path}`")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise StoreError(f"cannot create the index {path}: folder {folder} does not exist")
        try:
            # isolation_level=None: transactions are opened explicitly, one per batch.
            # check_same_thread=False: `index add` commits from one writer thread while
            # the caller prepares the next batch; the store is never used by two threads
            # at the same moment.
            self.connection = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the index {path}: {error}") from None
        try:
            self._prepare_when_free()
        except sqlite3.DatabaseError as error:
            self.connection.close()
            raise StoreError(f"{path} is not a dedupe index (SQLite says: {error}); give another path") from None
        except StoreError:
            self.connection.close()
            raise

    def _prepare_when_free(self) -> None:
        """Prepare, waiting while another process creates or converts the same file.

        Switching to WAL and reading the schema can meet a lock that SQLite's busy timeout
        does not wait for (two crawlers opening a new index at the same moment), so a
        "database is locked" here is retried until the busy timeout has passed.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
        pause = 0.01
        while True:
            try:
                self._prepare()
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    def _prepare(self) -> None:
        tables = {row[0] for row in self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and not {"meta", "documents", "buckets"} <= tables:
            raise StoreError(f"{self.location} is a SQLite database but not a dedupe index; give another path")
        if not tables:
            # A page size only takes before the first table and before the switch to WAL.
            self.connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        self.connection.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a killed process loses nothing committed; only a power cut can
        # lose the last commits, and never corrupts the file.
        self.connection.execute("PRAGMA synchronous = NORMAL")
        # 64 MiB of page cache: bucket inserts land all over the b-tree.
        self.connection.execute("PRAGMA cache_size = -65536")
        # Copy the write-ahead log back into the file every ~80 MiB instead of every 1,000
        # pages: a 500-document batch writes ~10 MiB, and checkpointing after each one cost
        # a quarter of the write time. The last connection to close checkpoints the rest.
        page_size = self.connection.execute("PRAGMA page_size").fetchone()[0]
        self.connection.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_BYTES // page_size}")
        if not tables:
            with self._transaction():
                for statement in _SCHEMA:
                    self.connection.execute(statement)
                self.connection.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
        stored_format = self._meta("format")
        if stored_format != FORMAT:
            raise StoreError(
                f"{self.location} has index format {stored_format}, this version reads format {FORMAT}; "
                "rebuild the index with this version"
            )

    def _transaction(self):
        return _Transaction(self.connection, self.location)

    def _meta(self, name: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def parameters(self) -> dict | None:
        text = self._meta("parameters")
        return None if text is None else json.loads(text)

    def claim(self, parameters: dict) -> dict:
        with self._transaction():
            self.connection.execute(
                "INSERT OR IGNORE INTO meta VALUES ('parameters', ?)", (json.dumps(parameters, sort_keys=True),)
            )
        return self.parameters()

    def add(self, documents: Sequence[StoredDocument]) -> None:
        self.write(self.encode(documents))

    def encode(self, documents: Sequence[StoredDocument]) -> _Encoded | None:
        if not documents:
            return None
        batch = RecordBatch.of(documents).latest()
        ids = [identifier.encode("utf-8") for identifier in batch.ids]
        sites = [site.encode("utf-8") for site in batch.sites]
        shapes = numpy.stack((batch.paragraph_lines, batch.paragraph_lengths), axis=1).astype(">i8")
        columns = [
            numpy.diff(batch.paragraph_bounds),
            batch.text_hashes.view(numpy.int64),
            *_pieces(offsets([len(identifier) for identifier in ids])),
            *_pieces(offsets([len(site) for site in sites])),
            *_pieces(batch.text_bounds),
            *_pieces(batch.paragraph_bounds * 16),
            *_pieces(batch.fingerprint_bounds),
            *_pieces(batch.key_bounds * 8),
        ]
        # The entries by key, then by document (oldest first).
        order = stable_sort(batch.keys)[1]
        return _Encoded(
            ids=batch.ids,
            records=json.dumps(numpy.stack(columns, axis=1).tolist()),
            blobs=(b"".join(ids), b"".join(sites), batch.texts, shapes.tobytes(), batch.fingerprints, _packed(batch.keys)),
            entry_keys=_packed(batch.keys[order]),
            entry_owners=json.dumps(batch.key_owners[order].tolist()),
        )

    def write(self, encoded: _Encoded | None) -> None:
        if encoded is None:
            return
        with self._transaction():
            self._delete(self._stored_ids(list(encoded.ids)))
            # The write lock is held, so numbers can be handed out here. sqlite_sequence
            # remembers the largest number ever used, so numbers of removed documents are
            # never reused.
            row = self.connection.execute("SELECT seq FROM sqlite_sequence WHERE name = 'documents'").fetchone()
            first = (row[0] if row else 0) + 1
            self.connection.execute(_INSERT_DOCUMENTS, (encoded.records, first, *encoded.blobs))
            self.connection.execute(_INSERT_ENTRIES, (encoded.entry_keys, encoded.entry_owners, first))

    def _stored_ids(self, ids: Sequence[str]) -> list[str]:
        rows = self.connection.execute(
            "SELECT id FROM documents WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
        )
        return [row[0] for row in rows]

    def _delete(self, ids: Sequence[str]) -> list[str]:
        """Inside a transaction: delete records and their bucket entries."""
        removed = []
        for identifier in dict.fromkeys(ids):
            row = self.connection.execute("SELECT number, keys FROM documents WHERE id = ?", (identifier,)).fetchone()
            if row is None:
                continue
            number, key_bytes = row
            self.connection.executemany(
                "DELETE FROM buckets WHERE key = ? AND document = ?",
                ((key_bytes[start : start + 8], number) for start in range(0, len(key_bytes), 8)),
            )
            self.connection.execute("DELETE FROM documents WHERE number = ?", (number,))
            removed.append(identifier)
        return removed

    def members(self, keys: Iterable[int], limit: int) -> set[str]:
        probe = numpy.unique(numpy.fromiter(keys, dtype=numpy.uint64))
        if not len(probe):
            return set()
        rows = self.connection.execute(_SELECT_ENTRIES, (_packed(probe), _positions(len(probe)))).fetchall()
        if not rows:
            return set()
        bucket_keys, numbers = zip(*rows)
        entries = numpy.frombuffer(b"".join(bucket_keys), dtype=_PACKED)
        # Rank of each entry inside its bucket (rows come sorted by key, then document
        # number, i.e. insertion order); keep the first `limit` of each bucket.
        first_of_bucket = numpy.ones(len(entries), dtype=bool)
        first_of_bucket[1:] = entries[1:] != entries[:-1]
        starts = numpy.flatnonzero(first_of_bucket)
        sizes = numpy.diff(numpy.append(starts, len(entries)))
        rank = numpy.arange(len(entries)) - numpy.repeat(starts, sizes)
        numbers = numpy.unique(numpy.array(numbers, dtype=numpy.int64)[rank < limit])
        found = self.connection.execute(
            "SELECT id FROM documents WHERE number IN (SELECT value FROM json_each(?))", (json.dumps(numbers.tolist()),)
        )
        return {row[0] for row in found}

    def get(self, ids: Iterable[str]) -> list[StoredDocument]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        rows = self.connection.execute(
            f"SELECT {_COLUMNS} FROM documents WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(wanted),)
        )
        found = {row[0]: _record(row) for row in rows}
        return [found[identifier] for identifier in wanted if identifier in found]

    def remove(self, ids: Iterable[str]) -> list[str]:
        with self._transaction():
            return self._delete(list(ids))

    def documents(self) -> Iterator[StoredDocument]:
        for row in self.connection.execute(f"SELECT {_COLUMNS} FROM documents ORDER BY id"):
            yield _record(row)

    def counts(self) -> dict[str, int]:
        documents, paragraphs = self.connection.execute(
            "SELECT count(*), coalesce(sum(paragraph_count), 0) FROM documents"
        ).fetchone()
        buckets, entries = self.connection.execute("SELECT count(DISTINCT key), count(*) FROM buckets").fetchone()
        return {"documents": documents, "paragraphs": paragraphs, "buckets": buckets, "bucket_entries": entries}

    def size_bytes(self) -> int | None:
        return sum(
            os.path.getsize(path) for path in (self.location, self.location + "-wal") if os.path.exists(path)
        )

    def check(self) -> list[str]:
        problems = [
            f"SQLite integrity check: {row[0]}"
            for row in self.connection.execute("PRAGMA integrity_check")
            if row[0] != "ok"
        ]
        orphans = self.connection.execute(
            "SELECT key, document FROM buckets WHERE document NOT IN (SELECT number FROM documents) LIMIT 10"
        ).fetchall()
        problems += [f"bucket {_key_text(key)} lists document number {number}, which is not stored" for key, number in orphans]
        malformed = self.connection.execute(
            "SELECT count(*) FROM buckets WHERE typeof(key) != 'blob' OR length(key) != 8"
        ).fetchone()[0]
        if malformed:
            problems.append(f"{malformed} bucket entries have a key that is not 8 bytes")
        expected = self.connection.execute("SELECT coalesce(sum(length(keys)), 0) / 8 FROM documents").fetchone()[0]
        entries = self.connection.execute("SELECT count(*) FROM buckets").fetchone()[0]
        if expected != entries:
            problems.append(f"documents are filed under {expected} bucket entries, but buckets hold {entries}")
        try:
            self.parameters()
        except ValueError as error:
            problems.append(f"stored parameters are not valid JSON: {error}")
        return problems

    def close(self) -> None:
        self.connection.close()


def _record(row: tuple) -> StoredDocument:
    identifier, site, text, shape, text_hash, fingerprint, key_bytes = row
    lines, lengths = numpy.frombuffer(shape, dtype=">i8").reshape(-1, 2).T.tolist() if shape else ([], [])
    return StoredDocument(
        id=identifier,
        site=site,
        paragraphs=split_paragraphs(text, lines, lengths),
        text_hash=_unsigned(text_hash),
        fingerprint=bytes(fingerprint),
        keys=tuple(numpy.frombuffer(key_bytes, dtype=_PACKED).tolist()),
    )


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error, with SQLite errors as StoreError."""

    def __init__(self, connection: sqlite3.Connection, location: str):
        self.connection = connection
        self.location = location

    def __enter__(self) -> None:
        try:
            # IMMEDIATE takes the write lock now, so two writers queue instead of deadlocking
            # when both try to upgrade a read lock.
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StoreError(f"cannot write to the index {self.location}: {error}; is another process holding it?") from None

    def __exit__(self, kind, error, traceback) -> bool:
        if kind is None:
            try:
                self.connection.execute("COMMIT")
                return False
            except sqlite3.Error as commit_error:
                self.connection.execute("ROLLBACK")
                raise StoreError(f"cannot write to the index {self.location}: {commit_error}") from None
        self.connection.execute("ROLLBACK")
        if isinstance(error, sqlite3.Error) and not isinstance(error, StoreError):
            raise StoreError(f"cannot write to the index {self.location}: {error}") from None
        return False
