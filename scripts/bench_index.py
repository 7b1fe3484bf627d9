"""`make bench`, persistent-index part: `index add` against the in-memory scan, and query latency.

Each measurement runs in its own process (the parent never holds a corpus); results go to
docs/index-benchmarks.md below the hand-written introduction, and to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
REPOSITORY = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))

import benchmark  # noqa: E402  (a sibling script: machine facts, VmHWM)
from loopback_redis import command as redis_command, loopback_redis  # noqa: E402

RESULTS_MARKER = "<!-- Everything below is written by scripts/bench_index.py; edit above this line. -->"
DEFAULT_INTRO = "# Persistent index benchmarks\n\n`make bench` runs `scripts/bench_index.py`; see its `--help`.\n"
SAUDINEWSNET = REPOSITORY.parent / "shared" / "corpora" / "saudinewsnet" / "dataset"
FIXTURES = REPOSITORY / "fixtures" / "eval"
# `index add` should keep this share of the in-memory scan rate (the project's target).
TARGET_RATIO = 0.8
# Every fifth query document is an edited copy of an indexed one, the rest are held out.
EDITED_EVERY = 5
EDITED_WORD_SHARE = 0.03


# --- documents, built the same way in every worker ---------------------------------------


def edited(text: str, share: float, seed: str) -> str:
    """`text` with about `share` of its words swapped for other words of it, lines kept."""
    generator = random.Random(seed)
    words = text.split()
    lines = []
    for line in text.split("\n"):
        tokens = line.split(" ")
        for position, token in enumerate(tokens):
            if token and generator.random() < share:
                tokens[position] = generator.choice(words)
        lines.append(" ".join(tokens))
    return "\n".join(lines)


def load_documents(corpus: str, count: int) -> list:
    """The first `count` SaudiNewsNet articles with text (read from the zipped JSON arrays,
    site = source), or fixtures/eval repeated until there are `count`, each repetition edited."""
    from arabic_dedupe.model import Document

    documents = []
    if corpus == "fixtures":
        files = sorted(FIXTURES.glob("*/*.txt"))
        for number in range(count):
            path, repetition = files[number % len(files)], number // len(files)
            identifier, text = f"{path.parent.name}/{path.name}", path.read_text(encoding="utf-8")
            if repetition:
                identifier, text = f"{identifier}~{repetition}", edited(text, 0.05, f"{identifier}:{repetition}")
            documents.append(Document(id=identifier, text=text, site=path.parent.name))
        return documents
    for path in sorted(SAUDINEWSNET.glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                for number, article in enumerate(json.loads(archive.read(name))):
                    if (article.get("content") or "").strip():
                        documents.append(Document(id=f"{path.stem}-{number}", text=article["content"], site=article.get("source", "")))
                        if len(documents) == count:
                            return documents
    raise SystemExit(f"SaudiNewsNet holds only {len(documents):,} articles with text; ask for fewer --documents")


def query_pool(documents: list, indexed: int, size: int) -> list:
    """`size` new documents: held-out ones (after the first `indexed`), with every fifth an
    edited copy of an indexed document."""
    from arabic_dedupe.model import Document

    held_out, pool = iter(documents[indexed:]), []
    for number in range(size):
        if number % EDITED_EVERY == EDITED_EVERY - 1:
            original = documents[(number * 7919) % indexed]
            pool.append(Document(id=f"{original.id}~query{number}", text=edited(original.text, EDITED_WORD_SHARE, str(number)), site=original.site))
        else:
            pool.append(next(held_out))
    return pool


def batch_plan(sizes: list[int]) -> list[tuple[int, int]]:
    """(batch size, batches): many small batches, so one slow call does not decide the figure.

    >>> batch_plan([1, 10, 500])
    [(1, 20), (10, 5), (500, 1)]
    """
    return [(size, max(1, min(20, 50 // size))) for size in sizes]


# --- workers: `bench_index.py --worker KIND`, one JSON line on stdout --------------------


def work_scan(options) -> dict:
    from arabic_dedupe.pipeline import scan_documents

    documents = load_documents(options.corpus, options.documents)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    report, _ = scan_documents(documents, jobs=options.jobs)
    return {"seconds": time.perf_counter() - started, "cpu_seconds": cpu_seconds() - cpu_started, "duplicates": report.stats["duplicate_documents"]}


def cpu_seconds() -> float:
    """CPU time of this process and of the workers it has waited for."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def server_cpu_seconds(location: str) -> float | None:
    """CPU time redis-server has used so far, for a Redis location; None for the others."""
    if not location.startswith("redis://"):
        return None
    import redis

    client = redis.Redis.from_url(location)
    try:
        cpu = client.info("cpu")
        return cpu["used_cpu_user"] + cpu["used_cpu_sys"]
    finally:
        client.close()


