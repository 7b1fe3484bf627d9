"""The `dedupe` command: every command and exit code through click's CliRunner, golden
outputs on the seed articles, and the console entry point in real processes (Ctrl-C,
closed pipes, `python -m arabic_dedupe`).

Golden files live in fixtures/cli/; `CLI_UPDATE_GOLDEN=1 pytest tests/test_cli.py` rewrites
them after an intended change (then read the diff before committing).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import jsonschema
import pytest
from click.testing import CliRunner

from arabic_dedupe import __version__
from arabic_dedupe.cli import cli
from arabic_dedupe.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
GOLDEN = ROOT / "fixtures" / "cli"
SEED_NAMES = sorted(path.stem for path in SEEDS.glob("*.txt"))
SCHEMA = json.loads((ROOT / "docs" / "scan-output.schema.json").read_text(encoding="utf-8"))
INTERRUPTED = "dedupe: interrupted; outputs are written whole or not at all\n"
ARTICLE = "افتتحت بلدية المدينة صباح اليوم مكتبة عامة جديدة في الحي القديم.\n"


def run(*arguments: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(arguments), input=input, catch_exceptions=False, prog_name="dedupe")


def expected_clean(name: str) -> str:
    return (ROOT / "fixtures" / "clean" / f"{name}.txt").read_text(encoding="utf-8")


def assert_golden(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if os.environ.get("CLI_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8", newline="")
    with path.open(encoding="utf-8", newline="") as golden:
        assert rendered == golden.read()


def validator(definition: str | None = None) -> jsonschema.Draft202012Validator:
    schema = SCHEMA if definition is None else {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{definition}"}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def without_timings(report: dict) -> dict:
    """A JSON report minus the seconds per stage, the one part that differs between runs."""
    return {**report, "stats": {key: value for key, value in report["stats"].items() if key != "seconds"}}


@pytest.fixture
def in_root(monkeypatch) -> Path:
    """Run from the repository root, so paths print as `fixtures/seeds/...` in goldens."""
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture
def duplicated(tmp_path) -> Path:
    """A folder with one seed article, a verbatim copy of it, and another seed."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    article = (SEEDS / f"{SEED_NAMES[2]}.txt").read_bytes()
    (folder / "a.txt").write_bytes(article)
    (folder / "b.txt").write_bytes(article)
    (folder / "c.txt").write_bytes((SEEDS / f"{SEED_NAMES[4]}.txt").read_bytes())
    return folder


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time (ns) of every file under `folder`."""
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# --- clean -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SEED_NAMES)
def test_clean_file_prints_the_expected_article(name):
    result = run("clean", str(SEEDS / f"{name}.txt"))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == expected_clean(name)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_clean_reads_standard_input(name):
    result = run("clean", "-", input=(SEEDS / f"{name}.txt").read_bytes())
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == expected_clean(name)


def test_clean_normalize_prints_the_matching_form():
    name = SEED_NAMES[2]
    result = run("clean", "--normalize", str(SEEDS / f"{name}.txt"))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "".join(normalize(line) + "\n" for line in expected_clean(name).splitlines())


def test_clean_of_several_paths_separates_documents_by_one_empty_line():
    first, second = SEED_NAMES[0], SEED_NAMES[3]
    result = run("clean", str(SEEDS / f"{first}.txt"), str(SEEDS / f"{second}.txt"))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == expected_clean(first) + "\n" + expected_clean(second)


def test_clean_jsonl_prints_one_record_per_document(in_root):
    result = run("clean", "--format", "jsonl", "fixtures/seeds/")
    assert (result.exit_code, result.stderr) == (0, "")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records == [
        {"document": f"fixtures/seeds/{name}.txt", "text": expected_clean(name).removesuffix("\n")}
        for name in SEED_NAMES
    ]


def test_clean_out_mirrors_relative_paths_and_leaves_inputs_alone(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "site" / "2021").mkdir(parents=True)
    for index, name in enumerate(SEED_NAMES):
        folder = corpus / "site" / "2021" if index % 2 else corpus
        (folder / f"{name}.txt").write_bytes((SEEDS / f"{name}.txt").read_bytes())
    os.utime(corpus / f"{SEED_NAMES[0]}.txt", ns=(1_000_000_000, 1_000_000_000))
    before = snapshot(corpus)
    out = tmp_path / "cleaned"
    result = run("clean", str(corpus), "--out", str(out))
    assert (result.exit_code, result.stderr, result.stdout) == (0, "", "")
    assert snapshot(corpus) == before
    assert {name: data.decode("utf-8") for name, (data, _) in snapshot(out).items()} == {
        (f"site/2021/{name}.txt" if index % 2 else f"{name}.txt"): expected_clean(name)
        for index, name in enumerate(SEED_NAMES)
    }


@pytest.mark.parametrize(
    "where",
    ["equal", "inside", "contains-input"],
)
def test_clean_out_refuses_a_folder_overlapping_an_input(tmp_path, where):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ARTICLE, encoding="utf-8")
    argument, out = {
        "equal": (corpus, corpus),
        "inside": (corpus, corpus / "cleaned"),
        "contains-input": (corpus / "a.txt", corpus),
    }[where]
    before = snapshot(tmp_path)
    result = run("clean", str(argument), "--out", str(out))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"Error: --out {out} overlaps the input {argument}; choose an output folder outside every input"
    )
    assert snapshot(tmp_path) == before


def test_clean_out_refuses_standard_input(tmp_path):
    result = run("clean", "-", "--out", str(tmp_path / "out"), input=ARTICLE)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --out cannot be used with standard input (-); redirect stdout instead"
    )


# --- scan ------------------------------------------------------------------------------


def test_scan_seeds_table_matches_golden(in_root):
    result = run("scan", "fixtures/seeds/")
    assert (result.exit_code, result.stderr) == (0, "")
    assert "\x1b" not in result.stdout  # CliRunner is not a terminal: no colour
    assert_golden("seeds_scan_table.txt", result.stdout)


def test_scan_seeds_json_matches_golden_and_schema(in_root):
    result = run("scan", "fixtures/seeds/", "--format", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    report = json.loads(result.stdout)
    validator().validate(report)
    assert set(report["stats"]["seconds"]) >= {"boilerplate", "signatures", "verify", "cluster"}
    assert_golden("seeds_scan.json", json.dumps(without_timings(report), ensure_ascii=False, indent=2) + "\n")


def test_seeds_acceptance_no_article_clusters_and_the_repeats_of_000(in_root):
    """Five different write-ups of one summit are not duplicates; the block of paragraphs
    that seed 000 repeats is reported, paragraph by paragraph."""
    report = json.loads(run("scan", "fixtures/seeds/", "--format", "json").stdout)
    assert report["documents"] == 5
    assert report["article_clusters"] == []
    first = f"fixtures/seeds/{SEED_NAMES[0]}.txt"
    repeats = {
        tuple(member["line"] for member in cluster["members"])
        for cluster in report["paragraph_clusters"]
        if {member["document"] for member in cluster["members"]} == {first}
    }
    lines = (SEEDS / f"{SEED_NAMES[0]}.txt").read_text(encoding="utf-8").splitlines()
    repeated_lines = {
        (number, later)
        for number, line in enumerate(lines, start=1)
        for later, other in enumerate(lines, start=1)
        if later > number and line.strip() and line == other
    }
    assert len(repeated_lines) >= 5
    assert repeated_lines <= repeats


def test_scan_jsonl_lines_match_the_schema(in_root):
    result = run("scan", "fixtures/seeds/", "--format", "jsonl")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    for line in lines:
        validator("jsonl_line").validate(line)
    assert [line["type"] for line in lines].count("summary") == 1 and lines[-1]["type"] == "summary"
    json_report = json.loads(run("scan", "fixtures/seeds/", "--format", "json").stdout)
    assert sum(line["type"] == "paragraph" for line in lines) == len(json_report["paragraph_clusters"])


def test_scan_csv_has_one_row_per_cluster_member(in_root):
    result = run("scan", "fixtures/seeds/", "--format", "csv")
    assert (result.exit_code, result.stderr) == (0, "")
    rows = result.stdout_bytes.decode("utf-8").split("\r\n")
    assert rows[0] == "cluster_type,cluster,document,paragraph,line,similarity,exact,representative"
    assert rows[-1] == ""
    report = json.loads(run("scan", "fixtures/seeds/", "--format", "json").stdout)
    assert len(rows) - 2 == sum(len(cluster["members"]) for cluster in report["paragraph_clusters"])
    assert all(row.startswith("paragraph,") for row in rows[1:-1])


@pytest.mark.parametrize("output_format", ["table", "json", "csv", "jsonl"])
def test_scan_output_file_holds_what_stdout_would(in_root, tmp_path, output_format):
    printed = run("scan", "fixtures/seeds/", "--format", output_format).stdout
    target = tmp_path / "reports" / f"scan.{output_format}"
    result = run("scan", "fixtures/seeds/", "--format", output_format, "-o", str(target))
    assert (result.exit_code, result.stderr, result.stdout) == (0, "", "")
    written = target.read_text(encoding="utf-8")
    if output_format in ("json", "jsonl"):  # timings differ between the two runs
        printed, written = (re.sub(r'"seconds": \{[^}]*\}', "", text) for text in (printed, written))
    assert written == printed
    assert [path.name for path in target.parent.iterdir()] == [target.name]  # no temporary left


def test_scan_finds_a_copied_article(duplicated):
    result = run("scan", str(duplicated), "--format", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    report = json.loads(result.stdout)
    assert [cluster["members"] for cluster in report["article_clusters"]] == [
        [str(duplicated / "a.txt"), str(duplicated / "b.txt")]
    ]
    assert report["article_clusters"][0]["exact"] is True


def test_scan_with_an_unreadable_input_exits_1_and_reports_the_rest(in_root):
    result = run("scan", "fixtures/seeds/", "missing.txt", "--format", "json")
    assert result.exit_code == 1
    assert result.stderr == "dedupe: missing.txt: no such file or folder; skipped. Check the path.\n"
    report = json.loads(result.stdout)
    assert report["documents"] == 5 and report["stats"]["skipped"] == 1
    assert report["skipped"] == [
        {"path": "missing.txt", "message": "missing.txt: no such file or folder; skipped. Check the path."}
    ]


def test_scan_table_shows_the_skipped_count(in_root):
    result = run("scan", "fixtures/seeds/", "missing.txt")
    assert result.exit_code == 1
    assert "  Skipped inputs                      1" in result.stdout.splitlines()


# --- check -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "exit_code", "verdict"),
    [
        (["--max-duplicate-rate", "0.5"], 0, "All duplication budgets met."),
        (["--max-duplicates", "1"], 0, "All duplication budgets met."),
        (
            ["--max-duplicate-rate", "0.2"],
            1,
            "Budget exceeded: duplicate rate 33.33% is over the budget 20.00% (1 of 3 documents)",
        ),
        (["--max-duplicates", "0"], 1, "Budget exceeded: 1 duplicate documents is over the budget of 0"),
    ],
    ids=["rate-within", "count-within", "rate-over", "count-over"],
)
def test_check_exit_code_follows_the_budget(duplicated, budget, exit_code, verdict):
    result = run("check", str(duplicated), *budget)
    assert (result.exit_code, result.stderr) == (exit_code, "")
    assert result.stdout.splitlines()[-1] == verdict


def test_check_json_lists_what_was_exceeded(duplicated):
    result = run("check", str(duplicated), "--max-duplicates", "0", "--max-duplicate-rate", "0.2", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    validator().validate(report)
    assert report["exceeded"] == [
        "duplicate rate 33.33% is over the budget 20.00% (1 of 3 documents)",
        "1 duplicate documents is over the budget of 0",
    ]


def test_check_without_a_budget_is_a_usage_error(duplicated):
    result = run("check", str(duplicated))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == "Error: give a budget: --max-duplicate-rate R and/or --max-duplicates N"


def test_check_with_an_unreadable_input_exits_1_even_within_budget(duplicated):
    result = run("check", str(duplicated), str(duplicated / "gone.txt"), "--max-duplicates", "5")
    assert result.exit_code == 1
    assert result.stderr == f"dedupe: {duplicated / 'gone.txt'}: no such file or folder; skipped. Check the path.\n"
    assert result.stdout.splitlines()[-1] == "All duplication budgets met."


# --- usage errors and help ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "last_line"),
    [
        (["scan"], r"Error: Missing argument 'PATHS\.\.\.'\."),
        (["scan", "x.txt", "--zzz-unknown"], r"Error: No such option '--zzz-unknown'\."),
        (
            ["scan", "x.txt", "--bands", "3"],
            r"Error: bands \(3\) x rows per band \(4\) must equal the number of permutations \(128\); "
            r"try bands=32, rows per band=4",
        ),
        (
            ["check", "x.txt", "--max-duplicate-rate", "1.5"],
            r"Error: Invalid value for '--max-duplicate-rate': 1\.5 is not in the range 0\.0<=x<=1\.0\.",
        ),
        (["scan", "x.txt", "--format", "pdf"], r"Error: Invalid value for '--format': 'pdf' is not one of .*\."),
        (["frobnicate"], r"Error: No such command 'frobnicate'\."),
    ],
    ids=["no-paths", "unknown-option", "inconsistent-bands", "rate-out-of-range", "unknown-format", "unknown-command"],
)
def test_usage_errors_exit_2_with_a_message(arguments, last_line):
    result = run(*arguments)
    assert (result.exit_code, result.stdout) == (2, "")
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Usage: dedupe")
    assert re.fullmatch(last_line, lines[-1]), lines[-1]


def test_version_and_help():
    version = run("--version")
    assert (version.exit_code, version.stdout) == (0, f"dedupe, version {__version__}\n")
    for command in ("clean", "scan", "check"):
        helped = run(command, "--help")
        assert helped.exit_code == 0 and helped.stdout.startswith(f"Usage: dedupe {command} [OPTIONS] PATHS...")


def documented_commands(group: click.Group, prefix: str = "dedupe") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found.extend(documented_commands(command, f"{prefix} {name}"))
    return found


def test_every_command_and_option_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = []
    for name, command in documented_commands(cli):
        if name not in readme:
            missing.append(name)
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                longest = max(parameter.opts, key=len)
                if longest.startswith("--") and longest not in ("--help",) and longest not in readme:
                    missing.append(f"{name} {longest}")
    assert missing == []


# --- the console entry point in real processes ---------------------------------------------


def dedupe_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "arabic_dedupe", *arguments]


def test_python_dash_m_prints_help():
    done = subprocess.run(dedupe_command("--help"), capture_output=True, timeout=60)
    assert done.returncode == 0 and done.stderr == b""
    assert done.stdout.decode("utf-8").startswith("Usage: dedupe [OPTIONS] COMMAND [ARGS]...")


def test_main_turns_user_errors_into_one_line_and_exit_codes():
    done = subprocess.run(dedupe_command("scan", "no-such-file.txt"), capture_output=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == b"dedupe: no-such-file.txt: no such file or folder; skipped. Check the path.\n"
    usage = subprocess.run(dedupe_command("check", "x.txt"), capture_output=True, timeout=60)
    assert usage.returncode == 2 and b"Traceback" not in usage.stderr


def made_up_words(number: int, count: int = 40) -> str:
    """`count` three-letter Arabic-script words picked by a hash of `number`."""
    letters = "بتثجحخدذرزسشصضطظعغفقكلمن"
    vocabulary = ["".join(triple) for triple in itertools.product(letters[:12], letters[12:], "اوي")]
    digest = hashlib.shake_128(str(number).encode()).digest(2 * count)
    return " ".join(
        vocabulary[int.from_bytes(digest[2 * index : 2 * index + 2], "big") % len(vocabulary)]
        for index in range(count)
    )


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory) -> Path:
    """30,000 small distinct articles: seconds of work, and megabytes of `clean` output."""
    top = tmp_path_factory.mktemp("big")
    for number in range(30_000):
        folder = top / f"{number // 1000:02}"
        if number % 1000 == 0:
            folder.mkdir()
        (folder / f"{number:05}.txt").write_text(made_up_words(number) + "\n", encoding="utf-8")
    return top


def wait_until_reading(process: subprocess.Popen, folder: Path, timeout: float = 30.0) -> None:
    """Block until `process` has opened a file under `folder`: by then the interpreter has
    started and our signal handler is installed (SIGINT during import is Python's)."""
    deadline = time.monotonic() + timeout
    descriptors = Path(f"/proc/{process.pid}/fd")
    while time.monotonic() < deadline and process.poll() is None:
        if not descriptors.exists():  # no /proc: give the interpreter time to start
            time.sleep(3)
            return
        for descriptor in list(descriptors.iterdir()):
            try:
                if os.readlink(descriptor).startswith(str(folder)):
                    return
            except OSError:
                continue
        time.sleep(0.01)


@pytest.mark.parametrize("delay", [0.0, 1.0, 2.5], ids=["while-reading", "after-1s", "after-2.5s"])
def test_ctrl_c_prints_one_line_exits_130_and_leaves_no_partial_output(big_folder, tmp_path, delay):
    output = tmp_path / "report.json"
    process = subprocess.Popen(
        dedupe_command("scan", str(big_folder), "--format", "json", "-o", str(output)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_until_reading(process, big_folder)
    time.sleep(delay)
    finished_first = process.poll() is not None
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert stdout == b""
    if finished_first or process.returncode == 0:
        # The scan finished before the signal, or while the interpreter was shutting down
        # with the report already written: then nothing was interrupted.
        assert (process.returncode, stderr) == (0, b"")
        assert json.loads(output.read_text(encoding="utf-8"))["documents"] == 30_000
    else:
        assert process.returncode == 130, stderr.decode("utf-8", "replace")
        assert stderr.decode("utf-8") == INTERRUPTED
    if output.exists():  # the signal came after the rename: then the report is whole
        assert json.loads(output.read_text(encoding="utf-8"))["documents"] == 30_000
    assert [path.name for path in tmp_path.iterdir() if path.name != "report.json"] == []


def test_a_closed_pipe_ends_clean_quietly(big_folder, tmp_path):
    errors, status = tmp_path / "stderr", tmp_path / "status"
    command = " ".join(f"'{part}'" for part in dedupe_command("clean", str(big_folder)))
    script = f'{command} 2>"{errors}" | head -1; echo "${{PIPESTATUS[0]}}" >"{status}"'
    done = subprocess.run(["bash", "-c", script], capture_output=True, timeout=300)
    assert done.returncode == 0
    assert len(done.stdout.decode("utf-8").splitlines()) == 1
    assert errors.read_text(encoding="utf-8") == ""
    assert status.read_text(encoding="utf-8") == "0\n"


def test_ctrl_c_while_starting_prints_one_line_not_a_traceback():
    # The signal lands while the command is still importing its libraries.
    process = subprocess.Popen(
        dedupe_command("scan", str(ROOT / "fixtures" / "seeds")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(0.12)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr
    assert len(stderr.splitlines()) == 1 and stderr.startswith(b"dedupe: interrupted")


def test_ctrl_c_to_the_whole_process_group_gives_one_line(big_folder, tmp_path):
    # A terminal's Ctrl-C reaches the worker processes too; only the parent may speak.
    output = tmp_path / "report.json"
    process = subprocess.Popen(
        dedupe_command("scan", str(big_folder), "--jobs", "2", "--format", "json", "-o", str(output)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    wait_until_reading(process, big_folder)
    time.sleep(1.0)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    if process.returncode == 0:  # finished before the signal
        assert stderr == b""
    else:
        assert (process.returncode, stderr.decode("utf-8")) == (130, INTERRUPTED)
        assert not output.exists()
