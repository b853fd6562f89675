// SPDX-License-Identifier: MIT
/*
 * The console daemon on Xen: pages by grant (gntdev) or frame (privcmd),
 * ports through one evtchn handle, domains from getdomaininfo.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>

#include <libtandem/error.h>
#include <libtandem/evtchn.h>
#include <libtandem/gntdev.h>
#include <libtandem/privcmd.h>

#include "hv.h"

static struct tdm_privcmd *priv;
static struct tdm_evtchn *evt;
static struct tdm_gntdev *gnt;

int hv_open(const char *arg)
{
	int ret;

	if (arg)
		return tdm_fail(EINVAL, "the Xen build takes no --fake-hv");
	ret = tdm_privcmd_open(&priv);
	if (ret == 0)
		ret = tdm_evtchn_open(&evt);
	if (ret == 0)
		ret = tdm_gntdev_open(&gnt, 0);
	if (ret < 0)
		hv_close();
	return ret;
}

void hv_close(void)
{
	tdm_gntdev_close(gnt);
	tdm_evtchn_close(evt);
	tdm_privcmd_close(priv);
	gnt = NULL;
	evt = NULL;
	priv = NULL;
}

const char *hv_name(void)
{
	return "Xen";
}

int hv_fd(void)
{
	return tdm_evtchn_fd(evt);
}

void *hv_map_grant(unsigned int domid, grant_ref_t ref)
{
	return tdm_gntdev_map(gnt, (domid_t)domid, &ref, 1,
			      PROT_READ | PROT_WRITE);
}

void *hv_map_frame(unsigned int domid, uint64_t frame)
{
	xen_pfn_t pfn = frame;

	return tdm_foreign_map(priv, (domid_t)domid, PROT_READ | PROT_WRITE,
			       &pfn, NULL, 1);
}

void hv_unmap(void *page, enum hv_map how)
{
	if (how == HV_MAP_GRANT)
		tdm_gntdev_unmap(gnt, page, 1);
	else if (how == HV_MAP_FOREIGN)
		tdm_foreign_unmap(page, 1);
}

int hv_bind(unsigned int domid, unsigned int remote_port)
{
	return tdm_evtchn_bind_interdomain(evt, (domid_t)domid, remote_port);
}

void hv_unbind(evtchn_port_t port)
{
	tdm_evtchn_unbind(evt, port);
}

int hv_notify(evtchn_port_t port)
{
	return tdm_evtchn_notify(evt, port);
}

int hv_unmask(evtchn_port_t port)
{
	return tdm_evtchn_unmask(evt, port);
}

int hv_pending(evtchn_port_t *ports, int max, bool *all, bool *domains)
{
	int n = tdm_evtchn_pending(evt, ports, (size_t)max);

	(void)domains;	/* on Xen the store's watches say that */
	if (n == -EFBIG) {
		tdm_evtchn_reset(evt);
		*all = true;
		return 0;
	}
	return n < 0 ? 0 : n;
}

int hv_list_domains(unsigned int *domids, int max)
{
	struct xen_domctl_getdomaininfo info[64];
	unsigned int first = 1;
	int n, i, count = 0;

	for (;;) {
		n = tdm_domain_list(priv, (domid_t)first, info, 64);
		if (n < 0)
			return n;
		for (i = 0; i < n; i++) {
			if (info[i].domain == 0 ||
			    (info[i].flags & XEN_DOMINF_dying))
				continue;
			if (count == max)
				return count;
			domids[count++] = info[i].domain;
		}
		if (n < 64)
			return count;
		first = info[n - 1].domain + 1u;
		if (first >= DOMID_FIRST_RESERVED)
			return count;
	}
}
