/* SPDX-License-Identifier: MIT */
/*
 * System time and wall-clock time.
 *
 * System time (NOW(), tandem/timer.h) is ns since time_init(), read from
 * the TSC through one fixed (tsc, stime) record and one mul/shift scale.
 * Guests get exactly the same record and scale as pvclock parameters, so
 * a guest's clock and the hypervisor's agree to the ns at every instant.
 * Wall-clock time is the CMOS RTC read at boot (taken to be UTC) plus
 * system time.
 */
#ifndef ASM_TIME_H
#define ASM_TIME_H

#include <tandem/types.h>

struct domain;
struct vcpu;

/* TSC rate in kHz, known after time_init(). */
extern uint64_t cpu_khz;

/*
 * Calibrate the TSC, start system time and read the RTC. Needs
 * cpu_identify() (boot_cpu), port I/O and printk; goes before
 * apic_init(). NOW() is 0 until then.
 */
void time_init(void);

/* The TSC rate in Hz (0 before time_init()). */
uint64_t tsc_hz(void);

/*
 * A TSC value at which NOW() >= stime, for TSC-deadline timers: never
 * early, and late by at most about a ns for deadlines seconds away.
 */
uint64_t stime_to_tsc(s_time_t stime);

/* Current wall-clock time: seconds and ns since 1970-01-01 UTC. */
void get_wallclock(uint64_t *sec, uint32_t *nsec);

/*
 * Set the wall clock (XENPF_settime): it was sec.nsec at system time
 * stime. Callers then refresh every domain's shared_info with
 * update_domain_wallclock_time().
 */
void set_wallclock(uint64_t sec, uint32_t nsec, s_time_t stime);

/*
 * Publish pvclock parameters in v's vcpu_info (no-op if it has none).
 * Call it whenever v's vcpu_info is set up or moves, and on each switch
 * to v: the guest can write that page, so refreshing is cheap insurance.
 */
void update_vcpu_system_time(struct vcpu *v);

/* Publish the wall-clock time of system time 0 in d's shared_info. */
void update_domain_wallclock_time(struct domain *d);

#endif
