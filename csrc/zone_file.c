/* spfkit.zone_file: a zone source read from a DNS master file (RFC 1035
 * section 5), with ldns's record reader (ldns_rr_new_frm_fp_l).
 *
 *   core.zone_file(path [, origin]) -> zone
 *                                    | nil, { code = "zone-file", line = n,
 *                                             message = "path:n: text" }
 *
 * The result is the zone userdata core.zone returns: this file builds the
 * core.zone table ({ ["name"] = { {TXT = {"s1", "s2"}, ttl = 3600}, ... } })
 * and hands it to spfk_zone_from_table (dns_zone.c).
 *
 * - ldns does the syntax: $ORIGIN, $TTL, "@", relative names, blank
 *   owners, parentheses, comments, quoted strings with \" and \DDD, RFC 3597
 *   \# rdata. A relative $ORIGIN is relative to the current origin (RFC
 *   1035; ldns alone would make it absolute).
 * - origin is the origin until the file sets $ORIGIN. With no origin at
 *   all, a relative name or "@" is an error: ldns would silently make
 *   "www" into "www." and "@" into the root, so we give ldns a sentinel
 *   origin (a label no real zone has) and refuse names that end in it.
 * - Kept: A, AAAA, MX, TXT, SPF, CNAME, PTR, NS of class IN, with their
 *   TTLs. Any other type (SOA, CAA, DS, ...) or class is skipped.
 * - TTLs: as written (digits, or 1h30m style); a record without one gets
 *   $TTL, or ldns's default (3600) before any $TTL (ldns does not carry the
 *   last explicit TTL forward as RFC 1035 does). We check TTL fields and
 *   $TTL ourselves, because ldns ignores junk after the digits ("1x" is 1)
 *   and wraps at 2^32: junk and values above 2147483647 (RFC 2181) are
 *   errors. ldns also turns "$TTL 0" into 3600; we keep the 0.
 * - $INCLUDE is refused (ldns does not implement it, and a zone file should
 *   not make us open other files).
 * - Bounds: files up to 16 MB, lines and records up to 65535 bytes (ldns
 *   silently truncates longer rdata), at most 200000 records; no NUL bytes.
 *
 * Bad input never raises: missing file, directory, binary junk, syntax
 * errors and the bounds above return nil and the error table; line is the
 * line where the offending record starts (absent when no line applies).
 * Every ldns object, the file and the buffer belong to a guard userdata
 * whose __gc frees them, so a Lua error (out of memory) leaks nothing;
 * normal paths free them at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <ldns/ldns.h>
#include "spfkit.h"

#define MAX_FILE_BYTES   ((size_t)16 << 20)
#define MAX_RECORDS      200000
#define MAX_RECORD_BYTES ((size_t)LDNS_MAX_PACKETLEN)
#define MAX_TTL          2147483647u
#define NAME_TEXT        (4 * 255 + 8)   /* a wire name as text, \DDD escapes */
/* the origin given to ldns when there is none; its label starts with a NUL
 * byte */
#define NO_ORIGIN        "\\000spfkit-no-origin."
#define NO_ORIGIN_LABEL  "\0spfkit-no-origin"

/* everything that must be freed, owned by a userdata (see header) */
typedef struct reader {
  int fd;                 /* -1 when closed */
  char *buf;              /* the whole file */
  size_t len;
  FILE *fp;               /* fmemopen over buf */
  ldns_rr *rr;
  ldns_rdf *origin, *prev, *last_origin;
} reader;

static void reader_close(reader *r) {
  if (r->fp) { fclose(r->fp); r->fp = NULL; }
  if (r->fd >= 0) { close(r->fd); r->fd = -1; }
  free(r->buf); r->buf = NULL; r->len = 0;
  if (r->rr) { ldns_rr_free(r->rr); r->rr = NULL; }
  if (r->origin) { ldns_rdf_deep_free(r->origin); r->origin = NULL; }
  if (r->prev) { ldns_rdf_deep_free(r->prev); r->prev = NULL; }
  if (r->last_origin) { ldns_rdf_deep_free(r->last_origin); r->last_origin = NULL; }
}

