"""The ``conflict-monitor`` command: parses arguments, calls the data layer.

Errors a user can cause are caught here, once, and printed plainly with exit
code 1; nothing below this module prints.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import sys
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from dashboard import brief as briefing
from dashboard import doctor
from dashboard.events import access, archive, changes, claimants, exports, register_store, safe_write, schema
from dashboard.events.db_errors import DatabaseProblem, database_error_message
from dashboard.events.filters import EventFilter
from dashboard.events.importers import (
    FORMATS,
    ImportFileError,
    format_module,
    import_file,
    record_claims,
    revise_claim,
    seed_store,
    validate_file,
)
from dashboard.events.locations import database_location
from dashboard.events.safe_write import UnsafeWriteError
from dashboard.events.store import (
    DB_URL_ENV,
    EventStore,
    InvalidRecord,
    StaleRevision,
    StoreError,
    check_database_url,
    create_engine_for,
    default_url,
    describe_claim_error,
    is_default_database,
    open_store,
)
from dashboard.streamlit_settings import LOCAL_HOST, streamlit_command

# Commands that only read the log: they never create a database (a mistyped path is an error).
READ_ONLY_COMMANDS = ("export", "brief", "history", "stats", "backup", "dump", "changes")
# Commands that change claims the log must already hold: a mistyped path is an error, not a new database.
EXISTING_LOG_COMMANDS = ("revise", "retract")


def _add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start", type=dt.date.fromisoformat, help="first day (YYYY-MM-DD)")
    parser.add_argument("--end", type=dt.date.fromisoformat, help="last day (YYYY-MM-DD)")
    parser.add_argument("--category", action="append", default=[], choices=list(schema.CATEGORIES))
    parser.add_argument("--country", action="append", default=[], help="ISO 3166-1 alpha-3 code, e.g. RUS")
    parser.add_argument("--admin1", action="append", default=[], help="ISO 3166-2 code, e.g. RU-KRS")
    parser.add_argument("--claimant", action="append", default=[])
    parser.add_argument("--min-confidence", choices=list(schema.CONFIDENCE_RANK))
    parser.add_argument(
        "--min-reliability", choices=list(schema.RELIABILITY_LEVELS), help="source reliability at least (A best)"
    )
    parser.add_argument(
        "--min-credibility", type=int, choices=list(schema.CREDIBILITY_LEVELS), help="credibility at least (1 best)"
    )
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
        min_reliability=getattr(args, "min_reliability", None),
        min_credibility=getattr(args, "min_credibility", None),
        text=args.text,
    )


def _knowledge_time(value: str) -> dt.datetime:
    try:
        return changes.parse_knowledge_time(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _global_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after its name (``--db X stats`` = ``stats --db X``).

    The same parent goes to the main parser and to every subcommand. SUPPRESS as the default
    keeps a subcommand from overwriting a value given before it with its own "not given".
    """
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        help=f"database URL (default: ${DB_URL_ENV}, else conflict_monitor.sqlite in the user's data folder)",
    )
    return options


