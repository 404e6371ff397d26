/* latency.c - latency monitoring: LATENCY LATEST/HISTORY/RESET/GRAPH/
 * DOCTOR/HISTOGRAM, and per-command latency histograms for INFO
 * latencystats.
 *
 * Two separate mechanisms, as in Redis 7.0:
 *
 * 1. The latency monitor: when latency-monitor-threshold is set, events
 *    that took at least that many milliseconds ("command", "fast-command",
 *    ...) are recorded per event class, one sample per second (the worst),
 *    in a ring of the last 160 samples.
 *
 * 2. Latency tracking: every command's duration goes into a log-linear
 *    histogram (values in nanoseconds, two significant digits: 128..255
 *    linear sub-buckets per power of two). Percentiles are reported as the
 *    highest value equivalent to the sample's bucket, which is why INFO
 *    shows figures such as p50=8.031: that is the top of the bucket holding
 *    8000ns. The layout is the one HDR histograms use, so the figures agree
 *    with stock Redis for the same durations.
 */
#include "server.h"

/* ---------------------------------------------------------------------------
 * Per-command histograms
 * ------------------------------------------------------------------------ */

#define HIST_MIN_VALUE 1LL            /* ns */
#define HIST_MAX_VALUE 1000000000LL   /* 1 s, larger values are clamped */
#define HIST_SUB_HALF_MAG 7           /* 128 sub-buckets per half */
#define HIST_SUB_HALF (1 << HIST_SUB_HALF_MAG)
#define HIST_SUB_COUNT (2 * HIST_SUB_HALF)
#define HIST_SUB_MASK ((long long)HIST_SUB_COUNT - 1)
#define HIST_BUCKETS 24               /* enough for HIST_MAX_VALUE */
#define HIST_COUNTS ((HIST_BUCKETS + 1) * HIST_SUB_HALF)

typedef struct latencyHistogram {
    long long total;
    long long counts[HIST_COUNTS];
} latencyHistogram;

/* Histograms are allocated on a command's first call: most commands are
 * never used, and each histogram is ~25KB. Indexed by command id. */
static latencyHistogram **histograms = NULL;
static int histograms_len = 0;

static int bucketIndex(long long v) {
    int pow2ceiling = 64 - __builtin_clzll((unsigned long long)(v | HIST_SUB_MASK));
    return pow2ceiling - (HIST_SUB_HALF_MAG + 1);
}

static int countsIndex(long long v) {
    int b = bucketIndex(v);
    int sub = (int)(v >> b);
    return ((b + 1) << HIST_SUB_HALF_MAG) + (sub - HIST_SUB_HALF);
}

/* The lowest value stored at counts index i. */
static long long valueAtIndex(int i) {
    int b = (i >> HIST_SUB_HALF_MAG) - 1;
    int sub = (i & (HIST_SUB_HALF - 1)) + HIST_SUB_HALF;
    if (b < 0) {
        sub -= HIST_SUB_HALF;
        b = 0;
    }
    return (long long)sub << b;
}

/* Highest value that shares v's bucket: what percentiles report. */
static long long highestEquivalent(long long v) {
    int b = bucketIndex(v);
    int sub = (int)(v >> b);
    long long lowest = (long long)sub << b;
    long long size = 1LL << (b + (sub >= HIST_SUB_COUNT ? 1 : 0));
    return lowest + size - 1;
}

static latencyHistogram *histogramFor(struct redisCommand *cmd, int create) {
    if (cmd->id >= histograms_len) {
        if (!create) return NULL;
        int newlen = cmd->id + 64;
        histograms = zrealloc(histograms, sizeof(*histograms) * newlen);
        memset(histograms + histograms_len, 0, sizeof(*histograms) * (newlen - histograms_len));
        histograms_len = newlen;
    }
    if (!histograms[cmd->id] && create) histograms[cmd->id] = zcalloc(sizeof(latencyHistogram));
    return histograms[cmd->id];
}

/* Called by call() with the duration of each command. */
void updateCommandLatencyHistogram(struct redisCommand *cmd, long long duration_ns) {
    if (duration_ns < HIST_MIN_VALUE) duration_ns = HIST_MIN_VALUE;
    if (duration_ns > HIST_MAX_VALUE) duration_ns = HIST_MAX_VALUE;
    latencyHistogram *h = histogramFor(cmd, 1);
    h->counts[countsIndex(duration_ns)]++;
    h->total++;
}

