// contrib/bench/report.mjs — turns the raw runs of contrib/bench/run.sh into
// the table: the median of the runs for each scenario and peer, the ratios
// to the official SDK and to the FastCGI ceiling, the in-process floor, the
// soak and the end-to-end runs, and which of the targets hold.
//
//   node report.mjs OUT_DIR VERSIONS_JSON SETTINGS_JSON
//
// Reads OUT_DIR/runs.jsonl and OUT_DIR/inproc.json; writes OUT_DIR/results.json
// and OUT_DIR/results.md, and prints the Markdown.
import fs from "node:fs";
import path from "node:path";

const [outDir, versionsJson, settingsJson] = process.argv.slice(2);
const versions = JSON.parse(versionsJson);
const settings = JSON.parse(settingsJson);
const lines = fs.readFileSync(path.join(outDir, "runs.jsonl"), "utf8").split("\n").filter(Boolean);
const raw = lines.map((l) => JSON.parse(l));
let inproc = null;
try {
  inproc = JSON.parse(fs.readFileSync(path.join(outDir, "inproc.json"), "utf8"));
} catch {
  inproc = null;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 0) => (x == null || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

const peersOrder = ["ours-1", "ours-1-traced", "ours-N", "sdk", "fcgi-ceiling", "nginx-static"];
const httpScenarios = ["S1", "S2", "S3", "S4", "S5"];
const what = {
  S1: "signed GET introspection",
  S2: "conf-steps first call (runs a, 206)",
  S3: "conf-steps final call (2 memoized, 200)",
  S4: "conf-loop n=100 final call (100 memoized)",
  S5: "conf-loop n=1000 final call (~100 KB)",
};

// ---- S1–S5: medians per scenario and peer ---------------------------------
const figures = {};
for (const s of httpScenarios) {
  for (const p of peersOrder) {
    const rs = raw.filter((r) => r.scenario === s && r.peer === p);
    if (!rs.length) continue;
    const err = rs.find((r) => r.error);
    if (err) {
      (figures[s] ??= {})[p] = { error: err.error };
      continue;
    }
    const ok = rs.filter((r) => r.requests > 0);
    (figures[s] ??= {})[p] = {
      runs: rs.length,
      requests_per_s: round(median(ok.map((r) => r.requests / (r.duration_us / 1e6))), 1),
      p50_ms: round(median(ok.map((r) => r.p50_us / 1000)), 3),
      p99_ms: round(median(ok.map((r) => r.p99_us / 1000)), 3),
      cpu_us_per_request: round(median(ok.map((r) => (r.app_cpu_s * 1e6) / r.requests)), 1),
      nginx_cpu_us_per_request: round(median(ok.map((r) => (r.nginx_cpu_s * 1e6) / r.requests)), 1),
      peak_rss_mb: round(Math.max(...rs.map((r) => r.peak_rss_kb)) / 1024, 1),
      errors: rs.reduce((n, r) => n + (r.errors || 0), 0),
    };
  }
}
const rps = (s, p) => figures[s]?.[p]?.requests_per_s ?? null;
for (const s of Object.keys(figures)) {
  for (const p of Object.keys(figures[s])) {
    const f = figures[s][p];
    if (f.error) continue;
    const sdk = rps(s, "sdk");
    const ceil = rps(s, "fcgi-ceiling");
    f.x_sdk = sdk ? round(f.requests_per_s / sdk, 1) : null;
    f.of_fcgi_ceiling = ceil ? round(f.requests_per_s / ceil, 3) : null;
  }
}

// ---- S6, soak ---------------------------------------------------------------
const s6 = raw.filter((r) => r.scenario === "S6");
const soak = raw.find((r) => r.scenario === "soak") ?? null;

// ---- targets ----------------------------------------------------------------
const targets = [];
const target = (name, holds, detail) => targets.push({ target: name, holds, detail });
const ours = (s) => figures[s]?.["ours-1"];
for (const s of ["S1", "S2", "S3"]) {
  const f = ours(s);
  if (f && f.of_fcgi_ceiling != null)
    target(`${s}: one worker ≥ 70% of the FastCGI ceiling`, f.of_fcgi_ceiling >= 0.7,
      `${Math.round(f.of_fcgi_ceiling * 100)}% (${f.requests_per_s} vs ${rps(s, "fcgi-ceiling")} req/s)`);
}
for (const s of ["S2", "S3"]) {
  const f = ours(s);
  if (f && f.x_sdk != null) target(`${s}: one worker ≥ 10× the official SDK`, f.x_sdk >= 10, `${f.x_sdk}×`);
}
if (ours("S5")?.x_sdk != null)
  target("S5: one worker ≥ 100× the official SDK", ours("S5").x_sdk >= 100, `${ours("S5").x_sdk}×`);
const floor = inproc?.scenarios?.S5;
if (ours("S5") && floor) {
  const r = ours("S5").cpu_us_per_request / floor.floor_verify_parse_us;
  target("S5: CPU per request ≤ 1.5× parsing the body (json-c) and verifying its signature", r <= 1.5,
    `${ours("S5").cpu_us_per_request} µs per request behind nginx (in-process ${round(floor.cpu_us, 1)} µs) ` +
      `vs a floor of ${round(floor.floor_verify_parse_us, 1)} µs (${round(r, 2)}×; ` +
      `${round(floor.floor_free_tree_us, 1)} µs more to free the tree). Against verify + our own one-pass ` +
      `reader (${round(floor.floor_verify_own_reader_us, 1)} µs): ` +
      `${round(ours("S5").cpu_us_per_request / floor.floor_verify_own_reader_us, 2)}× behind nginx, ` +
      `${round(floor.ratio_to_own_reader_floor, 2)}× in-process`);
}
if (inproc?.scenarios?.S4 && inproc?.scenarios?.S5) {
  const g = inproc.scenarios.S5.cpu_us / inproc.scenarios.S4.cpu_us;
  const gb = ours("S4") && ours("S5") ? ours("S5").cpu_us_per_request / ours("S4").cpu_us_per_request : null;
  target("S4 → S5: 10× the memoized steps costs ≤ 12× the time (linear)", g <= 12 && (gb == null || gb <= 12),
    `${round(g, 2)}× in-process` + (gb != null ? `, ${round(gb, 2)}× CPU per request behind nginx` : ""));
}
const rssMax = Math.max(...httpScenarios.map((s) => ours(s)?.peak_rss_mb ?? 0));
if (rssMax > 0) target("≤ 8 MB RSS per worker (S1–S5 peak)", rssMax <= 8, `${rssMax} MB`);
if (soak)
  target(`RSS flat across ${soak.requests} requests`,
    soak.same_worker && soak.rss_kb_last <= soak.rss_kb_after_first_chunk * 1.05 + 256 && soak.rss_kb_max <= 8192,
    `${round(soak.rss_kb_after_first_chunk / 1024, 2)} MB after the first 10 s, ` +
      `${round(soak.rss_kb_last / 1024, 2)} MB at the end (max ${round(soak.rss_kb_max / 1024, 2)} MB)`);
const ck = s6.find((r) => r.peer === "ours-1-checkpointing");
if (ck)
  target("S6 with checkpointing: n=10 sequential steps in ≤ 2 call requests per run", ck.posts_per_run <= 2 && ck.runs_ok === ck.runs,
    `${round(ck.posts_per_run, 2)} call requests per run (off: ${round(s6.find((r) => r.peer === "ours-1")?.posts_per_run, 2)}); ${ck.runs_ok}/${ck.runs} right outputs`);

const results = { settings, versions, scenarios: figures, inproc, s6, soak, targets };
fs.writeFileSync(path.join(outDir, "results.json"), JSON.stringify(results, null, 2) + "\n");

// ---- Markdown ---------------------------------------------------------------
const md = [];
const v = versions;
md.push(`Machine: ${v.cores} cores (${v.cpu}), Linux ${v.kernel}. nginx ${v.nginx}, Node ${v.node}, ` +
  `inngest (npm) ${v["inngest (npm)"]}, ${v.wrk}, libfcgi ${v.libfcgi}, json-c ${v["json-c"]}, ${v.ours}, ` +
  `inngest dev ${v["inngest dev"]}.`);
md.push(`Client: wrk -t${settings.threads} -c${settings.connections}, ${settings.seconds} s per run ` +
  `(S5: ${settings.s5_seconds} s, for every peer), ` +
  `median of ${settings.runs} runs after a warm-up. CPU = the peer's own processes (the program's master and ` +
  `workers, the Node process, the responder, the static nginx's worker) per request; nginx in front of a ` +
  `FastCGI peer is counted apart. RSS = the largest VmHWM (reset before each run) of those processes, ` +
  `for us of the workers (not the idle master).`);
md.push("");
md.push("| scenario | peer | req/s | p50 ms | p99 ms | CPU µs/req | nginx CPU µs/req | peak RSS MB | × SDK | of FastCGI ceiling |");
md.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
const fmt = (x, suffix = "") => (x == null ? "–" : `${x}${suffix}`);
for (const s of httpScenarios) {
  if (!figures[s]) continue;
  for (const p of peersOrder) {
    const f = figures[s][p];
    if (!f) continue;
    if (f.error) {
      md.push(`| ${s} ${what[s]} | ${p} | ${f.error} | | | | | | | |`);
      continue;
    }
    md.push(`| ${s} ${what[s]} | ${p} | ${fmt(f.requests_per_s)} | ${fmt(f.p50_ms)} | ${fmt(f.p99_ms)} | ` +
      `${fmt(f.cpu_us_per_request)} | ${p.startsWith("ours") || p === "fcgi-ceiling" ? fmt(f.nginx_cpu_us_per_request) : "–"} | ` +
      `${fmt(f.peak_rss_mb)} | ${fmt(f.x_sdk, "×")} | ${f.of_fcgi_ceiling == null ? "–" : Math.round(f.of_fcgi_ceiling * 100) + "%"} |`);
  }
}
if (s6.length) {
  md.push("");
  md.push(`S6: ${s6[0].runs} whole conf-loop n=10 runs sent at once to a private \`inngest dev\` (one worker / one Node process).`);
  md.push("");
  md.push("| peer | checkpointing | runs/s | call requests per run | CPU ms per run | right outputs |");
  md.push("|---|---|---:|---:|---:|---:|");
  for (const r of s6)
    md.push(`| ${r.peer} | ${r.checkpointing ? "on" : "off"} | ${round(r.runs_per_s, 2)} | ${round(r.posts_per_run, 2)} | ` +
      `${round(r.app_cpu_ms_per_run, 2)} | ${r.runs_ok}/${r.runs} |`);
}
if (inproc) {
  md.push("");
  md.push("In-process (router_serve on the same requests, no nginx/FastCGI/log line; median of 5 batches):");
  md.push("");
  md.push("| scenario | body bytes | CPU µs/req | floor: verify + json-c parse µs | + free that tree µs | ratio to it | floor: verify + our one-pass reader µs | ratio to it |");
  md.push("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const [s, f] of Object.entries(inproc.scenarios))
    md.push(`| ${s} | ${f.body_bytes} | ${round(f.cpu_us, 1)} | ${fmt(round(f.floor_verify_parse_us, 1))} | ` +
      `${fmt(round(f.floor_free_tree_us, 1))} | ${fmt(round(f.ratio_to_floor, 2))} | ` +
      `${fmt(round(f.floor_verify_own_reader_us, 1))} | ${fmt(round(f.ratio_to_own_reader_floor, 2))} |`);
  // S3e/S5e: the same calls with INNGEST_ENCRYPTION_KEY set (memos arrive
  // sealed, the result leaves sealed): what encryption adds.
  const sc = inproc.scenarios;
  if (sc.S3 && sc.S3e && sc.S5 && sc.S5e) {
    md.push("");
    md.push(`End-to-end encryption (S3e, S5e: S3 and S5 with every memoized value sealed): ` +
      `+${round(sc.S3e.cpu_us - sc.S3.cpu_us, 1)} µs per S3 call (2 values opened, the result sealed), ` +
      `+${round((sc.S5e.cpu_us - sc.S5.cpu_us) / 1000, 2)} µs per memoized step opened (S5e − S5 over 1,000 steps).`);
  }
}
md.push("");
md.push("| target | holds | measured |");
md.push("|---|---|---|");
for (const t of targets) md.push(`| ${t.target} | ${t.holds ? "yes" : "**no**"} | ${t.detail} |`);
const text = md.join("\n") + "\n";
fs.writeFileSync(path.join(outDir, "results.md"), text);
process.stdout.write(text);
