"""Alembic runs here, as the database owner. Three replicas may start together: an advisory
lock makes one migrate while the others wait, then find the schema at head and do nothing.
Afterwards the runtime role gets data privileges only (it can read and write rows, not alter
tables)."""

from alembic import context
from sqlalchemy import text

from swarm_app.db import get_engine
from swarm_app.models import Base
from swarm_app.settings import get_settings

MIGRATION_LOCK = 0x5A11AB


def grant_runtime_role(connection, role: str) -> None:  # type: ignore[no-untyped-def]
    quoted = connection.dialect.identifier_preparer.quote(role)
    connection.execute(
        text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
    )
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
    connection.execute(text(f"REVOKE ALL ON alembic_version FROM {quoted}"))
    connection.execute(text(f"GRANT SELECT ON alembic_version TO {quoted}"))


def run_migrations_online() -> None:
    with get_engine().connect() as connection:
        connection.execute(text("select pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        try:
            context.configure(connection=connection, target_metadata=Base.metadata)
            with context.begin_transaction():
                context.run_migrations()
            role = get_settings().db_runtime_role
            if role:
                grant_runtime_role(connection, role)
            connection.commit()
        finally:
            connection.execute(text("select pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            connection.commit()


run_migrations_online()
