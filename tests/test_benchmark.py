"""Smoke test of `make bench`: the harness runs end to end on a tiny generated corpus.

No timing is asserted: only that every contender ran and the results file is well formed.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def load_script(name: str):
    specification = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(specification)
    sys.modules[name] = module
    specification.loader.exec_module(module)
    return module


make_scaled_corpus = load_script("make_scaled_corpus")
benchmark = load_script("benchmark")

NUMBER = r"[\d,]+(\.\d+)?"
HAND_WRITTEN = "# Benchmarks\n\nWritten by hand; the script must keep this.\n\n"


@pytest.fixture(scope="module")
def seeds_pool():
    return make_scaled_corpus.default_pool(use_saudinewsnet=False)


def read_records(folder: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(folder.glob("part-*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def test_generated_corpus_has_the_asked_size_sites_and_copies(tmp_path, seeds_pool):
    manifest = make_scaled_corpus.generate_corpus(seeds_pool, 50, tmp_path, seed=7)
    records = read_records(tmp_path)
    assert manifest["documents"] == len(records) == 50
    assert manifest["pool"] == "fixtures/seeds"
    assert [record["id"] for record in records] == [f"d{number:07d}" for number in range(50)]
    assert {record["source"] for record in records} <= set(make_scaled_corpus.SITES)
    assert all(record["text"].strip() for record in records)
    assert manifest["text_bytes"] == sum(len(record["text"].encode("utf-8")) for record in records)
    texts = [record["text"] for record in records]
    assert len(texts) - len(set(texts)) >= manifest["exact_copies"] - 1


def test_generation_is_reproducible_and_reused(tmp_path, seeds_pool):
    first = make_scaled_corpus.generate_corpus(seeds_pool, 30, tmp_path / "one", seed=3)
    second = make_scaled_corpus.generate_corpus(seeds_pool, 30, tmp_path / "two", seed=3)
    assert read_records(tmp_path / "one") == read_records(tmp_path / "two")
    assert {key: first[key] for key in ("exact_copies", "edited_copies", "text_bytes")} == {
        key: second[key] for key in ("exact_copies", "edited_copies", "text_bytes")
    }
    again = make_scaled_corpus.generate_corpus(seeds_pool, 30, tmp_path / "one", seed=3)
    assert again["generation_seconds"] == first["generation_seconds"]


def test_plain_shingles_are_lower_cased_word_five_grams():
    assert benchmark.plain_shingles("Ab, cd ef gh ij KL") == {"ab cd ef gh ij", "cd ef gh ij kl"}
    assert benchmark.plain_shingles("one two") == {"one two"}
    assert benchmark.plain_shingles(" ... ") == set()


def test_union_find_counts_members_beyond_the_first_of_each_set():
    sets = benchmark.UnionFind(5)
    sets.union(0, 3)
    sets.union(3, 4)
    assert sets.duplicates() == 2
    assert sets.find(4) == 0


def test_writing_results_keeps_the_hand_written_introduction(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    benchmark.write_document(path, benchmark.RESULTS_MARKER + "\nfirst\n")
    benchmark.write_document(path, benchmark.RESULTS_MARKER + "\nsecond\n")
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN + benchmark.RESULTS_MARKER + "\nsecond\n"


def test_harness_runs_end_to_end_on_fifty_documents(tmp_path, capsys):
    output = tmp_path / "benchmarks.md"
    output.write_text(HAND_WRITTEN, encoding="utf-8")
    code = benchmark.main(
        ["--sizes", "50", "--no-saudinewsnet", "--pool", "seeds", "--work", str(tmp_path / "work"), "--output", str(output)]
    )
    assert code == 0
    text = output.read_text(encoding="utf-8")
    assert text.startswith(HAND_WRITTEN + benchmark.RESULTS_MARKER)
    assert "SaudiNewsNet left out (--no-saudinewsnet)." in text
    assert re.search(r"- Python \d+\.\d+\.\d+; arabic-dedupe \S+, numpy \S+, datasketch \S+, rensa \S+", text)
    assert re.search(r"- Machine: .+, \d+ cores, [\d.]+ GiB RAM", text)
    rows = [line for line in text.splitlines() if line.startswith("| generated 50 |")]
    throughput = [row for row in rows if row.count("|") == 13 and row.split(" | ")[1] in benchmark.TITLES.values()]
    assert [row.split(" | ")[1] for row in throughput] == [benchmark.TITLES[name] for name in benchmark.CONTENDERS]
    for row in throughput:
        cells = row.strip("| ").split(" | ")
        assert cells[2] == "50"
        for cell in (cells[3], cells[4], cells[7], cells[8], cells[9], cells[10]):
            assert re.fullmatch(NUMBER, cell), row
    ratios = [row for row in rows if row.endswith("x |")]
    assert len(ratios) == 2
    stages = [row for row in rows if "| library, 1 process |" in row or "| CLI, all cores |" in row]
    assert len(stages) == 2
    normalizer = [row for row in rows if row.count("|") == 7 and row.split(" | ")[1] == "50"]
    assert len(normalizer) == 1
    assert re.fullmatch(NUMBER, normalizer[0].split(" | ")[4])
    results = benchmark.RESULTS_MARKER + text.split(benchmark.RESULTS_MARKER, 1)[1]
    assert results in capsys.readouterr().out


def test_memory_is_sampled_in_the_first_run_and_times_come_from_the_others(monkeypatch):
    calls = []
    walls = iter([3.0, 5.0, 4.0])

    def run_once(corpus, contender, code=None, sample_memory=True):
        calls.append(sample_memory)
        return benchmark.Run(corpus.name, contender, 10, 100, next(walls), peak_rss=2 if sample_memory else 1, tree_memory=7 if sample_memory else 0)

    monkeypatch.setattr(benchmark, "run_contender_once", run_once)
    corpus = benchmark.Corpus("tiny", [], 10, 100)
    run = benchmark.run_contender(corpus, "cli", repeat=3)
    assert calls == [True, False, False]
    # The sampled run was the fastest, but its time is not the one reported.
    assert (run.wall_seconds, run.tree_memory, run.peak_rss) == (4.0, 7, 2)
    calls.clear()
    walls = iter([6.0])
    single = benchmark.run_contender(corpus, "cli", repeat=1)
    assert calls == [True] and (single.wall_seconds, single.tree_memory) == (6.0, 7)
