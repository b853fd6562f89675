// SPDX-License-Identifier: MIT
/*
 * One guest console: its page and event channel, where its output goes
 * (log, scrollback, attached clients) and where keystrokes come from (the
 * client holding the keyboard), and the rate limit that keeps a guest
 * flooding its console from starving the others.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtandem/error.h>

#include "consoled.h"

/* Tokens a throttled console waits for before it is read again. */
#define RESUME_BYTES	256

struct console *console_new(struct domain *dom, unsigned int devid)
{
	struct console *c, **pp;

	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	if (sbuf_init(&c->scroll, cd.cfg.scrollback) < 0) {
		free(c);
		return NULL;
	}
	c->dom = dom;
	c->devid = devid;
	c->local_port = -1;
	c->be_state = -1;
	c->tokens = cd.cfg.burst;
	c->refill_ms = cd_now_ms();
	if (devid == 0) {
		snprintf(c->fe_path, sizeof(c->fe_path),
			 "/local/domain/%u/console", dom->domid);
	} else {
		snprintf(c->fe_path, sizeof(c->fe_path),
			 "/local/domain/%u/device/console/%u", dom->domid,
			 devid);
		snprintf(c->be_path, sizeof(c->be_path),
			 "/local/domain/0/backend/console/%u/%u", dom->domid,
			 devid);
	}
	console_set_label(c);
	/* Keep the list ordered by devid: the primary console first. */
	for (pp = &dom->consoles; *pp && (*pp)->devid < devid;
	     pp = &(*pp)->next)
		;
	c->next = *pp;
	*pp = c;
	return c;
}

void console_set_label(struct console *c)
{
	if (c->devid == 0)
		snprintf(c->label, sizeof(c->label), "dom%u (%s)",
			 c->dom->domid, c->dom->name);
	else
		snprintf(c->label, sizeof(c->label), "dom%u (%s) console %u",
			 c->dom->domid, c->dom->name, c->devid);
}

/* Every attached client leaves with the same words. */
static void send_away(struct console *c, const char *why)
{
	struct client *cl, *next;

	for (cl = c->clients; cl; cl = next) {
		next = cl->cons_next;
		cl->cons_next = NULL;
		client_gone(cl, why);
	}
	c->clients = NULL;
	c->keyboard = NULL;
}

