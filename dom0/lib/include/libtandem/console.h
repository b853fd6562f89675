/* SPDX-License-Identifier: MIT */
/*
 * libtandem: attaching to a VM's console.
 *
 * tandem-consoled (dom0/backends/console) serves every guest console: it
 * keeps a per-VM log and a scrollback, and lets clients attach over its
 * Unix socket. A client sees the scrollback, then the live output, and
 * types into the guest; it can detach and attach again without losing
 * anything.
 *
 *	int r = tdm_console_attach("work", STDIN_FILENO, STDOUT_FILENO);
 *	if (r < 0)
 *		fprintf(stderr, "tandem console: %s\n", tdm_errmsg());
 *
 * Several clients may watch one console. The keyboard belongs to the
 * client that attached last (unless it attached read-only); when it
 * detaches, the keyboard goes back to the most recent client still
 * attached. Keystrokes of the others are dropped; each client is told
 * when it gains or loses the keyboard.
 *
 * Errors: negative errno, errno and tdm_errmsg() set (see error.h).
 */
#ifndef LIBTANDEM_CONSOLE_H
#define LIBTANDEM_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

/* Where the daemon listens; the variable overrides it. */
#define TDM_CONSOLE_SOCKET_DEFAULT	"/run/tandem/console.sock"
#define TDM_CONSOLE_SOCKET_ENV		"TANDEM_CONSOLE_SOCKET"
/* Ctrl-], as in `xl console` and telnet. */
#define TDM_CONSOLE_ESCAPE_DEFAULT	0x1d

/* How a session ended (tdm_console_opts.ended). */
enum tdm_console_end {
	TDM_CONSOLE_ESCAPED = 1,	/* the user typed the escape key */
	TDM_CONSOLE_INPUT_DONE,		/* in_fd ended and output went quiet */
	TDM_CONSOLE_GONE,		/* the domain or console went away */
	TDM_CONSOLE_INTERRUPTED,	/* a signal (SIGTERM, SIGHUP, ...) */
	TDM_CONSOLE_FAILED,		/* an error: see the return value */
};

struct tdm_console_opts {
	/* The daemon's socket (NULL: $TANDEM_CONSOLE_SOCKET or default). */
	const char *socket;
	/* 0: the VM's primary console (hvc0); N: its console device N. */
	unsigned int console;
	/* The escape byte: 0 for Ctrl-], -1 for none. */
	int escape;
	/* Watch only: never take the keyboard. */
	bool read_only;
	/* Start with the live output, without the scrollback. */
	bool no_scrollback;
	/* No hint line, no notices (only the guest's bytes on out_fd). */
	bool quiet;
	/*
	 * When in_fd ends (a script's input ran out): detach once the
	 * output has been quiet this long. 0: one second; < 0: never (stay
	 * until the escape key, a signal or the end of the domain).
	 */
	int linger_ms;
	/* Out: how the session ended. */
	enum tdm_console_end ended;
};

/*
 * Attach to VM's primary console: vm is a domain name or a domid (the
 * store's /local/domain/N/name). Copies the console's output to out_fd
 * and in_fd's bytes to the guest until the escape key (Ctrl-]), the end
 * of in_fd (see linger_ms) or the end of the domain. If in_fd is a
 * terminal it is put in raw mode and restored on every way out, signals
 * included; a one-line hint names the escape key.
 *
 * Returns 0 when the session ended normally (escape, end of input, the
 * domain went away: then a notice line says so), or a negative errno:
 * -ENOENT for an unknown VM (the message lists the known ones), -EINTR
 * after SIGINT/SIGTERM/SIGHUP/SIGQUIT, -ECONNREFUSED or -ENOENT when the
 * daemon is not running, ...
 */
int tdm_console_attach(const char *vm, int in_fd, int out_fd);
/* The same with options (opts may be NULL: all defaults). */
int tdm_console_attach_opts(const char *vm, int in_fd, int out_fd,
			    struct tdm_console_opts *opts);

