"""Hostile input end to end: every bad input is named in one line, the rest is processed,
the summary counts what was skipped, and no output escapes its folder or lands on an input.

The matrix is data (fixtures/hostile/cases.json): an input file or a run-time setup, the
exit code, the messages on stderr, and how many documents are read and inputs skipped.
Every case is read together with fixtures/hostile/good.txt, which must always come out.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from arabic_dedupe.reader import display_path
from arabic_dedupe.cli import cli

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "fixtures" / "hostile"
GOOD = str(HOSTILE / "good.txt")
GOOD_FIRST_LINE = (HOSTILE / "good.txt").read_text(encoding="utf-8").splitlines()[0]
CASES = json.loads((HOSTILE / "cases.json").read_text(encoding="utf-8"))
ARTICLE = "افتتحت بلدية المدينة صباح اليوم مكتبة عامة جديدة في الحي القديم.\n"
# Controls that must never reach a terminal from our messages (tab and newline aside).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def run(*arguments: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(arguments), input=input, catch_exceptions=False)


def shown(path: str) -> str:
    """A path as the tool prints it (bytes that are not UTF-8 and control characters escaped)."""
    return display_path(path)


def load_generator():
    spec = importlib.util.spec_from_file_location("make_hostile_fixtures", ROOT / "scripts" / "make_hostile_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- run-time setups: inputs git cannot hold -------------------------------------------


def deny(monkeypatch, path: Path) -> None:
    """Make `path` unreadable. Root ignores permission bits, so for root the refusal the
    kernel would give anyone else is raised by the two calls the reader opens things with."""
    path.chmod(0)
    if os.geteuid() != 0:
        return
    target = os.fsencode(path)
    real_open, real_scandir = os.open, os.scandir

    def refuse(candidate) -> bool:
        return os.fsencode(os.path.abspath(candidate)) == target

    def guarded_open(candidate, *arguments, **keywords):
        if refuse(candidate):
            raise PermissionError(errno.EACCES, "Permission denied", candidate)
        return real_open(candidate, *arguments, **keywords)

    def guarded_scandir(candidate="."):
        if refuse(candidate):
            raise PermissionError(errno.EACCES, "Permission denied", candidate)
        return real_scandir(candidate)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "scandir", guarded_scandir)


def missing_path(tmp_path, monkeypatch) -> str:
    return str(tmp_path / "no-such-article.txt")


def symlink_loop(tmp_path, monkeypatch) -> str:
    (tmp_path / "loop.txt").symlink_to("loop.txt")
    return str(tmp_path / "loop.txt")


def broken_symlink(tmp_path, monkeypatch) -> str:
    (tmp_path / "gone.txt").symlink_to("deleted.txt")
    return str(tmp_path / "gone.txt")


def folder_loop(tmp_path, monkeypatch) -> str:
    top = tmp_path / "loop"
    (top / "inner").mkdir(parents=True)
    (top / "inner" / "up").symlink_to("..")
    (top / "a.txt").write_text(ARTICLE, encoding="utf-8")
    return str(top)


def unreadable_file(tmp_path, monkeypatch) -> str:
    path = tmp_path / "locked.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    deny(monkeypatch, path)
    return str(path)


def unreadable_folder(tmp_path, monkeypatch) -> str:
    top = tmp_path / "top"
    (top / "locked").mkdir(parents=True)
    (top / "locked" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (top / "notes.md").write_text("ملاحظات\n", encoding="utf-8")
    deny(monkeypatch, top / "locked")
    return str(top)


def fifo(tmp_path, monkeypatch) -> str:
    os.mkfifo(tmp_path / "pipe.txt")
    return str(tmp_path / "pipe.txt")


def unix_socket(tmp_path, monkeypatch) -> str:
    path = tmp_path / "sock.txt"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.close()  # the socket file stays behind
    return str(path)


def folder_without_matches(tmp_path, monkeypatch) -> str:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text(ARTICLE, encoding="utf-8")
    return str(tmp_path / "notes")


def empty_folder(tmp_path, monkeypatch) -> str:
    (tmp_path / "nothing").mkdir()
    return str(tmp_path / "nothing")


def arabic_file_name(tmp_path, monkeypatch) -> str:
    path = tmp_path / "خبر عاجل.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return str(path)


def undecodable_file_name(tmp_path, monkeypatch) -> str:
    name = "خبر".encode("cp1256") + b".txt"  # a windows-1256 name on a UTF-8 system
    path = os.path.join(os.fsencode(tmp_path), name)
    with open(path, "wb") as handle:
        handle.write(ARTICLE.encode("utf-8"))
    return os.fsdecode(path)


def control_characters_in_file_name(tmp_path, monkeypatch) -> str:
    path = tmp_path / "bad\nname\x1b[31m.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return str(path)


SETUPS = {
    function.__name__: function
    for function in (
        missing_path, symlink_loop, broken_symlink, folder_loop, unreadable_file, unreadable_folder,
        fifo, unix_socket, folder_without_matches, empty_folder, arabic_file_name,
        undecodable_file_name, control_characters_in_file_name,
    )
}


def prepare(case: dict, tmp_path: Path, monkeypatch) -> str:
    if "input" in case:
        return str(HOSTILE / case["input"])
    return SETUPS[case["setup"]](tmp_path, monkeypatch)


def with_marks(case: dict):
    marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if "xfail" in case else []
    return pytest.param(case, id=case["id"], marks=marks)


MATRIX = [with_marks(case) for case in CASES]


# --- the matrix ------------------------------------------------------------------------


def test_the_matrix_has_at_least_thirty_cases_and_unique_ids():
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 30 and len(set(ids)) == len(ids)
    assert all(("input" in case) != ("setup" in case) for case in CASES)
    assert {case["setup"] for case in CASES if "setup" in case} == set(SETUPS)


def test_committed_fixtures_match_their_generator():
    files = load_generator().hostile_files()
    for name, data in files.items():
        assert (HOSTILE / name).read_bytes() == data, name
    used = {case["input"] for case in CASES if "input" in case}
    assert used <= set(files) and set(files) - used == {"good.txt"}


def expected_lines(case: dict, path: str) -> list[str]:
    return [
        "dedupe: " + pattern.replace("{path}", re.escape(shown(path))) for pattern in case["messages"]
    ]


def assert_messages(stderr: str, case: dict, path: str) -> None:
    """Each message is one line naming the path; they come in input order."""
    assert not _CONTROL.search(stderr), repr(stderr)
    lines = stderr.splitlines()
    patterns = expected_lines(case, path)
    assert len(lines) == len(patterns), lines
    for line, pattern in zip(lines, patterns):
        assert re.fullmatch(pattern, line), (line, pattern)


@pytest.mark.parametrize("case", MATRIX)
def test_scan_names_the_problem_and_reads_the_rest(case, tmp_path, monkeypatch):
    path = prepare(case, tmp_path, monkeypatch)
    result = run("scan", path, GOOD, "--format", "json")
    assert_messages(result.stderr, case, path)
    assert result.exit_code == case["exit_code"]
    report = json.loads(result.stdout)
    assert report["documents"] == case["documents"]
    assert report["stats"]["skipped"] == len(report["skipped"]) == case["skipped"]
    assert [item["message"] for item in report["skipped"]] == [
        line.removeprefix("dedupe: ") for line in result.stderr.splitlines() if "skipped" in line
    ]


@pytest.mark.parametrize("case", MATRIX)
def test_clean_still_prints_the_good_file(case, tmp_path, monkeypatch):
    path = prepare(case, tmp_path, monkeypatch)
    result = run("clean", path, GOOD)
    # clean says on stderr what it leaves out; scan puts the same warning in its report.
    assert_messages(result.stderr, {**case, "messages": case.get("clean_messages", case["messages"])}, path)
    assert result.exit_code == case["exit_code"]
    assert GOOD_FIRST_LINE in result.stdout.splitlines()


@pytest.mark.parametrize("case", MATRIX)
def test_strict_makes_any_skip_fatal_and_writes_nothing(case, tmp_path, monkeypatch):
    path = prepare(case, tmp_path, monkeypatch)
    report = tmp_path / "report.json"
    result = run("scan", path, GOOD, "--strict", "--format", "json", "-o", str(report))
    lines = result.stderr.splitlines()
    if case["skipped"]:
        assert result.exit_code == 1
        assert lines[-1] == f"Error: {case['skipped']} input(s) skipped and --strict is set; nothing was written"
        assert_messages("".join(line + "\n" for line in lines[:-1]), case, path)
        assert not report.exists()
    else:
        assert_messages(result.stderr, case, path)
        assert result.exit_code == 0
        assert json.loads(report.read_text(encoding="utf-8"))["documents"] == case["documents"]
    assert result.stdout == ""


def test_the_table_counts_skipped_inputs_and_names_each():
    inputs = [str(HOSTILE / name) for name in ("empty.txt", "binary-with-nul.txt", "records-not-objects.jsonl")]
    result = run("scan", *inputs, GOOD)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "  Skipped inputs                      6" in lines
    assert "  Documents                           2" in lines
    # Each skip is reported after the tables as well as on stderr.
    assert sum(line.startswith("Skipped: ") for line in lines) == 6


def test_the_table_names_a_skipped_path_once():
    empty = str(HOSTILE / "empty.txt")
    lines = run("scan", empty, GOOD).stdout.splitlines()
    [line] = [line for line in lines if line.startswith("Skipped: ")]
    assert line.count(empty) == 1


def test_escapes_and_bidi_overrides_in_text_never_reach_the_terminal():
    path = str(HOSTILE / "terminal-escapes.txt")
    for output_format in ("table", "csv", "github"):
        result = run("scan", path, path, GOOD, "--format", output_format)
        assert result.exit_code == 0
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout, output_format


# --- big inputs ------------------------------------------------------------------------

MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "sys.stderr.buffer.write(done.stderr)\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)
MEMORY_LIMIT_KIB = 400 * 1024


def run_measured(arguments: list[str], stdin=None) -> tuple[int, int, str]:
    """(exit code, peak resident KiB, stderr) of `dedupe ARGUMENTS` in a fresh process,
    measured by a parent of its own so that no earlier child counts towards the peak."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "arabic_dedupe", *arguments],
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        timeout=300,
    )
    exit_code, peak = done.stdout.decode().split()
    return int(exit_code), int(peak), done.stderr.decode("utf-8", "replace")


