/* ae.c - the server's single-threaded event loop (Linux epoll only).
 *
 * Two kinds of events are multiplexed here:
 *  - file events: a per-fd slot in eventLoop->events (indexed by fd, so the
 *    array is sized by `setsize`) holding the read/write handlers. The kernel
 *    side is one epoll instance whose interest set mirrors those slots.
 *  - time events: an unsorted doubly linked list of timers. Their number is
 *    always tiny (serverCron, a few module/test timers), so a linear scan to
 *    find the nearest one is cheaper than maintaining a heap.
 *
 * Deleting a timer only marks it (id = AE_DELETED_EVENT_ID); the node is
 * unlinked and freed by the next timer pass, and only when it is not running
 * (refcount), because a timer callback may delete itself or others and may
 * even re-enter the loop.
 *
 * Everything above this file (connection.c, networking, server cron) sees
 * only the ae.h API.
 */
#include "ae.h"
#include "zmalloc.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * Clock
 * ---------------------------------------------------------------------- */

/* Monotonic microseconds. Kept local so the loop links without util.o. */
static uint64_t aeNowUs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------------------
 * epoll backend
 * ---------------------------------------------------------------------- */

typedef struct aeEpollState {
    int epfd;
    struct epoll_event *ready;   /* epoll_wait output buffer, setsize long */
} aeEpollState;

static int aeApiCreate(aeEventLoop *eventLoop) {
    aeEpollState *st = zmalloc(sizeof(*st));
    st->ready = zmalloc(sizeof(struct epoll_event) * (size_t)eventLoop->setsize);
    st->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (st->epfd == -1) {
        zfree(st->ready);
        zfree(st);
        return -1;
    }
    eventLoop->apidata = st;
    return 0;
}

static void aeApiResize(aeEventLoop *eventLoop, int setsize) {
    aeEpollState *st = eventLoop->apidata;
    st->ready = zrealloc(st->ready, sizeof(struct epoll_event) * (size_t)setsize);
}

static void aeApiFree(aeEventLoop *eventLoop) {
    aeEpollState *st = eventLoop->apidata;
    if (!st) return;
    close(st->epfd);
    zfree(st->ready);
    zfree(st);
    eventLoop->apidata = NULL;
}

static uint32_t aeMaskToEpoll(int mask) {
    uint32_t ev = 0;
    if (mask & AE_READABLE) ev |= EPOLLIN;
    if (mask & AE_WRITABLE) ev |= EPOLLOUT;
    return ev;
}

/* Make the kernel interest set for fd equal to `newmask`, given that it was
 * `oldmask` before. AE_BARRIER is a userspace-only flag and is ignored. */
static int aeApiUpdate(aeEventLoop *eventLoop, int fd, int oldmask, int newmask) {
    aeEpollState *st = eventLoop->apidata;
    struct epoll_event ee;
    int had = (oldmask & (AE_READABLE|AE_WRITABLE)) != 0;
    int has = (newmask & (AE_READABLE|AE_WRITABLE)) != 0;

    memset(&ee, 0, sizeof(ee));
    ee.events = aeMaskToEpoll(newmask);
    ee.data.fd = fd;
    if (!had && !has) return 0;
    if (!had) return epoll_ctl(st->epfd, EPOLL_CTL_ADD, fd, &ee);
    if (!has) return epoll_ctl(st->epfd, EPOLL_CTL_DEL, fd, &ee);
    return epoll_ctl(st->epfd, EPOLL_CTL_MOD, fd, &ee);
}

