"""One typed settings object, read from the environment (prefix HOTLINE_) and validated at start-up."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dispatch.city import DEFAULT_CITY, load_city

PACKAGE_DATA = Path(__file__).parent / "data"
DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    # Embedded default: SQLite file + in-process queue. Production: postgresql+psycopg://… + redis://…
    database_url: str = "sqlite:///var/hotline.db"
    redis_url: str | None = None
    # high availability (docs/high-availability.md): the Redis Sentinels, host:port comma-separated;
    # set, every Redis client talks to the primary they name for this master (dispatch/redis_conn.py),
    # and HOTLINE_REDIS_URL gives only the database number and the password
    redis_sentinels: str = ""
    redis_sentinel_master: str = "mymaster"
    # SQLAlchemy's pool per process (PostgreSQL): keep processes × (size + overflow) under the
    # server's max_connections
    db_pool_size: int = 10
    db_max_overflow: int = 20
    production: bool = False
    secret_key: str = DEV_SECRET
    token_minutes: int = 12 * 60
    var_dir: Path = Path("var")
    # the city: a folder under cities/ (or a path to one) whose files fill the settings below
    # that are not set themselves (dispatch/city.py)
    city: str = DEFAULT_CITY
    divisions_csv: Path | None = None
    departments_file: Path | None = None
    # renamed and merged places (alias,code); answered history (title,text,answered_by) that
    # the unit-routing model learns from (classifiers/units.py); without history, routing
    # picks departments by category
    aliases_file: Path | None = None
    routing_history: Path | None = None
    geo_file: Path | None = None               # county boundaries (GeoJSON) for the dashboard's map
    order_prefix: str = "GD"
    # the centre's time zone (IANA name): an order number carries the centre's date, not UTC's
    timezone: str = "Asia/Shanghai"
    # orders still "received" after this long are re-enqueued by the sweeper
    sweeper_stale_seconds: int = 60
    sweeper_interval_seconds: int = 15
    # intake hands new orders to routing in groups: one job per group (see dispatch/jobs/batcher.py).
    # A routing job costs about as much again per order when it holds one order as when it holds
    # twenty (bench_routing --batch), so a short wait that fills the groups buys throughput.
    # 200 ms, not 100: with every text classified, 500 calls/s kept p99 at 0.58-0.61 s instead
    # of 0.84-2.9 s; a call at 100/s reaches its handler about 0.1 s later (bench_e2e.py)
    intake_batch_size: int = 100
    intake_batch_ms: float = 200.0
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachment_types: str = "image/jpeg,image/png,image/webp,audio/mpeg,audio/amr,audio/wav,application/pdf"
    storage: str = "local"               # local | s3
    s3_endpoint: str | None = None
    s3_bucket: str = "hotline"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    queue_name: str = "hotline"
    # request bodies, 413 beyond: max_body_bytes for every body without a file (JSON, XML,
    # forms; the channels' text doors too), max_upload_body_bytes for the channel bodies that
    # carry photos as base64 (app reports, grid events and batches). A multipart upload of one
    # file (/attachments, /channels/attachments) may be attachment_max_bytes + 64 KiB.
    max_body_bytes: int = 1024 * 1024
    max_upload_body_bytes: int = 40 * 1024 * 1024
    # failed sign-ins per window before a client address must wait (dispatch/auth/throttle.py)
    login_window_seconds: int = 900
    login_failures_per_client: int = 30        # from one address, any accounts
    login_failures_per_account: int = 5        # on one account from one address
    login_failures_account_alarm: int = 100    # on one account from all: one each per address
    # the proxies whose X-Forwarded-For names the client (IPs or CIDRs, comma-separated), e.g.
    # nginx's address; empty: none, the peer address is the client (hotline/cli.py)
    trusted_proxies: str = ""
    limiter_timeout_seconds: float = 0.5       # Redis slower than this: count in-process
    channel_rate_per_minute: int = 3000        # public channel endpoints, per client address
    # citizens' status look-ups (dispatch/citizens): wrong guesses per window, as for sign-ins,
    # and every public request (status page, Open311) per client address and minute
    status_window_seconds: int = 900
    status_misses_per_client: int = 20         # from one address, any orders
    status_misses_per_order: int = 5           # on one order number from one address
    status_misses_order_alarm: int = 50        # on one order from all: one each per address
    rating_link_days: int = 15                 # the closure notice's rating link lasts this long
    public_rate_per_minute: int = 120
    json_logs: bool = False
    router: str = "classifier"                 # classifier | rule (channel hint + given place)
    # learning loop: the labelled base set a retraining starts from (None: the shipped messages),
    # and how many new dispatcher-labelled examples start a retraining by themselves (0: never)
    retrain_base_csv: Path | None = None
    retrain_after_examples: int = 0

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError):   # OSError: a folder (Asia)
            raise ValueError(f"HOTLINE_TIMEZONE {v!r} is not an IANA time zone") from None
        return v

    @model_validator(mode="after")
    def _city_fills_the_rest(self) -> "Settings":
        c = load_city(self.city)
        given = self.model_fields_set
        for name, value in (("divisions_csv", c.divisions_csv), ("departments_file", c.departments_file),
                            ("aliases_file", c.aliases_file), ("routing_history", c.routing_history),
                            ("geo_file", c.geo_file), ("order_prefix", c.order_prefix), ("timezone", c.time_zone)):
            if name not in given:
                object.__setattr__(self, name, value)
        return self

    @model_validator(mode="after")
    def _production_needs_real_parts(self) -> "Settings":
        if self.production:
            if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
                raise ValueError("HOTLINE_SECRET_KEY must be set (≥ 32 chars) in production mode")
            if not self.redis_url:
                raise ValueError("HOTLINE_REDIS_URL is required in production mode")
        if self.redis_sentinels and not self.redis_url:
            raise ValueError("HOTLINE_REDIS_SENTINELS needs HOTLINE_REDIS_URL (its database number "
                             "and password; the host is the primary the sentinels name)")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production mode needs PostgreSQL (HOTLINE_DATABASE_URL)")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def embedded_queue(self) -> bool:
        return not self.redis_url

    @property
    def allowed_attachment_types(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.attachment_types.split(",") if t.strip())


@lru_cache
def get_settings() -> Settings:
    return Settings()
