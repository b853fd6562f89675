/* SPDX-License-Identifier: MIT */
/* I/O ports the hypervisor drives itself and never lends to dom0. */
#ifndef ASM_IOPORTS_H
#define ASM_IOPORTS_H

#include <tandem/types.h>

static inline bool port_range_overlaps(uint16_t port, unsigned int size,
				       uint16_t first, uint16_t last)
{
	return port <= last && port + size - 1 >= first;
}

static inline bool ioport_is_hypervisors(uint16_t port, unsigned int size)
{
	return port_range_overlaps(port, size, 0x20, 0x21) ||	/* PIC */
	       port_range_overlaps(port, size, 0xa0, 0xa1) ||	/* PIC */
	       port_range_overlaps(port, size, 0x40, 0x43) ||	/* PIT */
	       port_range_overlaps(port, size, 0x61, 0x61) ||	/* PIT gate */
	       port_range_overlaps(port, size, 0x3f8, 0x3ff);	/* COM1 */
}

#endif
