/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Flat 32-bit protected-mode test guest (the PVH entry state), linked and
 * entered at 0x100000: "hello\n" to COM1, then 32 to the exit port. */
	.code32
	.text
	.globl _start
_start:
	cld
	mov	$msg, %esi
	mov	$0x3f8, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	mov	$0xf4, %dx
	mov	$32, %al
	outb	%al, %dx
3:	hlt
	jmp	3b
msg:	.asciz	"hello\n"
