/* spfkit.resolver: a blocking stub resolver for scripts, the REPL and the
 * CLI (Real DNS issue), and the registration of the DNS concern.
 *
 *   core.resolver(nameservers, timeout, retries, tcp, edns, port) -> resolver
 *   core.dns_system([path]) -> { "192.0.2.53", "[2001:db8::53]:53", ... }
 *   r:query(name, qtype) -> answer | nil, err     r:stats()  r:close()
 *   r:query_many{ {name, qtype}, ... } -> { answer, ... }   (dns_batch.c)
 *
 * Messages are built and parsed with ldns (dns_wire.c) and defaults come
 * from /etc/resolv.conf through ldns_resolver_new_frm_file. The transport
 * is ours, over poll(): ldns_resolver has one port for all nameservers and
 * returns the first datagram it gets, while we need a port per nameserver
 * and must ignore datagrams that are not the answer to our question (wrong
 * id, wrong question) and keep waiting until the deadline. Truncated UDP
 * answers are retried over TCP (tcp = "fallback") within the same try's
 * deadline; a datagram with our id and question that does not parse is
 * dropped while the try waits (Batch issue 13).
 *
 * The resolver is an spfk_source: failures become answers with rcode
 * SPFK_RC_TIMEOUT / SPFK_RC_NETWORK / SPFK_RC_ERROR, never Lua errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <ldns/ldns.h>
#include "dns_ldns.h"

enum { TCP_FALLBACK = 0, TCP_ALWAYS = 1, TCP_NEVER = 2 };
static const char *tcp_names[] = { "fallback", "always", "never" };


typedef struct xfer {
  resolver *r;
  const char *name;
  int type;
  uint16_t id;
  const uint8_t *q;
  size_t qlen;
  spfk_arena *a;
  spfk_answer *out;
  char msg[320];
} xfer;

/* ms left until deadline, at least 0 */
static int left_ms(double deadline) {
  double l = deadline - spfk_dns_now_ms();
  return l <= 0 ? 0 : (int)(l + 0.999);
}

