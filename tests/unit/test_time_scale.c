/*
 * Host test for the clock scaling arithmetic (hypervisor/common/time_scale.c,
 * hypervisor/include/tandem/time_scale.h): the mul/shift pair the hypervisor
 * computes from the TSC rate and publishes to guests as pvclock parameters,
 * and the scaled multiply that NOW() uses.
 *
 * Checked: normalisation of mul; agreement with the guest's pvclock formula;
 * no overflow at large deltas; accuracy within 1 ns per second (plus the
 * final ns of truncation) for rates from 100 MHz to 10 GHz; monotonicity;
 * the ns -> ticks direction; rejection of bad input.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -I hypervisor/include \
 *            tests/unit/test_time_scale.c hypervisor/common/time_scale.c \
 *            -o test_time_scale
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include <tandem/time_scale.h>

#include "check.h"

#define NSEC_PER_SEC	1000000000ULL

typedef unsigned __int128 u128;

/* What a Linux PV guest computes (pvclock_scale_delta): 64-bit shift. */
static uint64_t guest_scale(uint64_t delta, const struct time_scale *ts)
{
	if (ts->shift < 0)
		delta >>= -ts->shift;
	else
		delta <<= ts->shift;
	return (uint64_t)(((u128)delta * ts->mul) >> 32);
}

/* Exact floor(delta * to / from) with 128-bit arithmetic. */
static u128 exact_scale(uint64_t delta, uint64_t from_hz, uint64_t to_hz)
{
	return (u128)delta * to_hz / from_hz;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64: deterministic, good enough to spread test points. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const uint64_t test_rates[] = {
	100000000ULL,		/* 100 MHz */
	123456789ULL,
	199999999ULL,
	250000000ULL,
	333333333ULL,
	499999999ULL,
	500000000ULL,
	999999999ULL,
	1000000000ULL,		/* 1 GHz: exact 1:1 */
	1000000001ULL,
	1193182ULL * 1000,	/* PIT-derived odd value */
	1600000000ULL,
	1999999999ULL,
	2000000000ULL,
	2095082000ULL,
	2893456789ULL,
	3000000000ULL,
	3600000000ULL,
	3999999999ULL,
	4294967295ULL,
	4294967296ULL,		/* 2^32 Hz */
	4294967297ULL,
	5000000000ULL,
	7777777777ULL,
	9999999999ULL,
	10000000000ULL,		/* 10 GHz */
};

static void test_normalised(uint64_t hz, const struct time_scale *ts)
{
	check(ts->mul >= (1U << 31), "%" PRIu64 " Hz: mul %#x not normalised",
	      hz, ts->mul);
}

/*
 * Accuracy: the error against exact arithmetic must stay within 1 ns per
 * second of elapsed time, plus up to 2 ns of truncation (the final >> 32
 * and, for fast clocks, the bits dropped by the right pre-shift).
 */
static void test_accuracy(uint64_t hz, const struct time_scale *ts)
{
	static const uint64_t secs[] = {
		0, 1, 2, 10, 60, 3600, 86400, 86400ULL * 365,
		86400ULL * 365 * 10,
	};

	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		uint64_t delta = hz * secs[i];
		uint64_t got = time_scale_apply(delta, ts);
		uint64_t want = secs[i] * NSEC_PER_SEC;
		uint64_t err = got > want ? got - want : want - got;

		check(err <= secs[i] + 2,
		      "%" PRIu64 " Hz: %" PRIu64 " s gave %" PRIu64
		      " ns, off by %" PRIu64 " ns", hz, secs[i], got, err);
	}

	for (int i = 0; i < 20000; i++) {
		/* Random deltas up to about 40 years at this rate. */
		uint64_t delta = rng() % (hz * 86400ULL * 365 * 40);
		u128 want = exact_scale(delta, hz, NSEC_PER_SEC);
		uint64_t got = time_scale_apply(delta, ts);
		u128 err = got > want ? got - want : want - got;
		uint64_t bound = delta / hz + 2;

		if (!check(err <= bound, "%" PRIu64 " Hz: delta %" PRIu64
			   " off by %" PRIu64 " ns (bound %" PRIu64 ")",
			   hz, delta, (uint64_t)err, bound))
			break;
	}
}

