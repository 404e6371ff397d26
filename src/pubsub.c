/* pubsub.c - Pub/Sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their UNSUBSCRIBE
 * counterparts, PUBLISH, SPUBLISH and PUBSUB.
 *
 * Three kinds of subscription share one mechanism:
 *   channels        exact names, reached by PUBLISH
 *   patterns        glob patterns, matched against every PUBLISH-ed name
 *   shard channels  exact names, reached by SPUBLISH only (in a cluster
 *                   they live with the slot of their name)
 * Each kind has a server-wide index (name -> list of subscribed clients, in
 * subscription order, which is the delivery order) and a per-client record
 * (client->pubsub_channels / pubsub_patterns / pubsub_shard_channels, the
 * latter two created on first use). The two sides always change together.
 *
 * A RESP2 client with at least one subscription is in "subscribed" mode
 * (CLIENT_PUBSUB): processCommand only lets the (P|S)(UN)SUBSCRIBE family,
 * PING, QUIT and RESET through, and its output buffer counts against the
 * pubsub class of client-output-buffer-limit. RESP3 clients get the same
 * messages as push replies and may run any command meanwhile.
 */
#include "server.h"

/* ===========================================================================
 * The indexes
 * ======================================================================== */

/* Names are string objects holding an sds (argv objects, or objects built
 * here); hash and compare the bytes. */
static uint64_t nameHash(const void *key) {
    const robj *o = key;
    return dictGenHashFunction(o->ptr, sdslen((sds)o->ptr));
}

static int nameCompare(dict *d, const void *a, const void *b) {
    (void)d;
    const robj *x = a, *y = b;
    return sdslen(x->ptr) == sdslen(y->ptr) && memcmp(x->ptr, y->ptr, sdslen(x->ptr)) == 0;
}

static void nameDestructor(dict *d, void *o) {
    (void)d;
    decrRefCount(o);
}

/* Server side: name -> list of clients (the list is freed by us when it
 * gets empty, together with the entry). Client side: name -> NULL. */
static dictType indexDictType = {nameHash, NULL, NULL, nameCompare, nameDestructor, NULL, NULL};
static dictType clientNamesDictType = {nameHash, NULL, NULL, nameCompare, nameDestructor, NULL, NULL};

static dict *channel_index;   /* SUBSCRIBE */
static dict *pattern_index;   /* PSUBSCRIBE */
static dict *shard_index;     /* SSUBSCRIBE */

static void ensureIndexes(void) {
    if (channel_index) return;
    channel_index = dictCreate(&indexDictType);
    pattern_index = dictCreate(&indexDictType);
    shard_index = dictCreate(&indexDictType);
}

/* A name we can keep: the argv object itself when it holds an sds. */
static robj *keepableName(robj *o) {
    if (sdsEncodedObject(o)) {
        incrRefCount(o);
        return o;
    }
    return getDecodedObject(o);
}

static void indexAdd(dict *index, robj *name, client *c) {
    dictEntry *de = dictFind(index, name);
    list *clients;
    if (de == NULL) {
        clients = listCreate();
        dictAdd(index, keepableName(name), clients);
    } else {
        clients = dictGetVal(de);
    }
    listAddNodeTail(clients, c);
}

static void indexRemove(dict *index, robj *name, client *c) {
    dictEntry *de = dictFind(index, name);
    serverAssert(de != NULL);
    list *clients = dictGetVal(de);
    listNode *ln = listSearchKey(clients, c);
    serverAssert(ln != NULL);
    listDelNode(clients, ln);
    if (listLength(clients) == 0) {
        listRelease(clients);
        dictDelete(index, name);
    }
}

static unsigned long indexSubscribers(dict *index, robj *name) {
    if (index == NULL) return 0;
    dictEntry *de = dictFind(index, name);
    return de ? listLength((list *)dictGetVal(de)) : 0;
}

/* ===========================================================================
 * Per client state
 * ======================================================================== */

