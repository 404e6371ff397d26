/* stream_cg.c - stream consumer groups: groups, consumers and their
 * pending-entry lists (PELs), and the commands on them (XGROUP,
 * XREADGROUP's serving step, XACK, XPENDING, XCLAIM, XAUTOCLAIM) plus
 * XINFO. A NACK (pending entry) is owned by its group's PEL and shared
 * with the PEL of the consumer it was delivered to. See t_stream.h.
 */
#include "server.h"

/* ---------------------------------------------------------------------------
 * Groups, consumers, NACKs
 * ------------------------------------------------------------------------ */

streamNACK *streamCreateNACK(streamConsumer *consumer) {
    streamNACK *nack = zmalloc(sizeof(*nack));
    nack->delivery_time = commandTimeSnapshotMs();
    nack->delivery_count = 1;
    nack->consumer = consumer;
    return nack;
}

static void streamFreeNACK(void *nack) { zfree(nack); }

static void streamFreeConsumer(void *p) {
    streamConsumer *sc = p;
    omapFree(sc->pel, NULL); /* the NACKs belong to the group */
    sdsfree(sc->name);
    zfree(sc);
}

void streamFreeCG(void *p) {
    streamCG *cg = p;
    omapFree(cg->pel, streamFreeNACK);
    omapFree(cg->consumers, streamFreeConsumer);
    zfree(cg);
}

streamCG *streamLookupCG(stream *s, sds name) {
    if (s == NULL || s->cgroups == NULL) return NULL;
    return omapGet(s->cgroups, name, sdslen(name));
}

/* NULL if a group of that name exists. */
streamCG *streamCreateCG(stream *s, const char *name, size_t len, const streamID *id, long long entries_read) {
    if (s->cgroups == NULL) s->cgroups = omapNew();
    if (omapGet(s->cgroups, name, len)) return NULL;
    streamCG *cg = zmalloc(sizeof(*cg));
    cg->pel = omapNew();
    cg->consumers = omapNew();
    cg->last_id = *id;
    cg->entries_read = entries_read;
    omapInsert(s->cgroups, name, len, cg);
    return cg;
}

streamConsumer *streamLookupConsumer(streamCG *cg, sds name) {
    if (cg == NULL) return NULL;
    return omapGet(cg->consumers, name, sdslen(name));
}

/* NULL if the consumer exists already. */
streamConsumer *streamCreateConsumer(streamCG *cg, sds name, robj *key, int dbid, int notify) {
    if (cg == NULL || omapGet(cg->consumers, name, sdslen(name))) return NULL;
    streamConsumer *sc = zmalloc(sizeof(*sc));
    sc->name = sdsdup(name);
    sc->pel = omapNew();
    sc->seen_time = commandTimeSnapshotMs();
    omapInsert(cg->consumers, name, sdslen(name), sc);
    server.dirty++;
    if (notify) notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-createconsumer", key, dbid);
    return sc;
}

/* Deletes the consumer and its pending entries from the group PEL too. */
static void streamDelConsumer(streamCG *cg, streamConsumer *sc) {
    for (size_t i = 0; i < omapSize(sc->pel); i++) {
        omapEntry *e = omapAt(sc->pel, i);
        void *nack;
        if (omapRemove(cg->pel, omapKey(e), 16, &nack)) streamFreeNACK(nack);
    }
    omapRemove(cg->consumers, sc->name, sdslen(sc->name), NULL);
    streamFreeConsumer(sc);
}

/* ---------------------------------------------------------------------------
 * Propagation: what replicas must replay for group state changes
 * ------------------------------------------------------------------------ */

/* XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id */
static void streamPropagateXCLAIM(client *c, robj *key, streamCG *group, robj *groupname,
                                  robj *id, streamNACK *nack) {
    robj *argv[14];
    argv[0] = createStringObject("XCLAIM", 6);
    argv[1] = key;
    argv[2] = groupname;
    argv[3] = createStringObject(nack->consumer->name, sdslen(nack->consumer->name));
    argv[4] = createStringObjectFromLongLong(0);
    argv[5] = id;
    argv[6] = createStringObject("TIME", 4);
    argv[7] = createStringObjectFromLongLong(nack->delivery_time);
    argv[8] = createStringObject("RETRYCOUNT", 10);
    argv[9] = createStringObjectFromLongLong((long long)nack->delivery_count);
    argv[10] = createStringObject("FORCE", 5);
    argv[11] = createStringObject("JUSTID", 6);
    argv[12] = createStringObject("LASTID", 6);
    argv[13] = createObjectFromStreamID(&group->last_id);
    alsoPropagate(c->db->id, argv, 14, CMD_CALL_PROPAGATE);
    for (int i = 0; i < 14; i++)
        if (i != 1 && i != 2 && i != 5) decrRefCount(argv[i]);
}

/* XGROUP SETID key group last-id ENTRIESREAD n */
static void streamPropagateGroupID(client *c, robj *key, streamCG *group, robj *groupname) {
    robj *argv[7];
    argv[0] = createStringObject("XGROUP", 6);
    argv[1] = createStringObject("SETID", 5);
    argv[2] = key;
    argv[3] = groupname;
    argv[4] = createObjectFromStreamID(&group->last_id);
    argv[5] = createStringObject("ENTRIESREAD", 11);
    argv[6] = createStringObjectFromLongLong(group->entries_read);
    alsoPropagate(c->db->id, argv, 7, CMD_CALL_PROPAGATE);
    for (int i = 0; i < 7; i++)
        if (i != 2 && i != 3) decrRefCount(argv[i]);
}

