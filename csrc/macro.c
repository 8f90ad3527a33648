/* Macro expansion (RFC 7208 section 7).
 *
 * Output is bounded whatever the input: a domain-spec keeps only the tail
 * that can survive the 253-octet left truncation, and explanation text is
 * cut at SPFK_EXP_MAX bytes.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "spfkit.h"

#define SPFK_DOMAIN_KEEP 1024   /* tail kept while expanding a domain-spec */
#define SPFK_EXP_MAX 4096       /* longest explanation produced */
#define SPFK_MAX_PARTS 128      /* "at least 127" parts must be supported */

typedef struct {
  spfk_buf b;
  int mode;
  int cut;          /* domain mode: the front was dropped */
} out_t;

static void out_add(out_t *o, const char *p, size_t n) {
  if (o->mode == SPFK_EXPAND_EXP) {
    if (o->b.len >= SPFK_EXP_MAX) return;
    if (n > SPFK_EXP_MAX - o->b.len) n = SPFK_EXP_MAX - o->b.len;
    spfk_buf_add(&o->b, p, n);
    return;
  }
  /* keep only the last SPFK_DOMAIN_KEEP bytes (amortised) */
  if (n > SPFK_DOMAIN_KEEP) {
    p += n - SPFK_DOMAIN_KEEP;
    n = SPFK_DOMAIN_KEEP;
    o->b.len = 0;
    o->cut = 1;
  }
  spfk_buf_add(&o->b, p, n);
  if (!o->b.oom && o->b.len > 2 * SPFK_DOMAIN_KEEP) {
    memmove(o->b.p, o->b.p + o->b.len - SPFK_DOMAIN_KEEP, SPFK_DOMAIN_KEEP);
    o->b.len = SPFK_DOMAIN_KEEP;
    o->b.p[o->b.len] = '\0';
    o->cut = 1;
  }
}

