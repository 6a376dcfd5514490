"""Settings, read once from the environment and passed in (never a module global).

Like Starlette's ``Config(environ=...)``: :meth:`Settings.from_env` takes any mapping,
so tests build settings without touching ``os.environ``. A bad or missing value stops
the process with a :class:`ConfigError` that names the variable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"


class ConfigError(Exception):
    """A setting is invalid or missing; the message names the environment variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True, kw_only=True)
class SelfBuiltApp:
    """One org's own (self-built) app: corp id + app secret + callback credentials."""

    corp_id: str
    corp_secret: str = field(repr=False)
    agent_id: str
    callback_token: str = field(repr=False)
    callback_aes_key: str = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class SuiteApp:
    """A third-party suite (应用套件): one set of credentials for every installing org."""

    suite_id: str
    suite_secret: str = field(repr=False)
    token: str = field(repr=False)
    aes_key: str = field(repr=False)
    # The provider's own corp id (服务商的 CorpID, shown in the provider admin). WeCom
    # encrypts the GET that verifies the suite's command and data URLs with it as the
    # receive id (protocol reference §1); POSTs still carry the suite id / the corp id.
    provider_corp_id: str = ""
    # Which get_permanent_code to exchange auth codes with: "v1" (the original call,
    # which also hands over a corp token) or "v2" (WeCom's recommended path now:
    # v2/get_permanent_code, then v2/get_auth_info). v1 stays the default until the v2
    # answer's shape (⚠️ from the pages, not yet from a live install) is confirmed.
    permanent_code_api: str = "v1"


@dataclass(frozen=True, kw_only=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str = field(repr=False)
    wecom_api_base: str = DEFAULT_API_BASE
    self_built: SelfBuiltApp | None = None
    suite: SuiteApp | None = None
    # Callbacks whose URL timestamp is further than this from our clock are refused
    # (replay protection). WeCom retries within minutes, so 5 minutes either way is
    # generous; 0 turns the check off.
    callback_replay_window_s: int = 300
    callback_max_body_bytes: int = 64 * 1024
    # Run the inbox worker inside `serve` (the embedded default). With PostgreSQL you
    # may run `wecom-app worker` processes instead and set INBOX_WORKER=off.
    inbox_worker: bool = True
    inbox_max_attempts: int = 8
    log_level: str = "INFO"
    # Where browsers reach us (OAuth redirects, console links, the sidebar's JS-SDK URL).
    public_url: str = "http://127.0.0.1:8000"
    # Archive media files (images, voice, video, files) live here, by corp.
    media_dir: Path = Path("./data/media")
    media_max_bytes: int = 200 * 1024 * 1024
    # The chat archive source: "sdk" (libWeWorkFinanceSdk_C.so at finance_sdk_path) or
    # "simulator" (the built-in simulator's archive at archive_simulator_url).
    archive_source: str = "sdk"
    finance_sdk_path: str = ""
    archive_simulator_url: str = ""
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Console admins of the self-built org (WECOM_ADMIN_USERIDS, comma separated userids);
    # a suite-installed org's admin is the installing admin from its auth info.
    admin_userids: tuple[str, ...] = ()
    # The operator says this deployment is one process (SINGLE_PROCESS=1): PostgreSQL
    # without Redis is then allowed (KV, locks and job claims stay in the process).
    single_process: bool = False
    # The public IP this machine calls WeCom from (WECOM_EGRESS_IP): WeCom limits calls
    # per IP across tenants, counted per this value in Redis. Machines behind one NAT
    # share a value; the default counts every machine together (the safe side).
    egress_ip: str = "default"
    # The audit log's key (AUDIT_KEY; derived from SECRET_KEY under its own label when
    # unset) and where its signed checkpoint goes (AUDIT_CHECKPOINT_PATH, default
    # DATA_DIR/audit-checkpoint.json), written every AUDIT_CHECKPOINT_INTERVAL seconds.
    audit_key: str = field(default="", repr=False)
    audit_checkpoint_path: Path | None = None
    audit_checkpoint_interval_s: int = 3600

    @property
    def is_embedded(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("DATA_DIR", "./data"))
        database_url = _database_url(env.get("DATABASE_URL", ""), data_dir)
        redis_url = env.get("REDIS_URL") or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError("REDIS_URL", "must start with redis://, rediss:// or unix://")
        secret_key = env.get("SECRET_KEY", "")
        if not secret_key:
            if not database_url.startswith("sqlite"):
                raise ConfigError(
                    "SECRET_KEY",
                    "required when DATABASE_URL is not the embedded SQLite default "
                    "(every process must share it)",
                )
            secret_key = _embedded_secret_key(data_dir)
        elif len(secret_key) < 32:
            raise ConfigError("SECRET_KEY", "must be at least 32 characters")
        single_process = _bool(env, "SINGLE_PROCESS", False)
        if not database_url.startswith("sqlite") and not redis_url and not single_process:
            raise ConfigError(
                "REDIS_URL",
                "required with PostgreSQL: several processes share sessions, OAuth state, "
                "locks, job claims, token caches and WeCom's rate limits through it "
                "(set SINGLE_PROCESS=1 if this deployment really is one process)",
            )
        audit_key = env.get("AUDIT_KEY", "")
        if audit_key and len(audit_key) < 32:
            raise ConfigError("AUDIT_KEY", "must be at least 32 characters")
        api_base = env.get("WECOM_API_BASE", DEFAULT_API_BASE).rstrip("/")
        if not api_base.startswith(("http://", "https://")):
            raise ConfigError("WECOM_API_BASE", "must be an http(s) URL")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            redis_url=redis_url,
            secret_key=secret_key,
            wecom_api_base=api_base,
            self_built=_self_built(env),
            suite=_suite(env),
            callback_replay_window_s=_int(env, "CALLBACK_REPLAY_WINDOW", 300, minimum=0),
            callback_max_body_bytes=_int(env, "CALLBACK_MAX_BODY", 64 * 1024, minimum=1024),
            inbox_worker=_bool(env, "INBOX_WORKER", True),
            single_process=single_process,
            egress_ip=env.get("WECOM_EGRESS_IP", "").strip() or "default",
            inbox_max_attempts=_int(env, "INBOX_MAX_ATTEMPTS", 8, minimum=1),
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            public_url=_url(env, "PUBLIC_URL", "http://127.0.0.1:8000"),
            media_dir=Path(env.get("MEDIA_DIR") or data_dir / "media"),
            media_max_bytes=_int(env, "MEDIA_MAX_BYTES", 200 * 1024 * 1024, minimum=1024),
            archive_source=_choice(env, "ARCHIVE_SOURCE", "sdk", ("sdk", "simulator")),
            finance_sdk_path=env.get("WECOM_FINANCE_SDK", ""),
            archive_simulator_url=env.get("ARCHIVE_SIMULATOR_URL", ""),
            extra={k: v for k, v in env.items() if k.startswith("WECOM_APP_")},
            admin_userids=_userids(env, "WECOM_ADMIN_USERIDS"),
            audit_key=audit_key,
            audit_checkpoint_path=Path(env["AUDIT_CHECKPOINT_PATH"])
            if env.get("AUDIT_CHECKPOINT_PATH")
            else None,
            audit_checkpoint_interval_s=_int(env, "AUDIT_CHECKPOINT_INTERVAL", 3600, minimum=60),
        )