/* XGROUP CREATECONSUMER key group consumer */
void streamPropagateConsumerCreation(client *c, robj *key, robj *groupname, sds name) {
    robj *argv[5];
    argv[0] = createStringObject("XGROUP", 6);
    argv[1] = createStringObject("CREATECONSUMER", 14);
    argv[2] = key;
    argv[3] = groupname;
    argv[4] = createStringObject(name, sdslen(name));
    alsoPropagate(c->db->id, argv, 5, CMD_CALL_PROPAGATE);
    decrRefCount(argv[0]);
    decrRefCount(argv[1]);
    decrRefCount(argv[4]);
}

/* ---------------------------------------------------------------------------
 * XREADGROUP serving
 * ------------------------------------------------------------------------ */

/* One entry by ID as [id, fields], or nothing when it is gone. */
static int streamReplyOne(client *c, stream *s, const streamID *id) {
    streamIterator si;
    streamID found;
    int64_t nf;
    streamIteratorStart(&si, s, id, id, 0);
    int ok = streamIteratorGetID(&si, &found, &nf);
    if (ok) streamReplyEntry(c, &si, &found, nf);
    streamIteratorStop(&si);
    return ok;
}

/* History: the consumer's own pending entries from start on. */
static void streamReplyConsumerPEL(client *c, stream *s, streamConsumer *consumer,
                                   const streamID *start, long long count) {
    unsigned char key[16];
    streamEncodeID(key, start);
    size_t pos = omapLowerBound(consumer->pel, key, 16, NULL);
    void *len = addReplyDeferredLen(c);
    long long n = 0;
    for (; pos < omapSize(consumer->pel) && (!count || n < count); pos++, n++) {
        omapEntry *e = omapAt(consumer->pel, pos);
        streamID id;
        streamDecodeID(omapKey(e), &id);
        if (!streamReplyOne(c, s, &id)) {
            addReplyArrayLen(c, 2);
            addReplyStreamID(c, &id);
            addReplyNullArray(c);
        } else {
            streamNACK *nack = e->val;
            nack->delivery_time = commandTimeSnapshotMs();
            nack->delivery_count++;
        }
    }
    setDeferredArrayLen(c, len, (long)n);
}

/* New entries after start: delivered to consumer, recorded in the PELs
 * unless noack, the group's last ID and read counter moved along. */
void streamServeGroupRead(client *c, stream *s, robj *key, streamCG *group, streamConsumer *consumer,
                          const streamID *start, long long count, int noack, int history, robj *groupname) {
    if (history) {
        streamReplyConsumerPEL(c, s, consumer, start, count);
        return;
    }
    void *len = addReplyDeferredLen(c);
    streamIterator si;
    streamID id;
    int64_t nf;
    long long n = 0;
    int propagate_last_id = 0;
    streamIteratorStart(&si, s, start, NULL, 0);
    while ((!count || n < count) && streamIteratorGetID(&si, &id, &nf)) {
        if (streamCompareID(&id, &group->last_id) > 0) {
            if (group->entries_read != SCG_INVALID_ENTRIES_READ && !streamRangeHasTombstones(s, &id, NULL))
                group->entries_read++;
            else if (s->entries_added)
                group->entries_read = streamEstimateDistanceFromFirstEverEntry(s, &id);
            group->last_id = id;
            propagate_last_id = 1;
        }
        streamReplyEntry(c, &si, &id, nf);
        n++;
        if (noack) continue;
        unsigned char k[16];
        streamEncodeID(k, &id);
        streamNACK *nack = omapGet(group->pel, k, 16);
        if (nack) {
            /* Redelivered after SETID moved the group back: it is this
             * consumer's now, as a first delivery. */
            omapRemove(nack->consumer->pel, k, 16, NULL);
            nack->consumer = consumer;
            nack->delivery_time = commandTimeSnapshotMs();
            nack->delivery_count = 1;
        } else {
            nack = streamCreateNACK(consumer);
            omapInsert(group->pel, k, 16, nack);
        }
        omapInsert(consumer->pel, k, 16, nack);
        robj *idarg = createObjectFromStreamID(&id);
        streamPropagateXCLAIM(c, key, group, groupname, idarg, nack);
        decrRefCount(idarg);
        propagate_last_id = 0;
    }
    streamIteratorStop(&si);
    if (propagate_last_id) streamPropagateGroupID(c, key, group, groupname);
    setDeferredArrayLen(c, len, (long)n);
}

/* ---------------------------------------------------------------------------
 * XGROUP
 * ------------------------------------------------------------------------ */

static void xgroupHelp(client *c) {
    const char *help[] = {
"CREATE <key> <groupname> <id|$> [option]",
"    Create a new consumer group. Options are:",
"    * MKSTREAM",
"      Create the empty stream if it does not exist.",
"    * ENTRIESREAD entries_read",
"      Set the group's entries_read counter (internal use).",
"CREATECONSUMER <key> <groupname> <consumer>",
"    Create a new consumer in the specified group.",
"DELCONSUMER <key> <groupname> <consumer>",
"    Remove the specified consumer.",
"DESTROY <key> <groupname>",
"    Remove the specified group.",
"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
"    Set the current group ID and entries_read counter.",
NULL
    };
    addReplyHelp(c, help);
}