static int open_socket(const nsaddr *s, int type) {
  int fd = socket(s->ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  return fd;
}

/* waits for events on fd until deadline: 1 ready, 0 timeout, -1 error */
static int wait_fd(int fd, short events, double deadline) {
  for (;;) {
    struct pollfd p;
    int ms = left_ms(deadline), n;
    if (ms == 0) return 0;
    p.fd = fd; p.events = events; p.revents = 0;
    n = poll(&p, 1, ms);
    if (n > 0) return 1;
    if (n == 0) return 0;
    if (errno != EINTR) return -1;
  }
}

static int set_msg(xfer *x, int outcome, const char *what, int err) {
  if (err) snprintf(x->msg, sizeof x->msg, "%s: %s", what, strerror(err));
  else snprintf(x->msg, sizeof x->msg, "%s", what);
  return outcome;
}

/* checks and decodes an answer in buf; XR_OK / XR_TC / XR_BAD, or -1 when the
 * datagram is to be ignored (not the answer to our question) */
static int take_answer(xfer *x, const uint8_t *buf, size_t n, const nsaddr *s, int udp) {
  int tc = 0, r;
  if (n < 12 || (uint16_t)(buf[0] << 8 | buf[1]) != x->id || !(buf[2] & 0x80))
    return udp ? -1 : set_msg(x, XR_BAD, "TCP answer with a wrong id or too short", 0);
  if (udp && (buf[2] & 0x02)) {   /* TC: the rest may be cut mid-record */
    x->r->truncated++;
    snprintf(x->msg, sizeof x->msg, "truncated answer from %s", s->text);
    return XR_TC;
  }
  r = spfk_dns_decode(buf, n, x->a, 1, x->id, x->name, x->type, x->out, &tc, NULL, NULL, NULL);
  if (r == SPFK_DEC_WRONG_Q && udp) return -1;
  if (r == SPFK_DEC_OOM) return set_msg(x, XR_BAD, "out of memory", 0);
  if (r != SPFK_DEC_OK) {
    snprintf(x->msg, sizeof x->msg, "%s from %s", spfk_dns_decode_message(r), s->text);
    return udp ? -2 : XR_BAD;   /* UDP: dropped, the real answer may follow */
  }
  return XR_OK;
}

static int udp_exchange(xfer *x, const nsaddr *s, double deadline) {
  int fd = open_socket(s, SOCK_DGRAM), r;
  unsigned long ignored = 0, malformed = 0;
  char bad[sizeof x->msg];
  x->r->udp++;
  if (fd < 0) return set_msg(x, XR_NETWORK, "socket", errno);
  if (connect(fd, (const struct sockaddr *)&s->ss, s->len) < 0 ||
      send(fd, x->q, x->qlen, 0) != (ssize_t)x->qlen) {
    int e = errno;
    close(fd);
    snprintf(x->msg, sizeof x->msg, "cannot send to %s: %s", s->text, strerror(e));
    return XR_NETWORK;
  }
  for (;;) {
    ssize_t n;
    r = wait_fd(fd, POLLIN, deadline);
    if (r <= 0) {
      close(fd);
      if (malformed) {   /* only malformed answers came: say so */
        snprintf(x->msg, sizeof x->msg, "%.250s (and no valid answer in time)", bad);
        return XR_BAD;
      }
      x->r->timeouts++;
      if (ignored)
        snprintf(x->msg, sizeof x->msg, "timeout after %.0f ms from %s (ignored %lu answer%s not to our question)",
                 x->r->timeout_ms, s->text, ignored, ignored == 1 ? "" : "s");
      else
        snprintf(x->msg, sizeof x->msg, "timeout after %.0f ms from %s", x->r->timeout_ms, s->text);
      return XR_TIMEOUT;
    }
    n = recv(fd, x->r->buf, SPFK_DNS_MAXMSG + 1, 0);
    if (n < 0) {
      int e = errno;
      if (e == EINTR || e == EAGAIN || e == EWOULDBLOCK) continue;
      close(fd);
      snprintf(x->msg, sizeof x->msg, "no answer from %s: %s", s->text, strerror(e));
      return XR_NETWORK;
    }
    r = take_answer(x, x->r->buf, (size_t)n, s, 1);
    if (r >= 0) { close(fd); return r; }
    if (r == -2 && !malformed++) memcpy(bad, x->msg, sizeof bad);
    ignored++;
    x->r->ignored++;
  }
}

/* writes or reads exactly n bytes before the deadline: 0 ok, X_* */
static int tcp_io(int fd, uint8_t *p, size_t n, int writing, double deadline) {
  size_t done = 0;
  while (done < n) {
    ssize_t k = writing ? send(fd, p + done, n - done, MSG_NOSIGNAL) : recv(fd, p + done, n - done, 0);
    if (k > 0) { done += (size_t)k; continue; }
    if (k == 0) { errno = ECONNRESET; return XR_NETWORK; }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return XR_NETWORK;
    k = wait_fd(fd, writing ? POLLOUT : POLLIN, deadline);
    if (k == 0) return XR_TIMEOUT;
    if (k < 0) return XR_NETWORK;
  }
  return 0;
}

static int tcp_exchange(xfer *x, const nsaddr *s, double deadline) {
  int fd = open_socket(s, SOCK_STREAM), r, err = 0;
  uint8_t lenbuf[2];
  size_t n;
  socklen_t el = sizeof err;
  x->r->tcpq++;
  if (fd < 0) return set_msg(x, XR_NETWORK, "socket", errno);
  if (connect(fd, (const struct sockaddr *)&s->ss, s->len) < 0) {
    if (errno != EINPROGRESS) { err = errno; r = XR_NETWORK; goto fail; }
    r = wait_fd(fd, POLLOUT, deadline);
    if (r == 0) { r = XR_TIMEOUT; goto fail; }
    if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
      if (!err) err = errno;
      r = XR_NETWORK;
      goto fail;
    }
  }
  lenbuf[0] = (uint8_t)(x->qlen >> 8);
  lenbuf[1] = (uint8_t)(x->qlen & 0xff);
  if ((r = tcp_io(fd, lenbuf, 2, 1, deadline)) != 0 ||
      (r = tcp_io(fd, (uint8_t *)x->q, x->qlen, 1, deadline)) != 0 ||
      (r = tcp_io(fd, lenbuf, 2, 0, deadline)) != 0) {
    err = errno;
    goto fail;
  }
  n = (size_t)lenbuf[0] << 8 | lenbuf[1];
  if ((r = tcp_io(fd, x->r->buf, n, 0, deadline)) != 0) { err = errno; goto fail; }
  close(fd);
  return take_answer(x, x->r->buf, n, s, 0);
fail:
  close(fd);
  if (r == XR_TIMEOUT) {
    x->r->timeouts++;
    snprintf(x->msg, sizeof x->msg, "timeout after %.0f ms from %s (TCP)", x->r->timeout_ms, s->text);
  } else {
    snprintf(x->msg, sizeof x->msg, "TCP to %s failed: %s", s->text, strerror(err ? err : ECONNRESET));
  }
  return r;
}

