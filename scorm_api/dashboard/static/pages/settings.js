/* The Settings page: the per-tenant rate limits and the address launch links use (the server's
 * runtime settings, GET/PUT /api/v1/settings, taking effect at once), and scheduled backups
 * into a folder (/api/v1/settings/backups). */
import { api } from "../api.js";
import { confirmDialog, fail, h, main, table, toast } from "../dom.js";
import { bytes, plural, when } from "../format.js";

export default function settingsPage() {
  Promise.all([api("GET", "/api/v1/settings"), api("GET", "/api/v1/settings/backups")]).then(([cur, backups]) => {
    const backupCard = h("section", { class: "card", id: "backups" });
    drawBackups(backupCard, backups);
    main.replaceChildren(h("h1", { text: "Settings" }),
      h("div", { class: "grid" }, h("section", { class: "card" }, h("h2", { text: "Rate limits" }), limitsForm(cur)),
        h("section", { class: "card" }, h("h2", { text: "Launch links" }), linksForm(cur)), backupCard));
  }).catch(fail);
}

function drawBackups(card, cur) {
  const redraw = (next) => drawBackups(card, next);
  const number = (id, value, max) => h("input", { type: "number", id, min: "1", max, value, class: "narrow", required: true });
  const folder = h("input", { id: "backup-folder", value: cur.folder || "", placeholder: "/media/usb/backups", class: "wide-input", required: true });
  const every = number("backup-every", cur.every_hours || 24, "720"), keep = number("backup-keep", cur.keep || 7, "1000");
  const pass = h("input", { id: "backup-passphrase", type: "password", autocomplete: "new-password", minlength: "8",
                            required: !cur.enabled, placeholder: cur.enabled ? "Kept; type a new one to change it" : "" });
  const status = cur.enabled ? h("div", { class: "stack" },
    h("p", { text: cur.last_run_at
      ? (cur.last_error ? "Last backup failed " + when(cur.last_run_at) + ": " + cur.last_error : "Last backup " + when(cur.last_success_at) + ".")
      : "No backup yet." , class: cur.last_error ? "hint bad" : "hint" }),
    h("p", { class: "hint", text: "Next backup " + when(cur.next_run_at) + "." }),
    cur.backups.length ? table(["Backup file", "Size"],
      cur.backups.map((b) => h("tr", {}, h("td", { text: b.name }), h("td", { text: bytes(b.bytes) }))), "compact") : null,
    h("div", { class: "row" },
      h("button", { type: "button", onclick: (e) => {
        e.target.disabled = true;
        toast("Backing up…");
        api("POST", "/api/v1/settings/backups/run").then((r) => {
          if (r.error) toast("The backup failed: " + r.error, true); else toast("Backup written: " + r.file);
          redraw(r);
        }).catch(fail).finally(() => { e.target.disabled = false; });
      } }, "Back up now"),
      h("button", { type: "button", class: "danger", onclick: () => confirmDialog("Stop scheduled backups?",
        "The backup files already written stay in " + cur.folder + ".", "Stop backups",
        () => api("DELETE", "/api/v1/settings/backups").then(() => api("GET", "/api/v1/settings/backups")).then((r) => { toast("Scheduled backups stopped"); redraw(r); })) },
      "Stop backups"))) : null;
  card.replaceChildren(h("h2", { text: "Backups" }), status,
    h("form", { class: "stack", onsubmit: (e) => {
      e.preventDefault();
      const body = { folder: folder.value.trim(), every_hours: Number(every.value), keep: Number(keep.value) };
      if (pass.value) body.passphrase = pass.value;
      api("PUT", "/api/v1/settings/backups", body).then((r) => { toast("Backups scheduled into " + r.folder); redraw(r); }).catch(fail);
    } },
      h("p", { class: "hint", text: "A backup holds the database, every package and the data dir's secret, in one file. " +
        "Put it on a USB stick or a network drive: if this computer is lost, restore it elsewhere with " +
        "scorm-api restore FILE --data-dir NEW-FOLDER." }),
      h("label", { for: "backup-folder", text: "Folder for the backups (its full path)" }), folder,
      h("label", { for: "backup-every", text: "Back up every (hours)" }), every,
      h("label", { for: "backup-keep", text: "Backups to keep" }), keep,
      h("label", { for: "backup-passphrase", text: "Passphrase" }), pass,
      h("p", { class: "hint", text: "At least 8 characters. Restoring a backup needs it; it is not stored, and nobody can recover it for you." }),
      h("button", { type: "submit", class: "primary" }, cur.enabled ? "Save backup schedule" : "Schedule backups")));
}

function limitsForm(cur) {
  const enabled = h("input", { type: "checkbox", id: "limits-enabled", checked: cur.rate_limits_enabled });
  const number = (id, value) => h("input", { type: "number", id, min: "1", max: "1000000", value, class: "narrow", required: true });
  const read = number("limit-read", cur.rate_limit_read), write = number("limit-write", cur.rate_limit_write),
        upload = number("limit-upload", cur.rate_limit_upload);
  return h("form", { class: "stack", onsubmit: (e) => {
    e.preventDefault();
    api("PUT", "/api/v1/settings", { rate_limits_enabled: enabled.checked, rate_limit_read: Number(read.value),
                                     rate_limit_write: Number(write.value), rate_limit_upload: Number(upload.value) })
      .then(() => toast("Rate limits saved")).catch(fail);
  } },
    h("label", { class: "check" }, enabled, "Limit how many requests each tenant may make"),
    h("p", { class: "hint", text: "Per tenant, per " + plural(cur.rate_limit_window_seconds, "second") + ". Over the limit, the API answers 429 with Retry-After." }),
    h("label", { for: "limit-read", text: "Reads (GET)" }), read,
    h("label", { for: "limit-write", text: "Changes (POST, PUT, DELETE)" }), write,
    h("label", { for: "limit-upload", text: "Uploads" }), upload,
    h("button", { type: "submit", class: "primary" }, "Save rate limits"));
}

function linksForm(cur) {
  const url = h("input", { id: "content-url", type: "url", value: cur.content_url_override || "", placeholder: cur.content_url, class: "wide-input" });
  return h("form", { class: "stack", onsubmit: (e) => {
    e.preventDefault();
    api("PUT", "/api/v1/settings", { content_url: url.value.trim() || null })
      .then((r) => toast("Launch links now use " + r.content_url)).catch(fail);
  } },
    h("label", { for: "content-url", text: "Address in launch links" }), url,
    h("p", { class: "hint", text: "Learners open courses at this address. Leave it empty for the default (" +
      (cur.content_url_override ? "the start-up setting" : cur.content_url) + "). To reach learners on other " +
      "computers, start the server on the network (scorm-api serve --host 0.0.0.0) and put this computer's " +
      "address here, for example http://192.168.1.20:3001. It must differ from the dashboard's own address (" + cur.public_url + ")." }),
    h("button", { type: "submit", class: "primary" }, "Save address"));
}
