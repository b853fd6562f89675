// SPDX-License-Identifier: MIT
/*
 * Size-bounded per-VM console logs with one rotated generation (see
 * conslog.h).
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

struct cons_log {
	char *path;
	int fd;
	size_t size;		/* bytes in the current file */
	size_t max;
	int refs;
	struct cons_log *next;
};

static struct cons_log *logs;

/* mkdir -p for a directory of ours: owner and group may read. */
static int make_dir(const char *dir)
{
	char buf[4096];
	char *p, c;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(buf, 0750) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

static int open_file(struct cons_log *l)
{
	struct stat st;

	l->fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		     O_NOCTTY, 0640);
	if (l->fd < 0)
		return tdm_fail(errno, "open console log %s", l->path);
	if (fstat(l->fd, &st) < 0) {
		int err = errno;

		close(l->fd);
		l->fd = -1;
		return tdm_fail(err, "stat console log %s", l->path);
	}
	l->size = (size_t)st.st_size;
	return 0;
}

struct cons_log *cons_log_open(const char *dir, const char *file,
			       size_t max)
{
	struct cons_log *l;
	char *path;
	int ret;

	if (max < CONS_LOG_MIN_SIZE) {
		tdm_fail(EINVAL, "console log size %zu (at least %d bytes)",
			 max, CONS_LOG_MIN_SIZE);
		return NULL;
	}
	if (asprintf(&path, "%s/%s", dir, file) < 0) {
		tdm_fail(ENOMEM, "console log path");
		return NULL;
	}
	for (l = logs; l; l = l->next) {
		if (!strcmp(l->path, path)) {
			free(path);
			l->refs++;
			return l;
		}
	}
	ret = make_dir(dir);
	if (ret < 0) {
		tdm_fail(-ret, "create the console log directory %s", dir);
		free(path);
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		tdm_fail(ENOMEM, "console log");
		free(path);
		return NULL;
	}
	l->path = path;
	l->max = max;
	if (open_file(l) < 0) {
		free(path);
		free(l);
		return NULL;
	}
	l->refs = 1;
	l->next = logs;
	logs = l;
	return l;
}

void cons_log_put(struct cons_log *l)
{
	struct cons_log **pp;

	if (!l || --l->refs > 0)
		return;
	for (pp = &logs; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	free(l);
}

const char *cons_log_path(const struct cons_log *l)
{
	return l->path;
}

/* NAME.log -> NAME.log.1, then a fresh NAME.log. */
static int rotate(struct cons_log *l)
{
	char old[4200];
	int err = 0;

	snprintf(old, sizeof(old), "%s.1", l->path);
	if (rename(l->path, old) < 0) {
		/* Keep the bound even if we cannot keep the old text. */
		err = errno;
		if (ftruncate(l->fd, 0) < 0)
			return tdm_fail(errno, "truncate console log %s",
					l->path);
		l->size = 0;
		return tdm_fail(err, "rotate console log %s (its old text "
				"is lost)", l->path);
	}
	close(l->fd);
	l->fd = -1;
	return open_file(l);
}

int cons_log_write(struct cons_log *l, const void *data, size_t len)
{
	const char *p = data;
	size_t n;
	ssize_t w;
	int ret;

	while (len) {
		if (l->fd < 0 && open_file(l) < 0)
			return -errno;
		if (l->size > 0 && l->size + len > l->max) {
			ret = rotate(l);
			if (ret < 0 && l->size > 0)
				return ret;
		}
		n = l->max - (l->size < l->max ? l->size : l->max);
		if (n > len)
			n = len;
		w = write(l->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return tdm_fail(errno, "write console log %s",
					l->path);
		}
		l->size += (size_t)w;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

void cons_log_name(char *buf, size_t size, const char *vm_name)
{
	size_t i, n = 0;

	if (size == 0)
		return;
	for (i = 0; vm_name[i] && n + 1 < size; i++) {
		char c = vm_name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      (c == '.' && n > 0)))
			c = '_';
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (n == 0)
		snprintf(buf, size, "unnamed");
}
