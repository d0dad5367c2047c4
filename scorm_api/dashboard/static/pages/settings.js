/* The Settings page: the per-tenant rate limits, and the address launch links use. Both are
 * the server's runtime settings (GET/PUT /api/v1/settings), taking effect at once. */
import { api } from "../api.js";
import { fail, h, main, toast } from "../dom.js";
import { plural } from "../format.js";

export default function settingsPage() {
  api("GET", "/api/v1/settings").then((cur) => {
    main.replaceChildren(h("h1", { text: "Settings" }),
      h("div", { class: "grid" }, h("section", { class: "card" }, h("h2", { text: "Rate limits" }), limitsForm(cur)),
        h("section", { class: "card" }, h("h2", { text: "Launch links" }), linksForm(cur))));
  }).catch(fail);
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
