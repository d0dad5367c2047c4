"""Test courses that drive the SCORM API from script and report what they saw.

Each course finds the API the standard way (walking up parents, then the opener), then, on
its first launch, sets status, score, an interaction, location and a big suspend_data, tries
invalid values (to record the runtime's error codes), suspends and terminates. On a later
launch it only reads its resume state. Everything it learned is written into
<pre id="report"> as JSON for the test to read.
"""

from tests.packages import zips

SUSPEND_CHARS = 64000

_FIND_API = """
function findApi(name) {
  var w = window, tries = 0;
  while (w && tries++ < 10) { if (w[name]) return w[name]; if (w.parent === w) break; w = w.parent; }
  return window.opener && window.opener[name] ? window.opener[name] : null;
}
"""

_BODY_12 = """
var api = findApi("API"), r = {found: !!api};
r.init = api.LMSInitialize("");
r.entry = api.LMSGetValue("cmi.core.entry");
r.student = api.LMSGetValue("cmi.core.student_name");
if (r.entry === "resume") {
  r.location = api.LMSGetValue("cmi.core.lesson_location");
  r.suspend_length = api.LMSGetValue("cmi.suspend_data").length;
  r.total_time = api.LMSGetValue("cmi.core.total_time");
  r.status = api.LMSGetValue("cmi.core.lesson_status");
  api.LMSSetValue("cmi.core.session_time", "00:00:30");
  api.LMSFinish("");
} else {
  r.bad_status = api.LMSSetValue("cmi.core.lesson_status", "bogus");
  r.bad_status_error = api.LMSGetLastError();
  r.readonly = api.LMSSetValue("cmi.core.student_id", "hacker");
  r.readonly_error = api.LMSGetLastError();
  api.LMSSetValue("cmi.core.lesson_location", "page-7");
  api.LMSSetValue("cmi.core.score.raw", "85");
  api.LMSSetValue("cmi.core.score.min", "0");
  api.LMSSetValue("cmi.core.score.max", "100");
  api.LMSSetValue("cmi.core.lesson_status", "passed");
  api.LMSSetValue("cmi.interactions.0.id", "q1");
  api.LMSSetValue("cmi.interactions.0.type", "choice");
  api.LMSSetValue("cmi.interactions.0.student_response", "b");
  api.LMSSetValue("cmi.interactions.0.result", "correct");
  r.suspend_set = api.LMSSetValue("cmi.suspend_data", new Array(SUSPEND + 1).join("s"));
  api.LMSSetValue("cmi.core.session_time", "00:02:00");
  api.LMSSetValue("cmi.core.exit", "suspend");
  r.commit = api.LMSCommit("");
  r.finish = api.LMSFinish("");
}
"""

_BODY_2004 = """
var api = findApi("API_1484_11"), r = {found: !!api};
r.init = api.Initialize("");
r.entry = api.GetValue("cmi.entry");
r.student = api.GetValue("cmi.learner_name");
if (r.entry === "resume") {
  r.location = api.GetValue("cmi.location");
  r.suspend_length = api.GetValue("cmi.suspend_data").length;
  r.total_time = api.GetValue("cmi.total_time");
  r.status = api.GetValue("cmi.completion_status");
  api.SetValue("cmi.session_time", "PT30S");
  api.Terminate("");
} else {
  r.bad_status = api.SetValue("cmi.completion_status", "bogus");
  r.bad_status_error = api.GetLastError();
  r.readonly = api.SetValue("cmi.learner_id", "hacker");
  r.readonly_error = api.GetLastError();
  api.SetValue("cmi.location", "page-7");
  api.SetValue("cmi.score.scaled", "0.85");
  api.SetValue("cmi.score.raw", "85");
  api.SetValue("cmi.score.min", "0");
  api.SetValue("cmi.score.max", "100");
  api.SetValue("cmi.completion_status", "completed");
  api.SetValue("cmi.success_status", "passed");
  api.SetValue("cmi.interactions.0.id", "q1");
  api.SetValue("cmi.interactions.0.type", "choice");
  api.SetValue("cmi.interactions.0.learner_response", "b");
  api.SetValue("cmi.interactions.0.result", "correct");
  r.suspend_set = api.SetValue("cmi.suspend_data", new Array(SUSPEND + 1).join("s"));
  api.SetValue("cmi.session_time", "PT2M");
  api.SetValue("cmi.exit", "suspend");
  r.commit = api.Commit("");
  r.finish = api.Terminate("");
}
"""

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Scripted course</title></head>
<body><h1>Scripted course</h1><pre id="report">running</pre><script>
var SUSPEND = %d;
%s
window.addEventListener("load", function () {
  try { %s } catch (e) { r = {error: String(e)}; }
  document.getElementById("report").textContent = JSON.stringify(r);
  // The player takes a finished course off the stage: the report waits in the page too.
  try { window.parent.scriptedReport = r; } catch (e) { /* framed by another origin */ }
});
</script></body></html>"""

_MANIFEST_12 = """<?xml version="1.0"?>
<manifest identifier="scripted12" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Scripted 1.2</title>
    <item identifier="sco1" identifierref="r"><title>Only SCO</title>
      <adlcp:masteryscore>80</adlcp:masteryscore></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>"""

_MANIFEST_2004 = """<?xml version="1.0"?>
<manifest identifier="scripted2004" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Scripted 2004</title>
    <item identifier="sco1" identifierref="r"><title>Only SCO</title></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>"""


def scripted_course(standard: str) -> bytes:
    body, manifest = (_BODY_12, _MANIFEST_12) if standard == "1.2" else (_BODY_2004, _MANIFEST_2004)
    page = _PAGE % (SUSPEND_CHARS, _FIND_API, body)
    return zips.build({"imsmanifest.xml": manifest.encode(), "index.html": page.encode()})
