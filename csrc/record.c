/* SPF record parser (RFC 7208 sections 4.6, 5, 6 and 7.1).
 *
 * The whole record is checked before evaluation, so a syntax error anywhere
 * is a permerror (RFC 7208 4.6). Errors carry a code, a message and the
 * 1-based byte offset of the offending term.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "spfkit.h"

static const char *mech_names[] = {
  NULL, "all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"
};

int spfk_is_spf(const char *text, size_t len) {
  return len >= 6 && strncasecmp(text, "v=spf1", 6) == 0 &&
         (len == 6 || text[6] == ' ');
}

static int is_alnum(int c) { return isascii(c) && isalnum(c); }
static int is_alpha(int c) { return isascii(c) && isalpha(c); }

static int is_macro_letter(int c) {
  return c && strchr("slodiphcrtvSLODIPHCRTV", c) != NULL;
}

static int is_delim(int c) { return c && strchr(".-+,/_=", c) != NULL; }

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static int is_toplabel(const char *s, size_t n) {
  size_t i;
  int alpha = 0, dash = 0;
  if (n == 0 || s[0] == '-' || s[n - 1] == '-') return 0;
  for (i = 0; i < n; i++) {
    if (s[i] == '-') dash = 1;
    else if (is_alpha((unsigned char)s[i])) alpha = 1;
    else if (!is_alnum((unsigned char)s[i])) return 0;
  }
  return alpha || dash;
}

/* Length of the macro-expand at s (starting with '%'), 0 when invalid.
 * *letter gets the macro letter (0 for %% %_ %-). */
static size_t macro_len(const char *s, size_t n, int *letter, const char **why) {
  size_t i;
  *letter = 0;
  if (n < 2) { *why = "'%' at the end of a macro-string"; return 0; }
  if (s[1] == '%' || s[1] == '_' || s[1] == '-') return 2;
  if (s[1] != '{') { *why = "'%' must be followed by '{', '%', '_' or '-'"; return 0; }
  if (n < 4 || !is_macro_letter((unsigned char)s[2])) {
    *why = "unknown macro letter"; return 0;
  }
  *letter = tolower((unsigned char)s[2]);
  i = 3;
  /* a zero transformer ("%{d0}") is valid syntax (RFC 7208 7.1 ABNF:
   * transformers = *DIGIT [ "r" ]); it is an error only when expanded
   * (7.3: the value MUST be nonzero), see spfk_expand */
  while (i < n && isdigit((unsigned char)s[i])) i++;
  if (i < n && (s[i] == 'r' || s[i] == 'R')) i++;
  while (i < n && is_delim((unsigned char)s[i])) i++;
  if (i >= n || s[i] != '}') { *why = "malformed macro (expected '}')"; return 0; }
  return i + 1;
}

size_t spfk_check_macro_string(const char *s, size_t n, int domain_spec,
                               int allow_crt, const char **why) {
  size_t i = 0, last_macro_end = (size_t)-1;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%') {
      int letter;
      size_t m = macro_len(s + i, n - i, &letter, why);
      if (!m) return i + 1;
      if (!allow_crt && letter && strchr("crt", letter)) {
        *why = "c, r and t macros are allowed in explanation text only";
        return i + 1;
      }
      i += m;
      last_macro_end = i;
      continue;
    }
    if (c == ' ' && !domain_spec && allow_crt) { i++; continue; } /* explain-string */
    if (c < 0x21 || c > 0x7e) {
      *why = c >= 0x80 ? "non-ASCII character" : "control character or space";
      return i + 1;
    }
    i++;
  }
  if (domain_spec) {
    /* domain-end = ( "." toplabel [ "." ] ) / macro-expand */
    size_t end = n, dot;
    if (n == 0) { *why = "empty domain"; return 1; }
    if (last_macro_end == n) return 0;
    if (s[end - 1] == '.') end--;
    for (dot = end; dot > 0 && s[dot - 1] != '.' && s[dot - 1] != '%' &&
                    s[dot - 1] != '}'; dot--)
      ;
    if (dot == 0 || s[dot - 1] != '.' || !is_toplabel(s + dot, end - dot) ||
        (last_macro_end != (size_t)-1 && last_macro_end > dot - 1)) {
      *why = "the domain must end with a valid top-level label (use a fully qualified name)";
      return (dot ? dot : 1);
    }
  }
  return 0;
}

