/* persistence.c - the server side of RDB persistence.
 *
 * Start-up loading (clients get -LOADING meanwhile), SAVE, BGSAVE in a
 * forked child (temp-<pid>.rdb then rename; the child reports progress and
 * copy-on-write size through a pipe; the cron reaps it), save points,
 * scheduled BGSAVEs, the MISCONF write refusal after a failed save, the
 * final save at SHUTDOWN, DEBUG RELOAD and INFO persistence. The format
 * itself is in rdb.c.
 */
#include "rdb.h"
#include "aof.h"

#include <sys/wait.h>
#include <fcntl.h>

/* Replication hooks (replication.c). */
#pragma weak replicationRdbChildDone
#pragma weak replicationSocketChildExited
#pragma weak replicationLoadedRdbInfo

#define BGSAVE_RETRY_DELAY 5 /* seconds between attempts after a failure */

static long long total_forks;

long long persistenceTotalForks(void) {
    return total_forks;
}

static void persistenceCountFork(void) {
    total_forks++;
}

persistenceState persist = {
    .rdb_save_time_start = -1,
    .rdb_save_time_last = -1,
    .child_info_pipe = {-1, -1},
};

/* ---------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------ */

static void resetLoadingProgress(off_t size) {
    persist.loading_start_time = time(NULL);
    persist.loading_total_bytes = size;
    persist.loading_loaded_bytes = 0;
    persist.loading_rdb_used_mem = 0;
}

void startLoading(off_t size) {
    server.loading = 1;
    resetLoadingProgress(size);
}

/* A replica's async load (replica.c): INFO shows the progress, clients
 * keep being served the old dataset between blocks. */
void startAsyncLoading(void) {
    server.async_loading = 1;
    resetLoadingProgress(0);
    persist.loading_serve_clients = 1;
}

void stopAsyncLoading(void) {
    server.async_loading = 0;
    persist.loading_serve_clients = 0;
}

void loadingProgress(off_t pos) {
    persist.loading_loaded_bytes = pos;
}

void stopLoading(void) {
    server.loading = 0;
}

/* Serve clients for a moment from inside a long operation (loading): new
 * connections, replies (-LOADING for most commands, INFO works). Timers
 * and the before-sleep work (expiry, ...) do not run meanwhile. */
void processEventsWhileBlocked(void) {
    updateCachedTime(0);
    /* SIGTERM/SIGINT while loading: leave now (nothing is saved). */
    if (server.shutdown_asap && prepareForShutdown(SHUTDOWN_NOW) == C_OK) exit(0);
    for (int i = 0; i < 4; i++) {
        int events = aeProcessEvents(server.el, AE_FILE_EVENTS | AE_DONT_WAIT);
        events += handleClientsWithPendingWrites();
        freeClientsInAsyncFreeQueue();
        if (events == 0) break;
    }
}

void loadDataFromDisk(void) {
    if (server.aof_enabled) {
        loadAppendOnlyFilesOnStart();
        return;
    }
    long long start = ustime();
    rdbSaveInfo rsi = RDB_SAVE_INFO_INIT;
    persist.loading_serve_clients = 1;
    int ret = rdbLoad(server.rdb_filename, &rsi, RDBFLAGS_NONE);
    persist.loading_serve_clients = 0;
    if (ret == RDB_OK) {
        serverLog(LL_NOTICE, "DB loaded from disk: %.3f seconds", (double)(ustime() - start) / 1000000);
        /* A replica resumes from the replication id/offset it saved. */
        if (replicationLoadedRdbInfo) replicationLoadedRdbInfo(&rsi);
    } else if (ret == RDB_FAILED) {
        serverLog(LL_WARNING, "Fatal error loading the DB (%s): %s", server.rdb_filename, rdbLastError());
        serverLog(LL_WARNING, "Terminating server after rdb file reading failure.");
        exit(1);
    }
}

/* ---------------------------------------------------------------------------
 * Child progress reports
 * ------------------------------------------------------------------------ */

typedef struct childInfo {
    int final;
    size_t keys;
    size_t cow;
} childInfo;