void xgroupCommand(client *c) {
    stream *s = NULL;
    streamCG *cg = NULL;
    char *opt = c->argv[1]->ptr;
    int mkstream = 0;
    long long entries_read = SCG_INVALID_ENTRIES_READ;
    sds grpname = NULL;

    if (c->argc >= 4) {
        int create = !strcasecmp(opt, "CREATE"), setid = !strcasecmp(opt, "SETID");
        for (int i = 5; i < c->argc;) {
            if (create && !strcasecmp(c->argv[i]->ptr, "MKSTREAM")) {
                mkstream = 1;
                i++;
            } else if ((create || setid) && !strcasecmp(c->argv[i]->ptr, "ENTRIESREAD") && i + 1 < c->argc) {
                if (getLongLongFromObjectOrReply(c, c->argv[i + 1], &entries_read, NULL) != C_OK) return;
                if (entries_read < 0 && entries_read != SCG_INVALID_ENTRIES_READ) {
                    addReplyError(c, "value for ENTRIESREAD must be positive or -1");
                    return;
                }
                i += 2;
            } else {
                addReplySubcommandSyntaxError(c);
                return;
            }
        }
        robj *o = lookupKeyWrite(c->db, c->argv[2]);
        if (o) {
            if (checkType(c, o, OBJ_STREAM)) return;
            s = o->ptr;
        }
        if (s == NULL && !mkstream) {
            addReplyError(c, "The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
                             "to use the MKSTREAM option to create an empty stream automatically.");
            return;
        }
        grpname = c->argv[3]->ptr;
        cg = streamLookupCG(s, grpname);
        if (cg == NULL && (setid || !strcasecmp(opt, "CREATECONSUMER") || !strcasecmp(opt, "DELCONSUMER"))) {
            addReplyErrorFormat(c, "-NOGROUP No such consumer group '%s' for key name '%s'",
                                grpname, (char *)c->argv[2]->ptr);
            return;
        }
    }

    if (c->argc == 2 && !strcasecmp(opt, "HELP")) {
        xgroupHelp(c);
    } else if (!strcasecmp(opt, "CREATE") && c->argc >= 5 && c->argc <= 8) {
        streamID id;
        if (!strcmp(c->argv[4]->ptr, "$")) {
            if (s) id = s->last_id;
            else id.ms = id.seq = 0;
        } else if (streamParseStrictIDOrReply(c, c->argv[4], &id, 0, NULL) != C_OK) {
            return;
        }
        if (s == NULL) {
            robj *o = createStreamObject();
            dbAdd(c->db, c->argv[2], o);
            s = o->ptr;
            signalModifiedKey(c, c->db, c->argv[2]);
        }
        if (streamCreateCG(s, grpname, sdslen(grpname), &id, entries_read)) {
            addReply(c, shared.ok);
            server.dirty++;
            notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-create", c->argv[2], c->db->id);
        } else {
            addReplyError(c, "-BUSYGROUP Consumer Group name already exists");
        }
    } else if (!strcasecmp(opt, "SETID") && (c->argc == 5 || c->argc == 7)) {
        streamID id;
        if (!strcmp(c->argv[4]->ptr, "$")) id = s->last_id;
        else if (streamParseIDOrReply(c, c->argv[4], &id, 0) != C_OK) return;
        cg->last_id = id;
        cg->entries_read = entries_read;
        addReply(c, shared.ok);
        server.dirty++;
        notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-setid", c->argv[2], c->db->id);
    } else if (!strcasecmp(opt, "DESTROY") && c->argc == 4) {
        if (cg) {
            omapRemove(s->cgroups, grpname, sdslen(grpname), NULL);
            streamFreeCG(cg);
            addReply(c, shared.cone);
            server.dirty++;
            notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-destroy", c->argv[2], c->db->id);
            signalKeyAsReady(c->db, c->argv[2], OBJ_STREAM);
        } else {
            addReply(c, shared.czero);
        }
    } else if (!strcasecmp(opt, "CREATECONSUMER") && c->argc == 5) {
        streamConsumer *sc = streamCreateConsumer(cg, c->argv[4]->ptr, c->argv[2], c->db->id, 1);
        addReplyLongLong(c, sc ? 1 : 0);
    } else if (!strcasecmp(opt, "DELCONSUMER") && c->argc == 5) {
        long long pending = 0;
        streamConsumer *sc = streamLookupConsumer(cg, c->argv[4]->ptr);
        if (sc) {
            pending = (long long)omapSize(sc->pel);
            streamDelConsumer(cg, sc);
            server.dirty++;
            notifyKeyspaceEvent(NOTIFY_STREAM, "xgroup-delconsumer", c->argv[2], c->db->id);
        }
        addReplyLongLong(c, pending);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}

/* ---------------------------------------------------------------------------
 * XACK, XPENDING
 * ------------------------------------------------------------------------ */

void xackCommand(client *c) {
    streamCG *group = NULL;
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    if (o) {
        if (checkType(c, o, OBJ_STREAM)) return;
        group = streamLookupCG(o->ptr, c->argv[2]->ptr);
    }
    if (o == NULL || group == NULL) {
        addReply(c, shared.czero);
        return;
    }
    int n = c->argc - 3;
    streamID *ids = zmalloc(sizeof(streamID) * (size_t)n);
    for (int j = 0; j < n; j++) {
        if (streamParseStrictIDOrReply(c, c->argv[j + 3], &ids[j], 0, NULL) != C_OK) {
            zfree(ids);
            return;
        }
    }
    int acked = 0;
    for (int j = 0; j < n; j++) {
        unsigned char k[16];
        streamEncodeID(k, &ids[j]);
        streamNACK *nack;
        if (omapRemove(group->pel, k, 16, (void **)&nack)) {
            omapRemove(nack->consumer->pel, k, 16, NULL);
            streamFreeNACK(nack);
            acked++;
            server.dirty++;
        }
    }
    zfree(ids);
    addReplyLongLong(c, acked);
}

static int streamParseIntervalOrReply(client *c, robj *o, streamID *id, int *ex, uint64_t missing) {
    char lbuf[LONG_STR_SIZE];
    size_t len;
    const char *p = stringObjectBuffer(o, lbuf, &len);
    *ex = 0;
    if (len > 1 && p[0] == '(') {
        *ex = 1;
        robj *t = createStringObject(p + 1, len - 1);
        int r = streamParseStrictIDOrReply(c, t, id, missing, NULL);
        decrRefCount(t);
        return r;
    }
    return streamParseIDOrReply(c, o, id, missing);
}

/* XPENDING key group [[IDLE min] start end count [consumer]] */
void xpendingCommand(client *c) {
    int justinfo = c->argc == 3;
    robj *groupname = c->argv[2], *consumername = NULL;
    streamID startid, endid;
    long long count = 0, minidle = 0;
    int startex = 0, endex = 0;

    if (c->argc != 3 && (c->argc < 6 || c->argc > 9)) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    if (c->argc >= 6) {
        int si = 3;
        if (!strcasecmp(c->argv[3]->ptr, "IDLE")) {
            if (getLongLongFromObjectOrReply(c, c->argv[4], &minidle, NULL) == C_ERR) return;
            if (c->argc < 8) {
                addReplyErrorObject(c, shared.syntaxerr);
                return;
            }
            si += 2;
        }
        if (getLongLongFromObjectOrReply(c, c->argv[si + 2], &count, NULL) == C_ERR) return;
        if (count < 0) count = 0;
        if (streamParseIntervalOrReply(c, c->argv[si], &startid, &startex, 0) != C_OK) return;
        if (startex && streamIncrID(&startid) != C_OK) {
            addReplyError(c, "invalid start ID for the interval");
            return;
        }
        if (streamParseIntervalOrReply(c, c->argv[si + 1], &endid, &endex, UINT64_MAX) != C_OK) return;
        if (endex && streamDecrID(&endid) != C_OK) {
            addReplyError(c, "invalid end ID for the interval");
            return;
        }
        if (si + 3 < c->argc) consumername = c->argv[si + 3];
    }
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, o, OBJ_STREAM)) return;
    streamCG *group = o ? streamLookupCG(o->ptr, groupname->ptr) : NULL;
    if (group == NULL) {
        addReplyErrorFormat(c, "-NOGROUP No such key '%s' or consumer group '%s'",
                            (char *)c->argv[1]->ptr, (char *)groupname->ptr);
        return;
    }
    if (justinfo) {
        size_t n = omapSize(group->pel);
        addReplyArrayLen(c, 4);
        addReplyLongLong(c, (long long)n);
        if (n == 0) {
            addReplyNull(c);
            addReplyNull(c);
            addReplyNullArray(c);
            return;
        }
        streamID first, last;
        streamDecodeID(omapKey(omapAt(group->pel, 0)), &first);
        streamDecodeID(omapKey(omapAt(group->pel, n - 1)), &last);
        addReplyStreamID(c, &first);
        addReplyStreamID(c, &last);
        void *len = addReplyDeferredLen(c);
        long nc = 0;
        for (size_t i = 0; i < omapSize(group->consumers); i++) {
            streamConsumer *sc = omapAt(group->consumers, i)->val;
            if (omapSize(sc->pel) == 0) continue;
            addReplyArrayLen(c, 2);
            addReplyBulkCBuffer(c, sc->name, sdslen(sc->name));
            addReplyBulkLongLong(c, (long long)omapSize(sc->pel));
            nc++;
        }
        setDeferredArrayLen(c, len, nc);
        return;
    }
    omap *pel = group->pel;
    if (consumername) {
        streamConsumer *sc = streamLookupConsumer(group, consumername->ptr);
        if (sc == NULL) {
            addReplyArrayLen(c, 0);
            return;
        }
        pel = sc->pel;
    }
    unsigned char sk[16], ek[16];
    streamEncodeID(sk, &startid);
    streamEncodeID(ek, &endid);
    long long now = commandTimeSnapshotMs();
    void *len = addReplyDeferredLen(c);
    long n = 0;
    for (size_t i = omapLowerBound(pel, sk, 16, NULL); count && i < omapSize(pel); i++) {
        omapEntry *e = omapAt(pel, i);
        if (memcmp(omapKey(e), ek, 16) > 0) break;
        streamNACK *nack = e->val;
        if (minidle && now - nack->delivery_time < minidle) continue;
        n++;
        count--;
        streamID id;
        streamDecodeID(omapKey(e), &id);
        addReplyArrayLen(c, 4);
        addReplyStreamID(c, &id);
        addReplyBulkCBuffer(c, nack->consumer->name, sdslen(nack->consumer->name));
        long long elapsed = now - nack->delivery_time;
        addReplyLongLong(c, elapsed < 0 ? 0 : elapsed);
        addReplyLongLong(c, (long long)nack->delivery_count);
    }
    setDeferredArrayLen(c, len, n);
}

