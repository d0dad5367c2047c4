/* A package's upload, as any API client does it: a presigned URL, the file PUT to it with its
 * progress shown, then processing, polled until the package is ready or has failed.
 *
 * Every course dropped on the page, at once or in several drops, waits in one queue and goes
 * two at a time; a call the rate limit refuses (429) is made again once the wait the server
 * names is over (Retry-After, else X-RateLimit-Reset), the row saying "Waiting N s (rate
 * limit)" meanwhile: every course is imported, none fails for having come too soon. A course
 * that fails says why on a red bar: the server's reason, the error envelope's message. */
import { ApiError, api, refusal } from "./api.js";

const POLL_MS = 700;
const AT_ONCE = 2;  // uploads in flight together, over every drop
const MAX_WAITS = 60;  // rate-limit waits one call sits through before it gives up
const UNNAMED_WAIT_S = 5;  // a 429 that names no wait (a proxy's, not the API's)

const queue = [];
let inFlight = 0;

// Each file gets its row (from `makeRow`) at once, and a place in the queue; `done(pkg)` or
// `failed(error)` after each.
export function uploadFiles(files, makeRow, done, failed) {
  for (const file of files) {
    const row = makeRow(file);
    row.querySelector(".step").textContent = "Waiting to upload…";
    queue.push({ file, row, done, failed });
  }
  while (inFlight < AT_ONCE && queue.length) startNext();
}

function startNext() {
  const job = queue.shift();
  inFlight += 1;
  uploadFile(job.file, job.row).then(job.done, job.failed).finally(() => {
    inFlight -= 1;
    if (queue.length) startNext();
  });
}

// `call` again after each 429, once the wait the server names is over.
function patiently(call, step, waits = 0) {
  return call().catch((e) => {
    if (!(e instanceof ApiError) || e.status !== 429 || waits >= MAX_WAITS) throw e;
    const seconds = Math.max(1, Math.ceil(e.retryAfter === null ? UNNAMED_WAIT_S : e.retryAfter));
    return countdown(seconds, step).then(() => patiently(call, step, waits + 1));
  });
}

function countdown(seconds, step) {
  return new Promise((resolve) => {
    let left = seconds;
    (function tick() {
      if (left <= 0) { resolve(); return; }
      step("Waiting " + left + " s (rate limit)");
      left -= 1;
      setTimeout(tick, 1000);
    })();
  });
}

// `row` holds a <progress> and a `.step` label; it is marked `done` or `failed` at the end.
// With `packageId`, the file becomes that package's next version.
export function uploadFile(file, row, packageId) {
  const asVersion = packageId ? { package_id: packageId } : {};
  const bar = row.querySelector("progress"), label = row.querySelector(".step");
  function step(text, value) { label.textContent = text; if (value !== undefined) bar.value = value; }
  step("Preparing…", 0);
  return patiently(() => api("POST", "/api/v1/packages/upload-url", { filename: file.name, file_size: file.size, ...asVersion }), step)
    .then((ticket) => put(file, ticket, (loaded, total) => step("Uploading " + Math.round(loaded * 100 / total) + "%", loaded / total * 90)))
    .then((ticket) => {
      step("Processing…", 92);
      return patiently(() => api("POST", "/api/v1/packages/process", { storage_path: ticket.storage_path, original_filename: file.name, ...asVersion }), step);
    })
    .then(function pollUntilDone(pkg) {
      if (pkg.status === "processing" || pkg.status === "uploading") {
        return new Promise((r) => setTimeout(r, POLL_MS))
          .then(() => patiently(() => api("GET", "/api/v1/packages/" + pkg.id), step)).then(pollUntilDone);
      }
      if (pkg.status === "failed") throw new Error((pkg.failure && pkg.failure.message) || "Processing failed");
      step("Ready: " + pkg.title, 100);
      row.classList.add("done");
      return pkg;
    })
    // The bar fills and turns red (dashboard.css): over, and not as hoped.
    .catch((e) => { step("Failed: " + e.message, 100); row.classList.add("failed"); throw e; });
}

// XMLHttpRequest, not fetch: only it reports an upload's progress.
function put(file, ticket, progress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", ticket.presigned_url);
    for (const [k, v] of Object.entries(ticket.required_put_headers || {})) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress(e.loaded, e.total); };
    xhr.onload = () => {
      if (xhr.status < 300) { resolve(ticket); return; }
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not the API's envelope */ }
      reject(refusal(xhr.status, body, (name) => xhr.getResponseHeader(name)));
    };
    xhr.onerror = () => reject(new Error("The upload was interrupted"));
    xhr.send(file);
  });
}
