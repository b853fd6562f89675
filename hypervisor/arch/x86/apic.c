// SPDX-License-Identifier: MIT
/*
 * The local APIC and its timer, and the retirement of the 8259 PICs.
 *
 * The APIC is used in whichever mode the firmware left it: xAPIC through
 * an uncached MMIO mapping, or x2APIC through MSRs (x2APIC cannot be
 * turned back into xAPIC without a full disable, so we do not try).
 *
 * The timer is one-shot: the timer softirq asks for the next deadline
 * after each expiry. In TSC-deadline mode the deadline is a TSC value and
 * so exact; otherwise the count is converted with the APIC bus rate
 * measured against the TSC at boot.
 */
#include <tandem/lib.h>
#include <tandem/softirq.h>
#include <tandem/time_scale.h>
#include <tandem/timer.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/time.h>

#define NSEC_PER_SEC		1000000000ULL

/* MSR_APIC_BASE */
#define APIC_BASE_BSP		BIT(8)
#define APIC_BASE_X2APIC	BIT(10)
#define APIC_BASE_ENABLE	BIT(11)

/* Register offsets in the xAPIC page; x2APIC MSR = 0x800 + offset / 16. */
#define APIC_ID			0x020
#define APIC_VERSION		0x030
#define APIC_TPR		0x080
#define APIC_EOI		0x0b0
#define APIC_LDR		0x0d0
#define APIC_DFR		0x0e0
#define APIC_SVR		0x0f0
#define APIC_ISR		0x100	/* 8 registers, 0x10 apart */
#define APIC_IRR		0x200	/* 8 registers, 0x10 apart */
#define APIC_ESR		0x280
#define APIC_LVT_CMCI		0x2f0
#define APIC_LVT_TIMER		0x320
#define APIC_LVT_THERMAL	0x330
#define APIC_LVT_PMC		0x340
#define APIC_LVT_LINT0		0x350
#define APIC_LVT_LINT1		0x360
#define APIC_LVT_ERROR		0x370
#define APIC_TMICT		0x380	/* timer initial count */
#define APIC_TMCCT		0x390	/* timer current count */
#define APIC_TDCR		0x3e0	/* timer divide configuration */
#define X2APIC_MSR_BASE		0x800

#define APIC_SVR_ENABLE		BIT(8)
#define APIC_LVT_MASKED		BIT(16)
#define APIC_DM_NMI		(4U << 8)
#define APIC_TIMER_ONESHOT	(0U << 17)
#define APIC_TIMER_TSC_DEADLINE	(2U << 17)
#define APIC_TDCR_DIV_1		0xb
#define APIC_DFR_FLAT		0xffffffffU
#define APIC_VERSION_MAXLVT(v)	(((v) >> 16) & 0xff)

/* 8259 PIC pair. */
#define PIC1_CMD		0x20
#define PIC1_DATA		0x21
#define PIC2_CMD		0xa0
#define PIC2_DATA		0xa1
#define PIC_ICW1_INIT		0x11	/* edge, cascade, ICW4 follows */
#define PIC_ICW4_8086		0x01
#define PIC_CASCADE_IRQ		2
#define IO_DELAY_PORT		0x80

#define CALIBRATE_NS		MILLISECS(10)

enum apic_timer_mode {
	APIC_TIMER_NONE,	/* before apic_init() */
	APIC_TIMER_MODE_ONESHOT,
	APIC_TIMER_MODE_DEADLINE,
};

static bool apic_enabled;
static bool x2apic_mode;
static volatile uint32_t *apic_mmio;
static enum apic_timer_mode timer_mode;
static uint64_t apic_timer_hz;
static struct time_scale ns_to_apic;

static uint32_t apic_read(unsigned int reg)
{
	if (x2apic_mode)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return apic_mmio[reg / 4];
}

static void apic_write(unsigned int reg, uint32_t val)
{
	if (x2apic_mode)
		wrmsr(X2APIC_MSR_BASE + (reg >> 4), val);
	else
		apic_mmio[reg / 4] = val;
}

static bool apic_irr_pending(unsigned int vec)
{
	return apic_read(APIC_IRR + (vec / 32) * 0x10) & (1U << (vec % 32));
}

