"""Dashboard sign-in, the first-run password, the Host check (DNS rebinding, content origin),
and CSRF on everything that changes state: over HTTP, against a real SQLite data dir."""

import re
import subprocess
import sys

import pytest

from scorm_api.dashboard import logins, passwords, routes
from scorm_api.dashboard.routes import attempts

from tests.dashboard.hosts import CONTENT_HOST, HOST, csrf_of, get, post
from tests.support import assert_envelope

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fresh_attempts():
    attempts.reset()
    yield
    attempts.reset()


def form_token(client) -> str:
    page = get(client, "/dashboard/login").get_data(as_text=True)
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def sign_in(client, password=PASSWORD, confirm=None):
    data = {"form_token": form_token(client), "password": password}
    if confirm is not None:
        data["confirm"] = confirm
    return post(client, "/dashboard/login", data=data)


@pytest.fixture
def signed_in(client):
    passwords.set_password(PASSWORD)
    resp = sign_in(client)
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return client


def test_first_run_chooses_the_password_then_signs_in(client):
    page = get(client, "/dashboard/login").get_data(as_text=True)
    assert "Choose the password" in page and 'name="confirm"' in page
    assert get(client, "/dashboard/packages").headers["Location"].endswith("/dashboard/login")
    assert get(client, "/").headers["Location"].endswith("/dashboard/packages")

    assert "at least 8 characters" in sign_in(client, "short", "short").get_data(as_text=True)
    assert "differ" in sign_in(client, PASSWORD, PASSWORD + "x").get_data(as_text=True)
    assert not passwords.is_set()

    resp = sign_in(client, PASSWORD, PASSWORD)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/dashboard/packages")
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith(logins.COOKIE + "=") and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie and "Domain" not in cookie and "Path=/" in cookie
    assert passwords.is_set() and passwords.check(PASSWORD) and not passwords.check("nope")
    page = get(client, "/dashboard/packages")
    assert page.status_code == 200 and page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    # Once a password exists the setup form is gone: nobody else can choose it.
    client.delete_cookie(logins.COOKIE, domain="127.0.0.1")
    assert 'name="confirm"' not in get(client, "/dashboard/login").get_data(as_text=True)


def sign_in_from(client, address, password):
    data = {"form_token": form_token(client), "password": password}
    return post(client, "/dashboard/login", data=data, environ_base={"REMOTE_ADDR": address})


def test_wrong_passwords_are_refused_then_slowed_down(client):
    passwords.set_password(PASSWORD)
    for _ in range(attempts.per_client):
        assert sign_in(client, "wrong password").status_code == 401
    assert_envelope(sign_in(client, PASSWORD), 429, "RATE_LIMIT_EXCEEDED")
    attempts.reset()
    assert sign_in(client, PASSWORD).status_code == 303


def test_one_guesser_does_not_lock_the_operator_out(client):
    """The throttle is per client address: five wrong passwords from a machine on the LAN
    slow that machine down, not the operator at another one."""
    passwords.set_password(PASSWORD)
    for _ in range(attempts.per_client):
        assert sign_in_from(client, "192.168.1.50", "guess").status_code == 401
    refused = sign_in_from(client, "192.168.1.50", PASSWORD)
    assert_envelope(refused, 429, "RATE_LIMIT_EXCEEDED")
    assert 0 < int(refused.headers["Retry-After"]) <= 61
    assert sign_in_from(client, "192.168.1.7", PASSWORD).status_code == 303


def test_a_spray_from_many_addresses_is_stopped_but_not_at_this_computer(client):
    passwords.set_password(PASSWORD)
    for n in range(attempts.spray):  # one guess each from many machines: under the per-address cap
        assert sign_in_from(client, f"10.0.{n // 250}.{n % 250 + 1}", "guess").status_code == 401
    # Now every address waits, a fresh one included, even with the right password...
    assert_envelope(sign_in_from(client, "10.9.9.9", PASSWORD), 429, "RATE_LIMIT_EXCEEDED")
    assert_envelope(sign_in_from(client, "10.0.0.1", "guess"), 429, "RATE_LIMIT_EXCEEDED")
    # ...but the person at this computer (loopback) can still sign in.
    assert sign_in_from(client, "127.0.0.1", PASSWORD).status_code == 303


def test_the_login_form_needs_its_own_token(client):
    passwords.set_password(PASSWORD)
    resp = post(client, "/dashboard/login", data={"password": PASSWORD, "form_token": "forged"})
    assert_envelope(resp, 401, "UNAUTHORIZED")
    resp = post(
        client,
        "/dashboard/login",
        data={"password": PASSWORD, "form_token": form_token(client)},
        headers={"Origin": "http://evil.example"},
    )
    assert_envelope(resp, 403, "FORBIDDEN")


