/* geo.c - the GEO commands, on top of sorted sets whose scores are 52 bit
 * geohashes (see geohash.h):
 *
 *   GEOADD GEOPOS GEODIST GEOHASH GEOSEARCH GEOSEARCHSTORE
 *   GEORADIUS GEORADIUS_RO GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO
 *
 * GEOADD turns its arguments into a ZADD. Searches walk the 9 cells that
 * cover the shape (geohashCellsForShape), read each cell's score interval
 * from the sorted set and keep the members whose exact distance puts them
 * inside the shape; results are then optionally sorted by distance.
 */
#include "server.h"
#include "geohash.h"
#include <math.h>

/* ===========================================================================
 * Argument helpers (texts as stock)
 * ======================================================================== */

static int parseLonLatOrReply(client *c, robj **argv, double *xy) {
    for (int i = 0; i < 2; i++)
        if (getDoubleFromObjectOrReply(c, argv[i], xy + i, NULL) != C_OK) return C_ERR;
    if (xy[0] < GEO_LONG_MIN || xy[0] > GEO_LONG_MAX || xy[1] < GEO_LAT_MIN || xy[1] > GEO_LAT_MAX) {
        addReplyErrorFormat(c, "invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
        return C_ERR;
    }
    return C_OK;
}

/* Meters per unit, or -1 after replying. */
static double parseUnitOrReply(client *c, robj *unit) {
    const char *u = unit->ptr;
    if (!strcasecmp(u, "m")) return 1;
    if (!strcasecmp(u, "km")) return 1000;
    if (!strcasecmp(u, "ft")) return 0.3048;
    if (!strcasecmp(u, "mi")) return 1609.34;
    addReplyError(c, "unsupported unit provided. please use M, KM, FT, MI");
    return -1;
}

/* radius unit */
static int parseRadiusOrReply(client *c, robj **argv, GeoShape *shape) {
    double r;
    if (getDoubleFromObjectOrReply(c, argv[0], &r, "need numeric radius") != C_OK) return C_ERR;
    if (r < 0) {
        addReplyError(c, "radius cannot be negative");
        return C_ERR;
    }
    double conv = parseUnitOrReply(c, argv[1]);
    if (conv < 0) return C_ERR;
    shape->type = GEO_SHAPE_CIRCLE;
    shape->radius = r;
    shape->conversion = conv;
    return C_OK;
}

/* width height unit */
static int parseBoxOrReply(client *c, robj **argv, GeoShape *shape) {
    double w, h;
    if (getDoubleFromObjectOrReply(c, argv[0], &w, "need numeric width") != C_OK ||
        getDoubleFromObjectOrReply(c, argv[1], &h, "need numeric height") != C_OK)
        return C_ERR;
    if (h < 0 || w < 0) {
        addReplyError(c, "height or width cannot be negative");
        return C_ERR;
    }
    double conv = parseUnitOrReply(c, argv[2]);
    if (conv < 0) return C_ERR;
    shape->type = GEO_SHAPE_BOX;
    shape->width = w;
    shape->height = h;
    shape->conversion = conv;
    return C_OK;
}

/* Position of a member, C_ERR when absent. */
static int memberLonLat(robj *zobj, robj *member, double *xy) {
    double score;
    if (zsetScore(zobj, member->ptr, &score) == C_ERR) return C_ERR;
    return geohashDecodeScore(score, xy) ? C_OK : C_ERR;
}

/* Distances print with 4 decimals. */
static void addReplyDistance(client *c, double d) {
    char buf[128];
    int len = snprintf(buf, sizeof(buf), "%.4f", d);
    addReplyBulkCBuffer(c, buf, len);
}

/* ===========================================================================
 * GEOADD GEOPOS GEODIST GEOHASH
 * ======================================================================== */

/* GEOADD key [NX|XX] [CH] lon lat member [lon lat member ...] */
void geoaddCommand(client *c) {
    int first = 2, nx = 0, xx = 0;
    for (; first < c->argc; first++) {
        const char *opt = c->argv[first]->ptr;
        if (!strcasecmp(opt, "nx")) nx = 1;
        else if (!strcasecmp(opt, "xx")) xx = 1;
        else if (strcasecmp(opt, "ch")) break;
    }
    if ((c->argc - first) % 3 || (xx && nx)) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    /* The same options, then score member pairs: a ZADD. */
    int elements = (c->argc - first) / 3;
    int argc = first + elements * 2;
    robj **argv = zcalloc(sizeof(robj *) * argc);
    argv[0] = createRawStringObject("zadd", 4);
    for (int i = 1; i < first; i++) {
        argv[i] = c->argv[i];
        incrRefCount(argv[i]);
    }
    for (int i = 0; i < elements; i++) {
        double xy[2];
        robj **triple = c->argv + first + i * 3;
        if (parseLonLatOrReply(c, triple, xy) != C_OK) {
            for (int j = 0; j < argc; j++)
                if (argv[j]) decrRefCount(argv[j]);
            zfree(argv);
            return;
        }
        GeoHashBits hash;
        geohashEncodeWGS84(xy[0], xy[1], GEO_STEP_MAX, &hash);
        argv[first + i*2] = createObject(OBJ_STRING, sdsfromlonglong((long long)geohashAlign52Bits(hash)));
        argv[first + i*2 + 1] = triple[2];
        incrRefCount(triple[2]);
    }
    replaceClientCommandVector(c, argc, argv);
    zaddCommand(c);
}

void geoposCommand(client *c) {
    robj *zobj = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, zobj, OBJ_ZSET)) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double xy[2];
        if (zobj == NULL || memberLonLat(zobj, c->argv[j], xy) != C_OK) {
            addReplyNullArray(c);
            continue;
        }
        addReplyArrayLen(c, 2);
        addReplyHumanLongDouble(c, xy[0]);
        addReplyHumanLongDouble(c, xy[1]);
    }
}