/* Small and moderate deltas: identical to what the guest computes. */
static void test_guest_agreement(uint64_t hz, const struct time_scale *ts)
{
	uint64_t limit = ts->shift > 0 ? UINT64_MAX >> ts->shift : UINT64_MAX;

	for (int i = 0; i < 20000; i++) {
		uint64_t delta;

		switch (i % 4) {
		case 0:
			delta = rng() % (hz * 10);	/* up to 10 s */
			break;
		case 1:
			delta = i;
			break;
		case 2:
			delta = limit - (rng() % 1000);	/* edge of no-wrap */
			break;
		default:
			delta = rng() % limit;
			break;
		}
		if (!check(time_scale_apply(delta, ts) ==
			   guest_scale(delta, ts), "%" PRIu64 " Hz: delta %"
			   PRIu64 " differs from the guest formula", hz, delta))
			return;
	}
}

static void test_monotonic(uint64_t hz, const struct time_scale *ts)
{
	for (int i = 0; i < 20000; i++) {
		uint64_t d = rng() >> 4;
		uint64_t step = 1 + rng() % 4096;

		if (!check(time_scale_apply(d + step, ts) >=
			   time_scale_apply(d, ts),
			   "%" PRIu64 " Hz: not monotonic at %" PRIu64, hz, d))
			return;
	}
}

/* Deltas large enough that the guest's 64-bit pre-shift would wrap. */
static void test_overflow(void)
{
	struct time_scale ts = { 0, 0 };
	uint64_t delta, got;
	u128 want, err;
	int rc;

	/* 100 MHz needs a left shift of 4: delta << 4 wraps at 2^60. */
	rc = time_scale_init(&ts, 100000000ULL, NSEC_PER_SEC);
	check(rc == 0 && ts.shift == 4, "100 MHz: shift %d, want 4", ts.shift);
	delta = 1ULL << 60;
	got = time_scale_apply(delta, &ts);
	check(guest_scale(delta, &ts) == 0,
	      "guest formula expected to wrap at 2^60");
	check(got == (uint64_t)exact_scale(delta, 100000000ULL, NSEC_PER_SEC),
	      "2^60 ticks at 100 MHz gave %" PRIu64 " ns", got);

	/* A result beyond 64 bits saturates instead of wrapping. */
	check(time_scale_apply(UINT64_MAX, &ts) == UINT64_MAX,
	      "saturation at UINT64_MAX");

	/* The largest delta at 10 GHz: right shift, no overflow possible. */
	check(time_scale_init(&ts, 10000000000ULL, NSEC_PER_SEC) == 0,
	      "10 GHz init");
	got = time_scale_apply(UINT64_MAX, &ts);
	want = exact_scale(UINT64_MAX, 10000000000ULL, NSEC_PER_SEC);
	err = got > want ? got - want : want - got;
	check(err <= UINT64_MAX / 10000000000ULL + 2,
	      "UINT64_MAX ticks at 10 GHz gave %" PRIu64 " ns", got);
}

/* Exact ratios come out exact. */
static void test_exact(void)
{
	struct time_scale ts = { 0, 0 };
	int rc = time_scale_init(&ts, NSEC_PER_SEC, NSEC_PER_SEC);

	check(rc == 0 && ts.mul == 1U << 31 && ts.shift == 1,
	      "1 GHz: mul %#x shift %d, want 0x80000000 1", ts.mul, ts.shift);
	check(time_scale_apply(123456789012345ULL, &ts) == 123456789012345ULL,
	      "1 GHz: identity");
	check(time_scale_init(&ts, 2 * NSEC_PER_SEC, NSEC_PER_SEC) == 0 &&
	      time_scale_apply(1000, &ts) == 500, "2 GHz: half");
	check(time_scale_init(&ts, 250000000ULL, NSEC_PER_SEC) == 0 &&
	      time_scale_apply(1000, &ts) == 4000, "250 MHz: times four");
}

