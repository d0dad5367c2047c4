/* The Records page: training records that stand up in an audit. A compliance report (the
 * required courses, a class of learners, a period) shown here and issued as PDF or CSV; a
 * learner's transcript issued as PDF or CSV; the check of a record someone hands in (its file,
 * or the code printed on it); the records issued lately. Every file issued carries a
 * verification code, and this appliance keeps its checksum (POST /api/v1/records/verify). */
import { api, download, sendFile } from "../api.js";
import { fail, h, main, saveFile, table, toast } from "../dom.js";
import { duration, when } from "../format.js";
import { learnerPicker } from "../learner-picker.js";

const VERDICTS = {
  valid: ["Valid", "ok"],
  altered: ["Altered", "bad"],
  unknown: ["Not issued here", "bad"],
};
const RESULT_MARK = { passed: "✓ passed", completed: "✓ completed" };

export default function recordsPage() {
  const recent = h("div", {});
  main.replaceChildren(h("h1", { text: "Records" }),
    h("p", { class: "hint", text: "Transcripts and compliance reports for an audit. Time is the time each course reported, never the clock between launch and exit. Every file carries a verification code: check a record here." }),
    h("div", { class: "grid" }, complianceCard(loadRecent), transcriptCard(loadRecent)),
    verifyCard(), recent);

  function loadRecent() {
    api("GET", "/api/v1/records/issued").then((data) => {
      recent.replaceChildren(h("section", { class: "card" }, h("h2", { text: "Issued lately" }),
        data.records.length ? table(["Code", "Record", "Format", "Issued"], data.records.slice(0, 20).map((r) => h("tr", { "data-code": r.code },
          h("td", {}, h("code", { text: r.code })), h("td", { text: r.title }), h("td", { text: r.format.toUpperCase() }),
          h("td", { text: when(r.issued_at) }))), "compact")
          : h("p", { class: "hint", text: "No record issued yet." })));
    }).catch(fail);
  }
  loadRecent();
}

function issue(path, name, body, done) {
  return download(path, name, body)
    .then((file) => { saveFile(file); toast("Issued " + file.name); done(); })
    .catch(fail);
}

function complianceCard(issued) {
  const courses = h("div", { class: "stack", id: "report-courses" });
  const learners = h("textarea", { id: "report-learners", rows: "3", placeholder: "Every learner; or the class's ids, one per line" });
  const since = h("input", { id: "report-since", type: "date" });
  const until = h("input", { id: "report-until", type: "date" });
  const title = h("input", { id: "report-title", maxlength: "200", placeholder: "Compliance report" });
  const shown = h("div", { id: "report-result", "aria-live": "polite" });

  api("GET", "/api/v1/packages?limit=100").then((data) => {
    courses.replaceChildren(...data.packages.map((p) => h("label", { class: "check" },
      h("input", { type: "checkbox", value: p.id, checked: true }), " " + p.title)));
    if (!data.packages.length) courses.replaceChildren(h("p", { class: "hint", text: "No courses yet." }));
  }).catch(fail);

  function body() {
    const b = {};
    const ticked = [...courses.querySelectorAll("input:checked")].map((c) => c.value);
    if (ticked.length) b.package_ids = ticked;
    const ids = learners.value.split("\n").map((s) => s.trim()).filter(Boolean);
    if (ids.length) b.learner_ids = ids;
    if (since.value) b.since = since.value;
    if (until.value) b.until = until.value;
    if (title.value.trim()) b.title = title.value.trim();
    return b;
  }

  function show() {
    api("POST", "/api/v1/records/compliance", body()).then((r) => {
      const head = ["Learner", ...r.courses.map((c) => c.title), "Time", "Compliant"];
      shown.replaceChildren(
        h("p", { text: r.compliant + " of " + r.learners.length + " learners compliant" }),
        table(head, r.learners.map((l) => h("tr", { "data-learner": l.learner_id, class: l.compliant ? "" : "missing" },
          h("td", { text: l.learner_name ? l.learner_name + " (" + l.learner_id + ")" : l.learner_id }),
          ...l.courses.map((c) => h("td", { text: (c.met ? RESULT_MARK[c.result] || c.result : "✗ " + c.result) })),
          h("td", { text: duration(l.time_spent_seconds) }),
          h("td", { text: l.compliant ? "yes" : "no" }))), "compact"));
    }).catch(fail);
  }

  return h("section", { class: "card" }, h("h2", { text: "Compliance report" }),
    h("form", { class: "stack", onsubmit: (e) => { e.preventDefault(); show(); } },
      h("strong", { text: "Required courses" }), courses,
      h("label", { for: "report-learners", text: "Learners (a class)" }), learners,
      h("div", { class: "row" },
        h("div", { class: "stack" }, h("label", { for: "report-since", text: "From" }), since),
        h("div", { class: "stack" }, h("label", { for: "report-until", text: "To (included)" }), until)),
      h("label", { for: "report-title", text: "Title" }), title,
      h("div", { class: "row" },
        h("button", { type: "submit", id: "report-show" }, "Show"),
        h("button", { type: "button", class: "primary", id: "report-pdf",
                      onclick: () => issue("/api/v1/records/compliance.pdf", "compliance.pdf", body(), issued) }, "Download PDF"),
        h("button", { type: "button", id: "report-csv",
                      onclick: () => issue("/api/v1/records/compliance.csv", "compliance.csv", body(), issued) }, "Download CSV"))),
    shown);
}

