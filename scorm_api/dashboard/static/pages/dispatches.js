/* The Dispatches page: a course shared with another LMS. The list, with a new dispatch made from
 * one of the packages (its learner limit, expiry, allowed domains, password, the ZIP's SCORM
 * version); and one dispatch's page: its launch link to copy, its ZIP made and downloaded,
 * enabled or disabled, its learner count reset, revoked, and how its learners did. */
import { api, download } from "../api.js";
import { LIMIT, badge, confirmDialog, copyRow, crumbs, emptyState, fail, h, main, options, pager, saveFile, showMissing, table, toast }
  from "../dom.js";
import { duration, percent, scoreText, standardName, when } from "../format.js";
import { pageData } from "../page-data.js";

const PATH = "/api/v1/dispatches";
const one = (id) => PATH + "/" + id;
const POLL_MS = 1000;  // how often a ZIP being made is asked after
const POLL_TRIES = 90;  // then the trainer is told to try again: the job may be queued behind others
const STANDARD_CHOICES = pageData.dispatch_standards.map((s) => [s, standardName(s)]);

export default function dispatchesPage(item) {
  if (item) dispatchPage(item);
  else listPage();
}

// A label over its field, in a form of many fields.
function field(label, input, hint) {
  return h("div", { class: "field" }, h("label", { for: input.id, text: label }), input,
    hint ? h("span", { class: "hint", text: hint }) : null);
}

// The places the learner limit counts: learners who started since the last reset.
function placesText(d) {
  return d.registration_count + (d.registration_limit ? " of " + d.registration_limit : "");
}

function listPage() {
  const list = h("div", { class: "list" });
  const titles = {};
  let page = 1;
  function load() {
    api("GET", PATH + "?page=" + page + "&limit=" + LIMIT).then((data) => {
      const total = data.pagination.total;
      if (!total) {
        list.replaceChildren(emptyState("No dispatches yet",
          "Make one above: you get a link and a small ZIP to upload into the other LMS, while the course and its results stay here."));
        return;
      }
      list.replaceChildren(table(["Name", "Course", "Status", "Places taken", "Created"], data.dispatches.map((d) => h("tr", { "data-dispatch": d.id },
        h("td", {}, h("a", { href: "/dashboard/dispatches/" + d.id, text: d.dispatch_name })),
        h("td", { text: titles[d.package_id] || d.package_id }),
        h("td", {}, badge(d.status)),
        h("td", { class: "num", text: placesText(d) }),
        h("td", { text: when(d.created_at) })))), pager(page, total, LIMIT, (p) => { page = p; load(); }));
    }).catch(fail);
  }
  const course = h("select", { id: "dispatch-package", required: true });
  api("GET", "/api/v1/packages?limit=100").then((data) => {
    for (const p of data.packages) titles[p.id] = p.title;
    course.replaceChildren(...options(data.packages.map((p) => [p.id, p.title])));
    if (!data.packages.length) course.append(h("option", { value: "", text: "No courses yet: upload one on the Packages page" }));
  }).catch(fail).then(load);  // the list still shows without the titles
  main.replaceChildren(h("h1", { text: "Dispatches" }),
    h("p", { class: "hint", text: "A dispatch shares a course with another learning platform (LMS). That LMS gets a small ZIP that opens " +
      "the course here, so you keep one copy to update, see every learner's progress here, and can pause or withdraw it at any time." }),
    h("section", { class: "card" }, h("h2", { text: "New dispatch" }), newDispatchForm(course)), list);
}

