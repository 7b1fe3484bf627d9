"""The reader: decoding rules on byte-exact fixtures, folder walking, and every way an input
can be unusable without stopping the others."""

from __future__ import annotations

import errno
import gzip
import importlib.util
import io
import json
import os
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from arabic_dedupe import decoding, reader
from arabic_dedupe.model import Document, Skipped
from arabic_dedupe.reader import MAX_FILE_BYTES, decode_bytes, read_documents

ROOT = Path(__file__).resolve().parent.parent
ENCODINGS = ROOT / "fixtures" / "encodings"
INPUTS = ROOT / "fixtures" / "inputs"
CASES = json.loads((ENCODINGS / "cases.json").read_text(encoding="utf-8"))
ARTICLE = next(case["text"] for case in CASES if case["file"] == "utf-8.txt")


def read(*paths, **options) -> list[Document | Skipped]:
    return list(read_documents([str(path) for path in paths], **options))


def outcome(result: Document | Skipped) -> tuple[str, str]:
    """What a user sees of one result: the id and its text, or the skip message."""
    if isinstance(result, Skipped):
        return ("skipped", result.message)
    return (result.id, result.text)


def load_generator():
    spec = importlib.util.spec_from_file_location("make_encoding_fixtures", ROOT / "scripts" / "make_encoding_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- decoding, one fixture per rule ---------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_encoding_fixture_is_read_as_expected(case):
    path = str(ENCODINGS / case["file"])
    [result] = read(path)
    if case["skipped"] is not None:
        assert result == Skipped(path, case["skipped"].format(path=path))
        return
    assert isinstance(result, Document), result
    assert result.text == case["text"]
    assert result.encoding == case["encoding"]
    assert result.warnings == tuple(warning.format(path=path) for warning in case["warnings"])
    assert result.id == path
    assert result.site == str(ENCODINGS)
    assert result.first_line == 1


@pytest.mark.parametrize("case", [case for case in CASES if case["skipped"] is None], ids=lambda case: case["file"])
def test_decode_bytes_agrees_with_the_fixture(case):
    data = (ENCODINGS / case["file"]).read_bytes()
    assert decode_bytes(data, "p") == (
        case["text"],
        case["encoding"],
        tuple(warning.format(path="p") for warning in case["warnings"]),
    )


def test_committed_fixtures_match_their_generator():
    generator = load_generator()
    for case in generator.encoding_cases():
        assert (ENCODINGS / case["file"]).read_bytes() == case["bytes"], case["file"]
        case.pop("bytes")
    assert generator.encoding_cases() and json.loads((ENCODINGS / "cases.json").read_text("utf-8")) == [
        {key: value for key, value in case.items() if key != "bytes"} for case in generator.encoding_cases()
    ]
    for name, data in generator.input_files().items():
        assert (INPUTS / name).read_bytes() == data, name


def test_short_legacy_text_is_not_trusted_to_detection():
    # "أعلنت الوزارة" (12 non-ASCII bytes in windows-1256) is below MIN_DETECTION_BYTES.
    text, encoding, warnings = decode_bytes("أعلنت الوزارة".encode("cp1256"), "short.txt")
    assert encoding == "utf-8"
    assert text == "\ufffd" * 5 + " " + "\ufffd" * 7
    assert warnings == (
        "short.txt: not UTF-8, and 12 non-ASCII bytes are too few to tell its encoding; decoded "
        "as UTF-8 with 12 invalid bytes replaced by U+FFFD. Convert it to UTF-8.",
    )


@pytest.mark.parametrize(
    ("codec", "name"),
    [("cp1256", "windows-1256"), ("iso8859_6", "iso-8859-6")],
    ids=["windows-1256", "iso-8859-6"],
)
def test_code_pages_are_told_apart_on_letters_they_share(codec, name):
    # Every letter of this line but lam, meem, noon and yeh sits at the same byte in both
    # code pages; charset-normalizer alone picks ISO-8859-6 for the windows-1256 bytes.
    line = "بدء الجولة الثانية من محادثات بايدن وبوتين في جنيف"
    text, encoding, _ = decode_bytes(line.encode(codec), "x.txt")
    assert (text, encoding) == (line, name)


def test_undetectable_bytes_fall_back_to_utf8_with_a_warning():
    data = bytes(range(0x80, 0x100)) * 2
    assert decode_bytes(data, "odd.txt") == (
        "\ufffd" * 256,
        "utf-8",
        (
            "odd.txt: not UTF-8, and not windows-1256, ISO-8859-6 or UTF-16 either; decoded as "
            "UTF-8 with 256 invalid bytes replaced by U+FFFD. Convert it to UTF-8.",
        ),
    )


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_decode_bytes_never_raises_and_returns_clean_text(data):
    text, encoding, warnings = decode_bytes(data, "any.bin")
    text.encode("utf-8")  # no lone surrogates left
    assert "\r" not in text and "\0" not in text
    assert encoding in ("utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "windows-1256", "iso-8859-6")
    assert all(warning.startswith("any.bin: ") and "\n" not in warning for warning in warnings)


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs",),
            blacklist_characters="\r\0\ufeff\N{ARABIC LETTER TAH}\N{ARABIC LETTER ZAH}\N{LATIN CAPITAL LETTER O WITH STROKE}\N{LATIN CAPITAL LETTER U WITH GRAVE}",
        )
    )
)
def test_valid_utf8_comes_back_unchanged_and_silent(text):
    assert decode_bytes(text.encode("utf-8"), "t.txt") == (text, "utf-8", ())


