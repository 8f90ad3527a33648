/* Arena allocator: everything one parse or one check allocates lives in
 * one arena and is freed at once, so no error path can leak. */
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "spfkit.h"

typedef struct chunk { struct chunk *next; size_t used, size; } chunk;

struct spfk_arena { chunk *head; };

#define CHUNK_MIN 8192
#define ALIGN 16

spfk_arena *spfk_arena_new(void) {
  return calloc(1, sizeof(spfk_arena));
}

/* Frees every chunk but the first (the standard-sized one), for reuse. */
void spfk_arena_reset(spfk_arena *a) {
  chunk *c, *n, *keep = NULL;
  for (c = a->head; c; c = n) {
    n = c->next;
    if (!keep && c->size == CHUNK_MIN) { keep = c; continue; }
    free(c);
  }
  if (keep) { keep->used = 0; keep->next = NULL; }
  a->head = keep;
}

void spfk_arena_free(spfk_arena *a) {
  chunk *c, *n;
  if (!a) return;
  for (c = a->head; c; c = n) { n = c->next; free(c); }
  free(a);
}

static size_t hdr(void) { return (sizeof(chunk) + ALIGN - 1) & ~(size_t)(ALIGN - 1); }

void *spfk_alloc(spfk_arena *a, size_t n) {
  chunk *c = a->head;
  size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
  if (need < n) return NULL;
  if (!c || c->size - c->used < need) {
    size_t size = need > CHUNK_MIN ? need : CHUNK_MIN;
    if (size > (size_t)-1 - hdr()) return NULL;
    c = malloc(hdr() + size);
    if (!c) return NULL;
    c->size = size; c->used = 0;
    /* big one-off blocks go behind the head so the head keeps its room */
    if (a->head && need > CHUNK_MIN) { c->next = a->head->next; a->head->next = c; }
    else { c->next = a->head; a->head = c; }
  }
  c->used += need;
  return (char *)c + hdr() + c->used - need;
}

char *spfk_memdup(spfk_arena *a, const void *p, size_t n) {
  char *s = n + 1 ? spfk_alloc(a, n + 1) : NULL;
  if (!s) return NULL;
  if (n) memcpy(s, p, n);
  s[n] = '\0';
  return s;
}

char *spfk_lower_dup(spfk_arena *a, const char *p, size_t n) {
  char *s = spfk_memdup(a, p, n);
  size_t i;
  if (s) for (i = 0; i < n; i++) s[i] = (char)tolower((unsigned char)s[i]);
  return s;
}

static int arena__gc(lua_State *L) {
  spfk_arena **pa = luaL_checkudata(L, 1, SPFKIT_ARENA_MT);
  spfk_arena_free(*pa);
  *pa = NULL;
  return 0;
}

spfk_arena *spfk_arena_push(lua_State *L) {
  spfk_arena **pa = lua_newuserdata(L, sizeof *pa);
  *pa = NULL;
  if (luaL_newmetatable(L, SPFKIT_ARENA_MT)) {
    lua_pushcfunction(L, arena__gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  *pa = spfk_arena_new();
  if (!*pa) luaL_error(L, "spfkit: out of memory");
  return *pa;
}

void spfk_buf_init(spfk_buf *b, spfk_arena *a) {
  b->a = a; b->p = NULL; b->len = b->cap = 0; b->oom = 0;
}

void spfk_buf_add(spfk_buf *b, const void *p, size_t n) {
  if (b->oom || n == 0) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    char *np;
    while (cap < b->len + n + 1) cap *= 2;
    np = spfk_alloc(b->a, cap);
    if (!np) { b->oom = 1; return; }
    if (b->len) memcpy(np, b->p, b->len);
    b->p = np; b->cap = cap;
  }
  memcpy(b->p + b->len, p, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void spfk_buf_addc(spfk_buf *b, char c) { spfk_buf_add(b, &c, 1); }
void spfk_buf_adds(spfk_buf *b, const char *s) { spfk_buf_add(b, s, strlen(s)); }
