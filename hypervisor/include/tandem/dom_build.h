/* SPDX-License-Identifier: MIT */
/* Building a PV domain from a kernel image (boot-time domains). */
#ifndef TANDEM_DOM_BUILD_H
#define TANDEM_DOM_BUILD_H

#include <tandem/types.h>
#include <public/xen.h>

struct domain;

struct dom_build_spec {
	const char *name;
	domid_t id;
	bool privileged;
	uint64_t mem_bytes;
	unsigned int vcpus;
	unsigned int weight;	/* 0: default */
	unsigned int cap;	/* % of a CPU, 0: none */
	const void *kernel;
	size_t kernel_size;
	const void *initrd;	/* NULL: none */
	size_t initrd_size;
	const char *cmdline;
};

/*
 * Create the domain and load it. On failure return -errno with a
 * human-readable reason in 'why'; nothing of the domain is left behind.
 */
int pv_build_domain(const struct dom_build_spec *spec, struct domain **out,
		    char *why, size_t why_len);

/* Boot modules → domains (common/bootdom.c). */
void build_boot_domains(void);
/* Build a boot-time domain again (it asked to reboot). */
void boot_domain_restart(domid_t id);

#endif
