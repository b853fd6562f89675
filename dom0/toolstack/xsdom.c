// SPDX-License-Identifier: MIT
/*
 * A guest's store entries (see xsdom.h); which keys and which
 * permissions follows libxl (libxl_create.c, libxl_dom.c,
 * libxl_console.c, libxl_device.c in Xen 4.17).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtandem/error.h>

#include "build.h"
#include "ts_error.h"
#include "xsdom.h"

#define TX_RETRIES	10

/* Collects the first failure of a series of writes. */
struct wr {
	struct tdm_xs *xs;
	uint32_t tx;
	int err;
	char path[256];
};

static void wr_fail(struct wr *w, int err, const char *what)
{
	if (!w->err)
		w->err = ts_fail_tdm(-err, "store: %s %s", what, w->path);
}

static void put(struct wr *w, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void put(struct wr *w, const char *value, const char *fmt, ...)
{
	va_list ap;
	int err;

	if (w->err)
		return;
	va_start(ap, fmt);
	vsnprintf(w->path, sizeof(w->path), fmt, ap);
	va_end(ap);
	err = tdm_xs_write_str(w->xs, w->tx, w->path, value);
	if (err)
		wr_fail(w, err, "write");
}

/* A directory with permissions (libxl's mknod). */
static void node(struct wr *w, const struct tdm_xs_perm *perms,
		 unsigned int n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void node(struct wr *w, const struct tdm_xs_perm *perms,
		 unsigned int n, const char *fmt, ...)
{
	va_list ap;
	int err;

	if (w->err)
		return;
	va_start(ap, fmt);
	vsnprintf(w->path, sizeof(w->path), fmt, ap);
	va_end(ap);
	err = tdm_xs_mkdir(w->xs, w->tx, w->path);
	if (err) {
		wr_fail(w, err, "mkdir");
		return;
	}
	err = tdm_xs_set_perms(w->xs, w->tx, w->path, perms, n);
	if (err)
		wr_fail(w, err, "set permissions of");
}

static void rm(struct wr *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void rm(struct wr *w, const char *fmt, ...)
{
	va_list ap;
	int err;

	if (w->err)
		return;
	va_start(ap, fmt);
	vsnprintf(w->path, sizeof(w->path), fmt, ap);
	va_end(ap);
	err = tdm_xs_rm(w->xs, w->tx, w->path);
	if (err && err != -ENOENT)
		wr_fail(w, err, "remove");
}

static void write_all(struct wr *w, const struct xsdom *d)
{
	/* dom0 owns it, N may read; N owns it (dom0 may do anything). */
	const struct tdm_xs_perm ro[2] = {
		{ 0, TDM_XS_PERM_NONE }, { d->domid, TDM_XS_PERM_READ },
	};
	const struct tdm_xs_perm rw[1] = { { d->domid, TDM_XS_PERM_NONE } };
	const struct tdm_xs_perm front[2] = {
		{ d->domid, TDM_XS_PERM_NONE }, { 0, TDM_XS_PERM_READ },
	};
	const struct tdm_xs_perm mine[1] = { { 0, TDM_XS_PERM_NONE } };
	static const char *const guest_owned[] = {
		"control/shutdown", "control/feature-poweroff",
		"control/feature-reboot", "control/feature-suspend",
		"control/sysrq", "data", "drivers", "feature", "attr", "error",
		"device/suspend/event-channel",
	};
	char dom[32], vm[64], uuid[37], num[32], be[64], fe[48];
	unsigned int i;

	build_uuid_str(d->uuid, uuid);
	snprintf(dom, sizeof(dom), "/local/domain/%u", d->domid);
	snprintf(vm, sizeof(vm), "/vm/%s", uuid);

	rm(w, "%s", dom);
	node(w, ro, 2, "%s", dom);
	rm(w, "%s", vm);
	node(w, ro, 2, "%s", vm);
	put(w, vm, "%s/vm", dom);
	put(w, d->name, "%s/name", dom);
	snprintf(num, sizeof(num), "%u", d->domid);
	put(w, num, "%s/domid", dom);

	node(w, ro, 2, "%s/cpu", dom);
	for (i = 0; i < d->vcpus; i++)
		put(w, "online", "%s/cpu/%u/availability", dom, i);
	node(w, ro, 2, "%s/memory", dom);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)d->max_kib);
	put(w, num, "%s/memory/static-max", dom);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)d->target_kib);
	put(w, num, "%s/memory/target", dom);

	node(w, ro, 2, "%s/device", dom);
	node(w, ro, 2, "%s/control", dom);
	for (i = 0; i < sizeof(guest_owned) / sizeof(guest_owned[0]); i++)
		node(w, rw, 1, "%s/%s", dom, guest_owned[i]);
	put(w, "1", "%s/control/platform-feature-multiprocessor-suspend", dom);
	put(w, "1", "%s/control/platform-feature-xs_reset_watches", dom);

	snprintf(num, sizeof(num), "%u", d->store_port);
	put(w, num, "%s/store/port", dom);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)d->store_mfn);
	put(w, num, "%s/store/ring-ref", dom);

	/* Console 0: its frontend directory is read-only to the guest. */
	node(w, ro, 2, "%s/console", dom);
	put(w, "", "%s/console/tty", dom);
	snprintf(be, sizeof(be), "/local/domain/0/backend/console/%u/0",
		 d->domid);
	put(w, be, "%s/console/backend", dom);
	node(w, front, 2, "%s/console/backend-id", dom);
	put(w, "0", "%s/console/backend-id", dom);
	snprintf(num, sizeof(num), "%d", XSDOM_CONSOLE_LIMIT);
	put(w, num, "%s/console/limit", dom);
	put(w, "xenconsoled", "%s/console/type", dom);
	put(w, "pty", "%s/console/output", dom);
	snprintf(num, sizeof(num), "%u", d->console_port);
	put(w, num, "%s/console/port", dom);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)d->console_mfn);
	put(w, num, "%s/console/ring-ref", dom);

	rm(w, "/local/domain/0/backend/console/%u", d->domid);
	node(w, ro, 2, "/local/domain/0/backend/console/%u", d->domid);
	node(w, ro, 2, "/local/domain/0/backend/console/%u/0", d->domid);
	snprintf(num, sizeof(num), "%u", d->domid);
	put(w, num, "/local/domain/0/backend/console/%u/0/frontend-id",
	    d->domid);
	put(w, "1", "/local/domain/0/backend/console/%u/0/online", d->domid);
	put(w, "1", "/local/domain/0/backend/console/%u/0/state", d->domid);
	put(w, "vt100", "/local/domain/0/backend/console/%u/0/protocol",
	    d->domid);
	snprintf(fe, sizeof(fe), "%s/console", dom);
	put(w, fe, "%s/frontend", be);

	put(w, uuid, "%s/uuid", vm);
	put(w, d->name, "%s/name", vm);

	rm(w, XSDOM_TOOL_PATH "/%u", d->domid);
	node(w, mine, 1, XSDOM_TOOL_PATH "/%u", d->domid);
	put(w, d->name, XSDOM_TOOL_PATH "/%u/name", d->domid);
	put(w, d->profile ? d->profile : "", XSDOM_TOOL_PATH "/%u/profile",
	    d->domid);
	put(w, uuid, XSDOM_TOOL_PATH "/%u/uuid", d->domid);
}

