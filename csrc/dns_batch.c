/* r:query_many{ {name, qtype}, ... } -> { answer, ... }: many questions at
 * once over the blocking resolver's nameservers (Batch issue 13).
 *
 * Every question goes out over non-blocking UDP from a small set of sockets
 * (BATCH_SOCKS per address family, unconnected, ids spread at random);
 * answers are matched by socket + id + source address + question. Each
 * question then lives its own life as in r:query: retries over every
 * nameserver, the next server on SERVFAIL/REFUSED/NOTIMP/FORMERR, and TCP
 * after a truncated answer, as a non-blocking connection in the same poll
 * set. One try's budget (the resolver's timeout) covers its UDP and TCP
 * parts together. Datagrams with our id and question that do not parse
 * (a compression loop, junk) are dropped while the try waits; if nothing
 * else comes the try ends as "bad-answer" at its deadline.
 *
 * At most BATCH_WINDOW questions are on the wire at once, so a list of any
 * length does not overflow the socket buffers. Nothing here calls Lua until
 * every socket is closed and every malloc'd buffer freed; answers live in an
 * arena userdata and the question array in a plain userdata, both on the
 * stack, so an out-of-memory raise while pushing leaks nothing.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "dns_ldns.h"

#define BATCH_SOCKS 4          /* UDP sockets per address family */
#define BATCH_WINDOW 512       /* questions on the wire at once */
#define BATCH_RCVBUF (1 << 20) /* asked for; the kernel may give less */
#define BATCH_DRAIN 256        /* datagrams read per socket per wake-up */

enum { BQ_QUEUED, BQ_UDP, BQ_TCP_CONNECT, BQ_TCP_WRITE, BQ_TCP_READ, BQ_DONE };

typedef struct bq {
  const char *name;            /* lower-case, no trailing dot (arena) */
  int type;
  uint8_t *q;                  /* query message (malloc); id patched per try */
  size_t qlen;
  uint16_t id;
  int state, ns, attempt, sock, fd, slot, last, have_fallback;
  double t0, deadline;
  unsigned malformed;          /* unparsable datagrams with our id, this try */
  uint8_t *tbuf;               /* TCP: length + message, out then in */
  size_t tneed, tdone;
  spfk_answer ans, fallback;
  const char *code;            /* error code when ans.rcode < 0 */
  char msg[200];
} bq;

typedef struct batch {
  resolver *r;
  spfk_arena *a;
  bq *qs;
  int n, next, done, oom;
  int socks[2 * BATCH_SOCKS];  /* [0..3] IPv4, [4..7] IPv6; -1 unopened */
  int live[BATCH_WINDOW];      /* indexes of questions on the wire */
  int nlive;
  int32_t *map;                /* (sock, id) -> question + 1, open addressing */
  uint32_t mask;
  struct pollfd pfd[2 * BATCH_SOCKS + BATCH_WINDOW];
  int pq[2 * BATCH_SOCKS + BATCH_WINDOW];   /* >= 0 question, < 0 -(sock + 1) */
} batch;

/* ---- the id map -------------------------------------------------------- */

static uint32_t map_hash(int sock, uint16_t id, uint32_t mask) {
  return ((uint32_t)sock * 2654435761u ^ (uint32_t)id * 40503u) & mask;
}

/* Entries are never removed: a lookup walks the probe chain and keeps the
 * questions whose current try matches (socket, id). */
static void map_add(batch *b, int sock, uint16_t id, int qi) {
  uint32_t h = map_hash(sock, id, b->mask);
  while (b->map[h]) h = (h + 1) & b->mask;
  b->map[h] = qi + 1;
}

static int id_in_use(batch *b, int sock, uint16_t id) {
  uint32_t h = map_hash(sock, id, b->mask);
  for (; b->map[h]; h = (h + 1) & b->mask) {
    const bq *q = &b->qs[b->map[h] - 1];
    if (q->state == BQ_UDP && q->sock == sock && q->id == id) return 1;
  }
  return 0;
}

/* ---- sockets ----------------------------------------------------------- */

