/* aof.c - the multi-part append only file (layout in aof.h).
 *
 * Writes: propagate.c hands every effect to feedAppendOnlyFile(), which
 * appends it in RESP (with SELECT when the db changes, and "#TS:<unix>"
 * annotations with aof-timestamp-enabled) to a buffer; beforeSleep writes
 * the buffer to the current incr file before replies go out, and fsyncs
 * per appendfsync (always: then; everysec: at most once a second; no:
 * never).
 *
 * Rewrites (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly yes):
 * a new incr file is opened first, then a forked child writes the dataset
 * as a new base (RDB with aof-use-rdb-preamble, else commands, written by
 * aof_rewrite.c); when it ends the manifest switches to the new base, the
 * incr files before the new one become history and are deleted.
 *
 * Loading: the base (RDB or commands) then each incr file, commands run by
 * a connection-less client; a truncated last file is cut back to its last
 * complete command when aof-load-truncated is yes.
 */
#include "aof.h"
#include "rdb.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>

#define AOF_MANIFEST_TYPE_BASE 'b'
#define AOF_MANIFEST_TYPE_INCR 'i'
#define AOF_MANIFEST_TYPE_HIST 'h'
#define AOF_AUTOSYNC_BYTES (1024 * 1024 * 4)

typedef struct aofInfo {
    sds name;
    long long seq;
    char type;
} aofInfo;

typedef struct aofManifest {
    aofInfo *base;
    list *incr;      /* aofInfo, oldest first */
    list *history;
    long long base_seq, incr_seq;
} aofManifest;

static struct {
    int state;
    int fd;
    sds buf;
    int selected_db;
    off_t current_size, base_size, rewrite_base_size;
    time_t last_fsync, last_ts;
    int fsync_pending;
    int rewrite_scheduled;
    int restart_pending;  /* turning back on after a full sync failed: retry */
    time_t restart_last;
    time_t rewrite_time_start, rewrite_time_last;
    long long rewrites, consecutive_failures;
    int last_bgrewrite_status, last_write_status, last_write_errno;
    aofManifest *manifest;
} aof = { .fd = -1, .selected_db = -1, .rewrite_time_start = -1, .rewrite_time_last = -1 };

int aofIsOn(void) {
    return aof.state != AOF_OFF;
}

/* While AOF writes fail, writes are refused with this (stock's text). */
sds aofWriteErrorReply(void) {
    if (aof.state == AOF_OFF || aof.last_write_status == C_OK) return NULL;
    return sdscatprintf(sdsempty(), "-MISCONF Errors writing to the AOF file: %s", strerror(aof.last_write_errno));
}

/* ---------------------------------------------------------------------------
 * Names and the manifest
 * ------------------------------------------------------------------------ */

static sds aofPath(const char *name) {
    return sdscatfmt(sdsempty(), "%s/%s", server.aof_dirname, name);
}

static sds manifestName(void) {
    return sdscatfmt(sdsempty(), "%s.manifest", server.aof_filename);
}

static sds tempIncrName(void) {
    return sdscatfmt(sdsempty(), "temp-%s.incr", server.aof_filename);
}

static aofInfo *aofInfoCreate(sds name, long long seq, char type) {
    aofInfo *ai = zmalloc(sizeof(*ai));
    ai->name = name;
    ai->seq = seq;
    ai->type = type;
    return ai;
}

static void aofInfoFree(void *p) {
    aofInfo *ai = p;
    sdsfree(ai->name);
    zfree(ai);
}

static aofManifest *manifestCreate(void) {
    aofManifest *am = zcalloc(sizeof(*am));
    am->incr = listCreate();
    am->history = listCreate();
    listSetFreeMethod(am->incr, aofInfoFree);
    listSetFreeMethod(am->history, aofInfoFree);
    return am;
}

static void manifestFree(aofManifest *am) {
    if (!am) return;
    if (am->base) aofInfoFree(am->base);
    listRelease(am->incr);
    listRelease(am->history);
    zfree(am);
}

static sds manifestLine(sds s, aofInfo *ai) {
    s = sdscat(s, "file ");
    /* Names with spaces or quotes are written quoted, as stock does. */
    if (strpbrk(ai->name, " \t\r\n\"'\\")) s = sdscatrepr(s, ai->name, sdslen(ai->name));
    else s = sdscatsds(s, ai->name);
    return sdscatprintf(s, " seq %lld type %c\n", ai->seq, ai->type);
}

static sds manifestToString(aofManifest *am) {
    sds s = sdsempty();
    listIter li;
    listNode *ln;
    listRewind(am->history, &li);
    while ((ln = listNext(&li))) s = manifestLine(s, listNodeValue(ln));
    if (am->base) s = manifestLine(s, am->base);
    listRewind(am->incr, &li);
    while ((ln = listNext(&li))) s = manifestLine(s, listNodeValue(ln));
    return s;
}

/* NULL with *err set when the file exists but is malformed; an empty
 * manifest when there is none. */
