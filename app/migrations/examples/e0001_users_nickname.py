"""Example of an expand migration (not applied by the app: see the README, "Delivery").

Expand, then contract. This step only adds: a nullable column with no default that the running
version does not know of. The version before it keeps working on the new schema (its queries name
their columns; its inserts leave the column NULL), so the migrate job can run before the new
version starts, and blue (or the tasks a rolling update has not replaced yet) stays ready.
The contract step comes in a later deploy, once no running version writes without the column:
backfill it, then make it NOT NULL (or drop the column it replaces).

Revision ID: e0001
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "e0001"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "nickname")