/* Wait for readiness; fills eventLoop->fired and returns how many fds. */
static int aeApiPoll(aeEventLoop *eventLoop, int timeout_ms) {
    aeEpollState *st = eventLoop->apidata;
    int n = epoll_wait(st->epfd, st->ready, eventLoop->setsize, timeout_ms);
    if (n <= 0) return 0;   /* timeout, or EINTR: just run the timers */
    for (int j = 0; j < n; j++) {
        uint32_t ev = st->ready[j].events;
        int mask = 0;
        if (ev & EPOLLIN) mask |= AE_READABLE;
        if (ev & EPOLLOUT) mask |= AE_WRITABLE;
        /* Errors and hangups are reported to both sides so whichever handler
         * is installed gets to see the failure on its next read/write. */
        if (ev & (EPOLLERR|EPOLLHUP)) mask |= AE_READABLE|AE_WRITABLE;
        eventLoop->fired[j].fd = st->ready[j].data.fd;
        eventLoop->fired[j].mask = mask;
    }
    return n;
}

const char *aeGetApiName(void) {
    return "epoll";
}

/* ------------------------------------------------------------------------
 * Loop lifecycle
 * ---------------------------------------------------------------------- */

static void aeClearSlots(aeEventLoop *eventLoop, int from, int to) {
    for (int i = from; i < to; i++) {
        eventLoop->events[i].mask = AE_NONE;
        eventLoop->events[i].rfileProc = NULL;
        eventLoop->events[i].wfileProc = NULL;
        eventLoop->events[i].clientData = NULL;
    }
}

aeEventLoop *aeCreateEventLoop(int setsize) {
    if (setsize <= 0) return NULL;
    aeEventLoop *eventLoop = zcalloc(sizeof(*eventLoop));
    eventLoop->events = zmalloc(sizeof(aeFileEvent) * (size_t)setsize);
    eventLoop->fired = zmalloc(sizeof(aeFiredEvent) * (size_t)setsize);
    eventLoop->setsize = setsize;
    eventLoop->maxfd = -1;
    eventLoop->timeEventNextId = 0;
    eventLoop->timeEventHead = NULL;
    eventLoop->stop = 0;
    eventLoop->beforesleep = NULL;
    eventLoop->aftersleep = NULL;
    eventLoop->flags = 0;
    if (aeApiCreate(eventLoop) == -1) {
        zfree(eventLoop->events);
        zfree(eventLoop->fired);
        zfree(eventLoop);
        return NULL;
    }
    aeClearSlots(eventLoop, 0, setsize);
    return eventLoop;
}

void aeDeleteEventLoop(aeEventLoop *eventLoop) {
    if (!eventLoop) return;
    aeApiFree(eventLoop);
    zfree(eventLoop->events);
    zfree(eventLoop->fired);
    /* Timers are dropped without their finalizers: the owner is tearing the
     * whole loop down and must not be called back into. */
    aeTimeEvent *te = eventLoop->timeEventHead;
    while (te) {
        aeTimeEvent *next = te->next;
        zfree(te);
        te = next;
    }
    zfree(eventLoop);
}

void aeStop(aeEventLoop *eventLoop) {
    eventLoop->stop = 1;
}

int aeGetSetSize(aeEventLoop *eventLoop) {
    return eventLoop->setsize;
}

/* Change how many fds the loop can track. Refused when a registered fd would
 * not fit any more. */
int aeResizeSetSize(aeEventLoop *eventLoop, int setsize) {
    if (setsize <= 0) return AE_ERR;
    if (setsize == eventLoop->setsize) return AE_OK;
    if (eventLoop->maxfd >= setsize) return AE_ERR;

    aeApiResize(eventLoop, setsize);
    eventLoop->events = zrealloc(eventLoop->events, sizeof(aeFileEvent) * (size_t)setsize);
    eventLoop->fired = zrealloc(eventLoop->fired, sizeof(aeFiredEvent) * (size_t)setsize);
    if (setsize > eventLoop->setsize)
        aeClearSlots(eventLoop, eventLoop->setsize, setsize);
    eventLoop->setsize = setsize;
    return AE_OK;
}

void aeSetDontWait(aeEventLoop *eventLoop, int noWait) {
    if (noWait) eventLoop->flags |= AE_DONT_WAIT;
    else eventLoop->flags &= ~AE_DONT_WAIT;
}

