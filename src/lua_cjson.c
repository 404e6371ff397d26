/* lua_cjson.c: the "cjson" library Redis scripts expect (lua-cjson 2.1.0's
 * Lua-visible behaviour with Redis's defaults): cjson.encode / decode,
 * cjson.null, the configuration functions (accepted, defaults kept).
 * Numbers print as "%.14g"; arrays are tables whose keys are all positive
 * integers and not excessively sparse; errors read exactly as lua-cjson's
 * ("Expected value but found T_END at character 1", ...). The settings
 * (cjson.encode_max_depth(n), encode_number_precision(n), ...) live in the
 * interpreter's registry, so they last until SCRIPT FLUSH as in stock. */
#include <lua.h>
#include <lauxlib.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <math.h>

#define CJSON_MAX_DEPTH 1000
#define CJSON_SPARSE_RATIO 2
#define CJSON_SPARSE_SAFE 10
#define CJSON_CFG_KEY "__cjson_cfg"

typedef struct cjsonCfg {
    int encode_max_depth, decode_max_depth, precision;
    int sparse_convert, sparse_ratio, sparse_safe;
    int keep_buffer, encode_invalid, decode_invalid;
} cjsonCfg;

static cjsonCfg *cjsonConfig(lua_State *L) {
    lua_getfield(L, LUA_REGISTRYINDEX, CJSON_CFG_KEY);
    cjsonCfg *cfg = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return cfg;
}

/* ---------------------------------------------------------------------------
 * Encoding
 * ------------------------------------------------------------------------ */
/* Output goes to a growing C buffer: luaL_Buffer needs a balanced stack
 * between additions, which the recursive walk cannot promise. Raising an
 * error frees it first. */
typedef struct strbuf { char *p; size_t len, cap; } strbuf;

static void sbAdd(lua_State *L, strbuf *s, const char *p, size_t n) {
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        while (cap < s->len + n) cap *= 2;
        char *np = realloc(s->p, cap);
        if (!np) luaL_error(L, "out of memory");
        s->p = np;
        s->cap = cap;
    }
    memcpy(s->p + s->len, p, n);
    s->len += n;
}
#define SBS(L, s, lit) sbAdd(L, s, lit, sizeof(lit) - 1)

static void jsonValue(lua_State *L, strbuf *s, int idx, int depth);

static int jsonFail(lua_State *L, strbuf *s, int idx, const char *why) {
    free(s->p);
    s->p = NULL;
    return luaL_error(L, "Cannot serialise %s: %s", luaL_typename(L, idx), why);
}

static void jsonNumber(lua_State *L, strbuf *s, int idx) {
    double d = lua_tonumber(L, idx);
    cjsonCfg *cfg = cjsonConfig(L);
    if ((isnan(d) || isinf(d)) && !cfg->encode_invalid) jsonFail(L, s, idx, "must not be NaN or Inf");
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%.*g", cfg->precision, d);
    sbAdd(L, s, buf, n);
}

static void jsonString(lua_State *L, strbuf *s, int idx) {
    size_t len;
    const char *p = lua_tolstring(L, idx, &len);
    SBS(L, s, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        const char *esc = NULL;
        char ubuf[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '/': esc = "\\/"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
                esc = ubuf;
            }
        }
        if (esc) sbAdd(L, s, esc, strlen(esc));
        else sbAdd(L, s, (const char *)&p[i], 1);
    }
    SBS(L, s, "\"");
}

static int jsonArrayLength(lua_State *L, strbuf *s, int idx) {
    double max = 0;
    int items = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) == LUA_TNUMBER) {
            double k = lua_tonumber(L, -2);
            if (floor(k) == k && k >= 1) {
                if (k > max) max = k;
                items++;
                lua_pop(L, 1);
                continue;
            }
        }
        lua_pop(L, 2);
        return -1;
    }
    cjsonCfg *cfg = cjsonConfig(L);
    if (cfg->sparse_ratio > 0 && max > cfg->sparse_safe && max > items * cfg->sparse_ratio) {
        if (!cfg->sparse_convert) jsonFail(L, s, idx, "excessively sparse array");
        return -1; /* encoded as an object */
    }
    return (int)max;
}

