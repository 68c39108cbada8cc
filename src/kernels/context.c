/* context.c - creating a context: choosing the CPU kernel level (explicit,
 * PAL_ISA from the environment, or the best detected) and the thread count.
 *
 * A forced level that this machine cannot run is an error that lists what it
 * can run; we never downgrade silently, so a test that asks for AVX-512 really
 * ran AVX-512. PAL_ISA_DEBUG=1 prints the decision to stderr (the one place
 * libpal prints, and only when asked).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "context.h"
#include "error.h"

static int name_equals(const char *a, const char *b) {
  for (; *a && *b; ++a, ++b)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

static void list_supported(char *buf, size_t size) {
  buf[0] = 0;
  for (int i = PAL_ISA_SCALAR; i < PAL_ISA_COUNT; ++i) {
    if (!pal_isa_supported((pal_isa)i)) continue;
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "%s%s", used ? ", " : "", pal_isa_name((pal_isa)i));
  }
}

static pal_status choose_isa(pal_isa requested, pal_isa *out, pal_error *err) {
  char avail[64];
  list_supported(avail, sizeof avail);
  if (requested == PAL_ISA_AUTO) {
    const char *env = getenv("PAL_ISA");
    if (env && *env && !name_equals(env, "auto")) {
      for (int i = PAL_ISA_SCALAR; i < PAL_ISA_COUNT; ++i)
        if (name_equals(env, pal_isa_name((pal_isa)i))) requested = (pal_isa)i;
      if (requested == PAL_ISA_AUTO)
        return PAL__FAIL(err, PAL_E_ISA, "PAL_ISA=%s is not a known level (this machine runs: %s)",
                         env, avail);
    }
  }
  if (requested == PAL_ISA_AUTO) {
    pal_cpu_info info;
    pal_cpu_info_get(&info);
    *out = info.best_isa;
    /* AMX also needs the OS's consent; without it the best level we may
     * run is AVX-512 (that is what "best" means, not a downgrade). */
    if (*out == PAL_ISA_AMX && !pal_isa_supported(PAL_ISA_AMX)) *out = PAL_ISA_AVX512;
    return PAL_OK;
  }
  if ((int)requested < PAL_ISA_SCALAR || (int)requested >= PAL_ISA_COUNT)
    return PAL__FAIL(err, PAL_E_ISA, "isa = %d is not a known level (this machine runs: %s)",
                     (int)requested, avail);
  if (!pal_isa_supported(requested))
    return PAL__FAIL(err, PAL_E_ISA, "isa %s is not supported by this CPU/OS (this machine runs: %s)",
                     pal_isa_name(requested), avail);
  *out = requested;
  return PAL_OK;
}

pal_status pal_context_create(const pal_context_options *options, pal_context **out,
                              pal_error *err) {
  if (!out) return PAL__FAIL(err, PAL_E_NULL, "out is NULL");
  *out = NULL;
  pal_context_options defaults = {PAL_ISA_AUTO, 0};
  if (!options) options = &defaults;
  if (options->num_threads < 0)
    return PAL__FAIL(err, PAL_E_ARG, "num_threads = %d is negative", options->num_threads);
  pal_isa isa = PAL_ISA_SCALAR;
  PAL__TRY(choose_isa(options->isa, &isa, err));

  pal_context *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return PAL__FAIL(err, PAL_E_NOMEM, "allocating the context failed");
  switch (isa) {
    case PAL_ISA_AMX: pal__cpu_kernels_init_amx(&ctx->kernels); break;
    case PAL_ISA_AVX512: pal__cpu_kernels_init_avx512(&ctx->kernels); break;
    case PAL_ISA_AVX2: pal__cpu_kernels_init_avx2(&ctx->kernels); break;
    default: pal__cpu_kernels_init_scalar(&ctx->kernels); break;
  }
  /* the prefill engine's micro-kernels, same level */
  switch (isa) {
    case PAL_ISA_AMX: pal__prefill_kernels_init_amx(&ctx->kernels.prefill); break;
    case PAL_ISA_AVX512: pal__prefill_kernels_init_avx512(&ctx->kernels.prefill); break;
    case PAL_ISA_AVX2: pal__prefill_kernels_init_avx2(&ctx->kernels.prefill); break;
    default: pal__prefill_kernels_init_scalar(&ctx->kernels.prefill); break;
  }
  ctx->num_threads = options->num_threads;
  const char *dbg = getenv("PAL_ISA_DEBUG");
  if (dbg && *dbg && strcmp(dbg, "0") != 0)
    fprintf(stderr, "pal: context uses isa %s (requested %s)\n", pal_isa_name(isa),
            pal_isa_name(options->isa) ? pal_isa_name(options->isa) : "?");
  *out = ctx;
  return PAL_OK;
}

void pal_context_destroy(pal_context *ctx) { free(ctx); }

pal_isa pal_context_isa(const pal_context *ctx) { return ctx ? ctx->kernels.isa : PAL_ISA_AUTO; }

static int default_threads(void) {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

int pal_context_num_threads(const pal_context *ctx) {
  return ctx && ctx->num_threads > 0 ? ctx->num_threads : default_threads();
}

int pal__resolve_threads(const pal_context *ctx, const pal_attention_options *options) {
  if (options && options->num_threads > 0) return options->num_threads;
  return pal_context_num_threads(ctx);
}