static dict *clientChannels(client *c, int shard) {
    dict **slot = shard ? &c->pubsub_shard_channels : &c->pubsub_channels;
    if (*slot == NULL) *slot = dictCreate(&clientNamesDictType);
    return *slot;
}

static list *clientPatterns(client *c) {
    if (c->pubsub_patterns == NULL) c->pubsub_patterns = listCreate();
    return c->pubsub_patterns;
}

static unsigned long sizeOrZero(dict *d) { return d ? dictSize(d) : 0; }

int pubsubClientSubscriptionCount(client *c) {
    return (int)(sizeOrZero(c->pubsub_channels) +
                 (c->pubsub_patterns ? listLength(c->pubsub_patterns) : 0));
}

static int clientShardCount(client *c) {
    return (int)sizeOrZero(c->pubsub_shard_channels);
}

/* Out of subscribed mode once nothing at all is left. */
static void updatePubsubFlag(client *c) {
    if (pubsubClientSubscriptionCount(c) + clientShardCount(c) == 0) c->flags &= ~CLIENT_PUBSUB;
}

static listNode *findClientPattern(client *c, robj *pattern) {
    if (c->pubsub_patterns == NULL) return NULL;
    listIter li;
    listNode *ln;
    listRewind(c->pubsub_patterns, &li);
    while ((ln = listNext(&li)) != NULL) {
        if (nameCompare(NULL, listNodeValue(ln), pattern)) return ln;
    }
    return NULL;
}

/* ===========================================================================
 * Replies
 * ======================================================================== */

/* Pub/sub replies reach the client even under CLIENT REPLY OFF/SKIP (as
 * in stock): they are flagged as pushes while being written. */
#define BEGIN_PUSH(c) uint64_t _old_flags = (c)->flags; (c)->flags |= CLIENT_PUSHING
#define END_PUSH(c) do { if (!(_old_flags & CLIENT_PUSHING)) (c)->flags &= ~CLIENT_PUSHING; } while (0)

/* A pub/sub "message" is a 3 (or 4) element array in RESP2 and a push in
 * RESP3: kind, then name(s), then a count or the payload. */
static void addReplyPubsubHeader(client *c, int len) {
    if (c->resp == 2) addReply(c, shared.mbulkhdr[len]);
    else addReplyPushLen(c, len);
}

/* (un)subscribe confirmation: kind, name (null when there was nothing to
 * unsubscribe from), subscriptions left. */
static void addReplySubscription(client *c, robj *kind, robj *name, long count) {
    BEGIN_PUSH(c);
    addReplyPubsubHeader(c, 3);
    addReply(c, kind);
    if (name) addReplyBulk(c, name);
    else addReplyNull(c);
    addReplyLongLong(c, count);
    END_PUSH(c);
}

static void addReplyMessage(client *c, robj *kind, robj *channel, robj *msg) {
    BEGIN_PUSH(c);
    addReplyPubsubHeader(c, 3);
    addReply(c, kind);
    addReplyBulk(c, channel);
    addReplyBulk(c, msg);
    END_PUSH(c);
}

static void addReplyPatternMessage(client *c, robj *pattern, robj *channel, robj *msg) {
    BEGIN_PUSH(c);
    addReplyPubsubHeader(c, 4);
    addReply(c, shared.pmessagebulk);
    addReplyBulk(c, pattern);
    addReplyBulk(c, channel);
    addReplyBulk(c, msg);
    END_PUSH(c);
}

/* ===========================================================================
 * Subscribing and unsubscribing
 * ======================================================================== */

static void subscribeChannel(client *c, robj *channel, int shard) {
    ensureIndexes();
    dict *mine = clientChannels(c, shard);
    if (dictFind(mine, channel) == NULL) {
        dictAdd(mine, keepableName(channel), NULL);
        indexAdd(shard ? shard_index : channel_index, channel, c);
    }
    addReplySubscription(c, shard ? shared.ssubscribebulk : shared.subscribebulk, channel,
                         shard ? clientShardCount(c) : pubsubClientSubscriptionCount(c));
}

