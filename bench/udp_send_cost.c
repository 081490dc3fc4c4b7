// SPDX-License-Identifier: GPL-2.0
/*
 * udp_send_cost: mean cost of one UDP sendto() in this network namespace,
 * i.e. the kernel's output path including its XFRM policy lookup.  The
 * caller routes the destination into a dummy device, so nothing else in
 * the path changes between runs.
 *
 *   udp_send_cost ADDR COUNT    prints "ns_per_pkt=<float>"
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9) };
	char payload[64] = "ipsec-offload bench";
	long count, i, sent = 0;
	double t0, t1;
	int fd;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 ||
	    (count = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: udp_send_cost IPV4ADDR COUNT\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	/* warm route and policy caches */
	for (i = 0; i < 1000; i++)
		sendto(fd, payload, sizeof(payload), 0,
		       (struct sockaddr *)&dst, sizeof(dst));
	t0 = now_ns();
	for (i = 0; i < count; i++)
		if (sendto(fd, payload, sizeof(payload), 0,
			   (struct sockaddr *)&dst, sizeof(dst)) > 0)
			sent++;
	t1 = now_ns();
	if (sent != count) {
		fprintf(stderr, "udp_send_cost: %ld of %ld sends failed\n",
			count - sent, count);
		return 1;
	}
	printf("ns_per_pkt=%.1f\n", (t1 - t0) / count);
	return 0;
}
