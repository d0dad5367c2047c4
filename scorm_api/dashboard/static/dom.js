/* Building the pages' markup, and the pieces every page uses: the toast, the confirmation
 * dialog and the dialog of fields, copyable fields, tables, the pager, status badges, empty
 * states. */

// The element each page draws itself into.
export const main = document.getElementById("main");

// h("a", { href, text, onclick }, child, [children], …): attributes that are null, undefined or
// false are left out, so a caller can write `disabled: !ready`; so are such children.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    for (const x of Array.isArray(c) ? c : [c]) el.append(x instanceof Node ? x : document.createTextNode(String(x)));
  }
  return el;
}

const toastEl = document.getElementById("toast");
let toastTimer;

export function toast(text, bad) {
  toastEl.textContent = text;
  toastEl.className = "toast" + (bad ? " bad" : "");
  toastEl.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toastEl.hidden = true; }, 5000);
}

// The catch-all of every API call: the error's message, as a red toast.
export function fail(e) { toast(e.message || String(e), true); }

// Asks before `action`; `button` names what the confirming button does ("Delete package").
export function confirmDialog(title, text, button, action) {
  const close = () => { dlg.close(); dlg.remove(); };
  const dlg = h("dialog", { class: "confirm", "aria-labelledby": "confirm-title" },
    h("h2", { id: "confirm-title", text: title }), h("p", { text }),
    h("div", { class: "actions" },
      h("button", { type: "button", onclick: close }, "Cancel"),
      h("button", { type: "button", class: "danger", onclick: () => { close(); action(); } }, button)));
  document.body.append(dlg);
  dlg.showModal();
}

// A dialog of fields: `submit()` answers a promise; the dialog closes when it resolves and
// stays open, the fields as typed, when it fails (the toast says why). `ready()`, when given,
// says whether the button may be pressed yet (checked as the reader types). Answers the dialog.
export function formDialog(title, fields, button, submit, { danger = false, ready = null, closeText = "Cancel" } = {}) {
  const close = () => { dlg.close(); dlg.remove(); };
  const ok = h("button", { type: "submit", class: danger ? "danger" : "primary" }, button);
  const check = () => { if (ready) ok.disabled = !ready(); };
  const form = h("form", { class: "stack", method: "dialog", oninput: check, onsubmit: (e) => {
    e.preventDefault();
    if (ready && !ready()) return;
    ok.disabled = true;
    Promise.resolve(submit()).then((keepOpen) => { if (keepOpen !== true) close(); })
      .catch(fail).finally(() => { ok.disabled = false; check(); });
  } }, fields, h("div", { class: "actions" }, h("button", { type: "button", onclick: close }, closeText), ok));
  const dlg = h("dialog", { class: "confirm", "aria-labelledby": "form-dialog-title" },
    h("h2", { id: "form-dialog-title", text: title }), form);
  document.body.append(dlg);
  dlg.showModal();
  check();
  return dlg;
}

// A read-only field showing a value, with a button that copies it (and whatever follows).
export function copyRow(label, value, buttonText, copiedText, extra) {
  const field = h("input", { readonly: true, value, class: "link", "aria-label": label });
  return h("div", { class: "row" }, field, h("button", { type: "button", onclick: () => {
    field.select();
    const copied = () => toast(copiedText);
    // Without the clipboard API (a page that is not a secure context: the dashboard at a LAN
    // address over http has no navigator.clipboard at all), the selection is copied, or left
    // selected for the reader to copy.
    const written = navigator.clipboard ? navigator.clipboard.writeText(value) : Promise.reject(new Error("no clipboard"));
    written.then(copied, () => (document.execCommand("copy") ? copied() : toast("Selected: press Ctrl+C to copy it")));
  } }, buttonText), extra);
}

// A key that the API returns only once, at creation.
export function secretBox(label, value) {
  return h("div", { class: "secret" }, h("strong", { text: "Copy this key now: it is shown only once." }),
    copyRow(label, value, "Copy", "Key copied"));
}

// A fetched file (api.js download) handed to the browser as a download, by an object URL.
export function saveFile({ blob, name }) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);  // not at once: the download may still be reading it
}

// `headers` are column titles, or header cells of the caller's own (a sortable column).
export function table(headers, rows, className) {
  return h("table", { class: className },
    h("thead", {}, h("tr", {}, headers.map((t) => (t instanceof Node ? t : h("th", { scope: "col", text: t }))))),
    h("tbody", {}, rows));
}

// <option>s from [value, label] pairs.
export function options(choices) {
  return choices.map(([value, text]) => h("option", { value, text }));
}

export const LIMIT = 20;  // rows on a page of a paged list

export function pager(page, total, limit, go) {
  const pages = Math.max(1, Math.ceil(total / limit));
  return h("div", { class: "pager" },
    h("button", { type: "button", disabled: page <= 1, onclick: () => go(page - 1) }, "← Previous"),
    h("span", { text: "Page " + page + " of " + pages + " · " + total + " in all" }),
    h("button", { type: "button", disabled: page >= pages, onclick: () => go(page + 1) }, "Next →"));
}

// A status as a coloured badge: the status is its class, dashboard.css colours it.
export function badge(status) {
  return h("span", { class: "badge " + status, text: status.replace("_", " ") });
}

export function emptyState(title, text, ...more) {
  return h("div", { class: "empty" }, h("h2", { text: title }), text === undefined ? null : h("p", { text }), more);
}

export function crumbs(href, text) {
  return h("p", { class: "crumbs" }, h("a", { href, text }));
}

// The page of one package or session that could not be loaded: why, and the way back.
export function showMissing(back, what, e) {
  main.replaceChildren(back, emptyState(e.status === 404 ? "This " + what + " does not exist (any more)"
    : "Could not load the " + what, e.message));
}
