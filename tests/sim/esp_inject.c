// SPDX-License-Identifier: GPL-2.0
/*
 * esp_inject: put a replayed or a tampered copy of an ESP packet on the
 * simulated wire (guest tests of the simulated NIC).
 *
 *   esp_inject IFNAME SPI replay|tamper|frag|dstopt TIMEOUT_S
 *   esp_inject IFNAME SPI mutate TIMEOUT_S COUNT SEED
 *
 * Waits on IFNAME (an AF_PACKET socket, so it sees the frames the local
 * stack transmits) for the first IPv4 or IPv6 ESP frame with SPI, then
 * transmits a copy on IFNAME:
 *   replay  byte for byte, so the receiver sees a sequence number again;
 *   tamper  sequence number + 1000 (new to the replay window) and the last
 *           byte of the ICV flipped, so only the ICV check can reject it;
 *   frag    (IPv4) the same packet as two fragments, which a NIC that
 *           decrypts only whole packets leaves to the kernel;
 *   dstopt  (IPv6) the same packet behind an empty destination-options
 *           header, likewise;
 *   mutate  COUNT copies, each with one to three mutations: a fresh or
 *           edge sequence number (0, 2^32 - 1, far ahead, the edges of
 *           the replay window and of ESN inference around the one seen),
 *           bits flipped in IV, ciphertext or ICV, in the IP header
 *           (length, protocol, fragment fields, IPv6 next header), cut
 *           anywhere, garbage appended, IPv4 options inserted, IPv6
 *           extension headers inserted (hop-by-hop, routing, fragment,
 *           destination options), wrapped in UDP 4500 (NAT-T).
 *           Without the key, a valid ICV over a bad pad or next header
 *           cannot be made: the NIC's bad-trailer drop is not reached.
 * Prints the sequence number it saw.  Exit 0 when a copy was sent,
 * 1 when no matching frame arrived in time, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IPPROTO_ESP_NUM 50

/* Offset of the ESP header in an Ethernet frame, or 0. */
static size_t esp_offset(const unsigned char *f, size_t len)
{
	unsigned int ethertype;

	if (len < 14 + 40 + 16)
		return 0;
	ethertype = f[12] << 8 | f[13];
	if (ethertype == ETH_P_IP && (f[14] >> 4) == 4 && f[23] == IPPROTO_ESP_NUM)
		return 14 + (size_t)(f[14] & 0xf) * 4;
	if (ethertype == ETH_P_IPV6 && (f[14] >> 4) == 6 && f[20] == IPPROTO_ESP_NUM)
		return 14 + 40;
	return 0;
}

