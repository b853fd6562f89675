// SPDX-License-Identifier: MIT
/*
 * tandem-consoled: serves every guest's console (see README.md).
 *
 * One thread, one poll() loop over: the store connection (watch events),
 * the event channel device (guests' console ports), the attach socket and
 * its clients. Each loop visits every console that fired at most once,
 * reading at most one ring's worth within its rate, so a guest flooding
 * its console cannot starve the others.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libtandem/error.h>
#include <libtandem/server.h>
#include <libtandem/xs_proto.h>

#include "consoled.h"

struct daemon cd = { .listen_fd = -1 };

static volatile sig_atomic_t stop;

void cd_log(int level, const char *fmt, ...)
{
	static const char *const name[] = {
		"emerg", "alert", "crit", "error", "warning", "notice",
		"info", "debug",
	};
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > cd.log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(cd.log, "%s tandem-consoled %s: ", stamp, name[level & 7]);
	va_start(ap, fmt);
	vfprintf(cd.log, fmt, ap);
	va_end(ap);
	fputc('\n', cd.log);
	fflush(cd.log);
}

int64_t cd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void each_console(void (*fn)(struct console *, int64_t), int64_t now)
{
	struct domain *d;
	struct console *c, *next;

	for (d = cd.domains; d; d = d->next) {
		for (c = d->consoles; c; c = next) {
			next = c->next;
			fn(c, now);
		}
	}
}

static void kick_all(struct console *c, int64_t now)
{
	(void)now;
	if (c->connected)
		c->kicked = true;
}

static void serve(struct console *c, int64_t now)
{
	if (c->kicked || c->throttled)
		console_service(c, now);
}

static void handle_ports(void)
{
	evtchn_port_t ports[64];
	bool all = false, domains = false;
	struct console *c;
	int n, i;

	do {
		n = hv_pending(ports, 64, &all, &domains);
		for (i = 0; i < n; i++) {
			c = console_by_port(ports[i]);
			if (c)
				c->kicked = true;
		}
	} while (n == 64);
	if (all)
		each_console(kick_all, 0);
	if (domains)
		cd.rescan = true;
}

/* Watch events; false if the store connection is gone. */
static bool handle_store(void)
{
	struct tdm_xs_event *ev;
	int r;

	while ((r = tdm_xs_read_watch(cd.xs, &ev)) == 1) {
		domains_watch_event(ev->path, ev->token);
		free(ev);
	}
	if (r == -ENOBUFS) {
		/* Lost events: look at everything again. */
		cd.rescan = true;
		domains_watch_event("/local/domain/0/backend/console", "b");
		return true;
	}
	if (r < 0) {
		cd_log(LOG_ERR, "%s", tdm_errmsg());
		return false;
	}
	return true;
}

static int next_timeout(int64_t now)
{
	struct domain *d;
	struct console *c;
	int t = -1, ct, i;
	int64_t left;

	for (d = cd.domains; d; d = d->next) {
		for (c = d->consoles; c; c = c->next) {
			ct = console_timeout(c, now);
			if (ct >= 0 && (t < 0 || ct < t))
				t = ct;
		}
	}
	for (i = 0; i < cd.nclients; i++) {
		if (cd.clients[i]->state == CL_ATTACHED)
			continue;
		left = cd.clients[i]->deadline_ms - now;
		ct = left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
		if (t < 0 || ct < t)
			t = ct;
	}
	return t;
}

