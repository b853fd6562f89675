/* SPDX-License-Identifier: MIT */
/* Stopping or restarting the whole machine. */
#ifndef ASM_REBOOT_H
#define ASM_REBOOT_H

void machine_power_off(void) __noreturn;
void machine_restart(void) __noreturn;
void machine_halt(void) __noreturn;

#endif
