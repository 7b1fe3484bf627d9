"""SQLite store (stdlib sqlite3, WAL): the embedded default index, one file shared by processes.

Layout (format 1):

- `meta(name, value)`: `format` and `parameters` (JSON of `Settings.as_parameters()`).
- `documents(number, id, site, paragraphs, paragraph_count, text_hash, fingerprint, keys)`:
  `number` is an AUTOINCREMENT integer, so numbers grow in insertion order and are never
  reused; `paragraphs` is JSON `[[text, line], ...]`; `fingerprint` is opaque bytes;
  `keys` is the document's bucket keys as little-endian uint64 bytes (what `remove` deletes).
- `buckets(key, document)`: a WITHOUT ROWID table keyed (key, document), so one bucket's
  members are adjacent on disk and come out oldest first. Keys are stored as signed 64-bit
  (SQLite's INTEGER), the same bits as the unsigned key.

Nothing is ever unpickled: text is JSON, numbers are integers, arrays are raw bytes whose
dtype is fixed by the code. Each `add` or `remove` is one `BEGIN IMMEDIATE` transaction,
so a process killed at any point leaves the batches that committed and nothing else, and
concurrent writers queue on SQLite's lock (busy timeout) instead of failing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence

import numpy

from arabic_dedupe.errors import StoreError
from arabic_dedupe.stores import StoredDocument

FORMAT = "1"
# Writers wait this long for another process's batch to commit before giving up.
BUSY_TIMEOUT_SECONDS = 120.0
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS documents (
        number INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL,
        paragraphs TEXT NOT NULL,
        paragraph_count INTEGER NOT NULL,
        text_hash INTEGER NOT NULL,
        fingerprint BLOB NOT NULL,
        keys BLOB NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS buckets (
        key INTEGER NOT NULL,
        document INTEGER NOT NULL,
        PRIMARY KEY (key, document)
    ) WITHOUT ROWID""",
)
_COLUMNS = "id, site, paragraphs, text_hash, fingerprint, keys"


def _signed(keys: numpy.ndarray) -> numpy.ndarray:
    return numpy.asarray(keys, dtype=numpy.uint64).view(numpy.int64)


def _unsigned(value: int) -> int:
    return value & 0xFFFFFFFFFFFFFFFF


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
        self.connection.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a killed process loses nothing committed; only a power cut can
        # lose the last commits, and never corrupts the file.
        self.connection.execute("PRAGMA synchronous = NORMAL")
        # 64 MiB of page cache: bucket inserts land all over the b-tree.
        self.connection.execute("PRAGMA cache_size = -65536")
        # Copy the write-ahead log back into the file every ~80 MiB instead of every 4 MiB:
        # a 500-document batch writes ~10 MiB, and checkpointing after each one cost a
        # quarter of the write time. The last connection to close checkpoints the rest.
        self.connection.execute("PRAGMA wal_autocheckpoint = 20000")
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
        if not documents:
            return
        # Later copies of an id in one batch win, as they would in separate batches.
        latest = list({document.id: document for document in documents}.values())
        with self._transaction():
            self._delete(self._stored_ids([document.id for document in latest]))
            # The write lock is held, so numbers can be handed out here and the records
            # inserted with one executemany. sqlite_sequence remembers the largest number
            # ever used, so numbers of removed documents are never reused.
            row = self.connection.execute("SELECT seq FROM sqlite_sequence WHERE name = 'documents'").fetchone()
            first = (row[0] if row else 0) + 1
            rows, numbers, keys = [], [], []
            for offset, document in enumerate(latest):
                unique_keys = _sorted_distinct(document.keys)
                rows.append(
                    (
                        first + offset,
                        document.id,
                        document.site,
                        json.dumps([list(paragraph) for paragraph in document.paragraphs], ensure_ascii=False),
                        len(document.paragraphs),
                        _signed_int(document.text_hash),
                        document.fingerprint,
                        unique_keys.astype("<u8").tobytes(),
                    )
                )
                numbers.append(numpy.full(len(unique_keys), first + offset, dtype=numpy.int64))
                keys.append(_signed(unique_keys))
            self.connection.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            all_keys, all_numbers = numpy.concatenate(keys), numpy.concatenate(numbers)
            # Inserting in key order touches each b-tree page once per batch.
            order = numpy.argsort(all_keys, kind="stable")
            self.connection.executemany(
                "INSERT INTO buckets VALUES (?, ?)", zip(all_keys[order].tolist(), all_numbers[order].tolist())
            )

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
            keys = numpy.frombuffer(key_bytes, dtype="<u8").astype(numpy.uint64)
            self.connection.executemany(
                "DELETE FROM buckets WHERE key = ? AND document = ?",
                ((key, number) for key in _signed(keys).tolist()),
            )
            self.connection.execute("DELETE FROM documents WHERE number = ?", (number,))
            removed.append(identifier)
        return removed

    def members(self, keys: Iterable[int], limit: int) -> set[str]:
        probe = sorted({_signed_int(key) for key in keys})
        if not probe:
            return set()
        rows = self.connection.execute(
            "SELECT key, document FROM buckets WHERE key IN (SELECT value FROM json_each(?)) ORDER BY key, document",
            (json.dumps(probe),),
        ).fetchall()
        if not rows:
            return set()
        entries = numpy.array(rows, dtype=numpy.int64)
        # Rank of each entry inside its bucket (rows come sorted by key, then document
        # number, i.e. insertion order); keep the first `limit` of each bucket.
        first_of_bucket = numpy.ones(len(entries), dtype=bool)
        first_of_bucket[1:] = entries[1:, 0] != entries[:-1, 0]
        starts = numpy.flatnonzero(first_of_bucket)
        sizes = numpy.diff(numpy.append(starts, len(entries)))
        rank = numpy.arange(len(entries)) - numpy.repeat(starts, sizes)
        numbers = numpy.unique(entries[rank < limit, 1])
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
        problems += [
            f"bucket {_unsigned(key):016x} lists document number {number}, which is not stored"
            for key, number in orphans
        ]
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


def _sorted_distinct(keys: Sequence[int]) -> numpy.ndarray:
    """Keys as a sorted array without repeats (the index hands them over that way already)."""
    array = numpy.array(keys, dtype=numpy.uint64)
    if len(array) > 1 and not bool(numpy.all(array[1:] > array[:-1])):
        array = numpy.unique(array)
    return array


def _signed_int(key: int) -> int:
    key = int(key)
    return key - (1 << 64) if key >= 1 << 63 else key


def _record(row: tuple) -> StoredDocument:
    identifier, site, paragraphs, text_hash, fingerprint, key_bytes = row
    return StoredDocument(
        id=identifier,
        site=site,
        paragraphs=tuple((text, int(line)) for text, line in json.loads(paragraphs)),
        text_hash=_unsigned(text_hash),
        fingerprint=bytes(fingerprint),
        keys=tuple(numpy.frombuffer(key_bytes, dtype="<u8").tolist()),
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