def exact_mojibake_share(text: str, lead_characters: str) -> bool:
    """The rule as stated: at least 3 lead characters, at least 0.3 of the non-ASCII ones."""
    leads = sum(text.count(character) for character in lead_characters)
    non_ascii = sum(1 for character in text if ord(character) > 0x7F)
    return leads >= 3 and leads >= 0.3 * non_ascii


# Lead characters of both codecs, the letters counted first, and other ASCII and non-ASCII.
MOJIBAKE_ALPHABET = "طظØÙيال" + "ن€a "


@settings(max_examples=1000, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=12), min_size=len(MOJIBAKE_ALPHABET), max_size=len(MOJIBAKE_ALPHABET)),
    rest=st.text(max_size=20).map(lambda text: text.encode("utf-8", "replace").decode("utf-8")),
    codec=st.sampled_from(decoding._MOJIBAKE_CODECS),
)
# Right at the share: 6 leads of 20 non-ASCII letters (0.3 * 20 is exactly 6.0), then one more letter.
@example(counts=[6, 0, 0, 0, 14, 0, 0, 0, 0, 0, 0], rest="", codec=decoding._MOJIBAKE_CODECS[0])
@example(counts=[6, 0, 0, 0, 14, 0, 0, 1, 0, 0, 0], rest="", codec=decoding._MOJIBAKE_CODECS[0])
@example(counts=[0, 0, 3, 3, 4, 5, 5, 0, 0, 5, 0], rest="", codec=decoding._MOJIBAKE_CODECS[1])
@example(counts=[3, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9], rest="", codec=decoding._MOJIBAKE_CODECS[0])
def test_the_quick_mojibake_test_agrees_with_the_exact_rule(counts, rest, codec):
    """Texts made from counts of each character, so that shares right at 0.3 come up."""
    text = "".join(character * count for character, count in zip(MOJIBAKE_ALPHABET, counts)) + rest
    _, lead_characters, _ = codec
    assert decoding._leads_like_mojibake(text, lead_characters) == exact_mojibake_share(text, lead_characters)


def test_the_letters_counted_first_are_no_lead_characters():
    leads = "".join(lead_characters for _, lead_characters, _ in decoding._MOJIBAKE_CODECS)
    assert not set(decoding._FREQUENT_NON_LEAD_LETTERS) & set(leads)
    assert all(ord(letter) > 0x7F for letter in decoding._FREQUENT_NON_LEAD_LETTERS)


# --- paths, order, glob ---------------------------------------------------------------


def test_folder_is_read_in_byte_order_of_names():
    results = read(ENCODINGS)
    expected = sorted(
        (name for name in os.listdir(ENCODINGS) if name.endswith(".txt")), key=os.fsencode
    )
    assert [Path(result.path if isinstance(result, Skipped) else result.id).name for result in results] == expected


