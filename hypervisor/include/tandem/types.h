/* SPDX-License-Identifier: MIT */
/* Basic types: the compiler's freestanding headers plus our few aliases. */
#ifndef TANDEM_TYPES_H
#define TANDEM_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;	/* machine (physical) address */
typedef uint64_t mfn_t;		/* machine frame number */
typedef uint64_t pfn_t;		/* guest pseudo-physical frame number */
typedef int64_t s_time_t;	/* system time: ns since boot */

#define INVALID_MFN	(~0ULL)
#define INVALID_PFN	(~0ULL)

#endif
