// SPDX-License-Identifier: MIT
/*
 * 16550-compatible UART on COM1 (0x3f8), 115200 8N1. Output is polled:
 * the console must work from any context, panics included.
 */
#include <tandem/lib.h>
#include <asm/processor.h>
#include <asm/serial.h>

#define COM1		0x3f8
#define UART_RBR	0	/* receive buffer (read) */
#define UART_THR	0	/* transmit holding (write) */
#define UART_IER	1	/* interrupt enable */
#define UART_FCR	2	/* FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */
#define UART_DLL	0	/* divisor latch, with LCR.DLAB */
#define UART_DLM	1

#define LSR_DR		0x01	/* data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LCR_DLAB	0x80
#define IER_RDA		0x01	/* received-data-available interrupt */
#define MCR_DTR_RTS_OUT2 0x0b	/* OUT2 gates the IRQ line on PCs */

static bool present;

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);		/* 115200 baud */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, 0x03);		/* 8N1 */
	outb(COM1 + UART_FCR, 0x07);		/* enable and clear FIFOs */
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	/* A floating bus reads 0xff: no UART, stay silent. */
	present = inb(COM1 + UART_LSR) != 0xff;
}

void serial_putc(char c)
{
	unsigned int spins = 0;

	if (!present)
		return;
	/* Bounded wait: a wedged UART must not hang the hypervisor. */
	while (!(inb(COM1 + UART_LSR) & LSR_THRE) && ++spins < 100000)
		cpu_relax();
	outb(COM1 + UART_THR, c);
}

int serial_getc(void)
{
	if (!present || !(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_RBR);
}

void serial_enable_rx_irq(void)
{
	if (present)
		outb(COM1 + UART_IER, IER_RDA);
}
