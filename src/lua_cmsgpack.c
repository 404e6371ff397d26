/* lua_cmsgpack.c: the "cmsgpack" library Redis scripts expect (lua-cmsgpack
 * 0.4.0's Lua-visible behaviour): pack(...) encodes each argument as
 * MessagePack and concatenates them; unpack / unpack_one / unpack_limit
 * decode. Numbers that are integers encode as the smallest integer type,
 * others as float32 when exact, else float64. A table is an array when its
 * keys are exactly 1..n; tables nested deeper than 16 encode as nil. */
#include <lua.h>
#include <lauxlib.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MP_MAX_NESTING 16

typedef struct mpBuf { unsigned char *p; size_t len, cap; lua_State *L; } mpBuf;

static void mpAdd(mpBuf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n) cap *= 2;
        unsigned char *np = realloc(b->p, cap);
        if (!np) {
            free(b->p);
            b->p = NULL;
            luaL_error(b->L, "out of memory");
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* type byte followed by n big-endian bytes of v */
static void mpAddBE(mpBuf *b, unsigned char type, uint64_t v, int n) {
    unsigned char out[9];
    out[0] = type;
    for (int i = 0; i < n; i++) out[1 + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
    mpAdd(b, out, (size_t)n + 1);
}

static void mpEncodeInt(mpBuf *b, int64_t n) {
    if (n >= 0) {
        if (n <= 127) mpAddBE(b, (unsigned char)n, 0, 0);
        else if (n <= 0xff) mpAddBE(b, 0xcc, (uint64_t)n, 1);
        else if (n <= 0xffff) mpAddBE(b, 0xcd, (uint64_t)n, 2);
        else if (n <= 0xffffffffLL) mpAddBE(b, 0xce, (uint64_t)n, 4);
        else mpAddBE(b, 0xcf, (uint64_t)n, 8);
    } else {
        if (n >= -32) mpAddBE(b, (unsigned char)(int8_t)n, 0, 0);
        else if (n >= -128) mpAddBE(b, 0xd0, (uint64_t)n & 0xff, 1);
        else if (n >= -32768) mpAddBE(b, 0xd1, (uint64_t)n & 0xffff, 2);
        else if (n >= -2147483648LL) mpAddBE(b, 0xd2, (uint64_t)n & 0xffffffff, 4);
        else mpAddBE(b, 0xd3, (uint64_t)n, 8);
    }
}

static void mpEncodeNumber(mpBuf *b, lua_Number n) {
    if (!isinf(n) && !isnan(n) && (lua_Number)(int64_t)n == n) {
        mpEncodeInt(b, (int64_t)n);
        return;
    }
    float f = (float)n;
    if ((lua_Number)f == n) {
        uint32_t u;
        memcpy(&u, &f, 4);
        mpAddBE(b, 0xca, u, 4);
    } else {
        uint64_t u;
        memcpy(&u, &n, 8);
        mpAddBE(b, 0xcb, u, 8);
    }
}

static void mpEncodeString(mpBuf *b, const char *s, size_t len) {
    if (len < 32) mpAddBE(b, (unsigned char)(0xa0 | len), 0, 0);
    else if (len <= 0xff) mpAddBE(b, 0xd9, len, 1);
    else if (len <= 0xffff) mpAddBE(b, 0xda, len, 2);
    else mpAddBE(b, 0xdb, len, 4);
    mpAdd(b, s, len);
}

static void mpEncodeValue(mpBuf *b, int idx, int level);

/* Keys exactly 1..n, all of them numbers. */
static int mpIsArray(lua_State *L, int idx) {
    long long count = 0, max = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER) {
            lua_pop(L, 1);
            return 0;
        }
        lua_Number n = lua_tonumber(L, -1);
        long long k = (long long)n;
        if ((lua_Number)k != n || k < 1) {
            lua_pop(L, 1);
            return 0;
        }
        count++;
        if (k > max) max = k;
    }
    return max == count;
}

