/* nats_c_interop: checks a running server with the nats.c client library (libnats): connect, publish,
 * sync and async subscriptions, headers, request/reply (muxed, old-style, manual inbox), no-responders
 * and a two-member queue group. Usage: nats_c_interop <url>. Exits 0 if all pass, else 1 naming the check. */
#define _POSIX_C_SOURCE 200809L
#include <nats/nats.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAIT_MS 3000 /* the longest any single wait may take */

static const char *current = "startup";

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "FAIL [%s]: %s: %s\n", current, what, detail);
    nats_PrintLastErrorStack(stderr);
    exit(1);
}

#define CHECK(call)                                                     \
    do {                                                                \
        natsStatus s_ = (call);                                         \
        if (s_ != NATS_OK) fail(#call, natsStatus_GetText(s_));         \
    } while (0)

#define EXPECT(cond, detail)                                            \
    do {                                                                \
        if (!(cond)) fail(#cond, detail);                               \
    } while (0)

static void step(const char *name)
{
    current = name;
    printf("-- %s\n", name);
    fflush(stdout);
}

/* Waits until *counter >= want or WAIT_MS passes; returns the final value. */
static int wait_count(atomic_int *counter, int want)
{
    int64_t deadline = nats_Now() + WAIT_MS;
    while (atomic_load(counter) < want && nats_Now() < deadline)
        nats_Sleep(5);
    return atomic_load(counter);
}

static natsConnection *connect_to(const char *url, bool old_request_style)
{
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    CHECK(natsOptions_Create(&opts));
    CHECK(natsOptions_SetURL(opts, url));
    CHECK(natsOptions_SetTimeout(opts, WAIT_MS));
    CHECK(natsOptions_SetAllowReconnect(opts, false));
    CHECK(natsOptions_UseOldRequestStyle(opts, old_request_style));
    CHECK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    EXPECT(natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED, "not connected");
    return nc;
}

/* ---- async subscription: counts messages and checks their subject and data ---- */
static atomic_int async_count;
static atomic_int async_bad;

static void on_async(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    (void)closure;
    if (strcmp(natsMsg_GetSubject(msg), "interop.async.x") != 0 || natsMsg_GetDataLength(msg) != 5 ||
        memcmp(natsMsg_GetData(msg), "async", 5) != 0)
        atomic_fetch_add(&async_bad, 1);
    atomic_fetch_add(&async_count, 1);
    natsMsg_Destroy(msg);
}

/* ---- responder: replies "echo:<data>" to every request ---- */
static atomic_int responder_bad;

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)sub;
    (void)closure;
    char buf[256];
    const char *reply = natsMsg_GetReply(msg);
    int n = snprintf(buf, sizeof buf, "echo:%.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    if (reply == NULL || n < 0 || (size_t)n >= sizeof buf ||
        natsConnection_Publish(nc, reply, buf, n) != NATS_OK)
        atomic_fetch_add(&responder_bad, 1);
    natsMsg_Destroy(msg);
}

/* ---- queue members: seen[i] counts deliveries of message i, per_member[k] counts per member ---- */
#define QUEUE_MSGS 200
static atomic_int queue_total;
static atomic_int queue_seen[QUEUE_MSGS];
static atomic_int queue_per_member[2];
static atomic_int queue_bad;

static void on_queue(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    int member = (int)(intptr_t)closure;
    char buf[16];
    int len = natsMsg_GetDataLength(msg);
    if (len <= 0 || len >= (int)sizeof buf) {
        atomic_fetch_add(&queue_bad, 1);
    } else {
        memcpy(buf, natsMsg_GetData(msg), (size_t)len);
        buf[len] = '\0';
        int i = atoi(buf);
        if (i < 0 || i >= QUEUE_MSGS)
            atomic_fetch_add(&queue_bad, 1);
        else
            atomic_fetch_add(&queue_seen[i], 1);
    }
    atomic_fetch_add(&queue_per_member[member], 1);
    atomic_fetch_add(&queue_total, 1);
    natsMsg_Destroy(msg);
}

