"""xAPI statement validation (1.0.3 and 2.0.0, IEEE 9274.1.1), to the letter: every problem is a
400 with the path of the offending property and the rule it breaks.

The rules follow the specification's Data section: allowed and required properties per object,
no nulls outside extensions, IRIs with a scheme, RFC 4122 UUIDs, RFC 5646 language tags, ISO
8601 timestamps and durations, Agent/Group identification (exactly one inverse functional
identifier), SubStatement limits, context properties allowed only with an Activity object,
score bounds. `normalize` fills what the LRS sets (id, timestamp, stored, authority, version).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import NoReturn

from scorm_api.errors import ApiError

_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S*$")
_LANG = re.compile(
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?$"
    r"|^[xX](?:-[A-Za-z0-9]{1,8})+$"
)
_TIMESTAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
# ISO 8601 durations: weeks stand alone (P4W), never beside other units (P4W1D).
_DURATION = re.compile(
    r"^P(?:\d+(?:[.,]\d+)?W|(?=\d|T\d)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?"
    r"(?:\d+(?:[.,]\d+)?D)?(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?"
    r"(?:\d+(?:[.,]\d+)?S)?)?)$"
)
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA2 = re.compile(r"^[0-9a-fA-F]{56,128}$")
INTERACTION_TYPES = (
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
)
_COMPONENT_LISTS = {"choices", "scale", "source", "target", "steps"}


class Invalid(ApiError):
    def __init__(self, path: str, rule: str):
        super().__init__(
            400, "BAD_REQUEST", f"Invalid statement: {path}: {rule}", {"path": path, "rule": rule}
        )


def _fail(path: str, rule: str) -> NoReturn:
    raise Invalid(path, rule)


def _obj(value, path: str, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be a JSON object")
    for key, v in value.items():
        if key not in allowed:
            _fail(f"{path}.{key}", "is not an allowed property here (names are case-sensitive)")
        if v is None:
            _fail(f"{path}.{key}", "must not be null")
    for key in required:
        if key not in value:
            _fail(f"{path}.{key}", "is required")
    return value


def _require(ok: bool, value, path: str, rule: str):
    if not ok:
        _fail(path, rule)
    return value


def _string(value, path: str) -> str:
    return _require(isinstance(value, str), value, path, "must be a string")


def _iri(value, path: str) -> str:
    return _require(
        isinstance(value, str) and bool(_IRI_SCHEME.match(value)),
        value,
        path,
        "must be an IRI with a scheme, such as http://example.com/x",
    )


def is_uuid(value) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def _uuid(value, path: str) -> str:
    return _require(is_uuid(value), value, path, "must be a UUID (RFC 4122)")


def _bool(value, path: str) -> bool:
    return _require(isinstance(value, bool), value, path, "must be true or false")


def _number(value, path: str) -> float:
    return _require(
        isinstance(value, (int, float)) and not isinstance(value, bool), value, path, "must be a number"
    )


def language_map(value, path: str) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be a language map (an object of RFC 5646 tags to strings)")
    for tag, text in value.items():
        if not _LANG.match(tag):
            _fail(f"{path}.{tag}", "is not an RFC 5646 language tag")
        if not isinstance(text, str):
            _fail(f"{path}.{tag}", "must be a string")
    return value


def timestamp(value, path: str) -> datetime:
    m = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if not m or m.group(8) in ("-00:00", "-0000", "-00"):
        _fail(path, "must be an ISO 8601 timestamp such as 2026-01-01T12:00:00.000Z")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(",", "."))
    except ValueError:
        _fail(path, "is not a real date and time")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _extensions(value, path: str) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be an object whose keys are IRIs")
    for key in value:
        _iri(key, f"{path}.{key}")
    return value


# ---- agents and groups ------------------------------------------------------------------

_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _ifi(value: dict, path: str) -> int:
    found = [k for k in _IFIS if k in value]
    if len(found) > 1:
        _fail(path, "must have exactly one identifier: mbox, mbox_sha1sum, openid or account")
    for key in found:
        v = value[key]
        if key == "mbox" and (not isinstance(v, str) or not v.startswith("mailto:") or "@" not in v):
            _fail(f"{path}.mbox", "must be a mailto: IRI")
        if key == "mbox_sha1sum" and (not isinstance(v, str) or not _SHA1.match(v)):
            _fail(f"{path}.mbox_sha1sum", "must be 40 hexadecimal characters")
        if key == "openid":
            _iri(v, f"{path}.openid")
        if key == "account":
            _obj(v, f"{path}.account", {"homePage", "name"}, ("homePage", "name"))
            _iri(v["homePage"], f"{path}.account.homePage")
            _string(v["name"], f"{path}.account.name")
    return len(found)


def agent(value, path: str) -> dict:
    _obj(value, path, {"objectType", "name", *_IFIS})
    if value.get("objectType", "Agent") != "Agent":
        _fail(f"{path}.objectType", 'must be "Agent"')
    if "name" in value:
        _string(value["name"], f"{path}.name")
    if _ifi(value, path) != 1:
        _fail(path, "an Agent needs exactly one identifier: mbox, mbox_sha1sum, openid or account")
    return value


def group(value, path: str) -> dict:
    _obj(value, path, {"objectType", "name", "member", *_IFIS}, ("objectType",))
    if value["objectType"] != "Group":
        _fail(f"{path}.objectType", 'must be "Group"')
    if "name" in value:
        _string(value["name"], f"{path}.name")
    identified = _ifi(value, path) == 1
    if "member" in value:
        if not isinstance(value["member"], list):
            _fail(f"{path}.member", "must be an array of Agents")
        for i, m in enumerate(value["member"]):
            agent(m, f"{path}.member[{i}]")  # members are Agents, never Groups
    if not identified and not value.get("member"):
        _fail(path, "an anonymous Group needs a non-empty member list")
    return value


def actor(value, path: str) -> dict:
    if isinstance(value, dict) and value.get("objectType") == "Group":
        return group(value, path)
    return agent(value, path)


# ---- activities, verbs, objects -----------------------------------------------------------


def _components(value, path: str) -> list:
    if not isinstance(value, list):
        _fail(path, "must be an array of interaction components")
    seen = set()
    for i, c in enumerate(value):
        _obj(c, f"{path}[{i}]", {"id", "description"}, ("id",))
        if _string(c["id"], f"{path}[{i}].id") in seen:
            _fail(f"{path}[{i}].id", "must be unique in its list")
        seen.add(c["id"])
        if "description" in c:
            language_map(c["description"], f"{path}[{i}].description")
    return value


def activity_definition(value, path: str) -> dict:
    _obj(
        value,
        path,
        {
            "name",
            "description",
            "type",
            "moreInfo",
            "extensions",
            "interactionType",
            "correctResponsesPattern",
            *_COMPONENT_LISTS,
        },
    )
    for key in ("name", "description"):
        if key in value:
            language_map(value[key], f"{path}.{key}")
    for key in ("type", "moreInfo"):
        if key in value:
            _iri(value[key], f"{path}.{key}")
    if "extensions" in value:
        _extensions(value["extensions"], f"{path}.extensions")
    kind = value.get("interactionType")
    if kind is not None and kind not in INTERACTION_TYPES:
        _fail(f"{path}.interactionType", "must be one of " + ", ".join(INTERACTION_TYPES))
    if "correctResponsesPattern" in value:
        if kind is None:
            _fail(f"{path}.correctResponsesPattern", "needs an interactionType")
        pattern = value["correctResponsesPattern"]
        if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
            _fail(f"{path}.correctResponsesPattern", "must be an array of strings")
    allowed_lists = {
        "choice": {"choices"},
        "sequencing": {"choices"},
        "likert": {"scale"},
        "matching": {"source", "target"},
        "performance": {"steps"},
    }.get(kind, set())
    for key in _COMPONENT_LISTS & value.keys():
        if key not in allowed_lists:
            _fail(f"{path}.{key}", f"is not allowed for interactionType {kind!r}")
        _components(value[key], f"{path}.{key}")
    return value


def activity(value, path: str) -> dict:
    _obj(value, path, {"objectType", "id", "definition"}, ("id",))
    if value.get("objectType", "Activity") != "Activity":
        _fail(f"{path}.objectType", 'must be "Activity"')
    _iri(value["id"], f"{path}.id")
    if "definition" in value:
        activity_definition(value["definition"], f"{path}.definition")
    return value


def verb(value, path: str) -> dict:
    _obj(value, path, {"id", "display"}, ("id",))
    _iri(value["id"], f"{path}.id")
    if "display" in value:
        language_map(value["display"], f"{path}.display")
    return value


def statement_ref(value, path: str) -> dict:
    _obj(value, path, {"objectType", "id"}, ("objectType", "id"))
    if value["objectType"] != "StatementRef":
        _fail(f"{path}.objectType", 'must be "StatementRef"')
    _uuid(value["id"], f"{path}.id")
    return value


def _object(value, path: str, version: str, nested: bool) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be a JSON object")
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        return activity(value, path)
    if kind == "Agent":
        return agent(value, path)
    if kind == "Group":
        return group(value, path)
    if kind == "StatementRef":
        return statement_ref(value, path)
    if kind == "SubStatement":
        if nested:
            _fail(path, "a SubStatement cannot contain another SubStatement")
        _body(value, path, version, sub=True)
        return value
    _fail(f"{path}.objectType", "must be Activity, Agent, Group, StatementRef or SubStatement")


# ---- result, context, attachments --------------------------------------------------------


def result(value, path: str) -> dict:
    _obj(value, path, {"score", "success", "completion", "response", "duration", "extensions"})
    if "score" in value:
        score = _obj(value["score"], f"{path}.score", {"scaled", "raw", "min", "max"})
        for key in score:
            _number(score[key], f"{path}.score.{key}")
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            _fail(f"{path}.score.scaled", "must be between -1 and 1")
        lo, hi, raw = score.get("min"), score.get("max"), score.get("raw")
        if lo is not None and hi is not None and lo >= hi:
            _fail(f"{path}.score.min", "must be less than max")
        if raw is not None and ((lo is not None and raw < lo) or (hi is not None and raw > hi)):
            _fail(f"{path}.score.raw", "must be between min and max")
    for key in ("success", "completion"):
        if key in value:
            _bool(value[key], f"{path}.{key}")
    if "response" in value:
        _string(value["response"], f"{path}.response")
    if "duration" in value and (
        not isinstance(value["duration"], str) or not _DURATION.match(value["duration"])
    ):
        _fail(f"{path}.duration", "must be an ISO 8601 duration such as PT1H30M")
    if "extensions" in value:
        _extensions(value["extensions"], f"{path}.extensions")
    return value


_CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")


def context(value, path: str, object_kind: str, version: str) -> dict:
    allowed = {
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    }
    if version.startswith("2"):
        allowed |= {"contextAgents", "contextGroups"}
    _obj(value, path, allowed)
    if "registration" in value:
        _uuid(value["registration"], f"{path}.registration")
    if "instructor" in value:
        actor(value["instructor"], f"{path}.instructor")
    if "team" in value:
        group(value["team"], f"{path}.team")
    if "contextActivities" in value:
        ca = _obj(value["contextActivities"], f"{path}.contextActivities", set(_CONTEXT_ACTIVITY_KINDS))
        for kind, acts in ca.items():
            for i, a in enumerate(acts if isinstance(acts, list) else [acts]):
                activity(a, f"{path}.contextActivities.{kind}[{i}]")
    for key in ("revision", "platform"):
        if key in value:
            _string(value[key], f"{path}.{key}")
            if object_kind != "Activity":
                _fail(f"{path}.{key}", "may be used only when the statement's object is an Activity")
    if "language" in value and (not isinstance(value["language"], str) or not _LANG.match(value["language"])):
        _fail(f"{path}.language", "must be an RFC 5646 language tag")
    if "statement" in value:
        statement_ref(value["statement"], f"{path}.statement")
    if "extensions" in value:
        _extensions(value["extensions"], f"{path}.extensions")
    for key, kind in (("contextAgents", "Agent"), ("contextGroups", "Group")):
        if key in value:
            items = value[key]
            if not isinstance(items, list):
                _fail(f"{path}.{key}", "must be an array")
            for i, item in enumerate(items):
                p = f"{path}.{key}[{i}]"
                _obj(
                    item,
                    p,
                    {"objectType", "agent" if kind == "Agent" else "group", "relevantTypes"},
                    ("objectType", "agent" if kind == "Agent" else "group"),
                )
                if item["objectType"] != ("contextAgent" if kind == "Agent" else "contextGroup"):
                    _fail(f"{p}.objectType", f'must be "context{kind}"')
                (agent if kind == "Agent" else group)(
                    item["agent" if kind == "Agent" else "group"],
                    f"{p}.{'agent' if kind == 'Agent' else 'group'}",
                )
                if "relevantTypes" in item:
                    types = item["relevantTypes"]
                    if not isinstance(types, list) or not types:
                        _fail(f"{p}.relevantTypes", "must be a non-empty array of IRIs")
                    for j, t in enumerate(types):
                        _iri(t, f"{p}.relevantTypes[{j}]")
    return value


def attachments(value, path: str) -> list:
    if not isinstance(value, list):
        _fail(path, "must be an array")
    for i, a in enumerate(value):
        p = f"{path}[{i}]"
        _obj(
            a,
            p,
            {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"},
            ("usageType", "display", "contentType", "length", "sha2"),
        )
        _iri(a["usageType"], f"{p}.usageType")
        language_map(a["display"], f"{p}.display")
        if "description" in a:
            language_map(a["description"], f"{p}.description")
        _string(a["contentType"], f"{p}.contentType")
        if isinstance(a["length"], bool) or not isinstance(a["length"], int) or a["length"] < 0:
            _fail(f"{p}.length", "must be a non-negative integer")
        if not isinstance(a["sha2"], str) or not _SHA2.match(a["sha2"]):
            _fail(f"{p}.sha2", "must be a SHA-2 hash in hexadecimal")
        if "fileUrl" in a:
            _iri(a["fileUrl"], f"{p}.fileUrl")
    return value


# ---- statements -----------------------------------------------------------------------------

_STATEMENT = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
}
_SUBSTATEMENT = {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}


def _body(value, path: str, version: str, sub: bool) -> None:
    _obj(value, path, _SUBSTATEMENT if sub else _STATEMENT, ("actor", "verb", "object"))
    if not sub and "id" in value:
        _uuid(value["id"], f"{path}.id")
    actor(value["actor"], f"{path}.actor")
    verb(value["verb"], f"{path}.verb")
    obj = _object(value["object"], f"{path}.object", version, nested=sub)
    if "result" in value:
        result(value["result"], f"{path}.result")
    if "context" in value:
        context(value["context"], f"{path}.context", obj.get("objectType", "Activity"), version)
    for key in ("timestamp", "stored"):
        if key in value:
            timestamp(value[key], f"{path}.{key}")
    if "authority" in value:
        authority = actor(value["authority"], f"{path}.authority")
        # A Group as authority is OAuth's pair: anonymous, exactly two Agents.
        if authority.get("objectType") == "Group" and (
            any(k in authority for k in _IFIS) or len(authority.get("member", [])) != 2
        ):
            _fail(f"{path}.authority", "a Group authority must be anonymous with exactly two members")
    if "version" in value and (
        not isinstance(value["version"], str)
        or not re.match(r"^(1\.0(\.\d+)?|2\.0(\.\d+)?)$", value["version"])
    ):
        _fail(f"{path}.version", "must be an xAPI version such as 1.0.3 or 2.0.0")
    if "attachments" in value:
        attachments(value["attachments"], f"{path}.attachments")
    if value["verb"]["id"] == VOIDED:
        target = value["object"]
        if target.get("objectType") != "StatementRef":
            _fail(f"{path}.object", "a voiding statement's object must be a StatementRef")


VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def validate(value, version: str = "1.0.3", path: str = "statement") -> dict:
    """Check one statement; raise Invalid (400) on the first problem."""
    _body(value, path, version, sub=False)
    return value


def utc_iso(value, path: str) -> str:
    """A timestamp parameter (since, until) as stored times are written: UTC, milliseconds."""
    return timestamp(value, path).astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_CANONICAL_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def stored_utc(value: str) -> str:
    """utc_iso of a stored statement's timestamp (validated when it was stored). Most content
    sends the canonical form already, which is then taken as it is: the analytics fold reads
    one per statement, and parsing each was a tenth of the fold."""
    return value if _CANONICAL_UTC.fullmatch(value) else utc_iso(value, "timestamp")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def normalize(value: dict, authority: dict, stored: str, version: str) -> dict:
    """The statement as the LRS keeps it: id, timestamp, stored, authority and version set."""
    out = dict(value)
    out["id"] = (out.get("id") or str(uuid.uuid4())).lower()
    out["stored"] = stored
    out.setdefault("timestamp", stored)
    out["authority"] = authority
    out.setdefault("version", "1.0.0" if version.startswith("1") else "2.0.0")
    return out