function transcriptCard(issued) {
  const picker = learnerPicker({});
  function get(format) {
    const l = picker.chosen();
    if (!l) { toast("Choose a learner first", true); picker.focus(); return; }
    issue("/api/v1/records/transcript." + format, "transcript." + format, { learner_id: l.learner_id }, issued);
  }
  return h("section", { class: "card" }, h("h2", { text: "Transcript" }),
    h("p", { class: "hint", text: "One learner's courses, attempts, results, scores and time, in total and per course." }),
    picker.element,
    h("div", { class: "row" },
      h("button", { type: "button", class: "primary", id: "transcript-pdf", onclick: () => get("pdf") }, "Download PDF"),
      h("button", { type: "button", id: "transcript-csv", onclick: () => get("csv") }, "Download CSV")));
}

function verifyCard() {
  const chooser = h("input", { id: "verify-file", type: "file", accept: ".pdf,.csv,application/pdf,text/csv" });
  const code = h("input", { id: "verify-code", maxlength: "24", placeholder: "XXXX-XXXX-XXXX-XXXX", autocomplete: "off" });
  const answer = h("div", { id: "verify-answer", "aria-live": "polite" });

  function showRecord(verdict, message, r) {
    const [label, tone] = VERDICTS[verdict] || ["Issued here", "ok"];
    const facts = r ? [["Code", r.code], ["Record", r.title], ["Issued", when(r.issued_at)], ["Format", r.format.toUpperCase()],
      ...Object.entries(r.summary).filter(([, v]) => !Array.isArray(v) && v !== null).map(([k, v]) => [k.replace(/_/g, " "), String(v)])] : [];
    const courses = r && Array.isArray(r.summary.courses) && r.summary.courses.length && typeof r.summary.courses[0] === "object"
      ? table(["Course", "Result", "Score", "Completed", "Time"], r.summary.courses.map((c) => h("tr", {},
        h("td", { text: c.title }), h("td", { text: c.result }), h("td", { text: c.score }),
        h("td", { text: when(c.completed_at) || "—" }), h("td", { text: c.time }))), "compact") : null;
    answer.replaceChildren(h("div", { class: "verdict " + tone },
      h("strong", { text: label }), h("p", { text: message }),
      facts.length ? h("dl", {}, ...facts.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })])) : "",
      courses || ""));
  }

  return h("section", { class: "card" }, h("h2", { text: "Verify a record" }),
    h("p", { class: "hint", text: "Someone hands in a transcript or report: check that this appliance issued it and nothing was changed." }),
    h("div", { class: "grid" },
      h("form", { class: "stack", onsubmit: (e) => {
        e.preventDefault();
        const f = chooser.files[0];
        if (!f) { chooser.focus(); return; }
        sendFile("POST", "/api/v1/records/verify", f, "application/octet-stream")
          .then((r) => showRecord(r.verdict, r.message, r.record)).catch(fail);
      } }, h("label", { for: "verify-file", text: "The file (PDF or CSV)" }), chooser,
        h("button", { type: "submit", class: "primary", id: "verify-send" }, "Check the file")),
      h("form", { class: "stack", onsubmit: (e) => {
        e.preventDefault();
        const typed = code.value.trim();
        if (!typed) { code.focus(); return; }
        api("GET", "/api/v1/records/issued/" + encodeURIComponent(typed))
          .then((r) => showRecord("issued", "A record with this code was issued here: compare the paper with it.", r.record))
          .catch((e) => { if (e.status === 404) showRecord("unknown", e.message, null); else fail(e); });
      } }, h("label", { for: "verify-code", text: "Or the code printed on it" }), code,
        h("button", { type: "submit", id: "verify-lookup" }, "Look up the code"))),
    answer);
}
