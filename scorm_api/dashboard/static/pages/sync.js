/* The Sync to cloud page: the target, a run (or a dry run) with its live progress and report,
 * the sync by file (sync-files.js), the conflicts a run or an import found, and the recent
 * runs. */
import { api } from "../api.js";
import { fail, h, main, table, toast } from "../dom.js";
import { bytes, duration, plural, scoreText, singular, when } from "../format.js";
import { fileCard } from "./sync-files.js";

const POLL_MS = 1000;
// A run's status, as the badge class (dashboard.css) that colours it.
const RUN_STATES = { running: "processing", completed: "completed", failed: "failed", interrupted: "failed" };
// What started a run (sync/models.TRIGGERS), as the runs table says it.
const TRIGGERS = { dashboard: "from the dashboard", api: "by an API client", cli: "from the command line", schedule: "on schedule", import: "a sync file imported" };

export default function syncPage() {
  const status = h("div", { class: "sync-status", "aria-live": "polite" });
  const conflictsBox = h("div", {}), runsBox = h("div", {});
  const url = h("input", { id: "sync-url", type: "url", required: true, class: "wide-input", placeholder: "https://app.allureconnect.com" });
  const tenant = h("input", { id: "sync-tenant", required: true, class: "wide-input" });
  const key = h("input", { id: "sync-key", type: "password", autocomplete: "off", class: "wide-input" });
  const every = h("input", { id: "sync-every", type: "number", min: "5", max: "10080", class: "narrow", placeholder: "off" });
  const lrsKey = h("input", { id: "sync-lrs-key", autocomplete: "off", class: "wide-input" });
  const lrsSecret = h("input", { id: "sync-lrs-secret", type: "password", autocomplete: "off", class: "wide-input" });
  const propagate = h("input", { id: "sync-propagate", type: "checkbox" });
  const syncBtn = h("button", { type: "button", class: "primary", onclick: () => start(false) }, "Sync now");
  const dryBtn = h("button", { type: "button", onclick: () => start(true) }, "Dry run");
  let saved = null;
  const enable = (on) => { syncBtn.disabled = dryBtn.disabled = !on; };
  enable(false);  // until the saved target (if any) is known

  // The saved key is never sent back: the field stays empty and says how to replace it.
  function showTarget(t) {
    saved = t;
    url.value = t ? t.url : ""; tenant.value = t ? t.tenant_id : ""; key.value = "";
    key.placeholder = t ? "saved (" + t.api_key_hint + "); type to replace" : "an API key of the target (write scope)";
    every.value = t && t.schedule_minutes ? t.schedule_minutes : "";
    lrsKey.value = lrsSecret.value = "";
    lrsKey.placeholder = t && t.lrs_key_hint ? "saved (" + t.lrs_key_hint + "); type to replace" : "optional: xAPI documents and attachments";
    enable(t);
  }
  const form = h("form", { class: "stack", onsubmit: (e) => {
    e.preventDefault();
    const body = { url: url.value.trim(), tenant_id: tenant.value.trim(), schedule_minutes: every.value ? Number(every.value) : null };
    if (key.value) body.api_key = key.value;
    if (lrsKey.value || lrsSecret.value) { body.lrs_key = lrsKey.value; body.lrs_secret = lrsSecret.value; }
    api("PUT", "/api/v1/sync/target", body).then((r) => { showTarget(r.target); toast("Target saved"); }).catch(fail);
  } },
    h("label", { for: "sync-url", text: "Target address" }), url,
    h("label", { for: "sync-tenant", text: "Your tenant id on the target" }), tenant,
    h("label", { for: "sync-key", text: "API key on the target" }), key,
    h("p", { class: "hint", text: "Stored encrypted on this computer and never shown again." }),
    h("label", { for: "sync-lrs-key", text: "LRS key on the target" }), lrsKey,
    h("label", { for: "sync-lrs-secret", text: "LRS secret on the target" }), lrsSecret,
    h("label", { for: "sync-every", text: "Sync automatically every … minutes (empty: only when you press Sync now)" }), every,
    h("button", { type: "submit" }, "Save target"));

  function watch(run) {
    const running = run.status === "running";
    const bar = h("progress", { max: String(Math.max(1, run.progress.items_total)), value: String(run.progress.items_done), "aria-label": "Sync progress" });
    status.replaceChildren(h("h2", { text: running ? "Syncing…" : "Last run" }),
      ...(running ? [bar, h("p", { class: "step", text: runSummary(run) })] : reportView(run)));
    enable(!running && saved);
    if (running) {
      setTimeout(() => api("GET", "/api/v1/sync/runs/" + run.id).then((r) => watch(r.run)).catch(fail), POLL_MS);
    } else { loadConflicts(); loadRuns(); }
  }
  function start(dry) {
    enable(false);
    api("POST", "/api/v1/sync/runs", { dry_run: dry, propagate_deletes: propagate.checked }).then((r) => watch(r.run))
      .catch((e) => { enable(saved); fail(e); });
  }
  function loadConflicts() {
    api("GET", "/api/v1/sync/conflicts?status=open&limit=50").then((data) => {
      if (!data.conflicts.length) { conflictsBox.replaceChildren(); return; }
      conflictsBox.replaceChildren(h("section", { class: "card" }, h("h2", { text: "Conflicts (" + data.pagination.total + ")" }),
        h("p", { class: "hint", text: "These learners went on both here and on the other side (the target, or the appliance whose sync file was imported) since they last met. Nothing was overwritten; choose which progress to keep." }),
        table(["Learner", "Course", "What differs", "Found", ""], data.conflicts.map((c) => conflictRow(c, loadConflicts)), "compact conflicts")));
    }).catch(fail);
  }
  function loadRuns() {
    api("GET", "/api/v1/sync/runs?limit=10").then((data) => {
      if (!data.runs.length) { runsBox.replaceChildren(); return; }
      runsBox.replaceChildren(h("section", { class: "card" }, h("h2", { text: "Recent runs" }),
        table(["Started", "How", "Status", "Progress"], data.runs.map((r) => h("tr", {},
          h("td", { text: when(r.started_at) }), h("td", { text: (r.dry_run ? "dry run, " : "") + (TRIGGERS[r.trigger] || r.trigger) }),
          h("td", {}, runBadge(r.status, r.status)), h("td", { text: runSummary(r) }))), "compact")));
    }).catch(fail);
  }

  main.replaceChildren(h("h1", { text: "Sync to cloud" }),
    h("p", { class: "hint", text: "Copies your packages, your learners' progress and their activity records (xAPI) to a cloud instance. Run it as often as you like: only what changed travels, and this computer keeps working as before." }),
    h("div", { class: "grid" }, h("section", { class: "card" }, h("h2", { text: "Target" }), form),
      h("section", { class: "card" }, status, h("div", { class: "row" }, syncBtn, dryBtn),
        h("label", { class: "check" }, propagate, " Also delete on the target what was deleted here"))),
    fileCard(watch), conflictsBox, runsBox);
  status.replaceChildren(h("h2", { text: "Not synced yet" }), h("p", { class: "hint", text: "Save a target, then press Sync now. A dry run first shows what would travel, sending nothing." }));
  // The form waits for the saved target: filled in before it arrived, it would be cleared.
  const editable = (on) => { for (const el of form.elements) el.disabled = !on; };
  editable(false);
  api("GET", "/api/v1/sync/target").then((r) => showTarget(r.target)).catch(fail).finally(() => editable(true));
  // The last run, followed live if it is still going (started here earlier, or by the schedule).
  api("GET", "/api/v1/sync/runs?limit=1").then((data) => {
    if (data.runs.length) api("GET", "/api/v1/sync/runs/" + data.runs[0].id).then((r) => watch(r.run)).catch(fail);
  }).catch(fail);
  loadConflicts(); loadRuns();
}

