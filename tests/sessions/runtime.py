"""A session's runtime over the Flask test client, without a browser: create a session, then
do what the player does (its launch page's config, the delivery of an item, a commit)."""

import json
import re
from urllib.parse import urlsplit

import requests

from tests.support import bearer


def new_session(client, key, pkg, user="learner-1", **extra):
    resp = client.post(
        "/api/v1/sessions",
        headers=bearer(key),
        json={"package_id": pkg["id"], "user_id": user, "user_name": "Ann Lee", **extra},
    )
    assert resp.status_code in (200, 201), resp.get_json()
    return resp


def page_config(client, launch_url) -> dict:
    page = client.get(
        urlsplit(launch_url).path + (f"?{urlsplit(launch_url).query}" if urlsplit(launch_url).query else "")
    )
    assert page.status_code == 200, page.get_data(as_text=True)
    raw = re.search(
        r'<script id="launch-config" type="application/json">(.*?)</script>',
        page.get_data(as_text=True),
        re.S,
    ).group(1)
    return json.loads(raw)


def deliver(client, cfg, item_id):
    return client.post(urlsplit(cfg["deliverUrl"]).path, json={"item_id": item_id})


def open_player(client, launch_url) -> dict:
    """What the player does on load (flow mode): the page, then the delivery of its start item."""
    cfg = page_config(client, launch_url)
    resp = deliver(client, cfg, cfg["start"])
    assert resp.status_code == 200, resp.get_json()
    return {**cfg, **resp.get_json()}


def commit(client, cfg, data, seq=None, content_type="application/json", terminate=False):
    body = dict(data)
    if seq is not None:
        body["commitSequence"] = seq
    path = urlsplit(cfg["commitUrl"]).path + ("?terminate=true" if terminate else "")
    return client.post(path, data=json.dumps(body), content_type=content_type)


class HttpClient:
    """The few Flask test client calls these helpers make, over HTTP to a real server (the
    browser tests' data, made as the player makes it, without a course to click through)."""

    class _Answer:
        def __init__(self, resp):
            self.status_code, self._resp = resp.status_code, resp

        def get_json(self):
            return self._resp.json()

        def get_data(self, as_text=False):
            return self._resp.text if as_text else self._resp.content

    def __init__(self, base_url: str):
        self.base_url = base_url

    def get(self, path, headers=None):
        return self._Answer(requests.get(self.base_url + path, headers=headers, timeout=30))

    def post(self, path, json=None, data=None, content_type=None, headers=None):
        headers = {**(headers or {}), **({"Content-Type": content_type} if content_type else {})}
        resp = requests.post(self.base_url + path, json=json, data=data, headers=headers, timeout=30)
        return self._Answer(resp)


def session_of(client, key, session_id) -> dict:
    return client.get(f"/api/v1/sessions/{session_id}", headers=bearer(key)).get_json()["session"]
