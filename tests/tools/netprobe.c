// SPDX-License-Identifier: GPL-2.0
/*
 * netprobe: the traffic the guest tests need, which busybox cannot make
 * (its nc has no UDP and no IPv6 in every build).
 *
 *   netprobe udp-recv PORT TIMEOUT_S [COUNT]  print datagrams received
 *   netprobe udp-send ADDR PORT MSG [COUNT]   send COUNT datagrams
 *   netprobe tcp-recv PORT TIMEOUT_S          accept one, count bytes and
 *                                             check them against the
 *                                             sender's stream (below)
 *   netprobe tcp-send ADDR PORT BYTES         connect, send BYTES of a
 *                                             stream whose every byte
 *                                             depends on its offset, so
 *                                             a lost, repeated, reordered
 *                                             or altered byte shows
 *   netprobe udp-pace [--no-csum] ADDR PORT COUNT MS [EVERY BYTES]
 *                                             COUNT numbered datagrams,
 *                                             one every MS milliseconds;
 *                                             every EVERYth is padded to
 *                                             BYTES (a mixed stream);
 *                                             --no-csum: IPv4 checksum 0
 *                                             (SO_NO_CHECK), complete as
 *                                             from a wire (a veth hands
 *                                             XDP local senders' frames
 *                                             with the checksum unfilled)
 *   netprobe udp-count PORT IDLE_S            count numbered datagrams
 *                                             until IDLE_S without one;
 *                                             prints received, lost and
 *                                             what the socket dropped
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

/* Byte OFF of the TCP stream: word OFF / 4, scrambled, big-endian. */
static unsigned char stream_byte(unsigned long long off)
{
	unsigned int w = (unsigned int)(off >> 2) * 0x9e3779b1u;

	return w >> (8 * (3 - (off & 3)));
}

static void stream_fill(unsigned char *buf, size_t len,
			unsigned long long off)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = stream_byte(off + i);
}

/* Index of the first byte of BUF that is not the stream's, or LEN. */
static size_t stream_check(const unsigned char *buf, size_t len,
			   unsigned long long off)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != stream_byte(off + i))
			break;
	return i;
}

static int tcp_recv(char **argv)
{
	unsigned long long total = 0, bad_at = 0;
	unsigned char buf[65536];
	int fd, c, bad = 0;
	size_t good;
	ssize_t n;

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
	while ((n = recv(c, buf, sizeof(buf), 0)) > 0) {
		good = bad ? (size_t)n : stream_check(buf, n, total);
		if (!bad && good < (size_t)n) {
			bad = 1;
			bad_at = total + good;
		}
		total += n;
	}
	printf("netprobe: received %llu bytes\n", total);
	if (bad) {
		printf("netprobe: stream differs from byte %llu on\n", bad_at);
		return 1;
	}
	printf("netprobe: stream intact\n");
	return total ? 0 : 1;
}

static int tcp_send(char **argv)
{
	unsigned long bytes, left;
	unsigned char buf[16384];
	struct sockaddr_in6 a;
	ssize_t n;
	size_t want;
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
	for (left = bytes; left; left -= n) {
		want = left < sizeof(buf) ? left : sizeof(buf);
		stream_fill(buf, want, bytes - left);
		n = send(fd, buf, want, 0);
		if (n <= 0) {
			perror("netprobe: send");
			return 1;
		}
	}
	close(fd);
	printf("netprobe: sent %lu bytes\n", bytes);
	return 0;
}

