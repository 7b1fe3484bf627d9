"""Tests for the matching form: fixture cases, negative cases, wire-story pairs, explain,
pyarabic's traps, and the properties (idempotent, fused path equals the named steps)."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyarabic import araby

from arabic_dedupe import arabic_chars as chars
from arabic_dedupe.normalize import (
    NORMALIZER_VERSION,
    STEPS,
    normalize,
    normalize_and_explain,
    normalize_many,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "unicode"
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[trn\\])")
_NAMED_ESCAPES = {"t": "\t", "r": "\r", "n": "\n", "\\": "\\"}


def _unescape(field: str) -> str:
    """Decode the \\uXXXX, \\UXXXXXXXX, \\t, \\r, \\n escapes the fixture files use for
    characters a reader could not see; every other character is written as itself."""

    def replace(match: re.Match[str]) -> str:
        escape = match.group(1)
        return _NAMED_ESCAPES.get(escape) or chr(int(escape[1:], 16))

    return _ESCAPE.sub(replace, field)


def _rows(name: str) -> list[tuple[str, str, str, str]]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    header, *body = lines
    assert header.split("\t") == ["id", header.split("\t")[1], header.split("\t")[2], "comment"]
    rows = []
    for line in body:
        identifier, first, second, comment = line.split("\t")
        rows.append((identifier, _unescape(first), _unescape(second), comment))
    return rows


def _params(name: str) -> list:
    return [pytest.param(first, second, id=identifier) for identifier, first, second, _ in _rows(name)]


def _apply_steps(text: str) -> str:
    return functools.reduce(lambda current, step: step(current), STEPS, text)


# --- fixture files ---------------------------------------------------------------------


def test_fixture_ids_are_unique_and_every_row_has_a_comment():
    for name in ("cases.tsv", "distinct.tsv", "pairs.tsv"):
        rows = _rows(name)
        identifiers = [identifier for identifier, *_ in rows]
        assert len(identifiers) == len(set(identifiers)), name
        assert all(comment.strip() for *_, comment in rows), name


def test_unescape_decodes_the_escapes_only():
    assert _unescape(r"ا\u200D\u0654") == "ا\N{ZERO WIDTH JOINER}\N{ARABIC HAMZA ABOVE}"
    assert _unescape(r"a\r\nb\tc\U0001F600") == "a\r\nb\tc\N{GRINNING FACE}"
    assert _unescape("قال") == "قال"


@pytest.mark.parametrize(("text", "expected"), _params("cases.tsv"))
def test_case_normalizes_to_expected_form(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(("text", "expected"), _params("cases.tsv"))
def test_case_named_steps_agree_with_fused_path(text, expected):
    assert _apply_steps(text) == expected
    assert normalize_and_explain(text)[0] == expected
    assert normalize(expected) == expected


def test_cases_cover_every_invisible_format_character():
    inputs = "".join(text for _, text, _, _ in _rows("cases.tsv"))
    missing = [f"U+{ord(character):04X}" for character in chars.INVISIBLE_FORMAT if character not in inputs]
    assert missing == []


def test_cases_cover_every_lam_alef_ligature():
    inputs = "".join(text for _, text, _, _ in _rows("cases.tsv"))
    ligatures = [chr(code) for code in range(0xFEF5, 0xFEFD)]
    assert [f"U+{ord(ligature):04X}" for ligature in ligatures if ligature not in inputs] == []


@pytest.mark.parametrize(("first", "second"), _params("distinct.tsv"))
def test_distinct_texts_keep_distinct_forms(first, second):
    assert normalize(first) != normalize(second)


@pytest.mark.parametrize(("first", "second"), _params("pairs.tsv"))
def test_wire_story_variants_share_one_form(first, second):
    assert first != second
    assert normalize(first) == normalize(second)


# --- exact forms of spellings the issue names ---------------------------------------------


@pytest.mark.parametrize(
    ("spellings", "expected"),
    [
        pytest.param(("مسؤول", "مسئول"), "مسءول", id="masool"),
        pytest.param(("شؤون", "شئون"), "شءون", id="shuun"),
        pytest.param(("٢٠٢٤", "۲۰۲۴", "2024"), "2024", id="year"),
        pytest.param(("ذٰلك", "ذلك", "ذَٰلِكَ"), "ذلك", id="dhalika"),
        pytest.param(("أحمد", "ا\N{ARABIC HAMZA ABOVE}حمد", "ا\N{ZERO WIDTH JOINER}\N{ARABIC HAMZA ABOVE}حمد", "ﺃﺣﻤﺪ"), "احمد", id="ahmad"),
        pytest.param(("فى", "في", "فی"), "في", id="fi"),
        pytest.param(("الله", "ٱلله", "ﷲ", "ﺍﻟﻠﻪ"), "الله", id="allah"),
    ],
)
def test_spellings_share_one_exact_form(spellings, expected):
    assert [normalize(spelling) for spelling in spellings] == [expected] * len(spellings)


def test_alef_maksura_at_word_end_stays_a_letter():
    assert normalize("فى") == "في"
    assert [word[-1] for word in normalize("فى على إلى مستشفى").split()] == ["ي"] * 4


def test_each_lam_alef_ligature_in_a_word():
    # Isolated and final forms of لآ لأ لإ لا, each between two letters of a word.
    for code in range(0xFEF5, 0xFEFD):
        assert normalize("\N{ARABIC LETTER TEH INITIAL FORM}" + chr(code) + "\N{ARABIC LETTER MEEM FINAL FORM}") == "تلام"


def test_empty_and_blank_text():
    assert normalize("") == ""
    assert normalize(" \t\r\n\N{NO-BREAK SPACE}\N{ZERO WIDTH SPACE}\N{ARABIC TATWEEL}") == ""
    assert normalize_and_explain("") == ("", ())


def test_normalizer_version_is_recorded_as_text():
    assert NORMALIZER_VERSION == "2"


# --- normalize_and_explain ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected_form", "expected_steps"),
    [
        pytest.param("السلام", "السلام", (), id="nothing_to_do"),
        pytest.param("على", "علي", ("alef_maksura_to_yeh",), id="alef_maksura"),
        pytest.param(
            "فِى القِمَّةِ",
            "في القمه",
            ("strip_diacritics", "alef_maksura_to_yeh", "teh_marbuta_to_heh"),
            id="vocalized_egyptian",
        ),
        pytest.param("ذٰلك", "ذلك", ("strip_diacritics",), id="dagger_alef_is_a_diacritic"),
        pytest.param("بو\N{ZERO WIDTH NON-JOINER}تين", "بوتين", ("delete_invisible",), id="zwnj"),
        pytest.param(
            "\N{ARABIC LIGATURE LAM WITH ALEF WITH HAMZA ABOVE FINAL FORM}",
            "لا",
            ("compatibility_forms", "unify_hamza_seats"),
            id="lam_alef_hamza_final",
        ),
        pytest.param("الســلام", "السلام", ("strip_tatweel",), id="tatweel"),
        pytest.param("«مسؤول»", '"مسءول"', ("unify_hamza_seats", "unify_punctuation"), id="quotes_hamza"),
        pytest.param("ٱلله", "الله", ("unify_alef_variants",), id="alef_wasla"),
        pytest.param("کتاب", "كتاب", ("persian_letters",), id="keheh"),
        pytest.param(
            "  Reuters ٢٠٢٤ ",
            "reuters 2024",
            ("western_digits", "fold_case", "collapse_whitespace"),
            id="credit_line",
        ),
        pytest.param(
            "E\N{ARABIC TATWEEL}\N{COMBINING ACUTE ACCENT}",
            "\N{LATIN SMALL LETTER E WITH ACUTE}",
            ("strip_tatweel", "fold_case", "recompose"),
            id="recompose_after_tatweel",
        ),
        pytest.param(
            "\N{ARABIC LIGATURE BISMILLAH AR-RAHMAN AR-RAHEEM}",
            "بسم الله الرحمن الرحيم",
            ("compatibility_forms",),
            id="basmala",
        ),
    ],
)
def test_explain_names_the_steps_that_fired(text, expected_form, expected_steps):
    assert normalize_and_explain(text) == (expected_form, expected_steps)


def test_explain_names_are_step_names_in_order():
    step_names = [step.__name__ for step in STEPS]
    _, fired = normalize_and_explain("\N{RIGHT-TO-LEFT MARK}«إنّ الرئيـس فى ٢٠٢٤»\N{NO-BREAK SPACE}")
    assert list(fired) == [name for name in step_names if name in fired]
    assert fired == (
        "delete_invisible",
        "compatibility_forms",
        "strip_tatweel",
        "strip_diacritics",
        "unify_hamza_seats",
        "alef_maksura_to_yeh",
        "western_digits",
        "unify_punctuation",
        "collapse_whitespace",
    )


def test_every_step_is_a_documented_str_function():
    for step in STEPS:
        assert step.__doc__ and ">>> " in step.__doc__, step.__name__
        assert step("") == "", step.__name__


def test_step_order_puts_the_dependent_steps_in_place():
    names = [step.__name__ for step in STEPS]
    assert names.index("delete_invisible") < names.index("compatibility_forms")
    assert names.index("strip_diacritics") < names.index("unify_hamza_seats")
    assert names.index("strip_diacritics") < names.index("unify_alef_variants")
    assert names.index("compatibility_forms") < names.index("fold_case") < names.index("recompose")


# --- pyarabic's traps ---------------------------------------------------------------------


def test_trap_normalize_alef_turns_alef_maksura_into_alef():
    # pyarabic's normalize_alef would merge على (on) with علا (rose); we map ى to ي.
    assert araby.normalize_alef("على") == "علا"
    assert normalize("على") == "علي"
    assert normalize("على") != normalize("علا")


def test_trap_normalize_hamza_default_mode_depends_on_position():
    # The default mode writes the same word آمن differently at the start of the text.
    assert araby.normalize_hamza("آمن") == "ءامن"
    assert araby.normalize_hamza("قال آمن") == "قال ءءمن"
    # tasheel (which we use) does not, and neither do we.
    assert araby.normalize_hamza("قال آمن", method="tasheel") == "قال امن"
    assert normalize("آمن") == "امن"
    assert normalize("قال آمن") == "قال امن"


def test_trap_strip_tashkeel_keeps_dagger_alef():
    assert "\N{ARABIC LETTER SUPERSCRIPT ALEF}" in araby.strip_tashkeel("ذَٰلِكَ")
    assert "\N{ARABIC LETTER SUPERSCRIPT ALEF}" in chars.DIACRITICS
    assert normalize("ذَٰلِكَ") == normalize("ذلك") == "ذلك"
    # Stripped, not mapped to a full alef: هٰذا meets هذا, not هاذا.
    assert normalize("هٰذا") == "هذا"


def test_trap_normalize_ligature_misses_final_lam_alef_forms():
    final_forms = [chr(code) for code in (0xFEF6, 0xFEF8, 0xFEFA, 0xFEFC)]
    assert [araby.normalize_ligature(form) for form in final_forms] == final_forms
    assert [normalize(form) for form in final_forms] == ["لا"] * 4


# --- the fused path against the named steps -----------------------------------------------


def _single_characters() -> list[str]:
    # Blocks where the table does its work, plus the whole of Latin, Greek and Cyrillic.
    ranges = [(0x0000, 0x0800), (0x0800, 0x0900), (0x1E00, 0x2200), (0x3000, 0x3100), (0xFB00, 0x10000)]
    ranges += [(0x1D400, 0x1D800), (0x1E900, 0x1E960)]
    return [chr(code) for start, end in ranges for code in range(start, end)]


def test_fused_path_equals_named_steps_for_every_character_of_the_busy_blocks():
    mismatches = [
        f"U+{ord(character):04X}"
        for character in _single_characters()
        if normalize(character) != _apply_steps(character)
    ]
    assert mismatches == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("\N{ARABIC LETTER ALEF WITH HAMZA ABOVE ISOLATED FORM}\N{ARABIC DAMMA}\N{ARABIC HAMZA ABOVE}", id="presentation_hamza_then_marks"),
        pytest.param("و\N{ARABIC SMALL HIGH LIGATURE SAD WITH LAM WITH ALEF MAKSURA}\N{ARABIC HAMZA ABOVE}", id="blocked_hamza_on_waw"),
        pytest.param("\N{NO-BREAK SPACE}\N{COMBINING ACUTE ACCENT}e", id="nbsp_before_mark"),
        pytest.param("J\N{COMBINING CARON}", id="lowered_capital_composes"),
        pytest.param("\N{HANGUL CHOSEONG KIYEOK}\N{ARABIC TATWEEL}\N{HANGUL JUNGSEONG A}", id="hangul_jamo_around_tatweel"),
        pytest.param("\ud800\udc00 \udfff", id="lone_surrogates"),
        pytest.param("\N{ARABIC SHADDA}\N{ARABIC FATHA}ب\N{ARABIC SHADDA}\N{ARABIC FATHA}", id="marks_out_of_canonical_order"),
        pytest.param("\N{ARABIC FATHATAN ISOLATED FORM} \N{ARABIC LIGATURE SHADDA WITH DAMMATAN ISOLATED FORM}", id="presentation_diacritics"),
    ],
)
def test_fused_path_equals_named_steps_on_tricky_sequences(text):
    assert normalize(text) == _apply_steps(text)
    assert normalize(normalize(text)) == normalize(text)


SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda path: path.stem)
def test_fused_path_equals_named_steps_on_seed_articles(path):
    text = path.read_text(encoding="utf-8")
    form = normalize(text)
    assert form == _apply_steps(text)
    assert normalize(form) == form


# --- properties ---------------------------------------------------------------------------

# Any code point, surrogates included (st.text() leaves them out by default).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)

_ARABIC_RANGES = [(0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF), (0x200B, 0x206F)]
ARABIC_TEXT = st.text(
    st.one_of(
        *[st.characters(min_codepoint=low, max_codepoint=high, exclude_categories=()) for low, high in _ARABIC_RANGES],
        st.sampled_from(" \t\r\n\N{NO-BREAK SPACE}\N{NARROW NO-BREAK SPACE}\N{LINE SEPARATOR}\N{NEL}\N{IDEOGRAPHIC SPACE}"),
        st.sampled_from("0123456789"),
        # Latin letters and combining accents reach the composition corner cases.
        st.characters(min_codepoint=0x0041, max_codepoint=0x007A),
        st.characters(min_codepoint=0x0300, max_codepoint=0x036F),
    ),
    max_size=80,
)

PROPERTY_SETTINGS = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(ANY_TEXT)
def test_normalize_is_idempotent_on_any_text(text):
    once = normalize(text)
    assert normalize(once) == once


@PROPERTY_SETTINGS
@given(ARABIC_TEXT)
def test_normalize_is_idempotent_on_arabic_text(text):
    once = normalize(text)
    assert normalize(once) == once


@PROPERTY_SETTINGS
@given(ANY_TEXT)
def test_fused_normalize_equals_named_steps_on_any_text(text):
    assert normalize(text) == _apply_steps(text)


@PROPERTY_SETTINGS
@given(ARABIC_TEXT)
def test_fused_normalize_equals_named_steps_on_arabic_text(text):
    expected = _apply_steps(text)
    assert normalize(text) == expected
    assert normalize_and_explain(text)[0] == expected


@PROPERTY_SETTINGS
@given(ARABIC_TEXT)
def test_normal_form_has_no_characters_the_steps_remove(text):
    form = normalize(text)
    removed = set(chars.INVISIBLE_FORMAT + chars.TATWEEL + chars.DIACRITICS)
    removed |= set(chars.ALEF_MAKSURA) | set(chars.TEH_MARBUTA) | set(chars.DIGITS) | set(chars.PERSIAN_LETTERS)
    assert not removed & set(form)
    assert form == form.strip() and "  " not in form
    assert not any(character.isspace() and character != " " for character in form)
    assert unicodedata.is_normalized("NFC", form)


# --- the fast path: settled characters by table, unsettled words in full ------------------

_PLANE = [chr(code) for code in range(0x10000)]
# A line of plain Arabic longer than the texts str.translate takes: what follows it goes
# through the numpy lookup instead.
_LONG_LINE = "قال الرئيس في المؤتمر الصحفي إن الاتفاق سيوقع خلال الأسبوع المقبل "


def _reaches_the_table(character: str) -> bool:
    # Characters the table does something to, or that NFKC or NFC could change or combine.
    return (
        normalize(character) != character
        or bool(unicodedata.decomposition(character))
        or unicodedata.combining(character) != 0
        or not unicodedata.is_normalized("NFC", "\N{LATIN SMALL LETTER E}" + character)
    )


_BUSY_CHARACTERS = [character for character in _PLANE if _reaches_the_table(character)]


@pytest.mark.parametrize("prefix", [pytest.param("", id="short_text"), pytest.param(_LONG_LINE, id="after_a_long_line")])
def test_every_character_of_the_plane_alone_equals_named_steps(prefix):
    mismatches = [
        f"U+{ord(character):04X}"
        for character in _PLANE
        if normalize(prefix + character) != _apply_steps(prefix + character)
    ]
    assert mismatches == []


# Neighbours that make NFKC and NFC compose, reorder or block: a character the table could
# treat alone must give the same result whatever stands next to it in its word.
_NEIGHBOURS = [
    pytest.param("\N{ARABIC LETTER ALEF}", "\N{ARABIC HAMZA ABOVE}", id="alef_then_hamza_above"),
    pytest.param("\N{ARABIC LETTER WAW}", "\N{ARABIC SHADDA}\N{ARABIC HAMZA ABOVE}", id="waw_then_shadda_hamza"),
    pytest.param("\N{ARABIC LETTER ALEF}\N{ARABIC FATHA}", "\N{ARABIC MADDAH ABOVE}", id="alef_fatha_then_madda"),
    pytest.param("\N{ARABIC LETTER YEH}", "\N{ARABIC HAMZA BELOW}\N{ARABIC KASRA}", id="yeh_then_hamza_below"),
    pytest.param("e", "\N{COMBINING ACUTE ACCENT}", id="latin_then_acute"),
    pytest.param("J", "\N{COMBINING DOT BELOW}\N{COMBINING CARON}", id="capital_then_marks"),
    pytest.param("\N{HANGUL CHOSEONG KIYEOK}", "\N{HANGUL JUNGSEONG A}\N{HANGUL JONGSEONG KIYEOK}", id="hangul_jamo"),
    pytest.param("\N{ORIYA LETTER KA}\N{ORIYA VOWEL SIGN E}", "\N{ORIYA VOWEL SIGN AA}", id="oriya_two_part_vowel"),
    pytest.param("\N{ARABIC LIGATURE LAM WITH ALEF FINAL FORM}", "\N{ARABIC TATWEEL}", id="ligature_in_the_word"),
    pytest.param("\N{ZERO WIDTH JOINER}", "\N{ZERO WIDTH NON-JOINER}\N{ARABIC HAMZA ABOVE}", id="invisible_neighbours"),
    pytest.param("\ud83d", "\udca9", id="lone_surrogates"),
    pytest.param("x \N{NO-BREAK SPACE}", "\N{COMBINING ACUTE ACCENT} \N{DOUBLE PRIME}", id="spaces_and_quote"),
]


@pytest.mark.parametrize(("before", "after"), _NEIGHBOURS)
@pytest.mark.parametrize("prefix", [pytest.param("", id="short_text"), pytest.param(_LONG_LINE, id="after_a_long_line")])
def test_every_busy_character_between_neighbours_equals_named_steps(prefix, before, after):
    mismatches = [
        f"U+{ord(character):04X}"
        for character in _BUSY_CHARACTERS
        if normalize(prefix + before + character + after) != _apply_steps(prefix + before + character + after)
    ]
    assert mismatches == []


# Blocks beyond the plane that NFKC or case folding change, that compose, or that are
# simply common (emoji): their words take the full path.
_BEYOND_THE_PLANE = [
    chr(code)
    for start, end in [(0x10400, 0x10450), (0x11099, 0x110BB), (0x1D15E, 0x1D165), (0x1D400, 0x1D500), (0x1E900, 0x1E944), (0x1F600, 0x1F650), (0x2F800, 0x2F840)]
    for code in range(start, end)
]


@pytest.mark.parametrize(("before", "after"), [pytest.param("", "", id="alone"), *_NEIGHBOURS])
def test_characters_beyond_the_plane_between_neighbours_equal_named_steps(before, after):
    for prefix in ("", _LONG_LINE):
        mismatches = [
            f"U+{ord(character):04X}"
            for character in _BEYOND_THE_PLANE
            if normalize(prefix + before + character + after) != _apply_steps(prefix + before + character + after)
        ]
        assert mismatches == []


def test_no_composition_beyond_the_plane_has_a_half_in_it():
    # The table finds what composes by the canonical pairs of the plane alone; a pair of
    # plane characters composing into a character beyond it would escape it.
    for code in range(0x10000, 0x110000):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and not decomposition.startswith("<") and len(decomposition.split()) == 2:
            if unicodedata.normalize("NFC", chr(code)) == chr(code):
                assert all(int(half, 16) >= 0x10000 for half in decomposition.split()), f"U+{code:04X}"


# Characters that exercise the shortcuts: letters, presentation forms and lam-alef
# ligatures (NFKC), diacritics and tatweel (deleted, reordered), the combining hamzas and
# madda (composed), invisible characters, digits, Latin with accents, Hangul jamo and
# Indic two-part vowels (composed), spaces of every kind, the characters written out
# before NFKC, the table's own marks U+FFFE/U+FFFF, NUL (which joins texts), lone
# surrogates and characters beyond the plane.
_SHORTCUT_CHARACTERS = st.one_of(
    st.characters(min_codepoint=0x0621, max_codepoint=0x064A),
    st.characters(min_codepoint=0xFB50, max_codepoint=0xFDFF),
    st.characters(min_codepoint=0xFE70, max_codepoint=0xFEFF),
    st.sampled_from([chr(code) for code in range(0xFEF5, 0xFEFD)]),
    st.sampled_from(chars.DIACRITICS + chars.TATWEEL + "\u0653\u0654\u0655\u0670"),
    st.sampled_from(chars.INVISIBLE_FORMAT),
    st.sampled_from(list(chars.DIGITS) + list("0123456789")),
    st.characters(min_codepoint=0x0041, max_codepoint=0x007A),
    st.characters(min_codepoint=0x00C0, max_codepoint=0x017F),
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),
    st.sampled_from("\u1100\u1161\u11a8\uac00\u0b47\u0b3e\u0b56\u09c7\u09be\u0dd9\u0dcf"),
    st.sampled_from(" \t\n\N{NO-BREAK SPACE}\N{NARROW NO-BREAK SPACE}\N{LINE SEPARATOR}\N{IDEOGRAPHIC SPACE}"),
    st.sampled_from(list(chars.LIGATURES_WITHOUT_DECOMPOSITION) + list(chars.QUOTES_SPLIT_BY_NFKC)),
    st.sampled_from("\ufffe\uffff\N{NULL}\N{HORIZONTAL ELLIPSIS}\N{KELVIN SIGN}\N{ANGSTROM SIGN}"),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=()),
    st.sampled_from("\N{MATHEMATICAL BOLD CAPITAL A}\N{GRINNING FACE}\U00010400"),
)
_SHORTCUT_WORDS = st.text(_SHORTCUT_CHARACTERS, max_size=8)
# Words of plain letters with a few busy ones among them, short and long texts alike.
SHORTCUT_TEXT = st.lists(
    st.one_of(st.sampled_from(["قال", "الرئيس", "مسؤول", "فى", "القمة", "٢٠٢٤", "Reuters"]), _SHORTCUT_WORDS),
    max_size=40,
).map(" ".join)


@PROPERTY_SETTINGS
@given(SHORTCUT_TEXT)
def test_fast_path_equals_named_steps_on_mixed_words(text):
    assert normalize(text) == _apply_steps(text)


@PROPERTY_SETTINGS
@given(st.lists(_SHORTCUT_WORDS, max_size=12), st.sampled_from([" ", "", "\t", "\N{NO-BREAK SPACE}", "  "]))
def test_fast_path_equals_named_steps_whatever_separates_words(words, separator):
    text = separator.join(words)
    assert normalize(text) == _apply_steps(text)
    assert normalize(_LONG_LINE + text) == _apply_steps(_LONG_LINE + text)


@PROPERTY_SETTINGS
@given(st.lists(SHORTCUT_TEXT | ANY_TEXT, max_size=6))
def test_normalize_many_equals_normalize_one_by_one(texts):
    assert normalize_many(texts) == [normalize(text) for text in texts]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        pytest.param(["ا", "\N{ARABIC HAMZA ABOVE}"], ["ا", ""], id="hamza_does_not_reach_the_alef_before"),
        pytest.param(["e", "\N{COMBINING ACUTE ACCENT}x"], ["e", "\N{COMBINING ACUTE ACCENT}x"], id="accent_does_not_reach_back"),
        pytest.param(["\N{HANGUL CHOSEONG KIYEOK}", "\N{HANGUL JUNGSEONG A}"], ["\N{HANGUL CHOSEONG KIYEOK}", "\N{HANGUL JUNGSEONG A}"], id="jamo_stay_apart"),
        pytest.param(["قال ", "  \tفى"], ["قال", "في"], id="spaces_at_the_edges"),
        pytest.param(["", "", ""], ["", "", ""], id="empty_texts"),
        pytest.param([], [], id="no_texts"),
        pytest.param(["a\N{NULL}B", "C"], ["a\N{NULL}b", "c"], id="a_text_holding_the_mark"),
    ],
)
def test_normalize_many_keeps_texts_apart(texts, expected):
    assert normalize_many(texts) == expected
    assert [normalize(text) for text in texts] == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(unicodedata.normalize("NFD", "Café résumé naïve élève déjà façade " * 40), id="decomposed_latin_every_word"),
        pytest.param("ﺍﻟﺴﻼﻡ ﻋﻠﻴﻜﻢ ﻭﺭﺣﻤﺔ ﺍﻟﻠﻪ ﻻ ﺇﻟﻪ ﺇﻻ ﺍﻟﻠﻪ " * 30, id="presentation_forms_throughout"),
        pytest.param(("قال الرئيس " * 12 + "ﻻ" + "\N{ARABIC HAMZA ABOVE} ") * 20, id="ligatures_far_apart"),
        pytest.param(("كلمة " * 7 + "\N{ARABIC LIGATURE LAM WITH ALEF ISOLATED FORM}\N{ZERO WIDTH JOINER} ") * 30, id="ligatures_close_together"),
        pytest.param(("قال الرئيس " * 30 + "ﻻ\N{ARABIC FATHA} كلمة \N{ARABIC HAMZA ABOVE}ﻻ ") * 10, id="ligature_pairs_far_apart"),
        pytest.param("ﻻ" * 300 + " " + "e\N{COMBINING ACUTE ACCENT}" * 200, id="long_words"),
    ],
)
def test_long_texts_with_unsettled_words_near_and_far_equal_named_steps(text):
    assert normalize(text) == _apply_steps(text)
    assert normalize_many([text, text[:100], text[100:]]) == [_apply_steps(text), _apply_steps(text[:100]), _apply_steps(text[100:])]
