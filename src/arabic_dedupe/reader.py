"""Paths, folders and standard input -> Documents: the only stage that opens input files.

Bytes become text in decoding; this module decides what is read and what becomes a Document.

Rules a user can rely on (each is tested):

- Arguments are read in the order given; a folder is walked recursively in the order of
  its relative paths compared name by name on the raw bytes (like pathlib), taking the
  files whose name matches the glob. A path given explicitly is read whatever its name.
- Each file's bytes are decoded by decoding.decode_bytes (UTF-8 first, then UTF-16, the
  legacy Arabic code pages, mojibake repair, NULs dropped; its docstring lists the rules).
- Files whose bytes are more than BINARY_SHARE control bytes are skipped as binary.
  Files over MAX_FILE_BYTES are skipped; JSONL is streamed record by record.
- `.html` and `.htm` files are decoded like any text file, then become the article they
  hold (html_input): one paragraph per line, without menus, comments or related links.
"""

from __future__ import annotations

import codecs
import csv
import errno
import fnmatch
import gzip
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from arabic_dedupe.decoding import (
    BINARY_SHARE,
    decode_bytes,
    non_text_share,
    repair_mojibake,
    replace_invalid_utf8,
)
from arabic_dedupe.model import Document, Skipped

# One document is held in memory whole; a bigger file is almost always a dump that
# belongs in JSONL (streamed below) or split into articles.
MAX_FILE_BYTES = 64 * 1024 * 1024

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Characters that would break a one-line message or drive a terminal if printed raw.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

_RECORD_FORMATS = ((".jsonl.gz", "jsonl.gz"), (".jsonl", "jsonl"), (".csv", "csv"))
# Web pages become the article they hold (html_input); the markup is decoded here first.
_HTML_SUFFIXES = (".html", ".htm")
_FILE_KINDS = (
    (stat.S_ISFIFO, "named pipe (FIFO)"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


@dataclass(frozen=True)
class _Options:
    glob: str
    text_field: str
    id_field: str
    max_file_bytes: int


def read_documents(
    paths: Sequence[str],
    *,
    glob: str = "*.txt",
    stdin: BinaryIO | None = None,
    text_field: str = "text",
    id_field: str = "id",
    max_file_bytes: int = MAX_FILE_BYTES,
) -> Iterator[Document | Skipped]:
    """Yield a Document for every readable input and a Skipped for every other one.

    `-` reads `stdin`; a folder is walked recursively for files matching `glob`;
    `.jsonl`, `.jsonl.gz` and `.csv` files yield one Document per record. No single
    input stops the others: every problem becomes a Skipped with a one-line message.
    """
    options = _Options(glob, text_field, id_field, max_file_bytes)
    for argument in paths:
        argument = os.fsdecode(argument)
        if argument == "-":
            yield _read_stdin(stdin, options)
        else:
            yield from _read_argument(argument, options)


# --- paths ----------------------------------------------------------------------------


def display_path(path: str) -> str:
    """A path as it can be printed on one line: bytes that are not UTF-8 shown as \\x
    escapes, control and bidi-override characters as Python escapes.

    >>> display_path("news/\\udcff.txt")
    'news/\\\\xff.txt'
    >>> display_path("bad\\nname\\x1b[31m.txt")
    'bad\\\\nname\\\\x1b[31m.txt'
    """
    try:
        path.encode("utf-8")
        shown = path
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", errors="backslashreplace")
    return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), shown)


def _site(path: str) -> str:
    return display_path(os.path.dirname(path)) or "."


def _read_argument(argument: str, options: _Options) -> Iterator[Document | Skipped]:
    try:
        info = os.stat(argument)
    except OSError as error:
        yield _skipped_for_error(argument, error)
        return
    if stat.S_ISDIR(info.st_mode):
        yield from _read_directory(argument, info, options)
    else:
        yield from _read_file(argument, info, options)


def _read_directory(top: str, info: os.stat_result, options: _Options) -> Iterator[Document | Skipped]:
    matched = 0
    visited = {(info.st_dev, info.st_ino): top}
    for found in _walk(top, frozenset(visited), visited, options.glob):
        if isinstance(found, Skipped):
            yield found
            continue
        matched += 1
        path, file_info = found
        yield from _read_file(path, file_info, options)
    if matched == 0:
        shown = display_path(top)
        if _holds_any_file(top):
            message = (
                f"{shown}: no files matching '{options.glob}' in this folder; skipped. "
                "Use --glob to select other files."
            )
        else:
            message = f"{shown}: empty folder; skipped. Pass a folder that holds text files."
        yield Skipped(shown, message)


