/* check_host() (RFC 7208 sections 4 to 6), against any spfk_source.
 *
 * Every (name, type) is asked at most once per check (memo). When the
 * source is deferred and an answer is missing, evaluation stops and the
 * missing queries are returned; independent queries (the addresses of all
 * MX or PTR names of one term) are collected together. The Lua facade
 * fetches them and runs the check again.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include "spfkit.h"

enum { R_NONE, R_NEUTRAL, R_PASS, R_FAIL, R_SOFTFAIL, R_TEMPERROR, R_PERMERROR,
       R_SUSPEND, R_OOM };


#define MAX_DEPTH 20
#define MAX_MEMO 2048

typedef struct memo {
  const char *name;
  int type;
  spfk_answer ans;
} memo;

typedef struct qkey { const char *name; int type; } qkey;

typedef struct pcache pcache;

typedef struct check {
  spfk_arena *a;
  pcache *pc;                /* parsed records by text, or NULL */
  spfk_source *src;
  spfk_ip ip;
  const char *sender; size_t sender_len;
  const char *local; size_t local_len;
  const char *sdomain; size_t sdomain_len;
  const char *helo; size_t helo_len;
  const char *receiver;
  long long now;
  const char *default_exp;
  int max_lookups, max_void, max_mx, max_ptr;
  int lookups, void_lookups;
  memo *memo; int nmemo, capmemo;
  qkey *missing; int nmissing, capmissing;
  /* results */
  const char *mechanism;     /* top-level matching term */
  const char *match_term;    /* deepest matching term */
  const char *match_domain;  /* domain whose record holds it */
  const char *explanation;
  const char *problem;       /* why permerror / temperror */
  const char *problem_code;
  size_t problem_pos;
  const char *record;        /* the top-level record text */
  /* p macro */
  const char *p; int p_done;
  const char *p_domain;
} check;

/* ---- problems -------------------------------------------------------- */

static int problem(check *c, int r, const char *code, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static int problem(check *c, int r, const char *code, const char *fmt, ...) {
  char buf[400];
  va_list ap;
  if (c->problem) return r;   /* keep the first (deepest) cause */
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  c->problem = spfk_memdup(c->a, buf, strlen(buf));
  c->problem_code = code;
  return c->problem ? r : R_OOM;
}

/* ---- DNS through the memo -------------------------------------------- */

static int add_missing(check *c, const char *name, int type) {
  int i;
  for (i = 0; i < c->nmissing; i++)
    if (c->missing[i].type == type && strcmp(c->missing[i].name, name) == 0) return 0;
  if (c->nmissing == c->capmissing) {
    int ncap = c->capmissing ? c->capmissing * 2 : 16;
    qkey *n = spfk_alloc(c->a, sizeof(qkey) * (size_t)ncap);
    if (!n) return -1;
    if (c->nmissing) memcpy(n, c->missing, sizeof(qkey) * (size_t)c->nmissing);
    c->missing = n; c->capmissing = ncap;
  }
  c->missing[c->nmissing].name = name;
  c->missing[c->nmissing].type = type;
  c->nmissing++;
  return 0;
}

/* 1 when name can be asked: labels 1..63 octets, total <= 253 */
static int name_ok(const char *s) {
  size_t n = strlen(s), lab = 0, i;
  if (n == 0 || n > 253) return 0;
  for (i = 0; i < n; i++) {
    if (s[i] == '.') {
      if (lab == 0) return 0;
      lab = 0;
    } else if (++lab > 63) return 0;
  }
  return lab > 0 || n > 0;
}

/* The lower-cased copy of qname[0..n) in one pass that also checks what
 * name_ok checks (NUL bytes end the name there, as strlen would); NULL out
 * of memory, badname_mark when the name cannot be asked. */
static char badname_mark[1];

static char *lower_name(spfk_arena *a, const char *q, size_t n) {
  char *s = spfk_alloc(a, n + 1);
  size_t i, lab = 0;
  if (!s) return NULL;
  for (i = 0; i < n && q[i]; i++) {
    unsigned char ch = (unsigned char)q[i];
    if (ch == '.') {
      if (lab == 0) return badname_mark;
      lab = 0;
    } else if (++lab > 63) return badname_mark;
    s[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
  }
  s[i] = '\0';
  if (i == 0 || i > 253) return badname_mark;
  return s;
}

/* Looks name/type up. Returns R_PASS with *ans set, R_SUSPEND when the
 * source does not have it yet, R_OOM. A name that cannot be asked gives an
 * empty NXDOMAIN-like answer without a query. */
static int lookup(check *c, const char *qname, int type, const spfk_answer **ans) {
  static const spfk_answer badname = { SPFK_RC_NXDOMAIN, 0, NULL, 0, 0, 0, "invalid name" };
  char *name;
  size_t n = strlen(qname);
  int i, r;
  memo *m;
  if (n && qname[n - 1] == '.') n--;
  name = lower_name(c->a, qname, n);
  if (!name) return R_OOM;
  if (name == badname_mark) { *ans = &badname; return R_PASS; }
  for (i = 0; i < c->nmemo; i++)
    if (c->memo[i].type == type && strcmp(c->memo[i].name, name) == 0) {
      *ans = &c->memo[i].ans;
      return R_PASS;
    }
  if (c->nmemo >= MAX_MEMO) { *ans = &badname; return R_PASS; }
  if (c->nmemo == c->capmemo) {
    int ncap = c->capmemo ? c->capmemo * 2 : 32;
    memo *nm = spfk_alloc(c->a, sizeof(memo) * (size_t)ncap);
    if (!nm) return R_OOM;
    if (c->nmemo) memcpy(nm, c->memo, sizeof(memo) * (size_t)c->nmemo);
    c->memo = nm; c->capmemo = ncap;
  }
  m = &c->memo[c->nmemo];
  memset(m, 0, sizeof *m);
  /* sources that do I/O (resolver, deferred answers) report ans.ms
   * themselves; a static zone answers in no time */
  r = c->src ? c->src->lookup(c->src, c->a, name, type, &m->ans) : SPFK_LOOKUP_MISSING;
  if (r == SPFK_LOOKUP_OOM) return R_OOM;
  if (r == SPFK_LOOKUP_MISSING) {
    if (add_missing(c, name, type) < 0) return R_OOM;
    return R_SUSPEND;
  }
  m->name = name;
  m->type = type;
  c->nmemo++;
  *ans = &m->ans;
  return R_PASS;
}

/* records of the asked type in an answer */
static int count_type(const spfk_answer *a, int type) {
  int i, k = 0;
  for (i = 0; i < a->n; i++) if (a->rr[i].type == type) k++;
  return k;
}

static int is_dns_error(const spfk_answer *a) {
  return a->rcode != SPFK_RC_NOERROR && a->rcode != SPFK_RC_NXDOMAIN;
}

/* Counts a void lookup for a mechanism's answer; R_PASS or R_PERMERROR. */
static int count_void(check *c, const spfk_answer *a, int type, const char *name) {
  if (a->rcode == SPFK_RC_NXDOMAIN || (a->rcode == SPFK_RC_NOERROR && count_type(a, type) == 0)) {
    c->void_lookups++;
    if (c->void_lookups > c->max_void)
      return problem(c, R_PERMERROR, "too-many-void-lookups",
                     "more than %d void DNS lookups (last: %s %s)", c->max_void,
                     name, spfk_type_name(type));
  }
  return R_PASS;
}

static int temperror(check *c, const spfk_answer *a, const char *name, int type) {
  return problem(c, R_TEMPERROR, "dns",
                 "DNS %s for %s %s", spfk_rcode_name(a->rcode), name,
                 spfk_type_name(type));
}

/* ---- macros ------------------------------------------------------------ */

static int validated_ptrs(check *c, const char ***names, int *n, int count_voids);

static const char *get_p(void *ud, int *status) {
  check *c = ud;
  const char **names;
  int n, r, i;
  size_t dl;
  if (c->p_done) { *status = 0; return c->p; }
  r = validated_ptrs(c, &names, &n, 0);
  if (r == R_SUSPEND) { *status = 1; return NULL; }
  if (r == R_OOM) { *status = -2; return NULL; }
  c->p = "unknown";
  if (r == R_PASS && n > 0) {
    const char *d = c->p_domain;
    dl = strlen(d);
    c->p = names[0];
    for (i = 0; i < n; i++) {
      size_t l = strlen(names[i]);
      if (strcasecmp(names[i], d) == 0) { c->p = names[i]; break; }
      if (l > dl && names[i][l - dl - 1] == '.' && strcasecmp(names[i] + l - dl, d) == 0) {
        c->p = names[i];
        break;
      }
    }
  }
  c->p_done = 1;
  *status = 0;
  return c->p;
}

/* the macro variables of this check, with d = domain */
static void macro_ctx(check *c, const char *domain, spfk_macro_ctx *m) {
  memset(m, 0, sizeof *m);
  m->sender = c->sender; m->sender_len = c->sender_len;
  m->local = c->local; m->local_len = c->local_len;
  m->sdomain = c->sdomain; m->sdomain_len = c->sdomain_len;
  m->domain = domain; m->domain_len = strlen(domain);
  m->ip = &c->ip;
  m->helo = c->helo; m->helo_len = c->helo_len;
  m->receiver = c->receiver;
  if (c->now < 0) c->now = (long long)time(NULL);   /* %{t}: only when expanding */
  m->now = c->now;
  m->get_p = get_p;
  m->p_ud = c;
  if (!c->p_done) c->p_domain = domain;
}

/* expands a domain-spec (NULL: the current domain) into *out */
static int expand_domain(check *c, const char *domain, const char *spec, size_t n,
                         int mode, char **out) {
  spfk_macro_ctx m;
  size_t outlen;
  const char *why;
  int r;
  macro_ctx(c, domain, &m);
  r = spfk_expand(c->a, &m, spec, n, mode, out, &outlen, &why);
  if (r == 1) return R_SUSPEND;
  if (r == -2) return R_OOM;
  if (r < 0) return problem(c, R_PERMERROR, "bad-macro", "%s", why);
  return R_PASS;
}

/* ---- mechanisms ---------------------------------------------------------- */

static int match_addrs(check *c, const spfk_answer *a, int cidr) {
  int i, type = c->ip.family == 4 ? SPFK_T_A : SPFK_T_AAAA;
  int bits = cidr >= 0 ? cidr : (c->ip.family == 4 ? 32 : 128);
  for (i = 0; i < a->n; i++)
    if (a->rr[i].type == type && spfk_ip_match(a->rr[i].u.addr, c->ip.b, bits)) return 1;
  return 0;
}

static void reverse_name(const spfk_ip *ip, char *out, size_t n) {
  if (ip->family == 4) {
    snprintf(out, n, "%u.%u.%u.%u.in-addr.arpa", ip->b[3], ip->b[2], ip->b[1], ip->b[0]);
  } else {
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    int i;
    for (i = 15; i >= 0; i--) {
      out[k++] = hex[ip->b[i] & 15]; out[k++] = '.';
      out[k++] = hex[ip->b[i] >> 4]; out[k++] = '.';
    }
    snprintf(out + k, n - k, "ip6.arpa");
  }
}

/* RFC 7208 5.5: the validated names of the client IP. DNS errors on the
 * PTR query give no names; errors on the address queries skip the name. */
static int validated_ptrs(check *c, const char ***names, int *n, int count_voids) {
  char rev[80];
  const spfk_answer *pa;
  const char **out;
  int i, k = 0, used = 0, r, suspended = 0;
  int atype = c->ip.family == 4 ? SPFK_T_A : SPFK_T_AAAA;
  *n = 0;
  reverse_name(&c->ip, rev, sizeof rev);
  r = lookup(c, rev, SPFK_T_PTR, &pa);
  if (r != R_PASS) return r;
  if (count_voids && (r = count_void(c, pa, SPFK_T_PTR, rev)) != R_PASS) return r;
  if (is_dns_error(pa)) return R_PASS;
  out = spfk_alloc(c->a, sizeof(char *) * (size_t)(pa->n ? pa->n : 1));
  if (!out) return R_OOM;
  for (i = 0; i < pa->n && used < c->max_ptr; i++) {
    const spfk_answer *aa;
    if (pa->rr[i].type != SPFK_T_PTR) continue;
    used++;
    r = lookup(c, pa->rr[i].u.host, atype, &aa);
    if (r == R_SUSPEND) { suspended = 1; continue; }
    if (r != R_PASS) return r;
    if (count_voids && (r = count_void(c, aa, atype, pa->rr[i].u.host)) != R_PASS) return r;
    if (!is_dns_error(aa) && match_addrs(c, aa, -1)) out[k++] = pa->rr[i].u.host;
  }
  if (suspended) return R_SUSPEND;
  *names = out;
  *n = k;
  return R_PASS;
}

static int check_host(check *c, const char *domain, int depth, int *lookups_here);

/* the strings of one TXT record joined (RFC 7208 3.3); -1 on OOM,
 * b->p NULL when the record is empty */
static int txt_join(check *c, const spfk_rr *rr, spfk_buf *b) {
  int j;
  spfk_buf_init(b, c->a);
  for (j = 0; j < rr->u.txt.n; j++) spfk_buf_add(b, rr->u.txt.s[j], rr->u.txt.len[j]);
  return b->oom ? -1 : 0;
}

/* Fetches and selects the SPF record of domain (RFC 7208 4.4, 4.5).
 * R_PASS with *rec set, R_NONE, R_PERMERROR, R_TEMPERROR, R_SUSPEND, R_OOM. */
static int get_record(check *c, const char *domain, int count_voids,
                      const char **text, size_t *len) {
  const spfk_answer *a;
  int i, found = 0, r = lookup(c, domain, SPFK_T_TXT, &a);
  if (r != R_PASS) return r;
  if (count_voids && (r = count_void(c, a, SPFK_T_TXT, domain)) != R_PASS) return r;
  if (a->rcode == SPFK_RC_NXDOMAIN) return R_NONE;
  if (is_dns_error(a)) return temperror(c, a, domain, SPFK_T_TXT);
  for (i = 0; i < a->n; i++) {
    const spfk_rr *rr = &a->rr[i];
    spfk_buf b;
    if (rr->type != SPFK_T_TXT) continue;
    if (txt_join(c, rr, &b) < 0) return R_OOM;
    if (!b.p) continue;
    if (!spfk_is_spf(b.p, b.len)) continue;
    if (++found > 1)
      return problem(c, R_PERMERROR, "multiple-records",
                     "%s publishes more than one SPF record", domain);
    *text = b.p;
    *len = b.len;
  }
  return found ? R_PASS : R_NONE;
}

static int count_term(check *c, const spfk_term *t) {
  if (++c->lookups > c->max_lookups)
    return problem(c, R_PERMERROR, "too-many-lookups",
                   "more than %d DNS-querying terms (at '%.*s')", c->max_lookups,
                   (int)(t->text_len > 100 ? 100 : t->text_len), t->text);
  return R_PASS;
}

/* evaluates one mechanism: R_PASS (match), R_NONE (no match), or an error */
static int eval_term(check *c, const spfk_term *t, const char *domain, int depth) {
  char *target = (char *)domain;
  const spfk_answer *a;
  int r, atype = c->ip.family == 4 ? SPFK_T_A : SPFK_T_AAAA;
  switch (t->mech) {
  case SPFK_M_ALL: return R_PASS;
  case SPFK_M_IP4:
    return c->ip.family == 4 && spfk_ip_match(t->addr, c->ip.b, t->cidr4 >= 0 ? t->cidr4 : 32)
           ? R_PASS : R_NONE;
  case SPFK_M_IP6:
    return c->ip.family == 6 && spfk_ip_match(t->addr, c->ip.b, t->cidr6 >= 0 ? t->cidr6 : 128)
           ? R_PASS : R_NONE;
  default: break;
  }
  if ((r = count_term(c, t)) != R_PASS) return r;
  if (t->domain) {
    r = expand_domain(c, domain, t->domain, t->domain_len, SPFK_EXPAND_DOMAIN, &target);
    if (r != R_PASS) return r;
    if (!*target) return problem(c, R_PERMERROR, "bad-domain", "'%.*s' expands to an empty domain",
                                 (int)t->text_len, t->text);
  }
  switch (t->mech) {
  case SPFK_M_INCLUDE: {
    int sub = 0;
    r = check_host(c, target, depth + 1, &sub);
    switch (r) {
    case R_PASS: return R_PASS;
    case R_FAIL: case R_SOFTFAIL: case R_NEUTRAL:
      c->match_term = NULL;   /* what matched inside does not count */
      return R_NONE;
    case R_NONE:
      return problem(c, R_PERMERROR, "include-no-record",
                     "included domain %s has no SPF record", target);
    default: return r;
    }
  }
  case SPFK_M_A:
  case SPFK_M_EXISTS: {
    int type = t->mech == SPFK_M_EXISTS ? SPFK_T_A : atype;
    r = lookup(c, target, type, &a);
    if (r != R_PASS) return r;
    if (is_dns_error(a)) return temperror(c, a, target, type);
    if ((r = count_void(c, a, type, target)) != R_PASS) return r;
    if (t->mech == SPFK_M_EXISTS) return count_type(a, SPFK_T_A) ? R_PASS : R_NONE;
    return match_addrs(c, a, c->ip.family == 4 ? t->cidr4 : t->cidr6) ? R_PASS : R_NONE;
  }
  case SPFK_M_MX: {
    int i, nmx = 0, suspended = 0, matched = 0;
    r = lookup(c, target, SPFK_T_MX, &a);
    if (r != R_PASS) return r;
    if (is_dns_error(a)) return temperror(c, a, target, SPFK_T_MX);
    if ((r = count_void(c, a, SPFK_T_MX, target)) != R_PASS) return r;
    nmx = count_type(a, SPFK_T_MX);
    if (nmx > c->max_mx)
      return problem(c, R_PERMERROR, "too-many-mx",
                     "%s has %d MX records (more than %d)", target, nmx, c->max_mx);
    /* ask every exchange's addresses (together in deferred mode) */
    for (i = 0; i < a->n; i++) {
      const spfk_answer *aa;
      if (a->rr[i].type != SPFK_T_MX) continue;
      r = lookup(c, a->rr[i].u.mx.host, atype, &aa);
      if (r == R_SUSPEND) { suspended = 1; continue; }
      if (r != R_PASS) return r;
      if (suspended) continue;
      if (is_dns_error(aa)) return temperror(c, aa, a->rr[i].u.mx.host, atype);
      if ((r = count_void(c, aa, atype, a->rr[i].u.mx.host)) != R_PASS) return r;
      if (match_addrs(c, aa, c->ip.family == 4 ? t->cidr4 : t->cidr6)) { matched = 1; break; }
    }
    if (suspended) return R_SUSPEND;
    return matched ? R_PASS : R_NONE;
  }
  case SPFK_M_PTR: {
    const char **names;
    int n, i;
    size_t tl = strlen(target);
    r = validated_ptrs(c, &names, &n, 1);
    if (r != R_PASS) return r;
    for (i = 0; i < n; i++) {
      size_t l = strlen(names[i]);
      if (strcasecmp(names[i], target) == 0) return R_PASS;
      if (l > tl && names[i][l - tl - 1] == '.' && strcasecmp(names[i] + l - tl, target) == 0)
        return R_PASS;
    }
    return R_NONE;
  }
  }
  return R_NONE;
}

static int qual_result(char q) {
  switch (q) {
  case '-': return R_FAIL;
  case '~': return R_SOFTFAIL;
  case '?': return R_NEUTRAL;
  default: return R_PASS;
  }
}

/* RFC 7208 6.2: the explanation of a fail, from exp=; failures are ignored */
static int explain(check *c, const spfk_record *rec, const char *domain) {
  const spfk_mod *md = &rec->mods[rec->exp];
  char *target, *text;
  const spfk_answer *a;
  const spfk_rr *found = NULL;
  const char *why;
  spfk_macro_ctx m;
  spfk_buf b;
  size_t outlen;
  int r, i;
  const char *saved = c->problem, *saved_code = c->problem_code;
  r = expand_domain(c, domain, md->value, md->value_len, SPFK_EXPAND_DOMAIN, &target);
  if (r == R_SUSPEND || r == R_OOM) return r;
  if (r != R_PASS || !*target) {   /* a bad exp= is ignored (RFC 7208 6.2) */
    c->problem = saved;
    c->problem_code = saved_code;
    return R_PASS;
  }
  r = lookup(c, target, SPFK_T_TXT, &a);
  if (r != R_PASS) return r;
  if (a->rcode != SPFK_RC_NOERROR || count_type(a, SPFK_T_TXT) != 1) return R_PASS;
  for (i = 0; i < a->n; i++) if (a->rr[i].type == SPFK_T_TXT) found = &a->rr[i];
  if (txt_join(c, found, &b) < 0) return R_OOM;
  if (!b.p) return R_PASS;
  if (spfk_check_macro_string(b.p, b.len, 0, 1, &why)) return R_PASS;
  macro_ctx(c, domain, &m);
  r = spfk_expand(c->a, &m, b.p, b.len, SPFK_EXPAND_EXP, &text, &outlen, &why);
  if (r == 1) return R_SUSPEND;
  if (r == -2) return R_OOM;
  if (r == 0) c->explanation = text;
  return R_PASS;
}

/* ---- parsed records, cached by text ------------------------------------ */

/* A record's parse depends on its text alone, so parsed records are kept
 * across checks by text, whatever source gave them (no invalidation). The
 * cache belongs to the closure's cached arena and is only used by the
 * check that holds it; when it holds PCACHE_MAX records or PCACHE_BYTES
 * bytes of text it is emptied. A record that does not parse is kept with
 * its error (code, message, position: nothing points into the text). */
#define PCACHE_BUCKETS 256
#define PCACHE_MAX 512
#define PCACHE_BYTES 65536

typedef struct pentry {
  struct pentry *next;
  size_t len;
  const char *text;
  int r;                 /* spfk_parse's 0 (rec) or -1 (err) */
  spfk_record rec;
  spfk_error err;
} pentry;

struct pcache {
  spfk_arena *a;
  pentry *bucket[PCACHE_BUCKETS];
  int n;
  size_t bytes;
};

/* O(1) hash: the length and up to 16 bytes sampled across the text (the
 * texts are compared in full on a hit) */
static unsigned pcache_hash(const char *t, size_t len) {
  unsigned h = (unsigned)len * 2654435761u;
  size_t step = (len >> 4) + 1, i;
  for (i = 0; i < len; i += step) h = (h ^ (unsigned char)t[i]) * 16777619u;
  if (len) h = (h ^ (unsigned char)t[len - 1]) * 16777619u;
  return h % PCACHE_BUCKETS;
}

static void pcache_clear(pcache *pc) {
  spfk_arena_reset(pc->a);
  memset(pc->bucket, 0, sizeof pc->bucket);
  pc->n = 0;
  pc->bytes = 0;
}

static pcache *pcache_new(void) {
  pcache *pc = calloc(1, sizeof *pc);
  if (pc && !(pc->a = spfk_arena_new())) { free(pc); pc = NULL; }
  return pc;
}

static void pcache_free(pcache *pc) {
  if (!pc) return;
  spfk_arena_free(pc->a);
  free(pc);
}

/* the arena reused across checks and its parse cache (an upvalue of the
 * check closures; lent to one check at a time) */
typedef struct { spfk_arena *a; pcache *pc; int busy; } arena_slot;

/* spfk_parse through the cache: the same results and error */
static int parse_record(check *c, const char *text, size_t len, spfk_record *rec,
                        spfk_error *err) {
  pcache *pc = c->pc;
  pentry *e;
  unsigned h;
  int r;
  if (!pc || len > PCACHE_BYTES / 4) return spfk_parse(c->a, text, len, rec, err);
  h = pcache_hash(text, len);
  for (e = pc->bucket[h]; e; e = e->next)
    if (e->len == len && memcmp(e->text, text, len) == 0) {
      if (e->r < 0) { *err = e->err; return -1; }
      *rec = e->rec;
      return 0;
    }
  if (pc->n >= PCACHE_MAX || pc->bytes + len > PCACHE_BYTES) pcache_clear(pc);
  e = spfk_alloc(pc->a, sizeof *e);
  if (e && (e->text = spfk_memdup(pc->a, text, len))) {
    pc->bytes += len;
    r = spfk_parse(pc->a, e->text, len, &e->rec, &e->err);
    if (r == 0 || r == -1) {
      e->r = r;
      e->len = len;
      e->next = pc->bucket[h];
      pc->bucket[h] = e;
      pc->n++;
      if (r < 0) { *err = e->err; return -1; }
      *rec = e->rec;
      return 0;
    }
  }
  return spfk_parse(c->a, text, len, rec, err);
}

/* check_host(domain) at include depth `depth` */
static int check_host(check *c, const char *domain, int depth, int *unused) {
  const char *text;
  size_t len;
  spfk_record rec;
  spfk_error err;
  int r, i;
  (void)unused;
  if (depth > MAX_DEPTH)
    return problem(c, R_PERMERROR, "too-deep", "include/redirect nesting deeper than %d", MAX_DEPTH);
  for (;;) {   /* one iteration per record of a redirect chain */
    r = get_record(c, domain, depth > 0 || c->record != NULL, &text, &len);
    if (r != R_PASS) return r;
    if (depth == 0 && !c->record) c->record = text;
    r = parse_record(c, text, len, &rec, &err);
    if (r == -2) return R_OOM;
    if (r < 0) {
      r = problem(c, R_PERMERROR, err.code, "%s (record of %s)", err.message, domain);
      if (!c->problem_pos) c->problem_pos = err.position;
      return r;
    }
    for (i = 0; i < rec.nterms; i++) {
      const spfk_term *t = &rec.terms[i];
      r = eval_term(c, t, domain, depth);
      if (r == R_NONE) continue;
      if (r != R_PASS) return r;
      r = qual_result(t->qual);
      if (depth == 0) c->mechanism = spfk_memdup(c->a, t->text, t->text_len);
      if (!c->match_term) {   /* the deepest matching term */
        c->match_term = spfk_memdup(c->a, t->text, t->text_len);
        c->match_domain = domain;
      }
      if (r == R_FAIL && depth == 0 && rec.exp >= 0) {
        int e = explain(c, &rec, domain);
        if (e == R_SUSPEND || e == R_OOM) return e;
      }
      return r;
    }
    if (rec.redirect < 0) return R_NEUTRAL;
    {
      const spfk_mod *md = &rec.mods[rec.redirect];
      spfk_term pseudo;
      char *target;
      memset(&pseudo, 0, sizeof pseudo);
      pseudo.text = md->text; pseudo.text_len = md->text_len;
      if ((r = count_term(c, &pseudo)) != R_PASS) return r;
      r = expand_domain(c, domain, md->value, md->value_len, SPFK_EXPAND_DOMAIN, &target);
      if (r != R_PASS) return r;
      if (!*target || !name_ok(target) || !strchr(target, '.'))
        return problem(c, R_PERMERROR, "redirect-no-record",
                       "redirect target '%s' is not a valid domain", target);
      r = get_record(c, target, 1, &text, &len);
      if (r == R_NONE)
        return problem(c, R_PERMERROR, "redirect-no-record",
                       "redirect domain %s has no SPF record", target);
      if (r != R_PASS) return r;
      domain = target;
      if (++depth > MAX_DEPTH)
        return problem(c, R_PERMERROR, "too-deep", "redirect chain longer than %d", MAX_DEPTH);
      /* evaluate the target at the same include depth: loop again */
      depth--;
      c->match_term = NULL;
      continue;
    }
  }
}

/* RFC 7208 4.3: a malformed domain gives none without any query */
static int domain_ok(const char *d, size_t n) {
  size_t i, lab = 0, labels = 0;
  if (n && d[n - 1] == '.') n--;
  if (n == 0 || n > 253 || d[0] == '[') return 0;
  for (i = 0; i < n; i++) {
    if (d[i] == '.') {
      if (lab == 0) return 0;
      lab = 0; labels++;
    } else if (++lab > 63) return 0;
  }
  if (lab == 0) return 0;
  return labels >= 1;   /* at least two labels */
}

/* ---- Lua binding -------------------------------------------------------- */

/* The trace travels as one compact string, decoded by core.trace_decode
 * only when a caller reads result.trace (building it eagerly cost more than
 * the evaluation itself). Layout per query, native byte order:
 *   u16 namelen, name, u8 type, i8 rcode, u8 cached, double ms, u16 count,
 *   then count records of the asked type:
 *     A: 4 bytes | AAAA: 16 | MX: u16 pref, u16 len, host
 *     TXT/SPF: u16 nstrings, { u32 len, bytes } | other: u16 len, host */
/* The blob is written in two passes over the memo by the same code: one
 * that counts (w->p NULL), one that writes into a buffer of that size. */
typedef struct { char *p; size_t n; } wr;

static void put(wr *w, const void *src, size_t n) {
  if (w->p && n) memcpy(w->p + w->n, src, n);
  w->n += n;
}
static void put8(wr *w, uint8_t v) { put(w, &v, 1); }
static void put16(wr *w, unsigned v) { uint16_t x = (uint16_t)v; put(w, &x, 2); }
static void put32(wr *w, size_t v) { uint32_t x = (uint32_t)v; put(w, &x, 4); }

static void put_host(wr *w, const char *h) {
  size_t n = strlen(h);
  if (n > 65535) n = 65535;
  put16(w, (unsigned)n);
  put(w, h, n);
}

static void put_rr(wr *w, const spfk_rr *rr) {
  switch (rr->type) {
  case SPFK_T_A: put(w, rr->u.addr, 4); break;
  case SPFK_T_AAAA: put(w, rr->u.addr, 16); break;
  case SPFK_T_MX: put16(w, rr->u.mx.pref); put_host(w, rr->u.mx.host); break;
  case SPFK_T_TXT: case SPFK_T_SPF: {
    int s, ns = rr->u.txt.n > 65535 ? 65535 : rr->u.txt.n;
    put16(w, (unsigned)ns);
    for (s = 0; s < ns; s++) {
      put32(w, rr->u.txt.len[s]);
      put(w, rr->u.txt.s[s], rr->u.txt.len[s]);
    }
    break;
  }
  default: put_host(w, rr->u.host ? rr->u.host : ""); break;
  }
}

static void put_memo(wr *w, const memo *m) {
  int j, k, count = 0;
  put_host(w, m->name);
  put8(w, (uint8_t)m->type);
  put8(w, (uint8_t)(int8_t)m->ans.rcode);
  put8(w, (uint8_t)(m->ans.cached != 0));
  put(w, &m->ans.ms, sizeof(double));
  for (j = 0; j < m->ans.n; j++) if (m->ans.rr[j].type == m->type) count++;
  if (count > 65535) count = 65535;
  put16(w, (unsigned)count);
  for (j = 0, k = 0; j < m->ans.n && k < count; j++) {
    if (m->ans.rr[j].type != m->type) continue;
    k++;
    put_rr(w, &m->ans.rr[j]);
  }
}

/* [-0, +1] pushes the trace blob of the check; 0, or -1 out of memory */
static int push_trace(lua_State *L, const check *c) {
  wr w = { NULL, 0 };
  int i;
  for (i = 0; i < c->nmemo; i++) put_memo(&w, &c->memo[i]);
  if (w.n == 0) { lua_pushliteral(L, ""); return 0; }
  w.p = spfk_alloc(c->a, w.n);
  if (!w.p) return -1;
  w.n = 0;
  for (i = 0; i < c->nmemo; i++) put_memo(&w, &c->memo[i]);
  lua_pushlstring(L, w.p, w.n);
  return 0;
}

/* reader over a blob; every read is bounds-checked */
typedef struct { const char *p; size_t left; int bad; } rd;

static const char *take(rd *r, size_t n) {
  const char *p = r->p;
  if (r->bad || n > r->left) { r->bad = 1; return NULL; }
  r->p += n; r->left -= n;
  return p;
}
static unsigned get16(rd *r) { uint16_t x = 0; const char *p = take(r, 2); if (p) memcpy(&x, p, 2); return x; }
static size_t get32(rd *r) { uint32_t x = 0; const char *p = take(r, 4); if (p) memcpy(&x, p, 4); return x; }

static void push_host(lua_State *L, rd *r) {
  size_t n = get16(r);
  const char *p = take(r, n);
  lua_pushlstring(L, p ? p : "", p ? n : 0);
}

/* core.trace_decode(blob) -> { {name, type, rcode, answers, ms, cached}, ... } */
static int l_trace_decode(lua_State *L) {
  size_t len;
  rd r;
  int i = 0;
  r.p = luaL_checklstring(L, 1, &len);
  r.left = len;
  r.bad = 0;
  lua_newtable(L);
  while (r.left > 0 && !r.bad) {
    const char *p;
    uint8_t t = 0, cached = 0;
    int8_t rc = 0;
    double ms = 0;
    unsigned count, k;
    lua_createtable(L, 0, 6);
    push_host(L, &r);
    lua_setfield(L, -2, "name");
    if ((p = take(&r, 1))) t = (uint8_t)*p;
    if ((p = take(&r, 1))) rc = (int8_t)*p;
    if ((p = take(&r, 1))) cached = (uint8_t)*p;
    if ((p = take(&r, sizeof ms))) memcpy(&ms, p, sizeof ms);
    lua_pushstring(L, spfk_type_name(t) ? spfk_type_name(t) : "?");
    lua_setfield(L, -2, "type");
    lua_pushstring(L, spfk_rcode_name(rc));
    lua_setfield(L, -2, "rcode");
    lua_pushnumber(L, ms);
    lua_setfield(L, -2, "ms");
    if (cached) { lua_pushboolean(L, 1); lua_setfield(L, -2, "cached"); }
    count = get16(&r);
    lua_createtable(L, (int)count, 0);
    for (k = 0; k < count && !r.bad; k++) {
      char buf[64];
      switch (t) {
      case SPFK_T_A: case SPFK_T_AAAA:
        p = take(&r, t == SPFK_T_A ? 4 : 16);
        if (!p) break;
        {
          spfk_ip ip;
          ip.family = t == SPFK_T_A ? 4 : 6;
          memcpy(ip.b, p, t == SPFK_T_A ? 4 : 16);
          spfk_format_ip(&ip, buf, sizeof buf);
        }
        lua_pushstring(L, buf);
        break;
      case SPFK_T_MX:
        lua_createtable(L, 2, 0);
        lua_pushinteger(L, (lua_Integer)get16(&r));
        lua_rawseti(L, -2, 1);
        push_host(L, &r);
        lua_rawseti(L, -2, 2);
        break;
      case SPFK_T_TXT: case SPFK_T_SPF: {
        unsigned ns = get16(&r), s;
        lua_createtable(L, (int)ns, 0);
        for (s = 0; s < ns && !r.bad; s++) {
          size_t n = get32(&r);
          p = take(&r, n);
          lua_pushlstring(L, p ? p : "", p ? n : 0);
          lua_rawseti(L, -2, (int)s + 1);
        }
        break;
      }
      default:
        push_host(L, &r);
      }
      if (r.bad) break;
      lua_rawseti(L, -2, (int)k + 1);
    }
    if (r.bad) return luaL_argerror(L, 1, "not a trace");
    lua_setfield(L, -2, "answers");
    lua_rawseti(L, -2, ++i);
  }
  if (r.bad) return luaL_argerror(L, 1, "not a trace");
  return 1;
}

/* ---- Lua binding: options in, result table out --------------------------- */

/* Every field name and constant value the binding reads or writes, interned
 * once as an upvalue of the evaluation closure (UV(S_...)): pushing one is
 * a copy, where lua_getfield/lua_setfield/lua_pushstring with a C string
 * hash or compare the text on every call. The first entries are the result
 * names, in R_* order. */
enum {
  S_IP = R_PERMERROR + 1, S_SENDER, S_HELO, S_RECEIVER, S_DEFAULT_EXP, S_NOW,
  S_DNS, S_LIMITS, S_LOOKUPS, S_VOID_LOOKUPS, S_MX, S_PTR, S_IDENTITY,
  S_MAILFROM, S_MISSING, S_NAME, S_TYPE, S_RESULT, S_DOMAIN, S_EXPLANATION,
  S_MECHANISM, S_MATCHED_TERM, S_MATCHED_DOMAIN, S_RECORD, S_PROBLEM,
  S_PROBLEM_CODE, S_PROBLEM_POSITION, S_SOURCE_FIELD, S_COUNT
};

static const char *const strs[S_COUNT] = {
  "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror",
  "ip", "sender", "helo", "receiver", "default_explanation", "now",
  "dns", "limits", "lookups", "void_lookups", "mx", "ptr", "identity",
  "mailfrom", "missing", "name", "type", "result", "domain", "explanation",
  "mechanism", "matched_term", "matched_domain", "record", "problem",
  "problem_code", "problem_position", SPFKIT_SOURCE_FIELD
};

#define UV(s) lua_upvalueindex(1 + (s))

/* Stack slots of the evaluation closure: the options, the arena (light
 * userdata, or nil: then a fresh one is pushed later), then the options
 * (nil when absent), kept so the result reuses the caller's strings. The
 * facade's checks (below) collect the options into the same slots, plus
 * three it checks but the engine does not read. */
enum { SLOT_OPTS = 1, SLOT_ARENA, SLOT_IP, SLOT_SENDER, SLOT_HELO, SLOT_RECEIVER,
       SLOT_DEFAULT_EXP, SLOT_NOW, SLOT_DNS, SLOT_LIMITS, SLOT_ENGINE, SLOT_QUERY,
       SLOT_QUERY_MANY, SLOT_AUTHSERV_ID };

/* [-0, +1] opts[strs[s]], which must be a string or nil; returns it */
static const char *opt_string(lua_State *L, int s, size_t *n) {
  lua_pushvalue(L, UV(s));
  lua_gettable(L, SLOT_OPTS);
  if (lua_isnil(L, -1)) { if (n) *n = 0; return NULL; }
  if (lua_type(L, -1) != LUA_TSTRING)
    luaL_error(L, "spfkit.check: '%s' must be a string", strs[s]);
  return lua_tolstring(L, -1, n);
}

/* limits[strs[s]] of the limits table at t, def when absent (0..1000) */
static int opt_limit(lua_State *L, int t, int s, int def) {
  lua_Integer v;
  lua_pushvalue(L, UV(s));
  lua_gettable(L, t);
  if (lua_isnil(L, -1)) { lua_pop(L, 1); return def; }
  if (!lua_isnumber(L, -1)) luaL_error(L, "spfkit.check: limits.%s must be a number", strs[s]);
  v = lua_tointeger(L, -1);
  lua_pop(L, 1);
  if (v < 0 || v > 1000) luaL_error(L, "spfkit.check: limits.%s out of range", strs[s]);
  return (int)v;
}

/* the source behind the value at idx (metatable marked SPFKIT_SOURCE_FIELD) */
static spfk_source *to_source(lua_State *L, int idx) {
  void *p = lua_touserdata(L, idx);
  int is;
  if (!p || !lua_getmetatable(L, idx)) return NULL;
  lua_pushvalue(L, UV(S_SOURCE_FIELD));
  lua_rawget(L, -2);
  is = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return is ? (spfk_source *)p : NULL;
}

/* [-0, +1] opts[strs[s]] into the next slot */
static void opt_get(lua_State *L, int s) {
  lua_pushvalue(L, UV(s));
  lua_gettable(L, SLOT_OPTS);
}

/* reads now, dns and limits from their slots into c */
static void read_options(lua_State *L, check *c) {
  c->now = lua_isnumber(L, SLOT_NOW) ? (long long)lua_tonumber(L, SLOT_NOW) : -1;   /* -1: time() when %{t} needs it */
  if (!lua_isnil(L, SLOT_DNS)) {
    c->src = to_source(L, SLOT_DNS);
    if (!c->src) luaL_error(L, "spfkit.check: 'dns' is not a DNS source");
  }
  c->max_lookups = SPFK_LIMIT_LOOKUPS; c->max_void = SPFK_LIMIT_VOID;
  c->max_mx = SPFK_LIMIT_MX; c->max_ptr = SPFK_LIMIT_PTR;
  if (lua_istable(L, SLOT_LIMITS)) {
    c->max_lookups = opt_limit(L, SLOT_LIMITS, S_LOOKUPS, SPFK_LIMIT_LOOKUPS);
    c->max_void = opt_limit(L, SLOT_LIMITS, S_VOID_LOOKUPS, SPFK_LIMIT_VOID);
    c->max_mx = opt_limit(L, SLOT_LIMITS, S_MX, SPFK_LIMIT_MX);
    c->max_ptr = opt_limit(L, SLOT_LIMITS, S_PTR, SPFK_LIMIT_PTR);
  }
}

/* The identity checked: MAIL FROM, or postmaster@HELO when the sender has
 * no domain (RFC 7208 2.3/2.4). Sets c's sender, local part and sender
 * domain; returns S_MAILFROM or S_HELO, 0 when there is no identity at
 * all, -1 when out of memory. */
static int set_identity(check *c, const char *sender, size_t sl,
                        const char *helo, size_t hl) {
  const char *at = NULL, *p;
  if (sender) for (p = sender + sl; p > sender; p--) if (p[-1] == '@') { at = p - 1; break; }
  c->helo = helo; c->helo_len = hl;
  if (!sender || sl == 0 || (at && at == sender + sl - 1)) {
    char *s;
    if (hl == 0) return 0;
    s = spfk_alloc(c->a, hl + 12);
    if (!s) return -1;
    memcpy(s, "postmaster@", 11);
    memcpy(s + 11, helo, hl);
    s[hl + 11] = '\0';
    c->sender = s; c->sender_len = hl + 11;
    c->local = "postmaster"; c->local_len = 10;
    c->sdomain = helo; c->sdomain_len = hl;
    return S_HELO;
  }
  c->sender = sender; c->sender_len = sl;
  c->sdomain = sender; c->sdomain_len = sl;
  if (at) {
    c->local = sender; c->local_len = (size_t)(at - sender);
    c->sdomain = at + 1; c->sdomain_len = sl - c->local_len - 1;
  }
  if (c->local_len == 0) { c->local = "postmaster"; c->local_len = 10; }
  return S_MAILFROM;
}

/* check_host() of the sender domain (none without a query when it is not
 * a valid name, RFC 7208 4.3); *domain gets it without a trailing dot */
static int check_sender_domain(check *c, const char **domain) {
  int dummy = 0;
  size_t dl = c->sdomain_len;
  char *d = spfk_memdup(c->a, c->sdomain, dl);
  if (!d) return R_OOM;
  if (dl && d[dl - 1] == '.') d[dl - 1] = '\0';
  *domain = d;
  if (memchr(c->sdomain, '\0', dl) || !domain_ok(c->sdomain, dl)) {
    problem(c, R_NONE, "bad-domain", "'%s' is not a valid domain name", d);
    return R_NONE;
  }
  return check_host(c, d, 0, &dummy);
}

/* [-0, +1] a C string from the arena: with its length, so that Lua 5.4's
 * lua_pushstring cache (keyed by address, which the reused arena makes
 * meaningless) is not consulted */
static void push_text(lua_State *L, const char *v) {
  lua_pushlstring(L, v, strlen(v));
}

/* [-0, +0] t[strs[s]] = value on top, into the fresh table below it */
static void set_top(lua_State *L, int s) {
  lua_pushvalue(L, UV(s));
  lua_insert(L, -2);
  lua_rawset(L, -3);
}

static void set_string(lua_State *L, int s, const char *v) {
  if (!v) return;
  lua_pushvalue(L, UV(s));
  push_text(L, v);
  lua_rawset(L, -3);
}

static void set_slot(lua_State *L, int s, int slot) {
  lua_pushvalue(L, UV(s));
  lua_pushvalue(L, slot);
  lua_rawset(L, -3);
}

static void set_int(lua_State *L, int s, lua_Integer v) {
  lua_pushvalue(L, UV(s));
  lua_pushinteger(L, v);
  lua_rawset(L, -3);
}

/* [-0, +0] t[strs[s]] = the value at idx (t, idx absolute) */
static void field_at(lua_State *L, int t, int s, int idx) {
  lua_pushvalue(L, UV(s));
  lua_pushvalue(L, idx);
  lua_rawset(L, t);
}

static void set_string_at(lua_State *L, int t, int s, const char *v) {
  if (!v) return;
  lua_pushvalue(L, UV(s));
  push_text(L, v);
  lua_rawset(L, t);
}

/* [-0, +0] result.missing = { {name=, type=}, ... } into the table on top */
static void set_missing(lua_State *L, const check *c) {
  int i;
  lua_pushvalue(L, UV(S_MISSING));
  lua_createtable(L, c->nmissing, 0);
  for (i = 0; i < c->nmissing; i++) {
    lua_createtable(L, 0, 2);
    set_string(L, S_NAME, c->missing[i].name);
    set_string(L, S_TYPE, spfk_type_name(c->missing[i].type));
    lua_rawseti(L, -2, i + 1);
  }
  lua_rawset(L, -3);
}

/* [-0, +0] the verdict fields into the result table on top */
static void set_verdict(lua_State *L, const check *c, int r, const char *domain) {
  int t = lua_gettop(L), dom = t + 1, mech = 0;
  lua_pushvalue(L, UV(S_RESULT));
  lua_pushvalue(L, UV(r));
  lua_rawset(L, t);
  push_text(L, domain);                       /* dom: reused below */
  field_at(L, t, S_DOMAIN, dom);
  if (r == R_FAIL) {
    if (c->explanation) set_string_at(L, t, S_EXPLANATION, c->explanation);
    else if (c->default_exp) field_at(L, t, S_EXPLANATION, SLOT_DEFAULT_EXP);
  }
  if (c->mechanism) {
    push_text(L, c->mechanism);
    mech = lua_gettop(L);
    field_at(L, t, S_MECHANISM, mech);
  }
  if (c->match_term) {
    if (mech && strcmp(c->match_term, c->mechanism) == 0) field_at(L, t, S_MATCHED_TERM, mech);
    else set_string_at(L, t, S_MATCHED_TERM, c->match_term);
    if (c->match_domain && strcmp(c->match_domain, domain) == 0) field_at(L, t, S_MATCHED_DOMAIN, dom);
    else set_string_at(L, t, S_MATCHED_DOMAIN, c->match_domain);
  }
  lua_settop(L, t);
  set_string(L, S_RECORD, c->record);
  if (c->problem && (r == R_PERMERROR || r == R_TEMPERROR || r == R_NONE)) {
    set_string(L, S_PROBLEM, c->problem);
    set_string(L, S_PROBLEM_CODE, c->problem_code);
    if (c->problem_pos) set_int(L, S_PROBLEM_POSITION, (lua_Integer)c->problem_pos);
  }
  set_int(L, S_LOOKUPS, c->lookups);
  set_int(L, S_VOID_LOOKUPS, c->void_lookups);
}

/* dotted quad of b into out (16 bytes), without printf; returns the length */
static size_t format_ip4(const uint8_t *b, char *out) {
  size_t k = 0;
  int i;
  for (i = 0; i < 4; i++) {
    unsigned v = b[i];
    if (i) out[k++] = '.';
    if (v >= 100) out[k++] = (char)('0' + v / 100);
    if (v >= 10) out[k++] = (char)('0' + v / 10 % 10);
    out[k++] = (char)('0' + v % 10);
  }
  out[k] = '\0';
  return k;
}

/* [-0, +0] the identities into the result table on top; the caller's
 * strings are reused when the result holds them unchanged */
static void set_identities(lua_State *L, const check *c, const char *ipstr, size_t iplen) {
  char buf[64];
  size_t n;
  if (c->ip.family == 4) n = format_ip4(c->ip.b, buf);
  else { spfk_format_ip(&c->ip, buf, sizeof buf); n = strlen(buf); }
  lua_pushvalue(L, UV(S_IP));
  if (n == iplen && memcmp(buf, ipstr, n) == 0) lua_pushvalue(L, SLOT_IP);
  else lua_pushlstring(L, buf, n);
  lua_rawset(L, -3);
  if (lua_type(L, SLOT_SENDER) == LUA_TSTRING && c->sender == lua_tostring(L, SLOT_SENDER))
    set_slot(L, S_SENDER, SLOT_SENDER);
  else {
    lua_pushlstring(L, c->sender, c->sender_len);
    set_top(L, S_SENDER);
  }
  if (c->helo_len) set_slot(L, S_HELO, SLOT_HELO);
  if (c->receiver) set_slot(L, S_RECEIVER, SLOT_RECEIVER);
}

/* Evaluates with the arena in c->a; pushes the result and the trace blob,
 * or nil and an error. Raises on OOM (l_check releases the arena). */
static int evaluate(lua_State *L, check *c, const char *ipstr, size_t iplen) {
  const char *sender, *helo, *domain = NULL;
  size_t sl = 0, hl = 0;
  int identity, r;
  sender = lua_tolstring(L, SLOT_SENDER, &sl);
  helo = lua_tolstring(L, SLOT_HELO, &hl);
  identity = set_identity(c, sender, sl, helo ? helo : "", helo ? hl : 0);
  if (identity < 0) return luaL_error(L, "spfkit: out of memory");
  if (!identity) {
    lua_pushnil(L);
    spfk_push_error(L, "bad-sender", "no sender domain and no HELO name to check", 0);
    return 2;
  }
  r = check_sender_domain(c, &domain);
  if (r == R_OOM) return luaL_error(L, "spfkit: out of memory");
  lua_createtable(L, 0, 16);
  lua_pushvalue(L, UV(identity));
  set_top(L, S_IDENTITY);
  if (r == R_SUSPEND) { set_missing(L, c); return 1; }
  set_verdict(L, c, r, domain);
  set_identities(L, c, ipstr, iplen);
  if (push_trace(L, c) < 0) return luaL_error(L, "spfkit: out of memory");
  return 2;   /* result, trace blob */
}

/* The evaluation closure, called in protected mode by core.check with
 * (opts, arena slot light userdata or nil), or by the facade with the options
 * already collected into their slots and checked -> result, blob | nil, err */
static int l_run(lua_State *L) {
  check c;
  size_t iplen = 0;
  const char *ipstr;
  arena_slot *slot = lua_touserdata(L, SLOT_ARENA);
  memset(&c, 0, sizeof c);
  if (slot) { c.a = slot->a; c.pc = slot->pc; }
  if (lua_gettop(L) == SLOT_ARENA) {   /* core.check: read them */
    opt_string(L, S_IP, NULL);                                /* SLOT_IP */
    opt_string(L, S_SENDER, NULL);                            /* SLOT_SENDER */
    opt_string(L, S_HELO, NULL);                              /* SLOT_HELO */
    opt_string(L, S_RECEIVER, NULL);                          /* SLOT_RECEIVER */
    opt_string(L, S_DEFAULT_EXP, NULL);                       /* SLOT_DEFAULT_EXP */
    opt_get(L, S_NOW);                                        /* SLOT_NOW */
    opt_get(L, S_DNS);                                        /* SLOT_DNS */
    opt_get(L, S_LIMITS);                                     /* SLOT_LIMITS */
  }
  lua_settop(L, SLOT_LIMITS);
  ipstr = lua_tolstring(L, SLOT_IP, &iplen);
  c.receiver = lua_tostring(L, SLOT_RECEIVER);
  c.default_exp = lua_tostring(L, SLOT_DEFAULT_EXP);
  read_options(L, &c);
  if (!ipstr || !spfk_parse_ip(ipstr, iplen, &c.ip)) {
    lua_pushnil(L);
    spfk_push_error(L, "bad-ip", "ip must be an IPv4 or IPv6 address", 0);
    return 2;
  }
  if (!c.a) c.a = spfk_arena_push(L);   /* the cached one is in use */
  return evaluate(L, &c, ipstr, iplen);
}

/* the cached arena slot: freed with the closures */
static int slot__gc(lua_State *L) {
  arena_slot *s = lua_touserdata(L, 1);
  spfk_arena_free(s->a);
  pcache_free(s->pc);
  s->a = NULL;
  s->pc = NULL;
  return 0;
}

/* [-0, +(0|1|2)] lends the cached arena to l_run (upvalue 2) and runs it
 * in protected mode over the options at 1 (and, when `collected`, the
 * options in slots SLOT_IP..SLOT_LIMITS), so that an error, raised or out
 * of memory, never leaves the arena marked busy; a re-entrant call (a __gc
 * running spfkit.check during this one) gets a fresh arena instead.
 * Returns what l_run returns. Upvalue 1 is the arena slot. */
static int lend_and_run(lua_State *L, int collected) {
  arena_slot *slot = lua_touserdata(L, lua_upvalueindex(1));
  int status, lent = 0, i, base = lua_gettop(L);
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_pushvalue(L, SLOT_OPTS);
  if (slot->a && !slot->busy) {
    slot->busy = lent = 1;
    spfk_arena_reset(slot->a);
    lua_pushlightuserdata(L, slot);
  } else {
    lua_pushnil(L);
  }
  if (collected) for (i = SLOT_IP; i <= SLOT_LIMITS; i++) lua_pushvalue(L, i);
  status = lua_pcall(L, collected ? SLOT_LIMITS : 2, LUA_MULTRET, 0);
  if (lent) slot->busy = 0;
  if (status != 0) return lua_error(L);
  return lua_gettop(L) - base;
}

/* core.check(opts) -> result table, trace blob | nil, err
 * opts: ip, sender, helo, dns (a source userdata), receiver, now,
 *       default_explanation, limits = { lookups, void_lookups, mx, ptr }
 * The result has .missing = { {name=, type=}, ... } when the source is
 * deferred and answers are missing. */
static int l_check(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  return lend_and_run(L, 0);
}

/* ---- the facade's option checks, in C ------------------------------------ */

/* One pass over the options (lua_next, as pairs() in engine.lua) checks
 * their names and types and collects each into its stack slot (upvalue 8,
 * below); then the values are checked (upvalue 4: the limit names, a
 * set; upvalue 5: SPFKIT_SOURCE_FIELD). Each check pushes a message and
 * returns 1 when the options are wrong. Upvalues 6 and 7: the metatable
 * of results without a trace blob and the __index of results (engine.lua);
 * upvalue 9: the string "__index". */
#define FUV_TYPES lua_upvalueindex(3)
#define FUV_LIMITS lua_upvalueindex(4)
#define FUV_SOURCE lua_upvalueindex(5)
#define FUV_RESULT_MT lua_upvalueindex(6)
#define FUV_RESULT_INDEX lua_upvalueindex(7)
#define FUV_KNOWN lua_upvalueindex(8)
#define FUV_INDEX_KEY lua_upvalueindex(9)

/* Upvalue 8: the option names as the pointers of their interned strings
 * (kept alive by upvalue 3), compared by pointer: a short string is one
 * object per content in Lua 5.4 and LuaJIT, and option names are short. */
#define MAX_OPTIONS 32
typedef struct {
  int n;
  const char *name[MAX_OPTIONS];
  int type[MAX_OPTIONS], slot[MAX_OPTIONS];
} known_options;

static const struct { const char *name; int slot; } collected_options[] = {
  { "ip", SLOT_IP }, { "sender", SLOT_SENDER }, { "helo", SLOT_HELO },
  { "receiver", SLOT_RECEIVER }, { "default_explanation", SLOT_DEFAULT_EXP },
  { "now", SLOT_NOW }, { "dns", SLOT_DNS }, { "limits", SLOT_LIMITS },
  { "engine", SLOT_ENGINE }, { "query", SLOT_QUERY }, { "query_many", SLOT_QUERY_MANY },
  { "authserv_id", SLOT_AUTHSERV_ID }, { NULL, 0 }
};

/* [-0, +1] "spfkit.check: <what> '<tostring(value at idx)>'" */
static void push_named(lua_State *L, const char *what, int idx) {
  idx = spfk_absindex(L, idx);
  lua_getglobal(L, "tostring");
  lua_pushvalue(L, idx);
  lua_call(L, 1, 1);
  lua_pushfstring(L, "spfkit.check: %s '%s'", what, lua_tostring(L, -1));
}

/* every option known, with the declared type (light userdata counts as
 * userdata, as Lua's type() says) */
static int bad_option_types(lua_State *L) {
  const known_options *k = lua_touserdata(L, FUV_KNOWN);
  lua_pushnil(L);
  while (lua_next(L, SLOT_OPTS)) {
    int i = k->n, got = lua_type(L, -1);
    if (lua_type(L, -2) == LUA_TSTRING) {
      const char *name = lua_tostring(L, -2);
      for (i = 0; i < k->n && k->name[i] != name; i++) {}
    }
    if (i == k->n) { push_named(L, "unknown option", -2); return 1; }
    if (got == LUA_TLIGHTUSERDATA) got = LUA_TUSERDATA;
    if (got != k->type[i]) {
      lua_pushfstring(L, "spfkit.check: option '%s' must be a %s, got %s",
                      lua_tostring(L, -2), lua_typename(L, k->type[i]), luaL_typename(L, -1));
      return 1;
    }
    if (k->slot[i]) lua_replace(L, k->slot[i]);
    else lua_pop(L, 1);
  }
  return 0;
}

/* limits = { name = integer 0..1000 } with known names */
static int bad_limits(lua_State *L, int t) {
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_Number v;
    lua_pushvalue(L, -2);
    lua_rawget(L, FUV_LIMITS);
    if (!lua_toboolean(L, -1)) { push_named(L, "unknown limit", -3); return 1; }
    lua_pop(L, 1);
    v = lua_tonumber(L, -1);
    if (lua_type(L, -1) != LUA_TNUMBER || !(v >= 0 && v <= 1000) || v != (lua_Number)(int)v) {
      lua_pushfstring(L, "spfkit.check: limits.%s must be an integer in 0..1000",
                      lua_tostring(L, -2));
      return 1;
    }
    lua_pop(L, 1);
  }
  return 0;
}

/* 1 when the value at idx is a userdata whose metatable marks a source */
static int is_source(lua_State *L, int idx) {
  int is = 0;
  if (lua_type(L, idx) == LUA_TUSERDATA && lua_getmetatable(L, idx)) {
    lua_pushvalue(L, FUV_SOURCE);
    lua_rawget(L, -2);
    is = lua_toboolean(L, -1);
    lua_pop(L, 2);
  }
  return is;
}

/* what engine.check checks beyond the types: limits, engine, dns, query */
static int bad_option_values(lua_State *L) {
  if (lua_istable(L, SLOT_LIMITS) && bad_limits(L, SLOT_LIMITS)) return 1;
  if (lua_type(L, SLOT_ENGINE) == LUA_TSTRING) {
    const char *e = lua_tostring(L, SLOT_ENGINE);
    if (strcmp(e, "spfkit") != 0 && strcmp(e, "libspf2") != 0) {
      lua_pushfstring(L, "spfkit.check: unknown engine '%s'", e);
      return 1;
    }
  }
  if (!lua_isnil(L, SLOT_DNS)) {
    if (!lua_isnil(L, SLOT_QUERY)) {
      lua_pushliteral(L, "spfkit.check: give either dns or query, not both");
      return 1;
    }
    if (!is_source(L, SLOT_DNS)) {
      lua_pushliteral(L, "spfkit.check: dns must be a zone, resolver or cache");
      return 1;
    }
  }
  if (lua_isnil(L, SLOT_QUERY) && !lua_isnil(L, SLOT_QUERY_MANY)) {
    lua_pushliteral(L, "spfkit.check: query_many needs query (used for single questions)");
    return 1;
  }
  return 0;
}

/* [-(0|1|2), +1] the results of the engine (n values on top) as the
 * facade returns them (engine.lua's finish): the result with authserv_id
 * and its metatable { __index = result_index, blob }, or nil, err */
static int finish(lua_State *L, int n) {
  int r = lua_gettop(L) - n + 1;
  if (n < 1 || !lua_istable(L, r)) return n;
  if (!lua_isnil(L, SLOT_AUTHSERV_ID)) {
    lua_pushliteral(L, "authserv_id");
    lua_pushvalue(L, SLOT_AUTHSERV_ID);
    lua_rawset(L, r);
  }
  if (n >= 2) {
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, FUV_INDEX_KEY);
    lua_pushvalue(L, FUV_RESULT_INDEX);
    lua_rawset(L, -3);
    lua_pushvalue(L, r + 1);
    lua_rawseti(L, -2, 1);
  } else {
    lua_pushvalue(L, FUV_RESULT_MT);
  }
  lua_setmetatable(L, r);
  lua_settop(L, r);
  return 1;
}

