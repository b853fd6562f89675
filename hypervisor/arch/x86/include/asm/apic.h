/* SPDX-License-Identifier: MIT */
/*
 * The local APIC: interrupt acknowledgement and the one hardware timer
 * the hypervisor uses (TSC-deadline mode where it works, one-shot
 * otherwise). The legacy 8259 PICs are remapped and masked for good.
 */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <tandem/types.h>

/* Vectors. The 8259s sit at 0x20-0x2f, only ever raising spurious IRQs. */
#define PIC_VECTOR_BASE		0x20
#define PIC_NR_VECTORS		16
#define TIMER_VECTOR		0xf0
#define ERROR_VECTOR		0xfe
#define SPURIOUS_VECTOR		0xff

/* apic_timer_set() bounds on the distance to the deadline. */
#define APIC_TIMER_MIN_NS	1000LL		/* 1 us: fire "now" */
#define APIC_TIMER_MAX_NS	1000000000LL	/* 1 s: re-armed on expiry */

/*
 * Mask the 8259s, enable the local APIC and calibrate its timer. Needs
 * time_init() (TSC rate and NOW()), the IDT with its exception fixups
 * (for wrmsr_safe) and ioremap(). Interrupts stay disabled.
 */
void apic_init(void);

/* Signal end of interrupt (not for SPURIOUS_VECTOR). */
void apic_eoi(void);

/*
 * Request one timer interrupt at system time deadline. A deadline in the
 * past, or less than APIC_TIMER_MIN_NS away, fires after
 * APIC_TIMER_MIN_NS; one further than APIC_TIMER_MAX_NS fires then
 * instead (early: the caller finds nothing due and re-arms). Replaces any
 * earlier request. No-op before apic_init().
 */
void apic_timer_set(s_time_t deadline);
void apic_timer_stop(void);

/* TIMER_VECTOR handler body: defers the work to SOFTIRQ_TIMER. */
void do_apic_timer_interrupt(void);

#endif