static int family_slot(const nsaddr *s) { return s->ss.ss_family == AF_INET6 ? 1 : 0; }

static int udp_socket(batch *b, const nsaddr *s, int k) {
  int i = family_slot(s) * BATCH_SOCKS + k, size = BATCH_RCVBUF;
  if (b->socks[i] >= 0) return i;
  b->socks[i] = socket(s->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (b->socks[i] < 0) return -1;
  setsockopt(b->socks[i], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  return i;
}

static int same_addr(const struct sockaddr_storage *a, const nsaddr *s) {
  if (a->ss_family != s->ss.ss_family) return 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)&s->ss;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  } else {
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)&s->ss;
    return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
  }
}

static void tcp_close(bq *q) {
  if (q->fd >= 0) close(q->fd);
  q->fd = -1;
  free(q->tbuf);
  q->tbuf = NULL;
}

/* ---- finishing --------------------------------------------------------- */

static void unlive(batch *b, bq *q) {
  if (q->slot < 0) return;
  b->live[q->slot] = b->live[--b->nlive];
  b->qs[b->live[q->slot]].slot = q->slot;
  q->slot = -1;
}

static void finish(batch *b, bq *q) {
  tcp_close(q);
  unlive(b, q);
  q->state = BQ_DONE;
  q->ans.ms = spfk_dns_now_ms() - q->t0;
  b->done++;
}

static void finish_failed(batch *b, bq *q) {
  const char *code = "bad-answer";
  int rc = SPFK_RC_ERROR;
  if (q->last == XR_TIMEOUT) { code = "timeout"; rc = SPFK_RC_TIMEOUT; }
  else if (q->last == XR_NETWORK) { code = "network"; rc = SPFK_RC_NETWORK; }
  spfk_dns_fail(&q->ans, b->a, rc, q->msg);
  q->code = code;
  finish(b, q);
}

static void start_try(batch *b, bq *q);

/* the current try failed with outcome res (message in q->msg) */
static void try_failed(batch *b, bq *q, int res) {
  tcp_close(q);
  q->last = res;
  if (++q->ns < b->r->nns) { start_try(b, q); return; }
  if (q->have_fallback) { q->ans = q->fallback; finish(b, q); return; }
  q->ns = 0;
  if (++q->attempt > b->r->retries) { finish_failed(b, q); return; }
  start_try(b, q);
}

/* a decoded answer arrived for the current try */
static void got_answer(batch *b, bq *q) {
  if (spfk_dns_retry_elsewhere(q->ans.rcode) && q->ns + 1 < b->r->nns) {
    if (!q->have_fallback) { q->fallback = q->ans; q->have_fallback = 1; }
    tcp_close(q);
    q->ns++;
    start_try(b, q);
    return;
  }
  finish(b, q);
}

/* ---- TCP ----------------------------------------------------------------- */

static void tcp_fail(batch *b, bq *q, int res, int err) {
  const nsaddr *s = &b->r->ns[q->ns];
  if (res == XR_TIMEOUT) {
    b->r->timeouts++;
    snprintf(q->msg, sizeof q->msg, "timeout after %.0f ms from %s (TCP)", b->r->timeout_ms, s->text);
  } else {
    snprintf(q->msg, sizeof q->msg, "TCP to %s failed: %s", s->text, strerror(err ? err : ECONNRESET));
  }
  try_failed(b, q, res);
}