void aeSetBeforeSleepProc(aeEventLoop *eventLoop, aeBeforeSleepProc *beforesleep) {
    eventLoop->beforesleep = beforesleep;
}

void aeSetAfterSleepProc(aeEventLoop *eventLoop, aeBeforeSleepProc *aftersleep) {
    eventLoop->aftersleep = aftersleep;
}

/* ------------------------------------------------------------------------
 * File events
 * ---------------------------------------------------------------------- */

int aeCreateFileEvent(aeEventLoop *eventLoop, int fd, int mask,
        aeFileProc *proc, void *clientData) {
    if (fd < 0 || fd >= eventLoop->setsize) {
        errno = ERANGE;
        return AE_ERR;
    }
    aeFileEvent *fe = &eventLoop->events[fd];
    int newmask = fe->mask | mask;

    if (aeApiUpdate(eventLoop, fd, fe->mask, newmask) == -1) return AE_ERR;
    fe->mask = newmask;
    if (mask & AE_READABLE) fe->rfileProc = proc;
    if (mask & AE_WRITABLE) fe->wfileProc = proc;
    fe->clientData = clientData;
    if (fd > eventLoop->maxfd) eventLoop->maxfd = fd;
    return AE_OK;
}

void aeDeleteFileEvent(aeEventLoop *eventLoop, int fd, int mask) {
    if (fd < 0 || fd >= eventLoop->setsize) return;
    aeFileEvent *fe = &eventLoop->events[fd];
    if (fe->mask == AE_NONE) return;

    /* The barrier only makes sense together with a write handler. */
    if (mask & AE_WRITABLE) mask |= AE_BARRIER;
    int newmask = fe->mask & ~mask;
    /* Removing from epoll can only fail if the fd was already closed, in
     * which case the kernel dropped it anyway; the slot is cleared regardless. */
    aeApiUpdate(eventLoop, fd, fe->mask, newmask);
    fe->mask = newmask;
    if (!(newmask & AE_READABLE)) fe->rfileProc = NULL;
    if (!(newmask & AE_WRITABLE)) fe->wfileProc = NULL;

    if (fd == eventLoop->maxfd && newmask == AE_NONE) {
        int j = eventLoop->maxfd - 1;
        while (j >= 0 && eventLoop->events[j].mask == AE_NONE) j--;
        eventLoop->maxfd = j;
    }
}

int aeGetFileEvents(aeEventLoop *eventLoop, int fd) {
    if (fd < 0 || fd >= eventLoop->setsize) return AE_NONE;
    return eventLoop->events[fd].mask;
}

void *aeGetFileClientData(aeEventLoop *eventLoop, int fd) {
    if (fd < 0 || fd >= eventLoop->setsize) return NULL;
    if (eventLoop->events[fd].mask == AE_NONE) return NULL;
    return eventLoop->events[fd].clientData;
}

/* ------------------------------------------------------------------------
 * Time events
 * ---------------------------------------------------------------------- */

long long aeCreateTimeEvent(aeEventLoop *eventLoop, long long milliseconds,
        aeTimeProc *proc, void *clientData,
        aeEventFinalizerProc *finalizerProc) {
    if (milliseconds < 0) milliseconds = 0;
    aeTimeEvent *te = zmalloc(sizeof(*te));
    te->id = eventLoop->timeEventNextId++;
    te->when = aeNowUs() + (uint64_t)milliseconds * 1000;
    te->timeProc = proc;
    te->finalizerProc = finalizerProc;
    te->clientData = clientData;
    te->refcount = 0;
    /* Push at the head: order does not matter, lookups are linear anyway. */
    te->prev = NULL;
    te->next = eventLoop->timeEventHead;
    if (te->next) te->next->prev = te;
    eventLoop->timeEventHead = te;
    return te->id;
}

