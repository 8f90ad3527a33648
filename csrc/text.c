/* Generic text scanning for the bounce reader (mime.lua, bounce modules):
 * the loops that run over every byte of a message, in one pass each.
 *   core.header_scan(text, limit) -> names, starts, ends, n, first
 *   core.header_map(text, limit[, i, j]) -> {name = unfolded value of its first occurrence}, n
 *   core.header_values(text, name, max, limit[, i, j]) -> {unfolded value of each `name` field}
 *     (both of the block text[i..j] when i, j are given: no copy of it is made)
 *   core.unfold(text, i, j) -> text[i..j] with folds made one space
 *   core.is_ascii(s) -> whether every byte is below 128
 *   core.normalize(s) -> s with CRLF and lone CR made LF
 *   core.qp(s, header) -> quoted-printable decoded
 *   core.base64(s) -> base64 decoded (bytes outside the alphabet skipped)
 *   core.lines(s, max) -> {line, ...}
 *   core.find_any(s, {needle, ...}) -> index of the first needle found | nil
 *   core.find_status(s, init) -> first enhanced status code, position | nil
 *   core.reply_in(line) -> SMTP reply code quoted in a line, its position | nil
 *     (for the prefixes listed in core.REPLY_PREFIXES)
 *   core.address(v) -> the e-mail address of a field value, lower case | nil
 *   core.domain(d), core.ip(s) -> a host name / IP address cleaned up | nil
 *   core.is_utf8(s) -> whether s is UTF-8 as glibc's iconv reads it
 *   core.find_first(s, {needle, ...}) -> position, index of the needle found first | nil
 *   core.find_within(s, t, i, j) -> position of the first t inside s[i..j] | nil
 *   core.trim(s), core.fold(s) -> s trimmed / with whitespace runs made one space, trimmed
 * Positions are 1-based like string.find. Every result is pushed straight
 * onto the Lua stack: nothing is allocated here that an error could leak. */
#include <string.h>
#include "spfkit.h"

static int is_name_char(unsigned char c) {
  return c >= 0x21 && c <= 0x7e && c != ':';
}

/* Length of the field name at p (up to a ':' within [p, end)), 0 if none. */
static size_t field_name_len(const char *p, const char *end) {
  const char *q = p;
  while (q < end && is_name_char((unsigned char)*q)) q++;
  if (q == p || q >= end || *q != ':') return 0;
  return (size_t)(q - p);
}

static void push_lower(lua_State *L, const char *p, size_t n) {
  char buf[128];
  size_t i;
  if (n > sizeof buf) {  /* rare: long names go through string.lower */
    lua_getglobal(L, "string");
    lua_getfield(L, -1, "lower");
    lua_remove(L, -2);
    lua_pushlstring(L, p, n);
    lua_call(L, 1, 1);
    return;
  }
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  lua_pushlstring(L, buf, n);
}

/* Stack: 3 = names, 4 = starts, 5 = ends, 6 = first (name -> index).
 * Returns the field count. */
static lua_Integer scan_fields(lua_State *L, const char *s, size_t len, lua_Integer limit) {
  size_t pos = 0;
  lua_Integer n = 0, cur = 0;
  while (pos < len) {
    const char *nl = memchr(s + pos, '\n', len - pos);
    size_t e = nl ? (size_t)(nl - s) : len;   /* 0-based newline position */
    unsigned char c = (unsigned char)s[pos];
    if (c == ' ' || c == '\t') {
      if (cur) { lua_pushinteger(L, (lua_Integer)e); lua_rawseti(L, 5, (int)cur); }
    } else if (e > pos) {
      size_t nlen = field_name_len(s + pos, s + e);
      cur = 0;
      if (nlen) {
        size_t vs = pos + nlen + 1;
        if (++n > limit) { n--; break; }
        while (vs < e && (s[vs] == ' ' || s[vs] == '\t')) vs++;
        push_lower(L, s + pos, nlen);
        lua_pushvalue(L, -1);
        lua_rawget(L, 6);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          lua_pushinteger(L, n);
          lua_rawset(L, 6);
        } else {
          lua_pop(L, 1);
        }
        lua_rawseti(L, 3, (int)n);
        lua_pushinteger(L, (lua_Integer)vs + 1); lua_rawseti(L, 4, (int)n);
        lua_pushinteger(L, (lua_Integer)e); lua_rawseti(L, 5, (int)n);
        cur = n;
      }
    }
    pos = e + 1;
  }
  return n;
}

/* The fields of a header block: lower-case names, value start and end
 * (the end of the last continuation line), at most `limit` fields, their
 * count, and the index of each name's first occurrence. */
static int l_header_scan(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_Integer limit = luaL_optinteger(L, 2, 1000);
  lua_Integer n;
  lua_settop(L, 2);
  lua_createtable(L, 16, 0);
  lua_createtable(L, 16, 0);
  lua_createtable(L, 16, 0);
  lua_createtable(L, 0, 16);
  n = scan_fields(L, s, len, limit);
  lua_pushinteger(L, n);
  lua_insert(L, 6);
  return 5;
}

