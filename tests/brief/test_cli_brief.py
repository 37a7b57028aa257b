"""``conflict-monitor brief`` on both back ends: PDF and HTML, safe writes, the same text from the same command."""

from __future__ import annotations

import shlex
from contextlib import chdir

import pytest
from brief_support import HOSTILE_SCRIPT, flat, parse_html, pdf_pages_text

from dashboard import cli
from dashboard.figures.export import chromium_available

needs_chromium = pytest.mark.skipif(not chromium_available(), reason="printing needs Chromium")
# The command line is the subject here, not the charts (drawn for real in test_pdf.py).
pytestmark = pytest.mark.usefixtures("fast_charts")


def run(store, *args: str) -> int:
    url = store.engine.url.render_as_string(hide_password=False)
    return cli.main(["--db", url, "brief", *args])


def pdf_text(path) -> str:
    return flat(" ".join(pdf_pages_text(path.read_bytes())))


ARGS = ["--category", "deployment", "--category", "casualties", "--title", "Kursk <b>brief</b>", "--paper", "letter"]


def html_text(path) -> str:
    return flat(" ".join(parse_html(path.read_text(encoding="utf-8")).text))


def test_the_printed_command_gives_the_same_brief_after_the_log_moved_on(brief_store, tmp_path):
    first = tmp_path / "kursk.html"
    assert run(brief_store, "--out", str(first), *ARGS) == 0
    text = html_text(first)
    assert "Kursk <b>brief</b>" in text and "Filter: deployment, casualties." in text
    command = text.split("Regenerate ")[1].split(" The same command")[0]
    assert command.startswith("conflict-monitor brief --out kursk.html --category deployment") and "--as-of" in command

    brief_store.revise("T-D04", {"figure_best": 11500}, reason="later correction")
    now = tmp_path / "now.html"
    assert run(brief_store, "--out", str(now), *ARGS) == 0
    assert "11,500" in html_text(now) and "11,500" not in text  # the log moved on

    first.unlink()
    url = brief_store.engine.url.render_as_string(hide_password=False)
    with chdir(tmp_path):  # the command names its file relative to where it runs
        assert cli.main(["--db", url, *shlex.split(command)[1:]]) == 0
    assert html_text(first) == text  # pinned with --as-of: the revision it described, word for word


@needs_chromium
@pytest.mark.sqlite_only
def test_same_arguments_on_the_same_revision_give_the_same_pdf_text(brief_store, tmp_path, capsys):
    first, again = tmp_path / "kursk.pdf", tmp_path / "again" / "kursk.pdf"
    again.parent.mkdir()
    assert run(brief_store, "--out", str(first), *ARGS) == 0
    assert "brief written to" in capsys.readouterr().out
    assert run(brief_store, "--out", str(again), *ARGS) == 0
    text = pdf_text(first)
    assert pdf_text(again) == text
    assert "Kursk <b>brief</b>" in text and "Page 1 of" in text
    # The regenerate command is printed (across lines: compare without white space).
    assert "conflict-monitor brief --out kursk.pdf --category deployment".replace(" ", "") in "".join(text.split())


def test_html_brief_on_both_back_ends_keeps_hostile_text_as_text(brief_store, tmp_path):
    out = tmp_path / "brief.html"
    assert run(brief_store, "--out", str(out), "--text", "E2E") == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert HOSTILE_SCRIPT not in page and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert page.count('<img src="data:image/png;base64,') >= 2


def test_existing_files_are_refused_unless_forced_and_bad_names_explained(brief_store, tmp_path, capsys):
    out = tmp_path / "brief.html"
    out.write_text("keep me")
    assert run(brief_store, "--out", str(out)) == 1
    assert "exists; choose a new file name or use --force to replace it" in capsys.readouterr().err
    assert out.read_text() == "keep me"
    assert run(brief_store, "--out", str(tmp_path / "brief.docx")) == 1
    assert "must end in .pdf or .html" in capsys.readouterr().err
    assert run(brief_store, "--out", str(tmp_path / "missing" / "brief.html")) == 1
    assert "does not exist" in capsys.readouterr().err
    assert run(brief_store, "--out", str(out), "--force", "--category", "battle") == 0
    assert "Filter: battle." in out.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".*partial"))  # no temporary file left behind


@pytest.mark.sqlite_only
def test_the_database_file_is_never_overwritten(tmp_path, capsys):
    database = tmp_path / "log.html"  # a database whose name looks like a brief
    database.write_bytes(b"")
    assert cli.main(["--db", f"sqlite:///{database}", "brief", "--out", str(database), "--force"]) == 1
    assert "it is the database in use" in capsys.readouterr().err
    assert database.read_bytes().startswith(b"SQLite format 3")
    # A link to the database under a brief's name is the database too.
    (tmp_path / "brief.html").symlink_to(database)
    assert cli.main(["--db", f"sqlite:///{database}", "brief", "--out", str(tmp_path / "brief.html"), "--force"]) == 1
    assert "it is the database in use" in capsys.readouterr().err
    assert database.read_bytes().startswith(b"SQLite format 3")
