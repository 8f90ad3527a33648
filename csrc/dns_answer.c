/* DNS answers between C and Lua, shared by every source.
 *
 * Lua shape (what r:query, zone:query and deferred query functions use):
 *   { rcode = "NOERROR"|"NXDOMAIN"|..., records = {
 *       { name = "example.com", type = "TXT", ttl = 300, data = {"v=spf1 ", "-all"} },
 *       { name = ..., type = "A",  data = "192.0.2.1" },
 *       { name = ..., type = "MX", data = { 10, "mx.example.com" } },
 *       { name = ..., type = "CNAME", data = "target.example.com" } } }
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "spfkit.h"

static const struct { int code; const char *name; } types[] = {
  {SPFK_T_A, "A"}, {SPFK_T_NS, "NS"}, {SPFK_T_CNAME, "CNAME"},
  {SPFK_T_SOA, "SOA"}, {SPFK_T_PTR, "PTR"}, {SPFK_T_MX, "MX"},
  {SPFK_T_TXT, "TXT"}, {SPFK_T_AAAA, "AAAA"}, {SPFK_T_SPF, "SPF"}, {0, NULL}
};

static const struct { int code; const char *name; } rcodes[] = {
  {SPFK_RC_NOERROR, "NOERROR"}, {SPFK_RC_FORMERR, "FORMERR"},
  {SPFK_RC_SERVFAIL, "SERVFAIL"}, {SPFK_RC_NXDOMAIN, "NXDOMAIN"},
  {SPFK_RC_NOTIMP, "NOTIMP"}, {SPFK_RC_REFUSED, "REFUSED"},
  {6, "YXDOMAIN"}, {7, "YXRRSET"}, {8, "NXRRSET"}, {9, "NOTAUTH"},
  {10, "NOTZONE"}, {SPFK_RC_TIMEOUT, "TIMEOUT"},
  {SPFK_RC_NETWORK, "NETWORK"}, {SPFK_RC_ERROR, "ERROR"}, {0, NULL}
};

const char *spfk_type_name(int type) {
  int i;
  for (i = 0; types[i].name; i++) if (types[i].code == type) return types[i].name;
  return NULL;
}

int spfk_type_code(const char *name) {
  int i;
  for (i = 0; types[i].name; i++) if (strcasecmp(types[i].name, name) == 0) return types[i].code;
  return 0;
}

const char *spfk_rcode_name(int rcode) {
  int i;
  for (i = 0; rcodes[i].name; i++) if (rcodes[i].code == rcode) return rcodes[i].name;
  return "ERROR";
}

int spfk_rcode_code(const char *name) {
  int i;
  for (i = 0; rcodes[i].name; i++) if (strcasecmp(rcodes[i].name, name) == 0) return rcodes[i].code;
  return -100;
}

/* pushes the data value of one record */
static void push_rdata(lua_State *L, const spfk_rr *rr) {
  char buf[64];
  int i;
  switch (rr->type) {
  case SPFK_T_A:
  case SPFK_T_AAAA:
    inet_ntop(rr->type == SPFK_T_A ? AF_INET : AF_INET6, rr->u.addr, buf, sizeof buf);
    lua_pushstring(L, buf);
    break;
  case SPFK_T_MX:
    lua_createtable(L, 2, 0);
    lua_pushinteger(L, (lua_Integer)rr->u.mx.pref);
    lua_rawseti(L, -2, 1);
    lua_pushstring(L, rr->u.mx.host);
    lua_rawseti(L, -2, 2);
    break;
  case SPFK_T_TXT:
  case SPFK_T_SPF:
    lua_createtable(L, rr->u.txt.n, 0);
    for (i = 0; i < rr->u.txt.n; i++) {
      lua_pushlstring(L, rr->u.txt.s[i], rr->u.txt.len[i]);
      lua_rawseti(L, -2, i + 1);
    }
    break;
  default:
    lua_pushstring(L, rr->u.host ? rr->u.host : "");
  }
}