static int run(void)
{
	struct pollfd pfd[3 + CD_MAX_CLIENTS];
	int n, i, npoll;
	int64_t now;
	short rev;

	while (!stop) {
		pfd[0].fd = cd.listen_fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = tdm_xs_fd(cd.xs);
		pfd[1].events = POLLIN;
		pfd[2].fd = hv_fd();
		pfd[2].events = POLLIN;
		n = 3;
		npoll = cd.nclients;
		for (i = 0; i < npoll; i++) {
			struct client *cl = cd.clients[i];

			pfd[n].fd = cl->fd;
			pfd[n].events = client_wants_input(cl) ? POLLIN : 0;
			if (cl->out.len)
				pfd[n].events |= POLLOUT;
			n++;
		}
		if (poll(pfd, (nfds_t)n, cd.rescan ? 0 :
			 next_timeout(cd_now_ms())) < 0) {
			if (errno == EINTR)
				continue;
			cd_log(LOG_ERR, "poll: %s", strerror(errno));
			return 1;
		}
		if (pfd[2].revents & POLLIN)
			handle_ports();
		if ((pfd[1].revents & POLLIN) && !handle_store())
			return 1;
		if (cd.rescan) {
			cd.rescan = false;
			domains_rescan();
		}
		now = cd_now_ms();
		each_console(serve, now);
		/* Last first: dropping one moves the last into its slot. */
		for (i = cd.nclients - 1; i >= 0; i--) {
			rev = i < npoll ? pfd[3 + i].revents : 0;
			client_io(cd.clients[i], rev);
		}
		if (pfd[0].revents & POLLIN)
			clients_accept();
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse_size(const char *s, unsigned long long max, size_t *out)
{
	unsigned long long v;
	char buf[32], unit = 0;
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if (buf[n - 1] == 'K' || buf[n - 1] == 'M') {
		unit = buf[n - 1];
		buf[n - 1] = '\0';
	}
	if (tdm_xs_parse_uint(buf, max, &v) < 0)
		return -1;
	v *= unit == 'K' ? 1024 : unit == 'M' ? 1024 * 1024 : 1;
	if (v > max)
		return -1;
	*out = (size_t)v;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: tandem-consoled [OPTION]...\n"
"Serves every guest's console: a log per VM, a scrollback, and attaching\n"
"with `tandem console NAME` (or tandem-console NAME).\n"
"\n"
"  -s, --socket PATH      attach socket (default "
	TDM_CONSOLE_SOCKET_DEFAULT ")\n"
"  -S, --store PATH       the store's socket (default "
	TDM_XS_SOCKET_DEFAULT ")\n"
"  -d, --log-dir DIR      per-VM logs NAME.log (default "
	CD_LOG_DIR_DEFAULT ")\n"
"      --log-size N       rotate a log to NAME.log.1 at N bytes (K, M;\n"
"                         default 1M)\n"
"      --scrollback N     bytes kept per console for attaching clients\n"
"                         (default 64K)\n"
"      --rate N           output bytes per second per console before it\n"
"                         is throttled (default 256K; 0: no limit)\n"
"      --burst N          output allowed at once above the rate (256K)\n"
"      --map HOW          primary consoles by grant (reference 0), foreign\n"
"                         (the frame in ring-ref) or auto (default)\n"
#ifdef CONSOLED_FAKE_HV
"      --fake-hv DIR      the fake hypervisor in DIR (tests)\n"
#endif
"  -p, --pidfile FILE     write our pid to FILE once serving\n"
"  -l, --log FILE         our own log (default: standard error)\n"
"  -v, --verbose          log more (twice: debug)\n"
"  -h, --help             this text\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "store", required_argument, NULL, 'S' },
		{ "log-dir", required_argument, NULL, 'd' },
		{ "log-size", required_argument, NULL, 'L' },
		{ "scrollback", required_argument, NULL, 'B' },
		{ "rate", required_argument, NULL, 'R' },
		{ "burst", required_argument, NULL, 'U' },
		{ "map", required_argument, NULL, 'm' },
		{ "fake-hv", required_argument, NULL, 'F' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cd_config *cfg = &cd.cfg;
	const char *pidfile = NULL;
	struct sigaction sa;
	size_t v;
	FILE *f;
	int c, ret;

	cd.log = stderr;
	cd.log_level = LOG_NOTICE;
	cfg->socket_path = TDM_CONSOLE_SOCKET_DEFAULT;
	cfg->log_dir = CD_LOG_DIR_DEFAULT;
	cfg->log_size = CD_LOG_SIZE_DEFAULT;
	cfg->scrollback = CD_SCROLLBACK_DEFAULT;
	cfg->rate = CD_RATE_DEFAULT;
	cfg->burst = CD_BURST_DEFAULT;
	cfg->map = CD_MAP_AUTO;
	while ((c = getopt_long(argc, argv, "s:S:d:p:l:vh", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 's':
			cfg->socket_path = optarg;
			break;
		case 'S':
			cfg->store_path = optarg;
			break;
		case 'd':
			cfg->log_dir = optarg;
			break;
		case 'L':
			if (parse_size(optarg, 1ull << 40, &cfg->log_size) ||
			    cfg->log_size < CONS_LOG_MIN_SIZE) {
				fprintf(stderr, "tandem-consoled: --log-size "
					"wants a size of at least %d bytes\n",
					CONS_LOG_MIN_SIZE);
				return 2;
			}
			break;
		case 'B':
			if (parse_size(optarg, 64ull << 20, &cfg->scrollback)) {
				fprintf(stderr, "tandem-consoled: --scrollback "
					"wants a size up to 64M\n");
				return 2;
			}
			break;
		case 'R':
		case 'U':
			if (parse_size(optarg, UINT_MAX, &v) ||
			    (c == 'U' && v < XENCONS_OUT_SIZE)) {
				fprintf(stderr, "tandem-consoled: bad --%s "
					"'%s' (a burst is at least %d bytes)\n",
					c == 'R' ? "rate" : "burst", optarg,
					XENCONS_OUT_SIZE);
				return 2;
			}
			if (c == 'R')
				cfg->rate = (unsigned int)v;
			else
				cfg->burst = (unsigned int)v;
			break;
		case 'm':
			if (!strcmp(optarg, "grant")) {
				cfg->map = CD_MAP_GRANT;
			} else if (!strcmp(optarg, "foreign")) {
				cfg->map = CD_MAP_FOREIGN;
			} else if (!strcmp(optarg, "auto")) {
				cfg->map = CD_MAP_AUTO;
			} else {
				fprintf(stderr, "tandem-consoled: --map grant, "
					"foreign or auto\n");
				return 2;
			}
			break;
		case 'F':
#ifdef CONSOLED_FAKE_HV
			cfg->hv_arg = optarg;
			break;
#else
			fprintf(stderr, "tandem-consoled: --fake-hv is only "
				"in the test build (tandem-consoled-fake)\n");
			return 2;
#endif
		case 'p':
			pidfile = optarg;
			break;
		case 'l':
			f = fopen(optarg, "a");
			if (!f) {
				fprintf(stderr, "tandem-consoled: open %s: "
					"%s\n", optarg, strerror(errno));
				return 1;
			}
			cd.log = f;
			break;
		case 'v':
			cd.log_level = cd.log_level == LOG_NOTICE ? LOG_INFO :
				       LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	ret = 1;
	if (hv_open(cfg->hv_arg) < 0) {
		cd_log(LOG_ERR, "%s", tdm_errmsg());
		return 1;
	}
	if (domains_start() < 0) {
		cd_log(LOG_ERR, "%s", tdm_errmsg());
		goto out_hv;
	}
	if (clients_listen(cfg->socket_path) < 0) {
		cd_log(LOG_ERR, "%s", tdm_errmsg());
		goto out_domains;
	}
	if (pidfile && tdm_write_pidfile(pidfile) < 0) {
		cd_log(LOG_ERR, "%s", tdm_errmsg());
		goto out_clients;
	}
	cd_log(LOG_NOTICE, "serving consoles (%s) on %s, logs in %s",
	       hv_name(), cfg->socket_path, cfg->log_dir);
	ret = run();
	if (pidfile)
		unlink(pidfile);
out_clients:
	domains_stop();
	/* Tell the clients why before closing them. */
	for (c = cd.nclients - 1; c >= 0; c--)
		client_io(cd.clients[c], 0);
	clients_close_all();
	unlink(cfg->socket_path);
	cd_log(LOG_NOTICE, "stopped");
	hv_close();
	return ret;
out_domains:
	domains_stop();
out_hv:
	hv_close();
	return ret;
}