/* The facade's checks and fast path (made by core.facade_check(types,
 * limit_names, result_mt, blobs)): f(opts) ->
 *   false, message   wrong options: the facade raises the message
 *   true             checked, but not for the engine over `dns` (no ip,
 *                    query, libspf2, no dns): the facade's own path
 *   true, true       not checked: opts has a metatable (its __index and
 *                    __pairs are the facade's business, in Lua)
 *   result | nil, err  what the facade returns, otherwise. */
static int l_facade_check(lua_State *L) {
  if (!lua_istable(L, SLOT_OPTS)) {
    lua_pushboolean(L, 0);
    lua_pushfstring(L, "spfkit.check: expected a table of options, got %s", luaL_typename(L, 1));
    return 2;
  }
  if (lua_getmetatable(L, SLOT_OPTS)) {
    lua_pushboolean(L, 1);
    lua_pushboolean(L, 1);
    return 2;
  }
  lua_settop(L, SLOT_AUTHSERV_ID);
  if (bad_option_types(L) || bad_option_values(L)) {
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
  }
  if (lua_isnil(L, SLOT_DNS) || lua_isnil(L, SLOT_IP) ||
      (lua_type(L, SLOT_ENGINE) == LUA_TSTRING &&
       strcmp(lua_tostring(L, SLOT_ENGINE), "libspf2") == 0)) {
    lua_pushboolean(L, 1);
    return 1;
  }
  return finish(L, lend_and_run(L, 1));
}

