// SPDX-License-Identifier: MIT
/*
 * nop: the smallest static program there is, exec'd by the forkexec
 * workload of tandem-bench. No C library: _start makes the exit system
 * call with status 42 (the parent checks it), so an exec costs the
 * kernel's work and nothing of a libc's start-up.
 *
 * Built by bench/run: gcc -static -nostdlib -O2 -o nop nop.c
 */

#define NOP_EXIT_STATUS	42
#define SYS_EXIT	60

void _start(void)
{
	__asm__ volatile("syscall"
			 :
			 : "a"(SYS_EXIT), "D"(NOP_EXIT_STATUS)
			 : "rcx", "r11", "memory");
	for (;;)
		;
}
