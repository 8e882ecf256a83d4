// Request/reply: new-style (one muxed inbox subscription) and old-style (noMux: a fresh inbox
// subscription per request), on the responder's connection and on another one.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { StringCodec } from "nats";
import { open, within, closeAll, WAIT_MS } from "./helpers.mjs";

const sc = StringCodec();
const conns = [];
after(() => closeAll(conns));

async function responder(nc, subject) {
  const sub = nc.subscribe(subject, {
    callback: (err, m) => {
      if (!err) m.respond(sc.encode("echo:" + sc.decode(m.data)));
    },
  });
  await within(nc.flush(), "responder flush");
  return sub;
}

test("muxed requests, same and other connection", async () => {
  const a = await open();
  const b = await open();
  conns.push(a, b);
  const sub = await responder(a, "js.rr.mux");
  for (const nc of [a, b]) {
    const replies = await within(
      Promise.all(
        Array.from({ length: 20 }, (_, i) => nc.request("js.rr.mux", sc.encode(`m-${i}`), { timeout: WAIT_MS })),
      ),
      "20 concurrent muxed requests",
    );
    replies.forEach((r, i) => assert.equal(sc.decode(r.data), `echo:m-${i}`));
    // Every reply went to the single muxed inbox: its subject starts with the client's inbox prefix.
    for (const r of replies) assert.match(r.subject, /^_INBOX\.[A-Za-z0-9]+\.[A-Za-z0-9]+$/);
  }
  sub.unsubscribe();
});

test("old-style requests (noMux)", async () => {
  const a = await open();
  const b = await open();
  conns.push(a, b);
  const sub = await responder(a, "js.rr.old");
  for (let i = 0; i < 10; i++) {
    const r = await within(
      b.request("js.rr.old", sc.encode(`o-${i}`), { timeout: WAIT_MS, noMux: true }),
      "old-style request",
    );
    assert.equal(sc.decode(r.data), `echo:o-${i}`);
    assert.match(r.subject, /^_INBOX\.[A-Za-z0-9]+$/);
  }
  sub.unsubscribe();
});

test("request with a reply to a subject with many responders takes the first", async () => {
  const a = await open();
  conns.push(a);
  const s1 = await responder(a, "js.rr.many");
  const s2 = await responder(a, "js.rr.many");
  const r = await within(a.request("js.rr.many", sc.encode("x"), { timeout: WAIT_MS }), "request");
  assert.equal(sc.decode(r.data), "echo:x");
  s1.unsubscribe();
  s2.unsubscribe();
});

test("request times out when the responder never answers", async () => {
  const a = await open();
  conns.push(a);
  const silent = a.subscribe("js.rr.silent"); // a subscriber, so no 503, but it never replies
  await within(a.flush(), "flush");
  const start = Date.now();
  await assert.rejects(a.request("js.rr.silent", sc.encode("x"), { timeout: 300 }), (err) => {
    assert.equal(err.code, "TIMEOUT");
    return true;
  });
  assert.ok(Date.now() - start >= 250, "timed out too early");
  silent.unsubscribe();
});
