/* SPDX-License-Identifier: MIT */
/*
 * What tandemd needs from the hypervisor, behind one table of
 * operations: the real one (hv_xen.c: libtandem over Linux's Xen devices) and a
 * simulated one for host tests (hv_fake.c: domains in memory whose
 * "guests" obey control/shutdown in a store running without Xen).
 *
 * build() runs in tandemd's builder thread, everything else in its main
 * thread; implementations keep per-thread handles accordingly.
 */
#ifndef TANDEM_HV_H
#define TANDEM_HV_H

#include <stdbool.h>
#include <stdint.h>

#include <libtandem/xs.h>

#include "build.h"

struct hv_dominfo {
	domid_t domid;
	bool dying, shutdown, paused;
	unsigned int shutdown_reason;	/* SHUTDOWN_*, if shutdown */
	uint64_t tot_kib, max_kib;
	uint64_t cpu_ns;
	unsigned int vcpus;		/* online */
	uint8_t handle[16];
};

struct hv;

struct hv_ops {
	const char *name;
	int (*meminfo)(struct hv *hv, uint64_t *total_kib, uint64_t *free_kib);
	/* Builder thread: a paused, built domain. */
	int (*build)(struct hv *hv, const struct build_params *bp,
		     struct build_image *img, struct build_result *r);
	/* Builder thread: tell the store about it (xs: the thread's). */
	int (*introduce)(struct hv *hv, struct tdm_xs *xs,
			 const struct build_result *r);
	/* -ESRCH once the domain is gone. */
	int (*getinfo)(struct hv *hv, domid_t domid, struct hv_dominfo *info);
	/* Up to max domains (dom0 included): how many, or -errno. */
	int (*list)(struct hv *hv, struct hv_dominfo *out, unsigned int max);
	int (*pause)(struct hv *hv, domid_t domid);
	int (*unpause)(struct hv *hv, domid_t domid);
	int (*destroy)(struct hv *hv, domid_t domid);
	/*
	 * A descriptor that becomes readable when a domain shut down or
	 * died (VIRQ_DOM_EXC), or -1; ack() after it was readable.
	 */
	int (*event_fd)(struct hv *hv);
	void (*event_ack)(struct hv *hv);
	void (*close)(struct hv *hv);
};

struct hv {
	const struct hv_ops *ops;
	void (*log)(int level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
};

/* Open the real hypervisor (needs a Xen dom0, root). */
int hv_xen_open(struct hv **out,
		void (*log)(int level, const char *fmt, ...));

/*
 * The simulation: mem_mib of memory, "guests" watching store_socket
 * (a tandem-store --no-xen). In control/shutdown they obey "poweroff"
 * and "reboot", and "crash" makes them crash (tests only).
 */
int hv_fake_open(struct hv **out, const char *store_socket,
		 uint64_t mem_mib,
		 void (*log)(int level, const char *fmt, ...));

#endif /* TANDEM_HV_H */
