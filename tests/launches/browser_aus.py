"""Content that runs in the browser the way real xAPI and cmi5 content does, with plain fetch():
a cmi5 AU (launch parameters, fetch URL, LMS.LaunchData, learner preferences, Initialized,
its result statements, Terminated, then the returnURL) and a tincan.xml activity (the auth
parameter, statements). Each writes what it saw into <pre id="report"> for the test."""

from tests.launches.cmi5_au import COURSE_XML, TINCAN_XML
from tests.packages import zips

_CMI5_AU = """<!doctype html><meta charset="utf-8"><title>%(title)s</title>
<pre id="report">running</pre>
<script>
(async function () {
  var q = new URLSearchParams(location.search), report = {statuses: {}};
  var endpoint = q.get("endpoint"), actor = JSON.parse(q.get("actor"));
  var reg = q.get("registration"), activityId = q.get("activityId");
  function done(extra) {
    Object.assign(report, extra || {});
    document.getElementById("report").textContent = JSON.stringify(report);
  }
  try {
    var tok = await (await fetch(q.get("fetch"), {method: "POST"})).json();
    var auth = "Basic " + tok["auth-token"];
    var h = {"X-Experience-API-Version": "1.0.3", "Authorization": auth};
    var ld = await (await fetch(endpoint + "/activities/state?" + new URLSearchParams({stateId: "LMS.LaunchData",
        activityId: activityId, agent: JSON.stringify(actor), registration: reg}), {headers: h})).json();
    report.launchMode = ld.launchMode;
    report.prefs = (await fetch(endpoint + "/agents/profile?" + new URLSearchParams({
        profileId: "cmi5LearnerPreferences", agent: JSON.stringify(actor)}), {headers: h})).status;
    async function send(verb, result, moveon) {
      var ctx = JSON.parse(JSON.stringify(ld.contextTemplate));
      ctx.registration = reg;
      ctx.contextActivities.category = [{id: "https://w3id.org/xapi/cmi5/context/categories/cmi5"}]
        .concat(moveon ? [{id: "https://w3id.org/xapi/cmi5/context/categories/moveon"}] : []);
      if (ld.masteryScore !== undefined && moveon && result.success !== undefined) {
        ctx.extensions["https://w3id.org/xapi/cmi5/context/extensions/masteryscore"] = ld.masteryScore;
      }
      var st = {id: crypto.randomUUID(), timestamp: new Date().toISOString(), actor: actor,
                verb: {id: "http://adlnet.gov/expapi/verbs/" + verb}, object: {id: activityId}, context: ctx};
      if (result) st.result = result;
      var r = await fetch(endpoint + "/statements?statementId=" + st.id, {method: "PUT",
          headers: Object.assign({"Content-Type": "application/json"}, h), body: JSON.stringify(st)});
      report.statuses[verb] = r.status;
    }
    await send("initialized");
    %(body)s
    await send("terminated", {duration: "PT20S"});
    done({finished: true});
    if (ld.returnURL) setTimeout(function () { location.href = ld.returnURL; }, 300);
  } catch (e) { done({error: String(e)}); }
})();
</script>"""

INTRO = _CMI5_AU % {
    "title": "Introduction",
    "body": 'await send("completed", {completion: true, duration: "PT10S"}, true);',
}
QUIZ = _CMI5_AU % {
    "title": "Quiz",
    "body": (
        'await send("passed", {success: true, duration: "PT15S", score: {scaled: 0.9}}, true);\n'
        '    await send("completed", {completion: true, duration: "PT15S"}, true);'
    ),
}


def cmi5_course(own_window: bool = False) -> bytes:
    xml = (
        COURSE_XML.replace('launchMethod="AnyWindow"', 'launchMethod="OwnWindow"')
        if own_window
        else COURSE_XML
    )
    return zips.build(
        {
            "cmi5.xml": xml,
            "intro/index.html": INTRO,
            "quiz/index.html": QUIZ,
            "poster.html": _CMI5_AU % {"title": "Poster", "body": ""},
        }
    )


TINCAN_PAGE = """<!doctype html><meta charset="utf-8"><title>Golf</title><pre id="report">running</pre>
<script>
(async function () {
  var q = new URLSearchParams(location.search), actor = JSON.parse(q.get("actor"));
  var h = {"X-Experience-API-Version": "1.0.3", "Authorization": q.get("auth"), "Content-Type": "application/json"};
  async function send(verb, result) {
    var st = {actor: actor, verb: {id: "http://adlnet.gov/expapi/verbs/" + verb},
              object: {id: q.get("activity_id")}, context: {registration: q.get("registration")}};
    if (result) st.result = result;
    return (await fetch(q.get("endpoint") + "/statements", {method: "POST", headers: h, body: JSON.stringify(st)})).status;
  }
  var report = {attempted: await send("attempted"),
                completed: await send("completed", {completion: true}),
                terminated: await send("terminated", {duration: "PT1M"})};
  document.getElementById("report").textContent = JSON.stringify(report);
})();
</script>"""


def tincan_course() -> bytes:
    return zips.build({"tincan.xml": TINCAN_XML, "story.html": TINCAN_PAGE})
