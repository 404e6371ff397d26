/* lolwut.c - LOLWUT [VERSION n [args...]].
 *
 * LOLWUT is Redis's "art" command. Stock 7.0 has no art of its own for
 * version 7: plain LOLWUT (and VERSION n for any n but 5 and 6) answers
 * "Redis ver. <version>" and a newline. VERSION 5 draws a Schotter-like
 * plot of squares that grow more disordered towards the bottom (after
 * Georg Nees, 1968) in Braille characters; VERSION 6 draws a city skyline
 * in four grey levels with ANSI colour escapes. The pictures are random, so
 * only their shape is part of the contract: the canvas size, the characters
 * used, the footer text and the parameter clamping are those of stock, and
 * the rows stock leaves unrotated (the first two of version 5) come out
 * byte-identical. Replies are verbatim ("txt") strings in RESP3.
 */
#include "server.h"
#include <math.h>

/* ---------------------------------------------------------------------------
 * A canvas of small integer "colours", one byte per pixel.
 * ------------------------------------------------------------------------ */

typedef struct {
    int width, height;
    unsigned char *pixels;
} lwCanvas;

static lwCanvas *canvasCreate(int width, int height, unsigned char bg) {
    lwCanvas *cv = zmalloc(sizeof(*cv));
    cv->width = width;
    cv->height = height;
    cv->pixels = zmalloc((size_t)width * height);
    memset(cv->pixels, bg, (size_t)width * height);
    return cv;
}

static void canvasFree(lwCanvas *cv) {
    zfree(cv->pixels);
    zfree(cv);
}

/* Off-canvas writes are dropped, so shapes may be partly outside. */
static void canvasSet(lwCanvas *cv, int x, int y, unsigned char color) {
    if (x < 0 || y < 0 || x >= cv->width || y >= cv->height) return;
    cv->pixels[(size_t)y * cv->width + x] = color;
}

static int canvasGet(const lwCanvas *cv, int x, int y) {
    if (x < 0 || y < 0 || x >= cv->width || y >= cv->height) return 0;
    return cv->pixels[(size_t)y * cv->width + x];
}

static void canvasFillRect(lwCanvas *cv, int x0, int y0, int w, int h, unsigned char color) {
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++) canvasSet(cv, x, y, color);
}

/* Integer line rasteriser (error-accumulating, both octant families). */
static void canvasLine(lwCanvas *cv, int x0, int y0, int x1, int y1, unsigned char color) {
    int dx = abs(x1 - x0), dy = -abs(y1 - y0);
    int stepx = x0 < x1 ? 1 : -1, stepy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        canvasSet(cv, x0, y0, color);
        if (x0 == x1 && y0 == y1) break;
        int twice = 2 * err;
        if (twice >= dy) { err += dy; x0 += stepx; }
        if (twice <= dx) { err += dx; y0 += stepy; }
    }
}

/* A square of side `side` centred on (cx,cy), turned by `angle` radians.
 * The corners sit at the rounded half-diagonal from the centre, so an
 * unturned square lands on the same pixels as stock's. */
static void canvasSquare(lwCanvas *cv, int cx, int cy, float side, float angle) {
    double half_diagonal = round(side / M_SQRT2);
    int xs[4], ys[4];
    for (int k = 0; k < 4; k++) {
        double theta = M_PI / 4 + angle + k * (M_PI / 2);
        xs[k] = (int)round(cx + half_diagonal * sin(theta));
        ys[k] = (int)round(cy + half_diagonal * cos(theta));
    }
    for (int k = 0; k < 4; k++)
        canvasLine(cv, xs[k], ys[k], xs[(k + 1) % 4], ys[(k + 1) % 4], 1);
}

/* ---------------------------------------------------------------------------
 * Renderers.
 * ------------------------------------------------------------------------ */

/* Braille: one character per 2x4 pixel cell. Dot bits, column by column:
 * left 0x01 0x02 0x04 0x40, right 0x08 0x10 0x20 0x80 (top to bottom).
 * Stock ends every cell row with a newline except when that row starts
 * on the canvas's last pixel line; we keep that quirk since the footer
 * text follows directly. */
static sds renderBraille(const lwCanvas *cv) {
    static const unsigned char dot[2][4] = {
        {0x01, 0x02, 0x04, 0x40},
        {0x08, 0x10, 0x20, 0x80},
    };
    sds out = sdsempty();
    for (int y = 0; y < cv->height; y += 4) {
        for (int x = 0; x < cv->width; x += 2) {
            unsigned int bits = 0;
            for (int dx = 0; dx < 2; dx++)
                for (int dy = 0; dy < 4; dy++)
                    if (canvasGet(cv, x + dx, y + dy)) bits |= dot[dx][dy];
            /* U+2800 + bits in UTF-8. */
            char utf8[3] = { (char)0xE2, (char)(0xA0 | (bits >> 6)), (char)(0x80 | (bits & 0x3F)) };
            out = sdscatlen(out, utf8, 3);
        }
        if (y != cv->height - 1) out = sdscatlen(out, "\n", 1);
    }
    return out;
}

/* One space per pixel with ANSI foreground/background codes for four
 * greys: 0 black, 1 dark grey, 2 light grey, 3 white. */
static sds renderGreys(const lwCanvas *cv) {
    static const char *cell[4] = {
        "\033[0;30;40m \033[0m", "\033[0;90;100m \033[0m",
        "\033[0;37;47m \033[0m", "\033[0;97;107m \033[0m",
    };
    sds out = sdsempty();
    for (int y = 0; y < cv->height; y++) {
        for (int x = 0; x < cv->width; x++) out = sdscat(out, cell[canvasGet(cv, x, y) & 3]);
        out = sdscatlen(out, "\n", 1);
    }
    return out;
}

