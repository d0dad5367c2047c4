/* The Logs page: the server's log file, newest first, from a chosen level up. */
import { api } from "../api.js";
import { badge, emptyState, fail, h, main, options, table } from "../dom.js";
import { bytes, when } from "../format.js";
import { pageData } from "../page-data.js";

const SHOWN = 300;  // entries read at a time
const SHOWN_APART = ["ts", "level", "logger", "msg", "exc"];  // in their own columns, not the detail line

export default function logsPage() {
  const level = h("select", { id: "log-level" }, options(pageData.log_level_choices));
  const out = h("div", { class: "wide" });
  function load() {
    api("GET", "/api/v1/logs?limit=" + SHOWN + "&level=" + level.value).then((r) => {
      if (!r.log_file) {
        out.replaceChildren(emptyState("No log file",
          "This server logs to its standard error only. Start it with --log-file PATH (or set SCORM_API_LOG_FILE) to read its log here; the desktop app always keeps one."));
        return;
      }
      const rows = r.entries.slice().reverse().map((e) => h("tr", {},
        h("td", { class: "nowrap", text: when(e.ts) }), h("td", {}, badge(e.level || "info")),
        h("td", { text: (e.logger || "").replace("scorm_api.", "") }),
        h("td", {}, h("div", { text: e.msg }), h("div", { class: "hint", text: detail(e) }),
          e.exc ? h("pre", { class: "exc", text: e.exc }) : null)));
      out.replaceChildren(h("p", { class: "hint", text: r.log_file + " · " + bytes(r.size_bytes) + " · newest first" }),
        rows.length ? table(["When", "Level", "Part", "Message"], rows, "compact") : h("p", { class: "hint", text: "Nothing at this level yet." }));
    }).catch(fail);
  }
  level.addEventListener("change", load);
  main.replaceChildren(h("h1", { text: "Logs" }),
    h("div", { class: "actions" }, h("label", { for: "log-level", text: "Show" }), level,
      h("button", { type: "button", onclick: load }, "Refresh")),
    h("section", { class: "card" }, out));
  load();
}

// A request's line in words; any other entry's extra fields as key=value.
function detail(e) {
  if (e.method) return e.method + " " + e.path + " → " + e.status + " (" + e.duration_ms + " ms)";
  return Object.keys(e).filter((k) => !SHOWN_APART.includes(k))
    .map((k) => k + "=" + (typeof e[k] === "object" ? JSON.stringify(e[k]) : e[k])).join("  ");
}
