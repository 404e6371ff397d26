/* cluster_resolve.c - hostname lookups in a background thread, so that a
 * DNS server that does not answer never stalls the event loop (see
 * cluster_resolve.h for the interface, docs/nat.md for why peers are
 * re-resolved at all).
 *
 * One worker thread and one list of jobs in submission order, each queued,
 * running or done. The main thread submits and polls under a mutex; the
 * worker takes the first queued job, runs the lookup unlocked, marks it done
 * and writes a byte to a pipe the event loop watches. One job per key at a
 * time: a key whose lookup hangs costs one slot, not one per cron tick. */
#include "cluster_resolve.h"
#include "zmalloc.h"
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <time.h>
#include <netdb.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

typedef struct cresJob {
    struct cresJob *next;
    int state;
    cresResult r;
} cresJob;

static pthread_mutex_t cres_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cres_cond = PTHREAD_COND_INITIALIZER;
static cresJob *cres_head = NULL;   /* oldest first */
static int cres_count = 0;
static int cres_started = 0;
static int cres_pipe[2] = {-1, -1};
static cresLookupFn cres_lookup = NULL;

int cresLookupSystem(const char *host, char *ip, size_t iplen) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) return -1;
    const void *addr = NULL;
    if (res->ai_family == AF_INET) addr = &((struct sockaddr_in *)res->ai_addr)->sin_addr;
    else if (res->ai_family == AF_INET6) addr = &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
    int ok = addr && inet_ntop(res->ai_family, addr, ip, (socklen_t)iplen) != NULL;
    freeaddrinfo(res);
    return ok ? 0 : -1;
}

static long long monotonicMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Caller holds the mutex. */
static cresJob *firstInState(int state) {
    for (cresJob *j = cres_head; j; j = j->next)
        if (j->state == state) return j;
    return NULL;
}

static void *cresThreadMain(void *arg) {
    (void)arg;
    pthread_mutex_lock(&cres_mutex);
    while (1) {
        cresJob *job;
        while ((job = firstInState(JOB_QUEUED)) == NULL) pthread_cond_wait(&cres_cond, &cres_mutex);
        job->state = JOB_RUNNING;
        /* Only done jobs are unlinked (by the main thread): job stays valid
         * while the lookup runs unlocked. */
        char host[CRES_HOSTLEN + 1], ip[CRES_IPLEN] = {0};
        memcpy(host, job->r.host, sizeof(host));
        pthread_mutex_unlock(&cres_mutex);

        long long t0 = monotonicMs();
        if (cres_lookup(host, ip, sizeof(ip)) != 0) ip[0] = '\0';
        ip[CRES_IPLEN - 1] = '\0';
        long long elapsed = monotonicMs() - t0;

        pthread_mutex_lock(&cres_mutex);
        memcpy(job->r.ip, ip, sizeof(ip));
        job->r.elapsed_ms = elapsed;
        job->state = JOB_DONE;
        /* A full pipe already means "wake up": nothing is lost. */
        char one = 1;
        if (write(cres_pipe[1], &one, 1) == -1) { /* EAGAIN: already signalled */ }
    }
    return NULL;
}

int cresStart(cresLookupFn fn) {
    if (cres_started) return 0;
    if (pipe(cres_pipe) == -1) return -1;
    for (int j = 0; j < 2; j++) {
        fcntl(cres_pipe[j], F_SETFL, fcntl(cres_pipe[j], F_GETFL) | O_NONBLOCK);
        fcntl(cres_pipe[j], F_SETFD, FD_CLOEXEC);
    }
    cres_lookup = fn ? fn : cresLookupSystem;
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* getaddrinfo with NSS modules wants more than a tiny stack. */
    pthread_attr_setstacksize(&attr, 1024 * 1024);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, cresThreadMain, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        close(cres_pipe[0]);
        close(cres_pipe[1]);
        cres_pipe[0] = cres_pipe[1] = -1;
        return -1;
    }
    cres_started = 1;
    return 0;
}

int cresStarted(void) { return cres_started; }

int cresWakeFd(void) { return cres_pipe[0]; }

/* Caller holds the mutex. */
static cresJob *findKey(const char *key) {
    for (cresJob *j = cres_head; j; j = j->next)
        if (!strcmp(j->r.key, key)) return j;
    return NULL;
}

int cresSubmit(const char *key, const char *host) {
    if (!cres_started || !key || !host) return -1;
    if (strlen(key) > CRES_KEYLEN || !host[0] || strlen(host) > CRES_HOSTLEN) return -1;
    pthread_mutex_lock(&cres_mutex);
    int rc;
    if (findKey(key)) {
        rc = 0;
    } else if (cres_count >= CRES_MAX_JOBS) {
        rc = -1;
    } else {
        cresJob *job = zcalloc(sizeof(*job));
        strcpy(job->r.key, key);
        strcpy(job->r.host, host);
        job->state = JOB_QUEUED;
        cresJob **tail = &cres_head;
        while (*tail) tail = &(*tail)->next;
        *tail = job;
        cres_count++;
        pthread_cond_signal(&cres_cond);
        rc = 1;
    }
    pthread_mutex_unlock(&cres_mutex);
    return rc;
}

int cresIsPending(const char *key) {
    if (!cres_started || !key) return 0;
    pthread_mutex_lock(&cres_mutex);
    int found = findKey(key) != NULL;
    pthread_mutex_unlock(&cres_mutex);
    return found;
}

int cresPendingCount(void) {
    if (!cres_started) return 0;
    pthread_mutex_lock(&cres_mutex);
    int n = cres_count;
    pthread_mutex_unlock(&cres_mutex);
    return n;
}

int cresPoll(cresResult *out) {
    if (!cres_started) return 0;
    char buf[64];
    while (read(cres_pipe[0], buf, sizeof(buf)) > 0) {}
    pthread_mutex_lock(&cres_mutex);
    cresJob **pp = &cres_head;
    while (*pp && (*pp)->state != JOB_DONE) pp = &(*pp)->next;
    cresJob *job = *pp;
    if (job) {
        *pp = job->next;
        cres_count--;
    }
    pthread_mutex_unlock(&cres_mutex);
    if (!job) return 0;
    *out = job->r;
    zfree(job);
    return 1;
}
