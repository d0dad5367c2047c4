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

  function flushLog(useBeacon) {
    if (!pending.length) return;
    var body = JSON.stringify(pending.splice(0, pending.length));
    if (useBeacon && navigator.sendBeacon) {
      navigator.sendBeacon(cfg.logUrl, new Blob([body], { type: "text/plain;charset=UTF-8" }));
    } else {
      fetch(cfg.logUrl, { method: "POST", body: body, keepalive: true,
                          headers: { "Content-Type": "application/json" } }).catch(function () {});
    }
  }

  function show(text) { statusEl.textContent = text; }

  // The object the content finds: the standard methods, each recorded on the way through.
  var names = is12
    ? ["LMSInitialize", "LMSFinish", "LMSGetValue", "LMSSetValue", "LMSCommit",
       "LMSGetLastError", "LMSGetErrorString", "LMSGetDiagnostic"]
    : ["Initialize", "Terminate", "GetValue", "SetValue", "Commit",
       "GetLastError", "GetErrorString", "GetDiagnostic"];
  var lastError = is12 ? "LMSGetLastError" : "GetLastError";
  var facade = {};
  names.forEach(function (name) {
    facade[name] = function () {
      var args = Array.prototype.slice.call(arguments);
      var result = api[name].apply(api, args);
      if (name !== lastError && name.indexOf("Error") < 0 && name.indexOf("Diagnostic") < 0) {
        pending.push({ t: new Date().toISOString(), call: name, args: args.map(String),
                       result: String(result), error: String(api[lastError]()) });
        if (pending.length >= 200) flushLog(false);
      }
      if (name === "LMSInitialize" || name === "Initialize") {
        state.initialized = String(result) === "true";
        show(state.initialized ? "Tracking" : "Could not start tracking");
      }
      if (name === "LMSFinish" || name === "Terminate") {
        state.finished = String(result) === "true";
        if (state.finished) show("Progress saved");
        flushLog(false);
      }
      if ((name === "LMSCommit" || name === "Commit") && String(result) === "true") show("Progress saved");
      return result;
    };
  });
  facade.cmi = api.cmi;  // some content reads the data model object directly
  if (is12) window.API = facade; else window.API_1484_11 = facade;

  setInterval(function () { flushLog(false); }, 5000);

  // Closing the window without Terminate: send what the content has set, as a beacon.
  window.addEventListener("pagehide", function () {
    if (state.initialized && !state.finished && navigator.sendBeacon) {
      var data = api.renderCommitCMI(true);
      data.commitSequence = 2147483647;  // after every commit this page made
      navigator.sendBeacon(cfg.commitUrl,
                           new Blob([JSON.stringify(data)], { type: "text/plain;charset=UTF-8" }));
    }
    flushLog(true);
  });

  show("Starting…");
  document.getElementById("content").src = cfg.contentUrl;
})();
