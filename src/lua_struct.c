/* lua_struct.c: the "struct" library Redis scripts expect (Roberto
 * Ierusalimschy's struct: pack / unpack / size of binary records).
 * Format options: > < (endianness), ![n] (alignment), x (pad byte),
 * b B h H l L T i[n] I[n] (integers), f d (floats), c[n] (fixed string;
 * c0 = whole string / previous count), s (zero-terminated string).
 * Errors and argument numbers read exactly as the original's. */
#include <lua.h>
#include <lauxlib.h>
#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#define STRUCT_MAXINTSIZE 32
#define STRUCT_BIG 0
#define STRUCT_LITTLE 1

struct alignProbe { char c; double d; };
#define STRUCT_MAXALIGN offsetof(struct alignProbe, d)

typedef struct structOpts {
    int endian;
    int align;
} structOpts;

static void structDefaults(structOpts *o) {
    o->endian = STRUCT_LITTLE; /* this build's native order */
    o->align = 1;
}

static int structNum(lua_State *L, const char **fmt, int dflt) {
    if (!isdigit((unsigned char)**fmt)) return dflt;
    int a = 0;
    do {
        int d = **fmt - '0';
        if (a > INT_MAX / 10 || a * 10 > INT_MAX - d) luaL_error(L, "integral size overflow");
        a = a * 10 + d;
        (*fmt)++;
    } while (isdigit((unsigned char)**fmt));
    return a;
}

static size_t structOptSize(lua_State *L, int opt, const char **fmt) {
    switch (opt) {
    case 'B': case 'b': return sizeof(char);
    case 'H': case 'h': return sizeof(short);
    case 'L': case 'l': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return (size_t)structNum(L, fmt, 1);
    case 'i': case 'I': {
        int n = structNum(L, fmt, sizeof(int));
        if (n > STRUCT_MAXINTSIZE)
            luaL_error(L, "integral size %d is larger than limit of %d", n, STRUCT_MAXINTSIZE);
        return (size_t)n;
    }
    default: return 0;
    }
}

/* Padding needed before an item of `size` at offset len. */
static size_t structPadding(size_t len, structOpts *o, int opt, size_t size) {
    if (size == 0 || opt == 'c') return 0;
    if (size > (size_t)o->align) size = (size_t)o->align;
    return (size - (len & (size - 1))) & (size - 1);
}

static void structControl(lua_State *L, int opt, const char **fmt, structOpts *o) {
    switch (opt) {
    case ' ': return;
    case '>': o->endian = STRUCT_BIG; return;
    case '<': o->endian = STRUCT_LITTLE; return;
    case '!': {
        int a = structNum(L, fmt, (int)STRUCT_MAXALIGN);
        if (a <= 0 || (a & (a - 1))) luaL_error(L, "alignment %d is not a power of 2", a);
        o->align = a;
        return;
    }
    default: {
        const char *msg = lua_pushfstring(L, "invalid format option '%c'", opt);
        luaL_argerror(L, 1, msg);
    }
    }
}

static int isIntOpt(int opt) {
    return opt && strchr("bBhHlLTiI", opt) != NULL;
}

static void structPutInt(lua_State *L, luaL_Buffer *b, int arg, int endian, size_t size) {
    lua_Number n = luaL_checknumber(L, arg);
    unsigned long long v = n < 0 ? (unsigned long long)(long long)n : (unsigned long long)n;
    char buf[STRUCT_MAXINTSIZE];
    for (size_t i = 0; i < size; i++) {
        size_t at = endian == STRUCT_LITTLE ? i : size - 1 - i;
        buf[at] = (char)(v & 0xff);
        v = i < 7 ? v >> 8 : 0;
    }
    luaL_addlstring(b, buf, size);
}

/* Reverse the bytes when the wanted order is not the native (little). */
static void structFixOrder(char *p, size_t size, int endian) {
    if (endian == STRUCT_LITTLE) return;
    for (size_t i = 0; i < size / 2; i++) {
        char t = p[i];
        p[i] = p[size - 1 - i];
        p[size - 1 - i] = t;
    }
}

