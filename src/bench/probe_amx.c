/* probe_amx.c - AMX-BF16 peak: back-to-back TDPBF16PS on four accumulator
 * tiles. Linux hands out AMX tile state only on request, once per process
 * (arch_prctl ARCH_REQ_XCOMP_PERM); bench__amx_enable does that. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

int bench__amx_enable(void) {
  return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0 ? 0 : -1;
}

#pragma GCC target("amx-tile,amx-bf16")
#include <immintrin.h>

/* Palette 1 tile configuration: 8 tiles of 16 rows x 64 bytes. */
typedef struct tile_config {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
} tile_config;

double bench__amx_bf16_loop(int64_t iters) {
  tile_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.palette_id = 1;
  for (int t = 0; t < 8; ++t) {
    cfg.colsb[t] = 64;
    cfg.rows[t] = 16;
  }
  _tile_loadconfig(&cfg);
  static const uint16_t ones[16 * 32] = {0}; /* bf16 zeros: values do not matter for speed */
  float out[16 * 16];
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, ones, 64);
  _tile_loadd(5, ones, 64);
  _tile_loadd(6, ones, 64);
  _tile_loadd(7, ones, 64);
  /* Each TDPBF16PS: 16 x 16 outputs x 32 bf16 products = 16384 FLOPs. */
  for (int64_t i = 0; i < iters; ++i) {
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  _tile_stored(0, out, 64);
  _tile_release();
  return out[0];
}
