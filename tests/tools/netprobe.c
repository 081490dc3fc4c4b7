// SPDX-License-Identifier: GPL-2.0
/*
 * netprobe: the traffic the guest tests need, which busybox cannot make
 * (its nc has no UDP and no IPv6 in every build).
 *
 *   netprobe udp-recv PORT TIMEOUT_S [COUNT]  print datagrams received
 *   netprobe udp-send ADDR PORT MSG [COUNT]   send COUNT datagrams
 *   netprobe tcp-recv PORT TIMEOUT_S          accept one, count bytes
 *   netprobe tcp-send ADDR PORT BYTES         connect, send BYTES
 *   netprobe udp-pace ADDR PORT COUNT MS      COUNT numbered datagrams,
 *                                             one every MS milliseconds
 *   netprobe udp-count PORT IDLE_S            count numbered datagrams
 *                                             until IDLE_S without one;
 *                                             prints received and lost
 *
 * Addresses may be IPv4 or IPv6; sockets are dual-stack.  Exit 0 on
 * success, 1 when nothing (or too little) arrived, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || *out > max) {
		fprintf(stderr, "netprobe: bad number '%s'\n", s);
		return -1;
	}
	return 0;
}

static int addr_of(const char *host, const char *port, struct sockaddr_in6 *a)
{
	char mapped[64];
	unsigned long p;

	memset(a, 0, sizeof(*a));
	a->sin6_family = AF_INET6;
	if (parse_uint(port, 65535, &p))
		return -1;
	a->sin6_port = htons(p);
	if (!strchr(host, ':')) {
		snprintf(mapped, sizeof(mapped), "::ffff:%s", host);
		host = mapped;
	}
	if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
		fprintf(stderr, "netprobe: bad address '%s'\n", host);
		return -1;
	}
	return 0;
}

static int dual_socket(int type)
{
	int fd = socket(AF_INET6, type, 0), off = 0, on = 1;

	if (fd < 0) {
		perror("netprobe: socket");
		return -1;
	}
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	return fd;
}

static int bound_socket(int type, const char *port, const char *timeout)
{
	struct sockaddr_in6 a;
	struct timeval tv = { 0 };
	unsigned long t;
	int fd;

	if (addr_of("::", port, &a) || parse_uint(timeout, 3600, &t))
		return -1;
	tv.tv_sec = t;
	fd = dual_socket(type);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("netprobe: bind");
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int udp_recv(char **argv, int argc)
{
	unsigned long want = 1, got = 0;
	char buf[65536];
	ssize_t n;
	int fd;

	if (argc > 4 && parse_uint(argv[4], 1000000, &want))
		return 2;
	fd = bound_socket(SOCK_DGRAM, argv[2], argv[3]);
	if (fd < 0)
		return 2;
	while (got < want) {
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			break;
		buf[n] = '\0';
		printf("netprobe: received %zd bytes: %s\n", n, buf);
		got++;
	}
	printf("netprobe: %lu datagrams\n", got);
	return got ? 0 : 1;
}

static int udp_send(char **argv, int argc)
{
	unsigned long count = 1, i;
	struct sockaddr_in6 a;
	size_t len = strlen(argv[4]);
	int fd;

	if (addr_of(argv[2], argv[3], &a))
		return 2;
	if (argc > 5 && parse_uint(argv[5], 1000000, &count))
		return 2;
	fd = dual_socket(SOCK_DGRAM);
	if (fd < 0)
		return 2;
	for (i = 0; i < count; i++) {
		if (sendto(fd, argv[4], len, 0, (struct sockaddr *)&a,
			   sizeof(a)) < 0) {
			perror("netprobe: sendto");
			return 1;
		}
	}
	printf("netprobe: sent %lu x %zu bytes\n", count, len);
	return 0;
}

static int tcp_recv(char **argv)
{
	unsigned long long total = 0;
	char buf[65536];
	ssize_t n;
	int fd, c;

	fd = bound_socket(SOCK_STREAM, argv[2], argv[3]);
	if (fd < 0)
		return 2;
	if (listen(fd, 1)) {
		perror("netprobe: listen");
		return 2;
	}
	c = accept(fd, NULL, NULL);
	if (c < 0) {
		perror("netprobe: accept");
		return 1;
	}
	while ((n = recv(c, buf, sizeof(buf), 0)) > 0)
		total += n;
	printf("netprobe: received %llu bytes\n", total);
	return total ? 0 : 1;
}

static int tcp_send(char **argv)
{
	unsigned long bytes, left;
	struct sockaddr_in6 a;
	char buf[16384];
	ssize_t n;
	int fd;

	if (addr_of(argv[2], argv[3], &a) ||
	    parse_uint(argv[4], 1UL << 34, &bytes))
		return 2;
	fd = dual_socket(SOCK_STREAM);
	if (fd < 0)
		return 2;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("netprobe: connect");
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	for (left = bytes; left; left -= n) {
		n = send(fd, buf, left < sizeof(buf) ? left : sizeof(buf), 0);
		if (n <= 0) {
			perror("netprobe: send");
			return 1;
		}
	}
	close(fd);
	printf("netprobe: sent %lu bytes\n", bytes);
	return 0;
}

static int udp_pace(char **argv)
{
	unsigned long count, ms, i;
	struct sockaddr_in6 a;
	struct timespec gap;
	char msg[32];
	int fd, len;

	if (addr_of(argv[2], argv[3], &a) ||
	    parse_uint(argv[4], 10000000, &count) ||
	    parse_uint(argv[5], 60000, &ms))
		return 2;
	fd = dual_socket(SOCK_DGRAM);
	if (fd < 0)
		return 2;
	gap.tv_sec = ms / 1000;
	gap.tv_nsec = (ms % 1000) * 1000000L;
	for (i = 1; i <= count; i++) {
		len = snprintf(msg, sizeof(msg), "seq %lu", i);
		/* a failed send is a lost packet: the receiver counts it */
		sendto(fd, msg, len, 0, (struct sockaddr *)&a, sizeof(a));
		nanosleep(&gap, NULL);
	}
	printf("netprobe: paced %lu datagrams every %lu ms\n", count, ms);
	return 0;
}

