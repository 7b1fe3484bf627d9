"""HTML pages -> article text: trafilatura first, jusText with its Arabic stoplist as fallback.

Owns the one contract for web pages: the article body, one paragraph per line, without
menus, comments or related links. Works on text already decoded; never fetches anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import justext
import lxml.etree
import trafilatura

from arabic_dedupe.model import Document, Skipped

TRAFILATURA = "trafilatura"
JUSTEXT = "jusText"
# jusText names its stoplists by language; this one is built from Arabic Wikipedia.
JUSTEXT_STOPLIST = "Arabic"


@dataclass(frozen=True)
class Extraction:
    """The article found in a page: text one paragraph per line ('' if none), and by whom."""

    text: str
    extractor: str
    title: str = ""
    date: str = ""


def extract_article(html: str) -> Extraction:
    """The article of an HTML page, by trafilatura or else by jusText.

    trafilatura runs with comments excluded and precision favoured: a duplicate finder is
    better served by a missing sentence than by a comment thread counted as article text.
    Tables are left out because pages laid out with tables put the whole page (menus,
    side bars, footer) in one table, which trafilatura would return as cells; such a
    page then falls back to jusText, which classifies text blocks on their own.
    """
    metadata = _metadata(html)
    text = _paragraph_lines(
        trafilatura.extract(
            html,
            include_comments=False,
            favor_precision=True,
            include_tables=False,
            include_images=False,
            include_links=False,
            with_metadata=False,
        )
        or ""
    )
    extractor = TRAFILATURA
    if not text:
        text, extractor = _justext_paragraphs(html), JUSTEXT
    return Extraction(text=text, extractor=extractor, **metadata)


def article_document(page: Document) -> Document | Skipped:
    """The Document of an HTML page (given as a Document of its decoded markup) as an article.

    Title and date come from the page's metadata when it has them. A warning names the
    extractor only when the fallback was needed, so people can check those pages.
    """
    found = extract_article(page.text)
    if not found.text:
        return Skipped(
            page.id,
            f"{page.id}: no article text found in the HTML page; skipped. "
            "Check that it is an article page, not a listing or a page built by scripts.",
        )
    warnings = page.warnings
    if found.extractor != TRAFILATURA:
        warnings += (
            f"{page.id}: trafilatura found no article text; extracted with {found.extractor} "
            f"({JUSTEXT_STOPLIST} stoplist). Check the text of this page.",
        )
    return replace(
        page,
        text=found.text,
        title=page.title or found.title,
        date=page.date or found.date,
        first_line=1,
        warnings=warnings,
    )


def _paragraph_lines(text: str) -> str:
    """One paragraph per line, without empty lines or the padding around each.

    >>> _paragraph_lines("  عنوان \\n\\n  فقرة أولى.\\n")
    'عنوان\\nفقرة أولى.'
    """
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _justext_paragraphs(html: str) -> str:
    try:
        paragraphs = justext.justext(html, justext.get_stoplist(JUSTEXT_STOPLIST))
    except (lxml.etree.ParserError, ValueError):
        # lxml refuses markup with no element at all; there is no article in it either.
        return ""
    return _paragraph_lines("\n".join(paragraph.text for paragraph in paragraphs if not paragraph.is_boilerplate))


def _metadata(html: str) -> dict[str, str]:
    try:
        metadata = trafilatura.extract_metadata(html)
    except (lxml.etree.ParserError, ValueError):
        return {"title": "", "date": ""}
    return {"title": (metadata.title or "").strip(), "date": (metadata.date or "").strip()}