int spfk_dns_retry_elsewhere(int rcode) {
  return rcode == SPFK_RC_SERVFAIL || rcode == SPFK_RC_REFUSED ||
         rcode == SPFK_RC_NOTIMP || rcode == SPFK_RC_FORMERR;
}

/* Asks name/type; fills out (arena a). Returns SPFK_LOOKUP_OK or
 * SPFK_LOOKUP_OOM; *code gets the error code for r:query when
 * out->rcode < 0 ("timeout", "network", "truncated", "bad-answer"). */
static int resolve(resolver *r, spfk_arena *a, const char *name, int type,
                   spfk_answer *out, const char **code) {
  xfer x;
  uint8_t *q;
  const char *why = NULL;
  double t0 = spfk_dns_now_ms();
  int attempt, i, last = XR_TIMEOUT, have_fallback = 0;
  spfk_answer fallback;
  memset(&x, 0, sizeof x);
  memset(out, 0, sizeof *out);
  *code = NULL;
  if (!r->open) {
    spfk_dns_fail(out, a, SPFK_RC_ERROR, "resolver is closed");
    *code = "closed";
    return SPFK_LOOKUP_OK;
  }
  x.r = r; x.name = name; x.type = type; x.a = a; x.out = out;
  x.id = spfk_dns_random_id();
  q = spfk_dns_encode(name, type, x.id, r->edns, &x.qlen, &why);
  if (!q) {
    /* a name that cannot be asked: there is no such domain */
    out->rcode = SPFK_RC_NXDOMAIN;
    out->ms = spfk_dns_now_ms() - t0;
    return SPFK_LOOKUP_OK;
  }
  x.q = q;
  r->queries++;
  for (attempt = 0; attempt <= r->retries; attempt++) {
    for (i = 0; i < r->nns; i++) {
      const nsaddr *s = &r->ns[i];
      double deadline = spfk_dns_now_ms() + r->timeout_ms;
      int res;
      if (r->tcp == TCP_ALWAYS) {
        res = tcp_exchange(&x, s, deadline);
      } else {
        res = udp_exchange(&x, s, deadline);
        if (res == XR_TC) {
          if (r->tcp == TCP_NEVER) {   /* the same server gives the same answer */
            free(q);
            spfk_dns_fail(out, a, SPFK_RC_ERROR, x.msg);
            *code = "truncated";
            out->ms = spfk_dns_now_ms() - t0;
            return SPFK_LOOKUP_OK;
          }
          res = tcp_exchange(&x, s, deadline);   /* one budget per try */
        }
      }
      if (res == XR_OK) {
        if (spfk_dns_retry_elsewhere(out->rcode) && i + 1 < r->nns) {   /* ask the next one */
          if (!have_fallback) { fallback = *out; have_fallback = 1; }
          continue;
        }
        free(q);
        out->ms = spfk_dns_now_ms() - t0;
        return SPFK_LOOKUP_OK;
      }
      if (res == XR_BAD && strcmp(x.msg, "out of memory") == 0) { free(q); return SPFK_LOOKUP_OOM; }
      last = res;
    }
    if (have_fallback) break;   /* every server answered: no retry */
  }
  free(q);
  if (have_fallback) {
    *out = fallback;
  } else {
    switch (last) {
    case XR_TIMEOUT: spfk_dns_fail(out, a, SPFK_RC_TIMEOUT, x.msg); *code = "timeout"; break;
    case XR_NETWORK: spfk_dns_fail(out, a, SPFK_RC_NETWORK, x.msg); *code = "network"; break;
    default: spfk_dns_fail(out, a, SPFK_RC_ERROR, x.msg); *code = "bad-answer"; break;
    }
  }
  out->ms = spfk_dns_now_ms() - t0;
  return SPFK_LOOKUP_OK;
}

