"""Write the reader's byte-exact fixtures: fixtures/encodings/ and fixtures/inputs/.

Run from the repository root: `python scripts/make_encoding_fixtures.py`. The output is
deterministic (no timestamps, fixed pseudo-random bytes), so running it again must leave
`git status` clean. fixtures/encodings/cases.json records, for every file, the text the
reader must produce, the encoding it must report and the exact messages ("{path}" stands
for the path as passed to the reader).
"""

from __future__ import annotations

import gzip
import json
import random
import struct
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENCODINGS = ROOT / "fixtures" / "encodings"
INPUTS = ROOT / "fixtures" / "inputs"

# Written for these fixtures; every character exists in ISO-8859-6 as well as windows-1256.
ARTICLE = (
    "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في شمال المدينة.\n"
    "وقال المتحدث باسم الوزارة إن المستشفى يضم مئتي سرير وقسما للطوارئ.\n"
    "ومن المتوقع أن يبدأ استقبال المرضى مطلع الشهر المقبل.\n"
)
SHORT_LINE = "نعم\n"
CONVERT = "Convert it to UTF-8 to silence this."


def mojibake(text: str, codec: str) -> str:
    """UTF-8 bytes read as `codec`, undefined bytes kept as C1 controls (as browsers do)."""
    return "".join(
        bytes([value]).decode(codec, errors="ignore") or chr(value) for value in text.encode("utf-8")
    )


