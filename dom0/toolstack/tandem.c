// SPDX-License-Identifier: MIT
/*
 * tandem: the command line for tandemd (see proto.h for the protocol).
 * It only talks: every decision is the daemon's.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libtandem/console.h>
#include <libtandem/error.h>

#include "proto.h"
#include "ts_error.h"

#define EXIT_USAGE	2

static const char *sock_path;

static void usage(FILE *f)
{
	fprintf(f,
"usage: tandem [--socket PATH] COMMAND [ARGUMENTS]\n"
"\n"
"  create PROFILE          build and start a VM from a profile: a name in\n"
"                          tandemd's profiles directory, or a path\n"
"  list                    the VMs: name, id, state, memory, vCPUs, CPU time\n"
"  info                    the host's memory: total and free (KiB)\n"
"  pause VM                stop running it (it keeps its memory)\n"
"  unpause VM              run it again\n"
"  shutdown [--wait] VM    ask the guest to power off\n"
"  reboot [--wait] VM      ask the guest to reboot\n"
"  destroy VM              stop it at once and free its memory\n"
"  console VM              attach this terminal to its console\n"
"                          (Ctrl-] leaves)\n"
"\n"
"VM is a VM's name or its domain id. --socket names tandemd's socket\n"
"(default " TS_SOCKET_DEFAULT "). Exit status: 0 done, 1 failed, 2 bad\n"
"usage.\n");
}

/* One request; prints the error and returns 1 on failure. */
static int call(unsigned int type, const char *const *args, unsigned int n,
		char **payload, size_t *len)
{
	unsigned int rtype;
	int fd, ret;

	fd = ts_connect(sock_path);
	if (fd < 0) {
		fprintf(stderr, "tandem: %s\n", ts_errmsg());
		return 1;
	}
	ret = ts_call(fd, type, args, n, -1, &rtype, payload, len);
	close(fd);
	if (ret < 0) {
		fprintf(stderr, "tandem: %s\n", ts_errmsg());
		return 1;
	}
	if (rtype == TS_REPLY_ERROR) {
		const char *e[2] = { NULL, NULL };
		int k = ts_split(*payload, *len, e, 2);

		fprintf(stderr, "tandem: %s\n", k == 2 ? e[1] :
			"tandemd reported an error it did not explain");
		free(*payload);
		*payload = NULL;
		return 1;
	}
	return 0;
}

/* Print the reply's strings, one per line. */
static int call_print(unsigned int type, const char *const *args,
		      unsigned int n)
{
	const char *out[TS_MAX_ARGS];
	char *payload;
	size_t len;
	int k, i;

	if (call(type, args, n, &payload, &len))
		return 1;
	k = ts_split(payload, len, out, TS_MAX_ARGS);
	for (i = 0; i < k; i++)
		printf("%s\n", out[i]);
	free(payload);
	return 0;
}

static int cmd_list(void)
{
	const char *recs[TS_MAX_ARGS];
	char *payload;
	size_t len;
	int n, i;

	if (call(TS_REQ_LIST, NULL, 0, &payload, &len))
		return 1;
	n = ts_split(payload, len, recs, TS_MAX_ARGS);
	printf("%-20s %5s %-14s %8s %5s %10s\n", "NAME", "ID", "STATE",
	       "MEM(MiB)", "VCPUS", "TIME(s)");
	for (i = 0; i < n; i++) {
		char *f[7], *rec = strdup(recs[i]), *s = rec, *save = NULL;
		int k = 0;

		if (!rec)
			break;
		for (s = strtok_r(s, "\t", &save); s && k < 7;
		     s = strtok_r(NULL, "\t", &save))
			f[k++] = s;
		if (k >= 6)
			printf("%-20s %5s %-14s %8llu %5s %10.1f\n", f[0], f[1],
			       f[2], strtoull(f[3], NULL, 10) >> 10, f[4],
			       (double)strtoull(f[5], NULL, 10) / 1e9);
		free(rec);
	}
	if (n == 0)
		printf("(no VMs: 'tandem create PROFILE' makes one)\n");
	free(payload);
	return 0;
}

