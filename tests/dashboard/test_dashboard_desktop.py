"""The dashboard inside the desktop app: signed in by the app's one-time link before any
password exists, and its "open the course" request, which only the desktop app answers."""

import pytest

from scorm_api import state
from scorm_api.dashboard import logins, passwords
from scorm_api.dashboard.routes import COURSE_WINDOWS

from tests.dashboard.hosts import CONTENT_HOST, csrf_of, get, post
from tests.support import assert_envelope

PATH = "/dashboard/desktop/course-windows"
LAUNCH = "http://localhost:3001/player/launch/abc"


class RecordingOpener:
    """Stands in for the desktop's windows here; tests/desktop drives the real ones."""

    def __init__(self):
        self.opened = []

    def open_course(self, url, title=None):
        if not url.startswith(("http://127.0.0.1:3001/", "http://localhost:3001/")):
            raise ValueError("only this appliance's launch links open in a course window")
        self.opened.append((url, title))


@pytest.fixture
def desktop(app, client):
    opener = RecordingOpener()
    state.of(app).hooks.add(COURSE_WINDOWS, opener)
    resp = get(client, f"/dashboard/auto-login?token={logins.one_time_token()}&shell=desktop")
    assert resp.status_code == 303
    return client, opener


def test_the_app_signs_in_before_any_password_exists(desktop):
    client, _ = desktop
    assert not passwords.is_set()
    page = get(client, "/dashboard/packages")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-shell="desktop"' in html and 'data-password-set="0"' in html
    # The first password needs no current one; after it, the current one is checked again.
    token = csrf_of(client)
    ok = post(
        client,
        "/dashboard/password",
        json={"current_password": "", "new_password": "a good password"},
        headers={"X-CSRF-Token": token},
    )
    assert ok.status_code == 200 and passwords.check("a good password")
    again = post(
        client,
        "/dashboard/password",
        json={"current_password": "", "new_password": "another one!"},
        headers={"X-CSRF-Token": token},
    )
    assert_envelope(again, 400, "VALIDATION_ERROR")
    # Without a sign-in, still the sign-in page.
    assert get(client.application.test_client(), "/dashboard/packages").status_code == 302


def test_course_windows_open_from_the_desktop_dashboard_only(desktop, app):
    client, opener = desktop
    token = csrf_of(client)
    ok = post(client, PATH, json={"url": LAUNCH, "title": "Ann · Golf"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and ok.get_json() == {"opened": True}
    assert opener.opened == [(LAUNCH, "Ann · Golf")]

    # Refused, with nothing opened: another site's link, no CSRF token, another site, a bad body,
    # the content origin (course code runs there), a browser that is not signed in.
    assert_envelope(
        post(client, PATH, json={"url": "http://evil.example/x"}, headers={"X-CSRF-Token": token}),
        400,
        "VALIDATION_ERROR",
    )
    assert_envelope(post(client, PATH, json={"url": LAUNCH}), 403, "FORBIDDEN")
    assert_envelope(
        post(
            client,
            PATH,
            json={"url": LAUNCH},
            headers={"X-CSRF-Token": token, "Origin": "http://evil.example"},
        ),
        403,
        "FORBIDDEN",
    )
    assert_envelope(
        post(client, PATH, json={"url": 5}, headers={"X-CSRF-Token": token}), 400, "VALIDATION_ERROR"
    )
    assert_envelope(
        post(client, PATH, data="{", content_type="application/json", headers={"X-CSRF-Token": token}),
        400,
        "BAD_REQUEST",
    )
    assert_envelope(
        post(client, PATH, host=CONTENT_HOST, json={"url": LAUNCH}, headers={"X-CSRF-Token": token}),
        403,
        "FORBIDDEN",
    )
    assert_envelope(post(client.application.test_client(), PATH, json={"url": LAUNCH}), 401, "UNAUTHORIZED")
    assert len(opener.opened) == 1

    # A browser signed in without the app's mark gets the browser's behaviour.
    other = client.application.test_client()
    get(other, f"/dashboard/auto-login?token={logins.one_time_token()}")
    assert 'data-shell=""' in get(other, "/dashboard/packages").get_data(as_text=True)


def test_outside_the_desktop_app_there_are_no_course_windows(app, client):
    get(client, f"/dashboard/auto-login?token={logins.one_time_token()}&shell=desktop")
    assert 'data-shell=""' in get(client, "/dashboard/packages").get_data(as_text=True)
    assert_envelope(
        post(client, PATH, json={"url": LAUNCH}, headers={"X-CSRF-Token": csrf_of(client)}), 404, "NOT_FOUND"
    )
