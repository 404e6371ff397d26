/* geohash.c - geohash encoding, decoding, neighbour cells, distances and
 * the choice of cells covering a search shape (see geohash.h).
 *
 * Everything here is floating point arithmetic that must give the very
 * same doubles as stock Redis, because the replies print them with 17
 * significant digits and because the cell choice decides which members an
 * unsorted search returns first: the formulas keep stock's operation order.
 */
#include "geohash.h"
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#define DEG_TO_RAD (M_PI / 180.0)

static double degRad(double deg) { return deg * DEG_TO_RAD; }
static double radDeg(double rad) { return rad / DEG_TO_RAD; }

void geohashCoordRange(GeoHashRange *lon, GeoHashRange *lat) {
    lon->min = GEO_LONG_MIN;
    lon->max = GEO_LONG_MAX;
    lat->min = GEO_LAT_MIN;
    lat->max = GEO_LAT_MAX;
}

/* Spread the 32 bits of v over the even bit positions of a 64 bit word. */
static uint64_t spreadBits(uint32_t v) {
    uint64_t x = v;
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x << 2)) & 0x3333333333333333ULL;
    x = (x | (x << 1)) & 0x5555555555555555ULL;
    return x;
}

/* The inverse: gather the even bits of x into 32 bits. */
static uint32_t gatherBits(uint64_t x) {
    x &= 0x5555555555555555ULL;
    x = (x | (x >> 1)) & 0x3333333333333333ULL;
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
    x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
    return (uint32_t)x;
}

static int rangeIsZero(const GeoHashRange *r) { return r->max == 0 && r->min == 0; }
static int hashIsZero(GeoHashBits h) { return h.bits == 0 && h.step == 0; }

int geohashEncode(const GeoHashRange *lon_range, const GeoHashRange *lat_range,
                  double lon, double lat, uint8_t step, GeoHashBits *hash) {
    if (hash == NULL || step > 32 || step == 0 || rangeIsZero(lat_range) || rangeIsZero(lon_range))
        return 0;
    /* Outside what the stored format can represent, whatever the range. */
    if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN)
        return 0;
    hash->bits = 0;
    hash->step = step;
    if (lat < lat_range->min || lat > lat_range->max || lon < lon_range->min || lon > lon_range->max)
        return 0;
    double lat_off = (lat - lat_range->min) / (lat_range->max - lat_range->min);
    double lon_off = (lon - lon_range->min) / (lon_range->max - lon_range->min);
    lat_off *= (double)(1ULL << step);
    lon_off *= (double)(1ULL << step);
    /* The conversions truncate (a coordinate at the range maximum yields
     * 2^step, as in stock). */
    hash->bits = spreadBits((uint32_t)lat_off) | (spreadBits((uint32_t)lon_off) << 1);
    return 1;
}

int geohashEncodeWGS84(double lon, double lat, uint8_t step, GeoHashBits *hash) {
    GeoHashRange r_lon, r_lat;
    geohashCoordRange(&r_lon, &r_lat);
    return geohashEncode(&r_lon, &r_lat, lon, lat, step, hash);
}

int geohashDecode(GeoHashRange lon_range, GeoHashRange lat_range, GeoHashBits hash,
                  GeoHashArea *area) {
    if (hashIsZero(hash) || area == NULL || rangeIsZero(&lat_range) || rangeIsZero(&lon_range))
        return 0;
    area->hash = hash;
    uint32_t ilat = gatherBits(hash.bits);
    uint32_t ilon = gatherBits(hash.bits >> 1);
    double lat_scale = lat_range.max - lat_range.min;
    double lon_scale = lon_range.max - lon_range.min;
    double cells = (double)(1ULL << hash.step);
    area->latitude.min = lat_range.min + (ilat * 1.0 / cells) * lat_scale;
    area->latitude.max = lat_range.min + ((ilat + 1) * 1.0 / cells) * lat_scale;
    area->longitude.min = lon_range.min + (ilon * 1.0 / cells) * lon_scale;
    area->longitude.max = lon_range.min + ((ilon + 1) * 1.0 / cells) * lon_scale;
    return 1;
}

static void areaCenter(const GeoHashArea *area, double *xy) {
    xy[0] = (area->longitude.min + area->longitude.max) / 2;
    if (xy[0] > GEO_LONG_MAX) xy[0] = GEO_LONG_MAX;
    if (xy[0] < GEO_LONG_MIN) xy[0] = GEO_LONG_MIN;
    xy[1] = (area->latitude.min + area->latitude.max) / 2;
    if (xy[1] > GEO_LAT_MAX) xy[1] = GEO_LAT_MAX;
    if (xy[1] < GEO_LAT_MIN) xy[1] = GEO_LAT_MIN;
}

