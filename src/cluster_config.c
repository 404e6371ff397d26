/* cluster_config.c - nodes.conf: the node table on disk, in 7.0's format.
 *
 * One line per node, exactly what CLUSTER NODES prints for it (handshake
 * nodes excluded), then "vars currentEpoch N lastVoteEpoch M". Files move
 * both ways with stock: we load what 7.0 (and 7.2, whose address field adds
 * ",key=value" aux fields) writes, and 7.0 loads what we write. Every save
 * is atomic: a temp file next to it is written, fsync'd (when asked) and
 * renamed over it, so a crash never leaves a torn nodes.conf. The file
 * stays flock()ed for the life of the process so two nodes can never share
 * it (stock does the same, so the lock also excludes a stock node started
 * on our file): the temp file is locked before the rename, so the lock
 * moves with the name and is never released in between.
 */
#include "server.h"
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#define myself (cluster->myself)

static int cluster_config_fd = -1;

int clusterLockConfig(char *filename) {
    int fd = open(filename, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1) {
        serverLog(LL_WARNING, "Can't open %s in order to acquire a lock: %s", filename, strerror(errno));
        return C_ERR;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
        if (errno == EWOULDBLOCK) {
            serverLog(LL_WARNING,
                "Sorry, the cluster configuration file %s is already used by a different Redis Cluster node. Please make sure that different nodes use different cluster configuration files.",
                filename);
        } else {
            serverLog(LL_WARNING, "Impossible to lock %s: %s", filename, strerror(errno));
        }
        close(fd);
        return C_ERR;
    }
    cluster_config_fd = fd;  /* kept open: closing would drop the lock */
    return C_OK;
}

/* "ip:port@cport[,hostname[,aux=value...]]"; older files have no @cport. */
static int parseNodeAddress(clusterNode *n, sds addr) {
    char *comma = strchr(addr, ',');
    if (comma) {
        *comma = '\0';
        char *hostname = comma + 1;
        char *next = strchr(hostname, ',');
        if (next) *next = '\0';
        if (strchr(hostname, '=') == NULL) n->hostname = sdscpy(n->hostname, hostname);
    }
    char *colon = strrchr(addr, ':');
    if (!colon) return C_ERR;
    char *at = strchr(colon, '@');
    if (at) {
        *at = '\0';
        n->cport = atoi(at + 1);
    }
    *colon = '\0';
    n->port = atoi(colon + 1);
    if (!at) n->cport = n->port + CLUSTER_PORT_INCR;
    size_t iplen = strlen(addr);
    if (iplen >= NET_IP_STR_LEN) return C_ERR;
    memset(n->ip, 0, sizeof(n->ip));
    memcpy(n->ip, addr, iplen);
    return C_OK;
}

static int parseNodeFlags(clusterNode *n, sds flagstr) {
    int count;
    sds *flags = sdssplitlen(flagstr, sdslen(flagstr), ",", 1, &count);
    int ok = 1;
    for (int j = 0; j < count; j++) {
        const char *s = flags[j];
        if (!strcasecmp(s, "myself")) {
            if (myself && myself != n) ok = 0;
            myself = n;
            n->flags |= CLUSTER_NODE_MYSELF;
        } else if (!strcasecmp(s, "master")) {
            n->flags |= CLUSTER_NODE_MASTER;
        } else if (!strcasecmp(s, "slave")) {
            n->flags |= CLUSTER_NODE_SLAVE;
        } else if (!strcasecmp(s, "fail?")) {
            n->flags |= CLUSTER_NODE_PFAIL;
        } else if (!strcasecmp(s, "fail")) {
            n->flags |= CLUSTER_NODE_FAIL;
            n->fail_time = mstime();
        } else if (!strcasecmp(s, "handshake")) {
            n->flags |= CLUSTER_NODE_HANDSHAKE;
        } else if (!strcasecmp(s, "noaddr")) {
            n->flags |= CLUSTER_NODE_NOADDR;
        } else if (!strcasecmp(s, "nofailover")) {
            n->flags |= CLUSTER_NODE_NOFAILOVER;
        } else if (!strcasecmp(s, "noflags")) {
            /* nothing */
        } else {
            ok = 0;
        }
    }
    sdsfreesplitres(flags, count);
    return ok ? C_OK : C_ERR;
}

