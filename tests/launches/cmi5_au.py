"""A cmi5 course built for the tests, and an AU client that speaks the launch protocol over
HTTP as real AUs do (query parameters, the fetch URL, LMS.LaunchData, learner preferences,
statements carrying the context template)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from tests.packages import zips

CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon"
SESSION_EXT = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
MASTERY_EXT = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
ADL = "http://adlnet.gov/expapi/verbs/"
PUB = "https://example.com/fire-safety"

COURSE_XML = f"""<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="{PUB}/course"><title><langstring lang="en-US">Fire safety</langstring></title>
    <description><langstring lang="en-US">Extinguishers and exits</langstring></description></course>
  <block id="{PUB}/block/basics"><title><langstring lang="en-US">Basics</langstring></title>
    <au id="{PUB}/au/intro" moveOn="Completed" launchMethod="AnyWindow">
      <title><langstring lang="en-US">Introduction</langstring></title>
      <url>intro/index.html?lang=en</url>
      <launchParameters>{{"chapter":1}}</launchParameters>
      <entitlementKey>ek-42</entitlementKey>
    </au>
    <au id="{PUB}/au/quiz" moveOn="CompletedAndPassed" masteryScore="0.8">
      <title><langstring lang="en-US">Quiz</langstring></title><url>quiz/index.html</url>
    </au>
  </block>
  <au id="{PUB}/au/poster" moveOn="NotApplicable">
    <title><langstring lang="en-US">Poster</langstring></title><url>poster.html</url>
  </au>
</courseStructure>"""

TINCAN_XML = """<?xml version="1.0" encoding="utf-8"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd"><activities>
  <activity id="https://example.com/golf/course" type="http://adlnet.gov/expapi/activities/course">
    <name>Golf basics</name><description lang="en-US">Swing and putt</description>
    <launch lang="en-us">story.html</launch>
  </activity>
</activities></tincan>"""


def cmi5_zip(files: dict | None = None) -> bytes:
    page = b"<!doctype html><title>AU</title><p>AU</p>"
    return zips.build(
        {
            "cmi5.xml": COURSE_XML,
            "intro/index.html": page,
            "quiz/index.html": page,
            "poster.html": page,
            **(files or {}),
        }
    )


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Au:
    """One launched AU, driven through an HTTP client with .get/.post/.put/.delete(path, ...)."""

    def __init__(self, http, launch_url: str):
        self.http = http
        parts = urlsplit(launch_url)
        self.path = parts.path
        self.query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.endpoint = urlsplit(self.query["endpoint"]).path
        self.actor = json.loads(self.query["actor"])
        self.registration = self.query["registration"]
        self.activity_id = self.query["activityId"]
        self.auth = None
        self.launch_data = None

    def headers(self, auth=None) -> dict:
        return {"X-Experience-API-Version": "1.0.3", "Authorization": auth or self.auth or ""}

    def fetch(self):
        return self.http.post(urlsplit(self.query["fetch"]).path)

    def start(self, read_prefs: bool = True) -> Au:
        token = self.fetch().get_json()["auth-token"]
        self.auth = "Basic " + token
        resp = self.http.get(
            self.endpoint + "/activities/state",
            headers=self.headers(),
            query_string={
                "stateId": "LMS.LaunchData",
                "activityId": self.activity_id,
                "agent": json.dumps(self.actor),
                "registration": self.registration,
            },
        )
        assert resp.status_code == 200, resp.get_data(as_text=True)
        self.launch_data = json.loads(resp.get_data())
        if read_prefs:
            self.http.get(
                self.endpoint + "/agents/profile",
                headers=self.headers(),
                query_string={"profileId": "cmi5LearnerPreferences", "agent": json.dumps(self.actor)},
            )
        return self

    def statement(
        self, verb: str, result: dict | None = None, defined: bool = True, moveon: bool = False
    ) -> dict:
        context = json.loads(json.dumps(self.launch_data["contextTemplate"]))
        context["registration"] = self.registration
        cats = ([{"id": CMI5}] if defined else []) + ([{"id": MOVEON}] if moveon else [])
        if cats:
            context.setdefault("contextActivities", {})["category"] = cats
        st = {
            "id": str(uuid.uuid4()),
            "timestamp": now(),
            "actor": json.loads(json.dumps(self.actor)),
            "verb": {"id": verb if "://" in verb else ADL + verb},
            "object": {"id": self.activity_id},
            "context": context,
        }
        if result is not None:
            st["result"] = result
        return st

    def send(self, st: dict):
        return self.http.put(
            self.endpoint + "/statements",
            headers=self.headers(),
            query_string={"statementId": st["id"]},
            data=json.dumps(st),
            content_type="application/json",
        )

    def initialized(self):
        return self.send(self.statement("initialized"))

    def completed(self):
        return self.send(self.statement("completed", {"completion": True, "duration": "PT1M"}, moveon=True))

    def judged(self, verb: str, scaled: float, mastery: float | None = None):
        st = self.statement(
            verb, {"success": verb == "passed", "duration": "PT2M", "score": {"scaled": scaled}}, moveon=True
        )
        if mastery is not None:
            st["context"].setdefault("extensions", {})[MASTERY_EXT] = mastery
        return self.send(st)

    def terminated(self):
        return self.send(self.statement("terminated", {"duration": "PT3M"}))


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
