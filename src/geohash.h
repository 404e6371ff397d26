/* geohash.h - the geohash arithmetic behind the GEO commands (geohash.c).
 *
 * A position is stored as the score of a sorted set member: a 52 bit
 * integer interleaving 26 bits of latitude (even bits) and 26 bits of
 * longitude (odd bits), each the fixed point offset of the coordinate in
 * its range (longitude -180..180, latitude -85.05112878..85.05112878, the
 * Web Mercator limits). A shorter hash (fewer steps) names a bigger cell;
 * the cells a radius or box search must visit are a center cell and its 8
 * neighbours at a step chosen from the search size, exactly as stock picks
 * them (the visiting order decides the order of unsorted GEO replies).
 *
 * Pure module: no server state.
 */
#ifndef GEOHASH_H
#define GEOHASH_H

#include <stdint.h>

#define GEO_STEP_MAX 26
#define GEO_LAT_MIN -85.05112878
#define GEO_LAT_MAX 85.05112878
#define GEO_LONG_MIN -180
#define GEO_LONG_MAX 180
#define GEO_EARTH_RADIUS_M 6372797.560856

typedef struct {
    uint64_t bits;
    uint8_t step;
} GeoHashBits;

typedef struct {
    double min, max;
} GeoHashRange;

typedef struct {
    GeoHashBits hash;
    GeoHashRange longitude, latitude;
} GeoHashArea;

/* The search cells in stock's visiting order: center, north, south, east,
 * west, north-east, north-west, south-east, south-west. A cell with bits
 * and step both 0 was excluded. */
#define GEO_CELLS 9
typedef struct {
    GeoHashBits cells[GEO_CELLS];
} GeoHashCells;

#define GEO_SHAPE_CIRCLE 1
#define GEO_SHAPE_BOX 2
typedef struct {
    int type;
    double xy[2];          /* center: longitude, latitude */
    double conversion;     /* unit -> meters */
    double radius;         /* circle, in units */
    double width, height;  /* box, in units */
} GeoShape;

void geohashCoordRange(GeoHashRange *lon, GeoHashRange *lat);
int geohashEncode(const GeoHashRange *lon_range, const GeoHashRange *lat_range,
                  double lon, double lat, uint8_t step, GeoHashBits *hash);
int geohashEncodeWGS84(double lon, double lat, uint8_t step, GeoHashBits *hash);
int geohashDecode(GeoHashRange lon_range, GeoHashRange lat_range, GeoHashBits hash,
                  GeoHashArea *area);
/* Score (52 bit hash) -> center of its cell, clamped to the valid range. */
int geohashDecodeScore(double score, double *xy);
uint64_t geohashAlign52Bits(GeoHashBits hash);
double geohashDistance(double lon1, double lat1, double lon2, double lat2);
double geohashLatDistance(double lat1, double lat2);
/* Distance of (lon, lat) from the shape's center, if inside the shape. */
int geohashDistanceIfInShape(const GeoShape *shape, double lon, double lat, double *dist);
/* The cells covering a shape. */
void geohashCellsForShape(const GeoShape *shape, GeoHashCells *out);
/* The 11 character standard geohash (latitude -90..90) of a score. */
int geohashString(double score, char *buf12);

#endif