void spfk_push_rr(lua_State *L, const spfk_rr *rr) {
  const char *tn = spfk_type_name(rr->type);
  lua_createtable(L, 0, 4);
  lua_pushstring(L, rr->name);
  lua_setfield(L, -2, "name");
  lua_pushstring(L, tn ? tn : "?");
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, (lua_Integer)rr->ttl);
  lua_setfield(L, -2, "ttl");
  push_rdata(L, rr);
  lua_setfield(L, -2, "data");
}

void spfk_push_answer(lua_State *L, const spfk_answer *ans) {
  int i;
  lua_createtable(L, 0, 3);
  lua_pushstring(L, spfk_rcode_name(ans->rcode));
  lua_setfield(L, -2, "rcode");
  lua_createtable(L, ans->n, 0);
  for (i = 0; i < ans->n; i++) {
    spfk_push_rr(L, &ans->rr[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "records");
  if (ans->cached) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "cached");
  }
}

/* normalises a host name: lower-case, no trailing dot */
static const char *dup_host(spfk_arena *a, const char *s, size_t n) {
  if (n > 0 && s[n - 1] == '.') n--;
  return spfk_lower_dup(a, s, n);
}

/* reads one record table at the top of the stack; 0 ok, 1 skip, -1 error */
static int read_rr(lua_State *L, spfk_arena *a, const char *qname, spfk_rr *rr,
                   const char **err) {
  size_t n;
  const char *s;
  int t = lua_gettop(L);
  memset(rr, 0, sizeof *rr);
  if (!lua_istable(L, t)) { *err = "record is not a table"; return -1; }
  lua_getfield(L, t, "type");
  s = lua_tostring(L, -1);
  if (!s) { *err = "record without type"; return -1; }
  rr->type = spfk_type_code(s);
  lua_getfield(L, t, "name");
  s = lua_tolstring(L, -1, &n);
  if (!s) { s = qname; n = strlen(qname); }
  rr->name = dup_host(a, s, n);
  lua_getfield(L, t, "ttl");
  rr->ttl = lua_isnumber(L, -1) ? (uint32_t)lua_tonumber(L, -1) : 0;
  lua_getfield(L, t, "data");
  if (!rr->name) { *err = "out of memory"; return -1; }
  switch (rr->type) {
  case SPFK_T_A:
  case SPFK_T_AAAA:
    s = lua_tolstring(L, -1, &n);
    if (!s || !(rr->type == SPFK_T_A ? spfk_parse_ip4(s, n, rr->u.addr)
                                     : spfk_parse_ip6(s, n, rr->u.addr))) {
      *err = "bad address in A/AAAA record"; return -1;
    }
    break;
  case SPFK_T_MX:
    if (!lua_istable(L, -1)) { *err = "MX data must be {pref, host}"; return -1; }
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    s = lua_tolstring(L, -1, &n);
    if (!lua_isnumber(L, -2) || !s) { *err = "MX data must be {pref, host}"; return -1; }
    rr->u.mx.pref = (unsigned)lua_tonumber(L, -2);
    rr->u.mx.host = dup_host(a, s, n);
    break;
  case SPFK_T_TXT:
  case SPFK_T_SPF: {
    int i, cnt;
    const char **ss;
    size_t *ll;
    if (lua_type(L, -1) == LUA_TSTRING) {
      cnt = 1;
    } else if (lua_istable(L, -1)) {
      cnt = (int)spfk_rawlen(L, -1);
    } else { *err = "TXT data must be a string or a list of strings"; return -1; }
    ss = spfk_alloc(a, sizeof *ss * (size_t)(cnt ? cnt : 1));
    ll = spfk_alloc(a, sizeof *ll * (size_t)(cnt ? cnt : 1));
    if (!ss || !ll) { *err = "out of memory"; return -1; }
    for (i = 0; i < cnt; i++) {
      if (lua_type(L, -1) == LUA_TSTRING) lua_pushvalue(L, -1);
      else lua_rawgeti(L, -1, i + 1);
      s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
      if (!s) { *err = "TXT data must be a string or a list of strings"; return -1; }
      ss[i] = spfk_memdup(a, s, n);
      ll[i] = n;
      lua_pop(L, 1);
      if (!ss[i]) { *err = "out of memory"; return -1; }
    }
    rr->u.txt.n = cnt; rr->u.txt.s = ss; rr->u.txt.len = ll;
    break;
  }
  case SPFK_T_PTR:
  case SPFK_T_CNAME:
  case SPFK_T_NS:
    s = lua_tolstring(L, -1, &n);
    if (!s) { *err = "host name data must be a string"; return -1; }
    rr->u.host = dup_host(a, s, n);
    break;
  default:
    lua_settop(L, t);
    return 1;   /* a type the engine never uses: ignored */
  }
  lua_settop(L, t);
  return 0;
}

