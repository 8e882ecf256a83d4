// Drain: sub.drain() (UNSUB, then a flush) delivers what was already sent and nothing after;
// nc.drain() drains every subscription, flushes its own publishes and closes cleanly, after which
// the server no longer counts its subscriptions (a request gets 503).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, StringCodec } from "nats";
import { open, within, closeAll, waitFor, sleep } from "./helpers.mjs";

const sc = StringCodec();
const conns = [];
after(() => closeAll(conns));

const N = 200;

test("subscription drain: everything before, nothing after", async () => {
  const nc = await open();
  const pub = await open();
  conns.push(nc, pub);
  const got = [];
  const sub = nc.subscribe("js.drain.sub", { callback: (err, m) => !err && got.push(Number(sc.decode(m.data))) });
  await within(nc.flush(), "flush");
  for (let i = 0; i < N; i++) pub.publish("js.drain.sub", sc.encode(String(i)));
  await within(pub.flush(), "flush");
  await within(sub.drain(), "sub.drain()");
  await within(sub.closed, "sub.closed");
  assert.equal(sub.isClosed(), true);
  assert.deepEqual(got, Array.from({ length: N }, (_, i) => i), "messages sent before the drain");
  const before = nc.stats().inMsgs;
  for (let i = 0; i < 10; i++) pub.publish("js.drain.sub", sc.encode("late"));
  await within(pub.flush(), "flush");
  await within(nc.flush(), "flush");
  await sleep(50);
  assert.equal(nc.stats().inMsgs, before, "the server delivered after the drain's UNSUB");
  assert.equal(nc.isClosed(), false, "sub.drain() must not close the connection");
});

test("connection drain: delivers pending messages, flushes own publishes, closes", async () => {
  const nc = await open();
  const other = await open();
  conns.push(nc, other);
  const got = [];
  nc.subscribe("js.drain.conn", { callback: (err, m) => !err && got.push(Number(sc.decode(m.data))) });
  nc.subscribe("js.drain.svc", { callback: (err, m) => !err && m.respond(sc.encode("alive")) });
  let otherGot = 0;
  other.subscribe("js.drain.out", { callback: () => otherGot++ });
  await within(Promise.all([nc.flush(), other.flush()]), "flush");

  // The responder answers before the drain.
  const r = await within(other.request("js.drain.svc", sc.encode("?"), { timeout: 3000 }), "request");
  assert.equal(sc.decode(r.data), "alive");

  for (let i = 0; i < N; i++) other.publish("js.drain.conn", sc.encode(String(i)));
  await within(other.flush(), "flush");
  for (let i = 0; i < N; i++) nc.publish("js.drain.out", sc.encode(String(i)));
  const closed = nc.closed();
  await within(nc.drain(), "nc.drain()");
  assert.equal(await within(closed, "closed()"), undefined, "a clean drain closes without an error");
  assert.equal(nc.isClosed(), true);
  assert.deepEqual(got, Array.from({ length: N }, (_, i) => i), "messages sent before the drain");
  assert.ok(await waitFor(() => otherGot === N), `the drained connection's publishes: ${otherGot} of ${N}`);

  // The server dropped the drained connection's interest: no responders now.
  await assert.rejects(other.request("js.drain.svc", sc.encode("?"), { timeout: 3000 }), (err) => {
    assert.equal(err.code, "503");
    return true;
  });
});

test("drain rejects new subscriptions while it runs, then closes", async () => {
  const nc = await open();
  conns.push(nc);
  nc.subscribe("js.drain.busy", { callback: () => {} });
  await within(nc.flush(), "flush");
  const d = nc.drain();
  assert.throws(() => nc.subscribe("js.drain.new"), (err) => err.code === ErrorCode.ConnectionDraining);
  await within(d, "drain");
  assert.equal(nc.isClosed(), true);
});
