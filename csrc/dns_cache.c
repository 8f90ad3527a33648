/* spfkit.cache: a shared answer cache, and cache:over(source) -> a source.
 *
 *   local c = core.cache(max, min_ttl, max_ttl, max_neg_ttl)
 *   local dns = c:over(resolver)      -- an spfk_source; keeps c and resolver alive
 *   c:stats()  c:flush()  c:advance(seconds)  c:close()
 *
 * Positive answers live for the smallest TTL of their records, negative
 * answers (NXDOMAIN, NODATA) for min(SOA TTL, SOA MINIMUM) of the authority
 * section (RFC 2308 section 5), capped by max_neg_ttl; negative answers
 * without an SOA are not cached (RFC 2308 section 5), nor are SERVFAIL,
 * REFUSED, timeouts and network failures. Every TTL is then clamped to
 * [min_ttl, max_ttl]. The cache holds at most max entries and evicts the
 * least recently used one. Served answers are marked cached, with TTLs
 * reduced by the time spent in the cache.
 *
 * Each entry is one malloc block holding the answer (flat copy).
 */
#include <stdlib.h>
#include <string.h>
#include "dns_ldns.h"

typedef struct centry {
  struct centry *hnext;          /* hash chain */
  struct centry *prev, *next;    /* LRU list, head = most recently used */
  const char *name;
  int type;
  uint32_t hash;
  double stored, expires;        /* ms, monotonic clock (+ skew) */
  spfk_answer ans;
} centry;

typedef struct cache {
  centry **tab;
  size_t nbuckets, size, max;
  centry *head, *tail;
  uint32_t min_ttl, max_ttl, max_neg_ttl;
  unsigned long hits, misses, inserts, evictions, expired;
  double skew_ms;
  int open;
} cache;

typedef struct over {
  spfk_source src;               /* first: the engine sees a spfk_source */
  cache *c;
  spfk_source *inner;
  int open;
} over;

