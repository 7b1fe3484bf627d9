"""HTML pages as input: the article body is extracted, page furniture is not, nothing is fetched."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from arabic_dedupe.cli import cli
from arabic_dedupe.html_input import JUSTEXT, TRAFILATURA, article_document, extract_article
from arabic_dedupe.model import Document, Skipped
from arabic_dedupe.reader import read_documents

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "fixtures" / "html"


def page(name: str) -> str:
    return (HTML / name).read_text(encoding="utf-8")


def expected(name: str) -> str:
    return (HTML / name).read_text(encoding="utf-8").rstrip("\n")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Any attempt to open a connection fails the test: extraction must never fetch."""

    def refuse(*arguments, **keywords):
        raise AssertionError(f"HTML extraction tried to open a network connection: {arguments}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_news_page_gives_the_article_body_one_paragraph_per_line():
    found = extract_article(page("article.html"))
    assert found.extractor == TRAFILATURA
    assert found.text == expected("article.expected.txt")
    assert len(found.text.splitlines()) == 6
    assert found.title == "افتتاح محطة تحلية جديدة على ساحل البحر الأحمر"
    assert found.date == "2021-03-14"


FURNITURE = [
    ("menu", "مقالات الرأي"),
    ("search-box", "ابحث في الموقع"),
    ("breadcrumb", "مياه›"),
    ("byline", "كتب: سامر الحربي"),
    ("share-buttons", "واتساب"),
    ("tags", "الوسوم"),
    ("related-header", "أخبار ذات صلة"),
    ("related-link", "ارتفاع أسعار المياه المعبأة في الأسواق المحلية"),
    ("comments-header", "التعليقات"),
    ("comment-author", "أبو خالد"),
    ("comment", "خطوة ممتازة ونتمنى أن تصل المياه إلى القرى البعيدة"),
    ("comment-form", "أضف تعليقك"),
    ("footer", "جميع الحقوق محفوظة"),
    ("footer-links", "سياسة الخصوصية"),
    ("script", "dataLayer"),
]


@pytest.mark.parametrize("furniture", [text for _, text in FURNITURE], ids=[name for name, _ in FURNITURE])
def test_page_furniture_is_left_out(furniture):
    assert furniture not in extract_article(page("article.html")).text


def test_table_layout_page_falls_back_to_justext():
    found = extract_article(page("table-layout.html"))
    assert found.extractor == JUSTEXT
    assert found.text == expected("table-layout.expected.txt")
    for furniture in ("المنتدى", "الأكثر قراءة", "تعرف على مواعيد الدوام", "أرسل لصديق", "جميع الحقوق محفوظة"):
        assert furniture not in found.text


@pytest.mark.parametrize(
    "markup",
    ["", "   \n", "<html></html>", page("empty-body.html")],
    ids=["empty", "blank", "no-body", "script-built-page"],
)
def test_pages_without_an_article_give_no_text(markup):
    assert extract_article(markup).text == ""


def test_the_fallback_is_named_in_a_warning_and_trafilatura_is_not():
    by_trafilatura = article_document(Document(id="a.html", text=page("article.html"), warnings=("earlier",)))
    by_justext = article_document(Document(id="b.html", text=page("table-layout.html")))
    assert by_trafilatura.warnings == ("earlier",)
    assert by_justext.warnings == (
        "b.html: trafilatura found no article text; extracted with jusText (Arabic stoplist). Check the text of this page.",
    )


def test_record_fields_win_over_page_metadata():
    document = article_document(Document(id="a.html", text=page("article.html"), title="عنوان", date="2020-01-01"))
    assert (document.title, document.date) == ("عنوان", "2020-01-01")


def test_reader_turns_html_files_into_articles():
    (document,) = read_documents([str(HTML / "article.html")])
    assert isinstance(document, Document)
    assert document.text == expected("article.expected.txt")
    assert (document.encoding, document.first_line, document.warnings) == ("utf-8", 1, ())
    assert (document.title, document.date) == ("افتتاح محطة تحلية جديدة على ساحل البحر الأحمر", "2021-03-14")


def test_reader_decodes_a_windows_1256_page_before_extracting():
    (document,) = read_documents([str(HTML / "article-windows-1256.html")])
    assert document.encoding == "windows-1256"
    assert document.text == expected("article.expected.txt")


def test_reader_skips_a_page_without_article():
    (skipped,) = read_documents([str(HTML / "empty-body.html")])
    assert skipped == Skipped(
        str(HTML / "empty-body.html"),
        f"{HTML / 'empty-body.html'}: no article text found in the HTML page; skipped. "
        "Check that it is an article page, not a listing or a page built by scripts.",
    )


def test_folder_of_pages_is_read_with_a_glob():
    found = list(read_documents([str(HTML)], glob="*.htm*"))
    assert [type(item).__name__ for item in found] == ["Document", "Document", "Skipped", "Document"]
    assert [item.path for item in found] == [
        str(HTML / name) for name in ("article-windows-1256.html", "article.html", "empty-body.html", "table-layout.html")
    ]


def test_clean_prints_the_same_contract_as_for_text(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["clean", "fixtures/html/article.html", "fixtures/html/table-layout.html"])
    assert result.exit_code == 0
    assert result.stdout == expected("article.expected.txt") + "\n\n" + expected("table-layout.expected.txt") + "\n"
    assert result.stderr == (
        "dedupe: fixtures/html/table-layout.html: trafilatura found no article text; extracted with "
        "jusText (Arabic stoplist). Check the text of this page.\n"
    )


def test_a_page_and_its_text_copy_are_duplicates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "copy.txt").write_text(expected("article.expected.txt") + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", str(HTML / "article.html"), "copy.txt"])
    assert result.exit_code == 0
    assert "Verdict: duplicate (exact copy)\n" in result.stdout


@pytest.mark.parametrize(
    "name, extracted",
    [("page.html", True), ("page.htm", True), ("PAGE.HTML", True), ("page.html.txt", False), ("page.xhtml", False)],
    ids=["html", "htm", "upper-case", "text-file-named-after-a-page", "xhtml-is-read-as-text"],
)
def test_only_html_and_htm_files_are_extracted(tmp_path, name, extracted):
    path = tmp_path / name
    path.write_text(page("article.html"), encoding="utf-8")
    (document,) = read_documents([str(path)])
    assert (document.text == expected("article.expected.txt")) is extracted
    assert document.text.startswith("<!DOCTYPE html>") is not extracted


def test_a_page_with_an_xml_declaration_is_extracted(tmp_path):
    path = tmp_path / "page.html"
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + page("article.html"), encoding="utf-8")
    (document,) = read_documents([str(path)])
    assert document.text == expected("article.expected.txt")


def test_clean_out_writes_a_page_as_a_text_file(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "article.html").write_text(page("article.html"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["clean", str(pages), "--glob", "*.html", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["article.txt"]
    assert (tmp_path / "out" / "article.txt").read_text(encoding="utf-8") == expected("article.expected.txt") + "\n"
