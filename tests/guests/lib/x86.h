/* SPDX-License-Identifier: MIT */
/*
 * x86 facts the test guests need: exception vectors, page-table entry
 * bits and a few instruction wrappers.
 */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#define X86_EXC_DE	0	/* divide error */
#define X86_EXC_DB	1	/* debug */
#define X86_EXC_NMI	2
#define X86_EXC_BP	3	/* int3 */
#define X86_EXC_OF	4	/* into */
#define X86_EXC_BR	5	/* bound */
#define X86_EXC_UD	6	/* invalid opcode */
#define X86_EXC_NM	7	/* device not available */
#define X86_EXC_DF	8	/* double fault */
#define X86_EXC_TS	10	/* invalid TSS */
#define X86_EXC_NP	11	/* segment not present */
#define X86_EXC_SS	12	/* stack fault */
#define X86_EXC_GP	13	/* general protection */
#define X86_EXC_PF	14	/* page fault */
#define X86_EXC_MF	16	/* x87 error */
#define X86_EXC_AC	17	/* alignment check */
#define X86_EXC_MC	18	/* machine check */
#define X86_EXC_XM	19	/* SIMD error */
#define X86_EXC_VE	20
#define X86_EXC_CP	21

/* Vectors that push an error code. */
#define X86_EXC_HAVE_EC	((1u << 8) | (1u << 10) | (1u << 11) | \
			 (1u << 12) | (1u << 13) | (1u << 14) | \
			 (1u << 17) | (1u << 21) | (1u << 29) | (1u << 30))

/* #PF error code bits. */
#define PFEC_PRESENT	(1u << 0)
#define PFEC_WRITE	(1u << 1)
#define PFEC_USER	(1u << 2)
#define PFEC_RSVD	(1u << 3)
#define PFEC_INSN	(1u << 4)

/* Page-table entry bits. */
#define _PAGE_PRESENT	0x001ull
#define _PAGE_RW	0x002ull
#define _PAGE_USER	0x004ull
#define _PAGE_PWT	0x008ull
#define _PAGE_PCD	0x010ull
#define _PAGE_ACCESSED	0x020ull
#define _PAGE_DIRTY	0x040ull
#define _PAGE_PSE	0x080ull
#define _PAGE_GLOBAL	0x100ull
#define _PAGE_NX	(1ull << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000ull

#define PAGE_SHIFT	12
#define PAGE_SIZE	4096ul
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#define X86_EFLAGS_IF	0x200ul
#define X86_EFLAGS_MBS	0x002ul		/* bit 1, always set */

#define X86_CR0_TS	(1ul << 3)

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void barrier(void)
{
	asm volatile("" ::: "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

/* Atomically clear bit nr of the array at addr. */
static inline void atomic_clear_bit(unsigned int nr, volatile uint64_t *addr)
{
	asm volatile("lock btrq %1, %0" : "+m"(*addr) : "Ir"((uint64_t)nr)
		     : "memory");
}

static inline void atomic_set_bit(unsigned int nr, volatile uint64_t *addr)
{
	asm volatile("lock btsq %1, %0" : "+m"(*addr) : "Ir"((uint64_t)nr)
		     : "memory");
}

static inline int atomic_test_and_set_bit(unsigned int nr,
					  volatile uint64_t *addr)
{
	unsigned char old;

	asm volatile("lock btsq %2, %0; setc %1"
		     : "+m"(*addr), "=q"(old) : "r"((uint64_t)nr) : "memory");
	return old;
}

static inline int test_bit(unsigned int nr, const volatile uint64_t *addr)
{
	return (addr[nr / 64] >> (nr % 64)) & 1;
}

static inline uint64_t xchg64(volatile uint64_t *p, uint64_t v)
{
	asm volatile("xchgq %0, %1" : "+r"(v), "+m"(*p) :: "memory");
	return v;
}

static inline void write_fs_sel(uint16_t sel)
{
	asm volatile("mov %0, %%fs" :: "r"(sel));
}
#endif /* !__ASSEMBLER__ */

#endif /* GUEST_X86_H */
