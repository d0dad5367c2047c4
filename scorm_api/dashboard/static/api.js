/* The REST API (/api/v1) as the dashboard calls it: authorised by the sign-in cookie and this
 * page's CSRF token, exactly as an API key would be, so every read and change gets the same
 * validation, tenant checks and error envelope as any other client's. */

const csrf = document.querySelector('meta[name="csrf-token"]').content;

// The API's error envelope, with its field errors folded into the message a toast shows.
export class ApiError extends Error {
  // `retryAfter`: seconds to wait before trying again, on a 429 (rateLimitWait).
  constructor(status, body, retryAfter) {
    const err = (body && body.error) || {};
    const fieldErrors = (err.details && err.details.fieldErrors) || {};
    const fields = Object.keys(fieldErrors).map((f) => f + ": " + fieldErrors[f].join(", "));
    super((err.message || ("HTTP " + status)) + (fields.length ? " (" + fields.join("; ") + ")" : ""));
    this.status = status;
    this.code = err.code;
    this.fieldErrors = fieldErrors;
    this.retryAfter = retryAfter === undefined ? null : retryAfter;
    this.details = err.details || {};
  }
}

// How long a refused call (429) should wait, in seconds, from the answer's headers (`header`
// reads one: a fetch Response's headers.get, or an XMLHttpRequest's getResponseHeader):
// Retry-After, else X-RateLimit-Reset, the unix time the window resets (what the cloud
// documents), counted from the server's own clock (Date) so that a computer whose clock is off
// waits neither too long nor not at all. null: the answer names no wait.
export function rateLimitWait(header) {
  const serverNow = () => { const d = Date.parse(header("Date") || ""); return Number.isNaN(d) ? Date.now() : d; };
  const after = header("Retry-After");
  if (after) {  // seconds, or an HTTP date
    const seconds = /^\s*\d+\s*$/.test(after) ? Number(after) : (Date.parse(after) - serverNow()) / 1000;
    if (!Number.isNaN(seconds)) return Math.max(0, seconds);
  }
  const reset = Number(header("X-RateLimit-Reset"));
  return reset ? Math.max(0, reset - serverNow() / 1000) : null;
}

// A file's bytes as the request's body (a Blob or File, streamed by the browser), answered
// as api() answers.
export function sendFile(method, path, file, contentType) {
  return request(method, path, file, contentType).then((r) => {
    if (!r.ok) return failure(r);
    return r.json().catch(() => null);
  });
}

// The fetch itself, shared by api(), sendFile() and download(): the sign-in's headers, and
// back to the sign-in page when it has run out. `raw`: the body's content type, sent as it is.
function request(method, path, body, raw) {
  const opts = { method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
  if (body !== undefined && raw) {
    opts.headers["Content-Type"] = raw;
    opts.body = body;
  } else if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  return fetch(path, opts).then((r) => {
    if (r.status === 401) window.location.href = "/dashboard/login";  // the sign-in ran out
    return r;
  });
}

// A refused answer as an ApiError: its envelope (`body`, null when it has none) and, on a 429,
// the wait it names; `header` reads one of its headers (rateLimitWait).
export function refusal(status, body, header) {
  return new ApiError(status, body, status === 429 ? rateLimitWait(header) : null);
}

// A refused request: its error envelope, thrown (with its details, for a caller that acts on
// them).
function failure(r) {
  return r.json().catch(() => null).then((data) => { throw refusal(r.status, data, (name) => r.headers.get(name)); });
}

export function api(method, path, body) {
  return request(method, path, body).then((r) => {
    if (!r.ok) return failure(r);
    return r.status === 204 ? null : r.json().catch(() => null);
  });
}

// A file the API sends, as { blob, name }: fetched rather than followed as a link, so that a
// refusal (409 not ready yet) is the envelope's message in a toast, not a page of JSON. With a
// `body`, a POST of it (a record issued from a form).
export function download(path, fallbackName, body) {
  return request(body === undefined ? "GET" : "POST", path, body).then((r) => {
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
