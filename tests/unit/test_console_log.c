// SPDX-License-Identifier: MIT
/*
 * Host unit test of the console daemon's per-VM logs
 * (dom0/backends/console/conslog.c): appending, rotation to NAME.log.1
 * at the size bound (each file stays within it, the newest output is
 * kept in order), reopening, sharing by name, a rotation that cannot
 * rename, and file names made from hostile VM names.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libtandem/error.h>

#include "conslog.h"

#include "check.h"

static char dir[64], sub[128];

static long file_size(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", sub, name);
	return stat(path, &st) < 0 ? -1 : (long)st.st_size;
}

static size_t slurp(const char *name, char *buf, size_t max)
{
	char path[256];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sub, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

static void rotation(void)
{
	static char all[8 << 20], got[16384];
	unsigned int f0 = check_failures(), i;
	size_t total = 0, n1, n0, len, j;
	struct cons_log *l;
	bool ok = true;

	l = cons_log_open(sub, "vm.log", 4096);
	CHECK(l != NULL, "open vm.log in a new directory: %s", tdm_errmsg());
	if (!l)
		return;
	memset(all, 'a', 3000);
	CHECK_EQ(cons_log_write(l, all, 3000), 0, "write 3000 bytes");
	CHECK_EQ(file_size("vm.log"), 3000, "vm.log has them");
	memset(all + 3000, 'b', 2000);
	CHECK_EQ(cons_log_write(l, all + 3000, 2000), 0, "2000 more");
	CHECK_EQ(file_size("vm.log.1"), 3000, "rotated: vm.log.1 has the "
		 "first 3000");
	CHECK_EQ(file_size("vm.log"), 2000, "vm.log the new 2000");
	memset(all + 5000, 'c', 3000);
	cons_log_write(l, all + 5000, 3000);
	CHECK_EQ(file_size("vm.log.1"), 2000, "rotated again: .1 has the b's");
	CHECK_EQ(file_size("vm.log"), 3000, "vm.log the c's");
	total = 8000;

	/* Many writes of random sizes, one larger than the bound. */
	srand(7);
	for (i = 0; i < 2000 && ok; i++) {
		len = i == 1000 ? 10000 : (size_t)(rand() % 3000) + 1;
		for (j = 0; j < len; j++)
			all[total + j] = (char)('0' + (total + j) % 75);
		ok = cons_log_write(l, all + total, len) == 0;
		total += len;
		ok = ok && file_size("vm.log") <= 4096 &&
		     file_size("vm.log.1") <= 4096;
	}
	CHECK(ok, "2000 writes: each file stays within 4096 bytes");
	n1 = slurp("vm.log.1", got, sizeof(got));
	n0 = slurp("vm.log", got + n1, sizeof(got) - n1);
	CHECK(n0 > 0 && !memcmp(got, all + total - n0 - n1, n0 + n1),
	      "vm.log.1 then vm.log are the newest %zu bytes, in order",
	      n0 + n1);
	cons_log_put(l);

	l = cons_log_open(sub, "vm.log", 4096);
	CHECK(l != NULL, "reopen");
	memset(all, 'z', 4096);
	cons_log_write(l, all, 4096 - (size_t)file_size("vm.log"));
	CHECK_EQ(file_size("vm.log"), 4096, "appends up to the bound exactly");
	cons_log_write(l, "!", 1);
	CHECK_EQ(file_size("vm.log"), 1, "one more byte rotates");
	cons_log_put(l);
	check_section(f0, "rotation");
}

static void sharing_and_failures(void)
{
	unsigned int f0 = check_failures();
	struct cons_log *a, *b;
	char path[256], name[64];
	static char text[3000];

	a = cons_log_open(sub, "shared.log", 8192);
	b = cons_log_open(sub, "shared.log", 8192);
	CHECK(a && a == b, "two consoles of one name share the log");
	cons_log_put(a);
	CHECK_EQ(cons_log_write(b, "still\n", 6), 0, "one reference left");
	cons_log_put(b);

	CHECK(cons_log_open(sub, "tiny.log", 100) == NULL && errno == EINVAL,
	      "a bound under %d bytes: EINVAL", CONS_LOG_MIN_SIZE);
	snprintf(path, sizeof(path), "%s/afile", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	snprintf(path, sizeof(path), "%s/afile/logs", dir);
	CHECK(cons_log_open(path, "x.log", 8192) == NULL, "a directory that "
	      "cannot exist: NULL");
	CHECK(strstr(tdm_errmsg(), "afile/logs") != NULL, "message names it: "
	      "%s", tdm_errmsg());

	/* NAME.log.1 is a directory: rename fails, the bound still holds. */
	snprintf(path, sizeof(path), "%s/stuck.log.1", sub);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/stuck.log.1/x", sub);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	a = cons_log_open(sub, "stuck.log", 4096);
	memset(text, 's', sizeof(text));
	cons_log_write(a, text, sizeof(text));
	CHECK_EQ(cons_log_write(a, text, sizeof(text)), 0, "a write needing "
		 "a rotation that cannot rename still succeeds");
	CHECK_EQ(file_size("stuck.log"), 3000, "the file was truncated "
		 "instead: 3000 bytes");
	cons_log_put(a);

	cons_log_name(name, sizeof(name), "work");
	CHECK(!strcmp(name, "work"), "work -> %s", name);
	cons_log_name(name, sizeof(name), "../../etc/passwd");
	CHECK(!strchr(name, '/') && name[0] != '.', "../../etc/passwd -> %s",
	      name);
	cons_log_name(name, sizeof(name), ".hidden");
	CHECK(name[0] == '_', ".hidden -> %s", name);
	cons_log_name(name, sizeof(name), "");
	CHECK(!strcmp(name, "unnamed"), "'' -> %s", name);
	cons_log_name(name, sizeof(name), "a b\tc\n");
	CHECK(!strcmp(name, "a_b_c_"), "spaces and controls -> %s", name);
	cons_log_name(name, 5, "longname");
	CHECK(!strcmp(name, "long"), "truncated to the buffer -> %s", name);
	check_section(f0, "sharing, failures and names");
}

int main(void)
{
	char cmd[128];
	int ret;

	snprintf(dir, sizeof(dir), "/tmp/test_console_log.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sub, sizeof(sub), "%s/var/log/console", dir);
	rotation();
	sharing_and_failures();
	ret = check_summary();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return ret;
}
