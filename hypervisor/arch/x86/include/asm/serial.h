/* SPDX-License-Identifier: MIT */
/* The 16550 UART on COM1: the hypervisor's console. */
#ifndef ASM_SERIAL_H
#define ASM_SERIAL_H

#include <tandem/types.h>

void serial_init(void);
void serial_putc(char c);
/* Returns the next received byte, or -1 if none is waiting. */
int serial_getc(void);
/* Ask for an interrupt when input arrives (after the IO-APIC is set up). */
void serial_enable_rx_irq(void);

#define SERIAL_IRQ	4	/* ISA IRQ of COM1 */

#endif
