// SPDX-License-Identifier: GPL-2.0
/*
 * XFRM netlink dumps and events, decoded strictly: every attribute the
 * mirror uses is length-checked with mnl_attr_validate2() before it is
 * read, and a message with a short header or a bad attribute is rejected
 * as a whole.  Only the algorithm name and ICV length are taken from the
 * algorithm attributes; the key bytes that follow them are never read.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/ipsec.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

#include "mnl_utils.h"
#include "xfrm_nl.h"

/*
 * Linux >= 6.10 reports the SA direction.  Built against a uapi header
 * that names it (loader/Makefile asks the compiler), the header's values
 * are used; 6.1's does not, and there the attribute is the one that
 * follows XFRMA_MTIMER_THRESH in enum xfrm_attr_type_t, the directions
 * those of enum xfrm_sa_dir.
 */
#ifdef IPSO_HAVE_UAPI_SA_DIR
#define IPSO_XFRMA_SA_DIR	XFRMA_SA_DIR
#define IPSO_XFRM_SA_DIR_IN	XFRM_SA_DIR_IN
#define IPSO_XFRM_SA_DIR_OUT	XFRM_SA_DIR_OUT
#else
#define IPSO_XFRMA_SA_DIR	(XFRMA_MTIMER_THRESH + 1)
#define IPSO_XFRM_SA_DIR_IN	1
#define IPSO_XFRM_SA_DIR_OUT	2
#endif
#define IPSO_XFRMA_MAX		40

#define XNL_BUF_SIZE		(64 * 1024)

struct attr_tab {
	const struct nlattr *a[IPSO_XFRMA_MAX + 1];
	int bad;
};

/* Expected minimum payload of the fixed-size attributes we read. */
static size_t attr_min_len(int type)
{
	switch (type) {
	case XFRMA_ALG_AEAD:
		return sizeof(struct xfrm_algo_aead);
	case XFRMA_ALG_AUTH_TRUNC:
		return sizeof(struct xfrm_algo_auth);
	case XFRMA_ALG_CRYPT:
	case XFRMA_ALG_AUTH:
		return sizeof(struct xfrm_algo);
	case XFRMA_ENCAP:
		return sizeof(struct xfrm_encap_tmpl);
	case XFRMA_SA:
		return sizeof(struct xfrm_usersa_info);
	case XFRMA_POLICY:
		return sizeof(struct xfrm_userpolicy_info);
	case XFRMA_POLICY_TYPE:
		return sizeof(struct xfrm_userpolicy_type);
	case XFRMA_MARK:
		return sizeof(struct xfrm_mark);
	case XFRMA_IF_ID:
		return sizeof(__u32);
	case IPSO_XFRMA_SA_DIR:
		return sizeof(__u8);
	default:
		return 0;
	}
}

/*
 * Algorithm attributes carry their key after the fixed part; the declared
 * key length must fit in the attribute (as the kernel's own checks
 * demand), though the loader never reads the key itself.
 */
static bool alg_len_ok(const struct nlattr *attr, int type)
{
	size_t len = mnl_attr_get_payload_len(attr), bits;

	switch (type) {
	case XFRMA_ALG_AEAD:
		bits = ((const struct xfrm_algo_aead *)
			mnl_attr_get_payload(attr))->alg_key_len;
		return len >= sizeof(struct xfrm_algo_aead) + (bits + 7) / 8;
	case XFRMA_ALG_AUTH_TRUNC:
		bits = ((const struct xfrm_algo_auth *)
			mnl_attr_get_payload(attr))->alg_key_len;
		return len >= sizeof(struct xfrm_algo_auth) + (bits + 7) / 8;
	case XFRMA_ALG_CRYPT:
	case XFRMA_ALG_AUTH:
		bits = ((const struct xfrm_algo *)
			mnl_attr_get_payload(attr))->alg_key_len;
		return len >= sizeof(struct xfrm_algo) + (bits + 7) / 8;
	default:
		return true;
	}
}

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attr_tab *t = data;
	int type = mnl_attr_get_type(attr);
	size_t min;

	if (type > IPSO_XFRMA_MAX)
		return MNL_CB_OK;	/* newer kernel: not ours to judge */
	min = attr_min_len(type);
	if (min && mnl_attr_get_payload_len(attr) < min) {
		t->bad = type;
		return MNL_CB_ERROR;
	}
	if (type == XFRMA_TMPL &&
	    mnl_attr_get_payload_len(attr) % sizeof(struct xfrm_user_tmpl)) {
		t->bad = type;
		return MNL_CB_ERROR;
	}
	if (min && !alg_len_ok(attr, type)) {
		t->bad = type;
		return MNL_CB_ERROR;
	}
	t->a[type] = attr;
	return MNL_CB_OK;
}

