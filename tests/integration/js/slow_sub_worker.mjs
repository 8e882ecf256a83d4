// Worker for slow_consumer.test.mjs: a nats.js subscriber whose event loop stops reading.
// It connects, subscribes, flushes, posts "ready", then, on the parent's go, blocks its thread (so
// nothing is read from the socket) until the parent wakes it through `wake` (Atomics.notify) or
// blockMs pass, then lets nats.js catch up and posts what it observed.
import { parentPort, workerData } from "node:worker_threads";
import { connect } from "nats";

const { url, subject, blockMs, waitMs, wake } = workerData;
const nc = await connect({ servers: url, reconnect: false, timeout: waitMs, name: "slow" });
const events = [];
(async () => {
  for await (const s of nc.status()) events.push({ type: s.type, data: String(s.data) });
})().catch(() => {});
let received = 0;
nc.subscribe(subject, { callback: () => received++ });
await nc.flush();
parentPort.postMessage({ kind: "ready" });
// Wait for the parent's go, then block the whole thread: the socket is not read meanwhile.
parentPort.once("message", async () => {
  Atomics.wait(new Int32Array(wake), 0, 0, blockMs);
  const timeout = new Promise((r) => setTimeout(() => r("timeout"), waitMs));
  const outcome = await Promise.race([nc.closed().then((err) => ({ err })), timeout]);
  const closed = outcome !== "timeout";
  await new Promise((r) => setTimeout(r, 50)); // let the status iterator catch up
  const err = closed && outcome.err ? { code: outcome.err.code, message: outcome.err.message } : null;
  parentPort.postMessage({ kind: "result", closed, err, received, events });
  if (!nc.isClosed()) await nc.close();
});