/* Private dirty memory of this process: what the fork has copied. */
static size_t getPrivateDirtyBytes(void) {
    FILE *fp = fopen("/proc/self/smaps_rollup", "r");
    if (!fp) return 0;
    char line[256];
    size_t total = 0;
    while (fgets(line, sizeof(line), fp)) {
        if (!strncmp(line, "Private_Dirty:", 14)) total += strtoull(line + 14, NULL, 10) * 1024;
    }
    fclose(fp);
    return total;
}

void childReportProgress(size_t keys, int final) {
    static long long last_report = 0;
    long long now = mstime();
    if (!final && now - last_report < 1000) return;
    last_report = now;
    childInfo ci = { final, keys, getPrivateDirtyBytes() };
    static size_t peak = 0, sum = 0, samples = 0;
    if (ci.cow > peak) peak = ci.cow;
    sum += ci.cow;
    samples++;
    if (final) {
        serverLog(LL_NOTICE, "Fork CoW for %s: current %zu MB, peak %zu MB, average %zu MB",
                  persist.in_child == CHILD_TYPE_AOF ? "AOF rewrite" : "RDB",
                  ci.cow >> 20, peak >> 20, (sum / samples) >> 20);
    }
    if (persist.child_info_pipe[1] != -1 &&
        write(persist.child_info_pipe[1], &ci, sizeof(ci)) != (ssize_t)sizeof(ci)) {
        /* The parent is gone (kill -9): stop, as stock's child does, so an
         * orphan cannot rename a stale snapshot over the files of a server
         * started since. Nobody will rename our temp file either. */
        serverLog(LL_WARNING, "Child failed reporting info to parent, exiting. %s", strerror(errno));
        if (persist.in_child == CHILD_TYPE_RDB) rdbRemoveTempFile(getpid());
        _exit(1);
    }
}

static void closeChildInfoPipe(void);

static void openChildInfoPipe(void) {
    closeChildInfoPipe(); /* never leak the ends of an earlier child's pipe */
    if (pipe(persist.child_info_pipe) == -1) {
        persist.child_info_pipe[0] = persist.child_info_pipe[1] = -1;
        return;
    }
    fcntl(persist.child_info_pipe[0], F_SETFL, O_NONBLOCK);
}

static void closeChildInfoPipe(void) {
    for (int i = 0; i < 2; i++) {
        if (persist.child_info_pipe[i] != -1) close(persist.child_info_pipe[i]);
        persist.child_info_pipe[i] = -1;
    }
}

static void receiveChildInfo(void) {
    childInfo ci;
    if (persist.child_info_pipe[0] == -1) return;
    while (read(persist.child_info_pipe[0], &ci, sizeof(ci)) == (ssize_t)sizeof(ci)) {
        persist.current_save_keys_processed = ci.keys;
        persist.current_cow_size = ci.cow;
        persist.current_cow_size_time = time(NULL);
        if (ci.cow > persist.current_cow_peak) persist.current_cow_peak = ci.cow;
        if (ci.final && server.child_type == CHILD_TYPE_AOF) persist.aof_last_cow_size = ci.cow;
        else if (ci.final) persist.rdb_last_cow_size = ci.cow;
    }
}

/* In a forked child: close the listening sockets without touching the
 * event loop (its epoll instance is shared with the parent, so removing
 * events there would stop the parent from accepting). */
void closeChildListeningSockets(void) {
    for (int j = 0; j < server.ipfd.count; j++) close(server.ipfd.fd[j]);
    for (int j = 0; j < server.tlsfd.count; j++) close(server.tlsfd.fd[j]);
    if (server.sofd != -1) close(server.sofd);
}

/* The child is reaped or killed: no child, no progress, no pipe. */
void persistenceChildGone(void) {
    server.child_type = CHILD_TYPE_NONE;
    server.child_pid = -1;
    persist.current_cow_peak = persist.current_cow_size = 0;
    persist.current_cow_size_time = 0;
    persist.current_save_keys_processed = persist.current_save_keys_total = 0;
    closeChildInfoPipe();
}

