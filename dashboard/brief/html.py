"""The brief as one self-contained HTML file: styles inline, images as data: URIs, no request when opened.

Every string from the document model goes through :func:`_e` (``html.escape``): text from the
log stays text. Links are written only for http(s) URLs. A Content-Security-Policy in the page
forbids every fetch but data: images, so even a mistake here could not make the page load anything.
The same HTML is printed to PDF (``pdf.py``): ``@page`` rules give the paper size, page numbers and
the revision line on every page.
"""

from __future__ import annotations

import base64
import html
import re

from dashboard.brief.model import PAPERS, Brief, Chart, Section, Table

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
# Fonts Chromium finds on Debian (fonts-dejavu-core, installed with chromium) and embeds in the PDF.
_FONTS = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif"
_SAFE_CSS_TEXT = re.compile(r"[^A-Za-z0-9 .:_\-]")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _css_string(value: str) -> str:
    """Text for a CSS string (the page footer): only letters, digits and ``.:-_`` survive."""
    return _SAFE_CSS_TEXT.sub("", value)[:120]


def brief_html(brief: Brief, *, toc_pages: dict[str, int] | None = None, with_toc: bool = True) -> str:
    """The brief as an HTML document (text).

    ``toc_pages`` (section key -> page number) writes page numbers into the table of contents
    (the PDF's second pass); ``with_toc=False`` leaves the table of contents out (a short PDF).
    """
    paper = PAPERS[brief.paper]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="Conflict Monitor; revision {_e(brief.colophon.revision_token)}">',
        f"<title>{_e(brief.title)}</title>",
        f"<style>{_stylesheet(paper, brief)}</style>",
        "</head>",
        "<body>",
        '<header class="masthead">',
        f"<h1>{_e(brief.title)}</h1>",
        f'<p class="period">{_e(brief.period)}</p>',
        f'<p class="filters">{_e(brief.filters)}</p>',
        f'<p class="asof">The log as of {_e(brief.colophon.as_of)} (revision {_e(brief.colophon.revision_token)}).</p>',
        "</header>",
    ]
    if with_toc:
        parts.append(_toc(brief.sections, toc_pages))
    for section in brief.sections:
        if section.key == "sources":
            parts.append(_sources(section, brief))
        else:
            parts.append(_section(section))
    parts.append(_colophon(brief))
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _toc(sections: tuple[Section, ...], pages: dict[str, int] | None) -> str:
    items = []
    for section in sections:
        page = pages.get(section.key) if pages else None
        # A fixed-width placeholder keeps the layout of the first and second PDF pass the same.
        number = f"{page}" if page is not None else ("\u2007\u2007" if pages is None else "")
        items.append(
            f'<li><a href="#sec-{_e(section.key)}">{_e(section.heading)}</a>'
            f'<span class="toc-page">{_e(number)}</span></li>'
        )
    return (
        '<nav class="toc" aria-label="Contents"><h2 class="toc-title">Contents</h2><ol>'
        + "".join(items)
        + "</ol></nav>"
    )


def _section(section: Section) -> str:
    out = [f'<section id="sec-{_e(section.key)}" class="section-{_e(section.key)}">', f"<h2>{_e(section.heading)}</h2>"]
    out += [f"<p>{_e(p)}</p>" for p in section.paragraphs]
    for block in section.blocks:
        out.append(_table(block) if isinstance(block, Table) else _chart(block))
    out.append("</section>")
    return "\n".join(out)


def _refs(numbers: tuple[int, ...]) -> str:
    return " ".join(f'<a class="ref" href="#src-{n}">[{n}]</a>' for n in numbers)


def _table(table: Table) -> str:
    with_refs = any(table.refs)
    head = "".join(f"<th>{_e(c)}</th>" for c in table.columns) + ('<th class="refs">Sources</th>' if with_refs else "")
    keep = [' class="nowrap"' if column in table.nowrap else "" for column in table.columns]
    body = []
    for i, row in enumerate(table.rows):
        cells = "".join(f"<td{keep[j]}>{_e(cell)}</td>" for j, cell in enumerate(row))
        if with_refs:
            cells += f'<td class="refs">{_refs(table.refs[i]) if i < len(table.refs) else ""}</td>'
        body.append(f"<tr>{cells}</tr>")
    caption = f"<caption>{_e(table.caption)}</caption>" if table.caption else ""
    note = f'<p class="note">{_e(table.note)}</p>' if table.note else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"


def _chart(chart: Chart) -> str:
    if chart.png is None:
        image = f'<p class="no-image">{_e(chart.note or "Chart not drawn.")}</p>'
    else:
        encoded = base64.b64encode(chart.png).decode("ascii")
        image = f'<img src="data:image/png;base64,{encoded}" alt="{_e(chart.alt)}">'
    return f'<figure class="chart">{image}<figcaption><b>{_e(chart.title)}.</b> {_e(chart.alt)}</figcaption></figure>'


