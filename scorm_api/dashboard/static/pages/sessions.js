/* The Learners and sessions page: the list with its filters, sorting and CSV export, and one
 * session's page with its status, objectives, interactions and the course's call log; for
 * xAPI and cmi5 courses also each activity launch, with abandoning and waiving. */
import { api } from "../api.js";
import { LIMIT, badge, confirmDialog, crumbs, emptyState, fail, formDialog, h, main, options, pager, showMissing, table, toast }
  from "../dom.js";
import { clockTime, day, duration, scoreText, when } from "../format.js";
import { NOW, courseSelect, linkFor, validitySelect } from "../launching.js";
import { learnerName, learnerPicker } from "../learner-picker.js";
import { pageData } from "../page-data.js";
import { launchLinkRow } from "../shell.js";

const SEARCH_DELAY_MS = 250;  // a search starts when the typing pauses
const LOG_SHOWN = 500;  // the call log's last calls shown
// [sort key (none: not sortable), title]
const COLUMNS = [["user_id", "Learner"], [null, "Package"], ["completion_status", "Completion"],
                 ["success_status", "Success"], ["score", "Score"], ["time_spent_seconds", "Time"],
                 ["updated_at", "Last activity"]];

export default function sessionsPage(item) {
  if (item) sessionPage(item);
  else listPage();
}

function listPage() {
  const params = new URLSearchParams(window.location.search);
  const state = { page: 1, sort: params.get("sort") || "updated_at", order: params.get("order") || "desc",
                  package_id: params.get("package_id") || "", search: "", completion_status: "", success_status: "",
                  previews: "" };
  const list = h("div", { class: "list" });
  const pkgSelect = h("select", { id: "filter-package", "aria-label": "Package" }, h("option", { value: "", text: "All packages" }));
  const completion = h("select", { id: "filter-completion", "aria-label": "Completion" },
    options([["", "Any completion"], ...pageData.completion_choices]));
  const success = h("select", { id: "filter-success", "aria-label": "Success" },
    options([["", "Any result"], ...pageData.success_choices]));
  const search = h("input", { type: "search", placeholder: "Learner id or name", "aria-label": "Search learners" });
  const exportLink = h("a", { class: "button-like", id: "export-csv", download: "" }, "Export CSV");
  // The dashboard's previews are not learners: listed only when asked for.
  const showPreviews = h("input", { type: "checkbox", id: "filter-previews" });
  let timer;
  function filters() {
    const q = new URLSearchParams();
    for (const k of ["package_id", "search", "completion_status", "success_status", "previews", "sort", "order"]) {
      if (state[k]) q.set(k, state[k]);
    }
    return q;
  }
  function changed() { state.page = 1; load(); }
  pkgSelect.addEventListener("change", () => { state.package_id = pkgSelect.value; changed(); });
  completion.addEventListener("change", () => { state.completion_status = completion.value; changed(); });
  success.addEventListener("change", () => { state.success_status = success.value; changed(); });
  showPreviews.addEventListener("change", () => { state.previews = showPreviews.checked ? "true" : ""; changed(); });
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.search = search.value.trim(); changed(); }, SEARCH_DELAY_MS);
  });

  function header([key, title]) {
    if (!key) return h("th", { scope: "col", text: title });
    const active = state.sort === key;
    const arrow = active ? (state.order === "asc" ? " ▲" : " ▼") : "";
    return h("th", { scope: "col", "aria-sort": active ? (state.order === "asc" ? "ascending" : "descending") : null },
      h("button", { type: "button", class: "sort", onclick: () => {
        if (active) state.order = state.order === "asc" ? "desc" : "asc";
        else {
          state.sort = key;
          state.order = /status|user|package/.test(key) ? "asc" : "desc";  // words from A; dates, figures from the top
        }
        load();
      } }, title + arrow));
  }
  function load() {
    const q = filters();
    exportLink.href = "/api/v1/sessions/export?" + q.toString();  // the whole filtered list, not this page
    q.set("page", state.page);
    q.set("limit", LIMIT);
    return api("GET", "/api/v1/sessions?" + q.toString()).then((data) => {
      const total = data.pagination.total;
      if (!total) {
        const filtered = state.package_id || state.search || state.completion_status || state.success_status;
        list.replaceChildren(emptyState(filtered ? "No session matches these filters" : "No learners yet",
          filtered ? "Clear a filter to see more." :
            "Open a package and launch it for a learner: their session shows up here as soon as the link is made."));
        return;
      }
      list.replaceChildren(table(COLUMNS.map(header), data.sessions.map((x) => h("tr", {},
        h("td", {}, h("a", { href: "/dashboard/sessions/" + x.id, text: x.user_name ? x.user_name + " (" + x.user_id + ")" : x.user_id }),
          x.preview ? h("span", { class: "badge", text: "preview" }) : null),
        h("td", { text: x.package.title }),
        h("td", {}, badge(x.completion_status)), h("td", {}, badge(x.success_status)),
        h("td", { class: "num", text: scoreText(x.score) }), h("td", { class: "num", text: duration(x.time_spent_seconds) }),
        h("td", { text: when(x.updated_at) })))), pager(state.page, total, LIMIT, (p) => { state.page = p; load(); }));
    }).catch(fail);
  }
  api("GET", "/api/v1/packages?limit=100").then((data) => {
    for (const p of data.packages) pkgSelect.append(h("option", { value: p.id, text: p.title, selected: p.id === state.package_id }));
  }).catch(fail);
  main.replaceChildren(h("h1", { text: "Learners and sessions" }),
    h("div", { class: "toolbar" }, search, pkgSelect, completion, success,
      h("label", { class: "check" }, showPreviews, " Show previews"), h("span", { class: "spacer" }), exportLink,
      h("button", { type: "button", class: "primary", onclick: () => launchDialog(load) }, "Launch for a learner")), list);
  load();
}