/* ---------------------------------------------------------------------------
 * XCLAIM, XAUTOCLAIM
 * ------------------------------------------------------------------------ */

static streamCG *streamGroupOrReplyNoGroup(client *c, robj **op) {
    robj *o = lookupKeyRead(c->db, c->argv[1]);
    streamCG *group = NULL;
    if (o) {
        if (checkType(c, o, OBJ_STREAM)) return NULL;
        group = streamLookupCG(o->ptr, c->argv[2]->ptr);
    }
    if (group == NULL)
        addReplyErrorFormat(c, "-NOGROUP No such key '%s' or consumer group '%s'",
                            (char *)c->argv[1]->ptr, (char *)c->argv[2]->ptr);
    *op = o;
    return group;
}

/* Moves nack to consumer (it may come from the FORCE path, consumerless). */
static void streamNackMoveTo(streamNACK *nack, streamConsumer *consumer, const unsigned char *k) {
    if (nack->consumer == consumer) return;
    if (nack->consumer) omapRemove(nack->consumer->pel, k, 16, NULL);
    omapInsert(consumer->pel, k, 16, nack);
    nack->consumer = consumer;
}

static streamConsumer *streamClaimConsumer(client *c, streamCG *group) {
    sds name = c->argv[3]->ptr;
    streamConsumer *sc = streamLookupConsumer(group, name);
    if (sc == NULL) sc = streamCreateConsumer(group, name, c->argv[1], c->db->id, 1);
    sc->seen_time = commandTimeSnapshotMs();
    return sc;
}

