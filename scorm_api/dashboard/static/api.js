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

export function api(method, path, body) {
  const opts = { method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  return fetch(path, opts).then((r) => {
    if (r.status === 401) window.location.href = "/dashboard/login";  // the sign-in ran out
    const parse = r.status === 204 ? Promise.resolve(null) : r.json().catch(() => null);
    return parse.then((data) => {
      if (!r.ok) throw new ApiError(r.status, data, r.headers.get("Retry-After"));
      return data;
    });
  });
}