/* The lines of a text (without their "\n"), at most `max`. */
static int l_lines(lua_State *L) {
  size_t len, pos = 0;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_Integer max = luaL_optinteger(L, 2, 20000);
  lua_Integer n = 0;
  lua_newtable(L);
  while (pos < len && n < max) {
    const char *nl = memchr(s + pos, '\n', len - pos);
    size_t e = nl ? (size_t)(nl - s) : len;
    lua_pushlstring(L, s + pos, e - pos);
    lua_rawseti(L, -2, (int)++n);
    pos = nl ? e + 1 : len;
  }
  return 1;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Pushes s[a..b) (0-based) unfolded (see l_unfold). */
static void push_unfolded(lua_State *L, const char *s, size_t a, size_t b) {
  size_t k;
  luaL_Buffer buf;
  /* trailing blanks and folds (they would unfold to blanks, then go) */
  while (b > a && (is_blank(s[b - 1]) || s[b - 1] == '\n')) b--;
  if (!memchr(s + a, '\n', b - a)) { lua_pushlstring(L, s + a, b - a); return; }
  luaL_buffinit(L, &buf);
  /* line by line: each newline with the blanks around it is one space */
  k = a;
  for (;;) {
    const char *nl = memchr(s + k, '\n', b - k);
    size_t q = nl ? (size_t)(nl - s) : b, e = q;
    if (nl) while (e > k && is_blank(s[e - 1])) e--;
    luaL_addlstring(&buf, s + k, e - k);
    if (!nl) break;
    luaL_addchar(&buf, ' ');
    k = q + 1;
    while (k < b && is_blank(s[k])) k++;
  }
  luaL_pushresult(&buf);
}

/* text[i..j] (1-based, clamped) with each run of blanks, newline, blanks
 * made one space and trailing blanks removed: a header value unfolded. */
static int l_unfold(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_Integer i = luaL_checkinteger(L, 2), j = luaL_checkinteger(L, 3);
  if (i < 1) i = 1;
  if (j > (lua_Integer)len) j = (lua_Integer)len;
  if (i > j) { lua_pushliteral(L, ""); return 1; }
  push_unfolded(L, s, (size_t)i - 1, (size_t)j);
  return 1;
}

/* Stack: 3 = map. Sets map[name] = unfolded value unless the name is
 * there already (the first occurrence wins). */
static void map_field(lua_State *L, const char *s, size_t name, size_t nlen, size_t vs, size_t ve) {
  push_lower(L, s + name, nlen);
  lua_pushvalue(L, -1);
  lua_rawget(L, 3);
  if (!lua_isnil(L, -1)) { lua_pop(L, 2); return; }
  lua_pop(L, 1);
  if (vs < ve) push_unfolded(L, s, vs, ve);
  else lua_pushliteral(L, "");
  lua_rawset(L, 3);
}

/* A field of a header block: name s[name..name+nlen), value s[vs..ve). */
struct field { size_t name, nlen, vs, ve; };

/* Stack: 3 = list, 4 = the wanted name (lower case); *count values so far. */
struct want { const char *name; size_t len; lua_Integer max, count; };

static int name_is(const char *p, size_t n, const struct want *w) {
  size_t i;
  if (n != w->len) return 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if ((char)(c >= 'A' && c <= 'Z' ? c + 32 : c) != w->name[i]) return 0;
  }
  return 1;
}

/* A finished field: into the map (w == NULL) or, when it has the wanted
 * name, onto the list of values. Returns 0 once the list is full. */
static int take_field(lua_State *L, const char *s, const struct field *f, struct want *w) {
  if (!w) { map_field(L, s, f->name, f->nlen, f->vs, f->ve); return 1; }
  if (!name_is(s + f->name, f->nlen, w)) return 1;
  if (f->vs < f->ve) push_unfolded(L, s, f->vs, f->ve);
  else lua_pushliteral(L, "");
  lua_rawseti(L, 3, (int)++w->count);
  return w->count < w->max;
}

/* The same walk as scan_fields, each field taken when complete (see
 * take_field); returns the field count. */
static lua_Integer walk_fields(lua_State *L, const char *s, size_t len, lua_Integer limit, struct want *w) {
  size_t pos = 0;
  struct field f = { 0, 0, 0, 0 };
  lua_Integer n = 0;
  int cur = 0;
  while (pos < len) {
    const char *nl = memchr(s + pos, '\n', len - pos);
    size_t e = nl ? (size_t)(nl - s) : len;
    unsigned char c = (unsigned char)s[pos];
    if (c == ' ' || c == '\t') {
      if (cur) f.ve = e;
    } else if (e > pos) {
      size_t l = field_name_len(s + pos, s + e);
      if (cur && !take_field(L, s, &f, w)) return n;
      cur = 0;
      if (l) {
        if (++n > limit) { n--; break; }
        f.name = pos; f.nlen = l; f.vs = pos + l + 1;
        while (f.vs < e && (s[f.vs] == ' ' || s[f.vs] == '\t')) f.vs++;
        f.ve = e;
        cur = 1;
      }
    }
    pos = e + 1;
  }
  if (cur) take_field(L, s, &f, w);
  return n;
}

/* The optional range text[i..j] (1-based, inclusive, clamped) at stack
 * slots a, a + 1: *s moved to its start, *len its length. */
