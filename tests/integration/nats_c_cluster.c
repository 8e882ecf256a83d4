/* nats_c_cluster: the official C client's cluster features against a running cluster, driven step
 * by step by test_cluster_clients.py over stdin/stdout (one line each way per step):
 *   nats_c_cluster <url of node A> <url of node C>
 * 1. connects to A only; the servers A's INFO connect_urls name (B and C) join the pool as
 *    discovered servers; prints "DISCOVERED <n>";
 * 2. subscribes through A, publishes through C until a message crosses; prints "READY";
 * 3. reads "KILLED" (A was killed with SIGKILL): waits for the reconnected callback on another
 *    node and for traffic from C to reach the subscription again; prints "RESUMED <url>";
 * 4. reads "STARTED <url>" (node D joined): the async INFO fires the discovered-servers
 *    callback and D is in the pool; prints "GREW";
 * 5. reads "STOPPED <url>" (D left): waits until D is gone from the pool; prints "SHRANK".
 * Every wait is bounded; any failure prints "FAIL <why>" and exits 1. */
#define _POSIX_C_SOURCE 200809L
#include <nats/nats.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAIT_MS 15000

static atomic_int discovered = 0;
static atomic_int reconnected = 0;
static atomic_int received = 0;

static void fail(const char *why, natsStatus s)
{
    printf("FAIL %s: %s\n", why, s == NATS_OK ? "" : natsStatus_GetText(s));
    fflush(stdout);
    exit(1);
}

#define CHECK(call, why)                    \
    do {                                    \
        natsStatus s_ = (call);             \
        if (s_ != NATS_OK) fail(why, s_);   \
    } while (0)

static void say(const char *line)
{
    printf("%s\n", line);
    fflush(stdout);
}

static void expect_line(const char *prefix, char *rest, size_t size)
{
    char line[512];
    if (fgets(line, sizeof line, stdin) == NULL) fail("stdin closed", NATS_OK);
    line[strcspn(line, "\r\n")] = 0;
    if (strncmp(line, prefix, strlen(prefix)) != 0) fail("unexpected command", NATS_OK);
    if (rest != NULL) snprintf(rest, size, "%s", line + strlen(prefix));
}

static void on_discovered(natsConnection *nc, void *closure)
{
    (void) nc;
    (void) closure;
    atomic_fetch_add(&discovered, 1);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    (void) nc;
    (void) closure;
    atomic_fetch_add(&reconnected, 1);
}

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    atomic_fetch_add(&received, 1);
    natsMsg_Destroy(msg);
}

/* How many pool entries contain `needle` (NULL: the pool size). */
static int pool_count(natsConnection *nc, const char *needle)
{
    char **servers = NULL;
    int count = 0, found = 0;
    CHECK(natsConnection_GetServers(nc, &servers, &count), "GetServers");
    for (int i = 0; i < count; i++) {
        if (needle == NULL || strstr(servers[i], needle) != NULL) found++;
        free(servers[i]);
    }
    free(servers);
    return found;
}

/* Host:port of a nats:// URL, as the pool spells it. */
static const char *host_port(const char *url)
{
    const char *p = strstr(url, "://");
    return p != NULL ? p + 3 : url;
}

static bool wait_until(bool (*ready)(void *), void *arg)
{
    int64_t deadline = nats_Now() + WAIT_MS;
    while (!ready(arg)) {
        if (nats_Now() > deadline) return false;
        nats_Sleep(20);
    }
    return true;
}

struct pool_check {
    natsConnection *nc;
    const char *needle;
    int want;
    int callbacks;  /* discovered-servers callbacks to have seen too */
};

static bool pool_has(void *arg)
{
    struct pool_check *c = arg;
    return pool_count(c->nc, c->needle) == c->want && atomic_load(&discovered) >= c->callbacks;
}

