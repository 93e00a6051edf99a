"""`python -m swarm_app.migrate`: the schema to this version's head, unless it is already ahead.

A database at a revision this code does not know was migrated by a newer version (an expand
migration, which the versions before it can run on): an older version deployed again (a rollback,
or blue kept warm) must not fail on it, and must not try to undo it. See the README, "Delivery".
"""

import sys

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from .db import get_engine
from .migrations_state import APP_DIR, head_revisions, known_revisions


def database_ahead() -> frozenset[str]:
    """The database's revisions when none is known to this code, else nothing."""
    with get_engine().connect() as conn:
        current = frozenset(MigrationContext.configure(conn).get_current_heads())
    return current if current and not (current & known_revisions()) else frozenset()


def main() -> int:
    ahead = database_ahead()
    if ahead:
        print(
            f"database at revision {', '.join(sorted(ahead))}, newer than this version's head "
            f"{', '.join(sorted(head_revisions()))} (a later version's expand migration): "
            "nothing to migrate"
        )
        return 0
    config = Config(str(APP_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(APP_DIR / "migrations"))
    command.upgrade(config, "head")
    return 0


if __name__ == "__main__":
    sys.exit(main())
