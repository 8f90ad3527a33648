/* Shared between dns_ldns.c (resolver), dns_cache.c (answer cache) and
 * dns_wire.c (ldns wire codec). Hidden visibility like everything shared. */
#ifndef SPFKIT_DNS_LDNS_H
#define SPFKIT_DNS_LDNS_H

#include <stddef.h>
#include <stdint.h>
#include "spfkit.h"

#define SPFKIT_CACHE_OVER_MT "spfkit.cache.over"

#define SPFK_DNS_MAXMSG 65535

/* Builds a query message for name (lower-case, no trailing dot) and type:
 * RD set, id as given, EDNS OPT with udp size edns when edns > 0.
 * Returns a malloc'd buffer (*len bytes) or NULL (bad name / OOM; *why). */
uint8_t *spfk_dns_encode(const char *name, int type, uint16_t id, int edns,
                         size_t *len, const char **why);

/* Random 16-bit query id (getrandom, falling back to ldns_get_random). */
uint16_t spfk_dns_random_id(void);

/* Decoding results */
enum {
  SPFK_DEC_OK = 0,
  SPFK_DEC_SHORT = -1,     /* shorter than a header */
  SPFK_DEC_WRONG_ID = -2,
  SPFK_DEC_NOT_ANSWER = -3,/* QR bit clear */
  SPFK_DEC_WRONG_Q = -4,   /* question does not match */
  SPFK_DEC_BAD = -5,       /* ldns could not parse it */
  SPFK_DEC_OOM = -6,
  SPFK_DEC_OVERSIZED = -7
};

/* Decodes a DNS message into out (memory from a). When qname is not NULL
 * the message must be the answer to (id, qname, qtype); otherwise the
 * question of the message is used (and returned in *qname_out and *qtype_out
 * when not NULL). *tc gets the TC flag, *id_out the message id.
 * Answer records are kept only when they belong to the question's CNAME
 * chain; neg_ttl is min(SOA ttl, SOA minimum) of a negative answer. */
int spfk_dns_decode(const uint8_t *wire, size_t len, spfk_arena *a,
                    int check_id, uint16_t id, const char *qname, int qtype,
                    spfk_answer *out, int *tc, uint16_t *id_out,
                    const char **qname_out, int *qtype_out);
const char *spfk_dns_decode_error(int code);   /* "wrong-id", ... */
const char *spfk_dns_decode_message(int code);

/* ---- the blocking resolver (dns_ldns.c), shared with dns_batch.c -------- */

#include <sys/socket.h>

#define MAX_NS 8

typedef struct nsaddr {
  struct sockaddr_storage ss;
  socklen_t len;
  char text[96];
} nsaddr;

typedef struct resolver {
  spfk_source src;          /* first: the engine sees a spfk_source */
  nsaddr *ns;
  int nns;
  double timeout_ms;
  int retries, tcp, edns;   /* tcp: 0 fallback, 1 always, 2 never */
  uint8_t *buf;             /* receive buffer, SPFK_DNS_MAXMSG + 2 */
  unsigned long queries, udp, tcpq, truncated, timeouts, ignored;
  int open;
} resolver;

/* exchange outcomes */
enum { XR_OK, XR_TC, XR_TIMEOUT, XR_NETWORK, XR_BAD };

/* SERVFAIL, REFUSED, NOTIMP, FORMERR: worth asking the next server */
int spfk_dns_retry_elsewhere(int rcode);

/* r:query_many{ {name, qtype}, ... } (dns_batch.c); stack: 1 resolver, 2 list */
int spfk_resolver_query_many(lua_State *L);

/* Openers called by spfkit_open_dns. */
void spfkit_open_cache(lua_State *L);
void spfkit_open_wire(lua_State *L);

/* Error answer helper: rcode < 0, message kept in a */
void spfk_dns_fail(spfk_answer *out, spfk_arena *a, int rcode, const char *msg);

/* milliseconds on the monotonic clock */
double spfk_dns_now_ms(void);

#endif