void apic_eoi(void)
{
	if (apic_enabled)
		apic_write(APIC_EOI, 0);
}

static void io_delay(void)
{
	outb(IO_DELAY_PORT, 0);
}

/*
 * Retire the 8259s. Remap them first: a masked PIC can still raise a
 * spurious IRQ 7 or 15, which at the BIOS vectors (8-15) would look like
 * an exception.
 */
static void pic_disable(void)
{
	outb(PIC1_CMD, PIC_ICW1_INIT);
	io_delay();
	outb(PIC2_CMD, PIC_ICW1_INIT);
	io_delay();
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	io_delay();
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	io_delay();
	outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);	/* slave on IRQ 2 */
	io_delay();
	outb(PIC2_DATA, PIC_CASCADE_IRQ);	/* slave's cascade id */
	io_delay();
	outb(PIC1_DATA, PIC_ICW4_8086);
	io_delay();
	outb(PIC2_DATA, PIC_ICW4_8086);
	io_delay();
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

/* Switch the APIC on, in the mode the firmware chose, and map it. */
static void apic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	unsigned int bits = boot_cpu.phys_addr_bits ?: 36;
	paddr_t pa = base & ((1ULL << bits) - 1) & PAGE_MASK;

	x2apic_mode = (base & (APIC_BASE_ENABLE | APIC_BASE_X2APIC)) ==
		      (APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	if (!x2apic_mode)
		apic_mmio = ioremap(pa, PAGE_SIZE);
	apic_enabled = true;

	this_pcpu()->apic_id = x2apic_mode ? apic_read(APIC_ID) :
			       apic_read(APIC_ID) >> 24;
	pr_info("APIC: local APIC id %u at %#lx, %s mode%s\n",
		this_pcpu()->apic_id, pa, x2apic_mode ? "x2APIC" : "xAPIC",
		base & APIC_BASE_BSP ? "" : " (not the BSP?)");
}

static void apic_setup_lvt(void)
{
	unsigned int maxlvt = APIC_VERSION_MAXLVT(apic_read(APIC_VERSION));

	/* Software-enable first: while disabled, LVT masks stay set. */
	apic_write(APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_VECTOR);

	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | TIMER_VECTOR);
	/* LINT0 carried the 8259 (virtual wire); LINT1 is the NMI line. */
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT1, APIC_DM_NMI);
	if (maxlvt >= 4)
		apic_write(APIC_LVT_PMC, APIC_LVT_MASKED);
	if (maxlvt >= 5)
		apic_write(APIC_LVT_THERMAL, APIC_LVT_MASKED);
	if (maxlvt >= 6)
		apic_write(APIC_LVT_CMCI, APIC_LVT_MASKED);
	apic_write(APIC_LVT_ERROR, ERROR_VECTOR);
	/* The error status is latched by a write; clear what boot left. */
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);

	if (!x2apic_mode) {
		/* Flat logical mode, this CPU as logical bit 0. */
		apic_write(APIC_DFR, APIC_DFR_FLAT);
		apic_write(APIC_LDR, 1U << 24);
	}
	apic_write(APIC_TPR, 0);
}

/* Acknowledge anything the firmware left in service. */
static void apic_clear_isr(void)
{
	unsigned int n = 0;

	/* One EOI retires the highest vector in service: one per bit. */
	for (unsigned int i = 0; i < 8; i++)
		for (uint32_t v = apic_read(APIC_ISR + i * 0x10); v;
		     v &= v - 1)
			n++;
	while (n--)
		apic_write(APIC_EOI, 0);
}

