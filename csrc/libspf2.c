/* libspf2 compatibility engine: evaluates SPF with Debian's libspf2 1.2.10
 * over spfkit's own DNS sources, so that users can see what libspf2-based
 * receivers (Exim, OpenDMARC, sendmail milters) decide.
 *
 *   core.libspf2_check(opts)    -> raw result table | nil, err
 *   core.libspf2_compile(text)  -> { ok =, message =, messages = } (screened first)
 *   core.libspf2_screen(text, mode) -> nil | reason     (for specs and lint)
 *   core.libspf2_version        -> "1.2.10"
 *
 * Pieces:
 *   - a libspf2 DNS layer (SPF_dns_server_t) whose lookup asks a spfk_source
 *     and converts the spfk_answer into an SPF_dns_rr_t; every question is
 *     recorded for the trace;
 *   - the screen: no text reaches libspf2's compiler unless it passed
 *     screen_text() (see the comment there: CVE-2023-42118);
 *   - libspf2's log handlers, pointed at the current evaluation while it
 *     runs, so nothing is printed and the messages end up in the result.
 *
 * The C side never calls Lua during an evaluation: options are read first,
 * libspf2 runs, everything it produced is copied into an arena owned by a
 * Lua userdata, libspf2's objects are freed, and only then are Lua tables
 * built (which may raise on memory errors).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <spf2/spf.h>
#include <spf2/spf_dns.h>
#include <spf2/spf_lib_version.h>
#include "spfkit.h"

#define STR2(x) #x
#define STR(x) STR2(x)
#define LIBSPF2_VERSION STR(SPF_LIB_VERSION_MAJOR) "." STR(SPF_LIB_VERSION_MINOR) \
                        "." STR(SPF_LIB_VERSION_PATCH)

/* ---- the screen ---------------------------------------------------------
 *
 * CVE-2023-42118 (not patched in Debian's 1.2.10-7.2): SPF_c_parse_macro()
 * compiles one term's macro-string into a 4096-byte stack buffer, of which
 * a term may use SPF_MAX_MECH_LEN / SPF_MAX_MOD_LEN = 511 bytes (the
 * explanation compiler, SPF_record_compile_macro, has only 4 + 511 bytes).
 * Every macro variable costs 4 bytes, every literal run 4 + its length
 * rounded up to 4, a CIDR block 4. After each macro the compiler starts a
 * new literal with SPF_INIT_STRING_LITERAL(511 - used), which since the
 * CVE-2021-20314 fix subtracts the 4-byte header: when fewer than 4 bytes
 * remain (used >= 508) the size_t wraps, the literal's bound check never
 * fires, and the literal that follows is copied past the buffer:
 * `a:` + 127 x `%{d}` (508 bytes) + 4000 x `A` smashes the stack; with
 * 126 (504 bytes, 3 left) the literal is refused cleanly. The same state
 * can be reached with only a few macros between long literals
 * (4 + 244 -> 248 bytes each), so counting macros alone is not enough.
 * This accounting was checked against Debian's library with a probe that
 * compiles in a forked child: `a:` + n x `%{d}` + 4000 x `A` aborts
 * ("stack smashing detected") for n = 127 only (125, 126, 128: clean
 * errors), and `a:` + L x `A` + `%{d}` + L x `A` + `%{d}%{d}` + 4000 x `A`
 * aborts for L = 244 (508 bytes) only (L = 236, 240, 248: clean errors).
 *
 * The bound: screen_macro_string() replays the compiler's size accounting
 * on the exact text libspf2 will get (same tokenising: terms split on ' ',
 * literals on strcspn(" %"), `%%` `%_` `%-` escapes, a space taken as `%`
 * in explanation text, `%{...}` up to '}' or ' '), conservatively: it
 * assumes every term carries a 4-byte CIDR block, counts the CIDR text as
 * literal, and does not stop at errors that would stop libspf2. It refuses
 *   - any macro-string whose compiled size reaches SCREEN_MAX_USED (384)
 *     bytes at a macro boundary: 124 bytes below the 508 where the
 *     underflow starts. No legitimate term comes near it: the longest
 *     possible domain-spec without macros (253 octets) compiles to 260
 *     bytes, and real macro terms (`%{ir}.%{v}._spf.%{d2}`) to under 64;
 *   - more than SCREEN_MAX_MACROS (32) macros in one macro-string
 *     (defence in depth; real records use at most a handful);
 *   - an SPF record (text starting with v=spf1) over SCREEN_MAX_RECORD
 *     (2048) bytes: RFC 7208 section 3.4 keeps records under 450 bytes so
 *     that answers fit in 512-byte UDP; four times that has no use except
 *     stressing a compiler with a history of length bugs.
 * Text without `%{` (or ` {` in explanations) cannot underflow: the only
 * SPF_INIT_STRING_LITERAL then runs with at least 511 - 4 bytes left. The
 * screen applies to the top-level record, every record the DNS layer hands
 * to libspf2 (include and redirect targets), every TXT string (libspf2
 * compiles the first TXT of an exp= target as a macro-string) and the
 * default explanation.
 */
