// SPDX-License-Identifier: MIT
/*
 * The store side of the console daemon: which domains exist, where their
 * consoles are, and the xenbus handshake of console devices.
 *
 * Watches (token: what):
 *	"d"	@introduceDomain, @releaseDomain: rescan the domain list
 *	"b"	/local/domain/0/backend/console: devices come, change, go
 *	"c/D/N"	console N of domain D: the primary console's keys (N = 0,
 *		/local/domain/D/console) or device N's frontend directory
 *
 * The primary console is the one in start_info: the toolstack writes its
 * ring-ref (the page's frame) and port under /local/domain/D/console.
 * Devices are Linux's hvc_xen frontends at /local/domain/D/device/console/N
 * (N >= 1; Linux leaves device 0 alone, that is the primary console) with
 * their backend directory /local/domain/0/backend/console/D/N, created by
 * the toolstack with state Initialising. Everything a guest writes (its
 * frontend keys) is parsed strictly and may change at any time: it is
 * read again on every change.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <public/io/xenbus.h>

#include <libtandem/error.h>
#include <libtandem/xs_proto.h>

#include "consoled.h"

#define BACKEND_DIR	"/local/domain/0/backend/console"
#define MAX_DOMAINS	4096
#define MAX_PORT	(1u << 20)

/*
 * Small store helpers.
 */
static char *read_str(const char *dir, const char *key)
{
	char path[192];

	if (key)
		snprintf(path, sizeof(path), "%s/%s", dir, key);
	else
		snprintf(path, sizeof(path), "%s", dir);
	return tdm_xs_read(cd.xs, 0, path, NULL);
}

/* 0, -ENOENT (no such node) or -EINVAL (not a number up to max). */
static int read_uint(const char *dir, const char *key,
		     unsigned long long max, unsigned long long *out)
{
	char *v = read_str(dir, key);
	int ret;

	if (!v)
		return errno == ENOENT ? -ENOENT : -EIO;
	ret = tdm_xs_parse_uint(v, max, out);
	free(v);
	return ret;
}

static bool exists(const char *path)
{
	char *v = tdm_xs_read(cd.xs, 0, path, NULL);

	free(v);
	return v != NULL;
}

/* "12" -> 12, strictly; the end of the component in *end. */
static int parse_component(const char *s, unsigned long long max,
			   unsigned long long *out, const char **end)
{
	char buf[16];
	size_t n = strcspn(s, "/");

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*end = s + n;
	return tdm_xs_parse_uint(buf, max, out);
}

static void watch_token(const struct console *c, char *buf, size_t size)
{
	snprintf(buf, size, "c/%u/%u", c->dom->domid, c->devid);
}

static void watch_console(struct console *c)
{
	char token[32];

	watch_token(c, token, sizeof(token));
	if (tdm_xs_watch(cd.xs, c->fe_path, token) < 0)
		cd_log(LOG_ERR, "%s: %s", c->label, tdm_errmsg());
	else
		c->watching = true;
}

static void drop_console(struct console *c, const char *why)
{
	char token[32];

	if (c->watching) {
		watch_token(c, token, sizeof(token));
		tdm_xs_unwatch(cd.xs, c->fe_path, token);
	}
	console_drain(c);
	console_free(c, why);
}

/*
 * Domains.
 */
static struct domain *domain_find(unsigned int domid)
{
	struct domain *d;