static int resolver_lookup(spfk_source *self, spfk_arena *a, const char *name,
                           int type, spfk_answer *out) {
  const char *code;
  return resolve((resolver *)self, a, name, type, out, &code);
}

/* ---- nameserver addresses -------------------------------------------------- */

/* "192.0.2.53", "192.0.2.53:5353", "2001:db8::53", "[2001:db8::53]:53" */
static int parse_ns(const char *s, int defport, nsaddr *out) {
  char host[64];
  const char *p = NULL;
  size_t hl;
  long port = defport;
  memset(out, 0, sizeof *out);
  if (s[0] == '[') {
    const char *e = strchr(s, ']');
    if (!e) return 0;
    hl = (size_t)(e - s - 1);
    if (hl >= sizeof host) return 0;
    memcpy(host, s + 1, hl);
    host[hl] = '\0';
    if (e[1] == ':') p = e + 2;
    else if (e[1]) return 0;
  } else {
    const char *c = strchr(s, ':');
    if (c && strchr(c + 1, ':')) c = NULL;   /* bare IPv6 */
    hl = c ? (size_t)(c - s) : strlen(s);
    if (hl >= sizeof host) return 0;
    memcpy(host, s, hl);
    host[hl] = '\0';
    if (c) p = c + 1;
  }
  if (p) {
    char *end;
    if (!*p) return 0;
    port = strtol(p, &end, 10);
    if (*end || port < 1 || port > 65535) return 0;
  }
  {
    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons((uint16_t)port);
      out->len = sizeof *v4;
      snprintf(out->text, sizeof out->text, "%s:%ld", host, port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons((uint16_t)port);
      out->len = sizeof *v6;
      snprintf(out->text, sizeof out->text, "[%s]:%ld", host, port);
    } else {
      return 0;
    }
  }
  return 1;
}

/* ---- Lua ----------------------------------------------------------------- */

static resolver *check_resolver(lua_State *L, int idx) {
  resolver *r = luaL_checkudata(L, idx, SPFKIT_RESOLVER_MT);
  if (!r->open) luaL_error(L, "spfkit.resolver: closed");
  return r;
}

static int resolver_close(lua_State *L) {
  resolver *r = luaL_checkudata(L, 1, SPFKIT_RESOLVER_MT);
  free(r->ns);
  free(r->buf);
  r->ns = NULL;
  r->buf = NULL;
  r->nns = 0;
  r->open = 0;
  return 0;
}

