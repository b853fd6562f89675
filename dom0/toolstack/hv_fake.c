// SPDX-License-Identifier: MIT
/*
 * A simulated hypervisor for tandemd's host tests (see hv.h): domains
 * are records in memory, and each "guest" does what a Linux guest does
 * with control/shutdown in the store: "poweroff" and "reboot" end it
 * with that reason (it clears the key first, as Linux does); "crash"
 * makes it crash. The store is a real tandem-store running --no-xen.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <public/sched.h>

#include "hv.h"
#include "ts_error.h"

#define FAKE_MAX	64
#define FAKE_DOM0_KIB	(64u << 10)

struct fake_dom {
	bool used;
	domid_t domid;
	uint64_t kib;
	unsigned int vcpus;
	bool paused, shutdown;
	unsigned int reason;
	uint8_t handle[16];
	struct timespec born;
};

struct hv_fake {
	struct hv hv;
	pthread_mutex_t lock;		/* builder thread vs main thread */
	uint64_t total_kib;
	domid_t next_domid;
	struct fake_dom dom[FAKE_MAX];
	struct tdm_xs *xs;		/* the guests' view of the store */
};

static struct hv_fake *to_fake(struct hv *hv)
{
	return (struct hv_fake *)hv;
}

static uint64_t used_kib(struct hv_fake *f)
{
	uint64_t u = FAKE_DOM0_KIB;
	unsigned int i;

	for (i = 0; i < FAKE_MAX; i++)
		if (f->dom[i].used)
			u += f->dom[i].kib;
	return u;
}

static struct fake_dom *find(struct hv_fake *f, domid_t domid)
{
	unsigned int i;

	for (i = 0; i < FAKE_MAX; i++)
		if (f->dom[i].used && f->dom[i].domid == domid)
			return &f->dom[i];
	return NULL;
}

