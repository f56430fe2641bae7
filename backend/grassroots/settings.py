"""Typed settings, read once from GRASSROOTS_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_SECRET = "dev-insecure-secret-change-me"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str = DEFAULT_SECRET
    broker_url: str = "memory://"
    env: str = "development"
    # Apply pending schema migrations at start-up; off, the app refuses to start on an
    # outdated schema and `grassroots migrate` applies them. Default: on for SQLite.
    migrate_on_start: bool = True
    # Production hides GraphiQL and introspection unless these say otherwise.
    graphiql: bool = True
    introspection: bool = True
    token_ttl_hours: int = 24 * 14
    # How long a resolved case waits for the reporter's rating before staff may close it.
    rating_wait_days: int = 3
    scheduler_interval_seconds: float = 15.0
    # How long the escalation lease lasts unrenewed: when its holder dies, another process
    # takes over within this (plus one interval). Longer than one escalation batch takes.
    scheduler_lease_seconds: float = 60.0
    # The city's time zone: "today" on the dashboard and the days its counters add up by.
    timezone: str = "Asia/Shanghai"
    # How often the event hub reads the log without a wake-up (covers lost broker messages).
    live_poll_seconds: float = 2.0
    # How long a process trusts a token it has checked (workflow/token_cache.py); a revoked
    # token is dropped at once everywhere it hears of it. 0 checks the database every time.
    auth_cache_seconds: float = 5.0
    max_upload_bytes: int = 10 * 1024 * 1024
    # How long before a service task starts a member may still cancel their sign-up.
    assignment_cancel_minutes: int = 120
    max_photos_per_case: int = 6
    # Webhooks: a failed delivery is retried after base·2^(n-1) seconds, at most cap; after
    # max attempts in a row the webhook pauses until resumed.
    webhook_timeout_seconds: float = 10.0
    webhook_retry_base_seconds: float = 5.0
    webhook_retry_cap_seconds: float = 3600.0
    webhook_max_attempts: int = 15
    # Webhooks to loopback or private addresses (SSRF into the server's network) are refused
    # in production unless allowed here; development allows them for local receivers.
    webhook_allow_private: bool = True
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    # Objects one query may touch (see graphql/limits.py); the cost is reported in extensions.
    max_query_cost: int = 50_000
    # Per client address for login, per token (or address) for other mutations.
    rate_limit_login_per_minute: int = 30
    rate_limit_mutations_per_minute: int = 600
    frontend_dir: Path = field(
        default_factory=lambda: Path(__file__).resolve().parents[2] / "frontend" / "dist"
    )

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("GRASSROOTS_DATA_DIR") or "./data").resolve()
        database_url = (
            env.get("GRASSROOTS_DATABASE_URL") or f"sqlite://{data_dir / 'grassroots.db'}"
        )
        mode = env.get("GRASSROOTS_ENV", "development")
        if mode not in {"development", "production"}:
            raise ValueError("GRASSROOTS_ENV must be 'development' or 'production'")
        production = mode == "production"
        values: dict[str, object] = {
            "data_dir": data_dir,
            "database_url": database_url,
            "secret_key": env.get("GRASSROOTS_SECRET_KEY") or DEFAULT_SECRET,
            "broker_url": env.get("GRASSROOTS_BROKER_URL") or "memory://",
            "env": mode,
            "migrate_on_start": _bool(
                env.get("GRASSROOTS_MIGRATE_ON_START"), database_url.startswith("sqlite://")
            ),
            "graphiql": _bool(env.get("GRASSROOTS_GRAPHIQL"), not production),
            "introspection": _bool(env.get("GRASSROOTS_INTROSPECTION"), not production),
            "scheduler_interval_seconds": float(env.get("GRASSROOTS_SCHEDULER_INTERVAL", "15")),
            "scheduler_lease_seconds": float(env.get("GRASSROOTS_SCHEDULER_LEASE_SECONDS", "60")),
            "rating_wait_days": int(env.get("GRASSROOTS_RATING_WAIT_DAYS", "3")),
            "timezone": env.get("GRASSROOTS_TIMEZONE") or "Asia/Shanghai",
            "live_poll_seconds": float(env.get("GRASSROOTS_LIVE_POLL_SECONDS", "2")),
            "auth_cache_seconds": float(env.get("GRASSROOTS_AUTH_CACHE_SECONDS", "5")),
            "assignment_cancel_minutes": int(
                env.get("GRASSROOTS_ASSIGNMENT_CANCEL_MINUTES", "120")
            ),
            "max_query_cost": int(env.get("GRASSROOTS_MAX_QUERY_COST", "50000")),
            "rate_limit_login_per_minute": int(env.get("GRASSROOTS_RATE_LIMIT_LOGIN", "30")),
            "rate_limit_mutations_per_minute": int(
                env.get("GRASSROOTS_RATE_LIMIT_MUTATIONS", "600")
            ),
            "webhook_timeout_seconds": float(env.get("GRASSROOTS_WEBHOOK_TIMEOUT", "10")),
            "webhook_retry_base_seconds": float(env.get("GRASSROOTS_WEBHOOK_RETRY_BASE", "5")),
            "webhook_retry_cap_seconds": float(env.get("GRASSROOTS_WEBHOOK_RETRY_CAP", "3600")),
            "webhook_max_attempts": int(env.get("GRASSROOTS_WEBHOOK_MAX_ATTEMPTS", "15")),
            "webhook_allow_private": _bool(
                env.get("GRASSROOTS_WEBHOOK_ALLOW_PRIVATE"), default=not production
            ),
        }
        if env.get("GRASSROOTS_FRONTEND_DIR"):
            values["frontend_dir"] = Path(env["GRASSROOTS_FRONTEND_DIR"]).resolve()
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.production and self.secret_key == DEFAULT_SECRET:
            raise ValueError("GRASSROOTS_SECRET_KEY must be set in production")
        if not self.broker_url.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("GRASSROOTS_BROKER_URL must be memory:// or redis://…")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"GRASSROOTS_TIMEZONE {self.timezone!r} is not a known time zone"
            ) from exc