/* Value (in usec) at the given percentile; 0 when the command has no
 * samples. */
int commandLatencyPercentile(struct redisCommand *cmd, double percentile, double *usec) {
    latencyHistogram *h = histogramFor(cmd, 0);
    if (!h || h->total == 0) return 0;
    if (percentile > 100.0) percentile = 100.0;
    long long target = (long long)((percentile / 100.0) * h->total + 0.5);
    if (target < 1) target = 1;
    long long seen = 0;
    for (int i = 0; i < HIST_COUNTS; i++) {
        seen += h->counts[i];
        if (seen >= target) {
            *usec = highestEquivalent(valueAtIndex(i)) / 1000.0;
            return 1;
        }
    }
    *usec = 0;
    return 1;
}

void resetCommandLatencyHistograms(void) {
    for (int j = 0; j < histograms_len; j++) {
        zfree(histograms[j]);
        histograms[j] = NULL;
    }
}

/* LATENCY HISTOGRAM reports cumulative counts at power-of-two levels
 * starting at 1024ns; a level is printed only when its count grew. */
static void addReplyCommandHistogram(client *c, latencyHistogram *h) {
    addReplyMapLen(c, 2);
    addReplyBulkCString(c, "calls");
    addReplyLongLong(c, h->total);
    addReplyBulkCString(c, "histogram_usec");
    void *replylen = addReplyDeferredLen(c);
    long samples = 0, previous = 0, cumulative = 0;
    int i = 0;
    for (long long level = 1024; previous < h->total && level <= HIST_MAX_VALUE * 2; level *= 2) {
        long long top = highestEquivalent(level);
        while (i < HIST_COUNTS && valueAtIndex(i) <= top) cumulative += h->counts[i++];
        if (cumulative > previous) {
            addReplyLongLong(c, top / 1000);
            addReplyLongLong(c, cumulative);
            samples++;
        }
        previous = cumulative;
    }
    setDeferredMapLen(c, replylen, samples);
}

static void addReplyHistogramEntry(client *c, struct redisCommand *cmd, long *count) {
    latencyHistogram *h = histogramFor(cmd, 0);
    if (!h || h->total == 0) return;
    addReplyBulkCBuffer(c, cmd->fullname, sdslen(cmd->fullname));
    addReplyCommandHistogram(c, h);
    (*count)++;
}

static void addReplySubcommandHistograms(client *c, struct redisCommand *container, long *count) {
    dictIterator *si = dictGetSafeIterator(container->subcommands_dict);
    dictEntry *se;
    while ((se = dictNext(si)) != NULL) addReplyHistogramEntry(c, dictGetVal(se), count);
    dictReleaseIterator(si);
}

static void latencyHistogramReply(client *c) {
    void *replylen = addReplyDeferredLen(c);
    long count = 0;
    if (c->argc == 2) {
        dictIterator *di = dictGetSafeIterator(server.commands);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) {
            struct redisCommand *cmd = dictGetVal(de);
            addReplyHistogramEntry(c, cmd, &count);
            if (cmd->subcommands_dict) addReplySubcommandHistograms(c, cmd, &count);
        }
        dictReleaseIterator(di);
    } else {
        for (int j = 2; j < c->argc; j++) {
            struct redisCommand *cmd = lookupCommandBySds(c->argv[j]->ptr);
            if (!cmd) continue;
            /* A container (CONFIG, CLIENT, ...) stands for its subcommands. */
            if (cmd->subcommands_dict) addReplySubcommandHistograms(c, cmd, &count);
            else addReplyHistogramEntry(c, cmd, &count);
        }
    }
    setDeferredMapLen(c, replylen, count);
}

/* ---------------------------------------------------------------------------
 * The latency monitor
 * ------------------------------------------------------------------------ */

#define LATENCY_TS_LEN 160

typedef struct latencySample {
    int32_t time;     /* unix seconds */
    uint32_t latency; /* ms */
} latencySample;

typedef struct latencyTimeSeries {
    int idx;          /* next slot to write */
    uint32_t max;     /* worst latency ever seen */
    latencySample samples[LATENCY_TS_LEN];
} latencyTimeSeries;