static int resolver__tostring(lua_State *L) {
  resolver *r = luaL_checkudata(L, 1, SPFKIT_RESOLVER_MT);
  if (!r->open) lua_pushliteral(L, "spfkit.resolver (closed)");
  else lua_pushfstring(L, "spfkit.resolver (%s%s, %d queries)", r->ns[0].text,
                       r->nns > 1 ? ", ..." : "", (int)r->queries);
  return 1;
}

/* core.resolver(nameservers, timeout_s, retries, tcp, edns, port)
 * Options are checked by lua/spfkit/dns.lua; bad values still raise here. */
static int resolver_new(lua_State *L) {
  resolver *r;
  int n, i, port, tcp;
  double timeout;
  lua_Integer retries, edns;
  static const char *const modes[] = { "fallback", "always", "never", NULL };
  luaL_checktype(L, 1, LUA_TTABLE);
  timeout = luaL_checknumber(L, 2);
  retries = luaL_checkinteger(L, 3);
  tcp = luaL_checkoption(L, 4, "fallback", modes);
  edns = luaL_checkinteger(L, 5);
  port = (int)luaL_optinteger(L, 6, 53);
  n = (int)spfk_rawlen(L, 1);
  luaL_argcheck(L, n >= 1 && n <= MAX_NS, 1, "1 to 8 nameservers");
  luaL_argcheck(L, timeout > 0 && timeout <= 3600, 2, "timeout must be in (0, 3600] seconds");
  luaL_argcheck(L, retries >= 0 && retries <= 10, 3, "retries must be in 0..10");
  luaL_argcheck(L, edns == 0 || (edns >= 512 && edns <= 65535), 5, "edns must be 0 or in 512..65535");
  luaL_argcheck(L, port >= 1 && port <= 65535, 6, "port must be in 1..65535");
  for (i = 1; i <= n; i++) {   /* check every address before allocating */
    nsaddr tmp;
    lua_rawgeti(L, 1, i);
    if (lua_type(L, -1) != LUA_TSTRING || !parse_ns(lua_tostring(L, -1), port, &tmp))
      return luaL_error(L, "spfkit.resolver: bad nameserver '%s' (want \"192.0.2.53\", "
                        "\"192.0.2.53:5353\" or \"[2001:db8::53]:53\")",
                        lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1));
    lua_pop(L, 1);
  }
  r = lua_newuserdata(L, sizeof *r);
  memset(r, 0, sizeof *r);
  luaL_setmetatable(L, SPFKIT_RESOLVER_MT);
  r->src.lookup = resolver_lookup;
  r->ns = calloc(MAX_NS, sizeof *r->ns);
  r->buf = malloc(SPFK_DNS_MAXMSG + 2);
  r->open = 1;   /* so that close() frees whatever was allocated */
  if (!r->ns || !r->buf) return luaL_error(L, "spfkit: out of memory");
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    parse_ns(lua_tostring(L, -1), port, &r->ns[i - 1]);
    lua_pop(L, 1);
  }
  r->nns = n;
  r->timeout_ms = timeout * 1000.0;
  r->retries = (int)retries;
  r->tcp = tcp;
  r->edns = (int)edns;
  return 1;
}

/* r:query(name, qtype) -> answer (+ ms, neg_ttl) | nil, err */
static int resolver_query(lua_State *L) {
  resolver *r = check_resolver(L, 1);
  size_t nl;
  const char *name = luaL_checklstring(L, 2, &nl), *code;
  int type = spfk_type_code(luaL_checkstring(L, 3));
  spfk_arena *a;
  spfk_answer ans;
  char *nm;
  if (!type) return luaL_argerror(L, 3, "unknown record type");
  a = spfk_arena_push(L);
  if (nl && name[nl - 1] == '.') nl--;
  nm = spfk_lower_dup(a, name, nl);
  if (!nm || memchr(name, '\0', nl)) {
    if (!nm) return luaL_error(L, "spfkit: out of memory");
    return luaL_argerror(L, 2, "name contains a NUL byte");
  }
  if (resolve(r, a, nm, type, &ans, &code) != SPFK_LOOKUP_OK)
    return luaL_error(L, "spfkit: out of memory");
  if (ans.rcode < 0) {
    lua_pushnil(L);
    spfk_push_error(L, code ? code : "error", ans.err ? ans.err : "DNS failure", 0);
    lua_pushnumber(L, ans.ms);
    lua_setfield(L, -2, "ms");
    return 2;
  }
  spfk_push_answer(L, &ans);
  lua_pushnumber(L, ans.ms);
  lua_setfield(L, -2, "ms");
  if (ans.neg_ttl) {
    lua_pushinteger(L, (lua_Integer)ans.neg_ttl);
    lua_setfield(L, -2, "neg_ttl");
  }
  return 1;
}

