// SPDX-License-Identifier: GPL-2.0
/*
 * natt_sock: hold an ESP-in-UDP socket (UDP_ENCAP_ESPINUDP) on an IPv4
 * port, as an IKE daemon does, so the kernel decapsulates RFC 3948
 * packets arriving there (guest tests of the simulated NIC's NAT-T).
 *
 *   natt_sock PORT SECONDS
 *
 * Like an IKE daemon's socket it carries per-socket bypass policies (in
 * and out), or the peer's own "dir in" policy for the addresses would
 * drop the UDP datagram before it is decapsulated.
 *
 * Prints "ready" once the socket is set up.  Exit 0 after SECONDS,
 * 1 when the socket cannot be set up, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <linux/xfrm.h>
#include <string.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

/* A per-socket policy without templates: this socket bypasses IPsec. */
static int bypass(int fd, int dir)
{
	struct xfrm_userpolicy_info p;

	memset(&p, 0, sizeof(p));
	p.sel.family = AF_INET;
	p.dir = dir;
	p.action = XFRM_POLICY_ALLOW;
	p.lft.soft_byte_limit = XFRM_INF;
	p.lft.hard_byte_limit = XFRM_INF;
	p.lft.soft_packet_limit = XFRM_INF;
	p.lft.hard_packet_limit = XFRM_INF;
	return setsockopt(fd, IPPROTO_IP, IP_XFRM_POLICY, &p, sizeof(p));
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, type = UDP_ENCAP_ESPINUDP;

	if (argc != 3) {
		fprintf(stderr, "usage: natt_sock PORT SECONDS\n");
		return 2;
	}
	a.sin_port = htons(atoi(argv[1]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    bypass(fd, XFRM_POLICY_IN) || bypass(fd, XFRM_POLICY_OUT) ||
	    setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type))) {
		perror("natt_sock");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	sleep(atoi(argv[2]));
	return 0;
}
