/*
 * bench/libspf2_driver.c: libspf2's evaluations per second over the scenarios
 * bench/check.lua dumps (the RFC 7208 suite, same zones as spfkit's bench).
 *
 *   libspf2_driver DUMPFILE ROUNDS
 *
 * One libspf2 zone DNS layer and one SPF_server per scenario, built once.
 * Each evaluation is what a libspf2-based receiver does per message:
 * SPF_request_new, set IP / HELO / MAIL FROM, SPF_request_query_mailfrom,
 * SPF_response_result, free. Zone model as in the conformance note:
 * "TIMEOUT" is a TRY_AGAIN entry of type ANY after the name's records;
 * TXT strings are concatenated; SPF-type records are left out (Debian's
 * libspf2 never queries type 99), and so are CNAMEs, which the zone layer
 * refuses (3 records in rfc7208: those names answer NXDOMAIN here). Results are not checked: this is a
 * speed comparison. Prints one line:
 *   evals=N seconds=S completed=C tests=T
 * with process CPU time, C = tests whose evaluation completes.
 *
 * Guard: Debian's libspf2 1.2.10 smashes its stack on the CVE-2023-42118
 * pattern (a TXT record with ~127 macros and a long literal). Scenarios
 * holding a record with many macros or an oversized record are skipped
 * whole (reported on stderr); the rfc7208 suite has none.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#define MAX_FIELDS 64
#define GUARD_MACROS 32   /* "%{" occurrences in one record */
#define GUARD_LENGTH 2048 /* bytes in one record */

struct test {
	char *id, *ip, *mailfrom, *helo;
};

struct scenario {
	char *description;
	SPF_dns_server_t *dns;
	SPF_server_t *server;
	struct test *tests;
	int ntests, cap;
	int skipped;  /* guard tripped: no test of it runs */
	/* names that had "TIMEOUT", added after all records (see above) */
	char **timeouts;
	int ntimeouts;
};

static void quiet(const char *file, int line, const char *msg)
{
	(void)file; (void)line; (void)msg;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) { perror("realloc"); exit(1); }
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d) { perror("strdup"); exit(1); }
	return d;
}

/* Undo check.lua's escapes in place (\\ \t \n \r \0). A \0 ends the
 * C string, as it would for any libspf2 caller. */
static void unescape(char *s)
{
	char *d = s;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			switch (*s) {
			case 't': *d++ = '\t'; break;
			case 'n': *d++ = '\n'; break;
			case 'r': *d++ = '\r'; break;
			case '0': *d++ = '\0'; break;
			default: *d++ = *s; break;
			}
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

static int split(char *line, char **f)
{
	int n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < MAX_FIELDS; p++) {
		if (*p == '\t') { *p = '\0'; f[n++] = p + 1; }
	}
	return n;
}

static int guard_trips(const char *data)
{
	int macros = 0;
	for (const char *p = data; (p = strstr(p, "%{")) != NULL; p += 2) macros++;
	return macros >= GUARD_MACROS || strlen(data) > GUARD_LENGTH;
}

static ns_type rr_type(const char *t)
{
	if (!strcmp(t, "A")) return ns_t_a;
	if (!strcmp(t, "AAAA")) return ns_t_aaaa;
	if (!strcmp(t, "MX")) return ns_t_mx;
	if (!strcmp(t, "TXT")) return ns_t_txt;
	if (!strcmp(t, "PTR")) return ns_t_ptr;
	/* CNAME: libspf2's zone layer aborts on it ("Invalid RR type");
	 * SPF: never queried by Debian's libspf2 */
	return ns_t_invalid;
}

static void finish_zone(struct scenario *sc)
{
	if (!sc) return;
	for (int i = 0; i < sc->ntimeouts; i++) {
		SPF_dns_zone_add_str(sc->dns, sc->timeouts[i], ns_t_any, TRY_AGAIN, NULL);
		free(sc->timeouts[i]);
	}
	free(sc->timeouts);
	sc->timeouts = NULL;
	sc->ntimeouts = 0;
	sc->server = SPF_server_new_dns(sc->dns, 0);
	if (!sc->server) { fprintf(stderr, "SPF_server_new_dns failed\n"); exit(1); }
	SPF_server_set_rec_dom(sc->server, "receiver.example");
	SPF_response_t *resp = NULL;
	SPF_server_set_explanation(sc->server, "DEFAULT", &resp);
	if (resp) SPF_response_free(resp);
}