static int fail(spfk_error *err, const char *code, size_t pos, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));

static int fail(spfk_error *err, const char *code, size_t pos, const char *fmt, ...) {
  va_list ap;
  err->code = code;
  err->position = pos;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return -1;
}

#define SHOW(s, n) (int)((n) > 80 ? 80 : (n)), (s)

/* "/" ("0" / %x31-39 0*max DIGIT): value, or -1 when not a valid length */
static int cidr_value(const char *s, size_t n, size_t maxdigits) {
  size_t i;
  int v = 0;
  if (n == 0 || n > maxdigits + 1) return -1;
  if (s[0] == '0' && n > 1) return -1;
  for (i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* Strip a trailing "/digits" from [s, *n). Returns the cidr value, -1 when
 * there is none, -2 when it is malformed (leading zero, too long). */
static int strip_cidr(const char *s, size_t *n, int dual) {
  size_t end = *n, i = end;
  while (i > 0 && isdigit((unsigned char)s[i - 1])) i--;
  if (i == end || i == 0 || s[i - 1] != '/') return -1;
  if (dual && (i < 2 || s[i - 2] != '/')) return -1;
  if (!dual && i >= 2 && s[i - 2] == '/') return -1;
  if ((end - i > 1 && s[i] == '0') || end - i > 3) return -2;
  *n = i - (dual ? 2 : 1);
  return cidr_value(s + i, end - i, 3);
}

static int parse_domain(spfk_term *t, const char *d, size_t dn, size_t pos,
                        spfk_error *err) {
  const char *why = NULL;
  size_t bad = spfk_check_macro_string(d, dn, 1, 0, &why);
  if (bad) {
    err->code = "bad-domain";
    err->position = pos;
    snprintf(err->message, sizeof err->message, "%s in '%.*s'", why,
             (int)(t->text_len > 80 ? 80 : t->text_len), t->text);
    return -1;
  }
  t->domain = d;
  t->domain_len = dn;
  return 0;
}

static int parse_mechanism(const char *s, size_t n, size_t pos, spfk_term *t,
                           spfk_error *err) {
  size_t i = 0, nl, rest_n;
  const char *rest;
  int m;
  memset(t, 0, sizeof *t);
  t->text = s; t->text_len = n; t->pos = pos;
  t->cidr4 = t->cidr6 = -1;
  t->qual = '+';
  if (strchr("+-~?", s[0])) { t->qual = s[0]; t->explicit_qual = 1; i = 1; }
  for (nl = i; nl < n && s[nl] != ':' && s[nl] != '/'; nl++)
    ;
  for (m = SPFK_M_ALL; m <= SPFK_M_EXISTS; m++)
    if (nl - i == strlen(mech_names[m]) &&
        strncasecmp(s + i, mech_names[m], nl - i) == 0)
      break;
  if (m > SPFK_M_EXISTS) {
    if (i == 0 && n > 1 && !is_alpha((unsigned char)s[0]) &&
        strncasecmp(s + 1, "all", 3) == 0)
      return fail(err, "bad-qualifier", pos, "unknown qualifier in '%.*s'", SHOW(s, n));
    return fail(err, "unknown-mechanism", pos, "unknown mechanism '%.*s'", SHOW(s, n));
  }
  t->mech = m;
  rest = s + nl;
  rest_n = n - nl;
  switch (m) {
  case SPFK_M_ALL:
    if (rest_n)
      return fail(err, "bad-all", pos, "'all' takes no argument: '%.*s'", SHOW(s, n));
    return 0;
  case SPFK_M_INCLUDE:
  case SPFK_M_EXISTS:
    if (rest_n < 1 || rest[0] != ':')
      return fail(err, "missing-domain", pos, "'%.*s' needs ':domain'", SHOW(s, n));
    if (rest_n == 1)
      return fail(err, "missing-domain", pos, "empty domain in '%.*s'", SHOW(s, n));
    return parse_domain(t, rest + 1, rest_n - 1, pos, err);
  case SPFK_M_PTR:
    if (rest_n == 0) return 0;
    if (rest[0] != ':')
      return fail(err, "bad-cidr", pos, "'ptr' takes no CIDR length: '%.*s'", SHOW(s, n));
    if (rest_n == 1)
      return fail(err, "missing-domain", pos, "empty domain in '%.*s'", SHOW(s, n));
    return parse_domain(t, rest + 1, rest_n - 1, pos, err);
  case SPFK_M_A:
  case SPFK_M_MX: {
    size_t dn = rest_n;
    int c6 = strip_cidr(rest, &dn, 1), c4;
    if (c6 == -2) return fail(err, "bad-cidr", pos, "bad IPv6 CIDR length in '%.*s'", SHOW(s, n));
    c4 = strip_cidr(rest, &dn, 0);
    if (c4 == -2) return fail(err, "bad-cidr", pos, "bad IPv4 CIDR length in '%.*s'", SHOW(s, n));
    if (c4 > 32) return fail(err, "bad-cidr", pos, "IPv4 CIDR length over 32 in '%.*s'", SHOW(s, n));
    if (c6 > 128) return fail(err, "bad-cidr", pos, "IPv6 CIDR length over 128 in '%.*s'", SHOW(s, n));
    t->cidr4 = c4; t->cidr6 = c6;
    if (dn == 0) return 0;
    if (rest[0] != ':')
      return fail(err, "bad-cidr", pos, "malformed CIDR length in '%.*s'", SHOW(s, n));
    if (dn == 1)
      return fail(err, "missing-domain", pos, "empty domain in '%.*s'", SHOW(s, n));
    return parse_domain(t, rest + 1, dn - 1, pos, err);
  }
  case SPFK_M_IP4:
  case SPFK_M_IP6: {
    const char *slash;
    size_t an;
    int c = -1;
    if (rest_n < 2 || rest[0] != ':')
      return fail(err, m == SPFK_M_IP4 ? "bad-ip4" : "bad-ip6", pos,
                  "'%.*s' needs an address", SHOW(s, n));
    rest++; rest_n--;
    slash = memchr(rest, '/', rest_n);
    an = slash ? (size_t)(slash - rest) : rest_n;
    if (slash) {
      size_t cn = rest_n - an - 1;
      if (cn >= 1 && slash[1] == '/')
        return fail(err, "bad-cidr", pos, "dual CIDR length not allowed in '%.*s'", SHOW(s, n));
      c = cidr_value(slash + 1, cn, m == SPFK_M_IP4 ? 1 : 2);
      if (c < 0 || c > (m == SPFK_M_IP4 ? 32 : 128))
        return fail(err, "bad-cidr", pos, "bad CIDR length in '%.*s'", SHOW(s, n));
    }
    if (m == SPFK_M_IP4 ? !spfk_parse_ip4(rest, an, t->addr)
                        : !spfk_parse_ip6(rest, an, t->addr))
      return fail(err, m == SPFK_M_IP4 ? "bad-ip4" : "bad-ip6", pos,
                  "invalid address in '%.*s'", SHOW(s, n));
    if (m == SPFK_M_IP4) t->cidr4 = c; else t->cidr6 = c;
    return 0;
  }
  }
  return 0;
}

/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) followed by "=" */
static size_t modifier_name_len(const char *s, size_t n) {
  size_t i;
  if (n == 0 || !is_alpha((unsigned char)s[0])) return 0;
  for (i = 1; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '=') return i;
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return 0;
  }
  return 0;
}