static int udp_count(char **argv)
{
	unsigned long seq, got = 0, max = 0, dup = 0;
	unsigned char *seen;
	char buf[64];
	ssize_t n;
	int fd;

	fd = bound_socket(SOCK_DGRAM, argv[2], argv[3]);
	if (fd < 0)
		return 2;
	seen = calloc(10000001, 1);
	if (!seen)
		return 2;
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) >= 0) {
		buf[n] = '\0';
		if (sscanf(buf, "seq %lu", &seq) != 1 || seq > 10000000)
			continue;
		if (seen[seq]++) {
			dup++;
			continue;
		}
		got++;
		if (seq > max)
			max = seq;
	}
	printf("netprobe: received %lu lost %lu duplicate %lu last %lu\n",
	       got, max - got, dup, max);
	return got ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "udp-pace"))
		return udp_pace(argv);
	if (argc == 4 && !strcmp(argv[1], "udp-count"))
		return udp_count(argv);
	if (argc >= 4 && !strcmp(argv[1], "udp-recv"))
		return udp_recv(argv, argc);
	if (argc >= 5 && !strcmp(argv[1], "udp-send"))
		return udp_send(argv, argc);
	if (argc == 4 && !strcmp(argv[1], "tcp-recv"))
		return tcp_recv(argv);
	if (argc == 5 && !strcmp(argv[1], "tcp-send"))
		return tcp_send(argv);
	fprintf(stderr,
		"usage: netprobe udp-recv PORT TIMEOUT [COUNT] | udp-send ADDR PORT MSG [COUNT]\n"
		"       netprobe tcp-recv PORT TIMEOUT | tcp-send ADDR PORT BYTES\n"
		"       netprobe udp-pace ADDR PORT COUNT MS | udp-count PORT IDLE_S\n");
	return 2;
}