@pytest.mark.parametrize("host", [CONTENT_HOST, "evil.example", "127.0.0.1.nip.io:3001", "127.0.0.1:3002"])
def test_dashboard_answers_only_on_its_own_host(app, signed_in, host):
    assert_envelope(get(signed_in, "/dashboard/login", host=host), 403, "FORBIDDEN")
    assert_envelope(get(signed_in, "/dashboard/packages", host=host), 403, "FORBIDDEN")
    # Browsers keep the host-only cookie to its host; even sent by hand, it does not work on
    # the API under another Host (DNS rebinding: a hostile name resolving to 127.0.0.1).
    cookie = signed_in.get_cookie(logins.COOKIE, domain="127.0.0.1").value
    by_hand = app.test_client(use_cookies=False)
    headers = {"Cookie": f"{logins.COOKIE}={cookie}"}
    assert get(by_hand, "/api/v1/packages", headers=headers).status_code == 200
    assert_envelope(get(by_hand, "/api/v1/packages", host=host, headers=headers), 403, "FORBIDDEN")


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("path", ["/", "/dashboard/packages", "/dashboard/login"])
def test_a_browser_at_another_address_is_shown_the_way_to_the_dashboard(signed_in, path):
    """At the content origin an API client still gets the JSON refusal; a browser gets a page
    that names the appliance and links to the dashboard's address, with the same status, and
    nothing of the dashboard (no stylesheet, no script, no token)."""
    json = {"Accept": "application/json"}
    assert_envelope(get(signed_in, path, host=CONTENT_HOST, headers=json), 403, "FORBIDDEN")
    assert_envelope(get(signed_in, path, host=CONTENT_HOST), 403, "FORBIDDEN")  # no Accept at all
    page = get(signed_in, path, host=CONTENT_HOST, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 403 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "<h1>SCORM API appliance</h1>" in text
    assert (
        '<a href="http://127.0.0.1:3001/dashboard/">' in text
        and "on the computer the appliance runs on" in text
    )
    assert "<script" not in text and "stylesheet" not in text and "csrf" not in text
    assert f"<style>{routes.ELSEWHERE_STYLE}</style>" in text  # as its hash in the policy allows
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none';")
    # On the dashboard's own address "/" leads into it, as before.
    home = get(signed_in, "/", headers={"Accept": BROWSER_ACCEPT})
    assert home.status_code == 302 and home.headers["Location"].endswith("/dashboard/packages")


def test_the_rest_api_accepts_the_sign_in_with_its_csrf_token(signed_in):
    token = csrf_of(signed_in)
    assert get(signed_in, "/api/v1/packages").status_code == 200  # reads need no token
    body = {"name": "from the dashboard", "scopes": ["read"]}
    assert_envelope(post(signed_in, "/api/v1/api-keys", json=body), 403, "FORBIDDEN")
    assert_envelope(
        post(signed_in, "/api/v1/api-keys", json=body, headers={"X-CSRF-Token": "x" * 43}), 403, "FORBIDDEN"
    )
    assert_envelope(
        post(
            signed_in,
            "/api/v1/api-keys",
            json=body,
            headers={"X-CSRF-Token": token, "Origin": "http://evil.example"},
        ),
        403,
        "FORBIDDEN",
    )
    assert_envelope(
        post(
            signed_in,
            "/api/v1/api-keys",
            json=body,
            headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"},
        ),
        403,
        "FORBIDDEN",
    )
    ok = post(
        signed_in,
        "/api/v1/api-keys",
        json=body,
        headers={"X-CSRF-Token": token, "Origin": "http://" + HOST, "Sec-Fetch-Site": "same-origin"},
    )
    assert ok.status_code == 201 and ok.get_json()["api_key"].startswith("ac_live_")
    # Same validation as for an API key: the dashboard has no back door.
    bad = post(signed_in, "/api/v1/api-keys", json={"scopes": ["root"]}, headers={"X-CSRF-Token": token})
    assert_envelope(bad, 400, "VALIDATION_ERROR")


def test_sign_out_needs_the_token_and_ends_the_sign_in(signed_in):
    token = csrf_of(signed_in)
    assert_envelope(post(signed_in, "/dashboard/logout", data={}), 403, "FORBIDDEN")
    resp = post(signed_in, "/dashboard/logout", data={"csrf_token": token})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/dashboard/login")
    assert get(signed_in, "/dashboard/packages").headers["Location"].endswith("/dashboard/login")


def test_an_old_cookie_is_401_on_the_api(signed_in):
    cookie = signed_in.get_cookie(logins.COOKIE, domain="127.0.0.1")
    logins.end(cookie.value)
    assert_envelope(get(signed_in, "/api/v1/packages"), 401, "UNAUTHORIZED")


def test_change_password_signs_other_browsers_out(app, signed_in):
    other = app.test_client()
    sign_in(other)
    token = csrf_of(signed_in)
    wrong = post(
        signed_in,
        "/dashboard/password",
        headers={"X-CSRF-Token": token},
        json={"current_password": "nope", "new_password": "another password"},
    )
    assert_envelope(wrong, 400, "VALIDATION_ERROR")
    assert_envelope(
        post(
            signed_in,
            "/dashboard/password",
            json={"current_password": PASSWORD, "new_password": "another password"},
        ),
        403,
        "FORBIDDEN",
    )
    short = post(
        signed_in,
        "/dashboard/password",
        headers={"X-CSRF-Token": token},
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert_envelope(short, 400, "VALIDATION_ERROR")
    ok = post(
        signed_in,
        "/dashboard/password",
        headers={"X-CSRF-Token": token},
        json={"current_password": PASSWORD, "new_password": "another password"},
    )
    assert ok.status_code == 200 and ok.get_json() == {"changed": True}
    assert get(signed_in, "/api/v1/packages").status_code == 200  # this browser stays in
    assert_envelope(get(other, "/api/v1/packages"), 401, "UNAUTHORIZED")
    assert passwords.check("another password") and not passwords.check(PASSWORD)


def test_cli_sets_the_password_without_a_prompt(tmp_path):
    data_dir = tmp_path / "data"
    run = lambda pw: subprocess.run(
        [
            sys.executable,
            "-m",
            "scorm_api",
            "admin",
            "set-password",
            "--password-stdin",
            "--data-dir",
            str(data_dir),
        ],
        input=pw + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    done = run("scripted install pw")
    assert done.returncode == 0 and "Dashboard password set." in done.stdout
    refused = run("short")
    assert refused.returncode != 0 and "at least 8 characters" in refused.stderr
    from scorm_api.config import Settings
    from scorm_api.factory import open_data_dir

    open_data_dir(Settings(data_dir=data_dir))
    assert passwords.check("scripted install pw")


def test_password_hashes_are_salted_scrypt():
    a, b = passwords.hash_password(PASSWORD), passwords.hash_password(PASSWORD)
    assert a != b and a.startswith("scrypt$") and PASSWORD not in a
    assert passwords.verify_password(PASSWORD, a) and not passwords.verify_password(PASSWORD + "!", a)
    assert not passwords.verify_password(PASSWORD, "garbage") and not passwords.verify_password(
        PASSWORD, "md5$x$y$z$a$b"
    )


def test_one_time_sign_in_link(client, tmp_path):
    passwords.set_password(PASSWORD)
    token = logins.one_time_token()
    resp = get(client, f"/dashboard/auto-login?token={token}")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/dashboard/packages")
    assert "HttpOnly" in resp.headers["Set-Cookie"]
    assert get(client, "/dashboard/packages").status_code == 200
    # Spent: a second use (another browser) goes to the sign-in page, without a cookie.
    again = get(client.application.test_client(), f"/dashboard/auto-login?token={token}")
    assert again.headers["Location"].endswith("/dashboard/login") and "Set-Cookie" not in again.headers
    assert get(client, "/dashboard/auto-login?token=forged").headers["Location"].endswith("/dashboard/login")


def test_a_one_time_token_is_not_a_sign_in_cookie(client):
    """The link's token must not work as the session cookie, before or after its use."""
    passwords.set_password(PASSWORD)
    token = logins.one_time_token()
    client.set_cookie(logins.COOKIE, token, domain="127.0.0.1")
    page = get(client, "/dashboard/packages")
    assert page.status_code in (302, 303) and "/dashboard/login" in page.headers["Location"]
    api = get(client, "/api/v1/packages")
    assert_envelope(api, 401, "UNAUTHORIZED")
    # Still unspent by that: redeeming it now works, once, and gives a different cookie.
    fresh = get(client.application.test_client(), f"/dashboard/auto-login?token={token}")
    assert fresh.headers["Location"].endswith("/dashboard/packages")
    assert token not in fresh.headers["Set-Cookie"]
    assert logins.redeem(token) is None


def test_two_browsers_racing_with_one_link_get_one_sign_in(app):
    import threading

    passwords.set_password(PASSWORD)
    token = logins.one_time_token()
    results, start = [], threading.Barrier(8)

    def redeem():
        start.wait()
        with app.app_context():
            results.append(logins.redeem(token))

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1


def test_cli_prints_a_sign_in_link(tmp_path):
    data_dir = tmp_path / "data"
    out = subprocess.run(
        [sys.executable, "-m", "scorm_api", "admin", "sign-in-link", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    link = out.stdout.strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:3001/dashboard/auto-login\?token=[\w-]{40,}", link)
    from scorm_api.config import Settings
    from scorm_api.factory import open_data_dir

    open_data_dir(Settings(data_dir=data_dir))
    assert logins.redeem(link.rsplit("=", 1)[1]) is not None
