// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-replay window of the simulated NIC (RFC 4303 §3.4.3, Appendix A).
 *
 * rx_top is the highest sequence number that passed the ICV check; bit
 * (seq % IPSIM_REPLAY_MAX) of the bitmap says seq was received.  The check
 * runs before decryption, the window only moves after the ICV verified,
 * so a forged packet can never advance it.  Sequence numbers are 64-bit;
 * without ESN the upper half is always zero.  Called in BH context.
 */
#include "ipsim.h"

/* RFC 4303 Appendix A2.2: infer the high 32 bits of an ESN. */
u32 ipsim_replay_seq_hi(struct ipsim_sa *sa, u32 seq_lo)
{
	u64 top;
	u32 tl, th, w;

	if (!sa->esn)
		return 0;
	spin_lock(&sa->lock);
	top = sa->rx_top;
	spin_unlock(&sa->lock);
	tl = lower_32_bits(top);
	th = upper_32_bits(top);
	w = max_t(u32, sa->window, 1);
	if (tl >= w - 1)
		return seq_lo >= tl - w + 1 ? th : th + 1;
	/* the window straddles a 2^32 boundary */
	return seq_lo >= tl - w + 1 ? th - 1 : th;
}

static bool ipsim_replay_seen(struct ipsim_sa *sa, u64 seq)
{
	if (!sa->esn && seq == 0)
		return true;	/* sequence number 0 is never sent */
	if (!sa->window || seq > sa->rx_top)
		return false;
	if (sa->rx_top - seq >= sa->window)
		return true;
	return test_bit(seq % IPSIM_REPLAY_MAX, sa->bitmap);
}

/* 0 when seq may be new, -EEXIST when it is a replay or too old. */
int ipsim_replay_check(struct ipsim_sa *sa, u64 seq)
{
	bool seen;

	spin_lock(&sa->lock);
	seen = ipsim_replay_seen(sa, seq);
	spin_unlock(&sa->lock);
	return seen ? -EEXIST : 0;
}

/*
 * After the ICV verified: record seq.  Checks again under the lock, as two
 * copies of one packet may have been decrypted in parallel.
 */
int ipsim_replay_advance(struct ipsim_sa *sa, u64 seq)
{
	u64 diff, i;
	int err = 0;

	spin_lock(&sa->lock);
	if (ipsim_replay_seen(sa, seq)) {
		err = -EEXIST;
	} else if (seq > sa->rx_top) {
		diff = seq - sa->rx_top;
		if (diff >= IPSIM_REPLAY_MAX)
			bitmap_zero(sa->bitmap, IPSIM_REPLAY_MAX);
		else
			for (i = 1; i <= diff; i++)
				clear_bit((sa->rx_top + i) % IPSIM_REPLAY_MAX,
					  sa->bitmap);
		set_bit(seq % IPSIM_REPLAY_MAX, sa->bitmap);
		sa->rx_top = seq;
	} else {
		set_bit(seq % IPSIM_REPLAY_MAX, sa->bitmap);
	}
	spin_unlock(&sa->lock);
	return err;
}
