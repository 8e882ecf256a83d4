/* nats_c_interop: checks a running server with the nats.c client library (libnats): connect, publish,
 * sync and async subscriptions, headers, request/reply (muxed, old-style, manual inbox), no-responders,
 * a two-member queue group, auto-unsubscribe, subscription and connection drain, and the async error
 * path (error handler for a permissions -ERR, closed callback for a fatal -ERR). Usage: nats_c_interop <url>. Exits 0 if all pass, else 1 naming the check. */
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

/* ---- async error handler and closed callback: record status and the connection's last error ---- */
static atomic_int err_calls;
static atomic_int err_status;
static char err_text[256];
static atomic_int closed_calls;
static char closed_text[256];

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void)sub;
    (void)closure;
    const char *text = NULL;
    natsConnection_GetLastError(nc, &text);
    snprintf(err_text, sizeof err_text, "%s", text ? text : "");
    atomic_store(&err_status, (int)err);
    atomic_fetch_add(&err_calls, 1);
}

static void on_closed(natsConnection *nc, void *closure)
{
    (void)closure;
    const char *text = NULL;
    natsConnection_GetLastError(nc, &text);
    snprintf(closed_text, sizeof closed_text, "%s", text ? text : "");
    atomic_fetch_add(&closed_calls, 1);
}

static natsConnection *connect_with_handlers(const char *url)
{
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    CHECK(natsOptions_Create(&opts));
    CHECK(natsOptions_SetURL(opts, url));
    CHECK(natsOptions_SetTimeout(opts, WAIT_MS));
    CHECK(natsOptions_SetAllowReconnect(opts, false));
    CHECK(natsOptions_SetErrorHandler(opts, on_async_error, NULL));
    CHECK(natsOptions_SetClosedCB(opts, on_closed, NULL));
    CHECK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    return nc;
}

static uint64_t in_msgs(natsConnection *nc)
{
    natsStatistics *stats = NULL;
    uint64_t in = 0;
    CHECK(natsStatistics_Create(&stats));
    CHECK(natsConnection_GetStats(nc, stats));
    CHECK(natsStatistics_GetCounts(stats, &in, NULL, NULL, NULL, NULL));
    natsStatistics_Destroy(stats);
    return in;
}

/* ---- drain: counts deliveries ---- */
static atomic_int drain_count;

