/* SPDX-License-Identifier: MIT */
/*
 * Compiler helpers. Force-included into every hypervisor translation unit,
 * so it also sets hidden visibility: the image is linked statically and
 * every symbol reference can be a direct RIP-relative one.
 */
#ifndef TANDEM_COMPILER_H
#define TANDEM_COMPILER_H

#ifndef __ASSEMBLER__
#pragma GCC visibility push(hidden)

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define __noreturn		__attribute__((noreturn))
#define __packed		__attribute__((packed))
#define __aligned(n)		__attribute__((aligned(n)))
#define __section(s)		__attribute__((section(s)))
#define __used			__attribute__((used))
#define __unused		__attribute__((unused))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define __always_inline		inline __attribute__((always_inline))
#define __init			__section(".text.init")
#define __read_mostly		__section(".data.read_mostly")
#define fallthrough		__attribute__((__fallthrough__))
#define barrier()		__asm__ __volatile__("" ::: "memory")

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(c)		_Static_assert(!(c), #c)
#define container_of(p, type, member) \
	((type *)((char *)(p) - __builtin_offsetof(type, member)))

#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	(*(volatile __typeof__(x) *)&(x) = (v))

#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))
#define ROUND_UP(x, a)		(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ROUND_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(x, d)	(((x) + (d) - 1) / (d))
#endif

#endif
