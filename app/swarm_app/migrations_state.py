"""Whether the database schema is at the newest Alembic revision."""

from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

APP_DIR = Path(__file__).resolve().parent.parent


@lru_cache
def head_revisions() -> frozenset[str]:
    config = Config(str(APP_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(APP_DIR / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def migrations_at_head(conn: Connection) -> bool:
    current = frozenset(MigrationContext.configure(conn).get_current_heads())
    return current == head_revisions()
