/* SPDX-License-Identifier: MIT */
/*
 * tandem-check: the test programs of Tandem's Linux guest images, one
 * static binary with a subcommand per check (see README.md).
 *
 * Output convention: diagnostics are plain lines on stdout; a failure
 * ends with one line "fail: <reason>" and exit status 1 (fail()).
 */
#ifndef TANDEM_CHECK_H
#define TANDEM_CHECK_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Print "fail: <reason>" and exit with status 1. */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2),
					       noreturn));
/* Print a line and flush (the console is shared with the kernel). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Seconds on CLOCK_MONOTONIC. */
double mono_now(void);
/* Parse a non-negative number argument or fail with its name. */
unsigned long arg_ulong(int argc, char **argv, int i, const char *name,
			unsigned long dflt);
/*
 * Run fn(ctx) in a child that SIGALRM ends after 10 s, and wait for it.
 * fn may _exit() with a status of its own; if it returns, the child sends
 * the len bytes at out (in its copy of memory) to the parent and exits 0.
 * Returns the child's wait status; out holds what the child sent, or
 * zeroes.
 */
int run_in_child(void (*fn)(void *ctx), void *ctx, void *out, size_t len);

int cmd_now(int argc, char **argv);
int cmd_threads(int argc, char **argv);
int cmd_kread(int argc, char **argv);
int cmd_signals(int argc, char **argv);
int cmd_memtouch(int argc, char **argv);
int cmd_memhog(int argc, char **argv);
int cmd_cpuhog(int argc, char **argv);
int cmd_forkbomb(int argc, char **argv);
int cmd_hostile(int argc, char **argv);
int cmd_xsread(int argc, char **argv);

#endif /* TANDEM_CHECK_H */