/* starts TCP for the current try, within its deadline */
static void start_tcp(batch *b, bq *q) {
  const nsaddr *s = &b->r->ns[q->ns];
  b->r->tcpq++;
  q->tbuf = malloc(SPFK_DNS_MAXMSG + 2);
  if (!q->tbuf) { b->oom = 1; snprintf(q->msg, sizeof q->msg, "out of memory"); try_failed(b, q, XR_BAD); return; }
  q->fd = socket(s->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (q->fd < 0) { tcp_fail(b, q, XR_NETWORK, errno); return; }
  q->tbuf[0] = (uint8_t)(q->qlen >> 8);
  q->tbuf[1] = (uint8_t)(q->qlen & 0xff);
  memcpy(q->tbuf + 2, q->q, q->qlen);
  q->tneed = q->qlen + 2;
  q->tdone = 0;
  if (connect(q->fd, (const struct sockaddr *)&s->ss, s->len) == 0) q->state = BQ_TCP_WRITE;
  else if (errno == EINPROGRESS) q->state = BQ_TCP_CONNECT;
  else tcp_fail(b, q, XR_NETWORK, errno);
}

static void tcp_answer(batch *b, bq *q) {
  const nsaddr *s = &b->r->ns[q->ns];
  int tc = 0, r;
  size_t n = q->tdone;
  const uint8_t *m = q->tbuf;
  if (n < 12 || (uint16_t)(m[0] << 8 | m[1]) != q->id || !(m[2] & 0x80)) {
    snprintf(q->msg, sizeof q->msg, "TCP answer with a wrong id or too short");
    try_failed(b, q, XR_BAD);
    return;
  }
  r = spfk_dns_decode(m, n, b->a, 1, q->id, q->name, q->type, &q->ans, &tc, NULL, NULL, NULL);
  if (r == SPFK_DEC_OK) { tcp_close(q); got_answer(b, q); return; }
  if (r == SPFK_DEC_OOM) b->oom = 1;
  snprintf(q->msg, sizeof q->msg, "%s from %s", spfk_dns_decode_message(r), s->text);
  try_failed(b, q, XR_BAD);
}

/* moves a TCP exchange on after poll said its socket is ready */
static void tcp_step(batch *b, bq *q) {
  ssize_t k;
  if (q->state == BQ_TCP_CONNECT) {
    int err = 0;
    socklen_t el = sizeof err;
    if (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) { tcp_fail(b, q, XR_NETWORK, err ? err : errno); return; }
    q->state = BQ_TCP_WRITE;
  }
  if (q->state == BQ_TCP_WRITE) {
    k = send(q->fd, q->tbuf + q->tdone, q->tneed - q->tdone, MSG_NOSIGNAL);
    if (k < 0) { if (errno != EAGAIN && errno != EINTR) tcp_fail(b, q, XR_NETWORK, errno); return; }
    q->tdone += (size_t)k;
    if (q->tdone == q->tneed) { q->state = BQ_TCP_READ; q->tneed = 2; q->tdone = 0; }
    return;
  }
  k = recv(q->fd, q->tbuf + q->tdone, q->tneed - q->tdone, 0);
  if (k == 0) { tcp_fail(b, q, XR_NETWORK, ECONNRESET); return; }
  if (k < 0) { if (errno != EAGAIN && errno != EINTR) tcp_fail(b, q, XR_NETWORK, errno); return; }
  q->tdone += (size_t)k;
  if (q->tdone < q->tneed) return;
  if (q->tneed == 2) {   /* the length prefix: the message itself follows */
    q->tneed = (size_t)q->tbuf[0] << 8 | q->tbuf[1];
    q->tdone = 0;
    if (q->tneed == 0) { q->tneed = 2; tcp_fail(b, q, XR_NETWORK, ECONNRESET); }
    return;
  }
  tcp_answer(b, q);
}

/* ---- UDP ----------------------------------------------------------------- */

static void start_udp(batch *b, bq *q) {
  const nsaddr *s = &b->r->ns[q->ns];
  int sock = udp_socket(b, s, (int)(q - b->qs) % BATCH_SOCKS), tries;
  uint16_t id = spfk_dns_random_id();
  b->r->udp++;
  if (sock < 0) {
    snprintf(q->msg, sizeof q->msg, "socket: %s", strerror(errno));
    try_failed(b, q, XR_NETWORK);
    return;
  }
  for (tries = 0; tries < 16 && id_in_use(b, sock, id); tries++) id = spfk_dns_random_id();
  q->id = id;
  q->q[0] = (uint8_t)(id >> 8);
  q->q[1] = (uint8_t)(id & 0xff);
  q->sock = sock;
  if (sendto(b->socks[sock], q->q, q->qlen, 0, (const struct sockaddr *)&s->ss, s->len) != (ssize_t)q->qlen) {
    snprintf(q->msg, sizeof q->msg, "cannot send to %s: %s", s->text, strerror(errno));
    try_failed(b, q, XR_NETWORK);
    return;
  }
  q->state = BQ_UDP;
  map_add(b, sock, id, (int)(q - b->qs));
}

/* one try: a fresh budget, UDP (or TCP when tcp = "always") */
static void start_try(batch *b, bq *q) {
  q->deadline = spfk_dns_now_ms() + b->r->timeout_ms;
  q->malformed = 0;
  q->state = BQ_QUEUED;
  if (b->r->tcp == 1) { q->id = spfk_dns_random_id(); q->q[0] = (uint8_t)(q->id >> 8); q->q[1] = (uint8_t)q->id; start_tcp(b, q); }
  else start_udp(b, q);
}

/* a datagram with our id, from the server, for question q; 1 taken, 0 not ours */
static int udp_answer(batch *b, bq *q, const uint8_t *m, size_t n) {
  const nsaddr *s = &b->r->ns[q->ns];
  int tc = 0, r;
  if (m[2] & 0x02) {   /* TC: the rest may be cut mid-record */
    b->r->truncated++;
    snprintf(q->msg, sizeof q->msg, "truncated answer from %s", s->text);
    if (b->r->tcp == 2) { spfk_dns_fail(&q->ans, b->a, SPFK_RC_ERROR, q->msg); q->code = "truncated"; finish(b, q); }
    else start_tcp(b, q);
    return 1;
  }
  r = spfk_dns_decode(m, n, b->a, 1, q->id, q->name, q->type, &q->ans, &tc, NULL, NULL, NULL);
  if (r == SPFK_DEC_WRONG_Q) return 0;
  if (r == SPFK_DEC_OK) { got_answer(b, q); return 1; }
  if (r == SPFK_DEC_OOM) { b->oom = 1; snprintf(q->msg, sizeof q->msg, "out of memory"); try_failed(b, q, XR_BAD); return 1; }
  if (!q->malformed++)   /* dropped: the real answer may still come */
    snprintf(q->msg, sizeof q->msg, "%s from %s (and no valid answer in time)", spfk_dns_decode_message(r), s->text);
  b->r->ignored++;
  return 1;
}

static void udp_datagram(batch *b, int sock, const uint8_t *m, size_t n,
                         const struct sockaddr_storage *from) {
  uint16_t id;
  uint32_t h;
  if (n < 12 || !(m[2] & 0x80)) { b->r->ignored++; return; }
  id = (uint16_t)(m[0] << 8 | m[1]);
  for (h = map_hash(sock, id, b->mask); b->map[h]; h = (h + 1) & b->mask) {
    bq *q = &b->qs[b->map[h] - 1];
    if (q->state != BQ_UDP || q->sock != sock || q->id != id) continue;
    if (!same_addr(from, &b->r->ns[q->ns])) continue;
    if (udp_answer(b, q, m, n)) return;
  }
  b->r->ignored++;   /* not the answer to any question on the wire */
}

static void udp_drain(batch *b, int sock) {
  int i;
  for (i = 0; i < BATCH_DRAIN; i++) {
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(b->socks[sock], b->r->buf, SPFK_DNS_MAXMSG + 1, 0, (struct sockaddr *)&from, &fl);
    if (n < 0) return;   /* EAGAIN, or an ICMP error for some earlier datagram */
    udp_datagram(b, sock, b->r->buf, (size_t)n, &from);
  }
}

/* ---- the loop ------------------------------------------------------------ */

static void fill_window(batch *b) {
  while (b->nlive < BATCH_WINDOW && b->next < b->n && !b->oom) {
    bq *q = &b->qs[b->next++];
    if (q->state == BQ_DONE) continue;   /* a name that cannot be asked */
    q->slot = b->nlive;
    b->live[b->nlive++] = (int)(q - b->qs);
    q->t0 = spfk_dns_now_ms();
    b->r->queries++;
    start_try(b, q);
  }
}

/* fills the poll set; returns its size and the ms to the nearest deadline */
static int poll_set(batch *b, int *ms) {
  int i, np = 0;
  double now = spfk_dns_now_ms(), first = now + 3600e3;
  for (i = 0; i < 2 * BATCH_SOCKS; i++) {
    if (b->socks[i] < 0) continue;
    b->pfd[np].fd = b->socks[i]; b->pfd[np].events = POLLIN; b->pq[np++] = -(i + 1);
  }
  for (i = 0; i < b->nlive; i++) {
    bq *q = &b->qs[b->live[i]];
    if (q->deadline < first) first = q->deadline;
    if (q->state < BQ_TCP_CONNECT) continue;
    b->pfd[np].fd = q->fd;
    b->pfd[np].events = q->state == BQ_TCP_READ ? POLLIN : POLLOUT;
    b->pq[np++] = b->live[i];
  }
  *ms = first <= now ? 0 : (int)(first - now + 0.999);
  return np;
}

static void expire(batch *b) {
  double now = spfk_dns_now_ms();
  int i;
  for (i = b->nlive - 1; i >= 0; i--) {
    bq *q;
    if (i >= b->nlive) continue;
    q = &b->qs[b->live[i]];
    if (q->deadline > now) continue;
    if (q->malformed) { try_failed(b, q, XR_BAD); continue; }
    b->r->timeouts++;
    snprintf(q->msg, sizeof q->msg, "timeout after %.0f ms from %s%s", b->r->timeout_ms,
             b->r->ns[q->ns].text, q->state >= BQ_TCP_CONNECT ? " (TCP)" : "");
    try_failed(b, q, XR_TIMEOUT);
  }
}

static void run(batch *b) {
  int i;
  while (b->done < b->n && !b->oom) {
    int ms, np, got;
    fill_window(b);
    if (b->done >= b->n || b->oom) break;
    np = poll_set(b, &ms);
    got = poll(b->pfd, (nfds_t)np, ms);
    if (got < 0 && errno != EINTR) break;
    for (i = 0; got > 0 && i < np; i++) {
      if (!b->pfd[i].revents) continue;
      if (b->pq[i] < 0) udp_drain(b, -b->pq[i] - 1);
      else if (b->qs[b->pq[i]].state >= BQ_TCP_CONNECT && b->qs[b->pq[i]].fd == b->pfd[i].fd)
        tcp_step(b, &b->qs[b->pq[i]]);
    }
    expire(b);
  }
  for (i = 0; i < b->n && !b->oom; i++) {   /* poll itself failed: nothing more will come */
    bq *q = &b->qs[i];
    if (q->state == BQ_DONE) continue;
    if (!q->t0) q->t0 = spfk_dns_now_ms();
    snprintf(q->msg, sizeof q->msg, "poll: %s", strerror(errno));
    q->last = XR_NETWORK;
    finish_failed(b, q);
  }
}

/* ---- Lua ------------------------------------------------------------------- */

/* checks the list at idx: every entry { name, qtype } with a known type;
 * raises on a programmer mistake before anything is allocated */
static int check_list(lua_State *L, int idx) {
  int n = (int)spfk_rawlen(L, idx), i;
  for (i = 1; i <= n; i++) {
    size_t nl;
    const char *name;
    lua_rawgeti(L, idx, i);
    if (!lua_istable(L, -1)) luaL_error(L, "query_many: entry %d is not a {name, qtype} table", i);
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    name = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &nl) : NULL;
    if (!name || memchr(name, '\0', nl)) luaL_error(L, "query_many: entry %d: name must be a string without NUL", i);
    if (lua_type(L, -1) != LUA_TSTRING || !spfk_type_code(lua_tostring(L, -1)))
      luaL_error(L, "query_many: entry %d: unknown record type", i);
    lua_pop(L, 3);
  }
  return n;
}