def write_one_line(path: Path, size: int, prefix: bytes = b"", suffix: bytes = b"") -> None:
    """An Arabic text of `size` bytes on one line (no newline), written in chunks."""
    chunk = "كلمة ".encode("utf-8") * 100_000
    with open(path, "wb") as handle:
        handle.write(prefix)
        written = 0
        while written < size:
            handle.write(chunk)
            written += len(chunk)
        handle.write(suffix)


@pytest.fixture(scope="module")
def huge_text(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("huge") / "one-line.txt"
    write_one_line(path, 200 * 1024 * 1024)
    return path


def test_a_200_mb_one_line_file_is_skipped_in_bounded_memory(huge_text):
    exit_code, peak, stderr = run_measured(["scan", str(huge_text), GOOD])
    assert exit_code == 1
    assert stderr == (
        f"dedupe: {huge_text}: 201 MiB is over the 64 MiB limit for one file; skipped. Split it into "
        "one file per article, or convert it to JSONL (one article per line).\n"
    )
    assert peak < MEMORY_LIMIT_KIB


def test_a_200_mb_one_line_standard_input_is_skipped_in_bounded_memory(huge_text):
    with open(huge_text, "rb") as stdin:
        exit_code, peak, stderr = run_measured(["clean", "-"], stdin=stdin)
    assert exit_code == 1
    assert stderr == (
        "dedupe: -: standard input is over the 64 MiB limit for one document; skipped. Save it as "
        "files, or as JSONL (one article per line).\n"
    )
    assert peak < MEMORY_LIMIT_KIB


def test_a_200_mb_jsonl_record_is_skipped_and_the_next_record_read(tmp_path):
    path = tmp_path / "dump.jsonl"
    write_one_line(
        path,
        200 * 1024 * 1024,
        prefix=b'{"id": "huge", "text": "',
        suffix=b'"}\n' + json.dumps({"id": "small", "text": ARTICLE}, ensure_ascii=False).encode() + b"\n",
    )
    exit_code, peak, stderr = run_measured(["scan", str(path), "--format", "json", "-o", str(tmp_path / "r.json")])
    assert exit_code == 1
    assert stderr == f"dedupe: {path}:1: record is over the 64 MiB limit; skipped. Split the article or leave it out.\n"
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["documents"] == 1
    assert peak < MEMORY_LIMIT_KIB


def test_a_long_one_line_file_under_the_limit_is_scanned_in_bounded_memory(tmp_path):
    path = tmp_path / "long-line.txt"
    write_one_line(path, 8 * 1024 * 1024)
    exit_code, peak, stderr = run_measured(["scan", str(path), GOOD])
    assert (exit_code, stderr) == (0, "")
    assert peak < MEMORY_LIMIT_KIB


def made_up_words(number: int, count: int = 12) -> str:
    """`count` three-letter Arabic-script words picked by a hash of `number`: distinct small
    texts with no line shared between files, as in a real crawl."""
    letters = "بتثجحخدذرزسشصضطظعغفقكلمن"
    vocabulary = ["".join(triple) for triple in itertools.product(letters[:12], letters[12:], "اوي")]
    digest = hashlib.blake2b(str(number).encode(), digest_size=2 * count).digest()
    return " ".join(
        vocabulary[int.from_bytes(digest[2 * index : 2 * index + 2], "big") % len(vocabulary)]
        for index in range(count)
    )


def test_a_folder_of_100k_small_files_completes(tmp_path):
    top = tmp_path / "many"
    for folder in range(100):
        (top / f"{folder:03}").mkdir(parents=True)
    for number in range(100_000):
        text = made_up_words(number) + "\n"
        (top / f"{number // 1000:03}" / f"{number:06}.txt").write_text(text, encoding="utf-8")
    output = tmp_path / "report.json"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "arabic_dedupe", "scan", str(top), "--format", "json", "-o", str(output)],
        capture_output=True,
        timeout=300,
    )
    seconds = time.monotonic() - started
    print(f"scan of 100,000 files took {seconds:.1f} s")  # shown with -s; not asserted
    assert (done.returncode, done.stderr) == (0, b"")
    assert json.loads(output.read_text(encoding="utf-8"))["documents"] == 100_000