#define SCREEN_AVAIL       511   /* SPF_MAX_MECH_LEN == SPF_MAX_MOD_LEN */
#define SCREEN_MAX_USED    384
#define SCREEN_MAX_MACROS  32
#define SCREEN_MAX_RECORD  2048

enum { SCREEN_RECORD = 0, SCREEN_EXP = 1 };

static size_t align4(size_t n) { return (n + 3) & ~(size_t)3; }

/* Replays SPF_c_parse_macro's accounting over src[0..len) (src is
 * NUL-terminated further on). Returns 0, or 1 with why[] filled. */
static int screen_macro_string(const char *src, size_t len, size_t base,
                               const char *what, size_t pos, char *why,
                               size_t whylen) {
  size_t idx = 0, used = base, ds_len = 0, l, maxused = base;
  int macros = 0;
  while (idx < len) {
    l = strcspn(src + idx, " %");
    if (idx + l > len) l = len - idx;
    ds_len += l;
    idx += l;
    if (idx >= len) break;
    idx++;                       /* the '%' (or a space, in explanations) */
    switch (src[idx]) {
    case '%': case '_': ds_len++; idx++; break;
    case '-': ds_len += 3; idx++; break;
    case '{':
      if (ds_len > 0) { used += align4(4 + ds_len); ds_len = 0; }
      idx++;
      idx += strcspn(src + idx, "} ");
      if (src[idx] == '}') idx++;
      used += 4;
      macros++;
      if (used > maxused) maxused = used;
      if (used >= SCREEN_MAX_USED || macros > SCREEN_MAX_MACROS) {
        snprintf(why, whylen,
                 "%s at byte %lu: %d macros compile to at least %lu of libspf2's %d bytes "
                 "(the CVE-2023-42118 shape overflows at 508; the screen stops at %d bytes "
                 "or %d macros)", what, (unsigned long)pos, macros,
                 (unsigned long)maxused, SCREEN_AVAIL, SCREEN_MAX_USED,
                 SCREEN_MAX_MACROS);
        return 1;
      }
      break;
    case '\0':
      ds_len++; idx = len; break;
    default:
      ds_len++; break;           /* '%' taken literally, char not consumed */
    }
  }
  return 0;
}

/* Screens text as libspf2 will see it (up to the first NUL). mode
 * SCREEN_RECORD: an SPF record, term by term; SCREEN_EXP: explanation
 * text. Returns 0 or 1 (why filled). */
static int screen_text(const char *s, int mode, char *why, size_t whylen) {
  size_t n = strlen(s);
  if (mode == SCREEN_EXP)
    return screen_macro_string(s, n, 4, "explanation text", 1, why, whylen);
  {
    const char *p = s, *end = s + n;
    while (p < end) {
      const char *t, *v;
      size_t tl;
      while (p < end && *p == ' ') p++;
      if (p >= end) break;
      t = p;
      tl = strcspn(t, " ");
      p = t + tl;
      v = t;
      while (v < p && *v != ':' && *v != '=' && *v != '/') v++;
      if (v < p && *v != '/') v++;
      if (v >= p) continue;
      if (screen_macro_string(v, (size_t)(p - v), 4, "term", (size_t)(t - s) + 1, why, whylen))
        return 1;
    }
  }
  if (n > SCREEN_MAX_RECORD) {
    snprintf(why, whylen, "record is %lu bytes; the screen passes at most %d to libspf2",
             (unsigned long)n, SCREEN_MAX_RECORD);
    return 1;
  }
  return 0;
}

/* 1 when a TXT string is an SPF record for the screen (libspf2 compares
 * "v=spf1 " case-insensitively; the compiler also takes a bare "v=spf1"). */
static int looks_spf(const char *s) {
  return strncasecmp(s, "v=spf1", 6) == 0 && (s[6] == ' ' || s[6] == '\0');
}

static int screen_txt(const char *s, char *why, size_t whylen) {
  if (looks_spf(s) && screen_text(s, SCREEN_RECORD, why, whylen)) return 1;
  return screen_text(s, SCREEN_EXP, why, whylen);
}

/* ---- evaluation context and log capture ---------------------------------- */

typedef struct trace_q {
  const char *name;
  int type;
  spfk_answer ans;        /* copied into ctx->a */
  int screened, missing;
} trace_q;

typedef struct ctx {
  SPF_dns_server_t dns;   /* hook points back here */
  spfk_source *src;
  spfk_arena *a;          /* owned by a Lua userdata */
  trace_q *q;
  int nq, capq;
  int screened, deferred, oom, fatal;
  char why[512];          /* screen reason */
  const char *missing_name; int missing_type;
  spfk_buf log;           /* libspf2 log lines, '\n'-separated */
  jmp_buf jb;
} ctx;

static __thread ctx *current;

static double now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