function newDispatchForm(course) {
  const name = h("input", { id: "dispatch-name", maxlength: "200", placeholder: "the course's title" });
  const limit = h("input", { id: "dispatch-limit", type: "number", min: "1", max: "1000000", class: "narrow", placeholder: "no limit" });
  const expiry = h("input", { id: "dispatch-expiry", type: "number", min: "1", class: "narrow", placeholder: "never" });
  const unit = h("select", { "aria-label": "Expiry unit" }, options([["24", "days"], ["1", "hours"]]));
  const domains = h("textarea", { id: "dispatch-domains", rows: "3", placeholder: "lms.partner.com\n*.partner.com" });
  const password = h("input", { id: "dispatch-password", type: "password", minlength: "4", maxlength: "200", autocomplete: "new-password", placeholder: "none" });
  const standard = h("select", { id: "dispatch-standard" }, options(STANDARD_CHOICES));
  const create = (e) => {
    e.preventDefault();
    const body = { package_id: course.value, dispatch_name: name.value.trim() || undefined, standard: standard.value,
                   allowed_domains: domains.value.split("\n").map((x) => x.trim()).filter(Boolean) };
    if (limit.value) body.registration_limit = Number(limit.value);
    if (expiry.value) body.expires_in_hours = Number(expiry.value) * Number(unit.value);
    if (password.value) body.password = password.value;
    api("POST", PATH, body).then((r) => { window.location.href = "/dashboard/dispatches/" + r.dispatch.id; }).catch(fail);
  };
  return h("form", { class: "fields", onsubmit: create },
    field("Course", course),
    field("Name", name, "What the other LMS shows; the course's title when left empty."),
    field("Learner limit", limit, "How many learners may start it. Resetting the count later frees the places again."),
    h("div", { class: "field" }, h("label", { for: "dispatch-expiry", text: "Expires after" }), h("div", { class: "row tight" }, expiry, unit),
      h("span", { class: "hint", text: "Empty: it never expires." })),
    field("Allowed domains, one per line", domains, "Where it may be opened from, such as partner.com or *.partner.com. Empty: anywhere."),
    field("Access password (optional)", password, "Learners type it before the course opens."),
    field("SCORM version of the ZIP", standard, "The version the other LMS takes; SCORM 1.2 works almost everywhere."),
    h("button", { type: "submit", class: "primary" }, "Create dispatch"));
}

function dispatchPage(id) {
  const back = () => crumbs("/dashboard/dispatches", "← Dispatches");
  Promise.all([api("GET", one(id)), api("GET", one(id) + "/registrations?limit=" + LIMIT)])
    .then(([d, regs]) => api("GET", "/api/v1/packages/" + d.package_id).catch(() => null)
      .then((pkg) => renderDispatch(d, pkg, regs, back())))
    .catch((e) => showMissing(back(), "dispatch", e));
}

// Why a dispatch that does not open is closed, for the trainer.
const CLOSED = {
  disabled: "Paused: learners are told the course is paused until you enable it again.",
  expired: "Expired: its link and ZIP no longer open the course.",
  revoked: "Revoked: its link and ZIP no longer open the course, for good. The learners' progress stays here.",
};

function renderDispatch(d, pkg, regs, back) {
  const live = d.status !== "revoked";
  main.replaceChildren(back, h("header", {},
    h("h1", {}, d.dispatch_name, " ", badge(d.status)),
    CLOSED[d.status] ? h("p", { class: "hint", id: "dispatch-state", text: CLOSED[d.status] }) : null),
    h("div", { class: "grid" },
      live ? h("section", { class: "card wide" }, h("h2", { text: "Send it" }),
        h("p", { class: "hint", text: d.allowed_domains.length
          ? "Upload the ZIP into the other LMS as a SCORM course: it opens only from the domains below."
          : "Upload the ZIP into the other LMS as a SCORM course, or send the link: a learner who opens it is asked who they are." }),
        copyRow("Launch link", d.launch_url, "Copy link", "Link copied"),
        zipRow(d)) : null,
      h("section", { class: "card" }, h("h2", { text: "Settings" }), settings(d, pkg), live ? actions(d) : null),
      h("section", { class: "card" }, h("h2", { text: "How it went" }), figures(d.figures))),
    h("section", { class: "card spaced" }, h("h2", { text: "Learners" }), learners(d, regs)));
}

function settings(d, pkg) {
  return h("dl", {},
    h("dt", { text: "Course" }), h("dd", {}, pkg ? h("a", { href: "/dashboard/packages/" + pkg.id, text: pkg.title }) : d.package_id),
    h("dt", { text: "Places taken" }), h("dd", { text: placesText(d) + (d.registration_limit ? "" : " (no limit)") }),
    d.track_licenses ? [h("dt", { text: "Licenses" }), h("dd", { text: d.license_count + (d.license_limit ? " of " + d.license_limit : "") })] : null,
    h("dt", { text: "Expires" }), h("dd", { text: when(d.expires_at) || "never" }),
    h("dt", { text: "Opens from" }), h("dd", { text: d.allowed_domains.length ? d.allowed_domains.join(", ") : "anywhere" }),
    h("dt", { text: "Password" }), h("dd", { text: d.password_protected ? "yes" : "none" }),
    h("dt", { text: "Created" }), h("dd", { text: when(d.created_at) }));
}

