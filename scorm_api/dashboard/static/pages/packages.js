/* The Packages page: the list with its uploads and search, and one package's page, where it is
 * previewed, launched for a learner, given a new version (its learners moved to it or not) or
 * deleted. */
import { api } from "../api.js";
import { LIMIT, badge, confirmDialog, crumbs, emptyState, fail, h, main, pager, showMissing, table, toast } from "../dom.js";
import { bytes, plural, standardName, when } from "../format.js";
import { NOW, linkFor, validitySelect } from "../launching.js";
import { learnerName, learnerPicker } from "../learner-picker.js";
import { desktopShell, launchLinkRow, openInDesktop } from "../shell.js";
import { uploadFile, uploadFiles } from "../upload.js";

const SEARCH_DELAY_MS = 250;  // a search starts when the typing pauses

export default function packagesPage(item) {
  if (item) packagePage(item);
  else listPage();
}

function listPage() {
  const state = { page: 1, search: "" };
  const list = h("div", { class: "list" });
  const uploads = h("ul", { class: "uploads", "aria-label": "Uploads" });
  const input = h("input", { type: "file", accept: ".zip,application/zip", multiple: true, id: "file-input", class: "visually-hidden" });
  const drop = h("div", { class: "dropzone", id: "dropzone" },
    h("p", {}, h("strong", { text: "Drop SCORM zip files here" }), " or ",
      h("label", { for: "file-input", class: "button-like", tabindex: "0", text: "choose files",
                   onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } } })),
    h("p", { class: "hint", text: "SCORM 1.2, SCORM 2004, cmi5 and xAPI packages. Each is checked and unpacked here, offline." }),
    input);
  function addFiles(files) {
    uploadFiles(files, (file) => {
      const row = h("li", { class: "upload" }, h("span", { class: "name", text: file.name }),
        h("progress", { max: "100", value: "0", "aria-label": "Upload of " + file.name }), h("span", { class: "step" }));
      uploads.append(row);
      return row;
    }, (pkg) => { toast("Added " + pkg.title); load(); },
    () => {});  // a failed one says why on its own row, in red: no toast over the rows
  }
  input.addEventListener("change", () => { addFiles(input.files); input.value = ""; });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); addFiles(e.dataTransfer.files); });

  let timer;
  const search = h("input", { type: "search", placeholder: "Search by title", "aria-label": "Search packages by title",
    oninput: () => {
      clearTimeout(timer);
      timer = setTimeout(() => { state.search = search.value.trim(); state.page = 1; load(); }, SEARCH_DELAY_MS);
    } });

  function load() {
    const q = "?page=" + state.page + "&limit=" + LIMIT + (state.search ? "&search=" + encodeURIComponent(state.search) : "");
    return api("GET", "/api/v1/packages" + q).then((data) => {
      if (!data.count) {
        list.replaceChildren(emptyState(state.search ? "No package matches “" + state.search + "”" : "No courses yet",
          state.search ? "Try another word of the title." :
            "Add your first SCORM package: drop its zip file above. Then launch it for a learner from its page."));
        return;
      }
      const rows = data.packages.map((p) => h("tr", {},
        h("td", {}, h("a", { href: "/dashboard/packages/" + p.id, text: p.title })),
        h("td", { text: standardName(p.standard) }),
        h("td", { class: "num", text: p.metadata && p.metadata.sco_count !== undefined ? p.metadata.sco_count : "" }),
        h("td", { class: "num", text: bytes(p.file_size_bytes) }),
        h("td", {}, badge(p.status)),
        warningsCell(p.warnings || []),
        h("td", { text: when(p.created_at) })));
      list.replaceChildren(table(["Title", "Standard", "SCOs", "Size", "Status", "Warnings", "Added"], rows),
        pager(state.page, data.count, LIMIT, (p) => { state.page = p; load(); }));
    }).catch(fail);
  }
  main.replaceChildren(h("h1", { text: "Packages" }), drop, uploads, h("div", { class: "toolbar" }, search), list);
  load();
}

