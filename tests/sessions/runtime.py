"""A session's runtime over the Flask test client, without a browser: create a session, then
do what the player does (its launch page's config, the delivery of an item, a commit)."""

import json
import re
from urllib.parse import urlsplit

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
