// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the simulated NIC's anti-replay window and ESN
 * inference (kmod/ipsec_sim/replay.c), compiled in user space: the
 * kernel helpers replay.c uses are shimmed here, and ipsim.h is skipped
 * by defining its include guard before including replay.c.
 *
 * Prints every assertion; exit 0 when all hold, 1 otherwise.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint32_t u32;
typedef uint64_t u64;
#define EEXIST 17
#define IPSIM_REPLAY_MAX 1024
#define BITS_PER_LONG (8 * sizeof(unsigned long))
#define lower_32_bits(x) ((u32)(x))
#define upper_32_bits(x) ((u32)((u64)(x) >> 32))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))

typedef int spinlock_t;
static void spin_lock(spinlock_t *l) { (void)l; }
static void spin_unlock(spinlock_t *l) { (void)l; }

static bool test_bit(u64 n, const unsigned long *b)
{
	return b[n / BITS_PER_LONG] >> (n % BITS_PER_LONG) & 1;
}
static void set_bit(u64 n, unsigned long *b) { b[n / BITS_PER_LONG] |= 1UL << (n % BITS_PER_LONG); }
static void clear_bit(u64 n, unsigned long *b) { b[n / BITS_PER_LONG] &= ~(1UL << (n % BITS_PER_LONG)); }
static void bitmap_zero(unsigned long *b, unsigned int n) { memset(b, 0, n / 8); }

struct ipsim_sa {
	bool esn;
	spinlock_t lock;
	u64 rx_top;
	u32 window;
	unsigned long bitmap[IPSIM_REPLAY_MAX / (8 * sizeof(unsigned long))];
};

#define IPSIM_H		/* skip the kernel-only header */
#include "../../kmod/ipsec_sim/replay.c"

static int fails;

static void expect(const char *what, long long got, long long want)
{
	printf("%s: %s (got %lld, want %lld)\n", got == want ? "ok" : "FAIL",
	       what, got, want);
	if (got != want)
		fails++;
}

/* The NIC's receive order: check, (ICV ok), advance. */
static int rx(struct ipsim_sa *sa, u64 seq)
{
	if (ipsim_replay_check(sa, seq))
		return -EEXIST;
	return ipsim_replay_advance(sa, seq);
}

static void sa_init(struct ipsim_sa *sa, bool esn, u32 window, u64 top)
{
	memset(sa, 0, sizeof(*sa));
	sa->esn = esn;
	sa->window = window;
	sa->rx_top = top;
	memset(sa->bitmap, 0xff, sizeof(sa->bitmap));	/* as sa_table.c */
}

int main(void)
{
	struct ipsim_sa sa;

	sa_init(&sa, false, 32, 0);
	expect("seq 0 is never valid", rx(&sa, 0), -EEXIST);
	expect("seq 1 accepted", rx(&sa, 1), 0);
	expect("seq 1 again is a replay", rx(&sa, 1), -EEXIST);
	expect("seq 5 accepted (gap)", rx(&sa, 5), 0);
	expect("seq 3 late but in window", rx(&sa, 3), 0);
	expect("seq 3 again is a replay", rx(&sa, 3), -EEXIST);
	expect("seq 40 accepted (moves window)", rx(&sa, 40), 0);
	expect("seq 8 below the window", rx(&sa, 8), -EEXIST);
	expect("seq 9 is the window's lowest", rx(&sa, 9), 0);
	expect("seq 5000 accepted (jump > 1024)", rx(&sa, 5000), 0);
	expect("seq 4990 in window after a jump", rx(&sa, 4990), 0);
	expect("window top", (long long)sa.rx_top, 5000);

	sa_init(&sa, false, 32, 100);
	expect("inherited top: seq 100 already seen", rx(&sa, 100), -EEXIST);
	expect("inherited top: seq 90 counted as seen", rx(&sa, 90), -EEXIST);
	expect("inherited top: seq 101 new", rx(&sa, 101), 0);

	sa_init(&sa, false, 0, 0);
	expect("window 0: no replay check", rx(&sa, 7), 0);
	expect("window 0: duplicate passes", rx(&sa, 7), 0);

	/* A failed ICV check must not move the window: only check, no advance. */
	sa_init(&sa, false, 32, 10);
	expect("forged seq 1000 passes the check", ipsim_replay_check(&sa, 1000), 0);
	expect("window unmoved without advance", (long long)sa.rx_top, 10);
	expect("seq 11 still accepted", rx(&sa, 11), 0);

	/* ESN: infer the high half (RFC 4303 A2.2). */
	sa_init(&sa, true, 64, 0xfffffff0ULL);
	expect("esn: high 0 below the wrap", ipsim_replay_seq_hi(&sa, 0xfffffff5u), 0);
	expect("esn: high 1 after the wrap", ipsim_replay_seq_hi(&sa, 3), 1);
	expect("esn: 0xfffffff5 accepted", rx(&sa, 0xfffffff5ULL), 0);
	expect("esn: 2^32 + 3 accepted", rx(&sa, 0x100000003ULL), 0);
	expect("esn: late 0xfffffff8 (hi 0) in window",
	       ipsim_replay_seq_hi(&sa, 0xfffffff8u), 0);
	expect("esn: late 0xfffffff8 accepted", rx(&sa, 0xfffffff8ULL), 0);
	expect("esn: 0xfffffff5 again is a replay", rx(&sa, 0xfffffff5ULL), -EEXIST);
	expect("esn: seq 0 of high 1 is valid", rx(&sa, 0x100000000ULL), 0);
	sa_init(&sa, true, 64, 0x700000010ULL);
	expect("esn: low 0x20 stays in high 7", ipsim_replay_seq_hi(&sa, 0x20), 7);
	expect("esn: low 0xfffffff0 is the previous high",
	       ipsim_replay_seq_hi(&sa, 0xfffffff0u), 6);
	sa_init(&sa, false, 32, 0);
	expect("no ESN: high is 0", ipsim_replay_seq_hi(&sa, 5), 0);

	printf("%d failed\n", fails);
	return fails ? 1 : 0;
}