static aofManifest *manifestLoad(const char **err) {
    aofManifest *am = manifestCreate();
    sds mname = manifestName(), path = aofPath(mname);
    FILE *fp = fopen(path, "r");
    sdsfree(mname);
    sdsfree(path);
    *err = NULL;
    if (!fp) return am;
    char line[1024];
    while (fgets(line, sizeof(line), fp)) {
        if (line[0] == '#' || line[0] == '\n' || line[0] == '\r') continue;
        if (!strchr(line, '\n') && !feof(fp)) { *err = "The AOF manifest file contains too long line"; break; }
        int argc;
        sds *argv = sdssplitargs(line, &argc);
        if (!argv || argc < 6 || argc % 2) {
            if (argv) sdsfreesplitres(argv, argc);
            *err = "Invalid AOF manifest file format";
            break;
        }
        sds name = NULL;
        long long seq = 0;
        char type = 0;
        for (int i = 0; i < argc; i += 2) {
            if (!strcasecmp(argv[i], "file")) name = sdsdup(argv[i + 1]);
            else if (!strcasecmp(argv[i], "seq")) seq = strtoll(argv[i + 1], NULL, 10);
            else if (!strcasecmp(argv[i], "type")) type = argv[i + 1][0];
        }
        sdsfreesplitres(argv, argc);
        if (!name || seq <= 0 || (type != 'b' && type != 'i' && type != 'h')) {
            sdsfree(name);
            *err = "Invalid AOF manifest file format";
            break;
        }
        aofInfo *ai = aofInfoCreate(name, seq, type);
        if (type == AOF_MANIFEST_TYPE_BASE) {
            if (am->base) { aofInfoFree(ai); *err = "Found duplicate base file information"; break; }
            am->base = ai;
            am->base_seq = seq;
        } else if (type == AOF_MANIFEST_TYPE_INCR) {
            if (seq <= am->incr_seq) { aofInfoFree(ai); *err = "Found a non-monotonic sequence number"; break; }
            listAddNodeTail(am->incr, ai);
            am->incr_seq = seq;
        } else {
            listAddNodeTail(am->history, ai);
        }
    }
    fclose(fp);
    if (*err) {
        manifestFree(am);
        return NULL;
    }
    return am;
}

static int ensureAofDir(void) {
    if (mkdir(server.aof_dirname, 0755) == -1 && errno != EEXIST) {
        serverLog(LL_WARNING, "Can't open or create append-only dir %s: %s",
                  server.aof_dirname, strerror(errno));
        return C_ERR;
    }
    return C_OK;
}

/* Write the manifest atomically (temp file, fsync, rename). */
static int manifestPersist(aofManifest *am) {
    if (ensureAofDir() == C_ERR) return C_ERR;
    sds mname = manifestName();
    sds tmpname = sdscatfmt(sdsempty(), "temp-%S", mname);
    sds path = aofPath(mname), tmppath = aofPath(tmpname);
    sds content = manifestToString(am);
    int ret = C_ERR;
    int fd = open(tmppath, O_WRONLY | O_TRUNC | O_CREAT, 0644);
    if (fd != -1) {
        ssize_t n = write(fd, content, sdslen(content));
        if (n == (ssize_t)sdslen(content) && fsync(fd) == 0 && close(fd) == 0) {
            fd = -1;
            if (rename(tmppath, path) == 0) ret = C_OK;
        }
        if (fd != -1) close(fd);
    }
    if (ret == C_ERR) serverLog(LL_WARNING, "Can't persist the AOF manifest file %s: %s", mname, strerror(errno));
    sdsfree(mname); sdsfree(tmpname); sdsfree(path); sdsfree(tmppath); sdsfree(content);
    return ret;
}

static off_t fileSizeOf(const char *name) {
    struct stat sb;
    sds path = aofPath(name);
    int r = stat(path, &sb);
    sdsfree(path);
    return r == -1 ? 0 : sb.st_size;
}

/* Move every incr file but the current one (the last) to history, and
 * the base too when a new one replaces it. */
static void manifestRetire(aofManifest *am, int keep_last_incr) {
    if (am->base) {
        am->base->type = AOF_MANIFEST_TYPE_HIST;
        listAddNodeTail(am->history, am->base);
        am->base = NULL;
    }
    while (listLength(am->incr) > (unsigned long)(keep_last_incr ? 1 : 0)) {
        listNode *ln = listFirst(am->incr);
        aofInfo *ai = listNodeValue(ln);
        listSetFreeMethod(am->incr, NULL);
        listDelNode(am->incr, ln);
        listSetFreeMethod(am->incr, aofInfoFree);
        ai->type = AOF_MANIFEST_TYPE_HIST;
        listAddNodeTail(am->history, ai);
    }
}

static void deleteHistoryFiles(aofManifest *am) {
    if (server.aof_disable_auto_gc || listLength(am->history) == 0) return;
    listIter li;
    listNode *ln;
    listRewind(am->history, &li);
    while ((ln = listNext(&li))) {
        aofInfo *ai = listNodeValue(ln);
        serverLog(LL_NOTICE, "Removing the history file %s in the background", ai->name);
        sds path = aofPath(ai->name);
        unlink(path);
        sdsfree(path);
    }
    listEmpty(am->history);
    manifestPersist(am);
}

/* Open (creating) the incr file with the next sequence number and make
 * it the current one. */