/* reads entry i into q; 0 ok, -1 out of memory */
static int prepare(lua_State *L, batch *b, int idx, int i, bq *q) {
  size_t nl;
  const char *name, *why = NULL;
  lua_rawgeti(L, idx, i + 1);
  lua_rawgeti(L, -1, 1);
  lua_rawgeti(L, -2, 2);
  name = lua_tolstring(L, -2, &nl);
  q->type = spfk_type_code(lua_tostring(L, -1));
  if (nl && name[nl - 1] == '.') nl--;
  q->name = spfk_lower_dup(b->a, name, nl);
  lua_pop(L, 3);
  q->fd = -1;
  q->slot = -1;
  q->last = XR_TIMEOUT;
  if (!q->name) return -1;
  q->q = spfk_dns_encode(q->name, q->type, 0, b->r->edns, &q->qlen, &why);
  if (!q->q) {   /* a name that cannot be asked: there is no such domain */
    q->ans.rcode = SPFK_RC_NXDOMAIN;
    q->state = BQ_DONE;
    b->done++;
  }
  return 0;
}

static void cleanup(batch *b) {
  int i;
  for (i = 0; i < b->n; i++) {
    tcp_close(&b->qs[i]);
    free(b->qs[i].q);
    b->qs[i].q = NULL;
  }
  for (i = 0; i < 2 * BATCH_SOCKS; i++) {
    if (b->socks[i] >= 0) close(b->socks[i]);
    b->socks[i] = -1;
  }
  free(b->map);
  b->map = NULL;
}