/* A child stopped on purpose (killRDBChild, killAppendOnlyChild) says so in
 * the log, as stock's does, then dies of the signal as before. */
static void childStopSignalHandler(int sig) {
    serverLogFromHandler(LL_WARNING, "Received SIGUSR1 in child, exiting now.");
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Every persistence child (BGSAVE, AOF rewrite, diskless transfer) is
 * forked here, so all of them report progress and copy-on-write through
 * the info pipe, count in total_forks and the fork latency, and notice a
 * parent killed under them. Returns what fork() returned. */
pid_t persistenceFork(int child_type) {
    openChildInfoPipe();
    long long start = ustime();
    pid_t pid = fork();
    if (pid == 0) {
        persist.in_child = child_type;
        signal(SIGUSR1, childStopSignalHandler);
        closeChildListeningSockets();
        if (persist.child_info_pipe[0] != -1) close(persist.child_info_pipe[0]);
        persist.child_info_pipe[0] = -1;
        return 0;
    }
    server.stat_fork_time = ustime() - start;
    if (pid == -1) {
        closeChildInfoPipe();
        return -1;
    }
    latencyAddSampleIfNeeded("fork", server.stat_fork_time / 1000);
    persistenceCountFork();
    /* INFO's progress (current_fork_perc) counts against every key, for
     * each kind of child, as stock. */
    persist.current_cow_peak = persist.current_cow_size = 0;
    persist.current_cow_size_time = 0;
    persist.current_save_keys_processed = 0;
    persist.current_save_keys_total = (size_t)dbTotalServerKeyCount();
    if (persist.child_info_pipe[1] != -1) close(persist.child_info_pipe[1]);
    persist.child_info_pipe[1] = -1;
    return pid;
}

/* ---------------------------------------------------------------------------
 * BGSAVE
 * ------------------------------------------------------------------------ */

void rdbRemoveTempFile(pid_t childpid) {
    char tmpfile[256];
    snprintf(tmpfile, sizeof(tmpfile), "temp-%d.rdb", (int)childpid);
    unlink(tmpfile);
}

int rdbSaveBackground(const char *filename, rdbSaveInfo *rsi) {
    if (hasActiveChildProcess()) return C_ERR;
    server.dirty_before_bgsave = server.dirty;
    server.lastbgsave_try = time(NULL);
    size_t total_keys = (size_t)dbTotalServerKeyCount();
    pid_t parent = getpid();
    pid_t pid = persistenceFork(CHILD_TYPE_RDB);
    if (pid == 0) {
        /* Child: no sockets, no timers, just write the snapshot. */
        rdbChildGuardTarget(parent, filename);
        int ret = rdbSave(filename, rsi);
        if (ret == C_OK) childReportProgress(total_keys, 1);
        _exit(ret == C_OK ? 0 : 1);
    }
    if (pid == -1) {
        server.lastbgsave_status = C_ERR;
        serverLog(LL_WARNING, "Can't save in background: fork: %s", strerror(errno));
        return C_ERR;
    }
    serverLog(LL_NOTICE, "Background saving started by pid %ld", (long)pid);
    persist.rdb_save_time_start = time(NULL);
    server.child_pid = pid;
    server.child_type = CHILD_TYPE_RDB;
    return C_OK;
}

static void backgroundSaveDone(int exitcode, int bysignal) {
    if (!bysignal && exitcode == 0) {
        serverLog(LL_NOTICE, "Background saving terminated with success");
        server.dirty -= server.dirty_before_bgsave;
        if (server.dirty < 0) server.dirty = 0;
        server.lastsave = time(NULL);
        server.lastbgsave_status = C_OK;
        persist.rdb_saves++;
    } else if (!bysignal) {
        serverLog(LL_WARNING, "Background saving error");
        server.lastbgsave_status = C_ERR;
    } else {
        serverLog(LL_WARNING, "Background saving terminated by signal %d", bysignal);
        rdbRemoveTempFile(server.child_pid);
        /* SIGUSR1 is how we stop a child on purpose: not a failure. */
        if (bysignal != SIGUSR1) server.lastbgsave_status = C_ERR;
    }
    persist.rdb_save_time_last = time(NULL) - persist.rdb_save_time_start;
    persist.rdb_save_time_start = -1;
}

/* How a diskless transfer's child ended, in stock's words. */
static void logSocketChildEnd(int exitcode, int bysignal) {
    if (bysignal)
        serverLog(LL_WARNING, "Background transfer terminated by signal %d", bysignal);
    else if (exitcode != 0)
        serverLog(LL_WARNING, "Background transfer error");
    else
        serverLog(LL_NOTICE, "Background RDB transfer terminated with success");
}

/* Reap a child that exited (the cron's check; replication.c also asks
 * when a replica's ACK shows its diskless snapshot is through). */
void checkChildrenDone(void) {
    int statloc = 0;
    pid_t pid = waitpid(-1, &statloc, WNOHANG);
    if (pid <= 0) return;
    int exitcode = WIFEXITED(statloc) ? WEXITSTATUS(statloc) : -1;
    int bysignal = WIFSIGNALED(statloc) ? WTERMSIG(statloc) : 0;
    if (pid != server.child_pid) {
        if (ldbReapedChild(pid)) return; /* a forked debugging session ended */
        serverLog(LL_WARNING, "Warning, detected child with unmatched pid: %ld", (long)pid);
        return;
    }
    receiveChildInfo();
    int type = server.child_type, to_socket = persist.child_to_socket;
    if (type == CHILD_TYPE_RDB && !to_socket) backgroundSaveDone(exitcode, bysignal);
    else if (type == CHILD_TYPE_AOF) backgroundRewriteDoneHandler(exitcode, bysignal);
    if (to_socket && replicationSocketChildExited) replicationSocketChildExited(exitcode == 0 && !bysignal);
    if (to_socket) logSocketChildEnd(exitcode, bysignal);
    persist.child_to_socket = 0;
    persistenceChildGone();
    /* Replicas waiting for this snapshot (replication.c). */
    if (type == CHILD_TYPE_RDB && replicationRdbChildDone)
        replicationRdbChildDone(exitcode == 0 && !bysignal, to_socket);
}

void killRDBChild(void) {
    if (server.child_type != CHILD_TYPE_RDB) return;
    kill(server.child_pid, SIGUSR1);
    /* Reap it now so no zombie and no late "done" handling remain. */
    int statloc;
    waitpid(server.child_pid, &statloc, 0);
    rdbRemoveTempFile(server.child_pid);
    persist.rdb_save_time_start = -1;
    persistenceChildGone();
}

/* A save point is due when enough changes and seconds have gone by, and
 * we are not retrying too eagerly after a failure. */
static int savePointDue(void) {
    for (int j = 0; j < server.saveparamslen; j++) {
        struct saveparam *sp = server.saveparams + j;
        if (server.dirty >= sp->changes && server.unixtime - server.lastsave > sp->seconds &&
            (server.unixtime - server.lastbgsave_try > BGSAVE_RETRY_DELAY ||
             server.lastbgsave_status == C_OK)) {
            serverLog(LL_NOTICE, "%d changes in %d seconds. Saving...", sp->changes, (int)sp->seconds);
            return 1;
        }
    }
    return 0;
}

void persistenceCron(void) {
    migrateCloseTimedoutSockets();
    aofCron();
    if (hasActiveChildProcess()) {
        receiveChildInfo();
        checkChildrenDone();
        return;
    }
    if (ldbHasChildren()) checkChildrenDone();
    if (savePointDue()) {
        rdbSaveBackground(server.rdb_filename, NULL);
    } else if (persist.bgsave_scheduled &&
               (server.unixtime - server.lastbgsave_try > BGSAVE_RETRY_DELAY ||
                server.lastbgsave_status == C_OK)) {
        if (rdbSaveBackground(server.rdb_filename, NULL) == C_OK) persist.bgsave_scheduled = 0;
    }
}

/* ---------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------ */

void saveCommand(client *c) {
    if (server.child_type == CHILD_TYPE_RDB) {
        addReplyError(c, "Background save already in progress");
        return;
    }
    if (rdbSave(server.rdb_filename, NULL) == C_OK) {
        persist.rdb_saves++;
        addReply(c, shared.ok);
    } else {
        addReplyErrorObject(c, shared.err);
    }
}

/* BGSAVE [SCHEDULE] */
void bgsaveCommand(client *c) {
    int schedule = 0;
    if (c->argc > 1) {
        if (c->argc == 2 && !strcasecmp(c->argv[1]->ptr, "schedule")) {
            schedule = 1;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    if (server.child_type == CHILD_TYPE_RDB) {
        addReplyError(c, "Background save already in progress");
    } else if (hasActiveChildProcess() || server.in_exec) {
        if (schedule || server.in_exec) {
            persist.bgsave_scheduled = 1;
            addReplyStatus(c, "Background saving scheduled");
        } else {
            addReplyError(c, "Another child process is active (AOF?): can't BGSAVE right now. "
                             "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
        }
    } else if (rdbSaveBackground(server.rdb_filename, NULL) == C_OK) {
        addReplyStatus(c, "Background saving started");
    } else {
        addReplyErrorObject(c, shared.err);
    }
}

/* DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] */
void debugReloadCommand(client *c) {
    int flush = 1, save = 1, flags = RDBFLAGS_NONE;
    for (int j = 2; j < c->argc; j++) {
        const char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "MERGE")) flags |= RDBFLAGS_ALLOW_DUP;
        else if (!strcasecmp(opt, "NOFLUSH")) flush = 0;
        else if (!strcasecmp(opt, "NOSAVE")) save = 0;
        else {
            addReplyError(c, "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
            return;
        }
    }
    if (save && rdbSave(server.rdb_filename, NULL) != C_OK) {
        addReplyErrorObject(c, shared.err);
        return;
    }
    if (flush) emptyData(-1, EMPTYDB_NO_FLAGS, NULL);
    int ret = rdbLoad(server.rdb_filename, NULL, flags);
    if (ret != RDB_OK) {
        if (ret == RDB_FAILED) serverLog(LL_WARNING, "DEBUG RELOAD: %s", rdbLastError());
        addReplyError(c, "Error trying to load the RDB dump, check server logs.");
        return;
    }
    serverLog(LL_WARNING, "DB reloaded by DEBUG RELOAD");
    addReply(c, shared.ok);
}

/* ---------------------------------------------------------------------------
 * Shutdown, write refusal, INFO
 * ------------------------------------------------------------------------ */

int persistenceShutdown(int save, int nosave, int force) {
    /* A half-loaded dataset must never replace the files it comes from. */
    if (server.loading) {
        serverLog(LL_WARNING, "Shutdown while loading: not saving the partially loaded dataset.");
        return C_OK;
    }
    if (aofShutdown(force) != C_OK) return C_ERR;
    if (server.child_type == CHILD_TYPE_RDB) {
        serverLog(LL_WARNING, "There is a child saving an .rdb. Killing it!");
        killRDBChild();
    }
    if ((server.saveparamslen > 0 && !nosave) || save) {
        serverLog(LL_NOTICE, "Saving the final RDB snapshot before exiting.");
        if (rdbSave(server.rdb_filename, NULL) != C_OK) {
            if (force) {
                serverLog(LL_WARNING, "Error trying to save the DB. Exit anyway.");
            } else {
                serverLog(LL_WARNING, "Error trying to save the DB, can't exit.");
                return C_ERR;
            }
        }
    }
    return C_OK;
}

void persistenceAfterFlushall(void) {
    if (server.child_type == CHILD_TYPE_RDB) {
        int to_socket = persist.child_to_socket;
        killRDBChild();
        /* Replicas waiting for that snapshot would wait forever: they are
         * dropped and come back for a new one, as with a failed BGSAVE. */
        if (replicationRdbChildDone) replicationRdbChildDone(0, to_socket);
    }
    if (server.saveparamslen > 0) rdbSave(server.rdb_filename, NULL);
}

sds persistenceDenyWritesError(void) {
    if (server.stop_writes_on_bgsave_err && server.saveparamslen > 0 &&
        server.lastbgsave_status == C_ERR) {
        /* shared.bgsaveerr is "-MISCONF ...\r\n": keep the dash (our own
         * error code, not ERR), drop the CRLF. */
        return sdsnewlen(shared.bgsaveerr->ptr, sdslen(shared.bgsaveerr->ptr) - 2);
    }
    return aofWriteErrorReply();
}

sds genPersistenceInfoFields(sds info) {
    time_t now = time(NULL);
    int rdb_child = server.child_type == CHILD_TYPE_RDB;
    double fork_perc = 0;
    if (server.child_type != CHILD_TYPE_NONE && persist.current_save_keys_total)
        fork_perc = 100.0 * persist.current_save_keys_processed / persist.current_save_keys_total;
    info = sdscatprintf(info,
        "loading:%d\r\n"
        "async_loading:%d\r\n"
        "current_cow_peak:%zu\r\n"
        "current_cow_size:%zu\r\n"
        "current_cow_size_age:%lld\r\n"
        "current_fork_perc:%.2f\r\n"
        "current_save_keys_processed:%zu\r\n"
        "current_save_keys_total:%zu\r\n"
        "rdb_changes_since_last_save:%lld\r\n"
        "rdb_bgsave_in_progress:%d\r\n"
        "rdb_last_save_time:%lld\r\n"
        "rdb_last_bgsave_status:%s\r\n"
        "rdb_last_bgsave_time_sec:%lld\r\n"
        "rdb_current_bgsave_time_sec:%lld\r\n"
        "rdb_saves:%lld\r\n"
        "rdb_last_cow_size:%zu\r\n"
        "rdb_last_load_keys_expired:%lld\r\n"
        "rdb_last_load_keys_loaded:%lld\r\n",
        server.loading ? 1 : 0,
        server.async_loading ? 1 : 0,
        persist.current_cow_peak,
        persist.current_cow_size,
        persist.current_cow_size_time ? (long long)(now - persist.current_cow_size_time) : 0LL,
        fork_perc,
        persist.current_save_keys_processed,
        persist.current_save_keys_total,
        server.dirty,
        rdb_child,
        (long long)server.lastsave,
        server.lastbgsave_status == C_OK ? "ok" : "err",
        (long long)persist.rdb_save_time_last,
        rdb_child && persist.rdb_save_time_start != -1 ? (long long)(now - persist.rdb_save_time_start) : -1LL,
        persist.rdb_saves,
        persist.rdb_last_cow_size,
        persist.last_load_keys_expired,
        persist.last_load_keys_loaded);
    info = aofGenInfoFields(info);
    if (server.loading || server.async_loading) {
        /* Same arithmetic as stock (the +1s avoid dividing by zero). A
         * load from the master's socket has no known size: stock then
         * estimates with the RDB's used-mem. */
        long long total = persist.loading_total_bytes ? (long long)persist.loading_total_bytes
                                                      : (long long)persist.loading_rdb_used_mem;
        double perc = (double)persist.loading_loaded_bytes / (total + 1) * 100;
        time_t elapsed = now - persist.loading_start_time;
        long long remaining = total - (long long)persist.loading_loaded_bytes;
        long long eta = elapsed == 0 ? 1 : (long long)elapsed * remaining / (persist.loading_loaded_bytes + 1);
        info = sdscatprintf(info,
            "loading_start_time:%lld\r\n"
            "loading_total_bytes:%lld\r\n"
            "loading_rdb_used_mem:%zu\r\n"
            "loading_loaded_bytes:%lld\r\n"
            "loading_loaded_perc:%.2f\r\n"
            "loading_eta_seconds:%lld\r\n",
            (long long)persist.loading_start_time,
            (long long)persist.loading_total_bytes,
            persist.loading_rdb_used_mem,
            (long long)persist.loading_loaded_bytes,
            perc, eta);
    }
    return info;
}