function sessionPage(id) {
  const back = () => crumbs("/dashboard/sessions", "← Learners and sessions");
  api("GET", "/api/v1/sessions/" + id).then((d) => renderSession(d.session, back()))
    .catch((e) => showMissing(back(), "session", e));
}

function renderSession(x, back) {
  const learner = x.user_name || x.user_id;
  const logBox = h("div", { class: "log" }, h("p", { class: "loading", text: "Loading the call log…" }));
  const auSlot = h("div", { class: "wide" });
  const linkOut = h("div", { class: "launch-result" });
  const reset = () => {
    api("DELETE", "/api/v1/sessions/" + x.id + "/progress").then(() => { toast("Progress reset"); sessionPage(x.id); }).catch(fail);
  };
  main.replaceChildren(back,
    h("h1", { text: learner + " · " + x.package.title }),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "primary", onclick: () => {
        api("POST", "/api/v1/sessions/" + x.id + "/launch").then((r) => {
          linkOut.replaceChildren(launchLinkRow(r.launch_url, false, learner + " · " + x.package.title));
        }).catch(fail);
      } }, "New launch link"),
      h("button", { type: "button", onclick: () => {
        api("POST", "/api/v1/sessions", { package_id: x.package_id, user_id: x.user_id, user_name: x.user_name || undefined, new_attempt: true })
          .then((r) => { window.location.href = "/dashboard/sessions/" + r.session.id; }).catch(fail);
      } }, "Start a new attempt"),
      deleteSessionButton(x, learner),
      h("button", { type: "button", class: "danger", onclick: () => {
        confirmDialog("Reset this learner's progress?", "Their status, score, time and saved place in this attempt are cleared. The session itself stays.",
          "Reset progress", reset);
      } }, "Reset progress")),
    linkOut,
    h("div", { class: "grid" },
      h("section", { class: "card" }, h("h2", { text: "Status" }), status(x)),
      h("section", { class: "card" }, h("h2", { text: "Objectives" }), objectives(x)),
      activities(x), auSlot,
      h("section", { class: "card wide" }, h("h2", { text: "Interactions" }), interactions(x)),
      h("section", { class: "card wide" }, h("h2", { text: "Runtime call log" }),
        h("p", { class: "hint", text: "Every call the course made to the player: use it to see why something did not track." }), logBox)));
  api("GET", "/api/v1/packages/" + x.package_id).then((pkg) => {
    if (pkg.standard === "cmi5" || pkg.standard === "xapi") auSlot.replaceChildren(auCard(x, pkg));
  }).catch(fail);
  api("GET", "/api/v1/sessions/" + x.id + "/log").then((data) => logBox.replaceChildren(callLog(data.entries))).catch(fail);
}

