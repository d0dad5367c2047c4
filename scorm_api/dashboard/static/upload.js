/* A package's upload, as any API client does it: a presigned URL, the file PUT to it with its
 * progress shown, then processing, polled until the package is ready or has failed.
 *
 * A folder of courses dropped at once goes through a queue, two at a time, and a call the
 * rate limit refuses (429) is made again after the wait the server names (Retry-After), the
 * row saying "Waiting N s (rate limit)" meanwhile: every course is imported, none fails for
 * having come too soon. */
import { ApiError, api } from "./api.js";

const POLL_MS = 700;
const AT_ONCE = 2;  // uploads in flight together
const MAX_WAITS = 60;  // rate-limit waits one upload sits through before it gives up

// Each file gets its row (from `makeRow`); `done(pkg)` / `failed(error)` after each.
export function uploadFiles(files, makeRow, done, failed) {
  const queue = Array.from(files, (file) => ({ file, row: makeRow(file) }));
  for (const { row } of queue) row.querySelector(".step").textContent = "Waiting to upload…";
  function next() {
    const job = queue.shift();
    if (!job) return Promise.resolve();
    return uploadFile(job.file, job.row).then(done, failed).then(next);
  }
  return Promise.all(Array.from({ length: Math.min(AT_ONCE, queue.length) }, next));
}

// `call` again after each 429, as long as the server asks to wait (Retry-After).
function patiently(call, step, waits = 0) {
  return call().catch((e) => {
    if (!(e instanceof ApiError) || e.status !== 429 || waits >= MAX_WAITS) throw e;
    return countdown(Math.max(1, Math.ceil(e.retryAfter || 5)), step).then(() => patiently(call, step, waits + 1));
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
          .then(() => api("GET", "/api/v1/packages/" + pkg.id)).then(pollUntilDone);
      }
      if (pkg.status === "failed") throw new Error((pkg.failure && pkg.failure.message) || "Processing failed");
      step("Ready: " + pkg.title, 100);
      row.classList.add("done");
      return pkg;
    })
    .catch((e) => { step("Failed: " + e.message); row.classList.add("failed"); throw e; });
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
      reject(new ApiError(xhr.status, body, xhr.getResponseHeader("Retry-After")));
    };
    xhr.onerror = () => reject(new Error("The upload was interrupted"));
    xhr.send(file);
  });
}