static void mpEncodeTable(mpBuf *b, int idx, int level) {
    lua_State *L = b->L;
    if (!lua_checkstack(L, 4)) {
        mpAddBE(b, 0xc0, 0, 0);
        return;
    }
    if (mpIsArray(L, idx)) {
        size_t n = lua_objlen(L, idx);
        if (n < 16) mpAddBE(b, (unsigned char)(0x90 | n), 0, 0);
        else if (n <= 0xffff) mpAddBE(b, 0xdc, n, 2);
        else mpAddBE(b, 0xdd, n, 4);
        for (size_t i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, (int)i);
            mpEncodeValue(b, lua_gettop(L), level + 1);
            lua_pop(L, 1);
        }
        return;
    }
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        n++;
    }
    if (n < 16) mpAddBE(b, (unsigned char)(0x80 | n), 0, 0);
    else if (n <= 0xffff) mpAddBE(b, 0xde, n, 2);
    else mpAddBE(b, 0xdf, n, 4);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int v = lua_gettop(L);
        mpEncodeValue(b, v - 1, level + 1);
        mpEncodeValue(b, v, level + 1);
        lua_pop(L, 1);
    }
}

static void mpEncodeValue(mpBuf *b, int idx, int level) {
    lua_State *L = b->L;
    int t = lua_type(L, idx);
    if (t == LUA_TTABLE && level == MP_MAX_NESTING) t = LUA_TNIL;
    switch (t) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        mpEncodeString(b, s, len);
        break;
    }
    case LUA_TBOOLEAN: mpAddBE(b, lua_toboolean(L, idx) ? 0xc3 : 0xc2, 0, 0); break;
    case LUA_TNUMBER: mpEncodeNumber(b, lua_tonumber(L, idx)); break;
    case LUA_TTABLE: mpEncodeTable(b, idx, level); break;
    default: mpAddBE(b, 0xc0, 0, 0);
    }
}

static int mpPack(lua_State *L) {
    int n = lua_gettop(L);
    if (n == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    mpBuf b = {NULL, 0, 0, L};
    for (int i = 1; i <= n; i++) mpEncodeValue(&b, i, 0);
    lua_pushlstring(L, b.p ? (const char *)b.p : "", b.len);
    free(b.p);
    return 1;
}

/* ---------------------------------------------------------------------------
 * Decoding
 * ------------------------------------------------------------------------ */
#define MP_OK 0
#define MP_EOF 1
#define MP_BADFMT 2

typedef struct mpCursor { const unsigned char *p; size_t left; int err; } mpCursor;

static uint64_t mpReadBE(mpCursor *c, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | c->p[i];
    c->p += n;
    c->left -= n;
    return v;
}

static int mpNeed(mpCursor *c, size_t n) {
    if (c->left < n) {
        c->err = MP_EOF;
        return 0;
    }
    return 1;
}

static void mpDecode(lua_State *L, mpCursor *c);

static void mpDecodeArray(lua_State *L, mpCursor *c, size_t n) {
    if (!lua_checkstack(L, 3)) luaL_error(L, "too many items");
    lua_newtable(L);
    for (size_t i = 1; i <= n && c->err == MP_OK; i++) {
        mpDecode(L, c);
        if (c->err) return;
        lua_rawseti(L, -2, (int)i);
    }
}

static void mpDecodeMap(lua_State *L, mpCursor *c, size_t n) {
    if (!lua_checkstack(L, 3)) luaL_error(L, "too many items");
    lua_newtable(L);
    for (size_t i = 0; i < n && c->err == MP_OK; i++) {
        mpDecode(L, c);
        if (c->err) return;
        mpDecode(L, c);
        if (c->err) return;
        lua_settable(L, -3);
    }
}

static void mpDecodeBytes(lua_State *L, mpCursor *c, int lenbytes) {
    if (!mpNeed(c, (size_t)lenbytes)) return;
    size_t n = (size_t)mpReadBE(c, lenbytes);
    if (!mpNeed(c, n)) return;
    lua_pushlstring(L, (const char *)c->p, n);
    c->p += n;
    c->left -= n;
}

static void mpDecodeSized(lua_State *L, mpCursor *c, int lenbytes, int is_map) {
    if (!mpNeed(c, (size_t)lenbytes)) return;
    size_t n = (size_t)mpReadBE(c, lenbytes);
    if (is_map) mpDecodeMap(L, c, n);
    else mpDecodeArray(L, c, n);
}

static void mpDecode(lua_State *L, mpCursor *c) {
    if (!mpNeed(c, 1)) return;
    unsigned char t = *c->p++;
    c->left--;
    if (t <= 0x7f) { lua_pushnumber(L, t); return; }
    if (t >= 0xe0) { lua_pushnumber(L, (int8_t)t); return; }
    if ((t & 0xf0) == 0x80) { mpDecodeMap(L, c, t & 0x0f); return; }
    if ((t & 0xf0) == 0x90) { mpDecodeArray(L, c, t & 0x0f); return; }
    if ((t & 0xe0) == 0xa0) {
        size_t n = t & 0x1f;
        if (!mpNeed(c, n)) return;
        lua_pushlstring(L, (const char *)c->p, n);
        c->p += n;
        c->left -= n;
        return;
    }
    switch (t) {
    case 0xc0: lua_pushnil(L); return;
    case 0xc2: lua_pushboolean(L, 0); return;
    case 0xc3: lua_pushboolean(L, 1); return;
    case 0xc4: case 0xd9: mpDecodeBytes(L, c, 1); return;
    case 0xc5: case 0xda: mpDecodeBytes(L, c, 2); return;
    case 0xc6: case 0xdb: mpDecodeBytes(L, c, 4); return;
    case 0xca: {
        if (!mpNeed(c, 4)) return;
        uint32_t u = (uint32_t)mpReadBE(c, 4);
        float f;
        memcpy(&f, &u, 4);
        lua_pushnumber(L, f);
        return;
    }
    case 0xcb: {
        if (!mpNeed(c, 8)) return;
        uint64_t u = mpReadBE(c, 8);
        double d;
        memcpy(&d, &u, 8);
        lua_pushnumber(L, d);
        return;
    }
    case 0xcc: case 0xcd: case 0xce: case 0xcf: {
        int n = 1 << (t - 0xcc);
        if (!mpNeed(c, (size_t)n)) return;
        lua_pushnumber(L, (lua_Number)mpReadBE(c, n));
        return;
    }
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        int n = 1 << (t - 0xd0);
        if (!mpNeed(c, (size_t)n)) return;
        uint64_t v = mpReadBE(c, n);
        int64_t s;
        if (n == 1) s = (int8_t)v;
        else if (n == 2) s = (int16_t)v;
        else if (n == 4) s = (int32_t)v;
        else s = (int64_t)v;
        lua_pushnumber(L, (lua_Number)s);
        return;
    }
    case 0xdc: mpDecodeSized(L, c, 2, 0); return;
    case 0xdd: mpDecodeSized(L, c, 4, 0); return;
    case 0xde: mpDecodeSized(L, c, 2, 1); return;
    case 0xdf: mpDecodeSized(L, c, 4, 1); return;
    default: c->err = MP_BADFMT; return;
    }
}