static int parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen,
		       struct attr_tab *t)
{
	memset(t, 0, sizeof(*t));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen)) {
		/* Exactly hdrlen without alignment padding is also fine. */
		if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + hdrlen)
			return -EINVAL;
		return 0;
	}
	if (mnl_attr_parse(nlh, MNL_ALIGN(hdrlen), attr_cb, t) < 0)
		return -EINVAL;
	return 0;
}

static void copy_addr(union ipso_addr *dst, const xfrm_address_t *src,
		      int family)
{
	memset(dst, 0, sizeof(*dst));
	if (family == AF_INET)
		memcpy(dst->a8, &src->a4, 4);
	else
		memcpy(dst->a8, src->a6, 16);
}

static int copy_selector(struct ipso_selector *d,
			 const struct xfrm_selector *s)
{
	int fam = s->family;

	if (fam != AF_INET && fam != AF_INET6 && fam != AF_UNSPEC)
		return -EINVAL;
	if ((fam == AF_INET && (s->prefixlen_d > 32 || s->prefixlen_s > 32)) ||
	    s->prefixlen_d > 128 || s->prefixlen_s > 128)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	copy_addr(&d->daddr, &s->daddr, fam);
	copy_addr(&d->saddr, &s->saddr, fam);
	d->dport = s->dport;
	d->dport_mask = s->dport_mask;
	d->sport = s->sport;
	d->sport_mask = s->sport_mask;
	d->prefixlen_d = s->prefixlen_d;
	d->prefixlen_s = s->prefixlen_s;
	d->proto = s->proto;
	d->family = fam;
	d->ifindex = s->ifindex;
	return 0;
}

static void sa_key_from_id(struct ipso_sa_key *k, const xfrm_address_t *daddr,
			   __u32 spi, __u8 proto, __u16 family)
{
	memset(k, 0, sizeof(*k));
	copy_addr(&k->daddr, daddr, family);
	k->spi = spi;
	k->proto = proto;
	k->family = family;
}

static int decode_sa_info(const struct xfrm_usersa_info *p,
			  const struct attr_tab *t, struct xnl_event *ev)
{
	struct ipso_sa_desc *d = &ev->sa;

	if (p->family != AF_INET && p->family != AF_INET6)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	sa_key_from_id(&d->key, &p->id.daddr, p->id.spi, p->id.proto,
		       p->family);
	ev->key = d->key;
	if (p->id.proto != IPPROTO_ESP) {
		ev->kind = XNL_IGNORE;
		return 0;
	}
	if (copy_selector(&d->sel, &p->sel))
		return -EINVAL;
	copy_addr(&d->saddr, &p->saddr, p->family);
	d->reqid = p->reqid;
	d->mode = p->mode == XFRM_MODE_TUNNEL ? IPSO_MODE_TUNNEL :
						IPSO_MODE_TRANSPORT;
	if (p->mode != XFRM_MODE_TUNNEL && p->mode != XFRM_MODE_TRANSPORT) {
		/* BEET and friends are mirrored but never offloaded. */
		d->mode = p->mode;
	}
	d->dir = IPSO_DIR_UNKNOWN;
	d->add_time = p->curlft.add_time;
	ev->replay_window = p->replay_window;
	ev->lft_soft_bytes = p->lft.soft_byte_limit;
	ev->lft_hard_bytes = p->lft.hard_byte_limit;
	ev->lft_soft_packets = p->lft.soft_packet_limit;
	ev->lft_hard_packets = p->lft.hard_packet_limit;
	ev->lft_soft_add = p->lft.soft_add_expires_seconds;
	ev->lft_hard_add = p->lft.hard_add_expires_seconds;
	ev->cur_bytes = p->curlft.bytes;
	ev->cur_packets = p->curlft.packets;
	if (p->flags & XFRM_STATE_ESN)
		d->flags |= IPSO_SA_F_ESN;
	if (t->a[XFRMA_ALG_AEAD]) {
		const struct xfrm_algo_aead *a =
			mnl_attr_get_payload(t->a[XFRMA_ALG_AEAD]);

		d->icv_len = a->alg_icv_len / 8;
		memcpy(ev->alg, a->alg_name, sizeof(ev->alg) - 1);
	} else if (t->a[XFRMA_ALG_AUTH_TRUNC]) {
		const struct xfrm_algo_auth *a =
			mnl_attr_get_payload(t->a[XFRMA_ALG_AUTH_TRUNC]);

		d->icv_len = a->alg_trunc_len / 8;
		memcpy(ev->alg, a->alg_name, sizeof(ev->alg) - 1);
	} else if (t->a[XFRMA_ALG_CRYPT]) {
		const struct xfrm_algo *a =
			mnl_attr_get_payload(t->a[XFRMA_ALG_CRYPT]);

		memcpy(ev->alg, a->alg_name, sizeof(ev->alg) - 1);
	}
	ev->alg[sizeof(ev->alg) - 1] = 0;
	if (t->a[XFRMA_ENCAP]) {
		const struct xfrm_encap_tmpl *e =
			mnl_attr_get_payload(t->a[XFRMA_ENCAP]);

		d->flags |= IPSO_SA_F_NATT;
		d->encap_sport = e->encap_sport;
		d->encap_dport = e->encap_dport;
	}
	if (t->a[IPSO_XFRMA_SA_DIR]) {
		__u8 dir = mnl_attr_get_u8(t->a[IPSO_XFRMA_SA_DIR]);

		if (dir == IPSO_XFRM_SA_DIR_IN)
			d->dir = IPSO_DIR_IN;
		else if (dir == IPSO_XFRM_SA_DIR_OUT)
			d->dir = IPSO_DIR_OUT;
	}
	if (t->a[XFRMA_MARK]) {
		const struct xfrm_mark *m = mnl_attr_get_payload(t->a[XFRMA_MARK]);

		ev->sa_mark_v = m->v;
		ev->sa_mark_m = m->m;
	}
	if (t->a[XFRMA_IF_ID])
		ev->sa_if_id = mnl_attr_get_u32(t->a[XFRMA_IF_ID]);
	ev->kind = XNL_SA_PUT;
	return 0;
}

