/* cmd_info.c - `pal info`: what libpal sees on this machine and what it will
 * run: CPU model, usable ISA features, the kernel level a default context
 * picks (honouring PAL_ISA), its thread count and the library version.
 * `--json` prints the same as one JSON object for scripts. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "pal/pal.h"

typedef struct feature {
  const char *name;
  int on;
} feature;

int pal_cmd_info(int argc, char **argv) {
  int json = 0;
  for (int i = 0; i < argc; ++i) {
    if (!strcmp(argv[i], "--json")) {
      json = 1;
    } else {
      fprintf(stderr, "pal info: unknown option '%s' (usage: pal info [--json])\n", argv[i]);
      return 2;
    }
  }
  pal_cpu_info cpu;
  pal_cpu_info_get(&cpu);
  const feature features[] = {
      {"avx2", cpu.avx2},           {"fma", cpu.fma},
      {"f16c", cpu.f16c},           {"avx512f", cpu.avx512f},
      {"avx512bw", cpu.avx512bw},   {"avx512vl", cpu.avx512vl},
      {"avx512dq", cpu.avx512dq},   {"avx512_bf16", cpu.avx512_bf16},
      {"avx512_fp16", cpu.avx512_fp16}, {"amx_tile", cpu.amx_tile},
      {"amx_bf16", cpu.amx_bf16},   {"amx_int8", cpu.amx_int8},
  };
  const size_t nf = sizeof features / sizeof features[0];

  pal_context *ctx = NULL;
  pal_error err = {0};
  pal_status st = pal_context_create(NULL, &ctx, &err);
  const char *isa = st == PAL_OK ? pal_isa_name(pal_context_isa(ctx)) : "unavailable";
  int threads = pal_context_num_threads(ctx);

  if (json) {
    printf("{\"library_version\": \"%s\", \"cpu_vendor\": \"%s\", \"cpu_model\": \"%s\", ",
           pal_version(), cpu.vendor, cpu.model);
    printf("\"features\": [");
    int first = 1;
    for (size_t i = 0; i < nf; ++i)
      if (features[i].on) {
        printf("%s\"%s\"", first ? "" : ", ", features[i].name);
        first = 0;
      }
    printf("], \"best_isa\": \"%s\", \"isa\": \"%s\", \"threads\": %d}\n",
           pal_isa_name(cpu.best_isa), isa, threads);
  } else {
    printf("libpal      %s\n", pal_version());
    printf("cpu         %s (%s)\n", cpu.model, cpu.vendor);
    printf("features   ");
    for (size_t i = 0; i < nf; ++i)
      if (features[i].on) printf(" %s", features[i].name);
    printf("\nbest isa    %s\n", pal_isa_name(cpu.best_isa));
    printf("isa in use  %s\n", isa);
    printf("threads     %d\n", threads);
  }
  if (st != PAL_OK) {
    fprintf(stderr, "pal info: %s: %s\n", pal_status_name(st), err.message);
    return 1;
  }
  pal_context_destroy(ctx);
  return 0;
}