/* XCLAIM key group consumer min-idle id ... [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id] */
void xclaimCommand(client *c) {
    robj *o;
    streamCG *group = streamGroupOrReplyNoGroup(c, &o);
    if (group == NULL) return;
    long long minidle, retrycount = -1, deliverytime = -1;
    int force = 0, justid = 0;
    if (getLongLongFromObjectOrReply(c, c->argv[4], &minidle, "Invalid min-idle-time argument for XCLAIM") != C_OK)
        return;
    if (minidle < 0) minidle = 0;

    int j;
    streamID *ids = zmalloc(sizeof(streamID) * (size_t)(c->argc - 5 + 1));
    for (j = 5; j < c->argc; j++)
        if (streamParseStrictIDOrReply(NULL, c->argv[j], &ids[j - 5], 0, NULL) != C_OK) break;
    int last_id_arg = j - 1;

    long long now = commandTimeSnapshotMs();
    streamID last_id = {0, 0};
    int propagate_last_id = 0;
    for (; j < c->argc; j++) {
        int moreargs = (c->argc - 1) - j;
        char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "FORCE")) {
            force = 1;
        } else if (!strcasecmp(opt, "JUSTID")) {
            justid = 1;
        } else if (!strcasecmp(opt, "IDLE") && moreargs) {
            j++;
            if (getLongLongFromObjectOrReply(c, c->argv[j], &deliverytime, "Invalid IDLE option argument for XCLAIM") != C_OK)
                goto cleanup;
            deliverytime = now - deliverytime;
        } else if (!strcasecmp(opt, "TIME") && moreargs) {
            j++;
            if (getLongLongFromObjectOrReply(c, c->argv[j], &deliverytime, "Invalid TIME option argument for XCLAIM") != C_OK)
                goto cleanup;
        } else if (!strcasecmp(opt, "RETRYCOUNT") && moreargs) {
            j++;
            if (getLongLongFromObjectOrReply(c, c->argv[j], &retrycount, "Invalid RETRYCOUNT option argument for XCLAIM") != C_OK)
                goto cleanup;
        } else if (!strcasecmp(opt, "LASTID") && moreargs) {
            j++;
            if (streamParseStrictIDOrReply(c, c->argv[j], &last_id, 0, NULL) != C_OK) goto cleanup;
        } else {
            addReplyErrorFormat(c, "Unrecognized XCLAIM option '%s'", opt);
            goto cleanup;
        }
    }
    if (streamCompareID(&last_id, &group->last_id) > 0) {
        group->last_id = last_id;
        propagate_last_id = 1;
    }
    /* A bogus time (clients computing from their own clocks) means now. */
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;

    streamConsumer *consumer = NULL;
    void *len = addReplyDeferredLen(c);
    long n = 0;
    for (int k = 5; k <= last_id_arg; k++) {
        streamID id = ids[k - 5];
        unsigned char key[16];
        streamEncodeID(key, &id);
        streamNACK *nack = omapGet(group->pel, key, 16);
        if (!streamEntryExists(o->ptr, &id)) {
            /* Gone from the stream: drop it from the PEL too. */
            if (nack) {
                streamPropagateXCLAIM(c, c->argv[1], group, c->argv[2], c->argv[k], nack);
                propagate_last_id = 0;
                server.dirty++;
                omapRemove(group->pel, key, 16, NULL);
                omapRemove(nack->consumer->pel, key, 16, NULL);
                streamFreeNACK(nack);
            }
            continue;
        }
        if (force && nack == NULL) {
            nack = streamCreateNACK(NULL);
            omapInsert(group->pel, key, 16, nack);
        }
        if (nack == NULL) continue;
        if (nack->consumer && minidle && now - nack->delivery_time < minidle) continue;
        if (consumer == NULL) consumer = streamClaimConsumer(c, group);
        nack->delivery_time = deliverytime;
        if (retrycount >= 0) nack->delivery_count = (uint64_t)retrycount;
        else if (!justid) nack->delivery_count++;
        streamNackMoveTo(nack, consumer, key);
        if (justid) addReplyStreamID(c, &id);
        else if (!streamReplyOne(c, o->ptr, &id)) addReplyNull(c);
        n++;
        streamPropagateXCLAIM(c, c->argv[1], group, c->argv[2], c->argv[k], nack);
        propagate_last_id = 0;
        server.dirty++;
    }
    if (propagate_last_id) {
        streamPropagateGroupID(c, c->argv[1], group, c->argv[2]);
        server.dirty++;
    }
    setDeferredArrayLen(c, len, n);
