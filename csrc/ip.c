/* IP address parsing (strict, as RFC 7208's ABNF wants) and CIDR matching. */
#include <arpa/inet.h>
#include <string.h>
#include <stdio.h>
#include "spfkit.h"

/* dotted quad, each part 0..255 without leading zeros */
int spfk_parse_ip4(const char *s, size_t n, uint8_t out[4]) {
  size_t i = 0;
  int part;
  for (part = 0; part < 4; part++) {
    unsigned v = 0;
    size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 4)
      v = v * 10 + (unsigned)(s[i++] - '0');
    if (i == start || i - start > 3 || v > 255) return 0;
    if (i - start > 1 && s[start] == '0') return 0;
    out[part] = (uint8_t)v;
    if (part < 3) {
      if (i >= n || s[i] != '.') return 0;
      i++;
    }
  }
  return i == n;
}

int spfk_parse_ip6(const char *s, size_t n, uint8_t out[16]) {
  char tmp[64];
  size_t i;
  if (n == 0 || n >= sizeof tmp) return 0;
  for (i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
          (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
      return 0;
  }
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  return inet_pton(AF_INET6, tmp, out) == 1;
}

int spfk_parse_ip(const char *s, size_t n, spfk_ip *ip) {
  static const uint8_t mapped[12] = {0,0,0,0,0,0,0,0,0,0,0xff,0xff};
  memset(ip, 0, sizeof *ip);
  if (spfk_parse_ip4(s, n, ip->b)) { ip->family = 4; return 1; }
  if (spfk_parse_ip6(s, n, ip->b)) {
    if (memcmp(ip->b, mapped, 12) == 0) {
      memmove(ip->b, ip->b + 12, 4);
      memset(ip->b + 4, 0, 12);
      ip->family = 4;
    } else {
      ip->family = 6;
    }
    return 1;
  }
  return 0;
}

int spfk_ip_match(const uint8_t *a, const uint8_t *b, int bits) {
  int full = bits / 8, rest = bits % 8;
  if (full && memcmp(a, b, (size_t)full) != 0) return 0;
  if (rest) {
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    if ((a[full] & mask) != (b[full] & mask)) return 0;
  }
  return 1;
}

void spfk_format_ip(const spfk_ip *ip, char *out, size_t n) {
  if (!inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->b, out, (socklen_t)n))
    snprintf(out, n, "?");
}
