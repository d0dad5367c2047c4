/* The dashboard's entry: the page that #main names (data-page, and data-item for one package
 * or session) draws itself.
 *
 * One entry that imports the page's module, rather than a <script> per page chosen by the
 * template: the browser still fetches only that page's module (and the shared ones it
 * imports), while the template needs to know no file name and a page with no module of its
 * own still gets the packages list, as it always has. */

const PAGES = {
  packages: () => import("./pages/packages.js"),
  sessions: () => import("./pages/sessions.js"),
  learners: () => import("./pages/learners.js"),
  analytics: () => import("./pages/analytics.js"),
  dispatches: () => import("./pages/dispatches.js"),
  keys: () => import("./pages/keys.js"),
  tenants: () => import("./pages/tenants.js"),
  settings: () => import("./pages/settings.js"),
  sync: () => import("./pages/sync.js"),
  records: () => import("./pages/records.js"),
  webhooks: () => import("./pages/webhooks.js"),
  logs: () => import("./pages/logs.js"),
  account: () => import("./pages/account.js"),
};

const main = document.getElementById("main");
(PAGES[main.dataset.page] || PAGES.packages)().then((page) => page.default(main.dataset.item || null));