static void jsonTable(lua_State *L, strbuf *s, int idx, int depth) {
    if (depth > cjsonConfig(L)->encode_max_depth) {
        free(s->p);
        s->p = NULL;
        luaL_error(L, "Cannot serialise, excessive nesting (%d)", depth);
    }
    if (!lua_checkstack(L, 6)) {
        free(s->p);
        s->p = NULL;
        luaL_error(L, "Cannot serialise, excessive nesting (%d)", depth);
    }
    int len = jsonArrayLength(L, s, idx);
    if (len > 0) {
        SBS(L, s, "[");
        for (int i = 1; i <= len; i++) {
            if (i > 1) SBS(L, s, ",");
            lua_rawgeti(L, idx, i);
            jsonValue(L, s, lua_gettop(L), depth);
            lua_pop(L, 1);
        }
        SBS(L, s, "]");
        return;
    }
    int first = 1;
    SBS(L, s, "{");
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int k = lua_gettop(L) - 1;
        if (!first) SBS(L, s, ",");
        first = 0;
        if (lua_type(L, k) == LUA_TSTRING) {
            jsonString(L, s, k);
        } else if (lua_type(L, k) == LUA_TNUMBER) {
            SBS(L, s, "\"");
            jsonNumber(L, s, k);
            SBS(L, s, "\"");
        } else {
            jsonFail(L, s, k, "table key must be a number or string");
        }
        SBS(L, s, ":");
        jsonValue(L, s, k + 1, depth);
        lua_pop(L, 1);
    }
    SBS(L, s, "}");
}

static void jsonValue(lua_State *L, strbuf *s, int idx, int depth) {
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: jsonString(L, s, idx); break;
    case LUA_TNUMBER: jsonNumber(L, s, idx); break;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, idx)) SBS(L, s, "true");
        else SBS(L, s, "false");
        break;
    case LUA_TNIL: SBS(L, s, "null"); break;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) {
            SBS(L, s, "null");
            break;
        }
        jsonFail(L, s, idx, "type not supported");
        break;
    case LUA_TTABLE: jsonTable(L, s, idx, depth + 1); break;
    default: jsonFail(L, s, idx, "type not supported");
    }
}

static int cjsonEncode(lua_State *L) {
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    strbuf s = {0};
    jsonValue(L, &s, 1, 0);
    lua_pushlstring(L, s.p ? s.p : "", s.len);
    free(s.p);
    return 1;
}

/* ---------------------------------------------------------------------------
 * Decoding
 * ------------------------------------------------------------------------ */
enum { T_OBJ_BEGIN, T_OBJ_END, T_ARR_BEGIN, T_ARR_END, T_STRING, T_NUMBER,
       T_BOOLEAN, T_NULL, T_COLON, T_COMMA, T_END, T_WHITESPACE, T_ERROR };
static const char *tokenNames[] = {"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END",
    "T_STRING", "T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END",
    "T_WHITESPACE", "T_ERROR"};

typedef struct jsonParser {
    lua_State *L;
    const char *data, *p, *end;
    strbuf tmp; /* decoded string scratch */
    int depth;
} jsonParser;

typedef struct jsonToken {
    int type;
    size_t index;
    double num;
    int boolean;
    const char *err;
} jsonToken;

static void parseFail(jsonParser *j, const char *expected, jsonToken *t) {
    const char *found = t->type == T_ERROR ? t->err : tokenNames[t->type];
    free(j->tmp.p);
    j->tmp.p = NULL;
    luaL_error(j->L, "Expected %s but found %s at character %d", expected, found, (int)t->index + 1);
}

