/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 64-bit bare-metal virtio guest, linked and entered at 0x100000 with the
 * VMM's identity page tables.  It finds the virtio-mmio device at
 * 0xd0000000 (magic, version 2, device id 3: a console), negotiates
 * VERSION_1 only (no multiport: port 0 is open at once), sets up port 0's
 * transmit queue (queue 1, 4 entries, rings at 2 MiB), sends one string
 * through it, checks the used ring came back, and writes the device
 * status it reads (0x0f) to the exit port.  Any check failing exits with
 * a code naming the step (0xe1..0xe6). */
	.code64
	.text
	.globl _start
	.set	MMIO, 0xd0000000
	.set	DESC, 0x200000
	.set	AVAIL, 0x201000
	.set	USED, 0x202000
_start:
	mov	$MMIO, %rbx
	mov	$0xe1, %cl
	mov	0x00(%rbx), %eax	/* MagicValue "virt" */
	cmp	$0x74726976, %eax
	jne	fail
	mov	$0xe2, %cl
	mov	0x04(%rbx), %eax	/* Version */
	cmp	$2, %eax
	jne	fail
	mov	$0xe3, %cl
	mov	0x08(%rbx), %eax	/* DeviceID: console */
	cmp	$3, %eax
	jne	fail
	movl	$0, 0x70(%rbx)		/* reset */
	movl	$1, 0x70(%rbx)		/* ACKNOWLEDGE */
	movl	$3, 0x70(%rbx)		/* DRIVER */
	movl	$1, 0x24(%rbx)		/* DriverFeaturesSel 1 */
	movl	$1, 0x20(%rbx)		/* bit 32: VERSION_1 */
	movl	$0, 0x24(%rbx)
	movl	$0, 0x20(%rbx)
	movl	$0xb, 0x70(%rbx)	/* FEATURES_OK */
	mov	$0xe4, %cl
	mov	0x70(%rbx), %eax
	cmp	$0xb, %eax
	jne	fail
	movl	$1, 0x30(%rbx)		/* QueueSel 1: port 0 transmitq */
	movl	$4, 0x38(%rbx)		/* QueueNum */
	movl	$DESC, 0x80(%rbx)
	movl	$0, 0x84(%rbx)
	movl	$AVAIL, 0x90(%rbx)
	movl	$0, 0x94(%rbx)
	movl	$USED, 0xa0(%rbx)
	movl	$0, 0xa4(%rbx)
	movl	$1, 0x44(%rbx)		/* QueueReady */
	movl	$0xf, 0x70(%rbx)	/* DRIVER_OK */
	mov	$DESC, %rdi		/* descriptor 0: the message, readable */
	lea	msg(%rip), %rax
	mov	%rax, 0(%rdi)
	movl	$(msg_end - msg), 8(%rdi)
	movl	$0, 12(%rdi)		/* flags 0, next 0 */
	mov	$AVAIL, %rdi
	movw	$0, 4(%rdi)		/* ring[0] = descriptor 0 */
	movw	$1, 2(%rdi)		/* idx = 1 (x86 keeps store order) */
	movl	$1, 0x50(%rbx)		/* QueueNotify 1 */
	mov	$0xe5, %cl
	mov	$USED, %rdi
	cmpw	$1, 2(%rdi)		/* used->idx: the device took it */
	jne	fail
	mov	$0xe6, %cl
	cmpl	$0, 4(%rdi)		/* used->ring[0].id */
	jne	fail
	mov	0x70(%rbx), %eax	/* Status: 0x0f, the exit code */
	jmp	out
fail:
	mov	%cl, %al
out:
	mov	$0xf4, %dx
	outb	%al, %dx
1:	hlt
	jmp	1b
msg:	.ascii	"hello from a virtio guest\n"
msg_end:
