/*
 * Tandem public ABI: HYPERVISOR_sched_op(cmd, arg) - yielding, blocking,
 * polling event channels and shutting a domain down.
 */
#ifndef TANDEM_PUBLIC_SCHED_H
#define TANDEM_PUBLIC_SCHED_H

#include <public/xen.h>

/*
 * Commands. block unmasks events (like sti; hlt) and sleeps until one is
 * pending; shutdown_code only records the reason a later shutdown will
 * report. yield and block take no argument.
 */
#define SCHEDOP_yield		0
#define SCHEDOP_block		1
#define SCHEDOP_shutdown	2 /* struct sched_shutdown */
#define SCHEDOP_poll		3 /* struct sched_poll */
#define SCHEDOP_remote_shutdown	4 /* struct sched_remote_shutdown */
#define SCHEDOP_shutdown_code	5 /* struct sched_shutdown */
#define SCHEDOP_watchdog	6 /* struct sched_watchdog */
#define SCHEDOP_pin_override	7 /* struct sched_pin_override (dom0) */

/*
 * Shutdown reasons. For SHUTDOWN_suspend a PV guest also passes the MFN of
 * its start_info in the third argument (%rdx); the call returns 1 if the
 * suspend was cancelled and 0 when resuming in a new domain.
 */
#define SHUTDOWN_poweroff	0 /* normal exit: clean up */
#define SHUTDOWN_reboot		1 /* clean up, then start again */
#define SHUTDOWN_suspend	2 /* save state for a later resume */
#define SHUTDOWN_crash		3 /* the guest crashed */
#define SHUTDOWN_watchdog	4 /* the domain watchdog expired */
#define SHUTDOWN_soft_reset	5 /* reset state, keep memory */
#define SHUTDOWN_MAX		5

#ifndef __ASSEMBLER__

struct sched_shutdown {
	uint32_t reason;		/* SHUTDOWN_* */
};
_Static_assert(sizeof(struct sched_shutdown) == 4, "sched_shutdown");

/* Wait until one of the ports is pending or the timeout passes. */
struct sched_poll {
	guest_handle_t ports;		/* evtchn_port_t array */
	uint32_t nr_ports;
	uint32_t _pad0;
	uint64_t timeout;		/* system time (ns); 0 = none */
};
_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll size");
_Static_assert(offsetof(struct sched_poll, timeout) == 16,
	       "sched_poll.timeout");

struct sched_remote_shutdown {
	domid_t domain_id;		/* domain to shut down */
	uint16_t _pad0;
	uint32_t reason;		/* SHUTDOWN_* */
};
_Static_assert(sizeof(struct sched_remote_shutdown) == 8,
	       "sched_remote_shutdown size");
_Static_assert(offsetof(struct sched_remote_shutdown, reason) == 4,
	       "sched_remote_shutdown.reason");

/*
 * id 0: create a watchdog (returns its id). Otherwise timeout 0 destroys
 * watchdog id, any other timeout re-arms it.
 */
struct sched_watchdog {
	uint32_t id;
	uint32_t timeout;		/* seconds */
};
_Static_assert(sizeof(struct sched_watchdog) == 8, "sched_watchdog");

struct sched_pin_override {
	int32_t pcpu;			/* < 0 undoes the override */
};
_Static_assert(sizeof(struct sched_pin_override) == 4,
	       "sched_pin_override");

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_SCHED_H */
