/* SPDX-License-Identifier: MIT */
/*
 * The console daemon's view of the hypervisor: mapping a guest's console
 * page, its event channel, and the list of live domains. hv_xen.c does it
 * with /dev/xen/{gntdev,privcmd,evtchn}; hv_fake.c with files and a
 * datagram socket in a directory, so that the host tests run the same
 * daemon without Xen (see hv_fake.c for its conventions).
 *
 * Event channels behave as Linux's evtchn device: a port that fired is
 * masked until hv_unmask(); an event raised meanwhile is delivered then.
 * Errors: negative errno with tdm_errmsg() set.
 */
#ifndef TANDEM_CONSOLED_HV_H
#define TANDEM_CONSOLED_HV_H

#include <stdbool.h>
#include <stdint.h>

#include <public/xen.h>
#include <public/event_channel.h>
#include <public/grant_table.h>

enum hv_map { HV_MAP_NONE, HV_MAP_GRANT, HV_MAP_FOREIGN };

/* arg: NULL on Xen; the fake's directory in the fake build. */
int hv_open(const char *arg);
void hv_close(void);
/* "Xen" or "fake". */
const char *hv_name(void);
/* Readable in poll() when hv_pending() has something. */
int hv_fd(void);

/* Map one page of domid read-write: by grant reference, or by frame. */
void *hv_map_grant(unsigned int domid, grant_ref_t ref);
void *hv_map_frame(unsigned int domid, uint64_t frame);
void hv_unmap(void *page, enum hv_map how);

/* Bind remote_port of domid: our local port, or -errno. */
int hv_bind(unsigned int domid, unsigned int remote_port);
void hv_unbind(evtchn_port_t port);
int hv_notify(evtchn_port_t port);
int hv_unmask(evtchn_port_t port);

/*
 * Ports that fired, up to max, without waiting: how many. *all is set if
 * the kernel lost track (treat every port as fired), *domains if domains
 * may have come or gone (the fake's stand-in for the store's
 * @introduceDomain / @releaseDomain).
 */
int hv_pending(evtchn_port_t *ports, int max, bool *all, bool *domains);

/* Live domains other than dom0 (dying ones left out): count or -errno. */
int hv_list_domains(unsigned int *domids, int max);

#endif
