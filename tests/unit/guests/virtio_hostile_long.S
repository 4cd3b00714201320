/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 64-bit bare-metal hostile virtio guest (entered at 0x100000 with the
 * VMM's identity page tables, like virtio_console_long.S).  It sets up the
 * console's port 0 transmit queue and hands the device, each after a
 * fresh reset: (1) a descriptor that chains to itself (a loop), (2) a
 * buffer at an address far outside guest RAM, (3) a buffer of 4 GiB - 1
 * bytes; after each it reads the status, which must have
 * DEVICE_NEEDS_RESET (0x40) set.  (4) After a last reset a well-formed
 * message must still go through (the used ring advances).  Exit code:
 * 0x10 | one bit per attack the device refused (1, 2, 4) | 8 when the
 * last message went through, so 0x1f when all is well. */
	.code64
	.text
	.globl _start
	.set	MMIO, 0xd0000000
	.set	DESC, 0x200000
	.set	AVAIL, 0x201000
	.set	USED, 0x202000
_start:
	mov	$0x3ff000, %rsp
	mov	$MMIO, %rbx
	mov	$0x10, %r12d
	/* (1) a descriptor loop: desc 0 -> desc 0 */
	call	setup
	mov	$DESC, %rdi
	lea	msg(%rip), %rax
	mov	%rax, 0(%rdi)
	movl	$(msg_end - msg), 8(%rdi)
	movw	$1, 12(%rdi)		/* VIRTQ_DESC_F_NEXT */
	movw	$0, 14(%rdi)		/* next: itself */
	call	kick
	test	$0x40, %eax
	jz	1f
	or	$1, %r12d
1:	/* (2) an address outside guest RAM */
	call	setup
	mov	$DESC, %rdi
	movabs	$0x7fff00000000, %rax
	mov	%rax, 0(%rdi)
	movl	$16, 8(%rdi)
	movl	$0, 12(%rdi)
	call	kick
	test	$0x40, %eax
	jz	1f
	or	$2, %r12d
1:	/* (3) a huge length */
	call	setup
	mov	$DESC, %rdi
	movq	$DESC, 0(%rdi)
	movl	$0xffffffff, 8(%rdi)
	movl	$0, 12(%rdi)
	call	kick
	test	$0x40, %eax
	jz	1f
	or	$4, %r12d
1:	/* (4) after a reset, a good message still goes through */
	call	setup
	mov	$DESC, %rdi
	lea	msg(%rip), %rax
	mov	%rax, 0(%rdi)
	movl	$(msg_end - msg), 8(%rdi)
	movl	$0, 12(%rdi)
	call	kick
	mov	$USED, %rdi
	cmpw	$1, 2(%rdi)
	jne	1f
	or	$8, %r12d
1:	mov	%r12d, %eax
	mov	$0xf4, %dx
	outb	%al, %dx
2:	hlt
	jmp	2b

/* reset the device and set up queue 1 (port 0's transmitq), DRIVER_OK */
setup:
	movl	$0, 0x70(%rbx)		/* reset */
	movw	$0, AVAIL+2		/* avail->idx */
	movw	$0, USED+2		/* used->idx */
	movl	$1, 0x70(%rbx)		/* ACKNOWLEDGE */
	movl	$3, 0x70(%rbx)		/* DRIVER */
	movl	$1, 0x24(%rbx)		/* DriverFeaturesSel 1 */
	movl	$1, 0x20(%rbx)		/* bit 32: VERSION_1 */
	movl	$0, 0x24(%rbx)
	movl	$0, 0x20(%rbx)
	movl	$0xb, 0x70(%rbx)	/* FEATURES_OK */
	movl	$1, 0x30(%rbx)		/* QueueSel 1 */
	movl	$4, 0x38(%rbx)		/* QueueNum */
	movl	$DESC, 0x80(%rbx)
	movl	$0, 0x84(%rbx)
	movl	$AVAIL, 0x90(%rbx)
	movl	$0, 0x94(%rbx)
	movl	$USED, 0xa0(%rbx)
	movl	$0, 0xa4(%rbx)
	movl	$1, 0x44(%rbx)		/* QueueReady */
	movl	$0xf, 0x70(%rbx)	/* DRIVER_OK */
	ret

/* make descriptor 0 available, notify, return the status in %eax */
kick:
	mov	$AVAIL, %rdi
	movw	$0, 4(%rdi)		/* ring[0] = descriptor 0 */
	movw	$1, 2(%rdi)		/* idx = 1 */
	movl	$1, 0x50(%rbx)		/* QueueNotify 1 */
	mov	0x70(%rbx), %eax
	ret
msg:	.ascii	"hello from a hostile guest\n"
msg_end:
