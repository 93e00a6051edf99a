"""Property-based run of the OpenAPI schema against the app and a real Postgres:
whatever the input, no 5xx. Signed in as admin so every operation is reached."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from swarm_app.bootstrap import ensure_admin
from swarm_app.main import create_app

from .conftest import ADMIN_EMAIL, ADMIN_PASSWORD

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(migrated: str):  # type: ignore[no-untyped-def]
    ensure_admin()
    return schemathesis.openapi.from_asgi("/openapi.json", create_app())


@pytest.fixture
def admin_headers(api_schema) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(api_schema.app) as c:
        r = c.post("/auth/token", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40")),
    deadline=None,
    # Deterministic in `npm test`; `npm run fuzz:app` runs a longer random search.
    derandomize=os.environ.get("SCHEMATHESIS_RANDOM") != "1",
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case, admin_headers) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers=admin_headers, checks=[not_a_server_error])