def _database_url(raw: str, data_dir: Path) -> str:
    if not raw:
        return f"sqlite://{data_dir / 'wecom.sqlite3'}"
    if raw.startswith("postgresql://"):
        raw = "postgres://" + raw[len("postgresql://") :]
    if not raw.startswith(("sqlite://", "postgres://")):
        raise ConfigError("DATABASE_URL", "must be sqlite://PATH or postgres(ql)://...")
    return raw


def _embedded_secret_key(data_dir: Path) -> str:
    """Generate once and keep the key beside the embedded database (mode 0600)."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(name, f"must be at least {minimum}")
    return value


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = (env.get(name) or default).rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ConfigError(name, "must be an http(s) URL")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name) or default
    if value not in choices:
        raise ConfigError(name, f"must be one of {', '.join(choices)}, not {value!r}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(name, f"must be on/off, not {raw!r}")


def _aes_key(name: str, value: str) -> str:
    from wecom_app.protocol.crypto import decode_aes_key
    from wecom_app.protocol.errors import AesKeyError

    try:
        decode_aes_key(value)
    except AesKeyError as exc:
        raise ConfigError(name, str(exc)) from None
    return value


def _group(env: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str] | None:
    present = {name: env.get(name, "") for name in names}
    if not any(present.values()):
        return None
    for name, value in present.items():
        if not value:
            others = ", ".join(n for n in names if n != name)
            raise ConfigError(name, f"is required together with {others}")
    return present


def _self_built(env: Mapping[str, str]) -> SelfBuiltApp | None:
    names = (
        "WECOM_CORP_ID",
        "WECOM_CORP_SECRET",
        "WECOM_AGENT_ID",
        "WECOM_CALLBACK_TOKEN",
        "WECOM_CALLBACK_AES_KEY",
    )
    values = _group(env, names)
    if values is None:
        return None
    return SelfBuiltApp(
        corp_id=values["WECOM_CORP_ID"],
        corp_secret=values["WECOM_CORP_SECRET"],
        agent_id=values["WECOM_AGENT_ID"],
        callback_token=values["WECOM_CALLBACK_TOKEN"],
        callback_aes_key=_aes_key("WECOM_CALLBACK_AES_KEY", values["WECOM_CALLBACK_AES_KEY"]),
    )


def _suite(env: Mapping[str, str]) -> SuiteApp | None:
    names = ("WECOM_SUITE_ID", "WECOM_SUITE_SECRET", "WECOM_SUITE_TOKEN", "WECOM_SUITE_AES_KEY")
    values = _group(env, names)
    if values is None:
        return None
    return SuiteApp(
        suite_id=values["WECOM_SUITE_ID"],
        suite_secret=values["WECOM_SUITE_SECRET"],
        token=values["WECOM_SUITE_TOKEN"],
        aes_key=_aes_key("WECOM_SUITE_AES_KEY", values["WECOM_SUITE_AES_KEY"]),
        provider_corp_id=_provider_corp_id(env),
        permanent_code_api=_choice(env, "WECOM_PERMANENT_CODE_API", "v1", ("v1", "v2")),
    )


def _provider_corp_id(env: Mapping[str, str]) -> str:
    value = env.get("WECOM_PROVIDER_CORP_ID", "").strip()
    if value and (len(value) > 64 or not value.isascii() or not value.isalnum()):
        raise ConfigError("WECOM_PROVIDER_CORP_ID", "is not a WeCom corp id")
    return value


def _userids(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma (or space) separated WeCom userids, in order, without duplicates."""
    raw = env.get(name, "")
    found: list[str] = []
    for part in raw.replace(",", " ").split():
        if len(part) > 64 or not part.isprintable():
            raise ConfigError(name, f"{part[:20]!r}... is not a WeCom userid")
        if part not in found:
            found.append(part)
    return tuple(found)