# --- security ---------------------------------------------------------------------------


def test_the_html_report_escapes_markup_found_in_articles(tmp_path):
    article = HOSTILE / "html-injection.txt"
    copy = tmp_path / "copy.txt"
    copy.write_bytes(article.read_bytes())
    output = tmp_path / "report.html"
    result = run("scan", str(article), str(copy), "--format", "html", "-o", str(output))
    assert result.exit_code == 0, result.stderr
    page = output.read_text(encoding="utf-8")
    assert "copy.txt" in page  # the copy was found, so the article text is in the page
    lowered = page.lower()
    assert "<script>alert" not in lowered
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page or "&lt;script&gt;alert(&#34;x&#34;)" in page
    assert not re.search(r"<[^>]*\son\w+\s*=", page, flags=re.IGNORECASE), "an event handler attribute survived"
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", page, flags=re.IGNORECASE)


FORBIDDEN = re.compile(r"\bpickle\b|\beval\(|\bexec\(|\bmarshal\b|\bshelve\b")


def test_no_code_is_ever_loaded_from_inputs_or_indexes():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "src").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert found == []


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_out_never_writes_outside_its_folder_whatever_the_ids(tmp_path):
    records = tmp_path / "in" / "records-escaping-ids.jsonl"
    records.parent.mkdir()
    records.write_bytes((HOSTILE / "records-escaping-ids.jsonl").read_bytes())
    out = tmp_path / "a" / "b" / "out"
    result = run("clean", str(records), "--out", str(out))
    assert (result.exit_code, result.stderr) == (0, "")
    everything = files_under(tmp_path)
    assert sorted(everything) == ["a/b/out/records-escaping-ids.jsonl", "in/records-escaping-ids.jsonl"]
    lines = everything["a/b/out/records-escaping-ids.jsonl"].decode("utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [
        f"{records}#../../escaped",
        f"{records}#/etc/passwd",
        f"{records}#a/../../../b",
    ]


