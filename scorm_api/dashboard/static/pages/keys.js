/* The API keys page: the REST API's keys, and the Basic-auth credentials of the standard xAPI
 * LRS at /xapi/ (authoring tools, xAPI content). Both are shown once, at creation, and revoked
 * from their table. */
import { api } from "../api.js";
import { badge, confirmDialog, emptyState, fail, h, main, secretBox, table, toast } from "../dom.js";
import { when } from "../format.js";
import { pageData } from "../page-data.js";

export default function keysPage() {
  const list = h("div", { class: "list" });
  const shown = h("div", {});
  const name = h("input", { id: "key-name", maxlength: "200", placeholder: "e.g. LMS integration" });
  const expires = h("input", { id: "key-expires", type: "number", min: "1", max: "3650", placeholder: "never", class: "short" });
  const unticked = pageData.api_key_unticked_scopes;
  const scopes = pageData.api_key_scopes.map((s) => h("input", { type: "checkbox", value: s, checked: !unticked.includes(s) }));
  const form = h("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault();
    const chosen = scopes.filter((box) => box.checked).map((box) => box.value);
    const days = expires.value ? Number(expires.value) : undefined;
    api("POST", "/api/v1/api-keys", { name: name.value.trim() || undefined, scopes: chosen, expires_in_days: days }).then((k) => {
      shown.replaceChildren(secretBox("The new API key", k.api_key));
      name.value = "";
      expires.value = "";
      load();
    }).catch(fail);
  } }, h("label", { for: "key-name", text: "Key name" }), name,
    h("fieldset", {}, h("legend", { text: "Scopes" }), scopes.map((box) => h("label", { class: "check" }, box, box.value))),
    h("label", { for: "key-expires", text: "Expires in (days, optional)" }), expires,
    h("button", { type: "submit", class: "primary" }, "Create key"));
  function load() {
    api("GET", "/api/v1/api-keys?limit=100").then((data) => {
      const keys = data.api_keys || data.keys || [];
      if (!keys.length) { list.replaceChildren(emptyState("No API keys")); return; }
      list.replaceChildren(table(["Name", "Key", "Scopes", "Status", "Created", "Last used", "Expires", ""], keys.map((k) => h("tr", { "data-key": k.id },
        h("td", { text: k.name }), h("td", {}, h("code", { text: k.prefix + "…" })),
        h("td", { text: k.scopes.join(", ") }), h("td", {}, badge(k.status)),
        h("td", { text: when(k.created_at) }), h("td", { text: when(k.last_used_at) || "never" }),
        h("td", { text: when(k.expires_at) || "never" }),
        h("td", {}, revokeButton(k, { path: "/api/v1/api-keys/", button: "Revoke key",
          consequence: "Programs using this key stop working at once.", done: "Key revoked" }, load))))));
    }).catch(fail);
  }
  main.replaceChildren(h("h1", { text: "API keys" }),
    h("p", { class: "hint" }, "Keys let other programs (an LMS, scripts) use this appliance's REST API. ",
      h("a", { href: "/api/docs", text: "API documentation" })),
    h("section", { class: "card" }, h("h2", { text: "New key" }), form, shown), list,
    lrsCredentials());
  load();
}

function lrsCredentials() {
  const list = h("div", { class: "list" });
  const shown = h("div", {});
  const name = h("input", { id: "lrs-name", maxlength: "200", placeholder: "e.g. Authoring tool" });
  const readOnly = h("input", { type: "checkbox", id: "lrs-read-only" });
  const form = h("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault();
    api("POST", "/api/v1/xapi/credentials", { name: name.value.trim() || undefined,
                                              scopes: readOnly.checked ? pageData.lrs_read_only_scopes : pageData.lrs_scopes })
      .then((c) => {
        shown.replaceChildren(h("div", { class: "secret" },
          h("strong", { text: "Copy these now: the password is shown only once." }),
          h("dl", {}, h("dt", { text: "Endpoint" }), h("dd", {}, h("code", { text: c.endpoint })),
            h("dt", { text: "Username" }), h("dd", {}, h("code", { text: c.username })),
            h("dt", { text: "Password" }), h("dd", {}, h("input", { readonly: true, value: c.password, class: "link", "aria-label": "The new LRS password" })))));
        name.value = "";
        load();
      }).catch(fail);
  } }, h("label", { for: "lrs-name", text: "Credentials name" }), name,
    h("label", { class: "check" }, readOnly, "Read only"),
    h("button", { type: "submit", class: "primary" }, "Create LRS credentials"));
  function load() {
    api("GET", "/api/v1/xapi/credentials").then((data) => {
      if (!data.credentials.length) { list.replaceChildren(h("p", { class: "hint", text: "No LRS credentials yet." })); return; }
      list.replaceChildren(table(["Name", "Username", "Scopes", "Status", "Created", ""], data.credentials.map((c) => h("tr", {},
        h("td", { text: c.name }), h("td", {}, h("code", { text: c.username })),
        h("td", { text: c.scopes.join(", ") }), h("td", {}, badge(c.status)), h("td", { text: when(c.created_at) }),
        h("td", {}, revokeButton(c, { path: "/api/v1/xapi/credentials/", button: "Revoke credentials",
          consequence: "Tools using these credentials stop reaching the LRS at once.", done: "LRS credentials revoked" }, load))))));
    }).catch(fail);
  }
  load();
  return h("section", { class: "card spaced" }, h("h2", { text: "xAPI LRS credentials" }),
    h("p", { class: "hint", text: "For xAPI tools and content that talk to the standard LRS at /xapi/ with a username and password (HTTP Basic)." }),
    form, shown, list);
}

// An active key's or credentials' Revoke button (none once revoked), asking first.
function revokeButton(item, { path, button, consequence, done }, reload) {
  if (item.status !== "active") return null;
  const revoke = () => api("DELETE", path + item.id).then(() => { toast(done); reload(); }).catch(fail);
  return h("button", { type: "button", class: "danger small", onclick: () => {
    confirmDialog("Revoke “" + item.name + "”?", consequence, button, revoke);
  } }, "Revoke");
}
