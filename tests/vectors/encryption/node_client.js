// The Node side of tests/e2e/test_encryption_node.sh, with the official
// middleware's own hooks (the versions package.json pins):
//   node node_client.js seal KEY   < event.json   prints the event as the middleware
//                                                  sends it (transformSendEvent)
//   node node_client.js open KEY   < event.json   prints the event's data as a Node
//                                                  function would see it (transformFunctionInput)
//   node node_client.js step KEY   < value.json   prints memoized step data as Node
//                                                  user code would see it (wrapStep)
"use strict";
const fs = require("fs");
const { encryptionMiddleware } = require("@inngest/middleware-encryption");

const [mode, key] = process.argv.slice(2);
const M = encryptionMiddleware({ key });
const m = new M({ client: {} });
const input = JSON.parse(fs.readFileSync(0, "utf8"));

(async () => {
  let out;
  if (mode === "seal") {
    out = (await m.transformSendEvent({ events: [input] })).events[0];
  } else if (mode === "open") {
    out = (await m.transformFunctionInput({ ctx: { event: input, events: [input] } })).ctx.event.data;
  } else if (mode === "step") {
    out = await m.wrapStep({ next: async () => input });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
})().catch((e) => { console.error(String(e)); process.exit(1); });