def test_a_report_never_overwrites_an_input(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    before = article.read_bytes()
    result = run("scan", str(article), "-o", str(article))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: -o {article} is the input {article}; refusing to overwrite an input"
    assert article.read_bytes() == before
    nested = run("scan", str(tmp_path), "-o", str(tmp_path / "report.txt"))
    assert nested.exit_code == 2
    assert nested.stderr.splitlines()[-1] == (
        f"Error: -o {tmp_path / 'report.txt'} lies inside the input folder {tmp_path} and matches "
        "--glob *.txt, so it could overwrite an input or be read as one; write the report elsewhere"
    )
    assert sorted(files_under(tmp_path)) == ["a.txt"]


def test_two_inputs_with_one_relative_name_are_refused_before_writing(tmp_path):
    for folder, text in (("first", ARTICLE), ("second", GOOD_FIRST_LINE)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.txt").write_text(text + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("clean", str(tmp_path / "first"), str(tmp_path / "second"), "--out", str(out))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: two inputs have the relative name a.txt and would both be written to {out / 'a.txt'}; "
        "nothing was written. Clean them in separate runs with separate --out folders"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("target", "exit_code", "message"),
    [
        ("folder", 2, r"Error: -o {output} is a folder; give the name of a file to write"),
        # The reason is the operating system's words (here "File exists" or "Not a directory").
        ("file/report.json", 1, r"Error: cannot write {output}: [A-Z][a-z ]+; choose a path in a writable folder"),
    ],
    ids=["output-is-a-folder", "output-parent-is-a-file"],
)
def test_an_unwritable_report_path_is_one_line_not_a_traceback(tmp_path, target, exit_code, message):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    output = tmp_path / target
    result = run("scan", GOOD, "-o", str(output))
    assert result.exit_code == exit_code
    [line] = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert re.fullmatch(message.replace("{output}", re.escape(str(output))), line), line
    assert "Traceback" not in result.stderr


def test_a_device_as_report_path_is_written_not_replaced(tmp_path):
    # Renaming a temporary file over /dev/full (as root) would replace the device node.
    before = os.stat("/dev/full")
    result = run("scan", GOOD, "-o", "/dev/full")
    after = os.stat("/dev/full")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "Error: cannot write /dev/full: No space left on device; choose another output"
    assert (after.st_mode, after.st_rdev, after.st_ino) == (before.st_mode, before.st_rdev, before.st_ino)


def test_a_fifo_as_report_path_receives_the_report(tmp_path):
    pipe = tmp_path / "report.fifo"
    os.mkfifo(pipe)
    reader = subprocess.Popen(["cat", str(pipe)], stdout=subprocess.PIPE)
    result = run("scan", GOOD, "--format", "json", "-o", str(pipe))
    received, _ = reader.communicate(timeout=60)
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(received)["documents"] == 1
    assert pipe.is_fifo()


def test_a_symbolic_link_as_report_path_updates_its_target(tmp_path):
    target = tmp_path / "reports" / "latest.json"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    result = run("scan", GOOD, "--format", "json", "-o", str(link))
    assert (result.exit_code, result.stderr) == (0, "")
    assert link.is_symlink() and json.loads(target.read_text(encoding="utf-8"))["documents"] == 1
    assert sorted(path.name for path in target.parent.iterdir()) == ["latest.json"]


@pytest.mark.parametrize("command", [["clean"], ["scan"], ["scan", "--format", "json"]], ids=["clean", "scan-table", "scan-json"])
def test_a_full_standard_output_is_one_line_and_exit_1(command):
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "arabic_dedupe", *command, GOOD], stdout=full, stderr=subprocess.PIPE, timeout=60
        )
    assert done.returncode == 1
    assert done.stderr == b"dedupe: cannot write the output: No space left on device\n"
