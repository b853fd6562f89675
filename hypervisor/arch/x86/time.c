// SPDX-License-Identifier: MIT
/*
 * Time: TSC calibration, system time (NOW()), the boot-time wall clock
 * from the CMOS RTC, and the pvclock/wall-clock fields guests read.
 *
 * System time is computed from one record (tsc, stime) taken at boot and
 * one mul/shift scale. The record is never re-stamped: every vCPU is
 * handed the same record and scale, so a guest's pvclock and NOW() give
 * the same ns for the same TSC value. Re-stamping would need every
 * vcpu_info refreshed at the same instant, or the two would disagree by
 * the rounding of the scaled multiply. The scaled multiply is done at
 * full width (tandem/time_scale.h), so the delta since boot never
 * overflows.
 */
#include <tandem/domain.h>
#include <tandem/lib.h>
#include <tandem/time_scale.h>
#include <tandem/timer.h>
#include <asm/cpu.h>
#include <asm/processor.h>
#include <asm/time.h>

#define NSEC_PER_SEC		1000000000ULL

/* The 8254 PIT and the "port B" system control register. */
#define PIT_HZ			1193182ULL
#define PIT_CH2_DATA		0x42
#define PIT_MODE		0x43
#define PIT_MODE_CH2_ONESHOT	0xb0	/* ch 2, lo+hi byte, mode 0, binary */
#define PORT_B			0x61
#define PORT_B_GATE2		0x01	/* channel 2 counts while set */
#define PORT_B_SPEAKER		0x02	/* channel 2 drives the speaker */
#define PORT_B_RW_MASK		0x0f	/* the upper bits are status */
#define PORT_B_OUT2		0x20	/* channel 2 output */

#define CALIBRATE_MS		50
#define CALIBRATE_LATCH		(PIT_HZ * CALIBRATE_MS / 1000)
#define CALIBRATE_TRIES		3
/* Give up on a PIT that never counts down (some modern boards). */
#define CALIBRATE_MAX_POLLS	(1UL << 22)
#define CALIBRATE_MAX_TSC	(1ULL << 34)
/* Rates we believe; anything else is a broken measurement. */
#define TSC_HZ_MIN		10000000ULL
#define TSC_HZ_MAX		100000000000ULL

/* The MC146818 CMOS real-time clock. */
#define RTC_INDEX		0x70
#define RTC_DATA		0x71
#define RTC_SECONDS		0x00
#define RTC_MINUTES		0x02
#define RTC_HOURS		0x04
#define RTC_DAY			0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_STATUS_A		0x0a
#define RTC_STATUS_B		0x0b
#define RTC_CENTURY		0x32	/* the usual ACPI FADT century index */
#define RTC_A_UIP		0x80	/* update in progress */
#define RTC_B_24H		0x02
#define RTC_B_BINARY		0x04
#define RTC_HOUR_PM		0x80
#define RTC_READ_TRIES		10

uint64_t cpu_khz;

static uint64_t tsc_freq;
static struct time_scale tsc_to_ns;	/* also the guests' pvclock scale */
static struct time_scale ns_to_tsc;

/* The one reference point of system time. */
static struct {
	uint64_t tsc;
	s_time_t stime;
} time_base;

/* Wall-clock time at system time 0, in ns since the epoch. */
static uint64_t boot_wallclock_ns;

s_time_t NOW(void)
{
	uint64_t delta = rdtsc() - time_base.tsc;

	/* Before time_init() mul is 0, and so is the result. */
	return time_base.stime + (s_time_t)time_scale_apply(delta, &tsc_to_ns);
}

uint64_t tsc_hz(void)
{
	return tsc_freq;
}

