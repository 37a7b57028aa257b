"""Schema creation and upgrades through Alembic migrations, for every back end.

The store calls :func:`upgrade` when it opens a database: a new database gets
every migration, an existing one only those it lacks. SQLite and PostgreSQL run
the same migration scripts (``dashboard/events/migrations/versions/``).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (no-op when it is there already)."""
    if current_revision(engine) == head_revision():
        return
    config = alembic_config()
    with engine.connect().execution_options(write=True) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()
