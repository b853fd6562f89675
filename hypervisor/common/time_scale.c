// SPDX-License-Identifier: MIT
/*
 * Computing a struct time_scale from two clock rates (see
 * tandem/time_scale.h). Integer-only, no 128-bit division, so that it
 * needs nothing from libgcc in the freestanding hypervisor.
 */
#include <tandem/errno.h>
#include <tandem/time_scale.h>

int time_scale_init(struct time_scale *ts, uint64_t from_hz, uint64_t to_hz)
{
	uint64_t num = to_hz, den = from_hz;
	uint64_t q = 0, rem;
	int shift = 0;

	if (!from_hz || !to_hz || from_hz > TIME_SCALE_MAX_HZ ||
	    to_hz > TIME_SCALE_MAX_HZ)
		return -EINVAL;

	/*
	 * Move factors of two into shift until 1/2 <= num/den < 1. Both stay
	 * below 2^42 with the input limit, so nothing here overflows.
	 */
	while (num >= den) {
		den <<= 1;
		shift++;
	}
	while ((num << 1) < den) {
		num <<= 1;
		shift--;
	}

	/* q = num * 2^32 / den, one bit at a time, then round to nearest. */
	rem = num;
	for (int i = 0; i < 32; i++) {
		rem <<= 1;
		q <<= 1;
		if (rem >= den) {
			rem -= den;
			q |= 1;
		}
	}
	if ((rem << 1) >= den)
		q++;
	if (q == (1ULL << 32)) {
		/* Rounded up to exactly 1.0: renormalise. */
		q >>= 1;
		shift++;
	}

	if (shift < TIME_SCALE_MIN_SHIFT || shift > TIME_SCALE_MAX_SHIFT)
		return -ERANGE;
	ts->mul = (uint32_t)q;
	ts->shift = (int8_t)shift;
	return 0;
}
