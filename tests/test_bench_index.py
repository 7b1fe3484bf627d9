"""Smoke test of the persistent-index benchmark: it runs end to end on 60 fixture documents.

No timing is asserted: only the corpus it builds, and that the results file is well formed.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "eval"


def load_script(name: str):
    specification = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(specification)
    sys.modules[name] = module
    specification.loader.exec_module(module)
    return module


bench_index = load_script("bench_index")

NUMBER = r"[\d,]+(\.\d+)?"
HAND_WRITTEN = "# Persistent index benchmarks\n\nWritten by hand; the script must keep this.\n\n"


def test_fixture_corpus_repeats_the_eval_files_with_edits():
    files = sorted(FIXTURES.glob("*/*.txt"))
    documents = bench_index.load_documents("fixtures", len(files) + 3)
    assert len(documents) == len(files) + 3
    assert len({document.id for document in documents}) == len(documents)
    assert documents[0].id == f"{files[0].parent.name}/{files[0].name}"
    assert documents[0].text == files[0].read_text(encoding="utf-8")
    assert documents[0].site == files[0].parent.name
    copy = documents[len(files)]
    assert copy.id == f"{documents[0].id}~1"
    assert copy.text != documents[0].text
    assert copy.text.count("\n") == documents[0].text.count("\n")
    assert bench_index.load_documents("fixtures", len(files) + 3) == documents


def test_query_pool_holds_out_documents_and_edits_every_fifth_indexed_one():
    documents = bench_index.load_documents("fixtures", 40)
    pool = bench_index.query_pool(documents, 30, 10)
    assert [document.id for position, document in enumerate(pool) if position % 5 != 4] == [
        document.id for document in documents[30:38]
    ]
    edited = [pool[4], pool[9]]
    indexed_ids = {document.id for document in documents[:30]}
    for document in edited:
        original, _, suffix = document.id.partition("~query")
        assert original in indexed_ids and suffix.isdigit()


def test_batch_plan_runs_small_batches_many_times():
    assert bench_index.batch_plan([1, 10, 500]) == [(1, 20), (10, 5), (500, 1)]
    assert bench_index.batch_plan([5, 60]) == [(5, 10), (60, 1)]


def test_writing_results_keeps_the_hand_written_introduction(tmp_path):
    path = tmp_path / "index-benchmarks.md"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    bench_index.write_document(path, bench_index.RESULTS_MARKER + "\nfirst\n")
    bench_index.write_document(path, bench_index.RESULTS_MARKER + "\nsecond\n")
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN + bench_index.RESULTS_MARKER + "\nsecond\n"


def test_harness_runs_end_to_end_on_sixty_documents(tmp_path, capsys):
    output = tmp_path / "index-benchmarks.md"
    output.write_text(HAND_WRITTEN, encoding="utf-8")
    arguments = ["--corpus", "fixtures", "--documents", "60", "--batch-sizes", "1,5"]
    code = bench_index.main([*arguments, "--work", str(tmp_path / "work"), "--output", str(output)])
    assert code == 0
    text = output.read_text(encoding="utf-8")
    assert text.startswith(HAND_WRITTEN + bench_index.RESULTS_MARKER)
    assert re.search(r"- Machine: .+, \d+ cores, [\d.]+ GiB RAM", text)
    assert re.search(r"- Python \d+\.\d+\.\d+; arabic-dedupe \S+, numpy \S+", text)
    assert "- Corpus: 60 documents from fixtures/eval repeated" in text
    backends = ["SQLite"]
    if shutil.which("redis-server"):
        backends.append("Redis")
        assert re.search(r"redis-server \d+\.\d+", text)
    else:
        assert "Redis rows skipped: redis-server is not installed" in text

    rows = [line.strip("| ").split(" | ") for line in text.splitlines() if line.startswith("| ")]
    adds = [row for row in rows if row[0].endswith(("scan", "index add"))]
    assert [(row[0], row[1]) for row in adds] == [("in-memory scan", "1"), ("in-memory scan", "2")] + [
        (f"{backend} index add", jobs) for backend in backends for jobs in ("1", "2")
    ]
    for row in adds:
        assert len(row) == 8, row
        assert re.fullmatch(NUMBER, row[2]) and re.fullmatch(NUMBER, row[3]), row
        assert re.fullmatch(rf"{NUMBER} / ({NUMBER}|–)", row[5]), row  # no worker with one batch
        if row[0] == "in-memory scan":
            assert row[4] == row[6] == row[7] == "–"
        else:
            assert re.fullmatch(rf"{NUMBER} \((meets|below)\)", row[4]), row
            assert re.fullmatch(NUMBER, row[6]) and re.fullmatch(NUMBER, row[7]), row

    queries = [row for row in rows if row[0] in ("SQLite", "Redis")]
    assert [(row[0], row[1], row[2]) for row in queries] == [
        (backend, size, batches) for backend in backends for size, batches in (("1", "20"), ("5", "10"))
    ]
    for row in queries:
        assert len(row) == 8, row
        for cell in row[3:]:
            assert re.fullmatch(NUMBER, cell), row
    # Every fifth query document is an edited copy of an indexed one, so some are found.
    assert all(int(row[6]) > 0 for row in queries)

    results = bench_index.RESULTS_MARKER + text.split(bench_index.RESULTS_MARKER, 1)[1]
    assert results in capsys.readouterr().out