/* r:exchange(wire [, "udp"|"tcp"]) -> answer wire | nil, err
 * Sends a raw message to the first nameserver and returns the first
 * message that comes back, unchecked (for the codec: decode it). */
static int resolver_exchange(lua_State *L) {
  static const char *const protos[] = { "udp", "tcp", NULL };
  resolver *r = check_resolver(L, 1);
  size_t len;
  const char *wire = luaL_checklstring(L, 2, &len);
  int tcp = luaL_checkoption(L, 3, "udp", protos), fd = -1, res = XR_NETWORK;
  const nsaddr *s = &r->ns[0];
  double deadline = spfk_dns_now_ms() + r->timeout_ms;
  ssize_t n = -1;
  luaL_argcheck(L, len >= 12 && len <= SPFK_DNS_MAXMSG, 2, "not a DNS message");
  fd = open_socket(s, tcp ? SOCK_STREAM : SOCK_DGRAM);
  if (fd >= 0 && !tcp) {
    if (connect(fd, (const struct sockaddr *)&s->ss, s->len) == 0 &&
        send(fd, wire, len, 0) == (ssize_t)len) {
      int w = wait_fd(fd, POLLIN, deadline);
      if (w > 0) n = recv(fd, r->buf, SPFK_DNS_MAXMSG + 1, 0);
      res = w == 0 ? XR_TIMEOUT : XR_NETWORK;
    }
  } else if (fd >= 0) {
    uint8_t lb[2];
    int w = 1;
    res = XR_NETWORK;
    if (connect(fd, (const struct sockaddr *)&s->ss, s->len) < 0) {
      int err = 0;
      socklen_t el = sizeof err;
      w = errno == EINPROGRESS ? wait_fd(fd, POLLOUT, deadline) : -1;
      if (w > 0 && (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err)) w = -1;
    }
    lb[0] = (uint8_t)(len >> 8);
    lb[1] = (uint8_t)(len & 0xff);
    if (w > 0 && (res = tcp_io(fd, lb, 2, 1, deadline)) == 0 &&
        (res = tcp_io(fd, (uint8_t *)wire, len, 1, deadline)) == 0 &&
        (res = tcp_io(fd, lb, 2, 0, deadline)) == 0 &&
        (res = tcp_io(fd, r->buf, (size_t)lb[0] << 8 | lb[1], 0, deadline)) == 0)
      n = (ssize_t)((size_t)lb[0] << 8 | lb[1]);
    if (w == 0) res = XR_TIMEOUT;
  }
  if (fd >= 0) close(fd);
  if (n < 0) {
    lua_pushnil(L);
    spfk_push_error(L, res == XR_TIMEOUT ? "timeout" : "network",
                    res == XR_TIMEOUT ? "no answer in time" : "network failure", 0);
    return 2;
  }
  lua_pushlstring(L, (const char *)r->buf, (size_t)n);
  return 1;
}

/* r:stats() -> { queries, udp, tcp, truncated, timeouts, ignored } */
static int resolver_stats(lua_State *L) {
  resolver *r = check_resolver(L, 1);
  lua_createtable(L, 0, 6);
#define F(k, v) (lua_pushinteger(L, (lua_Integer)(v)), lua_setfield(L, -2, k))
  F("queries", r->queries); F("udp", r->udp); F("tcp", r->tcpq);
  F("truncated", r->truncated); F("timeouts", r->timeouts); F("ignored", r->ignored);
#undef F
  return 1;
}

