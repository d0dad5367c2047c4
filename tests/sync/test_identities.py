"""The renaming of this appliance's own xAPI identifiers as a sync target names the same
things (scorm_api/sync/identities.py), without HTTP."""

from __future__ import annotations

from scorm_api.sync.identities import Identities
from scorm_api.sync.links import Links
from scorm_api.xapi import own_urls
from scorm_api.xapi.scorm_bridge import PLAYER_ACCOUNT

OLD, NOW, TARGET = "http://192.168.1.20:3001", "http://127.0.0.1:3001", "https://cloud.example"


def test_our_identities_move_under_the_target_and_others_stay(app, admin_key):
    with app.app_context():
        from scorm_api.tenants.models import Tenant

        tenant = Tenant.select().first().id
        links = Links(tenant, "k")
        links.save("package", "pkg-here", state="synced", remote_id="pkg-there")
        links.save("session", "sess-here", state="synced", remote_id="sess-there")
        own_urls.remember(OLD)  # an address served under last week
        ids = Identities(links, (NOW, *own_urls.every()), TARGET)
        ids.prefetch({"pkg-here"}, {"sess-here"})
        statement = {
            "actor": {"account": {"homePage": OLD, "name": "ann"}},
            "object": {"id": f"{NOW}/packages/pkg-here/items/sco%201"},
            "context": {
                "registration": "sess-here",
                "contextActivities": {"grouping": [{"id": f"{OLD}/packages/pkg-here"}]},
                "extensions": {"http://example.org/x": f"{NOW}/content/pkg-here/index.html"},
            },
            "result": {"response": "http://example.org/answer"},
        }
        out = ids.translate(statement)
    assert out["actor"]["account"]["homePage"] == TARGET
    assert out["object"]["id"] == f"{TARGET}/packages/pkg-there/items/sco%201"
    assert out["context"]["registration"] == "sess-there"
    assert out["context"]["contextActivities"]["grouping"][0]["id"] == f"{TARGET}/packages/pkg-there"
    assert out["context"]["extensions"]["http://example.org/x"] == f"{TARGET}/content/pkg-there/index.html"
    assert out["result"]["response"] == "http://example.org/answer"  # not ours: as it was
    assert statement["actor"]["account"]["homePage"] == OLD  # the stored statement is untouched
    assert ids.is_bridged({"authority": {"account": {"homePage": OLD, "name": PLAYER_ACCOUNT}}})
    assert not ids.is_bridged(
        {"authority": {"account": {"homePage": "http://other", "name": PLAYER_ACCOUNT}}}
    )
