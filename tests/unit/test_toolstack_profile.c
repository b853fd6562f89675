// SPDX-License-Identifier: MIT
/*
 * Host unit test of the VM profile parser (dom0/toolstack/profile.c):
 * good profiles and their defaults, and every kind of bad input with
 * the file:line and the allowed values in its message.
 *
 *	test_toolstack_profile [PROFILE]...	(the repository's profiles)
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile.h"
#include "ts_error.h"

#include "check.h"

static struct profile p;

static int parse(const char *text, uint64_t host_mib)
{
	return profile_parse("t/prof", text, strlen(text), host_mib, &p);
}

/* Parsing fails with -err and a message containing each of the parts. */
static void bad(const char *text, int err, const char *what, ...)
{
	const char *part;
	va_list ap;
	bool ok;
	int ret;

	ret = parse(text, 4096);
	ok = ret == -err;
	va_start(ap, what);
	while ((part = va_arg(ap, const char *)))
		if (!strstr(ts_errmsg(), part))
			ok = false;
	va_end(ap);
	CHECK(ok, "%s: %s", what, ts_errmsg());
}

#define BASE "name = vm1\nkernel = vmlinuz\nmemory = 256\n"

static void good(void)
{
	unsigned int f0 = check_failures();

	CHECK_EQ(parse("# a comment\n\n  name = work  \nkernel=vmlinuz-amd64\n"
		       "initrd = /srv/initrd.cpio\n"
		       "cmdline = console=hvc0 tandem.vm=work root=/dev/x\n"
		       "memory = 512M\nvcpus = 2\nautostart = yes\n"
		       "on_poweroff = restart\non_reboot = destroy\n"
		       "on_crash = preserve\ndevice = console\n", 0), 0,
		 "a full profile parses");
	CHECK(!strcmp(p.name, "work"), "name, blanks trimmed");
	CHECK(!strcmp(p.kernel, "vmlinuz-amd64") && p.kernel_line == 4,
	      "kernel and its line");
	CHECK(!strcmp(p.initrd, "/srv/initrd.cpio"), "initrd");
	CHECK(!strcmp(p.cmdline, "console=hvc0 tandem.vm=work root=/dev/x"),
	      "cmdline keeps its '=' and blanks");
	CHECK_EQ(p.memory_mib, 512, "memory 512M");
	CHECK_EQ(p.memory_line, 7, "memory's line");
	CHECK_EQ(p.vcpus, 2, "vcpus");
	CHECK(p.autostart, "autostart yes");
	CHECK(p.on_poweroff == ACTION_RESTART && p.on_reboot == ACTION_DESTROY
	      && p.on_crash == ACTION_PRESERVE, "actions");
	CHECK_EQ(p.devices, 1u << DEVICE_CONSOLE, "the console device");

	CHECK_EQ(parse(BASE, 0), 0, "a minimal profile parses");
	CHECK(p.vcpus == 1 && !p.autostart && p.on_poweroff == ACTION_DESTROY &&
	      p.on_reboot == ACTION_RESTART && p.on_crash == ACTION_DESTROY &&
	      !p.initrd[0] && !p.cmdline[0], "defaults: 1 vCPU, no autostart, "
	      "destroy/restart/destroy, no initrd or cmdline");
	CHECK_EQ(p.devices, 1u << DEVICE_CONSOLE,
		 "every VM has its console without asking");

	CHECK_EQ(parse("name = \"q\"\r\nkernel = \"k\"\r\nmemory = 1G\r\n"
		       "cmdline = \"a b\"\r\ndevices = console\r\n", 0), 0,
		 "CRLF lines and quoted values");
	CHECK(!strcmp(p.name, "q") && !strcmp(p.cmdline, "a b") &&
	      p.memory_mib == 1024, "quotes stripped, 1G = 1024 MiB");
	CHECK_EQ(parse("name=a\nkernel=k\nmemory=2 GiB\ncmdline=\n", 0), 0,
		 "'2 GiB', an empty cmdline");
	CHECK_EQ(p.memory_mib, 2048, "2 GiB");
	CHECK_EQ(parse("name=a\nkernel=k\nmemory=300MiB", 300), 0,
		 "no final newline; memory equal to the host's");
	CHECK_EQ(p.memory_mib, 300, "300MiB");
	CHECK_EQ(parse("name=a.b_c-1\nkernel=k\nmemory=32\nvcpus=32\n", 0), 0,
		 "limits: 32 MiB, 32 vCPUs, name characters");
	check_section(f0, "good profiles");
}

