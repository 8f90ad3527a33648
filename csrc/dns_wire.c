/* DNS wire codec over ldns: query encoding, answer decoding into
 * spfk_answer, and the Lua functions core.dns_encode / core.dns_decode
 * (what an nginx handler uses with ngx.socket.udp).
 *
 * ldns memory never outlives a function here, and every ldns object is
 * freed before anything that can raise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <ldns/ldns.h>
#include "dns_ldns.h"

#define MAX_CHAIN 16

double spfk_dns_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

uint16_t spfk_dns_random_id(void) {
  uint16_t id;
#ifdef SYS_getrandom
  if (syscall(SYS_getrandom, &id, sizeof id, 0) == (long)sizeof id) return id;
#endif
  return ldns_get_random();
}

void spfk_dns_fail(spfk_answer *out, spfk_arena *a, int rcode, const char *msg) {
  memset(out, 0, sizeof *out);
  out->rcode = rcode;
  out->err = spfk_memdup(a, msg, strlen(msg));
  if (!out->err) out->err = "out of memory";
}

/* ---- encoding ------------------------------------------------------------ */

/* name -> uncompressed wire name in out (>= 256 bytes); returns its length
 * or 0 with *why set */
static size_t wire_name(const char *name, uint8_t *out, const char **why) {
  size_t n = strlen(name), i, k = 0, lab = 0;
  if (n && name[n - 1] == '.') n--;
  if (n == 0) { *why = "empty domain name"; return 0; }
  out[k++] = 0;   /* length of the first label, patched below */
  for (i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)name[i];
    if (ch == '.') {
      if (out[lab] == 0) { *why = "empty label in domain name"; return 0; }
      lab = k;
      out[k++] = 0;
    } else {
      if (out[lab] == 63) { *why = "label longer than 63 octets"; return 0; }
      if (k >= 254) { *why = "domain name longer than 255 octets"; return 0; }
      out[k++] = (uint8_t)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
      out[lab]++;
    }
  }
  if (out[lab] == 0) { *why = "empty label in domain name"; return 0; }
  out[k++] = 0;
  return k;
}

uint8_t *spfk_dns_encode(const char *name, int type, uint16_t id, int edns,
                         size_t *len, const char **why) {
  uint8_t wn[300], *buf = NULL;
  size_t wl = wire_name(name, wn, why);
  ldns_rdf *dn;
  ldns_pkt *p;
  ldns_status st;
  if (!wl) return NULL;
  dn = ldns_dname_new_frm_data((uint16_t)wl, wn);
  if (!dn) { *why = "out of memory"; return NULL; }
  p = ldns_pkt_query_new(dn, (ldns_rr_type)type, LDNS_RR_CLASS_IN, LDNS_RD);
  if (!p) { ldns_rdf_deep_free(dn); *why = "out of memory"; return NULL; }
  ldns_pkt_set_id(p, id);
  if (edns > 0) ldns_pkt_set_edns_udp_size(p, (uint16_t)edns);
  st = ldns_pkt2wire(&buf, p, len);
  ldns_pkt_free(p);
  if (st != LDNS_STATUS_OK) {
    free(buf);
    *why = ldns_get_errorstr_by_id(st);
    if (!*why) *why = "cannot encode query";
    return NULL;
  }
  return buf;
}

/* ---- decoding ------------------------------------------------------------ */

/* wire dname rdf -> lower-case text without trailing dot (root: "") */
static const char *dname_text(spfk_arena *a, const ldns_rdf *rdf) {
  const uint8_t *d;
  size_t n, i = 0;
  spfk_buf b;
  if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME) return NULL;
  d = ldns_rdf_data(rdf);
  n = ldns_rdf_size(rdf);
  spfk_buf_init(&b, a);
  while (i < n && d[i]) {
    size_t l = d[i], j;
    if (i + 1 + l > n) return NULL;
    if (b.len) spfk_buf_addc(&b, '.');
    for (j = 0; j < l; j++) {
      unsigned char ch = d[i + 1 + j];
      spfk_buf_addc(&b, (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch));
    }
    i += 1 + l;
  }
  if (b.oom) return NULL;
  return b.p ? b.p : spfk_memdup(a, "", 0);
}

static int rdf_ok(const ldns_rr *rr, size_t i, size_t minsize) {
  ldns_rdf *f = ldns_rr_rd_count(rr) > i ? ldns_rr_rdf(rr, i) : NULL;
  return f && ldns_rdf_size(f) >= minsize;
}