static int udp_pace(char **argv, int argc, int no_csum)
{
	unsigned long count, ms, i, failed = 0, first_failed = 0;
	unsigned long every = 0, big = 0;
	static char msg[65000];
	struct sockaddr_in6 a;
	struct timespec gap;
	int fd, len, last_errno = 0;

	if (addr_of(argv[2], argv[3], &a) ||
	    parse_uint(argv[4], 10000000, &count) ||
	    parse_uint(argv[5], 60000, &ms))
		return 2;
	if (argc == 8 && (parse_uint(argv[6], count, &every) || !every ||
			  parse_uint(argv[7], sizeof(msg), &big) || big < 32))
		return 2;
	fd = dual_socket(SOCK_DGRAM);
	if (fd < 0)
		return 2;
	if (no_csum &&
	    setsockopt(fd, SOL_SOCKET, SO_NO_CHECK, &no_csum, sizeof(no_csum))) {
		perror("netprobe: SO_NO_CHECK");
		return 2;
	}
	/* the receiver reads the number and ignores the padding after it */
	memset(msg, ' ', sizeof(msg));
	gap.tv_sec = ms / 1000;
	gap.tv_nsec = (ms % 1000) * 1000000L;
	for (i = 1; i <= count; i++) {
		len = snprintf(msg, 32, "seq %lu", i);
		msg[len] = ' ';
		if (every && i % every == 0)
			len = big;
		/*
		 * A failed send is a lost packet: the receiver counts it.
		 * Said here too, so that a loss the sender's own stack
		 * refused (no SA yet, no buffer) is told from one on the wire.
		 */
		if (sendto(fd, msg, len, 0, (struct sockaddr *)&a,
			   sizeof(a)) < 0) {
			if (!failed++)
				first_failed = i;
			last_errno = errno;
		}
		nanosleep(&gap, NULL);
	}
	printf("netprobe: paced %lu datagrams every %lu ms, send failed %lu",
	       count, ms, failed);
	if (failed)
		printf(" (first seq %lu, last error %s)", first_failed,
		       strerror(last_errno));
	printf("\n");
	return 0;
}

/*
 * A receiver the scheduler starves (two vCPUs under emulation) must not
 * turn into lost datagrams: a big buffer, and the socket's own overflow
 * counter (SO_RXQ_OVFL) reported apart, so a loss on the wire or in the
 * datapath is told from one in this process's queue.
 */
static void udp_count_setup(int fd)
{
	int rcvbuf = 16 << 20, on = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on));
}

/* One datagram into buf; *ovfl gets the socket's drop count when told. */
static ssize_t udp_count_recv(int fd, char *buf, size_t len,
			      unsigned int *ovfl)
{
	char cbuf[CMSG_SPACE(sizeof(unsigned int))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(fd, &mh, 0);
	if (n < 0)
		return n;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
			memcpy(ovfl, CMSG_DATA(c), sizeof(*ovfl));
	return n;
}

static int udp_count(char **argv)
{
	unsigned long seq, got = 0, max = 0, dup = 0;
	unsigned int ovfl = 0;
	unsigned char *seen;
	char buf[64];
	ssize_t n;
	int fd;

	fd = bound_socket(SOCK_DGRAM, argv[2], argv[3]);
	if (fd < 0)
		return 2;
	udp_count_setup(fd);
	seen = calloc(10000001, 1);
	if (!seen)
		return 2;
	while ((n = udp_count_recv(fd, buf, sizeof(buf) - 1, &ovfl)) >= 0) {
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
	printf("netprobe: received %lu lost %lu duplicate %lu last %lu socket-dropped %u\n",
	       got, max - got, dup, max, ovfl);
	return got ? 0 : 1;
}

int main(int argc, char **argv)
{
	int no_csum = 0;

	if (argc > 2 && !strcmp(argv[1], "udp-pace") &&
	    !strcmp(argv[2], "--no-csum")) {
		no_csum = 1;
		argv[2] = argv[1];
		argv++;
		argc--;
	}
	if ((argc == 6 || argc == 8) && !strcmp(argv[1], "udp-pace"))
		return udp_pace(argv, argc, no_csum);
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
		"       netprobe udp-pace [--no-csum] ADDR PORT COUNT MS [EVERY BYTES] | udp-count PORT IDLE_S\n");
	return 2;
}
