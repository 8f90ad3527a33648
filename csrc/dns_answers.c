/* spfkit.answers: the per-check answer table of deferred mode.
 *
 * A source that answers only what it has been given and reports every other
 * query as missing, so that the engine returns the list of missing queries
 * instead of waiting. The Lua facade fills it (answers:put) with what its
 * query function fetched and runs the engine again.
 */
#include <stdint.h>
#include <string.h>
#include "spfkit.h"

typedef struct slot { const char *name; int type; spfk_answer ans; } slot;

typedef struct answers {
  spfk_source src;
  spfk_arena *a;
  slot *slots;
  int n, cap;
} answers;

static slot *find(answers *s, const char *name, int type) {
  int i;
  for (i = 0; i < s->n; i++)
    if (s->slots[i].type == type && strcmp(s->slots[i].name, name) == 0) return &s->slots[i];
  return NULL;
}

static int answers_lookup(spfk_source *self, spfk_arena *a, const char *name,
                          int type, spfk_answer *out) {
  slot *sl = find((answers *)self, name, type);
  if (!sl) return SPFK_LOOKUP_MISSING;
  return spfk_copy_answer(a, &sl->ans, out) < 0 ? SPFK_LOOKUP_OOM : SPFK_LOOKUP_OK;
}

static answers *check_answers(lua_State *L, int idx) {
  answers *s = luaL_checkudata(L, idx, SPFKIT_ANSWERS_MT);
  if (!s->a) luaL_error(L, "spfkit.answers: closed");
  return s;
}

static int answers_new(lua_State *L) {
  answers *s = lua_newuserdata(L, sizeof *s);
  memset(s, 0, sizeof *s);
  luaL_setmetatable(L, SPFKIT_ANSWERS_MT);
  s->src.lookup = answers_lookup;
  s->a = spfk_arena_new();
  if (!s->a) return luaL_error(L, "spfkit: out of memory");
  return 1;
}

/* answers:put(name, type, answer_table) -> true | nil, err
 * answer_table is the r:query shape, plus ms and cached. */
static int answers_put(lua_State *L) {
  answers *s = check_answers(L, 1);
  size_t nl;
  const char *name = luaL_checklstring(L, 2, &nl);
  int type = spfk_type_code(luaL_checkstring(L, 3));
  const char *err = NULL;
  char *nm;
  slot *sl;
  if (!type) return luaL_argerror(L, 3, "unknown record type");
  luaL_checktype(L, 4, LUA_TTABLE);
  if (nl && name[nl - 1] == '.') nl--;
  nm = spfk_lower_dup(s->a, name, nl);
  if (!nm) return luaL_error(L, "spfkit: out of memory");
  sl = find(s, nm, type);
  if (!sl) {
    if (s->n == s->cap) {
      int ncap = s->cap ? s->cap * 2 : 16;
      slot *ns = spfk_alloc(s->a, sizeof(slot) * (size_t)ncap);
      if (!ns) return luaL_error(L, "spfkit: out of memory");
      if (s->n) memcpy(ns, s->slots, sizeof(slot) * (size_t)s->n);
      s->slots = ns; s->cap = ncap;
    }
    sl = &s->slots[s->n];
    memset(sl, 0, sizeof *sl);
    sl->name = nm;
    sl->type = type;
  }
  if (spfk_read_answer(L, 4, s->a, nm, &sl->ans, &err) < 0) {
    lua_pushnil(L);
    spfk_push_error(L, "bad-answer", err, 0);
    return 2;
  }
  if (sl == &s->slots[s->n]) s->n++;
  lua_pushboolean(L, 1);
  return 1;
}

static int answers_close(lua_State *L) {
  answers *s = luaL_checkudata(L, 1, SPFKIT_ANSWERS_MT);
  spfk_arena_free(s->a);
  s->a = NULL;
  s->slots = NULL;
  s->n = s->cap = 0;
  return 0;
}

static int answers__tostring(lua_State *L) {
  answers *s = luaL_checkudata(L, 1, SPFKIT_ANSWERS_MT);
  if (!s->a) lua_pushliteral(L, "spfkit.answers (closed)");
  else lua_pushfstring(L, "spfkit.answers (%d answers)", s->n);
  return 1;
}

void spfkit_open_answers(lua_State *L) {
  static const luaL_Reg methods[] = {
    {"put", answers_put}, {"close", answers_close}, {NULL, NULL}
  };
  static const luaL_Reg meta[] = {
    {"__gc", answers_close}, {"__close", answers_close},
    {"__tostring", answers__tostring}, {NULL, NULL}
  };
  spfk_newclass(L, SPFKIT_ANSWERS_MT, methods, meta, 1);
  lua_pushcfunction(L, answers_new);
  lua_setfield(L, -2, "answers");
}