static bool is_sub_policy(const struct attr_tab *t)
{
	const struct xfrm_userpolicy_type *pt;

	if (!t->a[XFRMA_POLICY_TYPE])
		return false;
	pt = mnl_attr_get_payload(t->a[XFRMA_POLICY_TYPE]);
	return pt->type != XFRM_POLICY_TYPE_MAIN;
}

static int decode_tmpls(const struct attr_tab *t, struct ipso_policy_desc *d)
{
	const struct xfrm_user_tmpl *ut;
	size_t n;

	if (!t->a[XFRMA_TMPL])
		return 0;
	n = mnl_attr_get_payload_len(t->a[XFRMA_TMPL]) / sizeof(*ut);
	if (n > IPSO_MAX_TMPL)
		return -E2BIG;
	ut = mnl_attr_get_payload(t->a[XFRMA_TMPL]);
	for (size_t i = 0; i < n; i++) {
		struct ipso_tmpl_desc *td = &d->tmpl[i];
		int fam = ut[i].family;

		if (fam != AF_INET && fam != AF_INET6)
			return -EINVAL;
		copy_addr(&td->daddr, &ut[i].id.daddr, fam);
		copy_addr(&td->saddr, &ut[i].saddr, fam);
		td->spi = ut[i].id.spi;
		td->reqid = ut[i].reqid;
		td->family = fam;
		td->proto = ut[i].id.proto;
		td->mode = ut[i].mode;
		td->optional = ut[i].optional ? 1 : 0;
	}
	d->ntmpl = n;
	return 0;
}