function packagePage(id) {
  const back = () => crumbs("/dashboard/packages", "← Packages");
  api("GET", "/api/v1/packages/" + id).then((p) => {
    const meta = p.metadata || {};
    const orgs = meta.organizations || [];
    const org = orgs.find((o) => o.identifier === meta.default_organization) || orgs[0];
    const ready = p.status === "ready";
    const remove = () => {
      api("DELETE", "/api/v1/packages/" + p.id).then(() => { window.location.href = "/dashboard/packages"; }).catch(fail);
    };
    main.replaceChildren(back(),
      h("h1", { text: p.title + (p.version_number > 1 ? " · version " + p.version_number : "") }),
      h("div", { class: "actions" },
        ready ? h("button", { type: "button", class: "primary", onclick: () => preview(p) }, "Preview") : null,
        h("a", { class: "button-like", href: "/dashboard/sessions?package_id=" + p.id }, "Learners on this package"),
        ready ? h("a", { class: "button-like", href: "/api/v1/packages/" + p.id + "/download", download: "" }, "Download zip") : null,
        h("button", { type: "button", class: "danger", onclick: () => {
          confirmDialog("Delete “" + p.title + "”?", "Its files and every learner session on it are deleted. This cannot be undone.",
            "Delete package", remove);
        } }, "Delete")),
      h("div", { class: "grid" },
        h("section", { class: "card" }, h("h2", { text: "Details" }), details(p, meta), warningsList(p.warnings || []),
          p.failure ? h("p", { class: "error", text: p.failure.message }) : null),
        h("section", { class: "card" }, h("h2", { text: "Launch for a learner" }), ...launchForm(p)),
        h("section", { class: "card wide", id: "versions" }, h("h2", { text: "Versions" }), ...versionsCard(p)),
        org ? h("section", { class: "card wide" }, h("h2", { text: "Structure" }), items(org.items)) : null));
  }).catch((e) => showMissing(back(), "package", e));
}

// A warning is critical when part of the course needs the internet (packages/advisories.py):
// offline, that part fails in front of the class. The API lists the critical ones first.
const critical = (warnings) => warnings.filter((w) => w.severity === "critical");
const OFFLINE = "Needs the internet";

// In the list: a red badge for a course that needs the internet, and how many warnings in all.
function warningsCell(warnings) {
  if (!warnings.length) return h("td", { class: "hint", text: "—" });
  const online = critical(warnings);
  return h("td", { class: "warnings-cell" },
    online.length ? h("span", { class: "badge critical", title: online[0].message, text: OFFLINE }) : null,
    h("span", { class: "hint", text: plural(warnings.length, "warning") }));
}

// On the package's page: the critical ones first, in red, with what to do; then the rest.
function warningsList(warnings) {
  if (!warnings.length) return null;
  const online = critical(warnings), rest = warnings.filter((w) => !online.includes(w));
  const items = (list) => h("ul", {}, list.map((w) => h("li", { text: w.message })));
  return h("div", { class: "warnings" },
    online.length ? h("div", { class: "critical", role: "alert" }, h("h3", { text: OFFLINE }),
      h("p", { text: "Without a network these parts of the course will not work. Try it offline before a class, " +
        "or ask its author for a version with these files inside the zip." }), items(online)) : null,
    rest.length ? [h("h3", { text: online.length ? "Other warnings" : "Warnings" }), items(rest)] : null);
}

