/*
 * Tandem public ABI: HYPERVISOR_platform_op(struct xen_platform_op *), the
 * dom0-only calls for host-wide settings (time, firmware data, physical
 * CPUs, power management). Only the parts dom0 Linux needs early are here.
 */
#ifndef TANDEM_PUBLIC_PLATFORM_H
#define TANDEM_PUBLIC_PLATFORM_H

#include <public/xen.h>

/* xen_platform_op.interface_version must hold this. */
#define XENPF_INTERFACE_VERSION		0x03000001

/* xen_platform_op.cmd */
#define XENPF_settime32			17
#define XENPF_add_memtype		31
#define XENPF_del_memtype		32
#define XENPF_read_memtype		33
#define XENPF_microcode_update		35
#define XENPF_platform_quirk		39
#define XENPF_get_cpu_version		48
#define XENPF_efi_runtime_call		49
#define XENPF_firmware_info		50 /* struct xenpf_firmware_info */
#define XENPF_enter_acpi_sleep		51 /* struct xenpf_enter_acpi_sleep */
#define XENPF_change_freq		52
#define XENPF_getidletime		53
#define XENPF_set_processor_pminfo	54
#define XENPF_get_cpuinfo		55 /* struct xenpf_pcpuinfo */
#define XENPF_cpu_online		56
#define XENPF_cpu_offline		57
#define XENPF_cpu_hotadd		58
#define XENPF_mem_hotadd		59
#define XENPF_core_parking		60
#define XENPF_resource_op		61
#define XENPF_settime64			62 /* struct xenpf_settime64 */
#define XENPF_get_symbol		63
#define XENPF_get_dom0_console		64 /* newer than Xen 4.17 */
#define XENPF_get_ucode_revision	65 /* newer than Xen 4.17 */
#define XENPF_microcode_update2		66 /* newer than Xen 4.17 */

/* xenpf_firmware_info.type: which BIOS/EFI data to return. */
#define XEN_FW_DISK_INFO		1 /* INT 13h AH=08h/41h/48h */
#define XEN_FW_DISK_MBR_SIGNATURE	2 /* MBR bytes 0x1b8..0x1bb */
#define XEN_FW_VBEDDC_INFO		3 /* INT 10h AX=4F15h (EDID) */
#define XEN_FW_EFI_INFO			4 /* EFI, index = XEN_FW_EFI_* */
#define XEN_FW_KBD_SHIFT_FLAGS		5 /* INT 16h AH=02h */

/* xenpf_firmware_info.index for XEN_FW_EFI_INFO */
#define XEN_FW_EFI_VERSION		0
#define XEN_FW_EFI_CONFIG_TABLE		1
#define XEN_FW_EFI_VENDOR		2
#define XEN_FW_EFI_MEM_INFO		3
#define XEN_FW_EFI_RT_VERSION		4
#define XEN_FW_EFI_PCI_ROM		5
#define XEN_FW_EFI_APPLE_PROPERTIES	6

/* xenpf_enter_acpi_sleep.flags: val_a/val_b are sleep types (ACPI 5). */
#define XENPF_ACPI_SLEEP_EXTENDED	0x00000001

/* xenpf_pcpuinfo.flags */
#define XEN_PCPU_FLAGS_ONLINE		1
#define XEN_PCPU_FLAGS_INVALID		2 /* no such CPU */

#ifndef __ASSEMBLER__

/* Set the wall clock: secs/nsecs correspond to system_time. */
struct xenpf_settime32 {
	uint32_t secs;
	uint32_t nsecs;
	uint64_t system_time;
};
_Static_assert(sizeof(struct xenpf_settime32) == 16, "xenpf_settime32");

struct xenpf_settime64 {
	uint64_t secs;
	uint32_t nsecs;
	uint32_t mbz;			/* must be zero */
	uint64_t system_time;
};
_Static_assert(sizeof(struct xenpf_settime64) == 24, "xenpf_settime64 size");
_Static_assert(offsetof(struct xenpf_settime64, system_time) == 16,
	       "xenpf_settime64.system_time");

