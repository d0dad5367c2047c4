"""Statement validation to the letter of the xAPI specification: valid statements pass, every
broken rule is a 400 naming the property."""

import copy

import pytest

from scorm_api.xapi.validation import Invalid, normalize, validate

from tests.support import BASE


def with_(path: str, value):
    st = copy.deepcopy(BASE)
    node = st
    keys = path.split(".")
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    if value is DELETE:
        node.pop(keys[-1])
    else:
        node[keys[-1]] = value
    return st


DELETE = object()

VALID = [
    BASE,
    with_("id", "7b36a7b2-3b1c-4a36-9b2e-1c7d3c0d6f11"),
    with_("actor", {"mbox_sha1sum": "a" * 40}),
    with_("actor", {"openid": "http://openid.example.org/ann"}),
    with_("actor", {"account": {"homePage": "http://lms.example.org", "name": "ann"}}),
    with_("actor", {"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}]}),
    with_("actor", {"objectType": "Group", "mbox": "mailto:team@example.org"}),
    with_(
        "result",
        {
            "score": {"scaled": 0.9, "raw": 90, "min": 0, "max": 100},
            "success": True,
            "completion": True,
            "duration": "PT1H30M",
            "response": "b",
            "extensions": {"http://example.org/x": None},
        },
    ),
    with_(
        "context",
        {
            "registration": "7b36a7b2-3b1c-4a36-9b2e-1c7d3c0d6f11",
            "language": "en-US",
            "revision": "2",
            "platform": "web",
            "contextActivities": {"parent": {"id": "http://example.org/p"}},
        },
    ),
    with_("object", {"objectType": "StatementRef", "id": "7b36a7b2-3b1c-4a36-9b2e-1c7d3c0d6f11"}),
    with_(
        "object",
        {
            "objectType": "SubStatement",
            "actor": {"mbox": "mailto:b@example.org"},
            "verb": {"id": "http://example.org/v"},
            "object": {"id": "http://example.org/o"},
        },
    ),
    with_(
        "object.definition",
        {
            "interactionType": "choice",
            "correctResponsesPattern": ["a"],
            "choices": [{"id": "a", "description": {"en-US": "A"}}],
        },
    ),
    with_("timestamp", "2026-11-23T10:00:00.123+01:00"),
    with_("version", "1.0.3"),
]

INVALID = [
    (with_("actor", DELETE), "statement.actor"),
    (with_("id", "not-a-uuid"), "statement.id"),
    (with_("actor", {"mbox": "ann@example.org"}), "statement.actor.mbox"),
    (with_("actor", {"mbox": "mailto:a@example.org", "openid": "http://x.org/a"}), "statement.actor"),
    (with_("actor", {"name": "nobody"}), "statement.actor"),
    (with_("actor", {"objectType": "Group"}), "statement.actor"),
    (
        with_(
            "actor", {"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:g@x.org"}]}
        ),
        "statement.actor.member[0].objectType",
    ),
    (with_("verb", {"id": "completed"}), "statement.verb.id"),
    (
        with_("verb", {"id": "http://x.org/v", "display": {"not a tag!": "x"}}),
        "statement.verb.display.not a tag!",
    ),
    (with_("verb", {"id": "http://x.org/v", "Display": {"en": "x"}}), "statement.verb.Display"),
    (with_("object.id", None), "statement.object.id"),
    (with_("object.definition", {"interactionType": "bogus"}), "statement.object.definition.interactionType"),
    (
        with_("object.definition", {"interactionType": "true-false", "choices": []}),
        "statement.object.definition.choices",
    ),
    (with_("result", {"score": {"scaled": 1.5}}), "statement.result.score.scaled"),
    (with_("result", {"score": {"raw": 120, "min": 0, "max": 100}}), "statement.result.score.raw"),
    (with_("result", {"duration": "90 minutes"}), "statement.result.duration"),
    (with_("result", {"success": "yes"}), "statement.result.success"),
    (with_("context", {"registration": "abc"}), "statement.context.registration"),
    (with_("timestamp", "2026-11-23 10:00"), "statement.timestamp"),
    (with_("timestamp", "2026-11-23T10:00:00-00:00"), "statement.timestamp"),
    (
        with_(
            "object",
            {
                "objectType": "SubStatement",
                "id": "7b36a7b2-3b1c-4a36-9b2e-1c7d3c0d6f11",
                "actor": {"mbox": "mailto:b@x.org"},
                "verb": {"id": "http://x.org/v"},
                "object": {"id": "http://x.org/o"},
            },
        ),
        "statement.object.id",
    ),
    (
        with_("object", {"objectType": "Agent", "mbox": "mailto:b@x.org"}) | {"context": {"revision": "1"}},
        "statement.context.revision",
    ),
    (with_("verb", {"id": "http://adlnet.gov/expapi/verbs/voided"}), "statement.object"),
    (with_("version", "0.95"), "statement.version"),
    (with_("extra", 1), "statement.extra"),
]


@pytest.mark.parametrize("statement", VALID)
def test_valid_statements_pass(statement):
    assert validate(statement) is statement


@pytest.mark.parametrize("statement,path", INVALID)
def test_invalid_statements_name_the_property(statement, path):
    with pytest.raises(Invalid) as e:
        validate(statement)
    assert e.value.status == 400 and e.value.details["path"] == path, e.value.message


def test_context_agents_are_2_0_only():
    st = with_(
        "context",
        {
            "contextAgents": [
                {
                    "objectType": "contextAgent",
                    "agent": {"mbox": "mailto:c@x.org"},
                    "relevantTypes": ["http://x.org/t"],
                }
            ]
        },
    )
    assert validate(st, "2.0.0")
    with pytest.raises(Invalid):
        validate(st, "1.0.3")


def test_normalize_sets_what_the_lrs_sets():
    out = normalize(BASE, {"mbox": "mailto:lrs@x.org"}, "2026-11-23T10:00:00.000Z", "2.0.0")
    assert len(out["id"]) == 36 and out["stored"] == out["timestamp"] == "2026-11-23T10:00:00.000Z"
    assert out["authority"] == {"mbox": "mailto:lrs@x.org"} and out["version"] == "2.0.0"
    assert "id" not in BASE  # the submitted statement is not changed


def test_a_group_authority_is_an_anonymous_pair():
    pair = {
        "objectType": "Group",
        "member": [{"mbox": "mailto:a@x.org"}, {"account": {"homePage": "http://x.org", "name": "app"}}],
    }
    assert validate(with_("authority", pair))
    for bad in (
        {"objectType": "Group", "mbox": "mailto:g@x.org", "member": pair["member"]},
        {"objectType": "Group", "member": pair["member"][:1]},
    ):
        with pytest.raises(Invalid) as e:
            validate(with_("authority", bad))
        assert e.value.details["path"] == "statement.authority"


@pytest.mark.parametrize(
    "duration,ok",
    [
        ("P4W", True),
        ("P4W1D", False),
        ("PT1H30M", True),
        ("P1Y2M3DT4H5M6.5S", True),
        ("P", False),
        ("PT", False),
    ],
)
def test_durations(duration, ok):
    st = with_("result", {"duration": duration})
    if ok:
        assert validate(st)
    else:
        with pytest.raises(Invalid):
            validate(st)