// The launch dialog: a learner picked from those the tenant has (or made here on purpose, so a
// typo never becomes a learner), a course, and how long the link works.
function launchDialog(reload) {
  const picker = learnerPicker({ allowNew: true, onChange: () => dlg && dlg.querySelector("form").dispatchEvent(new Event("input")) });
  const course = courseSelect("launch-course");
  const validity = validitySelect("launch-validity", true);
  const out = h("div", { class: "launch-result" });
  const dlg = formDialog("Launch a course for a learner", [picker.element,
    h("label", { for: "launch-course", text: "Course" }), course,
    h("label", { for: "launch-validity", text: "Link" }), validity, out], "Make the link", () => {
    const learner = picker.chosen();
    const title = course.selectedOptions[0].text;
    return linkFor(learner, course.value, validity.value).then((r) => {
      out.replaceChildren(h("p", { text: "Launch link for " + learnerName(learner) + " · " + title + ". " + r.note }),
        launchLinkRow(r.url, validity.value === NOW, learnerName(learner) + " · " + title));
      reload();
      return true;  // stays open: the link is in it
    });
  }, { ready: () => picker.chosen() !== null && course.value !== "", closeText: "Close" });
  picker.focus();
}

// Deleting one session (this attempt) with its data, after a confirmation.
function deleteSessionButton(x, learner) {
  const remove = () => api("DELETE", "/api/v1/sessions/" + x.id).then(() => {
    toast("Session deleted");
    window.location.href = "/dashboard/sessions";
  }).catch(fail);
  return h("button", { type: "button", class: "danger", onclick: () => {
    confirmDialog("Delete this session?", "The attempt of " + learner + " at " + x.package.title + " is deleted with its progress, " +
      "call log and the statements it recorded. Their other attempts stay. This cannot be undone.", "Delete session", remove);
  } }, "Delete session");
}

function status(x) {
  return h("dl", {},
    h("dt", { text: "Completion" }), h("dd", {}, badge(x.completion_status)),
    h("dt", { text: "Success" }), h("dd", {}, badge(x.success_status)),
    h("dt", { text: "Score" }), h("dd", { text: scoreText(x.score) }),
    h("dt", { text: "Time spent" }), h("dd", { text: duration(x.time_spent_seconds) }),
    h("dt", { text: "Attempt" }), h("dd", { text: x.attempts + (x.is_current_attempt ? "" : " (an earlier attempt)") }),
    h("dt", { text: "Package version" }), h("dd", { text: String(x.package_version || 1) }),
    h("dt", { text: "Launches" }), h("dd", { text: x.launch_count }),
    h("dt", { text: "First launch" }), h("dd", { text: when(x.first_launched_at) || "not yet" }),
    h("dt", { text: "Last launch" }), h("dd", { text: when(x.last_launched_at) || "not yet" }),
    h("dt", { text: "Completed" }), h("dd", { text: when(x.completed_at) || "—" }));
}

// One row per objective of the learner's record: each part's own, then the shared (global)
// ones the parts only read. A part's objective that others read names the shared id.
function objectives(x) {
  if (!x.objectives.length) return h("p", { class: "hint", text: "No objectives recorded." });
  return table(["Part", "Objective", "Success", "Completion", "Score"], x.objectives.map((o) => h("tr", {},
    h("td", { text: o.activity || "Shared by the course" }),
    h("td", { title: o.global_id ? "Shared as " + o.global_id : null, text: o.id + (o.primary ? " (main)" : "") }),
    h("td", {}, badge(o.success_status)), h("td", {}, badge(o.completion_status)),
    h("td", { class: "num", text: scoreText(o.score) }))), "compact");
}

// The SCOs of a multi-SCO course, each with its own status.
function activities(x) {
  if (x.activities.length <= 1) return null;
  return h("section", { class: "card wide" }, h("h2", { text: "Parts of the course" }),
    table(["Part", "Completion", "Success", "Score", "Time"], x.activities.map((a) => h("tr", {},
      h("td", { text: a.title }), h("td", {}, badge(a.completion_status)), h("td", {}, badge(a.success_status)),
      h("td", { text: scoreText(a.score) }), h("td", { text: duration(a.time_spent_seconds) }))), "compact"));
}

function interactions(x) {
  if (!x.interactions.length) return h("p", { class: "hint", text: "No interactions recorded." });
  return table(["Question", "Type", "Response", "Correct answer", "Result", "When"], x.interactions.map((i) => h("tr", {},
    h("td", { text: i.description || i.id }), h("td", { text: i.type || "" }),
    h("td", { text: i.learner_response || "" }), h("td", { text: (i.correct_responses || []).join(" | ") }),
    h("td", {}, i.result ? badge(String(i.result)) : ""), h("td", { text: i.timestamp || "" }))), "compact");
}

