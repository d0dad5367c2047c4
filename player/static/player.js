/* The player: one SCORM runtime (scorm-again) for the content in the iframe.
 *
 * - Resume: the server sends the flat CMI this launch starts from (saved data plus the values
 *   the LMS sets: entry, total_time, learner id and name); it is loaded before Initialize.
 * - Commits go to this launch's commit URL (flattened CMI + commitSequence); the final one is a
 *   sendBeacon. Closing the window without Terminate still sends the data (pagehide).
 * - Every API call the content makes is recorded (call, arguments, result, error code) and
 *   sent to the call log, for "why didn't it track?".
 */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("launch-config").textContent);
  var is12 = cfg.standard === "scorm_1_2";
  var statusEl = document.getElementById("status");
  var pending = [];
  var state = { initialized: false, finished: false };

  var api = new (is12 ? window.Scorm12API : window.Scorm2004API)({
    lmsCommitUrl: cfg.commitUrl,
    dataCommitFormat: "flattened",
    includeCommitSequence: true,
    sendFullCommit: true,
    autocommit: true,
    autocommitSeconds: 10,
    terminateCommitParam: "terminate",
    logLevel: 5
  });
  api.loadFromFlattenedJSON(cfg.cmi, "");

  // How the call log travels: "sync" while the page is alive and about to finish (nothing
  // can cancel it), "async" for the periodic flush (entries go back on failure), "beacon"
  // when the page is going away (small bodies only: beacons share a 64 KiB budget).
  function flushLog(mode) {
    if (!pending.length) return;
    var batch = pending.splice(0, pending.length);
    var body = JSON.stringify(batch);
    if (mode === "beacon") {
      if (navigator.sendBeacon) navigator.sendBeacon(cfg.logUrl, new Blob([body], { type: "text/plain;charset=UTF-8" }));
      return;
    }
    if (mode === "sync") {
      try {
        var xhr = new XMLHttpRequest();
        xhr.open("POST", cfg.logUrl, false);
        xhr.setRequestHeader("Content-Type", "application/json");
        xhr.send(body);
        if (xhr.status < 300) return;
      } catch (e) { /* fall through: keep the entries */ }
      pending.unshift.apply(pending, batch);
      return;
    }
    fetch(cfg.logUrl, { method: "POST", body: body, headers: { "Content-Type": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); })
      .catch(function () { pending.unshift.apply(pending, batch); });
  }

  function show(text) { statusEl.textContent = text; }

  // Keep log entries small: beacons and keepalive requests carry at most 64 KiB, and a
  // 64,000-character suspend_data would not fit even once.
  var CLIP = 300;
  function clip(value) {
    var text = String(value);
    return text.length <= CLIP ? text : text.slice(0, CLIP) + "… (" + text.length + " characters)";
  }

  // The object the content finds: the standard methods, each recorded on the way through.
  var names = is12
    ? ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit",
       "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"]
    : ["Initialize", "Terminate", "GetValue", "SetValue", "Commit",
       "GetLastError", "GetErrorString", "GetDiagnostic"];
  var lastError = is12 ? "LMSGetLastError" : "GetLastError";
  var facade = {};
  var commitName = is12 ? "LMSCommit" : "Commit";
  names.forEach(function (name) {
    facade[name] = function () {
      var args = Array.prototype.slice.call(arguments);
      var finishing = name === "LMSFinish" || name === "Terminate";
      // The runtime sends its final commit as a beacon, which browsers refuse above 64 KiB
      // (big suspend_data). Commit synchronously first, while the page is alive, so nothing
      // depends on the beacon; if only the beacon then fails, the data is already saved.
      var saved = finishing && state.initialized && !state.finished &&
        String(api[commitName]("")) === "true";
      var result = api[name].apply(api, args);
      if (finishing && saved && String(result) === "false" && String(api[lastError]()) === "391") {
        pending.push({ t: new Date().toISOString(), call: name, args: args.map(clip), result: "true",
                       error: "0", note: "final beacon refused by the browser; data committed before it" });
        result = "true";
      }
      if (name !== lastError && name.indexOf("Error") < 0 && name.indexOf("Diagnostic") < 0) {
        pending.push({ t: new Date().toISOString(), call: name, args: args.map(clip),
                       result: clip(result), error: String(api[lastError]()) });
        if (pending.length >= 200) flushLog("async");
      }
      if (name === "LMSInitialize" || name === "Initialize") {
        state.initialized = String(result) === "true";
        show(state.initialized ? "Tracking" : "Could not start tracking");
      }
      if (finishing) {
        state.finished = String(result) === "true";
        if (state.finished) show("Progress saved");
        flushLog("sync");
      }
      if ((name === "LMSCommit" || name === "Commit") && String(result) === "true") show("Progress saved");
      return result;
    };
  });
  facade.cmi = api.cmi;  // some content reads the data model object directly
  if (is12) window.API = facade; else window.API_1484_11 = facade;

  setInterval(function () { flushLog("async"); }, 5000);

  // Closing the window without Terminate: send what the content has set, as a beacon.
  window.addEventListener("pagehide", function () {
    if (state.initialized && !state.finished && navigator.sendBeacon) {
      var data = api.renderCommitCMI(true);
      data.commitSequence = 2147483647;  // after every commit this page made
      navigator.sendBeacon(cfg.commitUrl,
                           new Blob([JSON.stringify(data)], { type: "text/plain;charset=UTF-8" }));
    }
    flushLog("beacon");
  });

  show("Starting…");
  document.getElementById("content").src = cfg.contentUrl;
})();