static int reader__gc(lua_State *L) {
  reader_close(lua_touserdata(L, 1));
  return 0;
}

/* frees the reader and pushes nil, { code = "zone-file", message, line } */
static int fail(lua_State *L, reader *r, const char *path, int line, const char *msg) {
  reader_close(r);
  lua_pushnil(L);
  if (line > 0) lua_pushfstring(L, "%s:%d: %s", path, line, msg);
  else lua_pushfstring(L, "%s: %s", path, msg);
  spfk_push_error(L, "zone-file", lua_tostring(L, -1), 0);
  lua_remove(L, -2);
  if (line > 0) {
    lua_pushinteger(L, line);
    lua_setfield(L, -2, "line");
  }
  return 2;
}

/* reads the whole regular file into r->buf; NULL or an error message */
static const char *read_file(reader *r, const char *path) {
  struct stat st;
  size_t cap;
  /* O_NONBLOCK: opening a FIFO must not wait for a writer */
  r->fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (r->fd < 0) return strerror(errno);
  if (fstat(r->fd, &st) < 0) return strerror(errno);
  if (S_ISDIR(st.st_mode)) return strerror(EISDIR);
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (st.st_size < 0 || (uintmax_t)st.st_size > MAX_FILE_BYTES)
    return "larger than 16 MB (the limit for a zone file)";
  cap = (size_t)st.st_size + 1;   /* +1: notices a file that grew */
  r->buf = malloc(cap);
  if (!r->buf) return "out of memory";
  for (;;) {
    ssize_t got = read(r->fd, r->buf + r->len, cap - r->len);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return strerror(errno);
    if (got == 0) break;
    r->len += (size_t)got;
    if (r->len == cap) {
      char *nb;
      if (cap > MAX_FILE_BYTES) return "larger than 16 MB (the limit for a zone file)";
      cap = cap * 2 > MAX_FILE_BYTES + 1 ? MAX_FILE_BYTES + 1 : cap * 2;
      nb = realloc(r->buf, cap);
      if (!nb) return "out of memory";
      r->buf = nb;
    }
  }
  close(r->fd);
  r->fd = -1;
  return NULL;
}

static int line_at(const char *b, size_t off) {
  int line = 1;
  size_t i;
  for (i = 0; i < off; i++) if (b[i] == '\n') line++;
  return line;
}

/* the first byte from off on that is not blank space or a comment: where
 * the next record (or directive) starts */
static size_t record_start(const char *b, size_t n, size_t off) {
  while (off < n) {
    char c = b[off];
    if (c == ';') { while (off < n && b[off] != '\n') off++; }
    else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') off++;
    else break;
  }
  return off;
}

/* text form of a wire name: lower-case, no trailing dot, RFC 1035 escapes.
 * Returns -1 on a malformed name, 1 when it ends in the NO_ORIGIN label
 * (then out is the name without it), else 0. */
static int dname_text(const ldns_rdf *d, char *out, size_t cap) {
  const uint8_t *p;
  size_t n, i = 0, o = 0;
  out[0] = '\0';
  if (!d || ldns_rdf_get_type(d) != LDNS_RDF_TYPE_DNAME) return -1;
  p = ldns_rdf_data(d);
  n = ldns_rdf_size(d);
  while (i < n) {
    size_t len = p[i++], j;
    if (len == 0) break;
    if (len > 63 || i + len > n) return -1;
    if (len == sizeof NO_ORIGIN_LABEL - 1 && memcmp(p + i, NO_ORIGIN_LABEL, len) == 0) {
      out[o] = '\0';
      return 1;
    }
    if (o) out[o++] = '.';
    for (j = 0; j < len; j++) {
      unsigned c = p[i + j];
      if (o + 5 >= cap) return -1;
      if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\' || c == '"') {
        out[o++] = '\\';
        out[o++] = (char)c;
      } else if (c <= 0x20 || c >= 0x7f) {
        snprintf(out + o, cap - o, "\\%03u", c);
        o += 4;
      } else {
        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
      }
    }
    i += len;
  }
  out[o] = '\0';
  return 0;
}