def _sources(section: Section, brief: Brief) -> str:
    items = []
    for source in brief.sources:
        bits = [f"<b>{_e(source.outlet)}</b>"]
        if source.title:
            bits.append(f"“{_e(source.title)}”")
        if source.date:
            bits.append(_e(source.date))
        if source.url:
            bits.append(f'<a href="{_e(source.url)}" rel="noopener noreferrer">{_e(source.url)}</a>')
        else:
            bits.append('<span class="bad-url">(no http(s) address recorded)</span>')
        items.append(f'<li id="src-{source.number}"><span class="num">[{source.number}]</span> {". ".join(bits)}</li>')
    listing = f'<ol class="sources">{"".join(items)}</ol>' if items else "<p>No claim is cited.</p>"
    return (
        f'<section id="sec-{_e(section.key)}" class="section-sources"><h2>{_e(section.heading)}</h2>'
        "<p>Numbered in order of first citation; the numbers in brackets in the tables point here.</p>"
        f"{listing}</section>"
    )


def _colophon(brief: Brief) -> str:
    c = brief.colophon
    return (
        '<footer class="colophon" id="colophon"><h2>About this brief</h2><dl>'
        f"<dt>Revision token</dt><dd><code>{_e(c.revision_token)}</code></dd>"
        f"<dt>As of</dt><dd>{_e(c.as_of)}</dd>"
        f'<dt>Same view in the dashboard</dt><dd><a href="{_e(c.dashboard_url)}">{_e(c.dashboard_url)}</a></dd>'
        f"<dt>Regenerate</dt><dd><code>{_e(c.command)}</code></dd>"
        "</dl><p>The same command on the same revision of the log (the same database: <code>--db</code> or "
        "<code>CONFLICT_MONITOR_DB</code>) writes the same text. Every figure is a "
        "claim by the claimant named, not a verified fact; claims that disagree are shown side by side.</p></footer>"
    )


def _stylesheet(paper: str, brief: Brief) -> str:
    footer_left = _css_string(f"Conflict Monitor brief - revision {brief.colophon.revision_token}")
    footer_mid = _css_string(f"as of {brief.colophon.as_of}")
    return f"""
@page {{
  size: {paper};
  margin: 16mm 15mm 18mm 15mm;
  @bottom-left {{ content: "{footer_left}"; font: 7.5pt {_FONTS}; color: #555; }}
  @bottom-center {{ content: "{footer_mid}"; font: 7.5pt {_FONTS}; color: #555; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font: 8pt {_FONTS}; color: #222; }}
}}
/* No ligatures: text copied or searched in the PDF reads "figures", not "ﬁgures". */
html {{ font-family: {_FONTS}; font-size: 10pt; color: #111; line-height: 1.4; font-variant-ligatures: none; }}
body {{ margin: 0 auto; max-width: 190mm; padding: 8px; }}
@media print {{ body {{ max-width: none; padding: 0; }} }}
h1 {{ font-size: 20pt; margin: 0 0 4pt; }}
h2 {{ font-size: 13pt; margin: 14pt 0 6pt; border-bottom: 1.2pt solid #111; padding-bottom: 2pt; break-after: avoid; }}
.masthead p {{ margin: 2pt 0; }}
.masthead .period {{ font-size: 11pt; font-weight: bold; }}
.masthead .filters, .masthead .asof {{ color: #333; }}
.toc {{ margin: 10pt 0; }}
.toc-title {{ border: none; }}
.toc ol {{ list-style: none; padding: 0; margin: 0; }}
.toc li {{ display: flex; border-bottom: 0.5pt dotted #999; padding: 1.5pt 0; }}
.toc li a {{ flex: 1; }}
.toc .toc-page {{ min-width: 2.5em; text-align: right; font-variant-numeric: tabular-nums; }}
a {{ color: #0b3d91; text-decoration: none; }}
table {{ width: 100%; border-collapse: collapse; margin: 6pt 0; font-size: 8.5pt; }}
caption {{ text-align: left; font-weight: bold; padding: 2pt 0; }}
th, td {{ border: 0.5pt solid #777; padding: 2pt 4pt; text-align: left; vertical-align: top; overflow-wrap: break-word; }}
th {{ background: #e8e8e8; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
td.nowrap {{ white-space: nowrap; }}
td.refs, th.refs {{ width: 12%; }}
.ref {{ white-space: nowrap; }}
.ref {{ font-size: 8pt; }}
.note {{ font-size: 8.5pt; color: #333; font-style: italic; }}
figure.chart {{ margin: 8pt 0 12pt; break-inside: avoid; }}
figure.chart img {{ width: 100%; height: auto; border: 0.5pt solid #bbb; }}
figcaption {{ font-size: 8.5pt; color: #222; margin-top: 3pt; }}
ol.sources {{ list-style: none; padding: 0; font-size: 8.5pt; }}
ol.sources li {{ margin: 0 0 3pt; overflow-wrap: anywhere; break-inside: avoid; }}
ol.sources .num {{ font-weight: bold; }}
.colophon {{ margin-top: 16pt; font-size: 8.5pt; break-inside: avoid; }}
.colophon dt {{ font-weight: bold; }}
.colophon dd {{ margin: 0 0 4pt 0; overflow-wrap: anywhere; }}
code {{ font-family: 'DejaVu Sans Mono', monospace; font-size: 8pt; overflow-wrap: anywhere; }}
"""
