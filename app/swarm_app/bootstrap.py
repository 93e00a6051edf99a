"""Once per deploy, after migrations: make sure the configured admin exists.

python -m swarm_app.bootstrap
"""

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import get_engine
from .models import Role, User
from .security import hash_password
from .settings import get_settings

log = logging.getLogger("swarm_app.bootstrap")


def ensure_admin() -> bool:
    """Creates the admin when missing; True when it was created."""
    settings = get_settings()
    if settings.admin_password is None:
        log.warning("no APP_ADMIN_PASSWORD(_FILE): no admin created")
        return False
    email = settings.admin_email.lower()
    with Session(get_engine()) as session:
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            return False
        session.add(
            User(
                email=email,
                full_name="Lab admin",
                role=Role.admin,
                password_hash=hash_password(settings.admin_password.get_secret_value()),
            )
        )
        session.commit()
        return True


if __name__ == "__main__":
    logging.basicConfig(level="INFO")
    print("admin created" if ensure_admin() else "admin present")