/* GEODIST key member1 member2 [unit] */
void geodistCommand(client *c) {
    double to_meter = 1;
    if (c->argc == 5) {
        if ((to_meter = parseUnitOrReply(c, c->argv[4])) < 0) return;
    } else if (c->argc > 5) {
        addReplyErrorObject(c, shared.syntaxerr);
        return;
    }
    robj *zobj = lookupKeyReadOrReply(c, c->argv[1], shared.null[c->resp]);
    if (zobj == NULL || checkType(c, zobj, OBJ_ZSET)) return;
    double a[2], b[2];
    if (memberLonLat(zobj, c->argv[2], a) != C_OK || memberLonLat(zobj, c->argv[3], b) != C_OK) {
        addReplyNull(c);
        return;
    }
    addReplyDistance(c, geohashDistance(a[0], a[1], b[0], b[1]) / to_meter);
}

void geohashCommand(client *c) {
    robj *zobj = lookupKeyRead(c->db, c->argv[1]);
    if (checkType(c, zobj, OBJ_ZSET)) return;
    addReplyArrayLen(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double score;
        char buf[12];
        if (zobj == NULL || zsetScore(zobj, c->argv[j]->ptr, &score) != C_OK ||
            !geohashString(score, buf)) {
            addReplyNull(c);
            continue;
        }
        addReplyBulkCBuffer(c, buf, 11);
    }
}

/* ===========================================================================
 * Searches
 * ======================================================================== */

typedef struct {
    sds member;
    double score, dist, lon, lat;
} geoPoint;

typedef struct {
    geoPoint *items;
    size_t used, size;
} geoPoints;

static void geoPointsAdd(geoPoints *pts, const char *m, size_t len, double score,
                         double dist, const double *xy) {
    if (pts->used == pts->size) {
        pts->size = pts->size ? pts->size * 2 : 16;
        pts->items = zrealloc(pts->items, sizeof(geoPoint) * pts->size);
    }
    geoPoint *p = &pts->items[pts->used++];
    p->member = sdsnewlen(m, len);
    p->score = score;
    p->dist = dist;
    p->lon = xy[0];
    p->lat = xy[1];
}

static void geoPointsFree(geoPoints *pts) {
    for (size_t i = 0; i < pts->used; i++) sdsfree(pts->items[i].member);
    zfree(pts->items);
}

typedef struct {
    const GeoShape *shape;
    geoPoints *pts;
    unsigned long limit;   /* ANY: stop at this many, 0 = no limit */
} geoCollect;