/* Measure the one-shot timer's count rate against the TSC. */
static uint64_t apic_timer_calibrate(void)
{
	uint64_t tsc0, tsc1, wait = tsc_hz() / (NSEC_PER_SEC / CALIBRATE_NS);
	uint32_t c0, c1;

	apic_write(APIC_TDCR, APIC_TDCR_DIV_1);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_ONESHOT |
		   TIMER_VECTOR);
	apic_write(APIC_TMICT, UINT32_MAX);

	/*
	 * Let the count run for a moment before the first sample: just
	 * after arming, QEMU's reads were seen a few us off, which is
	 * hundreds of ppm over this window. Each TSC read follows its count
	 * read, so the cost of the reads cancels out.
	 */
	tsc0 = rdtsc();
	while (rdtsc() - tsc0 < wait / 10)
		cpu_relax();
	c0 = apic_read(APIC_TMCCT);
	tsc0 = rdtsc();
	while (rdtsc() - tsc0 < wait)
		cpu_relax();
	c1 = apic_read(APIC_TMCCT);
	tsc1 = rdtsc();
	apic_write(APIC_TMICT, 0);

	if (c1 >= c0 || tsc1 == tsc0)
		return 0;
	return (uint64_t)(c0 - c1) * tsc_hz() / (tsc1 - tsc0);
}

/*
 * Some emulators and early microcode advertise TSC-deadline mode but do
 * not deliver it: arm a deadline 100 us out and wait up to 10 ms for it
 * to show up in the IRR (interrupts are off, so it stays there and is
 * delivered harmlessly later).
 */
static bool apic_tsc_deadline_works(void)
{
	uint64_t deadline, give_up;

	apic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | TIMER_VECTOR);
	/* The LVT write must land before the MSR write that arms it. */
	__asm__ __volatile__("mfence" : : : "memory");

	deadline = rdtsc() + tsc_hz() / 10000;
	give_up = deadline + tsc_hz() / 100;
	if (wrmsr_safe(MSR_TSC_DEADLINE, deadline))
		return false;
	while (rdtsc() < give_up) {
		if (apic_irr_pending(TIMER_VECTOR))
			return rdtsc() >= deadline;
		cpu_relax();
	}
	wrmsr_safe(MSR_TSC_DEADLINE, 0);
	return false;
}

static void apic_timer_init(void)
{
	apic_timer_hz = apic_timer_calibrate();

	if (boot_cpu.tsc_deadline && apic_tsc_deadline_works()) {
		timer_mode = APIC_TIMER_MODE_DEADLINE;
		pr_info("APIC: timer in TSC-deadline mode\n");
		return;
	}
	if (boot_cpu.tsc_deadline)
		pr_warn("APIC: TSC-deadline mode does not work, using "
			"one-shot\n");

	if (time_scale_init(&ns_to_apic, NSEC_PER_SEC, apic_timer_hz))
		panic("APIC: timer rate %lu Hz is unusable", apic_timer_hz);
	apic_write(APIC_LVT_TIMER, APIC_TIMER_ONESHOT | TIMER_VECTOR);
	timer_mode = APIC_TIMER_MODE_ONESHOT;
	pr_info("APIC: timer in one-shot mode, %lu.%03lu MHz\n",
		apic_timer_hz / 1000000, apic_timer_hz / 1000 % 1000);
}

void apic_init(void)
{
	if (!tsc_hz())
		panic("apic_init() needs time_init() first");

	pic_disable();
	apic_enable();
	apic_setup_lvt();
	apic_clear_isr();
	apic_timer_init();
}

void apic_timer_set(s_time_t deadline)
{
	s_time_t now = NOW(), delta;

	if (timer_mode == APIC_TIMER_NONE)
		return;

	delta = deadline > now ? deadline - now : 0;
	delta = MAX(delta, APIC_TIMER_MIN_NS);
	delta = MIN(delta, APIC_TIMER_MAX_NS);

	if (timer_mode == APIC_TIMER_MODE_DEADLINE) {
		wrmsr(MSR_TSC_DEADLINE, stime_to_tsc(now + delta));
	} else {
		/* Round up: better a tick late than early. */
		uint64_t count = time_scale_apply(delta, &ns_to_apic) + 1;

		apic_write(APIC_TMICT, MIN(count, (uint64_t)UINT32_MAX));
	}
}

void apic_timer_stop(void)
{
	if (timer_mode == APIC_TIMER_MODE_DEADLINE)
		wrmsr(MSR_TSC_DEADLINE, 0);
	else if (timer_mode == APIC_TIMER_MODE_ONESHOT)
		apic_write(APIC_TMICT, 0);
}

void do_apic_timer_interrupt(void)
{
	raise_softirq(SOFTIRQ_TIMER);
}