/* converts one resource record; 1 done, 0 skipped (unused type), -1 OOM */
static int convert_rr(spfk_arena *a, const ldns_rr *r, const char *owner, spfk_rr *out) {
  int type = (int)ldns_rr_get_type(r);
  memset(out, 0, sizeof *out);
  out->name = owner;
  out->type = type;
  out->ttl = ldns_rr_ttl(r);
  switch (type) {
  case SPFK_T_A:
  case SPFK_T_AAAA: {
    size_t want = type == SPFK_T_A ? 4 : 16;
    if (!rdf_ok(r, 0, want) || ldns_rdf_size(ldns_rr_rdf(r, 0)) != want) return 0;
    memcpy(out->u.addr, ldns_rdf_data(ldns_rr_rdf(r, 0)), want);
    return 1;
  }
  case SPFK_T_MX:
    if (!rdf_ok(r, 0, 2) || !rdf_ok(r, 1, 1)) return 0;
    out->u.mx.pref = ldns_rdf2native_int16(ldns_rr_rdf(r, 0));
    out->u.mx.host = dname_text(a, ldns_rr_rdf(r, 1));
    return out->u.mx.host ? 1 : -1;
  case SPFK_T_PTR:
  case SPFK_T_CNAME:
  case SPFK_T_NS:
    if (!rdf_ok(r, 0, 1)) return 0;
    out->u.host = dname_text(a, ldns_rr_rdf(r, 0));
    return out->u.host ? 1 : -1;
  case SPFK_T_TXT:
  case SPFK_T_SPF: {
    size_t cnt = ldns_rr_rd_count(r), i;
    const char **ss = spfk_alloc(a, sizeof *ss * (cnt ? cnt : 1));
    size_t *ll = spfk_alloc(a, sizeof *ll * (cnt ? cnt : 1));
    if (!ss || !ll) return -1;
    for (i = 0; i < cnt; i++) {
      const ldns_rdf *f = ldns_rr_rdf(r, i);
      const uint8_t *d = ldns_rdf_data(f);
      size_t sz = ldns_rdf_size(f), l = sz ? d[0] : 0;
      if (sz == 0 || l + 1 > sz) return 0;
      ss[i] = spfk_memdup(a, d + 1, l);
      ll[i] = l;
      if (!ss[i]) return -1;
    }
    out->u.txt.n = (int)cnt;
    out->u.txt.s = ss;
    out->u.txt.len = ll;
    return 1;
  }
  default:
    return 0;
  }
}

static int in_chain(const char **chain, int n, const char *name) {
  int i;
  for (i = 0; i < n; i++) if (strcmp(chain[i], name) == 0) return 1;
  return 0;
}

/* fills out from an ldns packet; returns SPFK_DEC_OK or SPFK_DEC_OOM */
static int pkt_to_answer(spfk_arena *a, const ldns_pkt *p, const char *qname,
                         int qtype, spfk_answer *out) {
  const ldns_rr_list *an = ldns_pkt_answer(p), *ns = ldns_pkt_authority(p);
  size_t nan = an ? ldns_rr_list_rr_count(an) : 0, i;
  const char *chain[MAX_CHAIN];
  const char **owners;
  char *taken;
  int nchain = 1, changed = 1, have = 0;
  memset(out, 0, sizeof *out);
  out->rcode = (int)ldns_pkt_get_rcode(p);
  out->rr = spfk_alloc(a, sizeof(spfk_rr) * (nan ? nan : 1));
  owners = spfk_alloc(a, sizeof *owners * (nan ? nan : 1));
  taken = spfk_alloc(a, nan ? nan : 1);
  if (!out->rr || !owners || !taken) return SPFK_DEC_OOM;
  memset(taken, 0, nan ? nan : 1);
  for (i = 0; i < nan; i++) {
    owners[i] = dname_text(a, ldns_rr_owner(ldns_rr_list_rr(an, i)));
    if (!owners[i]) return SPFK_DEC_OOM;
  }
  chain[0] = qname;
  /* keep the records of the question's CNAME chain, in message order */
  while (changed) {
    changed = 0;
    for (i = 0; i < nan; i++) {
      const ldns_rr *r = ldns_rr_list_rr(an, i);
      if (taken[i] || ldns_rr_get_class(r) != LDNS_RR_CLASS_IN ||
          !in_chain(chain, nchain, owners[i]))
        continue;
      taken[i] = 1;
      changed = 1;
      if ((int)ldns_rr_get_type(r) == SPFK_T_CNAME && qtype != SPFK_T_CNAME &&
          rdf_ok(r, 0, 1) && nchain < MAX_CHAIN) {
        const char *t = dname_text(a, ldns_rr_rdf(r, 0));
        if (!t) return SPFK_DEC_OOM;
        if (!in_chain(chain, nchain, t)) chain[nchain++] = t;
      }
    }
  }
  for (i = 0; i < nan; i++) {
    int r;
    if (!taken[i]) continue;
    r = convert_rr(a, ldns_rr_list_rr(an, i), owners[i], &out->rr[out->n]);
    if (r < 0) return SPFK_DEC_OOM;
    if (r == 0) continue;
    if (out->rr[out->n].type == qtype) have = 1;
    out->n++;
  }
  /* RFC 2308 section 5: negative answers live min(SOA TTL, SOA MINIMUM) */
  if (out->rcode == SPFK_RC_NXDOMAIN || (out->rcode == SPFK_RC_NOERROR && !have)) {
    size_t nns = ns ? ldns_rr_list_rr_count(ns) : 0;
    for (i = 0; i < nns; i++) {
      const ldns_rr *r = ldns_rr_list_rr(ns, i);
      if (ldns_rr_get_type(r) == LDNS_RR_TYPE_SOA && rdf_ok(r, 6, 4)) {
        uint32_t min = ldns_rdf2native_int32(ldns_rr_rdf(r, 6)), ttl = ldns_rr_ttl(r);
        out->neg_ttl = min < ttl ? min : ttl;
        break;
      }
    }
  }
  return SPFK_DEC_OK;
}