int geohashDecodeScore(double score, double *xy) {
    GeoHashBits hash = {(uint64_t)score, GEO_STEP_MAX};
    GeoHashRange r_lon, r_lat;
    GeoHashArea area;
    geohashCoordRange(&r_lon, &r_lat);
    if (!geohashDecode(r_lon, r_lat, hash, &area)) return 0;
    areaCenter(&area, xy);
    return 1;
}

uint64_t geohashAlign52Bits(GeoHashBits hash) {
    return hash.bits << (52 - hash.step * 2);
}

double geohashLatDistance(double lat1, double lat2) {
    return GEO_EARTH_RADIUS_M * fabs(degRad(lat2) - degRad(lat1));
}

/* Haversine; same longitudes take the cheaper meridian formula. */
double geohashDistance(double lon1, double lat1, double lon2, double lat2) {
    double lon1r = degRad(lon1), lon2r = degRad(lon2);
    double v = sin((lon2r - lon1r) / 2);
    if (v == 0.0) return geohashLatDistance(lat1, lat2);
    double lat1r = degRad(lat1), lat2r = degRad(lat2);
    double u = sin((lat2r - lat1r) / 2);
    double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
    return 2.0 * GEO_EARTH_RADIUS_M * asin(sqrt(a));
}

int geohashDistanceIfInShape(const GeoShape *shape, double lon, double lat, double *dist) {
    double cx = shape->xy[0], cy = shape->xy[1];
    if (shape->type == GEO_SHAPE_CIRCLE) {
        *dist = geohashDistance(cx, cy, lon, lat);
        return *dist <= shape->radius * shape->conversion;
    }
    double width = shape->width * shape->conversion, height = shape->height * shape->conversion;
    /* The latitude test is the cheap one: first. */
    if (geohashLatDistance(lat, cy) > height / 2) return 0;
    if (geohashDistance(lon, lat, cx, lat) > width / 2) return 0;
    *dist = geohashDistance(cx, cy, lon, lat);
    return 1;
}

/* ---------------------------------------------------------------------------
 * Neighbour cells and the cells of a search
 * ------------------------------------------------------------------------ */

/* Move a cell by one along longitude (odd bits, dx) or latitude (even
 * bits, dy): add or subtract one in the interleaved lane, letting the
 * carry run through the other lane's bits, then keep the lane. */
static void moveLane(GeoHashBits *h, int d, uint64_t lane_mask) {
    if (d == 0) return;
    uint64_t other_mask = ~lane_mask;
    uint64_t lane = h->bits & lane_mask, other = h->bits & other_mask;
    int shift = 64 - h->step * 2;
    uint64_t filler = other_mask >> shift;   /* the other lane's bits in range */
    if (d > 0) {
        lane = lane + (filler + 1);
    } else {
        lane = (lane | filler) - (filler + 1);
    }
    lane &= lane_mask >> shift;
    h->bits = lane | other;
}

#define LON_LANE 0xaaaaaaaaaaaaaaaaULL
#define LAT_LANE 0x5555555555555555ULL

static GeoHashBits neighbour(GeoHashBits h, int dx, int dy) {
    moveLane(&h, dx, LON_LANE);
    moveLane(&h, dy, LAT_LANE);
    return h;
}

/* How many steps a search of this radius needs: the biggest cells that
 * still keep the radius within the 3x3 block, coarser near the poles. */
static int estimateSteps(double range_m, double lat) {
    const double mercator_max = 20037726.37;
    if (range_m == 0) return 26;
    int step = 1;
    while (range_m < mercator_max) {
        range_m *= 2;
        step++;
    }
    step -= 2;
    if (lat > 66 || lat < -66) {
        step--;
        if (lat > 80 || lat < -80) step--;
    }
    if (step < 1) step = 1;
    if (step > 26) step = 26;
    return step;
}

/* The lon/lat bounding box of the shape: min lon, min lat, max lon, max
 * lat. The wider edge of a circle is toward the equator. */
