// SPDX-License-Identifier: MIT
/*
 * kread: a user process touching kernel or hypervisor memory must die of
 * SIGSEGV. Each access runs in a child of its own; the parent checks how
 * the child ended. Addresses: the kernel's text (no KASLR for a PV
 * kernel: 0xffffffff81000000), its direct map of RAM, its vmalloc area,
 * the hypervisor's image (0xffff828000100000) and its direct map of the
 * machine's RAM (0xffff830000000000), a non-canonical address, and
 * page 0. The M2P table (0xffff800000000000) is readable on purpose, as
 * on Xen: it is reported, not judged.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>

#include "tandem-check.h"

enum access { READ, WRITE, EXEC };

static const struct probe {
	uintptr_t addr;
	enum access how;
	const char *what;
} probes[] = {
	{ 0xffffffff81000000UL, READ, "kernel text" },
	{ 0xffffffff81000000UL, WRITE, "kernel text" },
	{ 0xffffffff81000000UL, EXEC, "kernel text" },
	{ 0xffff888000000000UL, READ, "kernel direct map" },
	{ 0xffff888000100000UL, WRITE, "kernel direct map" },
	{ 0xffffc90000000000UL, READ, "kernel vmalloc area" },
	{ 0xffff828000100000UL, READ, "hypervisor image" },
	{ 0xffff828000100000UL, WRITE, "hypervisor image" },
	{ 0xffff830000000000UL, READ, "hypervisor direct map" },
	{ 0xffff830000100000UL, WRITE, "hypervisor direct map" },
	{ 0x8000000000000000UL, READ, "non-canonical" },
	{ 0, READ, "page 0" },
};

static const char *const verbs[] = { "read", "write", "exec" };

struct access_ctx {
	uintptr_t addr;
	enum access how;
	uint64_t value;		/* what a read got */
};

/* In the child: the access itself. */
static void access_in_child(void *arg)
{
	struct access_ctx *a = arg;
	volatile uint64_t *p = (volatile uint64_t *)a->addr;

	if (a->how == READ)
		a->value = *p;
	else if (a->how == WRITE)
		*p = 0x5a5a5a5a5a5a5a5aULL;
	else
		((void (*)(void))a->addr)();
}

/* Make the access in a child; return its wait status. */
static int try_access(uintptr_t addr, enum access how, uint64_t *value)
{
	struct access_ctx a = { .addr = addr, .how = how };
	int status = run_in_child(access_in_child, &a, &a.value,
				  sizeof(a.value));

	*value = a.value;
	return status;
}

int cmd_kread(int argc, char **argv)
{
	int bad = 0, status;
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		const struct probe *p = &probes[i];

		status = try_access(p->addr, p->how, &v);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) {
			say("kread: %s %#lx (%s): SIGSEGV", verbs[p->how],
			    (unsigned long)p->addr, p->what);
			continue;
		}
		bad++;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			say("kread: %s %#lx (%s) SUCCEEDED (read %#llx)",
			    verbs[p->how], (unsigned long)p->addr, p->what,
			    (unsigned long long)v);
		else if (WIFSIGNALED(status))
			say("kread: %s %#lx (%s): signal %d, want SIGSEGV",
			    verbs[p->how], (unsigned long)p->addr, p->what,
			    WTERMSIG(status));
		else
			say("kread: %s %#lx (%s): exit status %d",
			    verbs[p->how], (unsigned long)p->addr, p->what,
			    WEXITSTATUS(status));
	}
	status = try_access(0xffff800000000000UL, READ, &v);
	say("kread: M2P at 0xffff800000000000: %s",
	    WIFEXITED(status) && !WEXITSTATUS(status) ?
	    "readable (by design, as on Xen)" : "not readable");
	if (bad)
		fail("%d of %zu accesses to kernel/hypervisor memory did not "
		     "raise SIGSEGV", bad, ARRAY_SIZE(probes));
	return 0;
}