/* r:options() -> { nameservers = {...}, timeout, retries, tcp, edns } */
static int resolver_options(lua_State *L) {
  resolver *r = check_resolver(L, 1);
  int i;
  lua_createtable(L, 0, 5);
  lua_createtable(L, r->nns, 0);
  for (i = 0; i < r->nns; i++) {
    lua_pushstring(L, r->ns[i].text);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "nameservers");
  lua_pushnumber(L, r->timeout_ms / 1000.0);
  lua_setfield(L, -2, "timeout");
  lua_pushinteger(L, r->retries);
  lua_setfield(L, -2, "retries");
  lua_pushstring(L, tcp_names[r->tcp]);
  lua_setfield(L, -2, "tcp");
  lua_pushinteger(L, r->edns);
  lua_setfield(L, -2, "edns");
  return 1;
}

/* core.dns_system([path]) -> list of nameserver strings | nil, err
 * Reads resolv.conf (default /etc/resolv.conf) with ldns. */
static int l_dns_system(lua_State *L) {
  const char *path = luaL_optstring(L, 1, NULL);
  ldns_resolver *res = NULL;
  ldns_status st = ldns_resolver_new_frm_file(&res, path);
  char list[MAX_NS][64];
  size_t i, n;
  uint16_t port;
  if (st != LDNS_STATUS_OK || !res) {
    const char *why = ldns_get_errorstr_by_id(st);
    if (res) ldns_resolver_deep_free(res);
    lua_pushnil(L);
    spfk_push_error(L, "resolv-conf", why ? why : "cannot read resolv.conf", 0);
    return 2;
  }
  n = ldns_resolver_nameserver_count(res);
  port = ldns_resolver_port(res);
  if (n > MAX_NS) n = MAX_NS;
  for (i = 0; i < n; i++) {
    const ldns_rdf *f = ldns_resolver_nameservers(res)[i];
    char addr[INET6_ADDRSTRLEN];
    int v6 = ldns_rdf_get_type(f) == LDNS_RDF_TYPE_AAAA;
    list[i][0] = '\0';
    if ((v6 && ldns_rdf_size(f) == 16) || (!v6 && ldns_rdf_size(f) == 4)) {
      inet_ntop(v6 ? AF_INET6 : AF_INET, ldns_rdf_data(f), addr, sizeof addr);
      snprintf(list[i], sizeof list[i], v6 ? "[%s]:%u" : "%s:%u", addr, (unsigned)port);
    }
  }
  ldns_resolver_deep_free(res);   /* before anything that can raise */
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    if (!list[i][0]) continue;
    lua_pushstring(L, list[i]);
    lua_rawseti(L, -2, (int)spfk_rawlen(L, -2) + 1);
  }
  return 1;
}

void spfkit_open_dns(lua_State *L) {
  static const luaL_Reg methods[] = {
    {"query", resolver_query}, {"query_many", spfk_resolver_query_many},
    {"stats", resolver_stats},
    {"options", resolver_options}, {"exchange", resolver_exchange},
    {"close", resolver_close}, {NULL, NULL}
  };
  static const luaL_Reg meta[] = {
    {"__gc", resolver_close}, {"__close", resolver_close},
    {"__tostring", resolver__tostring}, {NULL, NULL}
  };
  spfk_newclass(L, SPFKIT_RESOLVER_MT, methods, meta, 1);
  lua_pushcfunction(L, resolver_new);
  lua_setfield(L, -2, "resolver");
  lua_pushcfunction(L, l_dns_system);
  lua_setfield(L, -2, "dns_system");
  spfkit_open_wire(L);
  spfkit_open_cache(L);
}
