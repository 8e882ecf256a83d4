// Auto-unsubscribe: subscribe({max}) sends UNSUB <sid> <max>, so the server stops delivering after
// max messages; sub.unsubscribe(max) later in the life of a subscription counts what was already
// delivered.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { StringCodec } from "nats";
import { open, within, closeAll, waitFor, sleep } from "./helpers.mjs";

const sc = StringCodec();
const conns = [];
after(() => closeAll(conns));

test("subscribe with max: exactly max messages, then closed", async () => {
  const nc = await open();
  const pub = await open();
  conns.push(nc, pub);
  const got = [];
  const sub = nc.subscribe("js.auto.x", { max: 5, callback: (err, m) => !err && got.push(sc.decode(m.data)) });
  await within(nc.flush(), "flush");
  for (let i = 0; i < 20; i++) pub.publish("js.auto.x", sc.encode(String(i)));
  await within(pub.flush(), "flush");
  await within(sub.closed, "subscription closed after max");
  await within(nc.flush(), "flush");
  await sleep(50);
  assert.deepEqual(got, ["0", "1", "2", "3", "4"]);
  assert.equal(sub.getReceived(), 5);
  assert.equal(sub.isClosed(), true);
});

test("the server itself stops at max (not only the client)", async () => {
  // nats.js would drop extra messages on its own side too, so count what came off the wire:
  // stats().inMsgs counts every MSG the connection parsed.
  const nc = await open();
  const pub = await open();
  conns.push(nc, pub);
  const sub = nc.subscribe("js.auto.y", { max: 3, callback: () => {} });
  await within(nc.flush(), "flush");
  for (let i = 0; i < 50; i++) pub.publish("js.auto.y", sc.encode(String(i)));
  await within(pub.flush(), "flush");
  await within(nc.flush(), "flush");
  await sleep(50);
  assert.equal(sub.getReceived(), 3);
  assert.equal(nc.stats().inMsgs, 3, "the server delivered more than max");
});

test("unsubscribe(max) after some deliveries counts them", async () => {
  const nc = await open();
  const pub = await open();
  conns.push(nc, pub);
  let n = 0;
  const sub = nc.subscribe("js.auto.z", { callback: () => n++ });
  await within(nc.flush(), "flush");
  for (let i = 0; i < 2; i++) pub.publish("js.auto.z", sc.encode("a"));
  await within(pub.flush(), "flush");
  assert.ok(await waitFor(() => n === 2), `got ${n} of the first 2`);
  sub.unsubscribe(5); // UNSUB sid 5: 3 more
  await within(nc.flush(), "flush");
  for (let i = 0; i < 10; i++) pub.publish("js.auto.z", sc.encode("b"));
  await within(pub.flush(), "flush");
  await within(sub.closed, "subscription closed after max");
  await within(nc.flush(), "flush");
  await sleep(50);
  assert.equal(n, 5);
  assert.equal(nc.stats().inMsgs, 5, "the server delivered more than max");
});

test("old-style request uses max 1 on its inbox", async () => {
  const nc = await open();
  conns.push(nc);
  // Two responders: both answer, the requester's inbox takes only the first.
  const mk = (tag) =>
    nc.subscribe("js.auto.svc", { callback: (err, m) => !err && m.respond(sc.encode(tag)) });
  const s1 = mk("r1");
  const s2 = mk("r2");
  await within(nc.flush(), "flush");
  const before = nc.stats().inMsgs;
  const r = await within(nc.request("js.auto.svc", sc.encode("q"), { noMux: true, timeout: 3000 }), "request");
  assert.ok(["r1", "r2"].includes(sc.decode(r.data)));
  await within(nc.flush(), "flush");
  await sleep(50);
  // 1 request delivered to each responder + exactly 1 reply to the inbox.
  assert.equal(nc.stats().inMsgs - before, 3);
  s1.unsubscribe();
  s2.unsubscribe();
});