cleanup:
    /* What changed went out as XCLAIMs / XGROUP SETID above, as stock
     * propagates it; the command itself must not follow. */
    c->flags |= CLIENT_PREVENT_PROP_ANY;
    zfree(ids);
}

/* XAUTOCLAIM key group consumer min-idle start [COUNT n] [JUSTID] */
void xautoclaimCommand(client *c) {
    robj *o;
    streamCG *group = streamGroupOrReplyNoGroup(c, &o);
    if (group == NULL) return;
    long long minidle;
    long count = 100;
    int justid = 0, startex;
    streamID startid;
    const int attempts_factor = 10;
    if (getLongLongFromObjectOrReply(c, c->argv[4], &minidle, "Invalid min-idle-time argument for XAUTOCLAIM") != C_OK)
        return;
    if (minidle < 0) minidle = 0;
    if (streamParseIntervalOrReply(c, c->argv[5], &startid, &startex, 0) != C_OK) return;
    if (startex && streamIncrID(&startid) != C_OK) {
        addReplyError(c, "invalid start ID for the interval");
        return;
    }
    for (int j = 6; j < c->argc; j++) {
        int moreargs = (c->argc - 1) - j;
        char *opt = c->argv[j]->ptr;
        if (!strcasecmp(opt, "COUNT") && moreargs) {
            long max_count = LONG_MAX / (long)(sizeof(streamID) > (size_t)attempts_factor ? sizeof(streamID) : (size_t)attempts_factor);
            if (getRangeLongFromObjectOrReply(c, c->argv[j + 1], 1, max_count, &count, "COUNT must be > 0") != C_OK)
                return;
            j++;
        } else if (!strcasecmp(opt, "JUSTID")) {
            justid = 1;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return;
        }
    }
    long long attempts = (long long)count * attempts_factor;
    unsigned char sk[16];
    streamEncodeID(sk, &startid);
    streamID *deleted = zmalloc(sizeof(streamID) * (size_t)count);
    long ndeleted = 0, n = 0;
    long long now = commandTimeSnapshotMs();
    streamConsumer *consumer = NULL;

    addReplyArrayLen(c, 3);
    void *endidptr = addReplyDeferredLen(c);
    void *lenptr = addReplyDeferredLen(c);
    size_t pos = omapLowerBound(group->pel, sk, 16, NULL);
    while (attempts-- && count && pos < omapSize(group->pel)) {
        omapEntry *e = omapAt(group->pel, pos);
        streamNACK *nack = e->val;
        unsigned char key[16];
        memcpy(key, omapKey(e), 16);
        streamID id;
        streamDecodeID(key, &id);
        if (!streamEntryExists(o->ptr, &id)) {
            robj *idstr = createObjectFromStreamID(&id);
            streamPropagateXCLAIM(c, c->argv[1], group, c->argv[2], idstr, nack);
            decrRefCount(idstr);
            server.dirty++;
            omapRemoveAt(group->pel, pos);
            omapRemove(nack->consumer->pel, key, 16, NULL);
            streamFreeNACK(nack);
            deleted[ndeleted++] = id;
            count--;
            continue; /* pos is now the next entry */
        }
        pos++;
        if (minidle && now - nack->delivery_time < minidle) continue;
        if (consumer == NULL) consumer = streamClaimConsumer(c, group);
        nack->delivery_time = now;
        if (!justid) nack->delivery_count++;
        streamNackMoveTo(nack, consumer, key);
        if (justid) addReplyStreamID(c, &id);
        else if (!streamReplyOne(c, o->ptr, &id)) addReplyNull(c);
        n++;
        count--;
        robj *idstr = createObjectFromStreamID(&id);
        streamPropagateXCLAIM(c, c->argv[1], group, c->argv[2], idstr, nack);
        decrRefCount(idstr);
        server.dirty++;
    }
    /* The cursor: the entry after the last one looked at, 0-0 at the end. */
    streamID endid = {0, 0};
    if (pos < omapSize(group->pel)) streamDecodeID(omapKey(omapAt(group->pel, pos)), &endid);
    setDeferredArrayLen(c, lenptr, n);
    sds eid = streamIDToSds(&endid);
    setDeferredReplyBulkCBuffer(c, endidptr, eid, sdslen(eid));
    sdsfree(eid);
    addReplyArrayLen(c, ndeleted);
    for (long i = 0; i < ndeleted; i++) addReplyStreamID(c, &deleted[i]);
    zfree(deleted);
    c->flags |= CLIENT_PREVENT_PROP_ANY; /* propagated as the XCLAIMs above */
}