/* the text of a name field; NULL or an error message (in msg) */
static const char *name_field(const ldns_rdf *d, char *out, size_t cap, char *msg, size_t msgcap) {
  int r = dname_text(d, out, cap);
  if (r < 0) return "malformed domain name";
  if (r > 0) {
    snprintf(msg, msgcap, "relative name '%s' and no origin ($ORIGIN or the origin argument)",
             *out ? out : "@");
    return msg;
  }
  return NULL;
}

/* the rdata field i, when it has type t (and size sz, 0: any) */
static const ldns_rdf *field(const ldns_rr *rr, size_t i, ldns_rdf_type t, size_t sz) {
  const ldns_rdf *f = i < ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, i) : NULL;
  if (!f || ldns_rdf_get_type(f) != t || (sz && ldns_rdf_size(f) != sz)) return NULL;
  return f;
}

/* adds r->rr to the names table at tbl; NULL or an error message (in msg,
 * or static) */
static const char *add_rr(lua_State *L, int tbl, const ldns_rr *rr, char *msg, size_t msgcap) {
  char owner[NAME_TEXT], host[NAME_TEXT], addr[INET6_ADDRSTRLEN];
  const char *tn, *err;
  const ldns_rdf *f;
  uint32_t ttl = ldns_rr_ttl(rr);
  unsigned pref = 0;
  size_t i, n;
  ldns_rr_type type = ldns_rr_get_type(rr);

  if ((err = name_field(ldns_rr_owner(rr), owner, sizeof owner, msg, msgcap))) return err;
  if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) return NULL;
  switch (type) {
  case LDNS_RR_TYPE_A: tn = "A"; break;
  case LDNS_RR_TYPE_AAAA: tn = "AAAA"; break;
  case LDNS_RR_TYPE_MX: tn = "MX"; break;
  case LDNS_RR_TYPE_TXT: tn = "TXT"; break;
  case LDNS_RR_TYPE_SPF: tn = "SPF"; break;
  case LDNS_RR_TYPE_CNAME: tn = "CNAME"; break;
  case LDNS_RR_TYPE_PTR: tn = "PTR"; break;
  case LDNS_RR_TYPE_NS: tn = "NS"; break;
  default: return NULL;   /* SOA, CAA, DS, ...: not zone data we keep */
  }
  if (ttl > MAX_TTL) return "TTL above 2147483647 (RFC 2181)";

  /* check the rdata before pushing anything */
  switch (type) {
  case LDNS_RR_TYPE_A:
    if (!(f = field(rr, 0, LDNS_RDF_TYPE_A, 4))) goto bad;
    inet_ntop(AF_INET, ldns_rdf_data(f), addr, sizeof addr);
    break;
  case LDNS_RR_TYPE_AAAA:
    if (!(f = field(rr, 0, LDNS_RDF_TYPE_AAAA, 16))) goto bad;
    inet_ntop(AF_INET6, ldns_rdf_data(f), addr, sizeof addr);
    break;
  case LDNS_RR_TYPE_MX:
    if (!(f = field(rr, 0, LDNS_RDF_TYPE_INT16, 2))) goto bad;
    pref = (unsigned)ldns_rdf_data(f)[0] << 8 | ldns_rdf_data(f)[1];
    if ((err = name_field(field(rr, 1, LDNS_RDF_TYPE_DNAME, 0), host, sizeof host, msg, msgcap)))
      return err;
    break;
  case LDNS_RR_TYPE_TXT:
  case LDNS_RR_TYPE_SPF:
    n = ldns_rr_rd_count(rr);
    if (n == 0) goto bad;
    for (i = 0; i < n; i++) {
      f = field(rr, i, LDNS_RDF_TYPE_STR, 0);
      if (!f || ldns_rdf_size(f) < 1 || (size_t)ldns_rdf_data(f)[0] + 1 != ldns_rdf_size(f))
        goto bad;
    }
    break;
  default:   /* CNAME, PTR, NS */
    if ((err = name_field(field(rr, 0, LDNS_RDF_TYPE_DNAME, 0), host, sizeof host, msg, msgcap)))
      return err;
  }

  /* names[owner] (created on first use) gets { TYPE = data, ttl = ttl } */
  lua_getfield(L, tbl, owner);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, tbl, owner);
  }
  lua_createtable(L, 0, 2);
  switch (type) {
  case LDNS_RR_TYPE_A:
  case LDNS_RR_TYPE_AAAA:
    lua_pushstring(L, addr);
    break;
  case LDNS_RR_TYPE_MX:
    lua_createtable(L, 2, 0);
    lua_pushinteger(L, (lua_Integer)pref);
    lua_rawseti(L, -2, 1);
    lua_pushstring(L, host);
    lua_rawseti(L, -2, 2);
    break;
  case LDNS_RR_TYPE_TXT:
  case LDNS_RR_TYPE_SPF:
    n = ldns_rr_rd_count(rr);
    lua_createtable(L, (int)n, 0);
    for (i = 0; i < n; i++) {
      f = ldns_rr_rdf(rr, i);
      lua_pushlstring(L, (const char *)ldns_rdf_data(f) + 1, ldns_rdf_data(f)[0]);
      lua_rawseti(L, -2, (int)i + 1);
    }
    break;
  default:
    lua_pushstring(L, host);
  }
  lua_setfield(L, -2, tn);
  lua_pushinteger(L, (lua_Integer)ttl);
  lua_setfield(L, -2, "ttl");
  lua_rawseti(L, -2, (int)spfk_rawlen(L, -2) + 1);
  lua_pop(L, 1);
  return NULL;
