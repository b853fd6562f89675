/* SPDX-License-Identifier: MIT */
/*
 * Fixed-point conversion between two clocks, in the form the PV clock ABI
 * uses (struct vcpu_time_info): a count d of the source clock becomes
 *
 *   ((d << shift, or d >> -shift when shift < 0) * mul) >> 32
 *
 * counts of the destination clock. mul is normalised to [2^31, 2^32) so
 * that it keeps 31 significant bits.
 *
 * Pure arithmetic with no hypervisor dependencies: the host unit test
 * (tests/unit/test_time_scale.c) compiles this file directly.
 */
#ifndef TANDEM_TIME_SCALE_H
#define TANDEM_TIME_SCALE_H

#include <tandem/types.h>

struct time_scale {
	uint32_t mul;		/* 0.32 fixed-point factor */
	int8_t shift;		/* pre-shift of the source count */
};

/* Largest clock rate time_scale_init() accepts (about 1 THz). */
#define TIME_SCALE_MAX_HZ	(1ULL << 40)
/* Shifts beyond this range cannot be applied as above. */
#define TIME_SCALE_MIN_SHIFT	(-31)
#define TIME_SCALE_MAX_SHIFT	31

/*
 * Fill ts to convert counts of a from_hz clock to counts of a to_hz clock
 * (e.g. TSC ticks to ns: from_hz = TSC rate, to_hz = 10^9). mul is the
 * ratio rounded to nearest. Returns 0, -EINVAL for a rate of zero or above
 * TIME_SCALE_MAX_HZ, or -ERANGE if the ratio needs a shift outside
 * [TIME_SCALE_MIN_SHIFT, TIME_SCALE_MAX_SHIFT].
 */
int time_scale_init(struct time_scale *ts, uint64_t from_hz, uint64_t to_hz);

/*
 * Apply ts to delta. Bit-for-bit the guest's pvclock formula whenever
 * delta << shift fits in 64 bits; beyond that (where the guest formula
 * wraps) this one keeps the full product and saturates at UINT64_MAX
 * only if the result itself does not fit.
 */
static inline uint64_t time_scale_apply(uint64_t delta,
					const struct time_scale *ts)
{
	unsigned __int128 p;

	if (ts->shift < 0)
		return (uint64_t)(((unsigned __int128)(delta >> -ts->shift) *
				   ts->mul) >> 32);
	/* (delta << s) * mul >> 32 == delta * mul >> (32 - s), exactly. */
	p = ((unsigned __int128)delta * ts->mul) >> (32 - ts->shift);
	if (p >> 64)
		return UINT64_MAX;
	return (uint64_t)p;
}

#endif