uint64_t stime_to_tsc(s_time_t stime)
{
	uint64_t delta, ticks, tsc;

	if (stime <= time_base.stime)
		return time_base.tsc;
	delta = stime - time_base.stime;
	ticks = time_scale_apply(delta, &ns_to_tsc);
	/*
	 * The inverse scale rounds, so the estimate may fall a few ticks
	 * short of the moment NOW() reaches stime: step up until it does.
	 */
	for (int i = 0; i < 8; i++) {
		uint64_t ns = time_scale_apply(ticks, &tsc_to_ns);

		if (ns >= delta)
			break;
		ticks += time_scale_apply(delta - ns, &ns_to_tsc) + 1;
	}
	tsc = time_base.tsc + ticks;
	return tsc < time_base.tsc ? UINT64_MAX : tsc;
}

/*
 * Count TSC ticks while PIT channel 2 counts CALIBRATE_LATCH ticks in
 * mode 0 (its output rises at terminal count, visible in port B). Returns
 * 0 if the output never rises. *slack gets the TSC ticks between the last
 * two polls: how far off the end of the interval may be.
 */
static uint64_t pit_measure_tsc(uint64_t *slack)
{
	uint8_t portb = inb(PORT_B) & PORT_B_RW_MASK;
	uint64_t start, prev, t;
	unsigned long polls = 0;
	bool high;

	outb(PORT_B, (portb & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_MODE, PIT_MODE_CH2_ONESHOT);
	outb(PIT_CH2_DATA, CALIBRATE_LATCH & 0xff);
	outb(PIT_CH2_DATA, CALIBRATE_LATCH >> 8);
	/* Counting starts once the high byte is in. */
	start = t = rdtsc();
	do {
		prev = t;
		high = inb(PORT_B) & PORT_B_OUT2;
		t = rdtsc();
		if (++polls > CALIBRATE_MAX_POLLS ||
		    t - start > CALIBRATE_MAX_TSC) {
			outb(PORT_B, portb & ~PORT_B_GATE2);
			return 0;
		}
	} while (!high);
	outb(PORT_B, portb & ~PORT_B_GATE2);

	*slack = t - prev;
	/* The output rose somewhere between the two polls: take the middle. */
	return (prev + t) / 2 - start;
}

static uint64_t pit_calibrate_tsc(void)
{
	uint64_t best = 0, best_slack = UINT64_MAX;

	for (int i = 0; i < CALIBRATE_TRIES; i++) {
		uint64_t slack, ticks = pit_measure_tsc(&slack);

		if (!ticks)
			return 0;
		if (slack < best_slack) {
			best = ticks;
			best_slack = slack;
		}
		/* Within 100 ppm is as good as this method gets. */
		if (best_slack * 10000 <= best)
			break;
	}
	return best * PIT_HZ / CALIBRATE_LATCH;
}

/* Intel's CPUID leaves 0x15/0x16, for machines without a working PIT. */
static uint64_t cpuid_tsc_hz(void)
{
	struct cpuid_regs r;

	if (boot_cpu.max_leaf >= 0x15) {
		r = cpuid(0x15);	/* TSC/crystal ratio, crystal Hz */
		if (r.eax && r.ebx && r.ecx)
			return (uint64_t)r.ecx * r.ebx / r.eax;
	}
	if (boot_cpu.max_leaf >= 0x16) {
		r = cpuid(0x16);	/* base frequency in MHz */
		if (r.eax & 0xffff)
			return (uint64_t)(r.eax & 0xffff) * 1000000;
	}
	return 0;
}

static bool tsc_hz_plausible(uint64_t hz)
{
	return hz >= TSC_HZ_MIN && hz <= TSC_HZ_MAX;
}

static uint8_t cmos_read(uint8_t reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

struct rtc_raw {
	uint8_t sec, min, hour, day, mon, year, century, status_b;
};

/* Wait (at most 10 ms) until the RTC is not about to change its registers. */
static void rtc_wait_stable(void)
{
	s_time_t end = NOW() + MILLISECS(10);

	while ((cmos_read(RTC_STATUS_A) & RTC_A_UIP) && NOW() < end)
		cpu_relax();
}

static void rtc_read_raw(struct rtc_raw *r)
{
	rtc_wait_stable();
	r->sec = cmos_read(RTC_SECONDS);
	r->min = cmos_read(RTC_MINUTES);
	r->hour = cmos_read(RTC_HOURS);
	r->day = cmos_read(RTC_DAY);
	r->mon = cmos_read(RTC_MONTH);
	r->year = cmos_read(RTC_YEAR);
	r->century = cmos_read(RTC_CENTURY);
	r->status_b = cmos_read(RTC_STATUS_B);
}

static unsigned int bcd_to_bin(uint8_t v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

static bool is_leap_year(unsigned int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned int days_in_month(unsigned int y, unsigned int m)
{
	static const uint8_t days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	return days[m - 1] + (m == 2 && is_leap_year(y));
}

struct rtc_time {
	unsigned int year, mon, day, hour, min, sec;
};

static void rtc_decode(const struct rtc_raw *r, struct rtc_time *tm)
{
	bool bcd = !(r->status_b & RTC_B_BINARY);
	unsigned int century;

#define RTC_VAL(x)	(bcd ? bcd_to_bin(x) : (unsigned int)(x))
	tm->sec = RTC_VAL(r->sec);
	tm->min = RTC_VAL(r->min);
	tm->hour = RTC_VAL(r->hour & ~RTC_HOUR_PM);
	tm->day = RTC_VAL(r->day);
	tm->mon = RTC_VAL(r->mon);
	tm->year = RTC_VAL(r->year);
	century = RTC_VAL(r->century);
#undef RTC_VAL

	if (!(r->status_b & RTC_B_24H)) {
		/* 12-hour clock: 12 AM is hour 0, 12 PM is hour 12. */
		tm->hour %= 12;
		if (r->hour & RTC_HOUR_PM)
			tm->hour += 12;
	}
	/* Not every board keeps a century register: check it looks like one. */
	if (century >= 19 && century <= 29)
		tm->year += century * 100;
	else
		tm->year += tm->year < 70 ? 2000 : 1900;
}

static bool rtc_valid(const struct rtc_time *tm)
{
	return tm->year >= 1970 && tm->mon >= 1 && tm->mon <= 12 &&
	       tm->day >= 1 && tm->day <= days_in_month(tm->year, tm->mon) &&
	       tm->hour <= 23 && tm->min <= 59 && tm->sec <= 59;
}

static uint64_t rtc_to_seconds(const struct rtc_time *tm)
{
	uint64_t days = tm->day - 1;

	for (unsigned int y = 1970; y < tm->year; y++)
		days += is_leap_year(y) ? 366 : 365;
	for (unsigned int m = 1; m < tm->mon; m++)
		days += days_in_month(tm->year, m);
	return ((days * 24 + tm->hour) * 60 + tm->min) * 60 + tm->sec;
}

static void rtc_init(void)
{
	struct rtc_raw a, b;
	struct rtc_time tm;
	uint64_t secs = 0, now_ns;
	int i;

	/* Read until two readings agree, so that none straddles an update. */
	rtc_read_raw(&a);
	for (i = 0; i < RTC_READ_TRIES; i++) {
		rtc_read_raw(&b);
		if (!memcmp(&a, &b, sizeof(a)))
			break;
		a = b;
	}
	rtc_decode(&a, &tm);
	if (i < RTC_READ_TRIES && rtc_valid(&tm)) {
		secs = rtc_to_seconds(&tm);
		pr_info("RTC: %04u-%02u-%02u %02u:%02u:%02u (taken as UTC)\n",
			tm.year, tm.mon, tm.day, tm.hour, tm.min, tm.sec);
	} else {
		pr_warn("RTC: unreadable or invalid time, starting at 1970\n");
	}

	/* The reading is the wall clock now; we keep that of system time 0. */
	now_ns = NOW();
	boot_wallclock_ns = secs * NSEC_PER_SEC;
	boot_wallclock_ns = boot_wallclock_ns > now_ns ?
			    boot_wallclock_ns - now_ns : 0;
}

void time_init(void)
{
	uint64_t hz = pit_calibrate_tsc();
	const char *how = "PIT";

	if (!tsc_hz_plausible(hz)) {
		if (hz)
			pr_warn("TSC: PIT calibration gave %lu Hz, ignored\n",
				hz);
		hz = cpuid_tsc_hz();
		how = "CPUID";
	}
	if (!tsc_hz_plausible(hz))
		panic("cannot determine the TSC frequency");
	if (time_scale_init(&tsc_to_ns, hz, NSEC_PER_SEC) ||
	    time_scale_init(&ns_to_tsc, NSEC_PER_SEC, hz))
		panic("TSC frequency %lu Hz out of range", hz);

	tsc_freq = hz;
	cpu_khz = hz / 1000;
	time_base.stime = 0;
	time_base.tsc = rdtsc();

	pr_info("TSC: %lu.%03lu MHz (%s)%s\n", hz / 1000000,
		hz / 1000 % 1000, how,
		boot_cpu.invariant_tsc ? ", invariant" : "");
	if (!boot_cpu.invariant_tsc)
		pr_warn("TSC is not invariant: time may drift in deep "
			"sleep states\n");

	rtc_init();
}

void get_wallclock(uint64_t *sec, uint32_t *nsec)
{
	uint64_t ns = boot_wallclock_ns + NOW();

	*sec = ns / NSEC_PER_SEC;
	*nsec = ns % NSEC_PER_SEC;
}

void set_wallclock(uint64_t sec, uint32_t nsec, s_time_t stime)
{
	uint64_t ns = sec * NSEC_PER_SEC + nsec;

	if (stime < 0)
		stime = 0;
	boot_wallclock_ns = ns > (uint64_t)stime ? ns - stime : 0;
}

/*
 * Both updates below follow the pvclock protocol: the version is odd
 * while the fields change, and even (and different) afterwards. The
 * guest can write these pages, so never trust what it left there: the
 * new odd version is derived so that it differs from the old one even if
 * the guest left it odd.
 */
void update_vcpu_system_time(struct vcpu *v)
{
	struct vcpu_time_info *t;
	uint32_t ver;

	if (!v->vcpu_info)
		return;
	t = &v->vcpu_info->time;

	ver = (READ_ONCE(t->version) + 1) | 1;
	WRITE_ONCE(t->version, ver);
	barrier();
	WRITE_ONCE(t->tsc_timestamp, time_base.tsc);
	WRITE_ONCE(t->system_time, (uint64_t)time_base.stime);
	WRITE_ONCE(t->tsc_to_system_mul, tsc_to_ns.mul);
	WRITE_ONCE(t->tsc_shift, tsc_to_ns.shift);
	WRITE_ONCE(t->flags, boot_cpu.invariant_tsc ?
			     XEN_PVCLOCK_TSC_STABLE_BIT : 0);
	barrier();
	WRITE_ONCE(t->version, ver + 1);
}

void update_domain_wallclock_time(struct domain *d)
{
	struct shared_info *s = d->shared_info;
	uint64_t sec = boot_wallclock_ns / NSEC_PER_SEC;
	uint32_t ver;

	if (!s)
		return;
	ver = (READ_ONCE(s->wc_version) + 1) | 1;
	WRITE_ONCE(s->wc_version, ver);
	barrier();
	WRITE_ONCE(s->wc_sec, (uint32_t)sec);
	WRITE_ONCE(s->wc_sec_hi, (uint32_t)(sec >> 32));
	WRITE_ONCE(s->wc_nsec, (uint32_t)(boot_wallclock_ns % NSEC_PER_SEC));
	barrier();
	WRITE_ONCE(s->wc_version, ver + 1);
}