/* the type code of a type name, as Lua's type() gives it; -1 unknown */
static int type_code(lua_State *L, const char *name) {
  int t;
  if (name) for (t = LUA_TNIL; t <= LUA_TTHREAD; t++)
    if (t != LUA_TLIGHTUSERDATA && strcmp(lua_typename(L, t), name) == 0) return t;
  return -1;
}

/* core.facade_check(types, limit_names, result_mt, result_index) -> f:
 * types = { option = "string" | "number" | "table" | "function" |
 * "userdata" | "boolean" }, limit_names = { name = true } (both copied),
 * result_mt the metatable of results without a trace blob, result_index
 * the __index of results (the blob is at [1] of their metatable). */
static int l_make_facade_check(lua_State *L) {
  known_options *k;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checktype(L, 4, LUA_TFUNCTION);
  lua_settop(L, 4);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_newtable(L);                               /* 7: types (anchors the names) */
  k = lua_newuserdata(L, sizeof *k);             /* 8 */
  memset(k, 0, sizeof *k);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    int i, t = type_code(L, lua_tostring(L, -1));
    if (t < 0 || lua_type(L, -2) != LUA_TSTRING || k->n == MAX_OPTIONS)
      return luaL_error(L, "facade_check: bad option type");
    k->type[k->n] = t;
    for (i = 0; collected_options[i].name; i++)
      if (strcmp(collected_options[i].name, lua_tostring(L, -2)) == 0)
        k->slot[k->n] = collected_options[i].slot;
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    k->name[k->n++] = lua_tostring(L, -1);
    lua_pushboolean(L, 1);
    lua_rawset(L, 7);
  }
  lua_newtable(L);                               /* 9: limit names */
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, 9);
  }
  lua_pushliteral(L, SPFKIT_SOURCE_FIELD);
  lua_pushvalue(L, 3);
  lua_pushvalue(L, 4);
  lua_pushvalue(L, 8);
  lua_remove(L, 8);
  lua_pushliteral(L, "__index");
  lua_pushcclosure(L, l_facade_check, 9);
  return 1;
}

void spfkit_open_check(lua_State *L) {
  arena_slot *slot = lua_newuserdata(L, sizeof *slot);
  int i;
  memset(slot, 0, sizeof *slot);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, slot__gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  slot->a = spfk_arena_new();
  slot->pc = pcache_new();
  luaL_checkstack(L, S_COUNT + 2, "spfkit: opening check");
  for (i = 0; i < S_COUNT; i++) lua_pushstring(L, strs[i]);
  lua_pushcclosure(L, l_run, S_COUNT);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, -2);
  lua_pushcclosure(L, l_check, 2);
  lua_setfield(L, -4, "check");
  lua_pushcclosure(L, l_make_facade_check, 2);
  lua_setfield(L, -2, "facade_check");
  lua_pushcfunction(L, l_trace_decode);
  lua_setfield(L, -2, "trace_decode");
}
