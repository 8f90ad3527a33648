/* spfkit.core — module registration and small shared Lua helpers.
 * The one luaopen_spfkit_core; each concern registers itself through its
 * spfkit_open_* function (see spfkit.h). */
#include <string.h>
#include <sys/time.h>
#include "spfkit.h"

void spfk_setfuncs(lua_State *L, const luaL_Reg *l) {
  for (; l && l->name; l++) {
    lua_pushcfunction(L, l->func);
    lua_setfield(L, -2, l->name);
  }
}

/* Leaves nothing on the stack; the metatable is in the registry under name. */
void spfk_newclass(lua_State *L, const char *name, const luaL_Reg *methods,
                   const luaL_Reg *metamethods, int is_source) {
  luaL_newmetatable(L, name);
  spfk_setfuncs(L, metamethods);
  lua_newtable(L);
  spfk_setfuncs(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  if (is_source) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, SPFKIT_SOURCE_FIELD);
  }
  lua_pop(L, 1);
}

/* __tostring of every error table: "code: message" (reads slot 1). */
static int error__tostring(lua_State *L) {
  const char *code, *message;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "code");
  lua_getfield(L, 1, "message");
  code = lua_tostring(L, -2);
  message = lua_tostring(L, -1);
  if (code && message) lua_pushfstring(L, "%s: %s", code, message);
  else lua_pushstring(L, code ? code : (message ? message : "error"));
  return 1;
}

/* The one error metatable (registry SPFKIT_ERROR_MT), shared with Lua
 * through core.error_mt; pushes nothing. */
static void open_error(lua_State *L) {
  luaL_newmetatable(L, SPFKIT_ERROR_MT);
  lua_pushcfunction(L, error__tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, "spfkit.error");
  lua_setfield(L, -2, "__name");
  lua_setfield(L, -2, "error_mt");
}

/* Pushes nothing; sets core.LIMITS on the module table at -1. */
static void open_limits(lua_State *L) {
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, SPFK_LIMIT_LOOKUPS); lua_setfield(L, -2, "lookups");
  lua_pushinteger(L, SPFK_LIMIT_VOID);    lua_setfield(L, -2, "void_lookups");
  lua_pushinteger(L, SPFK_LIMIT_MX);      lua_setfield(L, -2, "mx");
  lua_pushinteger(L, SPFK_LIMIT_PTR);     lua_setfield(L, -2, "ptr");
  lua_pushinteger(L, SPFK_LIMIT_RECORD);  lua_setfield(L, -2, "record_length");
  lua_pushinteger(L, SPFK_LIMIT_STRING);  lua_setfield(L, -2, "txt_string");
  lua_setfield(L, -2, "LIMITS");
}

void spfk_push_error(lua_State *L, const char *code, const char *message,
                     size_t position) {
  lua_createtable(L, 0, 3);
  luaL_getmetatable(L, SPFKIT_ERROR_MT);
  lua_setmetatable(L, -2);
  lua_pushstring(L, code);
  lua_setfield(L, -2, "code");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  if (position) {
    lua_pushinteger(L, (lua_Integer)position);
    lua_setfield(L, -2, "position");
  }
}

const char *spfk_optstring(lua_State *L, int t, const char *k, size_t *n) {
  const char *s;
  lua_getfield(L, t, k);
  if (lua_isnil(L, -1)) { lua_pop(L, 1); if (n) *n = 0; return NULL; }
  if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "spfkit.check: '%s' must be a string", k);
  s = lua_tolstring(L, -1, n);
  lua_pop(L, 1);   /* still referenced by the options table */
  return s;
}

int spfk_optlimit(lua_State *L, int t, const char *k, int def) {
  lua_Integer v;
  lua_getfield(L, t, k);
  if (lua_isnil(L, -1)) { lua_pop(L, 1); return def; }
  if (!lua_isnumber(L, -1)) luaL_error(L, "spfkit.check: limits.%s must be a number", k);
  v = lua_tointeger(L, -1);
  lua_pop(L, 1);
  if (v < 0 || v > 1000) luaL_error(L, "spfkit.check: limits.%s out of range", k);
  return (int)v;
}

spfk_source *spfk_tosource(lua_State *L, int idx) {
  void *p = lua_touserdata(L, idx);
  int is;
  if (!p || !lua_getmetatable(L, idx)) return NULL;
  lua_getfield(L, -1, SPFKIT_SOURCE_FIELD);
  is = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return is ? (spfk_source *)p : NULL;
}

/* core.is_source(v) -> boolean */
static int l_is_source(lua_State *L) {
  lua_pushboolean(L, spfk_tosource(L, 1) != NULL);
  return 1;
}

/* core.now_ms() -> wall-clock milliseconds (for DNS timings) */
static int l_now_ms(lua_State *L) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  lua_pushnumber(L, tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0);
  return 1;
}

SPFKIT_EXPORT int luaopen_spfkit_core(lua_State *L);
SPFKIT_EXPORT int luaopen_spfkit_core(lua_State *L) {
  lua_newtable(L);
  open_error(L);
  open_limits(L);
  spfkit_open_record(L);
  spfkit_open_macro(L);
  spfkit_open_check(L);
  spfkit_open_zone(L);
  spfkit_open_zone_file(L);
  spfkit_open_answers(L);
  spfkit_open_iconv(L);
  spfkit_open_dns(L);
  spfkit_open_libspf2(L);
  spfkit_open_dkim(L);
  spfkit_open_text(L);
  spfkit_open_phrases(L);
  spfkit_open_html(L);
  lua_pushcfunction(L, l_is_source);
  lua_setfield(L, -2, "is_source");
  lua_pushcfunction(L, l_now_ms);
  lua_setfield(L, -2, "now_ms");
  lua_pushliteral(L, "0.1.0");
  lua_setfield(L, -2, "version");
  return 1;
}
