// SPDX-License-Identifier: GPL-2.0
/*
 * xfrm_pkt: add XFRM states and policies with packet offload, and show a
 * state's offload attribute, over NETLINK_XFRM.  Debian 12's iproute2
 * (6.1) has neither `offload packet` nor policy offload, and prints no
 * offload mode; this is the subset of `ip xfrm` the packet-mode guest
 * test needs.  The kernel's extack message is printed on failure.
 *
 *   xfrm_pkt state DEV in|out SRC DST SPI REQID transport|tunnel KEY [opt...]
 *     opt: icv=BITS window=N esn encap=SPORT:DPORT sel-proto=N
 *          byte-soft=N byte-hard=N pkt-soft=N pkt-hard=N crypto
 *   xfrm_pkt policy DEV in|out SRC[/LEN] DST[/LEN] TSRC TDST REQID MODE [opt...]
 *     opt: prio=N proto=N
 *   xfrm_pkt show SRC DST SPI
 *     prints "offload ifindex N dir in|out mode crypto|packet" or "offload none"
 * KEY is hex (0x...): AES key plus the 4-byte salt of rfc4106(gcm(aes)).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/udp.h>
#include <linux/xfrm.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef XFRM_OFFLOAD_PACKET
#define XFRM_OFFLOAD_PACKET 4
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

#define BUF 4096

struct req {
	struct nlmsghdr n;
	char buf[BUF];
};

static void die(const char *what)
{
	fprintf(stderr, "xfrm_pkt: %s\n", what);
	exit(2);
}

static void put_attr(struct req *r, int type, const void *data, int len)
{
	struct nlattr *a = (void *)((char *)&r->n + NLMSG_ALIGN(r->n.nlmsg_len));

	if (NLMSG_ALIGN(r->n.nlmsg_len) + NLA_HDRLEN + len > sizeof(*r))
		die("message too long");
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Address with optional /LEN; returns the family. */
static int parse_addr(const char *s, xfrm_address_t *a, unsigned char *plen)
{
	char tmp[64], *slash;
	int fam;

	snprintf(tmp, sizeof(tmp), "%s", s);
	slash = strchr(tmp, '/');
	if (slash)
		*slash++ = 0;
	memset(a, 0, sizeof(*a));
	fam = strchr(tmp, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, tmp, a) != 1)
		die("bad address");
	if (plen)
		*plen = slash ? atoi(slash) : (fam == AF_INET ? 32 : 128);
	return fam;
}

static int parse_key(const char *s, unsigned char *key, int max)
{
	int n = 0;

	if (!strncmp(s, "0x", 2))
		s += 2;
	while (s[0] && s[1] && n < max) {
		unsigned int v;

		if (sscanf(s, "%2x", &v) != 1)
			die("bad key");
		key[n++] = v;
		s += 2;
	}
	return n;
}

static unsigned long long num(const char *opt, const char *name)
{
	size_t l = strlen(name);

	if (strncmp(opt, name, l) || opt[l] != '=')
		return ~0ULL;
	return strtoull(opt + l + 1, NULL, 0);
}