void console_free(struct console *c, const char *why)
{
	struct console **pp;

	send_away(c, why);
	console_disconnect(c);
	cons_log_put(c->log);
	sbuf_free(&c->scroll);
	for (pp = &c->dom->consoles; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	free(c);
}

static int open_log(struct console *c)
{
	char file[TDM_CONS_MAX_NAME + 16];

	if (c->log)
		return 0;
	if (c->devid == 0)
		snprintf(file, sizeof(file), "%s.log", c->dom->file);
	else
		snprintf(file, sizeof(file), "%s.%u.log", c->dom->file,
			 c->devid);
	c->log = cons_log_open(cd.cfg.log_dir, file, cd.cfg.log_size);
	if (!c->log) {
		cd_log(LOG_ERR, "%s: %s (its output is not logged; check "
		       "--log-dir)", c->label, tdm_errmsg());
		return -errno;
	}
	return 0;
}

/* The primary console: grant 0 (seeded by the toolstack), else the frame. */
static void *map_primary(struct console *c, uint64_t frame)
{
	unsigned int domid = c->dom->domid;
	void *page = NULL;

	if (cd.cfg.map != CD_MAP_FOREIGN) {
		page = hv_map_grant(domid, GNTTAB_RESERVED_CONSOLE);
		if (page) {
			c->map = HV_MAP_GRANT;
			return page;
		}
		if (cd.cfg.map == CD_MAP_GRANT)
			return NULL;
		cd_log(LOG_INFO, "%s: %s; mapping frame %#llx instead",
		       c->label, tdm_errmsg(), (unsigned long long)frame);
	}
	page = hv_map_frame(domid, frame);
	if (page)
		c->map = HV_MAP_FOREIGN;
	return page;
}

int console_connect(struct console *c, uint64_t ring_ref, unsigned int port)
{
	void *page;
	int ret;

	if (c->broken)
		return -EIO;
	console_disconnect(c);
	if (c->devid == 0) {
		page = map_primary(c, ring_ref);
	} else if (ring_ref > UINT32_MAX) {
		return tdm_fail(EINVAL, "grant reference %llu",
				(unsigned long long)ring_ref);
	} else {
		page = hv_map_grant(c->dom->domid, (grant_ref_t)ring_ref);
		c->map = HV_MAP_GRANT;
	}
	if (!page) {
		c->map = HV_MAP_NONE;
		return -errno;
	}
	c->page = page;
	c->ring_ref = ring_ref;
	ret = hv_bind(c->dom->domid, port);
	if (ret < 0) {
		console_disconnect(c);
		return ret;
	}
	c->local_port = ret;
	c->remote_port = port;
	c->connected = true;
	if (cring_attach(&c->ring, page) < 0) {
		console_break(c);
		return -EIO;
	}
	open_log(c);
	if (c->map == HV_MAP_GRANT)
		cd_log(LOG_INFO, "%s: connected (page by grant %llu, port "
		       "%u)", c->label, c->devid ? (unsigned long long)ring_ref
		       : (unsigned long long)GNTTAB_RESERVED_CONSOLE, port);
	else
		cd_log(LOG_INFO, "%s: connected (page by frame %#llx, port "
		       "%u)", c->label, (unsigned long long)ring_ref, port);
	/* Output may be waiting from before we came. */
	console_service(c, cd_now_ms());
	return 0;
}

void console_disconnect(struct console *c)
{
	if (c->local_port >= 0)
		hv_unbind((evtchn_port_t)c->local_port);
	c->local_port = -1;
	if (c->page)
		hv_unmap(c->page, c->map);
	c->page = NULL;
	c->map = HV_MAP_NONE;
	c->connected = false;
	c->kicked = false;
	c->throttled = false;
}

void console_break(struct console *c)
{
	char why[160];

	if (c->broken)
		return;
	c->broken = true;
	/* The one line a bad guest gets; its port stays unbound after. */
	cd_log(LOG_WARNING, "%s: impossible console ring indexes (%s); "
	       "disconnected it", c->label, c->ring.why);
	console_disconnect(c);
	snprintf(why, sizeof(why), "%s: the guest wrote impossible console "
		 "ring indexes; disconnected", c->label);
	send_away(c, why);
	if (c->devid)
		device_broken(c);
}

/* Guest output: log, scrollback, then everyone watching. */
static void output(struct console *c, const char *data, size_t len)
{
	struct client *cl;

	sbuf_append(&c->scroll, data, len);
	if (c->log) {
		if (cons_log_write(c->log, data, len) < 0) {
			if (!c->log_failing)
				cd_log(LOG_ERR, "%s: %s", c->label,
				       tdm_errmsg());
			c->log_failing = true;
		} else {
			c->log_failing = false;
		}
	}
	for (cl = c->clients; cl; cl = cl->cons_next)
		client_output(cl, data, len);
}

static void refill(struct console *c, int64_t now)
{
	uint64_t add;

	if (cd.cfg.rate == 0) {
		c->tokens = UINT64_MAX;
		return;
	}
	if (now <= c->refill_ms)
		return;
	add = (uint64_t)(now - c->refill_ms) * cd.cfg.rate / 1000;
	if (add == 0)
		return;	/* keep the fraction for later */
	c->tokens = c->tokens + add > cd.cfg.burst ? cd.cfg.burst :
		    c->tokens + add;
	c->refill_ms = now;
}

/* Queued keystrokes into the ring, as far as it has room. */
static int push_input(struct console *c)
{
	int n;

	if (!c->inq_len)
		return 0;
	n = cring_write(&c->ring, c->inq, c->inq_len);
	if (n <= 0)
		return n;
	memmove(c->inq, c->inq + n, c->inq_len - (size_t)n);
	c->inq_len -= (size_t)n;
	return n;
}

void console_service(struct console *c, int64_t now)
{
	char buf[XENCONS_OUT_SIZE];
	bool notify = false;
	int avail, n;
	size_t allow;

	if (!c->connected)
		return;
	/* Both guest indexes are checked on every visit. */
	if (cring_check(&c->ring) < 0)
		goto broken;
	n = push_input(c);
	if (n < 0)
		goto broken;
	notify = n > 0;
	refill(c, now);
	avail = cring_readable(&c->ring);
	if (avail < 0)
		goto broken;
	/* One ring's worth per loop at most, and no more than the rate. */
	allow = (size_t)avail;
	if (allow > sizeof(buf))
		allow = sizeof(buf);
	if (allow > c->tokens)
		allow = (size_t)c->tokens;
	if (allow) {
		n = cring_read(&c->ring, buf, allow);
		if (n < 0)
			goto broken;
		if (cd.cfg.rate)
			c->tokens -= (uint64_t)n;
		output(c, buf, (size_t)n);
		notify = true;
	}
	c->throttled = (size_t)avail > allow;
	if (notify)
		hv_notify((evtchn_port_t)c->local_port);
	/* A throttled guest stays masked: it cannot keep waking us. */
	if (c->kicked && !c->throttled) {
		c->kicked = false;
		hv_unmask((evtchn_port_t)c->local_port);
	}
	return;
broken:
	console_break(c);
}

void console_drain(struct console *c)
{
	char buf[XENCONS_OUT_SIZE];
	int n;

	if (!c->connected)
		return;
	n = cring_read(&c->ring, buf, sizeof(buf));
	if (n > 0)
		output(c, buf, (size_t)n);
}

int console_timeout(const struct console *c, int64_t now)
{
	uint64_t need = RESUME_BYTES;
	int64_t ms;

	if (!c->connected || !c->throttled || cd.cfg.rate == 0)
		return -1;
	if (need > cd.cfg.burst)
		need = cd.cfg.burst;
	if (c->tokens >= need)
		return 0;
	ms = (int64_t)((need - c->tokens) * 1000 / cd.cfg.rate) + 1;
	ms -= now - c->refill_ms;
	return ms < 0 ? 0 : (int)ms;
}

void console_attach(struct console *c, struct client *cl)
{
	struct client **pp;
	struct client *old = c->keyboard;

	for (pp = &c->clients; *pp; pp = &(*pp)->cons_next)
		;
	*pp = cl;
	cl->cons_next = NULL;
	cl->cons = c;
	/* The last client to attach types; the one before only watches. */
	if (!cl->read_only) {
		c->keyboard = cl;
		if (old)
			client_keyboard(old, false);
	}
}

void console_detach(struct console *c, struct client *cl)
{
	struct client **pp, *p;

	for (pp = &c->clients; *pp; pp = &(*pp)->cons_next) {
		if (*pp == cl) {
			*pp = cl->cons_next;
			break;
		}
	}
	cl->cons_next = NULL;
	cl->cons = NULL;
	if (c->keyboard != cl)
		return;
	/* Back to the most recent client that may type. */
	c->keyboard = NULL;
	for (p = c->clients; p; p = p->cons_next)
		if (!p->read_only)
			c->keyboard = p;
	if (c->keyboard)
		client_keyboard(c->keyboard, true);
}

size_t console_input_room(const struct console *c)
{
	return sizeof(c->inq) - c->inq_len;
}

void console_input(struct console *c, const void *data, size_t len)
{
	int n;

	if (len > console_input_room(c))
		len = console_input_room(c);
	memcpy(c->inq + c->inq_len, data, len);
	c->inq_len += len;
	if (!c->connected)
		return;
	n = push_input(c);
	if (n < 0)
		console_break(c);
	else if (n > 0)
		hv_notify((evtchn_port_t)c->local_port);
}
