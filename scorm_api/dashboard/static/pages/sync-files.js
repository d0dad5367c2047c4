/* The Sync page's "Sync by file" card: write a sync file for an appliance this one has no
 * network to (kept here to download), import one another appliance wrote (its signer trusted
 * once, after comparing the key fingerprint), and the appliances trusted. */
import { api, sendFile } from "../api.js";
import { confirmDialog, fail, h, table, toast } from "../dom.js";
import { bytes, plural, when } from "../format.js";

// `watch(run)`: the page's own live view of a run (an import is a run, trigger "import").
export function fileCard(watch) {
  const destination = h("input", { id: "file-destination", class: "wide-input", value: "office", maxlength: "200", required: true });
  const full = h("input", { id: "file-full", type: "checkbox" });
  const filesBox = h("div", {}), trustBox = h("div", {}), refusal = h("div", { "aria-live": "polite" });
  const chooser = h("input", { id: "file-import", type: "file", accept: ".sync,application/octet-stream" });
  const importBtn = h("button", { type: "submit" }, "Import");

  const writeForm = h("form", { class: "stack", onsubmit: (e) => {
    e.preventDefault();
    api("POST", "/api/v1/sync/files", { destination: destination.value.trim(), full: full.checked })
      .then((r) => { toast("Sync file " + r.file.sequence + " written: download it below"); loadFiles(); })
      .catch(fail);
  } },
    h("label", { for: "file-destination", text: "For which appliance (each one's files follow one another)" }), destination,
    h("label", { class: "check" }, full, " Everything, not only what changed since the last file"),
    h("button", { type: "submit", class: "primary" }, "Write a sync file"));

  function loadFiles() {
    api("GET", "/api/v1/sync/files").then((data) => {
      if (!data.files.length) { filesBox.replaceChildren(); return; }
      const signer = data.files[0].signed_by;
      filesBox.replaceChildren(
        table(["File", "For", "Carries", "Written", ""], data.files.map((f) => h("tr", { "data-file": f.id },
          h("td", { text: "No. " + f.sequence + (f.follows ? "" : " (everything)") + " · " + bytes(f.size) }),
          h("td", { text: f.destination }),
          h("td", { text: plural(f.counts.packages || 0, "package version") + ", " + plural(f.counts.sessions || 0, "session") +
            ", " + plural(f.counts.statements || 0, "activity record") +
            (f.not_carried.length ? " (" + plural(f.not_carried.length, "record") + " with attachments not carried)" : "") }),
          h("td", { text: when(f.created_at) }),
          h("td", {}, h("a", { class: "button-like", href: f.download_url, download: "" }, "Download")))), "compact"),
        h("p", { class: "hint", text: "Signed by this appliance (" + signer.instance_id + "), key fingerprint " + signer.fingerprint +
          ". The appliance that imports it shows the same fingerprint the first time: compare them." }));
    }).catch(fail);
  }

  function send(trust) {
    const file = chooser.files[0];
    if (!file) { toast("Choose a sync file first", true); return; }
    const name = document.getElementById("trust-name");
    const query = trust ? "?trust=true" + (name && name.value.trim() ? "&name=" + encodeURIComponent(name.value.trim()) : "") : "";
    importBtn.disabled = true;
    refusal.replaceChildren();
    sendFile("POST", "/api/v1/sync/imports" + query, file, "application/octet-stream").then((r) => {
      toast("Importing " + file.name + (r.signer.trusted_now ? " (its appliance is trusted now)" : ""));
      chooser.value = "";
      watch(r.run);
      loadTrusted();
    }).catch((e) => {
      if (e.status === 403 && e.details.fingerprint) askTrust(e); else fail(e);
    }).finally(() => { importBtn.disabled = false; });
  }

  // Never trusted blindly: the fingerprint, to compare with the one the sending appliance shows.
  function askTrust(e) {
    const changed = e.details.reason === "KEY_CHANGED";
    refusal.replaceChildren(h("div", { class: "trust-question" },
      h("p", { text: changed ? "This appliance signed with another key than the one trusted before." : "This file comes from an appliance not trusted here yet." }),
      h("p", {}, "Appliance ", h("code", { text: e.details.instance_id }), ", key fingerprint ", h("strong", { class: "fingerprint", text: e.details.fingerprint })),
      h("p", { class: "hint", text: "Compare it with the fingerprint the other appliance shows under its sync files. Trust it only if they match." }),
      h("label", { for: "trust-name", text: "A name for it (optional)" }), h("input", { id: "trust-name", class: "wide-input", maxlength: "200", placeholder: "e.g. Laptop 3" }),
      h("div", { class: "row" }, h("button", { type: "button", class: "primary", onclick: () => send(true) }, "Trust and import"),
        h("button", { type: "button", onclick: () => refusal.replaceChildren() }, "Cancel"))));
  }

  function loadTrusted() {
    api("GET", "/api/v1/sync/trusted").then((data) => {
      if (!data.trusted.length) { trustBox.replaceChildren(); return; }
      trustBox.replaceChildren(h("h3", { text: "Appliances trusted here" }),
        table(["Appliance", "Key fingerprint", "Trusted", ""], data.trusted.map((t) => h("tr", {},
          h("td", { text: t.name ? t.name + " (" + t.instance_id + ")" : t.instance_id }),
          h("td", {}, h("code", { text: t.fingerprint })), h("td", { text: when(t.trusted_at) }),
          h("td", {}, h("button", { type: "button", onclick: () => confirmDialog("Stop trusting " + (t.name || t.instance_id) + "?",
            "Its next sync file is refused until you trust it again.", "Stop trusting",
            () => api("DELETE", "/api/v1/sync/trusted/" + encodeURIComponent(t.instance_id)).then(loadTrusted).catch(fail)) }, "Stop trusting")))), "compact"));
    }).catch(fail);
  }

  loadFiles(); loadTrusted();
  return h("section", { class: "card" }, h("h2", { text: "Sync by file" }),
    h("p", { class: "hint", text: "For an appliance this one has no network to: the same sync, as one signed file to carry (a USB stick). Only what changed since the last file for that appliance goes in it." }),
    writeForm, filesBox,
    h("h3", { text: "Import a sync file" }),
    h("form", { class: "stack", onsubmit: (e) => { e.preventDefault(); send(false); } },
      h("label", { for: "file-import", text: "A sync file another appliance wrote" }), chooser, importBtn),
    refusal, trustBox);
}