// What a conflict's two versions may differ in (sync/conflicts.py), as a trainer says it: the
// session's results, and the CMI elements a trainer may know by another name; any other
// element shows as the course named it.
const FIELDS = {
  completion_status: "Completion", success_status: "Result", score: "Score", time_spent_seconds: "Time spent",
  attempts: "Attempt", "cmi.core.lesson_status": "Status", "cmi.completion_status": "Completion",
  "cmi.success_status": "Result", "cmi.core.score.raw": "Score", "cmi.score.raw": "Score",
  "cmi.score.scaled": "Score (scaled)", "cmi.core.lesson_location": "Bookmark", "cmi.location": "Bookmark",
  "cmi.suspend_data": "Saved progress", "cmi.core.exit": "Exit", "cmi.exit": "Exit",
};
const LONGEST = 60;  // characters of a value shown (saved progress can run to kilobytes); all of it in its tooltip

function fieldValue(field, value) {
  if (value === null || value === undefined || value === "") return h("td", { text: "—" });
  const text = field === "score" ? scoreText(value) : field === "time_spent_seconds" ? duration(value) : String(value);
  return h("td", { title: text.length > LONGEST ? text : null, text: text.length > LONGEST ? text.slice(0, LONGEST - 1) + "…" : text });
}

// Both versions side by side, so the choice is not blind: each difference, and when each side last changed.
function differencesView(c) {
  if (!c.remote_known) {
    return h("p", { class: "hint", text: "The target's version could not be read: compare them on the session's page here and on the target." });
  }
  const imported = c.direction === "imported";
  return h("div", {},
    c.differences.length ? table(["", "This computer", imported ? "The sync file" : "The target"], c.differences.map((d) => h("tr", {},
      h("th", { scope: "row", text: FIELDS[d.field] || d.field }), fieldValue(d.field, d.local), fieldValue(d.field, d.remote))), "compact sides")
      : h("p", { class: "hint", text: "The same progress on both sides, changed at different times." }),
    h("p", { class: "hint", text: "Changed here " + when(c.local_updated_at) + "; " + (imported ? "on the other appliance " : "on the target ") + (when(c.remote_updated_at) || "—") + "." }));
}