/* The members of one cell (scores in [min, max)) that are in the shape. */
static void collectCellMember(void *priv, const char *m, size_t len, double score) {
    geoCollect *gc = priv;
    double xy[2], dist = 0;
    if (!geohashDecodeScore(score, xy)) return;
    if (!geohashDistanceIfInShape(gc->shape, xy[0], xy[1], &dist)) return;
    geoPointsAdd(gc->pts, m, len, score, dist, xy);
}

static void collectInShape(robj *zobj, const GeoShape *shape, geoPoints *pts, unsigned long limit) {
    GeoHashCells cells;
    geohashCellsForShape(shape, &cells);
    geoCollect gc = {shape, pts, limit};
    int last = 0;
    for (int i = 0; i < GEO_CELLS; i++) {
        GeoHashBits h = cells.cells[i];
        if (h.bits == 0 && h.step == 0) continue;
        /* Huge radii make neighbours coincide: skip a repeat of the cell
         * searched just before. */
        if (last && h.bits == cells.cells[last].bits && h.step == cells.cells[last].step) continue;
        if (pts->used && limit && pts->used >= limit) break;
        GeoHashBits next = h;
        next.bits++;
        zrangespec range = {(double)geohashAlign52Bits(h), (double)geohashAlign52Bits(next), 0, 1};
        zsetForEachInScoreRange(zobj, &range, collectCellMember, &gc, limit, &pts->used);
        last = i;
    }
}

static int byDistAsc(const void *a, const void *b) {
    double da = ((const geoPoint *)a)->dist, db = ((const geoPoint *)b)->dist;
    return da > db ? 1 : (da == db ? 0 : -1);
}

static int byDistDesc(const void *a, const void *b) { return -byDistAsc(a, b); }

#define GEO_RADIUS_COORDS (1<<0)   /* GEORADIUS: center given as lon lat */
#define GEO_RADIUS_MEMBER (1<<1)   /* GEORADIUSBYMEMBER */
#define GEO_NOSTORE (1<<2)         /* the _RO variants */
#define GEO_SEARCH (1<<3)          /* GEOSEARCH */
#define GEO_SEARCH_STORE (1<<4)    /* GEOSEARCHSTORE */

#define GEO_SORT_NONE 0
#define GEO_SORT_ASC 1
#define GEO_SORT_DESC 2

typedef struct {
    int withdist, withhash, withcoord, any, sort;
    long long count;
    robj *storekey;
    int storedist;
    int frommember, fromlonlat, byradius, bybox;
} geoSearchOpts;

/* Options from argv[first] on; the member/center and shape options of
 * GEOSEARCH fill shape as they are met (a missing key only remembers that
 * FROMMEMBER was given). */