static int decode_policy_info(const struct xfrm_userpolicy_info *p,
			      const struct attr_tab *t, struct xnl_event *ev)
{
	struct ipso_policy_desc *d = &ev->pol;
	int err;

	if (is_sub_policy(t) || p->dir >= XFRM_POLICY_MAX) {
		ev->kind = XNL_IGNORE;
		return 0;
	}
	if (p->action != XFRM_POLICY_ALLOW && p->action != XFRM_POLICY_BLOCK)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	if (copy_selector(&d->sel, &p->sel))
		return -EINVAL;
	d->index = p->index;
	d->priority = p->priority;
	d->dir = p->dir;
	d->add_time = p->curlft.add_time;
	err = decode_tmpls(t, d);
	if (err == -E2BIG) {
		/* Not representable: whatever the mirror had under this
		 * (dir, index) must go (an update to > 4 templates). */
		ev->kind = XNL_POL_DEL;
		ev->dir = p->dir;
		ev->index = p->index;
		return err;
	}
	if (err)
		return err;
	if (p->action == XFRM_POLICY_BLOCK)
		d->action = IPSO_ACT_BLOCK;
	else
		d->action = d->ntmpl ? IPSO_ACT_PROTECT : IPSO_ACT_BYPASS;
	if (t->a[XFRMA_MARK]) {
		const struct xfrm_mark *m = mnl_attr_get_payload(t->a[XFRMA_MARK]);

		d->mark_v = m->v;
		d->mark_m = m->m;
	}
	if (t->a[XFRMA_IF_ID])
		d->if_id = mnl_attr_get_u32(t->a[XFRMA_IF_ID]);
	ev->dir = d->dir;
	ev->index = d->index;
	ev->kind = XNL_POL_PUT;
	return 0;
}

static int decode_sa(const struct nlmsghdr *nlh, struct xnl_event *ev)
{
	struct attr_tab t;

	if (parse_attrs(nlh, sizeof(struct xfrm_usersa_info), &t))
		return -EINVAL;
	return decode_sa_info(mnl_nlmsg_get_payload(nlh), &t, ev);
}

static int decode_delsa(const struct nlmsghdr *nlh, struct xnl_event *ev)
{
	const struct xfrm_usersa_id *id = mnl_nlmsg_get_payload(nlh);
	struct attr_tab t;

	if (parse_attrs(nlh, sizeof(*id), &t))
		return -EINVAL;
	if (id->family != AF_INET && id->family != AF_INET6)
		return -EINVAL;
	sa_key_from_id(&ev->key, &id->daddr, id->spi, id->proto, id->family);
	ev->kind = id->proto == IPPROTO_ESP ? XNL_SA_DEL : XNL_IGNORE;
	return 0;
}

static int decode_expire(const struct nlmsghdr *nlh, struct xnl_event *ev)
{
	const struct xfrm_user_expire *ue = mnl_nlmsg_get_payload(nlh);
	const struct xfrm_usersa_info *p = &ue->state;
	struct attr_tab t;

	if (parse_attrs(nlh, sizeof(*ue), &t))
		return -EINVAL;
	if (p->family != AF_INET && p->family != AF_INET6)
		return -EINVAL;
	sa_key_from_id(&ev->key, &p->id.daddr, p->id.spi, p->id.proto,
		       p->family);
	ev->hard = ue->hard;
	ev->kind = p->id.proto == IPPROTO_ESP ? XNL_SA_EXPIRE : XNL_IGNORE;
	return 0;
}

static int decode_policy(const struct nlmsghdr *nlh, struct xnl_event *ev)
{
	struct attr_tab t;

	if (parse_attrs(nlh, sizeof(struct xfrm_userpolicy_info), &t))
		return -EINVAL;
	return decode_policy_info(mnl_nlmsg_get_payload(nlh), &t, ev);
}

/* DELPOLICY events carry the id header plus the policy in XFRMA_POLICY. */
static int decode_delpolicy(const struct nlmsghdr *nlh, struct xnl_event *ev)
{
	const struct xfrm_userpolicy_id *id = mnl_nlmsg_get_payload(nlh);
	const struct xfrm_userpolicy_info *p;
	struct attr_tab t;

	if (parse_attrs(nlh, sizeof(*id), &t))
		return -EINVAL;
	if (is_sub_policy(&t) || id->dir >= XFRM_POLICY_MAX) {
		ev->kind = XNL_IGNORE;
		return 0;
	}
	ev->dir = id->dir;
	ev->index = id->index;
	if (t.a[XFRMA_POLICY]) {
		/* attribute payloads are 4-aligned, the struct wants 8 */
		p = mnl_attr_get_payload(t.a[XFRMA_POLICY]);
		memcpy(&ev->index, (const char *)p +
		       offsetof(struct xfrm_userpolicy_info, index),
		       sizeof(ev->index));
	}
	if (!ev->index)
		return -EINVAL;
	ev->kind = XNL_POL_DEL;
	return 0;
}

