/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor console: log output to the serial line, guest console
 * output (tagged with the domain's name, a line at a time), and serial
 * input routed to the domain that has console focus. Pressing Ctrl-A
 * three times moves the focus to the next domain, then to the
 * hypervisor's own debug keys.
 */
#ifndef TANDEM_CONSOLE_H
#define TANDEM_CONSOLE_H

#include <tandem/lib.h>

struct domain;
struct xencons_interface;
struct xen_sysctl_readconsole;

void console_init(void);
/* Start reading serial input (needs timers). */
void console_start_input(void);
void console_write(const char *s, size_t n);
/* Guest output: printed behind "(name) ", a line at a time. */
void console_guest_write(struct domain *d, const char *s, size_t n);
/* Print whatever partial line the domain has buffered. */
void console_flush_guest(struct domain *d);
/* Serve the domain's PV console ring; returns the event channel port. */
int console_attach_ring(struct domain *d, struct xencons_interface *ring);
/* Stop serving it (domain teardown). */
void console_detach(struct domain *d);
/* Called by SOFTIRQ_CONSOLE: handle received serial input. */
void console_softirq(void);
/* Panic: print from now on no matter what. */
void console_force_unlock(void);

long do_console_io(int cmd, unsigned int count, uint64_t buffer);
/* sysctl readconsole: copy from the ring of recent console output. */
long console_read_ring(struct xen_sysctl_readconsole *op);

#endif
