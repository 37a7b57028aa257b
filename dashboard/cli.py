"""The ``conflict-monitor`` command: parses arguments, calls the data layer.

Errors a user can cause are caught here, once, and printed plainly with exit
code 1; nothing below this module prints.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tomllib
from pathlib import Path

from dashboard.events import access, exports, schema
from dashboard.events.filters import EventFilter
from dashboard.events.importers import FORMATS, ImportFileError, format_module, import_file, validate_file
from dashboard.events.store import DB_URL_ENV, REPO_ROOT, StoreError, open_store

# Local by default: a dashboard reachable from the network is a choice made with --host.
LOCAL_HOST = "127.0.0.1"


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
    serve.add_argument(
        "--host",
        default=LOCAL_HOST,
        help=f"address to listen on (default {LOCAL_HOST}: this machine only; 0.0.0.0 for every interface)",
    )
    serve.add_argument(
        "--allow-anonymous-writes",
        action="store_true",
        help="on a non-local address without sign-in, let every visitor import (default: read-only)",
    )
    serve.add_argument(
        "--roles",
        type=Path,
        help=f"role map for signed-in users (default: ${access.ROLES_ENV} or .streamlit/roles.toml)",
    )

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
            return _serve(
                url,
                getattr(args, "port", 8501),
                host=getattr(args, "host", LOCAL_HOST),
                allow_anonymous_writes=getattr(args, "allow_anonymous_writes", False),
                roles=getattr(args, "roles", None),
            )
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
        if command == "history":
            frame = store.history(args.event_id)
            columns = [
                "revision",
                "recorded_at",
                "retracted",
                "reason",
                "recorded_by",
                "figure_low",
                "figure_best",
                "figure_high",
                "unit",
                "claimant",
                "event_date",
                "description",
            ]
            frame["recorded_by"] = frame["recorded_by"].fillna("(not recorded)")  # rows from before 0002
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


def _serve(
    url: str | None,
    port: int,
    *,
    host: str = LOCAL_HOST,
    allow_anonymous_writes: bool = False,
    roles: Path | None = None,
) -> int:
    """Replace this process with the dashboard's server, so signals reach the server itself."""
    env = dict(os.environ)
    if url:
        env[DB_URL_ENV] = url
    if roles is not None:
        env[access.ROLES_ENV] = str(roles.resolve())
    env.pop(access.ANONYMOUS_WRITES_ENV, None)  # only this flag turns anonymous writes on
    # A broken role map is reported now, not to the first person who signs in.
    access.load_role_map(roles or access.role_map_path(REPO_ROOT))
    if not access.is_loopback(host) and not sign_in_configured(REPO_ROOT):
        if allow_anonymous_writes:
            env[access.ANONYMOUS_WRITES_ENV] = "1"
            print(
                f"warning: listening on {host} without sign-in and with --allow-anonymous-writes: anyone who can "
                "reach this port can import into the log.",
                file=sys.stderr,
            )
        else:
            print(
                f"note: listening on {host} without sign-in: the dashboard is read-only for everyone. Configure "
                "sign-in (README, Team deployment) or pass --allow-anonymous-writes.",
                file=sys.stderr,
            )
    open_store(env.get(DB_URL_ENV))  # create and seed before the first page asks
    app = REPO_ROOT / "dashboard" / "app.py"
    command = [sys.executable, "-m", "dashboard.server", "run", str(app), "--server.port", str(port)]
    command += ["--server.address", host]
    # Run from the repository root so .streamlit/config.toml and secrets.toml are read. exec, not a
    # child process: a SIGTERM from systemd or Docker then stops the server and frees the port.
    os.chdir(REPO_ROOT)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(command[0], command, env)
    return 0  # not reached


def sign_in_configured(app_root: Path) -> bool:
    """True when Streamlit will find an ``[auth]`` section in a secrets file (global or the app's)."""
    for path in (Path.home() / ".streamlit" / "secrets.toml", app_root / ".streamlit" / "secrets.toml"):
        try:
            if "auth" in tomllib.loads(path.read_text(encoding="utf-8")):
                return True
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
    return False


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
