"""Write the byte-exact inputs of the hostile-input matrix: fixtures/hostile/.

Run from the repository root: `python scripts/make_hostile_fixtures.py`. The output is
deterministic (no timestamps, fixed bytes), so running it again must leave `git status`
clean. What the tool must do with each file (exit code, message, counts) is recorded by
hand in fixtures/hostile/cases.json; inputs that cannot live in git (symbolic link loops,
FIFOs, unreadable files, odd file names, very large files) are made by the tests at run time.
"""

from __future__ import annotations

import gzip
import json
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_encoding_fixtures import mojibake  # noqa: E402  (one definition for both fixture sets)

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "fixtures" / "hostile"

# Written for these fixtures. Every character exists in windows-1256 and ISO-8859-6.
ARTICLE = (
    "افتتحت بلدية المدينة صباح اليوم مكتبة عامة جديدة في الحي القديم.\n"
    "وقال رئيس البلدية إن المكتبة تضم عشرين ألف كتاب وقاعة للأطفال.\n"
    "وتفتح المكتبة أبوابها للزوار من الثامنة صباحا حتى الثامنة مساء.\n"
)
# The file every matrix case is read together with: it must always come out whole.
GOOD_ARTICLE = (
    "أعلن نادي الصيد البحري عن تنظيم مسابقة سنوية على الشاطئ الشمالي.\n"
    "ويشارك في المسابقة أكثر من مئة صياد من مختلف المدن الساحلية.\n"
)
FATHA, DAMMA, KASRA, SHADDA, SUKUN = "\u064e", "\u064f", "\u0650", "\u0651", "\u0652"
TATWEEL = "\N{ARABIC TATWEEL}"
INVISIBLE = "\N{ZERO WIDTH NON-JOINER}\N{ZERO WIDTH JOINER}\N{RIGHT-TO-LEFT MARK}\N{ZERO WIDTH SPACE}"


def executable_like() -> bytes:
    """The shape of a compiled program: a header, tables of small integers, NUL padding."""
    return b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"".join(struct.pack("<I", number) for number in range(300))


def jsonl(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def record(**fields) -> str:
    return json.dumps(fields, ensure_ascii=False)


def hostile_files() -> dict[str, bytes]:
    """File name -> bytes, for every matrix case that is a plain file."""
    first_line, rest = ARTICLE.split("\n", 1)
    return {
        "good.txt": GOOD_ARTICLE.encode("utf-8"),
        "empty.txt": b"",
        "whitespace-only.txt": b"  \n\t\r\n \f\n",
        "only-diacritics.txt": (" ".join([FATHA * 3, DAMMA + SHADDA, KASRA + SUKUN]) + "\n").encode("utf-8"),
        "only-tatweel-and-invisible.txt": (TATWEEL * 5 + " " + INVISIBLE + "\n").encode("utf-8"),
        "binary-with-nul.txt": executable_like(),
        "gzip-named-txt.txt": gzip.compress(ARTICLE.encode("utf-8") * 20, mtime=0),
        "nul-inside-text.txt": ARTICLE.encode("utf-8").replace(b"\n", b"\0\0\n", 1),
        "invalid-utf8.txt": ARTICLE.encode("utf-8").replace("القديم".encode("utf-8"), b"\xc3\x28\xff", 1),
        "windows-1256.txt": ARTICLE.encode("cp1256"),
        "iso-8859-6.txt": ARTICLE.encode("iso8859_6"),
        "utf-16-le-bom.txt": b"\xff\xfe" + ARTICLE.encode("utf-16-le"),
        "utf-16-be-bom.txt": b"\xfe\xff" + ARTICLE.encode("utf-16-be"),
        "utf-16-le-no-bom.txt": ARTICLE.encode("utf-16-le"),
        "utf-8-bom-crlf.txt": b"\xef\xbb\xbf" + ARTICLE.replace("\n", "\r\n").encode("utf-8"),
        "mojibake-windows-1256.txt": mojibake(ARTICLE, "cp1256").encode("utf-8"),
        "mojibake-windows-1252.txt": mojibake(ARTICLE, "cp1252").encode("utf-8"),
        "mojibake-mixed.txt": (first_line + "\n" + mojibake(rest, "cp1256")).encode("utf-8"),
        "terminal-escapes.txt": (
            "\x1b[2J\x1b]0;title\x07" + ARTICLE.replace("مكتبة عامة", "\u202eمكتبة عامة\x1b[31m", 1)
        ).encode("utf-8"),
        "html-injection.txt": (
            ARTICLE
            + '<script>alert("x")</script> <img src=x onerror="alert(1)"> '
            + '<a href="javascript:alert(2)">اضغط هنا</a>\n'
        ).encode("utf-8"),
        "records-lone-surrogate.jsonl": jsonl(
            '{"id": "s1", "text": "' + first_line + ' \\ud800 مكسور"}',
            record(id="s2", text=GOOD_ARTICLE),
        ),
        "records-invalid-json.jsonl": jsonl(
            record(id="r1", text=ARTICLE),
            '{"id": "r2", "text": "سطر مقطوع',
            record(id="r3", text=GOOD_ARTICLE),
        ),
        "records-not-objects.jsonl": jsonl('["a", "list"]', '"a string"', "null", "42", record(id="r5", text=ARTICLE)),
        "records-missing-text.jsonl": jsonl(record(id="m1", body=ARTICLE), record(id="m2", text=GOOD_ARTICLE)),
        "records-text-not-text.jsonl": jsonl(record(id="n1", text=42), record(id="n2", text=None), record(id="n3", text=ARTICLE)),
        "records-escaping-ids.jsonl": jsonl(
            record(id="../../escaped", text=ARTICLE),
            record(id="/etc/passwd", text=GOOD_ARTICLE),
            record(id="a/../../../b", text=first_line),
        ),
        "records-invalid-utf8.jsonl": b'{"id": "u1", "text": "'
        + ARTICLE.replace("\n", " ").encode("utf-8").replace("القديم".encode("utf-8"), b"\xff\xfe", 1)
        + b'"}\n',
        "records-deep-nesting.jsonl": jsonl("[" * 100_000 + "]" * 100_000, record(id="d2", text=ARTICLE)),
        "records-blank-lines.jsonl": b"\n\n  \n\r\n",
        "records-truncated.jsonl.gz": gzip.compress(
            jsonl(*(record(id=f"t{number}", text=ARTICLE * 30) for number in range(40))), mtime=0
        )[:1500],
        "records-no-text-column.csv": "id,body\r\nc1,نص في عمود آخر\r\n".encode("utf-8"),
        "records-header-only.csv": b"id,text\r\n",
    }


def main() -> None:
    HOSTILE.mkdir(parents=True, exist_ok=True)
    for name, data in hostile_files().items():
        (HOSTILE / name).write_bytes(data)


if __name__ == "__main__":
    main()
