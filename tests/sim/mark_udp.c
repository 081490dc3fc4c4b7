// SPDX-License-Identifier: GPL-2.0
/*
 * mark_udp: send one UDP datagram with a chosen skb->mark (SO_MARK), to
 * force stale or foreign offload marks in the simulated NIC's tests.
 *
 *   mark_udp ADDR PORT MARK MESSAGE
 *
 * ADDR is IPv4 or IPv6; MARK is a number (0x... accepted).  Exit 0 when
 * the datagram was handed to the kernel, 1 otherwise, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr *sa;
	socklen_t salen;
	unsigned int mark;
	int fd, port;

	if (argc != 5) {
		fprintf(stderr, "usage: mark_udp ADDR PORT MARK MESSAGE\n");
		return 2;
	}
	port = atoi(argv[2]);
	mark = (unsigned int)strtoul(argv[3], NULL, 0);
	if (inet_pton(AF_INET, argv[1], &a4.sin_addr) == 1) {
		a4.sin_port = htons(port);
		sa = (struct sockaddr *)&a4;
		salen = sizeof(a4);
	} else if (inet_pton(AF_INET6, argv[1], &a6.sin6_addr) == 1) {
		a6.sin6_port = htons(port);
		sa = (struct sockaddr *)&a6;
		salen = sizeof(a6);
	} else {
		fprintf(stderr, "mark_udp: bad address %s\n", argv[1]);
		return 2;
	}
	fd = socket(sa->sa_family, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark))) {
		perror("mark_udp: socket/SO_MARK");
		return 1;
	}
	if (sendto(fd, argv[4], strlen(argv[4]), 0, sa, salen) < 0) {
		perror("mark_udp: sendto");
		return 1;
	}
	printf("mark_udp: sent '%s' to %s port %d with mark 0x%08x\n",
	       argv[4], argv[1], port, mark);
	close(fd);
	return 0;
}