def make_tree(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_nested_folders_are_walked_name_by_name_and_keep_the_typed_prefix(tmp_path, monkeypatch):
    make_tree(
        tmp_path / "corpus",
        {
            "b.txt": "باء",
            "a/z.txt": "زاي",
            "a/b/c.txt": "جيم",
            "a-c.txt": "شرطة",
            "A.txt": "كبيرة",
            "ب.txt": "اسم عربي",
            "a/notes.md": "لا يقرأ",
        },
    )
    monkeypatch.chdir(tmp_path)
    results = read("corpus/")
    # Name by name like pathlib: the folder "a" comes before "a-c.txt" ('/' is not compared).
    assert [(result.id, result.site) for result in results] == [
        ("corpus/A.txt", "corpus"),
        ("corpus/a/b/c.txt", "corpus/a/b"),
        ("corpus/a/z.txt", "corpus/a"),
        ("corpus/a-c.txt", "corpus"),
        ("corpus/b.txt", "corpus"),
        ("corpus/ب.txt", "corpus"),
    ]
    assert results[-1].text == "اسم عربي"


def test_arguments_are_read_in_the_order_given(tmp_path, monkeypatch):
    make_tree(tmp_path, {"z.txt": "أخير", "dir/a.txt": "أول"})
    monkeypatch.chdir(tmp_path)
    assert [outcome(result) for result in read("z.txt", "dir", "./z.txt")] == [
        ("z.txt", "أخير"),
        ("dir/a.txt", "أول"),
        ("./z.txt", "أخير"),
    ]
    assert [result.site for result in read("z.txt", "./z.txt")] == [".", "."]


def test_glob_selects_files_inside_folders_only(tmp_path, monkeypatch):
    make_tree(tmp_path, {"d/one.txt": "واحد", "d/two.md": "اثنان", "three.md": "ثلاثة"})
    monkeypatch.chdir(tmp_path)
    assert [result.id for result in read("d", "three.md")] == ["d/one.txt", "three.md"]
    assert [result.id for result in read("d", glob="*.md")] == ["d/two.md"]
    assert [result.id for result in read("d", glob="*")] == ["d/one.txt", "d/two.md"]


def test_undecodable_file_name_is_read_and_shown_with_escapes(tmp_path):
    folder = os.fsencode(tmp_path)
    with open(folder + b"/caf\xe9.txt", "wb") as handle:
        handle.write("نص".encode("utf-8"))
    [result] = read(tmp_path)
    shown = f"{tmp_path}/caf\\xe9.txt"
    assert outcome(result) == (shown, "نص")
    assert result.warnings == (
        f"{shown}: file name is not valid UTF-8; shown with \\x escapes. Rename the file to silence this.",
    )
    [explicit] = read(os.fsdecode(folder + b"/caf\xe9.txt"))
    assert explicit.id == shown


def test_stdin_is_read_as_one_document():
    stdin = io.BytesIO(ARTICLE.encode("cp1256"))
    [result] = read("-", stdin=stdin)
    assert (result.id, result.site, result.text, result.encoding) == ("-", "-", ARTICLE, "windows-1256")
    assert result.warnings == ("-: not UTF-8; decoded as windows-1256 (detected). Convert it to UTF-8 to silence this.",)


def test_stdin_missing_or_empty_is_skipped():
    assert read("-") == [Skipped("-", "-: no standard input was given; skipped. Pipe text in, or pass file paths.")]
    assert read("-", stdin=io.BytesIO(b"\n\n")) == [Skipped("-", "-: empty file; skipped. Check that it was saved completely.")]


# --- inputs that cannot be used -------------------------------------------------------


def test_missing_path_is_skipped_and_the_rest_read(tmp_path):
    make_tree(tmp_path, {"ok.txt": "سليم"})
    missing = tmp_path / "missing.txt"
    assert [outcome(result) for result in read(missing, tmp_path / "ok.txt")] == [
        ("skipped", f"{missing}: no such file or folder; skipped. Check the path."),
        (f"{tmp_path}/ok.txt", "سليم"),
    ]


def test_path_through_a_file_is_skipped(tmp_path):
    make_tree(tmp_path, {"ok.txt": "سليم"})
    wrong = tmp_path / "ok.txt" / "inside.txt"
    assert read(wrong) == [
        Skipped(str(wrong), f"{wrong}: a part of the path is a file, not a folder; skipped. Check the path.")
    ]


def test_empty_folder_and_folder_without_matches_are_skipped(tmp_path):
    (tmp_path / "empty" / "deeper").mkdir(parents=True)
    make_tree(tmp_path / "other", {"page.html": "<p>نص</p>"})
    assert read(tmp_path / "empty", tmp_path / "other") == [
        Skipped(str(tmp_path / "empty"), f"{tmp_path}/empty: empty folder; skipped. Pass a folder that holds text files."),
        Skipped(
            str(tmp_path / "other"),
            f"{tmp_path}/other: no files matching '*.txt' in this folder; skipped. Use --glob to select other files.",
        ),
    ]


def test_unreadable_file_is_skipped_or_read_as_the_system_allows(tmp_path):
    make_tree(tmp_path, {"locked.txt": "مقفل", "open.txt": "مفتوح"})
    locked = tmp_path / "locked.txt"
    locked.chmod(0)
    try:
        # root (as in CI) reads through chmod 000; everyone else is refused.
        try:
            os.close(os.open(locked, os.O_RDONLY))
            readable = True
        except PermissionError:
            readable = False
        results = [outcome(result) for result in read(tmp_path)]
    finally:
        locked.chmod(0o644)
    first = (
        (f"{locked}", "مقفل")
        if readable
        else ("skipped", f"{locked}: permission denied; skipped. Make it readable, or run as a user who can read it.")
    )
    assert results == [first, (f"{tmp_path}/open.txt", "مفتوح")]


def test_permission_denied_is_skipped_even_for_root(tmp_path, monkeypatch):
    make_tree(tmp_path, {"a/locked.txt": "مقفل", "b/open.txt": "مفتوح", "c/hidden.txt": "مخفي"})
    real_open, real_scandir = os.open, os.scandir

    def refusing_open(path, *arguments, **keywords):
        if os.fspath(path).endswith("locked.txt"):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_open(path, *arguments, **keywords)

    def refusing_scandir(path="."):
        if os.fspath(path).endswith("/c"):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "open", refusing_open)
    monkeypatch.setattr(os, "scandir", refusing_scandir)
    assert [outcome(result) for result in read(tmp_path)] == [
        ("skipped", f"{tmp_path}/a/locked.txt: permission denied; skipped. Make it readable, or run as a user who can read it."),
        (f"{tmp_path}/b/open.txt", "مفتوح"),
        ("skipped", f"{tmp_path}/c: permission denied; skipped. Make it readable, or run as a user who can read it."),
    ]


