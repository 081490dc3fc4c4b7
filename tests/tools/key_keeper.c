// SPDX-License-Identifier: GPL-2.0
/*
 * key_keeper: reads its standard input into memory and exits without
 * clearing it: the control of tests/guest/test_loader_keys.sh, which
 * shows that keyscan.so finds a key a process leaves behind.
 */
#include <unistd.h>

static char kept[4096];

int main(void)
{
	return read(0, kept, sizeof(kept)) > 0 ? 0 : 1;
}