/* Returns 1 if the client was subscribed. The reply (when notify) is sent
 * either way. */
static int unsubscribeChannel(client *c, robj *channel, int notify, int shard) {
    dict *mine = shard ? c->pubsub_shard_channels : c->pubsub_channels;
    int was = 0;
    /* Keep the name alive: the dict entry may hold the only reference. */
    incrRefCount(channel);
    if (mine && dictFind(mine, channel) != NULL) {
        was = 1;
        indexRemove(shard ? shard_index : channel_index, channel, c);
        dictDelete(mine, channel);
    }
    if (notify)
        addReplySubscription(c, shard ? shared.sunsubscribebulk : shared.unsubscribebulk, channel,
                             shard ? clientShardCount(c) : pubsubClientSubscriptionCount(c));
    decrRefCount(channel);
    return was;
}

static void subscribePattern(client *c, robj *pattern) {
    ensureIndexes();
    if (findClientPattern(c, pattern) == NULL) {
        listAddNodeTail(clientPatterns(c), keepableName(pattern));
        indexAdd(pattern_index, pattern, c);
    }
    addReplySubscription(c, shared.psubscribebulk, pattern, pubsubClientSubscriptionCount(c));
}

static int unsubscribePattern(client *c, robj *pattern, int notify) {
    int was = 0;
    incrRefCount(pattern);
    listNode *ln = findClientPattern(c, pattern);
    if (ln) {
        was = 1;
        robj *kept = listNodeValue(ln);
        listDelNode(c->pubsub_patterns, ln);
        indexRemove(pattern_index, pattern, c);
        decrRefCount(kept);
    }
    if (notify) addReplySubscription(c, shared.punsubscribebulk, pattern, pubsubClientSubscriptionCount(c));
    decrRefCount(pattern);
    return was;
}

/* Leave every channel (or shard channel); with notify, one reply per
 * channel, or a single null-named one when there was none. Returns how
 * many were left. */
static int unsubscribeAllChannelsOfKind(client *c, int notify, int shard) {
    dict *mine = shard ? c->pubsub_shard_channels : c->pubsub_channels;
    int count = 0;
    if (mine && dictSize(mine) > 0) {
        dictIterator *di = dictGetSafeIterator(mine);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) {
            count += unsubscribeChannel(c, dictGetKey(de), notify, shard);
        }
        dictReleaseIterator(di);
    }
    if (notify && count == 0)
        addReplySubscription(c, shard ? shared.sunsubscribebulk : shared.unsubscribebulk, NULL,
                             shard ? clientShardCount(c) : pubsubClientSubscriptionCount(c));
    updatePubsubFlag(c);
    return count;
}

int pubsubUnsubscribeAllChannels(client *c, int notify) {
    return unsubscribeAllChannelsOfKind(c, notify, 0);
}

int pubsubUnsubscribeShardAllChannels(client *c, int notify) {
    return unsubscribeAllChannelsOfKind(c, notify, 1);
}

int pubsubUnsubscribeAllPatterns(client *c, int notify) {
    int count = 0;
    while (c->pubsub_patterns && listLength(c->pubsub_patterns) > 0) {
        robj *pattern = listNodeValue(listFirst(c->pubsub_patterns));
        count += unsubscribePattern(c, pattern, notify);
    }
    if (notify && count == 0) addReplySubscription(c, shared.punsubscribebulk, NULL, pubsubClientSubscriptionCount(c));
    updatePubsubFlag(c);
    return count;
}

void pubsubFreeClient(client *c) {
    pubsubUnsubscribeAllChannels(c, 0);
    pubsubUnsubscribeShardAllChannels(c, 0);
    pubsubUnsubscribeAllPatterns(c, 0);
    if (c->pubsub_channels) dictRelease(c->pubsub_channels);
    if (c->pubsub_shard_channels) dictRelease(c->pubsub_shard_channels);
    if (c->pubsub_patterns) listRelease(c->pubsub_patterns);
    c->pubsub_channels = c->pubsub_shard_channels = NULL;
    c->pubsub_patterns = NULL;
}

