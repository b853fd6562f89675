/* SPDX-License-Identifier: MIT */
/*
 * tandem-consoled: the console backend daemon.
 *
 * One thread and one poll() loop (main.c) over the store connection, the
 * hypervisor's event channel device (hv.h) and the attach socket with
 * its clients. The pieces:
 *
 *	domain.c	the store: which domains exist, their primary console
 *			keys, the xenbus console devices and their states
 *	console.c	one console: its page and port, output to the log,
 *			scrollback and clients, input from the keyboard
 *			holder, rate limiting, disconnecting a bad guest
 *	client.c	the attach socket and its protocol
 *			(libtandem/console.h)
 *	cring.c, buf.c, conslog.c	rings, buffers, logs (no daemon state)
 */
#ifndef TANDEM_CONSOLED_H
#define TANDEM_CONSOLED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <syslog.h>

#include <libtandem/console.h>
#include <libtandem/xs.h>

#include "buf.h"
#include "conslog.h"
#include "cring.h"
#include "hv.h"

#define CD_LOG_DIR_DEFAULT	"/var/log/tandem/console"
#define CD_LOG_SIZE_DEFAULT	(1024 * 1024)
#define CD_SCROLLBACK_DEFAULT	(64 * 1024)
#define CD_RATE_DEFAULT		(256 * 1024)	/* bytes/s per console */
#define CD_BURST_DEFAULT	(256 * 1024)

#define CD_INQ_SIZE		4096	/* keystrokes queued beyond the ring */
#define CD_MAX_CLIENTS		128
#define CD_CLIENT_BACKLOG	(1024 * 1024)	/* + scrollback: then dropped */
#define CD_HELLO_MS		10000	/* to send ATTACH */
#define CD_FLUSH_MS		2000	/* to take our last frames */

struct cd_config {
	const char *socket_path;
	const char *store_path;		/* NULL: libtandem's default */
	const char *log_dir;
	size_t log_size;
	size_t scrollback;
	unsigned int rate;
	unsigned int burst;
	enum { CD_MAP_AUTO, CD_MAP_GRANT, CD_MAP_FOREIGN } map;
	const char *hv_arg;
};

struct console;

struct domain {
	unsigned int domid;
	char name[TDM_CONS_MAX_NAME + 1];	/* as the store says */
	char file[TDM_CONS_MAX_NAME + 1];	/* its log file base name */
	bool named;				/* name came from the store */
	bool seen;				/* in the last rescan */
	struct console *consoles;		/* primary first */
	struct domain *next;
};

struct client;

struct console {
	struct domain *dom;
	unsigned int devid;	/* 0: primary (start_info); N: device N */
	/* /local/domain/D/console, or /local/domain/D/device/console/N */
	char fe_path[64];
	/* devices: /local/domain/0/backend/console/D/N */
	char be_path[64];
	char label[96];		/* "dom3 (work)" [" console 1"], for the log */
	bool watching;		/* our watch on fe_path is set */
	int be_state;		/* devices: the state we last wrote */
	bool closing;		/* devices: the toolstack asked us to close */
	bool complained;	/* devices: bad frontend data logged once */

	/* The page and its event channel. */
	void *page;
	enum hv_map map;
	uint64_t ring_ref;
	unsigned int remote_port;
	int local_port;		/* -1: not bound */
	struct cring ring;
	bool connected;
	bool broken;		/* the guest broke the ring: not served again */
	bool kicked;		/* its port fired and stays masked for now */
	bool throttled;		/* output is waiting for tokens */
	uint64_t tokens;	/* output bytes allowed right now */
	int64_t refill_ms;

	struct sbuf scroll;
	struct cons_log *log;
	bool log_failing;	/* reported; quiet until a write succeeds */

	char inq[CD_INQ_SIZE];	/* keystrokes not yet in the ring */
	size_t inq_len;

	struct client *clients;	/* in attach order */
	struct client *keyboard;

	struct console *next;
};

enum client_state { CL_HELLO, CL_ATTACHED, CL_CLOSING };

struct client {
	int fd;
	int pid;
	enum client_state state;
	struct console *cons;
	struct client *cons_next;
	bool read_only;
	bool overflow;		/* fell too far behind: to be dropped */
	unsigned char rbuf[sizeof(struct tdm_cons_hdr) + TDM_CONS_MAX_PAYLOAD];
	size_t rlen;
	struct bq out;
	int64_t deadline_ms;	/* to attach by (hello), to be gone by */
	char label[48];
};

struct daemon {
	struct cd_config cfg;
	struct tdm_xs *xs;
	struct domain *domains;
	int listen_fd;
	struct client *clients[CD_MAX_CLIENTS];
	int nclients;
	bool rescan;		/* domains may have come or gone */
	int log_level;
	FILE *log;
};

extern struct daemon cd;

/* main.c */
void cd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int64_t cd_now_ms(void);

/* console.c */
struct console *console_new(struct domain *dom, unsigned int devid);
/* Its label again, after the domain's name changed. */
void console_set_label(struct console *c);
/* Free it; attached clients are told why (a line of text). */
void console_free(struct console *c, const char *why);
/*
 * Map the page and bind the port: for a device by its grant ring_ref;
 * for the primary console by grant 0 or the frame ring_ref (config).
 */
int console_connect(struct console *c, uint64_t ring_ref,
		    unsigned int port);
void console_disconnect(struct console *c);
/* The guest broke its ring: one log line, clients told, never again. */
void console_break(struct console *c);
/* Move bytes both ways, within the rate limit. */
void console_service(struct console *c, int64_t now);
/* Read whatever output is left, regardless of the rate (the end). */
void console_drain(struct console *c);
/* Milliseconds until it needs service again, or -1. */
int console_timeout(const struct console *c, int64_t now);
void console_attach(struct console *c, struct client *cl);
void console_detach(struct console *c, struct client *cl);
/* Queue keystrokes: how many bytes fit now. */
size_t console_input_room(const struct console *c);
void console_input(struct console *c, const void *data, size_t len);

/* domain.c */
int domains_start(void);
/* A device whose guest broke its ring: the backend closes it for good. */
void device_broken(struct console *c);
void domains_watch_event(const char *path, const char *token);
void domains_rescan(void);
void domains_stop(void);
struct console *console_by_port(evtchn_port_t port);
/*
 * The console a client asked for: vm is a name or a domid. NULL with
 * *err (positive errno) and msg set if there is none.
 */
struct console *domains_find(const char *vm, unsigned int devid, int *err,
			     char *msg, size_t msg_size);

/* client.c */
int clients_listen(const char *path);
void clients_accept(void);
/* Returns false once the client is gone (freed). */
bool client_io(struct client *cl, short revents);
void client_process(struct client *cl);
void client_drop(struct client *cl, const char *why);
bool client_wants_input(const struct client *cl);
/* Frames to an attached client (dropped if it cannot keep up). */
void client_output(struct client *cl, const void *data, size_t len);
void client_keyboard(struct client *cl, bool has);
void client_gone(struct client *cl, const char *why);
void clients_close_all(void);

#endif
