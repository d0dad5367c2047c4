/* The Learners page: the tenant's learners, searched as you type, each renamed, merged into
 * another, given a lasting launch link, or erased with everything recorded of them (after the
 * trainer types the learner's id); and (item "links") the printable list of lasting links, each
 * with a QR code (qrcode-generator, vendored). */
import { api, download } from "../api.js";
import { LIMIT, badge, confirmDialog, crumbs, emptyState, fail, formDialog, h, main, options, pager, saveFile, table, toast } from "../dom.js";
import { plural, when } from "../format.js";
import { courseSelect, linkFor, validUntil, validitySelect } from "../launching.js";
import { learnerName, learnerPicker } from "../learner-picker.js";
import { launchLinkRow } from "../shell.js";
import qrcode from "../vendor/qrcode-generator/qrcode.mjs";

const SEARCH_DELAY_MS = 250;  // a search starts when the typing pauses
const PRINTED = 100;  // links on the printable list at once (the API's largest page)
const LINKS_PAGE = "/dashboard/learners/links";
const QR_CELL_PX = 3;  // a 100-character link makes a code of about 45 cells: 2.5 cm printed

// The link as a QR code (a GIF data URL, drawn here: nothing leaves the appliance), so a learner
// can open their printed link with a phone.
function qrImage(url, label) {
  const code = qrcode(0, "M");
  code.addData(url);
  code.make();
  return h("img", { class: "qr", src: code.createDataURL(QR_CELL_PX, 2 * QR_CELL_PX), alt: "QR code of " + label + "'s link" });
}

export default function learnersPage(item) {
  if (item === "links") linksPage();
  else listPage();
}

function listPage() {
  const state = { page: 1, search: "" };
  const list = h("div", { class: "list" });
  const search = h("input", { type: "search", placeholder: "Learner id or name", "aria-label": "Search learners" });
  let timer;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.search = search.value.trim(); state.page = 1; load(); }, SEARCH_DELAY_MS);
  });
  function load() {
    const q = new URLSearchParams({ page: String(state.page), limit: String(LIMIT), sort: "name" });
    if (state.search) q.set("search", state.search);
    return api("GET", "/api/v1/learners?" + q.toString()).then((data) => {
      if (!data.pagination.total) {
        list.replaceChildren(emptyState(state.search ? "No learner matches “" + state.search + "”" : "No learners yet",
          state.search ? "Check the spelling, or search for part of the id." :
            "Add your class's learners here, or launch a course for one: they show up with their first session."));
        return;
      }
      list.replaceChildren(table(["Name", "Learner id", "Sessions", "Last activity", ""], data.learners.map((l) => h("tr", { "data-learner": l.learner_id },
        h("td", { text: l.name || "—" }), h("td", {}, h("code", { text: l.learner_id })),
        h("td", { class: "num", text: String(l.sessions) }), h("td", { text: when(l.last_activity_at) || "not yet" }),
        h("td", {}, h("div", { class: "row tight" },
          h("button", { type: "button", class: "small", onclick: () => renameDialog(l, load) }, "Rename"),
          h("button", { type: "button", class: "small", onclick: () => linkDialog(l, load) }, "Lasting link"),
          h("button", { type: "button", class: "small", onclick: () => transcriptPdf(l) }, "Transcript"),
          h("button", { type: "button", class: "small", onclick: () => mergeDialog(l, load) }, "Merge…"),
          h("button", { type: "button", class: "small danger", onclick: () => eraseDialog(l, load) }, "Delete…")))))),
      pager(state.page, data.pagination.total, LIMIT, (p) => { state.page = p; load(); }));
    }).catch(fail);
  }
  main.replaceChildren(h("h1", { text: "Learners" }),
    h("p", { class: "hint", text: "Everyone who has a session here, and learners you added. Pick them when you launch a course, so a typo never makes a new learner." }),
    h("div", { class: "toolbar" }, search, h("span", { class: "spacer" }),
      h("a", { class: "button-like", href: LINKS_PAGE }, "Printable launch links"),
      h("button", { type: "button", class: "primary", onclick: () => newLearnerDialog(load) }, "New learner")), list);
  load();
}

// Their transcript, issued as a PDF (the Records page has the CSV and the check of a record).
function transcriptPdf(l) {
  download("/api/v1/records/transcript.pdf", "transcript.pdf", { learner_id: l.learner_id })
    .then((file) => { saveFile(file); toast("Transcript of " + learnerName(l) + " issued: " + file.name); })
    .catch(fail);
}

function newLearnerDialog(reload) {
  const id = h("input", { id: "learner-id", required: true, maxlength: "255", placeholder: "e.g. ann.lee@example.org" });
  const name = h("input", { id: "learner-name", maxlength: "255", placeholder: "e.g. Ann Lee" });
  formDialog("New learner", [h("label", { for: "learner-id", text: "Learner id" }), id,
    h("p", { class: "hint", text: "The id your LMS or records know them by: an email address or a staff number." }),
    h("label", { for: "learner-name", text: "Name" }), name], "Add learner",
  () => api("POST", "/api/v1/learners", { learner_id: id.value.trim(), name: name.value.trim() || undefined })
    .then((r) => { toast("Added " + learnerName(r.learner)); reload(); }),
  { ready: () => id.value.trim() !== "" });
  id.focus();
}

