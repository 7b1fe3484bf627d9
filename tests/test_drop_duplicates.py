"""`dedupe clean --drop-duplicates`: which files are written, the manifest, and what is refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from arabic_dedupe.cli import cli

ARTICLES = Path(__file__).resolve().parent.parent / "fixtures" / "explain"


def article(name: str) -> str:
    return (ARTICLES / f"{name}.txt").read_text(encoding="utf-8")


def cleaned(name: str) -> str:
    """The cleaned text `clean` writes for a fixture article (furniture lines gone)."""
    kept = {
        "original": article("original").splitlines()[4:10],
        "abridged": article("abridged").splitlines()[:4],
        "unrelated": article("unrelated").splitlines(),
    }[name]
    return "\n".join(kept) + "\n"


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """a: an article; b: an exact copy; c: an abridged copy; d: an unrelated article."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, source in [("a", "original"), ("b", "original"), ("c", "abridged"), ("d", "unrelated")]:
        (folder / f"{name}.txt").write_text(article(source), encoding="utf-8")
    return folder


def run(*arguments: str):
    return CliRunner().invoke(cli, ["clean", *arguments])


def files_under(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def manifest_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def entry(dropped: str, kept: str, reason: str, *, keep: str = "first", exact: bool = False, cluster: int = 1) -> dict:
    return {
        "dropped": dropped,
        "duplicate_of": kept,
        "similarity": 1.0,
        "reason": reason,
        "exact": exact,
        "cluster": cluster,
        "keep": keep,
        "verified_against": kept,
    }


def test_keeps_the_first_of_each_cluster_and_lists_the_others(corpus):
    result = run("corpus", "--out", "out", "--drop-duplicates")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "dedupe: kept 2 of 4 documents; 2 dropped as duplicates, listed in out/dedupe-manifest.jsonl\n"
    written = files_under(Path("out"))
    assert sorted(written) == ["a.txt", "d.txt", "dedupe-manifest.jsonl"]
    assert written["a.txt"] == cleaned("original")
    assert written["d.txt"] == cleaned("unrelated")
    assert manifest_lines(Path("out/dedupe-manifest.jsonl")) == [
        entry("corpus/b.txt", "corpus/a.txt", "exact copy", exact=True),
        entry("corpus/c.txt", "corpus/a.txt", "one contains the other"),
    ]


def test_manifest_lines_are_json_with_arabic_as_is(corpus):
    (corpus / "b.txt").rename(corpus / "نسخة.txt")
    run("corpus", "--out", "out", "--drop-duplicates")
    text = Path("out/dedupe-manifest.jsonl").read_text(encoding="utf-8")
    assert '{"dropped": "corpus/نسخة.txt", "duplicate_of": "corpus/a.txt", ' in text


def test_keep_longest_keeps_the_most_cleaned_text(corpus):
    (corpus / "e.txt").write_text(article("original") + "وأكد الوزير أن الوزارة ستعلن خلال الأسابيع المقبلة عن مشروعين جديدين لتحلية المياه على الساحل الشرقي، ضمن الخطة نفسها.\n", encoding="utf-8")
    result = run("corpus", "--out", "out", "--drop-duplicates", "--keep", "longest")
    assert result.exit_code == 0
    assert sorted(files_under(Path("out"))) == ["d.txt", "dedupe-manifest.jsonl", "e.txt"]
    dropped = manifest_lines(Path("out/dedupe-manifest.jsonl"))
    assert [(line["dropped"], line["duplicate_of"], line["keep"]) for line in dropped] == [
        ("corpus/a.txt", "corpus/e.txt", "longest"),
        ("corpus/b.txt", "corpus/e.txt", "longest"),
        ("corpus/c.txt", "corpus/e.txt", "longest"),
    ]
    assert [line["reason"] for line in dropped] == ["near-identical", "near-identical", "one contains the other"]


def records(path: Path, rows: list[tuple[str, str, str]]) -> None:
    path.write_text(
        "".join(json.dumps({"id": key, "date": date, "text": text}, ensure_ascii=False) + "\n" for key, date, text in rows),
        encoding="utf-8",
    )


def test_keep_newest_uses_the_record_date_and_writes_only_kept_records(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    records(
        Path("in/news.jsonl"),
        [
            ("old", "2015-03-01", article("original")),
            ("new", "2015-03-02 09:30:00", article("abridged")),
            ("undated", "", article("original")),
            ("other", "2015-01-01", article("unrelated")),
        ],
    )
    result = run("in/news.jsonl", "--out", "out", "--drop-duplicates", "--keep", "newest")
    assert result.exit_code == 0
    written = files_under(Path("out"))
    assert sorted(written) == ["dedupe-manifest.jsonl", "news.jsonl"]
    assert [json.loads(line)["id"] for line in written["news.jsonl"].splitlines()] == ["in/news.jsonl#new", "in/news.jsonl#other"]
    assert [(line["dropped"], line["duplicate_of"], line["reason"]) for line in manifest_lines(Path("out/dedupe-manifest.jsonl"))] == [
        ("in/news.jsonl#old", "in/news.jsonl#new", "one contains the other"),
        ("in/news.jsonl#undated", "in/news.jsonl#new", "one contains the other"),
    ]


def test_a_member_unverified_against_the_kept_one_names_the_representative(tmp_path, monkeypatch):
    # The first half and the second half of an article are each contained in the whole
    # article, but share nothing with each other: keeping the first half, the second half
    # is dropped for duplicating the whole article it was verified against.
    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    lines = article("original").splitlines()[4:10]
    Path("in/1-first-half.txt").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    Path("in/2-second-half.txt").write_text("\n".join(lines[3:]) + "\n", encoding="utf-8")
    Path("in/3-whole.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("in", "--out", "out", "--drop-duplicates")
    assert result.exit_code == 0
    assert sorted(files_under(Path("out"))) == ["1-first-half.txt", "dedupe-manifest.jsonl"]
    assert manifest_lines(Path("out/dedupe-manifest.jsonl")) == [
        {**entry("in/2-second-half.txt", "in/1-first-half.txt", "one contains the other"), "verified_against": "in/3-whole.txt"},
        entry("in/3-whole.txt", "in/1-first-half.txt", "one contains the other"),
    ]


def test_nothing_to_drop_writes_an_empty_manifest(corpus):
    for name in ("b", "c"):
        (corpus / f"{name}.txt").unlink()
    result = run("corpus", "--out", "out", "--drop-duplicates")
    assert result.exit_code == 0
    assert files_under(Path("out")) == {
        "a.txt": cleaned("original"),
        "d.txt": cleaned("unrelated"),
        "dedupe-manifest.jsonl": "",
    }


def test_manifest_elsewhere(corpus):
    result = run("corpus", "--out", "out", "--drop-duplicates", "--manifest", "reports/dropped.jsonl")
    assert result.exit_code == 0
    assert sorted(files_under(Path("out"))) == ["a.txt", "d.txt"]
    assert [line["dropped"] for line in manifest_lines(Path("reports/dropped.jsonl"))] == ["corpus/b.txt", "corpus/c.txt"]


def test_without_out_prints_the_kept_articles(corpus):
    result = run("corpus", "--drop-duplicates", "--manifest", "dropped.jsonl")
    assert result.exit_code == 0
    assert result.stdout == cleaned("original") + "\n" + cleaned("unrelated")
    assert len(manifest_lines(Path("dropped.jsonl"))) == 2


def test_inputs_are_untouched_and_nothing_is_written_outside_the_output(corpus, tmp_path):
    before = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in corpus.iterdir()}
    run("corpus", "--out", "out", "--drop-duplicates")
    assert {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in corpus.iterdir()} == before
    assert sorted(os.listdir(tmp_path)) == ["corpus", "out"]


def test_an_unreadable_input_exits_1_after_writing_the_rest(corpus):
    (corpus / "e.txt").write_bytes(b"")
    result = run("corpus", "--out", "out", "--drop-duplicates")
    assert result.exit_code == 1
    assert "dedupe: corpus/e.txt: empty file; skipped. Check that it was saved completely.\n" in result.stderr
    assert sorted(files_under(Path("out"))) == ["a.txt", "d.txt", "dedupe-manifest.jsonl"]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--out", "out", "--keep", "longest"], "--keep and --manifest apply only with --drop-duplicates"),
        (["--out", "out", "--manifest", "m.jsonl"], "--keep and --manifest apply only with --drop-duplicates"),
        (["--drop-duplicates"], "--drop-duplicates needs --out OUTDIR (the manifest is written there) or --manifest FILE"),
        (["--out", "out", "--drop-duplicates", "--manifest", "corpus/a.txt"], "--manifest corpus/a.txt is inside the input corpus; write it elsewhere"),
        (["--out", "out", "--drop-duplicates", "--manifest", "corpus/m.jsonl"], "--manifest corpus/m.jsonl is inside the input corpus; write it elsewhere"),
        (["--out", "out", "--drop-duplicates", "--manifest", "corpus"], "--manifest corpus is a folder; give the name of a file to write"),
        (["--out", "out", "--drop-duplicates", "--keep", "oldest"], "Invalid value for '--keep': 'oldest' is not one of 'first', 'longest', 'newest'."),
    ],
    ids=["keep-alone", "manifest-alone", "nowhere-to-write", "manifest-is-input", "manifest-in-input-folder", "manifest-is-folder", "unknown-policy"],
)
def test_usage_errors_exit_2_and_write_nothing(corpus, tmp_path, arguments, message):
    before = {path: path.read_bytes() for path in corpus.iterdir()}
    result = run("corpus", *arguments)
    assert result.exit_code == 2
    assert message in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["corpus"]
    assert {path: path.read_bytes() for path in corpus.iterdir()} == before


def test_an_input_named_like_the_manifest_is_refused(corpus):
    (corpus / "dedupe-manifest.jsonl").write_text(json.dumps({"id": "x", "text": "خبر قصير لا يشبه غيره من أخبار هذا اليوم."}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run("corpus", "--glob", "*", "--out", "out", "--drop-duplicates")
    assert result.exit_code == 2
    assert "would be written to out/dedupe-manifest.jsonl, the manifest; nothing was written" in result.stderr
    assert not Path("out").exists()