/* ===========================================================================
 * Publishing
 * ======================================================================== */

static int deliverToList(list *clients, robj *kind, robj *channel, robj *message) {
    int n = 0;
    listIter li;
    listNode *ln;
    listRewind(clients, &li);
    while ((ln = listNext(&li)) != NULL) {
        addReplyMessage(listNodeValue(ln), kind, channel, message);
        n++;
    }
    return n;
}

/* Every pattern is tried against the channel: O(patterns) per message. */
static int deliverToPatterns(robj *channel, robj *message) {
    int n = 0;
    sds name = channel->ptr;
    dictIterator *di = dictGetIterator(pattern_index);
    dictEntry *de;
    while ((de = dictNext(di)) != NULL) {
        robj *pattern = dictGetKey(de);
        if (!stringmatchlen(pattern->ptr, (int)sdslen(pattern->ptr), name, (int)sdslen(name), 0)) continue;
        listIter li;
        listNode *ln;
        listRewind(dictGetVal(de), &li);
        while ((ln = listNext(&li)) != NULL) {
            addReplyPatternMessage(listNodeValue(ln), pattern, channel, message);
            n++;
        }
    }
    dictReleaseIterator(di);
    return n;
}

int pubsubPublishMessage(robj *channel, robj *message, int sharded) {
    if (channel_index == NULL) return 0;
    int receivers = 0;
    channel = getDecodedObject(channel);
    dict *index = sharded ? shard_index : channel_index;
    dictEntry *de = dictSize(index) ? dictFind(index, channel) : NULL;
    if (de) receivers += deliverToList(dictGetVal(de), sharded ? shared.smessagebulk : shared.messagebulk,
                                       channel, message);
    if (!sharded && dictSize(pattern_index)) receivers += deliverToPatterns(channel, message);
    decrRefCount(channel);
    return receivers;
}

/* INFO stats (weak hooks in info.c). */
unsigned long pubsubTotalChannels(void) { return sizeOrZero(channel_index); }
unsigned long pubsubTotalPatterns(void) { return sizeOrZero(pattern_index); }
unsigned long pubsubTotalShardChannels(void) { return sizeOrZero(shard_index); }

/* ===========================================================================
 * Commands
 * ======================================================================== */

/* Inside MULTI/EXEC a client expects one reply per command, which
 * subscribing cannot promise. SUBSCRIBE and PSUBSCRIBE are still allowed
 * there for backward compatibility (as in stock); SSUBSCRIBE is not. */
static int denyBlockingContext(client *c) {
    return server.in_exec && (c->flags & CLIENT_MULTI);
}

void subscribeCommand(client *c) {
    for (int j = 1; j < c->argc; j++) subscribeChannel(c, c->argv[j], 0);
    c->flags |= CLIENT_PUBSUB;
}

void unsubscribeCommand(client *c) {
    if (c->argc == 1) pubsubUnsubscribeAllChannels(c, 1);
    else for (int j = 1; j < c->argc; j++) unsubscribeChannel(c, c->argv[j], 1, 0);
    updatePubsubFlag(c);
}

void psubscribeCommand(client *c) {
    for (int j = 1; j < c->argc; j++) subscribePattern(c, c->argv[j]);
    c->flags |= CLIENT_PUBSUB;
}

void punsubscribeCommand(client *c) {
    if (c->argc == 1) pubsubUnsubscribeAllPatterns(c, 1);
    else for (int j = 1; j < c->argc; j++) unsubscribePattern(c, c->argv[j], 1);
    updatePubsubFlag(c);
}

