/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor command-line options ("name=value" or "name" words). Each
 * option is declared next to the code that uses it with one of the macros
 * below; parse_cmdline() applies them and warns about unknown words.
 */
#ifndef TANDEM_PARAMS_H
#define TANDEM_PARAMS_H

#include <tandem/types.h>

enum param_kind {
	PARAM_BOOL,	/* "name", "name=0/1/on/off/yes/no" */
	PARAM_UINT,	/* unsigned long long */
	PARAM_SIZE,	/* bytes with K/M/G suffix */
	PARAM_STRING,	/* copied into a char array */
	PARAM_CUSTOM,	/* a function parses the value */
};

struct kernel_param {
	const char *name;
	enum param_kind kind;
	void *var;
	size_t len;		/* PARAM_STRING: size of the array */
	int (*fn)(const char *val);
	const char *help;
};

#define __param_entry(n, k, v, l, f, h)					\
	static const struct kernel_param __param_##v __used		\
	__section(".data.rel.ro.params") __aligned(8) = { n, k, &v, l, f, h }

#define boolean_param(n, v, h)	__param_entry(n, PARAM_BOOL, v, 0, NULL, h)
#define uint_param(n, v, h)	__param_entry(n, PARAM_UINT, v, 0, NULL, h)
#define size_param(n, v, h)	__param_entry(n, PARAM_SIZE, v, 0, NULL, h)
#define string_param(n, v, h)	\
	__param_entry(n, PARAM_STRING, v, sizeof(v), NULL, h)
#define custom_param(n, f, h)						\
	static const struct kernel_param __param_##f __used		\
	__section(".data.rel.ro.params") __aligned(8) =			\
		{ n, PARAM_CUSTOM, NULL, 0, f, h }

void parse_cmdline(const char *cmdline);

#endif
