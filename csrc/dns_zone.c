/* spfkit.zone: a complete static view of DNS, in the shape of the RFC 7208
 * test suite's zonedata.
 *
 *   core.zone{ ["example.com"] = { {TXT = "v=spf1 mx -all"}, {MX = {10, "mx.example.com"}} },
 *              ["slow.example.com"] = { "TIMEOUT" } }
 *
 * Names are case-insensitive; absent names are NXDOMAIN; a present name
 * without the asked type is NODATA; CNAMEs are followed (SPFK_CNAME_CHAIN
 * in a row, then SERVFAIL; a loop ends the chain); "TIMEOUT" makes queries for every type not listed before it
 * time out, and {TYPE = "TIMEOUT"} makes that type time out.
 *
 * A record may carry its TTL: { TXT = "v=spf1 -all", ttl = 3600 } (an
 * integer 0..2147483647, RFC 2181 section 8; default 300). ttl is not a type:
 * the table still holds exactly one TYPE key. Answers carry it as rr.ttl.
 *
 * spfk_zone_from_table() is the constructor behind core.zone; core.zone_file
 * (zone_file.c) builds the same table from a master file and calls it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spfkit.h"

#define ITEM_TIMEOUT (-1)   /* the bare "TIMEOUT" marker */
#define DEFAULT_TTL 300
#define MAX_TTL 2147483647  /* RFC 2181 section 8 */

typedef struct item {
  spfk_rr rr;               /* rr.type == ITEM_TIMEOUT for the marker */
  int timeout;              /* {TYPE = "TIMEOUT"} */
} item;

typedef struct entry {
  const char *name;         /* lower-case, no trailing dot; NULL: free slot */
  item *items;
  int n;
} entry;

typedef struct zone {
  spfk_source src;          /* first: the engine sees a spfk_source */
  spfk_arena *a;
  entry *slots;
  size_t cap, count;
} zone;

static uint32_t hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

static entry *find(const zone *z, const char *name) {
  size_t i;
  if (!z->cap) return NULL;
  for (i = hash(name) & (z->cap - 1); z->slots[i].name; i = (i + 1) & (z->cap - 1))
    if (strcmp(z->slots[i].name, name) == 0) return &z->slots[i];
  return NULL;
}

/* normalised copy of a name: lower-case, no trailing dot */
static char *norm(spfk_arena *a, const char *s, size_t n) {
  if (n > 0 && s[n - 1] == '.') n--;
  return spfk_lower_dup(a, s, n);
}

/* answers name/type into out (rr array in arena a); follows CNAMEs */
static int zone_lookup(spfk_source *self, spfk_arena *a, const char *qname,
                       int type, spfk_answer *out) {
  zone *z = (zone *)self;
  const char *seen[SPFK_CNAME_CHAIN + 1];
  int hops = 0, cap = 8, i;
  char *name = norm(a, qname, strlen(qname));
  memset(out, 0, sizeof *out);
  out->rr = spfk_alloc(a, sizeof(spfk_rr) * (size_t)cap);
  if (!name || !out->rr) return SPFK_LOOKUP_OOM;
  for (;;) {
    entry *e = find(z, name);
    const char *cname = NULL;
    int found = 0, j;
    if (!e) { out->rcode = out->n ? SPFK_RC_NXDOMAIN : SPFK_RC_NXDOMAIN; return SPFK_LOOKUP_OK; }
    for (i = 0; i < e->n; i++) {
      item *it = &e->items[i];
      if (it->rr.type == ITEM_TIMEOUT) {
        if (!found) { out->rcode = SPFK_RC_TIMEOUT; out->err = "timeout (zone)"; out->n = 0; return SPFK_LOOKUP_OK; }
        break;
      }
      if (it->rr.type == type) {
        if (it->timeout) { out->rcode = SPFK_RC_TIMEOUT; out->err = "timeout (zone)"; out->n = 0; return SPFK_LOOKUP_OK; }
        if (out->n == cap) {
          spfk_rr *nr = spfk_alloc(a, sizeof(spfk_rr) * (size_t)cap * 2);
          if (!nr) return SPFK_LOOKUP_OOM;
          memcpy(nr, out->rr, sizeof(spfk_rr) * (size_t)cap);
          out->rr = nr; cap *= 2;
        }
        out->rr[out->n++] = it->rr;
        found = 1;
      } else if (it->rr.type == SPFK_T_CNAME && !it->timeout && !cname) {
        cname = it->rr.u.host;
        j = i;
        (void)j;
      }
    }
    if (found || !cname || type == SPFK_T_CNAME) { out->rcode = SPFK_RC_NOERROR; return SPFK_LOOKUP_OK; }
    /* follow the CNAME like a recursive resolver */
    for (i = 0; i < e->n; i++)
      if (e->items[i].rr.type == SPFK_T_CNAME) {
        if (out->n == cap) {
          spfk_rr *nr = spfk_alloc(a, sizeof(spfk_rr) * (size_t)cap * 2);
          if (!nr) return SPFK_LOOKUP_OOM;
          memcpy(nr, out->rr, sizeof(spfk_rr) * (size_t)cap);
          out->rr = nr; cap *= 2;
        }
        out->rr[out->n++] = e->items[i].rr;
        break;
      }
    seen[hops++] = e->name;
    for (i = 0; i < hops; i++)
      if (strcmp(seen[i], cname) == 0) { out->rcode = SPFK_RC_NOERROR; return SPFK_LOOKUP_OK; }
    if (hops > SPFK_CNAME_CHAIN) { out->rcode = SPFK_RC_SERVFAIL; return SPFK_LOOKUP_OK; }
    name = (char *)cname;
  }
}

