/* Launching a course for a learner chosen in the learner picker: a link for now (the API's
 * launch link, minutes long) or a lasting one (until revoked, or for hours or days) that a
 * trainer hands out before a class. Shared by the launch dialog and the Learners page. */
import { api } from "./api.js";
import { fail, h, options } from "./dom.js";
import { plural, when } from "./format.js";

export const NOW = "now";
// [valid_hours ("" = until revoked), label]
const LASTING = [["", "Lasting: until revoked"], ["24", "Lasting: 1 day"], ["168", "Lasting: 7 days"], ["720", "Lasting: 30 days"]];

// The tenant's courses that can be launched, as a <select>.
export function courseSelect(id) {
  const select = h("select", { id, required: true }, h("option", { value: "", text: "Choose a course" }));
  api("GET", "/api/v1/packages?limit=100").then((data) => {
    for (const p of data.packages) if (p.status === "ready") select.append(h("option", { value: p.id, text: p.title }));
  }).catch(fail);
  return select;
}

// How long the link works; `withNow` offers the short link of the moment too.
export function validitySelect(id, withNow) {
  return h("select", { id }, options([...(withNow ? [[NOW, "For now (15 minutes)"]] : []), ...LASTING]));
}

// A promise of { url, note } for the learner and course, as the choice says.
export function linkFor(learner, packageId, choice) {
  if (choice === NOW) {
    return api("POST", "/api/v1/sessions", { package_id: packageId, user_id: learner.learner_id, user_name: learner.name || undefined })
      .then((r) => {
        const minutes = Math.max(1, Math.round((new Date(r.expires_at) - new Date()) / 60000));
        return { url: r.launch_url, note: "It works for " + plural(minutes, "minute") + "; launch again for a fresh link (progress is kept)." };
      });
  }
  return api("POST", "/api/v1/learner-links", { learner_id: learner.learner_id, package_id: packageId, valid_hours: choice ? Number(choice) : null })
    .then((r) => ({ url: r.link.launch_url, note: validUntil(r.link) + " Each opening resumes their progress." }));
}

export function validUntil(link) {
  if (link.status === "revoked") return "Revoked " + when(link.revoked_at) + ".";
  return link.expires_at ? "It works until " + when(link.expires_at) + "." : "It works until you revoke it.";
}