static struct scenario *load(const char *file, int *nscenarios)
{
	FILE *f = fopen(file, "r");
	if (!f) { perror(file); exit(1); }
	struct scenario *scs = NULL, *sc = NULL;
	int n = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n') line[--len] = '\0';
		char *fld[MAX_FIELDS];
		int nf = split(line, fld);
		for (int i = 0; i < nf; i++) unescape(fld[i]);
		if (!strcmp(fld[0], "S")) {
			finish_zone(sc);
			scs = xrealloc(scs, (n + 1) * sizeof *scs);
			sc = &scs[n++];
			memset(sc, 0, sizeof *sc);
			sc->description = xstrdup(nf > 1 ? fld[1] : "");
			sc->dns = SPF_dns_zone_new(NULL, "bench", 0);
			if (!sc->dns) { fprintf(stderr, "SPF_dns_zone_new failed\n"); exit(1); }
		} else if (!sc) {
			fprintf(stderr, "%s: record before any scenario\n", file);
			exit(1);
		} else if (!strcmp(fld[0], "R") && nf >= 3) {
			ns_type t = rr_type(fld[2]);
			if (t == ns_t_invalid) continue;   /* SPF, CNAME: see rr_type */
			char buf[8192] = "";
			if (t == ns_t_mx) {
				/* libspf2's zone takes the MX host only */
				snprintf(buf, sizeof buf, "%s", nf > 4 ? fld[4] : "");
			} else {
				size_t used = 0;
				for (int i = 3; i < nf; i++) {
					size_t l = strlen(fld[i]);
					if (used + l >= sizeof buf) { sc->skipped = 1; break; }
					memcpy(buf + used, fld[i], l);
					used += l;
					buf[used] = '\0';
				}
			}
			if (t == ns_t_txt && guard_trips(buf)) {
				sc->skipped = 1;
				continue;
			}
			/* errors (e.g. an A record that is not an address) leave the
			 * name without that record, as a broken zone would */
			SPF_dns_zone_add_str(sc->dns, fld[1], t, NETDB_SUCCESS, buf);
		} else if (!strcmp(fld[0], "T") && nf >= 2) {
			sc->timeouts = xrealloc(sc->timeouts, (sc->ntimeouts + 1) * sizeof(char *));
			sc->timeouts[sc->ntimeouts++] = xstrdup(fld[1]);
		} else if (!strcmp(fld[0], "X") && nf >= 5) {
			if (sc->ntests == sc->cap) {
				sc->cap = sc->cap ? 2 * sc->cap : 16;
				sc->tests = xrealloc(sc->tests, sc->cap * sizeof *sc->tests);
			}
			struct test *t = &sc->tests[sc->ntests++];
			t->id = xstrdup(fld[1]);
			t->ip = xstrdup(fld[2]);
			t->mailfrom = xstrdup(fld[3]);
			t->helo = xstrdup(fld[4]);
		}
	}
	finish_zone(sc);
	free(line);
	fclose(f);
	*nscenarios = n;
	return scs;
}

static int verbose;  /* BENCH_VERBOSE=1: print each warm-up result */

/* One evaluation; returns 1 when it completes (a response came back). */
static int evaluate(SPF_server_t *server, const struct test *t)
{
	SPF_request_t *req = SPF_request_new(server);
	if (!req) return 0;
	int ok = 0;
	SPF_errcode_t e = strchr(t->ip, ':')
		? SPF_request_set_ipv6_str(req, t->ip)
		: SPF_request_set_ipv4_str(req, t->ip);
	if (e == SPF_E_SUCCESS && *t->helo)
		e = SPF_request_set_helo_dom(req, t->helo);
	if (e == SPF_E_SUCCESS && SPF_request_set_env_from(req, t->mailfrom) == 0) {
		SPF_response_t *resp = NULL;
		SPF_request_query_mailfrom(req, &resp);
		if (resp) {
			volatile SPF_result_t r = SPF_response_result(resp);
			if (verbose)
				fprintf(stderr, "%s %s\n", t->id, SPF_strresult(r));
			SPF_response_free(resp);
			ok = 1;
		}
	}
	SPF_request_free(req);
	return ok;
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s DUMPFILE ROUNDS\n", argv[0]);
		return 2;
	}
	long rounds = strtol(argv[2], NULL, 10);
	SPF_warning_handler = quiet;
	SPF_info_handler = quiet;
	SPF_debug_handler = quiet;

	int nsc;
	struct scenario *scs = load(argv[1], &nsc);

	/* warm-up round: find the tests that complete; only those are timed */
	verbose = getenv("BENCH_VERBOSE") != NULL;
	int ntests = 0, completed = 0;
	for (int s = 0; s < nsc; s++) {
		ntests += scs[s].ntests;
		if (scs[s].skipped) {
			fprintf(stderr, "libspf2: guard: scenario '%s' skipped (%d tests)\n",
				scs[s].description, scs[s].ntests);
			continue;
		}
		for (int i = 0; i < scs[s].ntests; i++) {
			if (evaluate(scs[s].server, &scs[s].tests[i])) {
				completed++;
			} else {
				fprintf(stderr, "libspf2: %s does not complete, not timed\n",
					scs[s].tests[i].id);
				scs[s].tests[i].ip[0] = '\0';
			}
		}
	}

	verbose = 0;
	long done = 0;
	double t0 = cpu_seconds();
	for (long r = 0; r < rounds; r++) {
		for (int s = 0; s < nsc; s++) {
			if (scs[s].skipped) continue;
			SPF_server_t *server = scs[s].server;
			for (int i = 0; i < scs[s].ntests; i++) {
				if (scs[s].tests[i].ip[0])
					done += evaluate(server, &scs[s].tests[i]);
			}
		}
	}
	double secs = cpu_seconds() - t0;
	printf("evals=%ld seconds=%.6f completed=%d tests=%d\n", done, secs, completed, ntests);

	for (int s = 0; s < nsc; s++) {
		SPF_server_free(scs[s].server);
		SPF_dns_free(scs[s].dns);
		for (int i = 0; i < scs[s].ntests; i++) {
			free(scs[s].tests[i].id);
			free(scs[s].tests[i].ip);
			free(scs[s].tests[i].mailfrom);
			free(scs[s].tests[i].helo);
		}
		free(scs[s].tests);
		free(scs[s].description);
	}
	free(scs);
	return 0;
}
