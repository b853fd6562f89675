// SPDX-License-Identifier: MIT
/*
 * demo: the guest of the demo (tools/run-demo) until Linux VMs take its
 * place. Each copy says who it is, shows its clock and the share of the
 * CPU it gets every few seconds, and echoes what is typed at it, so
 * switching the console focus (Ctrl-A three times) is easy to see.
 *
 * dom0 reads its keyboard with console_io; the others read their PV
 * console ring. Both are woken by an event.
 */
#include "lib/test.h"
#include <public/io/console.h>
#include <public/vcpu.h>

#define REPORT_EVERY_NS	5000000000ULL

static char name[32] = "guest";
static char line[80];
static unsigned int line_len;

static void on_key(char c)
{
	if (c == '\r' || c == '\n') {
		line[line_len] = '\0';
		printk("\n%s heard: \"%s\"\n%s> ", name, line, name);
		line_len = 0;
	} else if ((c == 0x7f || c == '\b') && line_len) {
		line_len--;
		printk("\b \b");
	} else if (c >= 0x20 && c < 0x7f && line_len + 1 < sizeof(line)) {
		line[line_len++] = c;
		printk("%c", c);
	}
}

static void read_keys(void)
{
	struct xencons_interface *r = pvcons_ring();
	char buf[64];
	long n;

	if (!r) {
		/* dom0: the hypervisor's console input. */
		while ((n = hv_console_io(CONSOLEIO_read, sizeof(buf), buf)) > 0)
			for (long i = 0; i < n; i++)
				on_key(buf[i]);
		return;
	}
	while (r->in_cons != r->in_prod) {
		barrier();
		on_key(r->in[r->in_cons & (XENCONS_IN_SIZE - 1)]);
		barrier();
		r->in_cons++;
	}
}

static uint64_t cpu_ns(void)
{
	struct vcpu_runstate_info rs;

	if (hv_vcpu_op(VCPUOP_get_runstate_info, 0, &rs))
		return 0;
	return rs.time[RUNSTATE_running];
}

static void run(void)
{
	evtchn_port_t input = 0;
	uint64_t start = now_ns(), next = start + REPORT_EVERY_NS;

	cmdline_get("role", name, sizeof(name));
	if (privileged)
		evtchn_bind_virq(VIRQ_CONSOLE, 0, &input);
	else
		input = start_info->console.domU.evtchn;
	if (input)
		evtchn_unmask_port(input);
	printk("%s: Tandem PV domain, %lu MiB, %s. Type here; "
	       "Ctrl-A three times moves the focus.\n%s> ", name,
	       start_info->nr_pages >> 8,
	       privileged ? "privileged" : "unprivileged", name);

	for (;;) {
		uint64_t now;

		read_keys();
		now = now_ns();
		if (now >= next) {
			uint64_t up = now - start;

			line[line_len] = '\0';
			printk("\n%s: up %lu s, %lu%% of the CPU\n%s> %s",
			       name, up / 1000000000,
			       up ? cpu_ns() * 100 / up : 0, name, line);
			next += REPORT_EVERY_NS;
		}
		evtchn_wait(input, evtchn_fired[input], next - now);
	}
}

static const struct test_case cases[] = {
	{ "run", run },
};

DEFINE_SUITE("demo", cases);