static void on_drain_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    (void)closure;
    atomic_fetch_add(&drain_count, 1);
    natsMsg_Destroy(msg);
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

    step("headers: several keys, repeated values, header-only message, reply with headers");
    {
        natsSubscription *sub = NULL;
        natsMsg *out = NULL, *in = NULL;
        const char *value = NULL;
        const char **values = NULL;
        int count = 0;
        CHECK(natsConnection_SubscribeSync(&sub, nc1, "interop.hdr2"));
        CHECK(natsConnection_FlushTimeout(nc1, WAIT_MS));
        CHECK(natsMsg_Create(&out, "interop.hdr2", "interop.hdr2.reply", NULL, 0));
        CHECK(natsMsgHeader_Set(out, "X-One", "1"));
        CHECK(natsMsgHeader_Add(out, "X-Multi", "a"));
        CHECK(natsMsgHeader_Add(out, "X-Multi", "b"));
        CHECK(natsMsgHeader_Set(out, "X-Spaces", "a b  c"));
        CHECK(natsConnection_PublishMsg(nc2, out));
        CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
        CHECK(natsSubscription_NextMsg(&in, sub, WAIT_MS));
        EXPECT(natsMsg_GetDataLength(in) == 0, "header-only message has data");
        EXPECT(natsMsg_GetReply(in) != NULL && strcmp(natsMsg_GetReply(in), "interop.hdr2.reply") == 0,
               "reply subject");
        CHECK(natsMsgHeader_Get(in, "X-One", &value));
        EXPECT(strcmp(value, "1") == 0, "X-One");
        CHECK(natsMsgHeader_Values(in, "X-Multi", &values, &count));
        EXPECT(count == 2 && strcmp(values[0], "a") == 0 && strcmp(values[1], "b") == 0, "X-Multi values");
        free((void *)values);
        CHECK(natsMsgHeader_Get(in, "X-Spaces", &value));
        EXPECT(strcmp(value, "a b  c") == 0, "X-Spaces");
        natsMsg_Destroy(out);
        natsMsg_Destroy(in);
        /* A plain PUB stays header-less. */
        CHECK(natsConnection_PublishString(nc2, "interop.hdr2", "plain"));
        CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
        CHECK(natsSubscription_NextMsg(&in, sub, WAIT_MS));
        expect_data(in, "plain");
        EXPECT(natsMsgHeader_Get(in, "X-One", &value) == NATS_NOT_FOUND, "plain message has headers");
        natsMsg_Destroy(in);
        natsSubscription_Destroy(sub);
    }

    step("no responders, old-style request");
    {
        natsMsg *reply = NULL;
        natsStatus s = natsConnection_RequestString(&reply, nc2, "interop.nobody", "hello", WAIT_MS);
        EXPECT(s == NATS_NO_RESPONDERS, natsStatus_GetText(s));
    }

    step("auto-unsubscribe: exactly max messages, enforced by the server");
    {
        natsSubscription *sub = NULL;
        natsMsg *msg = NULL;
        natsConnection *nc3 = connect_to(url, false);
        char want[16];
        CHECK(natsConnection_SubscribeSync(&sub, nc3, "interop.auto"));
        CHECK(natsSubscription_AutoUnsubscribe(sub, 5));
        CHECK(natsConnection_FlushTimeout(nc3, WAIT_MS));
        for (int i = 0; i < 20; i++) {
            snprintf(want, sizeof want, "%d", i);
            CHECK(natsConnection_PublishString(nc2, "interop.auto", want));
        }
        CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
        for (int i = 0; i < 5; i++) {
            CHECK(natsSubscription_NextMsg(&msg, sub, WAIT_MS));
            snprintf(want, sizeof want, "%d", i);
            expect_data(msg, want);
            natsMsg_Destroy(msg);
        }
        natsStatus s = natsSubscription_NextMsg(&msg, sub, 200);
        EXPECT(s == NATS_MAX_DELIVERED_MSGS || s == NATS_INVALID_SUBSCRIPTION, natsStatus_GetText(s));
        CHECK(natsConnection_FlushTimeout(nc3, WAIT_MS));
        nats_Sleep(50);
        EXPECT(in_msgs(nc3) == 5, "the server delivered more than the auto-unsubscribe max");
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc3);
    }

    step("subscription drain: everything before, nothing after");
    {
        natsSubscription *sub = NULL;
        natsConnection *nc3 = connect_to(url, false);
        atomic_store(&drain_count, 0);
        CHECK(natsConnection_Subscribe(&sub, nc3, "interop.drain", on_drain_msg, NULL));
        CHECK(natsConnection_FlushTimeout(nc3, WAIT_MS));
        for (int i = 0; i < 100; i++)
            CHECK(natsConnection_PublishString(nc2, "interop.drain", "x"));
        CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
        CHECK(natsSubscription_Drain(sub));
        CHECK(natsSubscription_WaitForDrainCompletion(sub, WAIT_MS));
        CHECK(natsSubscription_DrainCompletionStatus(sub));
        EXPECT(atomic_load(&drain_count) == 100, "messages published before the drain");
        uint64_t before = in_msgs(nc3);
        for (int i = 0; i < 10; i++)
            CHECK(natsConnection_PublishString(nc2, "interop.drain", "late"));
        CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
        CHECK(natsConnection_FlushTimeout(nc3, WAIT_MS));
        nats_Sleep(50);
        EXPECT(in_msgs(nc3) == before, "the server delivered after the drain's UNSUB");
        EXPECT(!natsConnection_IsClosed(nc3), "subscription drain closed the connection");
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc3);
    }

    step("connection drain: pending messages delivered, then closed, interest gone");
    {
        natsSubscription *sub = NULL, *svc = NULL;
        natsMsg *reply = NULL;
        natsConnection *nc3 = connect_with_handlers(url);
        atomic_store(&drain_count, 0);
        atomic_store(&closed_calls, 0);
        CHECK(natsConnection_Subscribe(&sub, nc3, "interop.cdrain", on_drain_msg, NULL));
        CHECK(natsConnection_Subscribe(&svc, nc3, "interop.cdrain.svc", on_request, NULL));
        CHECK(natsConnection_FlushTimeout(nc3, WAIT_MS));
        CHECK(natsConnection_RequestString(&reply, nc2, "interop.cdrain.svc", "alive", WAIT_MS));
        expect_data(reply, "echo:alive");
        natsMsg_Destroy(reply);
        for (int i = 0; i < 100; i++)
            CHECK(natsConnection_PublishString(nc2, "interop.cdrain", "x"));
        CHECK(natsConnection_FlushTimeout(nc2, WAIT_MS));
        CHECK(natsConnection_DrainTimeout(nc3, WAIT_MS));
        EXPECT(wait_count(&closed_calls, 1) == 1, "closed callback after the drain");
        EXPECT(natsConnection_IsClosed(nc3), "connection not closed after the drain");
        EXPECT(atomic_load(&drain_count) == 100, "messages published before the connection drain");
        natsStatus s = natsConnection_RequestString(&reply, nc2, "interop.cdrain.svc", "gone", WAIT_MS);
        EXPECT(s == NATS_NO_RESPONDERS, natsStatus_GetText(s));
        natsSubscription_Destroy(sub);
        natsSubscription_Destroy(svc);
        natsConnection_Destroy(nc3);
    }

    step("async error handler: -ERR Permissions Violation (reserved _R_. reply), stays open");
    {
        natsConnection *nc3 = connect_with_handlers(url);
        atomic_store(&err_calls, 0);
        atomic_store(&closed_calls, 0);
        CHECK(natsConnection_PublishRequestString(nc3, "interop.perm", "_R_.abc", "x"));
        CHECK(natsConnection_FlushTimeout(nc3, WAIT_MS));
        EXPECT(wait_count(&err_calls, 1) == 1, "the error handler was not called");
        EXPECT(atomic_load(&err_status) == NATS_NOT_PERMITTED, natsStatus_GetText((natsStatus)atomic_load(&err_status)));
        EXPECT(strstr(err_text, "Permissions Violation for Publish with Reply of \"_R_.abc\"") != NULL, err_text);
        EXPECT(!natsConnection_IsClosed(nc3), "closed after a permissions -ERR");
        CHECK(natsConnection_FlushTimeout(nc3, WAIT_MS));
        nats_Sleep(50);
        EXPECT(atomic_load(&err_calls) == 1, "the error handler was called more than once");
        natsConnection_Destroy(nc3);
        EXPECT(wait_count(&closed_calls, 1) == 1, "closed callback");
    }

    step("server -ERR 'Invalid Publish Subject' (pedantic) reaches nats.c, which closes with it");
    {
        natsOptions *opts = NULL;
        natsConnection *nc3 = NULL;
        atomic_store(&closed_calls, 0);
        atomic_store(&err_calls, 0);
        CHECK(natsOptions_Create(&opts));
        CHECK(natsOptions_SetURL(opts, url));
        CHECK(natsOptions_SetTimeout(opts, WAIT_MS));
        CHECK(natsOptions_SetAllowReconnect(opts, false));
        CHECK(natsOptions_SetPedantic(opts, true));
        CHECK(natsOptions_SetErrorHandler(opts, on_async_error, NULL));
        CHECK(natsOptions_SetClosedCB(opts, on_closed, NULL));
        CHECK(natsConnection_Connect(&nc3, opts));
        natsOptions_Destroy(opts);
        CHECK(natsConnection_PublishString(nc3, "interop.wild.*", "x"));
        (void)natsConnection_FlushTimeout(nc3, WAIT_MS); /* the -ERR may close it before the PONG */
        EXPECT(wait_count(&closed_calls, 1) == 1, "connection not closed after the -ERR");
        EXPECT(strstr(closed_text, "Invalid Publish Subject") != NULL, closed_text);
        EXPECT(atomic_load(&err_calls) == 0, "error handler called for a non-permissions -ERR");
        natsConnection_Destroy(nc3);
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
