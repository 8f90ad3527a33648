/* spfkit.core — shared declarations.
 *
 * Everything in csrc/ is static unless it is declared here; what is shared
 * has the spfk_/spfkit_ prefix and hidden visibility (the Makefile builds
 * with -fvisibility=hidden; only luaopen_spfkit_core is exported).
 */
#ifndef SPFKIT_H
#define SPFKIT_H

#include <stddef.h>
#include <stdint.h>
#include <lua.h>
#include <lauxlib.h>
#include "compat.h"

#define SPFKIT_EXPORT __attribute__((visibility("default")))

/* Metatable names. */
#define SPFKIT_ZONE_MT     "spfkit.zone"
#define SPFKIT_ANSWERS_MT  "spfkit.answers"
#define SPFKIT_ARENA_MT    "spfkit.arena"
#define SPFKIT_RESOLVER_MT "spfkit.resolver"
#define SPFKIT_CACHE_MT    "spfkit.cache"
#define SPFKIT_ERROR_MT    "spfkit.error"

/* The RFC 7208 processing limits, named once; exported to Lua as
 * core.LIMITS (spfkit.LIMITS) and read everywhere else. */
#define SPFK_LIMIT_LOOKUPS 10   /* 4.6.4: DNS-querying terms per check_host() */
#define SPFK_LIMIT_VOID     2   /* 4.6.4: void lookups (NXDOMAIN/empty answers) */
#define SPFK_LIMIT_MX      10   /* 4.6.4: MX records looked up per mx term */
#define SPFK_LIMIT_PTR     10   /* 4.6.4: PTR names looked up per ptr term / %{p} */
#define SPFK_LIMIT_RECORD 450   /* 3.4: a record should fit a 512-byte UDP answer */
#define SPFK_LIMIT_STRING 255   /* 3.3: one character-string of a TXT record */

/* CNAMEs followed in a row when a static source (spfkit.zone) answers like
 * a recursive resolver: 11, the default of BIND 9's and Unbound's
 * max-query-restarts (bin/named/config.c "max-query-restarts 11";
 * unbound.conf "max-query-restarts: 11"); a 12th CNAME gives SERVFAIL, as
 * there. Unbound's old hard-coded 8 broke real 9-CNAME chains (NLnetLabs/
 * unbound#438). Not an RFC 7208 limit, so not in core.LIMITS. */
#define SPFK_CNAME_CHAIN 11

/* A metatable with this field set to true marks a userdata whose memory
 * starts with a struct spfk_source: any DNS source the engine can use. */
#define SPFKIT_SOURCE_FIELD "__spfkit_source"

/* ---- arena: per-call allocations, freed at once ------------------------ */

typedef struct spfk_arena spfk_arena;

spfk_arena *spfk_arena_new(void);
void  spfk_arena_free(spfk_arena *a);
void  spfk_arena_reset(spfk_arena *a);   /* free all but one chunk, for reuse */
void *spfk_alloc(spfk_arena *a, size_t n);              /* NULL on OOM */
char *spfk_memdup(spfk_arena *a, const void *p, size_t n); /* NUL-terminated */
char *spfk_lower_dup(spfk_arena *a, const char *p, size_t n); /* lower-cased, NUL-terminated */
/* Push a userdata that owns a new arena (freed by __gc); returns the arena. */
spfk_arena *spfk_arena_push(lua_State *L);

/* growable byte buffer in an arena */
typedef struct {
  spfk_arena *a;
  char *p;
  size_t len, cap;
  int oom;
} spfk_buf;

void spfk_buf_init(spfk_buf *b, spfk_arena *a);
void spfk_buf_add(spfk_buf *b, const void *p, size_t n);
void spfk_buf_addc(spfk_buf *b, char c);
void spfk_buf_adds(spfk_buf *b, const char *s);

/* ---- DNS data ---------------------------------------------------------- */

enum {
  SPFK_T_A = 1, SPFK_T_NS = 2, SPFK_T_CNAME = 5, SPFK_T_SOA = 6,
  SPFK_T_PTR = 12, SPFK_T_MX = 15, SPFK_T_TXT = 16, SPFK_T_AAAA = 28,
  SPFK_T_SPF = 99
};

/* rcode >= 0 is the DNS RCODE; negative values are failures with no answer */
enum {
  SPFK_RC_NOERROR = 0, SPFK_RC_FORMERR = 1, SPFK_RC_SERVFAIL = 2,
  SPFK_RC_NXDOMAIN = 3, SPFK_RC_NOTIMP = 4, SPFK_RC_REFUSED = 5,
  SPFK_RC_TIMEOUT = -1,   /* no answer in time */
  SPFK_RC_NETWORK = -2,   /* could not send / connection refused */
  SPFK_RC_ERROR = -3      /* anything else (garbage answer, ...) */
};

