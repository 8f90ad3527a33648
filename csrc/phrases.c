/* Phrase tables searched in one pass (spfkit.bounce.reason).
 *
 *   core.phrase_index({phrase, ...}) -> index (a string: the compiled table)
 *   core.phrase_find(index, text)    -> {i, ...} the phrases found in text,
 *                                        ascending, each once
 *
 * A phrase is a plain byte string of 3 bytes or more (the reason tables are
 * lower-case substrings). The index is a hash of every phrase's first three
 * bytes: the search looks each position of the text up once and compares
 * only the phrases that start with the same three bytes, so its cost is
 * the text's length, not the number of phrases times the text's length.
 * The index is an ordinary Lua string (built here, read only here): nothing
 * to free, nothing a Lua error could leak. */
#include <string.h>
#include <stdint.h>
#include "spfkit.h"

#define MAGIC 0x504b5053u   /* "SPKP" */
#define MAX_PHRASES 8192
#define MAX_PHRASE_LEN 4096

/* layout, uint32 words: magic, nbuckets, nphrases, bucket heads
 * [nbuckets] (phrase number + 1, 0 = none), then per phrase next, offset,
 * length, key; then the phrase bytes. Read with memcpy (no alignment is
 * assumed for a string's bytes). */
enum { H_MAGIC = 0, H_NB = 1, H_N = 2, H_WORDS = 3 };

static uint32_t key3(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
}

static uint32_t slot(uint32_t key, uint32_t nb) {
  return (key * 2654435761u >> 8) & (nb - 1);
}

static uint32_t rd(const char *b, size_t word) {
  uint32_t v;
  memcpy(&v, b + word * 4, 4);
  return v;
}

static void wr(char *b, size_t word, uint32_t v) {
  memcpy(b + word * 4, &v, 4);
}

/* Word index of phrase i's record (next, offset, length, key). */
static size_t rec(uint32_t nb, uint32_t i) {
  return H_WORDS + (size_t)nb + (size_t)i * 4;
}

static int l_phrase_index(lua_State *L) {
  uint32_t n, nb = 64, i;
  size_t total = 0, words, off;
  char *b;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = (uint32_t)spfk_rawlen(L, 1);
  if (n > MAX_PHRASES) return luaL_error(L, "phrase_index: more than %d phrases", MAX_PHRASES);
  for (i = 1; i <= n; i++) {
    size_t len;
    lua_rawgeti(L, 1, (lua_Integer)i);
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "phrase_index: entry %d is not a string", (int)i);
    lua_tolstring(L, -1, &len);
    if (len < 3 || len > MAX_PHRASE_LEN)
      return luaL_error(L, "phrase_index: entry %d has %d bytes (3 to %d)", (int)i, (int)len, MAX_PHRASE_LEN);
    total += len;
    lua_pop(L, 1);
  }
  while (nb < 2 * n) nb *= 2;
  words = H_WORDS + (size_t)nb + (size_t)n * 4;
  /* scratch space owned by Lua (collected, nothing to free on an error) */
  b = lua_newuserdata(L, words * 4 + total);
  memset(b, 0, words * 4);
  wr(b, H_MAGIC, MAGIC);
  wr(b, H_NB, nb);
  wr(b, H_N, n);
  off = words * 4;
  for (i = 0; i < n; i++) {
    size_t len;
    const char *p;
    uint32_t key, s;
    lua_rawgeti(L, 1, (lua_Integer)i + 1);
    p = lua_tolstring(L, -1, &len);
    memcpy(b + off, p, len);
    lua_pop(L, 1);
    key = key3((const unsigned char *)p);
    s = slot(key, nb);
    wr(b, rec(nb, i), rd(b, H_WORDS + s));   /* chain: next = old head */
    wr(b, rec(nb, i) + 1, (uint32_t)off);
    wr(b, rec(nb, i) + 2, (uint32_t)len);
    wr(b, rec(nb, i) + 3, key);
    wr(b, H_WORDS + s, i + 1);
    off += len;
  }
  lua_pushlstring(L, b, words * 4 + total);
  return 1;
}

static int l_phrase_find(lua_State *L) {
  size_t blen, tlen, pos;
  const char *b = luaL_checklstring(L, 1, &blen);
  const unsigned char *t = (const unsigned char *)luaL_checklstring(L, 2, &tlen);
  unsigned char seen[MAX_PHRASES / 8];
  uint32_t nb, n, i;
  lua_Integer k = 0;
  if (blen < H_WORDS * 4 || rd(b, H_MAGIC) != MAGIC) return luaL_error(L, "phrase_find: not a phrase index");
  nb = rd(b, H_NB);
  n = rd(b, H_N);
  if (n > MAX_PHRASES || nb == 0 || (nb & (nb - 1)) != 0 || nb > 4 * MAX_PHRASES ||
      blen < (H_WORDS + (size_t)nb + (size_t)n * 4) * 4)
    return luaL_error(L, "phrase_find: not a phrase index");
  memset(seen, 0, (n + 7) / 8);
  for (pos = 0; tlen >= 3 && pos <= tlen - 3; pos++) {
    uint32_t key = key3(t + pos);
    uint32_t e = rd(b, H_WORDS + slot(key, nb));
    uint32_t hops = 0;
    while (e && e <= n && hops++ < n) {   /* bounded even on a forged index */
      size_t r = rec(nb, e - 1);
      uint32_t len = rd(b, r + 2), off = rd(b, r + 1);
      if (rd(b, r + 3) == key && len <= tlen - pos && (size_t)off + len <= blen &&
          !(seen[(e - 1) >> 3] & (1u << ((e - 1) & 7))) && memcmp(b + off, t + pos, len) == 0)
        seen[(e - 1) >> 3] |= (unsigned char)(1u << ((e - 1) & 7));
      e = rd(b, r);
    }
  }
  lua_newtable(L);
  /* (a byte at a time: most texts hold few of the phrases) */
  for (i = 0; i < n; i += 8) {
    uint32_t j;
    if (!seen[i >> 3]) continue;
    for (j = i; j < i + 8 && j < n; j++)
      if (seen[j >> 3] & (1u << (j & 7))) {
        lua_pushinteger(L, (lua_Integer)j + 1);
        lua_rawseti(L, -2, ++k);
      }
  }
  return 1;
}

void spfkit_open_phrases(lua_State *L) {
  lua_pushcfunction(L, l_phrase_index);
  lua_setfield(L, -2, "phrase_index");
  lua_pushcfunction(L, l_phrase_find);
  lua_setfield(L, -2, "phrase_find");
}
