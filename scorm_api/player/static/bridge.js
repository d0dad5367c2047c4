/* The dispatch bridge. When the player runs inside a dispatch shell (in a host LMS), the
 * session's results go to the shell after each commit here, by postMessage to the host's
 * origin only (the origin the appliance checked at launch): completion, success and score as
 * the session rolled them up, the session time of this launch (the runtime's, accumulated by
 * the server), and the current SCO's location and suspend data. The shell writes them into
 * the host's runtime; `final` tells it the course has ended, so it finishes the host's
 * attempt. Nothing is read from the host: the player takes no messages from it.
 */
(function () {
  "use strict";
  window.ScormApiBridge = {
    start: function (cfg) {
      var origin = cfg.bridge && cfg.bridge.origin;
      if (!origin || window.parent === window) return null;
      var startSeconds = cfg.bridge.timeAtStart || 0;
      var live = {}, busy = false, again = false, finalWanted = false, sentFinal = false, timer = null;

      function post(session, final) {
        if (sentFinal) return;
        var score = session.score || {};
        var results = {
          completion: session.completion, success: session.success,
          score: score.scaled === null && score.raw === null ? null : score,
          session_seconds: Math.max(0, (session.time_spent_seconds || 0) - startSeconds),
          location: typeof live.location === "string" ? live.location : null,
          suspend_data: typeof live.suspend_data === "string" ? live.suspend_data : null
        };
        sentFinal = final;
        window.parent.postMessage({ type: "scorm-api:dispatch-results", version: 1, final: final,
                                    results: results }, origin);
      }

      // One status read at a time; a change meanwhile reads again when it is done.
      function refresh() {
        if (busy) { again = true; return; }
        busy = true;
        var final = finalWanted;
        fetch(cfg.statusUrl, { cache: "no-store" })
          .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
          .then(function (data) { post(data.session || {}, final); })
          .catch(function () { /* the next commit sends it again */ })
          .then(function () {
            busy = false;
            if (again) { again = false; refresh(); }
          });
      }

      return {
        // After each commit of the content's: read a moment later, so a commit still in
        // flight has landed (a later commit sends everything again anyway).
        changed: function (values) { live = values || live; setTimeout(refresh, 150); },
        // The course has ended: what its last commit brought is sent as final. A last commit
        // that never succeeds still ends the host's attempt, a moment later.
        ended: function (values) {
          live = values || live;
          finalWanted = true;
          clearTimeout(timer);
          timer = setTimeout(refresh, 1500);
        }
      };
    }
  };
})();
