"""Whether the database schema is one this code can serve: at its newest Alembic revision, or ahead.

Migrations are expand-then-contract (the README, "Delivery"): a new version's migration only adds (a
nullable column, a table), so the version before it still serves on the new schema. During a
deploy the migrate job runs first, and the old version's tasks (blue, or those a rolling update has
not replaced yet) find a revision they do not know: that is a newer version's, and they stay ready.
A revision they know that is not their head means the schema is behind them: not ready.
"""

from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

APP_DIR = Path(__file__).resolve().parent.parent


@lru_cache
def _scripts() -> ScriptDirectory:
    config = Config(str(APP_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(APP_DIR / "migrations"))
    return ScriptDirectory.from_config(config)


@lru_cache
def head_revisions() -> frozenset[str]:
    return frozenset(_scripts().get_heads())


@lru_cache
def known_revisions() -> frozenset[str]:
    return frozenset(s.revision for s in _scripts().walk_revisions())


def migrations_at_head(conn: Connection) -> bool:
    """At this code's head, or at a revision it does not know (a newer version's expansion)."""
    current = frozenset(MigrationContext.configure(conn).get_current_heads())
    if current == head_revisions():
        return True
    return bool(current) and not (current & known_revisions())