/* ---------------------------------------------------------------------------
 * The pictures.
 * ------------------------------------------------------------------------ */

/* Uniform in [-1, 1]. */
static float randomSigned(void) {
    return (float)((double)random() / RAND_MAX * 2.0 - 1.0);
}

/* Version 5: a grid of squares, straight in the first two rows and then
 * turned and shifted more and more the lower the row (the "chaos" grows
 * linearly with the row index). */
static lwCanvas *drawSchotter(int cols, int per_row, int per_col) {
    int width = cols * 2;
    int padding = width > 4 ? 2 : 0;
    float side = (float)(width - padding * 2) / per_row;
    int height = (int)(side * per_col + padding * 2);
    lwCanvas *cv = canvasCreate(width, height, 0);

    for (int row = 0; row < per_col; row++) {
        float chaos = (float)row / per_col;
        for (int col = 0; col < per_row; col++) {
            int cx = (int)(col * side + side / 2 + padding);
            int cy = (int)(row * side + side / 2 + padding);
            float angle = 0;
            if (row > 1) {
                angle = chaos * randomSigned();
                cx += (int)(chaos * randomSigned() * side / 3);
                cy += (int)(chaos * randomSigned() * side / 3);
            }
            canvasSquare(cv, cx, cy, side, angle);
        }
    }
    return cv;
}

static int randomBetween(int lo, int hi) {
    if (hi <= lo) return lo;
    return lo + (int)(random() % (hi - lo + 1));
}

/* One row of buildings along the bottom edge: random widths and heights
 * up to `max_height`, lit windows in `window` colour on every other pixel
 * of every other floor. */
static void drawSkylineLayer(lwCanvas *cv, int max_height, unsigned char wall,
                             unsigned char window) {
    int x = randomBetween(-3, 0);
    while (x < cv->width) {
        int w = randomBetween(3, 3 + cv->width / 8);
        int h = randomBetween(max_height / 3 + 1, max_height);
        if (h > cv->height - 1) h = cv->height - 1;     /* the top row stays sky */
        int top = cv->height - h;
        canvasFillRect(cv, x, top, w, h, wall);
        for (int wy = top + 1; wy < cv->height - 1; wy += 2)
            for (int wx = x + 1; wx < x + w - 1; wx += 2)
                if (random() % 3) canvasSet(cv, wx, wy, window);
        x += w + randomBetween(0, 2);
    }
}

/* Version 6: white sky, three layers of buildings from far (light grey)
 * to near (black). */
static lwCanvas *drawSkyline(int cols, int rows) {
    lwCanvas *cv = canvasCreate(cols, rows, 3);
    drawSkylineLayer(cv, rows * 4 / 5, 2, 3);
    drawSkylineLayer(cv, rows * 3 / 5, 1, 2);
    drawSkylineLayer(cv, rows * 2 / 5, 0, 1);
    return cv;
}

/* ---------------------------------------------------------------------------
 * The command.
 * ------------------------------------------------------------------------ */

static long clampLong(long v, long lo, long hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Optional integer arguments argv[first..first+n-1], each replacing its
 * default when present; C_ERR (already replied) on a non-integer. */
static int parseArtArgs(client *c, int first, long *vals, int n) {
    for (int j = 0; j < n && first + j < c->argc; j++)
        if (getLongFromObjectOrReply(c, c->argv[first + j], &vals[j], NULL) != C_OK) return C_ERR;
    return C_OK;
}

static void replyArt(client *c, sds art) {
    addReplyVerbatim(c, art, sdslen(art), "txt");
    sdsfree(art);
}

/* LOLWUT VERSION 5 [columns [squares-per-row [squares-per-col]]] */
static void lolwut5(client *c) {
    long v[3] = {66, 8, 12};
    if (parseArtArgs(c, 3, v, 3) != C_OK) return;
    lwCanvas *cv = drawSchotter((int)clampLong(v[0], 1, 1000), (int)clampLong(v[1], 1, 200),
                                (int)clampLong(v[2], 1, 200));
    sds art = renderBraille(cv);
    canvasFree(cv);
    art = sdscat(art, "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. " REDIS_VERSION "\n");
    replyArt(c, art);
}

/* LOLWUT VERSION 6 [columns [rows]] */
static void lolwut6(client *c) {
    long v[2] = {80, 20};
    if (parseArtArgs(c, 3, v, 2) != C_OK) return;
    lwCanvas *cv = drawSkyline((int)clampLong(v[0], 1, 1000), (int)clampLong(v[1], 1, 1000));
    sds art = renderGreys(cv);
    canvasFree(cv);
    art = sdscat(art, "Dedicated to the 8 bit game developers of past and present.\n"
                      "Original 8 bit image from Plaguemon by hikikomori. Redis ver. " REDIS_VERSION "\n");
    replyArt(c, art);
}

void lolwutCommand(client *c) {
    /* As in stock, VERSION counts only as the first argument. */
    long ver = 0;
    if (c->argc >= 3 && !strcasecmp(c->argv[1]->ptr, "version")) {
        if (getLongFromObjectOrReply(c, c->argv[2], &ver, NULL) != C_OK) return;
    }
    if (ver == 5) { lolwut5(c); return; }
    if (ver == 6) { lolwut6(c); return; }
    replyArt(c, sdsnew("Redis ver. " REDIS_VERSION "\n"));
}