static int fake_meminfo(struct hv *hv, uint64_t *total_kib, uint64_t *free_kib)
{
	struct hv_fake *f = to_fake(hv);

	pthread_mutex_lock(&f->lock);
	*total_kib = f->total_kib;
	*free_kib = f->total_kib - used_kib(f);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static int fake_build(struct hv *hv, const struct build_params *bp,
		      struct build_image *img, struct build_result *r)
{
	struct hv_fake *f = to_fake(hv);
	struct fake_dom *d = NULL;
	unsigned int i;
	int err;

	(void)img;
	memset(r, 0, sizeof(*r));
	pthread_mutex_lock(&f->lock);
	err = build_check_memory(bp, f->total_kib - used_kib(f));
	if (err)
		goto out;
	for (i = 0; i < FAKE_MAX && !d; i++)
		if (!f->dom[i].used)
			d = &f->dom[i];
	if (!d) {
		err = ts_fail(ENOSPC, "the simulation holds %d domains",
			      FAKE_MAX);
		goto out;
	}
	memset(d, 0, sizeof(*d));
	d->used = true;
	/* Like Xen: ids go up, and an id in use is skipped. */
	do {
		if (++f->next_domid >= DOMID_FIRST_RESERVED)
			f->next_domid = 1;
	} while (find(f, f->next_domid));
	d->domid = f->next_domid;
	d->kib = bp->memory_mib << 10;
	d->vcpus = bp->vcpus;
	d->paused = true;
	memcpy(d->handle, bp->uuid, 16);
	clock_gettime(CLOCK_MONOTONIC, &d->born);
	r->domid = d->domid;
	r->nr_pages = bp->memory_mib << 8;
	r->store_mfn = 0x100000u + d->domid * 0x1000u;
	r->console_mfn = r->store_mfn + 1;
	r->store_port = 1;
	r->console_port = 2;
	r->gnttab_path = "simulated";
out:
	pthread_mutex_unlock(&f->lock);
	return err;
}

static int fake_introduce(struct hv *hv, struct tdm_xs *xs,
			  const struct build_result *r)
{
	/* A store without Xen cannot map a guest page: nothing to do. */
	(void)hv;
	(void)xs;
	(void)r;
	return 0;
}

static int fake_getinfo(struct hv *hv, domid_t domid, struct hv_dominfo *info)
{
	struct hv_fake *f = to_fake(hv);
	struct fake_dom *d;
	struct timespec now;

	pthread_mutex_lock(&f->lock);
	d = find(f, domid);
	if (d) {
		memset(info, 0, sizeof(*info));
		clock_gettime(CLOCK_MONOTONIC, &now);
		info->domid = domid;
		info->paused = d->paused;
		info->shutdown = d->shutdown;
		info->shutdown_reason = d->reason;
		info->tot_kib = d->kib;
		info->max_kib = d->kib + BUILD_MAXMEM_SLACK_KIB;
		info->vcpus = d->vcpus;
		info->cpu_ns = (uint64_t)(now.tv_sec - d->born.tv_sec) *
			       1000000000u / 100;
		memcpy(info->handle, d->handle, 16);
	}
	pthread_mutex_unlock(&f->lock);
	return d ? 0 : -ESRCH;
}

static int fake_list(struct hv *hv, struct hv_dominfo *out, unsigned int max)
{
	struct hv_fake *f = to_fake(hv);
	domid_t ids[FAKE_MAX];
	unsigned int i, n = 0, k = 0;

	if (max == 0)
		return 0;
	memset(&out[0], 0, sizeof(out[0]));	/* dom0 */
	out[0].tot_kib = FAKE_DOM0_KIB;
	out[0].vcpus = 1;
	k = 1;
	pthread_mutex_lock(&f->lock);
	for (i = 0; i < FAKE_MAX; i++)
		if (f->dom[i].used)
			ids[n++] = f->dom[i].domid;
	pthread_mutex_unlock(&f->lock);
	for (i = 0; i < n && k < max; i++)
		if (fake_getinfo(hv, ids[i], &out[k]) == 0)
			k++;
	return (int)k;
}

static int set_paused(struct hv *hv, domid_t domid, bool paused)
{
	struct hv_fake *f = to_fake(hv);
	struct fake_dom *d;

	pthread_mutex_lock(&f->lock);
	d = find(f, domid);
	if (d)
		d->paused = paused;
	pthread_mutex_unlock(&f->lock);
	return d ? 0 : ts_fail(ESRCH, "%s dom%u: no such domain",
			       paused ? "pause" : "unpause", domid);
}

static int fake_pause(struct hv *hv, domid_t domid)
{
	return set_paused(hv, domid, true);
}

static int fake_unpause(struct hv *hv, domid_t domid)
{
	return set_paused(hv, domid, false);
}

static int fake_destroy(struct hv *hv, domid_t domid)
{
	struct hv_fake *f = to_fake(hv);
	struct fake_dom *d;

	pthread_mutex_lock(&f->lock);
	d = find(f, domid);
	if (d)
		d->used = false;
	pthread_mutex_unlock(&f->lock);
	return d ? 0 : ts_fail(ESRCH, "destroy dom%u: no such domain", domid);
}

static int fake_event_fd(struct hv *hv)
{
	return tdm_xs_fd(to_fake(hv)->xs);
}

/* The guests look at their control/shutdown. */
static void fake_event_ack(struct hv *hv)
{
	struct hv_fake *f = to_fake(hv);
	struct tdm_xs_event *ev;
	domid_t ids[FAKE_MAX];
	unsigned int i, n = 0;

	while (tdm_xs_read_watch(f->xs, &ev) > 0)
		free(ev);
	pthread_mutex_lock(&f->lock);
	for (i = 0; i < FAKE_MAX; i++)
		if (f->dom[i].used && !f->dom[i].shutdown &&
		    !f->dom[i].paused)
			ids[n++] = f->dom[i].domid;
	pthread_mutex_unlock(&f->lock);
	for (i = 0; i < n; i++) {
		char path[64], *v;
		unsigned int reason;
		struct fake_dom *d;

		snprintf(path, sizeof(path),
			 "/local/domain/%u/control/shutdown", ids[i]);
		v = tdm_xs_read(f->xs, 0, path, NULL);
		if (!v)
			continue;
		if (!strcmp(v, "poweroff") || !strcmp(v, "halt"))
			reason = SHUTDOWN_poweroff;
		else if (!strcmp(v, "reboot"))
			reason = SHUTDOWN_reboot;
		else if (!strcmp(v, "crash"))
			reason = SHUTDOWN_crash;
		else
			reason = ~0u;
		free(v);
		if (reason == ~0u)
			continue;
		tdm_xs_write_str(f->xs, 0, path, "");
		pthread_mutex_lock(&f->lock);
		d = find(f, ids[i]);
		if (d) {
			d->shutdown = true;
			d->reason = reason;
		}
		pthread_mutex_unlock(&f->lock);
		hv->log(LOG_DEBUG, "simulated dom%u shut down (reason %u)",
			ids[i], reason);
	}
}

static void fake_close(struct hv *hv)
{
	struct hv_fake *f = to_fake(hv);

	tdm_xs_close(f->xs);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static const struct hv_ops fake_ops = {
	.name = "simulated",
	.meminfo = fake_meminfo,
	.build = fake_build,
	.introduce = fake_introduce,
	.getinfo = fake_getinfo,
	.list = fake_list,
	.pause = fake_pause,
	.unpause = fake_unpause,
	.destroy = fake_destroy,
	.event_fd = fake_event_fd,
	.event_ack = fake_event_ack,
	.close = fake_close,
};

int hv_fake_open(struct hv **out, const char *store_socket, uint64_t mem_mib,
		 void (*log)(int level, const char *fmt, ...))
{
	struct hv_fake *f;
	int ret;

	f = calloc(1, sizeof(*f));
	if (!f)
		return ts_fail(ENOMEM, "out of memory");
	f->hv.ops = &fake_ops;
	f->hv.log = log;
	f->total_kib = mem_mib << 10;
	pthread_mutex_init(&f->lock, NULL);
	f->xs = tdm_xs_open(store_socket);
	if (!f->xs) {
		ret = ts_fail_tdm(errno, "simulated guests");
		free(f);
		return ret;
	}
	ret = tdm_xs_watch(f->xs, "/local/domain", "guests");
	if (ret < 0) {
		ret = ts_fail_tdm(-ret, "simulated guests: watch");
		tdm_xs_close(f->xs);
		free(f);
		return ret;
	}
	*out = &f->hv;
	return 0;
}
