// Shared helpers: a capturing fake Inngest API and a spawned serve() app.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import http from "node:http";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
export const canonicalize = require("canonicalize");

export const K1 = "signkey-test-12345678";
export const K2 = "signkey-test-abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
export const EVENT_KEY = "test-event-key-0123";
export const CAP_PORT = 8299;
export const APP_PORT = 3939;
export const APP_URL = `http://127.0.0.1:${APP_PORT}/api/inngest`;
export const VERSION = (await import("./node_modules/inngest/version.js")).version;
export const PRODUCED = `produced by inngest-js ${VERSION} serve() (inngest/node) on node ${process.version}, requests hand-built by tests/vectors/generator/scenarios.mjs`;

export const stripPrefix = (k) => k.replace(/^signkey-\w+-/, "");
export const sign = (body, key, ts = Math.floor(Date.now() / 1000)) => {
  const s = crypto.createHmac("sha256", stripPrefix(key)).update(body).update(String(ts)).digest("hex");
  return `t=${ts}&s=${s}`;
};
export const hashId = (id) => crypto.createHash("sha1").update(id).digest("hex");

// ---------------- capture server (fake Inngest API) ----------------
export const captured = [];
export const capState = {
  register: { status: 200, body: { ok: true, modified: true } },
  batch: null,
  actions: null,
  checkpoint: { status: 200, body: {} },
};
let eventCounter = 0;
export function startCapture() {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const u = new URL(req.url, `http://127.0.0.1:${CAP_PORT}`);
      const rec = { method: req.method, path: u.pathname, query: Object.fromEntries(u.searchParams), headers: req.headers, body };
      try { rec.body_json = JSON.parse(body); } catch {}
      let status = 200;
      let out = {};
      if (u.pathname === "/fn/register") {
        status = capState.register.status;
        out = capState.register.body;
      } else if (u.pathname.startsWith("/e/")) {
        const evts = Array.isArray(rec.body_json) ? rec.body_json : [rec.body_json];
        out = { ids: evts.map(() => `01JEVENTID000000000000000${String(++eventCounter).padStart(2, "0")}`), status: 200 };
      } else if (/^\/v0\/runs\/[^/]+\/batch$/.test(u.pathname)) {
        out = capState.batch ?? [];
      } else if (/^\/v0\/runs\/[^/]+\/actions$/.test(u.pathname)) {
        out = capState.actions ?? {};
      } else if (u.pathname.startsWith("/v1/checkpoint")) {
        status = capState.checkpoint.status;
        out = capState.checkpoint.body;
      }
      rec.reply = { status, body: out };
      captured.push(rec);
      const raw = typeof out === "string" ? out : JSON.stringify(out);
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(raw);
    });
  });
  return new Promise((r) => server.listen(CAP_PORT, "127.0.0.1", () => r(server)));
}
export const drainCaptured = () => captured.splice(0, captured.length);

// ---------------- app process ----------------
export async function startApp(env) {
  const child = spawn(process.execPath, ["app.mjs"], {
    env: { PATH: process.env.PATH, PORT: String(APP_PORT), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  for (let i = 0; i < 100; i++) {
    if (log.includes("app listening")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.getLog = () => log;
  child.on("exit", (code) => { if (code !== null && code !== 0 && !child.killedByUs) console.error("APP EXITED", code, log.slice(-4000)); });
  return child;
}
export async function stopApp(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.killedByUs = true;
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
}

// ---------------- HTTP client that records exactly what was sent/received ----------------
export async function send({ method, url = APP_URL, query = {}, headers = {}, body }) {
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  const t0 = Date.now();
  const chunks = [];
  const chunkTimes = [];
  const res = await new Promise((resolve, reject) => {
    const req = http.request(u, { method, headers: body !== undefined ? { "Content-Length": Buffer.byteLength(body), ...headers } : headers }, (r) => {
      r.on("data", (c) => { chunks.push(c); chunkTimes.push({ ms: Date.now() - t0, bytes: c.toString("utf8") }); });
      r.on("end", () => resolve(r));
    });
    req.on("error", (e) => { console.error("REQUEST ERROR", method, u.href, e.message); resolve({ statusCode: 0, headers: {}, error: e.message }); });
    if (body !== undefined) req.write(body);
    req.end();
  });
  const text = Buffer.concat(chunks).toString("utf8");
  const out = {
    request: { method, url: u.pathname + u.search, headers, body: body ?? null },
    response: { status: res.statusCode, headers: res.headers, body: text },
  };
  try { out.response.body_json = JSON.parse(text); } catch {}
  out.chunks = chunkTimes;
  return out;
}

// Build a Call Request body shaped like pkg/execution/driver.MarshalV1 output (JCS-canonical).
export function callBody({
  event = { name: "test/event", data: {}, id: "01JEVT0000000000000000000A", ts: 1700000000000, user: {} },
  events,
  steps = {},
  stack = [],
  attempt = 0,
  maxAttempts = 4,
  disableImmediate = false,
  useApi = false,
  runId = "01JRUN00000000000000000001",
  fnId = "0d4f5c1e-7a2b-4c3d-8e9f-0a1b2c3d4e5f",
  stepId = "step",
  version = 2,
}) {
  const evs = events ?? [event];
  const first = evs.length ? evs[0] : event;
  const body = {
    ctx: {
      attempt,
      disable_immediate_execution: disableImmediate,
      env: "",
      fn_id: fnId,
      max_attempts: maxAttempts,
      qi_id: "eyJxaSI6InRlc3QifQ",
      request_id: "01JREQ00000000000000000001",
      run_id: runId,
      stack: { current: stack.length, stack },
      step_id: stepId,
      use_api: useApi,
    },
    defers: {},
    event: first,
    events: evs,
    steps,
    use_api: useApi,
    version,
  };
  return canonicalize(body);
}

export function executorHeaders(body, key, { runId = "01JRUN00000000000000000001", stepId = "step", reqVersion = "2", ts } = {}) {
  const h = {
    "Content-Type": "application/json",
    "X-Run-ID": runId,
    "x-request-id": "01JREQ00000000000000000001",
    "x-inngest-job-id": "job-0001",
    "x-inngest-req-version": reqVersion,
    "X-Inngest-Step-ID": stepId,
  };
  if (key) h["X-Inngest-Signature"] = sign(body, key, ts);
  return h;
}