def _walk(
    directory: str,
    ancestors: frozenset[tuple[int, int]],
    visited: dict[tuple[int, int], str],
    glob: str,
) -> Iterator[tuple[str, os.stat_result] | Skipped]:
    """Matching files under `directory` in path order, following links but not loops."""
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: os.fsencode(entry.name))
    except OSError as error:
        yield _skipped_for_error(directory, error)
        return
    for entry in entries:
        try:
            is_directory = entry.is_dir()
        except OSError:
            is_directory = False
        if is_directory:
            try:
                info = entry.stat()
            except OSError as error:
                yield _skipped_for_error(entry.path, error)
                continue
            key = (info.st_dev, info.st_ino)
            shown = display_path(entry.path)
            if key in ancestors:
                yield Skipped(
                    shown,
                    f"{shown}: folder loop (leads back to {display_path(visited[key])}); "
                    "skipped. Remove the link that points back up the tree.",
                )
            elif key in visited:
                yield Skipped(
                    shown,
                    f"{shown}: same folder as {display_path(visited[key])}, already read; skipped.",
                )
            else:
                visited[key] = entry.path
                yield from _walk(entry.path, ancestors | {key}, visited, glob)
        elif fnmatch.fnmatch(entry.name, glob):
            try:
                yield entry.path, entry.stat()
            except OSError as error:
                yield _skipped_for_error(entry.path, error)


def _holds_any_file(top: str) -> bool:
    return any(files for _, _, files in os.walk(top))


def _skipped_for_error(path: str, error: OSError) -> Skipped:
    shown = display_path(path)
    if error.errno == errno.ENOENT and os.path.islink(path):
        what = "broken symbolic link (its target does not exist); skipped. Fix or remove the link."
    elif error.errno == errno.ENOENT:
        what = "no such file or folder; skipped. Check the path."
    elif error.errno == errno.ELOOP:
        what = "symbolic link loop; skipped. Fix or remove the link."
    elif error.errno in (errno.EACCES, errno.EPERM):
        what = "permission denied; skipped. Make it readable, or run as a user who can read it."
    elif error.errno == errno.ENOTDIR:
        what = "a part of the path is a file, not a folder; skipped. Check the path."
    else:
        what = f"cannot be read ({error.strerror or error}); skipped."
    return Skipped(shown, f"{shown}: {what}")


# --- files ----------------------------------------------------------------------------


def _record_format(path: str) -> str | None:
    name = path.lower()
    for suffix, record_format in _RECORD_FORMATS:
        if name.endswith(suffix):
            return record_format
    return None


def _read_file(path: str, info: os.stat_result, options: _Options) -> Iterator[Document | Skipped]:
    shown = display_path(path)
    kind = _special_kind(info)
    if kind is not None:
        yield _skipped_special(shown, kind)
        return
    record_format = _record_format(path)
    try:
        if record_format in ("jsonl", "jsonl.gz"):
            yield from _read_jsonl(path, options, compressed=record_format == "jsonl.gz")
            return
        data = _read_regular_file(path, info, options.max_file_bytes)
        if isinstance(data, Skipped):
            yield data
        elif record_format == "csv":
            yield from _read_csv(path, data, options)
        else:
            document = _document_from_bytes(data, shown, _site(path), _name_warnings(path, shown))
            if isinstance(document, Document) and path.lower().endswith(_HTML_SUFFIXES):
                # Imported for the first page: the extraction libraries take 0.1 s to load,
                # which a scan of text or JSONL files should not pay.
                from arabic_dedupe.html_input import article_document

                document = article_document(document)
            yield document
    except OSError as error:
        yield _skipped_for_error(path, error)


def _special_kind(info: os.stat_result) -> str | None:
    for test, kind in _FILE_KINDS:
        if test(info.st_mode):
            return kind
    return None if stat.S_ISREG(info.st_mode) else "not a file"


def _skipped_special(shown: str, kind: str) -> Skipped:
    return Skipped(
        shown,
        f"{shown}: not a regular file ({kind}); skipped. Reading it could block or never "
        "end: save its contents to a file, or pipe it in with '-'.",
    )


