/* Opening a course. In a window of the desktop app, a course opens in another window of the
 * app (which the app opens when asked), not in the system's browser. */
import { api } from "./api.js";
import { copyRow, fail, h, main } from "./dom.js";

export function desktopShell() {
  return main.dataset.shell === "desktop";
}

export function openInDesktop(url, title) {
  api("POST", "/dashboard/desktop/course-windows", { url, title: (title || document.title).slice(0, 200) }).catch(fail);
}

// A learner's launch link, to copy and send, or to open here.
export function launchLinkRow(url, primary, title) {
  return copyRow("Launch link", url, "Copy link", "Link copied",
    h("a", { class: "button-like" + (primary ? " primary" : ""), href: url, target: "_blank", rel: "noopener",
             onclick: (e) => { if (desktopShell()) { e.preventDefault(); openInDesktop(url, title); } } }, "Open now"));
}
