// SPDX-License-Identifier: MIT
/*
 * tandemd's hypervisor operations on the real hypervisor, through
 * libtandem (see hv.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <libtandem/error.h>
#include <libtandem/evtchn.h>
#include <libtandem/privcmd.h>

#include "hv.h"
#include "ts_error.h"

struct hv_xen {
	struct hv hv;
	struct tdm_privcmd *priv;	/* the main thread's */
	struct tdm_evtchn *evt;		/* VIRQ_DOM_EXC, if we got it */
};

static struct hv_xen *to_xen(struct hv *hv)
{
	return (struct hv_xen *)hv;
}

static int xen_meminfo(struct hv *hv, uint64_t *total_kib, uint64_t *free_kib)
{
	struct xen_sysctl_physinfo pi;
	int ret = tdm_physinfo(to_xen(hv)->priv, &pi);

	if (ret < 0)
		return ts_fail_tdm(-ret, "read the host's memory");
	*total_kib = pi.total_pages << 2;
	*free_kib = pi.free_pages << 2;
	return 0;
}

static int xen_build(struct hv *hv, const struct build_params *bp,
		     struct build_image *img, struct build_result *r)
{
	struct tdm_privcmd *h;
	int ret;

	(void)hv;
	/* A handle of the builder thread's own. */
	ret = tdm_privcmd_open(&h);
	if (ret < 0)
		return ts_fail_tdm(-ret, "builder");
	ret = build_domain(h, bp, img, r);
	tdm_privcmd_close(h);
	return ret;
}

static int xen_introduce(struct hv *hv, struct tdm_xs *xs,
			 const struct build_result *r)
{
	int ret;

	(void)hv;
	ret = tdm_xs_introduce(xs, r->domid, r->store_mfn, r->store_port);
	if (ret < 0)
		return ts_fail_tdm(-ret, "introduce dom%u to the store",
				   r->domid);
	return 0;
}

static void fill_info(struct hv_dominfo *o,
		      const struct xen_domctl_getdomaininfo *i)
{
	memset(o, 0, sizeof(*o));
	o->domid = i->domain;
	o->dying = i->flags & XEN_DOMINF_dying;
	o->shutdown = i->flags & XEN_DOMINF_shutdown;
	o->paused = i->flags & XEN_DOMINF_paused;
	o->shutdown_reason = (i->flags >> XEN_DOMINF_shutdownshift) &
			     XEN_DOMINF_shutdownmask;
	o->tot_kib = i->tot_pages << 2;
	o->max_kib = i->max_pages << 2;
	o->cpu_ns = i->cpu_time;
	o->vcpus = i->nr_online_vcpus;
	memcpy(o->handle, i->handle, 16);
}

static int xen_getinfo(struct hv *hv, domid_t domid, struct hv_dominfo *info)
{
	struct xen_domctl_getdomaininfo i;
	int ret = tdm_domain_getinfo(to_xen(hv)->priv, domid, &i);

	if (ret < 0)
		return ret == -ESRCH ? -ESRCH :
		       ts_fail_tdm(-ret, "read dom%u's state", domid);
	fill_info(info, &i);
	return 0;
}

static int xen_list(struct hv *hv, struct hv_dominfo *out, unsigned int max)
{
	struct xen_domctl_getdomaininfo *i;
	int n, k;

	i = calloc(max ? max : 1, sizeof(*i));
	if (!i)
		return ts_fail(ENOMEM, "out of memory");
	n = tdm_domain_list(to_xen(hv)->priv, 0, i, max);
	if (n < 0) {
		free(i);
		return ts_fail_tdm(-n, "list the domains");
	}
	for (k = 0; k < n; k++)
		fill_info(&out[k], &i[k]);
	free(i);
	return n;
}

static int xen_pause(struct hv *hv, domid_t domid)
{
	int ret = tdm_domain_pause(to_xen(hv)->priv, domid);

	return ret < 0 ? ts_fail_tdm(-ret, "pause dom%u", domid) : 0;
}

static int xen_unpause(struct hv *hv, domid_t domid)
{
	int ret = tdm_domain_unpause(to_xen(hv)->priv, domid);

	return ret < 0 ? ts_fail_tdm(-ret, "unpause dom%u", domid) : 0;
}

static int xen_destroy(struct hv *hv, domid_t domid)
{
	int ret, tries = 0;

	/* Xen may ask us to call again while it frees a big domain. */
	do
		ret = tdm_domain_destroy(to_xen(hv)->priv, domid);
	while (ret == -EAGAIN && ++tries < 10000);
	return ret < 0 ? ts_fail_tdm(-ret, "destroy dom%u", domid) : 0;
}

static int xen_event_fd(struct hv *hv)
{
	struct hv_xen *x = to_xen(hv);

	return x->evt ? tdm_evtchn_fd(x->evt) : -1;
}

static void xen_event_ack(struct hv *hv)
{
	struct hv_xen *x = to_xen(hv);
	evtchn_port_t ports[16];
	int n, i;

	if (!x->evt)
		return;
	n = tdm_evtchn_pending(x->evt, ports, 16);
	if (n == -EFBIG) {
		tdm_evtchn_reset(x->evt);
		return;
	}
	for (i = 0; i < n; i++)
		tdm_evtchn_unmask(x->evt, ports[i]);
}

static void xen_close(struct hv *hv)
{
	struct hv_xen *x = to_xen(hv);

	if (x->evt)
		tdm_evtchn_close(x->evt);
	tdm_privcmd_close(x->priv);
	free(x);
}

static const struct hv_ops xen_ops = {
	.name = "xen",
	.meminfo = xen_meminfo,
	.build = xen_build,
	.introduce = xen_introduce,
	.getinfo = xen_getinfo,
	.list = xen_list,
	.pause = xen_pause,
	.unpause = xen_unpause,
	.destroy = xen_destroy,
	.event_fd = xen_event_fd,
	.event_ack = xen_event_ack,
	.close = xen_close,
};

int hv_xen_open(struct hv **out, void (*log)(int level, const char *fmt, ...))
{
	struct hv_xen *x;
	int ret;

	x = calloc(1, sizeof(*x));
	if (!x)
		return ts_fail(ENOMEM, "out of memory");
	x->hv.ops = &xen_ops;
	x->hv.log = log;
	ret = tdm_privcmd_open(&x->priv);
	if (ret < 0) {
		free(x);
		return ts_fail(-ret, "%s", tdm_errmsg());
	}
	/*
	 * VIRQ_DOM_EXC is a global VIRQ: one port in dom0 may have it, and
	 * the store daemon (like xenstored) normally does. Then we follow
	 * @releaseDomain, which the store fires on the same events.
	 */
	ret = tdm_evtchn_open(&x->evt);
	if (ret == 0) {
		ret = tdm_evtchn_bind_virq(x->evt, VIRQ_DOM_EXC);
		if (ret < 0) {
			log(LOG_INFO, "VIRQ_DOM_EXC is not ours (%s): the store "
			    "daemon holds it; following @releaseDomain",
			    tdm_errmsg());
			tdm_evtchn_close(x->evt);
			x->evt = NULL;
		} else {
			log(LOG_INFO, "bound VIRQ_DOM_EXC to port %d", ret);
		}
	} else {
		log(LOG_WARNING, "%s; following @releaseDomain only",
		    tdm_errmsg());
		x->evt = NULL;
	}
	*out = &x->hv;
	return 0;
}
