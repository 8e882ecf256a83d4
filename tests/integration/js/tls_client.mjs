// tls_client.mjs: connects to a NATS server over TLS with nats.js and checks that it works: a
// request/reply round trip and 100 messages through a subscription, then a clean close.
//   NATS_URL=nats://127.0.0.1:4222 TLS_CA=ca.pem [TLS_CERT=c.pem TLS_KEY=k.pem] EXPECT=ok|fail node tls_client.mjs
// Exits 0 when the outcome is the expected one (a failed connect for EXPECT=fail), else 1.
import { StringCodec } from "nats";
import { open, serverUrl, within } from "./helpers.mjs";

const sc = StringCodec();

async function exercise(nc) {
  const echo = nc.subscribe("svc.echo", { callback: (_, m) => m.respond(m.data) });
  const reply = await nc.request("svc.echo", sc.encode("hello over tls"), { timeout: 5000 });
  if (sc.decode(reply.data) !== "hello over tls") throw new Error(`request: got ${sc.decode(reply.data)}`);
  echo.unsubscribe();
  const sub = nc.subscribe("tls.stream", { max: 100 });
  for (let i = 0; i < 100; i++) nc.publish("tls.stream", sc.encode(String(i)));
  let i = 0;
  await within((async () => {
    for await (const m of sub) {
      if (sc.decode(m.data) !== String(i)) throw new Error(`message ${i}: got ${sc.decode(m.data)}`);
      i++;
    }
  })(), "100 messages", 5000);
  await nc.flush();
}

const tls = { caFile: process.env.TLS_CA };
if (process.env.TLS_CERT) {
  tls.certFile = process.env.TLS_CERT;
  tls.keyFile = process.env.TLS_KEY;
}
const expect = process.env.EXPECT || "ok";
let error = null;
try {
  const nc = await open({ servers: serverUrl(), tls, timeout: 5000 });
  try {
    await exercise(nc);
  } finally {
    await nc.close();
  }
} catch (e) {
  error = e;
}
if (expect === "ok" && error === null) {
  console.log("ok");
} else if (expect === "fail" && error !== null) {
  console.log(`failed as expected: ${error.message}`);
} else {
  console.log(`unexpected outcome (want ${expect}): ${error ? error.message : "connected"}`);
  process.exit(1);
}