static void expect_data(natsMsg *msg, const char *want)
{
    char detail[512];
    int len = natsMsg_GetDataLength(msg);
    if ((size_t)len != strlen(want) || memcmp(natsMsg_GetData(msg), want, (size_t)len) != 0) {
        snprintf(detail, sizeof detail, "got \"%.*s\", want \"%s\"", len, natsMsg_GetData(msg), want);
        fail("message data", detail);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s nats://host:port\n", argv[0]);
        return 2;
    }
    const char *url = argv[1];
    alarm(60); /* a hard bound on the whole run, whatever hangs */

    CHECK(nats_Open(-1));

    step("connect");
    natsConnection *nc1 = connect_to(url, false);
    natsConnection *nc2 = connect_to(url, true);
    EXPECT(natsConnection_GetMaxPayload(nc1) == 1048576, "max_payload from INFO");
    char server_id[128];
    CHECK(natsConnection_GetConnectedServerId(nc1, server_id, sizeof server_id));
    EXPECT(server_id[0] != '\0', "empty server id");

    step("publish + sync subscription, in order");
    {
        natsSubscription *sub = NULL;
        natsMsg *msg = NULL;
        char want[32];
        CHECK(natsConnection_SubscribeSync(&sub, nc1, "interop.sync"));
        CHECK(natsConnection_FlushTimeout(nc1, WAIT_MS));
        for (int i = 0; i < 10; i++) {
            snprintf(want, sizeof want, "msg-%d", i);
            CHECK(natsConnection_PublishString(nc2, "interop.sync", want));
        }
        CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
        for (int i = 0; i < 10; i++) {
            CHECK(natsSubscription_NextMsg(&msg, sub, WAIT_MS));
            EXPECT(strcmp(natsMsg_GetSubject(msg), "interop.sync") == 0, natsMsg_GetSubject(msg));
            snprintf(want, sizeof want, "msg-%d", i);
            expect_data(msg, want);
            natsMsg_Destroy(msg);
        }
        EXPECT(natsSubscription_NextMsg(&msg, sub, 100) == NATS_TIMEOUT, "an 11th message arrived");
        natsSubscription_Destroy(sub);
    }

    step("async subscription with wildcard");
    {
        natsSubscription *sub = NULL;
        const int n = 1000;
        CHECK(natsConnection_Subscribe(&sub, nc1, "interop.async.*", on_async, NULL));
        CHECK(natsConnection_FlushTimeout(nc1, WAIT_MS));
        for (int i = 0; i < n; i++)
            CHECK(natsConnection_PublishString(nc2, "interop.async.x", "async"));
        CHECK(natsConnection_PublishString(nc2, "interop.async.x.y", "no match"));
        CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
        EXPECT(wait_count(&async_count, n) == n, "not every async message arrived");
        nats_Sleep(100);
        EXPECT(atomic_load(&async_count) == n, "extra async messages");
        EXPECT(atomic_load(&async_bad) == 0, "bad async message");
        natsSubscription_Destroy(sub);
    }

    step("headers");
    {
        natsSubscription *sub = NULL;
        natsMsg *out = NULL, *in = NULL;
        const char *value = NULL;
        CHECK(natsConnection_SubscribeSync(&sub, nc1, "interop.hdr"));
        CHECK(natsConnection_FlushTimeout(nc1, WAIT_MS));
        CHECK(natsMsg_Create(&out, "interop.hdr", NULL, "body", 4));
        CHECK(natsMsgHeader_Set(out, "X-Interop", "yes"));
        CHECK(natsConnection_PublishMsg(nc2, out));
        CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
        CHECK(natsSubscription_NextMsg(&in, sub, WAIT_MS));
        expect_data(in, "body");
        CHECK(natsMsgHeader_Get(in, "X-Interop", &value));
        EXPECT(value != NULL && strcmp(value, "yes") == 0, "header value");
        natsMsg_Destroy(out);
        natsMsg_Destroy(in);
        natsSubscription_Destroy(sub);
    }

    step("request/reply");
    {
        natsSubscription *svc = NULL;
        natsMsg *reply = NULL;
        char data[32], want[64];
        CHECK(natsConnection_Subscribe(&svc, nc1, "interop.svc", on_request, NULL));
        CHECK(natsConnection_FlushTimeout(nc1, WAIT_MS));

        /* New style: one muxed inbox subscription per connection; same connection as the responder. */
        for (int i = 0; i < 20; i++) {
            snprintf(data, sizeof data, "new-%d", i);
            snprintf(want, sizeof want, "echo:%s", data);
            CHECK(natsConnection_Request(&reply, nc1, "interop.svc", data, (int)strlen(data), WAIT_MS));
            expect_data(reply, want);
            natsMsg_Destroy(reply);
        }
        /* Old style: a fresh inbox subscription (auto-unsubscribed after 1) per request. */
        for (int i = 0; i < 10; i++) {
            snprintf(data, sizeof data, "old-%d", i);
            snprintf(want, sizeof want, "echo:%s", data);
            CHECK(natsConnection_RequestString(&reply, nc2, "interop.svc", data, WAIT_MS));
            expect_data(reply, want);
            natsMsg_Destroy(reply);
        }
        /* By hand: inbox, SUB, UNSUB 1, PUB with reply. */
        {
            natsInbox *inbox = NULL;
            natsSubscription *sub = NULL;
            CHECK(natsInbox_Create(&inbox));
            CHECK(natsConnection_SubscribeSync(&sub, nc2, inbox));
            CHECK(natsSubscription_AutoUnsubscribe(sub, 1));
            CHECK(natsConnection_PublishRequestString(nc2, "interop.svc", inbox, "manual"));
            CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
            CHECK(natsSubscription_NextMsg(&reply, sub, WAIT_MS));
            expect_data(reply, "echo:manual");
            natsMsg_Destroy(reply);
            natsSubscription_Destroy(sub);
            natsInbox_Destroy(inbox);
        }
        EXPECT(atomic_load(&responder_bad) == 0, "responder could not reply");
        natsSubscription_Destroy(svc);
    }

    step("no responders");
    {
        natsMsg *reply = NULL;
        int64_t start = nats_Now();
        natsStatus s = natsConnection_RequestString(&reply, nc1, "interop.nobody", "hello", WAIT_MS);
        EXPECT(s == NATS_NO_RESPONDERS, natsStatus_GetText(s));
        EXPECT(nats_Now() - start < WAIT_MS / 2, "no-responders answer was not immediate");
    }

    step("queue group of 2 members, each message exactly once");
    {
        natsSubscription *q1 = NULL, *q2 = NULL, *plain = NULL;
        char data[16];
        CHECK(natsConnection_QueueSubscribe(&q1, nc1, "interop.queue", "workers", on_queue, (void *)(intptr_t)0));
        CHECK(natsConnection_QueueSubscribe(&q2, nc2, "interop.queue", "workers", on_queue, (void *)(intptr_t)1));
        CHECK(natsConnection_SubscribeSync(&plain, nc2, "interop.queue"));
        CHECK(natsConnection_FlushTimeout(nc1, WAIT_MS));
        CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
        for (int i = 0; i < QUEUE_MSGS; i++) {
            snprintf(data, sizeof data, "%d", i);
            CHECK(natsConnection_PublishString(nc1, "interop.queue", data));
        }
        CHECK(natsConnection_FlushTimeout(nc1, WAIT_MS));
        EXPECT(wait_count(&queue_total, QUEUE_MSGS) == QUEUE_MSGS, "queue group lost messages");
        nats_Sleep(100);
        EXPECT(atomic_load(&queue_total) == QUEUE_MSGS, "queue group got duplicates");
        EXPECT(atomic_load(&queue_bad) == 0, "bad queue payload");
        for (int i = 0; i < QUEUE_MSGS; i++)
            EXPECT(atomic_load(&queue_seen[i]) == 1, "a message was not delivered exactly once");
        EXPECT(atomic_load(&queue_per_member[0]) > 0 && atomic_load(&queue_per_member[1]) > 0,
               "one member got every message");
        /* The plain subscriber on the same subject gets every message. */
        for (int i = 0; i < QUEUE_MSGS; i++) {
            natsMsg *msg = NULL;
            snprintf(data, sizeof data, "%d", i);
            CHECK(natsSubscription_NextMsg(&msg, plain, WAIT_MS));
            expect_data(msg, data);
            natsMsg_Destroy(msg);
        }
        natsSubscription_Destroy(q1);
        natsSubscription_Destroy(q2);
        natsSubscription_Destroy(plain);
    }

    step("flush and close");
    CHECK(natsConnection_FlushTimeout(nc1, WAIT_MS));
    CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
    natsConnection_Destroy(nc1);
    natsConnection_Destroy(nc2);
    CHECK(nats_CloseAndWait(WAIT_MS));
    printf("PASS nats_c_interop\n");
    return 0;
}
