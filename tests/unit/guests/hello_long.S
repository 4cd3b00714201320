/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 64-bit long-mode test guest, linked and entered at 0x100000 with the
 * VMM's identity page tables:
 *  - "hello\n" to COM1, one OUT per byte;
 *  - CPUID leaf 0x40000000 (the hypervisor signature, present only if the
 *    VMM loaded KVM's CPUID) sent with one REP OUTSB, then "\n";
 *  - a 4-byte MMIO write of 0x1234 to the test device at 0xd0000000 and a
 *    read back (the device answers value + 1);
 *  - the low byte of what it read to the exit port. */
	.code64
	.text
	.globl _start
_start:
	cld
	lea	msg(%rip), %rsi
	mov	$0x3f8, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	mov	$0x40000000, %eax
	cpuid
	sub	$16, %rsp
	mov	%ebx, 0(%rsp)
	mov	%ecx, 4(%rsp)
	mov	%edx, 8(%rsp)
	mov	%rsp, %rsi
	mov	$0x3f8, %dx	/* CPUID clobbered it */
	mov	$9, %ecx
	rep outsb
	mov	$'\n', %al
	outb	%al, %dx
	mov	$0xd0000000, %ebx
	movl	$0x1234, (%rbx)
	movl	(%rbx), %eax
	mov	$0xf4, %dx
	outb	%al, %dx
3:	hlt
	jmp	3b
msg:	.asciz	"hello\n"
