/* SPDX-License-Identifier: MIT */
/* The hypervisor's own symbol table, embedded at link time. */
#ifndef TANDEM_SYMBOLS_H
#define TANDEM_SYMBOLS_H

#include <tandem/types.h>

/* Name of the function containing addr, and addr's offset into it. */
const char *symbol_lookup(unsigned long addr, unsigned long *offset);

#endif