int spfk_parse(spfk_arena *a, const char *text, size_t len, spfk_record *rec,
               spfk_error *err) {
  size_t i, cap;
  memset(rec, 0, sizeof *rec);
  memset(err, 0, sizeof *err);
  rec->text = text; rec->len = len;
  rec->redirect = rec->exp = -1;
  if (!spfk_is_spf(text, len)) {
    err->code = "not-spf";
    err->position = 1;
    snprintf(err->message, sizeof err->message,
             "not an SPF record (it must start with \"v=spf1\")");
    return -1;
  }
  /* upper bound of terms: one per space-separated token */
  cap = 1;
  for (i = 6; i < len; i++) if (text[i] == ' ') cap++;
  rec->terms = spfk_alloc(a, sizeof(spfk_term) * cap);
  rec->mods = spfk_alloc(a, sizeof(spfk_mod) * cap);
  if (!rec->terms || !rec->mods) return -2;

  i = 6;
  while (i < len) {
    size_t start, n, k, nl;
    const char *s;
    while (i < len && text[i] == ' ') i++;
    if (i >= len) break;
    start = i;
    while (i < len && text[i] != ' ') i++;
    s = text + start;
    n = i - start;
    for (k = 0; k < n; k++) {
      unsigned char c = (unsigned char)s[k];
      if (c < 0x21 || c > 0x7e)
        return fail(err, c >= 0x80 ? "non-ascii" : "control-character", start + 1,
                    "%s character in '%.*s'", c >= 0x80 ? "non-ASCII" : "control",
                    SHOW(s, n));
    }
    nl = modifier_name_len(s, n);
    if (nl) {
      spfk_mod *md = &rec->mods[rec->nmods];
      const char *why = NULL;
      int is_redirect = nl == 8 && strncasecmp(s, "redirect", 8) == 0;
      int is_exp = nl == 3 && strncasecmp(s, "exp", 3) == 0;
      md->name = s; md->name_len = nl;
      md->value = s + nl + 1; md->value_len = n - nl - 1;
      md->text = s; md->text_len = n; md->pos = start + 1;
      if (is_redirect || is_exp) {
        if ((is_redirect && rec->redirect >= 0) || (is_exp && rec->exp >= 0))
          return fail(err, "duplicate-modifier", start + 1,
                      "modifier may appear only once: '%.*s'", SHOW(s, n));
        if (md->value_len == 0)
          return fail(err, "missing-domain", start + 1, "empty domain in '%.*s'", SHOW(s, n));
        if (spfk_check_macro_string(md->value, md->value_len, 1, 0, &why)) {
          err->code = "bad-domain";
          err->position = start + 1;
          snprintf(err->message, sizeof err->message, "%s in '%.*s'", why,
                   (int)(n > 80 ? 80 : n), s);
          return -1;
        }
        if (is_redirect) { rec->redirect = rec->nmods; rec->dns_terms++; }
        else rec->exp = rec->nmods;
      } else if (spfk_check_macro_string(md->value, md->value_len, 0, 1, &why)) {
        err->code = "bad-macro";
        err->position = start + 1;
        snprintf(err->message, sizeof err->message, "%s in modifier '%.*s'", why,
                 (int)(n > 80 ? 80 : n), s);
        return -1;
      }
      rec->nmods++;
      continue;
    }
    if (n && s[0] == '=')
      return fail(err, "bad-modifier", start + 1, "modifier without a name: '%.*s'", SHOW(s, n));
    if (parse_mechanism(s, n, start + 1, &rec->terms[rec->nterms], err) < 0)
      return -1;
    switch (rec->terms[rec->nterms].mech) {
    case SPFK_M_INCLUDE: case SPFK_M_A: case SPFK_M_MX: case SPFK_M_PTR:
    case SPFK_M_EXISTS:
      rec->dns_terms++;
    }
    rec->nterms++;
  }
  return 0;
}