def work_add(options) -> dict:
    from arabic_dedupe import index
    from arabic_dedupe.config import Settings

    documents = load_documents(options.corpus, options.documents)
    store = index.open_index(options.location, Settings(), create=True)
    try:
        server_started = server_cpu_seconds(options.location)
        started, cpu_started = time.perf_counter(), cpu_seconds()
        result = index.add_documents(store, documents, Settings(), jobs=options.jobs)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
        server = None if server_started is None else server_cpu_seconds(options.location) - server_started
        return {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "server_cpu_seconds": server,
            "indexed": result.indexed,
            "size_bytes": store.size_bytes(),
            **store.counts(),
        }
    finally:
        store.close()


def work_query(options) -> dict:
    from arabic_dedupe import index
    from arabic_dedupe.config import Settings

    sizes = [int(size) for size in options.batch_sizes.split(",")]
    # One warm-up query, then the plan; only the non-edited share of those is held out.
    total = 1 + sum(size * batches for size, batches in batch_plan(sizes))
    documents = load_documents(options.corpus, options.documents + total - total // EDITED_EVERY)
    pool = query_pool(documents, options.documents, total)
    settings = Settings()
    store = index.open_index(options.location, settings, create=False)
    try:
        # The first query of a process builds the permutations and warms the caches.
        index.query(store, pool[:1], settings)
        taken, results = 1, []
        for size, batches in batch_plan(sizes):
            seconds = candidates = duplicates = 0.0
            for _ in range(batches):
                batch, taken = pool[taken : taken + size], taken + size
                started = time.perf_counter()
                report, _ = index.query(store, batch, settings)
                seconds += time.perf_counter() - started
                candidates += report.stats["indexed_candidates"]
                duplicates += report.stats["duplicate_documents"]
            results.append({"size": size, "batches": batches, "seconds": seconds, "candidates": candidates, "duplicates": int(duplicates)})
        return {"batches": results}
    finally:
        store.close()


WORKERS = {"scan": work_scan, "add": work_add, "query": work_query}


def worker_main(options) -> None:
    import resource

    result = WORKERS[options.worker](options)
    result["peak_rss"] = benchmark.peak_rss_of_self()
    result["workers_peak_rss"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(json.dumps(result))


# --- the parent: Redis, runs, the table ------------------------------------------------


@contextlib.contextmanager
def redis_server(folder: Path, wanted: bool):
    """A private redis-server on a free loopback port, without persistence; yields its port,
    or the reason the Redis rows are skipped (a str)."""
    executable = shutil.which("redis-server")
    if not wanted or executable is None:
        yield "Redis rows skipped: " + ("--no-redis." if not wanted else "redis-server is not installed (Debian: apt-get install redis-server, or `make services`).")
        return
    with contextlib.ExitStack() as stack:
        try:
            port = stack.enter_context(loopback_redis(executable, folder))
        except RuntimeError as error:
            yield f"Redis rows skipped: {error}."
            return
        yield port


def run_worker(options, kind: str, code: Path, label: str, **extra) -> dict:
    """One measurement in a fresh process, announced on stdout; {"error": ...} when it fails."""
    print(f"{label} ...", end=" ", flush=True)
    command = [sys.executable, __file__, "--worker", kind, "--corpus", options.corpus, "--documents", str(options.documents)]
    command += ["--batch-sizes", options.batch_sizes] + [item for name, value in extra.items() for item in (f"--{name}", str(value))]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")]))}
    try:
        finished = subprocess.run(command, capture_output=True, text=True, cwd=REPOSITORY, env=environment, timeout=options.timeout)
        if finished.returncode != 0:
            result = {"error": f"exit {finished.returncode}: {finished.stderr.strip()[-300:]}"}
        else:
            result = json.loads(finished.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        result = {"error": f"stopped after {options.timeout} s (--timeout)"}
    print(result.get("error") or (f"{result['seconds']:.2f} s" if "seconds" in result else "done"), flush=True)
    return result


def fastest(results: list[dict]) -> dict:
    """The run that took the least time, or the first failure when every run failed.

    >>> fastest([{"seconds": 3.0}, {"error": "exit 1"}, {"seconds": 2.5}])
    {'seconds': 2.5}
    """
    finished = [result for result in results if "error" not in result]
    return min(finished, key=lambda result: result["seconds"]) if finished else results[0]


def floor_note(floors: dict[int, dict], adds: list[tuple[str, int, dict]]) -> str:
    """The add into the in-memory store: everything an add does but storing, so what a
    backend's row takes beyond it is that backend's storage cost."""
    scans = {jobs: result for name, jobs, result in adds if name == "in-memory scan" and "error" not in result}
    parts = []
    for jobs, result in floors.items():
        if "error" in result:
            parts.append(f"jobs={jobs} failed ({result['error']})")
        elif jobs in scans:
            parts.append(f"jobs={jobs} {result['seconds']:.2f} s ({scans[jobs]['seconds'] / result['seconds']:.2f} of the scan rate)")
        else:
            parts.append(f"jobs={jobs} {result['seconds']:.2f} s")
    return "`index add` into the in-memory store (all of an add but the storing; a backend's time beyond it is its storage cost): " + "; ".join(parts)


def cpu_note(floors: dict[int, dict], adds: list[tuple[str, int, dict]]) -> str:
    """CPU seconds of the runs shown: on a machine shared with other jobs they say what each
    run cost better than its wall time."""
    parts = []
    rows = [(name, jobs, result) for name, jobs, result in adds if name == "in-memory scan"]
    rows += [("in-memory store add", jobs, result) for jobs, result in floors.items()]
    rows += [(name, jobs, result) for name, jobs, result in adds if name != "in-memory scan"]
    for name, jobs, result in rows:
        if "cpu_seconds" not in result:
            continue
        text = f"{name} jobs={jobs} {result['cpu_seconds']:.2f}"
        if result.get("server_cpu_seconds") is not None:
            text += f" + redis-server {result['server_cpu_seconds']:.2f}"
        parts.append(text)
    return "CPU seconds of those runs (the measuring process and its workers): " + "; ".join(parts)


def mebibytes(count: int | None) -> str:
    return f"{count / 2**20:,.1f}" if count else "–"


def add_lines(rows: list[tuple[str, int, dict]], documents: int) -> list[str]:
    lines = [
        "| run | jobs | documents/s | seconds | ratio to scan (target ≥ 0.80) | peak RSS MiB (main / largest worker) | index size MiB | bucket entries |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    scans = {jobs: result for name, jobs, result in rows if name == "in-memory scan" and "error" not in result}
    for name, jobs, result in rows:
        if "error" in result:
            lines.append(f"| {name} | {jobs} | {result['error'].replace('|', '/')} | | | | | |")
            continue
        ratio = "–"
        if name != "in-memory scan" and jobs in scans:
            value = scans[jobs]["seconds"] / result["seconds"]
            ratio = f"{value:.2f} ({'meets' if value >= TARGET_RATIO else 'below'})"
        entries = f"{result['bucket_entries']:,}" if "bucket_entries" in result else "–"
        lines.append(
            f"| {name} | {jobs} | {documents / result['seconds']:,.0f} | {result['seconds']:,.2f} | {ratio} | "
            f"{mebibytes(result['peak_rss'])} / {mebibytes(result['workers_peak_rss'])} | {mebibytes(result.get('size_bytes'))} | {entries} |"
        )
    return lines


def query_lines(rows: list[tuple[str, dict]]) -> list[str]:
    lines = [
        "| backend | batch size | batches | ms per article | ms per batch | indexed candidates per batch | duplicates found | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, result in rows:
        if "error" in result:
            lines.append(f"| {backend} | {result['error'].replace('|', '/')} | | | | | | |")
            continue
        for batch in result["batches"]:
            articles = batch["size"] * batch["batches"]
            lines.append(
                f"| {backend} | {batch['size']:,} | {batch['batches']} | {batch['seconds'] / articles * 1000:,.1f} | "
                f"{batch['seconds'] / batch['batches'] * 1000:,.1f} | {batch['candidates'] / batch['batches']:,.1f} | "
                f"{batch['duplicates']:,} | {mebibytes(result['peak_rss'])} |"
            )
    return lines


def render(facts: dict, options, arguments: list[str], adds: list, queries: list, notes: list[str]) -> str:
    versions = ", ".join(f"{name} {value}" for name, value in facts["versions"].items())
    load = " / ".join(f"{value:.2f}" for value in facts["load_before"])
    load_after = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    corpus = "SaudiNewsNet (first articles with text, in file order)" if options.corpus == "saudinewsnet" else "fixtures/eval repeated, each repetition with 5% of words swapped"
    out = [
        RESULTS_MARKER, "", f"## Results of {facts['date']}", "",
        f"- Machine: {facts['cpu']}, {facts['cores']} cores, {benchmark.gigabytes(facts['memory'])} GiB RAM, {facts['system']}",
        f"- Python {facts['python']}; {versions}",
        f"- Load average (1/5/15 min) before: {load}; after: {load_after} (a load above the core count means other jobs shared the cores)",
        f"- Code: {facts['commit']}; copied at the start, so every run measured the same code",
        f"- Command: `{' '.join(['python scripts/bench_index.py', *arguments])}`",
        f"- Corpus: {options.documents:,} documents from {corpus}",
        *[f"- {note}" for note in notes],
        "", "### Adding documents (`index.add_documents`) against the in-memory scan (`scan_documents`)", "",
        *add_lines(adds, options.documents), "",
        f"### Query latency (`index.query`, one process, over the index the jobs={options.jobs[0]} run built)", "",
        *query_lines(queries), "",
    ]
    return "\n".join(out)


def write_document(path: Path, results: str) -> None:
    """Replace the results in `path`, keeping everything above this script's marker."""
    benchmark.write_document(path, results, marker=RESULTS_MARKER, intro=DEFAULT_INTRO)


def parse_options(arguments: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time `index add` against the in-memory scan, and index queries; write docs/index-benchmarks.md.")
    parser.add_argument("--documents", type=int, default=10_000, help="documents to index (default: 10000)")
    parser.add_argument("--corpus", choices=("auto", "saudinewsnet", "fixtures"), default="auto", help="SaudiNewsNet when present (auto), or fixtures/eval repeated")
    parser.add_argument("--jobs", default="1,2", help="worker processes to try, comma-separated (default: 1,2)")
    parser.add_argument("--batch-sizes", default="1,10,500", help="query batch sizes (default: 1,10,500)")
    parser.add_argument("--no-redis", action="store_true", help="leave out the Redis rows")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each scan and add, the fastest kept (default: 3)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds one run may take (default: 1800)")
    parser.add_argument("--work", type=Path, default=REPOSITORY / ".bench" / "index", help="where indexes are written (default: .bench/index/)")
    parser.add_argument("--output", type=Path, default=REPOSITORY / "docs" / "index-benchmarks.md", help="results file (default: docs/index-benchmarks.md)")
    parser.add_argument("--worker", choices=tuple(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--location", help=argparse.SUPPRESS)
    options = parser.parse_args(arguments)
    if options.corpus == "auto":
        options.corpus = "saudinewsnet" if list(SAUDINEWSNET.glob("*.zip")) else "fixtures"
    if not options.worker:
        options.jobs = [int(jobs) for jobs in options.jobs.split(",") if jobs.strip()]
    return options


def main(arguments: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if arguments is None else arguments
    options = parse_options(arguments)
    if options.worker:
        options.jobs = int(options.jobs)
        worker_main(options)
        return 0
    facts = benchmark.machine_facts()
    facts["versions"] = {name: value for name, value in facts["versions"].items() if name not in ("datasketch", "rensa")}
    options.work.mkdir(parents=True, exist_ok=True)
    for stale in options.work.glob("index-jobs*.db*"):
        stale.unlink()
    code = benchmark.snapshot_code(options.work)
    notes = [] if options.corpus == "saudinewsnet" else [f"SaudiNewsNet not used: no {SAUDINEWSNET}/*.zip, or --corpus fixtures."]
    runs: dict[tuple[str, int], list[dict]] = {}
    floors: dict[int, list[dict]] = {}
    queries = []
    with redis_server(options.work, not options.no_redis) as port:
        backends = [("SQLite", lambda jobs: str(options.work / f"index-jobs{jobs}.db"))]
        if isinstance(port, str):
            notes.append(port)
            print(port)
        else:
            version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()
            facts["versions"]["redis-server"] = next((word[2:] for word in version if word.startswith("v=")), "unknown")
            backends.append(("Redis", lambda jobs: f"redis://127.0.0.1:{port}/0"))
        # Rounds of every measurement in turn, so that load from other jobs on a shared
        # machine falls on the scan and the adds alike; each row keeps its fastest run.
        for round_number in range(1, options.repeat + 1):
            suffix = f" (run {round_number} of {options.repeat})" if options.repeat > 1 else ""
            for jobs in options.jobs:
                runs.setdefault(("in-memory scan", jobs), []).append(
                    run_worker(options, "scan", code, f"in-memory scan, jobs={jobs}{suffix}", jobs=jobs)
                )
            for jobs in options.jobs:
                floors.setdefault(jobs, []).append(
                    run_worker(options, "add", code, f"add to an in-memory store, jobs={jobs}{suffix}", jobs=jobs, location="memory:")
                )
            for backend, location in backends:
                for jobs in options.jobs:
                    if backend == "Redis":
                        redis_command(port, "FLUSHALL")
                    for stale in options.work.glob(f"index-jobs{jobs}.db*"):
                        stale.unlink()
                    name = f"{backend} index add"
                    result = run_worker(options, "add", code, f"{name}, jobs={jobs}{suffix}", jobs=jobs, location=location(jobs))
                    runs.setdefault((name, jobs), []).append(result)
                    if jobs == options.jobs[0] and round_number == options.repeat:
                        failed = "error" in result
                        queried = {"error": "the index add failed"} if failed else run_worker(options, "query", code, f"{backend} queries", jobs=1, location=location(jobs))
                        queries.append((backend, queried))
    adds = [(name, jobs, fastest(results)) for (name, jobs), results in runs.items()]
    floor = {jobs: fastest(results) for jobs, results in floors.items()}
    notes.append(floor_note(floor, adds))
    notes.append(cpu_note(floor, adds))
    if options.repeat > 1:
        notes.append(
            f"Each scan and add row is the fastest of {options.repeat} runs, taken in turns (scans, SQLite adds, Redis adds, "
            "then again) so that other jobs' load falls on all of them alike"
        )
    results = render(facts, options, arguments, adds, queries, notes)
    print(results)
    write_document(options.output, results)
    print(f"written to {options.output}")
    return 0 if all("error" not in result for _, _, result in adds) and all("error" not in result for _, result in queries) else 1


if __name__ == "__main__":
    sys.exit(main())