bad:
  snprintf(msg, msgcap, "unexpected %s rdata", tn);
  return msg;
}

/* a TTL as master files write it: digits, or groups such as 1h30m (units
 * s m h d w); 0, or -1 when malformed or above MAX_TTL */
static int parse_ttl(const char *s, size_t n, uint32_t *out) {
  uint64_t total = 0, v = 0, unit;
  size_t i;
  int digits = 0;
  if (!n) return -1;
  for (i = 0; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      v = v * 10 + (uint64_t)(c - '0');
      digits = 1;
      if (v > MAX_TTL) return -1;
      continue;
    }
    switch (c) {
    case 's': case 'S': unit = 1; break;
    case 'm': case 'M': unit = 60; break;
    case 'h': case 'H': unit = 3600; break;
    case 'd': case 'D': unit = 86400; break;
    case 'w': case 'W': unit = 604800; break;
    default: return -1;
    }
    if (!digits) return -1;
    total += v * unit;
    if (total > MAX_TTL) return -1;
    v = 0;
    digits = 0;
  }
  total += v;
  if (total > MAX_TTL) return -1;
  *out = (uint32_t)total;
  return 0;
}

static int is_sep(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '(' || c == ')';
}

/* the TTL field of the record starting at b[start] as ldns sees it: after
 * the owner (when the line starts with one), a token starting with a digit.
 * 1: tok and len set; 0: no TTL field; -1: unusual layout (a comment or line
 * break first), not checked. */
