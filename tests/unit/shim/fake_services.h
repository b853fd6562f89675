/* SPDX-License-Identifier: MIT */
/*
 * Stand-ins for the hypervisor services that most host tests need, in
 * fake_services.c: logging, panic, small allocations (counted, and made
 * to fail on demand), a registry of fake domains for domain_by_id(), and
 * guest copies, where guest pointers are host pointers.
 */
#ifndef TEST_SHIM_FAKE_SERVICES_H
#define TEST_SHIM_FAKE_SERVICES_H

#include <tandem/domain.h>
#include <public/xen.h>

#define FAKE_BAD_GUEST_VA	0xdead0000UL	/* copies with it fail */
#define FAKE_MAX_VCPUS		2

extern long fake_live_allocs;		/* xzalloc() minus xfree() */
extern long fake_allocs_until_failure;	/* xzalloc(): < 0 never fails */
extern int fake_nr_warnings;		/* messages at LOG_WARN or worse */
extern const void *fake_readonly_guest;	/* copy_to_guest() there fails */

/* A domain with its vCPUs and a shared_info in ordinary memory. */
struct fake_dom {
	struct domain d;
	struct vcpu v[FAKE_MAX_VCPUS];
	struct vcpu *vp[FAKE_MAX_VCPUS];
	struct shared_info si;
};

/* Zero f, give it an id and nr_vcpus vCPUs, and register it. */
void fake_dom_init(struct fake_dom *f, domid_t id, bool privileged,
		   unsigned int nr_vcpus);

/* What domain_by_id() and get_domain_by_id() find. */
void fake_register_domain(struct domain *d);
void fake_forget_domain(struct domain *d);

#endif
