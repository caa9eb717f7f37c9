"""Configuration: ``config.toml`` validated with pydantic; every key can be overridden by an
environment variable ``PASSERELLE_<SECTION>__<KEY>`` (secrets such as the Discord token)."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from bot.config_layers import deep_merge, environment_layer
from bot.core.durations import parse_duration
from bot.core.errors import UserError

DEFAULT_CONFIG = Path("config.toml")


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    try:
        return parse_duration(str(value))
    except UserError:
        raise ValueError(
            f"expected a duration such as 30s, 15m, 6h or 2d, got {value!r}"
        ) from None


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BotSection(Section):
    locale: Literal["fr", "en"] = "fr"
    timezone: str = "Europe/Paris"
    prefix: str = Field("!", min_length=1, max_length=3)
    community: str = "Passerelle"
    # French typography (narrow no-break space before : ; ! ? and inside « »): off only for
    # clients whose fonts draw U+202F badly.
    french_typography: bool = True

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception:
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/Paris)") from None
        return value


class CoreSection(Section):
    #: Seconds a connection's owner may stay silent before a standby process takes it over
    #: (the owner renews its lease every third of this).
    failover_seconds: float = Field(15.0, ge=0.3, le=3600)


class DatabaseSection(Section):
    url: str = "sqlite+aiosqlite:///passerelle.db"
    auto_migrate: bool | None = None  # default: on for SQLite, off for PostgreSQL
    # Log every SQL statement *with its parameters* (member names, message texts): only for
    # debugging, never by default.
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        from bot.storage.db import DatabaseURLError, normalize_url

        try:
            normalize_url(value)
        except DatabaseURLError as exc:
            raise ValueError(str(exc)) from None
        return value


class OutboxSection(Section):
    grace: Duration = timedelta(hours=6)
    late_after: Duration = timedelta(seconds=30)
    poll_interval: Duration = timedelta(seconds=30)
    lease: Duration = timedelta(minutes=5)
    backoff: Duration = timedelta(seconds=5)
    max_attempts: int = Field(8, ge=1, le=100)
    batch_size: int = Field(100, ge=1, le=5000)
    concurrency: int = Field(8, ge=1, le=256)
    dm_fallback: Literal["room", "none"] = "room"
    #: Days a sent message is kept (its text sits next to its recipient) before housekeeping
    #: deletes it; never less than the grace window (see ``keep_sent_for``).
    keep_sent: int = Field(7, ge=1, le=3650)

    @property
    def keep_sent_for(self) -> timedelta:
        # A row's key is what stops a message being queued twice: it must outlive the grace
        # window, or a key queued again could be sent again.
        return max(timedelta(days=self.keep_sent), self.grace)

    @property
    def grace_seconds(self) -> float:
        return self.grace.total_seconds()

    @property
    def late_after_seconds(self) -> float:
        return self.late_after.total_seconds()

    @property
    def lease_seconds(self) -> float:
        return self.lease.total_seconds()

    @property
    def backoff_seconds(self) -> float:
        return self.backoff.total_seconds()


class ConsoleSection(Section):
    room: str = "general"
    members: list[str] = ["alice", "bob"]
    moderators: list[str] = ["mod"]
    admins: list[str] = ["admin"]
    files_dir: str = "passerelle-files"
    color: bool | None = None  # default: when writing to a terminal


class RolesMapping(Section):
    member: list[str] = []
    moderator: list[str] = []
    admin: list[str] = []


class DiscordSection(Section):
    enabled: bool = False
    token: str = ""
    application_id: str | None = None
    # The community's server: roles and permissions are read from it alone, and commands from
    # anywhere else are refused (required when enabled; see check_platforms).
    guild_id: str | None = None
    # Leave every other server the bot is added to (at start-up and on join); false keeps
    # them, commands there are still refused.
    leave_other_guilds: bool = True
    api_base: str | None = None
    gateway_url: str | None = None
    announce_channel: str | None = None
    roles: RolesMapping = RolesMapping()
    # Where the last synced command digest is kept (default: next to the SQLite file, else
    # ./discord-commands.json); commands are re-synced only when it changes.
    sync_state: str | None = None
    defer_after: float = Field(2.0, gt=0, le=2.8)  # seconds before an interaction is deferred
    defer_when_busy: int = Field(20, ge=0)  # more interactions in flight: defer them at once
    guild_ready_timeout: float = Field(2.0, ge=0)
    ready_timeout: float = Field(60.0, gt=0)  # how long start-up waits for READY
    max_ratelimit_timeout: float | None = Field(30.0, ge=30)  # longer 429 waits → RateLimited
    # REST calls per second this process allows itself for sends, DMs and edits (Discord's
    # global limit is 50/s per bot: divide it between processes, keep some headroom for clock
    # jitter); 0 = only react to 429s.
    global_rate: float = Field(48.0, ge=0)
    # Read room messages (Discord's privileged Message Content intent: enable it in the
    # developer portal first) so links shared during a live café reach its report.
    message_content: bool = False
    # Gateway shards of the bot (Discord sends a server's events on shard
    # (guild_id >> 22) % shard_count, DMs on shard 0); each is owned by one process through the
    # lease discord:shard:<i> (1: the single lease discord:gateway, as before sharding).
    shard_count: int = Field(1, ge=1)
    # At most this many shards in this process (0: every free one); the others stand by.
    shards_per_process: int = Field(0, ge=0)


class MatrixSection(Section):
    enabled: bool = False
    homeserver: str = ""
    user_id: str = ""
    access_token: str = ""
    password: str = ""
    device_id: str | None = None
    store_path: str = "matrix-store"
    rooms: list[str] = []  # the community: required when enabled (roles come only from here)
    allowed_inviters: list[str] = []
    announce_room: str | None = None
    moderator_power: int = 50
    admin_power: int = 100
    # Added with the Matrix adapter (docs/matrix.md):
    device_name: str = "Passerelle"
    encryption: bool | None = None  # None: on when the e2e extra (vodozemac) is installed
    encrypt_direct_rooms: bool = True  # new DM rooms are encrypted when encryption is on
    timeline_limit: int = Field(100, ge=10, le=1000)
    sync_timeout: Duration = timedelta(seconds=30)
    manage_power_levels: bool = False  # grant_role raises power levels in `rooms`
    poll_event_type: Literal["org.matrix.msc3381.poll.start", "m.poll.start"] = (
        "org.matrix.msc3381.poll.start"
    )
    errors_in_room: bool = True  # error replies answer in the room, other private replies by DM
    # A private reply goes by DM; the 📩 reaction on the command tells the room so, at most
    # once per member and room in this many minutes (0: on every private reply).
    dm_hint_minutes: int = Field(default=30, ge=0, le=24 * 60)


#: The web server's default port: not one development tools usually take (8000, 8080, 8888).
DEFAULT_WEB_PORT = 8470


class WebSection(Section):
    """The web server in the bot process: health, metrics, calendar feeds. On by default,
    on the loopback interface only; ``port = 0`` takes any free port (tests)."""

    enabled: bool = True
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(DEFAULT_WEB_PORT, ge=0, le=65535)
    base_url: str = ""  # the address members open (behind a proxy); empty: http://host:port
    session_hours: int = Field(12, ge=1, le=24 * 30)  # a dashboard login lasts this long

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", value):
            raise ValueError(
                "expected an http:// or https:// address, e.g. https://bot.example.org"
            )
        return value.rstrip("/")

    @property
    def public_url(self) -> str:
        if self.base_url:
            return self.base_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


class EmailSection(Section):
    """The send-only e-mail channel (``bot.adapters.email``): members who confirmed an address
    may get café reminders and the digest by e-mail (``me email``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(587, ge=1, le=65535)
    username: str = ""
    password: str = ""
    sender: str = Field("", alias="from")  # the From header, e.g. "Passerelle <bot@example.org>"
    starttls: bool = True  # upgrade the connection with STARTTLS (port 587); off for a local relay
    timeout: float = Field(30.0, gt=0, le=300)  # seconds for one SMTP exchange
    # Messages per second this process sends at most (mail hosts throttle or flag bursts);
    # 0 = no pacing.
    rate: float = Field(5.0, ge=0)
    code_minutes: int = Field(60, ge=5, le=7 * 24 * 60)  # a confirmation code/link lasts this
    max_codes_per_day: int = Field(5, ge=1, le=50)  # confirmation e-mails per member and day

    @field_validator("sender")
    @classmethod
    def _mailbox(cls, value: str) -> str:
        from email.utils import parseaddr

        value = value.strip()
        if value and "@" not in parseaddr(value)[1]:
            raise ValueError('expected an address, e.g. "Passerelle <bot@example.org>"')
        return value


class CogsSection(BaseModel):
    """``enabled`` plus one ``[cogs.<name>]`` table per cog, validated by the cog's Settings."""

    model_config = ConfigDict(extra="allow")

    enabled: list[str] | None = None  # None: every cog shipped in cogs/

    def enabled_names(self) -> list[str]:
        return list(self.enabled) if self.enabled is not None else available_cogs()

    def section(self, name: str) -> dict[str, Any]:
        return dict((self.model_extra or {}).get(name) or {})


class Settings(BaseModel):
    """The whole configuration. Built by ``load_settings`` from the TOML file, then the
    environment (``PASSERELLE_<SECTION>__<KEY>``), then explicit overrides — each layer
    deep-merged over the one before."""

    model_config = ConfigDict(extra="forbid")

    bot: BotSection = BotSection()
    core: CoreSection = CoreSection()
    database: DatabaseSection = DatabaseSection()
    outbox: OutboxSection = OutboxSection()
    console: ConsoleSection = ConsoleSection()
    discord: DiscordSection = DiscordSection()
    matrix: MatrixSection = MatrixSection()
    web: WebSection = WebSection()
    email: EmailSection = EmailSection()
    cogs: CogsSection = CogsSection()


class ConfigError(Exception):
    """Every problem found, each naming its key and what is expected."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings(
    path: str | Path | None = None, *, lang: str | None = None, **overrides: Any
) -> Settings:
    """Read config (file if given or ``./config.toml`` if present) + environment; validate
    every section, including each cog's. Raises ConfigError, its problems in the operator's
    language (``lang``: ``--lang``; else the locale variables)."""
    from bot.config_problems import operator_t, problems_from

    if path is None:
        env_path = os.environ.get("PASSERELLE_CONFIG")
        path = (
            Path(env_path) if env_path else (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
        )
    data: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise ConfigError([operator_t(lang)("{path} : fichier introuvable", path=path)])
        try:
            import tomllib

            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problem = operator_t(lang)("{path} : TOML invalide : {error}", path=path, error=exc)
            raise ConfigError([problem]) from None
    data = _cog_sections_at_top(data)
    data = deep_merge(data, environment_layer(os.environ, set(Settings.model_fields)))
    data = deep_merge(data, overrides)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_from(exc, operator_t(lang))) from None
    from bot.config_checks import check_cog_sections, check_platforms

    problems = check_platforms(settings, lang) + check_cog_sections(settings, lang)
    if problems:
        raise ConfigError(problems)
    return settings


def _cog_sections_at_top(data: dict[str, Any]) -> dict[str, Any]:
    """A cog's section may also be written at the top level (``[digest]`` for
    ``[cogs.digest]``, as the issue and older configs spell it): it is read as the cog's
    section, and ``[cogs.<name>]`` wins where both set a key."""
    strays = [key for key in data if key not in Settings.model_fields]
    if not strays:
        return data
    names = set(available_cogs())
    moved = {key: data[key] for key in strays if key in names and isinstance(data[key], dict)}
    if not moved:
        return data  # unknown sections are reported by validation
    rest = {key: value for key, value in data.items() if key not in moved}
    return deep_merge(rest, {"cogs": deep_merge(moved, dict(rest.get("cogs", {})))})


def available_cogs() -> list[str]:
    from bot.storage.registry import cog_packages

    return cog_packages()
