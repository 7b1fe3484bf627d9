"""Bytes -> text: strict UTF-8 first, then UTF-16, the legacy Arabic code pages, mojibake repair.

Owns every decoding decision and its warnings, and the test for bytes that are not text at all.

Rules a user can rely on (each is tested):

- Valid UTF-8 (with or without a byte-order mark) is decoded without any guessing.
  UTF-16 is recognised by its byte-order mark, or without one by the pattern of high
  bytes (0x00 for ASCII, 0x06 for Arabic) in every second byte.
- Other bytes are taken as UTF-8 with a few damaged bytes when most non-ASCII bytes still
  form valid UTF-8; otherwise windows-1256 or ISO-8859-6 is detected, but only when there
  are at least MIN_DETECTION_BYTES non-ASCII bytes. Below that no detector can tell the
  two code pages (or UTF-8) apart, so the text is decoded as UTF-8 with U+FFFD
  replacements and a warning asks for a UTF-8 copy.
- Bytes that are more than BINARY_SHARE control bytes are binary (non_text_share); NUL
  bytes in a text are dropped (silently at the end, where some windows-1256 corpora put one).
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

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
_ARABIC_LETTER = re.compile("[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]")
_LETTER = re.compile(r"[^\W\d_]")
_DEFINITE_ARTICLE = "\N{ARABIC LETTER ALEF}\N{ARABIC LETTER LAM}"


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


# Frequent Arabic letters, none a lead character of a codec above. Counting a character
# costs more the more often it occurs: yeh, at half of alef's rate, settles most news texts.
_FREQUENT_NON_LEAD_LETTERS = ("\N{ARABIC LETTER YEH}", "\N{ARABIC LETTER ALEF}", "\N{ARABIC LETTER LAM}")


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
    text = repair_mojibake(text, path, warnings)
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


def replace_invalid_utf8(data: bytes) -> tuple[str, int]:
    """UTF-8 with every invalid byte replaced by U+FFFD, and how many were replaced.

    >>> replace_invalid_utf8(b"caf\\xc3\\xa9 \\xff") == ("caf\\xe9 \\N{REPLACEMENT CHARACTER}", 1)
    True
    """
    return _ESCAPED_BYTE.subn("\N{REPLACEMENT CHARACTER}", data.decode("utf-8", "surrogateescape"))


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
    text, replaced = replace_invalid_utf8(data)
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


def repair_mojibake(text: str, path: str, warnings: list[str]) -> str:
    """Undo UTF-8 Arabic that was decoded as windows-1256 or windows-1252 and saved again.

    The repair (re-encode with that code page, decode as strict UTF-8) is applied only
    when it succeeds and gives mostly Arabic letters; a text that only looks like
    mojibake is left alone with a warning.

    >>> warnings = []
    >>> repair_mojibake("ط£ط¹ظ„ظ†طھ ط§ظ„ظˆط²ط§ط±ط©", "a.txt", warnings)
    'أعلنت الوزارة'
    >>> repair_mojibake("أعلنت الوزارة", "b.txt", warnings)
    'أعلنت الوزارة'
    """
    for codec, lead_characters, encoding_map in _MOJIBAKE_CODECS:
        if not _leads_like_mojibake(text, lead_characters):
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


def _leads_like_mojibake(text: str, lead_characters: str) -> bool:
    """At least 3 of the lead characters, making up at least 0.3 of the non-ASCII ones.

    Counting the non-ASCII characters copies the text, and in real Arabic ط and ظ are
    common enough to pass the first test. Frequent Arabic letters are non-ASCII too, and
    real Arabic has many times more of them than leads (mojibake almost none), so a
    count or two of them settles most texts; only the rest are counted exactly. The
    answer is the same either way: each count is a lower bound of the non-ASCII ones.

    >>> _leads_like_mojibake("ط£ط¹ظ„ظ†طھ", "طظ"), _leads_like_mojibake("قال ضابط إن الخطة تحفظ النظام", "طظ")
    (True, False)
    """
    leads = 0
    for character in lead_characters:
        if character in text:  # finding no character is several times faster than counting
            leads += text.count(character)
    if leads < 3:
        return False
    known_non_ascii = leads
    for letter in _FREQUENT_NON_LEAD_LETTERS:
        known_non_ascii += text.count(letter)
        if leads < 0.3 * known_non_ascii:
            return False
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return leads >= 0.3 * non_ascii


def _mostly_arabic(text: str) -> bool:
    letters = len(_LETTER.findall(text))
    return letters > 0 and len(_ARABIC_LETTER.findall(text)) >= 0.5 * letters


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
