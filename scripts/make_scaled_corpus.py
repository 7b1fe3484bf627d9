"""Benchmark corpora: SaudiNewsNet as JSONL, and generated news-like corpora of any size.

Generated articles recombine short word runs drawn from a text pool (SaudiNewsNet at run
time when present, else the repository's seed articles), with per-site boilerplate and
injected exact and near duplicates. Nothing generated is ever committed: output goes to
`.bench/` (gitignored) or a folder the caller names.

Usage: python scripts/make_scaled_corpus.py SIZE OUT_FOLDER [--seed N]
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy

REPOSITORY = Path(__file__).resolve().parent.parent
SAUDINEWSNET = REPOSITORY.parent / "shared" / "corpora" / "saudinewsnet" / "dataset"
SEEDS = REPOSITORY / "fixtures" / "seeds"

# Bump when the generated text changes, so cached corpora under .bench/ are rebuilt.
GENERATOR_VERSION = 1
RECORDS_PER_FILE = 10_000
# Share of generated documents that copy an earlier one: whole (a re-crawl, a syndicated
# page) or edited (a wire story rewritten by another outlet). About 7% in all, like the
# removable share measured on SaudiNewsNet.
EXACT_DUPLICATE_SHARE = 0.02
NEAR_DUPLICATE_SHARE = 0.05
# Mean length of the word runs copied from the pool: short enough that almost every
# 5-word shingle of a generated article is new, long enough to keep phrase structure.
MEAN_RUN_WORDS = 3.0
# An edited copy changes this share of its words and often loses its last paragraph.
EDITED_WORD_SHARE = 0.03
DROP_LAST_PARAGRAPH = 0.5

# Made-up outlets, each with the furniture its pages repeat (written for this benchmark).
SITES = {
    "alwaha": ("الرياض - الواحة", ("تابعونا على تويتر وفيسبوك لمتابعة آخر الأخبار لحظة بلحظة", "جميع الحقوق محفوظة لصحيفة الواحة الإلكترونية")),
    "alsahil": ("جدة - الساحل", ("للتواصل مع قسم التحرير يرجى مراسلتنا عبر البريد الإلكتروني", "حقوق النشر محفوظة لمؤسسة الساحل للصحافة والنشر")),
    "annahar": ("الدمام - النهار", ("اشترك في النشرة البريدية ليصلك ملخص الأخبار كل صباح", "النهار صحيفة يومية مستقلة تصدر عن دار النهار")),
    "alqalam": ("مكة المكرمة - القلم", ("شارك هذا الخبر مع أصدقائك عبر وسائل التواصل الاجتماعي", "الآراء الواردة في المقالات تعبر عن كتابها")),
    "alsharq": ("أبها - الشرق", ("حمل تطبيق الشرق على هاتفك الذكي مجانا", "جميع المواد المنشورة محمية بموجب قوانين الملكية الفكرية")),
    "alyamama": ("الرياض - اليمامة", ("تابع قناتنا على يوتيوب لمشاهدة التقارير المصورة", "يمنع نسخ أو إعادة نشر المحتوى دون إذن مسبق")),
    "albilad": ("المدينة المنورة - البلاد", ("لمزيد من الأخبار زوروا موقعنا على الإنترنت", "رئيس التحرير المسؤول عن المحتوى المنشور")),
    "alwatan24": ("تبوك - الوطن اليوم", ("أرسل خبرك وصورك إلى فريق التحرير عبر تطبيق الواتساب", "الوطن اليوم شبكة إخبارية سعودية مستقلة")),
    "sada": ("القصيم - صدى", ("صدى الإخبارية تتمنى لكم قراءة ممتعة", "للإعلان في صدى تواصلوا مع إدارة التسويق")),
    "wakala": ("الرياض - وكالة الأنباء", ("انتهى الخبر", "المصدر وكالة الأنباء الوطنية")),
    "aliqtisad": ("الخبر - الاقتصادي", ("أسعار الأسهم المعروضة متأخرة خمس عشرة دقيقة", "لا تعد المعلومات المنشورة توصية بالشراء أو البيع")),
    "riyada": ("الرياض - الرياضية", ("تابع نتائج المباريات مباشرة على موقعنا", "جميع الحقوق محفوظة لقناة الرياضية")),
}
SEE_ALSO = "اقرأ أيضا:"


@dataclass(frozen=True)
class TextPool:
    """Running text as word ids, its vocabulary, and the shapes of its articles."""

    source: str
    vocabulary: numpy.ndarray  # object array of str, indexed by word id
    words: numpy.ndarray  # int32 word ids of every paragraph, end to end
    paragraph_words: numpy.ndarray  # words per paragraph, as observed
    article_paragraphs: numpy.ndarray  # paragraphs per article, as observed


def saudinewsnet_records(dataset: Path = SAUDINEWSNET) -> list[dict]:
    """Every SaudiNewsNet article with text, as {id, source, title, text} records."""
    records = []
    for path in sorted(glob.glob(str(dataset / "*.zip"))):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                for number, article in enumerate(json.loads(archive.read(name))):
                    text = article.get("content") or ""
                    if text.strip():
                        records.append(
                            {
                                "id": f"{Path(path).stem}-{number}",
                                "source": article.get("source", ""),
                                "title": article.get("title", ""),
                                "text": text,
                            }
                        )
    return records


def write_records(records: list[dict], folder: Path, records_per_file: int = RECORDS_PER_FILE) -> list[Path]:
    """Write records as JSONL files of at most `records_per_file` lines; return the files."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for start in range(0, len(records), records_per_file):
        path = folder / f"part-{start // records_per_file:05d}.jsonl"
        with open(path, "w", encoding="utf-8") as handle:
            for record in records[start : start + records_per_file]:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        files.append(path)
    return files


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def text_pool(texts: list[str], source: str) -> TextPool:
    """Build a pool from articles given as text (paragraphs on their own lines)."""
    ids: dict[str, int] = {}
    words: list[int] = []
    paragraph_words: list[int] = []
    article_paragraphs: list[int] = []
    for text in texts:
        paragraphs = _paragraphs(text)
        if not paragraphs:
            continue
        article_paragraphs.append(len(paragraphs))
        for paragraph in paragraphs:
            tokens = paragraph.split()
            paragraph_words.append(len(tokens))
            words.extend(ids.setdefault(token, len(ids)) for token in tokens)
    vocabulary = numpy.empty(len(ids), dtype=object)
    vocabulary[:] = list(ids)
    return TextPool(
        source=source,
        vocabulary=vocabulary,
        words=numpy.array(words, dtype=numpy.int32),
        paragraph_words=numpy.array(paragraph_words, dtype=numpy.int32),
        article_paragraphs=numpy.array(article_paragraphs, dtype=numpy.int32),
    )