static int parseSearchOptions(client *c, int first, int flags, robj *zobj,
                              GeoShape *shape, geoSearchOpts *o) {
    for (int i = first; i < c->argc; i++) {
        const char *arg = c->argv[i]->ptr;
        int left = c->argc - i - 1;
        int search = flags & GEO_SEARCH;
        int can_store = !(flags & GEO_NOSTORE) && !search;
        if (!strcasecmp(arg, "withdist")) {
            o->withdist = 1;
        } else if (!strcasecmp(arg, "withhash")) {
            o->withhash = 1;
        } else if (!strcasecmp(arg, "withcoord")) {
            o->withcoord = 1;
        } else if (!strcasecmp(arg, "any")) {
            o->any = 1;
        } else if (!strcasecmp(arg, "asc")) {
            o->sort = GEO_SORT_ASC;
        } else if (!strcasecmp(arg, "desc")) {
            o->sort = GEO_SORT_DESC;
        } else if (!strcasecmp(arg, "count") && left >= 1) {
            if (getLongLongFromObjectOrReply(c, c->argv[i+1], &o->count, NULL) != C_OK) return C_ERR;
            if (o->count <= 0) {
                addReplyError(c, "COUNT must be > 0");
                return C_ERR;
            }
            i++;
        } else if (!strcasecmp(arg, "store") && left >= 1 && can_store) {
            o->storekey = c->argv[++i];
            o->storedist = 0;
        } else if (!strcasecmp(arg, "storedist") && left >= 1 && can_store) {
            o->storekey = c->argv[++i];
            o->storedist = 1;
        } else if (!strcasecmp(arg, "storedist") && search && (flags & GEO_SEARCH_STORE)) {
            o->storedist = 1;
        } else if (!strcasecmp(arg, "frommember") && left >= 1 && search && !o->fromlonlat) {
            if (zobj && memberLonLat(zobj, c->argv[i+1], shape->xy) != C_OK) {
                addReplyError(c, "could not decode requested zset member");
                return C_ERR;
            }
            o->frommember = 1;
            i++;
        } else if (!strcasecmp(arg, "fromlonlat") && left >= 2 && search && !o->frommember) {
            if (parseLonLatOrReply(c, c->argv + i + 1, shape->xy) != C_OK) return C_ERR;
            o->fromlonlat = 1;
            i += 2;
        } else if (!strcasecmp(arg, "byradius") && left >= 2 && search && !o->bybox) {
            if (parseRadiusOrReply(c, c->argv + i + 1, shape) != C_OK) return C_ERR;
            o->byradius = 1;
            i += 2;
        } else if (!strcasecmp(arg, "bybox") && left >= 3 && search && !o->byradius) {
            if (parseBoxOrReply(c, c->argv + i + 1, shape) != C_OK) return C_ERR;
            o->bybox = 1;
            i += 3;
        } else {
            addReplyErrorObject(c, shared.syntaxerr);
            return C_ERR;
        }
    }
    return C_OK;
}

static void searchReply(client *c, geoPoints *pts, long n, const geoSearchOpts *o, double conv) {
    int extras = o->withdist + o->withhash + o->withcoord;
    addReplyArrayLen(c, n);
    for (long i = 0; i < n; i++) {
        geoPoint *p = &pts->items[i];
        if (extras) addReplyArrayLen(c, extras + 1);
        addReplyBulkCBuffer(c, p->member, sdslen(p->member));
        if (o->withdist) addReplyDistance(c, p->dist / conv);
        if (o->withhash) addReplyLongLong(c, (long long)p->score);
        if (o->withcoord) {
            addReplyArrayLen(c, 2);
            addReplyHumanLongDouble(c, p->lon);
            addReplyHumanLongDouble(c, p->lat);
        }
    }
}

static void searchStore(client *c, geoPoints *pts, long n, const geoSearchOpts *o,
                        double conv, int flags) {
    if (n) {
        robj *dst = createZsetObject();
        zset *zs = dst->ptr;
        size_t maxlen = 0, totlen = 0;
        for (long i = 0; i < n; i++) {
            geoPoint *p = &pts->items[i];
            double score = o->storedist ? p->dist / conv : p->score;
            size_t len = sdslen(p->member);
            if (len > maxlen) maxlen = len;
            totlen += len;
            zskiplistNode *node = zslInsert(zs->zsl, score, p->member);
            serverAssert(dictAdd(zs->dict, p->member, &node->score) == DICT_OK);
            p->member = NULL;   /* owned by the result now */
        }
        zsetConvertToListpackIfNeeded(dst, maxlen, totlen);
        setKey(c, c->db, o->storekey, dst, 0);
        decrRefCount(dst);
        notifyKeyspaceEvent(NOTIFY_ZSET, (flags & GEO_SEARCH) ? "geosearchstore" : "georadiusstore",
                            o->storekey, c->db->id);
        server.dirty += n;
    } else if (dbDelete(c->db, o->storekey)) {
        signalModifiedKey(c, c->db, o->storekey);
        notifyKeyspaceEvent(NOTIFY_GENERIC, "del", o->storekey, c->db->id);
        server.dirty++;
    }
    addReplyLongLong(c, n);
}