	for (d = cd.domains; d; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

static struct console *console_find(struct domain *d, unsigned int devid)
{
	struct console *c;

	for (c = d->consoles; c; c = c->next)
		if (c->devid == devid)
			return c;
	return NULL;
}

/* The store's name for the domain; its log file name is fixed once named. */
static void refresh_name(struct domain *d)
{
	char *v, path[64];
	struct console *c;
	bool first;

	snprintf(path, sizeof(path), "/local/domain/%u/name", d->domid);
	v = tdm_xs_read(cd.xs, 0, path, NULL);
	if (!v || !*v || strlen(v) > TDM_CONS_MAX_NAME) {
		free(v);
		if (!d->named)
			snprintf(d->name, sizeof(d->name), "dom%u", d->domid);
		return;
	}
	if (d->named && !strcmp(d->name, v)) {
		free(v);
		return;
	}
	first = !d->named;
	snprintf(d->name, sizeof(d->name), "%s", v);
	free(v);
	d->named = true;
	if (first)
		cons_log_name(d->file, sizeof(d->file), d->name);
	for (c = d->consoles; c; c = c->next)
		console_set_label(c);
}

static void primary_update(struct console *c);
static void device_add(struct domain *d, unsigned int devid);
static void device_update(struct console *c);

/* New devices of d, and the ones whose directory is gone. */
static void backend_scan(struct domain *d)
{
	unsigned long long devid;
	unsigned int i, n;
	char path[64], **ents;
	const char *end;
	struct console *c;

	snprintf(path, sizeof(path), BACKEND_DIR "/%u", d->domid);
	ents = tdm_xs_directory(cd.xs, 0, path, &n);
	for (i = 0; ents && i < n; i++) {
		if (parse_component(ents[i], 0xffff, &devid, &end) < 0 ||
		    *end || devid == 0)
			continue;
		c = console_find(d, (unsigned int)devid);
		if (c)
			device_update(c);
		else
			device_add(d, (unsigned int)devid);
	}
	free(ents);
	/* A removed directory fires one event, not one per device. */
again:
	for (c = d->consoles; c; c = c->next) {
		if (c->devid && !exists(c->be_path)) {
			device_update(c);	/* frees it */
			goto again;
		}
	}
}

static struct domain *domain_add(unsigned int domid)
{
	struct domain *d, **pp;
	struct console *c;

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->domid = domid;
	snprintf(d->name, sizeof(d->name), "dom%u", domid);
	snprintf(d->file, sizeof(d->file), "dom%u", domid);
	refresh_name(d);
	for (pp = &cd.domains; *pp && (*pp)->domid < domid; pp = &(*pp)->next)
		;
	d->next = *pp;
	*pp = d;
	cd_log(LOG_INFO, "dom%u (%s) is here", domid, d->name);
	c = console_new(d, 0);
	if (!c) {
		cd_log(LOG_ERR, "dom%u: out of memory for its console", domid);
		return d;
	}
	watch_console(c);
	primary_update(c);
	backend_scan(d);
	return d;
}

static void domain_remove(struct domain *d)
{
	struct domain **pp;
	char why[128];

	snprintf(why, sizeof(why), "%s (dom%u) is gone", d->name, d->domid);
	while (d->consoles)
		drop_console(d->consoles, why);
	for (pp = &cd.domains; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	cd_log(LOG_INFO, "dom%u (%s) is gone", d->domid, d->name);
	free(d);
}

void domains_rescan(void)
{
	static unsigned int ids[MAX_DOMAINS];
	struct domain *d, *next;
	int n, i;

	n = hv_list_domains(ids, MAX_DOMAINS);
	if (n < 0) {
		cd_log(LOG_ERR, "list domains: %s", tdm_errmsg());
		return;
	}
	for (d = cd.domains; d; d = d->next)
		d->seen = false;
	for (i = 0; i < n; i++) {
		d = domain_find(ids[i]);
		if (!d)
			d = domain_add(ids[i]);
		if (d)
			d->seen = true;
	}
	for (d = cd.domains; d; d = next) {
		next = d->next;
		if (!d->seen)
			domain_remove(d);
	}
}

/*
 * The primary console.
 */
static bool type_is_ours(const char *dir)
{
	char *type = read_str(dir, "type");
	bool ours;

	/* QEMU serves "ioemu" consoles; no type at all is ours too. */
	ours = !type || !strcmp(type, "xenconsoled") ||
	       !strcmp(type, "tandem");
	free(type);
	return ours;
}

/*
 * xl waits for the console's "tty" (xenconsoled's pty) before it calls a
 * domain created. We have no pty: we name where to attach instead, which
 * also tells `xl console` users why it cannot open it.
 */
static void announce_tty(struct console *c)
{
	char *tty = read_str(c->fe_path, "tty");
	char path[96];

	if (!tty || strcmp(tty, cd.cfg.socket_path)) {
		snprintf(path, sizeof(path), "%s/tty", c->fe_path);
		if (tdm_xs_write_str(cd.xs, 0, path, cd.cfg.socket_path) < 0)
			cd_log(LOG_WARNING, "%s: %s", c->label, tdm_errmsg());
	}
	free(tty);
}

static void primary_update(struct console *c)
{
	unsigned long long ref, port;
	int ret;

	if (c->broken)
		return;
	if (!type_is_ours(c->fe_path)) {
		console_disconnect(c);
		return;
	}
	if (read_uint(c->fe_path, "ring-ref", UINT64_MAX, &ref) < 0 ||
	    read_uint(c->fe_path, "port", MAX_PORT, &port) < 0)
		return;		/* not (yet) set up: wait for the next change */
	/* By grant the page is always grant 0: only the port matters. */
	if (c->connected && port == c->remote_port &&
	    (c->map == HV_MAP_GRANT || ref == c->ring_ref))
		return;
	if (!c->dom->named)
		refresh_name(c->dom);
	ret = console_connect(c, ref, (unsigned int)port);
	if (ret < 0) {
		if (ret != -EIO)
			cd_log(LOG_WARNING, "%s: cannot connect its console: "
			       "%s", c->label, tdm_errmsg());
		return;
	}
	announce_tty(c);
}

/*
 * Console devices: the backend half of the xenbus handshake.
 *
 *	frontend (guest)		backend (us)
 *	Initialising			Initialising -> InitWait
 *	ring-ref, port; Initialised	map, bind -> Connected
 *	Connected			(serving)
 *	Closing				unmap -> Closing
 *	Closed				Closed; Initialising again -> InitWait
 *
 * The toolstack closes a device by writing Closing into our state (or
 * online = 0): we unmap and answer Closed once the frontend is closed.
 */
static void set_state(struct console *c, int state)
{
	char path[96], val[4];

	if (c->be_state == state)
		return;
	snprintf(path, sizeof(path), "%s/state", c->be_path);
	snprintf(val, sizeof(val), "%d", state);
	if (tdm_xs_write_str(cd.xs, 0, path, val) < 0) {
		cd_log(LOG_DEBUG, "%s: %s", c->label, tdm_errmsg());
		return;
	}
	cd_log(LOG_DEBUG, "%s: backend state %d -> %d", c->label,
	       c->be_state, state);
	c->be_state = state;
}

void device_broken(struct console *c)
{
	set_state(c, XenbusStateClosed);
}

static void device_add(struct domain *d, unsigned int devid)
{
	struct console *c = console_new(d, devid);

	if (!c) {
		cd_log(LOG_ERR, "dom%u: out of memory for console %u",
		       d->domid, devid);
		return;
	}
	cd_log(LOG_INFO, "%s: new console device", c->label);
	watch_console(c);
	device_update(c);
}

/* The frontend's ring-ref and port, strictly; false if unusable. */
static bool frontend_ring(struct console *c, unsigned long long *ref,
			  unsigned long long *port)
{
	if (read_uint(c->fe_path, "ring-ref", UINT32_MAX, ref) == 0 &&
	    read_uint(c->fe_path, "port", MAX_PORT, port) == 0)
		return true;
	if (!c->complained)
		cd_log(LOG_WARNING, "%s: the guest says it is ready but its "
		       "ring-ref or port is missing or not a number",
		       c->label);
	c->complained = true;
	return false;
}

static void frontend_ready(struct console *c)
{
	unsigned long long ref, port;
	int ret;

	if (!frontend_ring(c, &ref, &port))
		return;
	if (c->connected && ref == c->ring_ref && port == c->remote_port) {
		set_state(c, XenbusStateConnected);
		return;
	}
	if (!c->dom->named)
		refresh_name(c->dom);
	ret = console_connect(c, ref, (unsigned int)port);
	if (ret == 0) {
		set_state(c, XenbusStateConnected);
		return;
	}
	if (c->broken)
		return;
	if (!c->complained)
		cd_log(LOG_WARNING, "%s: cannot connect (grant %llu, port "
		       "%llu): %s", c->label, ref, port, tdm_errmsg());
	c->complained = true;
	/* As xenbus_dev_fatal would: the frontend must start over. */
	set_state(c, XenbusStateClosing);
}

static void device_update(struct console *c)
{
	unsigned long long be, fe, online, feid;
	char *front;
	char why[128];
	bool ok;
	int ret;

	if (!exists(c->be_path)) {
		snprintf(why, sizeof(why), "console %u of %s (dom%u) was "
			 "removed", c->devid, c->dom->name, c->dom->domid);
		cd_log(LOG_INFO, "%s: removed", c->label);
		drop_console(c, why);
		return;
	}
	/* The toolstack must point us at this domain's own device. */
	front = read_str(c->be_path, "frontend");
	ret = read_uint(c->be_path, "frontend-id", 0xffff, &feid);
	if (!front || ret == -ENOENT) {
		free(front);
		return;		/* still being written */
	}
	ok = !strcmp(front, c->fe_path) && ret == 0 &&
	     feid == c->dom->domid;
	free(front);
	if (!ok) {
		if (!c->complained)
			cd_log(LOG_WARNING, "%s: backend directory %s does not "
			       "name frontend %s (frontend-id %u); ignored",
			       c->label, c->be_path, c->fe_path,
			       c->dom->domid);
		c->complained = true;
		return;
	}
	if (read_uint(c->be_path, "state", 8, &be) < 0)
		be = XenbusStateUnknown;
	if (read_uint(c->be_path, "online", 1, &online) < 0)
		online = 1;
	/* A state we did not write is the toolstack's. */
	if ((int)be != c->be_state) {
		if (be == XenbusStateClosing || be == XenbusStateClosed)
			c->closing = true;
		else if (be == XenbusStateInitialising)
			c->closing = false;
		c->be_state = (int)be;
	}
	if (read_uint(c->fe_path, "state", 8, &fe) < 0)
		fe = XenbusStateUnknown;
	if (c->broken) {
		set_state(c, XenbusStateClosed);
		return;
	}
	if (!type_is_ours(c->fe_path))
		return;
	if (c->closing || !online) {
		console_disconnect(c);
		set_state(c, fe == XenbusStateConnected ||
			     fe == XenbusStateInitialised ||
			     fe == XenbusStateClosing ? XenbusStateClosing :
			     XenbusStateClosed);
		return;
	}
	switch (fe) {
	case XenbusStateUnknown:
	case XenbusStateInitialising:
	case XenbusStateInitWait:
		console_disconnect(c);
		/* A closed device stays closed until the guest starts over. */
		if (fe == XenbusStateUnknown && c->be_state ==
		    XenbusStateClosed)
			break;
		set_state(c, XenbusStateInitWait);
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		frontend_ready(c);
		break;
	case XenbusStateClosing:
		console_disconnect(c);
		set_state(c, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		console_disconnect(c);
		set_state(c, XenbusStateClosed);
		c->complained = false;
		break;
	default:
		break;	/* Reconfiguring: not a console thing */
	}
}

/*
 * Watch events.
 */
static void backend_event(const char *path)
{
	unsigned long long domid, devid;
	const char *p = path + strlen(BACKEND_DIR);
	struct domain *d;
	struct console *c;

	if (strncmp(path, BACKEND_DIR, strlen(BACKEND_DIR)) ||
	    (*p && *p != '/'))
		return;
	if (!*p || !p[1]) {
		for (d = cd.domains; d; d = d->next)
			backend_scan(d);
		return;
	}
	if (parse_component(p + 1, 0xffff, &domid, &p) < 0)
		return;
	d = domain_find((unsigned int)domid);
	if (!d)
		return;		/* not known yet: scanned when it comes */
	if (!*p) {
		backend_scan(d);	/* the domain's whole directory */
		return;
	}
	if (parse_component(p + 1, 0xffff, &devid, &p) < 0 || devid == 0)
		return;
	c = console_find(d, (unsigned int)devid);
	if (c)
		device_update(c);
	else if (exists(path))
		backend_scan(d);
}

void domains_watch_event(const char *path, const char *token)
{
	unsigned int domid, devid;
	struct domain *d;
	struct console *c;
	char extra;

	if (!strcmp(token, "d")) {
		cd.rescan = true;
	} else if (!strcmp(token, "b")) {
		backend_event(path);
	} else if (sscanf(token, "c/%u/%u%c", &domid, &devid, &extra) == 2) {
		d = domain_find(domid);
		c = d ? console_find(d, devid) : NULL;
		if (!c)
			return;
		if (devid == 0)
			primary_update(c);
		else
			device_update(c);
	}
}

int domains_start(void)
{
	cd.xs = tdm_xs_open(cd.cfg.store_path);
	if (!cd.xs)
		return -errno;
	if (tdm_xs_watch(cd.xs, "@introduceDomain", "d") < 0 ||
	    tdm_xs_watch(cd.xs, "@releaseDomain", "d") < 0 ||
	    tdm_xs_watch(cd.xs, BACKEND_DIR, "b") < 0)
		return -errno;
	cd.rescan = true;
	return 0;
}

void domains_stop(void)
{
	const char *why = "the console daemon is stopping";
	struct domain *d;
	struct console *c;

	while ((d = cd.domains)) {
		while ((c = d->consoles))
			console_free(c, why);
		cd.domains = d->next;
		free(d);
	}
	tdm_xs_close(cd.xs);
	cd.xs = NULL;
}

struct console *console_by_port(evtchn_port_t port)
{
	struct domain *d;
	struct console *c;

	for (d = cd.domains; d; d = d->next)
		for (c = d->consoles; c; c = c->next)
			if (c->local_port == (int)port)
				return c;
	return NULL;
}

/*
 * Attach requests.
 */
static void list_vms(char *buf, size_t size)
{
	struct domain *d;
	size_t n = 0;

	if (!cd.domains) {
		snprintf(buf, size, "no VMs are running");
		return;
	}
	n += (size_t)snprintf(buf, size, "VMs with a console:");
	for (d = cd.domains; d && n < size; d = d->next)
		n += (size_t)snprintf(buf + n, size - n, "%s %s (dom%u)",
				      d == cd.domains ? "" : ",", d->name,
				      d->domid);
}

struct console *domains_find(const char *vm, unsigned int devid, int *err,
			     char *msg, size_t msg_size)
{
	unsigned long long id;
	struct domain *d;
	struct console *c;
	char list[512];
	size_t n;

	for (d = cd.domains; d; d = d->next)
		refresh_name(d);
	if (tdm_xs_parse_uint(vm, 0xffff, &id) == 0) {
		d = domain_find((unsigned int)id);
	} else {
		for (d = cd.domains; d; d = d->next)
			if (!strcmp(d->name, vm))
				break;
	}
	if (!d) {
		list_vms(list, sizeof(list));
		*err = ENOENT;
		snprintf(msg, msg_size, "no VM named '%s' (%s)", vm, list);
		return NULL;
	}
	c = console_find(d, devid);
	if (!c) {
		n = 0;
		for (c = d->consoles; c && n < sizeof(list); c = c->next)
			n += (size_t)snprintf(list + n, sizeof(list) - n,
					      "%s%u", n ? ", " : "", c->devid);
		*err = ENOENT;
		snprintf(msg, msg_size, "%s (dom%u) has no console %u (it has "
			 "%s)", d->name, d->domid, devid, n ? list : "none");
		return NULL;
	}
	if (c->broken) {
		*err = EIO;
		snprintf(msg, msg_size, "the console of %s was disconnected: "
			 "the guest wrote impossible ring indexes (see the "
			 "console daemon's log)", c->label);
		return NULL;
	}
	return c;
}
