/* SPDX-License-Identifier: MIT */
/*
 * A guest's store entries, as libxl writes them for a PV domain, so that
 * the guest's xenbus and dom0's backends find what they expect:
 *
 *   /local/domain/N		 dom0's, N may read (so may everything below,
 *				 unless noted)
 *     name, domid, vm		 the VM's name, its id, /vm/UUID
 *     cpu/I/availability	 "online"
 *     memory/static-max	 KiB the domain may have; memory/target: KiB
 *     store/ring-ref, store/port	the store page and event channel
 *     console/ring-ref, port, limit, type, output, tty, backend
 *     console/backend-id	 (N's own, dom0 may read)
 *     control/			 N's own: shutdown, feature-poweroff,
 *				 feature-reboot, feature-suspend, sysrq;
 *				 platform-feature-multiprocessor-suspend,
 *				 platform-feature-xs_reset_watches: "1"
 *     device/			 device/suspend/event-channel: N's own
 *     data, drivers, feature, attr, error	N's own
 *   /local/domain/0/backend/console/N/0	the console backend's view
 *   /vm/UUID/{uuid,name}
 *   /tool/tandem/domain/N/{name,profile,uuid}	ours only: lets tandemd
 *				 find its VMs again after a restart
 */
#ifndef TANDEM_XSDOM_H
#define TANDEM_XSDOM_H

#include <stdint.h>

#include <libtandem/xs.h>

#define XSDOM_CONSOLE_LIMIT	1048576	/* libxl's LIBXL_XENCONSOLE_LIMIT */
#define XSDOM_TOOL_PATH		"/tool/tandem/domain"

struct xsdom {
	domid_t domid;
	const char *name;
	const char *profile;		/* the profile's path */
	uint8_t uuid[16];
	uint64_t target_kib, max_kib;
	unsigned int vcpus;
	uint64_t store_mfn, console_mfn;
	uint32_t store_port, console_port;
};

/* Write everything above in one transaction. */
int xsdom_write(struct tdm_xs *xs, const struct xsdom *d);

/*
 * Remove a domain's entries: /local/domain/N, every backend directory
 * for it under /local/domain/0/backend, /vm/UUID (uuid may be NULL: then
 * read it from /local/domain/N/vm first) and our own.
 */
int xsdom_remove(struct tdm_xs *xs, domid_t domid, const uint8_t *uuid);

/* Ask the guest to power off or reboot: control/shutdown. */
int xsdom_request_shutdown(struct tdm_xs *xs, domid_t domid,
			   const char *what);

#endif /* TANDEM_XSDOM_H */