/* Event name (sds) -> latencyTimeSeries. */
static dictType latencyEventsDictType = {
    dictSdsHash, NULL, NULL, dictSdsKeyCompare, dictSdsDestructor, NULL, NULL
};

static dict *latencyEvents(void) {
    if (server.latency_events == NULL) server.latency_events = dictCreate(&latencyEventsDictType);
    return server.latency_events;
}

/* Record a sample if the monitor is on and the event was slow enough. */
void latencyAddSampleIfNeeded(const char *event, long long ms) {
    if (server.latency_monitor_threshold == 0 || ms < server.latency_monitor_threshold) return;
    dict *events = latencyEvents();
    sds name = sdsnew(event);
    latencyTimeSeries *ts = dictFetchValue(events, name);
    if (ts == NULL) {
        ts = zcalloc(sizeof(*ts));
        dictAdd(events, name, ts);
    } else {
        sdsfree(name);
    }
    if ((uint32_t)ms > ts->max) ts->max = ms;
    int32_t now = time(NULL);
    /* One sample per second: keep that second's worst. */
    int prev = (ts->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
    if (ts->samples[prev].time == now) {
        if ((uint32_t)ms > ts->samples[prev].latency) ts->samples[prev].latency = ms;
        return;
    }
    ts->samples[ts->idx].time = now;
    ts->samples[ts->idx].latency = ms;
    ts->idx = (ts->idx + 1) % LATENCY_TS_LEN;
}

static latencyTimeSeries *latencyFindSeries(sds event) {
    if (server.latency_events == NULL) return NULL;
    return dictFetchValue(server.latency_events, event);
}

static void latencyLatestReply(client *c) {
    dict *events = latencyEvents();
    addReplyArrayLen(c, dictSize(events));
    dictIterator *di = dictGetIterator(events);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        sds event = dictGetKey(de);
        latencyTimeSeries *ts = dictGetVal(de);
        int last = (ts->idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
        addReplyArrayLen(c, 4);
        addReplyBulkCBuffer(c, event, sdslen(event));
        addReplyLongLong(c, ts->samples[last].time);
        addReplyLongLong(c, ts->samples[last].latency);
        addReplyLongLong(c, ts->max);
    }
    dictReleaseIterator(di);
}

static void latencyHistoryReply(client *c, latencyTimeSeries *ts) {
    void *replylen = addReplyDeferredLen(c);
    long samples = 0;
    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        int i = (ts->idx + j) % LATENCY_TS_LEN;
        if (ts->samples[i].time == 0) continue;
        addReplyArrayLen(c, 2);
        addReplyLongLong(c, ts->samples[i].time);
        addReplyLongLong(c, ts->samples[i].latency);
        samples++;
    }
    setDeferredArrayLen(c, replylen, samples);
}

/* LATENCY GRAPH: one column per sample, oldest on the left, 4 rows high.
 * A sample's height is its position between the lowest and the highest
 * sample of the series, in 12 steps (3 marks per row: '_', 'o', '#'), the
 * rows below the mark filled with '|'. Under the chart, after a blank row,
 * each column's age is written vertically ("12s", "3m", ...). */
#define GRAPH_ROWS 4
#define GRAPH_WIDTH 80

/* Columns [from, to) of the chart: the rows, a blank row, then the
 * labels written vertically (as many rows as the block's longest). */
static sds latencyGraphBlock(sds graph, int *levels, char labels[][24], int from, int to) {
    static const char marks[] = "_o#";
    for (int row = GRAPH_ROWS - 1; row >= 0; row--) {
        for (int k = from; k < to; k++) {
            int top = levels[k] / 3;
            char ch = ' ';
            if (top == row) ch = marks[levels[k] % 3];
            else if (top > row) ch = '|';
            graph = sdscatlen(graph, &ch, 1);
        }
        graph = sdscatlen(graph, "\n", 1);
    }
    int label_rows = 0;
    for (int k = from; k < to; k++)
        if ((int)strlen(labels[k]) > label_rows) label_rows = (int)strlen(labels[k]);
    for (int k = from; k < to; k++) graph = sdscatlen(graph, " ", 1);
    graph = sdscatlen(graph, "\n", 1);
    for (int r = 0; r < label_rows; r++) {
        for (int k = from; k < to; k++) {
            char ch = r < (int)strlen(labels[k]) ? labels[k][r] : ' ';
            graph = sdscatlen(graph, &ch, 1);
        }
        graph = sdscatlen(graph, "\n", 1);
    }
    return graph;
}