static uint32_t hash_key(const char *s, int type) {
  uint32_t h = 2166136261u ^ (uint32_t)type;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

static double now(const cache *c) { return spfk_dns_now_ms() + c->skew_ms; }

/* ---- flat copies --------------------------------------------------------- */

#define AL(n) (((n) + 7) & ~(size_t)7)

typedef struct flat { char *p; size_t used; } flat;

static void *fl_take(flat *f, size_t n) {
  void *r = f->p + f->used;
  f->used += AL(n);
  return r;
}

static const char *fl_str(flat *f, const char *s, size_t n) {
  char *d = fl_take(f, n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

static size_t flat_size(const char *name, const spfk_answer *a) {
  size_t n = AL(sizeof(centry)) + AL(strlen(name) + 1) + AL(sizeof(spfk_rr) * (size_t)(a->n ? a->n : 1));
  int i, j;
  if (a->err) n += AL(strlen(a->err) + 1);
  for (i = 0; i < a->n; i++) {
    const spfk_rr *r = &a->rr[i];
    n += AL(strlen(r->name) + 1);
    switch (r->type) {
    case SPFK_T_A: case SPFK_T_AAAA: break;
    case SPFK_T_MX: n += AL(strlen(r->u.mx.host) + 1); break;
    case SPFK_T_TXT: case SPFK_T_SPF:
      n += AL(sizeof(char *) * (size_t)(r->u.txt.n ? r->u.txt.n : 1));
      n += AL(sizeof(size_t) * (size_t)(r->u.txt.n ? r->u.txt.n : 1));
      for (j = 0; j < r->u.txt.n; j++) n += AL(r->u.txt.len[j] + 1);
      break;
    default: if (r->u.host) n += AL(strlen(r->u.host) + 1);
    }
  }
  return n;
}

static centry *flat_entry(const char *name, int type, const spfk_answer *a) {
  flat f;
  centry *e;
  int i, j;
  f.p = malloc(flat_size(name, a));
  f.used = 0;
  if (!f.p) return NULL;
  e = fl_take(&f, sizeof *e);
  memset(e, 0, sizeof *e);
  e->name = fl_str(&f, name, strlen(name));
  e->type = type;
  e->ans = *a;
  e->ans.err = a->err ? fl_str(&f, a->err, strlen(a->err)) : NULL;
  e->ans.rr = fl_take(&f, sizeof(spfk_rr) * (size_t)(a->n ? a->n : 1));
  for (i = 0; i < a->n; i++) {
    const spfk_rr *s = &a->rr[i];
    spfk_rr *d = &e->ans.rr[i];
    *d = *s;
    d->name = fl_str(&f, s->name, strlen(s->name));
    switch (s->type) {
    case SPFK_T_A: case SPFK_T_AAAA: break;
    case SPFK_T_MX: d->u.mx.host = fl_str(&f, s->u.mx.host, strlen(s->u.mx.host)); break;
    case SPFK_T_TXT: case SPFK_T_SPF: {
      const char **ss = fl_take(&f, sizeof(char *) * (size_t)(s->u.txt.n ? s->u.txt.n : 1));
      size_t *ll = fl_take(&f, sizeof(size_t) * (size_t)(s->u.txt.n ? s->u.txt.n : 1));
      for (j = 0; j < s->u.txt.n; j++) {
        ss[j] = fl_str(&f, s->u.txt.s[j], s->u.txt.len[j]);
        ll[j] = s->u.txt.len[j];
      }
      d->u.txt.s = ss;
      d->u.txt.len = ll;
      break;
    }
    default: if (s->u.host) d->u.host = fl_str(&f, s->u.host, strlen(s->u.host));
    }
  }
  return e;
}

/* ---- table and LRU ------------------------------------------------------- */

static void lru_unlink(cache *c, centry *e) {
  if (e->prev) e->prev->next = e->next; else c->head = e->next;
  if (e->next) e->next->prev = e->prev; else c->tail = e->prev;
  e->prev = e->next = NULL;
}

static void lru_push(cache *c, centry *e) {
  e->prev = NULL;
  e->next = c->head;
  if (c->head) c->head->prev = e; else c->tail = e;
  c->head = e;
}

static centry **slot_of(cache *c, const char *name, int type, uint32_t h) {
  centry **p = &c->tab[h & (c->nbuckets - 1)];
  for (; *p; p = &(*p)->hnext)
    if ((*p)->hash == h && (*p)->type == type && strcmp((*p)->name, name) == 0) return p;
  return p;
}

static void remove_entry(cache *c, centry **slot) {
  centry *e = *slot;
  *slot = e->hnext;
  lru_unlink(c, e);
  c->size--;
  free(e);
}

static void grow(cache *c) {
  size_t nb = c->nbuckets * 2, i;
  centry **t = calloc(nb, sizeof *t);
  if (!t) return;   /* keep the old table: longer chains, still correct */
  for (i = 0; i < c->nbuckets; i++) {
    centry *e = c->tab[i], *n;
    for (; e; e = n) {
      n = e->hnext;
      e->hnext = t[e->hash & (nb - 1)];
      t[e->hash & (nb - 1)] = e;
    }
  }
  free(c->tab);
  c->tab = t;
  c->nbuckets = nb;
}

static void flush(cache *c) {
  centry *e, *n;
  for (e = c->head; e; e = n) { n = e->next; free(e); }
  c->head = c->tail = NULL;
  if (c->tab) memset(c->tab, 0, sizeof *c->tab * c->nbuckets);
  c->size = 0;
}

/* seconds an answer may be cached; 0: not cacheable */
static uint32_t answer_ttl(const cache *c, const spfk_answer *a, int type) {
  uint32_t ttl = 0xffffffffu;
  int i, have = 0;
  if (a->rcode != SPFK_RC_NOERROR && a->rcode != SPFK_RC_NXDOMAIN) return 0;
  for (i = 0; i < a->n; i++) {
    if (a->rr[i].type == type) have = 1;
    if (a->rr[i].ttl < ttl) ttl = a->rr[i].ttl;
  }
  if (!have) {   /* negative: NXDOMAIN or NODATA */
    if (!a->neg_ttl) return 0;
    if (a->neg_ttl < ttl) ttl = a->neg_ttl;
    if (ttl > c->max_neg_ttl) ttl = c->max_neg_ttl;
  }
  if (ttl < c->min_ttl) ttl = c->min_ttl;
  if (ttl > c->max_ttl) ttl = c->max_ttl;
  return ttl;
}

static void store(cache *c, const char *name, int type, const spfk_answer *a) {
  uint32_t ttl = answer_ttl(c, a, type), h = hash_key(name, type);
  centry **slot, *e;
  if (ttl == 0 || c->max == 0) return;
  slot = slot_of(c, name, type, h);
  if (*slot) remove_entry(c, slot);
  e = flat_entry(name, type, a);
  if (!e) return;   /* out of memory: just do not cache */
  e->hash = h;
  e->stored = now(c);
  e->expires = e->stored + ttl * 1000.0;
  e->ans.cached = 0;
  e->ans.ms = 0;
  slot = slot_of(c, name, type, h);
  e->hnext = NULL;
  *slot = e;
  lru_push(c, e);
  c->size++;
  c->inserts++;
  while (c->size > c->max) {
    centry *t = c->tail;
    remove_entry(c, slot_of(c, t->name, t->type, t->hash));
    c->evictions++;
  }
  if (c->size > c->nbuckets) grow(c);
}

/* a fresh entry for name/type, or NULL (expired entries are dropped) */
static centry *find(cache *c, const char *name, int type) {
  uint32_t h = hash_key(name, type);
  centry **slot = slot_of(c, name, type, h);
  if (!*slot) return NULL;
  if ((*slot)->expires <= now(c)) {
    remove_entry(c, slot);
    c->expired++;
    return NULL;
  }
  lru_unlink(c, *slot);
  lru_push(c, *slot);
  return *slot;
}

static uint32_t aged(uint32_t ttl, uint32_t age) { return ttl > age ? ttl - age : 0; }

static int over_lookup(spfk_source *self, spfk_arena *a, const char *name,
                       int type, spfk_answer *out) {
  over *o = (over *)self;
  cache *c = o->c;
  centry *e;
  int r, i;
  if (!o->open || !c->open) {
    spfk_dns_fail(out, a, SPFK_RC_ERROR, o->open ? "cache is closed" : "cache view is closed");
    return SPFK_LOOKUP_OK;
  }
  e = find(c, name, type);
  if (e) {
    uint32_t age = (uint32_t)((now(c) - e->stored) / 1000.0);
    c->hits++;
    if (spfk_copy_answer(a, &e->ans, out) < 0) return SPFK_LOOKUP_OOM;
    out->cached = 1;
    out->ms = 0;
    for (i = 0; i < out->n; i++) out->rr[i].ttl = aged(out->rr[i].ttl, age);
    if (out->neg_ttl) out->neg_ttl = aged(out->neg_ttl, age);
    return SPFK_LOOKUP_OK;
  }
  r = o->inner->lookup(o->inner, a, name, type, out);
  if (r != SPFK_LOOKUP_OK) return r;   /* missing (deferred) or OOM */
  c->misses++;
  if (!out->cached) store(c, name, type, out);
  return SPFK_LOOKUP_OK;
}

/* ---- Lua ----------------------------------------------------------------- */

#if LUA_VERSION_NUM >= 504
#  define newud(L, n) lua_newuserdatauv((L), (n), 1)
#  define setuv(L, i) lua_setiuservalue((L), (i), 1)
#elif LUA_VERSION_NUM >= 502
#  define newud(L, n) lua_newuserdata((L), (n))
#  define setuv(L, i) lua_setuservalue((L), (i))
#else
#  define newud(L, n) lua_newuserdata((L), (n))
#  define setuv(L, i) lua_setfenv((L), (i))
#endif

static cache *check_cache(lua_State *L, int idx) {
  cache *c = luaL_checkudata(L, idx, SPFKIT_CACHE_MT);
  if (!c->open) luaL_error(L, "spfkit.cache: closed");
  return c;
}

static int cache_close(lua_State *L) {
  cache *c = luaL_checkudata(L, 1, SPFKIT_CACHE_MT);
  if (c->tab) flush(c);
  free(c->tab);
  c->tab = NULL;
  c->nbuckets = 0;
  c->open = 0;
  return 0;
}

/* core.cache(max, min_ttl, max_ttl, max_neg_ttl) -> cache */
static int cache_new(lua_State *L) {
  lua_Integer max = luaL_checkinteger(L, 1), mn = luaL_checkinteger(L, 2),
              mx = luaL_checkinteger(L, 3), neg = luaL_checkinteger(L, 4);
  cache *c;
  luaL_argcheck(L, max >= 0 && max <= 100000000, 1, "max must be in 0..1e8");
  luaL_argcheck(L, mn >= 0 && mn <= 0x7fffffff, 2, "min_ttl out of range");
  luaL_argcheck(L, mx >= mn && mx <= 0x7fffffff, 3, "max_ttl must be >= min_ttl");
  luaL_argcheck(L, neg >= 0 && neg <= 0x7fffffff, 4, "max_neg_ttl out of range");
  c = lua_newuserdata(L, sizeof *c);
  memset(c, 0, sizeof *c);
  luaL_setmetatable(L, SPFKIT_CACHE_MT);
  c->open = 1;
  c->nbuckets = 64;
  c->tab = calloc(c->nbuckets, sizeof *c->tab);
  if (!c->tab) return luaL_error(L, "spfkit: out of memory");
  c->max = (size_t)max;
  c->min_ttl = (uint32_t)mn;
  c->max_ttl = (uint32_t)mx;
  c->max_neg_ttl = (uint32_t)neg;
  return 1;
}

/* cache:over(source) -> view (an spfk_source that keeps both alive) */
static int cache_over(lua_State *L) {
  cache *c = check_cache(L, 1);
  spfk_source *inner = spfk_tosource(L, 2);
  over *o;
  if (!inner) return luaL_argerror(L, 2, "a DNS source (resolver, zone, cache view) expected");
  o = newud(L, sizeof *o);
  memset(o, 0, sizeof *o);
  luaL_setmetatable(L, SPFKIT_CACHE_OVER_MT);
  lua_createtable(L, 2, 0);
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, 1);
  lua_pushvalue(L, 2);
  lua_rawseti(L, -2, 2);
  setuv(L, -2);
  o->src.lookup = over_lookup;
  o->c = c;
  o->inner = inner;
  o->open = 1;
  return 1;
}

static int cache_stats(lua_State *L) {
  cache *c = check_cache(L, 1);
  lua_createtable(L, 0, 7);
#define F(k, v) (lua_pushinteger(L, (lua_Integer)(v)), lua_setfield(L, -2, k))
  F("hits", c->hits); F("misses", c->misses); F("size", c->size); F("max", c->max);
  F("inserts", c->inserts); F("evictions", c->evictions); F("expired", c->expired);
#undef F
  return 1;
}

static int cache_flush(lua_State *L) {
  flush(check_cache(L, 1));
  return 0;
}

/* cache:advance(seconds): pretend time passed (tests, what-if) */
static int cache_advance(lua_State *L) {
  cache *c = check_cache(L, 1);
  lua_Number s = luaL_checknumber(L, 2);
  luaL_argcheck(L, s >= 0, 2, "seconds must be >= 0");
  c->skew_ms += s * 1000.0;
  return 0;
}

static int cache__tostring(lua_State *L) {
  cache *c = luaL_checkudata(L, 1, SPFKIT_CACHE_MT);
  if (!c->open) lua_pushliteral(L, "spfkit.cache (closed)");
  else lua_pushfstring(L, "spfkit.cache (%d/%d entries, %d hits, %d misses)", (int)c->size,
                       (int)c->max, (int)c->hits, (int)c->misses);
  return 1;
}

static over *check_over(lua_State *L, int idx) {
  over *o = luaL_checkudata(L, idx, SPFKIT_CACHE_OVER_MT);
  if (!o->open) luaL_error(L, "spfkit.cache view: closed");
  return o;
}

/* view:query(name, qtype) -> answer (cached = true when from the cache) | nil, err */
static int over_query(lua_State *L) {
  over *o = check_over(L, 1);
  size_t nl;
  const char *name = luaL_checklstring(L, 2, &nl);
  int type = spfk_type_code(luaL_checkstring(L, 3)), r;
  spfk_arena *a;
  spfk_answer ans;
  char *nm;
  if (!type) return luaL_argerror(L, 3, "unknown record type");
  if (!o->c->open) return luaL_error(L, "spfkit.cache: closed");
  a = spfk_arena_push(L);
  if (nl && name[nl - 1] == '.') nl--;
  nm = spfk_lower_dup(a, name, nl);
  if (!nm) return luaL_error(L, "spfkit: out of memory");
  r = over_lookup(&o->src, a, nm, type, &ans);
  if (r == SPFK_LOOKUP_OOM) return luaL_error(L, "spfkit: out of memory");
  if (r == SPFK_LOOKUP_MISSING) {
    lua_pushnil(L);
    spfk_push_error(L, "missing", "the source behind the cache does not have this answer yet", 0);
    return 2;
  }
  if (ans.rcode < 0) {
    lua_pushnil(L);
    spfk_push_error(L, ans.rcode == SPFK_RC_TIMEOUT ? "timeout" :
                       ans.rcode == SPFK_RC_NETWORK ? "network" : "error",
                    ans.err ? ans.err : "DNS failure", 0);
    return 2;
  }
  spfk_push_answer(L, &ans);
  lua_pushnumber(L, ans.ms);
  lua_setfield(L, -2, "ms");
  if (ans.neg_ttl) {
    lua_pushinteger(L, (lua_Integer)ans.neg_ttl);
    lua_setfield(L, -2, "neg_ttl");
  }
  return 1;
}

static int over_close(lua_State *L) {
  over *o = luaL_checkudata(L, 1, SPFKIT_CACHE_OVER_MT);
  o->open = 0;
  return 0;
}

static int over__tostring(lua_State *L) {
  over *o = luaL_checkudata(L, 1, SPFKIT_CACHE_OVER_MT);
  if (!o->open) lua_pushliteral(L, "spfkit.cache view (closed)");
  else lua_pushfstring(L, "spfkit.cache view (%d cached answers)", (int)o->c->size);
  return 1;
}

void spfkit_open_cache(lua_State *L) {
  static const luaL_Reg methods[] = {
    {"over", cache_over}, {"stats", cache_stats}, {"flush", cache_flush},
    {"advance", cache_advance}, {"close", cache_close}, {NULL, NULL}
  };
  static const luaL_Reg meta[] = {
    {"__gc", cache_close}, {"__close", cache_close},
    {"__tostring", cache__tostring}, {NULL, NULL}
  };
  static const luaL_Reg omethods[] = {
    {"query", over_query}, {"close", over_close}, {NULL, NULL}
  };
  static const luaL_Reg ometa[] = {
    {"__close", over_close}, {"__tostring", over__tostring}, {NULL, NULL}
  };
  spfk_newclass(L, SPFKIT_CACHE_MT, methods, meta, 0);
  spfk_newclass(L, SPFKIT_CACHE_OVER_MT, omethods, ometa, 1);
  lua_pushcfunction(L, cache_new);
  lua_setfield(L, -2, "cache");
}
