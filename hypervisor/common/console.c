// SPDX-License-Identifier: MIT
/*
 * The console. Output: everything goes to the serial line. Hypervisor
 * messages are printed as they come; guest text is untrusted and is
 * printed a line at a time behind its domain's name, with control
 * characters neutralised, so a guest can neither forge hypervisor
 * messages nor move the cursor over them.
 *
 * Input: bytes from the serial line (taken in COM1's interrupt, or
 * polled if that cannot be routed) go to the domain with console focus
 * (its PV console ring, or console_io for dom0) or, when the focus is
 * on the hypervisor, to the debug keys. Ctrl-A three times moves the
 * focus: dom0, the other boot-time domains in order, the hypervisor,
 * dom0 again. Domains dom0's toolstack builds are not in that cycle:
 * their consoles are dom0's to serve.
 */
#include <tandem/console.h>
#include <tandem/domain.h>
#include <tandem/errno.h>
#include <tandem/event.h>
#include <tandem/lib.h>
#include <tandem/mm.h>
#include <tandem/params.h>
#include <tandem/sched.h>
#include <tandem/softirq.h>
#include <tandem/timer.h>
#include <asm/irq.h>
#include <asm/pv.h>
#include <asm/serial.h>
#include <asm/traps.h>
#include <public/io/console.h>
#include <public/sysctl.h>
#include <public/xen.h>

static enum log_level log_threshold = LOG_INFO;

static int set_loglevel(const char *v)
{
	static const char *const names[] = { "err", "warn", "info", "debug" };

	for (unsigned int i = 0; v && i < ARRAY_SIZE(names); i++) {
		if (!strcmp(v, names[i])) {
			log_threshold = i;
			return 0;
		}
	}
	return -EINVAL;
}
custom_param("loglvl", set_loglevel, "err, warn, info or debug");

static const char *const level_tag[] = {
	[LOG_ERR] = "(ERR) ",
	[LOG_WARN] = "(WARN) ",
	[LOG_INFO] = "",
	[LOG_DEBUG] = "(DBG) ",
};

/* The domain whose partial line is on the screen now, if any. */
static struct domain *line_owner;

/*
 * The console ring: the last CONRING_SIZE bytes of output, for dom0's
 * sysctl readconsole. The indexes run freely; the size divides 2^32.
 */
#define CONRING_SIZE	(64 * 1024)
static char conring[CONRING_SIZE];
static uint32_t conring_prod, conring_cons;

static void conring_put(const char *s, size_t n)
{
	for (; n; n--, s++)
		conring[conring_prod++ % CONRING_SIZE] = *s;
	if (conring_prod - conring_cons > CONRING_SIZE)
		conring_cons = conring_prod - CONRING_SIZE;
}

long console_read_ring(struct xen_sysctl_readconsole *op)
{
	uint32_t c = conring_cons, p = conring_prod, done = 0;

	/* Go on from where the caller stopped, if that is still held. */
	if (op->incremental && op->index - c - 1 < p - c)
		c = op->index;
	while (c != p && done < op->count) {
		uint32_t at = c % CONRING_SIZE;
		uint32_t n = MIN(MIN(p - c, CONRING_SIZE - at),
				 op->count - done);

		if (copy_to_guest(op->buffer + done, &conring[at], n))
			return -EFAULT;
		done += n;
		c += n;
	}
	/* "Clear" drops what the caller has now read. */
	if (op->clear)
		conring_cons = c;
	op->count = done;
	op->index = c;
	return 0;
}

