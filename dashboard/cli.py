"""The ``conflict-monitor`` command: parses arguments, calls the data layer.

Errors a user can cause are caught here, once, and printed plainly with exit
code 1; nothing below this module prints.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from dashboard import brief as briefing
from dashboard.events import exports, schema
from dashboard.events.filters import EventFilter
from dashboard.events.importers import FORMATS, ImportFileError, format_module, import_file, validate_file
from dashboard.events.store import DB_URL_ENV, DEFAULT_DB_PATH, REPO_ROOT, StoreError, open_store


def _add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start", type=dt.date.fromisoformat, help="first day (YYYY-MM-DD)")
    parser.add_argument("--end", type=dt.date.fromisoformat, help="last day (YYYY-MM-DD)")
    parser.add_argument("--category", action="append", default=[], choices=list(schema.CATEGORIES))
    parser.add_argument("--country", action="append", default=[], help="ISO 3166-1 alpha-3 code, e.g. RUS")
    parser.add_argument("--admin1", action="append", default=[], help="ISO 3166-2 code, e.g. RU-KRS")
    parser.add_argument("--claimant", action="append", default=[])
    parser.add_argument("--min-confidence", choices=list(schema.CONFIDENCE_RANK))
    parser.add_argument("--text", help="case-insensitive text search")
    parser.add_argument("--as-of", type=dt.datetime.fromisoformat, help="the log as it was at this UTC time")


def _filter_from(args: argparse.Namespace) -> EventFilter:
    return EventFilter(
        start=args.start,
        end=args.end,
        categories=tuple(args.category),
        countries=tuple(args.country),
        admin1=tuple(args.admin1),
        claimants=tuple(args.claimant),
        min_confidence=args.min_confidence,
        text=args.text,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="conflict-monitor", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help=f"database URL (default: ${DB_URL_ENV} or data/conflict_monitor.sqlite)")
    commands = parser.add_subparsers(dest="command")

    serve = commands.add_parser("serve", help="open the dashboard (the default command)")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--db", dest="serve_db", help="database URL")

    imp = commands.add_parser("import", help="import a file (all or nothing unless --skip-invalid)")
    imp.add_argument("path", type=Path)
    imp.add_argument("--format", default="auto", choices=["auto", *FORMATS])
    imp.add_argument("--encoding", help="force an encoding, e.g. cp1251")
    imp.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows; write rejected rows with reasons to NAME.rejects.csv",
    )
    imp.add_argument("--no-progress", action="store_true")

    val = commands.add_parser("validate", help="check a file and report; writes nothing")
    val.add_argument("path", type=Path)
    val.add_argument("--format", default="auto", choices=["auto", *FORMATS])
    val.add_argument("--encoding")

    exp = commands.add_parser("export", help="write the (filtered) log as CSV, GeoJSON or XLSX")
    exp.add_argument("--format", required=True, choices=["csv", "geojson", "xlsx"])
    exp.add_argument("--out", required=True, type=Path)
    _add_filter_arguments(exp)

    brief = commands.add_parser("brief", help="write a reproducible brief of the (filtered) log as PDF or HTML")
    brief.add_argument("--out", required=True, type=Path, help="FILE.pdf or FILE.html (the suffix picks the format)")
    _add_filter_arguments(brief)
    brief.add_argument(
        "--since", type=dt.datetime.fromisoformat, help="list claims added, revised, retracted after this UTC time"
    )
    brief.add_argument("--title", help="the brief's title")
    brief.add_argument("--paper", default="a4", choices=["a4", "letter"])
    brief.add_argument("--force", action="store_true", help="replace an existing FILE")

    hist = commands.add_parser("history", help="every revision of one event")
    hist.add_argument("event_id")

    stats = commands.add_parser("stats", help="counts by category and origin, date span, revision token")
    stats.add_argument("--json", action="store_true")

    backup = commands.add_parser("backup", help="online backup of the SQLite database, integrity-checked")
    backup.add_argument("path", type=Path)

    commands.add_parser("schema", help="print the data dictionary and the import mappings")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "serve"
    url = getattr(args, "serve_db", None) or args.db
    try:
        if command == "serve":
            return _serve(url, getattr(args, "port", 8501))
        if command == "schema":
            print(_schema_text())
            return 0
        if command == "validate":
            return _validate(args)
        store = open_store(url)
        if command == "import":
            return _import(store, args)
        if command == "export":
            return _export(store, args)
        if command == "brief":
            return _brief(store, args)
        if command == "history":
            frame = store.history(args.event_id)
            columns = [
                "revision",
                "recorded_at",
                "retracted",
                "reason",
                "figure_low",
                "figure_best",
                "figure_high",
                "unit",
                "claimant",
                "event_date",
                "description",
            ]
            print(frame[columns].to_string(index=False))
            return 0
        if command == "stats":
            stats = store.stats()
            print(json.dumps(stats, indent=2) if args.json else _stats_text(stats))
            return 0
        if command == "backup":
            from dashboard.events.backup import backup_database

            result = backup_database(store, args.path)
            print(
                f"backup written to {result.path} ({result.size_bytes:,} bytes); integrity check: "
                f"{result.integrity}; revision token {result.revision_token}"
            )
            return 0
    except (ImportFileError, StoreError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 2


def _serve(url: str | None, port: int) -> int:
    env = dict(os.environ)
    if url:
        env[DB_URL_ENV] = url
    open_store(env.get(DB_URL_ENV))  # create and seed before the first page asks
    app = REPO_ROOT / "dashboard" / "app.py"
    # Run from the repository root so .streamlit/config.toml is read.
    return subprocess.call(
        [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)], cwd=REPO_ROOT, env=env
    )


def _import(store, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    before = store.revision_token()
    bar = tqdm(unit=" rows", desc=f"checking {args.path.name}", disable=args.no_progress or None, file=sys.stderr)
    try:
        report = import_file(
            store,
            args.path,
            fmt=args.format,
            encoding=args.encoding,
            skip_invalid=args.skip_invalid,
            progress=bar.update,
        )
    finally:
        bar.close()
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if report.errors:
        print("\n".join(report.error_lines()), file=sys.stderr)
    if report.rejects_path:
        print(f"rejected rows written to {report.rejects_path}", file=sys.stderr)
    print(report.summary())
    if not report.written and report.errors:
        print(
            f"nothing imported: fix the rows above or use --skip-invalid (database unchanged, revision token {before})",
            file=sys.stderr,
        )
        return 1
    return 0  # written, or nothing to write (a header-only file: warned above)


def _validate(args: argparse.Namespace) -> int:
    parsed = validate_file(args.path, fmt=args.format, encoding=args.encoding)
    report = parsed.report
    if report.errors:
        print("\n".join(report.error_lines(limit=200)))
    print(
        f"{report.file_name}: {report.format} ({report.encoding}), {report.rows_read} rows, "
        f"{report.accepted} valid, {report.rejected} invalid"
    )
    return 1 if report.errors else 0


def _export(store, args: argparse.Namespace) -> int:
    frame = exports.export_frame(store.query(_filter_from(args), as_of=args.as_of))
    if args.format == "csv":
        exports.write_csv(frame, args.out)
    elif args.format == "xlsx":
        args.out.write_bytes(exports.xlsx_bytes(frame))
    else:
        args.out.write_bytes(exports.geojson_bytes(frame))
    print(f"{len(frame)} events written to {args.out}")
    return 0


def _brief(store, args: argparse.Namespace) -> int:
    fmt = args.out.suffix.lower().lstrip(".")
    if fmt not in briefing.FORMATS:
        raise ValueError(f"{args.out}: the file name must end in .pdf or .html (the suffix picks the format)")
    database = store.engine.url.database if store.engine.dialect.name == "sqlite" else None
    protected = [Path(database)] if database and database != ":memory:" else [DEFAULT_DB_PATH]
    briefing.check_target(args.out, force=args.force, protected=protected)  # before the work, not after
    request = briefing.BriefRequest(
        _filter_from(args), since=args.since, as_of=args.as_of, title=args.title, paper=args.paper, out=args.out.name
    )
    document = briefing.build_brief(store, request)
    try:
        data = briefing.render(document, fmt)
    except briefing.PdfUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    briefing.write_output(args.out, data, force=args.force, protected=protected)
    print(f"brief written to {args.out} ({len(data):,} bytes; revision token {document.colophon.revision_token})")
    return 0


def _stats_text(stats: dict) -> str:
    lines = [
        f"events: {stats['events']} (revisions: {stats['revisions']})",
        f"dates: {stats['first_date']} – {stats['last_date']}",
        f"revision token: {stats['revision_token']}",
        "by category:",
    ]
    lines += [f"  {k}: {v}" for k, v in stats["by_category"].items()]
    lines += ["by origin:"] + [f"  {k}: {v}" for k, v in stats["by_origin"].items()]
    return "\n".join(lines)


def _schema_text() -> str:
    parts = [schema.data_dictionary(), "# Import mappings", ""]
    for name in FORMATS:
        module = format_module(name)
        parts += [
            f"## {name}",
            "",
            (module.__doc__ or "").strip(),
            "",
            "| source column | field | rule |",
            "|---|---|---|",
        ]
        parts += [f"| {src} | {dst} | {rule} |" for src, dst, rule in module.MAPPING] + [""]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
