// The official TypeScript SDK's side of the benchmark: inngest@4.24.0 with
// serve() from inngest/node, one Node process, serving conf-steps and
// conf-loop exactly as functions/README.md §1 defines them (our conformance app's
// two functions), with checkpointing off unless BENCH_CHECKPOINTING=1.
//
//   PORT=… BENCH_APP_ID=… [INNGEST_SIGNING_KEY=… | INNGEST_DEV=1 INNGEST_BASE_URL=…] node sdk_app.mjs
//
// GET /bench/count answers how many POSTs /api/inngest has received (the
// end-to-end scenario counts round trips per run with it).
import http from "node:http";
import { Inngest } from "inngest";
import { serve } from "inngest/node";

const checkpointing = process.env.BENCH_CHECKPOINTING === "1";
const inngest = new Inngest({ id: process.env.BENCH_APP_ID ?? "inngest-fcgi-conformance", checkpointing });

const confSteps = inngest.createFunction(
  { id: "conf-steps", name: "conf-steps", triggers: [{ event: "conf/steps" }] },
  async ({ step }) => {
    const a = await step.run("a", () => "A");
    const b = await step.run("b", () => a + "B");
    return { result: b };
  },
);

const confLoop = inngest.createFunction(
  { id: "conf-loop", name: "conf-loop", triggers: [{ event: "conf/loop" }] },
  async ({ event, step }) => {
    const n = event.data?.n;
    if (!Number.isInteger(n) || n < 0 || n > 10000) throw new Error("event data needs an integer n");
    let sum = 0;
    for (let i = 0; i < n; i++) sum += await step.run("item", () => i);
    return { sum };
  },
);

const handler = serve({ client: inngest, functions: [confSteps, confLoop] });
let posts = 0;
const server = http.createServer((req, res) => {
  if (req.url === "/bench/count") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ posts }));
    return;
  }
  if (req.method === "POST") posts++;
  return handler(req, res);
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log(`listening on ${process.env.PORT}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
