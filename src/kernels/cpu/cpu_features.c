/* cpu_features.c - what the CPU and the OS let us run, from CPUID and XGETBV.
 *
 * A feature counts only when both the CPUID bit and the OS-enabled register
 * state (XCR0) are present: AVX needs XMM|YMM state, AVX-512 also the opmask
 * and ZMM state, AMX the tile config and tile data state. This file is built
 * for baseline x86-64 and executes no instruction it is detecting.
 */
#define _GNU_SOURCE /* syscall() */
#include <stdio.h>
#include <string.h>

#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "cpu_kernels.h"
#include "pal/pal.h"

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

int pal__amx_request_permission(void) {
#if defined(__linux__) && defined(__x86_64__)
  return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0 ? 0 : -1;
#else
  return -1;
#endif
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_xcr0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

static void cpu_brand(char *model, size_t size) {
  const char *s = "unknown";
  char brand[49] = {0};
  if (__get_cpuid_max(0x80000000u, NULL) >= 0x80000004u) {
    unsigned r[12];
    for (unsigned i = 0; i < 3; ++i)
      __get_cpuid(0x80000002u + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
    memcpy(brand, r, 48);
    s = brand;
    while (*s == ' ') ++s; /* brand strings are often right-justified */
    if (!*s) s = "unknown";
  }
  snprintf(model, size, "%s", s);
}

void pal_cpu_info_get(pal_cpu_info *out) {
  memset(out, 0, sizeof *out);
  out->best_isa = PAL_ISA_SCALAR;
  unsigned a = 0, b = 0, c = 0, d = 0;
  unsigned max_leaf = __get_cpuid_max(0, NULL);
  if (max_leaf == 0) return;
  __get_cpuid(0, &a, &b, &c, &d);
  memcpy(out->vendor, &b, 4);
  memcpy(out->vendor + 4, &d, 4);
  memcpy(out->vendor + 8, &c, 4);
  out->vendor[12] = 0;
  cpu_brand(out->model, sizeof out->model);

  __get_cpuid(1, &a, &b, &c, &d);
  int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  int fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
  uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  int os_ymm = (xcr0 & 0x6) == 0x6;            /* XMM | YMM */
  int os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0; /* opmask | ZMM_Hi256 | Hi16_ZMM */
  int os_amx = (xcr0 & 0x60000) == 0x60000;     /* XTILECFG | XTILEDATA */
  if (max_leaf < 7 || !avx || !os_ymm) return;

  __cpuid_count(7, 0, a, b, c, d);
  unsigned ebx7 = b, edx7 = d;
  __cpuid_count(7, 1, a, b, c, d);
  unsigned eax71 = a;

  out->fma = fma;
  out->f16c = f16c;
  out->avx2 = (ebx7 >> 5) & 1;
  if (os_zmm) {
    out->avx512f = (ebx7 >> 16) & 1;
    out->avx512dq = (ebx7 >> 17) & 1;
    out->avx512bw = (ebx7 >> 30) & 1;
    out->avx512vl = (ebx7 >> 31) & 1;
    out->avx512_fp16 = (edx7 >> 23) & 1;
    out->avx512_bf16 = (eax71 >> 5) & 1;
  }
  if (os_amx) {
    out->amx_bf16 = (edx7 >> 22) & 1;
    out->amx_tile = (edx7 >> 24) & 1;
    out->amx_int8 = (edx7 >> 25) & 1;
  }
  if (out->avx2 && out->fma && out->f16c) out->best_isa = PAL_ISA_AVX2;
  if (out->best_isa == PAL_ISA_AVX2 && out->avx512f && out->avx512bw && out->avx512vl &&
      out->avx512dq)
    out->best_isa = PAL_ISA_AVX512;
  /* The AMX kernels convert and split with AVX512_BF16; CPUs with AMX have it. */
  if (out->best_isa == PAL_ISA_AVX512 && out->amx_tile && out->amx_bf16 && out->avx512_bf16)
    out->best_isa = PAL_ISA_AMX;
}

#else /* not x86: only the scalar level */

void pal_cpu_info_get(pal_cpu_info *out) {
  memset(out, 0, sizeof *out);
  strcpy(out->vendor, "unknown");
  strcpy(out->model, "unknown");
  out->best_isa = PAL_ISA_SCALAR;
}

#endif

int pal_isa_supported(pal_isa isa) {
  if (isa == PAL_ISA_AUTO || isa == PAL_ISA_SCALAR) return 1;
  if (isa <= PAL_ISA_SCALAR || isa >= PAL_ISA_COUNT) return 0;
  pal_cpu_info info;
  pal_cpu_info_get(&info);
  if (isa > info.best_isa) return 0;
  /* The CPU has AMX but the OS must also grant the tile state to us. */
  if (isa == PAL_ISA_AMX) return pal__amx_request_permission() == 0;
  return 1;
}