def default_pool(use_saudinewsnet: bool = True) -> TextPool:
    """SaudiNewsNet's text when present (read at run time, never stored), else the seeds."""
    if use_saudinewsnet and SAUDINEWSNET.is_dir() and glob.glob(str(SAUDINEWSNET / "*.zip")):
        return text_pool([record["text"] for record in saudinewsnet_records()], "SaudiNewsNet")
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    return text_pool(texts, "fixtures/seeds")


def _word_runs(pool: TextPool, count: int, random: numpy.random.Generator) -> numpy.ndarray:
    """`count` word ids made of runs copied from random places in the pool."""
    runs = int(count / MEAN_RUN_WORDS * 1.2) + 16
    while True:
        lengths = random.geometric(1.0 / MEAN_RUN_WORDS, runs)
        if lengths.sum() >= count:
            break
        runs *= 2
    starts = random.integers(0, max(len(pool.words) - int(lengths.max()), 1), runs)
    run_begins = numpy.cumsum(lengths) - lengths
    positions = numpy.repeat(starts - run_begins, lengths) + numpy.arange(int(lengths.sum()))
    return pool.words[numpy.minimum(positions[:count], len(pool.words) - 1)]


def _furniture(site: str, random: numpy.random.Generator, words: list[str]) -> tuple[list[str], list[str]]:
    """Lines a site puts before and after the story on its pages."""
    dateline, footer = SITES[site]
    head = [dateline] if random.random() < 0.6 else []
    tail = []
    if random.random() < 0.3:
        # Related links differ from page to page: a few random headline-like runs.
        tail.append(SEE_ALSO)
        for _ in range(2):
            start = int(random.integers(0, max(len(words) - 8, 1)))
            tail.append(" ".join(words[start : start + 7]))
    if random.random() < 0.8:
        tail.extend(footer)
    return head, tail


def _edited(paragraphs: list[str], random: numpy.random.Generator, vocabulary: numpy.ndarray) -> list[str]:
    """An outlet's rewrite of a story: a few words changed, often the last paragraph cut."""
    if len(paragraphs) > 2 and random.random() < DROP_LAST_PARAGRAPH:
        paragraphs = paragraphs[:-1]
    edited = []
    for paragraph in paragraphs:
        tokens = paragraph.split()
        changes = random.random(len(tokens)) < EDITED_WORD_SHARE
        for position in numpy.flatnonzero(changes):
            tokens[position] = vocabulary[random.integers(0, len(vocabulary))]
        edited.append(" ".join(tokens))
    return edited