static void opt_range(lua_State *L, int a, const char **s, size_t *len) {
  lua_Integer i = luaL_optinteger(L, a, 1), j = luaL_optinteger(L, a + 1, (lua_Integer)*len);
  if (i < 1) i = 1;
  if (j > (lua_Integer)*len) j = (lua_Integer)*len;
  if (i > j) { *len = 0; return; }
  *s += i - 1;
  *len = (size_t)(j - i + 1);
}

/* core.header_map(text, limit[, i, j]) -> {lower-case name = unfolded value
 * of its first occurrence}, field count (of the block text[i..j]: no copy
 * of it is made) */
static int l_header_map(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_Integer limit = luaL_optinteger(L, 2, 1000), n;
  opt_range(L, 3, &s, &len);
  lua_settop(L, 2);
  lua_createtable(L, 0, 16);
  n = walk_fields(L, s, len, limit, NULL);
  lua_pushinteger(L, n);
  return 2;
}

/* core.header_values(text, name, max, limit[, i, j]) -> {unfolded value,
 * ...} of every field called `name` (lower case), in order, at most max
 * (the first `limit` fields only, as header_scan; of text[i..j]) */
static int l_header_values(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  struct want w;
  lua_Integer limit;
  w.name = luaL_checklstring(L, 2, &w.len);
  w.max = luaL_optinteger(L, 3, 100);
  limit = luaL_optinteger(L, 4, 1000);
  opt_range(L, 5, &s, &len);
  w.count = 0;
  lua_settop(L, 2);
  lua_newtable(L);
  walk_fields(L, s, len, limit, &w);
  return 1;
}

/* The index of the first byte of s[k..len) at or above 128, or len (eight
 * bytes at a time). */
static size_t ascii_run(const unsigned char *s, size_t k, size_t len) {
  while (k + 8 <= len) {
    uint64_t w;
    memcpy(&w, s + k, 8);
    if (w & 0x8080808080808080ull) break;
    k += 8;
  }
  while (k < len && s[k] < 0x80) k++;
  return k;
}

static int l_is_ascii(lua_State *L) {
  size_t len;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  lua_pushboolean(L, ascii_run(s, 0, len) == len);
  return 1;
}

/* A scratch copy of s owned by the Lua stack (freed by the collector,
 * also when an error unwinds). */
static char *scratch(lua_State *L, const char *s, size_t len) {
  char *w = lua_newuserdata(L, len ? len : 1);
  if (len) memcpy(w, s, len);
  return w;
}