static sds latencyGraph(sds event, latencyTimeSeries *ts) {
    const int steps = GRAPH_ROWS * 3;
    uint32_t high = 0, low = UINT32_MAX;
    int n = 0;
    int levels[LATENCY_TS_LEN];
    char labels[LATENCY_TS_LEN][24];
    time_t now = time(NULL);

    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        if (ts->samples[j].time == 0) continue;
        if (ts->samples[j].latency > high) high = ts->samples[j].latency;
        if (ts->samples[j].latency < low) low = ts->samples[j].latency;
    }
    if (low == UINT32_MAX) low = 0;

    for (int j = 0; j < LATENCY_TS_LEN; j++) {
        int i = (ts->idx + j) % LATENCY_TS_LEN;
        if (ts->samples[i].time == 0) continue;
        double rel = high > low ? (double)(ts->samples[i].latency - low) / (high - low) : 0;
        int step = (int)(rel * steps);
        if (step >= steps) step = steps - 1;
        levels[n] = step;
        long age = (long)(now - ts->samples[i].time);
        if (age < 0) age = 0;
        if (age < 60) snprintf(labels[n], sizeof(labels[n]), "%lds", age);
        else if (age < 3600) snprintf(labels[n], sizeof(labels[n]), "%ldm", age / 60);
        else if (age < 86400) snprintf(labels[n], sizeof(labels[n]), "%ldh", age / 3600);
        else snprintf(labels[n], sizeof(labels[n]), "%ldd", age / 86400);
        n++;
    }

    sds graph = sdscatprintf(sdsempty(), "%s - high %lu ms, low %lu ms (all time high %lu ms)\n",
                             event, (unsigned long)high, (unsigned long)low, (unsigned long)ts->max);
    for (int j = 0; j < 80; j++) graph = sdscatlen(graph, "-", 1);
    graph = sdscatlen(graph, "\n", 1);

    /* Stock wraps the chart every 80 columns: each block is drawn whole
     * (rows, blank row, labels), blocks separated by an empty line. */
    for (int from = 0; from < n; from += GRAPH_WIDTH) {
        int to = from + GRAPH_WIDTH < n ? from + GRAPH_WIDTH : n;
        if (from) graph = sdscatlen(graph, "\n", 1);
        graph = latencyGraphBlock(graph, levels, labels, from, to);
    }
    return graph;
}

/* LATENCY DOCTOR: per-event statistics, then advice depending on which
 * kinds of events were seen and on the slow log configuration. */