static void log_line(const char *level, const char *msg) {
  if (!current) return;
  if (current->log.len) spfk_buf_addc(&current->log, '\n');
  spfk_buf_adds(&current->log, level);
  spfk_buf_adds(&current->log, msg ? msg : "");
}

static void h_warning(const char *file, int line, const char *msg) {
  (void)file; (void)line;
  log_line("warning: ", msg);
}

static void h_info(const char *file, int line, const char *msg) {
  (void)file; (void)line;
  log_line("info: ", msg);
}

static void h_debug(const char *file, int line, const char *msg) {
  (void)file; (void)line; (void)msg;   /* debug is off; drop it */
}

/* libspf2 calls its error handler for internal assertion failures and
 * expects it not to return. Jump back to the evaluation; its libspf2
 * objects are abandoned (leaked) because their state is unknown. */
static void h_error(const char *file, int line, const char *msg) __attribute__((noreturn));
static void h_error(const char *file, int line, const char *msg) {
  (void)file; (void)line;
  if (current) {
    log_line("error: ", msg);
    current->fatal = 1;
    longjmp(current->jb, 1);
  }
  fprintf(stderr, "spfkit: libspf2 fatal error: %s\n", msg ? msg : "");
  abort();
}

typedef struct saved_handlers {
  void (*err)(const char *, int, const char *) __attribute__((noreturn));
  void (*warn)(const char *, int, const char *);
  void (*info)(const char *, int, const char *);
  void (*dbg)(const char *, int, const char *);
  ctx *cur;
} saved_handlers;

static void capture_begin(ctx *c, saved_handlers *s) {
  s->err = SPF_error_handler; s->warn = SPF_warning_handler;
  s->info = SPF_info_handler; s->dbg = SPF_debug_handler;
  s->cur = current;
  SPF_error_handler = h_error; SPF_warning_handler = h_warning;
  SPF_info_handler = h_info; SPF_debug_handler = h_debug;
  current = c;
}

static void capture_end(const saved_handlers *s) {
  SPF_error_handler = s->err; SPF_warning_handler = s->warn;
  SPF_info_handler = s->info; SPF_debug_handler = s->dbg;
  current = s->cur;
}

/* ---- the DNS layer ------------------------------------------------------- */

static trace_q *trace_add(ctx *c, const char *name, int type) {
  trace_q *q;
  if (c->nq == c->capq) {
    int cap = c->capq ? c->capq * 2 : 16;
    trace_q *nq = spfk_alloc(c->a, (size_t)cap * sizeof *nq);
    if (!nq) { c->oom = 1; return NULL; }
    if (c->nq) memcpy(nq, c->q, (size_t)c->nq * sizeof *nq);
    c->q = nq; c->capq = cap;
  }
  q = &c->q[c->nq];
  memset(q, 0, sizeof *q);
  q->name = spfk_memdup(c->a, name, strlen(name));
  if (!q->name) { c->oom = 1; return NULL; }
  q->type = type;
  c->nq++;
  return q;
}

/* An answer with no records; SPF_dns_rr_new_init returns NULL only when
 * malloc fails, which libspf2's callers would dereference: treat as fatal. */
static SPF_dns_rr_t *rr_status(ctx *c, const char *domain, ns_type t, int herrno) {
  SPF_dns_rr_t *rr = SPF_dns_rr_new_init(&c->dns, domain, t, 0, herrno);
  if (!rr) h_error(__FILE__, __LINE__, "out of memory in the spfkit DNS layer");
  return rr;
}