def test_fifo_is_skipped_without_blocking(tmp_path):
    make_tree(tmp_path, {"after.txt": "بعد"})
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    message = (
        f"{fifo}: not a regular file (named pipe (FIFO)); skipped. Reading it could block or "
        "never end: save its contents to a file, or pipe it in with '-'."
    )
    assert [outcome(result) for result in read(tmp_path)] == [
        (f"{tmp_path}/after.txt", "بعد"),
        ("skipped", message),
    ]
    assert read(fifo) == [Skipped(str(fifo), message)]


def test_device_is_skipped():
    assert read("/dev/null") == [
        Skipped(
            "/dev/null",
            "/dev/null: not a regular file (character device); skipped. Reading it could block "
            "or never end: save its contents to a file, or pipe it in with '-'.",
        )
    ]


def test_symlinks_to_files_are_followed_and_loops_detected(tmp_path):
    make_tree(tmp_path, {"elsewhere/real.txt": "حقيقي", "tree/sub/inner.txt": "داخلي"})
    tree = tmp_path / "tree"
    (tree / "link.txt").symlink_to(tmp_path / "elsewhere" / "real.txt")
    (tree / "sub" / "up").symlink_to(tree)  # a folder loop
    (tree / "self.txt").symlink_to(tree / "self.txt")  # a link to itself
    (tree / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (tree / "zz-again").symlink_to(tree / "sub")  # the same folder by a second name
    assert [outcome(result) for result in read(tree)] == [
        ("skipped", f"{tree}/gone.txt: broken symbolic link (its target does not exist); skipped. Fix or remove the link."),
        (f"{tree}/link.txt", "حقيقي"),
        ("skipped", f"{tree}/self.txt: symbolic link loop; skipped. Fix or remove the link."),
        (f"{tree}/sub/inner.txt", "داخلي"),
        ("skipped", f"{tree}/sub/up: folder loop (leads back to {tree}); skipped. Remove the link that points back up the tree."),
        ("skipped", f"{tree}/zz-again: same folder as {tree}/sub, already read; skipped."),
    ]


def test_too_large_file_is_skipped_at_the_default_limit(tmp_path):
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as handle:  # sparse: takes no disk space
        handle.truncate(MAX_FILE_BYTES + 1024 * 1024)
    make_tree(tmp_path, {"small.txt": "صغير"})
    assert [outcome(result) for result in read(tmp_path)] == [
        (
            "skipped",
            f"{huge}: 65 MiB is over the 64 MiB limit for one file; skipped. Split it into one "
            "file per article, or convert it to JSONL (one article per line).",
        ),
        (f"{tmp_path}/small.txt", "صغير"),
    ]


def test_file_limit_applies_to_stdin_too():
    assert read("-", stdin=io.BytesIO(b"x" * 101), max_file_bytes=100) == [
        Skipped(
            "-",
            "-: standard input is over the 100 bytes limit for one document; skipped. Save it "
            "as files, or as JSONL (one article per line).",
        )
    ]


# --- records inside files -------------------------------------------------------------


def test_jsonl_records_become_documents_and_bad_lines_are_skipped():
    path = INPUTS / "records.jsonl"
    results = read(path)
    where = f"{path}:"
    assert [outcome(result) for result in results] == [
        (f"{path}#a1", ARTICLE),
        (f"{path}#2", "خبر بلا معرف.\nسطر ثان."),
        ("skipped", f"{where}3: invalid JSON (Unterminated string starting at column 26); skipped. Each line must be one JSON object."),
        ("skipped", f"{where}4: no 'text' field; skipped. Use --text-field to name the field that holds the text."),
        (f"{path}#surrogate", "نص \ufffd مكسور"),
        (f"{path}#7", "معرف رقمي"),
        ("skipped", f"{where}8: the line holds a list, not a JSON object; skipped. Each line must be an object with a 'text' field."),
        ("skipped", f"{where}9: empty text; skipped. Check the text field of this record."),
        ("skipped", f"{where}10: field 'text' holds a number, not text; skipped. Use --text-field to name the field that holds the text."),
    ]
    first, second, surrogate, numbered = (result for result in results if isinstance(result, Document))
    assert (first.site, first.title, first.date, first.first_line) == ("example-news", "افتتاح مستشفى", "2021-06-16", 1)
    assert (second.site, second.title, second.date, second.first_line) == (str(INPUTS), "", "2015-01-01 12:00:00", 2)
    assert surrogate.warnings == (f"{where}5: 1 lone surrogate escape (like \\ud800) replaced by U+FFFD.",)
    assert numbered.first_line == 7
    assert all(isinstance(result, Skipped) and result.path == str(path) for result in results if not isinstance(result, Document))


def test_jsonl_fields_can_be_renamed(tmp_path):
    path = tmp_path / "custom.jsonl"
    path.write_text('{"key": "k1", "body": "نص"}\n{"key": null, "body": "آخر"}\n', encoding="utf-8")
    assert [outcome(result) for result in read(path, text_field="body", id_field="key")] == [
        (f"{path}#k1", "نص"),
        (f"{path}#2", "آخر"),
    ]


def test_gzipped_jsonl_is_streamed_and_damage_stops_only_that_file():
    compressed = read(INPUTS / "records.jsonl.gz")
    assert [result.id for result in compressed] == [f"{INPUTS}/records.jsonl.gz#a1", f"{INPUTS}/records.jsonl.gz#2"]
    truncated = read(INPUTS / "truncated.jsonl.gz", INPUTS / "records.jsonl.gz")
    path = INPUTS / "truncated.jsonl.gz"
    assert [outcome(result)[0] for result in truncated[:12]] == [f"{path}#r{number}" for number in range(1, 13)]
    assert truncated[12] == Skipped(
        str(path),
        f"{path}:13: damaged compressed data; skipped the rest of the file. Check the file, or decompress what can be recovered.",
    )
    assert len(truncated) == 15


def test_jsonl_line_over_the_limit_is_skipped_and_reading_continues(tmp_path):
    path = tmp_path / "long.jsonl"
    lines = [json.dumps({"text": "ا" * 400}), json.dumps({"text": "قصير"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [outcome(result) for result in read(path, max_file_bytes=200)] == [
        ("skipped", f"{path}:1: record is over the 200 bytes limit; skipped. Split the article or leave it out."),
        (f"{path}#2", "قصير"),
    ]


def test_invalid_utf8_inside_a_jsonl_line_is_replaced(tmp_path):
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(b'{"text": "\xd9\x86\xff\xd8\xb5"}\n')
    [result] = read(path)
    assert (result.text, result.warnings) == ("ن\ufffdص", (f"{path}:1: 1 invalid UTF-8 byte replaced by U+FFFD.",))


def test_empty_jsonl_is_skipped(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"\n")
    assert read(path) == [Skipped(str(path), f"{path}: empty file; skipped. Check that it was saved completely.")]


def test_csv_rows_become_documents_with_their_start_lines():
    path = INPUTS / "records.csv"
    results = read(path)
    assert [outcome(result) for result in results] == [
        (f"{path}#c1", "فقرة أولى.\nفقرة ثانية، بعد فاصلة."),
        (f"{path}#4", "نص الصف الثالث"),
        ("skipped", f"{path}:6: empty text; skipped. Check the text field of this record."),
        (f"{path}#c4", "آخر صف"),
    ]
    assert [(result.first_line, result.site, result.title) for result in results if isinstance(result, Document)] == [
        (2, "example-news", "عنوان أول"),
        (4, str(INPUTS), "بلا معرف"),
        (7, str(INPUTS), "الأخير"),
    ]


def test_legacy_encoded_csv_is_decoded_and_warned_once():
    path = INPUTS / "records-windows-1256.csv"
    documents = [result for result in read(path) if isinstance(result, Document)]
    assert [document.text for document in documents] == ["فقرة أولى.\nفقرة ثانية, بعد فاصلة.", "نص الصف الثالث", "آخر صف"]
    assert {document.encoding for document in documents} == {"windows-1256"}
    assert [document.warnings for document in documents] == [
        (f"{path}: not UTF-8; decoded as windows-1256 (detected). Convert it to UTF-8 to silence this.",),
        (),
        (),
    ]


def test_csv_without_the_text_column_is_skipped():
    path = INPUTS / "no-text-column.csv"
    assert read(path) == [
        Skipped(
            str(path),
            f"{path}: no 'text' column in the header (id, body); skipped. Use --text-field to name the column that holds the text.",
        )
    ]


def test_record_files_in_folders_follow_the_glob():
    results = read(INPUTS, glob="*.jsonl*")
    assert {result.id.split("#")[0] for result in results if isinstance(result, Document)} == {
        f"{INPUTS}/records.jsonl",
        f"{INPUTS}/records.jsonl.gz",
        f"{INPUTS}/truncated.jsonl.gz",
    }
    assert read(INPUTS) == [
        Skipped(str(INPUTS), f"{INPUTS}: no files matching '*.txt' in this folder; skipped. Use --glob to select other files.")
    ]


# --- JSONL read in blocks: the same records whatever the block size or compression -------


def test_jsonl_errors_name_the_column_on_the_line_whatever_its_line_end(tmp_path):
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b'{"text": "a"\r\n{"text": "b"}\r\n[1, 2\r\n\r\n{"id": "x", "text": "c"} x\r\n')
    assert [outcome(result) for result in read(path)] == [
        ("skipped", f"{path}:1: invalid JSON (Expecting ',' delimiter at column 13); skipped. Each line must be one JSON object."),
        (f"{path}#2", "b"),
        ("skipped", f"{path}:3: invalid JSON (Expecting ',' delimiter at column 6); skipped. Each line must be one JSON object."),
        ("skipped", f"{path}:5: invalid JSON (Extra data at column 26); skipped. Each line must be one JSON object."),
    ]


@pytest.mark.parametrize("line_end", [b"\n", b""], ids=["line-end", "no-line-end"])
def test_a_record_of_exactly_the_limit_is_read_and_one_byte_more_is_skipped(tmp_path, line_end):
    at_limit = json.dumps({"id": "at", "text": "نص"}, ensure_ascii=False).encode()
    limit = len(at_limit)
    over = json.dumps({"id": "ov", "text": "نص!"}, ensure_ascii=False).encode()
    assert len(over) == limit + 1
    first, last = tmp_path / "at.jsonl", tmp_path / "over.jsonl"
    first.write_bytes(b"\n" + at_limit + line_end)
    last.write_bytes(b"\n" + over + line_end)
    assert [outcome(result) for result in read(first, last, max_file_bytes=limit)] == [
        (f"{first}#at", "نص"),
        ("skipped", f"{last}:2: record is over the {limit} bytes limit; skipped. Split the article or leave it out."),
    ]


def test_records_longer_than_a_block_keep_their_text_and_line_numbers(tmp_path):
    long_text = "خبر طويل جدا " * 200_000  # about 4.6 MB, several blocks
    path = tmp_path / "long.jsonl"
    lines = [{"text": "أول"}, {"id": "long", "text": long_text}, {"text": "بعد"}, {"text": long_text}]
    path.write_bytes("\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode())
    results = read(path)
    assert [(result.id, result.first_line, len(result.text)) for result in results] == [
        (f"{path}#1", 1, 3),
        (f"{path}#long", 2, len(long_text)),
        (f"{path}#3", 3, 3),
        (f"{path}#4", 4, len(long_text)),
    ]
    assert results[1].text == long_text
    over = read(path, max_file_bytes=3_000_000)
    assert [outcome(result)[0] for result in over] == [f"{path}#1", "skipped", f"{path}#3", "skipped"]
    assert over[3].message.startswith(f"{path}:4: record is over the 3 MiB limit")


def test_lone_surrogate_escapes_in_any_case_are_replaced_in_every_field(tmp_path):
    path = tmp_path / "surrogates.jsonl"
    path.write_bytes(
        b'{"id": "a\\uDC00", "text": "x\\uD800y\\ud83d\\ude00", "title": "\\udfff", "source": " s\\uDBFF "}\n'
        b'{"id": "b", "text": "literal \\\\ud800 and \\u0637"}\n'
    )
    first, second = read(path)
    assert (first.id, first.text, first.title, first.site) == (f"{path}#a\ufffd", "x\ufffdy\U0001f600", "\ufffd", "s\ufffd")
    assert first.warnings == (f"{path}:1: 1 lone surrogate escape (like \\ud800) replaced by U+FFFD.",)
    assert (second.id, second.text, second.warnings) == (f"{path}#b", "literal \\ud800 and \N{ARABIC LETTER TAH}", ())


JSONL_PIECES = [
    '{"id": "x", "text": "نص عربي"}',
    '{"text": "ط£ط¹ظ„ظ†طھ ط§ظ„ظˆط²ط§ط±ط©"}',
    '{"text": "\\ud800", "title": "\\uDC01"}',
    '{"text": 5}',
    '{"text": "a"',
    "[1]",
    "   ",
    "\ufeff",
    "\r",
    "\n",
    "\n",
    "\n",
    "نص",
]


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(st.sampled_from([piece.encode("utf-8") for piece in JSONL_PIECES]) | st.binary(max_size=4), max_size=20),
    block=st.integers(min_value=1, max_value=64),
    limit=st.sampled_from([10, 40, MAX_FILE_BYTES]),
)
def test_jsonl_records_do_not_depend_on_block_size_or_compression(tmp_path_factory, pieces, block, limit):
    """Blocks of any size, and the line-by-line reading of .jsonl.gz, give the same results."""
    folder = tmp_path_factory.mktemp("blocks")
    data = b"".join(pieces)
    (folder / "r.jsonl").write_bytes(data)
    (folder / "r.jsonl.gz").write_bytes(gzip.compress(data))

    def results(name: str) -> list[str]:
        return [repr(result).replace(name, "r.jsonl") for result in read(folder / name, max_file_bytes=limit)]

    whole = results("r.jsonl")
    assert results("r.jsonl.gz") == whole
    with mock.patch.object(reader, "_BLOCK_BYTES", block):
        assert results("r.jsonl") == whole
