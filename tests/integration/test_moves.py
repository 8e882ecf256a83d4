"""Moving client connections between workers (--move_connections, docs/architecture.md, Moving
connections): a client whose messages mostly come from another worker moves there. The move must
be invisible to clients: every message exactly once and in each publisher's order while
publishers on every worker go on (also what the moving client itself publishes), and the moved
connection keeps its cid, subscriptions, permissions and statistics. zats-only (nats-server has
no workers), so it skips when the server under test is not zats."""
import json
import re
import threading
import time
import unittest
import urllib.request

import harness
from test_workers import MsgReader, Placed, on_distinct_workers, ping_through_keepalive

WORKERS = 2


is_zats = harness.is_zats


def start_server(*extra, workers=WORKERS):
    http = harness.free_port()
    server = harness.Server("--cores", str(workers), "--placement", "round-robin", "-D", "-m", str(http), *extra)
    server.http = http
    return server


def workers(server):
    varz = json.loads(urllib.request.urlopen("http://127.0.0.1:%d/varz" % server.http, timeout=5).read())
    return varz["zats"]["workers"]


def moves(server):
    return sum(w["connections_moved_in"] for w in workers(server))


def worker_now(server, placed):
    """The worker a connection is on, by the server's debug log (a move given up leaves it where
    it was). A move logs as it starts, so this may run a moment ahead of the move's end."""
    where = placed.worker
    moving = re.compile(r"cid:%d - (moving from worker (\d+) to worker (\d+)|move to worker \d+ given up)" % placed.cid)
    origin = where
    for m in moving.finditer(server.full_log()):
        if m.group(2) is not None:
            origin, where = int(m.group(2)), int(m.group(3))
        else:
            where = origin
    return where


def given_up(server):
    """Moves given up waiting for their barriers (a starved machine): the client stayed."""
    return sum(w["moves_given_up"] for w in workers(server))


def connz(server):
    url = "http://127.0.0.1:%d/connz?subs=1" % server.http
    return {c["cid"]: c for c in json.loads(urllib.request.urlopen(url, timeout=5).read())["connections"]}


def server_story(server):
    """The log lines that tell why a connection went: for a failure's message."""
    keep = ("Slow Consumer", "moving", "lost", "closed", "Error", "ERR")
    return "\n".join([l for l in server.full_log().splitlines() if any(k in l for k in keep)][-40:])


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class Publisher(threading.Thread):
    """Publishes "<name>:<seq>" on `subject` in batches until stopped; `rate` batches of `batch`."""

    def __init__(self, placed, name, subject, batch):
        super().__init__(daemon=True)
        self.placed, self.label, self.subject, self.batch = placed, name.encode(), subject.encode(), batch
        self.sent = 0
        self.stopping = threading.Event()
        self.error = None

    def run(self):
        try:
            while not self.stopping.is_set():
                frames = []
                for _ in range(self.batch):
                    payload = b"%s:%d" % (self.label, self.sent)
                    frames.append(b"PUB %s %d\r\n%s\r\n" % (self.subject, len(payload), payload))
                    self.sent += 1
                self.placed.conn.send(b"".join(frames))
                time.sleep(0.002)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def finish(self, ping=True):
        """Stops; with ping, waits until the server has taken everything sent (a PONG)."""
        self.stopping.set()
        self.join(timeout=30)
        if ping:
            ping_through_keepalive(self.placed.conn, timeout=30)


def check_sequences(test, msgs, counts):
    """Every publisher's messages exactly once, in order."""
    got = {}
    for _, _, payload in msgs:
        name, seq = payload.split(b":")
        got.setdefault(name.decode(), []).append(int(seq))
    for name, n in counts.items():
        test.assertEqual(got.get(name, []), list(range(n)), "publisher %s" % name)


