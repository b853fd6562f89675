// SPDX-License-Identifier: MIT
/*
 * Copying to and from guest virtual addresses. The hypervisor runs on the
 * guest's page tables, so a guest pointer is dereferenced directly; a
 * fault on the copy instruction is redirected (exception table) and the
 * copy reports how much was left. SMAP is lifted only around the copy.
 */
#include <tandem/errno.h>
#include <tandem/lib.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include <asm/traps.h>
#include <public/arch-x86_64.h>

/* A guest range must be canonical and outside the hypervisor's slots. */
bool guest_range_ok(unsigned long va, size_t n)
{
	unsigned long end = va + n;

	if (end < va)
		return false;	/* wraps */
	if (!n)
		return true;
	if (!is_canonical(va) || !is_canonical(end - 1))
		return false;
	/* Both ends in the same canonical half, and not in our range. */
	if ((va >> 63) != ((end - 1) >> 63))
		return false;
	return end <= HYPERVISOR_VIRT_START || va >= HYPERVISOR_VIRT_END;
}

size_t raw_copy_from_guest(void *dst, const void *src, size_t n)
{
	stac();
	__asm__ __volatile__("1: rep movsb\n\t"
			     "2:\n\t"
			     _ASM_EXTABLE(1b, 2b)
			     : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	clac();
	return n;
}

size_t raw_copy_to_guest(void *dst, const void *src, size_t n)
{
	return raw_copy_from_guest(dst, src, n);
}

int copy_from_guest(void *dst, uint64_t src, size_t n)
{
	if (!guest_range_ok(src, n))
		return -EFAULT;
	if (raw_copy_from_guest(dst, (const void *)src, n)) {
		memset(dst, 0, n);	/* never leave stale bytes behind */
		return -EFAULT;
	}
	return 0;
}

int copy_to_guest(uint64_t dst, const void *src, size_t n)
{
	if (!guest_range_ok(dst, n))
		return -EFAULT;
	return raw_copy_to_guest((void *)dst, src, n) ? -EFAULT : 0;
}
