// realtime_subscriber.js — a realtime subscriber we did not write: the
// official `inngest` package's subscribe() (inngest/realtime, the version
// tests/vectors/encryption/package.json pins), run under Node with
// --experimental-websocket (Node 20 has WebSocket behind that flag).
//
//   node --experimental-websocket realtime_subscriber.js TOKEN_JSON API_BASE COUNT SECS READY_FILE
//
// TOKEN_JSON is what our route answered ({"key","channel","topics"}).  Writes
// READY_FILE once connected, then prints each message it receives as one JSON
// line {"channel","topic","data","runId"} and exits 0 after COUNT of them, or
// 1 when SECS pass first.
"use strict";
const fs = require("fs");
const { subscribe } = require("inngest/realtime");

const [tokenFile, apiBaseUrl, countArg, secsArg, readyFile] = process.argv.slice(2);
const token = JSON.parse(fs.readFileSync(tokenFile, "utf8"));
const want = Number(countArg);
let seen = 0;

setTimeout(() => {
  console.error(`realtime_subscriber: ${seen} of ${want} messages after ${secsArg} s`);
  process.exit(1);
}, Number(secsArg) * 1000);

(async () => {
  await subscribe(
    { key: token.key, channel: token.channel, topics: token.topics, apiBaseUrl },
    (msg) => {
      process.stdout.write(
        JSON.stringify({ channel: msg.channel, topic: msg.topic, data: msg.data, runId: msg.runId }) + "\n",
      );
      if (++seen >= want) process.exit(0);
    },
  );
  fs.writeFileSync(readyFile, "ready\n");
})().catch((err) => {
  console.error("realtime_subscriber:", err && err.message ? err.message : err);
  process.exit(2);
});
