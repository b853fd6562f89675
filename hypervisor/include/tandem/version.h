/* SPDX-License-Identifier: MIT */
/* Version of Tandem, and of the guest ABI it offers. */
#ifndef TANDEM_VERSION_H
#define TANDEM_VERSION_H

#define TANDEM_VERSION		"0.1.0"

/*
 * XENVER_version: the Xen ABI level we implement. Guests (Linux) key
 * some behaviour on it; 4.17 is what Debian 12's tools expect.
 */
#define ABI_VERSION_MAJOR	4
#define ABI_VERSION_MINOR	17
#define ABI_EXTRAVERSION	".0-tandem"

#endif
