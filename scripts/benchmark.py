"""`make bench`: dedupe against the datasketch and rensa pipelines people would otherwise write.

Every contender runs in its own process over the same JSONL files; the parent measures
wall time and peak RSS (wait4), the contender reports its own load/process split.
Results go to docs/benchmarks.md below the hand-written introduction, and to stdout.

Corpora: SaudiNewsNet from ../shared/corpora (skipped with a reason when absent) and
generated corpora of 10k and 100k documents (1M too with --full, which `make bench`
passes; there only the CLI runs unless --skip-reference-above is raised). Generated files live in .bench/ and are reused.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
REPOSITORY = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))

import make_scaled_corpus  # noqa: E402  (a sibling script, not an installed module)

RESULTS_MARKER = "<!-- Everything below is written by scripts/benchmark.py; edit above this line. -->"
DEFAULT_INTRO = """# Benchmarks

`make bench` runs `scripts/benchmark.py`. See the script's `--help` for the options.
"""
# The plain pipelines' parameters, as a corpus builder would write them.
SHINGLE_WORDS = 5
NUM_PERM = 128
THRESHOLD = 0.8
# rensa needs the bands to divide the permutations; 16 bands of 8 rows is what its own
# examples use at 128 permutations (datasketch picks 9 bands of 13 rows for 0.8).
RENSA_BANDS = 16
RENSA_SEED = 42
NON_WORD = re.compile(r"\W+")

CONTENDERS = ("datasketch", "rensa", "library", "cli")
# From this many documents a contender runs once (minutes per run), whatever --repeat says.
REPEAT_BELOW_DOCUMENTS = 1_000_000
TITLES = {
    "datasketch": "reference A: datasketch",
    "rensa": "reference B: rensa",
    "library": "dedupe scan_documents (library)",
    "cli": "dedupe scan (CLI, files to JSON report)",
}


# --- contenders, each run as `benchmark.py --worker NAME FILES...` ---------------------


def read_texts(files: list[str]) -> list[str]:
    """The text field of every JSONL record, as the plain pipelines would load it."""
    texts = []
    for path in files:
        with open(path, encoding="utf-8") as handle:
            texts.extend(json.loads(line)["text"] for line in handle if line.strip())
    return texts


def plain_shingles(text: str) -> set[str]:
    """Lower-case, split on non-word characters, word 5-grams: the usual few lines."""
    words = [word for word in NON_WORD.split(text.lower()) if word]
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[start : start + SHINGLE_WORDS]) for start in range(len(words) - SHINGLE_WORDS + 1)}


class UnionFind:
    """Disjoint sets over 0..count-1 with path halving."""

    def __init__(self, count: int):
        self.parents = list(range(count))

    def find(self, item: int) -> int:
        parents = self.parents
        while parents[item] != item:
            parents[item] = parents[parents[item]]
            item = parents[item]
        return item

    def union(self, first: int, second: int) -> None:
        first, second = self.find(first), self.find(second)
        if first != second:
            self.parents[max(first, second)] = min(first, second)

    def duplicates(self) -> int:
        return sum(1 for item in range(len(self.parents)) if self.find(item) != item)


def run_plain_pipeline(texts: list[str], make_minhash, make_index) -> dict:
    """Shingle, MinHash, query-then-insert into LSH, union-find; seconds per stage."""
    seconds = {"shingles": 0.0, "minhash": 0.0, "lsh": 0.0, "union-find": 0.0}
    clock = time.perf_counter
    index = make_index()
    sets = UnionFind(len(texts))
    for number, text in enumerate(texts):
        started = clock()
        shingles = plain_shingles(text)
        shingled = clock()
        if not shingles:
            seconds["shingles"] += shingled - started
            continue
        minhash = make_minhash(shingles)
        hashed = clock()
        found = index.query(minhash)
        index.insert(number, minhash)
        indexed = clock()
        for other in found:
            sets.union(number, other)
        seconds["shingles"] += shingled - started
        seconds["minhash"] += hashed - shingled
        seconds["lsh"] += indexed - hashed
        seconds["union-find"] += clock() - indexed
    started = clock()
    duplicates = sets.duplicates()
    seconds["union-find"] += clock() - started
    return {"seconds": {stage: round(value, 3) for stage, value in seconds.items()}, "duplicates": duplicates}


def work_datasketch(files: list[str]) -> dict:
    from datasketch import MinHash, MinHashLSH

    started = time.perf_counter()
    texts = read_texts(files)
    loaded = time.perf_counter()

    def make_minhash(shingles: set[str]) -> MinHash:
        minhash = MinHash(num_perm=NUM_PERM)
        minhash.update_batch([shingle.encode("utf-8") for shingle in shingles])
        return minhash

    result = run_plain_pipeline(texts, make_minhash, lambda: MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM))
    return {**result, "documents": len(texts), "load_seconds": loaded - started, "process_seconds": time.perf_counter() - loaded}


def work_rensa(files: list[str]) -> dict:
    from rensa import RMinHash, RMinHashLSH

    started = time.perf_counter()
    texts = read_texts(files)
    loaded = time.perf_counter()

    def make_minhash(shingles: set[str]) -> RMinHash:
        minhash = RMinHash(num_perm=NUM_PERM, seed=RENSA_SEED)
        minhash.update(list(shingles))
        return minhash

    result = run_plain_pipeline(
        texts, make_minhash, lambda: RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=RENSA_BANDS)
    )
    return {**result, "documents": len(texts), "load_seconds": loaded - started, "process_seconds": time.perf_counter() - loaded}


def work_library(files: list[str]) -> dict:
    import arabic_dedupe
    from arabic_dedupe.model import Document
    from arabic_dedupe.pipeline import scan_documents
    from arabic_dedupe.reader import read_documents

    started = time.perf_counter()
    documents = [item for item in read_documents(files) if isinstance(item, Document)]
    loaded = time.perf_counter()
    report, _ = scan_documents(documents)
    return {
        "seconds": report.stats["seconds"],
        "duplicates": report.stats["duplicate_documents"],
        "paragraph_clusters": report.stats["paragraph_clusters"],
        "module": arabic_dedupe.__file__,
        "documents": len(documents),
        "load_seconds": loaded - started,
        "process_seconds": time.perf_counter() - loaded,
    }


def work_normalize(files: list[str]) -> dict:
    from arabic_dedupe.normalize import normalize

    started = time.perf_counter()
    texts = read_texts(files)
    loaded = time.perf_counter()
    for text in texts:
        normalize(text)
    return {
        "documents": len(texts),
        "load_seconds": loaded - started,
        "process_seconds": time.perf_counter() - loaded,
    }


WORKERS = {"datasketch": work_datasketch, "rensa": work_rensa, "library": work_library, "normalize": work_normalize}


def peak_rss_of_self() -> int:
    """VmHWM of this process in bytes (0 where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# --- the parent: corpora, runs, tables --------------------------------------------------


@dataclass
class Corpus:
    name: str
    files: list[str]
    documents: int
    text_bytes: int
    note: str = ""


@dataclass
class Run:
    corpus: str
    contender: str
    documents: int
    text_bytes: int
    wall_seconds: float
    peak_rss: int
    tree_memory: int = 0
    cpu_seconds: float = 0.0
    load_seconds: float | None = None
    process_seconds: float | None = None
    stages: dict = field(default_factory=dict)
    duplicates: int | None = None
    error: str = ""

    @classmethod
    def measured(cls, corpus: Corpus, contender: str, measured: Measured) -> "Run":
        return cls(
            corpus.name,
            contender,
            corpus.documents,
            corpus.text_bytes,
            measured.wall_seconds,
            measured.peak_rss,
            measured.tree_memory,
            measured.cpu_seconds,
        )


def process_tree(root: int) -> list[int]:
    """The process and its descendants, from /proc's children lists."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                    pending.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return found


def proportional_memory(pids: list[int]) -> int:
    """Sum of PSS in bytes: shared pages split between the processes sharing them, so
    forked workers are not counted twice for the parent's pages."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):
            continue
    return total


class MemorySampler:
    """Samples the PSS of a process tree a few times a second and keeps the largest sum."""

    INTERVAL_SECONDS = 0.2

    def __init__(self, pid: int):
        self.pid = pid
        self.peak = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        while not self.stopped.wait(self.INTERVAL_SECONDS):
            self.peak = max(self.peak, proportional_memory(process_tree(self.pid)))

    def stop(self) -> int:
        self.stopped.set()
        self.thread.join()
        return self.peak


@dataclass(frozen=True)
class Measured:
    """What one command cost and printed."""

    wall_seconds: float
    cpu_seconds: float  # user + system, the command and the workers it waited for
    peak_rss: int  # bytes, the largest single process
    tree_memory: int  # bytes, sampled peak PSS of the command and its workers together
    stdout: str
    stderr: str
    exit_code: int


def snapshot_code(work: Path) -> Path:
    """Copy the package as it is now, so every contender of this run measures the same code
    even while the working tree changes; returns the folder to put on PYTHONPATH."""
    folder = work / "code"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(REPOSITORY / "src" / "arabic_dedupe", folder / "arabic_dedupe", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def run_process(
    command: list[str], show_errors: bool = False, code: Path | None = None, sample_memory: bool = True
) -> Measured:
    """Run a command and measure it; with `sample_memory`, sample its tree's PSS too.

    The peak RSS is that of the child alone as long as this process stays small: Linux
    carries the high-water mark of the forked copy of the parent across exec. So the parent
    never holds a corpus (preparation runs in a worker too). Sampling is not free: reading
    smaps_rollup of a 1 GB process walks its page tables (30 ms a sample here, 0.7 s of
    CPU over a 5 s scan), which a command using every core pays in wall time and a
    one-process command does not.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        environment = dict(os.environ)
        if code is not None:
            # Ahead of the editable install's path entry, so the snapshot is what imports.
            environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), environment.get("PYTHONPATH")]))
        process = subprocess.Popen(
            command, stdout=out, stderr=None if show_errors else err, cwd=REPOSITORY, env=environment
        )
        sampler = MemorySampler(process.pid) if sample_memory else None
        # wait4 gives this child's own rusage (with the workers it waited for);
        # RUSAGE_CHILDREN would mix in every command run so far.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        tree_peak = sampler.stop() if sampler is not None else 0
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            wall_seconds=wall,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            peak_rss=usage.ru_maxrss * 1024,
            tree_memory=tree_peak,
            stdout=out.read().decode("utf-8", "replace"),
            stderr="" if show_errors else err.read().decode("utf-8", "replace"),
            exit_code=process.returncode,
        )


def run_contender(corpus: Corpus, contender: str, repeat: int = 1, code: Path | None = None) -> Run:
    """`repeat` runs of a contender, or the first failure: the first samples memory (the
    peak PSS reported), the others do not, and the fastest of those (by wall time) gives
    the times. With one run, its times are the sampled run's."""
    sampled = run_contender_once(corpus, contender, code, sample_memory=True)
    if sampled.error:
        return sampled
    best = None
    for _ in range(repeat - 1):
        run = run_contender_once(corpus, contender, code, sample_memory=False)
        if run.error:
            return run
        if best is None or run.wall_seconds < best.wall_seconds:
            best = run
    if best is None:
        return sampled
    best.tree_memory = sampled.tree_memory
    best.peak_rss = max(best.peak_rss, sampled.peak_rss)
    return best


def run_contender_once(corpus: Corpus, contender: str, code: Path | None = None, sample_memory: bool = True) -> Run:
    files = corpus.files
    if contender == "cli":
        with tempfile.TemporaryDirectory() as folder:
            output = os.path.join(folder, "report.json")
            dedupe = str(Path(sys.executable).parent / "dedupe")
            measured = run_process([dedupe, "scan", *files, "--format", "json", "-o", output], code=code, sample_memory=sample_memory)
            run = Run.measured(corpus, contender, measured)
            if measured.exit_code != 0 or not os.path.exists(output):
                run.error = f"exit {measured.exit_code}: {measured.stderr.strip()[-300:]}"
                return run
            with open(output, encoding="utf-8") as handle:
                report = json.load(handle)
            run.stages = report["stats"].get("seconds", {})
            run.duplicates = report["stats"].get("duplicate_documents")
            return run
    measured = run_process([sys.executable, __file__, "--worker", contender, *files], code=code, sample_memory=sample_memory)
    run = Run.measured(corpus, contender, measured)
    if measured.exit_code != 0:
        run.error = f"exit {measured.exit_code}: {measured.stderr.strip()[-300:]}"
        return run
    result = json.loads(measured.stdout.strip().splitlines()[-1])
    run.documents = result["documents"]
    run.load_seconds = result["load_seconds"]
    run.process_seconds = result["process_seconds"]
    run.stages = result.get("seconds", {})
    run.duplicates = result.get("duplicates")
    if code is not None and "module" in result and not result["module"].startswith(str(code)):
        run.error = f"imported arabic_dedupe from {result['module']}, not from the snapshot in {code}"
    # The worker's own VmHWM starts at exec, so it is the exact figure where /proc exists.
    run.peak_rss = result.get("peak_rss") or run.peak_rss
    return run


def prepare_saudinewsnet(work: Path) -> Corpus | str:
    """SaudiNewsNet as JSONL files (built once), or the reason it is skipped."""
    dataset = make_scaled_corpus.SAUDINEWSNET
    if not dataset.is_dir() or not list(dataset.glob("*.zip")):
        return f"SaudiNewsNet skipped: no {dataset.relative_to(REPOSITORY.parent)}/*.zip (see ../shared/corpora/README.md)"
    folder = work / "saudinewsnet"
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    else:
        records = make_scaled_corpus.saudinewsnet_records(dataset)
        files = make_scaled_corpus.write_records(records, folder)
        manifest = {
            "files": [path.name for path in files],
            "documents": len(records),
            "text_bytes": sum(len(record["text"].encode("utf-8")) for record in records),
        }
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return Corpus(
        "SaudiNewsNet",
        [str(folder / name) for name in manifest["files"]],
        manifest["documents"],
        manifest["text_bytes"],
        "31,030 real articles less the 354 with empty content",
    )


def prepare_generated(work: Path, size: int, pool) -> Corpus:
    folder = work / f"generated-{size}"
    manifest = make_scaled_corpus.generate_corpus(pool, size, folder)
    return Corpus(
        f"generated {size:,}",
        [str(folder / name) for name in manifest["files"]],
        manifest["documents"],
        manifest["text_bytes"],
        f"{manifest['exact_copies']:,} exact and {manifest['edited_copies']:,} edited copies injected; "
        f"pool {manifest['pool']}, vocabulary {manifest['vocabulary']:,} words",
    )


def work_prepare(options: argparse.Namespace) -> dict:
    """Build (or reuse) every corpus; return their descriptions and notes, as JSON data."""
    corpora, notes = [], []
    if options.no_saudinewsnet:
        notes.append("SaudiNewsNet left out (--no-saudinewsnet).")
    else:
        saudinewsnet = prepare_saudinewsnet(options.work)
        if isinstance(saudinewsnet, str):
            print(saudinewsnet, file=sys.stderr)
            notes.append(saudinewsnet)
        else:
            corpora.append(saudinewsnet)
    pool = None
    for size in corpus_sizes(options):
        if pool is None:
            pool = make_scaled_corpus.default_pool(use_saudinewsnet=options.pool == "auto")
        print(f"generating {size:,} documents in {options.work}/generated-{size} ...", file=sys.stderr, flush=True)
        corpora.append(prepare_generated(options.work, size, pool))
    return {"corpora": [vars(corpus) for corpus in corpora], "notes": notes}


def corpus_sizes(options: argparse.Namespace) -> list[int]:
    sizes = [int(size) for size in options.sizes.split(",") if size.strip()]
    if options.full and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    return sizes


def machine_facts() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            memory = int(info.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass

    def package(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "versions": {name: package(name) for name in ("arabic-dedupe", "numpy", "datasketch", "rensa", "rapidfuzz", "xxhash")},
        "load_before": os.getloadavg(),
        "commit": git_state(),
        "repeat": 1,
    }


def git_state() -> str:
    """The commit measured, and whether the source had uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPOSITORY, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=REPOSITORY, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"commit {commit}" + (" with uncommitted changes in src/" if dirty else "")


def megabytes(count: int) -> str:
    return f"{count / 1e6:,.1f}"


def gigabytes(count: int) -> str:
    return f"{count / 2**30:.2f}"


def seconds_text(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}"


def results_table(runs: list[Run]) -> list[str]:
    lines = [
        "| corpus | contender | documents | wall s | CPU s | load s | process s | articles/s | MB/s | peak RSS GiB | peak PSS, all processes GiB | duplicates found |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        if run.error:
            lines.append(f"| {run.corpus} | {TITLES[run.contender]} | {run.documents:,} | failed: {run.error} | | | | | | | | |")
            continue
        lines.append(
            f"| {run.corpus} | {TITLES[run.contender]} | {run.documents:,} | {run.wall_seconds:,.2f} | "
            f"{run.cpu_seconds:,.2f} | {seconds_text(run.load_seconds)} | {seconds_text(run.process_seconds)} | "
            f"{run.documents / run.wall_seconds:,.0f} | {megabytes(run.text_bytes / run.wall_seconds)} | "
            f"{gigabytes(run.peak_rss)} | {gigabytes(run.tree_memory)} | {'–' if run.duplicates is None else f'{run.duplicates:,}'} |"
        )
    return lines


def ratio_lines(runs: list[Run]) -> list[str]:
    """Speed of dedupe relative to each reference, end to end (wall) and processing only."""
    lines = [
        "| corpus | reference | wall: reference / dedupe CLI | CPU: reference / dedupe CLI | processing: reference / scan_documents |",
        "|---|---|---:|---:|---:|",
    ]
    by_key = {(run.corpus, run.contender): run for run in runs if not run.error}
    for corpus in dict.fromkeys(run.corpus for run in runs):
        cli, library = by_key.get((corpus, "cli")), by_key.get((corpus, "library"))
        for reference in ("datasketch", "rensa"):
            other = by_key.get((corpus, reference))
            if other is None:
                continue
            wall = f"{other.wall_seconds / cli.wall_seconds:.2f}x" if cli else "–"
            cpu = f"{other.cpu_seconds / cli.cpu_seconds:.2f}x" if cli and cli.cpu_seconds else "–"
            process = f"{other.process_seconds / library.process_seconds:.2f}x" if library else "–"
            lines.append(f"| {corpus} | {TITLES[reference]} | {wall} | {cpu} | {process} |")
    return lines


PER_DOCUMENT_STAGES = ("boilerplate", "normalize", "signatures", "pack")
# Wall-time stages of the main process besides "prepare": the streamed scan's first pass
# and its rebuilding of the documents that meet another.
MAIN_STAGES = ("site lines", "rebuild")
CORPUS_STAGES = ("paragraphs", "candidates", "verify", "cluster")


def stage_lines(runs: list[Run]) -> list[str]:
    """Seconds per stage of dedupe, from the report's stats.seconds."""
    lines = [
        "| corpus | run | prepare (wall) | "
        + " | ".join((*PER_DOCUMENT_STAGES, *MAIN_STAGES, *CORPUS_STAGES))
        + " | other | total |",
        "|---|---|" + "---:|" * (len(PER_DOCUMENT_STAGES) + len(MAIN_STAGES) + len(CORPUS_STAGES) + 3),
    ]
    for run in runs:
        if run.error or run.contender not in ("library", "cli"):
            continue
        total = run.process_seconds if run.contender == "library" else run.wall_seconds
        per_document = [run.stages.get(stage, 0.0) for stage in PER_DOCUMENT_STAGES]
        prepare = run.stages.get("prepare", sum(per_document))
        main = [run.stages.get(stage, 0.0) for stage in MAIN_STAGES]
        corpus_wide = [run.stages.get(stage, 0.0) for stage in CORPUS_STAGES]

        def cell(value: float) -> str:
            return f"{value:,.2f} ({value / total:.0%})" if total else f"{value:,.2f}"

        lines.append(
            f"| {run.corpus} | {'library, 1 process' if run.contender == 'library' else 'CLI, all cores'} | "
            + " | ".join(cell(value) for value in [prepare, *per_document, *main, *corpus_wide])
            + f" | {cell(total - prepare - sum(main) - sum(corpus_wide))} | {total:,.2f} |"
        )
    return lines


def reference_stage_lines(runs: list[Run]) -> list[str]:
    lines = ["| corpus | reference | shingles | minhash | lsh | union-find |", "|---|---|---:|---:|---:|---:|"]
    for run in runs:
        if run.error or run.contender not in ("datasketch", "rensa"):
            continue
        cells = " | ".join(f"{run.stages.get(stage, 0.0):,.2f}" for stage in ("shingles", "minhash", "lsh", "union-find"))
        lines.append(f"| {run.corpus} | {TITLES[run.contender]} | {cells} |")
    return lines


def scaling_lines(runs: list[Run]) -> list[str]:
    lines = [
        "| corpus | contender | documents | wall s | µs per document | peak RSS GiB | KiB RSS per document |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        if run.error or not run.corpus.startswith("generated"):
            continue
        lines.append(
            f"| {run.corpus} | {TITLES[run.contender]} | {run.documents:,} | {run.wall_seconds:,.2f} | "
            f"{run.wall_seconds / run.documents * 1e6:,.0f} | {gigabytes(run.peak_rss)} | {run.peak_rss / run.documents / 1024:,.1f} |"
        )
    return lines


def normalizer_lines(runs: list[tuple[Corpus, dict]]) -> list[str]:
    lines = ["| corpus | documents | MB (UTF-8) | seconds | MB/s | articles/s |", "|---|---:|---:|---:|---:|---:|"]
    for corpus, result in runs:
        seconds = result["process_seconds"]
        lines.append(
            f"| {corpus.name} | {result['documents']:,} | {megabytes(corpus.text_bytes)} | {seconds:,.2f} | "
            f"{megabytes(corpus.text_bytes / seconds)} | {result['documents'] / seconds:,.0f} |"
        )
    return lines


def render_results(facts: dict, corpora: list[Corpus], notes: list[str], runs: list[Run], normalizer: list, options) -> str:
    versions = ", ".join(f"{name} {value}" for name, value in facts["versions"].items())
    load_before = " / ".join(f"{value:.2f}" for value in facts["load_before"])
    load_after = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    out = [
        RESULTS_MARKER,
        "",
        f"## Results of {facts['date']}",
        "",
        f"- Machine: {facts['cpu']}, {facts['cores']} cores, {gigabytes(facts['memory'])} GiB RAM, {facts['system']}",
        f"- Python {facts['python']}; {versions}",
        f"- Load average (1/5/15 min) before: {load_before}; after: {load_after}. "
        "Other jobs on this machine may have shared the cores (a load average above the core count "
        "says they did), which makes wall times noisy; CPU seconds (user + system) are much less affected. "
        f"Each contender ran {facts['repeat']} time(s) (on corpora of {REPEAT_BELOW_DOCUMENTS:,} documents or more once): "
        "the first run samples memory, and the times shown are the fastest of the other runs (the only run's, where it ran once).",
        f"- Code: {facts['commit']}; copied at the start, so every contender ran the same code",
        f"- Command: `{' '.join(['python scripts/benchmark.py', *options])}`",
        "",
        "Corpora (text bytes are the UTF-8 size of the article text alone):",
        "",
    ]
    out += [f"- {corpus.name}: {corpus.documents:,} documents, {megabytes(corpus.text_bytes)} MB; {corpus.note}" for corpus in corpora]
    out += [f"- {note}" for note in notes]
    out += ["", "### Throughput and memory", "", *results_table(runs), ""]
    out += [
        "Wall time is the whole process (interpreter start, imports, reading the files, the work,",
        "and for the CLI writing the JSON report); load and process are measured inside the",
        "process. CPU is user + system time of the process and its workers (from wait4), the",
        "figure least disturbed by other jobs. Articles/s and MB/s are over wall time. The",
        "references and the library run in one process; the CLI uses its default, one worker",
        "process per core. Peak RSS is the high-water mark of the largest single process",
        "(VmHWM, or wait4 for the CLI); peak PSS sums the proportional memory of the process and",
        "its workers, sampled every 0.2 s (it can miss a short spike) in a contender's first",
        "run only: sampling costs CPU, which a contender using every core would pay in wall",
        "time, so the times come from the other runs. Duplicates found:",
        "documents that fall into a cluster with an",
        "earlier one (the references' LSH candidates are unverified, so they count false",
        "positives too; dedupe verifies every pair and also reports repeated paragraphs).",
        "",
        "### Speed ratios (above 1 means dedupe is faster)",
        "",
        *ratio_lines(runs),
        "",
        "### Where dedupe spends its time (seconds, share of the total)",
        "",
        *stage_lines(runs),
        "",
        "From the report's `stats.seconds`. \"prepare\" is the wall time of the per-document",
        "work: boilerplate, normalize, signatures and packing per batch of documents (below",
        "50,000 documents it includes counting the site-wide lines first). Those four are",
        "summed over the worker processes, so with several workers (the CLI uses all cores)",
        "they add up to more than \"prepare\". From 50,000 documents the scan streams:",
        "\"site lines\" is its first pass (reading every input and counting site-wide lines)",
        "and \"rebuild\" unpacks and fingerprints again the documents that share a key with",
        "another (the report's `rebuilt_documents`). The corpus stages (paragraphs to",
        "cluster) run in the main process; with several workers, below 50,000 documents,",
        "the candidate pairs are measured in forked workers, the document pairs LSH proposes",
        "while the main process clusters paragraphs (their time then shows in \"paragraphs\").",
        "\"other\" is the rest of the total: for the",
        "library, handing documents over; for the CLI (total = wall time), interpreter start",
        "and imports, reading and decoding the files (of the in-memory scan), and writing the",
        "report.",
        "",
        "### Where the references spend their time (seconds)",
        "",
        *reference_stage_lines(runs),
        "",
        "### Scaling with corpus size",
        "",
        *scaling_lines(runs),
        "",
        "### Normalizer alone (`arabic_dedupe.normalize.normalize`, one call per article)",
        "",
        *normalizer_lines(normalizer),
        "",
    ]
    return "\n".join(out)


def write_document(path: Path, results: str, *, marker: str = RESULTS_MARKER, intro: str = DEFAULT_INTRO) -> None:
    """Replace the results in `path`, keeping everything above `marker` (`intro` for a new
    file); bench_index.py writes its own document with this too."""
    if path.exists():
        existing = path.read_text(encoding="utf-8")
        intro = existing.split(marker, 1)[0] if marker in existing else existing
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(intro.rstrip("\n") + "\n\n" + results, encoding="utf-8")


def parse_options(arguments: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time dedupe against plain datasketch and rensa pipelines; write docs/benchmarks.md.",
    )
    parser.add_argument("--sizes", default="10000,100000", help="generated corpus sizes, comma-separated (default: 10000,100000)")
    parser.add_argument("--full", action="store_true", help="add a 1,000,000-document corpus (references skip it unless --skip-reference-above allows)")
    parser.add_argument("--skip-reference-above", type=int, default=100_000, help="run datasketch, rensa and the library contender only on corpora of at most N documents (default: 100000)")
    parser.add_argument("--repeat", type=int, default=1, help="run each contender N times: the first samples memory, the fastest of the others gives the times (default: 1)")
    parser.add_argument("--no-saudinewsnet", action="store_true", help="leave out the SaudiNewsNet corpus")
    parser.add_argument("--pool", choices=("auto", "seeds"), default="auto", help="text generated articles draw on: SaudiNewsNet when present (auto), or the seed articles")
    parser.add_argument("--contenders", default=",".join(CONTENDERS), help=f"which to run (default: {','.join(CONTENDERS)})")
    parser.add_argument("--work", type=Path, default=REPOSITORY / ".bench", help="where corpora are generated (default: .bench/)")
    parser.add_argument("--output", type=Path, default=REPOSITORY / "docs" / "benchmarks.md", help="results file (default: docs/benchmarks.md)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    return parser.parse_args(arguments)


def main(arguments: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if arguments is None else arguments
    options = parse_options(arguments)
    if options.worker == "prepare":
        print(json.dumps(work_prepare(options)))
        return 0
    if options.worker:
        result = WORKERS[options.worker](options.files)
        result["peak_rss"] = peak_rss_of_self()
        print(json.dumps(result))
        return 0

    facts = {**machine_facts(), "repeat": options.repeat}
    options.work.mkdir(parents=True, exist_ok=True)
    code = snapshot_code(options.work)
    contenders = [name for name in options.contenders.split(",") if name]
    unknown = set(contenders) - set(CONTENDERS)
    if unknown:
        print(f"benchmark: unknown contender(s) {', '.join(sorted(unknown))}; choose from {', '.join(CONTENDERS)}", file=sys.stderr)
        return 2

    preparation = [sys.executable, __file__, "--worker", "prepare", "--work", str(options.work), "--sizes", options.sizes]
    preparation += ["--full"] if options.full else []
    preparation += ["--no-saudinewsnet"] if options.no_saudinewsnet else []
    preparation += ["--pool", options.pool]
    measured = run_process(preparation, show_errors=True)
    if measured.exit_code != 0:
        print("benchmark: preparing the corpora failed (see above)", file=sys.stderr)
        return 1
    prepared = json.loads(measured.stdout.strip().splitlines()[-1])
    corpora = [Corpus(**corpus) for corpus in prepared["corpora"]]
    # The snapshot is new, so numba's cache of the compiled kernel is empty: compiled here,
    # once, it is not timed as part of whichever contender would have used it first.
    warm = [sys.executable, "-c", "from arabic_dedupe.signature import load_compiled_kernel; load_compiled_kernel()"]
    run_process(warm, show_errors=True, code=code)
    notes = prepared["notes"]
    print(f"corpora ready in {measured.wall_seconds:.1f} s", flush=True)

    runs: list[Run] = []
    normalizer: list[tuple[Corpus, dict]] = []
    for corpus in corpora:
        for contender in contenders:
            # The references and the library contender hold every document in one process
            # (the library as a caller's list would); above the limit only the CLI, which
            # streams its inputs over all cores, is timed.
            if contender in ("datasketch", "rensa", "library") and corpus.documents > options.skip_reference_above:
                note = f"{TITLES[contender]} skipped on {corpus.name} (above --skip-reference-above {options.skip_reference_above:,})."
                print(note)
                notes.append(note)
                continue
            print(f"{corpus.name}: {TITLES[contender]} ...", end=" ", flush=True)
            # A million documents take minutes per run: one run, the sampled one.
            repeat = 1 if corpus.documents >= REPEAT_BELOW_DOCUMENTS else options.repeat
            run = run_contender(corpus, contender, repeat, code)
            print(run.error or f"{run.wall_seconds:.2f} s, peak {gigabytes(run.peak_rss)} GiB", flush=True)
            runs.append(run)
        measured = run_process([sys.executable, __file__, "--worker", "normalize", *corpus.files], code=code)
        if measured.exit_code == 0:
            normalizer.append((corpus, json.loads(measured.stdout.strip().splitlines()[-1])))
        else:
            print(f"{corpus.name}: normalizer run failed: {measured.stderr.strip()[-300:]}")

    results = render_results(facts, corpora, notes, runs, normalizer, arguments)
    print(results)
    write_document(options.output, results)
    print(f"written to {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