static void boundingBox(const GeoShape *shape, double *b) {
    double lon = shape->xy[0], lat = shape->xy[1];
    int circle = shape->type == GEO_SHAPE_CIRCLE;
    double height = shape->conversion * (circle ? shape->radius : shape->height / 2);
    double width = shape->conversion * (circle ? shape->radius : shape->width / 2);
    double lat_delta = radDeg(height / GEO_EARTH_RADIUS_M);
    double lon_delta_top = radDeg(width / GEO_EARTH_RADIUS_M / cos(degRad(lat + lat_delta)));
    double lon_delta_bottom = radDeg(width / GEO_EARTH_RADIUS_M / cos(degRad(lat - lat_delta)));
    int south = lat < 0;
    b[0] = south ? lon - lon_delta_bottom : lon - lon_delta_top;
    b[2] = south ? lon + lon_delta_bottom : lon + lon_delta_top;
    b[1] = lat - lat_delta;
    b[3] = lat + lat_delta;
}

/* Center cell and neighbours at a step, in the GeoHashCells order. */
static void cellsAtStep(const GeoShape *shape, int step, GeoHashCells *out, GeoHashArea *center) {
    GeoHashRange r_lon, r_lat;
    geohashCoordRange(&r_lon, &r_lat);
    GeoHashBits h;
    geohashEncode(&r_lon, &r_lat, shape->xy[0], shape->xy[1], (uint8_t)step, &h);
    static const int moves[GEO_CELLS][2] = {
        {0, 0}, {0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}
    };
    for (int i = 0; i < GEO_CELLS; i++) out->cells[i] = neighbour(h, moves[i][0], moves[i][1]);
    geohashDecode(r_lon, r_lat, h, center);
}

enum { CELL_CENTER, CELL_N, CELL_S, CELL_E, CELL_W, CELL_NE, CELL_NW, CELL_SE, CELL_SW };

static void dropCells(GeoHashCells *c, int a, int b, int d) {
    GeoHashBits zero = {0, 0};
    c->cells[a] = c->cells[b] = c->cells[d] = zero;
}

void geohashCellsForShape(const GeoShape *shape, GeoHashCells *out) {
    double b[4];
    boundingBox(shape, b);
    double min_lon = b[0], min_lat = b[1], max_lon = b[2], max_lat = b[3];
    double radius_m = shape->type == GEO_SHAPE_CIRCLE ? shape->radius :
        sqrt((shape->width / 2) * (shape->width / 2) + (shape->height / 2) * (shape->height / 2));
    radius_m *= shape->conversion;

    int steps = estimateSteps(radius_m, shape->xy[1]);
    GeoHashArea center;
    cellsAtStep(shape, steps, out, &center);

    /* Near a cell edge the estimate can be one step too fine for the
     * neighbours to cover the box: go one step coarser then. */
    GeoHashRange r_lon, r_lat;
    geohashCoordRange(&r_lon, &r_lat);
    GeoHashArea n, s, e, w;
    geohashDecode(r_lon, r_lat, out->cells[CELL_N], &n);
    geohashDecode(r_lon, r_lat, out->cells[CELL_S], &s);
    geohashDecode(r_lon, r_lat, out->cells[CELL_E], &e);
    geohashDecode(r_lon, r_lat, out->cells[CELL_W], &w);
    int coarser = n.latitude.max < max_lat || s.latitude.min > min_lat ||
                  e.longitude.max < max_lon || w.longitude.min > min_lon;
    if (steps > 1 && coarser) {
        steps--;
        cellsAtStep(shape, steps, out, &center);
    }

    /* Neighbours on a side the box does not reach are not searched. */
    if (steps >= 2) {
        if (center.latitude.min < min_lat) dropCells(out, CELL_S, CELL_SW, CELL_SE);
        if (center.latitude.max > max_lat) dropCells(out, CELL_N, CELL_NE, CELL_NW);
        if (center.longitude.min < min_lon) dropCells(out, CELL_W, CELL_SW, CELL_NW);
        if (center.longitude.max > max_lon) dropCells(out, CELL_E, CELL_SE, CELL_NE);
    }
}

/* Re-encode the cell center with the standard -90..90 latitude range:
 * 10 characters of 5 bits from the 52 bits, and a final '0'. */
int geohashString(double score, char *buf) {
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    double xy[2];
    if (!geohashDecodeScore(score, xy)) return 0;
    GeoHashRange r_lon = {-180, 180}, r_lat = {-90, 90};
    GeoHashBits h;
    geohashEncode(&r_lon, &r_lat, xy[0], xy[1], 26, &h);
    for (int i = 0; i < 11; i++) {
        int idx = i == 10 ? 0 : (int)((h.bits >> (52 - (i + 1) * 5)) & 0x1f);
        buf[i] = alphabet[idx];
    }
    buf[11] = '\0';
    return 1;
}
