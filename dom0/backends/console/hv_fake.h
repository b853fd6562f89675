/* SPDX-License-Identifier: MIT */
/*
 * The fake hypervisor of tandem-consoled-fake, the test build of the
 * console daemon: everything lives in one directory DIR (--fake-hv DIR)
 * that the test shares with the daemon.
 *
 *	DIR/dom-D	exists while domain D is alive (any content)
 *	DIR/grant-D-R	domain D's page behind grant reference R
 *	DIR/frame-D-F	domain D's page at frame F
 *			(4096-byte files, mapped shared: the test writes the
 *			guest's side of the console page into them)
 *	DIR/hv.sock	the daemon's datagram socket: a struct hv_fake_msg
 *			{ D, P } is domain D notifying its port P;
 *			{ HV_FAKE_DOMAINS, 0 } says domains came or went
 *	DIR/guest.sock	where the daemon's notifications go, as { D, P }
 *			with P the guest's port (if the test listens)
 */
#ifndef TANDEM_CONSOLED_HV_FAKE_H
#define TANDEM_CONSOLED_HV_FAKE_H

#include <stdint.h>

#define HV_FAKE_DOMAINS		0xffffffffu

struct hv_fake_msg {
	uint32_t domid;
	uint32_t port;
};

#endif