static void errors(void)
{
	unsigned int f0 = check_failures();
	char *big;

	bad(BASE "colour = red\n", EINVAL, "unknown key",
	    "t/prof:4:", "unknown key 'colour'", "valid keys: name, kernel",
	    NULL);
	bad(BASE "memory\n", EINVAL, "no '='", "t/prof:4:",
	    "expected 'key = value'", NULL);
	bad("name = a\nkernel =\nmemory = 64\n", EINVAL, "empty value",
	    "t/prof:2:", "'kernel' has no value", NULL);
	bad(BASE "memory = 128\n", EINVAL, "key twice", "t/prof:4:",
	    "'memory' is set again (first at line 3)", NULL);
	bad("name = a\nkernel = k\nmemory = lots\n", EINVAL, "memory text",
	    "t/prof:3:", "bad memory 'lots'", "suffix M or G", NULL);
	bad("name = a\nkernel = k\nmemory = 12T\n", EINVAL, "memory suffix",
	    "t/prof:3:", "bad memory '12T'", NULL);
	bad("name = a\nkernel = k\nmemory = -5\n", EINVAL, "negative memory",
	    "t/prof:3:", "bad memory", NULL);
	bad("name = a\nkernel = k\nmemory = 16\n", EINVAL, "memory too small",
	    "t/prof:3:", "16 MiB is too small", "32 MiB", NULL);
	bad("name = a\nkernel = k\nmemory = 5G\n", EINVAL, "memory > host",
	    "t/prof:3:", "more than this host has", "32 to 4096 MiB", NULL);
	bad("name = a\nkernel = k\nmemory = 99999999999999999999\n", EINVAL,
	    "memory overflowing", "t/prof:3:", "bad memory", NULL);
	bad("name = a\nkernel = k\nmemory = 9999999G\n", EINVAL,
	    "memory too large", "t/prof:3:", "too large", NULL);
	bad(BASE "vcpus = 0\n", EINVAL, "0 vCPUs", "t/prof:4:",
	    "bad vcpus '0' (allowed: 1 to 32)", NULL);
	bad(BASE "vcpus = 33\n", EINVAL, "33 vCPUs", "t/prof:4:",
	    "(allowed: 1 to 32)", NULL);
	bad(BASE "vcpus = 2x\n", EINVAL, "vcpus text", "t/prof:4:",
	    "bad vcpus '2x'", NULL);
	bad(BASE "autostart = true\n", EINVAL, "autostart", "t/prof:4:",
	    "(allowed: yes, no)", NULL);
	bad(BASE "on_crash = explode\n", EINVAL, "action", "t/prof:4:",
	    "bad on_crash 'explode' (allowed: destroy, restart, preserve)",
	    NULL);
	bad(BASE "device = disk\n", EINVAL, "device kind", "t/prof:4:",
	    "unknown device kind 'disk' (allowed today: console)", NULL);
	bad(BASE "devices = console, vfb\n", EINVAL, "device in a list",
	    "t/prof:4:", "unknown device kind 'vfb'", NULL);
	bad(BASE "device = console\ndevice = console\n", EINVAL,
	    "device twice", "t/prof:5:", "'console' is listed twice", NULL);
	bad("name = 123\nkernel = k\nmemory = 64\n", EINVAL, "numeric name",
	    "t/prof:1:", "bad name '123'", "not only digits", NULL);
	bad("name = a/b\nkernel = k\nmemory = 64\n", EINVAL, "name with '/'",
	    "t/prof:1:", "bad name 'a/b'", NULL);
	bad("name = -a\nkernel = k\nmemory = 64\n", EINVAL, "name with '-'",
	    "t/prof:1:", "starting with a letter or digit", NULL);
	bad("name = abcdefghijabcdefghijabcdefghijabc\nkernel = k\n"
	    "memory = 64\n", EINVAL, "name too long", "t/prof:1:",
	    "1 to 32", NULL);
	bad(BASE "cmdline = \"a\" b\"\n", EINVAL, "stray quote", "t/prof:4:",
	    "stray '\"'", NULL);
	bad(BASE "cmdline = a\"b\n", EINVAL, "unbalanced quote", "t/prof:4:",
	    "unbalanced", NULL);
	bad("kernel = k\nmemory = 64\n", EINVAL, "no name", "t/prof:",
	    "no 'name' line", NULL);
	bad("name = a\nmemory = 64\n", EINVAL, "no kernel",
	    "no 'kernel' line", NULL);
	bad("name = a\nkernel = k\n", EINVAL, "no memory",
	    "no 'memory' line", NULL);
	bad("", EINVAL, "an empty file", "no 'name' line", NULL);

	big = malloc(PROFILE_FILE_MAX + 10);
	memset(big, '#', PROFILE_FILE_MAX + 9);
	big[PROFILE_FILE_MAX + 9] = '\0';
	bad(big, EFBIG, "a huge file", "too large for a profile", NULL);
	memset(big, 'x', PROFILE_LINE_MAX + 1);
	big[PROFILE_LINE_MAX + 1] = '\0';
	bad(big, EINVAL, "a huge line", "t/prof:1:", "line longer than",
	    NULL);
	memcpy(big, BASE "cmdline = ", strlen(BASE "cmdline = "));
	memset(big + strlen(BASE "cmdline = "), 'c', PROFILE_CMDLINE_MAX + 1);
	big[strlen(BASE "cmdline = ") + PROFILE_CMDLINE_MAX + 1] = '\0';
	bad(big, EINVAL, "a long cmdline", "t/prof:4:", "cmdline is 1024 "
	    "bytes long (allowed: up to 1023)", NULL);
	free(big);

	CHECK(profile_parse("t/prof", "name = a\0b\n", 11, 0, &p) == -EINVAL &&
	      strstr(ts_errmsg(), "t/prof:1: NUL byte"),
	      "a NUL byte: %s", ts_errmsg());
	check_section(f0, "bad profiles: file:line and what is allowed");
}