int spfk_dns_decode(const uint8_t *wire, size_t len, spfk_arena *a,
                    int check_id, uint16_t id, const char *qname, int qtype,
                    spfk_answer *out, int *tc, uint16_t *id_out,
                    const char **qname_out, int *qtype_out) {
  ldns_pkt *p = NULL;
  const ldns_rr_list *q;
  const ldns_rr *qr;
  const char *qn;
  int r, qt;
  memset(out, 0, sizeof *out);
  if (len > SPFK_DNS_MAXMSG) return SPFK_DEC_OVERSIZED;
  if (len < 12) return SPFK_DEC_SHORT;
  if (id_out) *id_out = (uint16_t)(wire[0] << 8 | wire[1]);
  if (check_id && (uint16_t)(wire[0] << 8 | wire[1]) != id) return SPFK_DEC_WRONG_ID;
  if (!(wire[2] & 0x80)) return SPFK_DEC_NOT_ANSWER;
  if (tc) *tc = (wire[2] & 0x02) != 0;
  if (ldns_wire2pkt(&p, wire, len) != LDNS_STATUS_OK || !p) {
    /* a truncated answer may be cut mid-record: keep its header */
    if (p) ldns_pkt_free(p);
    return SPFK_DEC_BAD;
  }
  q = ldns_pkt_question(p);
  if (!q || ldns_rr_list_rr_count(q) != 1) { ldns_pkt_free(p); return SPFK_DEC_WRONG_Q; }
  qr = ldns_rr_list_rr(q, 0);
  qn = dname_text(a, ldns_rr_owner(qr));
  qt = (int)ldns_rr_get_type(qr);
  if (!qn) { ldns_pkt_free(p); return SPFK_DEC_OOM; }
  if (qname && (strcmp(qn, qname) != 0 || qt != qtype ||
                ldns_rr_get_class(qr) != LDNS_RR_CLASS_IN)) {
    ldns_pkt_free(p);
    return SPFK_DEC_WRONG_Q;
  }
  if (qname_out) *qname_out = qn;
  if (qtype_out) *qtype_out = qt;
  r = pkt_to_answer(a, p, qn, qt, out);
  ldns_pkt_free(p);
  return r;
}

const char *spfk_dns_decode_error(int code) {
  switch (code) {
  case SPFK_DEC_OK: return "ok";
  case SPFK_DEC_SHORT: return "short";
  case SPFK_DEC_WRONG_ID: return "wrong-id";
  case SPFK_DEC_NOT_ANSWER: return "not-answer";
  case SPFK_DEC_WRONG_Q: return "wrong-question";
  case SPFK_DEC_OOM: return "oom";
  case SPFK_DEC_OVERSIZED: return "oversized";
  default: return "bad-answer";
  }
}

const char *spfk_dns_decode_message(int code) {
  switch (code) {
  case SPFK_DEC_SHORT: return "DNS message shorter than its 12-byte header";
  case SPFK_DEC_WRONG_ID: return "DNS answer with the wrong id";
  case SPFK_DEC_NOT_ANSWER: return "DNS message is a query, not an answer";
  case SPFK_DEC_WRONG_Q: return "DNS answer to another question";
  case SPFK_DEC_OOM: return "out of memory";
  case SPFK_DEC_OVERSIZED: return "DNS message longer than 65535 bytes";
  default: return "malformed DNS message";
  }
}

/* ---- Lua ----------------------------------------------------------------- */

static int check_type(lua_State *L, int idx) {
  int t = spfk_type_code(luaL_checkstring(L, idx));
  if (!t) luaL_argerror(L, idx, "unknown record type");
  return t;
}

