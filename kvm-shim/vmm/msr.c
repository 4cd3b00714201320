/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The boot MSR table (the set Firecracker and QEMU program before the first
 * entry) and the one KVM_SET_MSRS call that loads it. */
#include "kvm-shim/vmm/msr.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>

/* Intel SDM vol. 4, table 2-2. */
#define MSR_IA32_TSC 0x10
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

#define MISC_ENABLE_FAST_STRING 1ULL
#define MTRR_ENABLE (1ULL << 11)
#define MTRR_TYPE_WRBACK 6ULL

static const struct
{
  uint32_t index;
  uint64_t value;
} boot_msrs[] = {
  { MSR_IA32_SYSENTER_CS, 0 },
  { MSR_IA32_SYSENTER_ESP, 0 },
  { MSR_IA32_SYSENTER_EIP, 0 },
  { MSR_STAR, 0 },
  { MSR_CSTAR, 0 },
  { MSR_KERNEL_GS_BASE, 0 },
  { MSR_SYSCALL_MASK, 0 },
  { MSR_LSTAR, 0 },
  { MSR_IA32_TSC, 0 },
  { MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING },
  { MSR_MTRR_DEF_TYPE, MTRR_ENABLE | MTRR_TYPE_WRBACK },
};

#define N_BOOT_MSRS (sizeof (boot_msrs) / sizeof (boot_msrs[0]))

int
vmm_msr_setup_boot (int vcpu_fd, hy_error_t *err)
{
  struct kvm_msrs *msrs;
  size_t i;
  int n;

  msrs = xzalloc (sizeof (*msrs) + N_BOOT_MSRS * sizeof (msrs->entries[0]));
  msrs->nmsrs = N_BOOT_MSRS;
  for (i = 0; i < N_BOOT_MSRS; i++)
    {
      msrs->entries[i].index = boot_msrs[i].index;
      msrs->entries[i].data = boot_msrs[i].value;
    }
  /* KVM_SET_MSRS returns how many it set, stopping at the first refused. */
  n = ioctl (vcpu_fd, KVM_SET_MSRS, msrs);
  free (msrs);
  if (n < 0)
    return hy_error_set (err, errno, "KVM_SET_MSRS");
  if ((size_t)n < N_BOOT_MSRS)
    return hy_error_set (err, 0, "KVM_SET_MSRS: MSR 0x%x refused", boot_msrs[n].index);
  return 0;
}
