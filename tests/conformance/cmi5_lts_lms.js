/*
 * The appliance as an LMS for the cmi5 LMS Test Suite of ADL's Project CATAPULT (lts/): the
 * interface its lib/lms.template.js describes, implemented against this appliance's REST API.
 * Run by tests/conformance/cmi5_lts.py, which starts the appliance and sets:
 *   SCORM_API_URL, SCORM_API_KEY   the appliance and an API key of its system tenant
 *   SCORM_API_LRS_USER/_PASSWORD   LRS credentials of that tenant (to read statements back)
 *   CATAPULT_LTS_DIR               the suite's lts/ folder (for its InvalidPackageError)
 */
"use strict";

const crypto = require("crypto");
const http = require("http");
const path = require("path");
const {InvalidPackageError} = require(path.join(process.env.CATAPULT_LTS_DIR, "lib", "errors"));

const api = process.env.SCORM_API_URL.replace(/\/$/, "");
const auth = {Authorization: `Bearer ${process.env.SCORM_API_KEY}`};
const imported = [];
const courseOf = {};  // registration (our session id) -> course (package) id

// Node's own http client: the suite's test environment has no fetch or FormData.
function request(method, route, headers, payload) {
    return new Promise((resolve, reject) => {
        const req = http.request(api + route, {method, headers: {...auth, ...headers}}, (res) => {
            const chunks = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => {
                let data = {};
                try { data = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch (e) { /* not JSON */ }
                resolve({status: res.statusCode, data});
            });
        });
        req.on("error", reject);
        if (payload !== undefined) req.write(payload);
        req.end();
    });
}

async function call(method, route, body) {
    const {status, data} = body === undefined ? await request(method, route, {})
        : await request(method, route, {"Content-Type": "application/json"}, JSON.stringify(body));
    if (status >= 300) {
        throw new Error(`${method} ${route}: ${status} ${JSON.stringify(data.error || data)}`);
    }
    return data;
}

async function auIds(courseId) {
    // The AUs in course structure order: depth first through blocks.
    const pkg = await call("GET", `/api/v1/packages/${courseId}`);
    const out = [];
    const walk = (items) => items.forEach((it) => {
        if (it.au) out.push(it.identifier);
        walk(it.children || []);
    });
    walk(pkg.metadata.organizations[0].items);
    return out;
}

async function readAll(stream) {
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    return Buffer.concat(chunks);
}

module.exports = {
    setup: async () => {},
    teardown: async () => {},
    getLrsEndpoint: () => `${api}/xapi`,
    getLrsAuthHeader: () => "Basic " + Buffer.from(
        `${process.env.SCORM_API_LRS_USER}:${process.env.SCORM_API_LRS_PASSWORD}`).toString("base64"),

    importCourse: async (stream, contentType, filename) => {
        const boundary = "lts" + crypto.randomBytes(12).toString("hex");
        const body = Buffer.concat([
            Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
                        `Content-Type: ${contentType}\r\n\r\n`),
            await readAll(stream), Buffer.from(`\r\n--${boundary}--\r\n`)]);
        const {status, data} = await request("POST", "/api/v1/packages/upload",
            {"Content-Type": `multipart/form-data; boundary=${boundary}`}, body);
        if (status === 400) {
            throw new InvalidPackageError(`${filename}: ${data.error && data.error.message}`);
        }
        if (status !== 201) {
            throw new Error(`import of ${filename}: ${status} ${JSON.stringify(data)}`);
        }
        imported.push(data.id);
        return data.id;
    },

    getLaunchUrl: async (courseId, auIndex, actor, {registration, launchMode} = {}) => {
        const itemId = (await auIds(courseId))[auIndex];
        let sessionId = registration;
        if (!sessionId) {
            const made = await call("POST", "/api/v1/sessions", {
                package_id: courseId, user_id: actor.account.name, new_attempt: true});
            sessionId = made.session.id;
            courseOf[sessionId] = courseId;
        }
        const link = await call("POST", `/api/v1/sessions/${sessionId}/launch`, {
            item_id: itemId, redirect: true, ...(launchMode ? {launch_mode: launchMode} : {})});
        return link.launch_url;
    },

    cleanup: async () => {
        while (imported.length) {
            await call("DELETE", `/api/v1/packages/${imported.pop()}`);
        }
    },

    hasWaive: () => true,
    waiveAU: async (registration, auIndex, reason) => {
        const itemId = (await auIds(courseOf[registration]))[auIndex];
        await call("POST", `/api/v1/sessions/${registration}/cmi5/waive`, {item_id: itemId, reason});
    },

    hasAbandon: () => true,
    abandonSession: async (sessionId) => {
        await call("POST", `/api/v1/au-sessions/${sessionId}/abandon`);
    }
};
