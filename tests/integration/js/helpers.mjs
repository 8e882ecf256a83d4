// Shared helpers for the nats.js interop tests. The server URL comes from the environment
// (NATS_URL, set by run_with_server.py); every wait is bounded.
import { connect } from "nats";

export const WAIT_MS = 3000; // the longest any single wait may take

export function serverUrl() {
  const url = process.env.NATS_URL;
  if (!url) {
    throw new Error("NATS_URL is not set (run through tests/integration/run_with_server.py)");
  }
  return url;
}

// A connection that never reconnects, so a server close shows up as closed() resolving.
export function open(opts = {}) {
  return connect({
    servers: serverUrl(),
    reconnect: false,
    timeout: WAIT_MS,
    ...opts,
  });
}

// Rejects with `what` if `p` does not settle within ms.
export function within(p, what, ms = WAIT_MS) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Polls cond() every 5 ms until true or ms pass; returns the final cond().
export async function waitFor(cond, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) {
    await sleep(5);
  }
  return cond();
}

// Closes every connection still open, whatever state the test left them in.
export async function closeAll(conns) {
  for (const nc of conns) {
    if (nc && !nc.isClosed()) {
      await within(nc.close(), "close").catch(() => {});
    }
  }
}

// Wraps an iterator-style subscription: next(what) returns the next message within WAIT_MS
// (an async iterator may be taken only once per subscription in nats.js).
export function reader(sub) {
  const it = sub[Symbol.asyncIterator]();
  return {
    async next(what, ms = WAIT_MS) {
      const r = await within(it.next(), what, ms);
      if (r.done) throw new Error(`${what}: the subscription ended`);
      return r.value;
    },
  };
}