static int l_normalize(lua_State *L) {
  size_t len, r, n = 0;
  const char *s = luaL_checklstring(L, 1, &len);
  char *w;
  if (!memchr(s, '\r', len)) { lua_settop(L, 1); return 1; }
  w = scratch(L, s, len);
  for (r = 0; r < len; r++) {
    if (w[r] == '\r') {
      w[n++] = '\n';
      if (r + 1 < len && w[r + 1] == '\n') r++;
    } else {
      w[n++] = w[r];
    }
  }
  lua_pushlstring(L, w, n);
  return 1;
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Blanks before a newline dropped, then soft breaks ("=\n") removed: the
 * two passes of a body, in place. Returns the new length. */
static size_t qp_lines(char *w, size_t len) {
  size_t r = 0, n = 0, k;
  while (r < len) {
    if (is_blank(w[r])) {
      for (k = r; k < len && is_blank(w[k]); k++) {}
      if (k < len && w[k] == '\n') r = k;
      else { while (r < k) w[n++] = w[r++]; }
      continue;
    }
    w[n++] = w[r++];
  }
  len = n;
  for (r = 0, n = 0; r < len; r++) {
    if (w[r] == '=' && r + 1 < len && w[r + 1] == '\n') { r++; continue; }
    w[n++] = w[r];
  }
  return n;
}

/* Quoted-printable: "=XX" escapes; body soft breaks and blanks before a
 * newline removed, or (header, RFC 2047 "Q") "_" as a space. */
static int l_qp(lua_State *L) {
  size_t len, r, n = 0;
  const char *s = luaL_checklstring(L, 1, &len);
  int header = lua_toboolean(L, 2);
  char *w = scratch(L, s, len);
  if (header) {
    for (r = 0; r < len; r++) if (w[r] == '_') w[r] = ' ';
  } else {
    len = qp_lines(w, len);
  }
  for (r = 0; r < len; r++) {
    int hi, lo;
    if (w[r] == '=' && r + 2 < len && (hi = hexval((unsigned char)w[r + 1])) >= 0
        && (lo = hexval((unsigned char)w[r + 2])) >= 0) {
      w[n++] = (char)(hi * 16 + lo);
      r += 2;
    } else {
      w[n++] = w[r];
    }
  }
  lua_pushlstring(L, w, n);
  return 1;
}

static int contains(const char *s, size_t len, const char *t, size_t tlen) {
  const char *p = s, *end = s + len;
  if (tlen == 0) return 1;
  while ((size_t)(end - p) >= tlen) {
    p = memchr(p, (unsigned char)t[0], (size_t)(end - p) - tlen + 1);
    if (!p) return 0;
    if (memcmp(p, t, tlen) == 0) return 1;
    p++;
  }
  return 0;
}

/* The index of the first string of the list that occurs in s (plain). */
static int l_find_any(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int i, n;
  luaL_checktype(L, 2, LUA_TTABLE);
  n = (int)spfk_rawlen(L, 2);
  for (i = 1; i <= n; i++) {
    size_t tlen;
    const char *t;
    lua_rawgeti(L, 2, i);
    t = lua_tolstring(L, -1, &tlen);
    if (!t) return luaL_error(L, "find_any: entry %d is not a string", i);
    if (contains(s, len, t, tlen)) { lua_pushinteger(L, i); return 1; }
    lua_pop(L, 1);
  }
  lua_pushnil(L);
  return 1;
}

/* Length of the UTF-8 sequence at s[0..n) as glibc's UTF-8 decoder
 * accepts it (up to 6 bytes / U+7FFFFFFF, no overlong forms, no
 * surrogates), or 0 when it is invalid or cut short. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  static const unsigned long min[7] = { 0, 0, 0x80, 0x800, 0x10000, 0x200000, 0x4000000 };
  unsigned char c = s[0];
  size_t len, k;
  unsigned long cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF7) { len = 4; cp = c & 0x07; }
  else if (c >= 0xF8 && c <= 0xFB) { len = 5; cp = c & 0x03; }
  else if (c >= 0xFC && c <= 0xFD) { len = 6; cp = c & 0x01; }
  else return 0;
  if (len > n) return 0;
  for (k = 1; k < len; k++) {
    if ((s[k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[k] & 0x3F);
  }
  if (cp < min[len] || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

/* Whether s is UTF-8 that glibc's iconv would take (see utf8_seq). */
static int l_is_utf8(lua_State *L) {
  size_t len, k = 0;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  while (k < len) {
    size_t n;
    if (s[k] < 0x80) { k = ascii_run(s, k, len); continue; }
    n = utf8_seq(s + k, len - k);
    if (!n) { lua_pushboolean(L, 0); return 1; }
    k += n;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static size_t digit_run(const unsigned char *s, size_t len, size_t p) {
  size_t k = p;
  while (k < len && is_digit(s[k])) k++;
  return k - p;
}

/* "[245]%.%d%d?%d?%.%d%d?%d?" at s[i]: the end (exclusive) or 0; *sub gets
 * the middle number. */
static size_t status_at(const unsigned char *s, size_t len, size_t i, int *sub) {
  size_t m, p, d, k;
  if (!(s[i] == '2' || s[i] == '4' || s[i] == '5') || i + 1 >= len || s[i + 1] != '.') return 0;
  m = digit_run(s, len, i + 2);
  if (m < 1 || m > 3 || i + 2 + m >= len || s[i + 2 + m] != '.') return 0;
  p = i + 3 + m;
  d = digit_run(s, len, p);
  if (d < 1) return 0;
  for (*sub = 0, k = i + 2; k < i + 2 + m; k++) *sub = *sub * 10 + (s[k] - '0');
  return p + (d > 3 ? 3 : d);
}

/* The first enhanced status code in free text from init on (not part of an
 * IP address or a version number, class 2/4/5, subject <= 7): code and
 * 1-based position, or nil (spfkit.bounce.text.find_status). */
static int l_find_status(lua_State *L) {
  size_t len, i;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  lua_Integer init = luaL_optinteger(L, 2, 1);
  if (init < 0) init = (lua_Integer)len + init + 1;
  if (init < 1) init = 1;
  if (init > (lua_Integer)len + 1) { lua_pushnil(L); return 1; }
  for (i = (size_t)init - 1; i + 1 < len; i++) {
    int sub = 0;
    size_t e = status_at(s, len, i, &sub);
    int prev_ok, next_ok;
    if (!e) continue;
    prev_ok = !(i > 0 && (s[i - 1] == '.' || is_digit(s[i - 1])));
    next_ok = e >= len || !(is_digit(s[e]) || (s[e] == '.' && e + 1 < len && is_digit(s[e + 1])));
    if (prev_ok && next_ok && sub <= 7) {
      lua_pushlstring(L, (const char *)s + i, e - i);
      lua_pushinteger(L, (lua_Integer)i + 1);
      return 2;
    }
  }
  lua_pushnil(L);
  return 1;
}

/* Lua's %s (C locale) */
/* The value of a base64 digit, -1 for any other byte. */
static int b64val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Base64 (mime.base64): bytes outside the alphabet skipped, padding
 * optional; a last group of 2 or 3 digits gives 1 or 2 bytes, of 1 none. */
static int l_base64(lua_State *L) {
  size_t len, r, n = 0;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  unsigned char *w = (unsigned char *)lua_newuserdata(L, len / 4 * 3 + 3);
  unsigned long acc = 0;
  int k = 0;
  for (r = 0; r < len; r++) {
    int v = b64val(s[r]);
    if (v < 0) continue;
    acc = (acc << 6) | (unsigned long)v;
    if (++k == 4) {
      w[n++] = (unsigned char)(acc >> 16);
      w[n++] = (unsigned char)(acc >> 8);
      w[n++] = (unsigned char)acc;
      acc = 0;
      k = 0;
    }
  }
  if (k >= 2) {
    acc <<= 6 * (4 - k);
    w[n++] = (unsigned char)(acc >> 16);
    if (k == 3) w[n++] = (unsigned char)(acc >> 8);
  }
  lua_pushlstring(L, (const char *)w, n);
  return 1;
}

static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static int is_alnum(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The words before a quoted SMTP reply code, as the generic reader's Lua
 * patterns (CODE_BEFORE in spfkit.bounce.readers.generic, in the same
 * order; the reader uses this only while its list is the same). */
static const struct reply_prefix {
  const char *pattern;  /* the Lua pattern it stands for */
  const char *lit;      /* the literal it starts with */
  int anchored, colon, spaces, bracket, run;
} PREFIXES[] = {
  { "^", "", 1, 0, 0, 0, 0 },
  { "<<<%s*", "<<<", 0, 0, 1, 0, 0 },
  { "^[#>%s]*", "", 1, 0, 0, 0, 1 },
  { "said:%s*", "said:", 0, 0, 1, 0, 0 },
  { "error:?%s*", "error", 0, 1, 1, 0, 0 },
  { "code:?%s*", "code", 0, 1, 1, 0, 0 },
  { "reply:?%s*", "reply", 0, 1, 1, 0, 0 },
  { "response:?%s*", "response", 0, 1, 1, 0, 0 },
  { ":%s*", ":", 0, 0, 1, 0, 0 },
  { "%(", "(", 0, 0, 0, 0, 0 },
  { ">>>%s*", ">>>", 0, 0, 1, 0, 0 },
  { "message:%s*%[", "message:", 0, 0, 1, 1, 0 },
  { "%[", "[", 0, 0, 0, 0, 0 },
  { "<<%s*", "<<", 0, 0, 1, 0, 0 },
  { "smtp;%s*", "smtp;", 0, 0, 1, 0, 0 },
  { "Error:?%s*", "Error", 0, 1, 1, 0, 0 },
  { "Code:?%s*", "Code", 0, 1, 1, 0, 0 },
};
#define NPREFIXES (sizeof PREFIXES / sizeof PREFIXES[0])

/* Where the code would start if prefix `x` matches at p, or len + 1. */
static size_t prefix_at(const struct reply_prefix *x, const unsigned char *s, size_t len, size_t p) {
  size_t n = strlen(x->lit), q = p + n;
  if (q > len || memcmp(s + p, x->lit, n) != 0) return len + 1;
  if (x->colon && q < len && s[q] == ':') q++;
  if (x->run) while (q < len && (s[q] == '#' || s[q] == '>' || is_space(s[q]))) q++;
  if (x->spaces) while (q < len && is_space(s[q])) q++;
  if (x->bracket) {
    if (q >= len || s[q] != '[') return len + 1;
    q++;
  }
  return q;
}

/* "([45]%d%d)%f[^%w%.]" at q */
static int code_at(const unsigned char *s, size_t len, size_t q) {
  if (q + 3 > len || !(s[q] == '4' || s[q] == '5') || !is_digit(s[q + 1]) || !is_digit(s[q + 2])) return 0;
  return q + 3 == len || !(is_alnum(s[q + 3]) || s[q + 3] == '.');
}

/* Where the code starts at the first position where prefix x and a code
 * match (Lua's find), or len + 1. A code starts at or after its prefix, so
 * no prefix starting after `qmax` (the last place a code could start) is
 * tried, and a literal is compared only where its first byte is. */
static size_t prefix_find(const struct reply_prefix *x, const unsigned char *s, size_t len, size_t qmax) {
  size_t p, last = x->anchored ? 0 : qmax;
  unsigned char c0 = (unsigned char)x->lit[0];
  for (p = 0; p <= last && p < len; p++) {
    size_t q;
    if (c0 && s[p] != c0) continue;
    q = prefix_at(x, s, len, p);
    if (q <= len && code_at(s, len, q)) return q;
  }
  return len + 1;
}

/* The last position where a code could start, or len + 1 if none can. */
static size_t last_code(const unsigned char *s, size_t len) {
  size_t q;
  for (q = len; q-- > 0;)
    if (code_at(s, len, q)) return q;
  return len + 1;
}

/* The SMTP reply code quoted in a line and its 1-based position, or nil
 * (spfkit.bounce.readers.generic.reply_in). */
static int l_reply_in(lua_State *L) {
  size_t len, k, qmax;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  qmax = last_code(s, len);
  for (k = 0; qmax < len && k < NPREFIXES; k++) {
    size_t q = prefix_find(&PREFIXES[k], s, len, qmax);
    if (q > len) continue;
    if (q + 3 == len || s[q + 3] == ' ' || s[q + 3] == '-' || s[q + 3] == ',' || s[q + 3] == ')') {
      lua_pushinteger(L, (s[q] - '0') * 100 + (s[q + 1] - '0') * 10 + (s[q + 2] - '0'));
      lua_pushinteger(L, (lua_Integer)q + 1);
      return 2;
    }
  }
  lua_pushnil(L);
  return 1;
}

static void push_reply_prefixes(lua_State *L) {
  size_t k;
  lua_createtable(L, (int)NPREFIXES, 0);
  for (k = 0; k < NPREFIXES; k++) {
    lua_pushstring(L, PREFIXES[k].pattern);
    lua_rawseti(L, -2, (int)k + 1);
  }
}

/* spfkit.bounce.text.address in one pass: the same five patterns. */
static int in_set(unsigned char c, const char *set) { return c && strchr(set, c) != NULL; }
/* [^<>%s] */
static int addr_char(unsigned char c) { return c != '<' && c != '>' && !is_space(c); }
/* [^<>%s"'(),;:] */
static int word_char(unsigned char c) { return addr_char(c) && !in_set(c, "\"'(),;:"); }
/* [%w%-%.%[%]:] */
static int domain_char(unsigned char c) { return is_alnum(c) || in_set(c, "-.[]:"); }

/* "^%s*[%w%-]+%s*;%s*": the length of the address-type prefix, or 0 */
static size_t type_prefix(const unsigned char *s, size_t len) {
  size_t k = 0, w;
  while (k < len && is_space(s[k])) k++;
  w = k;
  while (k < len && (is_alnum(s[k]) || s[k] == '-')) k++;
  if (k == w) return 0;
  while (k < len && is_space(s[k])) k++;
  if (k >= len || s[k] != ';') return 0;
  k++;
  while (k < len && is_space(s[k])) k++;
  return k;
}

/* "<%s*([^<>%s]+@[^<>%s]+)%s*>": capture [*a, *b) */
static int angle_addr(const unsigned char *s, size_t len, size_t *a, size_t *b) {
  size_t p;
  for (p = 0; p < len; p++) {
    size_t q, e, k;
    int found = 0;
    if (s[p] != '<') continue;
    q = p + 1;
    while (q < len && is_space(s[q])) q++;
    for (e = q; e < len && addr_char(s[e]); e++) {}
    for (k = q + 1; k + 1 < e && !found; k++) found = s[k] == '@';
    if (!found) continue;
    k = e;
    while (k < len && is_space(s[k])) k++;
    if (k < len && s[k] == '>') { *a = q; *b = e; return 1; }
  }
  return 0;
}

/* "([^<>%s\"'(),;:]+@[%w%-%.%[%]:]+)": capture [*a, *b) */
static int bare_addr(const unsigned char *s, size_t len, size_t *a, size_t *b) {
  size_t p = 0;
  while (p < len) {
    size_t e, x;
    if (!word_char(s[p])) { p++; continue; }
    for (e = p; e < len && word_char(s[e]); e++) {}
    for (x = e - 1; x > p; x--) {
      if (s[x] == '@' && x + 1 < len && domain_char(s[x + 1])) {
        size_t y = x + 1;
        while (y < len && domain_char(s[y])) y++;
        *a = p; *b = y;
        return 1;
      }
    }
    p = e;
  }
  return 0;
}

/* "<([^<>%s]+)>" */
static int angle_any(const unsigned char *s, size_t len, size_t *a, size_t *b) {
  size_t p;
  for (p = 0; p < len; p++) {
    size_t e;
    if (s[p] != '<') continue;
    for (e = p + 1; e < len && addr_char(s[e]); e++) {}
    if (e > p + 1 && e < len && s[e] == '>') { *a = p + 1; *b = e; return 1; }
  }
  return 0;
}

/* "^%s*([^<>%s]+)%s*$" */
static int whole_word(const unsigned char *s, size_t len, size_t *a, size_t *b) {
  size_t q = 0, e, k;
  while (q < len && is_space(s[q])) q++;
  for (e = q; e < len && addr_char(s[e]); e++) {}
  if (e == q) return 0;
  for (k = e; k < len && is_space(s[k]); k++) {}
  if (k != len) return 0;
  *a = q; *b = e;
  return 1;
}

/* The address's clean-ups (mailto:, source route, quoted local part,
 * trailing dots), lower-cased onto the stack; nil when nothing is left. */
static void push_clean_addr(lua_State *L, const unsigned char *s, size_t a, size_t b) {
  char small[256];
  char *w;
  size_t n = 0, k;
  unsigned char c;
  if (b - a >= 7 && memcmp(s + a, "mailto:", 7) == 0) a += 7;
  c = a < b ? s[a] : 0;
  if (c == '@') {   /* "^@[^:@]+:" */
    for (k = a + 1; k < b && s[k] != ':' && s[k] != '@'; k++) {}
    if (k > a + 1 && k < b && s[k] == ':') a = k + 1;
  }
  w = b - a <= sizeof small ? small : lua_newuserdata(L, b - a);
  if (c == '"') {   /* '^"([^"@]*)"@' -> "%1@" */
    for (k = a + 1; k < b && s[k] != '"' && s[k] != '@'; k++) {}
    if (k < b && s[k] == '"' && k + 1 < b && s[k + 1] == '@') {
      memcpy(w, s + a + 1, k - a - 1);
      n = k - a - 1;
      a = k + 1;
    }
  }
  memcpy(w + n, s + a, b - a);
  n += b - a;
  if (n > 0 && w[n - 1] == '.') while (n > 0 && w[n - 1] == '.') n--;
  for (k = 0; k < n; k++) if (w[k] >= 'A' && w[k] <= 'Z') w[k] = (char)(w[k] + 32);
  if (n == 0) lua_pushnil(L);
  else lua_pushlstring(L, w, n);
}

/* core.address(v) -> lower-case address | nil (spfkit.bounce.text.address) */
static int l_address(lua_State *L) {
  size_t len, a = 0, b = 0;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  size_t t = type_prefix(s, len);
  int ok;
  s += t;
  len -= t;
  ok = (memchr(s, '@', len) && (angle_addr(s, len, &a, &b) || bare_addr(s, len, &a, &b)))
    || angle_any(s, len, &a, &b) || whole_word(s, len, &a, &b);
  if (!ok) { lua_pushnil(L); return 1; }
  push_clean_addr(L, s, a, b);
  return 1;
}

/* core.domain(d) -> d lower-cased without leading [<( and trailing
 * ]>).,;: runs when it is a dotted name of [%w%-_%.], else nil
 * (spfkit.bounce.text.domain) */
static int l_domain(lua_State *L) {
  size_t len, a = 0, k, n;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  char small[256];
  char *w;
  int dot = 0;
  while (a < len && (s[a] == '[' || s[a] == '<' || s[a] == '(')) a++;
  while (len > a && in_set(s[len - 1], "]>).,;:")) len--;
  n = len - a;
  if (n == 0) { lua_pushnil(L); return 1; }
  for (k = a; k < len; k++) {
    unsigned char c = s[k];
    if (!(is_alnum(c) || c == '-' || c == '_' || c == '.')) { lua_pushnil(L); return 1; }
    if (c == '.') dot = 1;
  }
  if (!dot) { lua_pushnil(L); return 1; }
  w = n <= sizeof small ? small : lua_newuserdata(L, n);
  for (k = 0; k < n; k++) {
    unsigned char c = s[a + k];
    w[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  lua_pushlstring(L, w, n);
  return 1;
}

/* "^(%d+)%.(%d+)%.(%d+)%.(%d+)$": 1 and each number <= 255 in *ok, or 0 */
static int dotted_quad(const unsigned char *s, size_t len, int *ok) {
  size_t k = 0;
  int part;
  *ok = 1;
  for (part = 0; part < 4; part++) {
    size_t d = k;
    unsigned v = 0;
    while (k < len && is_digit(s[k])) { if (v <= 255) v = v * 10 + (unsigned)(s[k] - '0'); k++; }
    if (k == d) return 0;
    if (v > 255) *ok = 0;
    if (part < 3) { if (k >= len || s[k] != '.') return 0; k++; }
  }
  return k == len;
}

static int is_xdigit(unsigned char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* core.ip(s) -> s when it is an IPv4 address, the lower-case IPv6 address
 * (without "IPv6:"), or nil (spfkit.bounce.text.ip) */
static int l_ip(lua_State *L) {
  size_t len, k, n;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  char w[64];
  int ok, colon = 0, hex = 0;
  if (dotted_quad(s, len, &ok)) {
    if (ok) lua_settop(L, 1); else lua_pushnil(L);
    return 1;
  }
  n = len;
  k = 0;
  if (len >= 5) {
    size_t i;
    int pre = 1;
    for (i = 0; i < 5; i++) {
      unsigned char c = s[i];
      if ((char)(c >= 'A' && c <= 'Z' ? c + 32 : c) != "ipv6:"[i]) pre = 0;
    }
    if (pre) { k = 5; n = len - 5; }
  }
  if (n < 2 || n > 45) { lua_pushnil(L); return 1; }
  for (len = 0; len < n; len++) {
    unsigned char c = s[k + len];
    c = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (!(is_xdigit(c) || c == ':' || c == '.')) { lua_pushnil(L); return 1; }
    if (c == ':') colon = 1;
    if (is_xdigit(c)) hex = 1;
    if (c == ':' && len >= 2 && w[len - 1] == ':' && w[len - 2] == ':') { lua_pushnil(L); return 1; }
    w[len] = (char)c;
  }
  if (!colon || !hex) { lua_pushnil(L); return 1; }
  lua_pushlstring(L, w, n);
  return 1;
}

/* s without leading and trailing whitespace (%s). */
static int l_trim(lua_State *L) {
  size_t len, a = 0;
  const char *s = luaL_checklstring(L, 1, &len);
  while (a < len && is_space((unsigned char)s[a])) a++;
  while (len > a && is_space((unsigned char)s[len - 1])) len--;
  lua_pushlstring(L, s + a, len - a);
  return 1;
}

/* Each run of whitespace (%s) made one space, then trimmed. */
static int l_fold(lua_State *L) {
  size_t len, r, n = 0;
  const char *s = luaL_checklstring(L, 1, &len);
  char *w = scratch(L, s, len);
  for (r = 0; r < len; r++) {
    if (!is_space((unsigned char)w[r])) { w[n++] = w[r]; continue; }
    while (r + 1 < len && is_space((unsigned char)w[r + 1])) r++;
    if (n > 0 && r + 1 < len) w[n++] = ' ';
  }
  lua_pushlstring(L, w, n);
  return 1;
}

/* Position (0-based) of t in s[0..limit) + t's tail, or (size_t)-1: the
 * first occurrence starting before `limit`. */
static size_t find_before(const char *s, size_t len, const char *t, size_t tlen, size_t limit) {
  const char *p = s, *end = s + len;
  if (tlen == 0) return 0;
  while ((size_t)(end - p) >= tlen && (size_t)(p - s) < limit) {
    p = memchr(p, (unsigned char)t[0], (size_t)(end - p) - tlen + 1);
    if (!p || (size_t)(p - s) >= limit) return (size_t)-1;
    if (memcmp(p, t, tlen) == 0) return (size_t)(p - s);
    p++;
  }
  return (size_t)-1;
}

/* core.find_first(s, {needle, ...}) -> 1-based position and index of the
 * needle that occurs first in s (plain; on a tie the earlier needle), or
 * nil. Needles that share their first byte are found in one pass. */
static int l_find_first(lua_State *L) {
  size_t len, best = (size_t)-1, i, n, pos;
  const char *s = luaL_checklstring(L, 1, &len);
  const char *t[64];
  size_t tl[64];
  int shared = 1;
  size_t besti = 0;
  luaL_checktype(L, 2, LUA_TTABLE);
  n = spfk_rawlen(L, 2);
  if (n > 64) return luaL_error(L, "find_first: at most 64 needles");
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, 2, (int)i + 1);
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "find_first: entry %d is not a string", (int)i + 1);
    t[i] = lua_tolstring(L, -1, &tl[i]);   /* kept alive by the table */
    lua_pop(L, 1);
    if (tl[i] == 0 || t[i][0] != t[0][0]) shared = 0;
  }
  if (n > 0 && shared) {
    const char *p = s, *end = s + len;
    while (p < end && (p = memchr(p, (unsigned char)t[0][0], (size_t)(end - p))) != NULL) {
      pos = (size_t)(p - s);
      for (i = 0; i < n; i++) {
        if (tl[i] <= len - pos && memcmp(p, t[i], tl[i]) == 0) { best = pos; besti = i; break; }
      }
      if (best != (size_t)-1) break;
      p++;
    }
  } else {
    for (i = 0; i < n; i++) {
      pos = find_before(s, len, t[i], tl[i], best == (size_t)-1 ? len + 1 : best);
      if (pos != (size_t)-1) { best = pos; besti = i; }
    }
  }
  if (best == (size_t)-1) { lua_pushnil(L); return 1; }
  lua_pushinteger(L, (lua_Integer)best + 1);
  lua_pushinteger(L, (lua_Integer)besti + 1);
  return 2;
}

/* core.find_within(s, t, i, j) -> 1-based position of the first t lying
 * wholly inside s[i..j] (plain; i, j clamped), or nil. */
static int l_find_within(lua_State *L) {
  size_t len, tlen, pos;
  const char *s = luaL_checklstring(L, 1, &len);
  const char *t = luaL_checklstring(L, 2, &tlen);
  lua_Integer i = luaL_checkinteger(L, 3), j = luaL_checkinteger(L, 4);
  if (i < 1) i = 1;
  if (j > (lua_Integer)len) j = (lua_Integer)len;
  if (j < i || (size_t)(j - i + 1) < tlen) { lua_pushnil(L); return 1; }
  pos = find_before(s + i - 1, (size_t)(j - i + 1), t, tlen, (size_t)(j - i + 1));
  if (pos == (size_t)-1) { lua_pushnil(L); return 1; }
  lua_pushinteger(L, i + (lua_Integer)pos);
  return 1;
}

void spfkit_open_text(lua_State *L) {
  lua_pushcfunction(L, l_domain);
  lua_setfield(L, -2, "domain");
  lua_pushcfunction(L, l_ip);
  lua_setfield(L, -2, "ip");
  lua_pushcfunction(L, l_address);
  lua_setfield(L, -2, "address");
  lua_pushcfunction(L, l_find_within);
  lua_setfield(L, -2, "find_within");
  lua_pushcfunction(L, l_header_values);
  lua_setfield(L, -2, "header_values");
  lua_pushcfunction(L, l_find_first);
  lua_setfield(L, -2, "find_first");
  lua_pushcfunction(L, l_header_map);
  lua_setfield(L, -2, "header_map");
  lua_pushcfunction(L, l_reply_in);
  lua_setfield(L, -2, "reply_in");
  push_reply_prefixes(L);
  lua_setfield(L, -2, "REPLY_PREFIXES");
  lua_pushcfunction(L, l_find_status);
  lua_setfield(L, -2, "find_status");
  lua_pushcfunction(L, l_is_utf8);
  lua_setfield(L, -2, "is_utf8");
  lua_pushcfunction(L, l_trim);
  lua_setfield(L, -2, "trim");
  lua_pushcfunction(L, l_fold);
  lua_setfield(L, -2, "fold");
  lua_pushcfunction(L, l_header_scan);
  lua_setfield(L, -2, "header_scan");
  lua_pushcfunction(L, l_unfold);
  lua_setfield(L, -2, "unfold");
  lua_pushcfunction(L, l_is_ascii);
  lua_setfield(L, -2, "is_ascii");
  lua_pushcfunction(L, l_normalize);
  lua_setfield(L, -2, "normalize");
  lua_pushcfunction(L, l_qp);
  lua_setfield(L, -2, "qp");
  lua_pushcfunction(L, l_base64);
  lua_setfield(L, -2, "base64");
  lua_pushcfunction(L, l_lines);
  lua_setfield(L, -2, "lines");
  lua_pushcfunction(L, l_find_any);
  lua_setfield(L, -2, "find_any");
}
