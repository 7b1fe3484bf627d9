"""Generate the committed labelled evaluation corpus, fixtures/eval/, from original templates.

Deterministic (fixed seed): `tests/test_quality.py` regenerates it and compares bytes, so
the corpus is only ever changed by editing this script (or eval_corpus_text.py) and rerunning:

    .venv/bin/python scripts/make_eval_corpus.py            # writes fixtures/eval/
    .venv/bin/python scripts/make_eval_corpus.py --output /tmp/eval --prefix fixtures/eval
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import eval_corpus_text as text  # noqa: E402

from arabic_dedupe.normalize import normalize  # noqa: E402

SEED = 20240611
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "fixtures" / "eval"
DEFAULT_PREFIX = "fixtures/eval"
SHINGLE_SIZE = 5
ARTICLES_PER_TOPIC = 6
BRIEFS_PER_FAMILY = 4
# Paragraph counts of the base articles (lede included), cycled through.
PARAGRAPH_COUNTS = (5, 6, 7, 8, 9, 10, 11, 12)

ALTERNATIVE = re.compile(r"\[([^\[\]]*)\]")
SLOT = re.compile(r"\{(\w+)\}")

BOILERPLATE = "boilerplate"
BODY = "body"


@dataclass
class Article:
    """One story: title and paragraphs (the first is the lede), before page furniture."""

    title: str
    paragraphs: list[str]
    topic: str
    cast: dict
    credit: str | None = None


@dataclass
class Page:
    """A file to write: the article, where it lives and how it was made."""

    article: Article
    site: str
    kind: str
    source: int | None = None  # index of the page this one copies, for variants
    group: int | None = None  # duplicate group (index of the base page)
    lines: list[tuple[str, str | None]] = field(default_factory=list)
    id: str = ""
    byte_copy_of: int | None = None


# ---------------------------------------------------------------- text expansion


def expand(template: str, cast: dict, rng: random.Random) -> str:
    """Pick alternatives innermost-first, fill slots, tidy spaces around punctuation."""
    result = template
    while True:
        match = ALTERNATIVE.search(result)
        if match is None:
            break
        choice = rng.choice(match.group(1).split("|"))
        result = result[: match.start()] + choice + result[match.end():]
    result = result.format_map(cast)
    result = re.sub(r" {2,}", " ", result)
    return re.sub(r" ([،.:])", r"\1", result).strip()


def _number_slots(rng: random.Random) -> dict:
    def decimal(low: int, high: int) -> str:
        return f"{rng.randint(low, high)}.{rng.randint(1, 9)}"

    n3 = rng.randint(11, 980) * 100
    minutes = sorted(rng.sample(range(3, 90), 4))
    goals = rng.randint(1, 4)
    points = rng.randint(24, 61)
    return {
        "n1": str(rng.randint(3, 9)),
        "n2": str(rng.randint(11, 99)),
        "n3": str(n3),
        "n4": str(n3 * rng.randint(2, 4) + rng.randint(1, 99) * 10),
        "pct": decimal(2, 38),
        "pct2": decimal(1, 24),
        "pct3": decimal(1, 9),
        "money": decimal(2, 95),
        "money2": decimal(2, 60),
        "day": str(rng.randint(1, 28)),
        "month": rng.choice(text.MONTHS),
        "month2": rng.choice(text.MONTHS),
        "weekday": rng.choice(text.WEEKDAYS),
        "weekday2": rng.choice(text.WEEKDAYS),
        "g1": str(goals),
        "g2": str(rng.randint(0, goals - 1)),
        "m1": str(minutes[0]),
        "m2": str(minutes[1]),
        "m3": str(minutes[2]),
        "m4": str(minutes[3]),
        "pts": str(points),
        "pts2": str(points - rng.randint(3, 20)),
        "t1": str(rng.randint(38, 49)),
        "t2": str(rng.randint(24, 31)),
        "t3": str(rng.randint(17, 29)),
        "w": str(rng.randint(35, 70)),
        "age": str(rng.randint(9, 81)),
        "phone": "920" + "".join(str(rng.randint(0, 9)) for _ in range(6)),
        "hour": f"{rng.randint(0, 23):02d}",
        "minute": f"{rng.randint(0, 59):02d}",
    }


def make_cast(slots: dict, rng: random.Random) -> dict:
    """Names, places and numbers of one story; topic slots are expanded from them."""
    people = [
        f"{first} {family}"
        for first, family in zip(
            rng.sample(text.FIRST_NAMES, 10), rng.sample(text.FAMILY_NAMES, 10)
        )
    ]
    cities = rng.sample(text.CITIES, 2)
    brands = rng.sample(text.BRANDS, 2)
    clubs = rng.sample(text.CLUBS, 3)
    ranks = rng.sample(text.RANKS, 2)
    country, adjective = rng.choice(text.COUNTRIES)
    cast = {
        "person": people[0], "person2": people[1], "person3": people[2], "person4": people[3],
        "player": people[4], "player2": people[5], "player3": people[6],
        "player4": people[7], "coach": people[8], "coach2": people[9],
        "referee": people[2], "author": people[3],
        "city": cities[0], "city2": cities[1],
        "brand": brands[0], "brand2": brands[1],
        "club": clubs[0], "club2": clubs[1], "club3": clubs[2],
        "rank": ranks[0], "rank2": ranks[1],
        "country": country, "adjective": adjective,
        "year": rng.choice(["2023", "2024"]),
        "year2": str(rng.randint(2026, 2030)),
        "founded": str(rng.randint(1975, 2012)),
        **_number_slots(rng),
    }
    for name, choices in {**text.COMMON_SLOTS, **slots}.items():
        cast[name] = expand(rng.choice(choices), cast, rng)
    return cast


def renumber(cast: dict, rng: random.Random) -> dict:
    """The same people and places with new numbers and dates: a later report on a story."""
    return {**cast, **_number_slots(rng)}


def compose(topic: str, cast: dict, paragraph_count: int, rng: random.Random) -> Article:
    """Title, lede and body paragraphs of two or three sentences each."""
    data = text.TOPICS[topic]
    pool: list[str] = []
    paragraphs = [expand(rng.choice(data["ledes"]), cast, rng)]
    while len(paragraphs) < paragraph_count:
        sentences = []
        for _ in range(rng.choice((2, 2, 3))):
            if not pool:
                pool = list(data["body"]) + list(text.GENERIC_BODY)
                rng.shuffle(pool)
            sentences.append(expand(pool.pop(), cast, rng))
        paragraphs.append(" ".join(sentences))
    return Article(expand(rng.choice(data["titles"]), cast, rng), paragraphs, topic, cast)


def compose_brief(family: str, rng: random.Random) -> Article:
    data = text.BRIEFS[family]
    cast = make_cast(data["slots"], rng)
    paragraphs = [expand(template, cast, rng) for template in data["paragraphs"]]
    return Article(expand(data["title"], cast, rng), paragraphs, "brief_" + family, cast)


# ---------------------------------------------------------------- variants

_TATWEEL_AFTER = set("بتثجحخسشصضطظعغفقكلمنهيئ")
_DIACRITICS = ("\N{ARABIC FATHA}", "\N{ARABIC DAMMA}", "\N{ARABIC KASRA}", "\N{ARABIC SUKUN}",
               "\N{ARABIC SHADDA}")
_INVISIBLE = ("\N{ZERO WIDTH NON-JOINER}", "\N{ZERO WIDTH JOINER}", "\N{ZERO WIDTH SPACE}")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_BARE_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})


def _noisy_word(word: str, rng: random.Random) -> str:
    # Each slip below is one a real outlet's CMS or typist makes; the normalizer undoes all.
    if len(word) > 2 and word.endswith("ي") and rng.random() < 0.6:
        word = word[:-1] + "ى"
    if word.endswith("ة") and rng.random() < 0.5:
        word = word[:-1] + "ه"
    if rng.random() < 0.5:
        word = word.translate(_BARE_ALEF)
    if "ؤو" in word and rng.random() < 0.7:
        # مسؤول / مسئول, شؤون / شئون: the seat varies by house style only before a waw.
        word = word.replace("ؤو", "ئو")
    letters = [
        position for position, char in enumerate(word)
        if "\u0621" <= char <= "\u064a" and char not in "اأإآىة"
    ]
    if letters and rng.random() < 0.06:
        position = rng.choice(letters)
        word = word[: position + 1] + rng.choice(_DIACRITICS) + word[position + 1:]
    joinable = [p for p, char in enumerate(word[:-1]) if char in _TATWEEL_AFTER]
    if joinable and rng.random() < 0.03:
        position = rng.choice(joinable)
        word = word[: position + 1] + "\N{ARABIC TATWEEL}" * rng.randint(1, 3) + word[position + 1:]
    if len(word) > 3 and rng.random() < 0.03:
        position = rng.randint(1, len(word) - 2)
        word = word[:position] + rng.choice(_INVISIBLE) + word[position:]
    if word[:1].isdigit() and rng.random() < 0.5:
        word = "\N{RIGHT-TO-LEFT MARK}" + word
    return word


def orthographic_noise(line: str, rng: random.Random, indic_digits: bool) -> str:
    """Respell a line the way another outlet would, without changing its matching form."""
    noisy = " ".join(_noisy_word(word, rng) for word in line.split(" "))
    if indic_digits:
        noisy = noisy.translate(_ARABIC_INDIC)
    if normalize(noisy) != normalize(line):
        raise AssertionError(f"noise changed the matching form of: {line}")
    return noisy


def with_noise(article: Article, rng: random.Random) -> Article:
    indic = rng.random() < 0.6
    return replace(
        article,
        title=orthographic_noise(article.title, rng, indic),
        paragraphs=[orthographic_noise(paragraph, rng, indic) for paragraph in article.paragraphs],
    )


def strip_dateline(paragraph: str) -> str:
    return re.sub(r"^[^:]{2,30} - [^:]{2,15}: ", "", paragraph)


def with_dateline_and_credit(article: Article, rng: random.Random) -> Article:
    dateline = expand(rng.choice(text.DATELINES), article.cast, rng)
    lede = dateline + " " + strip_dateline(article.paragraphs[0])
    return replace(
        article, paragraphs=[lede, *article.paragraphs[1:]], credit=rng.choice(text.CREDIT_LINES)
    )


def without_paragraphs(article: Article, count: int, rng: random.Random) -> Article:
    dropped = set(rng.sample(range(1, len(article.paragraphs)), count))
    kept = [p for index, p in enumerate(article.paragraphs) if index not in dropped]
    return replace(article, paragraphs=kept)


def reworded(article: Article, rng: random.Random, changes: int = 4) -> Article:
    """Swap a few words for near-synonyms, as a sub-editor does."""
    words = [paragraph.split(" ") for paragraph in article.paragraphs]
    spots = [
        (row, column)
        for row, paragraph in enumerate(words)
        for column, word in enumerate(paragraph)
        if word in text.SYNONYMS
    ]
    for row, column in rng.sample(spots, min(changes, len(spots))):
        words[row][column] = text.SYNONYMS[words[row][column]]
    return replace(article, paragraphs=[" ".join(paragraph) for paragraph in words])


# ---------------------------------------------------------------- similarity (checks only)


def shingles(paragraphs: list[str]) -> set[tuple[str, ...]]:
    words = normalize(" ".join(paragraphs)).split()
    if len(words) < SHINGLE_SIZE:
        return {tuple(words)}
    return {tuple(words[i: i + SHINGLE_SIZE]) for i in range(len(words) - SHINGLE_SIZE + 1)}


def similarity(first: list[str], second: list[str]) -> tuple[float, float]:
    """Jaccard and the larger containment of two paragraph lists, on word 5-shingles."""
    a, b = shingles(first), shingles(second)
    common = len(a & b)
    return common / len(a | b), max(common / len(a), common / len(b))


# ---------------------------------------------------------------- pages


def render(page: Page, related: list[str], rng: random.Random) -> list[tuple[str, str | None]]:
    """Lay an article out as a scraped page of the site; label every line."""
    site = text.SITES[page.site]
    article = page.article
    topic = article.topic.removeprefix("brief_")
    section = text.TOPICS.get(topic, text.BRIEFS.get(topic, {})).get("section", "منوعات")
    tags = text.TOPICS.get(topic, {}).get("tags", section)
    values = {**article.cast, "section": section, "tags": tags}
    lines: list[tuple[str, str | None]] = []
    for header in site["header"]:
        lines.append((header.format_map(values), BOILERPLATE if header else None))
    lines.append((article.title, None))
    if site["date_line"]:
        lines.append((site["date_line"].format_map(values), None))
    if site["blank_between"]:
        lines.append(("", None))
    inline_after = 2 if site["inline_related"] and len(article.paragraphs) >= 4 else None
    for index, paragraph in enumerate(article.paragraphs):
        lines.append((paragraph, BODY))
        if site["blank_between"]:
            lines.append(("", None))
        if index == inline_after:
            lines.append((site["related_prefix"] + related[0], BOILERPLATE))
    if article.credit:
        lines.append((article.credit, None))
    for footer in site["footer"]:
        if footer == "{related}":
            for title in related:
                lines.append((site["related_prefix"] + title, BOILERPLATE))
        else:
            lines.append((footer.format_map(values), BOILERPLATE))
    return lines


def _pick(candidates: list[int], count: int, taken: set[int], rng: random.Random,
          condition=lambda index: True) -> list[int]:
    chosen = [index for index in candidates if index not in taken and condition(index)]
    rng.shuffle(chosen)
    chosen = sorted(chosen[:count])
    if len(chosen) < count:
        raise AssertionError("not enough base articles for the variant plan")
    taken.update(chosen)
    return chosen


def build(seed: int = SEED) -> tuple[list[Page], list[dict], list[dict]]:
    """All pages, the hard negative pairs and the deliberately shared paragraphs."""
    rng = random.Random(seed)
    sites = sorted(text.SITES)
    pages: list[Page] = []
    shared_texts: list[str] = []

    # Base articles, some sharing one background paragraph with others of the topic.
    background_groups = {"economy": 3, "politics": 3, "health": 2, "courts": 2, "transport": 2}
    for topic, data in text.TOPICS.items():
        casts = [make_cast(data["slots"], rng) for _ in range(ARTICLES_PER_TOPIC)]
        sharing = background_groups.get(topic, 0)
        background = None
        if sharing:
            template = rng.choice(data["background"])
            background = expand(template, casts[0], rng)
            for cast in casts[1:sharing]:
                for slot in SLOT.findall(template):
                    cast[slot] = casts[0][slot]
            shared_texts.append(background)
        for number, cast in enumerate(casts):
            count = PARAGRAPH_COUNTS[(len(pages) * 3 + number) % len(PARAGRAPH_COUNTS)]
            article = compose(topic, cast, count, rng)
            if number < sharing:
                article.paragraphs.insert(rng.randint(2, len(article.paragraphs)), background)
            pages.append(Page(article, site="", kind="base"))
    for family in text.BRIEFS:
        for _ in range(BRIEFS_PER_FAMILY):
            pages.append(Page(compose_brief(family, rng), site="", kind="brief"))
    order = list(range(len(pages)))
    rng.shuffle(order)
    for position, index in enumerate(order):
        pages[index].site = sites[position % len(sites)]
        pages[index].group = index
        if pages[index].site == "site_d":
            article = pages[index].article
            dateline = expand(text.SITES["site_d"]["dateline"], article.cast, rng)
            article.paragraphs[0] = dateline + " " + article.paragraphs[0]

    long_bases = [i for i, page in enumerate(pages) if page.kind == "base"]
    briefs = [i for i, page in enumerate(pages) if page.kind == "brief"]
    taken: set[int] = set()
    length = lambda i: len(pages[i].article.paragraphs)  # noqa: E731

    def other_site(index: int) -> str:
        return rng.choice([site for site in sites if site != pages[index].site])

    def add_variant(source: int, article: Article, kind: str, site: str | None = None) -> int:
        pages.append(Page(article, site=site or other_site(source), kind=kind,
                          source=source, group=pages[source].group))
        return len(pages) - 1

    plan = [
        (6, ["noise"], lambda i: True),
        (3, ["noise", "dateline_credit"], lambda i: True),
        (3, ["dateline_credit"], lambda i: True),
        # Short articles lose more of their text to one dropped paragraph (Jaccard down to
        # ~0.7) while staying contained in the source.
        (2, ["drop_one"], lambda i: 5 <= length(i) <= 6),
        (2, ["drop_one"], lambda i: length(i) >= 8),
        (2, ["drop_two"], lambda i: 6 <= length(i) <= 7),
        (2, ["drop_two"], lambda i: length(i) >= 9),
        (2, ["noise_drop_one"], lambda i: length(i) >= 6),
        (3, ["exact_copy"], lambda i: True),
        (1, ["exact_file"], lambda i: True),
        (4, ["reword"], lambda i: True),
        (2, ["reword", "drop_one", "noise"], lambda i: length(i) >= 7),
    ]
    for count, kinds, condition in plan:
        for source in _pick(long_bases, count, taken, rng, condition):
            for kind in kinds:
                base = pages[source].article
                if kind == "noise":
                    add_variant(source, with_noise(base, rng), kind)
                elif kind == "dateline_credit":
                    add_variant(source, with_dateline_and_credit(base, rng), kind)
                elif kind == "drop_one":
                    add_variant(source, without_paragraphs(base, 1, rng), kind)
                elif kind == "drop_two":
                    add_variant(source, without_paragraphs(base, 2, rng), kind)
                elif kind == "noise_drop_one":
                    add_variant(source, with_noise(without_paragraphs(base, 1, rng), rng), kind)
                elif kind == "exact_copy":
                    add_variant(source, replace(base), kind)
                elif kind == "exact_file":
                    copy = add_variant(source, replace(base), kind, site=pages[source].site)
                    pages[copy].byte_copy_of = source
                elif kind == "reword":
                    add_variant(source, reworded(base, rng), kind)
    for source in _pick(briefs, 2, taken, rng):
        add_variant(source, with_noise(pages[source].article, rng), "noise")

    negatives: list[dict] = []

    def new_story(article: Article, kind: str, related_to: int) -> None:
        pages.append(Page(article, site=rng.choice(sites), kind=kind, source=related_to))
        pages[-1].group = len(pages) - 1
        negatives.append({"pages": (related_to, len(pages) - 1), "kind": kind})

    # Follow-ups: a later report reusing background paragraphs of the first one.
    for source in _pick(long_bases, 5, set(), rng, lambda i: length(i) >= 7):
        base = pages[source].article
        reusable = [p for p in base.paragraphs[1:] if len(p) >= 100 and p not in shared_texts]
        options = [(reuse, extra) for reuse in (2, 3) for extra in (0, 1)]
        rng.shuffle(options)
        for reuse, extra in options:
            cast = renumber(base.cast, rng)
            fresh = compose(base.topic, cast, 1 + extra, rng)
            reused = rng.sample(reusable, reuse)
            follow = Article(fresh.title, [fresh.paragraphs[0], *reused, *fresh.paragraphs[1:]],
                             base.topic, cast)
            _, containment = similarity(follow.paragraphs, base.paragraphs)
            if 0.6 <= containment <= 0.85:
                shared_texts.extend(reused)
                new_story(follow, "follow_up", source)
                break
    # An article quoting one paragraph of another.
    for source in _pick(long_bases, 4, set(), rng, lambda i: length(i) >= 6):
        base = pages[source].article
        quoted = rng.choice([p for p in base.paragraphs[1:] if len(p) >= 100 and p not in shared_texts])
        quoting = compose(base.topic, make_cast(text.TOPICS[base.topic]["slots"], rng),
                          rng.randint(5, 8), rng)
        quoting.paragraphs.insert(rng.randint(2, len(quoting.paragraphs)), quoted)
        shared_texts.append(quoted)
        new_story(quoting, "quotes_paragraph", source)
    # The same event written up separately: same people, places and numbers, other words.
    for source in _pick(long_bases, 4, set(), rng):
        base = pages[source].article
        new_story(compose(base.topic, dict(base.cast), length(source), rng), "same_event", source)
    # Briefs of one family share their frame but report different days.
    for family in text.BRIEFS:
        members = [i for i in briefs if pages[i].article.topic == "brief_" + family]
        for first, second in combinations(members, 2):
            negatives.append({"pages": (first, second), "kind": "short_brief"})
    # Articles sharing one background paragraph.
    for background in shared_texts[: len(background_groups)]:
        holders = [i for i in long_bases if background in pages[i].article.paragraphs]
        for first, second in combinations(holders, 2):
            negatives.append({"pages": (first, second), "kind": "shared_background"})

    # Page layout and ids: shuffle so a variant does not sit next to its source.
    order = list(range(len(pages)))
    rng.shuffle(order)
    counters = {site: 0 for site in sites}
    for index in order:
        page = pages[index]
        counters[page.site] += 1
        page.id = f"{page.site}/{counters[page.site]:03d}.txt"
    site_titles = {
        site: [p.article.title for p in pages if p.site == site and p.kind in ("base", "brief")]
        for site in sites
    }
    for index in order:
        page = pages[index]
        if page.byte_copy_of is not None:
            continue
        own = {pages[i].article.title for i in range(len(pages)) if pages[i].group == page.group}
        candidates = [title for title in site_titles[page.site] if title not in own]
        page.lines = render(page, rng.sample(candidates, 3), rng)
    for page in pages:
        if page.byte_copy_of is not None:
            page.lines = list(pages[page.byte_copy_of].lines)
    return pages, negatives, shared_texts


# ---------------------------------------------------------------- labels and files


def labels_for(pages: list[Page], negatives: list[dict], shared_texts: list[str],
               prefix: str) -> dict:
    def full(page: Page) -> str:
        return f"{prefix}/{page.id}"

    groups: dict[int, list[int]] = {}
    for index, page in enumerate(pages):
        groups.setdefault(page.group, []).append(index)
    duplicate_groups = [members for members in groups.values() if len(members) > 1]
    group_records = []
    duplicate_pairs = []
    for members in sorted(duplicate_groups, key=lambda m: full(pages[m[0]])):
        base = members[0]
        variants = []
        for index in members[1:]:
            jaccard, containment = similarity(pages[index].article.paragraphs,
                                              pages[base].article.paragraphs)
            variants.append({"document": full(pages[index]), "kind": pages[index].kind,
                             "jaccard": round(jaccard, 3), "containment": round(containment, 3)})
        group_records.append({"base": full(pages[base]), "variants": variants})
        ids = sorted(full(pages[index]) for index in members)
        duplicate_pairs.extend([list(pair) for pair in combinations(ids, 2)])

    negative_records = []
    for negative in negatives:
        first, second = negative["pages"]
        jaccard, containment = similarity(pages[first].article.paragraphs,
                                          pages[second].article.paragraphs)
        negative_records.append({
            "documents": sorted([full(pages[first]), full(pages[second])]),
            "kind": negative["kind"],
            "jaccard": round(jaccard, 3), "containment": round(containment, 3),
        })
    negative_records.sort(key=lambda record: (record["kind"], record["documents"]))

    shared = []
    for paragraph in shared_texts:
        key = normalize(paragraph)
        holders = sorted(
            full(page) for page in pages
            if any(normalize(line) == key for line, label in page.lines if label == BODY)
        )
        shared.append({"text_key": key, "documents": holders})
    shared.sort(key=lambda record: record["documents"])

    ordered = sorted(pages, key=full)
    return {
        "seed": SEED,
        "shingle_size_for_stats": SHINGLE_SIZE,
        "documents": {
            full(page): {
                "site": page.site, "kind": page.kind, "topic": page.article.topic,
                "group": full(pages[page.group]),
            }
            for page in ordered
        },
        "duplicate_pairs": sorted(duplicate_pairs),
        "groups": group_records,
        "negative_pairs": negative_records,
        "shared_paragraphs": shared,
        "boilerplate_lines": {
            full(page): [n for n, (_, label) in enumerate(page.lines, 1) if label == BOILERPLATE]
            for page in ordered
        },
        "body_lines": {
            full(page): [n for n, (_, label) in enumerate(page.lines, 1) if label == BODY]
            for page in ordered
        },
    }


def check(pages: list[Page], labels: dict, prefix: str) -> tuple:
    """Refuse a corpus whose labels contradict the text (a generator bug, not a scanner's)."""
    positive = {tuple(pair) for pair in labels["duplicate_pairs"]}
    by_id = {f"{prefix}/{page.id}": page for page in pages}
    ids = sorted(by_id)
    worst_negative = (0.0, 0.0, ("", ""))
    for first, second in combinations(ids, 2):
        if (first, second) in positive:
            continue
        jaccard, containment = similarity(by_id[first].article.paragraphs,
                                          by_id[second].article.paragraphs)
        if jaccard >= 0.5 or containment >= 0.9:
            raise AssertionError(f"negative pair too similar: {first} {second} "
                                 f"jaccard {jaccard:.2f} containment {containment:.2f}")
        worst_negative = max(worst_negative, (containment, jaccard, (first, second)))
    for record in labels["shared_paragraphs"]:
        if len(record["text_key"]) < 100 or len(record["documents"]) < 2:
            raise AssertionError(f"shared paragraph too short or unshared: {record}")
    return worst_negative


def dump_labels(labels: dict) -> str:
    """JSON with one entry per line and short lists kept on their line, for readable diffs."""
    def inline(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = ["{"]
    keys = list(labels)
    for number, key in enumerate(keys):
        value = labels[key]
        comma = "," if number < len(keys) - 1 else ""
        if isinstance(value, dict):
            lines.append(f"  {inline(key)}: {{")
            items = list(value.items())
            for position, (inner_key, inner) in enumerate(items):
                inner_comma = "," if position < len(items) - 1 else ""
                lines.append(f"    {inline(inner_key)}: {inline(inner)}{inner_comma}")
            lines.append(f"  }}{comma}")
        elif isinstance(value, list):
            lines.append(f"  {inline(key)}: [")
            for position, item in enumerate(value):
                item_comma = "," if position < len(value) - 1 else ""
                lines.append(f"    {inline(item)}{item_comma}")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {inline(key)}: {inline(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def statistics(labels: dict) -> dict[str, int]:
    """Counts by kind: documents, positive variants, hard negative pairs, labelled lines."""
    counts: dict[str, int] = {}

    def add(name: str, amount: int = 1) -> None:
        counts[name] = counts.get(name, 0) + amount

    for record in labels["documents"].values():
        add(f"documents: {record['kind']}")
    add("documents (total)", len(labels["documents"]))
    add("duplicate groups", len(labels["groups"]))
    add("duplicate pairs (positives)", len(labels["duplicate_pairs"]))
    for group in labels["groups"]:
        for variant in group["variants"]:
            add(f"positive variant: {variant['kind']}")
    n = len(labels["documents"])
    add("negative pairs (all other pairs)", n * (n - 1) // 2 - len(labels["duplicate_pairs"]))
    for record in labels["negative_pairs"]:
        add(f"hard negative: {record['kind']}")
    add("shared paragraphs", len(labels["shared_paragraphs"]))
    add("boilerplate lines", sum(len(v) for v in labels["boilerplate_lines"].values()))
    add("body lines", sum(len(v) for v in labels["body_lines"].values()))
    return dict(sorted(counts.items()))


README = """# Labelled evaluation corpus (generated)

Do not edit by hand: `scripts/make_eval_corpus.py` writes every file here from original
Arabic templates (`scripts/eval_corpus_text.py`) with a fixed seed, and
`tests/test_quality.py` checks that the files are exactly what it generates.

Four sites (`site_a` .. `site_d`), each with its own page furniture (menus, share and
copyright lines, "اقرأ أيضا" / "الأكثر قراءة" related-news blocks, tags, a wire
agency's dateline and "// انتهى //"). Documents are news articles on eight topics plus
short daily briefs; some are republished (another site, orthographic noise, a new
dateline and credit, dropped paragraphs, an exact copy, light rewording) and those copies
are the positives. Hard negatives: follow-up stories reusing background paragraphs, an
article quoting one paragraph of another, a separate write-up of the same event, short
briefs on one frame, articles sharing a background paragraph.

`labels.json`: ids are paths from the repository root.
- `duplicate_pairs`: every pair inside a duplicate group; every other pair is a negative.
- `groups`: each group's base and its variants (kind, Jaccard and containment of word
  5-shingles of the normalized article text against the base).
- `negative_pairs`: the hard negatives by kind, with the same two numbers.
- `shared_paragraphs`: paragraphs reused across different articles (normalized text and
  every document whose body has it).
- `boilerplate_lines` / `body_lines`: 1-based input line numbers. Titles, date and author
  lines, credits and blank lines are in neither list.

`make eval` prints the scores; `tests/test_quality.py` holds their floors.

## Counts
"""


def write_corpus(output: Path, prefix: str, seed: int = SEED) -> dict:
    pages, negatives, shared_texts = build(seed)
    labels = labels_for(pages, negatives, shared_texts, prefix)
    containment, jaccard, pair = check(pages, labels, prefix)
    print(f"most similar negative pair: {' '.join(pair)} "
          f"(containment {containment:.3f}, jaccard {jaccard:.3f})", file=sys.stderr)
    if output.exists():
        shutil.rmtree(output)
    for page in pages:
        path = output / page.id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(line for line, _ in page.lines) + "\n", encoding="utf-8")
    (output / "labels.json").write_text(dump_labels(labels), encoding="utf-8")
    counts = statistics(labels)
    table = "".join(f"- {name}: {value}\n" for name, value in counts.items())
    (output / "README.md").write_text(README + table, encoding="utf-8")
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--prefix", default=DEFAULT_PREFIX,
                        help="how document ids start in labels.json (default: %(default)s)")
    arguments = parser.parse_args(argv)
    counts = write_corpus(arguments.output, arguments.prefix)
    for name, value in counts.items():
        print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