/*
 * The wire protocol of the console socket, for programs that run their
 * own event loop (tdm_console_connect() below does the handshake).
 *
 * Both directions carry frames: a struct tdm_cons_hdr (host byte order:
 * the socket is local), then len bytes of payload, len <=
 * TDM_CONS_MAX_PAYLOAD. The client opens with ATTACH; the daemon answers
 * WELCOME or ERROR (and then closes). After WELCOME the daemon sends
 * OUTPUT frames of the scrollback, one LIVE frame, then OUTPUT frames as
 * the guest writes, KEYBOARD frames when the keyboard changes hands, and
 * at the end GONE (a line of text saying why) before it closes. The
 * client sends INPUT frames; it detaches by closing the socket. Anything
 * else from a client (bad magic or version, an unknown frame type, a
 * frame too long, a reserved byte not 0, no ATTACH within 10 seconds) is
 * answered with ERROR and the connection is closed.
 */
#define TDM_CONS_MAGIC		0x4e4f4354u	/* "TCON" */
#define TDM_CONS_VERSION	1
#define TDM_CONS_MAX_PAYLOAD	4096
#define TDM_CONS_MAX_NAME	64		/* VM names, in bytes */

struct tdm_cons_hdr {
	uint8_t type;		/* enum tdm_cons_type */
	uint8_t reserved;	/* 0 */
	uint16_t len;		/* payload bytes */
};

enum tdm_cons_type {
	/* client -> daemon */
	TDM_CONS_ATTACH = 1,	/* struct tdm_cons_attach + VM name */
	TDM_CONS_INPUT = 2,	/* bytes for the guest */
	/* daemon -> client */
	TDM_CONS_WELCOME = 16,	/* struct tdm_cons_welcome + VM name */
	TDM_CONS_ERROR = 17,	/* struct tdm_cons_error + message */
	TDM_CONS_OUTPUT = 18,	/* bytes from the guest */
	TDM_CONS_LIVE = 19,	/* empty: the scrollback is done */
	TDM_CONS_KEYBOARD = 20,	/* uint32_t: TDM_CONS_HAS_KEYBOARD or 0 */
	TDM_CONS_GONE = 21,	/* why the console went away (text) */
};

/* tdm_cons_attach.flags */
#define TDM_CONS_READ_ONLY	(1u << 0)
#define TDM_CONS_NO_SCROLLBACK	(1u << 1)

struct tdm_cons_attach {
	uint32_t magic;		/* TDM_CONS_MAGIC */
	uint16_t version;	/* TDM_CONS_VERSION */
	uint16_t console;	/* 0: primary; N: console device N */
	uint32_t flags;		/* TDM_CONS_READ_ONLY, ... */
	/* then the VM's name or domid, 1..TDM_CONS_MAX_NAME bytes, no NUL */
};

/* tdm_cons_welcome.flags and the KEYBOARD frame */
#define TDM_CONS_HAS_KEYBOARD	(1u << 0)

struct tdm_cons_welcome {
	uint16_t version;
	uint16_t console;
	uint32_t domid;
	uint32_t flags;		/* TDM_CONS_HAS_KEYBOARD */
	/* then the VM's name */
};

struct tdm_cons_error {
	int32_t err;		/* a positive errno */
	/* then a message for the user */
};

_Static_assert(sizeof(struct tdm_cons_hdr) == 4, "tdm_cons_hdr");
_Static_assert(sizeof(struct tdm_cons_attach) == 12, "tdm_cons_attach");
_Static_assert(sizeof(struct tdm_cons_welcome) == 12, "tdm_cons_welcome");

/* What the daemon said in its WELCOME. */
struct tdm_console_info {
	unsigned int domid;
	unsigned int console;
	bool keyboard;
	char name[TDM_CONS_MAX_NAME + 1];
};

/*
 * Connect and attach (opts: socket, console, read_only, no_scrollback
 * are used): a blocking socket past the WELCOME, ready for frames, and
 * *info filled in; or -errno (the daemon's ERROR becomes the errno and
 * tdm_errmsg()).
 */
int tdm_console_connect(const char *vm, const struct tdm_console_opts *opts,
			struct tdm_console_info *info);

#endif /* LIBTANDEM_CONSOLE_H */