static bool discovered_two(void *arg)
{
    natsConnection *nc = arg;
    char **servers = NULL;
    int count = 0;
    CHECK(natsConnection_GetDiscoveredServers(nc, &servers, &count), "GetDiscoveredServers");
    for (int i = 0; i < count; i++) free(servers[i]);
    free(servers);
    return count >= 2;
}

/* Publishes from `pub` until the subscription has `want` messages. */
static bool publish_until_received(natsConnection *pub, int want)
{
    int64_t deadline = nats_Now() + WAIT_MS;
    while (atomic_load(&received) < want) {
        if (nats_Now() > deadline) return false;
        natsConnection_PublishString(pub, "cc.x", "ping");
        natsConnection_FlushTimeout(pub, 1000);
        nats_Sleep(20);
    }
    return true;
}

static bool reconnected_elsewhere(void *arg)
{
    (void) arg;
    return atomic_load(&reconnected) > 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: nats_c_cluster <url of A> <url of C>\n");
        return 2;
    }
    const char *url_a = argv[1], *url_c = argv[2];
    natsOptions *opts = NULL;
    natsConnection *nc = NULL, *pub = NULL;
    natsSubscription *sub = NULL;
    char line[512], url[256];

    CHECK(natsOptions_Create(&opts), "options");
    CHECK(natsOptions_SetURL(opts, url_a), "SetURL");
    CHECK(natsOptions_SetNoRandomize(opts, true), "NoRandomize");
    CHECK(natsOptions_SetMaxReconnect(opts, -1), "MaxReconnect");
    CHECK(natsOptions_SetReconnectWait(opts, 100), "ReconnectWait");
    CHECK(natsOptions_SetDiscoveredServersCB(opts, on_discovered, NULL), "DiscoveredServersCB");
    CHECK(natsOptions_SetReconnectedCB(opts, on_reconnected, NULL), "ReconnectedCB");
    CHECK(natsConnection_Connect(&nc, opts), "connect to A");

    if (!wait_until(discovered_two, nc)) fail("B and C were not discovered through A", NATS_OK);
    snprintf(line, sizeof line, "DISCOVERED %d", pool_count(nc, NULL) - 1);
    say(line);

    CHECK(natsConnection_Subscribe(&sub, nc, "cc.*", on_msg, NULL), "subscribe");
    CHECK(natsConnection_Flush(nc), "flush");
    CHECK(natsConnection_ConnectTo(&pub, url_c), "connect to C");
    if (!publish_until_received(pub, 1)) fail("nothing crossed from C to A", NATS_OK);
    say("READY");

    expect_line("KILLED", NULL, 0);
    if (!wait_until(reconnected_elsewhere, NULL)) fail("no reconnect after A died", NATS_OK);
    CHECK(natsConnection_GetConnectedUrl(nc, url, sizeof url), "GetConnectedUrl");
    if (strstr(url, host_port(url_a)) != NULL) fail("reconnected to the dead node", NATS_OK);
    int before = atomic_load(&received);
    if (!publish_until_received(pub, before + 1)) fail("traffic did not resume after the reconnect", NATS_OK);
    const int callbacks_before_d = atomic_load(&discovered);  /* D starts after this line */
    snprintf(line, sizeof line, "RESUMED %s", url);
    say(line);

    char joined[256];
    expect_line("STARTED ", joined, sizeof joined);
    struct pool_check grew = {nc, host_port(joined), 1, callbacks_before_d + 1};
    if (!wait_until(pool_has, &grew)) {
        printf("INFO pool has %d of %s, %d callbacks (want %d)\n", pool_count(nc, grew.needle), grew.needle,
               atomic_load(&discovered), grew.callbacks);
        fail("the new node never joined the pool with a callback", NATS_OK);
    }
    say("GREW");

    expect_line("STOPPED ", joined, sizeof joined);
    struct pool_check shrank = {nc, host_port(joined), 0, 0};
    if (!wait_until(pool_has, &shrank)) fail("the stopped node stayed in the pool", NATS_OK);
    say("SHRANK");

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(pub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    return 0;
}