def tiny_png() -> bytes:
    """An 8x8 RGB PNG of fixed pseudo-random pixels."""
    generator = random.Random(1256)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    rows = b"".join(b"\0" + bytes(generator.randrange(256) for _ in range(8 * 3)) for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def executable_like() -> bytes:
    """The shape of an ELF file: a header, tables of small integers, zero padding."""
    return b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"".join(struct.pack("<I", number) for number in range(200)) + b"\0" * 64


def encoding_cases() -> list[dict]:
    """(file, bytes, expected) for every decoding rule the reader promises."""
    unrepairable = ARTICLE.splitlines()[0] + "\n" + mojibake(ARTICLE, "cp1256")
    cases = [
        ("utf-8.txt", ARTICLE.encode("utf-8"), "valid UTF-8: the fast path, no warning",
         ARTICLE, "utf-8", []),
        ("utf-8-bom.txt", b"\xef\xbb\xbf" + ARTICLE.encode("utf-8"), "the byte-order mark is removed",
         ARTICLE, "utf-8-sig", []),
        ("crlf.txt", ARTICLE.replace("\n", "\r\n").encode("utf-8"), "Windows line ends become \\n",
         ARTICLE, "utf-8", []),
        ("lone-cr.txt", ARTICLE.replace("\n", "\r").encode("utf-8"), "old Mac line ends become \\n",
         ARTICLE, "utf-8", []),
        ("windows-1256.txt", ARTICLE.encode("cp1256"), "legacy Arabic code page, detected",
         ARTICLE, "windows-1256",
         [f"{{path}}: not UTF-8; decoded as windows-1256 (detected). {CONVERT}"]),
        ("iso-8859-6.txt", ARTICLE.encode("iso8859_6"), "the other legacy Arabic code page",
         ARTICLE, "iso-8859-6",
         [f"{{path}}: not UTF-8; decoded as iso-8859-6 (detected). {CONVERT}"]),
        ("nul-terminated-windows-1256.txt", ARTICLE.encode("cp1256") + b"\0",
         "some windows-1256 corpora end every file with a NUL: dropped silently",
         ARTICLE, "windows-1256",
         [f"{{path}}: not UTF-8; decoded as windows-1256 (detected). {CONVERT}"]),
        ("utf-16-le-bom.txt", b"\xff\xfe" + ARTICLE.encode("utf-16-le"), "UTF-16 by its byte-order mark",
         ARTICLE, "utf-16-le",
         [f"{{path}}: not UTF-8; decoded as utf-16-le (byte-order mark). {CONVERT}"]),
        ("utf-16-be-bom.txt", b"\xfe\xff" + ARTICLE.encode("utf-16-be"), "UTF-16 by its byte-order mark",
         ARTICLE, "utf-16-be",
         [f"{{path}}: not UTF-8; decoded as utf-16-be (byte-order mark). {CONVERT}"]),
        ("utf-16-le-no-bom.txt", ARTICLE.encode("utf-16-le"), "UTF-16 by its pattern of high bytes",
         ARTICLE, "utf-16-le",
         [f"{{path}}: not UTF-8; decoded as utf-16-le (detected from the byte pattern, no byte-order mark). {CONVERT}"]),
        ("utf-16-be-no-bom.txt", ARTICLE.encode("utf-16-be"), "UTF-16 by its pattern of high bytes",
         ARTICLE, "utf-16-be",
         [f"{{path}}: not UTF-8; decoded as utf-16-be (detected from the byte pattern, no byte-order mark). {CONVERT}"]),
        ("invalid-bytes.txt", ARTICLE.encode("utf-8").replace("شمال".encode("utf-8"), b"\xff\xfe", 1),
         "damaged UTF-8: two bytes replaced, the rest kept",
         ARTICLE.replace("شمال", "\ufffd\ufffd", 1), "utf-8",
         ["{path}: 2 invalid UTF-8 bytes replaced by U+FFFD. Check the file for damage or mixed encodings."]),
        ("nul-inside.txt", ARTICLE.encode("utf-8").replace(b"\n", b"\0\n", 1), "a stray NUL inside text",
         ARTICLE, "utf-8", ["{path}: 1 NUL byte dropped."]),
        ("tiny-windows-1256.txt", SHORT_LINE.encode("cp1256"),
         "three letters are no evidence of an encoding: UTF-8 with replacement, and a warning",
         "\ufffd\ufffd\ufffd\n", "utf-8",
         ["{path}: not UTF-8, and 3 non-ASCII bytes are too few to tell its encoding; decoded as "
          "UTF-8 with 3 invalid bytes replaced by U+FFFD. Convert it to UTF-8."]),
        ("mojibake-windows-1256.txt", mojibake(ARTICLE, "cp1256").encode("utf-8"),
         "UTF-8 read as windows-1256 and saved again: repaired",
         ARTICLE, "utf-8",
         ["{path}: repaired mojibake (UTF-8 text that had been decoded as windows-1256 and saved "
          "again). Save the repaired text as UTF-8 to silence this."]),
        ("mojibake-windows-1252.txt", mojibake(ARTICLE, "cp1252").encode("utf-8"),
         "UTF-8 read as windows-1252 and saved again: repaired",
         ARTICLE, "utf-8",
         ["{path}: repaired mojibake (UTF-8 text that had been decoded as windows-1252 and saved "
          "again). Save the repaired text as UTF-8 to silence this."]),
        ("mojibake-mixed.txt", unrepairable.encode("utf-8"),
         "one clean line before the mojibake makes the repair ambiguous: flagged, left as is",
         unrepairable, "utf-8",
         ["{path}: looks like mojibake (UTF-8 text that had been decoded as windows-1256 and saved "
          "again) but cannot be repaired unambiguously; left as is. Export it again from its "
          "source as UTF-8."]),
    ]
    skipped = [
        ("empty.txt", b"", "an empty file", "{path}: empty file; skipped. Check that it was saved completely."),
        ("whitespace-only.txt", b" \r\n\t\n  \n", "nothing but white space", "{path}: empty file; skipped. Check that it was saved completely."),
        ("binary.png", tiny_png(), "a picture (compressed pixels: about a fifth are control bytes)",
         "{path}: binary file (22% non-text bytes); skipped. Pass text files, or use --glob to select them."),
        ("binary-executable.txt", executable_like(), "an executable, even when named .txt",
         "{path}: binary file (78% non-text bytes); skipped. Pass text files, or use --glob to select them."),
    ]
    rows = [
        {"file": name, "bytes": data, "comment": comment, "text": text, "encoding": encoding,
         "warnings": warnings, "skipped": None}
        for name, data, comment, text, encoding, warnings in cases
    ]
    for name, data, comment, message in skipped:
        rows.append({"file": name, "bytes": data, "comment": comment, "text": None,
                     "encoding": None, "warnings": [], "skipped": message})
    return rows


JSONL_LINES = [
    json.dumps({"id": "a1", "title": "افتتاح مستشفى", "date": "2021-06-16", "source": "example-news",
                "text": ARTICLE}, ensure_ascii=False),
    json.dumps({"text": "خبر بلا معرف.\r\nسطر ثان.", "date_extracted": "2015-01-01 12:00:00"},
               ensure_ascii=False),
    '{"id": "broken", "text": "سطر مقطوع',
    json.dumps({"id": "no-text", "body": "النص في حقل آخر"}, ensure_ascii=False),
    '{"id": "surrogate", "text": "نص \\ud800 مكسور"}',
    "",
    json.dumps({"id": 7, "text": "معرف رقمي"}, ensure_ascii=False),
    '["not", "an", "object"]',
    json.dumps({"id": "blank", "text": "   "}),
    json.dumps({"id": "number", "text": 42}),
]

CSV_TEXT = (
    "id,title,source,text\r\n"
    "c1,عنوان أول,example-news,\"فقرة أولى.\r\nفقرة ثانية، بعد فاصلة.\"\r\n"
    ",بلا معرف,,نص الصف الثالث\r\n"
    "\r\n"
    "c3,نص فارغ,,\r\n"
    "c4,الأخير,,آخر صف\r\n"
)


def input_files() -> dict[str, bytes]:
    jsonl = ("\n".join(JSONL_LINES) + "\n").encode("utf-8")
    compressed_lines = "\n".join(JSONL_LINES[:2]) + "\n"
    compressed = gzip.compress(compressed_lines.encode("utf-8"), mtime=0)
    long_lines = "".join(
        json.dumps({"id": f"r{number}", "text": ARTICLE * 40}, ensure_ascii=False) + "\n" for number in range(1, 30)
    )
    long_compressed = gzip.compress(long_lines.encode("utf-8"), mtime=0)
    return {
        "records.jsonl": jsonl,
        "records.jsonl.gz": compressed,
        "truncated.jsonl.gz": long_compressed[: len(long_compressed) // 2],
        "records.csv": CSV_TEXT.encode("utf-8"),
        "records-windows-1256.csv": CSV_TEXT.replace("،", ",").encode("cp1256"),
        "no-text-column.csv": "id,body\r\nx1,نص\r\n".encode("utf-8"),
        "notes.md": "ليس ملف نص.\n".encode("utf-8"),
    }


def main() -> None:
    ENCODINGS.mkdir(parents=True, exist_ok=True)
    INPUTS.mkdir(parents=True, exist_ok=True)
    cases = encoding_cases()
    for case in cases:
        (ENCODINGS / case["file"]).write_bytes(case.pop("bytes"))
    (ENCODINGS / "cases.json").write_text(
        json.dumps(cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    for name, data in input_files().items():
        (INPUTS / name).write_bytes(data)


if __name__ == "__main__":
    main()