void ssubscribeCommand(client *c) {
    if (denyBlockingContext(c)) {
        addReplyError(c, "SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
        return;
    }
    for (int j = 1; j < c->argc; j++) subscribeChannel(c, c->argv[j], 1);
    c->flags |= CLIENT_PUBSUB;
}

void sunsubscribeCommand(client *c) {
    if (c->argc == 1) pubsubUnsubscribeShardAllChannels(c, 1);
    else for (int j = 1; j < c->argc; j++) unsubscribeChannel(c, c->argv[j], 1, 1);
    updatePubsubFlag(c);
}

#pragma weak clusterPropagatePublish

/* Replicas see PUBLISH too (their own subscribers get the message); in a
 * cluster the bus carries it to the other nodes instead. */
static void propagatePublish(client *c, int sharded) {
    if (server.cluster_enabled && clusterPropagatePublish)
        clusterPropagatePublish(c->argv[1], c->argv[2], sharded);
    else
        c->flags |= CLIENT_FORCE_REPL;
}

void publishCommand(client *c) {
    int receivers = pubsubPublishMessage(c->argv[1], c->argv[2], 0);
    propagatePublish(c, 0);
    addReplyLongLong(c, receivers);
}

void spublishCommand(client *c) {
    int receivers = pubsubPublishMessage(c->argv[1], c->argv[2], 1);
    propagatePublish(c, 1);
    addReplyLongLong(c, receivers);
}

/* PUBSUB CHANNELS / SHARDCHANNELS [pattern]: active names, in index order. */
static void replyActiveNames(client *c, dict *index) {
    sds pattern = c->argc == 3 ? c->argv[2]->ptr : NULL;
    long n = 0;
    void *lenslot = addReplyDeferredLen(c);
    if (index) {
        dictIterator *di = dictGetIterator(index);
        dictEntry *de;
        while ((de = dictNext(di)) != NULL) {
            robj *name = dictGetKey(de);
            if (pattern && !stringmatchlen(pattern, (int)sdslen(pattern), name->ptr,
                                           (int)sdslen(name->ptr), 0))
                continue;
            addReplyBulk(c, name);
            n++;
        }
        dictReleaseIterator(di);
    }
    setDeferredArrayLen(c, lenslot, n);
}

/* PUBSUB NUMSUB / SHARDNUMSUB [name ...]: name, count pairs as a flat
 * array (also in RESP3). */
static void replySubscriberCounts(client *c, dict *index) {
    addReplyArrayLen(c, (c->argc - 2) * 2);
    for (int j = 2; j < c->argc; j++) {
        addReplyBulk(c, c->argv[j]);
        addReplyLongLong(c, (long long)indexSubscribers(index, c->argv[j]));
    }
}

static const char *pubsubHelp[] = {
"CHANNELS [<pattern>]",
"    Return the currently active channels matching a <pattern> (default: '*').",
"NUMPAT",
"    Return number of subscriptions to patterns.",
"NUMSUB [<channel> ...]",
"    Return the number of subscribers for the specified channels, excluding",
"    pattern subscriptions(default: no channels).",
"SHARDCHANNELS [<pattern>]",
"    Return the currently active shard level channels matching a <pattern> (default: '*').",
"SHARDNUMSUB [<shardchannel> ...]",
"    Return the number of subscribers for the specified shard level channel(s)",
NULL
};

void pubsubCommand(client *c) {
    const char *sub = c->argv[1]->ptr;
    if (c->argc == 2 && !strcasecmp(sub, "help")) {
        addReplyHelp(c, pubsubHelp);
    } else if (!strcasecmp(sub, "channels") && (c->argc == 2 || c->argc == 3)) {
        replyActiveNames(c, channel_index);
    } else if (!strcasecmp(sub, "numsub") && c->argc >= 2) {
        replySubscriberCounts(c, channel_index);
    } else if (!strcasecmp(sub, "numpat") && c->argc == 2) {
        addReplyLongLong(c, (long long)sizeOrZero(pattern_index));
    } else if (!strcasecmp(sub, "shardchannels") && (c->argc == 2 || c->argc == 3)) {
        replyActiveNames(c, shard_index);
    } else if (!strcasecmp(sub, "shardnumsub") && c->argc >= 2) {
        replySubscriberCounts(c, shard_index);
    } else {
        addReplySubcommandSyntaxError(c);
    }
}
