/* The REST API (/api/v1) as the dashboard calls it: authorised by the sign-in cookie and this
 * page's CSRF token, exactly as an API key would be, so every read and change gets the same
 * validation, tenant checks and error envelope as any other client's. */

const csrf = document.querySelector('meta[name="csrf-token"]').content;

// The API's error envelope, with its field errors folded into the message a toast shows.
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const err = (body && body.error) || {};
    const fieldErrors = (err.details && err.details.fieldErrors) || {};
    const fields = Object.keys(fieldErrors).map((f) => f + ": " + fieldErrors[f].join(", "));
    super((err.message || ("HTTP " + status)) + (fields.length ? " (" + fields.join("; ") + ")" : ""));
    this.status = status;
    this.code = err.code;
    this.fieldErrors = fieldErrors;
    this.retryAfter = retryAfter ? Number(retryAfter) : null;  // seconds, on a 429
  }
}

// The fetch itself, shared by api() and download(): the sign-in's headers, and back to the
// sign-in page when it has run out.
function request(method, path, body) {
  const opts = { method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  return fetch(path, opts).then((r) => {
    if (r.status === 401) window.location.href = "/dashboard/login";  // the sign-in ran out
    return r;
  });
}

// A refused request: its error envelope, thrown.
function failure(r) {
  return r.json().catch(() => null).then((data) => { throw new ApiError(r.status, data, r.headers.get("Retry-After")); });
}

export function api(method, path, body) {
  return request(method, path, body).then((r) => {
    if (!r.ok) return failure(r);
    return r.status === 204 ? null : r.json().catch(() => null);
  });
}

// A file the API sends (a GET), as { blob, name }: fetched rather than followed as a link, so
// that a refusal (409 not ready yet) is the envelope's message in a toast, not a page of JSON.
export function download(path, fallbackName) {
  return request("GET", path).then((r) => {
    if (!r.ok) return failure(r);
    return r.blob().then((blob) => ({ blob, name: fileName(r.headers.get("Content-Disposition")) || fallbackName }));
  });
}

// Content-Disposition's file name: the RFC 5987 filename* (names beyond ASCII) before filename.
function fileName(disposition) {
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(disposition || "");
  if (extended) return decodeURIComponent(extended[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition || "");
  return plain ? plain[1] : null;
}