int spfk_read_answer(lua_State *L, int idx, spfk_arena *a, const char *qname,
                     spfk_answer *out, const char **err) {
  int top = lua_gettop(L), i, n, r;
  idx = spfk_absindex(L, idx);
  memset(out, 0, sizeof *out);
  if (!lua_istable(L, idx)) { *err = "answer is not a table"; return -1; }
  lua_getfield(L, idx, "rcode");
  if (lua_isnil(L, -1)) out->rcode = SPFK_RC_NOERROR;
  else if (lua_type(L, -1) == LUA_TNUMBER) out->rcode = (int)lua_tointeger(L, -1);
  else {
    out->rcode = spfk_rcode_code(lua_tostring(L, -1));
    if (out->rcode == -100) { *err = "unknown rcode"; lua_settop(L, top); return -1; }
  }
  lua_getfield(L, idx, "ms");
  out->ms = lua_tonumber(L, -1);
  lua_getfield(L, idx, "cached");
  out->cached = lua_toboolean(L, -1);
  lua_getfield(L, idx, "records");
  if (lua_isnil(L, -1)) { lua_settop(L, top); return 0; }
  if (!lua_istable(L, -1)) { *err = "records is not a table"; lua_settop(L, top); return -1; }
  n = (int)spfk_rawlen(L, -1);
  out->rr = spfk_alloc(a, sizeof(spfk_rr) * (size_t)(n ? n : 1));
  if (!out->rr) { *err = "out of memory"; lua_settop(L, top); return -1; }
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    r = read_rr(L, a, qname, &out->rr[out->n], err);
    lua_pop(L, 1);
    if (r < 0) { lua_settop(L, top); return -1; }
    if (r == 0) out->n++;
  }
  lua_settop(L, top);
  return 0;
}

int spfk_copy_answer(spfk_arena *a, const spfk_answer *src, spfk_answer *dst) {
  int i, j;
  *dst = *src;
  dst->err = src->err ? spfk_memdup(a, src->err, strlen(src->err)) : NULL;
  dst->rr = spfk_alloc(a, sizeof(spfk_rr) * (size_t)(src->n ? src->n : 1));
  if (!dst->rr) return -1;
  for (i = 0; i < src->n; i++) {
    const spfk_rr *s = &src->rr[i];
    spfk_rr *d = &dst->rr[i];
    *d = *s;
    d->name = spfk_memdup(a, s->name, strlen(s->name));
    if (!d->name) return -1;
    switch (s->type) {
    case SPFK_T_A: case SPFK_T_AAAA: break;
    case SPFK_T_MX:
      d->u.mx.host = spfk_memdup(a, s->u.mx.host, strlen(s->u.mx.host));
      if (!d->u.mx.host) return -1;
      break;
    case SPFK_T_TXT: case SPFK_T_SPF: {
      const char **ss = spfk_alloc(a, sizeof *ss * (size_t)(s->u.txt.n ? s->u.txt.n : 1));
      size_t *ll = spfk_alloc(a, sizeof *ll * (size_t)(s->u.txt.n ? s->u.txt.n : 1));
      if (!ss || !ll) return -1;
      for (j = 0; j < s->u.txt.n; j++) {
        ss[j] = spfk_memdup(a, s->u.txt.s[j], s->u.txt.len[j]);
        ll[j] = s->u.txt.len[j];
        if (!ss[j]) return -1;
      }
      d->u.txt.s = ss; d->u.txt.len = ll;
      break;
    }
    default:
      if (s->u.host) {
        d->u.host = spfk_memdup(a, s->u.host, strlen(s->u.host));
        if (!d->u.host) return -1;
      }
    }
  }
  return 0;
}