static void files(int argc, char **argv)
{
	unsigned int f0 = check_failures();
	char dir[] = "/tmp/tdm-prof-XXXXXX", path[128], out[64];
	FILE *f;
	int i;

	CHECK(profile_load("/nonexistent/tandem-profile", 0, &p) == -ENOENT &&
	      strstr(ts_errmsg(), "/nonexistent/tandem-profile"),
	      "a missing file is named: %s", ts_errmsg());
	CHECK(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(path, sizeof(path), "%s/p", dir);
	f = fopen(path, "w");
	fputs("name = from-file\nkernel = k\nmemory = 48\nvcpus = many\n", f);
	fclose(f);
	CHECK(profile_load(path, 0, &p) == -EINVAL &&
	      strstr(ts_errmsg(), path) && strstr(ts_errmsg(), ":4: bad vcpus"),
	      "a bad file: %s", ts_errmsg());
	CHECK(profile_load(dir, 0, &p) == -EINVAL &&
	      strstr(ts_errmsg(), "not a regular file"),
	      "a directory: %s", ts_errmsg());
	unlink(path);
	rmdir(dir);

	CHECK(profile_image_path("/img", "vmlinuz", out, sizeof(out)) == 0 &&
	      !strcmp(out, "/img/vmlinuz"), "relative image path");
	CHECK(profile_image_path("/img", "/boot/k", out, sizeof(out)) == 0 &&
	      !strcmp(out, "/boot/k"), "absolute image path");
	CHECK(profile_image_path("/img", "a-file-name-of-sixty-four-bytes-"
				 "and-more-than-the-buffer-holds", out,
				 sizeof(out)) == -ENAMETOOLONG,
	      "an image path too long");

	for (i = 1; i < argc; i++) {
		int ret = profile_load(argv[i], 0, &p);

		CHECK(ret == 0 && p.memory_mib >= 32 && p.vcpus >= 1 &&
		      p.initrd[0] && strstr(p.cmdline, "console=hvc0"),
		      "repository profile %s (%s, %llu MiB, %u vCPUs): %s",
		      argv[i], p.name, (unsigned long long)p.memory_mib,
		      p.vcpus, ret ? ts_errmsg() : "ok");
	}
	CHECK(!strcmp(profile_action_name(ACTION_PRESERVE), "preserve") &&
	      !strcmp(profile_device_name(DEVICE_CONSOLE), "console"),
	      "names of actions and devices");
	check_section(f0, "profile files");
}

int main(int argc, char **argv)
{
	good();
	errors();
	files(argc, argv);
	return check_summary();
}
