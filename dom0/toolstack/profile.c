// SPDX-License-Identifier: MIT
/*
 * VM profile parser (see profile.h and profiles/README.md).
 */
#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"
#include "ts_error.h"

/* Where we are, for messages. */
struct pctx {
	struct profile *p;
	const char *path;
	unsigned int line;
	uint64_t host_mib;
};

static const char *const action_names[] = {
	[ACTION_DESTROY] = "destroy",
	[ACTION_RESTART] = "restart",
	[ACTION_PRESERVE] = "preserve",
};

static const char *const device_names[] = {
	[DEVICE_CONSOLE] = "console",
};

const char *profile_action_name(enum profile_action a)
{
	if ((unsigned int)a >= sizeof(action_names) / sizeof(action_names[0]))
		return "?";
	return action_names[a];
}

const char *profile_device_name(enum profile_device d)
{
	if ((unsigned int)d >= DEVICE_NR)
		return "?";
	return device_names[d];
}

bool profile_name_valid(const char *s)
{
	size_t i, n = strlen(s);
	bool digits_only = true;

	if (n == 0 || n > PROFILE_NAME_MAX)
		return false;
	if (!isalnum((unsigned char)s[0]))
		return false;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!isalnum(ch) && ch != '-' && ch != '_' && ch != '.')
			return false;
		if (!isdigit(ch))
			digits_only = false;
	}
	return !digits_only;
}

static int set_name(struct pctx *c, const char *v)
{
	if (!profile_name_valid(v))
		return ts_fail(EINVAL, "%s:%u: bad name '%s' (allowed: 1 to %d "
			       "letters, digits, '-', '_' or '.', starting "
			       "with a letter or digit, not only digits)",
			       c->path, c->line, v, PROFILE_NAME_MAX);
	strcpy(c->p->name, v);
	c->p->name_line = c->line;
	return 0;
}

static int set_file(struct pctx *c, const char *key, const char *v,
		    char *dst, unsigned int *line)
{
	if (strlen(v) >= PATH_MAX)
		return ts_fail(EINVAL, "%s:%u: %s path is longer than %d "
			       "bytes", c->path, c->line, key, PATH_MAX - 1);
	strcpy(dst, v);
	*line = c->line;
	return 0;
}

static int set_kernel(struct pctx *c, const char *v)
{
	return set_file(c, "kernel", v, c->p->kernel, &c->p->kernel_line);
}

static int set_initrd(struct pctx *c, const char *v)
{
	return set_file(c, "initrd", v, c->p->initrd, &c->p->initrd_line);
}

static int set_cmdline(struct pctx *c, const char *v)
{
	if (strlen(v) > PROFILE_CMDLINE_MAX)
		return ts_fail(EINVAL, "%s:%u: cmdline is %zu bytes long "
			       "(allowed: up to %d)", c->path, c->line,
			       strlen(v), PROFILE_CMDLINE_MAX);
	strcpy(c->p->cmdline, v);
	return 0;
}

/* A decimal number without sign; the rest of the string in *end. */
static bool parse_u64(const char *s, uint64_t *out, const char **end)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s)) {
		unsigned int d = (unsigned int)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		s++;
	}
	*out = v;
	*end = s;
	return true;
}

static int set_memory(struct pctx *c, const char *v)
{
	uint64_t n, mult = 1;
	const char *rest;

	if (!parse_u64(v, &n, &rest))
		goto bad;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (!*rest || !strcasecmp(rest, "M") || !strcasecmp(rest, "MiB") ||
	    !strcasecmp(rest, "MB"))
		mult = 1;
	else if (!strcasecmp(rest, "G") || !strcasecmp(rest, "GiB") ||
		 !strcasecmp(rest, "GB"))
		mult = 1024;
	else
		goto bad;
	if (n > PROFILE_MEM_MAX_MIB / mult)
		goto big;
	n *= mult;
	if (n < PROFILE_MEM_MIN_MIB)
		return ts_fail(EINVAL, "%s:%u: memory %llu MiB is too small "
			       "(allowed: %d MiB up to %s)", c->path, c->line,
			       (unsigned long long)n, PROFILE_MEM_MIN_MIB,
			       c->host_mib ? "the host's memory" :
			       "1 TiB");
	if (c->host_mib && n > c->host_mib)
		return ts_fail(EINVAL, "%s:%u: memory %llu MiB is more than "
			       "this host has (allowed: %d to %llu MiB)",
			       c->path, c->line, (unsigned long long)n,
			       PROFILE_MEM_MIN_MIB,
			       (unsigned long long)c->host_mib);
	c->p->memory_mib = n;
	c->p->memory_line = c->line;
	return 0;
big:
	return ts_fail(EINVAL, "%s:%u: memory '%s' is too large (allowed: "
		       "%d MiB up to %s)", c->path, c->line, v,
		       PROFILE_MEM_MIN_MIB,
		       c->host_mib ? "the host's memory" : "1 TiB");
bad:
	return ts_fail(EINVAL, "%s:%u: bad memory '%s' (allowed: MiB as a "
		       "number, or with a suffix M or G, e.g. 256, 512M, "
		       "2G)", c->path, c->line, v);
}