/* ---- Lua ------------------------------------------------------------- */

static void setlstr(lua_State *L, const char *k, const char *s, size_t n) {
  lua_pushlstring(L, s, n);
  lua_setfield(L, -2, k);
}

static void setint(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

/* pushes { text, terms = {...}, modifiers = {name=value}, modifier_list, dns_terms } */
void spfk_push_record(lua_State *L, const spfk_record *rec) {
  int i;
  char q[2] = {0, 0};
  lua_createtable(L, 0, 5);
  setlstr(L, "text", rec->text, rec->len);
  lua_createtable(L, rec->nterms, 0);
  for (i = 0; i < rec->nterms; i++) {
    const spfk_term *t = &rec->terms[i];
    const char *colon;
    lua_createtable(L, 0, 8);
    q[0] = t->qual;
    lua_pushstring(L, q);
    lua_setfield(L, -2, "qualifier");
    lua_pushstring(L, mech_names[t->mech]);
    lua_setfield(L, -2, "mechanism");
    colon = memchr(t->text, ':', t->text_len);
    if (!colon) colon = memchr(t->text, '/', t->text_len);
    if (colon)
      setlstr(L, "value", *colon == ':' ? colon + 1 : colon,
              t->text_len - (size_t)(colon - t->text) - (*colon == ':'));
    if (t->domain) setlstr(L, "domain", t->domain, t->domain_len);
    if (t->cidr4 >= 0) setint(L, "cidr4", t->cidr4);
    if (t->cidr6 >= 0) setint(L, "cidr6", t->cidr6);
    if (t->mech == SPFK_M_IP4 || t->mech == SPFK_M_IP6) {
      spfk_ip ip;
      char buf[64];
      ip.family = t->mech == SPFK_M_IP4 ? 4 : 6;
      memcpy(ip.b, t->addr, 16);
      spfk_format_ip(&ip, buf, sizeof buf);
      lua_pushstring(L, buf);
      lua_setfield(L, -2, "ip");
    }
    setlstr(L, "text", t->text, t->text_len);
    setint(L, "position", (lua_Integer)t->pos);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "terms");
  lua_createtable(L, 0, 2);
  for (i = 0; i < rec->nmods; i++) {
    const spfk_mod *md = &rec->mods[i];
    char name[64];
    size_t k, nl = md->name_len < sizeof name - 1 ? md->name_len : sizeof name - 1;
    for (k = 0; k < nl; k++) name[k] = (char)tolower((unsigned char)md->name[k]);
    name[nl] = '\0';
    lua_getfield(L, -1, name);
    if (lua_isnil(L, -1)) {      /* first one wins for unknown duplicates */
      lua_pop(L, 1);
      setlstr(L, name, md->value, md->value_len);
    } else {
      lua_pop(L, 1);
    }
  }
  lua_setfield(L, -2, "modifiers");
  lua_createtable(L, rec->nmods, 0);
  for (i = 0; i < rec->nmods; i++) {
    const spfk_mod *md = &rec->mods[i];
    lua_createtable(L, 0, 4);
    lua_pushlstring(L, md->name, md->name_len);
    lua_setfield(L, -2, "name");
    setlstr(L, "value", md->value, md->value_len);
    setlstr(L, "text", md->text, md->text_len);
    setint(L, "position", (lua_Integer)md->pos);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "modifier_list");
  setint(L, "dns_terms", rec->dns_terms);
}

/* core.parse(text) -> record | nil, err */
static int l_parse(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  spfk_arena *a = spfk_arena_push(L);
  spfk_record rec;
  spfk_error err;
  int r = spfk_parse(a, text, len, &rec, &err);
  if (r == -2) return luaL_error(L, "spfkit: out of memory");
  if (r < 0) {
    lua_pushnil(L);
    spfk_push_error(L, err.code, err.message, err.position);
    return 2;
  }
  spfk_push_record(L, &rec);
  return 1;
}

void spfkit_open_record(lua_State *L) {
  lua_pushcfunction(L, l_parse);
  lua_setfield(L, -2, "parse");
}
