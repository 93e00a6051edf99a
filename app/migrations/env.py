"""Alembic runs here. Three replicas may start together: an advisory lock makes one migrate
while the others wait, then find the schema at head and do nothing."""

from alembic import context
from sqlalchemy import text

from swarm_app.db import get_engine
from swarm_app.models import Base

MIGRATION_LOCK = 0x5A11AB


def run_migrations_online() -> None:
    with get_engine().connect() as connection:
        connection.execute(text("select pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        try:
            context.configure(connection=connection, target_metadata=Base.metadata)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            connection.execute(text("select pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            connection.commit()


run_migrations_online()