def generate_chunk(
    pool: TextPool, count: int, first_number: int, random: numpy.random.Generator
) -> tuple[list[dict], int, int]:
    """`count` generated records; returns them with the numbers of exact and near copies."""
    site_names = list(SITES)
    paragraph_counts = random.choice(pool.article_paragraphs, count)
    paragraph_lengths = random.choice(pool.paragraph_words, int(paragraph_counts.sum()))
    words = pool.vocabulary[_word_runs(pool, int(paragraph_lengths.sum()), random)].tolist()
    word_ends = numpy.cumsum(paragraph_lengths).tolist()
    paragraph_ends = numpy.cumsum(paragraph_counts).tolist()
    bodies: list[list[str]] = []
    paragraph, word = 0, 0
    for end in paragraph_ends:
        body = []
        while paragraph < end:
            body.append(" ".join(words[word : word_ends[paragraph]]))
            word = word_ends[paragraph]
            paragraph += 1
        bodies.append(body)
    sites = [site_names[index] for index in random.integers(0, len(site_names), count)]
    texts = []
    for site, body in zip(sites, bodies):
        head, tail = _furniture(site, random, words)
        texts.append("\n".join(head + body + tail))

    roles = random.random(count)
    exact = near = 0
    for number in range(1, count):
        if roles[number] < EXACT_DUPLICATE_SHARE:
            original = int(random.integers(0, number))
            texts[number], sites[number], bodies[number] = texts[original], sites[original], bodies[original]
            exact += 1
        elif roles[number] < EXACT_DUPLICATE_SHARE + NEAR_DUPLICATE_SHARE:
            original = int(random.integers(0, number))
            bodies[number] = _edited(bodies[original], random, pool.vocabulary)
            head, tail = _furniture(sites[number], random, words)
            texts[number] = "\n".join(head + bodies[number] + tail)
            near += 1
    records = [
        {"id": f"d{first_number + number:07d}", "source": site, "text": text}
        for number, (site, text) in enumerate(zip(sites, texts))
    ]
    return records, exact, near


def generate_corpus(pool: TextPool, size: int, folder: Path, seed: int = 20150721) -> dict:
    """Write a generated corpus of `size` documents as JSONL files; reuse a matching one.

    Returns the manifest: files, documents, bytes of text, injected copies, pool.
    """
    manifest_path = folder / "manifest.json"
    wanted = {"generator_version": GENERATOR_VERSION, "size": size, "seed": seed, "pool": pool.source}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if all(manifest.get(key) == value for key, value in wanted.items()):
            if all((folder / name).exists() for name in manifest["files"]):
                return manifest
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("part-*.jsonl"):
        stale.unlink()
    random = numpy.random.default_rng(seed)
    started = time.perf_counter()
    files, text_bytes, exact, near = [], 0, 0, 0
    for start in range(0, size, RECORDS_PER_FILE):
        count = min(RECORDS_PER_FILE, size - start)
        records, chunk_exact, chunk_near = generate_chunk(pool, count, start, random)
        exact, near = exact + chunk_exact, near + chunk_near
        name = f"part-{start // RECORDS_PER_FILE:05d}.jsonl"
        with open(folder / name, "w", encoding="utf-8") as handle:
            for record in records:
                text_bytes += len(record["text"].encode("utf-8"))
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        files.append(name)
    manifest = {
        **wanted,
        "files": files,
        "documents": size,
        "text_bytes": text_bytes,
        "exact_copies": exact,
        "edited_copies": near,
        "vocabulary": len(pool.vocabulary),
        "generation_seconds": round(time.perf_counter() - started, 2),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int, help="number of documents")
    parser.add_argument("folder", type=Path, help="where to write part-*.jsonl and manifest.json")
    parser.add_argument("--seed", type=int, default=20150721)
    parser.add_argument("--seeds-only", action="store_true", help="draw on the seed articles even when SaudiNewsNet is present")
    options = parser.parse_args(arguments)
    pool = default_pool(use_saudinewsnet=not options.seeds_only)
    manifest = generate_corpus(pool, options.size, options.folder, options.seed)
    print(json.dumps({key: value for key, value in manifest.items() if key != "files"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