static clusterNode *lookupOrCreate(const char *name) {
    clusterNode *n = clusterLookupNode(name, CLUSTER_NAMELEN);
    if (!n) {
        n = createClusterNode(name, 0);
        clusterAddNode(n);
    }
    return n;
}

/* One slot argument: "a", "a-b", "[a->-id]" (migrating), "[a-<-id]"
 * (importing). */
static int parseSlotArg(clusterNode *n, sds arg) {
    if (arg[0] == '[') {
        char *p = strchr(arg, '-');
        if (!p || (p[1] != '>' && p[1] != '<') || p[2] != '-') return C_ERR;
        int slot = atoi(arg + 1);
        if (slot < 0 || slot >= CLUSTER_SLOTS) return C_ERR;
        const char *id = p + 3;
        if (strlen(id) != CLUSTER_NAMELEN + 1) return C_ERR;  /* id then ']' */
        clusterNode *other = lookupOrCreate(id);
        if (p[1] == '>') cluster->migrating_slots_to[slot] = other;
        else cluster->importing_slots_from[slot] = other;
        return C_OK;
    }
    char *dash = strchr(arg, '-');
    int start, stop;
    if (dash) {
        *dash = '\0';
        start = atoi(arg);
        stop = atoi(dash + 1);
    } else {
        start = stop = atoi(arg);
    }
    if (start < 0 || stop >= CLUSTER_SLOTS || start > stop) return C_ERR;
    while (start <= stop) clusterAddSlot(n, start++);
    return C_OK;
}

/* Returns C_ERR when there is no (or an empty) file: the caller starts a
 * new node. A corrupt file is fatal, as in stock. */
int clusterLoadConfig(char *filename) {
    FILE *fp = fopen(filename, "r");
    if (fp == NULL) {
        if (errno == ENOENT) return C_ERR;
        serverLog(LL_WARNING, "Loading the cluster node config from %s: %s", filename, strerror(errno));
        exit(1);
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) == 0 && sb.st_size == 0) {
        fclose(fp);
        return C_ERR;
    }
    char line[64 * 1024];
    int lineno = 0;
    while (fgets(line, sizeof(line), fp) != NULL) {
        lineno++;
        if (line[0] == '\n' || line[0] == '\0') continue;
        int argc;
        sds *argv = sdssplitargs(line, &argc);
        if (argv == NULL) goto fmterr;
        if (argc == 0) {
            sdsfreesplitres(argv, argc);
            continue;
        }
        if (!strcasecmp(argv[0], "vars")) {
            if (!(argc % 2)) { sdsfreesplitres(argv, argc); goto fmterr; }
            for (int j = 1; j < argc; j += 2) {
                if (!strcasecmp(argv[j], "currentEpoch")) {
                    cluster->currentEpoch = strtoull(argv[j + 1], NULL, 10);
                } else if (!strcasecmp(argv[j], "lastVoteEpoch")) {
                    cluster->lastVoteEpoch = strtoull(argv[j + 1], NULL, 10);
                } else {
                    serverLog(LL_NOTICE, "Skipping unknown cluster config variable '%s'", argv[j]);
                }
            }
            sdsfreesplitres(argv, argc);
            continue;
        }
        if (argc < 8 || sdslen(argv[0]) != CLUSTER_NAMELEN) {
            sdsfreesplitres(argv, argc);
            goto fmterr;
        }
        clusterNode *n = lookupOrCreate(argv[0]);
        int ok = parseNodeAddress(n, argv[1]) == C_OK && parseNodeFlags(n, argv[2]) == C_OK;
        if (ok && strcmp(argv[3], "-") != 0) {
            if (sdslen(argv[3]) != CLUSTER_NAMELEN) ok = 0;
            else {
                clusterNode *master = lookupOrCreate(argv[3]);
                n->slaveof = master;
                clusterNodeAddSlave(master, n);
            }
        }
        if (ok) {
            if (atoll(argv[4])) n->ping_sent = mstime();
            if (atoll(argv[5])) n->pong_received = mstime();
            n->configEpoch = strtoull(argv[6], NULL, 10);
            for (int j = 8; j < argc && ok; j++) ok = parseSlotArg(n, argv[j]) == C_OK;
        }
        sdsfreesplitres(argv, argc);
        if (!ok) goto fmterr;
    }
    fclose(fp);
    if (myself == NULL) {
        serverLog(LL_WARNING, "Unrecoverable error: corrupted cluster config file \"%s\": no myself node.", filename);
        exit(1);
    }
    serverLog(LL_NOTICE, "Node configuration loaded, I'm %.40s", myself->name);
    clusterAddrLoadSidecar(filename);
    /* Never run with an epoch older than one we have seen. */
    dictIterator *di = dictGetIterator(cluster->nodes);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        clusterNode *nd = dictGetVal(de);
        if (nd->configEpoch > cluster->currentEpoch) cluster->currentEpoch = nd->configEpoch;
    }
    dictReleaseIterator(di);
    return C_OK;