typedef struct spfk_rr {
  const char *name;       /* owner name, lower-case, no trailing dot */
  int type;
  uint32_t ttl;
  union {
    uint8_t addr[16];     /* A: 4 bytes, AAAA: 16 */
    const char *host;     /* PTR, CNAME, NS: lower-case, no trailing dot */
    struct { unsigned pref; const char *host; } mx;
    struct { int n; const char **s; const size_t *len; } txt; /* may hold NUL bytes */
  } u;
} spfk_rr;

typedef struct spfk_answer {
  int rcode;              /* SPFK_RC_* */
  int n;                  /* records in the answer section (CNAMEs included) */
  spfk_rr *rr;
  uint32_t neg_ttl;       /* SOA minimum for negative answers, 0 unknown */
  double ms;              /* time the source took */
  int cached;             /* answered from a cache */
  const char *err;        /* message when rcode < 0 */
} spfk_answer;

/* A DNS source. lookup() fills *out (all memory from arena a) and returns
 * SPFK_LOOKUP_OK (an answer, possibly an error answer), SPFK_LOOKUP_MISSING
 * (deferred: not known yet) or SPFK_LOOKUP_OOM. It never calls Lua. */
enum { SPFK_LOOKUP_OK = 0, SPFK_LOOKUP_MISSING = 1, SPFK_LOOKUP_OOM = -1 };

typedef struct spfk_source spfk_source;
struct spfk_source {
  int (*lookup)(spfk_source *self, spfk_arena *a, const char *name, int type,
                spfk_answer *out);
};

/* Return the source behind the value at idx, or NULL if it is not one. */
spfk_source *spfk_tosource(lua_State *L, int idx);

const char *spfk_type_name(int type);       /* "TXT", or NULL */
int spfk_type_code(const char *name);       /* case-insensitive; 0 unknown */
const char *spfk_rcode_name(int rcode);     /* "NOERROR", "TIMEOUT", ... */
int spfk_rcode_code(const char *name);      /* -100 unknown */

/* Lua <-> C answers (dns_answer.c). push: { rcode=, records={...} }.
 * read: the same shape, from a Lua table at idx; returns 0, or -1 with a
 * message in *err (static string) on a malformed table. */
void spfk_push_answer(lua_State *L, const spfk_answer *ans);
void spfk_push_rr(lua_State *L, const spfk_rr *rr);
int  spfk_read_answer(lua_State *L, int idx, spfk_arena *a, const char *qname,
                      spfk_answer *out, const char **err);
/* Build a zone from the core.zone table at idx; pushes the zone, or nil and
 * an error table; returns the number of values pushed (dns_zone.c). */
int  spfk_zone_from_table(lua_State *L, int idx);
/* Deep copy of an answer into another arena. */
int  spfk_copy_answer(spfk_arena *a, const spfk_answer *src, spfk_answer *dst);

/* ---- IP addresses ------------------------------------------------------ */

typedef struct { int family; uint8_t b[16]; } spfk_ip;  /* family 4 or 6 */

int spfk_parse_ip4(const char *s, size_t n, uint8_t out[4]);   /* strict dotted quad */
int spfk_parse_ip6(const char *s, size_t n, uint8_t out[16]);
int spfk_parse_ip(const char *s, size_t n, spfk_ip *ip);        /* maps ::ffff:a.b.c.d to 4 */
int spfk_ip_match(const uint8_t *a, const uint8_t *b, int bits);
void spfk_format_ip(const spfk_ip *ip, char *out, size_t n);

/* ---- SPF records ------------------------------------------------------- */

enum {
  SPFK_M_ALL = 1, SPFK_M_INCLUDE, SPFK_M_A, SPFK_M_MX, SPFK_M_PTR,
  SPFK_M_IP4, SPFK_M_IP6, SPFK_M_EXISTS
};

typedef struct spfk_term {
  int mech;               /* SPFK_M_* */
  char qual;              /* '+', '-', '~', '?' */
  int explicit_qual;      /* the qualifier was written */
  const char *text;       /* the term as written */
  size_t text_len;
  size_t pos;             /* 1-based byte offset in the record */
  const char *domain;     /* domain-spec as written, NULL when absent */
  size_t domain_len;
  uint8_t addr[16];       /* ip4 / ip6 network */
  int cidr4, cidr6;       /* -1 when absent */
} spfk_term;