int aeDeleteTimeEvent(aeEventLoop *eventLoop, long long id) {
    if (id < 0) return AE_ERR;
    for (aeTimeEvent *te = eventLoop->timeEventHead; te; te = te->next) {
        if (te->id == id) {
            te->id = AE_DELETED_EVENT_ID;
            return AE_OK;
        }
    }
    return AE_ERR;
}

/* Microseconds until the nearest live timer fires (0 if overdue), or -1 when
 * there is no timer at all. */
static int64_t aeUsUntilNearestTimer(aeEventLoop *eventLoop) {
    aeTimeEvent *nearest = NULL;
    for (aeTimeEvent *te = eventLoop->timeEventHead; te; te = te->next) {
        if (te->id == AE_DELETED_EVENT_ID) continue;
        if (!nearest || te->when < nearest->when) nearest = te;
    }
    if (!nearest) return -1;
    uint64_t now = aeNowUs();
    return nearest->when > now ? (int64_t)(nearest->when - now) : 0;
}

static void aeUnlinkTimeEvent(aeEventLoop *eventLoop, aeTimeEvent *te) {
    if (te->prev) te->prev->next = te->next;
    else eventLoop->timeEventHead = te->next;
    if (te->next) te->next->prev = te->prev;
}

/* Run every due timer once. Timers created while this pass runs (their id is
 * above the snapshot `maxId`) wait for the next pass, so a callback that
 * schedules a 0 ms timer cannot make this loop spin forever. */
static int aeProcessTimeEvents(aeEventLoop *eventLoop) {
    int processed = 0;
    long long maxId = eventLoop->timeEventNextId - 1;
    aeTimeEvent *te = eventLoop->timeEventHead;

    while (te) {
        if (te->id == AE_DELETED_EVENT_ID) {
            aeTimeEvent *next = te->next;
            /* A timer still inside its callback (possibly several frames up
             * when the loop is re-entered) is freed by a later pass. */
            if (te->refcount == 0) {
                aeUnlinkTimeEvent(eventLoop, te);
                if (te->finalizerProc)
                    te->finalizerProc(eventLoop, te->clientData);
                zfree(te);
            }
            te = next;
            continue;
        }
        if (te->id > maxId) {
            te = te->next;
            continue;
        }
        uint64_t now = aeNowUs();
        if (te->when <= now) {
            te->refcount++;
            int ms = te->timeProc(eventLoop, te->id, te->clientData);
            te->refcount--;
            processed++;
            if (ms != AE_NOMORE) {
                te->when = aeNowUs() + (uint64_t)(ms < 0 ? 0 : ms) * 1000;
            } else {
                te->id = AE_DELETED_EVENT_ID;
            }
        }
        /* Read next only now: the callback may have changed the list (a
         * nested pass can unlink neighbours), but `te` itself is pinned. */
        te = te->next;
    }
    return processed;
}

/* ------------------------------------------------------------------------
 * Main dispatch
 * ---------------------------------------------------------------------- */

/* How long epoll_wait may block, in ms (-1 = forever). */
static int aeComputeTimeout(aeEventLoop *eventLoop, int flags) {
    if ((flags & AE_DONT_WAIT) || (eventLoop->flags & AE_DONT_WAIT)) return 0;
    if (!(flags & AE_TIME_EVENTS)) return -1;
    int64_t us = aeUsUntilNearestTimer(eventLoop);
    if (us < 0) return -1;
    /* Round up so we never wake just before the deadline and spin. */
    int64_t ms = (us + 999) / 1000;
    if (ms > 0x7fffffff) ms = 0x7fffffff;
    return (int)ms;
}

/* Call the handlers of one fired fd. Read goes before write, unless the fd
 * carries AE_BARRIER (then write first, e.g. to persist before replying).
 * Each handler may delete events or even resize the loop, so the slot is
 * looked up again after every call. */
