/* Choosing a learner: search as you type among the tenant's learners (GET /api/v1/learners),
 * or make a new one explicitly (an id and a name). A typed id never becomes a learner by
 * accident: the launch dialog and the merge dialog take only a learner chosen here. */
import { api } from "./api.js";
import { fail, h } from "./dom.js";
import { plural } from "./format.js";

const SEARCH_DELAY_MS = 250;  // a search starts when the typing pauses
const SHOWN = 8;  // matches listed at once

export function learnerName(l) {
  return l.name ? l.name + " (" + l.learner_id + ")" : l.learner_id;
}

// { element, chosen() }: `chosen()` is the learner picked (or made), else null. `allowNew`
// offers making one; `except` is a learner id not to offer (the one being merged).
export function learnerPicker({ allowNew = false, except = null, onChange = () => {} } = {}) {
  let picked = null;
  let timer;
  const search = h("input", { type: "search", id: "learner-search", autocomplete: "off", placeholder: "Name or id",
                              role: "combobox", "aria-expanded": "false", "aria-controls": "learner-matches" });
  const matches = h("ul", { id: "learner-matches", class: "matches", role: "listbox", "aria-label": "Matching learners" });
  const chosenBox = h("div", { class: "chosen", hidden: true });
  const finder = h("div", { class: "finder" }, h("label", { for: "learner-search", text: "Learner" }), search, matches);
  const newId = h("input", { id: "new-learner-id", maxlength: "255", placeholder: "e.g. ann.lee@example.org" });
  const newName = h("input", { id: "new-learner-name", maxlength: "255", placeholder: "e.g. Ann Lee" });
  const maker = h("div", { class: "stack", hidden: true },
    h("label", { for: "new-learner-id", text: "New learner's id" }), newId,
    h("label", { for: "new-learner-name", text: "Their name" }), newName,
    h("div", { class: "row" },
      h("button", { type: "button", onclick: () => {
        const learner_id = newId.value.trim();
        if (!learner_id) { newId.focus(); return; }
        api("POST", "/api/v1/learners", { learner_id, name: newName.value.trim() || undefined })
          .then((r) => choose(r.learner)).catch(fail);
      } }, "Create learner"),
      h("button", { type: "button", onclick: () => { maker.hidden = true; finder.hidden = false; search.focus(); } }, "Back to search")));

  function choose(learner) {
    picked = learner;
    maker.hidden = finder.hidden = !!learner;
    chosenBox.hidden = !learner;
    matches.replaceChildren();
    search.setAttribute("aria-expanded", "false");
    if (learner) {
      chosenBox.replaceChildren(h("span", { class: "label", text: "Learner" }),
        h("strong", { text: learnerName(learner) }),
        h("button", { type: "button", class: "small", onclick: () => { choose(null); search.focus(); } }, "Change"));
    }
    onChange(learner);
  }

  function show(list, text) {
    const offered = list.filter((l) => l.learner_id !== except).slice(0, SHOWN);
    const items = offered.map((l) => h("li", { role: "option" },
      h("button", { type: "button", class: "match", onclick: () => choose(l) }, learnerName(l),
        h("span", { class: "hint", text: " · " + plural(l.sessions, "session") }))));
    if (!offered.length) items.push(h("li", { class: "hint", text: text ? "No learner matches “" + text + "”." : "No learners yet." }));
    if (allowNew) {
      items.push(h("li", {}, h("button", { type: "button", class: "match new", onclick: () => {
        finder.hidden = true;
        maker.hidden = false;
        newId.value = search.value.trim();
        newId.focus();
      } }, "New learner…")));
    }
    matches.replaceChildren(...items);
    search.setAttribute("aria-expanded", "true");
  }

  function find() {
    const text = search.value.trim();
    const q = new URLSearchParams({ limit: String(SHOWN + 1), sort: "name" });
    if (text) q.set("search", text);
    api("GET", "/api/v1/learners?" + q.toString()).then((data) => {
      if (search.value.trim() === text) show(data.learners, text);  // a later search may have overtaken it
    }).catch(fail);
  }
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(find, SEARCH_DELAY_MS); });
  search.addEventListener("focus", find);
  return { element: h("div", { class: "picker" }, finder, maker, chosenBox), chosen: () => picked, focus: () => search.focus() };
}
