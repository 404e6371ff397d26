/* test_geohash.c - unit tests for geohash.c. Expected scores, strings and
 * distances were read from a stock redis-server 7.0.15 (GEOADD + ZSCORE,
 * GEOHASH, GEODIST). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "test_help.h"
#include "../geohash.h"

static uint64_t score52(double lon, double lat) {
    GeoHashBits h;
    if (!geohashEncodeWGS84(lon, lat, GEO_STEP_MAX, &h)) return 0;
    return geohashAlign52Bits(h);
}

TEST(encode_as_stock) {
    TEST_ASSERT(score52(13.361389, 38.115556) == 3479099956230698ULL);
    TEST_ASSERT(score52(15.087269, 37.502669) == 3479447370796909ULL);
    GeoHashBits h;
    TEST_ASSERT(!geohashEncodeWGS84(200, 10, GEO_STEP_MAX, &h));
    TEST_ASSERT(!geohashEncodeWGS84(10, 86, GEO_STEP_MAX, &h));
    TEST_ASSERT(!geohashEncodeWGS84(10, 10, 0, &h));
}

TEST(decode_and_string) {
    double xy[2];
    char buf[12], txt[64];
    TEST_ASSERT(geohashDecodeScore(3479099956230698.0, xy));
    snprintf(txt, sizeof(txt), "%.17Lf", (long double)xy[0]);
    TEST_ASSERT(strncmp(txt, "13.36138933897018433", 20) == 0);
    TEST_ASSERT(geohashString(3479099956230698.0, buf));
    TEST_ASSERT(strcmp(buf, "sqc8b49rny0") == 0);
    TEST_ASSERT(geohashString(3479447370796909.0, buf));
    TEST_ASSERT(strcmp(buf, "sqdtr74hyu0") == 0);
}

TEST(distance) {
    double a[2], b[2], txt_d;
    geohashDecodeScore(3479099956230698.0, a);
    geohashDecodeScore(3479447370796909.0, b);
    char txt[64];
    snprintf(txt, sizeof(txt), "%.4f", geohashDistance(a[0], a[1], b[0], b[1]));
    TEST_ASSERT(strcmp(txt, "166274.1516") == 0);
    txt_d = geohashDistance(10, 0, 10, 1);   /* same meridian */
    TEST_ASSERT(fabs(txt_d - GEO_EARTH_RADIUS_M * M_PI / 180) < 1e-6);
    TEST_ASSERT(geohashDistance(1, 2, 1, 2) == 0);
}

/* The center cell comes first and its neighbours surround it. */
TEST(cells_cover_shape) {
    GeoShape s = {GEO_SHAPE_CIRCLE, {15, 37}, 1000, 200, 0, 0};
    GeoHashCells cells;
    geohashCellsForShape(&s, &cells);
    GeoHashBits center = cells.cells[0];
    TEST_ASSERT(center.step >= 1 && center.step <= 26);
    GeoHashBits c;
    geohashEncodeWGS84(15, 37, center.step, &c);
    TEST_ASSERT(c.bits == center.bits);
    int distinct = 0;
    for (int i = 1; i < GEO_CELLS; i++)
        if (cells.cells[i].step && cells.cells[i].bits != center.bits) distinct++;
    TEST_ASSERT(distinct >= 3);
    double dist;
    TEST_ASSERT(geohashDistanceIfInShape(&s, 15.5, 37.5, &dist));
    TEST_ASSERT(!geohashDistanceIfInShape(&s, 18, 37, &dist));
    GeoShape box = {GEO_SHAPE_BOX, {15, 37}, 1000, 0, 100, 20};
    TEST_ASSERT(geohashDistanceIfInShape(&box, 15.3, 37.05, &dist));
    TEST_ASSERT(!geohashDistanceIfInShape(&box, 15, 37.2, &dist));
}

int main(void) {
    RUN(encode_as_stock);
    RUN(decode_and_string);
    RUN(distance);
    RUN(cells_cover_shape);
    return TEST_REPORT();
}
