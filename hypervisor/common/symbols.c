// SPDX-License-Identifier: MIT
/*
 * Address-to-name lookup over the sorted table that tools/gen-symbols.py
 * generates from the first link (section .hv_symbols).
 */
#include <tandem/symbols.h>

extern const uint64_t hv_symbol_count;
extern const uint64_t hv_symbol_addrs[];
extern const char *const hv_symbol_names[];
extern char _stext[], _etext[];

const char *symbol_lookup(unsigned long addr, unsigned long *offset)
{
	uint64_t lo = 0, hi = hv_symbol_count;

	if (addr < (unsigned long)_stext || addr >= (unsigned long)_etext ||
	    !hi)
		return NULL;
	/* Last symbol at or below addr. */
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;

		if (hv_symbol_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (hv_symbol_addrs[lo] > addr)
		return NULL;
	*offset = addr - hv_symbol_addrs[lo];
	return hv_symbol_names[lo];
}
