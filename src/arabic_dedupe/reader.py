"""Paths, folders and standard input -> Documents: the only stage that opens input files.

Decoding lives here too: a strict UTF-8 fast path, UTF-16, legacy Arabic code pages, mojibake.

Rules a user can rely on (each is tested):

- Arguments are read in the order given; a folder is walked recursively in the order of
  its relative paths compared name by name on the raw bytes (like pathlib), taking the
  files whose name matches the glob. A path given explicitly is read whatever its name.
- Valid UTF-8 (with or without a byte-order mark) is decoded without any guessing.
  UTF-16 is recognised by its byte-order mark, or without one by the pattern of high
  bytes (0x00 for ASCII, 0x06 for Arabic) in every second byte.
- Other bytes are taken as UTF-8 with a few damaged bytes when most non-ASCII bytes still
  form valid UTF-8; otherwise windows-1256 or ISO-8859-6 is detected, but only when there
  are at least MIN_DETECTION_BYTES non-ASCII bytes. Below that no detector can tell the
  two code pages (or UTF-8) apart, so the text is decoded as UTF-8 with U+FFFD
  replacements and a warning asks for a UTF-8 copy.
- Files whose bytes are more than BINARY_SHARE control bytes are skipped as binary; NUL
  bytes in a text file are dropped (silently at the end, where some windows-1256 corpora
  put one). Files over MAX_FILE_BYTES are skipped; JSONL is streamed record by record.
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

import charset_normalizer

from arabic_dedupe.html_input import article_document
from arabic_dedupe.model import Document, Skipped

# One document is held in memory whole; a bigger file is almost always a dump that
# belongs in JSONL (streamed below) or split into articles.
MAX_FILE_BYTES = 64 * 1024 * 1024

# Fewer non-ASCII bytes than this (about four short Arabic words) cannot tell
# windows-1256 from ISO-8859-6: most letters sit at the same bytes in both.
MIN_DETECTION_BYTES = 20

# Share of control bytes above which a file is binary. Compressed or random data has
# about 11% (28 of 256 byte values); text, whatever its encoding, has almost none.
BINARY_SHARE = 0.05

# The legacy code pages we detect, by the name charset-normalizer uses and the name we report.
LEGACY_ENCODINGS = {"cp1256": "windows-1256", "iso8859_6": "iso-8859-6"}

_TEXT_BYTES = bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100)) + b"\t\n\r\f\v"
_ASCII_BYTES = bytes(range(0x80))
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Characters that would break a one-line message or drive a terminal if printed raw.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ARABIC_LETTER = re.compile("[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]")
_LETTER = re.compile(r"[^\W\d_]")
_DEFINITE_ARTICLE = "\N{ARABIC LETTER ALEF}\N{ARABIC LETTER LAM}"

_RECORD_FORMATS = ((".jsonl.gz", "jsonl.gz"), (".jsonl", "jsonl"), (".csv", "csv"))
# Web pages become the article they hold (html_input); the markup is decoded here first.
_HTML_SUFFIXES = (".html", ".htm")
_FILE_KINDS = (
    (stat.S_ISFIFO, "named pipe (FIFO)"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


def _single_byte_encoder(codec: str) -> object:
    """Encoding map for `codec` in which bytes the codec leaves undefined stand for the
    C1 control of the same number, as browsers and Windows decode them; mojibake made
    that way can only be undone with the same table."""
    table = "".join(
        bytes([value]).decode(codec, errors="ignore") or chr(value) for value in range(256)
    )
    return codecs.charmap_build(table)


# UTF-8 Arabic mis-decoded as a single-byte code page turns the lead bytes 0xD8/0xD9 of
# every letter into these two characters, so they make up half the non-ASCII text.
_MOJIBAKE_CODECS = (
    ("windows-1256", "\N{ARABIC LETTER TAH}\N{ARABIC LETTER ZAH}", _single_byte_encoder("cp1256")),
    (
        "windows-1252",
        "\N{LATIN CAPITAL LETTER O WITH STROKE}\N{LATIN CAPITAL LETTER U WITH GRAVE}",
        _single_byte_encoder("cp1252"),
    ),
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


def decode_bytes(data: bytes, path: str) -> tuple[str, str, tuple[str, ...]]:
    """Decode one file's bytes: (text with `\\n` line ends, encoding name, warnings).

    Never raises: what cannot be decoded is replaced by U+FFFD and named in a warning.

    >>> decode_bytes(b"\\xef\\xbb\\xbfsalam\\r\\n", "a.txt")
    ('salam\\n', 'utf-8-sig', ())
    """
    warnings: list[str] = []
    utf16 = _utf16_encoding(data)
    if utf16 is not None:
        encoding, evidence = utf16
        body = data[2:] if evidence == "byte-order mark" else data
        text = body.decode(encoding, errors="replace")
        warnings.append(
            f"{path}: not UTF-8; decoded as {encoding} ({evidence}). "
            "Convert it to UTF-8 to silence this."
        )
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
        text = _decode_utf8_replacing(data[len(codecs.BOM_UTF8) :].rstrip(b"\0"), path, warnings)
    else:
        data = data.rstrip(b"\0")
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _decode_not_utf8(data, path, warnings)
    text = _drop_nuls(text, path, warnings)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _repair_mojibake(text, path, warnings)
    return text, encoding, tuple(warnings)


def non_text_share(data: bytes) -> float:
    """Share of control bytes, ignoring trailing NULs; 0.0 for anything UTF-16.

    >>> non_text_share(b"plain text\\n\\0")
    0.0
    >>> non_text_share(b"\\x89PNG\\r\\n\\x1a\\n\\0\\0\\0\\rIHDR")
    0.25
    """
    body = data.rstrip(b"\0")
    if not body:
        return 1.0 if data else 0.0
    control = len(body.translate(None, _TEXT_BYTES))
    if control == 0 or _utf16_encoding(data) is not None:
        return 0.0
    return control / len(body)


# --- decoding -------------------------------------------------------------------------


def _utf16_encoding(data: bytes) -> tuple[str, str] | None:
    """The UTF-16 byte order of `data` and the evidence for it, or None."""
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", "byte-order mark"
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", "byte-order mark"
    # ASCII and Arabic have high byte 0x00 or 0x06; without one of them it cannot be UTF-16.
    if len(data) < 4 or (b"\0" not in data and b"\x06" not in data):
        return None
    even = data[: len(data) // 2 * 2]
    for encoding, high_bytes, low_bytes in (
        ("utf-16-le", even[1::2], even[0::2]),
        ("utf-16-be", even[0::2], even[1::2]),
    ):
        pairs = len(high_bytes)
        plausible_high = high_bytes.count(0) + high_bytes.count(6)
        # Real text has some ASCII (spaces, line ends), whose high byte is NUL.
        if (
            plausible_high >= 0.9 * pairs
            and high_bytes.count(0) > 0
            and low_bytes.count(0) <= 0.05 * pairs
        ):
            # Arrays of small 16-bit numbers have the same pattern; text decodes to letters.
            decoded = even.decode(encoding, errors="replace")
            controls = sum(1 for char in decoded if char < " " and char not in "\t\n\r\f\v")
            if controls <= BINARY_SHARE * len(decoded):
                return encoding, "detected from the byte pattern, no byte-order mark"
    return None


def _decode_utf8_replacing(data: bytes, path: str, warnings: list[str]) -> str:
    """UTF-8 with every invalid byte replaced by U+FFFD, counted in a warning."""
    text, replaced = _ESCAPED_BYTE.subn("\N{REPLACEMENT CHARACTER}", data.decode("utf-8", "surrogateescape"))
    if replaced:
        warnings.append(
            f"{path}: {_count(replaced, 'invalid UTF-8 byte')} replaced by U+FFFD. "
            "Check the file for damage or mixed encodings."
        )
    return text


def _decode_not_utf8(data: bytes, path: str, warnings: list[str]) -> tuple[str, str]:
    """Bytes that failed strict UTF-8: damaged UTF-8, a legacy code page, or a guess."""
    escaped = data.decode("utf-8", "surrogateescape")
    invalid = len(_ESCAPED_BYTE.findall(escaped))
    non_ascii = len(data.translate(None, _ASCII_BYTES))
    fallback = _ESCAPED_BYTE.sub("\N{REPLACEMENT CHARACTER}", escaped)
    replaced = _count(invalid, "invalid byte")
    if invalid * 2 <= non_ascii:
        warnings.append(
            f"{path}: {_count(invalid, 'invalid UTF-8 byte')} replaced by U+FFFD. "
            "Check the file for damage or mixed encodings."
        )
        return fallback, "utf-8"
    if non_ascii < MIN_DETECTION_BYTES:
        warnings.append(
            f"{path}: not UTF-8, and {_count(non_ascii, 'non-ASCII byte')} are too few to "
            f"tell its encoding; decoded as UTF-8 with {replaced} replaced by U+FFFD. "
            "Convert it to UTF-8."
        )
        return fallback, "utf-8"
    detected = _detect_legacy_encoding(data)
    if detected is None:
        warnings.append(
            f"{path}: not UTF-8, and not windows-1256, ISO-8859-6 or UTF-16 either; decoded "
            f"as UTF-8 with {replaced} replaced by U+FFFD. Convert it to UTF-8."
        )
        return fallback, "utf-8"
    warnings.append(
        f"{path}: not UTF-8; decoded as {LEGACY_ENCODINGS[detected]} (detected). "
        "Convert it to UTF-8 to silence this."
    )
    return data.decode(detected, errors="replace"), LEGACY_ENCODINGS[detected]


def _detect_legacy_encoding(data: bytes) -> str | None:
    """charset-normalizer's pick among the Arabic code pages, checked on Arabic itself.

    On short texts whose letters sit at the same bytes in both code pages,
    charset-normalizer can prefer the wrong one; the definite article ال is the most
    frequent Arabic letter pair and its lam sits at different bytes (0xE1 / 0xE4), so the
    right decoding has far more of it. Ties keep charset-normalizer's order.
    """
    try:
        matches = charset_normalizer.from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS))
        candidates = [match.encoding for match in matches if match.encoding in LEGACY_ENCODINGS]
    except Exception:  # a heuristic library must not stop a run over thousands of files
        return None
    best, best_articles = None, -1
    for candidate in candidates:
        try:
            articles = data.decode(candidate).count(_DEFINITE_ARTICLE)
        except UnicodeDecodeError:
            continue
        if articles > best_articles:
            best, best_articles = candidate, articles
    return best


def _drop_nuls(text: str, path: str, warnings: list[str]) -> str:
    """NULs are never text; trailing ones are a known corpus habit and dropped silently."""
    text = text.rstrip("\0")
    if "\0" in text:
        warnings.append(f"{path}: {_count(text.count(chr(0)), 'NUL byte')} dropped.")
        text = text.replace("\0", "")
    return text


def _repair_mojibake(text: str, path: str, warnings: list[str]) -> str:
    """Undo UTF-8 Arabic that was decoded as windows-1256 or windows-1252 and saved again.

    The repair (re-encode with that code page, decode as strict UTF-8) is applied only
    when it succeeds and gives mostly Arabic letters; a text that only looks like
    mojibake is left alone with a warning.

    >>> warnings = []
    >>> _repair_mojibake("ط£ط¹ظ„ظ†طھ ط§ظ„ظˆط²ط§ط±ط©", "a.txt", warnings)
    'أعلنت الوزارة'
    >>> _repair_mojibake("أعلنت الوزارة", "b.txt", warnings)
    'أعلنت الوزارة'
    """
    for codec, lead_characters, encoding_map in _MOJIBAKE_CODECS:
        leads = sum(text.count(character) for character in lead_characters)
        if leads < 3:
            continue
        non_ascii = len(text) - len(text.encode("ascii", "ignore"))
        if leads < 0.3 * non_ascii:
            continue
        how = f"UTF-8 text that had been decoded as {codec} and saved again"
        try:
            repaired = codecs.charmap_encode(text, "strict", encoding_map)[0].decode("utf-8")
        except UnicodeError:
            repaired = None
        if repaired is not None and _mostly_arabic(repaired):
            warnings.append(
                f"{path}: repaired mojibake ({how}). Save the repaired text as UTF-8 to silence this."
            )
            return repaired
        warnings.append(
            f"{path}: looks like mojibake ({how}) but cannot be repaired unambiguously; "
            "left as is. Export it again from its source as UTF-8."
        )
        return text
    return text


def _mostly_arabic(text: str) -> bool:
    letters = len(_LETTER.findall(text))
    return letters > 0 and len(_ARABIC_LETTER.findall(text)) >= 0.5 * letters


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


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
    number = 0
    records = 0
    with handle:
        stream = gzip.GzipFile(fileobj=handle, mode="rb") if compressed else handle
        try:
            while line := stream.readline(limit + 1):
                number += 1
                if len(line) > limit and not line.endswith(b"\n"):
                    while line and not line.endswith(b"\n"):
                        line = stream.readline(limit)
                    records += 1
                    yield Skipped(
                        shown,
                        f"{shown}:{number}: record is over the {_size(limit)} limit; skipped. "
                        "Split the article or leave it out.",
                    )
                    continue
                if number == 1:
                    line = line.removeprefix(codecs.BOM_UTF8)
                result = _record_from_json_line(line, number, shown, site, options, pending)
                if result is not None:
                    records += 1
                    if isinstance(result, Document):
                        pending = []
                    yield result
        except (OSError, EOFError, zlib.error) as error:
            damage = "damaged compressed data" if compressed else f"read error ({error})"
            yield Skipped(
                shown,
                f"{shown}:{number + 1}: {damage}; skipped the rest of the file. "
                "Check the file, or decompress what can be recovered.",
            )
            return
    if records == 0:
        yield Skipped(shown, f"{shown}: empty file; skipped. Check that it was saved completely.")


def _record_from_json_line(
    line: bytes, number: int, shown: str, site: str, options: _Options, warnings: list[str]
) -> Document | Skipped | None:
    where = f"{shown}:{number}"
    warnings = list(warnings)
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError:
        decoded, replaced = _ESCAPED_BYTE.subn(
            "\N{REPLACEMENT CHARACTER}", line.decode("utf-8", "surrogateescape")
        )
        warnings.append(f"{where}: {_count(replaced, 'invalid UTF-8 byte')} replaced by U+FFFD.")
    if not decoded.strip():
        return None
    try:
        record = json.loads(decoded.rstrip("\r\n"))
    except json.JSONDecodeError as error:
        problem = error.msg.removesuffix(" at")
        return Skipped(
            shown,
            f"{where}: invalid JSON ({problem} at column {error.colno}); skipped. "
            "Each line must be one JSON object.",
        )
    except (ValueError, RecursionError):
        return Skipped(shown, f"{where}: invalid JSON (nested too deeply); skipped. Each line must be one JSON object.")
    if not isinstance(record, dict):
        kind = _JSON_TYPE_NAMES.get(type(record), "a string" if isinstance(record, str) else "null")
        return Skipped(
            shown,
            f"{where}: the line holds {kind}, not a JSON object; skipped. "
            f"Each line must be an object with a '{options.text_field}' field.",
        )
    return _document_from_record(record, shown, number, site, options, "utf-8", warnings)


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
) -> Document | Skipped:
    """A JSONL or CSV record as a Document: id `file#id` (or `file#LINE`), site from `source`."""
    where = f"{shown}:{line}"
    if options.text_field not in fields:
        return Skipped(
            shown,
            f"{where}: no '{options.text_field}' field; skipped. "
            "Use --text-field to name the field that holds the text.",
        )
    text = fields[options.text_field]
    if not isinstance(text, str):
        kind = _JSON_TYPE_NAMES.get(type(text), "null")
        return Skipped(
            shown,
            f"{where}: field '{options.text_field}' holds {kind}, not text; skipped. "
            "Use --text-field to name the field that holds the text.",
        )
    warnings = list(warnings)
    text, replaced = _LONE_SURROGATE.subn("\N{REPLACEMENT CHARACTER}", text)
    if replaced:
        warnings.append(
            f"{where}: {_count(replaced, 'lone surrogate escape')} (like \\ud800) replaced by U+FFFD."
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _repair_mojibake(text, where, warnings)
    if not text.strip():
        return Skipped(shown, f"{where}: empty text; skipped. Check the text field of this record.")
    record_id = _field_text(fields.get(options.id_field)) or str(line)
    return Document(
        id=f"{shown}#{record_id}",
        text=text,
        site=_field_text(fields.get("source")) or default_site,
        path=shown,
        encoding=encoding,
        first_line=line,
        title=_field_text(fields.get("title")),
        date=_field_text(fields.get("date")) or _field_text(fields.get("date_extracted")),
        warnings=tuple(warnings),
    )


def _field_text(value: object) -> str:
    """A scalar field as printable text; lists, objects and null count as absent."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return _LONE_SURROGATE.sub("\N{REPLACEMENT CHARACTER}", str(value)).strip()
