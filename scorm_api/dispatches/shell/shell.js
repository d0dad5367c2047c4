/* The dispatch shell's one SCO, running inside the host LMS.
 *
 * 1. Finds the host's runtime API as SCOs do: up the chain of parent windows, then the
 *    opener's (API_1484_11 for SCORM 2004, API for SCORM 1.2), and starts the attempt.
 * 2. Reads the learner (cmi.learner_id / cmi.core.student_id and the name) and opens the
 *    course from the appliance in a frame: the dispatch's launch URL with the learner in its
 *    query. The appliance checks the dispatch, and resumes the learner's own registration.
 * 3. Takes the results the appliance's player posts after each of its commits (completion,
 *    success, score, this launch's session time, location, suspend data) and writes them to
 *    the host's runtime, then commits there: the host's gradebook fills in while the appliance
 *    keeps the full record. Only messages from the course's frame and origin are read.
 * 4. Finishes the host's attempt when the course ends or this page goes away.
 */
(function () {
  "use strict";
  var cfg = window.SCORM_API_DISPATCH || {};
  var note = document.getElementById("note");
  var frame = document.getElementById("course");
  var finished = false;

  function say(text) { note.textContent = text; note.hidden = false; }

  function search(win, name) {
    for (var hops = 0; win && hops < 500; hops++) {
      try {
        if (win[name]) return win[name];
      } catch (e) { return null; }  // a window of another origin: the API is not there
      if (!win.parent || win.parent === win) return null;
      win = win.parent;
    }
    return null;
  }

  function find(name) {
    var found = search(window, name);
    if (!found && window.opener) found = search(window.opener, name);
    return found;
  }

  function str(v) { return v === null || v === undefined ? "" : String(v); }
  function num(v) { return typeof v === "number" && isFinite(v) ? v : null; }
  function round(v) { return Math.round(v * 10000) / 10000; }
  function pad(n, w) { n = String(n); while (n.length < w) n = "0" + n; return n; }

  // ---- the host's runtime, one adapter per standard ----------------------------------

  function scorm12(api) {
    return {
      name: "SCORM 1.2",
      start: function () { return str(api.LMSInitialize("")) === "true"; },
      learner: function () {
        return { id: str(api.LMSGetValue("cmi.core.student_id")), name: str(api.LMSGetValue("cmi.core.student_name")) };
      },
      begin: function () {
        if (str(api.LMSGetValue("cmi.core.lesson_status")) === "not attempted") {
          api.LMSSetValue("cmi.core.lesson_status", "incomplete");
        }
      },
      apply: function (r) {
        var status = r.success === "passed" || r.success === "failed" ? r.success
          : r.completion === "completed" ? "completed" : "incomplete";
        api.LMSSetValue("cmi.core.lesson_status", status);
        var s = r.score;
        if (s && s.raw !== null) {
          api.LMSSetValue("cmi.core.score.raw", String(s.raw));
          if (s.min !== null) api.LMSSetValue("cmi.core.score.min", String(s.min));
          if (s.max !== null) api.LMSSetValue("cmi.core.score.max", String(s.max));
        } else if (s && s.scaled !== null) {
          api.LMSSetValue("cmi.core.score.raw", String(round(Math.max(0, s.scaled) * 100)));
          api.LMSSetValue("cmi.core.score.min", "0");
          api.LMSSetValue("cmi.core.score.max", "100");
        }
        if (r.session_seconds !== null) api.LMSSetValue("cmi.core.session_time", timespan12(r.session_seconds));
        if (r.location !== null && r.location.length <= 255) api.LMSSetValue("cmi.core.lesson_location", r.location);
        if (r.suspend_data !== null && r.suspend_data.length <= 4096) api.LMSSetValue("cmi.suspend_data", r.suspend_data);
        api.LMSSetValue("cmi.core.exit", status === "incomplete" ? "suspend" : "");
        api.LMSCommit("");
      },
      finish: function () { api.LMSFinish(""); }
    };
  }

  function scorm2004(api) {
    return {
      name: "SCORM 2004",
      start: function () { return str(api.Initialize("")) === "true"; },
      learner: function () {
        return { id: str(api.GetValue("cmi.learner_id")), name: str(api.GetValue("cmi.learner_name")) };
      },
      begin: function () {
        var c = str(api.GetValue("cmi.completion_status"));
        if (c === "unknown" || c === "not attempted") api.SetValue("cmi.completion_status", "incomplete");
      },
      apply: function (r) {
        var done = r.completion === "completed";
        api.SetValue("cmi.completion_status", done ? "completed" : "incomplete");
        if (r.success === "passed" || r.success === "failed") api.SetValue("cmi.success_status", r.success);
        var s = r.score;
        if (s) {
          if (s.scaled !== null) api.SetValue("cmi.score.scaled", String(round(Math.max(-1, Math.min(1, s.scaled)))));
          if (s.raw !== null) api.SetValue("cmi.score.raw", String(s.raw));
          if (s.min !== null) api.SetValue("cmi.score.min", String(s.min));
          if (s.max !== null) api.SetValue("cmi.score.max", String(s.max));
        }
        if (r.session_seconds !== null) api.SetValue("cmi.session_time", duration(r.session_seconds));
        if (r.location !== null && r.location.length <= 1000) api.SetValue("cmi.location", r.location);
        if (r.suspend_data !== null && r.suspend_data.length <= 64000) api.SetValue("cmi.suspend_data", r.suspend_data);
        api.SetValue("cmi.exit", done ? "normal" : "suspend");
        api.Commit("");
      },
      finish: function () { api.Terminate(""); }
    };
  }

  function timespan12(seconds) {  // CMITimespan: HHHH:MM:SS.SS
    var cs = Math.round(seconds * 100);
    var h = Math.min(9999, Math.floor(cs / 360000));
    var m = Math.floor(cs / 6000) % 60, sec = (cs % 6000) / 100;
    return pad(h, 4) + ":" + pad(m, 2) + ":" + (sec < 10 ? "0" : "") + sec.toFixed(2);
  }

  function duration(seconds) {  // ISO 8601 duration, as SCORM 2004's timeinterval
    var cs = Math.round(seconds * 100);
    var h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60, sec = (cs % 6000) / 100;
    return "PT" + (h ? h + "H" : "") + (m ? m + "M" : "") + sec.toFixed(2) + "S";
  }

  // ---- results from the course's frame ------------------------------------------------

  function text(v, max) { return typeof v === "string" && v.length <= max ? v : null; }
  var STATUSES = { completed: 1, incomplete: 1, not_attempted: 1, passed: 1, failed: 1, unknown: 1 };
  function clean(r) {
    r = r && typeof r === "object" ? r : {};
    var s = r.score && typeof r.score === "object" ? r.score : null;
    var secs = num(r.session_seconds);
    return {
      completion: STATUSES[r.completion] ? r.completion : "incomplete",
      success: STATUSES[r.success] ? r.success : "unknown",
      score: s && { scaled: num(s.scaled), raw: num(s.raw), min: num(s.min), max: num(s.max) },
      session_seconds: secs !== null && secs >= 0 && secs < 3.6e7 ? secs : null,
      location: text(r.location, 1000),
      suspend_data: text(r.suspend_data, 64000)
    };
  }

  var host = null;
  var api2004 = find("API_1484_11"), api12 = find("API");
  if (api2004 && (cfg.standard === "scorm2004" || !api12)) host = scorm2004(api2004);
  else if (api12) host = scorm12(api12);

  function finish() {
    if (!host || finished) return;
    finished = true;
    try { host.finish(); } catch (e) { /* the host went away first */ }
  }

  window.addEventListener("message", function (e) {
    if (e.origin !== cfg.contentOrigin || e.source !== frame.contentWindow) return;
    var d = e.data;
    if (!d || typeof d !== "object" || d.type !== "scorm-api:dispatch-results" || d.version !== 1) return;
    if (!host || finished) return;
    try {
      host.apply(clean(d.results));
    } catch (err) { /* a host that refuses a value keeps the others */ }
    if (d.final === true) finish();
  });
  window.addEventListener("pagehide", finish);
  window.addEventListener("unload", finish);

  // ---- open the course ------------------------------------------------------------------

  var learner = { id: "", name: "" };
  if (host) {
    if (host.start()) {
      learner = host.learner();
      host.begin();
    } else {
      host = null;
      say("Your learning platform did not start this course's tracking; the course opens without it.");
    }
  }
  var query = "learner_id=" + encodeURIComponent(learner.id) + "&learner_name=" + encodeURIComponent(learner.name) +
    "&host=" + encodeURIComponent(window.location.origin);
  frame.src = cfg.launchUrl + (cfg.launchUrl.indexOf("?") < 0 ? "?" : "&") + query;
  frame.hidden = false;
  if (host) note.hidden = true;
  else if (!api2004 && !api12) say("This page is not inside a learning platform: the course asks who you are.");
})();