static SPF_dns_rr_t *layer_lookup(SPF_dns_server_t *d, const char *domain,
                                  ns_type t, int should_cache) {
  ctx *c = (ctx *)d->hook;
  spfk_answer ans;
  SPF_dns_rr_t *rr;
  trace_q *q;
  char *name;
  size_t n;
  int r, i, k, count = 0;
  double t0;
  (void)should_cache;

  if (c->screened || c->deferred || c->oom) return rr_status(c, domain, t, TRY_AGAIN);
  n = strlen(domain);
  if (n && domain[n - 1] == '.') n--;
  name = spfk_memdup(c->a, domain, n);
  q = name ? trace_add(c, name, (int)t) : NULL;
  if (!q) { c->oom = 1; return rr_status(c, domain, t, TRY_AGAIN); }
  memset(&ans, 0, sizeof ans);
  t0 = now_ms();
  r = c->src->lookup(c->src, c->a, name, (int)t, &ans);
  if (r == SPFK_LOOKUP_OOM) { c->oom = 1; return rr_status(c, domain, t, TRY_AGAIN); }
  if (r == SPFK_LOOKUP_MISSING) {
    c->deferred = 1; q->missing = 1;
    c->missing_name = q->name; c->missing_type = (int)t;
    q->ans.rcode = SPFK_RC_ERROR;
    return rr_status(c, domain, t, TRY_AGAIN);
  }
  if (ans.ms <= 0) ans.ms = now_ms() - t0;
  q->ans = ans;           /* the source allocated it in c->a */

  if (ans.rcode == SPFK_RC_NXDOMAIN) return rr_status(c, domain, t, HOST_NOT_FOUND);
  if (ans.rcode != SPFK_RC_NOERROR) return rr_status(c, domain, t, TRY_AGAIN);
  for (i = 0; i < ans.n; i++) if (ans.rr[i].type == (int)t) count++;
  if (count == 0) return rr_status(c, domain, t, NO_DATA);

  /* screen every TXT string before libspf2 can compile it */
  if (t == ns_t_txt || t == ns_t_spf) {
    for (i = 0; i < ans.n; i++) {
      spfk_buf b;
      if (ans.rr[i].type != (int)t) continue;
      spfk_buf_init(&b, c->a);
      for (k = 0; k < ans.rr[i].u.txt.n; k++)
        spfk_buf_add(&b, ans.rr[i].u.txt.s[k], ans.rr[i].u.txt.len[k]);
      spfk_buf_addc(&b, '\0');
      if (b.oom) { c->oom = 1; return rr_status(c, domain, t, TRY_AGAIN); }
      if (screen_txt(b.p, c->why, sizeof c->why)) {
        size_t wl = strlen(c->why);
        snprintf(c->why + wl, sizeof c->why - wl, " (TXT of %s)", name);
        c->screened = 1; q->screened = 1;
        return rr_status(c, domain, t, TRY_AGAIN);
      }
    }
  }

  rr = rr_status(c, domain, t, NETDB_SUCCESS);
  rr->ttl = 0;
  for (i = 0, k = 0; i < ans.n; i++) {
    const spfk_rr *x = &ans.rr[i];
    size_t sz = 0;
    int j;
    if (x->type != (int)t) continue;
    switch (t) {
    case ns_t_a: sz = sizeof(struct in_addr); break;
    case ns_t_aaaa: sz = sizeof(struct in6_addr); break;
    case ns_t_mx: sz = strlen(x->u.mx.host) + 1; break;
    case ns_t_txt: case ns_t_spf:
      for (j = 0; j < x->u.txt.n; j++) sz += x->u.txt.len[j];
      sz += 1;
      break;
    default: sz = strlen(x->u.host ? x->u.host : "") + 1; break;
    }
    if (SPF_dns_rr_buf_realloc(rr, k, sz) != SPF_E_SUCCESS) {
      SPF_dns_rr_free(rr);
      c->oom = 1;
      return rr_status(c, domain, t, TRY_AGAIN);
    }
    switch (t) {
    case ns_t_a: memcpy(&rr->rr[k]->a, x->u.addr, 4); break;
    case ns_t_aaaa: memcpy(&rr->rr[k]->aaaa, x->u.addr, 16); break;
    case ns_t_mx: memcpy(rr->rr[k]->mx, x->u.mx.host, sz); break;
    case ns_t_txt: case ns_t_spf: {
      char *p = rr->rr[k]->txt;
      for (j = 0; j < x->u.txt.n; j++) { memcpy(p, x->u.txt.s[j], x->u.txt.len[j]); p += x->u.txt.len[j]; }
      *p = '\0';              /* a NUL inside truncates it, as in libspf2 */
      break;
    }
    default: memcpy(rr->rr[k]->ptr, x->u.host ? x->u.host : "", sz); break;
    }
    k++;
    rr->num_rr = k;
  }
  return rr;
}

static void ctx_init(ctx *c, spfk_source *src, spfk_arena *a) {
  memset(c, 0, sizeof *c);
  c->src = src;
  c->a = a;
  spfk_buf_init(&c->log, a);
  c->dns.destroy = NULL;        /* owned by us, not by SPF_server_free */
  c->dns.lookup = layer_lookup;
  c->dns.name = "spfkit";
  c->dns.hook = c;
}

/* ---- results ------------------------------------------------------------- */

static const char *result_name(SPF_result_t r) {
  switch (r) {
  case SPF_RESULT_NEUTRAL: return "neutral";
  case SPF_RESULT_PASS: return "pass";
  case SPF_RESULT_FAIL: return "fail";
  case SPF_RESULT_SOFTFAIL: return "softfail";
  case SPF_RESULT_NONE: return "none";
  case SPF_RESULT_TEMPERROR: return "temperror";
  case SPF_RESULT_PERMERROR: return "permerror";
  default: return "invalid";
  }
}

static const char *reason_name(SPF_reason_t r) {
  switch (r) {
  case SPF_REASON_NONE: return "none";
  case SPF_REASON_FAILURE: return "failure";
  case SPF_REASON_LOCALHOST: return "localhost";
  case SPF_REASON_LOCAL_POLICY: return "local-policy";
  case SPF_REASON_MECH: return "mechanism";
  case SPF_REASON_DEFAULT: return "default";
  case SPF_REASON_2MX: return "2mx";
  default: return "unknown";
  }
}

typedef struct msg { int code; int is_error; const char *text; } msg;

/* What is kept of a response once libspf2's objects are gone. */
typedef struct outcome {
  const char *result, *reason, *errcode;
  const char *explanation, *smtp_comment, *header_comment, *received_spf;
  int lookups, dns_error;
  msg *msgs; int nmsgs;
} outcome;