static int mpUnpackFull(lua_State *L, int limit, int offset) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    if (offset < 0 || limit < 0)
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", offset, (int)len);
    if ((size_t)offset > len)
        return luaL_error(L, "Start offset %d greater than input length %d.", offset, (int)len);
    int all = !limit && !offset;
    mpCursor c = {(const unsigned char *)s + offset, len - (size_t)offset, MP_OK};
    int top = lua_gettop(L);
    int cnt;
    for (cnt = 0; c.left > 0 && (all || cnt < limit); cnt++) {
        mpDecode(L, &c);
        if (c.err == MP_EOF) return luaL_error(L, "Missing bytes in input.");
        if (c.err == MP_BADFMT) return luaL_error(L, "Bad data format in input.");
    }
    if (!all) {
        lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
        lua_insert(L, top + 1);
        cnt++;
    }
    return cnt;
}

static int mpUnpack(lua_State *L) { return mpUnpackFull(L, 0, 0); }

static int mpUnpackOne(lua_State *L) {
    int offset = (int)luaL_optinteger(L, 2, 0);
    lua_pop(L, lua_gettop(L) - 1);
    return mpUnpackFull(L, 1, offset);
}

static int mpUnpackLimit(lua_State *L) {
    int limit = (int)luaL_checkinteger(L, 2);
    int offset = (int)luaL_optinteger(L, 3, 0);
    lua_pop(L, lua_gettop(L) - 1);
    return mpUnpackFull(L, limit, offset);
}

int luaopen_cmsgpack(lua_State *L) {
    static const luaL_Reg funcs[] = {
        {"pack", mpPack}, {"unpack", mpUnpack}, {"unpack_one", mpUnpackOne},
        {"unpack_limit", mpUnpackLimit}, {NULL, NULL}};
    luaL_register(L, "cmsgpack", funcs);
    lua_pushstring(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushstring(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushstring(L, "Copyright (C) 2012, Salvatore Sanfilippo");
    lua_setfield(L, -2, "_COPYRIGHT");
    lua_pushstring(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    return 1;
}
