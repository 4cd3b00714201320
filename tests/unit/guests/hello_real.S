/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Real-mode test guest, linked and entered at 0x1000: "hello\n" to COM1 one
 * OUT per byte, then 42 to the exit port, then HLT (reached only when no
 * exit port is registered). */
	.code16
	.text
	.globl _start
_start:
	cld
	mov	$msg, %si
	mov	$0x3f8, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	mov	$0xf4, %dx
	mov	$42, %al
	outb	%al, %dx
3:	hlt
	jmp	3b
msg:	.asciz	"hello\n"