static const char *dup0(spfk_arena *a, const char *s) {
  return s ? spfk_memdup(a, s, strlen(s)) : NULL;
}

/* copies messages of resp into the arena; returns 0 or -1 (OOM) */
static int keep_messages(spfk_arena *a, SPF_response_t *resp, outcome *o) {
  int i, n = resp ? SPF_response_messages(resp) : 0;
  o->nmsgs = 0;
  if (n <= 0) return 0;
  o->msgs = spfk_alloc(a, (size_t)n * sizeof *o->msgs);
  if (!o->msgs) return -1;
  for (i = 0; i < n; i++) {
    SPF_error_t *e = SPF_response_message(resp, i);
    msg *m = &o->msgs[o->nmsgs];
    if (!e) continue;
    m->code = SPF_error_code(e);
    m->is_error = SPF_error_errorp(e) ? 1 : 0;
    m->text = dup0(a, SPF_error_message(e));
    if (m->code == SPF_E_DNS_ERROR) o->dns_error = 1;
    o->nmsgs++;
  }
  return 0;
}

static void push_messages(lua_State *L, const outcome *o) {
  int i, k = 0;
  luaL_Buffer b;
  lua_createtable(L, o->nmsgs, 0);
  for (i = 0; i < o->nmsgs; i++) {
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, o->msgs[i].code);
    lua_setfield(L, -2, "code");
    lua_pushstring(L, SPF_strerror((SPF_errcode_t)o->msgs[i].code));
    lua_setfield(L, -2, "name");
    lua_pushstring(L, o->msgs[i].text ? o->msgs[i].text : "");
    lua_setfield(L, -2, "message");
    lua_pushboolean(L, o->msgs[i].is_error);
    lua_setfield(L, -2, "error");
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "messages");
  /* problem: the error messages joined */
  luaL_buffinit(L, &b);
  for (i = 0; i < o->nmsgs; i++) {
    if (!o->msgs[i].is_error || !o->msgs[i].text) continue;
    if (k++) luaL_addstring(&b, "; ");
    luaL_addstring(&b, o->msgs[i].text);
  }
  luaL_pushresult(&b);
  if (k) lua_setfield(L, -2, "problem");
  else lua_pop(L, 1);
}

static void push_trace(lua_State *L, const ctx *c) {
  int i, j, k;
  lua_createtable(L, c->nq, 0);
  for (i = 0; i < c->nq; i++) {
    const trace_q *q = &c->q[i];
    const char *tn = spfk_type_name(q->type);
    lua_createtable(L, 0, 6);
    lua_pushstring(L, q->name);
    lua_setfield(L, -2, "name");
    if (tn) lua_pushstring(L, tn); else lua_pushinteger(L, q->type);
    lua_setfield(L, -2, "type");
    lua_pushstring(L, q->missing ? "MISSING" : spfk_rcode_name(q->ans.rcode));
    lua_setfield(L, -2, "rcode");
    lua_newtable(L);
    for (j = 0, k = 0; j < q->ans.n; j++) {
      if (q->ans.rr[j].type != q->type) continue;
      spfk_push_rr(L, &q->ans.rr[j]);
      lua_getfield(L, -1, "data");
      lua_remove(L, -2);
      lua_rawseti(L, -2, ++k);
    }
    lua_setfield(L, -2, "answers");
    lua_pushnumber(L, q->ans.ms);
    lua_setfield(L, -2, "ms");
    if (q->ans.cached) { lua_pushboolean(L, 1); lua_setfield(L, -2, "cached"); }
    if (q->screened) { lua_pushboolean(L, 1); lua_setfield(L, -2, "screened"); }
    lua_rawseti(L, -2, i + 1);
  }
}

