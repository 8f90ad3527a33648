/* HTML notice to text for the bounce reader (spfkit.bounce.text.html_text):
 *   core.html_text(s) -> s with <br>, <p>, </p>, <div ...> and </div> made
 *   "\n", every other tag removed, and the entities a notice uses decoded.
 * The same five passes as the Lua version (five gsubs, each over the output
 * of the one before, left to right without rescanning a replacement), done
 * in place in one scratch copy owned by the Lua stack. */
#include <string.h>
#include "spfkit.h"

/* Lua's %s and %w (C locale) */
static int is_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_ci(unsigned char c, char lower) {
  return c == (unsigned char)lower || c == (unsigned char)(lower - 32);
}

/* Each matcher gets w[r] == '<' and returns the index just past the tag it
 * matches at r, or 0 when there is none. */

/* <[Bb][Rr]%s*, then "/?>" */
static size_t tag_br(const char *w, size_t r, size_t len) {
  size_t k = r + 1;
  if (k + 1 >= len || !is_ci((unsigned char)w[k], 'b') || !is_ci((unsigned char)w[k + 1], 'r')) return 0;
  k += 2;
  while (k < len && is_space((unsigned char)w[k])) k++;
  if (k < len && w[k] == '/') k++;
  return k < len && w[k] == '>' ? k + 1 : 0;
}

/* </?[Pp]> */
static size_t tag_p(const char *w, size_t r, size_t len) {
  size_t k = r + 1;
  if (k < len && w[k] == '/') k++;
  if (k + 1 >= len || !is_ci((unsigned char)w[k], 'p') || w[k + 1] != '>') return 0;
  return k + 2;
}

/* </?[Dd][Ii][Vv][^>]*> */
static size_t tag_div(const char *w, size_t r, size_t len) {
  size_t k = r + 1;
  const char *gt;
  if (k < len && w[k] == '/') k++;
  if (k + 2 >= len || !is_ci((unsigned char)w[k], 'd') || !is_ci((unsigned char)w[k + 1], 'i')
      || !is_ci((unsigned char)w[k + 2], 'v')) return 0;
  k += 3;
  gt = memchr(w + k, '>', len - k);
  return gt ? (size_t)(gt - w) + 1 : 0;
}

/* <[^<>]*> */
static size_t tag_any(const char *w, size_t r, size_t len) {
  size_t k = r + 1;
  while (k < len && w[k] != '<' && w[k] != '>') k++;
  return k < len && w[k] == '>' ? k + 1 : 0;
}

typedef size_t (*tag_fn)(const char *, size_t, size_t);

/* One gsub pass: each match becomes `rep` (0: removed). Returns the new
 * length; writes never pass the read position. */
static size_t tag_pass(char *w, size_t len, tag_fn match, char rep) {
  size_t r = 0, n = 0, e;
  while (r < len) {
    const char *lt = memchr(w + r, '<', len - r);
    size_t p = lt ? (size_t)(lt - w) : len;
    if (n != r) memmove(w + n, w + r, p - r);
    n += p - r;
    r = p;
    if (r >= len) break;
    e = match(w, r, len);
    if (e) {
      if (rep) w[n++] = rep;
      r = e;
    } else {
      w[n++] = w[r++];
    }
  }
  return n;
}

/* The entities of &(#?%w+); that a notice uses; others stay as written. */
static char entity(const char *name, size_t n) {
  static const struct { const char *name; char c; } table[] = {
    { "#39", '\'' }, { "quot", '"' }, { "lt", '<' }, { "gt", '>' }, { "nbsp", ' ' }, { "amp", '&' },
  };
  size_t i;
  for (i = 0; i < sizeof table / sizeof table[0]; i++) {
    if (strlen(table[i].name) == n && memcmp(table[i].name, name, n) == 0) return table[i].c;
  }
  return 0;
}

/* Index just past "&(#?%w+);" at r (w[r] == '&'), or 0. */
static size_t entity_end(const char *w, size_t r, size_t len) {
  size_t k = r + 1, s;
  if (k < len && w[k] == '#') k++;
  s = k;
  while (k < len && is_alnum((unsigned char)w[k])) k++;
  return k > s && k < len && w[k] == ';' ? k + 1 : 0;
}

static size_t entity_pass(char *w, size_t len) {
  size_t r = 0, n = 0, e;
  while (r < len) {
    char c;
    if (w[r] != '&') { w[n++] = w[r++]; continue; }
    e = entity_end(w, r, len);
    c = e ? entity(w + r + 1, e - r - 2) : 0;
    if (c) {
      w[n++] = c;
      r = e;
    } else {
      w[n++] = w[r++];
    }
  }
  return n;
}

static int l_html_text(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  char *w;
  if (!memchr(s, '<', len) && !memchr(s, '&', len)) { lua_settop(L, 1); return 1; }
  w = lua_newuserdata(L, len ? len : 1);
  memcpy(w, s, len);
  len = tag_pass(w, len, tag_br, '\n');
  len = tag_pass(w, len, tag_p, '\n');
  len = tag_pass(w, len, tag_div, '\n');
  len = tag_pass(w, len, tag_any, 0);
  if (memchr(w, '&', len)) len = entity_pass(w, len);
  lua_pushlstring(L, w, len);
  return 1;
}

void spfkit_open_html(lua_State *L) {
  lua_pushcfunction(L, l_html_text);
  lua_setfield(L, -2, "html_text");
}