// Every version, a new one uploaded to the same package, and the learners moved to the newest.
function versionsCard(p) {
  const versions = p.versions || [];
  const ready = versions.filter((v) => v.status === "ready");
  const newest = ready.length ? ready[ready.length - 1] : null;
  const rows = versions.slice().reverse().map((v) => h("tr", {},
    h("td", { class: "num", text: String(v.version_number) }),
    h("td", {}, badge(v.status), v === newest ? h("span", { class: "hint", text: " new learners get this one" }) : null),
    h("td", { text: v.original_filename || "—" }),
    h("td", { class: "num", text: bytes(v.file_size_bytes) }),
    h("td", { text: when(v.created_at) })));
  const uploads = h("ul", { class: "uploads", "aria-label": "Version upload" });
  const input = h("input", { type: "file", accept: ".zip,application/zip", id: "version-input", class: "visually-hidden",
    onchange: () => {
      const file = input.files[0];
      input.value = "";
      if (!file) return;
      const row = h("li", { class: "upload" }, h("span", { class: "name", text: file.name }),
        h("progress", { max: "100", value: "0", "aria-label": "Upload of " + file.name }), h("span", { class: "step" }));
      uploads.replaceChildren(row);
      uploadFile(file, row, p.id).then((v) => { toast("Version " + v.version_number + " added"); packagePage(p.id); }).catch(fail);
    } });
  const move = () => api("POST", "/api/v1/packages/" + p.id + "/move-sessions", {}).then((r) => {
    const also = [r.skipped_other_standard ? r.skipped_other_standard + " stayed (another standard)" : "",
      r.sequencing_reset ? r.sequencing_reset + " restart their course's sequencing" : ""].filter(Boolean).join("; ");
    toast("Moved " + plural(r.moved, "learner session") + " to version " + r.to_version + (also ? "; " + also : ""));
  }).catch(fail);
  return [
    table(["Version", "Status", "File", "Size", "Added"], rows),
    h("p", { class: "hint", text: "A new version keeps this package's id and its learners: each goes on with the version they started on, unless you move them." }),
    h("div", { class: "actions" },
      h("label", { for: "version-input", class: "button-like", tabindex: "0", text: "Upload a new version",
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } } }),
      newest && versions.length > 1 ? h("button", { type: "button", id: "move-sessions", onclick: () => {
        confirmDialog("Move every learner to version " + newest.version_number + "?",
          "Their progress, scores and dates are kept; their open course windows close. Learners on a version of another standard stay where they are.",
          "Move learners", move);
      } }, "Move all learners to version " + newest.version_number) : null),
    input, uploads];
}

function details(p, meta) {
  return h("dl", {},
    h("dt", { text: "Status" }), h("dd", {}, badge(p.status)),
    h("dt", { text: "Standard" }), h("dd", { text: standardName(p.standard) }),
    h("dt", { text: "SCOs" }), h("dd", { text: meta.sco_count !== undefined ? meta.sco_count : "—" }),
    h("dt", { text: "Size" }), h("dd", { text: bytes(p.file_size_bytes) + (meta.file_count ? " · " + plural(meta.file_count, "file") : "") }),
    h("dt", { text: "File" }), h("dd", { text: p.original_filename || "—" }),
    h("dt", { text: "Added" }), h("dd", { text: when(p.created_at) + (p.uploaded_by ? " by " + p.uploaded_by : "") }),
    meta.description ? [h("dt", { text: "Description" }), h("dd", { text: meta.description })] : null);
}

// The course's structure, nested as the manifest nests it.
function items(list) {
  return h("ul", {}, (list || []).map((it) => h("li", {}, it.title + (it.is_visible === false ? " (hidden)" : ""),
    it.children && it.children.length ? items(it.children) : null)));
}

// A fresh attempt of the "Preview" learner each time, so a preview always starts from the
// beginning; previews are listed only when asked for, and counted nowhere.
function preview(p) {
  const desktop = desktopShell();
  // Opened now, while the click still allows a new tab; the launch link follows.
  const tab = desktop ? null : window.open("about:blank", "_blank");
  api("POST", "/api/v1/sessions", { package_id: p.id, user_id: "dashboard-preview", user_name: "Preview", new_attempt: true })
    .then((r) => {
      if (desktop) openInDesktop(r.launch_url, "Preview · " + p.title);
      else if (tab) { tab.opener = null; tab.location = r.launch_url; } else { window.location.href = r.launch_url; }
    })
    .catch((e) => { if (tab) tab.close(); fail(e); });
}

// The form, and where the link it makes is shown: the learner is picked (or made) in the
// learner picker, never a typed id that silently becomes a new learner.
function launchForm(p) {
  const linkOut = h("div", { class: "launch-result" });
  const submit = h("button", { type: "submit", class: "primary", disabled: true }, "Launch for this learner");
  const picker = learnerPicker({ allowNew: true, onChange: (l) => { submit.disabled = !l || p.status !== "ready"; } });
  const validity = validitySelect("package-launch-validity", true);
  const form = h("form", { class: "launch", onsubmit: (e) => {
    e.preventDefault();
    const learner = picker.chosen();
    if (!learner) return;
    linkFor(learner, p.id, validity.value).then((r) => {
      linkOut.replaceChildren(h("p", { text: "Launch link for " + learnerName(learner) + ". " + r.note }),
        launchLinkRow(r.url, validity.value === NOW, learnerName(learner) + " · " + p.title));
    }).catch(fail);
  } },
    picker.element,
    h("label", { for: "package-launch-validity", text: "Link" }), validity,
    submit);
  return [form, linkOut];
}