int xsdom_write(struct tdm_xs *xs, const struct xsdom *d)
{
	struct wr w;
	int err, tries;

	for (tries = 0; tries < TX_RETRIES; tries++) {
		memset(&w, 0, sizeof(w));
		w.xs = xs;
		err = tdm_xs_transaction_start(xs, &w.tx);
		if (err)
			return ts_fail_tdm(-err, "store: start a transaction");
		write_all(&w, d);
		if (w.err) {
			tdm_xs_transaction_end(xs, w.tx, false);
			return w.err;
		}
		err = tdm_xs_transaction_end(xs, w.tx, true);
		if (err != -EAGAIN)
			break;
	}
	if (err)
		return ts_fail_tdm(-err, "store: commit dom%u's entries",
				   d->domid);
	return 0;
}

static int parse_uuid(const char *s, uint8_t u[16])
{
	unsigned int i, n = 0;

	for (i = 0; s[i] && n < 32; i++) {
		unsigned int v;

		if (s[i] == '-')
			continue;
		if (s[i] >= '0' && s[i] <= '9')
			v = (unsigned int)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = (unsigned int)(s[i] - 'a' + 10);
		else
			return -EINVAL;
		if (n % 2 == 0)
			u[n / 2] = (uint8_t)(v << 4);
		else
			u[n / 2] |= (uint8_t)v;
		n++;
	}
	return n == 32 && !s[i] ? 0 : -EINVAL;
}

int xsdom_remove(struct tdm_xs *xs, domid_t domid, const uint8_t *uuid)
{
	char path[128], uuid_s[37], **kinds;
	uint8_t u[16];
	unsigned int i, n = 0;
	int err, first = 0;

	if (!uuid) {
		char *vm;

		snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
		vm = tdm_xs_read(xs, 0, path, NULL);
		if (vm && !strncmp(vm, "/vm/", 4) && !parse_uuid(vm + 4, u))
			uuid = u;
		free(vm);
	}
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	err = tdm_xs_rm(xs, 0, path);
	if (err && err != -ENOENT)
		first = ts_fail_tdm(-err, "store: remove %s", path);
	kinds = tdm_xs_directory(xs, 0, "/local/domain/0/backend", &n);
	for (i = 0; kinds && i < n; i++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u",
			 kinds[i], domid);
		err = tdm_xs_rm(xs, 0, path);
		if (err && err != -ENOENT && !first)
			first = ts_fail_tdm(-err, "store: remove %s", path);
	}
	free(kinds);
	if (uuid) {
		build_uuid_str(uuid, uuid_s);
		snprintf(path, sizeof(path), "/vm/%s", uuid_s);
		err = tdm_xs_rm(xs, 0, path);
		if (err && err != -ENOENT && !first)
			first = ts_fail_tdm(-err, "store: remove %s", path);
	}
	snprintf(path, sizeof(path), XSDOM_TOOL_PATH "/%u", domid);
	err = tdm_xs_rm(xs, 0, path);
	if (err && err != -ENOENT && !first)
		first = ts_fail_tdm(-err, "store: remove %s", path);
	return first;
}

int xsdom_request_shutdown(struct tdm_xs *xs, domid_t domid,
			   const char *what)
{
	char path[64];
	int err;

	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown",
		 domid);
	err = tdm_xs_write_str(xs, 0, path, what);
	if (err)
		return ts_fail_tdm(-err, "store: write '%s' to %s", what, path);
	return 0;
}