static void push_result(lua_State *L, const bq *q) {
  if (q->ans.rcode < 0) {
    lua_createtable(L, 0, 4);
    lua_pushstring(L, spfk_rcode_name(q->ans.rcode));
    lua_setfield(L, -2, "rcode");
    lua_newtable(L);
    lua_setfield(L, -2, "records");
    spfk_push_error(L, q->code ? q->code : "error", q->ans.err ? q->ans.err : "DNS failure", 0);
    lua_setfield(L, -2, "error");
  } else {
    spfk_push_answer(L, &q->ans);
    if (q->ans.neg_ttl) {
      lua_pushinteger(L, (lua_Integer)q->ans.neg_ttl);
      lua_setfield(L, -2, "neg_ttl");
    }
  }
  lua_pushnumber(L, q->ans.ms);
  lua_setfield(L, -2, "ms");
}

static uint32_t map_size(int n, int tries) {
  uint32_t want = (uint32_t)n * (uint32_t)tries * 2u + 16u, size = 16;
  while (size < want && size < (1u << 30)) size <<= 1;
  return size;
}

/* stack: 1 resolver, 2 list. Pushes the list of answers. */
int spfk_resolver_query_many(lua_State *L) {
  resolver *r = luaL_checkudata(L, 1, SPFKIT_RESOLVER_MT);
  batch *b;
  int n, i, oom = 0;
  if (!r->open) return luaL_error(L, "spfkit.resolver: closed");
  luaL_checktype(L, 2, LUA_TTABLE);
  n = check_list(L, 2);
  b = lua_newuserdata(L, sizeof *b);                        /* 3 */
  memset(b, 0, sizeof *b);
  b->qs = lua_newuserdata(L, (n ? n : 1) * sizeof *b->qs);  /* 4 */
  memset(b->qs, 0, (n ? n : 1) * sizeof *b->qs);
  b->a = spfk_arena_push(L);                                /* 5 */
  b->r = r;
  b->n = n;
  for (i = 0; i < 2 * BATCH_SOCKS; i++) b->socks[i] = -1;
  b->mask = map_size(n, (r->retries + 1) * r->nns) - 1;
  b->map = calloc((size_t)b->mask + 1, sizeof *b->map);
  for (i = 0; i < n && b->map && !oom; i++) oom = prepare(L, b, 2, i, &b->qs[i]) < 0;
  if (b->map && !oom) run(b);
  oom = oom || !b->map || b->oom;
  cleanup(b);   /* every socket closed, every buffer freed: now Lua may raise */
  if (oom) return luaL_error(L, "spfkit: out of memory");
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    push_result(L, &b->qs[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}
