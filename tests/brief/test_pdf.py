"""The brief as PDF (printed by Chromium) and as one HTML file: pages, fonts, text, links, no outside request.

One brief with its charts is built per module (charts are drawn by kaleido, the PDF printed by
Chromium: seconds each) and kept under tests/artifacts/brief/ with a picture of its first pages.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from brief_support import ARTIFACTS, HOSTILE_SCRIPT, fill, flat, pdf_pages_text, pdf_reader

from dashboard.brief import BriefRequest, brief_html, brief_pdf, build_brief
from dashboard.brief.html import brief_html as html_of
from dashboard.events.store import open_store
from dashboard.figures.export import chromium_available

pytestmark = pytest.mark.skipif(not chromium_available(), reason="printing needs Chromium (apt-get install chromium)")

A4 = (595, 842)  # points, rounded
LETTER = (612, 792)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('brief') / 'log.sqlite'}", seed=False)
    fill(store)
    a4 = build_brief(store, BriefRequest(title="Test brief: DPRK troops <b>in</b> Russia"))
    letter = dataclasses.replace(a4, paper="letter")  # the same document on other paper
    outputs = {"a4": brief_pdf(a4), "letter": brief_pdf(letter), "html": brief_html(a4)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "brief-a4.pdf").write_bytes(outputs["a4"])
    (ARTIFACTS / "brief-letter.pdf").write_bytes(outputs["letter"])
    (ARTIFACTS / "brief.html").write_text(outputs["html"], encoding="utf-8")
    if shutil.which("pdftoppm"):  # a picture to look at; the tests below read the PDF with pypdf
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", "-l", "3", ARTIFACTS / "brief-a4.pdf", ARTIFACTS / "page"], check=False
        )
    yield store, a4, outputs
    store.engine.dispose()


def size(page) -> tuple[int, int]:
    return round(float(page.mediabox.width)), round(float(page.mediabox.height))


def test_a4_and_letter_pages_are_numbered_and_carry_the_revision(built):
    _, brief, outputs = built
    for paper, expected in (("a4", A4), ("letter", LETTER)):
        reader = pdf_reader(outputs[paper])
        assert {size(page) for page in reader.pages} == {expected}, paper
        total = len(reader.pages)
        for number, page in enumerate(reader.pages, start=1):
            text = flat(page.extract_text())
            assert f"Page {number} of {total}" in text, (paper, number)
            assert f"revision {brief.colophon.revision_token}" in text, (paper, number)


def test_fonts_are_embedded(built):
    _, _, outputs = built
    reader = pdf_reader(outputs["a4"])
    fonts = {}
    for page in reader.pages:
        resources = page["/Resources"]
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            fonts[str(font["/BaseFont"])] = descriptor is not None and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values()), fonts


def test_pdf_text_holds_the_content_and_hostile_text_as_printed_characters(built):
    _, brief, outputs = built
    text = flat(" ".join(pdf_pages_text(outputs["a4"])))
    for expected in (
        "Test brief: DPRK troops <b>in</b> Russia",
        "Period: 18 Oct 2024 – 28 Apr 2025; 19 claims.",
        "Headline figures",
        "Latest claims by claimant",
        "Missile launches",
        "Sources",
        HOSTILE_SCRIPT,
        "Hostile Outlet",
        brief.colophon.command.split(" --as-of")[0],
    ):
        assert flat(expected) in text, expected


def test_table_of_contents_gives_the_page_of_each_section(built):
    _, brief, outputs = built
    pages = pdf_pages_text(outputs["a4"])
    assert len(pages) > 3
    first = pages[0]
    assert "Contents" in first
    for section in brief.sections:
        found = re.search(rf"{re.escape(section.heading)}\s+(\d+)", first)
        assert found, section.heading
        page = int(found.group(1))
        assert section.heading in pages[page - 1], (section.heading, page)


def test_short_brief_has_no_table_of_contents(built):
    store, _, _ = built
    from dashboard.events.filters import EventFilter

    short = build_brief(store, BriefRequest(EventFilter(text="Hostile")), images=False)
    pages = pdf_pages_text(brief_pdf(short))
    assert len(pages) <= 3 and not any("Contents" in page for page in pages)
    assert "<nav" in html_of(short)  # the HTML keeps its linked contents whatever the length


def test_pdf_links_are_http_or_internal(built):
    _, _, outputs = built
    reader = pdf_reader(outputs["a4"])
    uris = []
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and "/URI" in action:
                uris.append(str(action["/URI"]))
    assert uris, "the source list links its http(s) sources"
    assert all(re.match(r"^https?://", uri) for uri in uris), [u for u in uris if not u.startswith("http")]


def test_charts_are_embedded_images(built):
    _, brief, outputs = built
    charts = [b for s in brief.sections for b in s.blocks if hasattr(b, "png")]
    assert len(charts) >= 3 and all(c.png and c.png.startswith(b"\x89PNG") for c in charts)
    assert outputs["html"].count('<img src="data:image/png;base64,') == len(charts)
    images = sum(
        1
        for page in pdf_reader(outputs["a4"]).pages
        for obj in (page["/Resources"].get("/XObject") or {}).values()
        if obj.get_object().get("/Subtype") == "/Image"
    )
    assert images >= len(charts)


def test_pictures_of_pages_are_kept_as_artifacts(built):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) draws the pictures; the PDF itself is kept")
    assert any(Path(ARTIFACTS).glob("page-*1.png"))