static int structPack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    structOpts o;
    structDefaults(&o);
    int arg = 2;
    size_t total = 0;
    luaL_Buffer b;
    lua_pushnil(L); /* keeps luaL_Buffer above the arguments */
    luaL_buffinit(L, &b);
    while (*fmt) {
        int opt = *fmt++;
        size_t size = structOptSize(L, opt, &fmt);
        size_t pad = structPadding(total, &o, opt, size);
        total += pad;
        while (pad--) luaL_addchar(&b, '\0');
        if (isIntOpt(opt)) {
            structPutInt(L, &b, arg++, o.endian, size);
        } else if (opt == 'x') {
            luaL_addchar(&b, '\0');
        } else if (opt == 'f') {
            float f = (float)luaL_checknumber(L, arg++);
            structFixOrder((char *)&f, size, o.endian);
            luaL_addlstring(&b, (char *)&f, size);
        } else if (opt == 'd') {
            double d = luaL_checknumber(L, arg++);
            structFixOrder((char *)&d, size, o.endian);
            luaL_addlstring(&b, (char *)&d, size);
        } else if (opt == 'c' || opt == 's') {
            size_t l;
            const char *s = luaL_checklstring(L, arg++, &l);
            if (size == 0) size = l;
            luaL_argcheck(L, l >= size, arg, "string too short");
            luaL_addlstring(&b, s, size);
            if (opt == 's') {
                luaL_addchar(&b, '\0');
                size++;
            }
        } else {
            structControl(L, opt, &fmt, &o);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static lua_Number structGetInt(const char *p, int endian, int is_signed, size_t size) {
    unsigned long long v = 0;
    for (size_t i = 0; i < size; i++) {
        size_t at = endian == STRUCT_BIG ? i : size - 1 - i;
        v = (v << 8) | (unsigned char)p[at];
    }
    if (!is_signed) return (lua_Number)v;
    if (size < 8 && size > 0) {
        unsigned long long sign = 1ULL << (size * 8 - 1);
        if (v & sign) v |= ~(sign - 1) | sign;
    }
    return (lua_Number)(long long)v;
}

static int structUnpack(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    size_t ld;
    const char *data = luaL_checklstring(L, 2, &ld);
    size_t pos = (size_t)luaL_optinteger(L, 3, 1) - 1;
    structOpts o;
    structDefaults(&o);
    lua_settop(L, 2);
    while (*fmt) {
        int opt = *fmt++;
        size_t size = structOptSize(L, opt, &fmt);
        pos += structPadding(pos, &o, opt, size);
        luaL_argcheck(L, pos + size <= ld, 2, "data string too short");
        luaL_checkstack(L, 1, "too many results");
        if (isIntOpt(opt)) {
            lua_pushnumber(L, structGetInt(data + pos, o.endian, islower(opt), size));
        } else if (opt == 'x') {
            /* padding only */
        } else if (opt == 'f') {
            float f;
            memcpy(&f, data + pos, size);
            structFixOrder((char *)&f, size, o.endian);
            lua_pushnumber(L, f);
        } else if (opt == 'd') {
            double d;
            memcpy(&d, data + pos, size);
            structFixOrder((char *)&d, size, o.endian);
            lua_pushnumber(L, d);
        } else if (opt == 'c') {
            if (size == 0) {
                if (!lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
                size = (size_t)lua_tonumber(L, -1);
                lua_pop(L, 1);
                luaL_argcheck(L, pos + size <= ld, 2, "data string too short");
            }
            lua_pushlstring(L, data + pos, size);
        } else if (opt == 's') {
            const char *e = memchr(data + pos, '\0', ld - pos);
            if (!e) luaL_error(L, "unfinished string in data");
            size = (size_t)(e - (data + pos)) + 1;
            lua_pushlstring(L, data + pos, size - 1);
        } else {
            structControl(L, opt, &fmt, &o);
        }
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos + 1);
    return lua_gettop(L) - 2;
}

static int structSize(lua_State *L) {
    const char *fmt = luaL_checkstring(L, 1);
    structOpts o;
    structDefaults(&o);
    size_t pos = 0;
    while (*fmt) {
        int opt = *fmt++;
        size_t size = structOptSize(L, opt, &fmt);
        pos += structPadding(pos, &o, opt, size);
        if (opt == 's') luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (opt == 'c' && size == 0) luaL_argerror(L, 1, "option 'c0' has no fixed size");
        if (!isalnum(opt)) structControl(L, opt, &fmt, &o);
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos);
    return 1;
}

int luaopen_struct(lua_State *L) {
    static const luaL_Reg funcs[] = {
        {"pack", structPack}, {"unpack", structUnpack}, {"size", structSize}, {NULL, NULL}};
    luaL_register(L, "struct", funcs);
    return 1;
}
