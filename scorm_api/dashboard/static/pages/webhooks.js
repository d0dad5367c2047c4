/* The Webhooks page: a webhook made with its events ticked (its secret shown once), each one
 * enabled or disabled, tested, its secret rotated, deleted; and its delivery log, coloured by
 * status, where a delivered or failed event is sent again. */
import { api } from "../api.js";
import { badge, confirmDialog, emptyState, fail, h, main, secretBox, table, toast } from "../dom.js";
import { when } from "../format.js";
import { pageData } from "../page-data.js";

export default function webhooksPage() {
  const list = h("div", { class: "list" });
  const shown = h("div", {});
  const log = h("div", { id: "delivery-log" });
  const url = h("input", { id: "webhook-url", type: "url", required: true, maxlength: "2048", placeholder: "https://lms.example.org/webhooks/scorm" });
  const secret = h("input", { id: "webhook-secret", minlength: "16", maxlength: "200", placeholder: "generated when left empty" });
  const all = h("input", { type: "checkbox", id: "event-all", checked: true });
  const boxes = pageData.webhook_events.map((t) => h("input", { type: "checkbox", value: t, disabled: true }));
  all.addEventListener("change", () => boxes.forEach((b) => { b.disabled = all.checked; }));
  const form = h("form", { class: "inline", onsubmit: (e) => {
    e.preventDefault();
    const events = all.checked ? [pageData.webhook_all_events] : boxes.filter((b) => b.checked).map((b) => b.value);
    if (!events.length) { fail(new Error("Tick at least one event")); return; }
    api("POST", "/api/v1/webhooks", { url: url.value.trim(), events, secret: secret.value || undefined }).then((w) => {
      shown.replaceChildren(secretBox("The webhook's signing secret", w.secret));
      url.value = ""; secret.value = "";
      load();
    }).catch(fail);
  } },
    h("label", { for: "webhook-url", text: "Receiver URL" }), url,
    h("fieldset", { class: "choices" }, h("legend", { text: "Events" }), h("label", { class: "check" }, all, "All events"),
      boxes.map((b) => h("label", { class: "check" }, b, b.value))),
    h("label", { for: "webhook-secret", text: "Signing secret (optional)" }), secret,
    h("button", { type: "submit", class: "primary" }, "Create webhook"));

  function load() {
    api("GET", "/api/v1/webhooks?limit=100").then((data) => {
      if (!data.webhooks.length) { list.replaceChildren(emptyState("No webhooks", "A webhook tells another system (an LMS, a CRM) when a learner completes a course.")); return; }
      list.replaceChildren(table(["Receiver", "Events", "Status", "Created", ""], data.webhooks.map((w) => h("tr", { "data-webhook": w.id },
        h("td", {}, h("code", { text: w.url })),
        h("td", { text: w.events.includes(pageData.webhook_all_events) ? "all" : w.events.join(", ") }),
        h("td", {}, badge(w.enabled ? "enabled" : "disabled"), w.disabled_reason ? h("span", { class: "hint", text: " " + w.disabled_reason }) : null),
        h("td", { text: when(w.created_at) }),
        h("td", { class: "actions" }, actions(w))))));
    }).catch(fail);
  }

  function actions(w) {
    const path = "/api/v1/webhooks/" + w.id;
    return [
      h("button", { type: "button", class: "small", onclick: () => deliveries(w) }, "Deliveries"),
      h("button", { type: "button", class: "small", onclick: () => api("POST", path + "/test").then(() => { toast("Test event sent"); setTimeout(() => deliveries(w), 1500); }).catch(fail) }, "Send test"),
      h("button", { type: "button", class: "small", onclick: () => api("PATCH", path, { enabled: !w.enabled }).then(() => { toast(w.enabled ? "Webhook disabled" : "Webhook enabled"); load(); }).catch(fail) }, w.enabled ? "Disable" : "Enable"),
      h("button", { type: "button", class: "small", onclick: () => confirmDialog("Rotate the secret?",
        "A new secret is shown once; the old one keeps signing beside it for 24 hours, so the receiver can move over.", "Rotate secret",
        () => api("POST", path + "/rotate-secret", {}).then((r) => { shown.replaceChildren(secretBox("The webhook's new signing secret", r.secret)); load(); }).catch(fail)) }, "Rotate secret"),
      h("button", { type: "button", class: "danger small", onclick: () => confirmDialog("Delete this webhook?",
        "Its receiver gets no more events, and its delivery log goes.", "Delete webhook",
        () => api("DELETE", path).then(() => { toast("Webhook deleted"); log.replaceChildren(); load(); }).catch(fail)) }, "Delete"),
    ];
  }

  function deliveries(w) {
    const path = "/api/v1/webhooks/" + w.id + "/deliveries";
    api("GET", path + "?limit=50").then((data) => {
      const rows = data.deliveries.map((d) => h("tr", { "data-delivery": d.id },
        h("td", { text: when(d.occurred_at) }), h("td", {}, h("code", { text: d.event_type })),
        h("td", { class: "wrap", text: d.object_id }), h("td", {}, badge(d.status)),
        h("td", { class: "num", text: String(d.attempts) }),
        h("td", { text: d.last_status_code ? String(d.last_status_code) : (d.last_error || "—") }),
        h("td", {}, d.status === "pending" ? null : h("button", { type: "button", class: "small",
          onclick: () => api("POST", path + "/" + d.id + "/redeliver").then(() => { toast("Sent again"); setTimeout(() => deliveries(w), 1500); }).catch(fail) }, "Redeliver"))));
      log.replaceChildren(h("section", { class: "card spaced" }, h("h2", { text: "Deliveries to " + w.url }),
        rows.length ? table(["Occurred", "Event", "Object", "Status", "Attempts", "Last answer", ""], rows)
          : h("p", { class: "hint", text: "No deliveries yet." })));
    }).catch(fail);
  }

  main.replaceChildren(h("h1", { text: "Webhooks" }),
    h("p", { class: "hint" }, "Each event is signed as the cloud signs them (X-Allure-Signature) and retried until the receiver takes it. ",
      h("a", { href: "/api/docs", text: "API documentation" })),
    h("section", { class: "card" }, h("h2", { text: "New webhook" }), form, shown), list, log);
  load();
}
