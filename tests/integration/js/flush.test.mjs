// Flush: PING/PONG round trips. A flush resolves only after the server processed everything sent
// before it; after publisher.flush() and subscriber.flush() the messages are already delivered;
// many concurrent flushes all resolve in order; flush on a closed connection rejects.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { StringCodec } from "nats";
import { open, within, closeAll } from "./helpers.mjs";

const sc = StringCodec();
const conns = [];
after(() => closeAll(conns));

test("publisher flush then subscriber flush: every message already delivered", async () => {
  const subc = await open();
  const pub = await open();
  conns.push(subc, pub);
  for (const round of [1, 10, 1000]) {
    let n = 0;
    const sub = subc.subscribe(`js.flush.${round}`, { callback: () => n++ });
    await within(subc.flush(), "subscriber flush");
    for (let i = 0; i < round; i++) pub.publish(`js.flush.${round}`, sc.encode("x".repeat(100)));
    await within(pub.flush(), "publisher flush");
    await within(subc.flush(), "subscriber flush");
    assert.equal(n, round, `round of ${round}: delivered before the subscriber's PONG`);
    sub.unsubscribe();
  }
});

test("subscription is live on the server once flush resolves", async () => {
  const subc = await open();
  const pub = await open();
  conns.push(subc, pub);
  for (let i = 0; i < 50; i++) {
    let n = 0;
    const sub = subc.subscribe(`js.flush.live.${i}`, { callback: () => n++ });
    await within(subc.flush(), "flush");
    pub.publish(`js.flush.live.${i}`, sc.encode("x"));
    await within(pub.flush(), "flush");
    await within(subc.flush(), "flush");
    assert.equal(n, 1, `subscription ${i}`);
    sub.unsubscribe();
  }
});

test("100 concurrent flushes resolve in order", async () => {
  const nc = await open();
  conns.push(nc);
  const order = [];
  const ps = Array.from({ length: 100 }, (_, i) => nc.flush().then(() => order.push(i)));
  await within(Promise.all(ps), "100 flushes");
  assert.deepEqual(order, Array.from({ length: 100 }, (_, i) => i));
  const rtt = await within(nc.rtt(), "rtt");
  assert.ok(rtt >= 0 && rtt < 3000, `rtt ${rtt}`);
});

test("flush on a closed connection rejects", async () => {
  const nc = await open();
  await within(nc.close(), "close");
  await assert.rejects(nc.flush(), (err) => err.code === "CONNECTION_CLOSED");
});
