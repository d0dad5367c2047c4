/* The Account page: the dashboard's password, set for the first time or changed. */
import { api } from "../api.js";
import { fail, h, main, toast } from "../dom.js";
import { plural } from "../format.js";
import { pageData } from "../page-data.js";

export default function accountPage() {
  // Signed in by the desktop app (or a one-time link) before any password was chosen: the
  // first one needs no current password.
  const hasPassword = main.dataset.passwordSet === "1";
  const least = pageData.password_min_length;
  const current = h("input", { id: "current-password", type: "password", required: hasPassword, autocomplete: "current-password" });
  const next = h("input", { id: "new-password", type: "password", required: true, minlength: String(least), autocomplete: "new-password" });
  const form = h("form", { class: "stack", onsubmit: (e) => {
    e.preventDefault();
    api("POST", "/dashboard/password", { current_password: current.value, new_password: next.value })
      .then(() => {
        current.value = next.value = "";
        toast(hasPassword ? "Password changed. Other browsers were signed out." : "Password set. Browsers can now sign in with it.");
        if (!hasPassword) { main.dataset.passwordSet = "1"; accountPage(); }
      })
      .catch(fail);
  } }, hasPassword ? h("label", { for: "current-password", text: "Current password" }) : null, hasPassword ? current : null,
    h("label", { for: "new-password", text: "New password (at least " + plural(least, "character") + ")" }), next,
    h("button", { type: "submit", class: "primary" }, hasPassword ? "Change password" : "Set password"));
  main.replaceChildren(h("h1", { text: "Account" }), h("section", { class: "card" }, h("h2", { text: "Dashboard password" }),
    hasPassword ? null : h("p", { class: "hint", text: "No password is set: only the desktop app (or a sign-in link from `scorm-api admin sign-in-link`) can open this dashboard. Set one to sign in from a browser too." }),
    form));
}