static int set_vcpus(struct pctx *c, const char *v)
{
	const char *rest;
	uint64_t n;

	if (!parse_u64(v, &n, &rest) || *rest || n < 1 ||
	    n > PROFILE_VCPUS_MAX)
		return ts_fail(EINVAL, "%s:%u: bad vcpus '%s' (allowed: 1 to "
			       "%d)", c->path, c->line, v, PROFILE_VCPUS_MAX);
	c->p->vcpus = (unsigned int)n;
	return 0;
}

static int set_autostart(struct pctx *c, const char *v)
{
	if (!strcmp(v, "yes"))
		c->p->autostart = true;
	else if (!strcmp(v, "no"))
		c->p->autostart = false;
	else
		return ts_fail(EINVAL, "%s:%u: bad autostart '%s' (allowed: "
			       "yes, no)", c->path, c->line, v);
	return 0;
}

static int set_action(struct pctx *c, const char *key, const char *v,
		      enum profile_action *a)
{
	unsigned int i;

	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
		if (!strcmp(v, action_names[i])) {
			*a = (enum profile_action)i;
			return 0;
		}
	}
	return ts_fail(EINVAL, "%s:%u: bad %s '%s' (allowed: destroy, "
		       "restart, preserve)", c->path, c->line, key, v);
}

static int set_on_poweroff(struct pctx *c, const char *v)
{
	return set_action(c, "on_poweroff", v, &c->p->on_poweroff);
}

static int set_on_reboot(struct pctx *c, const char *v)
{
	return set_action(c, "on_reboot", v, &c->p->on_reboot);
}

static int set_on_crash(struct pctx *c, const char *v)
{
	return set_action(c, "on_crash", v, &c->p->on_crash);
}

static int add_device(struct pctx *c, const char *kind, size_t len)
{
	unsigned int i;

	for (i = 0; i < DEVICE_NR; i++) {
		if (strlen(device_names[i]) == len &&
		    !strncmp(kind, device_names[i], len)) {
			if (c->p->devices & (1u << i))
				return ts_fail(EINVAL, "%s:%u: device '%s' "
					       "is listed twice", c->path,
					       c->line, device_names[i]);
			c->p->devices |= 1u << i;
			return 0;
		}
	}
	return ts_fail(EINVAL, "%s:%u: unknown device kind '%.*s' (allowed "
		       "today: console)", c->path, c->line, (int)len, kind);
}

/* "console", or a list "console, disk" (commas and/or blanks). */
static int set_devices(struct pctx *c, const char *v)
{
	const char *s = v;
	int err;

	for (;;) {
		size_t n;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			return 0;
		n = strcspn(s, " \t,");
		err = add_device(c, s, n);
		if (err)
			return err;
		s += n;
	}
}

struct key {
	const char *name;
	int (*set)(struct pctx *c, const char *value);
	bool repeatable;
};

static const struct key keys[] = {
	{ "name", set_name, false },
	{ "kernel", set_kernel, false },
	{ "initrd", set_initrd, false },
	{ "cmdline", set_cmdline, false },
	{ "memory", set_memory, false },
	{ "vcpus", set_vcpus, false },
	{ "autostart", set_autostart, false },
	{ "on_poweroff", set_on_poweroff, false },
	{ "on_reboot", set_on_reboot, false },
	{ "on_crash", set_on_crash, false },
	{ "device", set_devices, true },
	{ "devices", set_devices, true },
};
#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

