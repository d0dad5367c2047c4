"""The whole life of the desktop app on a virtual screen, from the first window to a clean
stop: run by the source test (tests/desktop) and the binary test (tests/test_binary.py)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time

import requests

from tests.desktop.support import DesktopApp, start_desktop
from tests.support import fixture, free_port, wait_until

COURSE = "golf_scorm12_runtime_basic.zip"


def api_key(cmd: list[str], data_dir) -> str:
    out = subprocess.run(
        [*cmd, "keys", "create", "--data-dir", str(data_dir), "--scopes", "read,write,admin", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["api_key"]


def upload(url: str, key: str) -> dict:
    with fixture(COURSE).open("rb") as f:
        r = requests.post(
            url + "/api/v1/packages/upload",
            headers={"Authorization": f"Bearer {key}"},
            files={"file": (COURSE, f, "application/zip")},
            timeout=60,
        )
    assert r.status_code in (200, 201), r.text
    return r.json()


def sessions(url: str, key: str) -> list[dict]:
    r = requests.get(
        url + "/api/v1/sessions?limit=100&previews=true",  # the Preview's session is one of them
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()["sessions"]


def session_cmi(url: str, key: str, session_id: str) -> dict:
    r = requests.get(
        f"{url}/api/v1/sessions/{session_id}", headers={"Authorization": f"Bearer {key}"}, timeout=30
    )
    assert r.status_code == 200, r.text
    return r.json()["session"]["cmi_data"] or {}


def click_preview(app: DesktopApp, dashboard, package_id: str) -> None:
    dashboard.evaluate(f"location.href = '/dashboard/packages/{package_id}'")
    page = app.page(
        lambda p: p.url.endswith(f"/dashboard/packages/{package_id}") and "Packages" not in p.title[:1]
    )
    wait_until(
        lambda: page.evaluate(
            "!![...document.querySelectorAll('button')].find(b => b.textContent === 'Preview' && !b.disabled)"
        ),
        30,
    )
    page.evaluate("[...document.querySelectorAll('button')].find(b => b.textContent === 'Preview').click()")


def player_pages(app: DesktopApp) -> list:
    return [p for p in app.pages() if "/player/" in p.url or "/launch/" in p.url]


def run_desktop_journey(cmd: list[str], screen, tmp_path, name: str) -> None:
    """Shared by the source and the binary tests: the whole life of the desktop app."""
    data_dir = tmp_path / "data"
    app = start_desktop(cmd, data_dir, screen, free_port(), tmp_path)
    try:
        # The window opens signed in: the dashboard, not the sign-in page.
        dashboard = app.page(lambda p: p.title.startswith("Packages ·"), 60)
        wait_until(
            lambda: dashboard.evaluate(
                "document.querySelector('main h1') && document.querySelector('main h1').textContent"
            ),
            30,
        )
        assert dashboard.evaluate("document.getElementById('main').dataset.shell") == "desktop"
        # Painted, not blank: the rendered dashboard has text, buttons and borders in many shades.
        wait_until(lambda: screen.screenshot(f"{name}-dashboard")[1] > 50, 20, interval=0.5)
        assert "SCORM API appliance" in " ".join(screen.window_titles())

        key = api_key(cmd, data_dir)
        package = upload(app.url, key)

        # A course opened from the dashboard opens in a window of the app, and plays there.
        click_preview(app, dashboard, package["id"])
        player = app.page(lambda p: "/player/" in p.url or "/launch/" in p.url, 30)
        wait_until(
            lambda: player.evaluate("!!document.body && document.body.innerText.includes('Tracking')"), 30
        )
        assert any(t.startswith("Preview · ") for t in screen.window_titles())
        time.sleep(1.5)  # let the course paint its first page, for the screenshot
        screen.screenshot(f"{name}-course-window")
        # What a learner did last, never committed by the course: closing the window sends it.
        player.evaluate("window.API.LMSSetValue('cmi.suspend_data', 'closed-from-the-desktop')")
        screen.close_window("Preview · ", until=lambda: not player_pages(app))

        preview = next(x for x in sessions(app.url, key) if x["user_id"] == "dashboard-preview")
        wait_until(
            lambda: (
                session_cmi(app.url, key, preview["id"]).get("cmi.suspend_data") == "closed-from-the-desktop"
            ),
            20,
        )

        # The dashboard shows the app's log file.
        dashboard.evaluate("location.href = '/dashboard/logs'")
        logs = app.page(lambda p: p.title.startswith("Logs ·"), 30)
        wait_until(
            lambda: logs.evaluate(
                "!!document.body && document.body.innerText.includes('course window opened')"
            ),
            30,
        )
        time.sleep(1)  # painted, for the screenshot
        screen.screenshot(f"{name}-logs")

        # A second launch opens a window on the running instance: no second server.
        second = subprocess.run(
            [*cmd, "desktop", "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**__import__("os").environ, "DISPLAY": screen.display},
        )
        assert second.returncode == 0, second.stdout + second.stderr
        assert "The SCORM API appliance is already running on" in second.stdout
        assert "Opened a window on the running instance, in front." in second.stdout
        assert second.stderr.strip() == "", second.stderr  # once "Cannot use uninitialized Proxy"
        wait_until(lambda: len([p for p in app.pages() if "/dashboard/" in p.url]) == 2, 30)
        assert app.owns(json.loads((data_dir / "instance.json").read_text())["pid"])

        # Closing every dashboard window, with a course still open, closes it gently, then
        # stops the server cleanly.
        dashboard = app.page(lambda p: p.title.startswith("Packages ·"))
        click_preview(app, dashboard, package["id"])
        player = app.page(lambda p: "/player/" in p.url or "/launch/" in p.url, 30)
        wait_until(
            lambda: player.evaluate("!!document.body && document.body.innerText.includes('Tracking')"), 30
        )
        player.evaluate("window.API.LMSSetValue('cmi.suspend_data', 'closed-with-the-app')")
        screen.close_window("SCORM API appliance", until=lambda: app.proc.poll() is not None)
        assert app.wait(60) == 0, app.output()
        out = app.output()
        assert "Stopped." in out and "Traceback" not in out, out
        assert not (data_dir / "instance.json").exists()
        # Every commit reached the database, and the WAL was folded back at a clean close.
        wal = data_dir / "scorm-api.db-wal"
        assert not wal.exists() or wal.stat().st_size == 0
        with sqlite3.connect(data_dir / "scorm-api.db") as db:
            blobs = " ".join(str(r) for r in db.execute("SELECT * FROM sco_state"))
        assert "closed-with-the-app" in blobs
        log = (data_dir / "logs" / "scorm-api.log").read_text()
        assert "dashboard shown in the window" in log and "a second launch asked for a window" in log
    finally:
        app.kill()