@unittest.skipUnless(is_zats(), "zats-only: needs --cores and --move_connections")
class TestMoves(unittest.TestCase):
    def test_requester_joins_its_responder_and_keeps_what_it_is(self):
        self.check_request_reply(moving=True)

    def test_without_moves_everyone_stays_where_placed(self):
        self.check_request_reply(moving=False)

    def check_request_reply(self, moving):
        with start_server("--move_connections=%s" % ("true" if moving else "false")) as s:
            responder, requester = on_distinct_workers(s, 2)
            responder.conn.send(b"SUB svc 1\r\nPING\r\n")
            responder.conn.expect(b"PONG\r\n")
            requester.conn.send(b"SUB inbox.> 7\r\nPING\r\n")
            requester.conn.expect(b"PONG\r\n")
            stop = threading.Event()

            def respond():
                while not stop.is_set():
                    try:
                        line = responder.conn.read_until(b"\r\n", timeout=0.2)
                    except Exception:  # noqa: BLE001 - a timeout: look at stop again
                        continue
                    if line.startswith(b"PING"):
                        responder.conn.send(b"PONG\r\n")
                        continue
                    size = int(line.split()[-1])
                    p = responder.conn.read_exactly(size + 2)[:-2]
                    responder.conn.send(b"PUB inbox.%s %d\r\n%s\r\n" % (p, len(p), p))

            t = threading.Thread(target=respond, daemon=True)
            t.start()
            sent = 0

            def request():
                nonlocal sent
                p = b"%d" % sent
                requester.conn.send(b"PUB svc %d\r\n%s\r\n" % (len(p), p))
                frame = requester.conn.read_until(b"\r\n")
                while frame.startswith(b"PING"):
                    requester.conn.send(b"PONG\r\n")
                    frame = requester.conn.read_until(b"\r\n")
                self.assertEqual(frame, b"MSG inbox.%s 7 %d\r\n" % (p, len(p)))
                self.assertEqual(requester.conn.read_exactly(len(p) + 2), p + b"\r\n")
                sent += 1

            deadline = time.monotonic() + (30 if moving else 1)
            while moves(s) == 0 and time.monotonic() < deadline:
                for _ in range(50):
                    request()
            if not moving:
                stop.set()
                t.join(timeout=10)
                self.assertEqual(moves(s), 0)
                self.assertEqual([w["connections"] for w in workers(s)], [1, 1])
                return
            self.assertEqual(moves(s), 1, "exactly one of the two moved to the other")
            for _ in range(50):
                request()  # still served after the move
            stop.set()
            t.join(timeout=10)
            # Both now on one worker; the moved one kept its cid, subscription and counts.
            counts = [w["connections"] for w in workers(s)]
            self.assertEqual(sorted(counts), [0, 2])
            self.assertEqual(moves(s), 1, "and then stayed")
            conns = connz(s)
            self.assertEqual(set(conns), {responder.cid, requester.cid})
            self.assertEqual(conns[requester.cid]["subscriptions_list"], ["inbox.>"])
            self.assertEqual(conns[responder.cid]["subscriptions_list"], ["svc"])
            for c in (requester.cid, responder.cid):
                self.assertEqual(conns[c]["in_msgs"], sent)
                self.assertEqual(conns[c]["out_msgs"], sent)

    def test_a_fan_out_to_every_worker_moves_no_one(self):
        # Each message goes to three other workers anyway: moving a subscriber would save nothing.
        with start_server(workers=4) as s:
            pub, *subs = on_distinct_workers(s, 4)
            for c in subs:
                c.conn.send(b"SUB fan 1\r\nPING\r\n")
                c.conn.expect(b"PONG\r\n")
            readers = [c.reader() for c in subs]
            sent = 0
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:
                pub.conn.send(b"PUB fan 2\r\nhi\r\n" * 500)
                sent += 500
                time.sleep(0.01)
            ping_through_keepalive(pub.conn, timeout=30)
            for r in readers:
                self.assertEqual(r.wait_for(sent, timeout=30), sent)
            self.assertEqual(moves(s), 0)

    def test_every_message_once_and_in_order_while_a_subscriber_moves_back_and_forth(self):
        self.check_moving_subscriber()

    def test_the_same_with_four_workers(self):
        self.check_moving_subscriber(workers=4)

    def test_the_same_on_the_5_19_tier_with_plain_descriptors(self):
        # Without FIXED_FD_INSTALL a registered socket stays put; a plain one still moves.
        self.check_moving_subscriber("--io_uring_tier=5.19", "--registered_files", "0")

    def check_moving_subscriber(self, *extra, workers=WORKERS):
        with start_server(*extra, workers=workers) as s:
            sub, near, far = on_distinct_workers(s, 3) if workers > 2 else on_distinct_workers(s, 2) + [Placed(s)]
            # Publishers on the subscriber's worker and on others (near and far).
            sub.conn.send(b"SUB mv.* 1\r\nSUB mv.x 2\r\nPING\r\n")
            sub.conn.expect(b"PONG\r\n")
            # What the moving client publishes must reach a watcher in order too.
            watcher = Placed(s)
            watcher.conn.send(b"SUB from.sub 1\r\nPING\r\n")
            watcher.conn.expect(b"PONG\r\n")
            watched = watcher.reader()
            reader = sub.reader()
            pubs = {}
            for placed in [near, far] + [Placed(s) for _ in range(workers)]:
                name = "p%d" % placed.cid
                pubs[name] = Publisher(placed, name, "mv.x", batch=20)
            own = Publisher(sub, "sub", "from.sub", batch=5)
            for p in list(pubs.values()) + [own]:
                p.start()
            # Shift the load: one worker's publishers heavy, then the other's, a few times over.
            by_worker = {}
            for p in pubs.values():
                by_worker.setdefault(p.placed.worker, []).append(p)
            followed = 0
            for phase in range(6):
                heavy = sorted(by_worker)[phase % 2]
                for w, ps in by_worker.items():
                    for p in ps:
                        p.batch = 60 if w == heavy else 3
                # It follows the load (or, should the watcher move first, a look later).
                followed += wait_until(lambda: worker_now(s, sub) == heavy, timeout=5)
            for p in pubs.values():
                p.finish()
                self.assertIsNone(p.error)
            own.finish(ping=False)  # the subscriber's socket is its reader's: the watcher's count tells
            self.assertIsNone(own.error, server_story(s))
            counts = {name: p.sent for name, p in pubs.items()}
            total = sum(counts.values())
            # sid 1 (mv.*) and sid 2 (mv.x) each get every message.
            self.assertEqual(reader.wait_for(2 * total, timeout=60), 2 * total)
            time.sleep(0.2)  # a duplicate would arrive now
            for sid in ("1", "2"):
                check_sequences(self, [m for m in reader.msgs if m[1] == sid], counts)
            self.assertEqual(watched.wait_for(own.sent, timeout=30), own.sent)
            check_sequences(self, watched.msgs, {"sub": own.sent})
            self.assertGreaterEqual(followed, 2, "the subscriber followed the load (%d moves given up)" % given_up(s))
            self.assertEqual(len(connz(s)[sub.cid]["subscriptions_list"]), 2)


if __name__ == "__main__":
    harness.run_tests()
