/* lua_bit.c: the "bit" library Redis scripts expect (LuaBitOp's API):
 * 32-bit operations on Lua numbers. Every argument is first reduced to a
 * signed 32-bit integer the way LuaBitOp does it (round to nearest via the
 * 2^52+2^51 addition, keep the low 32 bits), every result is a signed
 * 32-bit value returned as a Lua number. */
#include <lua.h>
#include <lauxlib.h>
#include <stdint.h>
#include <string.h>

typedef uint32_t ubits;

static ubits bitArg(lua_State *L, int idx) {
    union { lua_Number n; uint64_t u; } v;
    v.n = luaL_checknumber(L, idx) + 6755399441055744.0; /* 2^52 + 2^51 */
    return (ubits)v.u;
}

static int bitPush(lua_State *L, ubits b) {
    lua_pushnumber(L, (lua_Number)(int32_t)b);
    return 1;
}

static int bitTobit(lua_State *L) { return bitPush(L, bitArg(L, 1)); }
static int bitBnot(lua_State *L) { return bitPush(L, ~bitArg(L, 1)); }

static int bitBand(lua_State *L) {
    ubits b = bitArg(L, 1);
    for (int i = lua_gettop(L); i > 1; i--) b &= bitArg(L, i);
    return bitPush(L, b);
}

static int bitBor(lua_State *L) {
    ubits b = bitArg(L, 1);
    for (int i = lua_gettop(L); i > 1; i--) b |= bitArg(L, i);
    return bitPush(L, b);
}

static int bitBxor(lua_State *L) {
    ubits b = bitArg(L, 1);
    for (int i = lua_gettop(L); i > 1; i--) b ^= bitArg(L, i);
    return bitPush(L, b);
}

static int bitLshift(lua_State *L) {
    ubits b = bitArg(L, 1), n = bitArg(L, 2) & 31;
    return bitPush(L, b << n);
}

static int bitRshift(lua_State *L) {
    ubits b = bitArg(L, 1), n = bitArg(L, 2) & 31;
    return bitPush(L, b >> n);
}

static int bitArshift(lua_State *L) {
    ubits b = bitArg(L, 1), n = bitArg(L, 2) & 31;
    int32_t s = (int32_t)b;
    /* arithmetic shift without relying on implementation-defined >> */
    ubits r = n ? ((b >> n) | (s < 0 ? ~(~(ubits)0 >> n) : 0)) : b;
    return bitPush(L, r);
}

static int bitRol(lua_State *L) {
    ubits b = bitArg(L, 1), n = bitArg(L, 2) & 31;
    return bitPush(L, n ? (b << n) | (b >> (32 - n)) : b);
}

static int bitRor(lua_State *L) {
    ubits b = bitArg(L, 1), n = bitArg(L, 2) & 31;
    return bitPush(L, n ? (b >> n) | (b << (32 - n)) : b);
}

static int bitBswap(lua_State *L) {
    ubits b = bitArg(L, 1);
    b = (b >> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24);
    return bitPush(L, b);
}

static int bitTohex(lua_State *L) {
    ubits b = bitArg(L, 1);
    int32_t n = lua_isnone(L, 2) ? 8 : (int32_t)bitArg(L, 2);
    const char *digits = "0123456789abcdef";
    char buf[8];
    if (n < 0) {
        n = -n;
        digits = "0123456789ABCDEF";
    }
    if (n > 8) n = 8;
    for (int i = n - 1; i >= 0; i--) {
        buf[i] = digits[b & 15];
        b >>= 4;
    }
    lua_pushlstring(L, buf, (size_t)n);
    return 1;
}

int luaopen_bit(lua_State *L) {
    static const luaL_Reg funcs[] = {
        {"tobit", bitTobit}, {"bnot", bitBnot}, {"band", bitBand}, {"bor", bitBor},
        {"bxor", bitBxor}, {"lshift", bitLshift}, {"rshift", bitRshift},
        {"arshift", bitArshift}, {"rol", bitRol}, {"ror", bitRor}, {"bswap", bitBswap},
        {"tohex", bitTohex}, {NULL, NULL}};
    luaL_register(L, "bit", funcs);
    return 1;
}
