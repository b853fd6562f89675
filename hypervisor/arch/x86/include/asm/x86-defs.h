/* SPDX-License-Identifier: MIT */
/*
 * Architectural constants of x86-64: control-register bits, MSR numbers,
 * page-table entry bits, flags and exception vectors. Included from
 * assembly, so constants only.
 */
#ifndef ASM_X86_DEFS_H
#define ASM_X86_DEFS_H

#ifdef __ASSEMBLER__
#define BIT(n)		(1 << (n))
#else
#define BIT(n)		(1UL << (n))
#endif

#define CR0_PE		BIT(0)
#define CR0_MP		BIT(1)
#define CR0_EM		BIT(2)
#define CR0_TS		BIT(3)
#define CR0_ET		BIT(4)
#define CR0_NE		BIT(5)
#define CR0_WP		BIT(16)
#define CR0_AM		BIT(18)
#define CR0_PG		BIT(31)

#define CR4_VME		BIT(0)
#define CR4_PVI		BIT(1)
#define CR4_TSD		BIT(2)
#define CR4_DE		BIT(3)
#define CR4_PSE		BIT(4)
#define CR4_PAE		BIT(5)
#define CR4_MCE		BIT(6)
#define CR4_PGE		BIT(7)
#define CR4_PCE		BIT(8)
#define CR4_OSFXSR	BIT(9)
#define CR4_OSXMMEXCPT	BIT(10)
#define CR4_UMIP	BIT(11)
#define CR4_FSGSBASE	BIT(16)
#define CR4_OSXSAVE	BIT(18)
#define CR4_SMEP	BIT(20)
#define CR4_SMAP	BIT(21)

#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103
#define MSR_TSC			0x00000010
#define MSR_APIC_BASE		0x0000001b
#define MSR_SYSENTER_CS		0x00000174
#define MSR_SYSENTER_ESP	0x00000175
#define MSR_SYSENTER_EIP	0x00000176
#define MSR_MISC_ENABLE		0x000001a0
#define MSR_PAT			0x00000277
#define MSR_TSC_DEADLINE	0x000006e0

#define EFER_SCE	BIT(0)
#define EFER_LME	BIT(8)
#define EFER_LMA	BIT(10)
#define EFER_NXE	BIT(11)

/* Page-table entry bits, all levels. */
#define PTE_P		BIT(0)
#define PTE_RW		BIT(1)
#define PTE_US		BIT(2)
#define PTE_PWT		BIT(3)
#define PTE_PCD		BIT(4)
#define PTE_A		BIT(5)
#define PTE_D		BIT(6)
#define PTE_PS		BIT(7)	/* L2/L3: large page */
#define PTE_PAT		BIT(7)	/* L1: PAT index bit 2 */
#define PTE_G		BIT(8)
#define PTE_AVAIL0	BIT(9)
#define PTE_AVAIL1	BIT(10)
#define PTE_AVAIL2	BIT(11)
#define PTE_NX		BIT(63)

#define RFLAGS_CF	BIT(0)
#define RFLAGS_MBS	BIT(1)	/* always set */
#define RFLAGS_PF	BIT(2)
#define RFLAGS_AF	BIT(4)
#define RFLAGS_ZF	BIT(6)
#define RFLAGS_SF	BIT(7)
#define RFLAGS_TF	BIT(8)
#define RFLAGS_IF	BIT(9)
#define RFLAGS_DF	BIT(10)
#define RFLAGS_OF	BIT(11)
#define RFLAGS_IOPL	(BIT(12) | BIT(13))
#define RFLAGS_NT	BIT(14)
#define RFLAGS_RF	BIT(16)
#define RFLAGS_VM	BIT(17)
#define RFLAGS_AC	BIT(18)
#define RFLAGS_VIF	BIT(19)
#define RFLAGS_VIP	BIT(20)
#define RFLAGS_ID	BIT(21)

/* Exception vectors. */
#define X86_EXC_DE	0
#define X86_EXC_DB	1
#define X86_EXC_NMI	2
#define X86_EXC_BP	3
#define X86_EXC_OF	4
#define X86_EXC_BR	5
#define X86_EXC_UD	6
#define X86_EXC_NM	7
#define X86_EXC_DF	8
#define X86_EXC_TS	10
#define X86_EXC_NP	11
#define X86_EXC_SS	12
#define X86_EXC_GP	13
#define X86_EXC_PF	14
#define X86_EXC_MF	16
#define X86_EXC_AC	17
#define X86_EXC_MC	18
#define X86_EXC_XM	19
#define X86_EXC_VE	20
#define X86_EXC_CP	21
#define X86_NR_EXCEPTIONS 32

/* Page-fault error code bits. */
#define PFEC_PRESENT	BIT(0)
#define PFEC_WRITE	BIT(1)
#define PFEC_USER	BIT(2)
#define PFEC_RSVD	BIT(3)
#define PFEC_INSN	BIT(4)

#endif