function conflictRow(c, reload) {
  const keep = (side) => () => {
    api("POST", "/api/v1/sync/conflicts/" + c.id + "/resolve", { keep: side }).then(() => {
      const imported = c.direction === "imported";
      toast(side === "local" ? (imported ? "This computer's progress is kept" : "This computer's progress goes at the next sync")
        : (imported ? "The sync file's progress is written here" : "The target's progress is kept"));
      reload();
    }).catch(fail);
  };
  const learner = c.learner_name ? c.learner_name + " (" + c.learner + ")" : c.learner;
  return h("tr", { "data-conflict": c.id },
    // An imported conflict's session here is its remote_id (local_id is the sender's id).
    h("td", {}, h("a", { href: "/dashboard/sessions/" + (c.direction === "imported" ? c.remote_id : c.local_id), text: learner })),
    h("td", {}, c.package_id ? h("a", { href: "/dashboard/packages/" + c.package_id, text: c.course || c.package_id }) : "—"),
    h("td", {}, differencesView(c)),
    h("td", { text: when(c.created_at) }),
    h("td", {}, h("div", { class: "row tight" }, h("button", { type: "button", onclick: keep("local") }, "Keep this computer's"),
      h("button", { type: "button", onclick: keep("remote") }, c.direction === "imported" ? "Keep the sync file's" : "Keep the target's"))));
}

function runBadge(status, text) {
  return h("span", { class: "badge " + RUN_STATES[status], text });
}

function runSummary(run) {
  const p = run.progress;
  const mb = p.bytes_total ? " · " + bytes(p.bytes_done) + " of " + bytes(p.bytes_total) : "";
  const rate = p.bytes_per_second ? " · " + bytes(p.bytes_per_second) + "/s" : "";
  let eta = p.eta_seconds !== null && p.eta_seconds !== undefined ? " · about " + Math.ceil(p.eta_seconds) + " s left" : "";
  if (p.waiting) {
    eta = " · waiting " + Math.ceil(p.waiting.seconds) + " s (" + p.waiting.reason + ")";
  }
  return p.items_done + " of " + plural(p.items_total, "item") + mb + rate + eta + (run.phase ? " · " + run.phase : "");
}

