"""How the domains wire themselves: everything comes from their init_app, nothing from being
imported, and a CLI command's data dir (open_state, no web app) is wired the same way."""

from scorm_api import state
from scorm_api.factory import CORE_ROUTES, DOMAINS, create_app, open_state
from scorm_api.state import State


def registered(s: State) -> dict:
    return {
        "jobs": sorted(s.jobs.handlers),
        "periodic": sorted(s.jobs.periodic),
        "workers": sorted(s.jobs.workers),
        "hooks": sorted((hook.name, len(impls)) for hook, impls in s.hooks._impls.items()),
        "on_open": len(s.on_open),
        "on_serve": [t.__qualname__ for t in s.on_serve],
    }


def test_the_domains_register_jobs_periodic_tasks_hooks_and_tasks(app):
    wired = registered(state.of(app))
    assert wired["jobs"] == ["generate_dispatch_zip", "process_package"]
    assert wired["periodic"] == ["backup-schedule", "sync-schedule", "xapi-analytics-fold"]
    assert wired["workers"] == ["webhooks-deliver"]
    assert ("endpoint: who a request acts as", 2) in wired["hooks"]  # API keys, then the cookie
    assert wired["on_open"] == 3 and wired["on_serve"] == ["sweep", "remember_serving"]


def test_importing_every_domain_registers_nothing(settings):
    """Only init_app wires: a State made after every module was imported is empty."""
    for name in (*CORE_ROUTES, *DOMAINS):
        __import__(name)
    settings.ensure_dirs()
    fresh = State.create(settings)
    assert registered(fresh) == {
        "jobs": [],
        "periodic": [],
        "workers": [],
        "hooks": [],
        "on_open": 0,
        "on_serve": [],
    }


def test_a_cli_command_opens_the_data_dir_wired_as_the_server(settings):
    served = registered(state.of(create_app(settings)))
    assert registered(open_state(settings)) == served
