// SPDX-License-Identifier: MIT
/*
 * The hypervisor services most host tests need (see fake_services.h).
 * A hypervisor panic ends the test with a FAIL line and exit status 2.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/pv.h>

#include "fake_services.h"

struct vcpu *test_current;

long fake_live_allocs;
long fake_allocs_until_failure = -1;
int fake_nr_warnings;
const void *fake_readonly_guest;

/* ---- small allocations, logging ---- */

void *xzalloc(size_t size)
{
	if (fake_allocs_until_failure == 0)
		return NULL;
	if (fake_allocs_until_failure > 0)
		fake_allocs_until_failure--;
	fake_live_allocs++;
	return calloc(1, size);
}

void xfree(void *p)
{
	if (p)
		fake_live_allocs--;
	free(p);
}

static void log_line(const char *fmt, va_list ap)
{
	printf("# log: ");
	vprintf(fmt, ap);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void printk_level(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl <= LOG_WARN)
		fake_nr_warnings++;
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL hypervisor panic: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(2);
}

/* ---- domains ---- */

#define MAX_FAKE_DOMS	8
static struct domain *fake_doms[MAX_FAKE_DOMS];

void fake_register_domain(struct domain *d)
{
	for (unsigned int i = 0; i < MAX_FAKE_DOMS; i++) {
		if (!fake_doms[i]) {
			fake_doms[i] = d;
			return;
		}
	}
	BUG();
}

void fake_forget_domain(struct domain *d)
{
	for (unsigned int i = 0; i < MAX_FAKE_DOMS; i++)
		if (fake_doms[i] == d)
			fake_doms[i] = NULL;
}

struct domain *domain_by_id(domid_t id)
{
	for (unsigned int i = 0; i < MAX_FAKE_DOMS; i++)
		if (fake_doms[i] && fake_doms[i]->domain_id == id &&
		    fake_doms[i]->state != DOMAIN_DYING)
			return fake_doms[i];
	return NULL;
}

struct domain *get_domain_by_id(struct domain *caller, domid_t id)
{
	return id == DOMID_SELF ? caller : domain_by_id(id);
}

void fake_dom_init(struct fake_dom *f, domid_t id, bool privileged,
		   unsigned int nr_vcpus)
{
	ASSERT(nr_vcpus <= FAKE_MAX_VCPUS);
	memset(f, 0, sizeof(*f));
	f->d.domain_id = id;
	f->d.is_privileged = privileged;
	f->d.state = DOMAIN_RUNNING;
	list_init(&f->d.page_list);
	f->d.shared_info = &f->si;
	f->d.max_vcpus = nr_vcpus;
	f->d.vcpus = f->vp;
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		f->v[i].vcpu_id = i;
		f->v[i].domain = &f->d;
		f->v[i].vcpu_info = &f->si.vcpu_info[i];
		f->vp[i] = &f->v[i];
	}
	fake_register_domain(&f->d);
}

/* ---- guest copies ---- */

int copy_from_guest(void *dst, uint64_t src, size_t n)
{
	if (!src || src == FAKE_BAD_GUEST_VA)
		return -EFAULT;
	memcpy(dst, (const void *)(uintptr_t)src, n);
	return 0;
}

int copy_to_guest(uint64_t dst, const void *src, size_t n)
{
	if (!dst || dst == FAKE_BAD_GUEST_VA ||
	    (const void *)(uintptr_t)dst == fake_readonly_guest)
		return -EFAULT;
	memcpy((void *)(uintptr_t)dst, src, n);
	return 0;
}