static int decode_polexpire(const struct nlmsghdr *nlh, struct xnl_event *ev)
{
	const struct xfrm_user_polexpire *pe = mnl_nlmsg_get_payload(nlh);
	struct attr_tab t;

	if (parse_attrs(nlh, sizeof(*pe), &t))
		return -EINVAL;
	if (is_sub_policy(&t) || pe->pol.dir >= XFRM_POLICY_MAX ||
	    !pe->hard) {
		ev->kind = XNL_IGNORE;
		return 0;
	}
	ev->dir = pe->pol.dir;
	ev->index = pe->pol.index;
	ev->kind = XNL_POL_DEL;
	return 0;
}

static int decode_flushsa(const struct nlmsghdr *nlh, struct xnl_event *ev)
{
	const struct xfrm_usersa_flush *f = mnl_nlmsg_get_payload(nlh);
	struct attr_tab t;

	if (parse_attrs(nlh, sizeof(*f), &t))
		return -EINVAL;
	/* As xfrm_id_proto_match(): 0 is every protocol (what `ip xfrm
	 * state flush` sends), IPSEC_PROTO_ANY is AH, ESP and COMP. */
	ev->kind = (!f->proto || f->proto == IPPROTO_ESP ||
		    f->proto == IPSEC_PROTO_ANY) ? XNL_SA_FLUSH : XNL_IGNORE;
	return 0;
}

static int decode_flushpolicy(const struct nlmsghdr *nlh,
			      struct xnl_event *ev)
{
	struct attr_tab t;

	if (parse_attrs(nlh, 0, &t))
		return -EINVAL;
	ev->kind = is_sub_policy(&t) ? XNL_IGNORE : XNL_POL_FLUSH;
	return 0;
}

static int decode_aligned(const struct nlmsghdr *nlh, struct xnl_event *ev);

/*
 * Netlink aligns messages to 4 bytes; the payload structs hold __u64
 * lifetimes and want 8.  A message at a 4-aligned place in a buffer is
 * decoded from an aligned copy, which may hold keys: wiped after.
 */
int xnl_decode(const struct nlmsghdr *nlh, struct xnl_event *ev)
{
	struct nlmsghdr *copy;
	int err;

	if (!((uintptr_t)nlh % __alignof__(__u64)))
		return decode_aligned(nlh, ev);
	copy = malloc(nlh->nlmsg_len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, nlh, nlh->nlmsg_len);
	err = decode_aligned(copy, ev);
	explicit_bzero(copy, nlh->nlmsg_len);
	free(copy);
	return err;
}

static int decode_aligned(const struct nlmsghdr *nlh, struct xnl_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = XNL_IGNORE;
	switch (nlh->nlmsg_type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
		return decode_sa(nlh, ev);
	case XFRM_MSG_DELSA:
		return decode_delsa(nlh, ev);
	case XFRM_MSG_EXPIRE:
		return decode_expire(nlh, ev);
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
		return decode_policy(nlh, ev);
	case XFRM_MSG_DELPOLICY:
		return decode_delpolicy(nlh, ev);
	case XFRM_MSG_POLEXPIRE:
		return decode_polexpire(nlh, ev);
	case XFRM_MSG_FLUSHSA:
		return decode_flushsa(nlh, ev);
	case XFRM_MSG_FLUSHPOLICY:
		return decode_flushpolicy(nlh, ev);
	default:
		return 0;
	}
}