fmterr:
    serverLog(LL_WARNING, "Unrecoverable error: corrupted cluster config file \"%s\" (line %d).",
              filename, lineno);
    fclose(fp);
    exit(1);
}

/* Writes all of buf to fd. */
static int writeAll(int fd, const char *p, size_t left) {
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w <= 0) {
            if (w == -1 && errno == EINTR) continue;
            return C_ERR;
        }
        p += w;
        left -= (size_t)w;
    }
    return C_OK;
}

/* Makes a rename in the directory of `path` durable. */
static void fsyncDirOf(const char *path) {
    sds dir = sdsnew(path);
    char *slash = strrchr(dir, '/');
    if (slash == dir) {
        sdsrange(dir, 0, 0);
    } else if (slash) {
        sdsrange(dir, 0, slash - dir - 1);
    } else {
        dir = sdscpy(dir, ".");
    }
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd != -1) {
        fsync(fd);
        close(fd);
    }
    sdsfree(dir);
}

/* Saves nodes.conf atomically: a locked temp file, written, fsync'd when
 * asked, renamed over the old one; its descriptor becomes the lock holder
 * (the old file's lock goes with its last descriptor). */
int clusterSaveConfig(int do_fsync) {
    sds ci = clusterGenNodesDescription(CLUSTER_NODE_HANDSHAKE, 0);
    ci = sdscatprintf(ci, "vars currentEpoch %llu lastVoteEpoch %llu\n",
                      (unsigned long long)cluster->currentEpoch,
                      (unsigned long long)cluster->lastVoteEpoch);
    sds tmp = sdscatfmt(sdsempty(), "%s.tmp-%i", server.cluster_configfile, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) goto err;
    if (flock(fd, LOCK_EX | LOCK_NB) == -1) goto err;
    if (writeAll(fd, ci, sdslen(ci)) == C_ERR) goto err;
    if (do_fsync && fsync(fd) == -1) goto err;
    if (rename(tmp, server.cluster_configfile) == -1) goto err;
    if (do_fsync) fsyncDirOf(server.cluster_configfile);
    if (cluster_config_fd != -1) close(cluster_config_fd);
    cluster_config_fd = fd;
    sdsfree(tmp);
    sdsfree(ci);
    /* Peers' internal addresses go next to it, where stock never looks
     * (cluster_addr.c); losing them is not fatal: peers restate them. */
    clusterAddrSaveSidecar(server.cluster_configfile, do_fsync);
    return C_OK;
err:
    serverLog(LL_WARNING, "Could not save the cluster configuration to %s: %s",
              server.cluster_configfile, strerror(errno));
    if (fd != -1) {
        close(fd);
        unlink(tmp);
    }
    sdsfree(tmp);
    sdsfree(ci);
    return C_ERR;
}

void clusterSaveConfigOrDie(int do_fsync) {
    if (clusterSaveConfig(do_fsync) == C_ERR) {
        serverLog(LL_WARNING, "Fatal: can't update cluster config file.");
        exit(1);
    }
}