/* ---- construction from Lua ------------------------------------------- */

static int grow(zone *z) {
  size_t ncap = z->cap ? z->cap * 2 : 64, i;
  entry *ns = calloc(ncap, sizeof *ns);
  if (!ns) return -1;
  for (i = 0; i < z->cap; i++) {
    if (z->slots[i].name) {
      size_t j = hash(z->slots[i].name) & (ncap - 1);
      while (ns[j].name) j = (j + 1) & (ncap - 1);
      ns[j] = z->slots[i];
    }
  }
  free(z->slots);
  z->slots = ns;
  z->cap = ncap;
  return 0;
}

/* reads the record list at the top of the stack for name; returns NULL on
 * success or an error message (pushed on the stack) */
static const char *add_name(lua_State *L, zone *z, const char *name, size_t nlen) {
  int n = (int)spfk_rawlen(L, -1), i, k = 0;
  entry *e;
  char *nm = norm(z->a, name, nlen);
  item *items = spfk_alloc(z->a, sizeof(item) * (size_t)(n ? n : 1));
  if (!nm || !items) return "out of memory";
  for (i = 1; i <= n; i++) {
    item *it = &items[k];
    memset(it, 0, sizeof *it);
    lua_rawgeti(L, -1, i);
    if (lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "TIMEOUT") == 0) {
      it->rr.type = ITEM_TIMEOUT;
      it->rr.name = nm;
      k++;
    } else if (lua_istable(L, -1)) {
      /* { TYPE = data [, ttl = n] } : exactly one TYPE key */
      int keys = 0;
      uint32_t ttl = DEFAULT_TTL;
      lua_pushnil(L);
      while (lua_next(L, -2)) {
        const char *tn = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        int t;
        const char *err = NULL;
        if (tn && strcmp(tn, "ttl") == 0) {
          lua_Number v = lua_tonumber(L, -1);
          if (lua_type(L, -1) != LUA_TNUMBER || !(v >= 0 && v <= MAX_TTL) ||
              v != (lua_Number)(long)v)
            return lua_pushfstring(L, "zone: %s: ttl must be an integer 0..%d", nm, MAX_TTL);
          ttl = (uint32_t)v;
          lua_pop(L, 1);
          continue;
        }
        t = tn ? spfk_type_code(tn) : 0;
        keys++;
        if (!t) return lua_pushfstring(L, "zone: %s: unknown record type '%s'", nm, tn ? tn : "?");
        if (lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "TIMEOUT") == 0) {
          it->rr.type = t; it->rr.name = nm; it->timeout = 1;
        } else {
          spfk_answer ans;
          /* reuse the answer reader: build {records={{type=,name=,data=}}} */
          lua_createtable(L, 0, 1);
          lua_createtable(L, 1, 0);
          lua_createtable(L, 0, 3);
          lua_pushstring(L, tn);
          lua_setfield(L, -2, "type");
          lua_pushvalue(L, -4);   /* the data */
          lua_setfield(L, -2, "data");
          lua_rawseti(L, -2, 1);
          lua_setfield(L, -2, "records");
          if (spfk_read_answer(L, -1, z->a, nm, &ans, &err) < 0 || ans.n != 1) {
            return lua_pushfstring(L, "zone: %s: bad %s record (%s)", nm, tn, err ? err : "unusable");
          }
          lua_pop(L, 1);
          it->rr = ans.rr[0];
        }
        lua_pop(L, 1);
      }
      it->rr.ttl = ttl;
      if (keys != 1) return lua_pushfstring(L, "zone: %s: each record is { TYPE = data [, ttl = n] }", nm);
      k++;
    } else {
      return lua_pushfstring(L, "zone: %s: each record is { TYPE = data } or \"TIMEOUT\"", nm);
    }
    lua_pop(L, 1);
  }
  if ((z->count + 1) * 4 > z->cap * 3 && grow(z) < 0) return "out of memory";
  e = find(z, nm);
  if (e) {   /* same name twice (different case): append */
    item *all = spfk_alloc(z->a, sizeof(item) * (size_t)(e->n + k + 1));
    if (!all) return "out of memory";
    memcpy(all, e->items, sizeof(item) * (size_t)e->n);
    memcpy(all + e->n, items, sizeof(item) * (size_t)k);
    e->items = all;
    e->n += k;
    return NULL;
  }
  {
    size_t j = hash(nm) & (z->cap - 1);
    while (z->slots[j].name) j = (j + 1) & (z->cap - 1);
    z->slots[j].name = nm;
    z->slots[j].items = items;
    z->slots[j].n = k;
    z->count++;
  }
  return NULL;
}