/* Boot firmware information collected by the hypervisor. */
struct xenpf_firmware_info {
	uint32_t type;			/* IN: XEN_FW_* */
	uint32_t index;			/* IN: disk number, EFI item, ... */
	union {				/* OUT */
		struct {
			uint8_t device;	/* BIOS drive number (%dl) */
			uint8_t version; /* EDD major version (%ah) */
			uint16_t interface_support; /* EDD bitmap (%cx) */
			uint16_t legacy_max_cylinder;
			uint8_t legacy_max_head;
			uint8_t legacy_sectors_per_track;
			/* EDD parameter buffer; its first u16 = size */
			guest_handle_t edd_params;
		} disk_info;
		struct {
			uint8_t device;	/* BIOS drive number */
			uint8_t _pad0[3];
			uint32_t mbr_signature;
		} disk_mbr_signature;
		struct {
			uint8_t capabilities;
			uint8_t edid_transfer_time;
			uint8_t _pad0[6];
			guest_handle_t edid; /* 128-byte buffer */
		} vbeddc_info;
		union {
			uint32_t version;
			struct {
				uint64_t addr; /* EFI config table */
				uint32_t nent;
				uint32_t _pad0;
			} cfg;
			struct {
				uint32_t revision;
				uint32_t bufsz;	/* IN: bytes */
				guest_handle_t name; /* UCS-2 string */
			} vendor;
			struct {
				uint64_t addr;
				uint64_t size;
				uint64_t attr;
				uint32_t type;
				uint32_t _pad0;
			} mem;
			struct {
				uint16_t segment; /* IN */
				uint8_t bus;	/* IN */
				uint8_t devfn;	/* IN */
				uint16_t vendor; /* IN */
				uint16_t devid;	/* IN */
				uint64_t address;
				xen_ulong_t size;
			} pci_rom;
			struct {
				uint64_t address;
				xen_ulong_t size;
			} apple_properties;
		} efi_info;
		uint8_t kbd_shift_flags;
	} u;
};
_Static_assert(sizeof(struct xenpf_firmware_info) == 40,
	       "xenpf_firmware_info size");
_Static_assert(offsetof(struct xenpf_firmware_info, u) == 8,
	       "xenpf_firmware_info.u");
_Static_assert(offsetof(struct xenpf_firmware_info,
			u.disk_info.edd_params) == 16,
	       "xenpf_firmware_info.u.disk_info.edd_params");
_Static_assert(offsetof(struct xenpf_firmware_info,
			u.disk_mbr_signature.mbr_signature) == 12,
	       "xenpf_firmware_info.u.disk_mbr_signature.mbr_signature");

/* Enter an ACPI sleep state; S5 (poweroff) does not return. */
struct xenpf_enter_acpi_sleep {
	uint16_t val_a;			/* PM1a control / sleep type A */
	uint16_t val_b;			/* PM1b control / sleep type B */
	uint32_t sleep_state;		/* the N of Sn */
	uint32_t flags;			/* XENPF_ACPI_SLEEP_* */
};
_Static_assert(sizeof(struct xenpf_enter_acpi_sleep) == 12,
	       "xenpf_enter_acpi_sleep");

/* Physical CPU information by hypervisor CPU number. */
struct xenpf_pcpuinfo {
	uint32_t xen_cpuid;		/* IN */
	uint32_t max_present;		/* OUT: highest CPU number present */
	uint32_t flags;			/* OUT: XEN_PCPU_FLAGS_* */
	uint32_t apic_id;		/* OUT */
	uint32_t acpi_id;		/* OUT */
};
_Static_assert(sizeof(struct xenpf_pcpuinfo) == 20, "xenpf_pcpuinfo");

struct xen_platform_op {
	uint32_t cmd;			/* XENPF_* */
	uint32_t interface_version;	/* XENPF_INTERFACE_VERSION */
	union {
		struct xenpf_settime32 settime32;
		struct xenpf_settime64 settime64;
		struct xenpf_firmware_info firmware_info;
		struct xenpf_enter_acpi_sleep enter_acpi_sleep;
		struct xenpf_pcpuinfo pcpu_info;
		uint8_t pad[128];
	} u;
};
_Static_assert(sizeof(struct xen_platform_op) == 136,
	       "xen_platform_op size");
_Static_assert(offsetof(struct xen_platform_op, u) == 8,
	       "xen_platform_op.u");

#endif /* !__ASSEMBLER__ */

#endif /* TANDEM_PUBLIC_PLATFORM_H */