/* core.dns_encode(name, qtype [, id [, edns]]) -> wire, id | nil, err
 * id: 0..65535, random when nil; edns: udp payload size, 0 disables
 * (default 1232). */
static int l_encode(lua_State *L) {
  const char *name = luaL_checkstring(L, 1), *why = NULL;
  int type = check_type(L, 2);
  lua_Integer id = luaL_optinteger(L, 3, -1), edns = luaL_optinteger(L, 4, 1232);
  uint8_t *wire, copy[600];
  size_t len;
  if (lua_isnoneornil(L, 3)) id = spfk_dns_random_id();
  else if (id < 0 || id > 65535) return luaL_argerror(L, 3, "id must be in 0..65535");
  if (edns != 0 && (edns < 512 || edns > 65535))
    return luaL_argerror(L, 4, "edns must be 0 or in 512..65535");
  wire = spfk_dns_encode(name, type, (uint16_t)id, (int)edns, &len, &why);
  if (!wire) {
    lua_pushnil(L);
    spfk_push_error(L, "bad-name", why, 0);
    return 2;
  }
  if (len > sizeof copy) len = 0;   /* cannot happen: names are <= 255 octets */
  memcpy(copy, wire, len);
  free(wire);   /* before anything that can raise */
  lua_pushlstring(L, (const char *)copy, len);
  lua_pushinteger(L, id);
  return 2;
}

/* 1 when a message has a standard-query header with one well-formed
 * question (what a truncated answer still has) */
static int question_ok(const uint8_t *w, size_t len) {
  size_t i = 12;
  if (len < 12 || (w[2] & 0x78) != 0 || w[4] != 0 || w[5] != 1) return 0;
  while (i < len && w[i]) {
    if (w[i] > 63) return 0;
    i += 1u + w[i];
  }
  return i + 5 <= len;
}

/* core.dns_decode(wire [, expected_id]) -> answer | nil, err
 * answer: { rcode=, records=, id=, tc=, question={name=, type=}, neg_ttl= } */
static int l_decode(lua_State *L) {
  size_t len;
  const char *wire = luaL_checklstring(L, 1, &len);
  int check_id = !lua_isnoneornil(L, 2), tc = 0, qt = 0, r;
  lua_Integer want = luaL_optinteger(L, 2, 0);
  uint16_t id = 0;
  const char *qn = NULL, *tn;
  spfk_answer ans;
  spfk_arena *a;
  if (check_id && (want < 0 || want > 65535)) return luaL_argerror(L, 2, "id must be in 0..65535");
  a = spfk_arena_push(L);
  r = spfk_dns_decode((const uint8_t *)wire, len, a, check_id, (uint16_t)want, NULL, 0,
                      &ans, &tc, &id, &qn, &qt);
  if (r == SPFK_DEC_OOM) return luaL_error(L, "spfkit: out of memory");
  if (r == SPFK_DEC_BAD && tc && question_ok((const uint8_t *)wire, len)) {
    /* a truncated answer may be cut mid-record: what matters is TC */
    lua_createtable(L, 0, 4);
    lua_pushstring(L, spfk_rcode_name(wire[3] & 0x0f));
    lua_setfield(L, -2, "rcode");
    lua_newtable(L);
    lua_setfield(L, -2, "records");
    lua_pushinteger(L, id);
    lua_setfield(L, -2, "id");
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "tc");
    return 1;
  }
  if (r != SPFK_DEC_OK) {
    lua_pushnil(L);
    spfk_push_error(L, spfk_dns_decode_error(r), spfk_dns_decode_message(r), 0);
    return 2;
  }
  spfk_push_answer(L, &ans);
  lua_pushinteger(L, id);
  lua_setfield(L, -2, "id");
  lua_pushboolean(L, tc);
  lua_setfield(L, -2, "tc");
  if (ans.neg_ttl) {
    lua_pushinteger(L, (lua_Integer)ans.neg_ttl);
    lua_setfield(L, -2, "neg_ttl");
  }
  lua_createtable(L, 0, 2);
  lua_pushstring(L, qn);
  lua_setfield(L, -2, "name");
  tn = spfk_type_name(qt);
  if (tn) lua_pushstring(L, tn);
  else lua_pushfstring(L, "TYPE%d", qt);
  lua_setfield(L, -2, "type");
  lua_setfield(L, -2, "question");
  return 1;
}

void spfkit_open_wire(lua_State *L) {
  lua_pushcfunction(L, l_encode);
  lua_setfield(L, -2, "dns_encode");
  lua_pushcfunction(L, l_decode);
  lua_setfield(L, -2, "dns_decode");
}
