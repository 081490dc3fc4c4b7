// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the loader's parsers of the bridge's genetlink
 * replies and notifications (offload, config and device messages).
 * They are static in loader/lib/genl.c, so the file is compiled in here.  The
 * input is one netlink message (nlmsg_input.h).
 */
#include "../../loader/lib/genl.c"
#include "nlmsg_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ignore_dev(const struct genl_dev *d, void *ctx)
{
	(void)d;
	(void)ctx;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct genl_config cfg = { 0 };
	struct dev_ctx dc = { .cb = ignore_dev };
	struct genl_offload o;
	struct nlmsghdr *nlh;

	nlh = nlmsg_input(data, size);
	if (!nlh)
		return 0;
	decode_offload(nlh, &o);
	config_cb(nlh, &cfg);
	dev_msg_cb(nlh, &dc);
	free(nlh);
	return 0;
}