typedef struct spfk_mod {
  const char *name; size_t name_len;
  const char *value; size_t value_len;
  const char *text; size_t text_len;
  size_t pos;
} spfk_mod;

typedef struct spfk_record {
  const char *text; size_t len;
  spfk_term *terms; int nterms;
  spfk_mod *mods; int nmods;
  int redirect, exp;      /* index into mods, -1 when absent */
  int dns_terms;          /* include a mx ptr exists (+ redirect) */
} spfk_record;

typedef struct spfk_error {
  const char *code;       /* static string, e.g. "bad-cidr" */
  char message[200];
  size_t position;        /* 1-based byte offset, 0 unknown */
} spfk_error;

/* 1 when text starts with the version tag "v=spf1" (+ SP or end). */
int spfk_is_spf(const char *text, size_t len);
/* 0 ok; -1 syntax error (err filled); -2 out of memory. */
int spfk_parse(spfk_arena *a, const char *text, size_t len, spfk_record *rec,
               spfk_error *err);
/* Check a macro-string (mechanism domain-spec when domain != 0, else an
 * unknown-modifier value or explanation text). Returns 0 or the 0-based
 * offset+1 of the first bad byte, with *why set. */
size_t spfk_check_macro_string(const char *s, size_t n, int domain_spec,
                               int allow_crt, const char **why);
void spfk_push_record(lua_State *L, const spfk_record *rec);

/* ---- macros ------------------------------------------------------------ */

typedef struct spfk_macro_ctx {
  const char *sender; size_t sender_len;   /* s */
  const char *local; size_t local_len;     /* l */
  const char *sdomain; size_t sdomain_len; /* o */
  const char *domain; size_t domain_len;   /* d: the current domain */
  const spfk_ip *ip;                       /* i, c, v */
  const char *helo; size_t helo_len;       /* h */
  const char *receiver;                    /* r */
  long long now;                           /* t */
  /* p: resolved lazily by the caller; NULL means "not needed yet" */
  const char *(*get_p)(void *ud, int *status);
  void *p_ud;
} spfk_macro_ctx;

/* Expand a macro-string. mode: SPFK_EXPAND_DOMAIN (domain-spec: trailing dot
 * stripped, c/r/t refused, 253-octet left truncation) or SPFK_EXPAND_EXP
 * (explanation text). Returns 0 ok, -1 macro error (*why), -2 OOM,
 * 1 when %{p} needs DNS that is not available yet (deferred). */
enum { SPFK_EXPAND_DOMAIN = 0, SPFK_EXPAND_EXP = 1 };
int spfk_expand(spfk_arena *a, const spfk_macro_ctx *ctx, const char *s,
                size_t n, int mode, char **out, size_t *outlen,
                const char **why);

/* ---- Lua openers (one per concern; core.c calls them) ------------------ */

void spfkit_open_record(lua_State *L);   /* parse */
void spfkit_open_macro(lua_State *L);    /* expand */
void spfkit_open_check(lua_State *L);    /* check */
void spfkit_open_zone(lua_State *L);     /* zone */
void spfkit_open_zone_file(lua_State *L); /* zone_file */
void spfkit_open_answers(lua_State *L);  /* answers (deferred store) */
void spfkit_open_iconv(lua_State *L);    /* iconv */
void spfkit_open_dns(lua_State *L);      /* resolver, cache, wire codec */
void spfkit_open_libspf2(lua_State *L);  /* libspf2 compatibility engine */
void spfkit_open_dkim(lua_State *L);     /* DKIM keys and signatures (OpenSSL) */
void spfkit_open_text(lua_State *L);     /* header_scan, lines, find_any (bounce text) */
void spfkit_open_phrases(lua_State *L);  /* phrase_index, phrase_find (reason tables) */
void spfkit_open_html(lua_State *L);     /* html_text (bounce HTML notices) */

/* Register functions of l into the table at the top of the stack. */
void spfk_setfuncs(lua_State *L, const luaL_Reg *l);
/* Create a metatable with methods (also __index) and metamethods. */
void spfk_newclass(lua_State *L, const char *name, const luaL_Reg *methods,
                   const luaL_Reg *metamethods, int is_source);
/* Options of spfkit.check, read from the table at t (raise on wrong types):
 * a string field (NULL when absent; it stays referenced by the table) and
 * a limits field (def when absent; 0..1000). */
const char *spfk_optstring(lua_State *L, int t, const char *k, size_t *n);
int spfk_optlimit(lua_State *L, int t, const char *k, int def);
/* Push an error table { code=, message=, position= } (position omitted if 0). */
void spfk_push_error(lua_State *L, const char *code, const char *message,
                     size_t position);

#endif
