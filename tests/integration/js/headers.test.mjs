// Headers round trip through the server (HPUB -> HMSG): several keys, repeated values, an empty
// payload, headers on a reply, and a header-less message staying header-less.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { headers, StringCodec, Empty } from "nats";
import { open, within, closeAll, reader, WAIT_MS } from "./helpers.mjs";

const sc = StringCodec();
const conns = [];
after(() => closeAll(conns));

test("headers survive publish -> subscribe across connections", async () => {
  const pub = await open();
  const subc = await open();
  conns.push(pub, subc);
  const sub = reader(subc.subscribe("js.hdr.x", { max: 3 }));
  await within(subc.flush(), "flush");

  const h = headers();
  h.set("X-Interop", "yes");
  h.append("X-Multi", "one");
  h.append("X-Multi", "two");
  h.set("X-Spaces", "a b  c");
  pub.publish("js.hdr.x", sc.encode("body"), { headers: h });
  const h2 = headers();
  h2.set("Only", "header");
  pub.publish("js.hdr.x", Empty, { headers: h2 });
  pub.publish("js.hdr.x", sc.encode("plain"));
  await within(pub.flush(), "flush");

  const m1 = await sub.next("first message");
  assert.equal(sc.decode(m1.data), "body");
  assert.ok(m1.headers, "headers missing");
  assert.equal(m1.headers.get("X-Interop"), "yes");
  assert.deepEqual(m1.headers.values("X-Multi"), ["one", "two"]);
  assert.equal(m1.headers.get("X-Spaces"), "a b  c");
  assert.equal(m1.headers.hasError, false);

  const m2 = await sub.next("second message");
  assert.equal(m2.data.length, 0);
  assert.equal(m2.headers.get("Only"), "header");

  const m3 = await sub.next("third message");
  assert.equal(sc.decode(m3.data), "plain");
  assert.equal(m3.headers, undefined, "a plain PUB arrived with headers");
});

test("headers on a request and on its reply", async () => {
  const a = await open();
  const b = await open();
  conns.push(a, b);
  const svc = a.subscribe("js.hdr.svc", {
    callback: (err, m) => {
      if (err) return;
      const rh = headers();
      rh.set("Echo", m.headers ? m.headers.get("Ask") : "none");
      m.respond(sc.encode("ok"), { headers: rh });
    },
  });
  await within(a.flush(), "flush");
  for (const noMux of [false, true]) {
    const h = headers();
    h.set("Ask", `q-${noMux}`);
    const r = await within(
      b.request("js.hdr.svc", Empty, { timeout: WAIT_MS, headers: h, noMux }),
      `request noMux=${noMux}`,
    );
    assert.equal(sc.decode(r.data), "ok");
    assert.equal(r.headers.get("Echo"), `q-${noMux}`);
  }
  svc.unsubscribe();
});

test("a large header block", async () => {
  const pub = await open();
  conns.push(pub);
  const sub = reader(pub.subscribe("js.hdr.big", { max: 1 }));
  await within(pub.flush(), "flush");
  const h = headers();
  const big = "v".repeat(16000);
  for (let i = 0; i < 4; i++) h.set(`K${i}`, big);
  pub.publish("js.hdr.big", sc.encode("tail"), { headers: h });
  const m = await sub.next("big header message");
  assert.equal(sc.decode(m.data), "tail");
  for (let i = 0; i < 4; i++) assert.equal(m.headers.get(`K${i}`), big);
});