function actions(d) {
  const path = one(d.id);
  const reload = (text) => () => { toast(text); dispatchPage(d.id); };
  return h("div", { class: "actions spaced" },
    h("button", { type: "button", onclick: () => api("PATCH", path, { enabled: !d.enabled })
      .then(reload(d.enabled ? "Dispatch paused" : "Dispatch enabled")).catch(fail) }, d.enabled ? "Disable" : "Enable"),
    h("button", { type: "button", onclick: () => confirmDialog("Reset the learner count?",
      "The count goes back to 0, so new learners can start again up to the limit. Learners already in keep their progress.", "Reset count",
      () => api("POST", path + "/reset-registrations").then(reload("Learner count reset")).catch(fail)) }, "Reset count"),
    h("button", { type: "button", class: "danger", onclick: () => confirmDialog("Revoke this dispatch?",
      "Its link and ZIP stop opening the course in every LMS it was sent to, for good; you cannot undo it. The learners' progress stays here.",
      "Revoke dispatch", () => api("DELETE", path).then(reload("Dispatch revoked")).catch(fail)) }, "Revoke"));
}

// The ZIP is made afresh each time (it carries the dispatch's name and the current launch link),
// by a job: asked after until it is ready, then downloaded.
function zipRow(d) {
  const standard = h("select", { id: "zip-standard", "aria-label": "SCORM version of the ZIP" }, options(STANDARD_CHOICES));
  standard.value = d.zip.standard || STANDARD_CHOICES[0][0];
  const status = h("span", { class: "hint", id: "zip-status", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "primary", onclick: () => {
    button.disabled = true;
    status.textContent = "Making the ZIP…";
    api("POST", one(d.id) + "/generate", { standard: standard.value })
      .then(() => zipReady(d.id, POLL_TRIES))
      .then(() => download(one(d.id) + "/zip", "dispatch.zip"))
      .then((file) => { saveFile(file); status.textContent = "Downloaded " + file.name; })
      .catch((e) => { status.textContent = ""; fail(e); })
      .finally(() => { button.disabled = false; });
  } }, "Download ZIP");
  return h("div", { class: "row" }, standard, button, status);
}

function zipReady(id, tries) {
  return api("GET", one(id)).then((d) => {
    if (d.zip.status === "ready") return d;
    if (d.zip.status === "failed") throw new Error("The ZIP could not be made" + (d.zip.error ? ": " + d.zip.error : ""));
    if (tries <= 1) throw new Error("The ZIP is taking long to make; try again in a minute");
    return new Promise((resolve) => setTimeout(resolve, POLL_MS)).then(() => zipReady(id, tries - 1));
  });
}

function figures(f) {
  const figure = (label, value, note) => h("div", { class: "figure" },
    h("span", { class: "value", text: String(value) }), h("span", { class: "label", text: label }),
    note ? h("span", { class: "hint", text: note }) : null);
  const judged = f.passed + f.failed;
  return h("div", { class: "figures", id: "figures" },
    figure("Launches", f.launches), figure("Learners", f.unique_learners), figure("Completed", f.completions),
    figure("Pass rate", percent(f.pass_rate), judged ? f.passed + " passed, " + f.failed + " failed" : null));
}

function learners(d, regs) {
  const box = h("div", {});
  const show = (data, page) => {
    if (!data.pagination.total) {
      box.replaceChildren(h("p", { class: "hint", text: "No one has opened it yet." }));
      return;
    }
    box.replaceChildren(table(["Learner", "Opened from", "Launches", "Last opened", "Completion", "Result", "Score", "Time", ""],
      data.registrations.map((r) => h("tr", { "data-learner": r.learner_id },
        h("td", { text: r.learner_name ? r.learner_name + " (" + r.learner_id + ")" : r.learner_id }),
        h("td", { text: r.host_origin || "—" }),
        h("td", { class: "num", text: String(r.launch_count) }),
        h("td", { text: when(r.last_launched_at) }),
        h("td", {}, r.completion_status ? badge(r.completion_status) : "—"),
        h("td", {}, r.success_status ? badge(r.success_status) : "—"),
        h("td", { class: "num", text: scoreText({ scaled: r.score }) }),
        h("td", { class: "num", text: r.time_spent_seconds === null ? "—" : duration(r.time_spent_seconds) }),
        h("td", {}, r.session_id ? h("a", { href: "/dashboard/sessions/" + r.session_id, text: "Session" }) : null)))),
    pager(page, data.pagination.total, LIMIT, (p) => api("GET", one(d.id) + "/registrations?page=" + p + "&limit=" + LIMIT)
      .then((next) => show(next, p)).catch(fail)));
  };
  show(regs, 1);
  return box;
}