static void setfs(lua_State *L, const char *k, const char *v) {
  if (!v) return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

/* ---- core.libspf2_check -------------------------------------------------- */

typedef struct request {
  int v6;
  uint8_t addr[16];
  const char *env_from;   /* what libspf2 gets; "" for the HELO identity */
  const char *helo;
  const char *receiver;
  const char *default_exp;
  int max_mech, max_mx, max_ptr;
} request;

/* Runs libspf2; fills *o (arena copies). Must not touch Lua. Returns 0,
 * or -1 when libspf2 hit a fatal internal error (c->fatal) or OOM. */
static int run_check_body(ctx *c, const request *rq, outcome *o) {
  SPF_server_t *srv = NULL;
  SPF_request_t *req = NULL;
  SPF_response_t *resp = NULL, *tmp = NULL;
  int rc = 0;

  srv = SPF_server_new_dns(&c->dns, 0);
  if (!srv) { c->oom = 1; return -1; }
  if (rq->receiver) SPF_server_set_rec_dom(srv, rq->receiver);
  if (rq->default_exp) {
    if (SPF_server_set_explanation(srv, rq->default_exp, &tmp) != SPF_E_SUCCESS)
      log_line("warning: ", "libspf2 did not compile default_explanation; using its own");
    if (tmp) SPF_response_free(tmp);
  }
  SPF_server_set_max_dns_mech(srv, rq->max_mech);
  SPF_server_set_max_dns_mx(srv, rq->max_mx);
  SPF_server_set_max_dns_ptr(srv, rq->max_ptr);
  req = SPF_request_new(srv);
  if (!req) { c->oom = 1; rc = -1; goto done; }
  if (rq->v6) {
    struct in6_addr a6;
    memcpy(&a6, rq->addr, 16);
    SPF_request_set_ipv6(req, a6);
  } else {
    struct in_addr a4;
    memcpy(&a4, rq->addr, 4);
    SPF_request_set_ipv4(req, a4);
  }
  if (rq->helo && *rq->helo) SPF_request_set_helo_dom(req, rq->helo);
  SPF_request_set_env_from(req, rq->env_from);
  SPF_request_query_mailfrom(req, &resp);
  if (resp) {
    o->result = result_name(SPF_response_result(resp));
    o->reason = reason_name(SPF_response_reason(resp));
    o->errcode = SPF_strerror(SPF_response_errcode(resp));
    o->lookups = resp->num_dns_mech;
    o->explanation = dup0(c->a, SPF_response_get_explanation(resp));
    o->smtp_comment = dup0(c->a, SPF_response_get_smtp_comment(resp));
    o->header_comment = dup0(c->a, SPF_response_get_header_comment(resp));
    o->received_spf = dup0(c->a, SPF_response_get_received_spf(resp));
    if (keep_messages(c->a, resp, o) < 0) c->oom = 1;
  } else {
    c->oom = 1; rc = -1;
  }
done:
  if (resp) SPF_response_free(resp);
  if (req) SPF_request_free(req);
  if (srv) SPF_server_free(srv);
  return rc;
}

static int run_check(ctx *c, const request *rq, outcome *o) {
  saved_handlers sh;
  int rc;
  capture_begin(c, &sh);
  if (setjmp(c->jb)) {       /* h_error: libspf2 state unknown, abandon it */
    capture_end(&sh);
    return -1;
  }
  rc = run_check_body(c, rq, o);
  capture_end(&sh);
  return rc;
}

/* The request's options from the table in slot 1 (ip and sender are
 * checked later); *src gets the DNS source, NULL when there is none. */
static void read_request(lua_State *L, request *rq, spfk_source **src) {
  rq->receiver = spfk_optstring(L, 1, "receiver", NULL);
  rq->default_exp = spfk_optstring(L, 1, "default_explanation", NULL);
  lua_getfield(L, 1, "dns");
  *src = spfk_tosource(L, -1);
  lua_pop(L, 1);   /* the options table keeps it alive */
  rq->max_mech = SPFK_LIMIT_LOOKUPS; rq->max_mx = SPFK_LIMIT_MX; rq->max_ptr = SPFK_LIMIT_PTR;
  lua_getfield(L, 1, "limits");
  if (lua_istable(L, -1)) {
    int t = lua_gettop(L);
    rq->max_mech = spfk_optlimit(L, t, "lookups", SPFK_LIMIT_LOOKUPS);
    rq->max_mx = spfk_optlimit(L, t, "mx", SPFK_LIMIT_MX);
    rq->max_ptr = spfk_optlimit(L, t, "ptr", SPFK_LIMIT_PTR);
  }
  lua_pop(L, 1);
}

/* the IP as libspf2 takes it: text with ':' is IPv6, also ::ffff:a.b.c.d */
static int request_ip(request *rq, const char *ipstr, size_t iplen) {
  if (!ipstr || memchr(ipstr, '\0', iplen)) return 0;
  if (memchr(ipstr, ':', iplen)) { rq->v6 = 1; return spfk_parse_ip6(ipstr, iplen, rq->addr); }
  return spfk_parse_ip4(ipstr, iplen, rq->addr);
}

/* The identity: MAIL FROM, or the HELO name when the sender has no domain.
 * Sets rq->env_from/helo, *identity and *domain; returns NULL, or the
 * message of a bad-sender error. */
static const char *request_identity(request *rq, const char *sender, size_t sl, const char *helo,
                                    size_t hl, const char **identity, const char **domain) {
  const char *at = NULL, *p;
  if ((sender && memchr(sender, '\0', sl)) || memchr(helo, '\0', hl))
    return "sender and helo must not contain NUL bytes";
  if (sender) for (p = sender + sl; p > sender; p--) if (p[-1] == '@') { at = p - 1; break; }
  rq->helo = helo;
  if (!sender || sl == 0 || (at && at == sender + sl - 1)) {
    if (hl == 0) return "no sender domain and no HELO name to check";
    *identity = "helo";
    rq->env_from = "";          /* libspf2 then uses postmaster@helo */
    *domain = helo;
  } else {
    *identity = "mailfrom";
    rq->env_from = sender;
    *domain = at ? at + 1 : sender;
  }
  return NULL;
}

/* Runs libspf2 unless the default explanation must be screened (guarded
 * like any TXT); returns run_check's code (0 when screened). */
static int screened_run(ctx *c, const request *rq, outcome *o) {
  if (rq->default_exp && screen_text(rq->default_exp, SCREEN_EXP, c->why, sizeof c->why)) {
    size_t wl = strlen(c->why);
    snprintf(c->why + wl, sizeof c->why - wl, " (default_explanation)");
    c->screened = 1;
    return 0;
  }
  return run_check(c, rq, o);
}

/* [-0, +2] nil and the error of a deferred source (libspf2 cannot wait) */
static int push_deferred(lua_State *L, const ctx *c) {
  char m[400];
  const char *t = spfk_type_name(c->missing_type);
  snprintf(m, sizeof m, "the DNS source has no answer yet for %s %s (deferred); "
           "engine libspf2 needs a source that answers at once (zone or resolver)",
           c->missing_name, t ? t : "?");
  lua_pushnil(L);
  spfk_push_error(L, "unsupported", m, 0);
  return 2;
}

/* [-0, +1] the result table with what is known before the verdict:
 * identity, domain, ip, sender, trace, log */
static void push_head(lua_State *L, ctx *c, const request *rq, const char *identity,
                      const char *domain, const char *sender, size_t sl, size_t hl) {
  char ipbuf[INET6_ADDRSTRLEN];
  lua_createtable(L, 0, 20);
  setfs(L, "identity", identity);
  setfs(L, "domain", domain);
  inet_ntop(rq->v6 ? AF_INET6 : AF_INET, rq->addr, ipbuf, sizeof ipbuf);
  setfs(L, "ip", ipbuf);
  if (identity[0] == 'h') {
    lua_pushliteral(L, "postmaster@");
    lua_pushlstring(L, rq->helo, hl);
    lua_concat(L, 2);
  } else {
    lua_pushlstring(L, sender, sl);
  }
  lua_setfield(L, -2, "sender");
  push_trace(L, c);
  lua_setfield(L, -2, "trace");
  if (c->log.len && c->log.p) {
    lua_pushlstring(L, c->log.p, c->log.len);
    lua_setfield(L, -2, "log");
  }
}

/* [-0, +0] libspf2's verdict into the result table on top */
static void set_outcome(lua_State *L, const outcome *o) {
  setfs(L, "libspf2_result", o->result);
  setfs(L, "reason", o->reason);
  setfs(L, "errcode", o->errcode);
  setfs(L, "explanation", o->explanation);
  setfs(L, "smtp_comment", o->smtp_comment);
  setfs(L, "header_comment", o->header_comment);
  setfs(L, "libspf2_received_spf", o->received_spf);
  lua_pushinteger(L, o->lookups);
  lua_setfield(L, -2, "lookups");
  lua_pushboolean(L, o->dns_error);
  lua_setfield(L, -2, "dns_error");
  push_messages(L, o);
}

static int push_bad(lua_State *L, const char *code, const char *message) {
  lua_pushnil(L);
  spfk_push_error(L, code, message, 0);
  return 2;
}

/* core.libspf2_check(opts) -> raw result | nil, err
 * opts (slot 1): ip, sender, helo, dns (source), receiver,
 * default_explanation, limits = { lookups, mx, ptr } (void_lookups: libspf2
 * has no such limit). Pushes a table with libspf2_result (raw name),
 * result (same, unmapped), reason, explanation, smtp_comment,
 * libspf2_received_spf, messages, problem, lookups, dns_error, trace,
 * identity, domain, sender, ip, log; or screened = true + screen_reason. */
static int l_check(lua_State *L) {
  request rq;
  ctx *c;
  outcome o;
  spfk_source *src;
  spfk_arena *a;
  size_t iplen, sl, hl;
  const char *ipstr, *sender, *helo, *identity = NULL, *domain = NULL, *bad;
  int rc;
  luaL_checktype(L, 1, LUA_TTABLE);
  memset(&rq, 0, sizeof rq);
  memset(&o, 0, sizeof o);
  ipstr = spfk_optstring(L, 1, "ip", &iplen);
  sender = spfk_optstring(L, 1, "sender", &sl);
  helo = spfk_optstring(L, 1, "helo", &hl);
  read_request(L, &rq, &src);
  if (!src) return luaL_error(L, "spfkit.check: engine libspf2 needs 'dns' (a zone, resolver or cache)");
  if (!request_ip(&rq, ipstr, iplen)) return push_bad(L, "bad-ip", "ip must be an IPv4 or IPv6 address");
  if (!helo) { helo = ""; hl = 0; }
  bad = request_identity(&rq, sender, sl, helo, hl, &identity, &domain);
  if (bad) return push_bad(L, "bad-sender", bad);
  a = spfk_arena_push(L);     /* owns everything below; freed by the GC */
  c = spfk_alloc(a, sizeof *c);
  if (!c) return luaL_error(L, "spfkit: out of memory");
  ctx_init(c, src, a);
  rc = screened_run(c, &rq, &o);
  /* libspf2 is done and freed; now Lua */
  if (c->oom && !c->screened) return luaL_error(L, "spfkit: out of memory");
  if (c->deferred) return push_deferred(L, c);
  push_head(L, c, &rq, identity, domain, sender, sl, hl);
  if (c->screened) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "screened");
    setfs(L, "screen_reason", c->why);
  } else if (rc < 0 || c->fatal) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "fatal");
  } else {
    set_outcome(L, &o);
  }
  return 1;
}

