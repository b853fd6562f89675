/* SPDX-License-Identifier: MIT */
/* Stopping or restarting the whole machine. */
#ifndef ASM_REBOOT_H
#define ASM_REBOOT_H

struct xenpf_enter_acpi_sleep;

void machine_power_off(void) __noreturn;
void machine_restart(void) __noreturn;
void machine_halt(void) __noreturn;
/*
 * dom0's XENPF_enter_acpi_sleep: S5 powers off with its PM1 values and
 * does not return; anything else is refused with -errno.
 */
int machine_enter_acpi_sleep(const struct xenpf_enter_acpi_sleep *s);

#endif
