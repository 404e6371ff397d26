/* test_cluster_resolve.c - unit tests for the background resolver
 * (cluster_resolve.c): a lookup that hangs never blocks submit or poll, one
 * job per key, results in order with the wake-up pipe readable, failures
 * reported as an empty IP, bad input refused, and the system lookup of
 * literals (a failing system lookup may wait for DNS: not tested here). */
#include <pthread.h>
#include <poll.h>
#include <unistd.h>
#include "test_help.h"
#include "../cluster_resolve.h"

/* The fake lookup: names starting with "hang" wait until released; "fail*"
 * fails; anything else goes to the system lookup. */
static pthread_mutex_t gate_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open = 0;
static int hanging = 0;

static int fakeLookup(const char *host, char *ip, size_t iplen) {
    if (!strncmp(host, "hang", 4)) {
        pthread_mutex_lock(&gate_mutex);
        hanging = 1;
        pthread_cond_broadcast(&gate_cond);
        while (!gate_open) pthread_cond_wait(&gate_cond, &gate_mutex);
        hanging = 0;
        pthread_mutex_unlock(&gate_mutex);
        snprintf(ip, iplen, "10.42.0.99");
        return 0;
    }
    if (!strncmp(host, "fail", 4)) return -1;
    return cresLookupSystem(host, ip, iplen);
}

static void waitHanging(void) {
    pthread_mutex_lock(&gate_mutex);
    while (!hanging) pthread_cond_wait(&gate_cond, &gate_mutex);
    pthread_mutex_unlock(&gate_mutex);
}

static void openGate(int open) {
    pthread_mutex_lock(&gate_mutex);
    gate_open = open;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_mutex);
}

/* Waits (bounded: 5 s) for the wake-up pipe, then polls one result. */
static int pollWait(cresResult *r) {
    for (int tries = 0; tries < 50; tries++) {
        if (cresPoll(r)) return 1;
        struct pollfd pfd = {.fd = cresWakeFd(), .events = POLLIN};
        poll(&pfd, 1, 100);
    }
    return 0;
}

TEST(not_started) {
    cresResult r;
    TEST_ASSERT(!cresStarted());
    TEST_ASSERT(cresSubmit("a", "localhost") == -1);
    TEST_ASSERT(cresPoll(&r) == 0);
    TEST_ASSERT(cresPendingCount() == 0);
    TEST_ASSERT(cresWakeFd() == -1);
}

TEST(starts_once) {
    TEST_ASSERT(cresStart(fakeLookup) == 0);
    TEST_ASSERT(cresStart(fakeLookup) == 0);  /* idempotent */
    TEST_ASSERT(cresStarted() && cresWakeFd() >= 0);
}

TEST(bad_input) {
    char longkey[CRES_KEYLEN + 2], longhost[CRES_HOSTLEN + 2];
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    memset(longhost, 'h', sizeof(longhost) - 1);
    longhost[sizeof(longhost) - 1] = '\0';
    TEST_ASSERT(cresSubmit(longkey, "localhost") == -1);
    TEST_ASSERT(cresSubmit("k", longhost) == -1);
    TEST_ASSERT(cresSubmit("k", "") == -1);
    TEST_ASSERT(cresSubmit(NULL, "x") == -1);
    TEST_ASSERT(cresPendingCount() == 0);
}

TEST(hanging_lookup_blocks_nothing) {
    cresResult r;
    openGate(0);
    TEST_ASSERT(cresSubmit("node-a", "hang.example") == 1);
    waitHanging();
    /* The main thread's calls return at once while the lookup hangs. */
    TEST_ASSERT(cresIsPending("node-a"));
    TEST_ASSERT(cresSubmit("node-a", "hang.example") == 0);  /* no pile-up */
    TEST_ASSERT(cresPoll(&r) == 0);
    /* Another key queues behind it. */
    TEST_ASSERT(cresSubmit("node-b", "127.0.0.1") == 1);
    TEST_ASSERT(cresPendingCount() == 2);
    TEST_ASSERT(cresPoll(&r) == 0);
    openGate(1);
    TEST_ASSERT(pollWait(&r));
    TEST_ASSERT(!strcmp(r.key, "node-a") && !strcmp(r.ip, "10.42.0.99"));
    TEST_ASSERT(!strcmp(r.host, "hang.example"));
    TEST_ASSERT(pollWait(&r));
    TEST_ASSERT(!strcmp(r.key, "node-b") && !strcmp(r.ip, "127.0.0.1"));
    TEST_ASSERT(!cresIsPending("node-a") && !cresIsPending("node-b"));
    TEST_ASSERT(cresPendingCount() == 0);
    TEST_ASSERT(cresPoll(&r) == 0);
}

TEST(pending_until_polled) {
    cresResult r;
    TEST_ASSERT(cresSubmit("node-c", "fail.example") == 1);
    /* Wait for the worker through the pipe without taking the result. */
    struct pollfd pfd = {.fd = cresWakeFd(), .events = POLLIN};
    TEST_ASSERT(poll(&pfd, 1, 5000) == 1);
    TEST_ASSERT(cresIsPending("node-c"));
    TEST_ASSERT(cresSubmit("node-c", "fail.example") == 0);
    TEST_ASSERT(pollWait(&r));
    TEST_ASSERT(!strcmp(r.key, "node-c") && r.ip[0] == '\0');
    TEST_ASSERT(cresSubmit("node-c", "fail.example") == 1);
    TEST_ASSERT(pollWait(&r));
}

TEST(system_lookup) {
    char ip[CRES_IPLEN];
    TEST_ASSERT(cresLookupSystem("127.0.0.1", ip, sizeof(ip)) == 0 && !strcmp(ip, "127.0.0.1"));
    TEST_ASSERT(cresLookupSystem("::1", ip, sizeof(ip)) == 0 && !strcmp(ip, "::1"));
}

int main(void) {
    RUN(not_started);
    RUN(starts_once);
    RUN(bad_input);
    RUN(hanging_lookup_blocks_nothing);
    RUN(pending_until_polled);
    RUN(system_lookup);
    return TEST_REPORT();
}
