/* Lua 5.1 (LuaJIT 2.1) compatibility: only what LuaJIT lacks, under our own
 * prefix. LuaJIT 2.1 already has luaL_setfuncs, luaL_newlib,
 * luaL_testudata and luaL_setmetatable. */
#ifndef SPFKIT_COMPAT_H
#define SPFKIT_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

#if LUA_VERSION_NUM == 501
#  define spfk_rawlen(L, i)   lua_objlen((L), (i))
#  define spfk_absindex(L, i) (((i) > 0 || (i) <= LUA_REGISTRYINDEX) ? (i) : lua_gettop(L) + (i) + 1)
#else
#  define spfk_rawlen(L, i)   lua_rawlen((L), (i))
#  define spfk_absindex(L, i) lua_absindex((L), (i))
#endif

#endif
