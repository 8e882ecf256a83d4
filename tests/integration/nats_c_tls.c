/* nats_c_tls: connects to a NATS server over TLS with the nats.c client library (libnats) and checks
 * that it works: a request/reply round trip and 100 messages through a subscription, then a clean
 * close. Usage: nats_c_tls <url> <ca file> <ok|fail> [<cert file> <key file>]. Exits 0 when the
 * outcome is the expected one (a failed connect for "fail"), else 1. */
#define _POSIX_C_SOURCE 200809L
#include <nats/nats.h>

#include <stdio.h>
#include <string.h>

#define WAIT_MS 5000

static void echo(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)sub;
    (void)closure;
    natsConnection_Publish(nc, natsMsg_GetReply(msg), natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
}

/* NATS_OK, or the first failure (described in *what). */
static natsStatus exercise(natsConnection *nc, const char **what)
{
    natsSubscription *svc = NULL, *stream = NULL;
    natsMsg *reply = NULL;
    natsStatus s = natsConnection_Subscribe(&svc, nc, "svc.echo", echo, NULL);
    if (s == NATS_OK) s = natsConnection_RequestString(&reply, nc, "svc.echo", "hello over tls", WAIT_MS);
    if (s == NATS_OK && strcmp(natsMsg_GetData(reply), "hello over tls") != 0) {
        *what = "request: wrong reply";
        s = NATS_ERR;
    }
    natsMsg_Destroy(reply);
    if (s == NATS_OK) s = natsConnection_SubscribeSync(&stream, nc, "tls.stream");
    for (int i = 0; s == NATS_OK && i < 100; i++) {
        char text[16];
        snprintf(text, sizeof text, "%d", i);
        s = natsConnection_PublishString(nc, "tls.stream", text);
    }
    for (int i = 0; s == NATS_OK && i < 100; i++) {
        natsMsg *m = NULL;
        char text[16];
        snprintf(text, sizeof text, "%d", i);
        s = natsSubscription_NextMsg(&m, stream, WAIT_MS);
        if (s == NATS_OK && strcmp(natsMsg_GetData(m), text) != 0) {
            *what = "stream: out of order";
            s = NATS_ERR;
        }
        natsMsg_Destroy(m);
    }
    if (s == NATS_OK) s = natsConnection_FlushTimeout(nc, WAIT_MS);
    natsSubscription_Destroy(svc);
    natsSubscription_Destroy(stream);
    return s;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 6) {
        fprintf(stderr, "usage: nats_c_tls <url> <ca file> <ok|fail> [<cert file> <key file>]\n");
        return 2;
    }
    const char *what = NULL;
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK) s = natsOptions_SetURL(opts, argv[1]);
    if (s == NATS_OK) s = natsOptions_SetTimeout(opts, WAIT_MS);
    if (s == NATS_OK) s = natsOptions_SetAllowReconnect(opts, false);
    if (s == NATS_OK) s = natsOptions_SetSecure(opts, true);
    if (s == NATS_OK) s = natsOptions_LoadCATrustedCertificates(opts, argv[2]);
    if (s == NATS_OK && argc == 6) s = natsOptions_LoadCertificatesChain(opts, argv[4], argv[5]);
    if (s != NATS_OK) {
        fprintf(stderr, "options: %s\n", natsStatus_GetText(s));
        return 1;
    }
    s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK) {
        s = exercise(nc, &what);
        natsConnection_Close(nc);
        natsConnection_Destroy(nc);
    }
    natsOptions_Destroy(opts);
    nats_Close();
    const char *text = what != NULL ? what : natsStatus_GetText(s);
    if (strcmp(argv[3], "ok") == 0 && s == NATS_OK) {
        printf("ok\n");
        return 0;
    }
    if (strcmp(argv[3], "fail") == 0 && s != NATS_OK) {
        printf("failed as expected: %s\n", text);
        return 0;
    }
    printf("unexpected outcome (want %s): %s\n", argv[3], s == NATS_OK ? "connected" : text);
    return 1;
}
