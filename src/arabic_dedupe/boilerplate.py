"""The boilerplate stage: paragraphs, page furniture, repeated paragraphs, site-wide lines.

Owns Document -> CleanDocument (kept paragraphs, and why each removed stretch went) and the
map-reduce count of lines that repeat across the documents of one site.

How one document is cleaned
---------------------------
1. Lines are split on "\\n". A line without a letter or digit is a separator (removed as
   `blank` when it holds anything at all, e.g. a lone no-break space or "***").
2. Hard-wrapped text is re-joined: when every line of the document is at most 100
   characters, the longest is at least 50, and at least two lines fill 75% of that width
   without ending a sentence, each such line continues on the next line. Scraped pages
   keep a paragraph on one line (100-400 characters), so their title lines are never joined.
3. Each paragraph is then judged on its normalized form (normalize()):
   site-boilerplate  the normalized line is in the site's boilerplate set (see below);
   navigation/widget/related/credit  whole-line lexicon entries (boilerplate_lexicon) and a few patterns;
   navigation        bullet menu items and the plain-text copies of their labels;
   related           the headline-like lines that follow a related-news header;
   navigation        label lines (short, no sentence punctuation) among such furniture:
                     between two body paragraphs, 3+ labels keep only the last one (the
                     title or a subheading); after the last body paragraph all go (a
                     footer). Labels with no furniture beside them stay: SaudiNewsNet prints
                     poems as runs of short unpunctuated lines;
   repeated          the same normalized paragraph again (the first copy is kept);
   lede-prefix       a paragraph of 5+ words whose text starts the next kept paragraph.
   One label line between body paragraphs (title, subheading, dateline) always stays.
4. Removing lines can bring new neighbours together, so the rules run again over the kept
   paragraphs until nothing changes. That makes cleaning idempotent: the kept paragraphs
   are exactly the lines of `CleanDocument.text`, and cleaning that text again finds
   nothing to do.

Site-wide lines: the threshold
------------------------------
A line is site boilerplate when it is found in at least max(5, 0.5% of the site's documents)
distinct documents of the site, and it does not look like prose (8+ words ending with
sentence punctuation). Measured on SaudiNewsNet (31,030 articles, 14 sources, grouped by
`source`, July-August 2015):
- footers caught: Saudi Press Agency "// انتهى //" in 323 of 369 documents (and its day
  datelines "الرياض 26 شوال 1436 ه الموافق ..." in up to 39); al-Madina's SMS contact footer
  in 155 of 2,252; Okaz's contact lines in 21 of 2,846 (0.74%, missed by a 2% rule); Asharq
  al-Awsat's "...المزيد" in 106 and its "* خدمة نيويورك تايمز" credit in 40 of 2,947 (1.4%);
  3alyoum's "عين اليوم - متابعات" bylines in up to 179 of 2,080;
- news kept: shared news paragraphs repeat in at most 4 documents of one source (al-Madina
  sports reports), all of them below the floor of 5, and the prose guard keeps them even in
  a small folder where 5 copies of one story would pass the floor;
- nothing else: the 73 lines selected in the whole corpus are bylines and datelines (36 of
  3alyoum, 23 of WAS with "// يتبع //" and a time stamp, 1 of arreyadi), contact footers and
  a column's hashtag (6 of al-Madina, 3 of Okaz with its "السطر الأخير :" label) and Asharq
  al-Awsat's credits, teaser link and a columnist's sign-off (4).
On the same corpus (plain extracted text, little page furniture) the single-page rules drop
15 navigation, 273 widget (mostly writers' e-mail lines), 13 credit and 146 repeated
paragraphs.
Counting is a per-document set of lines summed per site, so it is a mergeable reduce:
count_site_lines over each partition, merge_site_line_counts to combine, site_boilerplate
once at the end. Scans do the same by line hash (count_site_line_hashes per partition,
hashed_site_boilerplate at the end): arrays of 64-bit hashes travel between processes and
add up far faster than counters of strings.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import dataclass

import numpy
import xxhash

from arabic_dedupe.boilerplate_lexicon import (
    ARCHIVE_CAPTIONS,
    CONTACT_LABELS,
    COPYRIGHT_PHRASES,
    COUNTED_THINGS,
    CREDIT_OPENERS,
    NAVIGATION_LABELS,
    PHOTO_AGENCIES,
    RELATED_HEADERS,
    RELATED_LINK_OPENERS,
    SOURCE_OPENERS,
    TAG_LIST_OPENERS,
    WIDGET_LINES,
    WIDGET_OPENERS,
)
from arabic_dedupe.model import CleanDocument, Document, Paragraph, Removal
from arabic_dedupe.normalize import normalize, normalize_many

# Removal reasons: the whole vocabulary a Removal.reason may hold.
BLANK = "blank"
NAVIGATION = "navigation"
WIDGET = "widget"
RELATED = "related"
CREDIT = "credit"
REPEATED = "repeated"
LEDE_PREFIX = "lede-prefix"
SITE_BOILERPLATE = "site-boilerplate"
REASONS = (BLANK, NAVIGATION, WIDGET, RELATED, CREDIT, REPEATED, LEDE_PREFIX, SITE_BOILERPLATE)

# Hard wrapping: the widths plain-text tools and e-mail wrap at (60-80 columns), with room.
WRAP_MIN_WIDTH = 50
WRAP_MAX_WIDTH = 100
WRAP_FILL = 0.75
WRAP_MIN_BROKEN_LINES = 2
# A label (menu item, title, subheading) ends without sentence punctuation and is short.
LABEL_MAX_WORDS = 12
LABEL_MAX_CHARACTERS = 90
# Related headlines run longer than labels (the seeds have 12-16 words).
HEADLINE_MAX_WORDS = 25
# Furniture is short; longer paragraphs skip the lexicon and pattern checks (and their cost).
FURNITURE_MAX_WORDS = 40
MENU_RUN = 3
# Subheadings are shorter than this, ledes repeated by a page longer.
LEDE_MIN_WORDS = 5
PROSE_MIN_WORDS = 8
SITE_MIN_DOCUMENTS = 5
SITE_MIN_SHARE = 0.005


def _strip_symbols(text: str) -> str:
    """Strip everything but letters and digits from both ends.

    Matched from the front on the reversed text too: a pattern anchored at the end would
    be tried at every position of a long paragraph.

    >>> _strip_symbols('• "اقرا ايضا": '), _strip_symbols("قال الوزير."), _strip_symbols("...")
    ('اقرا ايضا', 'قال الوزير', '')
    """
    # str.isalnum() of one character is exactly [^\W_]; most lines start with a letter
    # and end with a letter or one full stop.
    if not text[:1].isalnum():
        leading = _LEADING_SYMBOLS.match(text)
        if leading:
            text = text[leading.end() :]
    if text[-1:].isalnum():
        return text
    if text[-2:-1].isalnum():
        return text[:-1]
    trailing = _LEADING_SYMBOLS.match(text[::-1])
    return text[: len(text) - trailing.end()] if trailing else text


def _normalized_keys(entries: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_strip_symbols(normalize(entry)) for entry in entries)


def _alternatives(entries: tuple[str, ...]) -> str:
    # Longest first, so "getty images" is tried before "getty".
    normalized = sorted({normalize(entry) for entry in entries}, key=len, reverse=True)
    return "|".join(re.escape(entry) for entry in normalized)


_LEADING_SYMBOLS = re.compile(r"[\W_]+")
_HAS_TEXT = re.compile(r"[^\W_]")
# A trailing count ("التعليقات (3)") matched from the front of the reversed text, where
# `\s*\(?\d+\)?$` on the text itself would be tried at every position.
_TRAILING_COUNT_REVERSED = re.compile(r"\)?\d+\(?\s*")
# Closing quotes and brackets may follow the punctuation that ends a sentence.
_CLOSERS = " \"')]}>"
# On normalized text: Arabic ؟ ؛ and the ellipsis are already ? ; and "...".
_SENTENCE_END = frozenset(".!?:;")
# Share buttons, contact e-mails and copyright lines end many columns that close with a
# poem or a signature, so only menus and related blocks mark their neighbours as a menu.
_MENU_EVIDENCE = frozenset((NAVIGATION, RELATED))
# Bullets of menus; "*", "-" and ">" only when a space follows (else "-5" or "*note").
_BULLET = re.compile(r"^(?:[•·▪▫●○◦■□►▶▸◄◀◆◇♦★☆✓✔→←]+|[*>-]+(?=\s))\s*")

# A numbered list item ("1. ...", "2 - ...", "3) ...") starts a line of its own.
_NUMBERED_ITEM = re.compile(r"\d{1,3}\s*[.)\-]")

# The lexicon patterns are split into what is anchored at the start of a line (tried once)
# and what needs a scan, and a scan runs only when the line holds the literal text that any
# of its matches must contain: a search for an alternation is tried at every position.
_RELATED_HEADER_KEYS = _normalized_keys(RELATED_HEADERS)
_NAVIGATION_KEYS = _normalized_keys(NAVIGATION_LABELS)
_WIDGET_KEYS = _normalized_keys(WIDGET_LINES)
_RELATED_LINK = re.compile(rf"(?:{_alternatives(RELATED_LINK_OPENERS)})\s*[:\-]")
_NAVIGATION_PREFIX = re.compile(rf"(?:{_alternatives(TAG_LIST_OPENERS)})\s*:")
_COUNTER = re.compile(rf"\d+\s*(?:{_alternatives(COUNTED_THINGS)})$")
_COPYRIGHT = tuple({normalize(entry) for entry in COPYRIGHT_PHRASES})
_WIDGET_OPENER = re.compile(rf"(?:{_alternatives(WIDGET_OPENERS)})\b")
# Every contact line holds one of these: "@" of an e-mail, "http" of a link, "www.".
_CONTACT_MARKS = ("@", "http", "www.")
_CONTACT_ONLY = re.compile(
    rf"(?:(?:{_alternatives(CONTACT_LABELS)})\s*:?\s*)?(?:\S+@\S+\.\w+|https?://\S+|www\.\S+)"
)
_AGENCY = _alternatives(PHOTO_AGENCIES)
_AGENCY_ENDINGS = tuple({normalize(entry) for entry in PHOTO_AGENCIES})
_CREDIT_START = re.compile(
    rf"\(?(?:{_alternatives(CREDIT_OPENERS)})\s*[:/\-]"  # "(تصوير: ...)"
    rf"|(?:{_alternatives(ARCHIVE_CAPTIONS)})$"
    rf"|(?:{_alternatives(SOURCE_OPENERS)})\s*:"  # "المصدر: تاس"
)
# Searched only in lines that end with an agency's name or a closing bracket.
_CREDIT_END = re.compile(
    rf"\s/\s*[^/]{{2,60}}?\s*/\s*(?:{_AGENCY})$"  # "... / Mikhail Metzel / Reuters"
    rf"|(?:^|\s)/\s*(?:{_AGENCY})$"  # "... / AFP"
    rf"|\((?:{_alternatives(ARCHIVE_CAPTIONS)})\)$"
)


@dataclass(eq=False, slots=True)
class _Entry:
    """A candidate paragraph with what the rules look at, computed once.

    Compared by identity: the same text may be two paragraphs, and removals point at the
    kept entry they repeat. Never changed after it is made; not frozen because a frozen
    dataclass sets each field through object.__setattr__, and cleaning makes one entry
    per input line.
    """

    text: str
    line: int
    norm: str
    key: str
    ends_sentence: bool
    is_label: bool
    is_headline: bool
    is_prose: bool
    is_bullet: bool
    starts_item: bool
    menu_label: str | None
    furniture: str | None
    opens_related_block: bool


def _ends_sentence(norm: str) -> bool:
    tail = norm.rstrip(_CLOSERS)
    return bool(tail) and tail[-1] in _SENTENCE_END


def _make_entry(text: str, line: int, norm: str) -> _Entry:
    words = norm.count(" ") + 1
    tail = norm.rstrip(_CLOSERS)  # _ends_sentence, written out: this runs once per line
    ends_sentence = bool(tail) and tail[-1] in _SENTENCE_END
    if norm[:1].isalpha():  # most lines: neither a bullet nor a number opens them
        bullet, starts_item = None, False
    else:
        bullet = _BULLET.match(norm)
        starts_item = bullet is not None or _NUMBERED_ITEM.match(norm) is not None
    if words > FURNITURE_MAX_WORDS:
        # Body text: too long for a label, a headline or furniture, and prose if it ends
        # a sentence (more than PROSE_MIN_WORDS words).
        return _Entry(
            text, line, norm, norm, ends_sentence, False, False, ends_sentence,
            bullet is not None, starts_item, None, None, False,
        )  # fmt: skip
    key = _strip_symbols(norm)
    is_label = not ends_sentence and words <= LABEL_MAX_WORDS and len(norm) <= LABEL_MAX_CHARACTERS
    menu_label = _strip_symbols(norm[bullet.end() :]) if bullet and is_label else None
    furniture, opens_related_block = _furniture(norm, key, words)
    return _Entry(
        text, line, norm, key, ends_sentence, is_label,
        not ends_sentence and words <= HEADLINE_MAX_WORDS,  # is_headline
        ends_sentence and words >= PROSE_MIN_WORDS,  # is_prose
        bullet is not None, starts_item, menu_label or None, furniture, opens_related_block,
    )  # fmt: skip


def _without_trailing_count(key: str) -> str:
    """Drop a count in parentheses or after a space from the end of a line key.

    >>> _without_trailing_count("التعليقات (3)"), _without_trailing_count("2015")
    ('التعليقات', '')
    """
    count = _TRAILING_COUNT_REVERSED.match(key[::-1])
    return key[: len(key) - count.end()] if count else key


def _furniture(norm: str, key: str, words: int) -> tuple[str | None, bool]:
    """Return the reason a paragraph is page furniture by itself (or None), and whether it
    is a header that opens a block of related headlines."""
    uncounted = _without_trailing_count(key) if key[-1:].isdigit() else key  # "التعليقات (3)"
    if uncounted in _RELATED_HEADER_KEYS:
        return RELATED, True
    if key in _NAVIGATION_KEYS or _NAVIGATION_PREFIX.match(norm):
        return NAVIGATION, False
    if key in _WIDGET_KEYS or _COUNTER.match(key):
        return WIDGET, False
    for mark in _CONTACT_MARKS:
        if mark in key:
            if _CONTACT_ONLY.fullmatch(key):
                return WIDGET, False
            break
    if _RELATED_LINK.match(norm):
        return RELATED, False
    if words <= 20:
        if _WIDGET_OPENER.match(norm):
            return WIDGET, False
        for phrase in _COPYRIGHT:
            if phrase in norm:
                return WIDGET, False
    if _CREDIT_START.match(norm) or (
        (norm.endswith(")") or ("/" in norm and norm.endswith(_AGENCY_ENDINGS)))
        and _CREDIT_END.search(norm)
    ):
        return CREDIT, False
    return None, False


def _split_lines(
    text: str, first_line: int
) -> tuple[list[_Entry | None], list[Removal], int]:
    """Return one entry per line (None for a separator), the `blank` removals and the
    width of the widest entry."""
    lines = text.split("\n")
    # Stripped first, the lines' joined text rarely holds two spaces in a row, which
    # normalize() would then have to collapse; the normalized form is the same.
    texts = [line.strip() for line in lines]
    entries: list[_Entry | None] = []
    blanks: list[Removal] = []
    width = 0
    for offset, (line, stripped, norm) in enumerate(
        zip(lines, texts, normalize_many(texts), strict=True)
    ):
        if _HAS_TEXT.search(norm):
            if len(stripped) > width:
                width = len(stripped)
            entries.append(_make_entry(stripped, first_line + offset, norm))
        else:
            entries.append(None)
            if line:
                blanks.append(Removal(text=line, line=first_line + offset, reason=BLANK))
    return entries, blanks, width


def _wrap_fill(entries: list[_Entry | None], width: int | None = None) -> float | None:
    """The width from which a line continues on the next, when the lines look hard-wrapped.

    `width` is that of the widest entry, when the caller knows it.
    """
    if width is None:
        width = max((len(entry.text) for entry in entries if entry is not None), default=0)
    if not WRAP_MIN_WIDTH <= width <= WRAP_MAX_WIDTH:
        return None
    fill = WRAP_FILL * width
    # One full unpunctuated line is a caption or a title; a wrapped text has several.
    broken = sum(
        1
        for entry in entries
        if entry is not None and len(entry.text) >= fill and not entry.ends_sentence
    )
    return fill if broken >= WRAP_MIN_BROKEN_LINES else None


def _join_hard_wrapped(
    entries: list[_Entry | None], fill: float | None
) -> tuple[list[_Entry], dict[_Entry, _Entry]]:
    """Join the lines of hard-wrapped paragraphs (given _wrap_fill); drop separators.

    Returns the paragraphs and, for each joined line, the paragraph it went into.
    """
    if fill is None:
        return [entry for entry in entries if entry is not None], {}
    paragraphs: list[_Entry] = []
    replaced: dict[_Entry, _Entry] = {}
    block: list[_Entry] = []
    for entry in [*entries, None]:
        continues = (
            entry is not None
            and block
            and not entry.starts_item
            and not block[-1].ends_sentence
            and len(block[-1].text) >= fill
        )
        if continues:
            block.append(entry)
            continue
        if len(block) == 1:
            paragraphs.append(block[0])
        elif block:
            text = " ".join(part.text for part in block)
            joined = _make_entry(text, block[0].line, normalize(text))
            paragraphs.append(joined)
            replaced.update(dict.fromkeys(block, joined))
        block = [] if entry is None else [entry]
    return paragraphs, replaced


def split_paragraphs(text: str, first_line: int = 1) -> list[tuple[str, int]]:
    """Return the paragraphs of `text` (original spelling) with the input line each starts on.

    Every line with a letter or digit is a paragraph, except that the lines of a
    hard-wrapped block are joined with a space.

    >>> split_paragraphs("عنوان الخبر\\n\\nقال الوزير إن الاجتماع كان مثمرا.", first_line=5)
    [('عنوان الخبر', 5), ('قال الوزير إن الاجتماع كان مثمرا.', 7)]
    """
    entries, _, width = _split_lines(text, first_line)
    paragraphs, _ = _join_hard_wrapped(entries, _wrap_fill(entries, width))
    return [(paragraph.text, paragraph.line) for paragraph in paragraphs]


@dataclass(frozen=True)
class _Pass:
    kept: list[_Entry]
    removed: list[tuple[_Entry, str, _Entry | None]]
    replaced: dict[_Entry, _Entry]
    # Whether the lines looked hard-wrapped (see _wrap_fill).
    wrapped: bool


def _clean_pass(
    entries: list[_Entry | None], site_lines: Container[str], width: int | None = None
) -> _Pass:
    """Apply every rule once, in order, to a list of lines (None marks a blank line).

    `width` is that of the widest entry, when the caller knows it.
    """
    fill = _wrap_fill(entries, width)
    paragraphs, replaced = _join_hard_wrapped(entries, fill)
    # Most paragraphs are body text that no rule touches: each rule below first checks,
    # at C speed, whether anything in the document can start it.
    if site_lines:
        reasons = [
            SITE_BOILERPLATE if paragraph.norm in site_lines else paragraph.furniture
            for paragraph in paragraphs
        ]
    else:
        reasons = [paragraph.furniture for paragraph in paragraphs]
    targets: list[int | None] = [None] * len(paragraphs)

    # Menus: a bullet item whose label the page also prints as a plain line (a menu and
    # its expanded form), and those plain copies. Bullets alone are lists or subheadings.
    bullet_labels = {paragraph.menu_label for paragraph in paragraphs if paragraph.menu_label}
    if bullet_labels:
        plain_labels = {
            paragraph.key
            for paragraph in paragraphs
            if paragraph.is_label and not paragraph.is_bullet
        }
        menu_labels = bullet_labels & plain_labels
        for position, paragraph in enumerate(paragraphs):
            if (
                reasons[position] is None
                and paragraph.is_label
                and (paragraph.menu_label or paragraph.key) in menu_labels
            ):
                reasons[position] = NAVIGATION

    # A related-news header takes the headline-like lines after it, up to real text.
    # (A header is furniture itself, so a document without any has no header.)
    if any(reasons) and any(paragraph.opens_related_block for paragraph in paragraphs):
        in_related_block = False
        for position, paragraph in enumerate(paragraphs):
            if paragraph.opens_related_block:
                in_related_block = True
            elif in_related_block and reasons[position] is None:
                if paragraph.is_headline:
                    reasons[position] = RELATED
                else:
                    in_related_block = False

    if NAVIGATION in reasons or RELATED in reasons:
        _drop_menus(paragraphs, reasons)

    norms = [paragraph.norm for paragraph in paragraphs]
    if len(set(norms)) < len(norms):
        first_copy: dict[str, int] = {}
        for position, norm in enumerate(norms):
            if reasons[position] is None:
                original = first_copy.setdefault(norm, position)
                if original != position:
                    reasons[position] = REPEATED
                    targets[position] = original

    kept_positions = [position for position, reason in enumerate(reasons) if reason is None]
    for position, following in zip(kept_positions, kept_positions[1:], strict=False):
        # A lede of LEDE_MIN_WORDS words has more than 8 characters: compare those first.
        if norms[position][:8] == norms[following][:8] and _is_lede_of(
            paragraphs[position], paragraphs[following]
        ):
            reasons[position] = LEDE_PREFIX
            targets[position] = following

    if len(kept_positions) == len(paragraphs) and LEDE_PREFIX not in reasons:
        return _Pass(kept=paragraphs, removed=[], replaced=replaced, wrapped=fill is not None)
    kept = [
        paragraph for paragraph, reason in zip(paragraphs, reasons, strict=True) if reason is None
    ]
    removed = [
        (paragraph, reason, None if target is None else paragraphs[target])
        for paragraph, reason, target in zip(paragraphs, reasons, targets, strict=True)
        if reason is not None
    ]
    return _Pass(kept=kept, removed=removed, replaced=replaced, wrapped=fill is not None)


def _drop_menus(paragraphs: list[_Entry], reasons: list[str | None]) -> None:
    """Mark the label lines that sit among page furniture as navigation.

    The lines between two body paragraphs (or a document edge) form a stretch. When a
    stretch holds furniture (a lexicon line, a menu item, a related header), its labels
    are the rest of that menu: after the last body paragraph they all go (a footer);
    before body text, three or more labels keep only the last one that is not a bullet
    (the title or a subheading). Without furniture a run of labels stays: SaudiNewsNet
    prints poems as runs of short unpunctuated lines, and they are article text.
    """
    body = [
        position
        for position, (paragraph, reason) in enumerate(zip(paragraphs, reasons, strict=True))
        if reason is None and not paragraph.is_label
    ]
    start = 0
    for boundary in [*body, len(paragraphs)]:
        stretch = range(start, boundary)
        start = boundary + 1
        if not any(reasons[position] in _MENU_EVIDENCE for position in stretch):
            continue
        labels = [position for position in stretch if reasons[position] is None]
        if boundary == len(paragraphs) and body:
            dropped = labels
        elif len(labels) >= MENU_RUN:
            keeper = next(
                (position for position in reversed(labels) if not paragraphs[position].is_bullet),
                None,
            )
            dropped = [position for position in labels if position != keeper]
        else:
            dropped = []
        for position in dropped:
            reasons[position] = NAVIGATION


def _is_lede_of(lede: _Entry, paragraph: _Entry) -> bool:
    """True when `lede` (5+ words) is the start of `paragraph`, ending at a word boundary."""
    stem = lede.norm.rstrip(".,;:!?-— ")
    return (
        stem.count(" ") + 1 >= LEDE_MIN_WORDS
        and len(paragraph.norm) > len(stem)
        and paragraph.norm.startswith(stem)
        and not paragraph.norm[len(stem)].isalnum()
    )


def clean_document(document: Document, site_lines: Container[str] = frozenset()) -> CleanDocument:
    """Return the document's kept paragraphs and a Removal for everything dropped.

    `site_lines` holds normalized lines known to be boilerplate of the document's site
    (from site_boilerplate). Pure: the same document always gives the same result.
    """
    entries, removals, width = _split_lines(document.text, document.first_line)
    removed: list[tuple[_Entry, str, _Entry | None]] = []
    replaced: dict[_Entry, _Entry] = {}
    current: list[_Entry | None] = entries
    first_pass = True
    while True:
        result = _clean_pass(current, site_lines, width if first_pass else None)
        removed.extend(result.removed)
        replaced.update(result.replaced)
        if not result.removed and not result.replaced:
            # Another pass sees the same paragraphs unless blank lines kept apart lines
            # that, without them, form a hard-wrapped block; the same paragraphs give
            # the same (empty) result again.
            if not first_pass or not result.wrapped or None not in current:
                break
        current, first_pass = list(result.kept), False
    kept = result.kept
    if removed:
        index = {entry: position for position, entry in enumerate(kept)}
        repeats = {entry: target for entry, _, target in removed}
        for entry, reason, target in removed:
            removals.append(
                Removal(
                    text=entry.text,
                    line=entry.line,
                    reason=reason,
                    duplicate_of=_kept_index(target, index, repeats, replaced),
                )
            )
        removals.sort(key=lambda removal: removal.line)
    paragraphs = tuple(
        Paragraph(position, entry.text, entry.line, entry.norm)
        for position, entry in enumerate(kept)
    )
    return CleanDocument(document=document, paragraphs=paragraphs, removed=tuple(removals))


def _kept_index(
    target: _Entry | None,
    index: dict[_Entry, int],
    repeats: dict[_Entry, _Entry | None],
    replaced: dict[_Entry, _Entry],
) -> int | None:
    # A later pass may join or drop the paragraph a removal pointed at; follow it to the
    # paragraph that finally stands for it.
    for _ in range(len(index) + len(repeats) + len(replaced) + 1):
        if target is None or target in index:
            return None if target is None else index[target]
        target = replaced[target] if target in replaced else repeats.get(target)
    return None


def count_site_lines(documents: Iterable[Document]) -> dict[str, Counter]:
    """Count, per site, the distinct documents each normalized paragraph occurs in.

    Paragraphs that look like prose are not counted: they can never be site boilerplate
    (see site_boilerplate), and leaving them out keeps the counts small.

    >>> count_site_lines([Document(id="a", text="// انتهى //\\nخبر أ", site="was"),
    ...                   Document(id="b", text="// انتهى //\\n// انتهى //", site="was")])
    {'was': Counter({'// انتهي //': 2, 'خبر ا': 1})}
    """
    counts: dict[str, Counter] = {}
    for document in documents:
        counts.setdefault(document.site, Counter()).update(_countable_lines(document.text))
    return counts


def _countable_lines(text: str) -> set[str]:
    """The normalized paragraphs of `text` that do not look like prose.

    Most of the text of an article is prose, and telling so from the original spelling
    (_surely_prose) is cheaper than normalizing it. When a line with text is wider than
    WRAP_MAX_WIDTH the document is not hard-wrapped, so its paragraphs are its lines and
    only the lines that may not be prose need normalizing. Otherwise the document is split
    as cleaning splits it. (Normalizing the lines of several documents with one call was
    slower when normalize() ran NFKC over all of its text; it now applies NFKC only around
    the words that need it, so batching across documents is worth measuring again.)
    """
    lines = text.split("\n")
    if any(len(line) > WRAP_MAX_WIDTH and _is_wide_text(line) for line in lines):
        candidates = [line for line in lines if not _surely_prose(line)]
        return {
            norm
            for norm in normalize_many(candidates)
            if _HAS_TEXT.search(norm) and not _looks_like_prose(norm)
        }
    entries, _, width = _split_lines(text, 1)
    paragraphs, _ = _join_hard_wrapped(entries, _wrap_fill(entries, width))
    return {paragraph.norm for paragraph in paragraphs if not paragraph.is_prose}


# Letters and digits that normalize to a letter or digit whatever surrounds them: Arabic
# letters (not tatweel), ASCII letters and digits, Arabic-Indic digits.
_SURE_LETTER = "\u0621-\u063a\u0641-\u064aA-Za-z0-9\u0660-\u0669"
# PROSE_MIN_WORDS words with such a letter, maybe after words without one ("-", "«").
_OTHER_WORDS = rf"(?:[^\s{_SURE_LETTER}]++\s++)*+"
_SURE_WORD = rf"[^\s{_SURE_LETTER}]*+[{_SURE_LETTER}]"
_SURE_WORDS = re.compile(
    rf"\s*+(?:{_OTHER_WORDS}{_SURE_WORD}\S*+\s++){{{PROSE_MIN_WORDS - 1}}}{_OTHER_WORDS}{_SURE_WORD}"
)
_HAS_SURE_LETTER = re.compile(rf"[{_SURE_LETTER}]")
# What may follow the end of a sentence and normalizes to white space or _CLOSERS.
_RAW_CLOSERS = _CLOSERS + "\N{LEFT-POINTING DOUBLE ANGLE QUOTATION MARK}" + (
    "\N{RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK}\N{LEFT DOUBLE QUOTATION MARK}"
    "\N{RIGHT DOUBLE QUOTATION MARK}"
)
# Sentence ends that normalization keeps as (or turns into) one of _SENTENCE_END.
_RAW_SENTENCE_END = frozenset(".!?:;\N{ARABIC QUESTION MARK}\N{ARABIC SEMICOLON}")


def _is_wide_text(line: str) -> bool:
    """True when the stripped line is wider than a hard-wrapped text and has a letter or
    digit for sure (so cleaning makes it a paragraph)."""
    return len(line.strip()) > WRAP_MAX_WIDTH and _HAS_SURE_LETTER.search(line) is not None


def _surely_prose(line: str) -> bool:
    """True when normalize(line) certainly looks like prose, judged on the original spelling.

    It must end a sentence: the last character before closing quotes and white space is
    sentence punctuation, which normalization keeps (or maps, for ؟ and ؛) and which
    nothing composes with. It must have PROSE_MIN_WORDS words: the first that many words
    each hold a letter or digit that normalization never deletes, and normalization only
    deletes characters or turns them into spaces, so no word is lost or merged. False
    says nothing: the line is normalized and judged.

    >>> _surely_prose("قال الوزير إن الاجتماع كان مثمرا جدا اليوم.»"), _surely_prose("عاجل ـ :")
    (True, False)
    """
    tail = line.rstrip().rstrip(_RAW_CLOSERS)
    return (
        bool(tail) and tail[-1] in _RAW_SENTENCE_END and _SURE_WORDS.match(line) is not None
    )


@dataclass(frozen=True)
class HashedLines:
    """A site's boilerplate lines by their 64-bit hash, standing in for the set of lines.

    A large corpus holds millions of distinct short lines; by hash each takes 16 bytes
    however long it is, and cleaning only asks `line in lines`. The hashes carry the
    lines' lengths, so a line of a length no boilerplate line has (most body paragraphs)
    is answered without hashing it.

    >>> lines = HashedLines.of({line_hash("// انتهي //")})
    >>> "// انتهي //" in lines, "خبر" in lines, len(lines), lines.lengths
    (True, False, 1, frozenset({11}))
    """

    hashes: frozenset[int]
    lengths: frozenset[int]

    @classmethod
    def of(cls, hashes: Iterable[int]) -> HashedLines:
        hashes = frozenset(hashes)
        return cls(hashes, frozenset(value & _LENGTH_MASK for value in hashes))

    def __len__(self) -> int:
        return len(self.hashes)

    def __contains__(self, line: object) -> bool:
        return (
            isinstance(line, str)
            and min(len(line), _LENGTH_MASK) in self.lengths
            and line_hash(line) in self.hashes
        )


# The low bits of a line hash hold the line's length in characters (up to this, and longer
# lines this): the other 54 bits still tell apart far more distinct lines than a site has.
_LENGTH_BITS = 10
_LENGTH_MASK = (1 << _LENGTH_BITS) - 1


def line_hash(line: str) -> int:
    """The 64-bit hash site lines are counted by: xxh3 of the UTF-8 bytes, its low
    _LENGTH_BITS bits replaced by the length (see HashedLines).

    >>> line_hash("خبر") & _LENGTH_MASK, line_hash("خ" * 5000) & _LENGTH_MASK
    (3, 1023)
    """
    value = xxhash.xxh3_64_intdigest(line.encode("utf-8", "surrogatepass"))
    return (value & ~_LENGTH_MASK) | min(len(line), _LENGTH_MASK)


def count_site_line_hashes(documents: Iterable[Document]) -> dict[str, tuple[numpy.ndarray, numpy.ndarray]]:
    """count_site_lines with each line as its hash: per site, (line hashes, documents)
    arrays, one entry per distinct line."""
    hashed = {}
    for site, lines in count_site_lines(documents).items():
        hashes = numpy.fromiter(map(line_hash, lines), dtype=numpy.uint64, count=len(lines))
        hashed[site] = (hashes, numpy.fromiter(lines.values(), dtype=numpy.int64, count=len(lines)))
    return hashed


def hashed_site_boilerplate(
    counts: dict[str, list[tuple[numpy.ndarray, numpy.ndarray]]], documents_per_site: dict[str, int]
) -> dict[str, HashedLines]:
    """site_boilerplate over the count_site_line_hashes of a corpus's partitions (a list of
    them per site): the lines in enough of their site's documents.

    Only lines that are not prose were counted, so the threshold is the whole test.

    >>> documents = [Document(id=name, text="// انتهى //\\nخبر " + name, site="was") for name in "abcde"]
    >>> counts = count_site_line_hashes(documents)
    >>> hashed_site_boilerplate({"was": [counts["was"]]}, {"was": 5})["was"].hashes == {line_hash("// انتهي //")}
    True
    """
    boilerplate = {}
    for site, parts in counts.items():
        hashes = numpy.concatenate([part[0] for part in parts])
        documents = numpy.concatenate([part[1] for part in parts])
        distinct, position = numpy.unique(hashes, return_inverse=True)
        totals = numpy.bincount(position, weights=documents, minlength=len(distinct))
        threshold = site_threshold(documents_per_site.get(site, 0))
        boilerplate[site] = HashedLines.of(distinct[totals >= threshold].tolist())
    return boilerplate


def merge_site_line_counts(
    first: dict[str, Counter], second: dict[str, Counter]
) -> dict[str, Counter]:
    """Add two results of count_site_lines (from two partitions of a corpus) into a new one.

    >>> merge_site_line_counts({"a": Counter({"x": 2})},
    ...                        {"a": Counter({"x": 1}), "b": Counter({"y": 1})})
    {'a': Counter({'x': 3}), 'b': Counter({'y': 1})}
    """
    merged = {site: Counter(counts) for site, counts in first.items()}
    for site, counts in second.items():
        merged.setdefault(site, Counter()).update(counts)
    return merged


def site_threshold(
    documents: int, min_documents: int = SITE_MIN_DOCUMENTS, min_share: float = SITE_MIN_SHARE
) -> int:
    """The number of distinct documents of a site a line must be in to be boilerplate.

    >>> site_threshold(369), site_threshold(2846), site_threshold(100000)
    (5, 15, 500)
    """
    return max(min_documents, math.ceil(min_share * documents))


def site_boilerplate(
    counts: dict[str, Counter],
    documents_per_site: dict[str, int],
    min_documents: int = SITE_MIN_DOCUMENTS,
    min_share: float = SITE_MIN_SHARE,
) -> dict[str, frozenset[str]]:
    """Return, per site, the normalized lines to strip from all of its documents.

    A site missing from `documents_per_site` is taken to have no documents, so only the
    absolute floor applies.

    >>> site_boilerplate({"was": Counter({"// انتهي //": 323, "خبر ا": 1})}, {"was": 369})
    {'was': frozenset({'// انتهي //'})}
    """
    boilerplate = {}
    for site, lines in counts.items():
        threshold = site_threshold(documents_per_site.get(site, 0), min_documents, min_share)
        boilerplate[site] = frozenset(
            line
            for line, documents in lines.items()
            if documents >= threshold and not _looks_like_prose(line)
        )
    return boilerplate


def _looks_like_prose(norm: str) -> bool:
    return _ends_sentence(norm) and norm.count(" ") + 1 >= PROSE_MIN_WORDS