static int hexVal(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int readHex4(const char *p, const char *end) {
    if (end - p < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexVal(p[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

static void addUtf8(jsonParser *j, unsigned cp) {
    char b[4];
    int n;
    if (cp < 0x80) { b[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    sbAdd(j->L, &j->tmp, b, n);
}

/* \uXXXX (p at the backslash): consumed bytes, or -1. */
static int unicodeEscape(jsonParser *j, const char *p) {
    int hi = readHex4(p + 2, j->end);
    if (hi < 0) return -1;
    if (hi >= 0xDC00 && hi <= 0xDFFF) return -1;
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        if (j->end - p < 12 || p[6] != '\\' || p[7] != 'u') return -1;
        int lo = readHex4(p + 8, j->end);
        if (lo < 0xDC00 || lo > 0xDFFF) return -1;
        addUtf8(j, 0x10000 + (((unsigned)hi - 0xD800) << 10) + ((unsigned)lo - 0xDC00));
        return 12;
    }
    addUtf8(j, (unsigned)hi);
    return 6;
}

static void tokenError(jsonParser *j, jsonToken *t, const char *at, const char *msg) {
    t->type = T_ERROR;
    t->index = at - j->data;
    t->err = msg;
}

static void nextString(jsonParser *j, jsonToken *t) {
    const char *p = j->p + 1;
    j->tmp.len = 0;
    while (1) {
        if (p >= j->end) return tokenError(j, t, p, "unexpected end of string");
        char c = *p;
        if (c == '"') break;
        if (c != '\\') {
            sbAdd(j->L, &j->tmp, p, 1);
            p++;
            continue;
        }
        if (p + 1 >= j->end) return tokenError(j, t, p, "invalid escape code");
        char e = p[1], out;
        switch (e) {
        case '"': out = '"'; break;
        case '\\': out = '\\'; break;
        case '/': out = '/'; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'u': {
            int n = unicodeEscape(j, p);
            if (n < 0) return tokenError(j, t, p, "invalid unicode escape code");
            p += n;
            continue;
        }
        default: return tokenError(j, t, p, "invalid escape code");
        }
        sbAdd(j->L, &j->tmp, &out, 1);
        p += 2;
    }
    t->type = T_STRING;
    j->p = p + 1;
}

static int isNumberStart(char c) {
    return c == '-' || (c >= '0' && c <= '9');
}

static void nextToken(jsonParser *j, jsonToken *t) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
    t->index = j->p - j->data;
    if (j->p >= j->end) {
        t->type = T_END;
        return;
    }
    char c = *j->p;
    switch (c) {
    case '{': t->type = T_OBJ_BEGIN; j->p++; return;
    case '}': t->type = T_OBJ_END; j->p++; return;
    case '[': t->type = T_ARR_BEGIN; j->p++; return;
    case ']': t->type = T_ARR_END; j->p++; return;
    case ':': t->type = T_COLON; j->p++; return;
    case ',': t->type = T_COMMA; j->p++; return;
    case '"': nextString(j, t); return;
    }
    size_t left = j->end - j->p;
    if (left >= 4 && !memcmp(j->p, "true", 4)) { t->type = T_BOOLEAN; t->boolean = 1; j->p += 4; return; }
    if (left >= 5 && !memcmp(j->p, "false", 5)) { t->type = T_BOOLEAN; t->boolean = 0; j->p += 5; return; }
    if (left >= 4 && !memcmp(j->p, "null", 4)) { t->type = T_NULL; j->p += 4; return; }
    int inv = (c == 'n' || c == 'N' || c == 'i' || c == 'I' || c == '+');
    if (isNumberStart(c) || inv) {
        /* strtod needs a terminated string: copy the candidate */
        char buf[512];
        size_t n = left < sizeof(buf) - 1 ? left : sizeof(buf) - 1;
        memcpy(buf, j->p, n);
        buf[n] = '\0';
        char *endp;
        double d = strtod(buf, &endp);
        if (endp == buf) return tokenError(j, t, j->p, inv ? "invalid token" : "invalid number");
        t->type = T_NUMBER;
        t->num = d;
        j->p += endp - buf;
        return;
    }
    tokenError(j, t, j->p, "invalid token");
}

static void parseValue(jsonParser *j, jsonToken *t);

static void depthCheck(jsonParser *j, jsonToken *t) {
    j->depth++;
    if (j->depth > cjsonConfig(j->L)->decode_max_depth || !lua_checkstack(j->L, 4)) {
        free(j->tmp.p);
        j->tmp.p = NULL;
        luaL_error(j->L, "Found too many nested data structures (%d) at character %d",
                   j->depth, (int)t->index + 1);
    }
}

static void parseObject(jsonParser *j, jsonToken *t) {
    depthCheck(j, t);
    lua_newtable(j->L);
    nextToken(j, t);
    if (t->type == T_OBJ_END) {
        j->depth--;
        return;
    }
    while (1) {
        if (t->type != T_STRING) parseFail(j, "object key string", t);
        lua_pushlstring(j->L, j->tmp.p ? j->tmp.p : "", j->tmp.len);
        nextToken(j, t);
        if (t->type != T_COLON) parseFail(j, "colon", t);
        nextToken(j, t);
        parseValue(j, t);
        lua_rawset(j->L, -3);
        nextToken(j, t);
        if (t->type == T_OBJ_END) break;
        if (t->type != T_COMMA) parseFail(j, "comma or object end", t);
        nextToken(j, t);
    }
    j->depth--;
}

static void parseArray(jsonParser *j, jsonToken *t) {
    depthCheck(j, t);
    lua_newtable(j->L);
    nextToken(j, t);
    if (t->type == T_ARR_END) {
        j->depth--;
        return;
    }
    for (int i = 1;; i++) {
        parseValue(j, t);
        lua_rawseti(j->L, -2, i);
        nextToken(j, t);
        if (t->type == T_ARR_END) break;
        if (t->type != T_COMMA) parseFail(j, "comma or array end", t);
        nextToken(j, t);
    }
    j->depth--;
}

static void parseValue(jsonParser *j, jsonToken *t) {
    switch (t->type) {
    case T_STRING: lua_pushlstring(j->L, j->tmp.p ? j->tmp.p : "", j->tmp.len); break;
    case T_NUMBER: lua_pushnumber(j->L, t->num); break;
    case T_BOOLEAN: lua_pushboolean(j->L, t->boolean); break;
    case T_NULL: lua_pushlightuserdata(j->L, NULL); break;
    case T_OBJ_BEGIN: parseObject(j, t); break;
    case T_ARR_BEGIN: parseArray(j, t); break;
    default: parseFail(j, "value", t);
    }
}

static int cjsonDecode(lua_State *L) {
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    jsonParser j = {L, s, s, s + len, {0}, 0};
    jsonToken t;
    nextToken(&j, &t);
    parseValue(&j, &t);
    nextToken(&j, &t);
    if (t.type != T_END) parseFail(&j, "the end", &t);
    free(j.tmp.p);
    return 1;
}

/* Configuration calls: an optional new value, the current one returned. */
static int cjsonCfgInt(lua_State *L, int *field, int min, int max) {
    if (!lua_isnoneornil(L, 1)) {
        int v = luaL_checkint(L, 1);
        if (v < min || v > max) {
            const char *msg = lua_pushfstring(L, "expected integer between %d and %d", min, max);
            luaL_argerror(L, 1, msg);
        }
        *field = v;
    }
    lua_pushinteger(L, *field);
    return 1;
}

static int cjsonCfgBool(lua_State *L, int *field) {
    if (!lua_isnoneornil(L, 1)) {
        if (lua_isboolean(L, 1)) {
            *field = lua_toboolean(L, 1);
        } else {
            const char *v = luaL_checkstring(L, 1);
            if (!strcmp(v, "on")) *field = 1;
            else if (!strcmp(v, "off")) *field = 0;
            else {
                const char *msg = lua_pushfstring(L, "invalid option '%s'", v);
                luaL_argerror(L, 1, msg);
            }
        }
    }
    lua_pushboolean(L, *field);
    return 1;
}

static int cjsonEncodeMaxDepth(lua_State *L) {
    return cjsonCfgInt(L, &cjsonConfig(L)->encode_max_depth, 1, 2147483647);
}
static int cjsonDecodeMaxDepth(lua_State *L) {
    return cjsonCfgInt(L, &cjsonConfig(L)->decode_max_depth, 1, 2147483647);
}
static int cjsonPrecision(lua_State *L) { return cjsonCfgInt(L, &cjsonConfig(L)->precision, 1, 14); }
static int cjsonKeepBuffer(lua_State *L) { return cjsonCfgBool(L, &cjsonConfig(L)->keep_buffer); }
static int cjsonInvalidEncode(lua_State *L) { return cjsonCfgBool(L, &cjsonConfig(L)->encode_invalid); }
static int cjsonInvalidDecode(lua_State *L) { return cjsonCfgBool(L, &cjsonConfig(L)->decode_invalid); }

static int cjsonSparse(lua_State *L) {
    cjsonCfg *cfg = cjsonConfig(L);
    if (!lua_isnoneornil(L, 1)) {
        cjsonCfgBool(L, &cfg->sparse_convert);
        lua_pop(L, 1);
    }
    if (!lua_isnoneornil(L, 2)) {
        int v = luaL_checkint(L, 2);
        luaL_argcheck(L, v >= 0, 2, "expected integer between 0 and 2147483647");
        cfg->sparse_ratio = v;
    }
    if (!lua_isnoneornil(L, 3)) {
        int v = luaL_checkint(L, 3);
        luaL_argcheck(L, v >= 0, 3, "expected integer between 0 and 2147483647");
        cfg->sparse_safe = v;
    }
    lua_pushboolean(L, cfg->sparse_convert);
    lua_pushinteger(L, cfg->sparse_ratio);
    lua_pushinteger(L, cfg->sparse_safe);
    return 3;
}

static const luaL_Reg cjsonFuncs[] = {
    {"encode", cjsonEncode}, {"decode", cjsonDecode},
    {"encode_sparse_array", cjsonSparse}, {"encode_max_depth", cjsonEncodeMaxDepth},
    {"decode_max_depth", cjsonDecodeMaxDepth}, {"encode_number_precision", cjsonPrecision},
    {"encode_keep_buffer", cjsonKeepBuffer}, {"encode_invalid_numbers", cjsonInvalidEncode},
    {"decode_invalid_numbers", cjsonInvalidDecode}, {NULL, NULL}};

static int cjsonNew(lua_State *L) {
    lua_newtable(L);
    luaL_register(L, NULL, cjsonFuncs);
    return 1;
}

int luaopen_cjson(lua_State *L) {
    cjsonCfg *cfg = lua_newuserdata(L, sizeof(*cfg));
    cfg->encode_max_depth = cfg->decode_max_depth = CJSON_MAX_DEPTH;
    cfg->precision = 14;
    cfg->sparse_convert = 0;
    cfg->sparse_ratio = CJSON_SPARSE_RATIO;
    cfg->sparse_safe = CJSON_SPARSE_SAFE;
    cfg->keep_buffer = 1;
    cfg->encode_invalid = 0;
    cfg->decode_invalid = 1;
    lua_setfield(L, LUA_REGISTRYINDEX, CJSON_CFG_KEY);
    luaL_register(L, "cjson", cjsonFuncs);
    lua_pushcfunction(L, cjsonNew);
    lua_setfield(L, -2, "new");
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    lua_pushstring(L, "cjson");
    lua_setfield(L, -2, "_NAME");
    lua_pushstring(L, "2.1.0");
    lua_setfield(L, -2, "_VERSION");
    return 1;
}