/* ---- core.libspf2_compile ------------------------------------------------ */

/* A layer that answers nothing: compiling never looks anything up. */
static SPF_dns_rr_t *null_lookup(SPF_dns_server_t *d, const char *domain,
                                 ns_type t, int should_cache) {
  (void)should_cache;
  return rr_status((ctx *)d->hook, domain, t, HOST_NOT_FOUND);
}

static SPF_errcode_t compile_body(ctx *c, const char *text, outcome *o) {
  SPF_server_t *srv;
  SPF_response_t *resp = NULL;
  SPF_record_t *rec = NULL;
  SPF_errcode_t err = SPF_E_SUCCESS;
  srv = SPF_server_new_dns(&c->dns, 0);
  resp = srv ? SPF_response_new(NULL) : NULL;
  if (resp) {
    err = SPF_record_compile(srv, resp, &rec, text);
    if (keep_messages(c->a, resp, o) < 0) c->oom = 1;
  } else {
    c->oom = 1;
  }
  if (rec) SPF_record_free(rec);
  if (resp) SPF_response_free(resp);
  if (srv) SPF_server_free(srv);
  return err;
}

/* core.libspf2_compile(text) -> { ok = true, messages = {...} }
 *   | { ok = false, message =, messages = {...} }
 *   | { ok = false, screened = true, message = <why> }
 * text (slot 1) is compiled as libspf2 gets it: up to the first NUL. */