static int ttl_field(const char *b, size_t n, size_t start, const char **tok, size_t *len) {
  size_t i = start, j;
  if (start == 0 || b[start - 1] == '\n') {   /* skip the owner */
    while (i < n && !is_sep(b[i])) i += b[i] == '\\' && i + 1 < n ? 2 : 1;
  }
  while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '(' || b[i] == ')')) i++;
  if (i >= n || b[i] == '\n' || b[i] == ';') return -1;
  if (b[i] < '0' || b[i] > '9') return 0;
  for (j = i; j < n && !is_sep(b[j]); j++) {}
  *tok = b + i;
  *len = j - i;
  return 1;
}

/* the value of the $TTL line at b[off..n); 0 or -1 */
static int ttl_line(const char *b, size_t n, size_t off, uint32_t *v) {
  size_t j;
  off += 4;   /* "$TTL" */
  while (off < n && (b[off] == ' ' || b[off] == '\t')) off++;
  for (j = off; j < n && !is_sep(b[j]); j++) {}
  return parse_ttl(b + off, j - off, v);
}

/* a new $ORIGIN (its line at b[off..n)): ldns makes every name absolute,
 * but RFC 1035 takes a relative one relative to the current origin */
static const char *new_origin(reader *r, const char *b, size_t n, size_t off) {
  char tok[NAME_TEXT];
  size_t k = 0;
  off += 7;   /* "$ORIGIN" */
  while (off < n && (b[off] == ' ' || b[off] == '\t')) off++;
  while (off < n && !is_sep(b[off])) {
    if (k + 1 >= sizeof tok) return "$ORIGIN name too long";
    tok[k++] = b[off++];
  }
  tok[k] = '\0';
  if (!ldns_dname_str_absolute(tok) &&
      ldns_dname_cat(r->origin, r->last_origin) != LDNS_STATUS_OK)
    return "$ORIGIN name too long";
  if (r->last_origin) ldns_rdf_deep_free(r->last_origin);
  r->last_origin = ldns_rdf_clone(r->origin);
  return r->last_origin ? NULL : "out of memory";
}