/* ---------------------------------------------------------------------------
 * XINFO
 * ------------------------------------------------------------------------ */

static void streamReplyCGLag(client *c, stream *s, streamCG *cg) {
    long long lag = 0;
    int valid = 0;
    if (!s->entries_added) {
        valid = 1;
    } else if (cg->entries_read != SCG_INVALID_ENTRIES_READ && !streamRangeHasTombstones(s, &cg->last_id, NULL)) {
        lag = (long long)s->entries_added - cg->entries_read;
        valid = 1;
    } else {
        long long er = streamEstimateDistanceFromFirstEverEntry(s, &cg->last_id);
        if (er != SCG_INVALID_ENTRIES_READ) {
            lag = (long long)s->entries_added - er;
            valid = 1;
        }
    }
    if (valid) addReplyLongLong(c, lag);
    else addReplyNull(c);
}

static void addReplyEntriesRead(client *c, streamCG *cg) {
    if (cg->entries_read != SCG_INVALID_ENTRIES_READ) addReplyLongLong(c, cg->entries_read);
    else addReplyNull(c);
}

static void xinfoReplyGroupsFull(client *c, stream *s, long long count) {
    size_t ng = s->cgroups ? omapSize(s->cgroups) : 0;
    addReplyArrayLen(c, (long)ng);
    for (size_t g = 0; g < ng; g++) {
        omapEntry *ge = omapAt(s->cgroups, g);
        streamCG *cg = ge->val;
        addReplyMapLen(c, 7);
        addReplyBulkCString(c, "name");
        addReplyBulkCBuffer(c, omapKey(ge), ge->klen);
        addReplyBulkCString(c, "last-delivered-id");
        addReplyStreamID(c, &cg->last_id);
        addReplyBulkCString(c, "entries-read");
        addReplyEntriesRead(c, cg);
        addReplyBulkCString(c, "lag");
        streamReplyCGLag(c, s, cg);
        addReplyBulkCString(c, "pel-count");
        addReplyLongLong(c, (long long)omapSize(cg->pel));
        addReplyBulkCString(c, "pending");
        size_t np = omapSize(cg->pel);
        if (count && (size_t)count < np) np = (size_t)count;
        addReplyArrayLen(c, (long)np);
        for (size_t i = 0; i < np; i++) {
            omapEntry *e = omapAt(cg->pel, i);
            streamNACK *nack = e->val;
            streamID id;
            streamDecodeID(omapKey(e), &id);
            addReplyArrayLen(c, 4);
            addReplyStreamID(c, &id);
            addReplyBulkCBuffer(c, nack->consumer->name, sdslen(nack->consumer->name));
            addReplyLongLong(c, nack->delivery_time);
            addReplyLongLong(c, (long long)nack->delivery_count);
        }
        addReplyBulkCString(c, "consumers");
        addReplyArrayLen(c, (long)omapSize(cg->consumers));
        for (size_t k = 0; k < omapSize(cg->consumers); k++) {
            streamConsumer *sc = omapAt(cg->consumers, k)->val;
            addReplyMapLen(c, 4);
            addReplyBulkCString(c, "name");
            addReplyBulkCBuffer(c, sc->name, sdslen(sc->name));
            addReplyBulkCString(c, "seen-time");
            addReplyLongLong(c, sc->seen_time);
            addReplyBulkCString(c, "pel-count");
            addReplyLongLong(c, (long long)omapSize(sc->pel));
            addReplyBulkCString(c, "pending");
            size_t nc = omapSize(sc->pel);
            if (count && (size_t)count < nc) nc = (size_t)count;
            addReplyArrayLen(c, (long)nc);
            for (size_t i = 0; i < nc; i++) {
                omapEntry *e = omapAt(sc->pel, i);
                streamNACK *nack = e->val;
                streamID id;
                streamDecodeID(omapKey(e), &id);
                addReplyArrayLen(c, 3);
                addReplyStreamID(c, &id);
                addReplyLongLong(c, nack->delivery_time);
                addReplyLongLong(c, (long long)nack->delivery_count);
            }
        }
    }
}