function callLog(entries) {
  if (!entries.length) return h("p", { class: "hint", text: "The course has not called the player yet." });
  const shown = entries.slice(-LOG_SHOWN);
  return h("div", {},
    entries.length > shown.length ? h("p", { class: "hint", text: "The last " + shown.length + " of " + entries.length + " calls." }) : null,
    table(["Time", "Part", "Call", "Arguments", "Result", "Error"], shown.map((e, i) => {
      // "0": SCORM's "no error"; an expected answer (a 2004 read of a value not set yet) is
      // explained, not flagged.
      const coded = e.error && e.error !== "0";
      const bad = coded && !e.expected;
      // The date once, then on the first call of each new day.
      const newDay = i === 0 || day(e.t) !== day(shown[i - 1].t);
      return h("tr", { class: bad ? "bad" : null },
        h("td", { class: "nowrap", text: (newDay ? day(e.t) + " " : "") + clockTime(e.t) }),
        h("td", { title: e.item_id || null, text: e.item_title || e.item_id || "" }),
        h("td", {}, h("code", { text: e.call })), h("td", {}, h("code", { text: (e.args || []).join(", ") })),
        h("td", {}, h("code", { text: e.result })),
        h("td", { class: coded && !bad ? "hint" : null, text: coded ? e.error + ": " + (e.error_meaning || "") : "" }));
    }), "compact"));
}

// xAPI and cmi5 courses: each launch of an activity (a cmi5 AU session), abandoning one that
// was left open, and waiving a cmi5 AU for this learner.
function auCard(x, pkg) {
  const aus = [];
  (function walk(items) {
    for (const it of items) { if (it.au) aus.push(it); walk(it.children || []); }
  })(((pkg.metadata || {}).organizations || []).flatMap((o) => o.items || []));
  const titles = Object.fromEntries(aus.map((a) => [a.identifier, a.title]));
  const list = h("div", {}, h("p", { class: "loading", text: "Loading…" }));
  function load() {
    api("GET", "/api/v1/sessions/" + x.id + "/au-sessions").then((data) => {
      if (!data.au_sessions.length) { list.replaceChildren(h("p", { class: "hint", text: "No activity has been launched yet." })); return; }
      list.replaceChildren(table(["Activity", "Mode", "Status", "Launched", "Last record", ""], data.au_sessions.map((a) => {
        // The server abandons only cmi5 AU sessions, and only those not ended yet.
        const open = a.kind === "cmi5" && (a.status === "launched" || a.status === "initialized");
        const abandon = () => {
          api("POST", "/api/v1/au-sessions/" + a.id + "/abandon").then(() => { toast("Marked as abandoned"); load(); }).catch(fail);
        };
        return h("tr", {}, h("td", { text: titles[a.item_id] || a.item_id }), h("td", { text: a.launch_mode }),
          h("td", {}, badge(a.status)), h("td", { text: when(a.launched_at) }), h("td", { text: when(a.last_statement_at) || "—" }),
          h("td", {}, open ? h("button", { type: "button", onclick: () => {
            confirmDialog("Abandon this launch?", "Use this when the learner's window closed without ending the activity. The launch is recorded as abandoned and its credentials stop working.",
              "Abandon", abandon);
          } }, "Abandon") : null));
      }), "compact"));
    }).catch(fail);
  }
  const waive = pkg.standard === "cmi5" && aus.length ? waiveForm(x, aus, titles) : null;
  load();
  return h("section", { class: "card" }, h("h2", { text: "Activity launches" }),
    h("p", { class: "hint", text: "Each time the learner opened one of the course's activities." }), list,
    waive ? h("h3", { text: "Waive an activity" }) : null,
    waive ? h("p", { class: "hint", text: "The activity then counts as done for this learner (for example when they tested out)." }) : null, waive);
}

function waiveForm(x, aus, titles) {
  const which = h("select", { id: "waive-au" }, options(aus.map((a) => [a.identifier, a.title])));
  const why = h("select", { id: "waive-reason" }, options(pageData.waive_reasons.map((r) => [r, r])));
  return h("form", { class: "row", onsubmit: (e) => {
    e.preventDefault();
    api("POST", "/api/v1/sessions/" + x.id + "/cmi5/waive", { item_id: which.value, reason: why.value })
      .then(() => { toast("Waived: " + titles[which.value]); sessionPage(x.id); }).catch(fail);
  } }, h("label", { for: "waive-au", text: "Waive" }), which, h("label", { for: "waive-reason", text: "because" }), why,
    h("button", { type: "submit" }, "Waive for this learner"));
}