// A finished run: its status, then what a dry run would send, or what a run did, per kind.
function reportView(run) {
  const report = run.report || {};
  const counts = report.counts || {}, kinds = Object.keys(counts);
  const out = [h("p", {}, runBadge(run.status, run.dry_run ? "dry run " + run.status : run.status),
    " ", when(run.started_at), run.error ? h("span", { class: "error", text: " — " + run.error }) : null)];
  if (run.dry_run && report.plan) {
    const plan = report.plan;
    out.push(h("p", { text: "Would send " + plural(plan.packages, "package") + " (" + bytes(plan.package_bytes) + "), " +
      plural(plan.sessions, "session") + ", " + plural(plan.statements, "activity record") + ", " +
      plural(plan.webhooks || 0, "webhook") + " and " + plural(plan.dispatches || 0, "dispatch") + "." }));
    if (plan.launches !== undefined) {
      const minutes = Math.ceil((plan.rate_limited_seconds || 0) / 60);
      out.push(h("p", { text: "The target would count " + plural(plan.launches, "launch") + " (one per new learner session)" +
        (minutes ? "; its rate limits make this take at least " + minutes + " min." : ".") }));
    }
  } else if (kinds.length) {
    out.push(table(["", "created", "updated", "unchanged", "failed", "conflicts", "deleted"], kinds.map((k) => {
      const c = counts[k];
      return h("tr", {}, h("th", { scope: "row", text: k }), [c.created, c.updated, c.skipped, c.failed, c.conflict, c.deleted || 0].map((n) => h("td", { text: n })));
    }), "compact"));
  } else if (run.status === "completed") {
    out.push(h("p", { text: "Nothing to send: the target already has everything." }));
  }
  if (report.plan) {
    notCarried(report.plan, out);
    const gone = Object.entries(report.plan.deleted_here || {});
    if (gone.length) {
      out.push(h("p", { text: "Deleted here since synced: " + gone.map(([kind, n]) => plural(n, kind)).join(", ") +
        (report.plan.propagate_deletes ? " (deleted on the target too)" : " (still on the target)") + "." }));
    }
  }
  const failed = report.failed || [];
  if (failed.length) {
    out.push(h("h3", { text: "Failed" }), h("ul", { class: "plain" }, failed.map((f) => h("li", { text: f.kind + " " + f.local_id + ": " + f.reason }))));
  }
  webhookSecrets(report.webhook_secrets || [], out);
  return out;
}

// The webhooks the run made on the target, with the signing secrets the target made for
// them: the server shows each secret to one read only, so this is the one chance to copy it.
function webhookSecrets(made, out) {
  if (!made.length) return;
  const cell = (s) => s.secret ? h("code", { text: s.secret })
    : h("span", { class: "hint", text: s.note || (s.shown_at ? "shown " + when(s.shown_at) : "not shown") });
  out.push(h("h3", { text: "Webhooks made on the target" }),
    h("p", { text: "Each signs with a new secret the target made. Copy them into your receivers now: they are shown this once." }),
    table(["Receiver", "Event", "Webhook there", "Secret"], made.map((s) => h("tr", {},
      h("td", { text: s.url }), h("td", { text: s.event_type }), h("td", { text: s.remote_id }), h("td", {}, cell(s)))), "compact"));
}

// What a cloud target cannot hold, said before a run and kept in its report: never dropped
// without a word.
function notCarried(plan, out) {
  const items = plan.not_carried || [];
  if (!items.length) {
    return;
  }
  out.push(h("h3", { text: "Not carried to this target" }),
    h("ul", { class: "plain" }, items.map((i) => h("li", { text: i.description + ": " + plural(i.count, singular(i.unit)) }))));
}