static void xinfoReplyStream(client *c, stream *s) {
    int full = 1;
    long long count = 10;
    int optc = c->argc - 3;
    robj **optv = c->argv + 3;
    if (optc == 0) {
        full = 0;
    } else {
        if ((optc != 1 && optc != 3) || strcasecmp(optv[0]->ptr, "full")) {
            addReplySubcommandSyntaxError(c);
            return;
        }
        if (optc == 3) {
            if (strcasecmp(optv[1]->ptr, "count")) {
                addReplySubcommandSyntaxError(c);
                return;
            }
            if (getLongLongFromObjectOrReply(c, optv[2], &count, NULL) == C_ERR) return;
            if (count < 0) count = 10;
        }
    }
    addReplyMapLen(c, full ? 9 : 10);
    addReplyBulkCString(c, "length");
    addReplyLongLong(c, (long long)s->length);
    addReplyBulkCString(c, "radix-tree-keys");
    addReplyLongLong(c, (long long)omapSize(s->nodes));
    addReplyBulkCString(c, "radix-tree-nodes");
    addReplyLongLong(c, (long long)streamRadixTreeNodes(s));
    addReplyBulkCString(c, "last-generated-id");
    addReplyStreamID(c, &s->last_id);
    addReplyBulkCString(c, "max-deleted-entry-id");
    addReplyStreamID(c, &s->max_deleted_entry_id);
    addReplyBulkCString(c, "entries-added");
    addReplyLongLong(c, (long long)s->entries_added);
    addReplyBulkCString(c, "recorded-first-entry-id");
    addReplyStreamID(c, &s->first_id);
    if (!full) {
        addReplyBulkCString(c, "groups");
        addReplyLongLong(c, s->cgroups ? (long long)omapSize(s->cgroups) : 0);
        streamID id;
        addReplyBulkCString(c, "first-entry");
        if (streamGetEdgeID(s, 1, &id)) streamReplyOne(c, s, &id);
        else addReplyNull(c);
        addReplyBulkCString(c, "last-entry");
        if (streamGetEdgeID(s, 0, &id)) streamReplyOne(c, s, &id);
        else addReplyNull(c);
    } else {
        addReplyBulkCString(c, "entries");
        streamReplyRange(c, s, NULL, NULL, (size_t)count, 0);
        addReplyBulkCString(c, "groups");
        xinfoReplyGroupsFull(c, s, count);
    }
}

void xinfoCommand(client *c) {
    if (!strcasecmp(c->argv[1]->ptr, "HELP")) {
        const char *help[] = {
"CONSUMERS <key> <groupname>",
"    Show consumers of <groupname>.",
"GROUPS <key>",
"    Show the stream consumer groups.",
"STREAM <key> [FULL [COUNT <count>]",
"    Show information about the stream.",
NULL
        };
        addReplyHelp(c, help);
        return;
    }
    char *opt = c->argv[1]->ptr;
    robj *key = c->argv[2];
    robj *o = lookupKeyReadOrReply(c, key, shared.nokeyerr);
    if (o == NULL || checkType(c, o, OBJ_STREAM)) return;
    stream *s = o->ptr;
    if (!strcasecmp(opt, "CONSUMERS") && c->argc == 4) {
        streamCG *cg = streamLookupCG(s, c->argv[3]->ptr);
        if (cg == NULL) {
            addReplyErrorFormat(c, "-NOGROUP No such consumer group '%s' for key name '%s'",
                                (char *)c->argv[3]->ptr, (char *)key->ptr);
            return;
        }
        long long now = commandTimeSnapshotMs();
        addReplyArrayLen(c, (long)omapSize(cg->consumers));
        for (size_t i = 0; i < omapSize(cg->consumers); i++) {
            streamConsumer *sc = omapAt(cg->consumers, i)->val;
            long long idle = now - sc->seen_time;
            addReplyMapLen(c, 3);
            addReplyBulkCString(c, "name");
            addReplyBulkCBuffer(c, sc->name, sdslen(sc->name));
            addReplyBulkCString(c, "pending");
            addReplyLongLong(c, (long long)omapSize(sc->pel));
            addReplyBulkCString(c, "idle");
            addReplyLongLong(c, idle < 0 ? 0 : idle);
        }
    } else if (!strcasecmp(opt, "GROUPS") && c->argc == 3) {
        size_t ng = s->cgroups ? omapSize(s->cgroups) : 0;
        addReplyArrayLen(c, (long)ng);
        for (size_t g = 0; g < ng; g++) {
            omapEntry *ge = omapAt(s->cgroups, g);
            streamCG *cg = ge->val;
            addReplyMapLen(c, 6);
            addReplyBulkCString(c, "name");
            addReplyBulkCBuffer(c, omapKey(ge), ge->klen);
            addReplyBulkCString(c, "consumers");
            addReplyLongLong(c, (long long)omapSize(cg->consumers));
            addReplyBulkCString(c, "pending");
            addReplyLongLong(c, (long long)omapSize(cg->pel));
            addReplyBulkCString(c, "last-delivered-id");
            addReplyStreamID(c, &cg->last_id);
            addReplyBulkCString(c, "entries-read");
            addReplyEntriesRead(c, cg);
            addReplyBulkCString(c, "lag");
            streamReplyCGLag(c, s, cg);
        }
    } else if (!strcasecmp(opt, "STREAM")) {
        xinfoReplyStream(c, s);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}