/* The engine of GEORADIUS* and GEOSEARCH*. The source key is argv[srcidx]. */
static void geoSearchGeneric(client *c, int srcidx, int flags) {
    robj *zobj = lookupKeyRead(c->db, c->argv[srcidx]);
    if (checkType(c, zobj, OBJ_ZSET)) return;

    GeoShape shape;
    memset(&shape, 0, sizeof(shape));
    geoSearchOpts o;
    memset(&o, 0, sizeof(o));
    int first;
    if (flags & GEO_RADIUS_COORDS) {
        first = 6;
        if (parseLonLatOrReply(c, c->argv + 2, shape.xy) != C_OK) return;
        if (parseRadiusOrReply(c, c->argv + 4, &shape) != C_OK) return;
    } else if (flags & GEO_RADIUS_MEMBER) {
        first = 5;
        /* A missing key still parses the options, to pick the reply. */
        if (zobj) {
            if (memberLonLat(zobj, c->argv[2], shape.xy) != C_OK) {
                addReplyError(c, "could not decode requested zset member");
                return;
            }
            if (parseRadiusOrReply(c, c->argv + 3, &shape) != C_OK) return;
        }
    } else {
        first = (flags & GEO_SEARCH_STORE) ? 3 : 2;
        if (flags & GEO_SEARCH_STORE) o.storekey = c->argv[1];
    }
    if (parseSearchOptions(c, first, flags, zobj, &shape, &o) != C_OK) return;

    if (o.storekey && (o.withdist || o.withhash || o.withcoord)) {
        addReplyErrorFormat(c, "%s is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
                            (flags & GEO_SEARCH_STORE) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
        return;
    }
    if ((flags & GEO_SEARCH) && !(o.frommember || o.fromlonlat)) {
        addReplyErrorFormat(c, "exactly one of FROMMEMBER or FROMLONLAT can be specified for %s",
                            (char *)c->argv[0]->ptr);
        return;
    }
    if ((flags & GEO_SEARCH) && !(o.byradius || o.bybox)) {
        addReplyErrorFormat(c, "exactly one of BYRADIUS and BYBOX can be specified for %s",
                            (char *)c->argv[0]->ptr);
        return;
    }
    if (o.any && !o.count) {
        addReplyError(c, "the ANY argument requires COUNT argument");
        return;
    }
    if (zobj == NULL) {
        if (o.storekey) {
            if (dbDelete(c->db, o.storekey)) {
                signalModifiedKey(c, c->db, o.storekey);
                notifyKeyspaceEvent(NOTIFY_GENERIC, "del", o.storekey, c->db->id);
                server.dirty++;
            }
            addReply(c, shared.czero);
        } else {
            addReply(c, shared.emptyarray);
        }
        return;
    }
    /* COUNT means "the closest N" unless ANY says "any N". */
    if (o.count && o.sort == GEO_SORT_NONE && !o.any) o.sort = GEO_SORT_ASC;

    geoPoints pts = {NULL, 0, 0};
    collectInShape(zobj, &shape, &pts, o.any ? (unsigned long)o.count : 0);
    if (pts.used == 0 && o.storekey == NULL) {
        addReply(c, shared.emptyarray);
        geoPointsFree(&pts);
        return;
    }
    long n = (o.count == 0 || (long long)pts.used < o.count) ? (long)pts.used : (long)o.count;
    if (o.sort != GEO_SORT_NONE)
        qsort(pts.items, pts.used, sizeof(geoPoint), o.sort == GEO_SORT_ASC ? byDistAsc : byDistDesc);

    if (o.storekey) searchStore(c, &pts, n, &o, shape.conversion, flags);
    else searchReply(c, &pts, n, &o, shape.conversion);
    geoPointsFree(&pts);
}

void georadiusCommand(client *c) { geoSearchGeneric(c, 1, GEO_RADIUS_COORDS); }
void georadiusbymemberCommand(client *c) { geoSearchGeneric(c, 1, GEO_RADIUS_MEMBER); }
void georadiusroCommand(client *c) { geoSearchGeneric(c, 1, GEO_RADIUS_COORDS|GEO_NOSTORE); }
void georadiusbymemberroCommand(client *c) { geoSearchGeneric(c, 1, GEO_RADIUS_MEMBER|GEO_NOSTORE); }
void geosearchCommand(client *c) { geoSearchGeneric(c, 1, GEO_SEARCH); }
void geosearchstoreCommand(client *c) { geoSearchGeneric(c, 2, GEO_SEARCH|GEO_SEARCH_STORE); }
