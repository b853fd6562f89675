/* SPDX-License-Identifier: MIT */
/*
 * Per-VM console logs: DIR/NAME.log, the guest's output as it came (no
 * prefixes, no timestamps), never larger than a bound: a write that would
 * pass it first renames the file to NAME.log.1 (replacing the previous
 * one) and starts a new NAME.log. So at most twice the bound is kept.
 *
 * Logs are shared by file name: two consoles writing to the same file
 * (a VM that rebooted while its old domain is still being torn down)
 * use one open file, so rotation stays consistent.
 */
#ifndef TANDEM_CONSOLED_CONSLOG_H
#define TANDEM_CONSOLED_CONSLOG_H

#include <stddef.h>

struct cons_log;

/* The smallest bound accepted: one console page's worth and then some. */
#define CONS_LOG_MIN_SIZE	4096

/*
 * Open (or share) DIR/FILE for appending, creating DIR if needed. max is
 * the size bound (>= CONS_LOG_MIN_SIZE). NULL with errno and tdm_errmsg()
 * set on failure.
 */
struct cons_log *cons_log_open(const char *dir, const char *file,
			       size_t max);
void cons_log_put(struct cons_log *l);
/* Append, rotating as needed: 0 or -errno (tdm_errmsg() says what). */
int cons_log_write(struct cons_log *l, const void *data, size_t len);
const char *cons_log_path(const struct cons_log *l);

/*
 * A file name made from a VM name: letters, digits, '-', '_' and '.'
 * kept, anything else (and a leading '.') replaced by '_', at most
 * size - 1 bytes; empty names become "unnamed".
 */
void cons_log_name(char *buf, size_t size, const char *vm_name);

#endif