/* core.zone_file(path [, origin]) -> zone | nil, err */
static int zone_file(lua_State *L) {
  size_t plen, i, line_len = 0;
  const char *path = luaL_checklstring(L, 1, &plen);
  const char *origin = luaL_optstring(L, 2, NULL);
  const char *err;
  char msg[NAME_TEXT + 128];
  reader *r;
  int tbl, line_nr = 1, have_dir_ttl = 0;
  long count = 0;
  uint32_t default_ttl = 0;   /* 0: ldns's default (3600) */
  uint32_t dir_ttl = 0;       /* the last $TTL */

  r = lua_newuserdata(L, sizeof *r);
  memset(r, 0, sizeof *r);
  r->fd = -1;
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_setmetatable(L, -2);
  lua_newtable(L);
  tbl = lua_gettop(L);

  if (strlen(path) != plen) return fail(L, r, path, 0, "path contains a NUL byte");
  /* ldns reads "example.jp" as "example.jp." */
  r->origin = ldns_dname_new_frm_str(origin ? origin : NO_ORIGIN);
  if (!r->origin || (origin && (!*origin || dname_text(r->origin, msg, sizeof msg) != 0)))
    return fail(L, r, path, 0, "origin is not a domain name");
  r->last_origin = ldns_rdf_clone(r->origin);
  if (!r->last_origin) return fail(L, r, path, 0, "out of memory");
  if ((err = read_file(r, path))) return fail(L, r, path, 0, err);

  /* text only, and lines ldns reads whole */
  for (i = 0; i < r->len; i++) {
    if (r->buf[i] == '\0')
      return fail(L, r, path, line_at(r->buf, i), "NUL byte: not a text zone file");
    if (r->buf[i] == '\n') line_len = 0;
    else if (++line_len > MAX_RECORD_BYTES)
      return fail(L, r, path, line_at(r->buf, i), "line longer than 65535 bytes");
  }

  if (r->len) {
    r->fp = fmemopen(r->buf, r->len, "r");
    if (!r->fp) return fail(L, r, path, 0, strerror(errno));
  }
  while (r->fp && !feof(r->fp)) {
    long o0 = ftell(r->fp), o1;
    size_t start = record_start(r->buf, r->len, o0 < 0 ? 0 : (size_t)o0);
    ldns_status st;
    r->rr = NULL;
    st = ldns_rr_new_frm_fp_l(&r->rr, r->fp, &default_ttl, &r->origin, &r->prev, &line_nr);
    o1 = ftell(r->fp);
    if (o0 < 0 || o1 < 0) return fail(L, r, path, 0, "cannot tell the read position");
    if ((size_t)o1 > start && (size_t)o1 - start > MAX_RECORD_BYTES)
      return fail(L, r, path, line_at(r->buf, start), "record longer than 65535 bytes");
    switch (st) {
    case LDNS_STATUS_OK:
      break;
    case LDNS_STATUS_SYNTAX_EMPTY:
      /* nothing but blanks and comments, else ldns dropped text: an
       * unbalanced ')' makes it skip the next character */
      if ((size_t)o1 > start)
        return fail(L, r, path, line_at(r->buf, start), "Syntax error (unbalanced parentheses)");
      if (o1 == o0 && !feof(r->fp))
        return fail(L, r, path, line_at(r->buf, start), "the zone reader made no progress");
      continue;
    case LDNS_STATUS_SYNTAX_TTL:
      if (ttl_line(r->buf, r->len, start, &dir_ttl) < 0)
        return fail(L, r, path, line_at(r->buf, start), "bad $TTL value");
      have_dir_ttl = 1;
      continue;
    case LDNS_STATUS_SYNTAX_ORIGIN:
      if ((err = new_origin(r, r->buf, r->len, start))) return fail(L, r, path, line_at(r->buf, start), err);
      continue;
    case LDNS_STATUS_SYNTAX_INCLUDE:
      st = LDNS_STATUS_SYNTAX_INCLUDE_ERR_NOTIMPL;
      /* fall through */
    default:
      err = ldns_get_errorstr_by_id(st);
      return fail(L, r, path, line_at(r->buf, start), err ? err : "syntax error");
    }
    if (!r->rr) return fail(L, r, path, line_at(r->buf, start), "no record");
    if (++count > MAX_RECORDS)
      return fail(L, r, path, line_at(r->buf, start), "more than 200000 records");
    {
      const char *tok = NULL;
      size_t tlen = 0;
      uint32_t v;
      int f = ttl_field(r->buf, r->len, start, &tok, &tlen);
      if (f > 0 && parse_ttl(tok, tlen, &v) < 0) {
        snprintf(msg, sizeof msg, "bad TTL '%.*s' (0..2147483647, or units s m h d w)",
                 tlen > 32 ? 32 : (int)tlen, tok);
        return fail(L, r, path, line_at(r->buf, start), msg);
      }
      if (f == 0 && have_dir_ttl) ldns_rr_set_ttl(r->rr, dir_ttl);   /* "$TTL 0" */
    }
    if ((err = add_rr(L, tbl, r->rr, msg, sizeof msg)))
      return fail(L, r, path, line_at(r->buf, start), err);
    ldns_rr_free(r->rr);
    r->rr = NULL;
  }
  reader_close(r);

  if (spfk_zone_from_table(L, tbl) == 2) {
    /* cannot happen with what add_rr builds; keep the error shape anyway */
    lua_pushfstring(L, "%s: ", path);
    lua_getfield(L, -2, "message");
    lua_concat(L, 2);
    lua_setfield(L, -2, "message");
    lua_pushliteral(L, "zone-file");
    lua_setfield(L, -2, "code");
    return 2;
  }
  return 1;
}

void spfkit_open_zone_file(lua_State *L) {
  lua_createtable(L, 0, 1);   /* the guard's metatable, kept as an upvalue */
  lua_pushcfunction(L, reader__gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcclosure(L, zone_file, 1);
  lua_setfield(L, -2, "zone_file");
}