def _open_regular(path: str) -> BinaryIO | str:
    """Open without ever blocking (a FIFO can appear after the walk saw a file); returns
    the file, or the kind of special file found instead."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    kind = _special_kind(os.fstat(descriptor))
    if kind is not None:
        os.close(descriptor)
        return kind
    return open(descriptor, "rb")


def _read_regular_file(path: str, info: os.stat_result, limit: int) -> bytes | Skipped:
    shown = display_path(path)
    if info.st_size > limit:
        return _skipped_too_large(shown, info.st_size, limit)
    handle = _open_regular(path)
    if isinstance(handle, str):
        return _skipped_special(shown, handle)
    with handle:
        # Asking for the listed size (not the limit) avoids a limit-sized buffer per file.
        data = handle.read(info.st_size + 1)
        if len(data) > info.st_size:
            data += handle.read(limit + 1 - len(data))
    if len(data) > limit:  # grew since it was listed
        return _skipped_too_large(shown, len(data), limit)
    return data


def _skipped_too_large(shown: str, size: int, limit: int) -> Skipped:
    return Skipped(
        shown,
        f"{shown}: {_size(size)} is over the {_size(limit)} limit for one file; skipped. "
        "Split it into one file per article, or convert it to JSONL (one article per line).",
    )


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MiB"
    return f"{size} bytes"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _name_warnings(path: str, shown: str) -> tuple[str, ...]:
    if shown == path:
        return ()
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return (f"{shown}: file name is not valid UTF-8; shown with \\x escapes. Rename the file to silence this.",)
    return (f"{shown}: file name holds control characters; shown escaped. Rename the file to silence this.",)


def _document_from_bytes(
    data: bytes, shown: str, site: str, warnings: tuple[str, ...] = ()
) -> Document | Skipped:
    share = non_text_share(data)
    if share > BINARY_SHARE:
        return _skipped_binary(shown, share)
    text, encoding, decode_warnings = decode_bytes(data, shown)
    if not text.strip():
        return Skipped(shown, f"{shown}: empty file; skipped. Check that it was saved completely.")
    return Document(
        id=shown, text=text, site=site, path=shown, encoding=encoding, warnings=warnings + decode_warnings
    )


def _skipped_binary(shown: str, share: float) -> Skipped:
    return Skipped(
        shown,
        f"{shown}: binary file ({share:.0%} non-text bytes); skipped. "
        "Pass text files, or use --glob to select them.",
    )


def _read_stdin(stdin: BinaryIO | None, options: _Options) -> Document | Skipped:
    if stdin is None:
        return Skipped("-", "-: no standard input was given; skipped. Pipe text in, or pass file paths.")
    stream = getattr(stdin, "buffer", stdin)  # accept a text stream by its bytes
    chunks, size = [], 0
    while size <= options.max_file_bytes:
        chunk = stream.read(options.max_file_bytes + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > options.max_file_bytes:
        return Skipped(
            "-",
            f"-: standard input is over the {_size(options.max_file_bytes)} limit for one "
            "document; skipped. Save it as files, or as JSONL (one article per line).",
        )
    return _document_from_bytes(b"".join(chunks), "-", "-")


# --- records inside files -------------------------------------------------------------

_JSON_TYPE_NAMES = {dict: "an object", list: "a list", int: "a number", float: "a number", bool: "true/false"}

# A plain JSONL file is read in blocks of this size and cut into lines: one call per block
# rather than one per record, while memory stays bounded by a block and one line.
_BLOCK_BYTES = 1024 * 1024
# JSON writes a lone surrogate only as an escape \uD800 to \uDFFF, so a line without `\u`
# followed by d or D cannot hold one and its fields are not searched for them.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD]")
_READ_ERRORS = (OSError, EOFError, zlib.error)

# (line number, the line's bytes) for each line of a file; None instead of the bytes for a
# line over the limit, and a read error as the last item when the rest cannot be read.
_NumberedLine = tuple[int, bytes | None | Exception]


def _read_jsonl(path: str, options: _Options, *, compressed: bool) -> Iterator[Document | Skipped]:
    """One Document per line, streamed so a corpus dump of any size stays in bounds."""
    shown = display_path(path)
    handle = _open_regular(path)
    if isinstance(handle, str):
        yield _skipped_special(shown, handle)
        return
    site = _site(path)
    pending = list(_name_warnings(path, shown))
    limit = options.max_file_bytes
    records = 0
    with handle:
        if compressed:
            lines = _lines_by_readline(gzip.GzipFile(fileobj=handle, mode="rb"), limit)
        else:
            lines = _lines_by_block(handle, limit)
        for number, line in lines:
            if isinstance(line, bytes):
                if number == 1:
                    line = line.removeprefix(codecs.BOM_UTF8)
                result = _record_from_json_line(line, number, shown, site, options, pending)
                if result is None:
                    continue
                records += 1
                if isinstance(result, Document):
                    pending = []
                yield result
            elif line is None:
                records += 1
                yield Skipped(
                    shown,
                    f"{shown}:{number}: record is over the {_size(limit)} limit; skipped. "
                    "Split the article or leave it out.",
                )
            else:
                damage = "damaged compressed data" if compressed else f"read error ({line})"
                yield Skipped(
                    shown,
                    f"{shown}:{number}: {damage}; skipped the rest of the file. "
                    "Check the file, or decompress what can be recovered.",
                )
                return
    if records == 0:
        yield Skipped(shown, f"{shown}: empty file; skipped. Check that it was saved completely.")


def _lines_by_readline(stream: BinaryIO, limit: int) -> Iterator[_NumberedLine]:
    """Numbered lines of a compressed stream, read line by line: a block read that meets
    damaged data would lose the lines before the damage in that block."""
    number = 0
    try:
        while line := stream.readline(limit + 1):
            number += 1
            if len(line) > limit and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):
                    line = stream.readline(limit)
                yield number, None
            else:
                yield number, line
    except _READ_ERRORS as error:
        yield number + 1, error


def _lines_by_block(stream: BinaryIO, limit: int) -> Iterator[_NumberedLine]:
    """Numbered lines of a plain file (without their `\\n`), cut from big blocks.

    A line that goes on past its block is kept in pieces until it ends, and dropped as
    soon as it is over the limit, so a one-line file of any size needs little memory.
    """
    number = 0
    pieces: list[bytes] = []  # the unfinished line, while it is within the limit
    held = 0  # the unfinished line's length so far
    try:
        while block := stream.read(_BLOCK_BYTES):
            lines: list[bytes | None] = block.split(b"\n")
            tail = lines.pop()
            if not lines:  # the whole block lies inside one line
                held += len(tail)
                if held <= limit:
                    pieces.append(tail)
                else:
                    pieces = []
                continue
            if held:
                held += len(lines[0])
                lines[0] = b"".join([*pieces, lines[0]]) if held <= limit else None
            for line in lines:
                number += 1
                yield number, (line if line is None or len(line) <= limit else None)
            held = len(tail)
            pieces = [tail] if held <= limit else []
        if held:
            yield number + 1, (b"".join(pieces) if held <= limit else None)
    except _READ_ERRORS as error:
        yield number + 1, error


def _record_from_json_line(
    line: bytes, number: int, shown: str, site: str, options: _Options, warnings: list[str]
) -> Document | Skipped | None:
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError:
        decoded, replaced = replace_invalid_utf8(line)
        warnings = [*warnings, f"{shown}:{number}: {_count(replaced, 'invalid UTF-8 byte')} replaced by U+FFFD."]
    if not decoded or decoded.isspace():  # as `not decoded.strip()`, without a copy of the line
        return None
    try:
        # JSON ignores the line end, so the line is parsed as it is; only an error is
        # looked at again without the line end, to report the column on that line.
        record = json.loads(decoded)
    except (ValueError, RecursionError):
        record = _json_or_skipped(decoded.rstrip("\r\n"), shown, f"{shown}:{number}")
        if isinstance(record, Skipped):
            return record
    if not isinstance(record, dict):
        kind = _JSON_TYPE_NAMES.get(type(record), "a string" if isinstance(record, str) else "null")
        return Skipped(
            shown,
            f"{shown}:{number}: the line holds {kind}, not a JSON object; skipped. "
            f"Each line must be an object with a '{options.text_field}' field.",
        )
    may_hold_surrogates = _SURROGATE_ESCAPE.search(line) is not None
    return _document_from_record(record, shown, number, site, options, "utf-8", warnings, may_hold_surrogates)


def _json_or_skipped(text: str, shown: str, where: str) -> object:
    """The value of one line of JSON, or a Skipped saying where and why it is invalid."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        problem = error.msg.removesuffix(" at")
        return Skipped(
            shown,
            f"{where}: invalid JSON ({problem} at column {error.colno}); skipped. "
            "Each line must be one JSON object.",
        )
    except (ValueError, RecursionError):
        return Skipped(shown, f"{where}: invalid JSON (nested too deeply); skipped. Each line must be one JSON object.")


