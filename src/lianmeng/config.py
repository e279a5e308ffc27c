"""All settings in one place, read from environment variables (prefix ``LIANMENG_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "lianmeng-dev-secret-change-me-in-production"
DEVELOPMENT = "development"
POOL_RESERVE = 2  # connections beyond the request slots: the in-process jobs, and one spare


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIANMENG_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/lianmeng.db",
        description="SQLAlchemy URL; e.g. postgresql+psycopg://user@127.0.0.1:5432/lianmeng",
    )
    secret_key: str = Field(
        default=DEV_SECRET,
        description="Master secret: signs tokens and card QR codes, derives the phone encryption keys.",
    )
    retired_secret_keys: str = Field(
        default="",
        description="Earlier master secrets, comma separated, kept while `lianmeng keys rotate` moves the stored "
        "data to the current one (docs/operations-keys.md): they still decrypt, verify and look up; nothing new "
        "is written with them.",
    )
    env: str = Field(
        default="production",
        description="'development' allows the public development secret and `lianmeng otp peek`; anything else "
        "is production.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis for the login and one-time-code throttles (shared by every worker)."
    )
    access_token_minutes: int = Field(default=12 * 60, ge=1)
    member_token_minutes: int = Field(default=30 * 24 * 60, ge=1)
    otp_minutes: int = Field(default=5, ge=1)
    otp_max_attempts: int = Field(default=5, ge=1)
    idempotency_hours: int = Field(default=24, ge=24, description="How long Idempotency-Key records are kept.")
    idempotency_lock_seconds: int = Field(default=60, ge=1)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    otp_sender: str = Field(default="outbox", description="'outbox' (table + log) or 'module.path:factory'.")
    offer_senders: dict[str, str] = Field(
        default_factory=dict,
        description="Targeted offers: channel → 'module.path:factory' of its sender, as JSON, e.g. "
        '{"sms": "acme.sms:make_sender"}. A channel not listed writes to the outbox table and the log.',
    )
    default_language: str = Field(default="zh-CN")
    timezone: str = Field(default="Asia/Shanghai")
    jobs_interval_seconds: int = Field(default=300, ge=0, description="In-process job runs while serving; 0 = off")
    run_jobs: bool = Field(default=False, description="Run the scheduled jobs in the server's process every "
                           "`jobs_interval_seconds` (`lianmeng serve` turns it on).")
    jobs: Literal["inprocess", "worker"] = Field(
        default="inprocess",
        description="Who runs the scheduled jobs: 'inprocess' (a thread of `lianmeng serve`, the default, and always "
        "on SQLite) or 'worker' (PostgreSQL only: `lianmeng worker` processes, the server runs none).")
    sql_echo: bool = False
    group_commit_ms: float = Field(
        default=2.0, ge=0, le=50,
        description="Single orders (and, in batches of their own, redemptions and top-ups) arriving within this "
        "many milliseconds share one transaction (group commit, "
        "docs/benchmarks.md); a lone request never waits. 0 = off: one transaction per request.")
    group_commit_max_batch: int = Field(default=128, ge=1, le=1000, description="Most requests in one group commit.")
    principal_cache_seconds: float = Field(
        default=30.0, ge=0, le=300,
        description="How long a server process remembers who a bearer token or API key belongs to (0 = off). "
        "Logout, API-key revocation and user changes in the same process are seen at once; in another worker "
        "process within this many seconds.")
    webhooks_allow_loopback: bool = Field(
        default=False,
        description="Accept webhook endpoints on http://127.0.0.1 / http://localhost (tests, a local receiver). "
        "Always on when env is 'development'; production accepts https:// to public hosts only.")
    public_url: str | None = Field(
        default=None,
        description="Where the public reaches this server (https://lm.example.com), for links that leave the "
                    "building: claim links, QR codes and posters, outbound messages. Unset: the request's base URL.",
    )

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        """An absolute http(s) URL without query or fragment; kept without its trailing slash."""
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("LIANMENG_PUBLIC_URL must be an absolute http(s) URL such as https://lm.example.com")
        return value.strip().rstrip("/")

    @property
    def is_development(self) -> bool:
        return self.env == DEVELOPMENT

    def jobs_in_process(self, database_url: str | None = None) -> bool:
        """Whether the server runs the scheduled jobs itself: always on SQLite (no worker there), and on PostgreSQL
        unless LIANMENG_JOBS=worker."""
        url = database_url or self.database_url
        return self.jobs == "inprocess" or not url.startswith("postgresql")

    @property
    def uses_dev_secret(self) -> bool:
        return self.secret_key == DEV_SECRET

    @property
    def retired_secrets(self) -> tuple[str, ...]:
        """The retired master secrets, in the order given, without blanks or the current one."""
        parts = (part.strip() for part in self.retired_secret_keys.split(","))
        return tuple(dict.fromkeys(part for part in parts if part and part != self.secret_key))
    max_concurrent_requests: int = Field(
        default=16, ge=1, le=1000,
        description="Requests one server process works on at once; each holds one database connection and one "
        "worker thread. Others wait in the queue, then get 503 + Retry-After.")
    request_queue_depth: int = Field(default=512, ge=0, le=100_000,
                                     description="Requests that may wait for a slot; beyond it, 503 at once.")
    request_queue_seconds: float = Field(default=3.0, ge=0, le=60,
                                         description="Longest wait for a slot before 503 + Retry-After.")
    retry_after_seconds: int = Field(default=1, ge=1, le=3600, description="The Retry-After of a 503.")
    db_pool_size: int | None = Field(
        default=None, ge=1, le=10_000,
        description="Pooled database connections per process (the pool never overflows); default "
        "max_concurrent_requests + 2, and never fewer than max_concurrent_requests + 1.")

    @model_validator(mode="after")
    def _pool_fits_the_requests(self) -> Settings:
        if self.db_pool_size is not None and self.db_pool_size <= self.max_concurrent_requests:
            raise ValueError(
                f"LIANMENG_DB_POOL_SIZE ({self.db_pool_size}) must exceed LIANMENG_MAX_CONCURRENT_REQUESTS "
                f"({self.max_concurrent_requests}): each request in flight holds one connection, and the jobs "
                "need one more")
        return self

    @property
    def pool_size(self) -> int:
        return self.db_pool_size or self.max_concurrent_requests + POOL_RESERVE


@lru_cache
def get_settings() -> Settings:
    return Settings()
