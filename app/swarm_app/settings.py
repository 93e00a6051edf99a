"""Settings read once from the environment; secrets come from files (Docker secrets)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", extra="ignore")

    # Several hosts make libpq try each in turn; with target_session_attrs=read-write it
    # connects to whichever is the primary, so a failover needs no configuration change.
    db_hosts: str = "localhost"
    db_port: int = 5432
    db_name: str = "app"
    db_user: str = "app"
    db_password: SecretStr | None = None
    db_password_file: Path | None = None
    db_sslmode: str = "prefer"
    db_target_session_attrs: str = "read-write"
    db_connect_timeout: int = Field(default=3, ge=1)
    db_pool_size: int = Field(default=5, ge=1)
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _read_password_file(self) -> "Settings":
        if self.db_password is None and self.db_password_file is not None:
            self.db_password = SecretStr(self.db_password_file.read_text().strip())
        return self

    def conninfo(self) -> str:
        hosts = [h.strip() for h in self.db_hosts.split(",") if h.strip()]
        parts = {
            "host": ",".join(hosts),
            "port": ",".join([str(self.db_port)] * len(hosts)),
            "dbname": self.db_name,
            "user": self.db_user,
            "sslmode": self.db_sslmode,
            "target_session_attrs": self.db_target_session_attrs,
            "connect_timeout": str(self.db_connect_timeout),
            "application_name": "swarm-app",
        }
        if self.db_password is not None:
            parts["password"] = self.db_password.get_secret_value()
        return " ".join(f"{k}='{_quote(v)}'" for k, v in parts.items())


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


@lru_cache
def get_settings() -> Settings:
    return Settings()