static int l_compile(lua_State *L) {
  size_t n;
  const char *text = luaL_checklstring(L, 1, &n);
  spfk_arena *a = spfk_arena_push(L);
  ctx *c = spfk_alloc(a, sizeof *c);
  outcome o;
  SPF_errcode_t err = SPF_E_SUCCESS;
  saved_handlers sh;
  volatile int failed = 0;

  if (!c) return luaL_error(L, "spfkit: out of memory");
  memset(&o, 0, sizeof o);
  ctx_init(c, NULL, a);
  c->dns.lookup = null_lookup;
  if (screen_text(text, SCREEN_RECORD, c->why, sizeof c->why)) {
    lua_createtable(L, 0, 3);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "ok");
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "screened");
    lua_pushstring(L, c->why);
    lua_setfield(L, -2, "message");
    return 1;
  }
  capture_begin(c, &sh);
  if (setjmp(c->jb)) failed = 1;
  else err = compile_body(c, text, &o);
  capture_end(&sh);
  if (c->oom) return luaL_error(L, "spfkit: out of memory");
  lua_createtable(L, 0, 5);
  lua_pushboolean(L, !failed && err == SPF_E_SUCCESS);
  lua_setfield(L, -2, "ok");
  if (failed) {
    lua_pushliteral(L, "libspf2 stopped on an internal error");
    lua_setfield(L, -2, "message");
  } else if (err != SPF_E_SUCCESS) {
    int i;
    const char *m = NULL;
    for (i = 0; i < o.nmsgs && !m; i++) if (o.msgs[i].is_error) m = o.msgs[i].text;
    lua_pushstring(L, m ? m : SPF_strerror(err));
    lua_setfield(L, -2, "message");
    lua_pushstring(L, SPF_strerror(err));
    lua_setfield(L, -2, "error");
  }
  push_messages(L, &o);
  if (c->log.len && c->log.p) {
    lua_pushlstring(L, c->log.p, c->log.len);
    lua_setfield(L, -2, "log");
  }
  return 1;
}

/* core.libspf2_screen(text [, "exp"]) -> nil | reason */
static int l_screen(lua_State *L) {
  const char *text = luaL_checkstring(L, 1);
  const char *mode = luaL_optstring(L, 2, "record");
  char why[512];
  int bad;
  if (strcmp(mode, "exp") == 0) bad = screen_text(text, SCREEN_EXP, why, sizeof why);
  else if (strcmp(mode, "record") == 0) bad = screen_txt(text, why, sizeof why);
  else return luaL_argerror(L, 2, "expected \"record\" or \"exp\"");
  if (!bad) return 0;
  lua_pushstring(L, why);
  return 1;
}

void spfkit_open_libspf2(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"libspf2_check", l_check},
    {"libspf2_compile", l_compile},
    {"libspf2_screen", l_screen},
    {NULL, NULL}
  };
  spfk_setfuncs(L, fns);
  lua_pushliteral(L, LIBSPF2_VERSION);
  lua_setfield(L, -2, "libspf2_version");
}