#define VALID_KEYS "name, kernel, initrd, cmdline, memory, vcpus, " \
	"autostart, on_poweroff, on_reboot, on_crash, device, devices"

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* One line, without its newline, NUL-terminated in buf (modifiable). */
static int parse_line(struct pctx *c, char *buf, unsigned int *seen)
{
	char *s = buf, *key, *val, *end;
	size_t klen, vlen;
	unsigned int i;

	while (blank(*s))
		s++;
	if (!*s || *s == '#')
		return 0;
	key = s;
	while (*s && !blank(*s) && *s != '=')
		s++;
	klen = (size_t)(s - key);
	while (blank(*s))
		s++;
	if (*s != '=')
		return ts_fail(EINVAL, "%s:%u: expected 'key = value', got "
			       "'%.60s'", c->path, c->line, key);
	key[klen] = '\0';
	val = s + 1;
	while (blank(*val))
		val++;
	end = val + strlen(val);
	while (end > val && blank(end[-1]))
		end--;
	*end = '\0';
	vlen = (size_t)(end - val);
	for (i = 0; i < NR_KEYS; i++)
		if (!strcmp(key, keys[i].name))
			break;
	if (i == NR_KEYS)
		return ts_fail(EINVAL, "%s:%u: unknown key '%.40s' (valid "
			       "keys: " VALID_KEYS ")", c->path, c->line,
			       key);
	if (!keys[i].repeatable && seen[i])
		return ts_fail(EINVAL, "%s:%u: '%s' is set again (first at "
			       "line %u)", c->path, c->line, key, seen[i]);
	/* A value in double quotes loses them (a habit from xl configs). */
	if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
		val[vlen - 1] = '\0';
		val++;
		vlen -= 2;
		if (strchr(val, '"'))
			return ts_fail(EINVAL, "%s:%u: stray '\"' in the value "
				       "of '%s'", c->path, c->line, key);
	} else if (strchr(val, '"')) {
		return ts_fail(EINVAL, "%s:%u: unbalanced '\"' in the value "
			       "of '%s'", c->path, c->line, key);
	}
	if (vlen == 0 && strcmp(key, "cmdline"))
		return ts_fail(EINVAL, "%s:%u: '%s' has no value", c->path,
			       c->line, key);
	seen[i] = c->line;
	return keys[i].set(c, val);
}

int profile_parse(const char *path, const char *text, size_t len,
		  uint64_t host_mib, struct profile *p)
{
	unsigned int seen[NR_KEYS] = { 0 };
	struct pctx c = { p, path, 0, host_mib };
	static _Thread_local char buf[PROFILE_LINE_MAX + 1];
	size_t pos = 0;
	int err;

	memset(p, 0, sizeof(*p));
	if (strlen(path) >= sizeof(p->path))
		return ts_fail(ENAMETOOLONG, "profile path too long");
	strcpy(p->path, path);
	p->vcpus = 1;
	p->on_poweroff = ACTION_DESTROY;
	p->on_reboot = ACTION_RESTART;
	p->on_crash = ACTION_DESTROY;
	if (len > PROFILE_FILE_MAX)
		return ts_fail(EFBIG, "%s: %zu bytes is too large for a "
			       "profile (up to %d)", path, len,
			       PROFILE_FILE_MAX);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - (text + pos)) : len - pos;
		size_t n = linelen;

		c.line++;
		if (n > PROFILE_LINE_MAX)
			return ts_fail(EINVAL, "%s:%u: line longer than %d "
				       "bytes", path, c.line,
				       PROFILE_LINE_MAX);
		if (memchr(text + pos, '\0', n))
			return ts_fail(EINVAL, "%s:%u: NUL byte in the line "
				       "(not a text file?)", path, c.line);
		memcpy(buf, text + pos, n);
		if (n && buf[n - 1] == '\r')
			n--;
		buf[n] = '\0';
		err = parse_line(&c, buf, seen);
		if (err)
			return err;
		pos += linelen + (nl ? 1 : 0);
	}
	p->devices |= 1u << DEVICE_CONSOLE;	/* every PV guest has one */
	if (!p->name_line || !p->kernel_line || !p->memory_line)
		return ts_fail(EINVAL, "%s: no '%s' line (every profile needs "
			       "name, kernel and memory)", path,
			       !p->name_line ? "name" :
			       !p->kernel_line ? "kernel" : "memory");
	return 0;
}

int profile_load(const char *path, uint64_t host_mib, struct profile *p)
{
	struct stat st;
	char *text;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ts_fail(errno, "profile %s: %s", path,
			       strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ts_fail(EINVAL, "profile %s: not a regular file", path);
	}
	if (st.st_size > PROFILE_FILE_MAX) {
		close(fd);
		return ts_fail(EFBIG, "%s: %lld bytes is too large for a "
			       "profile (up to %d)", path,
			       (long long)st.st_size, PROFILE_FILE_MAX);
	}
	text = malloc(PROFILE_FILE_MAX + 1);
	if (!text) {
		close(fd);
		return ts_fail(ENOMEM, "profile %s: out of memory", path);
	}
	n = read(fd, text, PROFILE_FILE_MAX + 1);
	err = errno;
	close(fd);
	if (n < 0) {
		free(text);
		return ts_fail(err, "profile %s: %s", path, strerror(err));
	}
	err = profile_parse(path, text, (size_t)n, host_mib, p);
	free(text);
	return err;
}

int profile_image_path(const char *images_dir, const char *file, char *out,
		       size_t size)
{
	int n;

	if (file[0] == '/')
		n = snprintf(out, size, "%s", file);
	else
		n = snprintf(out, size, "%s/%s", images_dir, file);
	if (n < 0 || (size_t)n >= size)
		return ts_fail(ENAMETOOLONG, "image path %s/%s is too long",
			       images_dir, file);
	return 0;
}
