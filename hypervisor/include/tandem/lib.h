/* SPDX-License-Identifier: MIT */
/* String functions, formatted output, logging and assertions. */
#ifndef TANDEM_LIB_H
#define TANDEM_LIB_H

#include <tandem/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);
unsigned long long simple_strtoull(const char *s, const char **end, int base);
unsigned long long parse_size(const char *s, const char **end);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/*
 * Log levels, most severe first. The console prints messages at or above
 * the threshold set by the "loglvl=" command-line option.
 */
enum log_level {
	LOG_ERR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

void printk(const char *fmt, ...) __printf(1, 2);
void printk_level(enum log_level lvl, const char *fmt, ...) __printf(2, 3);
#define pr_err(...)	printk_level(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	printk_level(LOG_WARN, __VA_ARGS__)
#define pr_info(...)	printk_level(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	printk_level(LOG_DEBUG, __VA_ARGS__)

/* Log a message only the first time this call site is reached. */
#define pr_once(lvl, ...) do {						\
	static bool __done;						\
	if (!__done) {							\
		__done = true;						\
		printk_level(lvl, __VA_ARGS__);				\
	}								\
} while (0)

void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

#define BUG_ON(c) do {							\
	if (unlikely(c))						\
		panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c);	\
} while (0)
#define BUG()	panic("BUG at %s:%d", __FILE__, __LINE__)
#define ASSERT(c) BUG_ON(!(c))

#endif
