"""Shared fixtures: an app on a temp data dir, keys and tenants, and real servers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scorm_api import state
from scorm_api.config import Settings
from scorm_api.factory import create_app
from scorm_api.tenants import services

# Helper modules that hold checks moved out of test modules: pytest rewrites their asserts as
# it does a test module's, so a failing check still shows its values (this must run first).
pytest.register_assert_rewrite(
    "tests.support",
    "tests.desktop.journey",
    "tests.sessions.live_player",
    "tests.sessions.runtime",
    "tests.sync.support",
    "tests.webhooks.support",
)

from tests.support import CHROMIUM, CHROMIUM_ARGS, LiveServer, bearer, require, start_server  # noqa: E402

# Fixtures that tests in more than one folder use, kept with their area; pytest takes
# pytest_plugins only from this, the root conftest.
pytest_plugins = ["tests.desktop.fixtures", "tests.sync.fixtures", "tests.webhooks.fixtures"]


@pytest.fixture
def make_settings(tmp_path):
    def make(**overrides) -> Settings:
        base = dict(data_dir=tmp_path / "data", log_requests=False)
        base.update(overrides)
        return Settings(**base)

    return make


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin_key(app) -> str:
    """The first-run admin key of the system tenant."""
    return state.of(app).first_run_key.plaintext


@dataclass
class TenantKeys:
    tenant_id: str
    keys: dict[str, str] = field(default_factory=dict)  # scope label -> plaintext

    def headers(self, label: str = "admin") -> dict:
        return bearer(self.keys[label])


@pytest.fixture
def make_tenant(app):
    """A non-system tenant with an admin, a read, a write and a read+write key."""

    def make(name: str = "Tenant") -> TenantKeys:
        tenant = services.create_tenant(name)
        tk = TenantKeys(tenant.id)
        for label, scopes in (
            ("admin", "read,write,admin"),
            ("read", "read"),
            ("write", "write"),
            ("rw", "read,write"),
        ):
            tk.keys[label] = services.create_api_key(tenant.id, scopes).plaintext
        return tk

    return make


# ---- real servers --------------------------------------------------------------------


@pytest.fixture
def live_server_factory(tmp_path):
    servers: list[LiveServer] = []

    def factory(*args, data_dir: Path | None = None, **kw) -> LiveServer:
        srv = start_server(data_dir or tmp_path / f"srv{len(servers)}", *args, **kw)
        servers.append(srv)
        return srv

    yield factory
    for srv in servers:
        if srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait(10)


@pytest.fixture
def live_server(live_server_factory) -> LiveServer:
    return live_server_factory()


# ---- browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser).

    Skips where Chromium is absent, unless SCORM_API_REQUIRE_BROWSER=1 (set by .ci/run), in
    which case a missing browser is a failure, not a silent skip.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require("playwright (pip install -e '.[test]')", sync_playwright is not None, "SCORM_API_REQUIRE_BROWSER")
    require(f"{CHROMIUM} (apt-get install chromium)", Path(CHROMIUM).exists(), "SCORM_API_REQUIRE_BROWSER")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def offline_page(browser):
    """A page whose every request to a host other than loopback is aborted and recorded,
    as if the network cable were pulled."""
    from urllib.parse import urlsplit

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.external_requests = []
    page.failed_local = []

    def route(r):
        host = urlsplit(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost", "::1"):
            r.continue_()
        else:
            page.external_requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on(
        "response",
        lambda resp: page.failed_local.append(f"{resp.status} {resp.url}") if resp.status >= 400 else None,
    )
    yield page
    context.close()