struct run_ctx {
	xnl_cb cb;
	void *ctx;
	int err;
	int count;
	bool intr;
};

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *rc = data;
	struct xnl_event ev;
	int err;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		rc->intr = true;
	err = xnl_decode(nlh, &ev);
	if (err == -E2BIG) {
		/* More templates than the mirror holds: this one policy
		 * cannot be mirrored; say so and go on with the rest. */
		fprintf(stderr, "ipsec-offload: xfrm: a policy with more than "
			"%d templates is not mirrored\n", IPSO_MAX_TMPL);
		rc->count++;
		if (ev.kind == XNL_POL_DEL && rc->cb(&ev, rc->ctx))
			return MNL_CB_ERROR;
		return MNL_CB_OK;
	}
	if (err) {
		rc->err = err;
		return MNL_CB_ERROR;
	}
	rc->count++;
	if (ev.kind == XNL_IGNORE)
		return MNL_CB_OK;
	err = rc->cb(&ev, rc->ctx);
	if (err) {
		rc->err = err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/*
 * A dump request is the bare header: the kernel reads what follows it as
 * filter attributes (XFRMA_ADDRESS_FILTER, XFRMA_PROTO), so a zeroed
 * struct there is parsed as attributes and answered with a warning.
 */
static int dump(int type, xnl_cb cb, void *ctx)
{
	struct run_ctx rc = { .cb = cb, .ctx = ctx };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	char *buf;
	int ret;

	buf = calloc(1, XNL_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	nl = mnlu_socket_open(NETLINK_XFRM, SOCK_CLOEXEC, 0);
	if (!nl) {
		ret = -errno;
		goto out_free;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	ret = mnlu_transact(nl, nlh, buf, XNL_BUF_SIZE, msg_cb, &rc);
	if (ret && rc.err)
		ret = rc.err;
	if (!ret && rc.intr)
		ret = -EINTR;
	mnl_socket_close(nl);
out_free:
	/* an SA dump carries the keys of every SA */
	explicit_bzero(buf, XNL_BUF_SIZE);
	free(buf);
	return ret;
}

int xnl_dump_sas(xnl_cb cb, void *ctx)
{
	return dump(XFRM_MSG_GETSA, cb, ctx);
}

int xnl_dump_policies(xnl_cb cb, void *ctx)
{
	return dump(XFRM_MSG_GETPOLICY, cb, ctx);
}

static int default_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct xfrm_userpolicy_default *d;
	int *fwd = data;

	if (nlh->nlmsg_type != XFRM_MSG_GETDEFAULT ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*d))
		return MNL_CB_ERROR;
	d = mnl_nlmsg_get_payload(nlh);
	*fwd = d->fwd;
	return MNL_CB_OK;
}

int xnl_get_fwd_default(bool *accept)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct xfrm_userpolicy_default *d;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	int fwd = -1, ret;

	nl = mnlu_socket_open(NETLINK_XFRM, SOCK_CLOEXEC, 0);
	if (!nl)
		return -errno;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_GETDEFAULT;
	/* the ack ends mnlu_transact()'s wait after the one reply */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	d = mnl_nlmsg_put_extra_header(nlh, sizeof(*d));
	memset(d, 0, sizeof(*d));
	ret = mnlu_transact(nl, nlh, buf, sizeof(buf), default_cb, &fwd);
	mnl_socket_close(nl);
	if (ret == -EINVAL || ret == -EOPNOTSUPP) {
		*accept = true;		/* no default policies on this kernel */
		return 0;
	}
	if (ret)
		return ret;
	if (fwd < 0)
		return -EPROTO;
	*accept = fwd == XFRM_USERPOLICY_ACCEPT;
	return 0;
}

struct mnl_socket *xnl_event_open(int rcvbuf)
{
	unsigned int groups = (1u << (XFRMNLGRP_SA - 1)) |
			      (1u << (XFRMNLGRP_POLICY - 1)) |
			      (1u << (XFRMNLGRP_EXPIRE - 1));
	struct mnl_socket *nl;
	int fd;

	nl = mnlu_socket_open(NETLINK_XFRM, SOCK_NONBLOCK | SOCK_CLOEXEC,
			      groups);
	if (!nl)
		return NULL;
	fd = mnl_socket_get_fd(nl);
	if (rcvbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return nl;
}

int xnl_event_read(struct mnl_socket *nl, xnl_cb cb, void *ctx, int max)
{
	struct run_ctx rc = { .cb = cb, .ctx = ctx };
	static char buf[XNL_BUF_SIZE];

	while (max <= 0 || rc.count < max) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		int ret;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return rc.count;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		rc.err = 0;
		ret = mnlu_run(buf, n, 0, 0, msg_cb, &rc);
		/* NEWSA and UPDSA events carry the SA's keys */
		explicit_bzero(buf, n);
		if (ret < 0 && rc.err)
			return rc.err;
	}
	return rc.count;
}

void xnl_event_drain(struct mnl_socket *nl)
{
	static char buf[XNL_BUF_SIZE];

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n > 0)
			explicit_bzero(buf, n);
		else if (n < 0 && errno != ENOBUFS && errno != EINTR)
			return;		/* EAGAIN: empty */
	}
}

const char *xnl_dir_name(int dir)
{
	switch (dir) {
	case IPSO_DIR_IN:
		return "in";
	case IPSO_DIR_OUT:
		return "out";
	case IPSO_DIR_FWD:
		return "fwd";
	default:
		return "unknown";
	}
}

const char *xnl_mode_name(int mode)
{
	switch (mode) {
	case IPSO_MODE_TRANSPORT:
		return "transport";
	case IPSO_MODE_TUNNEL:
		return "tunnel";
	case XFRM_MODE_BEET:
		return "beet";
	default:
		return "other";
	}
}