/* Send, wait for the ack, print the kernel's message on error. */
static int talk(struct req *r, struct req *reply)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, one = 1, len;
	struct nlmsghdr *h;

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_XFRM);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (sendto(fd, r, r->n.nlmsg_len, 0, (void *)&sa, sizeof(sa)) < 0)
		die("send");
	len = recv(fd, reply, sizeof(*reply), 0);
	close(fd);
	if (len < (int)sizeof(*h))
		die("recv");
	h = &reply->n;
	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(h);
		int off = sizeof(*h) + sizeof(*e);
		struct nlattr *a;

		if (!e->error)
			return 0;
		if (!(h->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
		for (a = (void *)((char *)h + off);
		     (char *)a + NLA_HDRLEN <= (char *)h + h->nlmsg_len &&
		     a->nla_len >= NLA_HDRLEN;
		     a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
			if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
				fprintf(stderr, "Error: %s\n",
					(char *)a + NLA_HDRLEN);
		fprintf(stderr, "xfrm_pkt: %s\n", strerror(-e->error));
		return 1;
	}
	return 0;
}

/* A policy's direction is its own: its offload flags are PACKET only. */
static void put_offload(struct req *r, const char *dev, const char *dir,
			int crypto, int policy)
{
	struct xfrm_user_offload xuo = { 0 };

	xuo.ifindex = if_nametoindex(dev);
	if (!xuo.ifindex)
		die("no such device");
	if (strcmp(dir, "in") && strcmp(dir, "out"))
		die("dir must be in or out");
	if (!strcmp(dir, "in") && !policy)
		xuo.flags |= XFRM_OFFLOAD_INBOUND;
	if (!crypto)
		xuo.flags |= XFRM_OFFLOAD_PACKET;
	put_attr(r, XFRMA_OFFLOAD_DEV, &xuo, sizeof(xuo));
}

static int mode_of(const char *s)
{
	if (!strcmp(s, "transport"))
		return XFRM_MODE_TRANSPORT;
	if (!strcmp(s, "tunnel"))
		return XFRM_MODE_TUNNEL;
	die("mode must be transport or tunnel");
	return 0;
}

struct sa_opts {
	unsigned int icv, window;
	int esn, crypto;
	struct xfrm_encap_tmpl encap;
	int has_encap;
};

static void sa_opt(const char *o, struct xfrm_usersa_info *p,
		   struct sa_opts *so)
{
	unsigned long long v;
	unsigned int sp, dp;

	if (!strcmp(o, "esn")) {
		so->esn = 1;
	} else if (!strcmp(o, "crypto")) {
		so->crypto = 1;
	} else if (sscanf(o, "encap=%u:%u", &sp, &dp) == 2) {
		so->has_encap = 1;
		so->encap.encap_type = UDP_ENCAP_ESPINUDP;
		so->encap.encap_sport = htons(sp);
		so->encap.encap_dport = htons(dp);
	} else if ((v = num(o, "icv")) != ~0ULL) {
		so->icv = v;
	} else if ((v = num(o, "window")) != ~0ULL) {
		so->window = v;
	} else if ((v = num(o, "sel-proto")) != ~0ULL) {
		p->sel.proto = v;
	} else if ((v = num(o, "byte-soft")) != ~0ULL) {
		p->lft.soft_byte_limit = v;
	} else if ((v = num(o, "byte-hard")) != ~0ULL) {
		p->lft.hard_byte_limit = v;
	} else if ((v = num(o, "pkt-soft")) != ~0ULL) {
		p->lft.soft_packet_limit = v;
	} else if ((v = num(o, "pkt-hard")) != ~0ULL) {
		p->lft.hard_packet_limit = v;
	} else {
		die("unknown state option");
	}
}

/* Windows over 32 bits, and ESN, need the ESN replay attribute. */
static void put_replay(struct req *r, struct xfrm_usersa_info *p,
		       const struct sa_opts *so)
{
	struct {
		struct xfrm_replay_state_esn rs;
		__u32 bmp[32];
	} esn = { 0 };

	if (!so->esn && so->window <= 32) {
		p->replay_window = so->window;
		return;
	}
	if (so->window > 1024)
		die("window too large");
	esn.rs.replay_window = so->window;
	esn.rs.bmp_len = (so->window + 31) / 32;
	put_attr(r, XFRMA_REPLAY_ESN_VAL, &esn,
		 sizeof(esn.rs) + esn.rs.bmp_len * 4);
}

static int cmd_state(int argc, char **argv)
{
	struct {
		struct xfrm_algo_aead a;
		unsigned char key[64];
	} aead = { 0 };
	struct sa_opts so = { .icv = 128 };
	struct req r = { 0 }, reply;
	struct xfrm_usersa_info *p;
	int i;

	if (argc < 9)
		die("state DEV in|out SRC DST SPI REQID MODE KEY [opt...]");
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(*p));
	r.n.nlmsg_type = XFRM_MSG_NEWSA;
	r.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	p = NLMSG_DATA(&r.n);
	p->family = parse_addr(argv[3], &p->saddr, NULL);
	parse_addr(argv[4], &p->id.daddr, NULL);
	p->id.spi = htonl(strtoul(argv[5], NULL, 0));
	p->id.proto = IPPROTO_ESP;
	p->reqid = strtoul(argv[6], NULL, 0);
	p->mode = mode_of(argv[7]);
	p->sel.family = p->family;
	p->lft.soft_byte_limit = XFRM_INF;
	p->lft.hard_byte_limit = XFRM_INF;
	p->lft.soft_packet_limit = XFRM_INF;
	p->lft.hard_packet_limit = XFRM_INF;
	for (i = 9; i < argc; i++)
		sa_opt(argv[i], p, &so);
	if (so.esn)
		p->flags |= XFRM_STATE_ESN;
	strcpy(aead.a.alg_name, "rfc4106(gcm(aes))");
	aead.a.alg_key_len = parse_key(argv[8], aead.key, sizeof(aead.key)) * 8;
	aead.a.alg_icv_len = so.icv;
	put_attr(&r, XFRMA_ALG_AEAD, &aead,
		 sizeof(aead.a) + aead.a.alg_key_len / 8);
	memset(aead.key, 0, sizeof(aead.key));
	put_replay(&r, p, &so);
	if (so.has_encap)
		put_attr(&r, XFRMA_ENCAP, &so.encap, sizeof(so.encap));
	put_offload(&r, argv[1], argv[2], so.crypto, 0);
	i = talk(&r, &reply);
	memset(&r, 0, sizeof(r));
	return i;
}

