/* Charset conversion for bounces, through iconv(3) from glibc.
 * core.iconv(text, from, to) -> converted | nil, err
 * Invalid or incomplete input gives nil, err (code "invalid"); an unknown
 * charset gives nil, err (code "unsupported"). */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include "spfkit.h"

static int l_iconv(lua_State *L) {
  size_t inlen;
  const char *in = luaL_checklstring(L, 1, &inlen);
  const char *from = luaL_checkstring(L, 2);
  const char *to = luaL_checkstring(L, 3);
  iconv_t cd = iconv_open(to, from);
  luaL_Buffer b;
  char out[4096];
  char *ip = (char *)(uintptr_t)in;
  size_t ileft = inlen;
  int failed = 0;
  if (cd == (iconv_t)-1) {
    lua_pushnil(L);
    spfk_push_error(L, "unsupported", "charset conversion not supported", 0);
    return 2;
  }
  luaL_buffinit(L, &b);
  for (;;) {
    char *op = out;
    size_t oleft = sizeof out;
    size_t r = iconv(cd, ileft ? &ip : NULL, ileft ? &ileft : NULL, &op, &oleft);
    int e = errno;
    if (op > out) luaL_addlstring(&b, out, (size_t)(op - out));
    if (r != (size_t)-1) { if (!ileft) break; continue; }
    if (e == E2BIG) continue;
    failed = 1;
    break;
  }
  if (!failed) {   /* flush shift state (ISO-2022-JP) */
    char *op = out;
    size_t oleft = sizeof out;
    iconv(cd, NULL, NULL, &op, &oleft);
    if (op > out) luaL_addlstring(&b, out, (size_t)(op - out));
  }
  iconv_close(cd);
  luaL_pushresult(&b);
  if (failed) {
    lua_pushnil(L);
    spfk_push_error(L, "invalid", "invalid or incomplete input for this charset",
                    (size_t)(inlen - ileft) + 1);
    return 2;
  }
  return 1;
}

void spfkit_open_iconv(lua_State *L) {
  lua_pushcfunction(L, l_iconv);
  lua_setfield(L, -2, "iconv");
}
