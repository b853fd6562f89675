// SPDX-License-Identifier: MIT
#include <tandem/lib.h>
#include <asm/processor.h>

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	local_irq_disable();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk_level(LOG_ERR, "PANIC: %s\n", buf);
	for (;;)
		halt();
}
