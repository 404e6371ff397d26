/* cluster_natext.c - encode/decode of the NAT ping extension (see
 * cluster_natext.h for the payload layout and docs/nat.md for the why).
 * Decoding trusts nothing: every length is checked against the payload,
 * the IP must parse, and the hostname must be plain DNS characters, so a
 * forged extension can at worst make us dial a wrong (but valid) address. */
#include "cluster_natext.h"
#include <string.h>
#include <ctype.h>
#include <arpa/inet.h>

static void put16(unsigned char *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static uint16_t get16(const unsigned char *p) { return (uint16_t)((p[0] << 8) | p[1]); }

int cnatValidHostname(const char *s, size_t len) {
    if (len > CNAT_HOSTNAME_MAX) return 0;
    for (size_t j = 0; j < len; j++) {
        unsigned char c = (unsigned char)s[j];
        if (!isalnum(c) && c != '-' && c != '.') return 0;
    }
    return 1;
}

static int validIp(const char *ip) {
    unsigned char tmp[16];
    if (ip[0] == '\0') return 0;
    return inet_pton(AF_INET, ip, tmp) == 1 || inet_pton(AF_INET6, ip, tmp) == 1;
}

size_t cnatEncode(const cnatInfo *info, unsigned char *buf) {
    size_t iplen = strnlen(info->ip, CNAT_IPLEN + 1);
    size_t hlen = strnlen(info->hostname, CNAT_HOSTNAME_MAX + 1);
    if (iplen >= CNAT_IPLEN || !validIp(info->ip)) return 0;
    if (!cnatValidHostname(info->hostname, hlen)) return 0;
    memset(buf, 0, CNAT_FIXED_LEN);
    buf[0] = CNAT_VERSION;
    buf[1] = info->flags;
    put16(buf + 4, info->port);
    put16(buf + 6, info->tls_port);
    put16(buf + 8, info->cport);
    memcpy(buf + 12, info->ip, iplen);
    put16(buf + 58, (uint16_t)hlen);
    memcpy(buf + CNAT_FIXED_LEN, info->hostname, hlen);
    return CNAT_FIXED_LEN + hlen;
}

int cnatDecode(const unsigned char *payload, size_t len, cnatInfo *info) {
    if (payload == NULL || len < CNAT_FIXED_LEN) return 0;
    if (payload[0] < CNAT_VERSION) return 0;
    memset(info, 0, sizeof(*info));
    info->version = payload[0];
    info->flags = payload[1];
    info->port = get16(payload + 4);
    info->tls_port = get16(payload + 6);
    info->cport = get16(payload + 8);
    /* The IP field must hold its NUL terminator. */
    if (memchr(payload + 12, '\0', CNAT_IPLEN) == NULL) return 0;
    memcpy(info->ip, payload + 12, CNAT_IPLEN);
    info->ip[CNAT_IPLEN] = '\0';
    if (!validIp(info->ip)) return 0;
    if (info->cport == 0) return 0;
    size_t hlen = get16(payload + 58);
    if (hlen > len - CNAT_FIXED_LEN || hlen > CNAT_HOSTNAME_MAX) return 0;
    if (!cnatValidHostname((const char *)payload + CNAT_FIXED_LEN, hlen)) return 0;
    memcpy(info->hostname, payload + CNAT_FIXED_LEN, hlen);
    info->hostname[hlen] = '\0';
    return 1;
}
