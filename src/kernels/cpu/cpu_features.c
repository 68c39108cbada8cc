/* cpu_features.c - what the CPU and the OS let us run, from CPUID and XGETBV.
 *
 * A feature counts only when both the CPUID bit and the OS-enabled register
 * state (XCR0) are present: AVX needs XMM|YMM state, AVX-512 also the opmask
 * and ZMM state, AMX the tile config and tile data state. This file is built
 * for baseline x86-64 and executes no instruction it is detecting.
 */
#define _GNU_SOURCE /* syscall() */
#include "../baseline_only.h"

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

/* One detection: CPUID and XCR0 read once; every level above the scalar one
 * that this CPU/OS cannot run gets the reason it was refused. */
void pal__cpu_detect(pal__cpu_detection *det) {
  memset(det, 0, sizeof *det);
  pal_cpu_info *out = &det->info;
  out->best_isa = PAL_ISA_SCALAR;
  const char **why = det->refused;
  why[PAL_ISA_AVX2] = why[PAL_ISA_AVX512] = why[PAL_ISA_AMX] = "CPUID reports no leaf 1";
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
  const char *base = max_leaf < 7 ? "CPUID has no leaf 7"
                     : !avx       ? "the CPU has no AVX"
                     : !os_ymm    ? "AVX supported by the CPU, but the OS does not save YMM state (XCR0)"
                                  : NULL;
  if (base) {
    why[PAL_ISA_AVX2] = why[PAL_ISA_AVX512] = why[PAL_ISA_AMX] = base;
    return;
  }

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
  why[PAL_ISA_AVX2] = !out->avx2 ? "the CPU has no AVX2"
                      : !out->fma ? "the CPU has no FMA"
                      : !out->f16c ? "the CPU has no F16C"
                                   : NULL;
  if (!why[PAL_ISA_AVX2]) out->best_isa = PAL_ISA_AVX2;
  if (out->best_isa != PAL_ISA_AVX2)
    why[PAL_ISA_AVX512] = "the level below (avx2) is refused";
  else if (!os_zmm)
    why[PAL_ISA_AVX512] = ((ebx7 >> 16) & 1) ? "AVX-512 supported by the CPU, but the OS does not save ZMM state (XCR0)"
                                             : "the CPU has no AVX512F";
  else if (!(out->avx512f && out->avx512bw && out->avx512vl && out->avx512dq))
    why[PAL_ISA_AVX512] = "the CPU lacks one of AVX512F, AVX512BW, AVX512VL, AVX512DQ";
  else
    out->best_isa = PAL_ISA_AVX512;
  /* The AMX kernels convert and split with AVX512_BF16; CPUs with AMX have it. */
  if (out->best_isa != PAL_ISA_AVX512)
    why[PAL_ISA_AMX] = "the level below (avx512) is refused";
  else if (!os_amx)
    why[PAL_ISA_AMX] = ((edx7 >> 24) & 1) ? "AMX supported by the CPU, but the OS does not enable tile state (XCR0)"
                                          : "the CPU has no AMX-TILE";
  else if (!(out->amx_tile && out->amx_bf16 && out->avx512_bf16))
    why[PAL_ISA_AMX] = "the CPU lacks one of AMX-TILE, AMX-BF16, AVX512_BF16";
  else
    out->best_isa = PAL_ISA_AMX;
}

#else /* not x86: only the scalar level */

void pal__cpu_detect(pal__cpu_detection *det) {
  memset(det, 0, sizeof *det);
  strcpy(det->info.vendor, "unknown");
  strcpy(det->info.model, "unknown");
  det->info.best_isa = PAL_ISA_SCALAR;
  for (int i = PAL_ISA_AVX2; i < PAL_ISA_COUNT; ++i) det->refused[i] = "not an x86-64 CPU";
}

#endif

void pal_cpu_info_get(pal_cpu_info *out) {
  pal__cpu_detection det;
  pal__cpu_detect(&det);
  *out = det.info;
}

int pal_isa_supported(pal_isa isa) {
  if (isa == PAL_ISA_AUTO || isa == PAL_ISA_SCALAR) return 1;
  if (isa <= PAL_ISA_SCALAR || isa >= PAL_ISA_COUNT) return 0;
  pal__cpu_detection det;
  pal__cpu_detect(&det);
  if (isa > det.info.best_isa) return 0;
  /* The CPU has AMX but the OS must also grant the tile state to us. */
  if (isa == PAL_ISA_AMX) return pal__amx_request_permission() == 0;
  return 1;
}
