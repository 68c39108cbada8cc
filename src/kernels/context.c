/* context.c - creating a context: choosing the CPU kernel level (explicit,
 * PAL_ISA from the environment, or the best detected) and the thread count.
 *
 * A forced level that this machine cannot run is an error that lists what it
 * can run; we never downgrade silently, so a test that asks for AVX-512 really
 * ran AVX-512. PAL_ISA_DEBUG=1 prints the decision to stderr (the one place
 * libpal prints, and only when asked).
 */
#include "baseline_only.h"

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

/* The levels detection allows, as "scalar, avx2, ...". AMX is listed when
 * the CPU and XCR0 allow it: the OS's permission is asked only for a
 * context that chooses AMX. */
static void list_supported(const pal__cpu_detection *det, char *buf, size_t size) {
  buf[0] = 0;
  for (int i = PAL_ISA_SCALAR; i <= (int)det->info.best_isa; ++i) {
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "%s%s", used ? ", " : "", pal_isa_name((pal_isa)i));
  }
}

static int isa_debug(void) {
  const char *dbg = getenv("PAL_ISA_DEBUG");
  return dbg && *dbg && strcmp(dbg, "0") != 0;
}

/* PAL_ISA_DEBUG: why each level above the scalar one was refused. */
static void debug_refusals(const pal__cpu_detection *det, const char *amx_refused) {
  for (int i = PAL_ISA_AVX2; i < PAL_ISA_COUNT; ++i) {
    const char *why = det->refused[i] ? det->refused[i] : i == PAL_ISA_AMX ? amx_refused : NULL;
    if (why) fprintf(stderr, "pal: isa %s refused: %s\n", pal_isa_name((pal_isa)i), why);
  }
}

#define AMX_DENIED "the OS refused the tile-data permission (arch_prctl ARCH_REQ_XCOMP_PERM)"

/* Detection once (CPUID + XCR0), then the AMX permission only if AMX is the
 * level chosen. */
static pal_status choose_isa(pal_isa requested, pal_isa *out, pal_error *err) {
  pal__cpu_detection det;
  pal__cpu_detect(&det);
  const char *amx_refused = NULL;
  char avail[64];
  if (requested == PAL_ISA_AUTO) {
    const char *env = getenv("PAL_ISA");
    if (env && *env && !name_equals(env, "auto")) {
      for (int i = PAL_ISA_SCALAR; i < PAL_ISA_COUNT; ++i)
        if (name_equals(env, pal_isa_name((pal_isa)i))) requested = (pal_isa)i;
      if (requested == PAL_ISA_AUTO) {
        list_supported(&det, avail, sizeof avail);
        return PAL__FAIL(err, PAL_E_ISA, "PAL_ISA=%s is not a known level (this machine runs: %s)",
                         env, avail);
      }
    }
  }
  if (requested == PAL_ISA_AUTO) {
    *out = det.info.best_isa;
    /* AMX also needs the OS's consent; without it the best level we may
     * run is AVX-512 (that is what "best" means, not a downgrade). */
    if (*out == PAL_ISA_AMX && pal__amx_request_permission() != 0) {
      *out = PAL_ISA_AVX512;
      amx_refused = AMX_DENIED;
    }
    if (isa_debug()) debug_refusals(&det, amx_refused);
    return PAL_OK;
  }
  if ((int)requested < PAL_ISA_SCALAR || (int)requested >= PAL_ISA_COUNT) {
    list_supported(&det, avail, sizeof avail);
    return PAL__FAIL(err, PAL_E_ISA, "isa = %d is not a known level (this machine runs: %s)",
                     (int)requested, avail);
  }
  int ok = requested <= det.info.best_isa;
  if (ok && requested == PAL_ISA_AMX && pal__amx_request_permission() != 0) {
    ok = 0;
    amx_refused = AMX_DENIED;
  }
  if (isa_debug()) debug_refusals(&det, amx_refused);
  if (!ok) {
    list_supported(&det, avail, sizeof avail);
    if (amx_refused) /* the OS said no: AMX is not among what this process runs */
      snprintf(avail, sizeof avail, "scalar, avx2, avx512");
    return PAL__FAIL(err, PAL_E_ISA, "isa %s is not supported by this CPU/OS (this machine runs: %s)",
                     pal_isa_name(requested), avail);
  }
  *out = requested;
  return PAL_OK;
}

pal_status pal__context_create_failing(const pal_context_options *options, long long fail_at,
                                       pal_context **out, pal_error *err) {
  if (!out) return PAL__FAIL(err, PAL_E_NULL, "out is NULL");
  *out = NULL;
  pal_context_options defaults = {PAL_ISA_AUTO, 0};
  if (!options) options = &defaults;
  if (options->num_threads < 0)
    return PAL__FAIL(err, PAL_E_ARG, "num_threads = %d is negative", options->num_threads);
  pal_isa isa = PAL_ISA_SCALAR;
  PAL__TRY(choose_isa(options->isa, &isa, err));

  /* the context's own allocation is number 1 of its counter */
  pal__allocator first = {.fail_at = fail_at};
  atomic_init(&first.count, 0);
  pal_context *ctx = pal__alloc(&first, sizeof *ctx);
  if (!ctx) return PAL__FAIL(err, PAL_E_NOMEM, "allocating the context failed");
  memset(ctx, 0, sizeof *ctx);
  ctx->alloc.fail_at = fail_at;
  atomic_init(&ctx->alloc.count, atomic_load(&first.count));
  /* one init per level fills every table (decode and prefill) */
  static void (*const init[PAL_ISA_COUNT])(pal__cpu_kernels *) = {
      [PAL_ISA_SCALAR] = pal__cpu_kernels_init_scalar,
      [PAL_ISA_AVX2] = pal__cpu_kernels_init_avx2,
      [PAL_ISA_AVX512] = pal__cpu_kernels_init_avx512,
      [PAL_ISA_AMX] = pal__cpu_kernels_init_amx,
  };
  init[isa](&ctx->kernels);
  ctx->num_threads = options->num_threads;
  if (isa_debug())
    fprintf(stderr, "pal: context uses isa %s (requested %s)\n", pal_isa_name(isa),
            pal_isa_name(options->isa) ? pal_isa_name(options->isa) : "?");
  *out = ctx;
  return PAL_OK;
}

pal_status pal_context_create(const pal_context_options *options, pal_context **out,
                              pal_error *err) {
  return pal__context_create_failing(options, 0, out, err);
}

void pal_context_destroy(pal_context *ctx) { pal__free(ctx); }

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