static int openNewIncrFile(const char *why) {
    aofManifest *am = aof.manifest;
    sds name = sdscatprintf(sdsempty(), "%s.%lld.incr.aof", server.aof_filename, am->incr_seq + 1);
    sds path = aofPath(name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    sdsfree(path);
    if (fd == -1) {
        serverLog(LL_WARNING, "Can't open the append-only file %s: %s", name, strerror(errno));
        sdsfree(name);
        return C_ERR;
    }
    am->incr_seq++;
    listAddNodeTail(am->incr, aofInfoCreate(sdsdup(name), am->incr_seq, AOF_MANIFEST_TYPE_INCR));
    if (manifestPersist(am) == C_ERR) {
        close(fd);
        sdsfree(name);
        return C_ERR;
    }
    serverLog(LL_NOTICE, "Creating AOF incr file %s on %s", name, why);
    sdsfree(name);
    if (aof.fd != -1) close(aof.fd);
    aof.fd = fd;
    aof.selected_db = -1;
    return C_OK;
}

/* ---------------------------------------------------------------------------
 * Writing commands
 * ------------------------------------------------------------------------ */

static sds catRespCommand(sds buf, robj **argv, int argc) {
    char num[LONG_STR_SIZE];
    buf = sdscatlen(buf, "*", 1);
    buf = sdscatlen(buf, num, ll2string(num, sizeof(num), argc));
    buf = sdscatlen(buf, "\r\n", 2);
    for (int j = 0; j < argc; j++) {
        size_t len;
        const char *p = stringObjectBuffer(argv[j], num, &len);
        char lenbuf[LONG_STR_SIZE];
        buf = sdscatlen(buf, "$", 1);
        buf = sdscatlen(buf, lenbuf, ll2string(lenbuf, sizeof(lenbuf), (long long)len));
        buf = sdscatlen(buf, "\r\n", 2);
        buf = sdscatlen(buf, p, len);
        buf = sdscatlen(buf, "\r\n", 2);
    }
    return buf;
}

void feedAppendOnlyFile(int dictid, robj **argv, int argc) {
    if (aof.state == AOF_OFF) return;
    /* Turned on at runtime: only the writes after the rewrite began. */
    if (aof.state == AOF_WAIT_REWRITE && server.child_type != CHILD_TYPE_AOF) return;
    if (!aof.buf) aof.buf = sdsempty();
    if (server.aof_timestamp_enabled) {
        time_t now = time(NULL);
        if (now != aof.last_ts) {
            aof.buf = sdscatprintf(aof.buf, "#TS:%lld\r\n", (long long)now);
            aof.last_ts = now;
        }
    }
    if (dictid != -1 && dictid != aof.selected_db) {
        char db[LONG_STR_SIZE];
        int dl = ll2string(db, sizeof(db), dictid);
        aof.buf = sdscatprintf(aof.buf, "*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n", dl, db);
        aof.selected_db = dictid;
    }
    aof.buf = catRespCommand(aof.buf, argv, argc);
}

static void aofFsync(void) {
    if (aof.fd == -1) return;
    if (fdatasync(aof.fd) == -1 && errno != EINVAL) {
        serverLog(LL_WARNING, "Can't persist append only file to disk (fsync): %s", strerror(errno));
        aof.last_write_status = C_ERR;
        return;
    }
    aof.last_fsync = time(NULL);
    aof.fsync_pending = 0;
}

void flushAppendOnlyFile(int force) {
    if (aof.fd == -1) return;
    if (aof.buf && sdslen(aof.buf)) {
        size_t done = 0, len = sdslen(aof.buf);
        while (done < len) {
            ssize_t n = write(aof.fd, aof.buf + done, len - done);
            if (n <= 0) {
                if (n == -1 && errno == EINTR) continue;
                break;
            }
            done += (size_t)n;
        }
        aof.current_size += (off_t)done;
        if (done < len) {
            if (aof.last_write_status == C_OK)
                serverLog(LL_WARNING, "Error writing to the AOF file: %s", strerror(errno));
            aof.last_write_status = C_ERR;
            aof.last_write_errno = errno ? errno : ENOSPC;
            if (server.aof_fsync == AOF_FSYNC_ALWAYS) {
                serverLog(LL_WARNING, "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
                exit(1);
            }
            sdsrange(aof.buf, (ssize_t)done, -1);
            return;
        }
        if (aof.last_write_status == C_ERR) {
            serverLog(LL_NOTICE, "AOF write error looks solved, Redis can write again.");
            aof.last_write_status = C_OK;
        }
        sdsclear(aof.buf);
        aof.fsync_pending = 1;
    }
    if (!aof.fsync_pending) return;
    if (server.aof_no_fsync_on_rewrite && hasActiveChildProcess()) return;
    if (server.aof_fsync == AOF_FSYNC_ALWAYS || force) {
        aofFsync();
    } else if (server.aof_fsync == AOF_FSYNC_EVERYSEC && time(NULL) > aof.last_fsync) {
        aofFsync();
    }
}

/* ---------------------------------------------------------------------------
 * Rewrite: the dataset as a base file
 * ------------------------------------------------------------------------ */

/* Write the dataset to filename (RDB preamble or commands). */
static int rewriteAppendOnlyFile(const char *filename) {
    FILE *fp = fopen(filename, "w");
    if (!fp) {
        serverLog(LL_WARNING, "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): %s", strerror(errno));
        return C_ERR;
    }
    rio r;
    rioInitWithFile(&r, fp);
    if (server.aof_rewrite_incremental_fsync) rioSetAutoSync(&r, AOF_AUTOSYNC_BYTES);
    int ok = server.aof_use_rdb_preamble ? rdbSaveRio(&r, RDBFLAGS_AOF_PREAMBLE, NULL)
                                         : rewriteAppendOnlyFileRio(&r);
    if (ok != C_ERR && !rioFlush(&r)) ok = C_ERR;
    rioRelease(&r);
    if (ok == C_ERR || fflush(fp) != 0 || fsync(fileno(fp)) == -1) {
        serverLog(LL_WARNING, "Write error writing append only file on disk: %s", strerror(errno));
        fclose(fp);
        unlink(filename);
        return C_ERR;
    }
    if (fclose(fp) != 0) {
        unlink(filename);
        return C_ERR;
    }
    return C_OK;
}

static sds rewriteTempName(pid_t pid) {
    return sdscatprintf(sdsempty(), "temp-rewriteaof-bg-%d.aof", (int)pid);
}

static sds nextBaseName(void) {
    return sdscatprintf(sdsempty(), "%s.%lld.base.%s", server.aof_filename,
                        aof.manifest->base_seq + 1, server.aof_use_rdb_preamble ? "rdb" : "aof");
}

int rewriteAppendOnlyFileBackground(void) {
    if (hasActiveChildProcess()) return C_ERR;
    if (ensureAofDir() == C_ERR) return C_ERR;
    if (!aof.manifest) aof.manifest = manifestCreate();
    flushAppendOnlyFile(1);
    if (aof.state == AOF_WAIT_REWRITE) {
        /* Writes go to a temp incr file until the base exists. */
        sds tname = tempIncrName(), path = aofPath(tname);
        int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0644);
        sdsfree(path);
        if (fd == -1) {
            serverLog(LL_WARNING, "Can't open the append-only file %s: %s", tname, strerror(errno));
            sdsfree(tname);
            return C_ERR;
        }
        serverLog(LL_NOTICE, "Creating AOF incr file %s on background rewrite", tname);
        sdsfree(tname);
        if (aof.fd != -1) close(aof.fd);
        aof.fd = fd;
        aof.selected_db = -1;
    } else if (aof.state == AOF_ON) {
        if (openNewIncrFile("background rewrite") == C_ERR) return C_ERR;
    }
    pid_t pid = persistenceFork(CHILD_TYPE_AOF);
    if (pid == 0) {
        sds tmp = rewriteTempName(getpid());
        int ret = rewriteAppendOnlyFile(tmp);
        if (ret == C_OK) {
            serverLog(LL_NOTICE, "Successfully created the temporary AOF base file %s", tmp);
            childReportProgress(0, 1);
        }
        _exit(ret == C_OK ? 0 : 1);
    }
    if (pid == -1) {
        serverLog(LL_WARNING, "Can't rewrite append only file in background: fork: %s", strerror(errno));
        aof.last_bgrewrite_status = C_ERR;
        return C_ERR;
    }
    serverLog(LL_NOTICE, "Background append only file rewriting started by pid %ld", (long)pid);
    aof.rewrite_scheduled = 0;
    aof.rewrite_time_start = time(NULL);
    server.child_pid = pid;
    server.child_type = CHILD_TYPE_AOF;
    return C_OK;
}

static void rewriteFailed(void) {
    aof.last_bgrewrite_status = C_ERR;
    aof.consecutive_failures++;
    if (aof.state == AOF_WAIT_REWRITE) {
        /* Still waiting for a base: try again from the cron. */
        aof.rewrite_scheduled = 1;
    }
}

void backgroundRewriteDoneHandler(int exitcode, int bysignal) {
    sds tmp = rewriteTempName(server.child_pid);
    if (!bysignal && exitcode == 0) {
        serverLog(LL_NOTICE, "Background AOF rewrite terminated with success");
        sds base = nextBaseName(), basepath = aofPath(base);
        if (rename(tmp, basepath) == -1) {
            serverLog(LL_WARNING, "Error trying to rename the temporary AOF base file %s into %s: %s",
                      tmp, base, strerror(errno));
            unlink(tmp);
            sdsfree(base);
            sdsfree(basepath);
            rewriteFailed();
            goto done;
        }
        sdsfree(basepath);
        serverLog(LL_NOTICE, "Successfully renamed the temporary AOF base file %s into %s", tmp, base);
        aofManifest *am = aof.manifest;
        int was_waiting = aof.state == AOF_WAIT_REWRITE;
        manifestRetire(am, aof.state == AOF_ON);
        am->base_seq++;
        am->base = aofInfoCreate(base, am->base_seq, AOF_MANIFEST_TYPE_BASE);
        if (was_waiting) {
            sds tname = tempIncrName(), tpath = aofPath(tname);
            sds iname = sdscatprintf(sdsempty(), "%s.%lld.incr.aof", server.aof_filename, am->incr_seq + 1);
            sds ipath = aofPath(iname);
            if (rename(tpath, ipath) == 0) {
                serverLog(LL_NOTICE, "Successfully renamed the temporary AOF incr file %s into %s", tname, iname);
                am->incr_seq++;
                listAddNodeTail(am->incr, aofInfoCreate(iname, am->incr_seq, AOF_MANIFEST_TYPE_INCR));
                iname = NULL;
            }
            sdsfree(tname); sdsfree(tpath); sdsfree(iname); sdsfree(ipath);
            aof.state = AOF_ON;
        }
        manifestPersist(am);
        aof.base_size = fileSizeOf(base);
        aof.current_size = aof.base_size;
        if (listLength(am->incr)) aof.current_size += fileSizeOf(((aofInfo *)listNodeValue(listLast(am->incr)))->name);
        aof.rewrite_base_size = aof.current_size;
        deleteHistoryFiles(am);
        serverLog(LL_NOTICE, "Background AOF rewrite finished successfully");
        aof.last_bgrewrite_status = C_OK;
        aof.rewrites++;
        aof.consecutive_failures = 0;
    } else {
        if (bysignal) {
            serverLog(LL_WARNING, "Background AOF rewrite terminated by signal %d", bysignal);
        } else {
            serverLog(LL_WARNING, "Background AOF rewrite terminated with error");
        }
        unlink(tmp);
        if (bysignal != SIGUSR1) rewriteFailed();
    }
done:
    sdsfree(tmp);
    aof.rewrite_time_last = time(NULL) - aof.rewrite_time_start;
    aof.rewrite_time_start = -1;
}

static void killAppendOnlyChild(void) {
    if (server.child_type != CHILD_TYPE_AOF) return;
    serverLog(LL_NOTICE, "Killing running AOF rewrite child: %ld", (long)server.child_pid);
    kill(server.child_pid, SIGUSR1);
    int statloc;
    waitpid(server.child_pid, &statloc, 0);
    sds tmp = rewriteTempName(server.child_pid);
    unlink(tmp);
    sdsfree(tmp);
    persistenceChildGone();
    aof.rewrite_time_start = -1;
}

/* ---------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------ */

static void freeFakeArgv(client *c) {
    for (int j = 0; j < c->argc; j++) if (c->argv[j]) decrRefCount(c->argv[j]);
    zfree(c->argv);
    c->argv = NULL;
    c->argc = 0;
    c->argv_len = 0;
}

/* One file; is_last: truncation may be tolerated (aof-load-truncated). */
static int loadSingleAppendOnlyFile(const char *name, int is_last) {
    sds path = aofPath(name);
    FILE *fp = fopen(path, "r");
    int ret = AOF_OK;
    if (!fp) {
        serverLog(LL_WARNING, "Fatal error: can't open the append log file %s for reading: %s",
                  name, strerror(errno));
        sdsfree(path);
        return AOF_OPEN_ERR;
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) == 0 && sb.st_size == 0) {
        fclose(fp);
        sdsfree(path);
        return AOF_EMPTY;
    }
    char sig[5];
    if (fread(sig, 1, 5, fp) == 5 && memcmp(sig, "REDIS", 5) == 0) {
        rewind(fp);
        serverLog(LL_NOTICE, "Reading RDB base file on AOF loading...");
        rio rdb;
        rioInitWithFile(&rdb, fp);
        rdb.size_hint = sb.st_size;
        int loaded = rdbLoadRio(&rdb, RDBFLAGS_AOF_PREAMBLE, NULL);
        rioRelease(&rdb); /* the commands are read from where the RDB ends */
        if (loaded != C_OK) {
            serverLog(LL_WARNING, "Error reading the RDB base file %s, AOF loading aborted (%s)",
                      name, rdbLastError());
            fclose(fp);
            sdsfree(path);
            return AOF_FAILED;
        }
    } else {
        rewind(fp);
    }

    client *fake = createClient(NULL);
    off_t valid_up_to = ftello(fp), valid_before_multi = 0;
    long long loaded_cmds = 0;
    char buf[128];
    for (;;) {
        valid_up_to = ftello(fp);
        if (fgets(buf, sizeof(buf), fp) == NULL) {
            if (feof(fp)) break;
            goto readerr;
        }
        if (buf[0] == '#') continue;           /* annotation */
        if (buf[0] != '*') goto fmterr;
        if (buf[1] == '\0') goto readerr;
        long argc = strtol(buf + 1, NULL, 10);
        if (argc < 1 || argc > INT_MAX / 2) goto fmterr;
        fake->argv = zcalloc(sizeof(robj *) * argc);
        fake->argv_len = (int)argc;
        for (long j = 0; j < argc; j++) {
            if (fgets(buf, sizeof(buf), fp) == NULL) goto readerr;
            if (buf[0] != '$') goto fmterr;
            long long len = strtoll(buf + 1, NULL, 10);
            if (len < 0 || len > sb.st_size) goto fmterr;
            sds arg = sdsnewlen(NULL, (size_t)len);
            if (len && fread(arg, (size_t)len, 1, fp) == 0) { sdsfree(arg); goto readerr; }
            fake->argv[j] = createObject(OBJ_STRING, arg);
            fake->argc = (int)j + 1;
            if (fread(buf, 2, 1, fp) == 0) goto readerr;
            if (buf[0] != '\r' || buf[1] != '\n') goto fmterr;
        }
        struct redisCommand *cmd = lookupCommand(fake->argv, fake->argc);
        if (!cmd) {
            serverLog(LL_WARNING, "Unknown command '%s' reading the append only file %s",
                      (char *)fake->argv[0]->ptr, name);
            freeFakeArgv(fake);
            ret = AOF_FAILED;
            goto cleanup;
        }
        if (cmd->proc == multiCommand) valid_before_multi = valid_up_to;
        fake->cmd = fake->lastcmd = fake->realcmd = cmd;
        if ((fake->flags & CLIENT_MULTI) && cmd->proc != execCommand && cmd->proc != discardCommand) {
            queueMultiCommand(fake, cmd->flags);
        } else {
            call(fake, CMD_CALL_NONE);
        }
        freeFakeArgv(fake);
        /* Keep answering (-LOADING) while long files load. */
        if (persist.loading_serve_clients && (++loaded_cmds % 1024) == 0) {
            loadingProgress(ftello(fp));
            processEventsWhileBlocked();
        }
    }
    if (fake->flags & CLIENT_MULTI) {
        /* A transaction without its EXEC: drop it, as if never written. */
        if (is_last && server.aof_load_truncated) {
            serverLog(LL_WARNING, "Revert incomplete MULTI/EXEC transaction in AOF file %s", name);
            valid_up_to = valid_before_multi;
            goto truncate;
        }
        goto fmterr;
    }
    goto cleanup;

readerr:
    freeFakeArgv(fake);
    if (fake->flags & CLIENT_MULTI) valid_up_to = valid_before_multi;
    if (!is_last || !server.aof_load_truncated) {
        serverLog(LL_WARNING, "Unexpected end of file reading the append only file %s. You can: "
                  "1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
                  "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
                  name);
        ret = AOF_FAILED;
        goto cleanup;
    }
    serverLog(LL_WARNING, "!!! Warning: short read while loading the AOF file %s!!!", name);
    serverLog(LL_WARNING, "!!! Truncating the AOF %s at offset %lld !!!", name, (long long)valid_up_to);
truncate:
    if (truncate(path, valid_up_to) == -1) {
        serverLog(LL_WARNING, "Error truncating the AOF file %s: %s", name, strerror(errno));
        ret = AOF_FAILED;
    } else {
        serverLog(LL_WARNING, "AOF %s loaded anyway because aof-load-truncated is enabled", name);
        ret = AOF_TRUNCATED;
    }
    goto cleanup;

fmterr:
    freeFakeArgv(fake);
    serverLog(LL_WARNING, "Bad file format reading the append only file %s: make a backup of your AOF file, "
              "then use ./redis-check-aof --fix <filename.manifest>", name);
    ret = AOF_FAILED;

cleanup:
    if (fake->flags & CLIENT_MULTI) discardTransaction(fake);
    freeClient(fake);
    fclose(fp);
    sdsfree(path);
    return ret;
}

