// SPDX-License-Identifier: GPL-2.0
/*
 * esp_inject: put a replayed or a tampered copy of an ESP packet on the
 * simulated wire (guest tests of the simulated NIC).
 *
 *   esp_inject IFNAME SPI replay|tamper TIMEOUT_S
 *
 * Waits on IFNAME (an AF_PACKET socket, so it sees the frames the local
 * stack transmits) for the first IPv4 or IPv6 ESP frame with SPI, then
 * transmits a copy on IFNAME:
 *   replay  byte for byte, so the receiver sees a sequence number again;
 *   tamper  sequence number + 1000 (new to the replay window) and the last
 *           byte of the ICV flipped, so only the ICV check can reject it.
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

int main(int argc, char **argv)
{
	unsigned char f[65536];
	struct sockaddr_ll sll = { 0 };
	unsigned long spi, seq;
	int fd, tamper, timeout;
	time_t end;

	if (argc != 5 || (strcmp(argv[3], "replay") && strcmp(argv[3], "tamper"))) {
		fprintf(stderr, "usage: esp_inject IFNAME SPI replay|tamper TIMEOUT_S\n");
		return 2;
	}
	spi = strtoul(argv[2], NULL, 0);
	tamper = !strcmp(argv[3], "tamper");
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
		if (tamper) {
			put32(f + off + 4, seq + 1000);
			f[n - 1] ^= 0x5a;
		}
		if (send(fd, f, (size_t)n, 0) != n) {
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