static void aeFireFileEvent(aeEventLoop *eventLoop, int fd, int mask) {
    if (fd >= eventLoop->setsize) return;
    aeFileEvent *fe = &eventLoop->events[fd];
    int invert = fe->mask & AE_BARRIER;
    int calls = 0;
    aeFileProc *lastProc = NULL;

    if (!invert && (fe->mask & mask & AE_READABLE)) {
        lastProc = fe->rfileProc;
        fe->rfileProc(eventLoop, fd, fe->clientData, mask);
        calls++;
        if (fd >= eventLoop->setsize) return;
        fe = &eventLoop->events[fd];
    }
    if (fe->mask & mask & AE_WRITABLE) {
        if (!calls || fe->wfileProc != lastProc) {
            lastProc = fe->wfileProc;
            fe->wfileProc(eventLoop, fd, fe->clientData, mask);
            calls++;
        }
        if (fd >= eventLoop->setsize) return;
        fe = &eventLoop->events[fd];
    }
    if (invert && (fe->mask & mask & AE_READABLE)) {
        if (!calls || fe->rfileProc != lastProc)
            fe->rfileProc(eventLoop, fd, fe->clientData, mask);
    }
}

int aeProcessEvents(aeEventLoop *eventLoop, int flags) {
    int processed = 0;

    if (!(flags & (AE_FILE_EVENTS|AE_TIME_EVENTS))) return 0;

    /* beforesleep may queue work (and set dont-wait), so it runs before the
     * timeout is decided. */
    if ((flags & AE_CALL_BEFORE_SLEEP) && eventLoop->beforesleep)
        eventLoop->beforesleep(eventLoop);

    /* With no fd registered there is nothing to poll, except that the sleep
     * until the next timer is also done inside epoll_wait. */
    int numevents = 0;
    if (eventLoop->maxfd != -1 ||
        ((flags & AE_TIME_EVENTS) && !(flags & AE_DONT_WAIT))) {
        numevents = aeApiPoll(eventLoop, aeComputeTimeout(eventLoop, flags));
    }

    if ((flags & AE_CALL_AFTER_SLEEP) && eventLoop->aftersleep)
        eventLoop->aftersleep(eventLoop);

    if (flags & AE_FILE_EVENTS) {
        for (int j = 0; j < numevents; j++) {
            aeFireFileEvent(eventLoop, eventLoop->fired[j].fd, eventLoop->fired[j].mask);
            processed++;
        }
    }

    if (flags & AE_TIME_EVENTS)
        processed += aeProcessTimeEvents(eventLoop);

    return processed;
}

/* Synchronous wait on a single fd, independent of any loop (used by the
 * blocking connection helpers). Returns the ready AE mask, 0 on timeout,
 * -1 on poll error. */
int aeWait(int fd, int mask, long long milliseconds) {
    struct pollfd pfd;
    memset(&pfd, 0, sizeof(pfd));
    pfd.fd = fd;
    if (mask & AE_READABLE) pfd.events |= POLLIN;
    if (mask & AE_WRITABLE) pfd.events |= POLLOUT;
    if (milliseconds > 0x7fffffff) milliseconds = 0x7fffffff;

    int rv = poll(&pfd, 1, (int)milliseconds);
    if (rv < 0) return -1;
    if (rv == 0) return 0;
    int ready = 0;
    if (pfd.revents & POLLIN) ready |= AE_READABLE;
    if (pfd.revents & POLLOUT) ready |= AE_WRITABLE;
    /* Report errors as readiness for whatever was asked: the caller's next
     * read/write will surface the actual error. */
    if (pfd.revents & (POLLERR|POLLHUP|POLLNVAL)) ready |= mask & (AE_READABLE|AE_WRITABLE);
    return ready;
}

void aeMain(aeEventLoop *eventLoop) {
    eventLoop->stop = 0;
    while (!eventLoop->stop) {
        aeProcessEvents(eventLoop, AE_ALL_EVENTS|AE_CALL_BEFORE_SLEEP|AE_CALL_AFTER_SLEEP);
    }
}
