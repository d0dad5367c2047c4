"""The one object an app's parts share: settings (as started and as changed by the operator),
the data dir's secret and the signer made from it, storage, rate limits, the job registry and
the hooks the domains plug into.

`create_app` builds it and hands it to every domain's `init_app`; a request reaches it with
`current()`, a job as its argument, a test with `of(app)`. Nothing else is kept in
`app.extensions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, current_app

from scorm_api.config import Settings
from scorm_api.hooks import Hooks
from scorm_api.jobs import JobRegistry
from scorm_api.ratelimit import RateLimiter, TenantLimits
from scorm_api.signing import Signer, load_or_create_instance_id, load_or_create_secret
from scorm_api.storage import LocalStorage, Storage

EXTENSION = "scorm_api"


class IssuedSecret(Protocol):
    """A credential shown once (the first-run admin key)."""

    @property
    def plaintext(self) -> str: ...


Task = Callable[["State"], Any]


@dataclass(eq=False)
class State:
    base_settings: Settings  # defaults, environment, command line
    settings: Settings  # base_settings with the operator's changes laid over (admin domain)
    secret: bytes
    instance_id: str  # this data dir's identity (signing.INSTANCE_ID_FILE)
    signer: Signer
    storage: Storage
    rate_limits: TenantLimits
    jobs: JobRegistry = field(default_factory=JobRegistry)
    hooks: Hooks = field(default_factory=Hooks)
    # Run each time the data dir is opened (server, desktop or a CLI command), in domain order.
    on_open: list[Task] = field(default_factory=list)
    # Run when a server starts on the data dir (it holds the instance lock, so no other server
    # is using it): clean-ups of what a crash left half-done.
    on_serve: list[Task] = field(default_factory=list)
    first_run_key: IssuedSecret | None = None  # set when this start created the admin key
    openapi_doc: dict[str, Any] | None = None  # built on first request: routes are fixed by then

    @classmethod
    def create(cls, settings: Settings, rate_limiter: RateLimiter | None = None) -> State:
        secret = load_or_create_secret(settings.data_dir)
        return cls(
            base_settings=settings,
            settings=settings,
            secret=secret,
            instance_id=load_or_create_instance_id(settings.data_dir, secret),
            signer=Signer(secret),
            storage=LocalStorage(settings, secret),
            rate_limits=TenantLimits(settings, rate_limiter),
        )

    def apply_settings(self, settings: Settings) -> None:
        """New live settings (the operator's changes): every request after sees them."""
        self.settings = settings
        self.rate_limits.configure(settings)

    def open(self) -> None:
        for task in self.on_open:
            task(self)

    def serve(self) -> None:
        for task in self.on_serve:
            task(self)


def of(app: Flask) -> State:
    state: State = app.extensions[EXTENSION]
    return state


def current() -> State:
    """The state of the app handling this request."""
    state: State = current_app.extensions[EXTENSION]
    return state
