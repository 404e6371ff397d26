/* cluster_natext.h - the NAT ping extension of the cluster bus, pure.
 *
 * A node behind NAT (Kubernetes SNAT/NodePorts) cannot be reached at the
 * address its packets arrive from, and may announce to clients an address
 * (a NodePort) that peers should not use for the bus. This extension,
 * carried in PING/PONG/MEET (see cluster_bus.h for the framing), states the
 * sender's INTERNAL address: the pod IP and the real listening ports, plus
 * an optional stable DNS name to re-resolve when the IP changes. See
 * docs/nat.md for the design; cluster_addr.c decides what to do with it.
 *
 * Payload (big-endian, 60 bytes + hostname, zero-padded by the framing):
 *   0  u8  version (1; a higher version keeps this prefix)
 *   1  u8  flags (bit0: ip set by cluster-announce-internal-ip)
 *   2  u16 reserved
 *   4  u16 port      internal plain client port
 *   6  u16 tls_port  internal TLS client port (0: none)
 *   8  u16 cport     internal bus port
 *  10  u16 reserved
 *  12  char ip[46]   internal IP, NUL-padded
 *  58  u16 hostname_len
 *  60  hostname bytes (not NUL-terminated)
 * No server state, no I/O: src/unit/test_cluster_natext.c tests it alone.
 */
#ifndef CLUSTER_NATEXT_H
#define CLUSTER_NATEXT_H

#include <stdint.h>
#include <stddef.h>

#define CNAT_EXT_TYPE 0x4E41        /* "NA": no Redis/Valkey release uses it */
#define CNAT_VERSION 1
#define CNAT_FIXED_LEN 60
#define CNAT_IPLEN 46
#define CNAT_HOSTNAME_MAX 255
#define CNAT_MAX_LEN (CNAT_FIXED_LEN + CNAT_HOSTNAME_MAX)
#define CNAT_FLAG_IP_CONFIGURED 1

/* Gossip entry hint (the entry's unused u16): the node described speaks
 * the extension, so the first PING to it may carry ours. Stock nodes never
 * read the field and always send zero there. */
#define CNAT_GOSSIP_HINT 0x4E41

typedef struct cnatInfo {
    uint8_t version;
    uint8_t flags;
    uint16_t port;
    uint16_t tls_port;
    uint16_t cport;
    char ip[CNAT_IPLEN + 1];
    char hostname[CNAT_HOSTNAME_MAX + 1];
} cnatInfo;

/* Writes the payload of info into buf (at least CNAT_MAX_LEN bytes).
 * Returns its length, or 0 when info holds an invalid ip or hostname. */
size_t cnatEncode(const cnatInfo *info, unsigned char *buf);

/* Parses a payload of len bytes (padding included). Returns 1 and fills
 * info when it is well formed: known prefix, a valid textual IPv4/IPv6
 * address, ports, a hostname of letters, digits, '-' and '.' that fits.
 * Returns 0 otherwise (the caller ignores the extension). */
int cnatDecode(const unsigned char *payload, size_t len, cnatInfo *info);

/* 1 when s is a hostname we accept (also used for the config). */
int cnatValidHostname(const char *s, size_t len);

#endif
