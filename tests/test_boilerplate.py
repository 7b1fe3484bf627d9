"""Tests of the boilerplate stage: seed goldens, data-file cases, site counts, properties."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arabic_dedupe.boilerplate import (
    REASONS,
    _surely_prose,
    clean_document,
    count_site_line_hashes,
    count_site_lines,
    hashed_site_boilerplate,
    line_hash,
    merge_site_line_counts,
    site_boilerplate,
    site_threshold,
    split_paragraphs,
)
from arabic_dedupe.model import Document
from arabic_dedupe.normalize import normalize

FIXTURES = Path(__file__).parent.parent / "fixtures"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))
NAMED_CHARACTERS = {
    "<NBSP>": "\N{NO-BREAK SPACE}",
    "<RLM>": "\N{RIGHT-TO-LEFT MARK}",
    "<ZWNJ>": "\N{ZERO WIDTH NON-JOINER}",
    "<TAB>": "\t",
}


def seed(name: str) -> Document:
    path = next(path for path in SEEDS if path.name.startswith(name))
    return Document(id=path.name, text=path.read_text(encoding="utf-8"), site="seeds")


def kept_texts(document: Document) -> list[str]:
    return [paragraph.text for paragraph in clean_document(document).paragraphs]


def removed_texts(document: Document) -> list[str]:
    return [removal.text for removal in clean_document(document).removed]


# --- seeds: golden files -----------------------------------------------------------------


@pytest.mark.parametrize("path", SEEDS, ids=[path.stem for path in SEEDS])
def test_seed_matches_golden_file(path):
    document = Document(id=path.name, text=path.read_text(encoding="utf-8"), site="seeds")
    expected = (FIXTURES / "clean" / f"{path.stem}.txt").read_text(
        encoding="utf-8"
    )
    assert clean_document(document).text + "\n" == expected


def test_seed_000_keeps_each_distinct_line_once():
    document = seed("000")
    distinct = list(dict.fromkeys(line for line in document.text.split("\n") if line.strip()))
    cleaned = clean_document(document)
    assert [paragraph.text for paragraph in cleaned.paragraphs] == distinct
    assert [
        (removal.line, removal.reason, removal.duplicate_of) for removal in cleaned.removed
    ] == [
        (10, "repeated", 2),
        (11, "repeated", 3),
        (12, "repeated", 4),
        (13, "repeated", 5),
        (14, "repeated", 6),
        (15, "repeated", 7),
        (16, "repeated", 8),
    ]


def test_seed_001_drops_menus_comments_and_keeps_title_once():
    document = seed("001")
    kept = kept_texts(document)
    removed = removed_texts(document)
    for gone in ("مباشر", "أين يمكنك متابعتنا", "أقسام مهمة", "Stories", "35 خبر", "التعليقات"):
        assert gone not in kept
        assert gone in removed
    for label in (
        "خطة أمريكية للتسوية في أوكرانيا",
        "90 دقيقة",
        "كأس العرب 2025 في قطر",
        "العملية العسكرية الروسية في أوكرانيا",
        "فيديوهات",
    ):
        assert not any(label in paragraph for paragraph in kept)
        assert f"• {label}" in removed and label in removed
    assert not any(paragraph.startswith("•") for paragraph in kept)
    title = "الكرملين: نأمل في عقد محادثة بين بوتين وبايدن حتى نهاية العام"
    assert kept.count(title) == 1 and kept[0] == title
    body_lines = (34, 39, 41, 43, 45, 47, 49)
    lines = document.text.split("\n")
    assert kept[1:] == [lines[number - 1] for number in body_lines]
    cleaned = clean_document(document)
    reasons = {removal.line: (removal.reason, removal.duplicate_of) for removal in cleaned.removed}
    assert reasons[36] == ("repeated", 0)
    assert reasons[37] == ("credit", None)
    assert [reasons[line][0] for line in (53, 55, 57, 59, 61)] == ["related"] * 5


def test_seed_002_drops_comments_are_closed_only():
    document = seed("002")
    cleaned = clean_document(document)
    arabic = [
        line
        for line in document.text.split("\n")
        if line.strip() and line != "Comments are closed."
    ]
    assert [paragraph.text for paragraph in cleaned.paragraphs] == arabic
    assert [(removal.text, removal.line, removal.reason) for removal in cleaned.removed] == [
        ("Comments are closed.", 18, "widget")
    ]


def test_seed_003_drops_furniture_repeated_title_and_lede():
    document = seed("003")
    cleaned = clean_document(document)
    kept = [paragraph.text for paragraph in cleaned.paragraphs]
    for gone in (
        "أخبار", "أخر الأخبار", "الوسوم", "اظهر المزيد", "مقالات ذات صلة",
        "زر الذهاب إلى الأعلى", "أصابات", "رسالة", "إغلاق",
    ):  # fmt: skip
        assert gone not in kept
    assert [removal.line for removal in cleaned.removed if removal.text == "إغلاق"] == [37, 38]
    title = "انتهاء اجتماعات قمة بوتين- بايدن في “جنيف”"
    assert kept.count(title) == 1 and kept[0] == title
    assert [(paragraph.index, paragraph.line) for paragraph in cleaned.paragraphs] == [
        (0, 4), (1, 10), (2, 12), (3, 14), (4, 16), (5, 18), (6, 20), (7, 22), (8, 24),
    ]  # fmt: skip
    reasons = {removal.line: (removal.reason, removal.duplicate_of) for removal in cleaned.removed}
    assert reasons[6] == ("lede-prefix", 1)
    assert reasons[8] == ("repeated", 0)
    assert sorted(reasons) == [1, 2, 6, 8, 26, 27, 29, 31, 33, 35, 37, 38]


def test_seed_004_drops_only_the_no_break_space_line():
    document = seed("004")
    cleaned = clean_document(document)
    assert [paragraph.text for paragraph in cleaned.paragraphs] == [
        line for line in document.text.split("\n") if line.strip()
    ]
    assert [(removal.text, removal.line, removal.reason) for removal in cleaned.removed] == [
        ("\N{NO-BREAK SPACE}", 17, "blank")
    ]


# --- data-file cases ---------------------------------------------------------------------


def read_case(path: Path) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {"comment": []}
    current = "comment"
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("=== "):
            current = line[4:].strip()
            sections[current] = []
        elif current == "comment":
            sections["comment"].append(line)
        else:
            for name, character in NAMED_CHARACTERS.items():
                line = line.replace(name, character)
            sections[current].append(line)
    for name in ("input", "kept", "removed"):
        while sections.get(name) and sections[name][-1] == "":
            sections[name].pop()
    return sections


CASES = sorted((FIXTURES / "boilerplate").glob("*/*.txt"))


@pytest.mark.parametrize("path", CASES, ids=[f"{path.parent.name}/{path.stem}" for path in CASES])
def test_case_file(path):
    case = read_case(path)
    assert case["comment"][0].startswith("# "), "every case says why it exists"
    cleaned = clean_document(Document(id=path.name, text="\n".join(case["input"]), site="cases"))
    assert [paragraph.text for paragraph in cleaned.paragraphs] == case["kept"]
    if "removed" in case:
        expected = [tuple(line.split("\t", 1)) for line in case["removed"]]
        assert [(removal.reason, removal.text) for removal in cleaned.removed] == expected
    elif path.parent.name == "keep":
        assert all(removal.reason == "blank" for removal in cleaned.removed)


@pytest.mark.parametrize(
    "path",
    KEEP_CASES := sorted((FIXTURES / "boilerplate" / "keep").glob("*.txt")),
    ids=[path.stem for path in KEEP_CASES],
)
def test_keep_case_keeps_every_input_line(path):
    # Negative cases: besides the removals the file lists, every input line is kept, at
    # most joined with its neighbours when hard-wrapped.
    case = read_case(path)
    listed = {line.split("\t", 1)[1] for line in case.get("removed", [])}
    expected = [
        line.strip() for line in case["input"] if line.strip() and line.strip() not in listed
    ]
    assert " ".join(case["kept"]) == " ".join(expected)


# --- paragraphs and line numbers ---------------------------------------------------------


def test_split_paragraphs_reports_input_lines_from_first_line():
    text = "عنوان\n\n  نص الفقرة الأولى.\n\N{NO-BREAK SPACE}\nنص الفقرة الثانية."
    assert split_paragraphs(text, first_line=10) == [
        ("عنوان", 10),
        ("نص الفقرة الأولى.", 12),
        ("نص الفقرة الثانية.", 14),
    ]


def test_split_paragraphs_joins_hard_wrapped_lines_but_not_a_title():
    wrapped = read_case(FIXTURES / "boilerplate" / "keep" / "hard_wrapped_paragraph.txt")
    paragraphs = split_paragraphs("\n".join(wrapped["input"]))
    assert [text for text, _ in paragraphs] == wrapped["kept"]
    assert [line for _, line in paragraphs] == [1, 3, 8]


def test_long_single_line_paragraphs_are_never_joined():
    title = "الكرملين: نأمل في عقد محادثة بين بوتين وبايدن حتى نهاية العام"
    body = "أكد الكرملين عدم تحقيق أي تقدم في المحادثات حول إجراء قمة جديدة بين الرئيسين " * 2
    assert split_paragraphs(f"{title}\n{body.strip()}") == [(title, 1), (body.strip(), 2)]


def test_clean_document_adds_first_line_to_line_numbers():
    document = Document(
        id="records.jsonl#3", text="مباشر\nقال الوزير إن الاجتماع كان مثمرا.", first_line=41
    )
    cleaned = clean_document(document)
    assert [(paragraph.index, paragraph.line) for paragraph in cleaned.paragraphs] == [(0, 42)]
    assert [(removal.line, removal.reason) for removal in cleaned.removed] == [(41, "navigation")]


def test_lede_prefix_points_at_the_index_the_longer_paragraph_gets():
    # The page's lede uses straight quotes, the paragraph curly ones: normalized, they agree.
    text = (
        "عنوان الخبر\n"
        'انتهت أعمال القمة بين الرئيسين في مدينة "جنيف" السويسرية\n'
        "انتهت أعمال القمة بين الرئيسين في مدينة “جنيف” السويسرية، وعقد بعدها مؤتمر صحفي."
    )
    cleaned = clean_document(Document(id="x", text=text))
    assert [paragraph.line for paragraph in cleaned.paragraphs] == [1, 3]
    assert [
        (removal.line, removal.reason, removal.duplicate_of) for removal in cleaned.removed
    ] == [(2, "lede-prefix", 1)]


# --- site-wide lines ---------------------------------------------------------------------

FOOTER = "للتواصل مع الكاتب أرسل رسالة SMS"
SHARED = "وأكد المتحدث أن المفاوضات ستستمر حتى التوصل إلى اتفاق شامل بين الطرفين."


def site_documents(site: str, count: int, lines: dict[str, int]) -> list[Document]:
    documents = []
    for number in range(count):
        body = [f"خبر رقم {number} عن موضوع مختلف تماما في هذا اليوم."]
        body += [line for line, copies in lines.items() if number < copies]
        documents.append(Document(id=f"{site}/{number}.txt", text="\n".join(body), site=site))
    return documents


def test_count_site_lines_counts_distinct_documents_per_site():
    documents = [
        Document(id="a/1", text="// انتهى //\nخبر\n// انتهى //", site="was"),
        Document(id="a/2", text="// انتهى //", site="was"),
        Document(id="b/1", text="// انتهى //", site="okaz"),
    ]
    counts = count_site_lines(documents)
    assert counts == {
        "was": Counter({"// انتهي //": 2, "خبر": 1}),
        "okaz": Counter({"// انتهي //": 1}),
    }


def test_count_site_lines_leaves_out_prose():
    counts = count_site_lines([Document(id="a", text=SHARED, site="s")])
    assert counts == {"s": Counter()}


@pytest.mark.parametrize(
    ("documents", "threshold"),
    [(0, 5), (369, 5), (1000, 5), (1001, 6), (2846, 15), (4852, 25), (100_000, 500)],
    ids=["empty", "spa", "floor-edge", "share-edge", "okaz", "alriyadh", "large"],
)
def test_site_threshold(documents, threshold):
    assert site_threshold(documents) == threshold


def test_site_boilerplate_strips_footers_not_shared_news():
    documents = site_documents(
        "paper", 200, {FOOTER: 150, "// انتهى //": 5, "عنوان مشترك": 4, SHARED: 60}
    )
    counts = count_site_lines(documents)
    lines = site_boilerplate(counts, {"paper": 200})
    assert lines == {"paper": frozenset({normalize(FOOTER), normalize("// انتهى //")})}


def test_site_boilerplate_uses_the_share_on_large_sites():
    counts = {"big": Counter({"سطر قصير": 15, "سطر آخر": 14})}
    assert site_boilerplate(counts, {"big": 3000}) == {"big": frozenset({"سطر قصير"})}


def test_site_without_document_count_uses_the_floor():
    assert site_boilerplate({"s": Counter({"x": 5, "y": 4})}, {}) == {"s": frozenset({"x"})}


def test_clean_document_removes_site_lines():
    document = Document(
        id="paper/1.txt", text=f"قال الوزير إن الاجتماع كان مثمرا.\n{FOOTER}", site="paper"
    )
    cleaned = clean_document(document, frozenset({normalize(FOOTER)}))
    assert cleaned.text == "قال الوزير إن الاجتماع كان مثمرا."
    assert [(removal.text, removal.reason) for removal in cleaned.removed] == [
        (FOOTER, "site-boilerplate")
    ]


def test_merge_site_line_counts_does_not_change_its_inputs():
    first = {"a": Counter({"x": 1})}
    second = {"a": Counter({"x": 2}), "b": Counter({"y": 1})}
    assert merge_site_line_counts(first, second) == {"a": Counter({"x": 3}), "b": Counter({"y": 1})}
    assert first == {"a": Counter({"x": 1})} and second["a"] == Counter({"x": 2})


# --- properties --------------------------------------------------------------------------

LINES = st.sampled_from(
    [
        "",
        " ",
        "\N{NO-BREAK SPACE}",
        "***",
        "مباشر",
        "أخبار",
        "الوسوم",
        "التعليقات",
        "اقرأ أيضا:",
        "Comments are closed.",
        "• خطة أمريكية",
        "خطة أمريكية",
        "عنوان الخبر",
        "جنيف (عربي times)",
        "قال الوزير إن الاجتماع كان مثمرا.",
        "قال الوزير إن الاجتماع كان مثمرا",
        "قال الوزير إن الاجتماع كان مثمرا جدا، وأضاف أن المحادثات ستستمر.",
        "صورة الرئيس / John Smith / Reuters",
        "تصوير: أحمد",
        "ارتفعت أسعار القمح في الأسواق العالمية خلال الأسبوع الماضي بعد أن",
        "أعلنت عدة دول مصدرة تقليص صادراتها بسبب موجة الجفاف التي ضربت مناطق",
        "المستوردين إلى زيادة مشترياتهم",
        "ب" * 99,
    ]
)
TEXTS = st.one_of(
    st.text(),
    st.lists(LINES, max_size=25).map("\n".join),
    st.lists(
        st.one_of(
            LINES,
            st.text(alphabet="اب \n.،«»•-/\N{NO-BREAK SPACE}\N{ARABIC TATWEEL}x", max_size=12),
        ),
        max_size=25,
    ).map("".join),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_cleaning_is_idempotent_and_never_raises(text):
    first = clean_document(Document(id="x", text=text, site="s"))
    second = clean_document(Document(id="x", text=first.text, site="s"))
    assert second.text == first.text
    assert second.removed == ()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, st.integers(min_value=1, max_value=1000))
def test_clean_document_result_is_well_formed(text, first_line):
    cleaned = clean_document(Document(id="x", text=text, first_line=first_line))
    last_line = first_line + text.count("\n")
    assert [paragraph.index for paragraph in cleaned.paragraphs] == list(
        range(len(cleaned.paragraphs))
    )
    lines = [paragraph.line for paragraph in cleaned.paragraphs]
    assert lines == sorted(set(lines)) and all(first_line <= line <= last_line for line in lines)
    for paragraph in cleaned.paragraphs:
        assert paragraph.text == paragraph.text.strip() and "\n" not in paragraph.text
    for removal in cleaned.removed:
        assert removal.reason in REASONS
        assert first_line <= removal.line <= last_line
        if removal.duplicate_of is not None:
            assert removal.reason in ("repeated", "lede-prefix")
            assert 0 <= removal.duplicate_of < len(cleaned.paragraphs)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.lists(LINES, max_size=6).map("\n".join)),
        max_size=12,
    ),
    st.randoms(),
)
def test_site_counts_merge_like_one_count(pairs, randomness: random.Random):
    documents = [
        Document(id=str(number), text=text, site=site) for number, (site, text) in enumerate(pairs)
    ]
    cut = randomness.randint(0, len(documents))
    merged = merge_site_line_counts(
        count_site_lines(documents[:cut]), count_site_lines(documents[cut:])
    )
    whole = count_site_lines(documents)
    assert {site: +counts for site, counts in merged.items()} == {
        site: +counts for site, counts in whole.items()
    }
    # Counted by hash, partition by partition, the same lines come out, as their hashes.
    per_site = Counter(document.site for document in documents)
    parts = [count_site_line_hashes(documents[:cut]), count_site_line_hashes(documents[cut:])]
    hashed = hashed_site_boilerplate(
        {site: [part[site] for part in parts if site in part] for site in per_site}, per_site
    )
    by_lines = site_boilerplate(whole, per_site)
    assert {site: lines.hashes for site, lines in hashed.items() if lines} == {
        site: {line_hash(line) for line in lines} for site, lines in by_lines.items() if lines
    }


# --- site-line counting against a plain reference ----------------------------------------
# count_site_lines skips normalizing lines it can tell are prose from their original
# spelling; the reference normalizes every paragraph and judges it.


def reference_site_line_counts(documents: list[Document]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for document in documents:
        lines = {normalize(text) for text, _ in split_paragraphs(document.text)}
        counts.setdefault(document.site, Counter()).update(
            line for line in lines if not looks_like_prose(line)
        )
    return counts


def looks_like_prose(line: str) -> bool:
    tail = line.rstrip(" \"')]}>")
    return tail[-1:] in (".", "!", "?", ":", ";") and line.count(" ") + 1 >= 8


COMMITTED_TEXTS = sorted(FIXTURES.glob("**/*.txt"))


def test_site_line_counts_match_the_reference_on_every_committed_text():
    documents = [
        Document(
            id=str(path),
            text=path.read_bytes().decode("utf-8", errors="replace"),
            site=path.parent.name,
        )
        for path in COMMITTED_TEXTS
    ]
    assert len(documents) > 200
    expected = reference_site_line_counts(documents)
    assert count_site_lines(documents) == expected
    per_site = Counter(document.site for document in documents)
    assert site_boilerplate(count_site_lines(documents), per_site, min_documents=2) == (
        site_boilerplate(expected, per_site, min_documents=2)
    )


# Wider than a hard-wrapped line, so the document's paragraphs are its lines.
PROSE = "قال الوزير إن الاجتماع الذي عقد أمس في الرياض كان مثمرا وبناء، وأضاف أن المحادثات بين الجانبين في الأيام"
assert len(PROSE) > 100
# Lines near the edge of looking like prose in their original spelling: diacritics,
# tatweel, quotes after the full stop, invisible characters, words that vanish.
EDGE_LINES = st.sampled_from(
    [
        f"{PROSE} ستستمر.",
        f"{PROSE} ستستمر.»",
        f"{PROSE} ستستمر. \N{RIGHT-TO-LEFT MARK}",
        f"{PROSE} ستستمر؟",
        f"{PROSE} ستستمر؛ ”",
        f"{PROSE} ستستمر…",
        f"{PROSE} ستستمر",
        f"{PROSE} ستستمر،",
        f"{PROSE} ستستمر -",
        f"{PROSE} ستستمر.ً",
        "ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ ـ.",
        "ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً ً.",
        "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - خبر.",
        "قال ً الوزير ً إن ً الاجتماع ً كان ً مثمرا ً اليوم.",
        "قال\N{ZERO WIDTH SPACE}الوزير إن الاجتماع كان\N{NO-BREAK SPACE}مثمرا جدا اليوم.",
        "قال الوزير\tإن الاجتماع\u2028كان مثمرا جدا اليوم أمس.",
        "« قال » الوزير - إن – الاجتماع كان مثمرا جدا اليوم.",
        "ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ ﻻ.",
        "عين اليوم - متابعات",
        "// انتهى //",
        "Photo by John Smith for Reuters news agency in the city today.",
    ]
)
EDGE_TEXTS = st.one_of(
    st.lists(st.one_of(EDGE_LINES, LINES), max_size=12).map("\n".join),
    st.lists(
        st.one_of(
            EDGE_LINES,
            st.text(alphabet="اب ً\u0640.،«»؟-\N{NO-BREAK SPACE}\N{ZERO WIDTH SPACE}x", max_size=20),
        ),
        max_size=12,
    ).map("\n".join),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), EDGE_TEXTS), max_size=8))
def test_site_line_counts_match_the_reference(pairs):
    documents = [
        Document(id=str(number), text=text, site=site) for number, (site, text) in enumerate(pairs)
    ]
    assert count_site_lines(documents) == reference_site_line_counts(documents)


@settings(max_examples=500)
@given(st.one_of(EDGE_LINES, st.text(), st.lists(EDGE_LINES | LINES, max_size=3).map(" ".join)))
def test_a_line_judged_prose_by_its_spelling_is_prose_once_normalized(line):
    if _surely_prose(line):
        assert looks_like_prose(normalize(line))
