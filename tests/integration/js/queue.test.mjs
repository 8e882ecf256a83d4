// Queue subscriptions: N messages over a group of 3 members (on 3 connections) are spread so that
// each member gets some, the total is exactly N and no message arrives twice; a plain subscriber
// on the same subject still gets all N; two different groups each get all N.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { StringCodec } from "nats";
import { open, within, closeAll, waitFor, sleep } from "./helpers.mjs";

const sc = StringCodec();
const conns = [];
after(() => closeAll(conns));

const N = 600;

function member(nc, subject, queue, seen, counts, k) {
  counts[k] = 0;
  return nc.subscribe(subject, {
    queue,
    callback: (err, m) => {
      if (err) return;
      const i = Number(sc.decode(m.data));
      seen[i] = (seen[i] || 0) + 1;
      counts[k]++;
    },
  });
}

test("3 members share N messages: each some, total N, none twice", async () => {
  const members = [await open(), await open(), await open()];
  const pub = await open();
  conns.push(...members, pub);
  const seen = new Array(N).fill(0);
  const counts = [];
  let plain = 0;
  const subs = members.map((nc, k) => member(nc, "js.queue.x", "workers", seen, counts, k));
  const plainSub = pub.subscribe("js.queue.x", { callback: () => plain++ });
  await within(Promise.all(members.map((nc) => nc.flush())), "members flush");
  await within(pub.flush(), "pub flush");

  for (let i = 0; i < N; i++) pub.publish("js.queue.x", sc.encode(String(i)));
  await within(pub.flush(), "pub flush");

  const total = () => counts.reduce((a, b) => a + b, 0);
  assert.ok(await waitFor(() => total() >= N && plain >= N), `only ${total()} queue / ${plain} plain of ${N}`);
  await within(Promise.all(members.map((nc) => nc.flush())), "members flush");
  await sleep(100);
  assert.equal(total(), N, "queue group total");
  assert.equal(plain, N, "plain subscriber total");
  for (let i = 0; i < N; i++) assert.equal(seen[i], 1, `message ${i} delivered ${seen[i]} times`);
  counts.forEach((c, k) => assert.ok(c > 0, `member ${k} got nothing (counts ${counts})`));
  subs.forEach((s) => s.unsubscribe());
  plainSub.unsubscribe();
});

test("two groups on one subject each get every message once", async () => {
  const a = await open();
  const b = await open();
  conns.push(a, b);
  const seenA = new Array(N).fill(0);
  const seenB = new Array(N).fill(0);
  const ca = [];
  const cb = [];
  const subs = [
    member(a, "js.queue.y", "ga", seenA, ca, 0),
    member(b, "js.queue.y", "ga", seenA, ca, 1),
    member(a, "js.queue.y", "gb", seenB, cb, 0),
    member(b, "js.queue.y", "gb", seenB, cb, 1),
  ];
  await within(Promise.all([a.flush(), b.flush()]), "flush");
  for (let i = 0; i < N; i++) a.publish("js.queue.y", sc.encode(String(i)));
  await within(a.flush(), "flush");
  const sum = (c) => c.reduce((x, y) => x + y, 0);
  assert.ok(await waitFor(() => sum(ca) >= N && sum(cb) >= N), `got ${sum(ca)} / ${sum(cb)} of ${N}`);
  await within(Promise.all([a.flush(), b.flush()]), "flush");
  await sleep(100);
  assert.equal(sum(ca), N);
  assert.equal(sum(cb), N);
  for (let i = 0; i < N; i++) {
    assert.equal(seenA[i], 1, `group ga: message ${i}`);
    assert.equal(seenB[i], 1, `group gb: message ${i}`);
  }
  subs.forEach((s) => s.unsubscribe());
});
