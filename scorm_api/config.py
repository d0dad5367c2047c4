"""Settings: one frozen object built from defaults, environment (SCORM_API_*) and CLI flags.

Every setting has a default that works on a laptop with no set-up. The object is passed to
create_app(); nothing imports it as a global.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

ENV_PREFIX = "SCORM_API_"
MiB = 1024 * 1024
XAPI_VERSIONS = ("1.0.3", "2.0.0")  # what the LRS can speak, oldest first


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("scorm-api", appauthor=False))


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = 3001
    # None means SQLite in the data dir; otherwise a peewee db_url (postgresql://...).
    database_url: str | None = None
    threads: int = 8
    # Connections (connections.py; README "Limits"): in all, per client address, how long a
    # request's headers may take to arrive, and how long a kept-alive connection may idle.
    max_connections: int = 1000
    max_connections_per_client: int = 64
    header_timeout_seconds: int = 10
    idle_timeout_seconds: int = 60
    # Below this many free bytes on the data dir's disk, health says "degraded" and the
    # dashboard warns (disk.py); a full disk answers 507 to writes.
    disk_low_bytes: int = 512 * MiB
    # Cap for JSON request bodies; uploads have their own caps.
    max_body_bytes: int = 1 * MiB
    rate_limits_enabled: bool = True
    rate_limit_read: int = 1000
    rate_limit_write: int = 100
    rate_limit_upload: int = 10
    rate_limit_window_seconds: int = 60
    # Public base URL used in links the API hands out (launch URLs, presigned URLs).
    public_url: str | None = None
    # Course content and the player are served on their own origin, so course code can never
    # ride the dashboard's login. None: the other spelling of the loopback host (localhost
    # when the API is on 127.0.0.1, and the other way round) on the same port.
    content_url: str | None = None
    launch_link_ttl_seconds: int = 15 * 60
    runtime_ttl_seconds: int = 24 * 3600
    # Packages
    max_upload_bytes: int = 200 * MiB  # multipart POST /packages/upload
    max_package_bytes: int = 4096 * MiB  # presigned PUT
    sync_process_max_bytes: int = 32 * MiB  # bigger packages are processed in the background
    upload_url_ttl_seconds: int = 3600
    max_sync_file_bytes: int = 64 * 1024 * MiB  # a sync file sent to POST /sync/imports
    zip_max_files: int = 20_000
    zip_max_unpacked_bytes: int = 8192 * MiB
    zip_max_ratio: int = 200
    # Webhooks: a session's progress event waits this long, taking newer progress in (one
    # delivery per interval); a failed delivery is tried again after this, doubling; a
    # receiver that has not answered within the timeout is a failed try (retried).
    webhook_progress_interval_seconds: float = 10.0
    webhook_retry_base_seconds: float = 10.0
    webhook_timeout_seconds: float = 10.0
    # xAPI: statements sent multipart/mixed with their attachments may be this large.
    max_xapi_attachments_bytes: int = 32 * MiB
    # The xAPI versions the LRS at /xapi/ accepts, oldest first. A request without the version
    # header is answered in the newest (a 1.0.3-only LRS answers it in 1.0.3).
    xapi_versions: str = "1.0.3,2.0.0"
    # What one session may accumulate, over all its commits (sessions/limits.py; README
    # "Limits"): per item, its CMI elements and the characters of their names and values; per
    # session, the characters of all its items; its runtime call log, in bytes (the oldest
    # batches are dropped beyond it, not refused).
    session_max_elements: int = 5000
    session_max_item_chars: int = 2 * MiB
    session_max_chars: int = 8 * MiB
    call_log_max_bytes: int = 4 * MiB
    log_file: Path | None = None
    log_requests: bool = True
    # "cloud": answer our extensions (contract.py) as unknown routes, as the cloud would; a
    # stand-in for the cloud, e.g. as a sync target in tests. "appliance": serve everything.
    contract: str = "appliance"
    # Origins (comma-separated, e.g. https://lms.example.com) whose pages may call the REST
    # API and PUT uploads from a browser (cors.py). Empty: none.
    cors_origins: str = ""

    def __post_init__(self) -> None:
        if self.contract not in ("appliance", "cloud"):
            raise SettingsError(f"{ENV_PREFIX}CONTRACT must be appliance or cloud, got {self.contract!r}")
        versions = [v.strip() for v in self.xapi_versions.split(",") if v.strip()]
        if not versions or set(versions) - set(XAPI_VERSIONS):
            raise SettingsError(
                f"{ENV_PREFIX}XAPI_VERSIONS must list some of "
                f"{', '.join(XAPI_VERSIONS)}, got {self.xapi_versions!r}"
            )

    @functools.cached_property
    def xapi_version_list(self) -> tuple[str, ...]:
        """The enabled xAPI versions, oldest first (read on every LRS request: parsed once)."""
        wanted = {v.strip() for v in self.xapi_versions.split(",")}
        return tuple(v for v in XAPI_VERSIONS if v in wanted)

    # ---- derived paths (the data-dir layout) -------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.data_dir / "scorm-api.db"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.db_path}"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def content_base_url(self) -> str:
        if self.content_url:
            return self.content_url.rstrip("/")
        if self.public_url:
            return self.base_url
        other = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}.get(self.host, self.host)
        return f"http://{other}:{self.port}"

    def ensure_dirs(self) -> None:
        for d in (
            self.data_dir,
            self.files_dir,
            self.tmp_dir,
            self.logs_dir,
            self.files_dir / "uploads",
            self.files_dir / "packages",
        ):
            d.mkdir(parents=True, exist_ok=True)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["database_url"] = redact_url(self.effective_database_url)
        return {k: str(v) if isinstance(v, Path) else v for k, v in out.items()}


def redact_url(url: str) -> str:
    """Hide a password in a database URL before printing it."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off"}


class SettingsError(ValueError):
    pass


def _coerce(f: dataclasses.Field[Any], raw: str) -> bool | int | float | Path | str:
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    name = ENV_PREFIX + f.name.upper()
    if kind.startswith("bool"):
        low = raw.strip().lower()
        if low in _BOOL_TRUE:
            return True
        if low in _BOOL_FALSE:
            return False
        raise SettingsError(f"{name} must be one of on/off/true/false/1/0, got {raw!r}")
    if kind.startswith("int"):
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
        if value < 0:
            raise SettingsError(f"{name} must not be negative, got {value}")
        return value
    if kind.startswith("float"):
        try:
            number = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None
        if not number >= 0:  # also NaN
            raise SettingsError(f"{name} must not be negative, got {raw!r}")
        return number
    if kind.startswith("Path"):
        return Path(raw).expanduser()
    return raw


def settings_from_env(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then SCORM_API_* variables, then explicit overrides (CLI flags; None = unset)."""
    source: Mapping[str, str] = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        raw = source.get(ENV_PREFIX + f.name.upper())
        if raw is not None and raw != "":
            values[f.name] = _coerce(f, raw)
    for k, v in overrides.items():
        if v is not None:
            values[k] = Path(v).expanduser() if k in ("data_dir", "log_file") else v
    return Settings(**values)