function renameDialog(l, reload) {
  const name = h("input", { id: "rename-name", maxlength: "255", value: l.name || "" });
  formDialog("Rename " + l.learner_id, [h("label", { for: "rename-name", text: "Name" }), name,
    h("p", { class: "hint", text: "The name shows on every session of theirs. Their id stays." })], "Save name",
  () => api("PATCH", "/api/v1/learners/" + encodeURIComponent(l.learner_id), { name: name.value.trim() || null })
    .then((r) => { toast("Renamed to " + learnerName(r.learner)); reload(); }));
  name.select();
}

function mergeDialog(l, reload) {
  const picker = learnerPicker({ except: l.learner_id, onChange: () => dlg.querySelector("form").dispatchEvent(new Event("input")) });
  const dlg = formDialog("Merge " + learnerName(l) + " into another learner", [
    h("p", { text: "Every session of " + learnerName(l) + " moves to the learner you choose, and " + l.learner_id + " is removed. " +
      "Where both have a session of the same course, both are kept as attempts; the one worked on last becomes the current one." }),
    picker.element], "Merge", () => {
    const into = picker.chosen();
    return api("POST", "/api/v1/learners/merge", { learner_id: l.learner_id, into: into.learner_id }).then((r) => {
      const both = r.renumbered.map((p) => p.title).join(", ");
      toast("Merged into " + learnerName(r.learner) + ": " + plural(r.moved_sessions, "session") + " moved" +
        (both ? "; both kept as attempts of " + both : ""));
      reload();
    });
  }, { ready: () => picker.chosen() !== null });
  picker.focus();
}

// Erasing asks for the learner's id, typed: it cannot be undone, and takes every record of them.
function eraseDialog(l, reload) {
  const typed = h("input", { id: "erase-confirm", autocomplete: "off", spellcheck: "false" });
  formDialog("Delete " + learnerName(l) + " and everything recorded of them?", [
    h("p", { text: "Every session of theirs (" + l.sessions + "), their progress, statements, dispatch registrations and launch links are deleted, " +
      "here and, with the next sync that propagates deletions, on its targets. This cannot be undone." }),
    h("label", { for: "erase-confirm", text: "Type " + l.learner_id + " to confirm" }), typed], "Delete learner",
  () => api("DELETE", "/api/v1/learners/" + encodeURIComponent(l.learner_id)).then((r) => {
    toast("Deleted " + l.learner_id + ": " + r.sessions + " sessions, " + r.statements + " statements");
    reload();
  }), { danger: true, ready: () => typed.value === l.learner_id });
  typed.focus();
}

function linkDialog(l, reload) {
  const course = courseSelect("link-course");
  const validity = validitySelect("link-validity", false);
  const out = h("div", { class: "launch-result" });
  formDialog("A lasting link for " + learnerName(l), [h("label", { for: "link-course", text: "Course" }), course,
    h("label", { for: "link-validity", text: "Works" }), validity, out], "Make the link",
  () => linkFor(l, course.value, validity.value).then((r) => {
    out.replaceChildren(h("p", { text: r.note }), launchLinkRow(r.url, false, learnerName(l) + " · " + course.selectedOptions[0].text));
    reload();
    return true;  // stays open: the link is in it
  }), { ready: () => course.value !== "", closeText: "Close" });
}

// The printable list: learner, course and link of every active lasting link, a course at a time
// or all; printed without the dashboard's header and buttons (dashboard.css, @media print).
function linksPage() {
  const course = courseSelect("links-course");
  course.options[0].text = "All courses";
  course.required = false;
  const list = h("div", { class: "list" });
  function load() {
    const q = new URLSearchParams({ limit: String(PRINTED) });
    if (course.value) q.set("package_id", course.value);
    api("GET", "/api/v1/learner-links?" + q.toString()).then((data) => {
      if (!data.links.length) {
        list.replaceChildren(emptyState("No lasting links", "Make one for a learner on the Learners page (Lasting link)."));
        return;
      }
      list.replaceChildren(h("div", {}, table(["Learner", "Course", "Link", "", "Valid", ""], data.links.map((x) => h("tr", {},
        h("td", {}, h("strong", { text: x.learner_name || x.learner_id }), x.learner_name ? h("div", { class: "hint", text: x.learner_id }) : null),
        h("td", { text: x.package_title }), h("td", { class: "link-cell" }, h("code", { text: x.launch_url })),
        h("td", {}, qrImage(x.launch_url, x.learner_name || x.learner_id)),
        h("td", {}, badge(x.status), h("div", { class: "hint", text: validUntil(x) })),
        h("td", { class: "no-print" }, h("button", { type: "button", class: "small danger", onclick: () => {
          confirmDialog("Revoke this link?", "The link of " + (x.learner_name || x.learner_id) + " for " + x.package_title +
            " stops working at once; opening it says it was withdrawn. Their progress stays.", "Revoke link",
          () => api("DELETE", "/api/v1/learner-links/" + x.id).then(() => { toast("Link revoked"); load(); }).catch(fail));
        } }, "Revoke"))))),
        data.pagination.total > data.links.length ? h("p", { class: "hint", text: "The first " + data.links.length + " of " + data.pagination.total + ": choose a course to see the rest." }) : null));
    }).catch(fail);
  }
  course.addEventListener("change", load);
  main.replaceChildren(h("div", { class: "no-print" }, crumbs("/dashboard/learners", "← Learners")),
    h("h1", { text: "Launch links" }),
    h("p", { class: "hint no-print", text: "Each link opens the course for its learner, and resumes their progress, until you revoke it or it runs out." }),
    h("div", { class: "toolbar no-print" }, h("label", { for: "links-course", class: "visually-hidden", text: "Course" }), course,
      h("span", { class: "spacer" }), h("button", { type: "button", class: "primary", onclick: () => window.print() }, "Print")),
    list);
  load();
}