def _read_csv(path: str, data: bytes, options: _Options) -> Iterator[Document | Skipped]:
    """One Document per row under a header row naming the columns."""
    shown = display_path(path)
    share = non_text_share(data)
    if share > BINARY_SHARE:
        yield _skipped_binary(shown, share)
        return
    text, encoding, decode_warnings = decode_bytes(data, shown)
    pending = list(_name_warnings(path, shown) + decode_warnings)
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    while header is not None and not any(cell.strip() for cell in header):
        header = next(rows, None)
    if header is None:
        yield Skipped(shown, f"{shown}: empty file; skipped. Check that it was saved completely.")
        return
    header = [cell.strip() for cell in header]
    if options.text_field not in header:
        yield Skipped(
            shown,
            f"{shown}: no '{options.text_field}' column in the header ({', '.join(header)}); "
            "skipped. Use --text-field to name the column that holds the text.",
        )
        return
    site = _site(path)
    start = rows.line_num + 1
    records = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            records += 1
            yield Skipped(shown, f"{shown}:{start}: malformed CSV ({error}); skipped. Check the quoting of this row.")
            start = rows.line_num + 1
            continue
        line, start = start, rows.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        records += 1
        result = _document_from_record(dict(zip(header, row)), shown, line, site, options, encoding, pending)
        if isinstance(result, Document):
            pending = []
        yield result
    if records == 0:
        yield Skipped(shown, f"{shown}: no rows under the header; skipped. Check that the CSV holds articles below its header row.")