static int unreserved(unsigned char c) {
  return isascii(c) && (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~');
}

/* appends value transformed by digits/reverse/delimiters, URL-escaped when
 * upper is set */
static void transform(out_t *o, const char *v, size_t vn, int digits, int reverse,
                      const char *delims, size_t dn, int upper, spfk_arena *a) {
  /* split into parts */
  size_t starts[SPFK_MAX_PARTS * 2], lens[SPFK_MAX_PARTS * 2];
  size_t np = 0, i, s = 0, first, k;
  spfk_buf tmp;
  const char *d = dn ? delims : ".";
  size_t dl = dn ? dn : 1;
  int overflow = 0;
  for (i = 0; i <= vn; i++) {
    if (i == vn || memchr(d, v[i], dl)) {
      if (np == SPFK_MAX_PARTS * 2) {
        /* keep the last parts only when not reversing; otherwise the first */
        if (reverse) { overflow = 1; break; }
        memmove(starts, starts + SPFK_MAX_PARTS, sizeof(size_t) * SPFK_MAX_PARTS);
        memmove(lens, lens + SPFK_MAX_PARTS, sizeof(size_t) * SPFK_MAX_PARTS);
        np = SPFK_MAX_PARTS;
      }
      starts[np] = s; lens[np] = i - s; np++;
      s = i + 1;
    }
  }
  (void)overflow;
  if (reverse) {
    for (i = 0; i < np / 2; i++) {
      size_t ts = starts[i], tl = lens[i];
      starts[i] = starts[np - 1 - i]; lens[i] = lens[np - 1 - i];
      starts[np - 1 - i] = ts; lens[np - 1 - i] = tl;
    }
  }
  first = (digits > 0 && (size_t)digits < np) ? np - (size_t)digits : 0;
  spfk_buf_init(&tmp, a);
  for (k = first; k < np; k++) {
    if (k > first) spfk_buf_addc(&tmp, '.');
    spfk_buf_add(&tmp, v + starts[k], lens[k]);
  }
  if (tmp.oom) { o->b.oom = 1; return; }
  if (!upper) { out_add(o, tmp.p ? tmp.p : "", tmp.len); return; }
  for (k = 0; k < tmp.len; k++) {
    unsigned char c = (unsigned char)tmp.p[k];
    if (unreserved(c)) out_add(o, (const char *)&c, 1);
    else {
      char esc[4];
      snprintf(esc, sizeof esc, "%%%02X", c);
      out_add(o, esc, 3);
    }
  }
}

/* value of a macro letter; returns 0 ok, 1 deferred (p), -1 error */
static int letter_value(spfk_arena *a, const spfk_macro_ctx *c, int letter,
                        const char **v, size_t *vn) {
  char tmp[128];
  size_t i;
  switch (letter) {
  case 's': *v = c->sender; *vn = c->sender_len; return 0;
  case 'l': *v = c->local; *vn = c->local_len; return 0;
  case 'o': *v = c->sdomain; *vn = c->sdomain_len; return 0;
  case 'd': *v = c->domain; *vn = c->domain_len; return 0;
  case 'h': *v = c->helo; *vn = c->helo_len; return 0;
  case 'v': *v = c->ip->family == 4 ? "in-addr" : "ip6"; *vn = strlen(*v); return 0;
  case 'r': *v = c->receiver ? c->receiver : "unknown"; *vn = strlen(*v); return 0;
  case 't':
    snprintf(tmp, sizeof tmp, "%lld", c->now);
    break;
  case 'c':
    spfk_format_ip(c->ip, tmp, sizeof tmp);
    break;
  case 'i':
    if (c->ip->family == 4) {
      spfk_format_ip(c->ip, tmp, sizeof tmp);
    } else {
      static const char hex[] = "0123456789ABCDEF";
      for (i = 0; i < 16; i++) {
        tmp[i * 4] = hex[c->ip->b[i] >> 4];
        tmp[i * 4 + 1] = '.';
        tmp[i * 4 + 2] = hex[c->ip->b[i] & 15];
        tmp[i * 4 + 3] = '.';
      }
      tmp[63] = '\0';
    }
    break;
  case 'p': {
    int status = 0;
    const char *p = c->get_p ? c->get_p(c->p_ud, &status) : "unknown";
    if (status) return status;
    *v = p ? p : "unknown";
    *vn = strlen(*v);
    return 0;
  }
  default:
    return -1;
  }
  *vn = strlen(tmp);
  *v = spfk_memdup(a, tmp, *vn);
  return *v ? 0 : -2;
}

int spfk_expand(spfk_arena *a, const spfk_macro_ctx *ctx, const char *s,
                size_t n, int mode, char **out, size_t *outlen,
                const char **why) {
  out_t o;
  size_t i = 0;
  spfk_buf_init(&o.b, a);
  o.mode = mode;
  o.cut = 0;
  *why = NULL;
  while (i < n) {
    size_t j = i;
    if (mode == SPFK_EXPAND_EXP && o.b.len >= SPFK_EXP_MAX) break;  /* full */
    while (j < n && s[j] != '%') j++;
    if (j > i) out_add(&o, s + i, j - i);
    if (j >= n) break;
    i = j;
    if (i + 1 >= n) { *why = "'%' at the end of a macro-string"; return -1; }
    switch (s[i + 1]) {
    case '%': out_add(&o, "%", 1); i += 2; continue;
    case '_': out_add(&o, " ", 1); i += 2; continue;
    case '-': out_add(&o, "%20", 3); i += 2; continue;
    case '{': break;
    default: *why = "'%' must be followed by '{', '%', '_' or '-'"; return -1;
    }
    {
      size_t k = i + 2, ds;
      int letter, upper, digits = 0, reverse = 0, r;
      const char *v = NULL, *delims;
      size_t vn = 0, dn;
      if (k >= n) { *why = "malformed macro"; return -1; }
      letter = tolower((unsigned char)s[k]);
      upper = isupper((unsigned char)s[k]);
      if (!strchr("slodiphcrtv", letter) || !letter) { *why = "unknown macro letter"; return -1; }
      if (mode == SPFK_EXPAND_DOMAIN && strchr("crt", letter)) {
        *why = "c, r and t macros are allowed in explanation text only";
        return -1;
      }
      k++;
      ds = k;
      while (k < n && isdigit((unsigned char)s[k])) {
        if (digits < 100000) digits = digits * 10 + (s[k] - '0');
        k++;
      }
      if (k > ds && digits == 0) { *why = "macro digit transformer must be nonzero"; return -1; }
      if (digits > SPFK_MAX_PARTS) digits = SPFK_MAX_PARTS;
      if (k < n && (s[k] == 'r' || s[k] == 'R')) { reverse = 1; k++; }
      delims = s + k;
      while (k < n && strchr(".-+,/_=", s[k]) && s[k]) k++;
      dn = (size_t)(s + k - delims);
      if (k >= n || s[k] != '}') { *why = "malformed macro (expected '}')"; return -1; }
      r = letter_value(a, ctx, letter, &v, &vn);
      if (r == 1) return 1;
      if (r == -2) return -2;
      if (r < 0) { *why = "unknown macro letter"; return -1; }
      transform(&o, v ? v : "", vn, digits, reverse, delims, dn, upper, a);
      i = k + 1;
    }
  }
  if (o.b.oom) return -2;
  if (!o.b.p) { spfk_buf_add(&o.b, "x", 1); o.b.len = 0; o.b.p[0] = '\0'; }
  if (o.b.oom) return -2;
  if (mode == SPFK_EXPAND_DOMAIN) {
    char *p = o.b.p;
    size_t len = o.b.len;
    if (o.cut) {   /* the first label is partial: drop it */
      char *dot = memchr(p, '.', len);
      if (dot) { len -= (size_t)(dot + 1 - p); p = dot + 1; }
      else len = 0;
    }
    if (len && p[len - 1] == '.') len--;
    while (len > 253) {   /* RFC 7208 7.3: remove labels from the left */
      char *dot = memchr(p, '.', len);
      if (!dot) break;
      len -= (size_t)(dot + 1 - p);
      p = dot + 1;
    }
    if (len > 253) len = 0;   /* a single label longer than a name can be */
    *out = p;
    *outlen = len;
    p[len] = '\0';
    return 0;
  }
  *out = o.b.p;
  *outlen = o.b.len;
  return 0;
}

static const char *fixed_p(void *ud, int *status) {
  *status = 0;
  return ud ? (const char *)ud : "unknown";
}

/* core.expand(macro_string, { ip=, sender=, helo=, domain=, receiver=, now=,
 *   p=, exp=bool }) -> string | nil, err  (for specs and tools) */
static int l_expand(lua_State *L) {
  size_t n, sn = 0, hn = 0, dn = 0;
  const char *s = luaL_checklstring(L, 1, &n);
  const char *sender, *helo, *domain, *ipstr, *at;
  spfk_macro_ctx c;
  spfk_ip ip;
  spfk_arena *a;
  char *out;
  size_t outlen;
  const char *why;
  int r, mode;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_getfield(L, 2, "ip");
  lua_getfield(L, 2, "sender");
  lua_getfield(L, 2, "helo");
  lua_getfield(L, 2, "domain");
  lua_getfield(L, 2, "receiver");
  lua_getfield(L, 2, "now");
  lua_getfield(L, 2, "p");
  lua_getfield(L, 2, "exp");
  ipstr = luaL_optstring(L, 3, "192.0.2.1");
  sender = luaL_optlstring(L, 4, "", &sn);
  helo = luaL_optlstring(L, 5, "", &hn);
  domain = lua_isnil(L, 6) ? NULL : luaL_checklstring(L, 6, &dn);
  mode = lua_toboolean(L, 10) ? SPFK_EXPAND_EXP : SPFK_EXPAND_DOMAIN;
  memset(&c, 0, sizeof c);
  if (!spfk_parse_ip(ipstr, strlen(ipstr), &ip)) {
    lua_pushnil(L);
    spfk_push_error(L, "bad-ip", "not an IP address", 0);
    return 2;
  }
  a = spfk_arena_push(L);
  c.ip = &ip;
  c.sender = sender; c.sender_len = sn;
  at = memchr(sender, '@', sn);
  if (at) {
    c.local = sender; c.local_len = (size_t)(at - sender);
    c.sdomain = at + 1; c.sdomain_len = sn - c.local_len - 1;
  } else {
    c.local = "postmaster"; c.local_len = 10;
    c.sdomain = sender; c.sdomain_len = sn;
  }
  if (c.local_len == 0) { c.local = "postmaster"; c.local_len = 10; }
  if (domain) { c.domain = domain; c.domain_len = dn; }
  else { c.domain = c.sdomain; c.domain_len = c.sdomain_len; }
  c.helo = helo; c.helo_len = hn;
  c.receiver = luaL_optstring(L, 7, "unknown");
  c.now = (long long)luaL_optnumber(L, 8, 0);
  c.get_p = fixed_p;   /* p: a fixed value for specs and tools */
  c.p_ud = (void *)(uintptr_t)luaL_optstring(L, 9, "unknown");
  r = spfk_expand(a, &c, s, n, mode, &out, &outlen, &why);
  if (r == -2) return luaL_error(L, "spfkit: out of memory");
  if (r < 0) {
    lua_pushnil(L);
    spfk_push_error(L, "bad-macro", why, 0);
    return 2;
  }
  lua_pushlstring(L, out, outlen);
  return 1;
}

void spfkit_open_macro(lua_State *L) {
  lua_pushcfunction(L, l_expand);
  lua_setfield(L, -2, "expand");
}
