/* SPDX-License-Identifier: MIT */
/*
 * Force-included (-include) instead of tandem/compiler.h when hypervisor C
 * files are built into a host test: the same helpers, but without the
 * hidden visibility the static hypervisor image wants, which would keep
 * the test from linking against the C library.
 */
#ifndef TEST_SHIM_HOST_COMPILER_H
#define TEST_SHIM_HOST_COMPILER_H

#include <tandem/compiler.h>
#pragma GCC visibility pop

#endif
