// SPDX-License-Identifier: MIT
/*
 * tandem-console: attach to a VM's console (what `tandem console NAME`
 * does, as a program of its own for tests and for use without the
 * toolstack).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libtandem/console.h>
#include <libtandem/error.h>
#include <libtandem/xs_proto.h>

static void usage(FILE *f)
{
	fprintf(f,
"Usage: tandem-console [OPTION]... VM\n"
"Attach to the console of VM (a name or a domid): its recent output, then\n"
"live output; what you type goes to the VM. Ctrl-] detaches.\n"
"\n"
"  -c, --console N     console device N instead of the primary console\n"
"  -r, --read-only     watch only, never take the keyboard\n"
"  -n, --no-scrollback start with the live output\n"
"  -e, --escape KEY    escape key: ^X, one character, or 'none'\n"
"  -w, --linger MS     after the input ends, stay until the output has\n"
"                      been quiet MS ms (default 1000; -1: stay)\n"
"  -q, --quiet         only the VM's output, no notices\n"
"  -s, --socket PATH   the daemon's socket (default "
	TDM_CONSOLE_SOCKET_DEFAULT ")\n"
"  -h, --help          this text\n");
}

static int parse_escape(const char *s)
{
	if (!strcmp(s, "none"))
		return -1;
	if (s[0] == '^' && s[1] && !s[2] && s[1] >= '@' && s[1] <= '_')
		return s[1] - '@';
	if (s[0] == '^' && s[1] >= 'a' && s[1] <= 'z' && !s[2])
		return s[1] - 'a' + 1;
	if (s[0] && !s[1])
		return (unsigned char)s[0];
	return -2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "console", required_argument, NULL, 'c' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "no-scrollback", no_argument, NULL, 'n' },
		{ "escape", required_argument, NULL, 'e' },
		{ "linger", required_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tdm_console_opts o = { 0 };
	unsigned long long v;
	char *end;
	long l;
	int c, r;

	while ((c = getopt_long(argc, argv, "c:rne:w:qs:h", longopts, NULL))
	       != -1) {
		switch (c) {
		case 'c':
			if (tdm_xs_parse_uint(optarg, 0xffff, &v) < 0) {
				fprintf(stderr, "tandem-console: bad console "
					"number '%s'\n", optarg);
				return 2;
			}
			o.console = (unsigned int)v;
			break;
		case 'r':
			o.read_only = true;
			break;
		case 'n':
			o.no_scrollback = true;
			break;
		case 'e':
			o.escape = parse_escape(optarg);
			if (o.escape == -2) {
				fprintf(stderr, "tandem-console: bad escape "
					"key '%s' (^X, a character or "
					"none)\n", optarg);
				return 2;
			}
			break;
		case 'w':
			errno = 0;
			l = strtol(optarg, &end, 10);
			if (errno || *end || !*optarg || l < -1 ||
			    l > 3600000) {
				fprintf(stderr, "tandem-console: bad linger "
					"'%s'\n", optarg);
				return 2;
			}
			/* 0 asks for the default in the API: use 1 ms. */
			o.linger_ms = l == 0 ? 1 : (int)l;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	r = tdm_console_attach_opts(argv[optind], STDIN_FILENO,
				    STDOUT_FILENO, &o);
	if (r < 0) {
		fprintf(stderr, "tandem-console: %s\n", tdm_errmsg());
		return 1;
	}
	return 0;
}