/* The other direction, ns -> ticks, used to program timer deadlines. */
static void test_ns_to_ticks(void)
{
	for (size_t i = 0; i < sizeof(test_rates) / sizeof(test_rates[0]);
	     i++) {
		uint64_t hz = test_rates[i];
		struct time_scale ts;
		uint64_t ns, got;
		u128 want, err;

		if (time_scale_init(&ts, NSEC_PER_SEC, hz)) {
			check(0, "ns -> %" PRIu64 " Hz: init failed", hz);
			continue;
		}
		test_normalised(hz, &ts);
		ns = 3600 * NSEC_PER_SEC + 12345;
		got = time_scale_apply(ns, &ts);
		want = exact_scale(ns, NSEC_PER_SEC, hz);
		err = got > want ? got - want : want - got;
		/* 1 ns per second of error, in ticks, plus truncation. */
		check(err <= (u128)3600 * hz / NSEC_PER_SEC + 2 + hz /
		      NSEC_PER_SEC, "ns -> %" PRIu64 " Hz: off by %" PRIu64
		      " ticks", hz, (uint64_t)err);
	}
}

static void test_bad_input(void)
{
	struct time_scale ts = { 0, 0 };

	check(time_scale_init(&ts, 0, NSEC_PER_SEC) < 0, "0 Hz rejected");
	check(time_scale_init(&ts, NSEC_PER_SEC, 0) < 0, "to 0 Hz rejected");
	check(time_scale_init(&ts, TIME_SCALE_MAX_HZ + 1, NSEC_PER_SEC) < 0,
	      "rate above the limit rejected");
	/* 1 Hz -> 1 THz needs a shift of 40. */
	check(time_scale_init(&ts, 1, TIME_SCALE_MAX_HZ) < 0,
	      "ratio out of shift range rejected");
	check(time_scale_init(&ts, TIME_SCALE_MAX_HZ, 1) < 0,
	      "tiny ratio out of shift range rejected");
	check(time_scale_init(&ts, 1, 1ULL << 31) < 0,
	      "ratio 2^31 (shift 32) rejected");
	check(time_scale_init(&ts, 1, (1ULL << 31) - 1) == 0 &&
	      ts.shift == 31, "just below 2^31 accepted with shift 31");
}

int main(void)
{
	unsigned int before;

	for (size_t i = 0; i < sizeof(test_rates) / sizeof(test_rates[0]);
	     i++) {
		uint64_t hz = test_rates[i];
		struct time_scale ts;

		before = check_failures();
		if (time_scale_init(&ts, hz, NSEC_PER_SEC)) {
			check(0, "%" PRIu64 " Hz: init failed", hz);
			continue;
		}
		test_normalised(hz, &ts);
		test_accuracy(hz, &ts);
		test_guest_agreement(hz, &ts);
		test_monotonic(hz, &ts);
		check_section(before, "%" PRIu64
			      " Hz -> ns (mul %#010x shift %d)",
			      hz, ts.mul, ts.shift);
	}

	/* A sweep of random rates across the whole range. */
	before = check_failures();
	for (int i = 0; i < 500; i++) {
		uint64_t hz = 100000000ULL + rng() % 9900000001ULL;
		struct time_scale ts;

		if (time_scale_init(&ts, hz, NSEC_PER_SEC)) {
			check(0, "%" PRIu64 " Hz: init failed", hz);
			continue;
		}
		test_normalised(hz, &ts);
		test_accuracy(hz, &ts);
	}
	check_section(before, "500 random rates in [100 MHz, 10 GHz]");

	before = check_failures();
	test_overflow();
	check_section(before, "large deltas do not overflow");

	before = check_failures();
	test_exact();
	check_section(before, "exact ratios");

	before = check_failures();
	test_ns_to_ticks();
	check_section(before, "ns -> ticks");

	before = check_failures();
	test_bad_input();
	check_section(before, "bad input rejected");

	return check_summary();
}