static int cmd_info(void)
{
	const char *recs[TS_MAX_ARGS];
	char *payload;
	size_t len;
	int n, i;

	if (call(TS_REQ_INFO, NULL, 0, &payload, &len))
		return 1;
	n = ts_split(payload, len, recs, TS_MAX_ARGS);
	for (i = 0; i < n; i++)
		printf("%s\n", recs[i]);
	free(payload);
	return 0;
}

static int cmd_create(const char *arg)
{
	char abs[PATH_MAX];
	const char *args[1] = { arg };

	/* A path is the client's: make it absolute for the daemon. */
	if (strchr(arg, '/')) {
		if (!realpath(arg, abs)) {
			fprintf(stderr, "tandem: profile %s: %s\n", arg,
				strerror(errno));
			return 1;
		}
		args[0] = abs;
	}
	return call_print(TS_REQ_CREATE, args, 1);
}

/* Is the VM known to tandemd? Prints why not. */
static int check_vm(const char *vm)
{
	const char *recs[TS_MAX_ARGS];
	char *payload, *names = NULL;
	size_t len, nlen = 0;
	FILE *m;
	int n, i, found = 0;

	if (call(TS_REQ_LIST, NULL, 0, &payload, &len))
		return 1;
	n = ts_split(payload, len, recs, TS_MAX_ARGS);
	m = open_memstream(&names, &nlen);
	for (i = 0; i < n; i++) {
		size_t l = strcspn(recs[i], "\t");
		const char *id = recs[i] + l + (recs[i][l] ? 1 : 0);
		size_t il = strcspn(id, "\t");

		if ((strlen(vm) == l && !strncmp(recs[i], vm, l)) ||
		    (strlen(vm) == il && !strncmp(id, vm, il)))
			found = 1;
		if (m)
			fprintf(m, "%s%.*s", i ? ", " : "", (int)l, recs[i]);
	}
	if (m)
		fclose(m);
	if (!found)
		fprintf(stderr, "tandem: no VM '%s' (%s%s)\n", vm,
			n ? "known VMs: " : "there are none; 'tandem create "
			"PROFILE' makes one", n && names ? names : "");
	free(names);
	free(payload);
	return found ? 0 : 1;
}

static int cmd_console(const char *vm)
{
	int ret;

	if (check_vm(vm))
		return 1;
	ret = tdm_console_attach(vm, STDIN_FILENO, STDOUT_FILENO);
	if (ret < 0) {
		fprintf(stderr, "tandem: console of %s: %s\n", vm,
			tdm_errmsg());
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd, *args[2];
	bool wait = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sock_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if ((!strcmp(cmd, "shutdown") || !strcmp(cmd, "reboot")) &&
	    optind < argc && !strcmp(argv[optind], "--wait")) {
		wait = true;
		optind++;
	}
	if (!strcmp(cmd, "list") || !strcmp(cmd, "info")) {
		if (optind != argc)
			goto bad;
		return cmd[0] == 'l' ? cmd_list() : cmd_info();
	}
	if (optind + 1 != argc)
		goto bad;
	args[0] = argv[optind];
	args[1] = "wait";
	if (!strcmp(cmd, "create"))
		return cmd_create(args[0]);
	if (!strcmp(cmd, "console"))
		return cmd_console(args[0]);
	if (!strcmp(cmd, "pause"))
		return call_print(TS_REQ_PAUSE, args, 1);
	if (!strcmp(cmd, "unpause"))
		return call_print(TS_REQ_UNPAUSE, args, 1);
	if (!strcmp(cmd, "destroy"))
		return call_print(TS_REQ_DESTROY, args, 1);
	if (!strcmp(cmd, "shutdown"))
		return call_print(TS_REQ_SHUTDOWN, args, wait ? 2 : 1);
	if (!strcmp(cmd, "reboot"))
		return call_print(TS_REQ_REBOOT, args, wait ? 2 : 1);
	fprintf(stderr, "tandem: unknown command '%s' (commands: create, "
		"list, info, pause, unpause, shutdown, reboot, destroy, console; "
		"'tandem help' explains them)\n", cmd);
	return EXIT_USAGE;
bad:
	fprintf(stderr, "tandem: wrong arguments for '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
