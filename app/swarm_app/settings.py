"""Settings read once from the environment; secrets come from files (Docker secrets)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _from_file(value: SecretStr | None, path: Path | None) -> SecretStr | None:
    if value is None and path is not None:
        return SecretStr(path.read_text().strip())
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", extra="ignore")

    # Several hosts make libpq try each in turn; with target_session_attrs=read-write it
    # connects to whichever is the primary, so a failover needs no configuration change.
    db_hosts: str = "localhost"
    # Optional hosts for reads (a replica); empty means reads go to the primary.
    db_read_hosts: str = ""
    db_port: int = 5432
    db_name: str = "app"
    db_user: str = "app"
    db_password: SecretStr | None = None
    db_password_file: Path | None = None
    db_sslmode: str = "prefer"
    # The CA that signed the server's certificate (with sslmode verify-ca or verify-full).
    db_sslrootcert: str = ""
    db_target_session_attrs: str = "read-write"
    db_connect_timeout: int = Field(default=3, ge=1)
    db_pool_size: int = Field(default=10, ge=1)
    # How long a new connection keeps trying (a failover or switchover in progress).
    db_connect_retry_seconds: float = Field(default=5.0, ge=0, le=60)
    # Role that migrations grant table privileges to (the runtime role, which cannot alter tables).
    db_runtime_role: str = ""

    jwt_secret: SecretStr | None = None
    jwt_secret_file: Path | None = None
    jwt_ttl_seconds: int = Field(default=3600, ge=60, le=86_400)
    # Wrong passwords per account before logins to it are refused (429) for the rest of the window.
    login_max_failures: int = Field(default=5, ge=1)
    login_failure_window_s: float = Field(default=60, gt=0)
    # argon2 computations at once per process (64 MiB each), and how long the others wait.
    hash_concurrency: int = Field(default=2, ge=1)
    hash_wait_s: float = Field(default=5, ge=0)
    admin_email: str = "admin@lab.localhost"
    admin_password: SecretStr | None = None
    admin_password_file: Path | None = None

    # How long a write's Idempotency-Key replays its first answer.
    idempotency_window_s: int = Field(default=86_400, ge=60, le=7 * 86_400)

    cors_origins: list[str] = []
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_import_rows: int = Field(default=10_000, ge=1)
    log_level: str = "INFO"
    # Present while the task drains before a shutdown (written by the entrypoint on SIGTERM).
    drain_file: Path = Path("/tmp/draining")  # noqa: S108 (a flag file, nothing is read from it)

    @model_validator(mode="after")
    def _read_files(self) -> "Settings":
        self.db_password = _from_file(self.db_password, self.db_password_file)
        self.jwt_secret = _from_file(self.jwt_secret, self.jwt_secret_file)
        self.admin_password = _from_file(self.admin_password, self.admin_password_file)
        return self

    def conninfo(self, hosts: str | None = None, attrs: str | None = None) -> str:
        host_list = [h.strip() for h in (hosts or self.db_hosts).split(",") if h.strip()]
        parts = {
            "host": ",".join(host_list),
            "port": ",".join([str(self.db_port)] * len(host_list)),
            "dbname": self.db_name,
            "user": self.db_user,
            "sslmode": self.db_sslmode,
            "target_session_attrs": attrs or self.db_target_session_attrs,
            "connect_timeout": str(self.db_connect_timeout),
            "application_name": "swarm-app",
        }
        if self.db_sslrootcert:
            parts["sslrootcert"] = self.db_sslrootcert
        if self.db_password is not None:
            parts["password"] = self.db_password.get_secret_value()
        return " ".join(f"{k}='{_quote(v)}'" for k, v in parts.items())

    def read_conninfo(self) -> str:
        if not self.db_read_hosts:
            return self.conninfo()
        # prefer-standby: a replica when one answers, the primary otherwise.
        return self.conninfo(self.db_read_hosts, "prefer-standby")


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


@lru_cache
def get_settings() -> Settings:
    return Settings()
