/* The player: one SCORM runtime (scorm-again) for the content in the iframe, a table of
 * contents and navigation for multi-SCO packages.
 *
 * - Each item (SCO) shown is a delivery: the server mints its commit and log URLs and sends
 *   the flat CMI it resumes from (saved data plus what the LMS sets: entry, total_time,
 *   learner id and name); the runtime is reset and loaded with it before the content starts.
 * - SCORM 2004 multi-SCO packages are sequenced by the runtime's engine, fed the activity tree
 *   the server built from the manifest; its state is saved after every delivery and attempt
 *   end, and closing the window suspends the course. Buttons and the table of contents follow
 *   what the engine allows (and what the content hides with hideLMSUI).
 * - SCORM 1.2 (and single-SCO) packages flow through their items in order; the table of
 *   contents lets the learner choose any item.
 * - Commits go to the delivery's commit URL (flattened CMI + commitSequence); the final one is a
 *   sendBeacon. Closing the window without Terminate still sends the data (pagehide).
 * - Every API call the content makes is recorded (call, arguments, result, error code) and
 *   sent to the delivery's call log, for "why didn't it track?".
 * - xAPI and cmi5 packages have no SCORM API: each delivery is a launch URL carrying its own
 *   LRS endpoint and credentials; the content reports to the LRS itself. An OwnWindow cmi5 AU
 *   takes the whole window; others play in the frame and hand back through the returnURL page.
 */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("launch-config").textContent);
  var is12 = cfg.standard === "scorm_1_2";
  var sequenced = cfg.mode === "sequencing";
  var xapiMode = cfg.mode === "xapi";
  var $ = function (id) { return document.getElementById(id); };
  var statusEl = $("status"), stage = $("stage"), tocEl = $("toc");
  var buttons = { previous: $("nav-previous"), "continue": $("nav-continue"),
                  suspendAll: $("nav-suspend"), exitAll: $("nav-exit") };

  var pending = [];          // call-log entries of the current delivery
  var current = null;        // the current delivery: {item_id, title, commitUrl, logUrl, cmi}
  var sco = { initialized: false, finished: false };
  var leaving = false;       // the player itself is unloading the content
  var ended = false;         // the course was exited or suspended
  var seqSave = 0;           // order of sequencing-state saves within this page
  var validity = null;       // what the sequencing engine allows next
  var statuses = cfg.status || {};
  var starting = false;      // the page is opening the sequencing session (its own requests)
  var deliveries = 0;        // activities the sequencing engine has delivered on this page
  var review = false;        // the learner is looking back at a finished course: nothing is saved
  var startWatch = null;     // the timer that notices content which never starts
  var noticeEl = $("notice");

  function show(text) { statusEl.textContent = text; }

  // ---- the runtime ------------------------------------------------------------------

  var settings = {
    lmsCommitUrl: false,
    dataCommitFormat: "flattened",
    includeCommitSequence: true,
    sendFullCommit: true,
    autocommit: true,
    autocommitSeconds: 10,
    terminateCommitParam: "terminate",
    logLevel: 5
  };
  if (sequenced) {
    settings.sequencing = {
      activityTree: cfg.tree,
      eventListeners: {
        onActivityDelivery: function (activity) {
          deliveries++;
          setTimeout(function () { deliver(activity.id); }, 0);
        },
        onNavigationValidityUpdate: function (v) { validity = v; setTimeout(render, 0); },
        // The page's own suspend-and-resume while it starts is not the learner leaving.
        onSequencingSessionEnd: function (d) {
          if (!starting) setTimeout(function () { endCourse(d && d.reason); }, 0);
        }
      }
    };
  }
  var api = xapiMode ? null : new (is12 ? window.Scorm12API : window.Scorm2004API)(settings);
  var lastError = is12 ? "LMSGetLastError" : "GetLastError";
  var commitName = is12 ? "LMSCommit" : "Commit";
  var finishName = is12 ? "LMSFinish" : "Terminate";

  // Inside a dispatch shell (bridge.js): the results go to the host LMS after each commit.
  var bridge = cfg.bridge && window.ScormApiBridge ? window.ScormApiBridge.start(cfg) : null;
  function liveValues() {
    try {
      return is12 ? { location: api.cmi.core.lesson_location, suspend_data: api.cmi.suspend_data }
                  : { location: api.cmi.location, suspend_data: api.cmi.suspend_data };
    } catch (e) { return {}; }
  }
  // After each commit the content makes (the runtime's commits are synchronous requests).
  function committed() { if (bridge) bridge.changed(liveValues()); }
  function courseEnded() { if (bridge) bridge.ended(api ? liveValues() : {}); }

  // ---- the call log -------------------------------------------------------------------

  // One JSON body to the server, by how the page is doing: "beacon" when it is going away
  // (text/plain, which the server accepts from beacons), "sync" while it is alive and about to
  // finish (nothing can cancel it), "async" otherwise. onFail runs when it did not arrive.
  function send(url, body, mode, onFail, keepalive) {
    if (mode === "beacon") {
      if (navigator.sendBeacon) navigator.sendBeacon(url, new Blob([body], { type: "text/plain;charset=UTF-8" }));
      return;
    }
    if (mode === "sync") {
      try {
        var xhr = new XMLHttpRequest();
        xhr.open("POST", url, false);
        xhr.setRequestHeader("Content-Type", "application/json");
        xhr.send(body);
        if (xhr.status < 300) return;
      } catch (e) { /* not arrived */ }
      if (onFail) onFail();
      return;
    }
    fetch(url, { method: "POST", body: body, keepalive: !!keepalive, headers: { "Content-Type": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); })
      .catch(function () { if (onFail) onFail(); });
  }

  // The call log goes "sync" when the content finishes, "async" for the periodic flush and
  // "beacon" when the page goes away (small bodies only: beacons share a 64 KiB budget).
  // Entries that did not arrive go back, unless the page has moved on to another delivery.
  function flushLog(mode) {
    if (!pending.length || !current) return;
    var batch = pending.splice(0, pending.length);
    var url = current.logUrl;
    // keepalive: a flush still in flight when the window closes is delivered, not dropped
    // (batches stay under the 64 KiB keepalive budget: at most 100 clipped entries).
    send(url, JSON.stringify(batch), mode, function () {
      if (current && current.logUrl === url) pending.unshift.apply(pending, batch);
    }, true);
  }

  // Keep log entries small: beacons and keepalive requests carry at most 64 KiB, and a
  // 64,000-character suspend_data would not fit even once.
  var CLIP = 300;
  function clip(value) {
    var text = String(value);
    return text.length <= CLIP ? text : text.slice(0, CLIP) + "… (" + text.length + " characters)";
  }

  var logSeq = 0;  // orders calls made within the same millisecond
  function record(name, args, result, note) {
    var entry = { t: new Date().toISOString(), n: ++logSeq, call: name, args: args.map(clip),
                  result: clip(result), error: String(api[lastError]()) };
    if (note) entry.note = note;
    pending.push(entry);
    if (pending.length >= 100) flushLog("async");
  }

  // ---- the object the content finds ---------------------------------------------------

  function finish(args, byPlayer) {
    // SCORM 1.2 RTE 3.4.4: a SCO that finishes without ever setting a status is completed.
    // (The runtime's own option for this never fires: its status starts as "not attempted",
    // which it then takes for a status the SCO set.)
    if (is12 && sco.initialized && !sco.finished && String(api.cmi.core.lesson_status) === "not attempted") {
      api.cmi.core.lesson_status = "completed";
    }
    // The runtime sends its final commit as a beacon, which browsers refuse above 64 KiB
    // (big suspend_data). Commit synchronously first, while the page is alive, so nothing
    // depends on the beacon; if only the beacon then fails, the data is already saved.
    var saved = sco.initialized && !sco.finished && String(api[commitName]("")) === "true";
    var result = api[finishName].apply(api, args);
    var note = byPlayer ? "called by the player: the content left without finishing" : "";
    if (saved && String(result) === "false" && String(api[lastError]()) === "391") {
      note = "final beacon refused by the browser; data committed before it";
      result = "true";
    }
    record(finishName, args, result, note);
    sco.finished = String(result) === "true";
    if (sco.finished && !review) { show("Progress saved"); noteStatus(); committed(); }
    flushLog("sync");
    return result;
  }

  var facade = {};
  (is12 ? ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit",
           "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"]
        : ["Initialize", "Terminate", "GetValue", "SetValue", "Commit",
           "GetLastError", "GetErrorString", "GetDiagnostic"]).forEach(function (name) {
    facade[name] = function () {
      var args = Array.prototype.slice.call(arguments);
      if (name === finishName) {
        var wasActive = sco.initialized && !sco.finished;
        var result = finish(args, false);
        if (wasActive && sco.finished && !leaving && !sequenced) setTimeout(afterFinish, 0);
        return result;
      }
      result = api[name].apply(api, args);
      if (name.indexOf("Error") < 0 && name.indexOf("Diagnostic") < 0) record(name, args, result);
      if (name === "LMSInitialize" || name === "Initialize") {
        sco.initialized = String(result) === "true";
        show(review ? "Review: nothing you do now changes your results"
                    : sco.initialized ? "Tracking" : "Could not start tracking");
        clearStartWatch();
        setTimeout(render, 0);  // the engine's look-ahead needs the live attempt
      }
      // What the engine allows next may change with a status (a precondition met).
      if (sequenced && /^cmi\.(completion_status|success_status|score\.scaled)$/.test(args[0]) && name === "SetValue") {
        setTimeout(render, 0);
      }
      if (name === commitName && String(result) === "true" && !review) { show("Progress saved"); noteStatus(); committed(); }
      return result;
    };
  });
  if (!xapiMode) {
    if (is12) window.API = facade; else window.API_1484_11 = facade;
  }

  // ---- deliveries ---------------------------------------------------------------------

  function post(url, body) {
    return fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
                        body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) throw new Error((data.error && data.error.message) || ("HTTP " + r.status));
          return data;
        });
      });
  }

  // End the content in the frame: removing the iframe runs its unload handlers now, and a
  // SCO that finishes there does so before the next one starts. One that does not is
  // finished by the player (SCORM 2004: the attempt must end for sequencing to go on).
  function unloadContent() {
    var frame = $("content");
    leaving = true;
    if (frame) frame.remove();
    if (sco.initialized && !sco.finished) {
      if (sequenced) finish([""], true);
      else { api[commitName](""); sco.finished = true; noteStatus(); }
    }
    flushLog("sync");
    leaving = false;
  }

  function deliver(itemId) {
    if (ended) return;
    unloadContent();
    hideNotice();
    show("Loading…");
    post(cfg.deliverUrl, { item_id: itemId, review: review }).then(function (d) {
      if (xapiMode) return launchContent(d);
      api.reset({ lmsCommitUrl: d.commitUrl }, { preserveListeners: true });
      api.loadFromFlattenedJSON(d.cmi, "");
      facade.cmi = api.cmi;  // some content reads the data model object directly
      sco = { initialized: false, finished: false };
      showContent(d, "Starting…");
      if (d.scormType === "sco") watchStart(d);
      if (sequenced) saveSequencing("async");
    }).catch(function (e) {
      message("This part of the course could not be opened", e.message,
              [{ label: "Try again", run: function () { deliver(itemId); } }]);
    });
  }

  // ---- content that never starts --------------------------------------------------------

  // A SCO that has not called Initialize after this long has most likely failed to load
  // (offline content that needs the internet is the common case in a classroom).
  var START_WAIT_MS = (cfg.startWaitSeconds || 20) * 1000;

  function clearStartWatch() {
    if (startWatch) clearTimeout(startWatch);
    startWatch = null;
    if (noticeEl.dataset.kind === "not-started") hideNotice();
  }

  function watchStart(d) {
    clearStartWatch();
    startWatch = setTimeout(function () {
      if (current !== d || sco.initialized) return;
      var hz = cfg.hazards || { count: 0, urls: [] };
      var why = hz.count
        ? "This course loads files from the internet (" + hz.urls.join(", ") + (hz.count > hz.urls.length ? ", …" : "") +
          "), and it may be that this computer cannot reach them. Connect to the internet and try again, " +
          "or ask your trainer for a version of the course that works offline."
        : "It may still be loading, or it may be broken. Try again; if it still does not start, tell your trainer.";
      notice("not-started", "This part of the course has not started",
             "It has not contacted the player after " + Math.round(START_WAIT_MS / 1000) + " seconds. " + why,
             [{ label: "Try again", run: function () { deliver(d.item_id); } }]);
      show("Not started");
    }, START_WAIT_MS);
  }

  // A bar over the content that explains and offers a way on, without taking the content away.
  function notice(kind, title, text, actions) {
    noticeEl.dataset.kind = kind;
    var h = document.createElement("strong");
    h.textContent = title;
    var p = document.createElement("span");
    p.textContent = " " + text;
    noticeEl.replaceChildren(h, p, actionBar(actions || []));
    noticeEl.hidden = false;
  }

  function hideNotice() { noticeEl.hidden = true; noticeEl.dataset.kind = ""; noticeEl.replaceChildren(); }

  function actionBar(actions) {
    var bar = document.createElement("span");
    bar.className = "actions";
    actions.forEach(function (a) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = a.label;
      b.addEventListener("click", function () { a.run(); });
      bar.append(b);
    });
    return bar;
  }

  function showContent(d, status) {
    current = d;
    var frame = document.createElement("iframe");
    frame.id = "content";
    frame.title = d.title;
    frame.setAttribute("allow", "fullscreen; autoplay");
    frame.src = d.contentUrl;
    stage.replaceChildren(frame);
    $("sco-title").textContent = d.title;
    show(status);
    render();
  }

  function launchContent(d) {
    if (d.launchMethod === "OwnWindow") {  // cmi5: the AU takes the window; its returnURL brings the player back
      window.location.assign(d.contentUrl);
      return;
    }
    showContent(d, "Playing");
  }

  // xAPI content exited to its returnURL (the returned page, same origin, in the frame).
  function contentReturned() {
    unloadContent();
    fetch(cfg.statusUrl).then(function (r) { return r.json(); }).then(function (data) {
      statuses = data.status || {};
      var s = data.session || {};
      var done = s.completion === "completed" ? "Course completed" : "Course not completed yet";
      message("This part of the course has ended",
              done + (s.success === "passed" ? ", passed" : s.success === "failed" ? ", not passed" : "") +
              ". " + (multi ? "Choose the next part from the contents, or close this window."
                            : "Your results are saved. You can close this window."));
      show(done);
      render();
      courseEnded();
    }).catch(function () { message("This part of the course has ended", "You can close this window."); });
  }

  window.addEventListener("message", function (e) {
    if (xapiMode && e.origin === window.location.origin && e.data && e.data.type === "scorm-api:content-returned") {
      contentReturned();
    }
  });

  // The stage's page for a state with no content: where the learner is, in plain words, and
  // the ways on (`actions`: [{label, run}]).
  function message(title, text, actions) {
    clearStartWatch();
    hideNotice();
    var box = document.createElement("div");
    box.className = "message";
    box.setAttribute("role", "status");
    var h = document.createElement("h2");
    h.textContent = title;
    var p = document.createElement("p");
    p.textContent = text;
    box.append(h, p);
    if (actions && actions.length) box.append(actionBar(actions));
    stage.replaceChildren(box);
    $("sco-title").textContent = "";
    show(title);
  }

  // ---- flow (SCORM 1.2 and single SCOs) -----------------------------------------------

  function indexOfCurrent() {
    for (var i = 0; i < cfg.items.length; i++) if (current && cfg.items[i].id === current.item_id) return i;
    return -1;
  }

  function afterFinish() {  // the content finished by itself: go on to the next item
    var next = cfg.items[indexOfCurrent() + 1];
    if (next) { deliver(next.id); return; }
    courseEnded();
    var item = current;
    var state = statusOf(item.item_id)[1];
    unloadContent();
    var again = [{ label: multi ? "Open “" + item.title + "” again" : "Open the course again",
                   run: function () { deliver(item.item_id); } }];
    if (multi) {
      message("You have reached the end of the course", state + ". Your progress is saved. You can " +
              "choose any part from the contents, or close this window.", again);
    } else {
      message("You have left the course", state + ". Your results are saved. You can close this window.", again);
    }
    render();
  }

  // ---- sequencing (SCORM 2004) -------------------------------------------------------

  // Whether any score can reach this activity by measure rollup (SN RB.1.1): a leaf's own, or
  // a child's through a weight above 0 (1.0 unless the manifest says). The engine reports a
  // measure of 0 for a course whose weights are all 0 ("no score is rolled up"): that score
  // is unknown, not 0.
  function measureRollsUp(node) {
    if (!node.children || !node.children.length) return true;
    return node.children.some(function (c) {
      var w = (c.sequencingControls || {}).objectiveMeasureWeight;
      return (typeof w === "number" ? w : 1) > 0 && measureRollsUp(c);
    });
  }

  function rollup() {
    var root = api.getActivityTrackingData(cfg.tree.id) || {};
    return { completion: root.completionStatus, success: root.successStatus,
             scaled: typeof root.score === "number" && measureRollsUp(cfg.tree) ? root.score : null };
  }

  // A save that does not arrive is not retried: the next one carries the whole state.
  // Nothing is saved while the learner reviews a finished course.
  function saveSequencing(mode) {
    if (review) return;
    send(cfg.sequencingUrl, JSON.stringify({ state: api.serializeSequencingState(), seq: ++seqSave,
                                             rollup: rollup() }), mode);
  }

  function scoLive() { return sco.initialized && !sco.finished; }

  // What the engine says a flow request would do now, without doing it ("allowed", "blocked"
  // or "unknown"): its look-ahead alone misses the next part's preconditions.
  function preview(request) {
    if (!sequenced || !scoLive() || (request !== "continue" && request !== "previous")) return "unknown";
    try { return api.previewNavigationRequest(request).outcome; } catch (e) { return "unknown"; }
  }

  function engineCurrent() {
    var a = null;
    try { a = api.getSequencingState().currentActivity; } catch (e) { /* no sequencing yet */ }
    if (!a) return null;
    var item = cfg.items.filter(function (x) { return x.id === a.id; })[0];
    return { id: a.id, title: item ? item.title : (a.title || a.id) };
  }

  function navigate(request, target) {
    if (ended) return;
    if (!sequenced) {
      var i = indexOfCurrent();
      var to = target || (request === "previous" ? cfg.items[i - 1] : cfg.items[i + 1] || {}).id;
      if (to) deliver(to);
      return;
    }
    var full = target ? "{target=" + target + "}choice" : request;
    var before = deliveries;
    if (scoLive()) {
      if (preview(request) === "blocked") {  // the content stays; the learner learns why
        var here = current ? "“" + current.title + "”" : "this part";
        notice("blocked", request === "continue" ? "Not yet." : "Not from here.",
               request === "continue" ? "This course opens its parts in order: finish " + here + " first."
                                      : "This course does not let you go back from " + here + ".");
        render();
        return;
      }
      // The learner asked, not the content: the request rides on the SCO's Terminate, which
      // ends its attempt and sequences in one step.
      if (request === "suspendAll" && !api.GetValue("cmi.exit")) api.SetValue("cmi.exit", "suspend");
      api.SetValue("adl.nav.request", full);
      unloadContent();
    } else {
      unloadContent();
      api.processNavigationRequest(target ? "choice" : request, target);
    }
    // A request that delivered nothing (and did not end the course) leaves an empty stage:
    // never leave the learner there.
    setTimeout(function () { if (!ended && deliveries === before) stranded(request); }, 0);
    saveSequencing("async");
  }

  function stranded(request) {
    var cur = engineCurrent();
    var actions = cur ? [{ label: "Back to “" + cur.title + "”", run: function () { reopen(cur.id); } }] : [];
    var canChoose = validity && validity.choice &&
      Object.keys(validity.choice).some(function (k) { return validity.choice[k] === "true"; });
    message(request === "choice" ? "That part is not open yet"
            : request === "previous" ? "You cannot go back from here" : "You cannot go on yet",
            "This course opens its parts in the order its author set" +
            (cur ? ": finish “" + cur.title + "” first" : "") + "." +
            (canChoose ? " You can also choose a part from the contents." : ""), actions);
    render();
  }

  // A new attempt on a part the learner already left: jump goes there whatever the course's
  // choice controls say (it was open to them a moment ago).
  function reopen(id) {
    var before = deliveries;
    api.processNavigationRequest("jump", id) || api.processNavigationRequest("choice", id);
    if (deliveries === before) {
      message("This part cannot be opened again", "The course's rules do not allow it now. " +
              (cfg.newAttemptUrl ? "You can start the course again as a new attempt, or close this window."
                                 : "You can close this window."), finishedActions(false));
    }
    saveSequencing("async");
  }

  function resultText(r) {
    var parts = [r.completion === "completed" ? "Course completed" : "Course not completed yet"];
    if (r.success === "passed") parts.push("passed");
    if (r.success === "failed") parts.push("not passed");
    if (typeof r.scaled === "number") parts.push("score " + Math.round(r.scaled * 100) + "%");
    return parts.join(", ");
  }

  function courseResult() {
    var r = rollup(), s = cfg.session || {};
    if (r.completion !== "completed" && s.completion === "completed") {
      r = { completion: s.completion, success: s.success, scaled: s.score ? s.score.scaled : null };
    }
    return r;
  }

  // The ways on from a finished (or closed) course: look back at it, or begin again.
  function finishedActions(canReview) {
    var out = [];
    if (canReview) out.push({ label: "Review the course", run: startReview });
    if (cfg.newAttemptUrl) out.push({ label: "Start a new attempt", run: newAttempt });
    return out;
  }

  function finishedPage() {
    var r = courseResult();
    message("You have completed this course", resultText(r) + ". Your results are saved. You can " +
            "look through the course again without changing them" +
            (cfg.newAttemptUrl ? ", or start a new attempt." : ".") + " Or close this window.",
            finishedActions(true));
    render();
  }

  // The course again on this page, after it ended: a new sequencing session from where the
  // engine is; true when something was delivered.
  function startAgain() {
    ended = false;
    reopenSession();
    return api.processNavigationRequest("start");
  }

  function startReview() {
    review = true;
    document.body.classList.add("reviewing");
    var before = deliveries;
    startAgain() || (cfg.items[0] && api.processNavigationRequest("choice", cfg.items[0].id));
    if (deliveries === before) message("This course cannot be reviewed", "Its rules do not allow it.", finishedActions(false));
  }

  function newAttempt() {
    show("Starting a new attempt…");
    post(cfg.newAttemptUrl, {}).then(function (d) { window.location.assign(d.launch_url); })
      .catch(function (e) { message("A new attempt could not be started", e.message); });
  }

  // Open the sequencing session from a saved state. Only a suspended activity carries over
  // from one sequencing session to the next (SN OP.1): a state saved between parts, or after
  // the course was exited, still names a current activity, which would refuse Start and Resume
  // All alike; it is cleared. A state left mid-attempt (the window closed before the player
  // could suspend) is suspended and resumed where it was.
  function openState(json) {
    var st = null;
    try { st = json ? JSON.parse(json) : null; } catch (e) { st = null; }
    var seq = (st && st.sequencing) || {};
    var out = { suspended: !!(seq.suspendedActivity || (st && st.suspensionState && st.suspensionState.suspendedActivityId)),
                leftActive: false };
    var cur = seq.currentActivity || (st && st.currentActivityId) || null;
    out.leftActive = !!(cur && seq.activityStates && seq.activityStates[cur] && seq.activityStates[cur].isActive);
    if (st && cur && !out.suspended && !out.leftActive) {
      seq.currentActivity = null;
      st.currentActivityId = null;
      if (st.suspensionState) st.suspensionState.currentActivityId = null;
      json = JSON.stringify(st);
    }
    if (json) api.deserializeSequencingState(json);
    return out;
  }

  // The same, for this page's own engine once the course has ended (review, open again).
  function reopenSession() { openState(api.serializeSequencingState()); }

  function startSequencing() {
    starting = true;
    var st = openState(cfg.sequencingState);
    var started = (cfg.start && api.processNavigationRequest("choice", cfg.start)) ||
      (st.suspended && api.processNavigationRequest("resumeAll")) ||
      (st.leftActive && api.processNavigationRequest("suspendAll") && api.processNavigationRequest("resumeAll"));
    starting = false;
    if (started) return;
    if (courseResult().completion === "completed") return finishedPage();
    if (api.processNavigationRequest("start")) return;
    message("Choose where to start", "Pick a part of the course from the contents.", finishedActions(false));
  }

  function endCourse(reason) {
    ended = true;
    courseEnded();
    unloadContent();
    saveSequencing("sync");
    var r = rollup();
    if (reason === "suspend_all") {
      message("Your place is saved", "Open the course again to continue where you stopped, or " +
              "close this window.", [{ label: "Continue now", run: resumeNow }]);
    } else if (review) {
      message("You have finished reviewing the course", resultText(courseResult()) +
              ". Your results are as they were. You can close this window.", finishedActions(true));
    } else {
      var done = r.completion === "completed";
      message("You have left the course", resultText(r) + ". Your results are saved. You can close this window.",
              done ? finishedActions(true)
                   : [{ label: "Open the course again", run: function () { if (!startAgain()) stranded("start"); } }]
                     .concat(finishedActions(false)));
    }
    render();
  }

  // "Continue now" after Save and exit: resume where the learner stopped, on this page.
  function resumeNow() {
    ended = false;
    starting = true;
    var ok = api.processNavigationRequest("resumeAll");
    starting = false;
    if (!ok) startSequencing();
  }

  // ---- table of contents and buttons --------------------------------------------------

  // The current item's status for the table of contents, as the runtime has it now. Never
  // throws: it runs inside the content's API calls.
  function noteStatus() {
    if (!current) return;
    var s = {};
    try {
      if (is12) {
        var lesson = String(api.cmi.core.lesson_status || "");
        s = { completion: /passed|completed|failed/.test(lesson) ? "completed"
                          : /incomplete|browsed/.test(lesson) ? "incomplete" : "",
              success: /passed|failed/.test(lesson) ? lesson : "unknown" };
      } else {
        s = { completion: String(api.cmi.completion_status || ""), success: String(api.cmi.success_status || "") };
      }
    } catch (e) { return; }
    if (s.completion === "completed" || s.completion === "incomplete") statuses[current.item_id] = s;
    setTimeout(render, 0);
  }

  function statusOf(id) {
    var s = statuses[id];
    var live = current && current.item_id === id && sco.initialized && !sco.finished;
    if (sequenced && !live) {  // the engine knows an item's status once an attempt has ended
      var t = api.getActivityTrackingData(id);
      if (t && t.completionStatus !== "unknown") s = { completion: t.completionStatus, success: t.successStatus };
    }
    if (!s) return ["not-attempted", "Not started"];
    if (s.success === "failed") return ["failed", "Failed"];
    if (s.success === "passed") return ["passed", "Passed"];
    if (s.completion === "completed") return ["completed", "Completed"];
    if (s.completion === "incomplete") return ["incomplete", "In progress"];
    return ["not-attempted", "Not started"];
  }

  function choiceAllowed(id) {
    if (ended && sequenced) return false;
    if (!sequenced) return true;
    return !!(validity && validity.choice && validity.choice[id] === "true");
  }

  function renderNodes(nodes, list) {
    nodes.forEach(function (node) {
      if (node.isVisible === false) {  // hidden items: their visible children still show
        if (node.children) renderNodes(node.children, list);
        return;
      }
      var li = document.createElement("li");
      if (node.launchable) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "toc-item";
        b.dataset.item = node.id;
        var st = statusOf(node.id);
        var dot = document.createElement("span");
        dot.className = "dot " + st[0];
        dot.title = st[1];
        var label = document.createElement("span");
        label.textContent = node.title;
        var sr = document.createElement("span");
        sr.className = "sr-only";
        sr.textContent = " (" + st[1] + ")";
        b.append(dot, label, sr);
        if (current && current.item_id === node.id && !ended) b.setAttribute("aria-current", "page");
        b.disabled = !choiceAllowed(node.id);
        b.addEventListener("click", function () { navigate("choice", node.id); });
        li.append(b);
      } else {
        var h = document.createElement("span");
        h.className = "toc-cluster";
        h.textContent = node.title;
        li.append(h);
      }
      if (node.children) {
        var ul = document.createElement("ul");
        renderNodes(node.children, ul);
        if (ul.children.length) li.append(ul);
      }
      list.append(li);
    });
  }

  var multi = cfg.items.length > 1;
  function render() {
    if (multi && cfg.tree) {
      var ul = document.createElement("ul");
      renderNodes(cfg.tree.children || [], ul);
      tocEl.replaceChildren(ul);
    }
    var hidden = (validity && validity.hideLmsUi) || [];
    var i = indexOfCurrent();
    var blocked = { previous: preview("previous") === "blocked", "continue": preview("continue") === "blocked" };
    var allowed = {
      previous: sequenced ? !!(validity && validity.previous) && !blocked.previous : i > 0,
      "continue": sequenced ? !!(validity && validity["continue"]) && !blocked["continue"]
                            : i >= 0 && i < cfg.items.length - 1,
      suspendAll: sequenced && !!current && !review,
      exitAll: sequenced && !!current
    };
    Object.keys(buttons).forEach(function (k) {
      var b = buttons[k];
      b.hidden = !multi || hidden.indexOf(k) >= 0 || (!sequenced && (k === "suspendAll" || k === "exitAll")) ||
                 (review && k === "suspendAll");
      b.disabled = ended || !allowed[k];
      b.title = blocked[k] ? (k === "continue" ? "Finish this part first" : "This course does not go back from here") : "";
    });
  }

  Object.keys(buttons).forEach(function (k) {
    buttons[k].addEventListener("click", function () { navigate(k); });
  });
  $("toc-toggle").addEventListener("click", function () {
    var open = document.body.classList.toggle("toc-open");
    this.setAttribute("aria-expanded", String(open));
  });

  setInterval(function () { flushLog("async"); }, 5000);

  // Closing the window: send what the content has set, as a beacon; a sequenced course is
  // suspended where it is, so the next launch resumes there.
  window.addEventListener("pagehide", function () {
    if (review) { flushLog("beacon"); return; }  // a review changes nothing: only its call log goes
    if (sco.initialized && !sco.finished && navigator.sendBeacon && current) {
      if (sequenced && !api.GetValue("cmi.exit")) api.SetValue("cmi.exit", "suspend");
      var data = api.renderCommitCMI(true);
      data.commitSequence = 2147483647;  // after every commit this delivery made
      send(current.commitUrl, JSON.stringify(data), "beacon");
      if (sequenced && !ended) {
        sco.finished = true;
        api.processNavigationRequest("suspendAll");
      }
    }
    if (sequenced && !ended && current) saveSequencing("beacon");
    flushLog("beacon");
  });

  // ---- start ----------------------------------------------------------------------------

  if (multi) document.body.classList.add("has-toc", "toc-open");
  render();
  if (!sequenced) {
    deliver(cfg.start);
  } else {
    startSequencing();
  }
})();