def build_parser() -> argparse.ArgumentParser:
    common = _global_options()
    parser = argparse.ArgumentParser(prog="conflict-monitor", description=__doc__.splitlines()[0], parents=[common])
    parser.add_argument("--version", action="version", version=f"%(prog)s {doctor.version()}")
    commands = parser.add_subparsers(dest="command", parser_class=_subparser_class(common))

    serve = commands.add_parser("serve", help="open the dashboard (the default command)")
    serve.add_argument("--port", type=int, default=8501)
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
    imp.add_argument("--force", action="store_true", help="replace an existing NAME.rejects.csv")

    val = commands.add_parser("validate", help="check a file and report; writes nothing")
    val.add_argument("path", type=Path)
    val.add_argument("--format", default="auto", choices=["auto", *FORMATS])
    val.add_argument("--encoding")

    exp = commands.add_parser("export", help="write the (filtered) log as CSV, GeoJSON or XLSX")
    exp.add_argument("--format", required=True, choices=["csv", "geojson", "xlsx"])
    exp.add_argument("--out", required=True, type=Path)
    exp.add_argument("--force", action="store_true", help="replace an existing file (never the database)")
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

    chg = commands.add_parser("changes", help="claims added, revised and retracted between two knowledge times")
    chg.add_argument(
        "--since",
        required=True,
        type=_knowledge_time,
        help="after this time (YYYY-MM-DD = its end; UTC unless an offset)",
    )
    chg.add_argument("--until", type=_knowledge_time, help="up to and including this time (default: now)")
    chg.add_argument("--format", default="csv", choices=["csv", "json"], help="written to standard output")
    _add_filter_arguments(chg)

    hist = commands.add_parser("history", help="every revision of one event: who, when, why, the fields changed")
    hist.add_argument("event_id")

    add = commands.add_parser(
        "add", help="record new claims from a JSON object or list in the native field names (all or nothing)"
    )
    add.add_argument("path", help="a .json file, or - for standard input")
    add.add_argument("--reason", help="why they are recorded (e.g. the briefing they come from)")
    add.add_argument(
        "--flag-region-disagreement",
        action="store_true",
        help=f"mark a claim whose region and coordinates disagree with the quality flag {schema.REGION_DISAGREE_FLAG}"
        " (without it the disagreement is only printed: the desk is curated, like the native format)",
    )

    rev = commands.add_parser("revise", help="correct a claim: a new revision with a reason")
    rev.add_argument("event_id")
    rev.add_argument(
        "--set",
        dest="changes",
        action="append",
        required=True,
        metavar="FIELD=VALUE",
        help="a field and its new value (empty clears it; sources as JSON); repeat for several",
    )
    rev.add_argument("--reason", required=True, help="why (the report or finding the correction rests on)")
    rev.add_argument(
        "--expected-revision", type=int, help="refuse if the claim is no longer at this revision (no lost update)"
    )
    rev.add_argument(
        "--flag-region-disagreement",
        action="store_true",
        help=f"mark a claim whose region and coordinates disagree with the quality flag {schema.REGION_DISAGREE_FLAG}"
        " (without it the disagreement is only printed: the desk is curated, like the native format)",
    )

    ret = commands.add_parser("retract", help="withdraw a claim (it stays in its history)")
    ret.add_argument("event_id")
    ret.add_argument("--reason", required=True, help="why it is withdrawn")
    ret.add_argument(
        "--expected-revision", type=int, help="refuse if the claim is no longer at this revision (no lost update)"
    )

    stats = commands.add_parser("stats", help="counts by category and origin, date span, revision token")
    stats.add_argument("--json", action="store_true")

    backup = commands.add_parser("backup", help="online backup of the SQLite database, integrity-checked")
    backup.add_argument("path", type=Path)
    backup.add_argument("--force", action="store_true", help="replace an existing file (never the database)")

    dump = commands.add_parser("dump", help="write every revision and import batch to an archive (JSON Lines in ZIP)")
    dump.add_argument("path", type=Path)
    dump.add_argument("--force", action="store_true", help="replace an existing file (never the database)")

    restore = commands.add_parser("restore", help="load a dump into an empty database (--db), history and all")
    restore.add_argument("path", type=Path)

    commands.add_parser(
        "seed", help="load the built-in DPRK-Russia log into the database (idempotent; creates the database)"
    )
    commands.add_parser("schema", help="print the data dictionary and the import mappings")

    register = commands.add_parser("claimants", help="the claimant register: list, show or set a claimant's grade")
    register_actions = register.add_subparsers(dest="action", required=True)
    register_actions.add_parser("list", help="every registered claimant with kind, country and reliability")
    show = register_actions.add_parser("show", help="one claimant (by name or alias) in full")
    show.add_argument("name")
    change = register_actions.add_parser(
        "set", help="change a claimant's entry (or add one, given --kind, --relation, --reliability, --rationale)"
    )
    change.add_argument("name")
    for column in claimants.CLAIMANT_COLUMNS[1:]:
        change.add_argument("--" + column.replace("_", "-"), dest=column, help=_REGISTER_HELP.get(column))

    check = commands.add_parser(
        "doctor", help="versions, database and schema revision, data files, Chromium, exposure; writes nothing"
    )
    check.add_argument("--host", help="the address the server would bind to (default: as `serve` binds)")
    return parser


