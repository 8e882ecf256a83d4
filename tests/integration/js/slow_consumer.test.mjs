// Slow consumer, seen by nats.js: with max_pending 32KB (slow_consumer.conf), a subscriber that
// stops reading is closed by the server (no -ERR: nats-server just closes it), while a fast
// subscriber on the same subject receives everything and the publisher stays connected.
// Needs a server started with slow_consumer.conf; its URL comes in NATS_SLOW_URL. Skipped when
// that is not set (run_with_server.py --skip-if-rejected exits 77 when the server refuses -c).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { connect, Events } from "nats";
import { within, closeAll, waitFor, WAIT_MS } from "./helpers.mjs";

const url = process.env.NATS_SLOW_URL;
const conns = [];
after(() => closeAll(conns));

const MSGS = 32 * 1024; // 32 MiB of 1 KiB messages: far more than the loopback socket buffers hold
// Small batches, each followed by a flush: nats-server flushes to subscribers only between reads,
// so a big burst in one read could push even the fast subscriber over 32KB.
const BATCH = 8;

function nextMessage(worker, kind, ms) {
  return within(
    new Promise((resolve, reject) => {
      const onMsg = (m) => {
        if (m.kind === kind) {
          worker.off("message", onMsg);
          resolve(m);
        }
      };
      worker.on("message", onMsg);
      worker.once("error", reject);
    }),
    `worker ${kind}`,
    ms,
  );
}

test("slow subscriber is cut off, fast subscriber and publisher are not", {
  skip: url ? false : "NATS_SLOW_URL not set: needs a server started with -c slow_consumer.conf",
  timeout: 60000,
}, async () => {
  const opts = { servers: url, reconnect: false, timeout: WAIT_MS };
  const pub = await connect({ ...opts, name: "pub" });
  const fast = await connect({ ...opts, name: "fast" });
  conns.push(pub, fast);
  const pubEvents = [];
  (async () => {
    for await (const s of pub.status()) pubEvents.push(s);
  })().catch(() => {});
  let fastGot = 0;
  fast.subscribe("js.slow", { callback: () => fastGot++ });
  await within(fast.flush(), "fast flush");

  const wake = new SharedArrayBuffer(4);
  const worker = new Worker(new URL("./slow_sub_worker.mjs", import.meta.url), {
    workerData: { url, subject: "js.slow", blockMs: 40000, waitMs: 10000, wake },
  });
  try {
    await nextMessage(worker, "ready", 10000);
    const result = nextMessage(worker, "result", 30000);
    worker.postMessage("go");
    const payload = new Uint8Array(1024).fill(120);
    for (let i = 0; i < MSGS; i += BATCH) {
      for (let j = 0; j < BATCH; j++) pub.publish("js.slow", payload);
      await within(pub.flush(), "publisher flush", 20000); // covers the stall // lets the fast subscriber read meanwhile
    }
    // nats-server stalls the publisher while the slow subscriber is over half its max_pending,
    // until it cuts it off; every publish went through, so wake the slow subscriber's thread.
    Atomics.store(new Int32Array(wake), 0, 1);
    Atomics.notify(new Int32Array(wake), 0);
    assert.ok(await waitFor(() => fastGot >= MSGS, 10000), `fast subscriber got ${fastGot} of ${MSGS}`);
    await within(fast.flush(), "fast flush");
    assert.equal(fastGot, MSGS, "fast subscriber total");
    assert.equal(fast.isClosed(), false, "the fast subscriber was closed");
    assert.equal(pub.isClosed(), false, "the publisher was closed");
    assert.deepEqual(pubEvents.filter((e) => e.type === Events.Error), [], "the publisher got an -ERR");

    const r = await result;
    assert.equal(r.closed, true, `the slow subscriber was not closed (received ${r.received})`);
    assert.ok(r.received < MSGS, `the slow subscriber received all ${r.received} messages`);
    const types = r.events.map((e) => e.type);
    assert.ok(types.includes(Events.Disconnect), `slow subscriber status: ${JSON.stringify(r.events)}`);
    assert.ok(!types.includes(Events.Error), `the server sent an -ERR to the slow subscriber: ${JSON.stringify(r.events)}`);
  } finally {
    Atomics.notify(new Int32Array(wake), 0);
    await worker.terminate();
  }
});