static off_t manifestTotalSize(aofManifest *am) {
    off_t total = am->base ? fileSizeOf(am->base->name) : 0;
    listIter li;
    listNode *ln;
    listRewind(am->incr, &li);
    while ((ln = listNext(&li))) total += fileSizeOf(((aofInfo *)listNodeValue(ln))->name);
    return total;
}

/* A pre-7.0 single appendonly.aof in the server dir becomes the base of
 * a new AOF directory, under its own name (as stock migrates it). */
static int upgradeOldStyleAof(aofManifest *am) {
    struct stat sb;
    if (stat(server.aof_filename, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_size == 0) return C_OK;
    if (ensureAofDir() == C_ERR) return C_ERR;
    sds path = aofPath(server.aof_filename);
    int r = rename(server.aof_filename, path);
    sdsfree(path);
    if (r == -1) {
        serverLog(LL_WARNING, "Error moving the old-style AOF file %s into %s: %s",
                  server.aof_filename, server.aof_dirname, strerror(errno));
        return C_ERR;
    }
    am->base_seq = 1;
    am->base = aofInfoCreate(sdsnew(server.aof_filename), 1, AOF_MANIFEST_TYPE_BASE);
    if (manifestPersist(am) == C_ERR) return C_ERR;
    serverLog(LL_NOTICE, "Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).",
              server.aof_filename, server.aof_dirname);
    return C_OK;
}

int loadAppendOnlyFiles(void) {
    const char *err;
    aofManifest *am = manifestLoad(&err);
    if (!am) {
        serverLog(LL_WARNING, "%s", err);
        return AOF_FAILED;
    }
    manifestFree(aof.manifest);
    aof.manifest = am;
    if (!am->base && listLength(am->incr) == 0 && upgradeOldStyleAof(am) == C_ERR) return AOF_FAILED;
    if (!am->base && listLength(am->incr) == 0) return AOF_NOT_EXIST;

    long long start = ustime();
    int ret = AOF_OK;
    startLoading(manifestTotalSize(am));
    if (am->base) {
        long long t = ustime();
        ret = loadSingleAppendOnlyFile(am->base->name, listLength(am->incr) == 0);
        if (ret == AOF_FAILED || ret == AOF_OPEN_ERR) goto done;
        if (ret != AOF_EMPTY)
            serverLog(LL_NOTICE, "DB loaded from base file %s: %.3f seconds", am->base->name,
                      (double)(ustime() - t) / 1000000);
    }
    listIter li;
    listNode *ln;
    listRewind(am->incr, &li);
    while ((ln = listNext(&li))) {
        aofInfo *ai = listNodeValue(ln);
        long long t = ustime();
        int r = loadSingleAppendOnlyFile(ai->name, ln == listLast(am->incr));
        if (r == AOF_FAILED || r == AOF_OPEN_ERR) {
            ret = r;
            goto done;
        }
        if (r != AOF_EMPTY)
            serverLog(LL_NOTICE, "DB loaded from incr file %s: %.3f seconds", ai->name,
                      (double)(ustime() - t) / 1000000);
        if (r == AOF_TRUNCATED) ret = AOF_TRUNCATED;
    }
    serverLog(LL_NOTICE, "DB loaded from append only file: %.3f seconds", (double)(ustime() - start) / 1000000);
    if (ret != AOF_TRUNCATED) ret = AOF_OK;
done:
    stopLoading();
    aof.base_size = am->base ? fileSizeOf(am->base->name) : 0;
    aof.current_size = manifestTotalSize(am);
    aof.rewrite_base_size = aof.current_size;
    return ret;
}

/* With appendonly yes at start-up: a base for an empty dataset when none
 * exists, and the incr file to append to. */
/* Start-up with appendonly yes: load the AOF (never the RDB), exit on
 * a broken one, then make sure there is a base and an incr file. */
void loadAppendOnlyFilesOnStart(void) {
    aof.state = AOF_ON;
    aof.last_fsync = time(NULL);
    persist.loading_serve_clients = 1;
    int ret = loadAppendOnlyFiles();
    persist.loading_serve_clients = 0;
    if (ret == AOF_FAILED || ret == AOF_OPEN_ERR) exit(1);
    aofOpenIfNeededOnServerStart();
}

void aofOpenIfNeededOnServerStart(void) {
    if (aof.state != AOF_ON) return;
    if (ensureAofDir() == C_ERR) exit(1);
    if (!aof.manifest) aof.manifest = manifestCreate();
    aofManifest *am = aof.manifest;
    if (!am->base && listLength(am->incr) == 0) {
        sds base = nextBaseName(), path = aofPath(base);
        if (rewriteAppendOnlyFile(path) == C_ERR) exit(1);
        am->base_seq++;
        am->base = aofInfoCreate(base, am->base_seq, AOF_MANIFEST_TYPE_BASE);
        sdsfree(path);
        if (manifestPersist(am) == C_ERR) exit(1);
        serverLog(LL_NOTICE, "Creating AOF base file %s on server start", base);
        aof.base_size = fileSizeOf(base);
        aof.current_size = aof.rewrite_base_size = aof.base_size;
    }
    if (listLength(am->incr) == 0) {
        if (openNewIncrFile("server start") == C_ERR) exit(1);
    } else {
        aofInfo *last = listNodeValue(listLast(am->incr));
        sds path = aofPath(last->name);
        aof.fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
        sdsfree(path);
        if (aof.fd == -1) {
            serverLog(LL_WARNING, "Can't open the append-only file %s: %s", last->name, strerror(errno));
            exit(1);
        }
        serverLog(LL_NOTICE, "Opening AOF incr file %s on server start", last->name);
    }
    aof.selected_db = -1;
    deleteHistoryFiles(am);
}

/* ---------------------------------------------------------------------------
 * On / off, cron, shutdown, commands, INFO
 * ------------------------------------------------------------------------ */

static int startAppendOnly(void) {
    if (ensureAofDir() == C_ERR) return C_ERR;
    if (!aof.manifest) {
        const char *err;
        aof.manifest = manifestLoad(&err);
        if (!aof.manifest) aof.manifest = manifestCreate();
    }
    aof.state = AOF_WAIT_REWRITE;
    if (server.child_type == CHILD_TYPE_RDB) {
        aof.rewrite_scheduled = 1;
        serverLog(LL_NOTICE, "AOF was enabled but there is already another background operation. "
                  "An AOF background was scheduled to start when possible.");
    } else if (server.child_type == CHILD_TYPE_AOF) {
        killAppendOnlyChild();
        aof.rewrite_scheduled = 1;
    } else if (rewriteAppendOnlyFileBackground() == C_ERR) {
        aof.state = AOF_OFF;
        serverLog(LL_WARNING, "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. "
                  "Check the above logs for more info about the error.");
        return C_ERR;
    }
    aof.last_fsync = time(NULL);
    return C_OK;
}

static void stopAppendOnly(void) {
    flushAppendOnlyFile(1);
    if (aof.fd != -1) {
        aofFsync();
        close(aof.fd);
        aof.fd = -1;
    }
    if (aof.state == AOF_WAIT_REWRITE) {
        sds tname = tempIncrName(), tpath = aofPath(tname);
        unlink(tpath);
        sdsfree(tname);
        sdsfree(tpath);
    }
    killAppendOnlyChild();
    aof.state = AOF_OFF;
    aof.rewrite_scheduled = 0;
    aof.selected_db = -1;
    if (aof.buf) sdsclear(aof.buf);
}

/* A full sync replaces the dataset: what the AOF holds is about to be
 * stale, and a rewrite child copying pages while the new data loads would
 * only waste memory. Stop it (as stock does) before the data is flushed. */
void aofStopBeforeSync(void) {
    aof.restart_pending = 0;
    if (aof.state != AOF_OFF) stopAppendOnly();
}

/* After the sync, turn it back on: the first rewrite writes a base with
 * the master's dataset. Without this a replica's AOF would still describe
 * its old data, and a restart would bring that back instead of what it
 * replicated. Retried from the cron if it cannot start now. */
void aofRestartAfterSync(void) {
    if (!server.aof_enabled || aof.state != AOF_OFF) return;
    if (startAppendOnly() == C_OK) {
        aof.restart_pending = 0;
        return;
    }
    serverLog(LL_WARNING, "Failed enabling the AOF after successful master synchronization! Trying it again in one second.");
    aof.restart_pending = 1;
}

int aofApplyAppendonlyConfig(void) {
    if (server.aof_enabled && aof.state == AOF_OFF) return startAppendOnly();
    if (!server.aof_enabled && aof.state != AOF_OFF) stopAppendOnly();
    return C_OK;
}

void aofCron(void) {
    if (aof.restart_pending && server.unixtime != aof.restart_last) {
        aof.restart_last = server.unixtime;
        aofRestartAfterSync();
    }
    if (aof.state == AOF_ON && server.aof_fsync == AOF_FSYNC_EVERYSEC) flushAppendOnlyFile(0);
    if (hasActiveChildProcess()) return;
    if (aof.rewrite_scheduled && (aof.consecutive_failures == 0 || server.unixtime - aof.rewrite_time_last > 0)) {
        rewriteAppendOnlyFileBackground();
        return;
    }
    if (aof.state == AOF_ON && server.aof_rewrite_perc && aof.current_size > server.aof_rewrite_min_size) {
        long long base = aof.rewrite_base_size ? aof.rewrite_base_size : 1;
        long long growth = (long long)aof.current_size * 100 / base - 100;
        if (growth >= server.aof_rewrite_perc) {
            serverLog(LL_NOTICE, "Starting automatic rewriting of AOF on %lld%% growth", growth);
            rewriteAppendOnlyFileBackground();
        }
    }
}

int aofShutdown(int force) {
    if (server.child_type == CHILD_TYPE_AOF) {
        /* The files on disk do not hold the dataset yet (AOF just turned
         * on, or a replica's first rewrite after a full sync): exiting
         * now would bring the old data back at the next start. */
        if (aof.state == AOF_WAIT_REWRITE) {
            if (!force) {
                serverLog(LL_WARNING, "Writing initial AOF, can't exit.");
                return C_ERR;
            }
            serverLog(LL_WARNING, "Writing initial AOF. Exit anyway.");
        }
        serverLog(LL_WARNING, "There is a child rewriting the AOF. Killing it!");
        killAppendOnlyChild();
    }
    if (aof.state != AOF_OFF && aof.fd != -1) {
        flushAppendOnlyFile(1);
        serverLog(LL_NOTICE, "Calling fsync() on the AOF file.");
        aofFsync();
    }
    return C_OK;
}

void bgrewriteaofCommand(client *c) {
    if (server.child_type == CHILD_TYPE_AOF) {
        addReplyError(c, "Background append only file rewriting already in progress");
    } else if (hasActiveChildProcess() || server.in_exec) {
        aof.rewrite_scheduled = 1;
        addReplyStatus(c, "Background append only file rewriting scheduled");
    } else if (rewriteAppendOnlyFileBackground() == C_OK) {
        addReplyStatus(c, "Background append only file rewriting started");
    } else {
        addReplyError(c, "Can't execute an AOF background rewriting. Please check the server logs for more information.");
    }
}

void debugLoadaofCommand(client *c) {
    if (aof.state == AOF_ON) flushAppendOnlyFile(1);
    emptyData(-1, EMPTYDB_NO_FLAGS, NULL);
    int ret = loadAppendOnlyFiles();
    if (ret != AOF_OK && ret != AOF_EMPTY && ret != AOF_NOT_EXIST && ret != AOF_TRUNCATED) {
        addReplyError(c, "Error trying to load the AOF files, check server logs.");
        return;
    }
    server.dirty = 0;
    serverLog(LL_WARNING, "Append Only File loaded by DEBUG LOADAOF");
    addReply(c, shared.ok);
}

sds aofGenInfoFields(sds info) {
    info = sdscatprintf(info,
        "aof_enabled:%d\r\n"
        "aof_rewrite_in_progress:%d\r\n"
        "aof_rewrite_scheduled:%d\r\n"
        "aof_last_rewrite_time_sec:%lld\r\n"
        "aof_current_rewrite_time_sec:%lld\r\n"
        "aof_last_bgrewrite_status:%s\r\n"
        "aof_rewrites:%lld\r\n"
        "aof_rewrites_consecutive_failures:%lld\r\n"
        "aof_last_write_status:%s\r\n"
        "aof_last_cow_size:%zu\r\n"
        "module_fork_in_progress:0\r\n"
        "module_fork_last_cow_size:0\r\n",
        aof.state != AOF_OFF,
        server.child_type == CHILD_TYPE_AOF,
        aof.rewrite_scheduled,
        (long long)aof.rewrite_time_last,
        server.child_type == CHILD_TYPE_AOF ? (long long)(time(NULL) - aof.rewrite_time_start) : -1LL,
        aof.last_bgrewrite_status == C_OK ? "ok" : "err",
        aof.rewrites,
        aof.consecutive_failures,
        aof.last_write_status == C_OK ? "ok" : "err",
        persist.aof_last_cow_size);
    if (server.aof_enabled) {
        info = sdscatprintf(info,
            "aof_current_size:%lld\r\n"
            "aof_base_size:%lld\r\n"
            "aof_pending_rewrite:%d\r\n"
            "aof_buffer_length:%zu\r\n"
            "aof_pending_bio_fsync:0\r\n"
            "aof_delayed_fsync:0\r\n",
            (long long)aof.current_size,
            (long long)aof.base_size,
            aof.rewrite_scheduled,
            aof.buf ? sdslen(aof.buf) : 0);
    }
    return info;
}