static void serial_write(const char *s, size_t n)
{
	conring_put(s, n);
	for (; n; n--, s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

/* End a guest's partial line before anyone else prints. */
static void break_partial_line(void)
{
	if (line_owner) {
		serial_write("\n", 1);
		line_owner = NULL;
	}
}

void console_write(const char *s, size_t n)
{
	break_partial_line();
	serial_write(s, n);
}

void console_force_unlock(void)
{
	line_owner = NULL;
}

static void vprintk_level(enum log_level lvl, const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	if (lvl > log_threshold)
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	break_partial_line();
	serial_write(level_tag[lvl], strlen(level_tag[lvl]));
	serial_write(buf, n);
}

void printk_level(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk_level(lvl, fmt, ap);
	va_end(ap);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk_level(LOG_INFO, fmt, ap);
	va_end(ap);
}

/* ---- guest output -------------------------------------------------------- */

/*
 * Who gets the keyboard: a domain id (so focus survives a domain's reboot
 * and never points at a freed domain), or the hypervisor's debug keys.
 */
static domid_t focus_id;
static bool focus_on_hypervisor = true;

static struct domain *focus_domain(void)
{
	return focus_on_hypervisor ? NULL : domain_by_id(focus_id);
}

static void emit_guest(struct domain *d, bool newline)
{
	struct domain_console *c = &d->console;

	if (line_owner != d) {
		char tag[DOMAIN_NAME_LEN + 4];
		int n = snprintf(tag, sizeof(tag), "(%s) ", d->name);

		break_partial_line();
		serial_write(tag, n);
	}
	serial_write(c->line, c->line_len);
	c->line_len = 0;
	if (newline) {
		serial_write("\n", 1);
		line_owner = NULL;
	} else {
		line_owner = d;
	}
}

void console_flush_guest(struct domain *d)
{
	if (d->console.line_len)
		emit_guest(d, false);
	if (line_owner == d)
		break_partial_line();
}

/*
 * Guests may not drive the operator's terminal: escape sequences (ESC and
 * one character, or a CSI sequence up to its final byte) are dropped
 * whole, and other control characters shown as '.'. Returns whether ch
 * was part of a sequence.
 */
static bool in_escape(struct domain_console *c, unsigned char ch)
{
	switch (c->esc) {
	case ESC_START:
		c->esc = ch == '[' ? ESC_CSI : ESC_NONE;
		return true;
	case ESC_CSI:
		if (ch >= 0x20 && ch <= 0x3f)	/* parameters, intermediates */
			return true;
		c->esc = ESC_NONE;
		return ch >= 0x40 && ch <= 0x7e;	/* its final byte */
	default:
		if (ch != 0x1b)
			return false;
		c->esc = ESC_START;
		return true;
	}
}

void console_guest_write(struct domain *d, const char *s, size_t n)
{
	struct domain_console *c = &d->console;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (in_escape(c, ch))
			continue;
		if (ch == '\n') {
			emit_guest(d, true);
			continue;
		}
		if (ch == '\r')
			continue;
		if ((ch < 0x20 && ch != '\t' && ch != '\b') || ch == 0x7f)
			ch = '.';
		c->line[c->line_len++] = ch;
		if (c->line_len == sizeof(c->line))
			emit_guest(d, true);
	}
	/* The domain being typed at sees its prompt without a newline. */
	if (!focus_on_hypervisor && d->domain_id == focus_id && c->line_len)
		emit_guest(d, false);
}

/* ---- the PV console ring of boot-time domains ---------------------------- */

static void ring_notify(struct domain *d, evtchn_port_t port)
{
	struct xencons_interface *r = d->console.ring;
	XENCONS_RING_IDX cons = r->out_cons, prod = READ_ONCE(r->out_prod);
	char buf[XENCONS_OUT_SIZE];
	size_t n = 0;

	barrier();	/* read the data only after the index */
	if (prod - cons > XENCONS_OUT_SIZE) {
		pr_once(LOG_WARN, "%s: console ring indexes corrupt "
			"(cons %u, prod %u); output dropped\n", d->name,
			cons, prod);
		cons = prod;
	}
	while (cons != prod)
		buf[n++] = r->out[cons++ & (XENCONS_OUT_SIZE - 1)];
	barrier();
	r->out_cons = cons;
	console_guest_write(d, buf, n);
	evtchn_set_pending(d, port);	/* room again */
}

int console_attach_ring(struct domain *d, struct xencons_interface *ring)
{
	int port = evtchn_alloc_hv_port(d, ring_notify);

	if (port < 0)
		return port;
	d->console.ring = ring;
	d->console.port = port;
	ring->connection = XENCONSOLE_CONNECTED;
	return port;
}

void console_detach(struct domain *d)
{
	console_flush_guest(d);
	d->console.ring = NULL;
}

/* ---- console_io ----------------------------------------------------------- */

/* Input for dom0, which reads it with CONSOLEIO_read. */
static char dom0_in[1024];
static unsigned int dom0_in_prod, dom0_in_cons;

long do_console_io(int cmd, unsigned int count, uint64_t buffer)
{
	struct domain *d = current->domain;
	char buf[128];

	switch (cmd) {
	case CONSOLEIO_write: {
		unsigned int done = 0;

		while (done < count) {
			unsigned int n = MIN(count - done,
					     (unsigned int)sizeof(buf));

			if (copy_from_guest(buf, buffer + done, n))
				return -EFAULT;
			console_guest_write(d, buf, n);
			done += n;
		}
		return 0;
	}
	case CONSOLEIO_read: {
		unsigned int n = 0;

		if (!d->is_privileged)
			return -EPERM;
		while (n < count && dom0_in_cons != dom0_in_prod) {
			char c = dom0_in[dom0_in_cons++ % sizeof(dom0_in)];

			if (copy_to_guest(buffer + n, &c, 1))
				return -EFAULT;
			n++;
		}
		return n;
	}
	default:
		return -ENOSYS;
	}
}

/* ---- input ------------------------------------------------------------------ */

#define CTRL_A		0x01
#define POLL_PERIOD	MILLISECS(20)

static char rx[256];
static unsigned int rx_prod, rx_cons;
static unsigned int ctrl_a_count;
static struct timer poll_timer;

/* Take what the UART holds (its interrupt, or the poll timer). */
static void serial_rx(void)
{
	int c;

	while ((c = serial_getc()) >= 0) {
		if (rx_prod - rx_cons < sizeof(rx))
			rx[rx_prod++ % sizeof(rx)] = c;
	}
	if (rx_prod != rx_cons)
		raise_softirq(SOFTIRQ_CONSOLE);
}

static void poll_serial(void *unused)
{
	serial_rx();
	set_timer(&poll_timer, NOW() + POLL_PERIOD);
}

static void announce_focus(void)
{
	struct domain *d = focus_domain();

	if (!d)
		printk("console focus: hypervisor (debug keys; 'h' for help). "
		       "Ctrl-A three times switches.\n");
	else
		printk("console focus: %s (domain %u). Ctrl-A three times "
		       "switches.\n", d->name, d->domain_id);
}

static void focus_on(struct domain *d)
{
	focus_on_hypervisor = !d;
	if (d)
		focus_id = d->domain_id;
}

/* Keys reach it: dom0 by console_io, boot-time domains by their ring. */
static bool takes_input(const struct domain *d)
{
	return d->is_privileged || d->console.ring;
}

/*
 * Next domain taking input in list order after the focused one (from the
 * start when the hypervisor has it), then the hypervisor.
 */
static void switch_focus(void)
{
	struct domain *d = focus_domain();
	struct list_head *pos = d ? &d->domain_list : &domain_list;

	for (pos = pos->next; pos != &domain_list; pos = pos->next) {
		d = list_entry(pos, struct domain, domain_list);
		if (takes_input(d)) {
			focus_on(d);
			announce_focus();
			return;
		}
	}
	focus_on(NULL);
	announce_focus();
}

static void deliver_to_domain(struct domain *d, char c)
{
	struct xencons_interface *r = d->console.ring;

	if (r) {
		XENCONS_RING_IDX prod = r->in_prod;

		if (prod - READ_ONCE(r->in_cons) >= XENCONS_IN_SIZE)
			return;		/* guest not reading: drop */
		r->in[prod & (XENCONS_IN_SIZE - 1)] = c;
		barrier();
		r->in_prod = prod + 1;
		evtchn_set_pending(d, d->console.port);
		return;
	}
	if (d->is_privileged) {
		if (dom0_in_prod - dom0_in_cons < sizeof(dom0_in))
			dom0_in[dom0_in_prod++ % sizeof(dom0_in)] = c;
		send_guest_global_virq(d, VIRQ_CONSOLE);
	}
}

static void debug_key(char c)
{
	struct domain *d;

	switch (c) {
	case 'h':
		printk("debug keys: h help, d domains, m memory, s scheduler, "
		       "t time, C crash the hypervisor (tests the panic "
		       "report)\n");
		break;
	case 'C':
		printk("crashing on request ('C' key)\n");
		crash_on_request();
	case 'd':
		list_for_each_entry(d, &domain_list, domain_list)
			printk("  domain %u (%s): %s, %lu pages, %u vCPUs, "
			       "%llu ms CPU\n", d->domain_id, d->name,
			       d->state == DOMAIN_RUNNING ? "running" :
			       "shut down", d->tot_pages, d->max_vcpus,
			       (unsigned long long)(d->cpu_time / 1000000));
		break;
	case 'm':
		printk("  heap: %lu of %lu pages free\n", heap_free_pages(),
		       heap_total_pages());
		break;
	case 's':
		sched_dump();
		break;
	case 't':
		printk("  system time %lld ns\n", (long long)NOW());
		break;
	default:
		break;
	}
}

static void deliver(char c)
{
	struct domain *d = focus_domain();

	if (focus_on_hypervisor)
		debug_key(c);
	else if (d)
		deliver_to_domain(d, c);
	/* The focused domain is rebooting or gone: the key is dropped. */
}

void console_softirq(void)
{
	while (rx_cons != rx_prod) {
		char c = rx[rx_cons++ % sizeof(rx)];

		if (c == CTRL_A) {
			if (++ctrl_a_count == 3) {
				ctrl_a_count = 0;
				switch_focus();
			}
			continue;
		}
		/* Fewer than three: they were meant for the target. */
		for (; ctrl_a_count; ctrl_a_count--)
			deliver(CTRL_A);
		deliver(c);
	}
}

void console_init(void)
{
	serial_init();
}

void console_start_input(void)
{
	/* COM1's interrupt if the IO-APIC can route it; else poll. */
	if (!request_isa_irq(SERIAL_IRQ, serial_rx)) {
		serial_enable_rx_irq();
		serial_rx();
	} else {
		init_timer(&poll_timer, poll_serial, NULL);
		set_timer(&poll_timer, NOW() + POLL_PERIOD);
	}
	/* dom0 first, else the first domain there is. */
	if (hardware_domain)
		focus_on(hardware_domain);
	else if (!list_empty(&domain_list))
		focus_on(list_first_entry(&domain_list, struct domain,
					  domain_list));
	announce_focus();
}