static unsigned long get32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void put32(unsigned char *p, unsigned long v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static unsigned int csum16(const unsigned char *p, size_t len)
{
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* An IPv4 fragment of frame f (header at 14, hl bytes) into out. */
static size_t ipv4_fragment(const unsigned char *f, size_t hl,
			    const unsigned char *part, size_t len,
			    size_t offset, int more, unsigned char *out)
{
	unsigned int c;

	memcpy(out, f, 14 + hl);
	memcpy(out + 14 + hl, part, len);
	out[16] = (hl + len) >> 8;
	out[17] = (hl + len) & 0xff;
	out[20] = (more ? 0x20 : 0) | ((offset / 8) >> 8 & 0x1f);
	out[21] = (offset / 8) & 0xff;
	out[24] = out[25] = 0;
	c = csum16(out + 14, hl);
	out[24] = c >> 8;
	out[25] = c & 0xff;
	return 14 + hl + len;
}

/* Send frame f (n bytes, IPv4) as two fragments: 0 on success. */
static int send_fragments(int fd, const unsigned char *f, size_t n)
{
	static unsigned char out[65536];
	size_t hl = (size_t)(f[14] & 0xf) * 4, payload = n - 14 - hl;
	size_t first = (payload / 2) & ~(size_t)7, len;

	if (f[12] != 0x08 || f[13] != 0x00 || first < 8)
		return -1;
	len = ipv4_fragment(f, hl, f + 14 + hl, first, 0, 1, out);
	if (send(fd, out, len, 0) != (ssize_t)len)
		return -1;
	len = ipv4_fragment(f, hl, f + 14 + hl + first, payload - first,
			    first, 0, out);
	return send(fd, out, len, 0) == (ssize_t)len ? 0 : -1;
}

/* Send frame f (n bytes, IPv6) with a destination-options header. */
static int send_dstopt(int fd, const unsigned char *f, size_t n)
{
	static unsigned char out[65536];
	unsigned int plen;

	if (f[12] != 0x86 || f[13] != 0xdd || n + 8 > sizeof(out))
		return -1;
	memcpy(out, f, 14 + 40);
	out[14 + 6] = 60;			/* next header: dest. options */
	plen = (f[18] << 8 | f[19]) + 8;
	out[18] = plen >> 8;
	out[19] = plen & 0xff;
	memset(out + 54, 0, 8);
	out[54] = IPPROTO_ESP_NUM;		/* then ESP */
	out[55] = 0;				/* 8 bytes in all */
	out[56] = 1;				/* PadN, 4 bytes of padding */
	out[57] = 4;
	memcpy(out + 62, f + 54, n - 54);
	return send(fd, out, n + 8, 0) == (ssize_t)(n + 8) ? 0 : -1;
}


static unsigned long long mut_rng;

static unsigned int mut_below(unsigned int n)
{
	mut_rng ^= mut_rng >> 12;
	mut_rng ^= mut_rng << 25;
	mut_rng ^= mut_rng >> 27;
	return (unsigned int)((mut_rng * 0x2545F4914F6CDD1DULL) >> 33) % n;
}

/* Insert len bytes at off (moving the rest up); the new length. */
static size_t insert_gap(unsigned char *f, size_t n, size_t off, size_t len)
{
	memmove(f + off + len, f + off, n - off);
	memset(f + off, 0, len);
	return n + len;
}

static void fix_ipv4(unsigned char *f, size_t n)
{
	size_t hl = (size_t)(f[14] & 0xf) * 4;
	unsigned int c;

	if (hl < 20 || 14 + hl > n)
		return;
	f[16] = (n - 14) >> 8;
	f[17] = (n - 14) & 0xff;
	f[24] = f[25] = 0;
	c = csum16(f + 14, hl);
	f[24] = c >> 8;
	f[25] = c & 0xff;
}

/*
 * IPv6: an extension header of 8 bytes in front of ESP (ESP at off, just
 * after the fixed header): hop-by-hop or destination options (PadN),
 * routing (type and segments left at random), or a fragment header
 * (atomic, or a first fragment whose rest never comes).
 */
static size_t ipv6_ext_header(unsigned char *f, size_t n, size_t off)
{
	static const unsigned char types[] = { 0, 60, 43, 44 };
	unsigned char type = types[mut_below(4)];
	unsigned int plen;

	if (off != 54 || n + 8 > 60000)
		return n;
	n = insert_gap(f, n, off, 8);
	f[off] = f[20];			/* the header's next: what was there */
	switch (type) {
	case 43:
		f[off + 2] = mut_below(5);	/* routing type */
		f[off + 3] = mut_below(2);	/* segments left */
		break;
	case 44:
		f[off + 3] = mut_below(2);	/* M flag, offset 0 */
		put32(f + off + 4, mut_below(0xffffffffu));
		break;
	default:
		f[off + 2] = 1;			/* PadN, 4 bytes */
		f[off + 3] = 4;
	}
	f[20] = type;
	plen = (f[18] << 8 | f[19]) + 8;
	f[18] = plen >> 8;
	f[19] = plen & 0xff;
	return n;
}

/*
 * Sequence numbers at the edges of the receiver's window and of the ESN
 * inference (RFC 4303 A2.2) around the one seen: just below and above a
 * 32, 64 or 128 wide window, half the number space away, a wrap.
 */
static unsigned long window_edge(unsigned long seq)
{
	static const long delta[] = { -1, -31, -32, -33, -63, -64, -65,
				      -127, -128, -129, 0x7fffffffL,
				      0x80000000L, 0x80000001L };

	return (seq + delta[mut_below(sizeof(delta) / sizeof(delta[0]))]) &
	       0xffffffff;
}

/* One mutation of frame f (n bytes, ESP at off); the new length. */
static size_t mutate_once(unsigned char *f, size_t n, size_t off, int v4)
{
	static const unsigned long edges[] = { 0, 1, 0xffffffff, 0x7fffffff };
	size_t i;

	switch (mut_below(11)) {
	case 0:
		put32(f + off + 4, edges[mut_below(4)]);
		break;
	case 1:
		put32(f + off + 4, get32(f + off + 4) + 1 + mut_below(100000));
		break;
	case 2:		/* IV, ciphertext, ICV */
		i = off + 8 + mut_below(n - off - 8);
		f[i] ^= 1u << mut_below(8);
		break;
	case 3:		/* IP header */
		i = 14 + mut_below(off - 14);
		f[i] = (unsigned char)mut_below(256);
		break;
	case 4:
		n = 14 + mut_below(n - 14);
		break;
	case 5:
		for (i = mut_below(64); i && n < 60000; i--)
			f[n++] = mut_below(256);
		break;
	case 6:		/* IPv4 fragment fields */
		if (v4) {
			f[20] = mut_below(256);
			f[21] = mut_below(256);
			fix_ipv4(f, n);
		}
		break;
	case 7:		/* IPv4 options: NOPs, then end of list */
		if (v4 && (f[14] & 0xf) <= 12 && off == 14 + (size_t)(f[14] & 0xf) * 4) {
			size_t add = 4 * (1 + mut_below(3));

			n = insert_gap(f, n, off, add);
			memset(f + off, 1, add - 1);
			f[off + add - 1] = 0;
			f[14] += add / 4;
			fix_ipv4(f, n);
		}
		break;
	case 8:		/* NAT-T: UDP 4500 in front of ESP */
		if (v4 && off == 14 + (size_t)(f[14] & 0xf) * 4) {
			size_t ulen;

			n = insert_gap(f, n, off, 8);
			ulen = n - off;
			f[off] = f[off + 2] = 4500 >> 8;
			f[off + 1] = f[off + 3] = 4500 & 0xff;
			f[off + 4] = ulen >> 8;
			f[off + 5] = ulen & 0xff;
			f[23] = 17;
			fix_ipv4(f, n);
		}
		break;
	case 9:		/* IPv6 extension headers */
		if (!v4)
			n = ipv6_ext_header(f, n, off);
		break;
	case 10:	/* window and ESN edges */
		put32(f + off + 4, window_edge(get32(f + off + 4)));
		break;
	}
	return n;
}

static int send_mutants(int fd, const unsigned char *f, size_t n,
			size_t off, unsigned long count)
{
	static unsigned char out[65536 + 64];
	unsigned long k, sent = 0;
	size_t len;
	int m;

	for (k = 0; k < count; k++) {
		memcpy(out, f, n);
		len = n;
		for (m = 1 + mut_below(3); m; m--)
			if (len > off + 8)
				len = mutate_once(out, len, off, f[12] == 0x08);
		if (send(fd, out, len, 0) == (ssize_t)len)
			sent++;
	}
	printf("esp_inject: %lu of %lu mutated copies sent\n", sent, count);
	return sent ? 0 : -1;
}

static int send_copy(int fd, const char *how, unsigned char *f, size_t n,
		     size_t off, unsigned long seq)
{
	if (!strcmp(how, "frag"))
		return send_fragments(fd, f, n);
	if (!strcmp(how, "dstopt"))
		return send_dstopt(fd, f, n);
	if (!strcmp(how, "tamper")) {
		put32(f + off + 4, seq + 1000);
		f[n - 1] ^= 0x5a;
	}
	return send(fd, f, n, 0) == (ssize_t)n ? 0 : -1;
}

static int known_how(const char *how, int argc)
{
	if (!strcmp(how, "mutate"))
		return argc == 7;
	return argc == 5 && (!strcmp(how, "replay") || !strcmp(how, "tamper") ||
			     !strcmp(how, "frag") || !strcmp(how, "dstopt"));
}

int main(int argc, char **argv)
{
	unsigned char f[65536];
	struct sockaddr_ll sll = { 0 };
	unsigned long spi, seq;
	int fd, timeout;
	time_t end;

	if (argc < 5 || !known_how(argv[3], argc)) {
		fprintf(stderr, "usage: esp_inject IFNAME SPI replay|tamper|frag|dstopt TIMEOUT_S\n"
			"       esp_inject IFNAME SPI mutate TIMEOUT_S COUNT SEED\n");
		return 2;
	}
	spi = strtoul(argv[2], NULL, 0);
	timeout = atoi(argv[4]);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(argv[1]);
	if (!sll.sll_ifindex) {
		perror("esp_inject: interface");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("esp_inject: socket");
		return 2;
	}
	end = time(NULL) + timeout;
	while (time(NULL) < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		size_t off;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recv(fd, f, sizeof(f), 0);
		if (n <= 0)
			continue;
		off = esp_offset(f, (size_t)n);
		if (!off || off + 16 > (size_t)n || get32(f + off) != spi)
			continue;
		seq = get32(f + off + 4);
		if (argc == 7) {
			mut_rng = strtoull(argv[6], NULL, 0) | 1;
			return send_mutants(fd, f, (size_t)n, off,
					    strtoul(argv[5], NULL, 0)) ? 1 : 0;
		}
		/*
		 * The tap sees the frame before the driver sends it: give the
		 * original time to reach the receiver, so that the copy is
		 * what comes second (a replay), whatever the scheduler does.
		 */
		usleep(100000);
		if (send_copy(fd, argv[3], f, (size_t)n, off, seq)) {
			perror("esp_inject: send");
			return 1;
		}
		printf("esp_inject: spi 0x%08lx seq %lu: sent a %s copy (%zd bytes)\n",
		       spi, seq, argv[3], n);
		return 0;
	}
	fprintf(stderr, "esp_inject: no ESP frame with spi 0x%08lx on %s\n",
		spi, argv[1]);
	return 1;
}