static zone *check_zone(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, SPFKIT_ZONE_MT);
}

static int zone__gc(lua_State *L) {
  zone *z = check_zone(L, 1);
  free(z->slots);
  z->slots = NULL;
  z->cap = z->count = 0;
  spfk_arena_free(z->a);
  z->a = NULL;
  return 0;
}

static int zone__tostring(lua_State *L) {
  zone *z = check_zone(L, 1);
  lua_pushfstring(L, "spfkit.zone (%d names)", (int)z->count);
  return 1;
}

/* Builds a zone from the table at idx (the core.zone shape) and pushes it,
 * or nil and an error table (code "bad-zone"); returns the number pushed. */
int spfk_zone_from_table(lua_State *L, int idx) {
  zone *z;
  idx = spfk_absindex(L, idx);
  z = lua_newuserdata(L, sizeof *z);
  memset(z, 0, sizeof *z);
  luaL_setmetatable(L, SPFKIT_ZONE_MT);
  z->src.lookup = zone_lookup;
  z->a = spfk_arena_new();
  if (!z->a || grow(z) < 0) return luaL_error(L, "spfkit: out of memory");
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    size_t nl;
    const char *name, *err;
    if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) {
      lua_pushnil(L);
      spfk_push_error(L, "bad-zone", "zone: each entry is [\"name\"] = { records }", 0);
      return 2;
    }
    name = lua_tolstring(L, -2, &nl);
    err = add_name(L, z, name, nl);
    if (err) {
      lua_pushnil(L);
      spfk_push_error(L, "bad-zone", err, 0);
      return 2;
    }
    lua_pop(L, 1);
  }
  return 1;
}

/* core.zone(tbl) -> zone | nil, err */
static int zone_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  return spfk_zone_from_table(L, 1);
}

/* zone:query(name, type) -> answer | nil, err (timeout) */
static int zone_query(lua_State *L) {
  zone *z = check_zone(L, 1);
  size_t nl;
  const char *name = luaL_checklstring(L, 2, &nl);
  int type = spfk_type_code(luaL_checkstring(L, 3));
  spfk_arena *a;
  spfk_answer ans;
  if (!type) return luaL_argerror(L, 3, "unknown record type");
  a = spfk_arena_push(L);
  if (zone_lookup(&z->src, a, name, type, &ans) != SPFK_LOOKUP_OK)
    return luaL_error(L, "spfkit: out of memory");
  if (ans.rcode < 0) {
    lua_pushnil(L);
    spfk_push_error(L, "timeout", ans.err ? ans.err : "timeout", 0);
    return 2;
  }
  spfk_push_answer(L, &ans);
  return 1;
}

void spfkit_open_zone(lua_State *L) {
  static const luaL_Reg methods[] = { {"query", zone_query}, {NULL, NULL} };
  static const luaL_Reg meta[] = {
    {"__gc", zone__gc}, {"__tostring", zone__tostring}, {NULL, NULL}
  };
  spfk_newclass(L, SPFKIT_ZONE_MT, methods, meta, 1);
  lua_pushcfunction(L, zone_new);
  lua_setfield(L, -2, "zone");
}
