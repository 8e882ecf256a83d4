// No responders: a request to a subject nobody subscribes to rejects at once with the 503
// no-responders error (the server's `NATS/1.0 503` status message), muxed and old style.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, StringCodec } from "nats";
import { open, within, closeAll, WAIT_MS } from "./helpers.mjs";

const sc = StringCodec();
const conns = [];
after(() => closeAll(conns));

for (const noMux of [false, true]) {
  test(`request to a subject with no subscriber rejects with 503 (noMux=${noMux})`, async () => {
    const nc = await open();
    conns.push(nc);
    const start = Date.now();
    await assert.rejects(
      within(nc.request("js.nobody.home", sc.encode("hello"), { timeout: WAIT_MS, noMux }), "request"),
      (err) => {
        assert.equal(err.code, ErrorCode.NoResponders);
        assert.equal(err.code, "503");
        return true;
      },
    );
    assert.ok(Date.now() - start < WAIT_MS / 2, "the no-responders answer was not immediate");
    // The connection is still usable afterwards.
    await within(nc.flush(), "flush after 503");
  });
}

test("a subscriber on another connection counts as a responder", async () => {
  const a = await open();
  const b = await open();
  conns.push(a, b);
  const svc = a.subscribe("js.nobody.later", {
    callback: (err, m) => {
      if (!err) m.respond(sc.encode("here"));
    },
  });
  await within(a.flush(), "flush");
  const r = await within(b.request("js.nobody.later", sc.encode("x"), { timeout: WAIT_MS }), "request");
  assert.equal(sc.decode(r.data), "here");
  svc.unsubscribe();
  await within(a.flush(), "flush");
  await assert.rejects(b.request("js.nobody.later", sc.encode("x"), { timeout: WAIT_MS }), (err) => {
    assert.equal(err.code, "503");
    return true;
  });
});