_REGISTER_HELP = {
    "aliases": "other names, separated by ';' (replaces the list)",
    "kind": "one of " + ", ".join(schema.CLAIMANT_KINDS),
    "country": "ISO 3166-1 alpha-3 code, or '' for none",
    "relation": "one of " + ", ".join(schema.CLAIMANT_RELATIONS),
    "reliability": "default source reliability, A (completely reliable) to F (cannot be judged)",
    "rationale": "why that grade, in your own words",
    "rationale_url": "a source for the rationale (http/https)",
}


def _subparser_class(common: argparse.ArgumentParser) -> type[argparse.ArgumentParser]:
    """Subcommand parsers that inherit the global options."""

    class SubcommandParser(argparse.ArgumentParser):
        def __init__(self, *args, **kwargs) -> None:
            kwargs.setdefault("parents", [common])
            super().__init__(*args, **kwargs)

    return SubcommandParser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "serve"
    url = getattr(args, "db", None)
    try:
        if url is not None or os.environ.get(DB_URL_ENV):
            # The URL a user gave, checked in full before anything opens (in-memory refused too).
            check_database_url(url if url is not None else os.environ[DB_URL_ENV])
        return _run(command, url, args)
    except (ImportFileError, StoreError, UnsafeWriteError, DatabaseProblem, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (sa.exc.SQLAlchemyError, sqlite3.Error) as exc:
        # The one place a database failure becomes a message: locked, read-only, full, damaged, unreachable.
        message = database_error_message(exc, url if url is not None else default_url())
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1


def _run(command: str, url: str | None, args: argparse.Namespace) -> int:
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
    if command == "restore":
        return _restore(url, args)
    if command == "doctor":
        return _doctor(url, args.host)
    location = database_location(url)
    if location.note:
        print(location.note, file=sys.stderr)
    reads_only = command in (*READ_ONLY_COMMANDS, *EXISTING_LOG_COMMANDS) or (
        command == "claimants" and args.action != "set"
    )
    store = open_store(location.url, create=not reads_only)
    if command == "seed":
        report = seed_store(store)
        print(report.summary() if report else "the built-in log is loaded already: nothing to do")
        return 0
    if command == "import":
        return _import(store, args)
    if command == "export":
        return _export(store, args)
    if command == "claimants":
        return _claimants(store, args)
    if command == "brief":
        return _brief(store, args)
    if command == "changes":
        return _changes(store, args)
    if command == "history":
        print(_history_text(args.event_id, changes.revision_log(store, args.event_id)))
        return 0
    if command == "add":
        return _add(store, args)
    if command == "revise":
        return _revise(store, args)
    if command == "retract":
        try:
            revision = store.retract(args.event_id, args.reason, expected_revision=args.expected_revision)
        except StaleRevision as exc:
            return _refused_stale(store, exc)
        print(f"{args.event_id} retracted (revision {revision}, recorded by {access.current_actor().name})")
        return 0
    if command == "stats":
        stats = {"database": location.display, **store.stats()}
        print(json.dumps(stats, indent=2) if args.json else _stats_text(stats))
        return 0
    if command == "backup":
        from dashboard.events.backup import backup_database

        result = backup_database(store, args.path, force=args.force)
        print(
            f"backup written to {result.path} ({result.size_bytes:,} bytes); integrity check: "
            f"{result.integrity}; revision token {result.revision_token}"
        )
        return 0
    if command == "dump":
        done = archive.dump(store, args.path, force=args.force, protected=database_files(store))
        print(
            f"dump written to {done.path}: {done.events:,} revisions, {done.batches:,} import batches; "
            f"revision token {done.revision_token}"
        )
        return 0
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
    location = database_location(url)
    if location.note:
        print(location.note, file=sys.stderr)
    # The server resolves the database as this process did: by the URL, whatever its folder.
    env = {**os.environ, DB_URL_ENV: location.url}
    if roles is not None:
        env[access.ROLES_ENV] = str(roles.resolve())
    env.pop(access.ANONYMOUS_WRITES_ENV, None)  # only this flag turns anonymous writes on
    # Streamlit reads .streamlit/secrets.toml (sign-in) from the folder it starts in: the admin's, not ours.
    app_root = Path.cwd()
    # A broken role map is reported now, not to the first person who signs in.
    access.load_role_map(roles or access.role_map_path(app_root))
    if not access.is_loopback(host) and not doctor.sign_in_configured(app_root):
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
    store = open_store(location.url)  # create and migrate before the first page asks
    if is_default_database(location.url) and store.is_empty():
        seed_store(store)  # the first start opens on the built-in log; other databases are seeded on request
    store.engine.dispose()
    # The settings travel as flags, so they apply from any folder (no .streamlit/ needed). exec, not a
    # child process: a SIGTERM from systemd or Docker then stops the server and frees the port.
    command = streamlit_command(port, host=host)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(command[0], command, env)
    return 0  # not reached


def _doctor(url: str | None, host: str | None) -> int:
    findings = doctor.findings(url, host)
    print("\n".join(finding.line() for finding in findings))
    return 1 if any(finding.status == doctor.PROBLEM for finding in findings) else 0


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
            force=args.force,
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


def _history_text(event_id: str, log: pd.DataFrame) -> str:
    """The change log of one claim: a line per revision (when, who, what, why), then its changed fields."""
    lines = [f"{event_id}: {len(log)} revision{'s' if len(log) != 1 else ''}"]
    for row in log.to_dict("records"):
        who = row["recorded_by"] or "(not recorded)"  # rows from before 0002_recorded_by
        parts = [
            f"revision {row['revision']}",
            f"{row['recorded_at']:%Y-%m-%d %H:%M:%S} UTC",
            f"by {who}",
            row["change"],
        ]
        if row["imported_from"]:
            parts.append(f"imported from {row['imported_from']}")
        if row["reason"]:
            parts.append(f"reason: {row['reason']}")
        lines.append("  ".join(parts))
        if row["change"] in ("revised", "restored"):
            lines += [
                f"    {schema.FIELD_LABELS.get(name, name)}: {changes.shown_value(old)} → {changes.shown_value(new)}"
                for name, old, new in row["changes"]
            ] or ["    no field changed"]
    return "\n".join(lines)


def _refused_stale(store, exc: StaleRevision) -> int:
    """A lost update refused: the reason, then what the revisions since changed, field by field."""
    log = changes.revision_log(store, exc.event_id)
    since = log.loc[log["revision"] > exc.expected]
    print(f"error: {exc}", file=sys.stderr)
    print("what changed since:\n" + _history_text(exc.event_id, since).split("\n", 1)[1], file=sys.stderr)
    return 1


def _read_claims(path: str) -> tuple[str, list]:
    """The claims of a JSON file (or standard input for ``-``): an object, or a list of objects."""
    name = "standard input" if path == "-" else path
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise ValueError(f"{name}: give a JSON object (one claim) or a non-empty list of objects")
    return name, [
        {**item, "sources": schema.parse_sources(item["sources"])}
        if isinstance(item, dict) and isinstance(item.get("sources"), str)
        else item
        for item in data
    ]


def _add(store, args: argparse.Namespace) -> int:
    name, items = _read_claims(args.path)
    try:
        recorded, placed = record_claims(
            store, items, reason=args.reason, flag_disagreements=args.flag_region_disagreement
        )
    except InvalidRecord as exc:
        print("\n".join(f"error: {describe_claim_error(e, name)}" for e in exc.errors), file=sys.stderr)
        print(f"nothing recorded: {len(exc.errors)} problem(s) in {name}", file=sys.stderr)
        return 1
    _print_regions(placed)
    ids = ", ".join(r.event_id for r in recorded)
    print(f"{len(recorded)} claim{'s' if len(recorded) != 1 else ''} recorded ({ids}) by {access.current_actor().name}")
    return 0


def _print_regions(placed) -> None:
    """What region assignment did to desk claims: the regions set (stdout), disagreements (stderr)."""
    for claim in placed:
        event_id = claim.data.get("event_id", "?") if isinstance(claim.data, dict) else "?"
        if claim.filled:
            print(f"{event_id}: {claim.filled}")
        if claim.warning:
            print(f"warning: {event_id}: {claim.warning}", file=sys.stderr)


def _revise(store, args: argparse.Namespace) -> int:
    changed = {}
    for item in args.changes:
        field_name, sep, value = item.partition("=")
        field_name = field_name.strip()
        if not sep or field_name not in schema.FIELD_NAMES:
            known = ", ".join(schema.FIELD_NAMES)
            raise ValueError(f"--set {item!r}: write FIELD=VALUE with one of the fields: {known}")
        if field_name == "sources":
            parsed = schema.parse_sources(value)
            changed[field_name] = parsed
        else:
            changed[field_name] = value if value.strip() else None
    try:
        before = store.head_revision(args.event_id)
        revision, placed = revise_claim(
            store,
            args.event_id,
            changed,
            args.reason,
            expected_revision=args.expected_revision,
            flag_disagreements=args.flag_region_disagreement,
        )
    except InvalidRecord as exc:
        print("\n".join(f"error: {describe_claim_error(e, args.event_id)}" for e in exc.errors), file=sys.stderr)
        print(f"nothing recorded: {args.event_id} is unchanged", file=sys.stderr)
        return 1
    except StaleRevision as exc:
        return _refused_stale(store, exc)
    _print_regions([placed])
    if revision == before:
        print(f"{args.event_id}: no field changed, nothing recorded (still revision {revision})")
        return 0
    log = changes.revision_log(store, args.event_id)
    print(_history_text(args.event_id, log.loc[log["revision"] == revision]).split("\n", 1)[1])
    return 0


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
    # Refused before the query: a wrong --out costs nothing and names the problem at once.
    protected = database_files(store)
    safe_write.check_target(args.out, force=args.force, protected=protected)
    graded = register_store.graded_events(store, as_of=args.as_of)
    frame = exports.export_frame(_filter_from(args).apply(graded).reset_index(drop=True))
    if args.format == "csv":
        exports.write_csv(frame, args.out, force=args.force, protected=protected)
    elif args.format == "xlsx":
        safe_write.write_bytes(args.out, exports.xlsx_bytes(frame), force=args.force, protected=protected)
    else:
        safe_write.write_bytes(args.out, exports.geojson_bytes(frame), force=args.force, protected=protected)
    print(f"{len(frame)} events written to {args.out}")
    return 0


def _claimants(store, args: argparse.Namespace) -> int:
    """The claimant register: ``list``, ``show NAME`` or ``set NAME --column value ...``."""
    if args.action == "set":
        given = {c: getattr(args, c) for c in claimants.CLAIMANT_COLUMNS[1:] if getattr(args, c) is not None}
        if not given:
            raise ValueError(
                "nothing to set: give at least one of "
                + ", ".join("--" + c.replace("_", "-") for c in claimants.CLAIMANT_COLUMNS[1:])
            )
        claimant = register_store.set_claimant(store, args.name, given)
        print(f"{claimant.name}: reliability {claimant.reliability} ({claimant.kind}, {claimant.relation})")
        return 0
    register = register_store.load_register(store)
    if args.action == "list":
        frame = claimants.register_frame(register)
        print(frame[["name", "kind", "country", "relation", "reliability"]].fillna("").to_string(index=False))
        return 0
    attribution = register.resolve(args.name)  # a name, an alias or a relayed text ("X via Y")
    name = attribution.originator if attribution.registered else None
    if name is None:
        raise ValueError(f"no registered claimant is called {args.name!r} (see `conflict-monitor claimants list`)")
    fields = claimants.claimant_fields(register.claimants[name])
    fields["country"] = claimants.country_name(fields["country"]) or ""
    relayed = sorted(r.claimant for r in register.relays.values() if r.originator == name)
    for column in claimants.CLAIMANT_COLUMNS:
        print(f"{column:>14}: {fields[column] or ''}")
    if relayed:
        print(f"{'relayed as':>14}: " + "; ".join(relayed))
    return 0


def _changes(store, args: argparse.Namespace) -> int:
    """The Changes page's list for the filter, as CSV (through the formula guard) or JSON, to standard output."""
    until = args.until or args.as_of  # --as-of (the filter's option) reads as --until here
    if until is not None and args.since >= until:
        raise ValueError(f"--since {args.since.isoformat()} is not before --until {until.isoformat()}")
    found = changes.changes_between(store, args.since, until)
    found = found.loc[_filter_from(args).mask(found)] if len(found) else found
    listed = changes.change_list(found)
    if args.format == "csv":
        sys.stdout.write(exports.csv_bytes(listed).decode("utf-8"))
    else:
        listed["recorded_at"] = listed["recorded_at"].map(lambda t: t.isoformat() + "Z" if pd.notna(t) else None)
        listed["event_date"] = listed["event_date"].map(lambda d: f"{d:%Y-%m-%d}" if pd.notna(d) else None)
        print(json.dumps(listed.to_dict("records"), ensure_ascii=False, indent=2, default=str))
    return 0


def _restore(url: str | None, args: argparse.Namespace) -> int:
    if url is None:
        raise StoreError("restore needs --db URL: the empty database to load the dump into")
    check_database_url(url)
    manifest = archive.read_manifest(args.path)  # a damaged dump is refused before any database is made
    store = EventStore(create_engine_for(url))  # not open_store: an empty database must stay unseeded
    try:
        done = archive.restore(store, args.path)
    finally:
        store.engine.dispose()
    print(
        f"restored {done.events:,} revisions and {done.batches:,} import batches from {args.path} "
        f"(dumped {manifest['dumped_at']}); revision token {done.revision_token}"
    )
    return 0


def database_files(store) -> list[Path]:
    """The files of the store's database (none for PostgreSQL): what no output may overwrite."""
    if store.engine.dialect.name != "sqlite":
        return []
    return safe_write.database_files(store.engine.url.database)


def _brief(store, args: argparse.Namespace) -> int:
    fmt = args.out.suffix.lower().lstrip(".")
    if fmt not in briefing.FORMATS:
        raise ValueError(f"{args.out}: the file name must end in .pdf or .html (the suffix picks the format)")
    protected = database_files(store)
    safe_write.check_target(args.out, force=args.force, protected=protected)  # before the work, not after
    request = briefing.BriefRequest(
        _filter_from(args), since=args.since, as_of=args.as_of, title=args.title, paper=args.paper, out=args.out.name
    )
    document = briefing.build_brief(store, request)
    try:
        data = briefing.render(document, fmt)
    except briefing.PdfUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    safe_write.write_bytes(args.out, data, force=args.force, protected=protected)
    print(f"brief written to {args.out} ({len(data):,} bytes; revision token {document.colophon.revision_token})")
    return 0


def _stats_text(stats: dict) -> str:
    lines = [
        f"database: {stats['database']}",
        f"events: {stats['events']} (revisions: {stats['revisions']})",
        f"dates: {stats['first_date']} – {stats['last_date']}",
        f"revision token: {stats['revision_token']}",
        "by category:",
    ]
    lines += [f"  {k}: {v}" for k, v in stats["by_category"].items()]
    lines += ["by origin:"] + [f"  {k}: {v}" for k, v in stats["by_origin"].items()]
    if stats.get("by_quality_flag"):
        lines += ["by quality flag:"] + [f"  {k}: {v}" for k, v in stats["by_quality_flag"].items()]
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
