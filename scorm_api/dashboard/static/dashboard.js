/* The dashboard's pages. Every read and change goes through the public REST API (/api/v1),
 * authorised by the sign-in cookie and this page's CSRF token, exactly as an API key would be:
 * same validation, same tenant checks, same error envelope. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var toastEl = document.getElementById("toast");

  // ---- helpers --------------------------------------------------------------------------

  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") el.textContent = v;
      else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else el.setAttribute(k, v === true ? "" : v);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      (Array.isArray(c) ? c : [c]).forEach(function (x) {
        el.append(x instanceof Node ? x : document.createTextNode(String(x)));
      });
    }
    return el;
  }

  function ApiError(status, body) {
    var err = (body && body.error) || {};
    this.status = status;
    this.code = err.code;
    this.fieldErrors = (err.details && err.details.fieldErrors) || {};
    var fields = Object.keys(this.fieldErrors).map(function (f) {
      return f + ": " + this.fieldErrors[f].join(", ");
    }, this);
    this.message = (err.message || ("HTTP " + status)) + (fields.length ? " (" + fields.join("; ") + ")" : "");
  }

  function api(method, path, body) {
    var opts = { method: method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (r) {
      if (r.status === 401) { window.location.href = "/dashboard/login"; }
      var parse = r.status === 204 ? Promise.resolve(null) : r.json().catch(function () { return null; });
      return parse.then(function (data) {
        if (!r.ok) throw new ApiError(r.status, data);
        return data;
      });
    });
  }

  function toast(text, bad) {
    toastEl.textContent = text;
    toastEl.className = "toast" + (bad ? " bad" : "");
    toastEl.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { toastEl.hidden = true; }, 5000);
  }

  function fail(e) { toast(e.message || String(e), true); }

  // A read-only field showing a value, with a button that copies it (and whatever follows).
  function copyRow(label, value, buttonText, copiedText, extra) {
    var field = h("input", { readonly: true, value: value, class: "link", "aria-label": label });
    return h("div", { class: "row" }, field, h("button", { type: "button", onclick: function () {
      field.select();
      var copied = function () { toast(copiedText); };
      navigator.clipboard.writeText(value).then(copied, function () { document.execCommand("copy"); copied(); });
    } }, buttonText), extra);
  }

  // In a window of the desktop app, a course opens in another window of the app, not in the
  // system's browser.
  function desktopShell() {
    return main.dataset.shell === "desktop";
  }

  function openInDesktop(url, title) {
    api("POST", "/dashboard/desktop/course-windows", { url: url, title: (title || document.title).slice(0, 200) }).catch(fail);
  }

  function launchLinkRow(url, primary, title) {
    return copyRow("Launch link", url, "Copy link", "Link copied",
      h("a", { class: "button-like" + (primary ? " primary" : ""), href: url, target: "_blank", rel: "noopener",
               onclick: function (e) { if (desktopShell()) { e.preventDefault(); openInDesktop(url, title); } } }, "Open now"));
  }

  function bytes(n) {
    if (n === null || n === undefined) return "";
    var units = ["B", "KB", "MB", "GB"], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + " " + units[i];
  }

  function when(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }) +
      " " + d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  }

  var STANDARDS = { scorm_1_2: "SCORM 1.2", scorm_2004_2nd_edition: "SCORM 2004 2nd ed.",
                    scorm_2004_3rd_edition: "SCORM 2004 3rd ed.", scorm_2004_4th_edition: "SCORM 2004 4th ed.",
                    cmi5: "cmi5", xapi: "xAPI (Tin Can)" };

  function badge(status) {
    return h("span", { class: "badge " + status, text: status.replace("_", " ") });
  }

  function pager(page, total, limit, go) {
    var pages = Math.max(1, Math.ceil(total / limit));
    return h("div", { class: "pager" },
      h("button", { type: "button", disabled: page <= 1, onclick: function () { go(page - 1); } }, "← Previous"),
      h("span", { text: "Page " + page + " of " + pages + " · " + total + " in all" }),
      h("button", { type: "button", disabled: page >= pages, onclick: function () { go(page + 1); } }, "Next →"));
  }

  function confirmDialog(title, text, action) {
    var dlg = h("dialog", { class: "confirm", "aria-labelledby": "confirm-title" },
      h("h2", { id: "confirm-title", text: title }), h("p", { text: text }),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: function () { dlg.close(); dlg.remove(); } }, "Cancel"),
        h("button", { type: "button", class: "danger", onclick: function () { dlg.close(); dlg.remove(); action(); } }, action.label || "Delete")));
    document.body.append(dlg);
    dlg.showModal();
  }

  // ---- packages -------------------------------------------------------------------------

  var LIMIT = 20;

  function uploadFile(file, row) {
    var bar = row.querySelector("progress"), label = row.querySelector(".step");
    function step(text, value) { label.textContent = text; if (value !== undefined) bar.value = value; }
    step("Preparing…", 0);
    return api("POST", "/api/v1/packages/upload-url", { filename: file.name, file_size: file.size })
      .then(function (ticket) {
        return new Promise(function (resolve, reject) {
          var xhr = new XMLHttpRequest();
          xhr.open("PUT", ticket.presigned_url);
          Object.keys(ticket.required_put_headers || {}).forEach(function (k) {
            xhr.setRequestHeader(k, ticket.required_put_headers[k]);
          });
          xhr.upload.onprogress = function (e) {
            if (e.lengthComputable) step("Uploading " + Math.round(e.loaded * 100 / e.total) + "%", e.loaded / e.total * 90);
          };
          xhr.onload = function () {
            if (xhr.status < 300) resolve(ticket);
            else { var body = null; try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
                   reject(new ApiError(xhr.status, body)); }
          };
          xhr.onerror = function () { reject(new Error("The upload was interrupted")); };
          xhr.send(file);
        });
      })
      .then(function (ticket) {
        step("Processing…", 92);
        return api("POST", "/api/v1/packages/process", { storage_path: ticket.storage_path, original_filename: file.name });
      })
      .then(function pollUntilDone(pkg) {
        if (pkg.status === "processing" || pkg.status === "uploading") {
          return new Promise(function (r) { setTimeout(r, 700); })
            .then(function () { return api("GET", "/api/v1/packages/" + pkg.id); }).then(pollUntilDone);
        }
        if (pkg.status === "failed") throw new Error((pkg.failure && pkg.failure.message) || "Processing failed");
        step("Ready: " + pkg.title, 100);
        row.classList.add("done");
        return pkg;
      })
      .catch(function (e) { step("Failed: " + e.message); row.classList.add("failed"); throw e; });
  }

  function packagesPage() {
    var state = { page: 1, search: "" };
    var list = h("div", { class: "list" });
    var uploads = h("ul", { class: "uploads", "aria-label": "Uploads" });
    var input = h("input", { type: "file", accept: ".zip,application/zip", multiple: true, id: "file-input", class: "visually-hidden" });
    var drop = h("div", { class: "dropzone", id: "dropzone" },
      h("p", {}, h("strong", { text: "Drop SCORM zip files here" }), " or ",
        h("label", { for: "file-input", class: "button-like", tabindex: "0", text: "choose files",
                     onkeydown: function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } } })),
      h("p", { class: "hint", text: "SCORM 1.2, SCORM 2004, cmi5 and xAPI packages. Each is checked and unpacked here, offline." }),
      input);
    function addFiles(files) {
      Array.prototype.forEach.call(files, function (file) {
        var row = h("li", { class: "upload" }, h("span", { class: "name", text: file.name }),
          h("progress", { max: "100", value: "0", "aria-label": "Upload of " + file.name }), h("span", { class: "step" }));
        uploads.prepend(row);
        uploadFile(file, row).then(function (pkg) { toast("Added " + pkg.title); load(); }).catch(fail);
      });
    }
    input.addEventListener("change", function () { addFiles(input.files); input.value = ""; });
    drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (e) { e.preventDefault(); drop.classList.remove("over"); addFiles(e.dataTransfer.files); });

    var timer;
    var search = h("input", { type: "search", placeholder: "Search by title", "aria-label": "Search packages by title",
      oninput: function () { clearTimeout(timer); timer = setTimeout(function () { state.search = search.value.trim(); state.page = 1; load(); }, 250); } });

    function load() {
      var q = "?page=" + state.page + "&limit=" + LIMIT + (state.search ? "&search=" + encodeURIComponent(state.search) : "");
      return api("GET", "/api/v1/packages" + q).then(function (data) {
        if (!data.count) {
          list.replaceChildren(h("div", { class: "empty" },
            h("h2", { text: state.search ? "No package matches “" + state.search + "”" : "No courses yet" }),
            h("p", { text: state.search ? "Try another word of the title." :
              "Add your first SCORM package: drop its zip file above. Then launch it for a learner from its page." })));
          return;
        }
        var rows = data.packages.map(function (p) {
          return h("tr", {},
            h("td", {}, h("a", { href: "/dashboard/packages/" + p.id, text: p.title })),
            h("td", { text: STANDARDS[p.standard] || "—" }),
            h("td", { class: "num", text: p.metadata && p.metadata.sco_count !== undefined ? p.metadata.sco_count : "" }),
            h("td", { class: "num", text: bytes(p.file_size_bytes) }),
            h("td", {}, badge(p.status)),
            h("td", { text: when(p.created_at) }));
        });
        list.replaceChildren(h("table", {},
          h("thead", {}, h("tr", {}, ["Title", "Standard", "SCOs", "Size", "Status", "Added"].map(function (t) {
            return h("th", { scope: "col", text: t }); }))),
          h("tbody", {}, rows)), pager(state.page, data.count, LIMIT, function (p) { state.page = p; load(); }));
      }).catch(fail);
    }
    main.replaceChildren(h("h1", { text: "Packages" }), drop, uploads, h("div", { class: "toolbar" }, search), list);
    load();
  }

  function packagePage(id) {
    api("GET", "/api/v1/packages/" + id).then(function (p) {
      var meta = p.metadata || {};
      function items(list) {
        return h("ul", {}, (list || []).map(function (it) {
          return h("li", {}, it.title + (it.is_visible === false ? " (hidden)" : ""), it.children && it.children.length ? items(it.children) : null);
        }));
      }
      var org = (meta.organizations || []).filter(function (o) { return o.identifier === meta.default_organization; })[0] || (meta.organizations || [])[0];
      var learnerId = h("input", { id: "learner-id", required: true, maxlength: "255", placeholder: "e.g. ann.lee@example.org" });
      var learnerName = h("input", { id: "learner-name", maxlength: "255", placeholder: "e.g. Ann Lee" });
      var linkOut = h("div", { class: "launch-result" });
      var launchForm = h("form", { class: "launch", onsubmit: function (e) {
        e.preventDefault();
        api("POST", "/api/v1/sessions", { package_id: p.id, user_id: learnerId.value.trim(), user_name: learnerName.value.trim() || undefined })
          .then(function (r) {
            var minutes = Math.max(1, Math.round((new Date(r.expires_at) - new Date()) / 60000));
            linkOut.replaceChildren(h("p", { text: "Launch link for " + (r.session.user_name || r.session.user_id) +
                ". It works for " + minutes + " minutes; launch again for a fresh link (progress is kept)." }),
              launchLinkRow(r.launch_url, true, (r.session.user_name || r.session.user_id) + " · " + p.title));
          }).catch(fail);
      } },
        h("label", { for: "learner-id", text: "Learner id" }), learnerId,
        h("label", { for: "learner-name", text: "Name (optional)" }), learnerName,
        h("button", { type: "submit", class: "primary", disabled: p.status !== "ready" }, "Launch for this learner"));
      function remove() {
        api("DELETE", "/api/v1/packages/" + p.id).then(function () { window.location.href = "/dashboard/packages"; }).catch(fail);
      }
      remove.label = "Delete package";
      main.replaceChildren(
        h("p", { class: "crumbs" }, h("a", { href: "/dashboard/packages", text: "← Packages" })),
        h("h1", { text: p.title }),
        h("div", { class: "actions" },
          p.status === "ready" ? h("button", { type: "button", class: "primary", onclick: function () {
            // A fresh attempt of the "Preview" learner each time, so a preview always starts
            // from the beginning; it is listed with the other learners.
            var desktop = desktopShell();
            var tab = desktop ? null : window.open("about:blank", "_blank");
            api("POST", "/api/v1/sessions", { package_id: p.id, user_id: "dashboard-preview", user_name: "Preview", new_attempt: true })
              .then(function (r) {
                if (desktop) openInDesktop(r.launch_url, "Preview · " + p.title);
                else if (tab) { tab.opener = null; tab.location = r.launch_url; } else { window.location.href = r.launch_url; }
              })
              .catch(function (e) { if (tab) tab.close(); fail(e); });
          } }, "Preview") : null,
          h("a", { class: "button-like", href: "/dashboard/sessions?package_id=" + p.id }, "Learners on this package"),
          p.status === "ready" ? h("a", { class: "button-like", href: "/api/v1/packages/" + p.id + "/download", download: "" }, "Download zip") : null,
          h("button", { type: "button", class: "danger", onclick: function () {
            confirmDialog("Delete “" + p.title + "”?", "Its files and every learner session on it are deleted. This cannot be undone.", remove);
          } }, "Delete")),
        h("div", { class: "grid" },
          h("section", { class: "card" }, h("h2", { text: "Details" }),
            h("dl", {},
              h("dt", { text: "Status" }), h("dd", {}, badge(p.status)),
              h("dt", { text: "Standard" }), h("dd", { text: STANDARDS[p.standard] || "—" }),
              h("dt", { text: "SCOs" }), h("dd", { text: meta.sco_count !== undefined ? meta.sco_count : "—" }),
              h("dt", { text: "Size" }), h("dd", { text: bytes(p.file_size_bytes) + (meta.file_count ? " · " + meta.file_count + " files" : "") }),
              h("dt", { text: "File" }), h("dd", { text: p.original_filename || "—" }),
              h("dt", { text: "Added" }), h("dd", { text: when(p.created_at) + (p.uploaded_by ? " by " + p.uploaded_by : "") }),
              meta.description ? [h("dt", { text: "Description" }), h("dd", { text: meta.description })] : null),
            (p.warnings || []).length ? h("div", { class: "warnings" }, h("h3", { text: "Warnings" }),
              h("ul", {}, p.warnings.map(function (w) { return h("li", { text: w.message }); }))) : null,
            p.failure ? h("p", { class: "error", text: p.failure.message }) : null),
          h("section", { class: "card" }, h("h2", { text: "Launch for a learner" }), launchForm, linkOut),
          org ? h("section", { class: "card wide" }, h("h2", { text: "Structure" }), items(org.items)) : null));
    }).catch(function (e) {
      main.replaceChildren(h("p", { class: "crumbs" }, h("a", { href: "/dashboard/packages", text: "← Packages" })),
        h("div", { class: "empty" }, h("h2", { text: e.status === 404 ? "This package does not exist (any more)" : "Could not load the package" }), h("p", { text: e.message })));
    });
  }

  // ---- learners and sessions ----------------------------------------------------------

  function duration(seconds) {
    seconds = Math.round(seconds || 0);
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), sec = seconds % 60;
    return (h ? h + " h " : "") + (h || m ? m + " min " : "") + sec + " s";
  }

  function scoreText(score) {
    if (!score) return "—";
    if (score.raw !== null && score.raw !== undefined) return score.raw + (score.max ? " / " + score.max : "");
    return score.scaled !== null && score.scaled !== undefined ? Math.round(score.scaled * 100) + "%" : "—";
  }

  var SESSION_COLUMNS = [["user_id", "Learner"], [null, "Package"], ["completion_status", "Completion"],
                         ["success_status", "Success"], ["score", "Score"], ["time_spent_seconds", "Time"],
                         ["updated_at", "Last activity"]];

  function sessionsPage() {
    var params = new URLSearchParams(window.location.search);
    var state = { page: 1, sort: params.get("sort") || "updated_at", order: params.get("order") || "desc",
                  package_id: params.get("package_id") || "", search: "", completion_status: "", success_status: "" };
    var list = h("div", { class: "list" });
    var pkgSelect = h("select", { id: "filter-package", "aria-label": "Package" }, h("option", { value: "", text: "All packages" }));
    var completion = h("select", { id: "filter-completion", "aria-label": "Completion" },
      [["", "Any completion"], ["completed", "Completed"], ["incomplete", "Incomplete"], ["not_attempted", "Not attempted"]]
        .map(function (o) { return h("option", { value: o[0], text: o[1] }); }));
    var success = h("select", { id: "filter-success", "aria-label": "Success" },
      [["", "Any result"], ["passed", "Passed"], ["failed", "Failed"], ["unknown", "Unknown"]]
        .map(function (o) { return h("option", { value: o[0], text: o[1] }); }));
    var search = h("input", { type: "search", placeholder: "Learner id or name", "aria-label": "Search learners" });
    var exportLink = h("a", { class: "button-like", id: "export-csv", download: "" }, "Export CSV");
    var timer;
    function filters() {
      var q = new URLSearchParams();
      ["package_id", "search", "completion_status", "success_status", "sort", "order"].forEach(function (k) {
        if (state[k]) q.set(k, state[k]);
      });
      return q;
    }
    function changed() { state.page = 1; load(); }
    pkgSelect.addEventListener("change", function () { state.package_id = pkgSelect.value; changed(); });
    completion.addEventListener("change", function () { state.completion_status = completion.value; changed(); });
    success.addEventListener("change", function () { state.success_status = success.value; changed(); });
    search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { state.search = search.value.trim(); changed(); }, 250); });

    function header(col) {
      if (!col[0]) return h("th", { scope: "col", text: col[1] });  // not sortable
      var active = state.sort === col[0];
      var arrow = active ? (state.order === "asc" ? " ▲" : " ▼") : "";
      return h("th", { scope: "col", "aria-sort": active ? (state.order === "asc" ? "ascending" : "descending") : null },
        h("button", { type: "button", class: "sort", onclick: function () {
          if (active) state.order = state.order === "asc" ? "desc" : "asc";
          else { state.sort = col[0]; state.order = /status|user|package/.test(col[0]) ? "asc" : "desc"; }
          load();
        } }, col[1] + arrow));
    }
    function load() {
      var q = filters();
      exportLink.href = "/api/v1/sessions/export?" + q.toString();
      q.set("page", state.page);
      q.set("limit", LIMIT);
      return api("GET", "/api/v1/sessions?" + q.toString()).then(function (data) {
        var total = data.pagination.total;
        if (!total) {
          var filtered = state.package_id || state.search || state.completion_status || state.success_status;
          list.replaceChildren(h("div", { class: "empty" },
            h("h2", { text: filtered ? "No session matches these filters" : "No learners yet" }),
            h("p", { text: filtered ? "Clear a filter to see more." :
              "Open a package and launch it for a learner: their session shows up here as soon as the link is made." })));
          return;
        }
        list.replaceChildren(h("table", {},
          h("thead", {}, h("tr", {}, SESSION_COLUMNS.map(header))),
          h("tbody", {}, data.sessions.map(function (x) {
            return h("tr", {},
              h("td", {}, h("a", { href: "/dashboard/sessions/" + x.id, text: x.user_name ? x.user_name + " (" + x.user_id + ")" : x.user_id })),
              h("td", { text: x.package.title }),
              h("td", {}, badge(x.completion_status)), h("td", {}, badge(x.success_status)),
              h("td", { class: "num", text: scoreText(x.score) }), h("td", { class: "num", text: duration(x.time_spent_seconds) }),
              h("td", { text: when(x.updated_at) }));
          }))), pager(state.page, total, LIMIT, function (p) { state.page = p; load(); }));
      }).catch(fail);
    }
    api("GET", "/api/v1/packages?limit=100").then(function (data) {
      data.packages.forEach(function (p) { pkgSelect.append(h("option", { value: p.id, text: p.title, selected: p.id === state.package_id })); });
    }).catch(fail);
    main.replaceChildren(h("h1", { text: "Learners and sessions" }),
      h("div", { class: "toolbar" }, search, pkgSelect, completion, success, h("span", { class: "spacer" }), exportLink), list);
    load();
  }

  var WAIVE_REASONS = ["Tested Out", "Equivalent AU", "Equivalent Outside Activity", "Administrative"];

  // xAPI and cmi5 courses: each launch of an activity (a cmi5 AU session), abandoning one that
  // was left open, and waiving a cmi5 AU for this learner.
  function auCard(x, pkg) {
    var aus = [];
    (function walk(items) {
      items.forEach(function (it) { if (it.au) aus.push(it); walk(it.children || []); });
    })(((pkg.metadata || {}).organizations || []).reduce(function (all, o) { return all.concat(o.items || []); }, []));
    var titles = {};
    aus.forEach(function (a) { titles[a.identifier] = a.title; });
    var list = h("div", {}, h("p", { class: "loading", text: "Loading…" }));
    function load() {
      api("GET", "/api/v1/sessions/" + x.id + "/au-sessions").then(function (data) {
        if (!data.au_sessions.length) { list.replaceChildren(h("p", { class: "hint", text: "No activity has been launched yet." })); return; }
        list.replaceChildren(h("table", { class: "compact" },
          h("thead", {}, h("tr", {}, ["Activity", "Mode", "Status", "Launched", "Last record", ""].map(function (t) { return h("th", { scope: "col", text: t }); }))),
          h("tbody", {}, data.au_sessions.map(function (a) {
            var open = a.kind === "cmi5" && (a.status === "launched" || a.status === "initialized");
            return h("tr", {}, h("td", { text: titles[a.item_id] || a.item_id }), h("td", { text: a.launch_mode }),
              h("td", {}, badge(a.status)), h("td", { text: when(a.launched_at) }), h("td", { text: when(a.last_statement_at) || "—" }),
              h("td", {}, open ? h("button", { type: "button", onclick: function () {
                var abandon = function () {
                  api("POST", "/api/v1/au-sessions/" + a.id + "/abandon").then(function () { toast("Marked as abandoned"); load(); }).catch(fail);
                };
                abandon.label = "Abandon";
                confirmDialog("Abandon this launch?", "Use this when the learner's window closed without ending the activity. The launch is recorded as abandoned and its credentials stop working.", abandon);
              } }, "Abandon") : null));
          }))));
      }).catch(fail);
    }
    var waive = null;
    if (pkg.standard === "cmi5" && aus.length) {
      var which = h("select", { id: "waive-au" }, aus.map(function (a) { return h("option", { value: a.identifier, text: a.title }); }));
      var why = h("select", { id: "waive-reason" }, WAIVE_REASONS.map(function (r) { return h("option", { value: r, text: r }); }));
      waive = h("form", { class: "row", onsubmit: function (e) {
        e.preventDefault();
        api("POST", "/api/v1/sessions/" + x.id + "/cmi5/waive", { item_id: which.value, reason: why.value })
          .then(function () { toast("Waived: " + titles[which.value]); sessionPage(x.id); }).catch(fail);
      } }, h("label", { for: "waive-au", text: "Waive" }), which, h("label", { for: "waive-reason", text: "because" }), why,
        h("button", { type: "submit" }, "Waive for this learner"));
    }
    load();
    return h("section", { class: "card" }, h("h2", { text: "Activity launches" }),
      h("p", { class: "hint", text: "Each time the learner opened one of the course's activities." }), list,
      waive ? h("h3", { text: "Waive an activity" }) : null,
      waive ? h("p", { class: "hint", text: "The activity then counts as done for this learner (for example when they tested out)." }) : null, waive);
  }

  function sessionPage(id) {
    var logBox = h("div", { class: "log" }, h("p", { class: "loading", text: "Loading the call log…" }));
    var auSlot = h("div", { class: "wide" });
    function table(headers, rows) {
      return h("table", { class: "compact" }, h("thead", {}, h("tr", {}, headers.map(function (t) { return h("th", { scope: "col", text: t }); }))),
        h("tbody", {}, rows));
    }
    function render(x) {
      var linkOut = h("div", { class: "launch-result" });
      function reset() {
        api("DELETE", "/api/v1/sessions/" + x.id + "/progress").then(function () { toast("Progress reset"); sessionPage(x.id); }).catch(fail);
      }
      reset.label = "Reset progress";
      var interactions = x.interactions.length ? table(["Question", "Type", "Response", "Correct answer", "Result", "When"],
        x.interactions.map(function (i) {
          return h("tr", {}, h("td", { text: i.description || i.id }), h("td", { text: i.type || "" }),
            h("td", { text: i.learner_response || "" }), h("td", { text: (i.correct_responses || []).join(" | ") }),
            h("td", {}, i.result ? badge(String(i.result)) : ""), h("td", { text: i.timestamp || "" }));
        })) : h("p", { class: "hint", text: "No interactions recorded." });
      var objectives = x.objectives.length ? table(["Objective", "Success", "Completion", "Score"],
        x.objectives.map(function (o) {
          return h("tr", {}, h("td", { text: o.id }), h("td", { text: o.success_status || o.status || "" }),
            h("td", { text: o.completion_status || "" }), h("td", { text: o["score.scaled"] || o["score.raw"] || "" }));
        })) : h("p", { class: "hint", text: "No objectives recorded." });
      var activities = x.activities.length > 1 ? h("section", { class: "card wide" }, h("h2", { text: "Parts of the course" }),
        table(["Part", "Completion", "Success", "Score", "Time"], x.activities.map(function (a) {
          return h("tr", {}, h("td", { text: a.title }), h("td", {}, badge(a.completion_status)), h("td", {}, badge(a.success_status)),
            h("td", { text: scoreText(a.score) }), h("td", { text: duration(a.time_spent_seconds) }));
        }))) : null;
      main.replaceChildren(
        h("p", { class: "crumbs" }, h("a", { href: "/dashboard/sessions", text: "← Learners and sessions" })),
        h("h1", { text: (x.user_name || x.user_id) + " · " + x.package.title }),
        h("div", { class: "actions" },
          h("button", { type: "button", class: "primary", onclick: function () {
            api("POST", "/api/v1/sessions/" + x.id + "/launch").then(function (r) {
              linkOut.replaceChildren(launchLinkRow(r.launch_url, false, (x.user_name || x.user_id) + " · " + x.package.title));
            }).catch(fail);
          } }, "New launch link"),
          h("button", { type: "button", onclick: function () {
            api("POST", "/api/v1/sessions", { package_id: x.package_id, user_id: x.user_id, user_name: x.user_name || undefined, new_attempt: true })
              .then(function (r) { window.location.href = "/dashboard/sessions/" + r.session.id; }).catch(fail);
          } }, "Start a new attempt"),
          h("button", { type: "button", class: "danger", onclick: function () {
            confirmDialog("Reset this learner's progress?", "Their status, score, time and saved place in this attempt are cleared. The session itself stays.", reset);
          } }, "Reset progress")),
        linkOut,
        h("div", { class: "grid" },
          h("section", { class: "card" }, h("h2", { text: "Status" }),
            h("dl", {},
              h("dt", { text: "Completion" }), h("dd", {}, badge(x.completion_status)),
              h("dt", { text: "Success" }), h("dd", {}, badge(x.success_status)),
              h("dt", { text: "Score" }), h("dd", { text: scoreText(x.score) }),
              h("dt", { text: "Time spent" }), h("dd", { text: duration(x.time_spent_seconds) }),
              h("dt", { text: "Attempt" }), h("dd", { text: x.attempts + (x.is_current_attempt ? "" : " (an earlier attempt)") }),
              h("dt", { text: "Launches" }), h("dd", { text: x.launch_count }),
              h("dt", { text: "First launch" }), h("dd", { text: when(x.first_launched_at) || "not yet" }),
              h("dt", { text: "Last launch" }), h("dd", { text: when(x.last_launched_at) || "not yet" }),
              h("dt", { text: "Completed" }), h("dd", { text: when(x.completed_at) || "—" }))),
          h("section", { class: "card" }, h("h2", { text: "Objectives" }), objectives),
          activities, auSlot,
          h("section", { class: "card wide" }, h("h2", { text: "Interactions" }), interactions),
          h("section", { class: "card wide" }, h("h2", { text: "Runtime call log" }),
            h("p", { class: "hint", text: "Every call the course made to the player: use it to see why something did not track." }), logBox)));
      api("GET", "/api/v1/packages/" + x.package_id).then(function (pkg) {
        if (pkg.standard === "cmi5" || pkg.standard === "xapi") auSlot.replaceChildren(auCard(x, pkg));
      }).catch(fail);
      api("GET", "/api/v1/sessions/" + x.id + "/log").then(function (data) {
        if (!data.entries.length) { logBox.replaceChildren(h("p", { class: "hint", text: "The course has not called the player yet." })); return; }
        var shown = data.entries.slice(-500);
        logBox.replaceChildren(h("div", {},
          data.entries.length > shown.length ? h("p", { class: "hint", text: "The last " + shown.length + " of " + data.entries.length + " calls." }) : null,
          table(["Time", "Part", "Call", "Arguments", "Result", "Error"], shown.map(function (e) {
            var bad = e.error && e.error !== "0";
            return h("tr", { class: bad ? "bad" : null }, h("td", { text: when(e.t) }), h("td", { text: e.item_id || "" }),
              h("td", {}, h("code", { text: e.call })), h("td", {}, h("code", { text: (e.args || []).join(", ") })),
              h("td", {}, h("code", { text: e.result })), h("td", { text: bad ? e.error : "" }));
          }))));
      }).catch(fail);
    }
    api("GET", "/api/v1/sessions/" + id).then(function (d) { render(d.session); }).catch(function (e) {
      main.replaceChildren(h("p", { class: "crumbs" }, h("a", { href: "/dashboard/sessions", text: "← Learners and sessions" })),
        h("div", { class: "empty" }, h("h2", { text: e.status === 404 ? "This session does not exist (any more)" : "Could not load the session" }), h("p", { text: e.message })));
    });
  }

  // ---- API keys ---------------------------------------------------------------------------

  function keysPage() {
    var list = h("div", { class: "list" });
    var shown = h("div", {});
    var name = h("input", { id: "key-name", maxlength: "200", placeholder: "e.g. LMS integration" });
    var scopes = ["read", "write", "admin"].map(function (s) {
      return h("label", { class: "check" }, h("input", { type: "checkbox", value: s, checked: s !== "admin" }), s);
    });
    var form = h("form", { class: "inline", onsubmit: function (e) {
      e.preventDefault();
      var chosen = scopes.map(function (l) { return l.querySelector("input"); }).filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
      api("POST", "/api/v1/api-keys", { name: name.value.trim() || undefined, scopes: chosen }).then(function (k) {
        shown.replaceChildren(secretBox("The new API key", k.api_key));
        name.value = "";
        load();
      }).catch(fail);
    } }, h("label", { for: "key-name", text: "Key name" }), name, h("fieldset", {}, h("legend", { text: "Scopes" }), scopes),
      h("button", { type: "submit", class: "primary" }, "Create key"));
    function load() {
      api("GET", "/api/v1/api-keys?limit=100").then(function (data) {
        var keys = data.api_keys || data.keys || [];
        if (!keys.length) { list.replaceChildren(h("div", { class: "empty" }, h("h2", { text: "No API keys" }))); return; }
        list.replaceChildren(h("table", {},
          h("thead", {}, h("tr", {}, ["Name", "Key", "Scopes", "Status", "Created", "Last used", ""].map(function (t) { return h("th", { scope: "col", text: t }); }))),
          h("tbody", {}, keys.map(function (k) {
            function revoke() {
              api("DELETE", "/api/v1/api-keys/" + k.id).then(function () { toast("Key revoked"); load(); }).catch(fail);
            }
            revoke.label = "Revoke key";
            return h("tr", { "data-key": k.id },
              h("td", { text: k.name }), h("td", {}, h("code", { text: k.prefix + "…" })),
              h("td", { text: k.scopes.join(", ") }), h("td", {}, badge(k.status)),
              h("td", { text: when(k.created_at) }), h("td", { text: when(k.last_used_at) || "never" }),
              h("td", {}, k.status === "active" ? h("button", { type: "button", class: "danger small", onclick: function () {
                confirmDialog("Revoke “" + k.name + "”?", "Programs using this key stop working at once.", revoke);
              } }, "Revoke") : null));
          }))));
      }).catch(fail);
    }
    main.replaceChildren(h("h1", { text: "API keys" }),
      h("p", { class: "hint" }, "Keys let other programs (an LMS, scripts) use this appliance's REST API. ",
        h("a", { href: "/api/docs", text: "API documentation" })),
      h("section", { class: "card" }, h("h2", { text: "New key" }), form, shown), list,
      lrsCredentials());
    load();
  }

  // Basic-auth credentials for the standard xAPI LRS at /xapi/ (authoring tools, xAPI content).
  function lrsCredentials() {
    var list = h("div", { class: "list" });
    var shown = h("div", {});
    var name = h("input", { id: "lrs-name", maxlength: "200", placeholder: "e.g. Authoring tool" });
    var readOnly = h("input", { type: "checkbox", id: "lrs-read-only" });
    var form = h("form", { class: "inline", onsubmit: function (e) {
      e.preventDefault();
      api("POST", "/api/v1/xapi/credentials", { name: name.value.trim() || undefined,
                                                scopes: readOnly.checked ? ["read"] : ["read", "write"] })
        .then(function (c) {
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
      api("GET", "/api/v1/xapi/credentials").then(function (data) {
        if (!data.credentials.length) { list.replaceChildren(h("p", { class: "hint", text: "No LRS credentials yet." })); return; }
        list.replaceChildren(h("table", {},
          h("thead", {}, h("tr", {}, ["Name", "Username", "Scopes", "Status", "Created", ""].map(function (t) { return h("th", { scope: "col", text: t }); }))),
          h("tbody", {}, data.credentials.map(function (c) {
            function revoke() {
              api("DELETE", "/api/v1/xapi/credentials/" + c.id).then(function () { toast("LRS credentials revoked"); load(); }).catch(fail);
            }
            revoke.label = "Revoke credentials";
            return h("tr", {}, h("td", { text: c.name }), h("td", {}, h("code", { text: c.username })),
              h("td", { text: c.scopes.join(", ") }), h("td", {}, badge(c.status)), h("td", { text: when(c.created_at) }),
              h("td", {}, c.status === "active" ? h("button", { type: "button", class: "danger small", onclick: function () {
                confirmDialog("Revoke “" + c.name + "”?", "Tools using these credentials stop reaching the LRS at once.", revoke);
              } }, "Revoke") : null));
          }))));
      }).catch(fail);
    }
    load();
    return h("section", { class: "card spaced" }, h("h2", { text: "xAPI LRS credentials" }),
      h("p", { class: "hint", text: "For xAPI tools and content that talk to the standard LRS at /xapi/ with a username and password (HTTP Basic)." }),
      form, shown, list);
  }

  // ---- tenants ------------------------------------------------------------------------------

  function secretBox(label, value) {
    return h("div", { class: "secret" }, h("strong", { text: "Copy this key now: it is shown only once." }),
      copyRow(label, value, "Copy", "Key copied"));
  }

  function tenantsPage() {
    var state = { page: 1 };
    var list = h("div", { class: "list" });
    var shown = h("div", {});
    var name = h("input", { id: "tenant-name", required: true, maxlength: "200", placeholder: "e.g. Sales training" });
    var quota = h("input", { id: "tenant-quota", type: "number", min: "0", placeholder: "no limit" });
    var withKey = h("input", { type: "checkbox", id: "tenant-key", checked: true });
    var form = h("form", { class: "inline", onsubmit: function (e) {
      e.preventDefault();
      var body = { name: name.value.trim() };
      if (quota.value !== "") body.max_packages = Number(quota.value);
      if (withKey.checked) body.initial_api_key = { scopes: ["read", "write", "admin"], name: "Initial admin key" };
      api("POST", "/api/v1/tenants", body).then(function (t) {
        shown.replaceChildren(t.api_key ? secretBox("The new tenant's API key", t.api_key.api_key) : h("p", { text: "Tenant created." }));
        name.value = ""; quota.value = "";
        load();
      }).catch(fail);
    } }, h("label", { for: "tenant-name", text: "Name" }), name,
      h("label", { for: "tenant-quota", text: "Package quota" }), quota,
      h("label", { class: "check" }, withKey, "Make its first admin key"),
      h("button", { type: "submit", class: "primary" }, "Create tenant"));
    function load() {
      api("GET", "/api/v1/tenants?page=" + state.page + "&limit=" + LIMIT).then(function (data) {
        list.replaceChildren(h("table", {},
          h("thead", {}, h("tr", {}, ["Name", "Id", "Package quota", "Created"].map(function (t) { return h("th", { scope: "col", text: t }); }))),
          h("tbody", {}, data.tenants.map(function (t) {
            var input = h("input", { type: "number", min: "0", value: t.quotas.max_packages === null ? "" : t.quotas.max_packages,
                                     placeholder: "no limit", class: "narrow", "aria-label": "Package quota of " + t.name });
            var save = h("button", { type: "button", class: "small", onclick: function () {
              api("PUT", "/api/v1/tenants/" + t.id, { max_packages: input.value === "" ? null : Number(input.value) })
                .then(function () { toast("Quota saved for " + t.name); }).catch(fail);
            } }, "Save");
            return h("tr", {}, h("td", {}, t.name, t.is_system ? h("span", { class: "badge", text: "this appliance" }) : null),
              h("td", {}, h("code", { text: t.id })), h("td", {}, h("div", { class: "row tight" }, input, save)),
              h("td", { text: when(t.created_at) }));
          }))), pager(state.page, data.pagination.total, LIMIT, function (p) { state.page = p; load(); }));
      }).catch(fail);
    }
    main.replaceChildren(h("h1", { text: "Tenants" }),
      h("p", { class: "hint", text: "Each tenant is a separate space with its own packages, learners and API keys; a tenant's keys never see another's data. This dashboard works in the appliance's own tenant." }),
      h("section", { class: "card" }, h("h2", { text: "New tenant" }), form, shown), list);
    load();
  }

  // ---- settings -----------------------------------------------------------------------------

  function settingsPage() {
    api("GET", "/api/v1/settings").then(function (cur) {
      var enabled = h("input", { type: "checkbox", id: "limits-enabled", checked: cur.rate_limits_enabled });
      function number(id, value) { return h("input", { type: "number", id: id, min: "1", max: "1000000", value: value, class: "narrow", required: true }); }
      var read = number("limit-read", cur.rate_limit_read), write = number("limit-write", cur.rate_limit_write),
          upload = number("limit-upload", cur.rate_limit_upload);
      var limitsForm = h("form", { class: "stack", onsubmit: function (e) {
        e.preventDefault();
        api("PUT", "/api/v1/settings", { rate_limits_enabled: enabled.checked, rate_limit_read: Number(read.value),
                                         rate_limit_write: Number(write.value), rate_limit_upload: Number(upload.value) })
          .then(function () { toast("Rate limits saved"); }).catch(fail);
      } },
        h("label", { class: "check" }, enabled, "Limit how many requests each tenant may make"),
        h("p", { class: "hint", text: "Per tenant, per " + cur.rate_limit_window_seconds + " seconds. Over the limit, the API answers 429 with Retry-After." }),
        h("label", { for: "limit-read", text: "Reads (GET)" }), read,
        h("label", { for: "limit-write", text: "Changes (POST, PUT, DELETE)" }), write,
        h("label", { for: "limit-upload", text: "Uploads" }), upload,
        h("button", { type: "submit", class: "primary" }, "Save rate limits"));
      var url = h("input", { id: "content-url", type: "url", value: cur.content_url_override || "", placeholder: cur.content_url, class: "wide-input" });
      var linksForm = h("form", { class: "stack", onsubmit: function (e) {
        e.preventDefault();
        api("PUT", "/api/v1/settings", { content_url: url.value.trim() || null })
          .then(function (r) { toast("Launch links now use " + r.content_url); }).catch(fail);
      } },
        h("label", { for: "content-url", text: "Address in launch links" }), url,
        h("p", { class: "hint", text: "Learners open courses at this address. Leave it empty for the default (" +
          (cur.content_url_override ? "the start-up setting" : cur.content_url) + "). To reach learners on other " +
          "computers, start the server on the network (scorm-api serve --host 0.0.0.0) and put this computer's " +
          "address here, for example http://192.168.1.20:3001. It must differ from the dashboard's own address (" + cur.public_url + ")." }),
        h("button", { type: "submit", class: "primary" }, "Save address"));
      main.replaceChildren(h("h1", { text: "Settings" }),
        h("div", { class: "grid" }, h("section", { class: "card" }, h("h2", { text: "Rate limits" }), limitsForm),
          h("section", { class: "card" }, h("h2", { text: "Launch links" }), linksForm)));
    }).catch(fail);
  }

  // ---- analytics ------------------------------------------------------------------------------

  var COURSE_TYPE = "http://adlnet.gov/expapi/activities/course";
  var DAYS = 14, RECENT = 100, LEARNERS_SHOWN = 15;

  // A chart with its caption, and the same figures as a table for keyboards and screen readers.
  function chartCard(title, caption, config, headers, rows) {
    var canvas = h("canvas", { role: "img", "aria-label": title + ": " + caption });
    var card = h("section", { class: "card chart" }, h("h2", { text: title }), h("p", { class: "hint", text: caption }),
      h("div", { class: "chart-box" }, canvas),
      h("details", {}, h("summary", { text: "Show as a table" }),
        h("table", { class: "compact" }, h("thead", {}, h("tr", {}, headers.map(function (t) { return h("th", { scope: "col", text: t }); }))),
          h("tbody", {}, rows.map(function (r) { return h("tr", {}, r.map(function (v) { return h("td", { text: v }); })); })))));
    setTimeout(function () {
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
      new window.Chart(canvas, config);
    }, 0);
    return card;
  }

  function percent(n, of) { return of ? Math.min(100, Math.round(100 * n / of)) : 0; }

  function dayStart(offset) {
    var d = new Date(); d.setUTCHours(0, 0, 0, 0); d.setUTCDate(d.getUTCDate() - offset);
    return d;
  }

  function analyticsPage() {
    main.replaceChildren(h("h1", { text: "Analytics" }), h("p", { class: "loading", text: "Loading…" }));
    var days = [];
    for (var i = DAYS - 1; i >= 0; i--) days.push(dayStart(i));
    var perDay = days.map(function (d) {
      var until = new Date(d.getTime() + 86400000);
      return api("GET", "/api/v1/xapi/statements?limit=1&since=" + encodeURIComponent(d.toISOString()) +
                 "&until=" + encodeURIComponent(until.toISOString())).then(function (r) { return r.pagination.total; });
    });
    Promise.all([
      api("GET", "/api/v1/xapi/analytics/activities?activity_type=" + encodeURIComponent(COURSE_TYPE) + "&sort=unique_learners&limit=10"),
      api("GET", "/api/v1/packages?limit=100"),
      api("GET", "/api/v1/xapi/analytics/actors?sort=last_activity&limit=" + RECENT),
      Promise.all(perDay),
    ]).then(function (all) {
      var courses = all[0].activities, titles = {}, actors = all[2].actors, counts = all[3];
      all[1].packages.forEach(function (p) { titles[p.id] = p.title; });
      if (!courses.length && !actors.length) {
        main.replaceChildren(h("h1", { text: "Analytics" }), h("div", { class: "empty" },
          h("h2", { text: "No learner activity yet" }),
          h("p", { text: "Charts appear here once learners take courses. Upload a course on the Packages page, then launch it for a learner from Learners and sessions." }),
          h("a", { href: "/dashboard/packages", class: "button-like primary" }, "Go to Packages")));
        return;
      }
      var names = courses.map(function (c) { return titles[c.package_id] || c.activity_id; });
      var rates = courses.map(function (c) {
        return [percent(c.completed_count, c.unique_learners), percent(c.passed_count, c.unique_learners), percent(c.failed_count, c.unique_learners)];
      });
      var ratesCard = chartCard("Completion and pass rates", "Share of each course's learners who completed, passed and failed it" + (courses.length > 1 ? " (the " + courses.length + " courses with the most learners)." : "."), {
        type: "bar",
        data: { labels: names, datasets: [
          { label: "Completed %", data: rates.map(function (r) { return r[0]; }), backgroundColor: "#3b6fd8" },
          { label: "Passed %", data: rates.map(function (r) { return r[1]; }), backgroundColor: "#2e9e61" },
          { label: "Failed %", data: rates.map(function (r) { return r[2]; }), backgroundColor: "#d4574a" }] },
        options: { scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } } }
      }, ["Course", "Learners", "Completed", "Passed", "Failed"], courses.map(function (c, i) {
        return [names[i], c.unique_learners, rates[i][0] + "%", rates[i][1] + "%", rates[i][2] + "%"];
      }));

      var bins = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], scored = 0;
      actors.forEach(function (a) {
        if (a.avg_score_scaled === null || a.avg_score_scaled === undefined) return;
        scored++;
        bins[Math.min(9, Math.max(0, Math.floor(a.avg_score_scaled * 10)))]++;
      });
      var binLabels = bins.map(function (_, i) { return (i * 10) + "–" + (i * 10 + (i === 9 ? 10 : 9)) + "%"; });
      var scoresCard = chartCard("Score distribution", "Average score of the " + scored + " scored learners among the " + actors.length + " most recently active.", {
        type: "bar", data: { labels: binLabels, datasets: [{ label: "Learners", data: bins, backgroundColor: "#6b5bd2" }] },
        options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      }, ["Score", "Learners"], bins.map(function (n, i) { return [binLabels[i], n]; }));

      var dayLabels = days.map(function (d) { return d.toLocaleDateString(undefined, { month: "short", day: "numeric" }); });
      var activityCard = chartCard("Activity over time", "Learning records (xAPI statements) per day, last " + DAYS + " days (UTC).", {
        type: "line", data: { labels: dayLabels, datasets: [{ label: "Statements", data: counts, borderColor: "#3b6fd8", backgroundColor: "rgba(59,111,216,.15)", fill: true, tension: 0.25 }] },
        options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      }, ["Day", "Statements"], counts.map(function (n, i) { return [dayLabels[i], n]; }));

      var shown = actors.slice(0, LEARNERS_SHOWN);
      var learnerNames = shown.map(function (a) { return a.actor_name || a.actor_mbox || (a.actor.account && a.actor.account.name) || "learner"; });
      var learnersCard = chartCard("Learner progress", "The " + shown.length + " most recently active learners: how many things each completed, passed and failed.", {
        type: "bar",
        data: { labels: learnerNames, datasets: [
          { label: "Completed", data: shown.map(function (a) { return a.completed_count; }), backgroundColor: "#3b6fd8" },
          { label: "Passed", data: shown.map(function (a) { return a.passed_count; }), backgroundColor: "#2e9e61" },
          { label: "Failed", data: shown.map(function (a) { return a.failed_count; }), backgroundColor: "#d4574a" }] },
        options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
      }, ["Learner", "Activities", "Completed", "Passed", "Failed", "Last active"], shown.map(function (a, i) {
        return [learnerNames[i], a.unique_activities, a.completed_count, a.passed_count, a.failed_count, when(a.last_activity)];
      }));
      main.replaceChildren(h("h1", { text: "Analytics" }),
        h("div", { class: "grid" }, ratesCard, scoresCard, activityCard, learnersCard));
    }).catch(fail);
  }

  // ---- sync to cloud ------------------------------------------------------------------------

  var RUN_STATES = { running: "processing", completed: "completed", failed: "failed", interrupted: "failed" };

  function runSummary(run) {
    var p = run.progress, mb = p.bytes_total ? " · " + bytes(p.bytes_done) + " of " + bytes(p.bytes_total) : "";
    var rate = p.bytes_per_second ? " · " + bytes(p.bytes_per_second) + "/s" : "";
    var eta = p.eta_seconds !== null && p.eta_seconds !== undefined ? " · about " + Math.ceil(p.eta_seconds) + " s left" : "";
    return p.items_done + " of " + p.items_total + " items" + mb + rate + eta + (run.phase ? " · " + run.phase : "");
  }

  function reportView(run) {
    var counts = (run.report && run.report.counts) || {}, kinds = Object.keys(counts);
    var out = [h("p", {}, h("span", { class: "badge " + RUN_STATES[run.status], text: run.dry_run ? "dry run " + run.status : run.status }),
      " ", when(run.started_at), run.error ? h("span", { class: "error", text: " — " + run.error }) : null)];
    if (run.dry_run && run.report && run.report.plan) {
      var plan = run.report.plan;
      out.push(h("p", { text: "Would send " + plan.packages + " packages (" + bytes(plan.package_bytes) + "), " +
        plan.sessions + " sessions and " + plan.statements + " xAPI statements." }));
    } else if (kinds.length) {
      out.push(h("table", { class: "compact" }, h("thead", {}, h("tr", {}, ["", "created", "updated", "unchanged", "failed", "conflicts"].map(function (t) { return h("th", { scope: "col", text: t }); }))),
        h("tbody", {}, kinds.map(function (k) {
          var c = counts[k];
          return h("tr", {}, h("th", { scope: "row", text: k }), [c.created, c.updated, c.skipped, c.failed, c.conflict].map(function (n) { return h("td", { text: n }); }));
        }))));
    } else if (run.status === "completed") {
      out.push(h("p", { text: "Nothing to send: the target already has everything." }));
    }
    var failed = (run.report && run.report.failed) || [];
    if (failed.length) {
      out.push(h("h3", { text: "Failed" }), h("ul", { class: "plain" }, failed.map(function (f) { return h("li", { text: f.kind + " " + f.local_id + ": " + f.reason }); })));
    }
    return out;
  }

  function syncPage() {
    var status = h("div", { class: "sync-status", "aria-live": "polite" });
    var conflictsBox = h("div", {}), runsBox = h("div", {});
    var url = h("input", { id: "sync-url", type: "url", required: true, class: "wide-input", placeholder: "https://app.allureconnect.com" });
    var tenant = h("input", { id: "sync-tenant", required: true, class: "wide-input" });
    var key = h("input", { id: "sync-key", type: "password", autocomplete: "off", class: "wide-input" });
    var every = h("input", { id: "sync-every", type: "number", min: "5", max: "10080", class: "narrow", placeholder: "off" });
    var syncBtn = h("button", { type: "button", class: "primary", onclick: function () { start(false); } }, "Sync now");
    var dryBtn = h("button", { type: "button", onclick: function () { start(true); } }, "Dry run");
    var saved = null;

    function showTarget(t) {
      saved = t;
      url.value = t ? t.url : ""; tenant.value = t ? t.tenant_id : ""; key.value = "";
      key.placeholder = t ? "saved (" + t.api_key_hint + "); type to replace" : "an API key of the target (write scope)";
      every.value = t && t.schedule_minutes ? t.schedule_minutes : "";
      syncBtn.disabled = dryBtn.disabled = !t;
    }
    var form = h("form", { class: "stack", onsubmit: function (e) {
      e.preventDefault();
      var body = { url: url.value.trim(), tenant_id: tenant.value.trim(), schedule_minutes: every.value ? Number(every.value) : null };
      if (key.value) body.api_key = key.value;
      api("PUT", "/api/v1/sync/target", body).then(function (r) { showTarget(r.target); toast("Target saved"); }).catch(fail);
    } },
      h("label", { for: "sync-url", text: "Target address" }), url,
      h("label", { for: "sync-tenant", text: "Your tenant id on the target" }), tenant,
      h("label", { for: "sync-key", text: "API key on the target" }), key,
      h("p", { class: "hint", text: "Stored encrypted on this computer and never shown again." }),
      h("label", { for: "sync-every", text: "Sync automatically every … minutes (empty: only when you press Sync now)" }), every,
      h("button", { type: "submit" }, "Save target"));

    function watch(run) {
      var bar = h("progress", { max: String(Math.max(1, run.progress.items_total)), value: String(run.progress.items_done), "aria-label": "Sync progress" });
      status.replaceChildren.apply(status, [h("h2", { text: run.status === "running" ? "Syncing…" : "Last run" })].concat(
        run.status === "running" ? [bar, h("p", { class: "step", text: runSummary(run) })] : reportView(run)));
      syncBtn.disabled = dryBtn.disabled = run.status === "running" || !saved;
      if (run.status === "running") {
        setTimeout(function () { api("GET", "/api/v1/sync/runs/" + run.id).then(function (r) { watch(r.run); }).catch(fail); }, 1000);
      } else { loadConflicts(); loadRuns(); }
    }
    function start(dry) {
      syncBtn.disabled = dryBtn.disabled = true;
      api("POST", "/api/v1/sync/runs", { dry_run: dry }).then(function (r) { watch(r.run); })
        .catch(function (e) { syncBtn.disabled = dryBtn.disabled = !saved; fail(e); });
    }
    function loadConflicts() {
      api("GET", "/api/v1/sync/conflicts?status=open&limit=50").then(function (data) {
        if (!data.conflicts.length) { conflictsBox.replaceChildren(); return; }
        conflictsBox.replaceChildren(h("section", { class: "card" }, h("h2", { text: "Conflicts (" + data.pagination.total + ")" }),
          h("p", { class: "hint", text: "These learners went on both here and on the target since the last sync. Nothing was overwritten; choose which progress to keep." }),
          h("table", { class: "compact" }, h("thead", {}, h("tr", {}, ["Learner", "Session", "Found", ""].map(function (t) { return h("th", { scope: "col", text: t }); }))),
            h("tbody", {}, data.conflicts.map(function (c) {
              function keep(side) { return function () { api("POST", "/api/v1/sync/conflicts/" + c.id + "/resolve", { keep: side }).then(function () { toast(side === "local" ? "This computer's progress goes at the next sync" : "The target's progress is kept"); loadConflicts(); }).catch(fail); }; }
              return h("tr", {}, h("td", { text: c.learner }), h("td", {}, h("a", { href: "/dashboard/sessions/" + c.local_id, text: "open" })), h("td", { text: when(c.created_at) }),
                h("td", {}, h("div", { class: "row tight" }, h("button", { type: "button", onclick: keep("local") }, "Keep this computer's"), h("button", { type: "button", onclick: keep("remote") }, "Keep the target's"))));
            })))));
      }).catch(fail);
    }
    function loadRuns() {
      api("GET", "/api/v1/sync/runs?limit=10").then(function (data) {
        if (!data.runs.length) { runsBox.replaceChildren(); return; }
        runsBox.replaceChildren(h("section", { class: "card" }, h("h2", { text: "Recent runs" }),
          h("table", { class: "compact" }, h("thead", {}, h("tr", {}, ["Started", "How", "Status", "Progress"].map(function (t) { return h("th", { scope: "col", text: t }); }))),
            h("tbody", {}, data.runs.map(function (r) {
              return h("tr", {}, h("td", { text: when(r.started_at) }), h("td", { text: r.dry_run ? "dry run" : r.trigger }),
                h("td", {}, h("span", { class: "badge " + RUN_STATES[r.status], text: r.status })), h("td", { text: runSummary(r) }));
            })))));
      }).catch(fail);
    }

    main.replaceChildren(h("h1", { text: "Sync to cloud" }),
      h("p", { class: "hint", text: "Copies your packages, learners' progress and xAPI statements to a cloud instance. Run it as often as you like: only what changed travels, and this computer keeps working as before." }),
      h("div", { class: "grid" }, h("section", { class: "card" }, h("h2", { text: "Target" }), form),
        h("section", { class: "card" }, status, h("div", { class: "row" }, syncBtn, dryBtn))),
      conflictsBox, runsBox);
    status.replaceChildren(h("h2", { text: "Not synced yet" }), h("p", { class: "hint", text: "Save a target, then press Sync now. A dry run first shows what would travel, sending nothing." }));
    api("GET", "/api/v1/sync/target").then(function (r) { showTarget(r.target); }).catch(fail);
    api("GET", "/api/v1/sync/runs?limit=1").then(function (data) {
      if (data.runs.length) api("GET", "/api/v1/sync/runs/" + data.runs[0].id).then(function (r) { watch(r.run); }).catch(fail);
    }).catch(fail);
    loadConflicts(); loadRuns();
  }

  // ---- logs -------------------------------------------------------------------------------

  function logsPage() {
    var level = h("select", { id: "log-level" }, ["info", "warning", "error"].map(function (l) {
      return h("option", { value: l, text: l === "info" ? "Everything" : l === "warning" ? "Warnings and errors" : "Errors only" });
    }));
    var out = h("div", { class: "wide" });
    function detail(e) {
      if (e.method) return e.method + " " + e.path + " → " + e.status + " (" + e.duration_ms + " ms)";
      var rest = Object.keys(e).filter(function (k) { return ["ts", "level", "logger", "msg", "exc"].indexOf(k) < 0; });
      return rest.map(function (k) { return k + "=" + (typeof e[k] === "object" ? JSON.stringify(e[k]) : e[k]); }).join("  ");
    }
    function load() {
      api("GET", "/api/v1/logs?limit=300&level=" + level.value).then(function (r) {
        if (!r.log_file) {
          out.replaceChildren(h("div", { class: "empty" }, h("h2", { text: "No log file" }),
            h("p", { text: "This server logs to its standard error only. Start it with --log-file PATH (or set SCORM_API_LOG_FILE) to read its log here; the desktop app always keeps one." })));
          return;
        }
        var rows = r.entries.slice().reverse().map(function (e) {
          return h("tr", {}, h("td", { class: "nowrap", text: when(e.ts) }), h("td", {}, badge(e.level || "info")),
            h("td", { text: (e.logger || "").replace("scorm_api.", "") }),
            h("td", {}, h("div", { text: e.msg }), h("div", { class: "hint", text: detail(e) }),
              e.exc ? h("pre", { class: "exc", text: e.exc }) : null));
        });
        out.replaceChildren(h("p", { class: "hint", text: r.log_file + " · " + bytes(r.size_bytes) + " · newest first" }),
          rows.length ? h("table", { class: "compact" }, h("thead", {}, h("tr", {}, ["When", "Level", "Part", "Message"].map(function (t) {
            return h("th", { scope: "col", text: t });
          }))), h("tbody", {}, rows)) : h("p", { class: "hint", text: "Nothing at this level yet." }));
      }).catch(fail);
    }
    level.addEventListener("change", load);
    main.replaceChildren(h("h1", { text: "Logs" }),
      h("div", { class: "actions" }, h("label", { for: "log-level", text: "Show" }), level,
        h("button", { type: "button", onclick: load }, "Refresh")),
      h("section", { class: "card" }, out));
    load();
  }

  // ---- account ----------------------------------------------------------------------------

  function accountPage() {
    // Signed in by the desktop app (or a one-time link) before any password was chosen: the
    // first one needs no current password.
    var hasPassword = main.dataset.passwordSet === "1";
    var current = h("input", { id: "current-password", type: "password", required: hasPassword, autocomplete: "current-password" });
    var next = h("input", { id: "new-password", type: "password", required: true, minlength: "8", autocomplete: "new-password" });
    var form = h("form", { class: "stack", onsubmit: function (e) {
      e.preventDefault();
      api("POST", "/dashboard/password", { current_password: current.value, new_password: next.value })
        .then(function () {
          current.value = next.value = "";
          toast(hasPassword ? "Password changed. Other browsers were signed out." : "Password set. Browsers can now sign in with it.");
          if (!hasPassword) { main.dataset.passwordSet = "1"; accountPage(); }
        })
        .catch(fail);
    } }, hasPassword ? h("label", { for: "current-password", text: "Current password" }) : null, hasPassword ? current : null,
      h("label", { for: "new-password", text: "New password (at least 8 characters)" }), next,
      h("button", { type: "submit", class: "primary" }, hasPassword ? "Change password" : "Set password"));
    main.replaceChildren(h("h1", { text: "Account" }), h("section", { class: "card" }, h("h2", { text: "Dashboard password" }),
      hasPassword ? null : h("p", { class: "hint", text: "No password is set: only the desktop app (or a sign-in link from `scorm-api admin sign-in-link`) can open this dashboard. Set one to sign in from a browser too." }),
      form));
  }

  var item = main.dataset.item;
  var pages = { packages: item ? function () { packagePage(item); } : packagesPage,
                sessions: item ? function () { sessionPage(item); } : sessionsPage,
                analytics: analyticsPage, keys: keysPage, tenants: tenantsPage, settings: settingsPage, sync: syncPage,
                logs: logsPage, account: accountPage };
  (pages[main.dataset.page] || packagesPage)();
})();
