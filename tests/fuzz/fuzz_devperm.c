// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the rules-file parser (devperm_load), which reads
 * /etc/ipsec-offload.conf.  The input is the file's contents, handed over
 * through a memfd so the parser reads it as it reads the real file.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devperm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct devperm dp = { 0 };
	char path[64];
	int fd;

	fd = memfd_create("rules", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		devperm_load(&dp, path, true);
		devperm_free(&dp);
	}
	close(fd);
	return 0;
}