def _document_from_record(
    fields: dict,
    shown: str,
    line: int,
    default_site: str,
    options: _Options,
    encoding: str,
    warnings: list[str],
    may_hold_surrogates: bool = True,
) -> Document | Skipped:
    """A JSONL or CSV record as a Document: id `file#id` (or `file#LINE`), site from `source`.

    `may_hold_surrogates` is False when the record's source cannot hold a lone surrogate,
    which spares searching every field for one.
    """
    where = f"{shown}:{line}"
    text_field = options.text_field
    if text_field not in fields:
        return Skipped(
            shown,
            f"{where}: no '{text_field}' field; skipped. "
            "Use --text-field to name the field that holds the text.",
        )
    text = fields[text_field]
    if not isinstance(text, str):
        kind = _JSON_TYPE_NAMES.get(type(text), "null")
        return Skipped(
            shown,
            f"{where}: field '{text_field}' holds {kind}, not text; skipped. "
            "Use --text-field to name the field that holds the text.",
        )
    warnings = list(warnings)
    if may_hold_surrogates:
        text, replaced = _LONE_SURROGATE.subn("\N{REPLACEMENT CHARACTER}", text)
        if replaced:
            warnings.append(
                f"{where}: {_count(replaced, 'lone surrogate escape')} (like \\ud800) replaced by U+FFFD."
            )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = repair_mojibake(text, where, warnings)
    if not text or text.isspace():  # as `not text.strip()`, without a copy of the text
        return Skipped(shown, f"{where}: empty text; skipped. Check the text field of this record.")
    get = fields.get
    record_id = _field_text(get(options.id_field), may_hold_surrogates) or str(line)
    return Document(
        id=f"{shown}#{record_id}",
        text=text,
        site=_field_text(get("source"), may_hold_surrogates) or default_site,
        path=shown,
        encoding=encoding,
        first_line=line,
        title=_field_text(get("title"), may_hold_surrogates),
        date=_field_text(get("date"), may_hold_surrogates) or _field_text(get("date_extracted"), may_hold_surrogates),
        warnings=tuple(warnings),
    )


def _field_text(value: object, may_hold_surrogates: bool = True) -> str:
    """A scalar field as printable text; lists, objects and null count as absent."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(value)
    else:
        return ""
    if may_hold_surrogates:
        text = _LONE_SURROGATE.sub("\N{REPLACEMENT CHARACTER}", text)
    return text.strip()
