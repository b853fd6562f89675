// SPDX-License-Identifier: MIT
/*
 * Console output. Everything goes through CONSOLEIO_write, which our
 * hypervisor accepts from every domain (it prefixes each line with the
 * domain name). The PV console ring of start_info is supported as well:
 * with "console=ring" on the guest command line every write is mirrored
 * into it.
 */
#include "guest.h"
#include <public/io/console.h>

static uint8_t ring_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static struct xencons_interface *ring;
static bool mirror_to_ring;

struct xencons_interface *pvcons_ring(void)
{
	return ring;
}

void pvcons_init(void)
{
	uint64_t mfn;

	if (start_info->flags & SIF_INITDOMAIN)
		return;
	mfn = start_info->console.domU.mfn;
	if (!mfn || !start_info->console.domU.evtchn)
		return;
	if (map_mfn((unsigned long)ring_page, mfn, PTE_KERN_RW))
		return;
	ring = (struct xencons_interface *)ring_page;
	mirror_to_ring = cmdline_has("console=ring");
}

/* Queue what fits and notify the backend; returns bytes queued. */
long pvcons_write(const char *s, size_t len)
{
	XENCONS_RING_IDX cons, prod;
	size_t n = 0;

	if (!ring)
		return -XEN_ENODEV;
	cons = ring->out_cons;
	prod = ring->out_prod;
	barrier();
	while (n < len && prod - cons < XENCONS_OUT_SIZE)
		ring->out[xencons_out_slot(prod++)] = s[n++];
	asm volatile("sfence" ::: "memory");
	ring->out_prod = prod;
	hv_evtchn_send(start_info->console.domU.evtchn);
	return n;
}

void console_write(const char *s, size_t len)
{
	hv_console_io(CONSOLEIO_write, len, (void *)s);
	if (mirror_to_ring)
		pvcons_write(s, len);
}

void printk(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, n);
}