static sds latencyDoctorReport(void) {
    if (server.latency_monitor_threshold == 0 &&
        (server.latency_events == NULL || dictSize(server.latency_events) == 0)) {
        return sdsnew("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n");
    }
    dict *events = latencyEvents();
    if (dictSize(events) == 0)
        return sdsnew("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");

    int seen_command = 0, seen_fast = 0;
    sds report = sdsnew("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
    dictIterator *di = dictGetIterator(events);
    dictEntry *de;
    int n = 1;
    while ((de = dictNext(di)) != NULL) {
        sds event = dictGetKey(de);
        latencyTimeSeries *ts = dictGetVal(de);
        int samples = 0;
        double sum = 0;
        int32_t first = 0, last = 0;
        for (int j = 0; j < LATENCY_TS_LEN; j++) {
            if (ts->samples[j].time == 0) continue;
            if (samples == 0 || ts->samples[j].time < first) first = ts->samples[j].time;
            if (samples == 0 || ts->samples[j].time > last) last = ts->samples[j].time;
            samples++;
            sum += ts->samples[j].latency;
        }
        if (samples == 0) continue;
        double mean = sum / samples, dev = 0;
        for (int j = 0; j < LATENCY_TS_LEN; j++) {
            if (ts->samples[j].time == 0) continue;
            double d = ts->samples[j].latency - mean;
            dev += d < 0 ? -d : d;
        }
        dev /= samples;
        double period = (double)(last - first + 1) / samples;
        report = sdscatprintf(report,
            "%d. %s: %d latency spikes (average %lums, mean deviation %lums, period %.2f sec). Worst all time event %lums.\n",
            n++, event, samples, (unsigned long)mean, (unsigned long)dev, period, (unsigned long)ts->max);
        if (!strcmp(event, "command")) seen_command = 1;
        else if (!strcmp(event, "fast-command")) seen_fast = 1;
    }
    dictReleaseIterator(di);

    sds advice = sdsempty();
    if (seen_command) {
        unsigned long long want = (unsigned long long)server.latency_monitor_threshold * 1000;
        if (server.slowlog_log_slower_than < 0) {
            advice = sdscatprintf(advice, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %llu'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", want);
        } else if ((unsigned long long)server.slowlog_log_slower_than / 1000 > (unsigned long long)server.latency_monitor_threshold) {
            advice = sdscatprintf(advice, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %llu'.\n", want);
        }
        advice = sdscat(advice, "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
    }
    if (seen_fast) {
        advice = sdscat(advice,
            "- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n"
            "  1) Lower the system load.\n"
            "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
            "  3) Check if you have a \"noisy neighbour\" problem.\n"
            "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
            "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
    }
    if (seen_command) {
        advice = sdscat(advice, "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
    }
    if (sdslen(advice)) {
        report = sdscat(report, "\nI have a few advices for you:\n\n");
        report = sdscatsds(report, advice);
    }
    sdsfree(advice);
    return report;
}

static void latencyResetReply(client *c) {
    dict *events = latencyEvents();
    long resets = 0;
    if (c->argc == 2) {
        resets = dictSize(events);
        dictIterator *di = dictGetSafeIterator(events);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) zfree(dictGetVal(de));
        dictReleaseIterator(di);
        dictEmpty(events, NULL);
    } else {
        for (int j = 2; j < c->argc; j++) {
            latencyTimeSeries *ts = dictFetchValue(events, c->argv[j]->ptr);
            if (ts) {
                zfree(ts);
                dictDelete(events, c->argv[j]->ptr);
                resets++;
            }
        }
    }
    addReplyLongLong(c, resets);
}

void latencyCommand(client *c) {
    const char *sub = c->argv[1]->ptr;
    latencyTimeSeries *ts;

    if (c->argc == 2 && !strcasecmp(sub, "help")) {
        const char *help[] = {
"DOCTOR",
"    Return a human readable latency analysis report.",
"GRAPH <event>",
"    Return an ASCII latency graph for the <event> class.",
"HISTORY <event>",
"    Return time-latency samples for the <event> class.",
"LATEST",
"    Return the latest latency samples for all events.",
"RESET [<event> ...]",
"    Reset latency data of one or more <event> classes.",
"    (default: reset all data for all event classes)",
"HISTOGRAM [COMMAND ...]",
"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
"    If no commands are specified then all histograms are replied.",
NULL
        };
        addReplyHelp(c, help);
    } else if (c->argc == 2 && !strcasecmp(sub, "latest")) {
        latencyLatestReply(c);
    } else if (c->argc == 3 && !strcasecmp(sub, "history")) {
        ts = latencyFindSeries(c->argv[2]->ptr);
        if (ts == NULL) addReplyArrayLen(c, 0);
        else latencyHistoryReply(c, ts);
    } else if (c->argc == 3 && !strcasecmp(sub, "graph")) {
        ts = latencyFindSeries(c->argv[2]->ptr);
        if (ts == NULL) {
            addReplyErrorFormat(c, "No samples available for event '%s'", (char *)c->argv[2]->ptr);
            return;
        }
        sds graph = latencyGraph(c->argv[2]->ptr, ts);
        addReplyVerbatim(c, graph, sdslen(graph), "txt");
        sdsfree(graph);
    } else if (c->argc == 2 && !strcasecmp(sub, "doctor")) {
        sds report = latencyDoctorReport();
        addReplyVerbatim(c, report, sdslen(report), "txt");
        sdsfree(report);
    } else if (c->argc >= 2 && !strcasecmp(sub, "reset")) {
        latencyResetReply(c);
    } else if (c->argc >= 2 && !strcasecmp(sub, "histogram")) {
        latencyHistogramReply(c);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}
