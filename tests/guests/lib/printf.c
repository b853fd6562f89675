// SPDX-License-Identifier: MIT
/*
 * A small vsnprintf: flags '-', '0', '#', width, the l/ll/z/h length
 * modifiers and the conversions d i u x X o p s c %.
 */
#include "guest.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, unsigned long long v, unsigned int base,
		    bool neg, bool upper, int width, bool zero, bool left,
		    const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len, plen = strlen(prefix);

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + plen + (neg ? 1 : 0);

	if (!left && !zero)
		for (; width > len; width--)
			put(o, ' ');
	if (neg)
		put(o, '-');
	while (*prefix)
		put(o, *prefix++);
	if (!left && zero)
		for (; width > len; width--)
			put(o, '0');
	while (n)
		put(o, tmp[--n]);
	for (; left && width > len; width--)
		put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size };

	for (; *fmt; fmt++) {
		bool zero = false, left = false, alt = false, upper = false;
		int width = 0, prec = -1, lng = 0;
		unsigned long long v;
		const char *s;
		size_t len;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else if (*fmt == '#')
				alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			for (prec = 0, fmt++; *fmt >= '0' && *fmt <= '9';)
				prec = prec * 10 + (*fmt++ - '0');
		}
		for (;; fmt++) {
			if (*fmt == 'l' || *fmt == 'z')
				lng++;
			else if (*fmt != 'h')
				break;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			long long sv = lng ? va_arg(ap, long long) :
					     va_arg(ap, int);

			put_num(&o, sv < 0 ? -(unsigned long long)sv :
				(unsigned long long)sv, 10,
				sv < 0, false, width, zero, left, "");
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			v = lng ? va_arg(ap, unsigned long long) :
				  va_arg(ap, unsigned int);
			upper = *fmt == 'X';
			put_num(&o, v, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
				false, upper, width, zero, left,
				alt && v ? (*fmt == 'o' ? "0" : "0x") : "");
			break;
		case 'p':
			v = (unsigned long)va_arg(ap, void *);
			put_num(&o, v, 16, false, false, width, zero, left,
				"0x");
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			len = prec < 0 ? strlen(s) : strnlen(s, prec);
			width -= len;
			for (; !left && width > 0; width--)
				put(&o, ' ');
			while (len--)
				put(&o, *s++);
			for (; left && width > 0; width--)
				put(&o, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
