// SPDX-License-Identifier: GPL-2.0
/*
 * loader_wait_gen PIN_DIR TIMEOUT_MS CMD [ARGS...]
 * Reads ipso_config.generation, runs CMD, then polls until the generation
 * changes (the daemon committed something).  Prints the microseconds from
 * just before CMD started to the change; exit 1 on timeout, 2 on error.
 * Used by the loader's host tests and benchmark to time event -> map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "ipsec_offload/maps.h"

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int generation(int fd, __u64 *gen)
{
	struct ipso_config c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &c))
		return -errno;
	*gen = c.generation;
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];
	long long t0, deadline;
	__u64 g0 = 0, g = 0;
	int fd, status;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: %s PIN_DIR TIMEOUT_MS CMD [ARGS]\n",
			argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/ipso_config", argv[1]);
	fd = bpf_obj_get(path);
	if (fd < 0 || generation(fd, &g0)) {
		perror(path);
		return 2;
	}
	t0 = now_us();
	deadline = t0 + atol(argv[2]) * 1000LL;
	pid = fork();
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "command failed\n");
		return 2;
	}
	while (!generation(fd, &g) && g == g0) {
		if (now_us() > deadline) {
			printf("timeout\n");
			return 1;
		}
		usleep(200);
	}
	printf("%lld\n", now_us() - t0);
	return 0;
}
