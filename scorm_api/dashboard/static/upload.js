/* A package's upload, as any API client does it: a presigned URL, the file PUT to it with its
 * progress shown, then processing, polled until the package is ready or has failed. */
import { ApiError, api } from "./api.js";

const POLL_MS = 700;

// `row` holds a <progress> and a `.step` label; it is marked `done` or `failed` at the end.
export function uploadFile(file, row) {
  const bar = row.querySelector("progress"), label = row.querySelector(".step");
  function step(text, value) { label.textContent = text; if (value !== undefined) bar.value = value; }
  step("Preparing…", 0);
  return api("POST", "/api/v1/packages/upload-url", { filename: file.name, file_size: file.size })
    .then((ticket) => put(file, ticket, (loaded, total) => step("Uploading " + Math.round(loaded * 100 / total) + "%", loaded / total * 90)))
    .then((ticket) => {
      step("Processing…", 92);
      return api("POST", "/api/v1/packages/process", { storage_path: ticket.storage_path, original_filename: file.name });
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
      reject(new ApiError(xhr.status, body));
    };
    xhr.onerror = () => reject(new Error("The upload was interrupted"));
    xhr.send(file);
  });
}
