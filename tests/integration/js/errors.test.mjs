// The async error path: a server -ERR reaches the nats.js client as an `error` event on
// nc.status() (the text is kept as the protocol's lastError); when the server also closes,
// nc.closed() resolves with an error.
//  - SUB with an invalid subject (nats.js does not validate it): -ERR 'Invalid Subject', stays open
//  - pedantic PUB to a wildcard subject: -ERR 'Invalid Publish Subject', stays open, still routed
//  - PUB with a reserved reply prefix _R_.: -ERR 'Permissions Violation ...', stays open
//  - PUB bigger than max_payload (the client's own check bypassed by raising the max_payload it
//    read from INFO): -ERR 'Maximum Payload Violation' and a close
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, Events, StringCodec } from "nats";
import { open, within, closeAll, waitFor, sleep, reader } from "./helpers.mjs";

const sc = StringCodec();
const conns = [];
after(() => closeAll(conns));

// Collects every status event of nc in order.
function watch(nc) {
  const events = [];
  (async () => {
    for await (const s of nc.status()) events.push(s);
  })().catch(() => {});
  return events;
}

const errorsOf = (events) => events.filter((e) => e.type === Events.Error);

test("SUB to an invalid subject: -ERR 'Invalid Subject', connection stays open", async () => {
  const nc = await open();
  conns.push(nc);
  const events = watch(nc);
  nc.subscribe("js.err..bad", { callback: () => {} });
  await within(nc.flush(), "flush after the bad SUB");
  assert.ok(await waitFor(() => errorsOf(events).length === 1), `status events: ${JSON.stringify(events)}`);
  assert.equal(errorsOf(events)[0].data, ErrorCode.ProtocolError);
  assert.equal(nc.protocol.lastError?.message, "'Invalid Subject'");
  assert.equal(nc.isClosed(), false);
  // Still usable: a request round trip works.
  const svc = nc.subscribe("js.err.ok", { callback: (e, m) => !e && m.respond(sc.encode("fine")) });
  const r = await within(nc.request("js.err.ok", sc.encode("?"), { timeout: 3000 }), "request");
  assert.equal(sc.decode(r.data), "fine");
  svc.unsubscribe();
  await sleep(50);
  assert.equal(errorsOf(events).length, 1, "more than one error event");
});

test("pedantic PUB to a wildcard subject: -ERR 'Invalid Publish Subject', still routed", async () => {
  const nc = await open({ pedantic: true });
  const watcher = await open();
  conns.push(nc, watcher);
  const events = watch(nc);
  const sub = reader(watcher.subscribe("js.ped.>"));
  await within(watcher.flush(), "flush");
  nc.publish("js.ped.*", sc.encode("wild"));
  await within(nc.flush(), "flush");
  assert.ok(await waitFor(() => errorsOf(events).length >= 1), `status events: ${JSON.stringify(events)}`);
  assert.equal(errorsOf(events)[0].data, ErrorCode.ProtocolError);
  assert.equal(nc.protocol.lastError?.message, "'Invalid Publish Subject'");
  assert.equal(nc.isClosed(), false);
  const m = await sub.next("the pedantic-rejected message is still routed");
  assert.equal(m.subject, "js.ped.*");
  assert.equal(sc.decode(m.data), "wild");
  // A valid publish from the same connection gets no error.
  nc.publish("js.ped.ok", sc.encode("ok"));
  await within(nc.flush(), "flush");
  assert.equal((await sub.next("valid publish")).subject, "js.ped.ok");
  await sleep(50);
  assert.equal(errorsOf(events).length, 1, `status events: ${JSON.stringify(events)}`);
});

test("PUB with a reserved _R_. reply: permissions -ERR, dropped, stays open", async () => {
  const nc = await open();
  const watcher = await open();
  conns.push(nc, watcher);
  const events = watch(nc);
  let seen = 0;
  watcher.subscribe("js.perm.x", { callback: () => seen++ });
  await within(watcher.flush(), "flush");
  nc.publish("js.perm.x", sc.encode("x"), { reply: "_R_.abc" });
  await within(nc.flush(), "flush");
  assert.ok(await waitFor(() => errorsOf(events).length === 1), `status events: ${JSON.stringify(events)}`);
  assert.equal(errorsOf(events)[0].data, ErrorCode.PermissionsViolation);
  assert.equal(nc.isClosed(), false);
  await within(watcher.flush(), "flush");
  assert.equal(seen, 0, "the message with a reserved reply was delivered");
  nc.publish("js.perm.x", sc.encode("y"));
  await within(nc.flush(), "flush");
  assert.ok(await waitFor(() => seen === 1), "a normal publish afterwards");
});

test("PUB over max_payload: -ERR 'Maximum Payload Violation', then a close", async () => {
  const nc = await open();
  conns.push(nc);
  const events = watch(nc);
  const max = nc.info.max_payload;
  assert.equal(max, 1048576, "max_payload from INFO");
  // The client refuses on its own first.
  assert.throws(() => nc.publish("js.big", new Uint8Array(max + 1)), (e) => e.code === ErrorCode.MaxPayloadExceeded);
  // Bypass the client's check so the server sees the oversized PUB.
  nc.protocol.info.max_payload = max * 4;
  nc.publish("js.big", new Uint8Array(max + 1));
  const err = await within(nc.closed(), "closed() after the server's -ERR");
  // The server closes with most of the payload unread, so the client's socket gets a reset and
  // nats.js resolves closed() with that socket error (it prefers it to the -ERR it read).
  assert.ok(err, "closed() resolved without an error");
  assert.ok([ErrorCode.ProtocolError, "ECONNRESET", "EPIPE"].includes(err.code), `closed() error: ${err.code} ${err.message}`);
  assert.equal(nc.isClosed(), true);
  // The -ERR itself arrived, before the disconnect.
  assert.equal(nc.protocol.lastError?.message, "'Maximum Payload Violation'");
  const types = events.map((e) => e.type);
  assert.deepEqual(errorsOf(events).map((e) => e.data), [ErrorCode.ProtocolError], `status events: ${JSON.stringify(events)}`);
  assert.ok(types.includes(Events.Disconnect), `status events: ${JSON.stringify(events)}`);
  assert.ok(types.indexOf(Events.Error) < types.indexOf(Events.Disconnect), "the -ERR came after the close");
});

test("a payload of exactly max_payload is accepted", async () => {
  const nc = await open();
  conns.push(nc);
  const max = nc.info.max_payload;
  const sub = reader(nc.subscribe("js.big.ok", { max: 1 }));
  await within(nc.flush(), "flush");
  const data = new Uint8Array(max).map((_, i) => i & 0xff);
  nc.publish("js.big.ok", data);
  const m = await sub.next("max_payload message", 10000);
  assert.equal(m.data.length, max);
  assert.deepEqual(m.data, data);
});
