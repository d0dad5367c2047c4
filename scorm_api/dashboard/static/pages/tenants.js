/* The Tenants page: separate spaces with their own packages, learners and keys; a new one can
 * come with its first admin key, and each one's package quota is edited in its row. */
import { api } from "../api.js";
import { LIMIT, fail, h, main, pager, secretBox, table, toast } from "../dom.js";
import { when } from "../format.js";
import { pageData } from "../page-data.js";

export default function tenantsPage() {
  const state = { page: 1 };
  const list = h("div", { class: "list" });
  const shown = h("div", {});
  const name = h("input", { id: "tenant-name", required: true, maxlength: "200", placeholder: "e.g. Sales training" });
  const quota = h("input", { id: "tenant-quota", type: "number", min: "0", placeholder: "no limit" });
  const withKey = h("input", { type: "checkbox", id: "tenant-key", checked: true });
  const form = h("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault();
    const body = { name: name.value.trim() };
    if (quota.value !== "") body.max_packages = Number(quota.value);
    if (withKey.checked) body.initial_api_key = { scopes: pageData.api_key_scopes, name: "Initial admin key" };
    api("POST", "/api/v1/tenants", body).then((t) => {
      shown.replaceChildren(t.api_key ? secretBox("The new tenant's API key", t.api_key.api_key) : h("p", { text: "Tenant created." }));
      name.value = ""; quota.value = "";
      load();
    }).catch(fail);
  } }, h("label", { for: "tenant-name", text: "Name" }), name,
    h("label", { for: "tenant-quota", text: "Package quota" }), quota,
    h("label", { class: "check" }, withKey, "Make its first admin key"),
    h("button", { type: "submit", class: "primary" }, "Create tenant"));
  function load() {
    api("GET", "/api/v1/tenants?page=" + state.page + "&limit=" + LIMIT).then((data) => {
      list.replaceChildren(table(["Name", "Id", "Package quota", "Created"], data.tenants.map((t) => h("tr", {},
        h("td", {}, t.name, t.is_system ? h("span", { class: "badge", text: "this appliance" }) : null),
        h("td", {}, h("code", { text: t.id })), h("td", {}, quotaEditor(t)),
        h("td", { text: when(t.created_at) })))),
      pager(state.page, data.pagination.total, LIMIT, (p) => { state.page = p; load(); }));
    }).catch(fail);
  }
  main.replaceChildren(h("h1", { text: "Tenants" }),
    h("p", { class: "hint", text: "Each tenant is a separate space with its own packages, learners and API keys; a tenant's keys never see another's data. This dashboard works in the appliance's own tenant." }),
    h("section", { class: "card" }, h("h2", { text: "New tenant" }), form, shown), list);
  load();
}

// Empty means no limit (null), as in the API.
function quotaEditor(t) {
  const input = h("input", { type: "number", min: "0", value: t.quotas.max_packages === null ? "" : t.quotas.max_packages,
                             placeholder: "no limit", class: "narrow", "aria-label": "Package quota of " + t.name });
  const save = h("button", { type: "button", class: "small", onclick: () => {
    api("PUT", "/api/v1/tenants/" + t.id, { max_packages: input.value === "" ? null : Number(input.value) })
      .then(() => toast("Quota saved for " + t.name)).catch(fail);
  } }, "Save");
  return h("div", { class: "row tight" }, input, save);
}