static int cmd_policy(int argc, char **argv)
{
	struct req r = { 0 }, reply;
	struct xfrm_userpolicy_info *p;
	struct xfrm_user_tmpl t = { 0 };
	unsigned long long v;
	int i;

	if (argc < 9)
		die("policy DEV in|out SRC DST TSRC TDST REQID MODE [opt...]");
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(*p));
	r.n.nlmsg_type = XFRM_MSG_NEWPOLICY;
	r.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	p = NLMSG_DATA(&r.n);
	p->sel.family = parse_addr(argv[3], &p->sel.saddr, &p->sel.prefixlen_s);
	parse_addr(argv[4], &p->sel.daddr, &p->sel.prefixlen_d);
	p->dir = !strcmp(argv[2], "in") ? XFRM_POLICY_IN : XFRM_POLICY_OUT;
	p->action = XFRM_POLICY_ALLOW;
	p->lft.soft_byte_limit = XFRM_INF;
	p->lft.hard_byte_limit = XFRM_INF;
	p->lft.soft_packet_limit = XFRM_INF;
	p->lft.hard_packet_limit = XFRM_INF;
	t.family = parse_addr(argv[5], &t.saddr, NULL);
	parse_addr(argv[6], &t.id.daddr, NULL);
	t.id.proto = IPPROTO_ESP;
	t.reqid = strtoul(argv[7], NULL, 0);
	t.mode = mode_of(argv[8]);
	t.aalgos = t.ealgos = t.calgos = ~0U;
	for (i = 9; i < argc; i++) {
		if ((v = num(argv[i], "prio")) != ~0ULL)
			p->priority = v;
		else if ((v = num(argv[i], "proto")) != ~0ULL)
			p->sel.proto = v;
		else
			die("unknown policy option");
	}
	put_attr(&r, XFRMA_TMPL, &t, sizeof(t));
	put_offload(&r, argv[1], argv[2], 0, 1);
	return talk(&r, &reply);
}

static int cmd_show(int argc, char **argv)
{
	struct req r = { 0 }, reply;
	struct xfrm_usersa_id *id;
	struct xfrm_usersa_info *p;
	struct nlattr *a;
	xfrm_address_t saddr;

	if (argc < 4)
		die("show SRC DST SPI");
	r.n.nlmsg_len = NLMSG_LENGTH(sizeof(*id));
	r.n.nlmsg_type = XFRM_MSG_GETSA;
	r.n.nlmsg_flags = NLM_F_REQUEST;
	id = NLMSG_DATA(&r.n);
	parse_addr(argv[1], &saddr, NULL);
	id->family = parse_addr(argv[2], &id->daddr, NULL);
	id->spi = htonl(strtoul(argv[3], NULL, 0));
	id->proto = IPPROTO_ESP;
	put_attr(&r, XFRMA_SRCADDR, &saddr, sizeof(saddr));
	if (talk(&r, &reply))
		return 1;
	if (reply.n.nlmsg_type != XFRM_MSG_NEWSA)
		die("no state in the reply");
	p = NLMSG_DATA(&reply.n);
	for (a = (void *)((char *)p + NLMSG_ALIGN(sizeof(*p)));
	     (char *)a + NLA_HDRLEN <= (char *)&reply.n + reply.n.nlmsg_len &&
	     a->nla_len >= NLA_HDRLEN;
	     a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
		struct xfrm_user_offload *xuo = (void *)((char *)a + NLA_HDRLEN);

		if (a->nla_type != XFRMA_OFFLOAD_DEV)
			continue;
		printf("offload ifindex %d dir %s mode %s\n", xuo->ifindex,
		       xuo->flags & XFRM_OFFLOAD_INBOUND ? "in" : "out",
		       xuo->flags & XFRM_OFFLOAD_PACKET ? "packet" : "crypto");
		return 0;
	}
	printf("offload none\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "state"))
		return cmd_state(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "policy"))
		return cmd_policy(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "show"))
		return cmd_show(argc - 1, argv + 1);
	fprintf(stderr, "usage: xfrm_pkt state|policy|show ...\n");
	return 2;
}
