/* fuzz_kernels.c - libFuzzer target over the whole kernel argument surface
 * of libpal: pal_decode, pal_prefill, pal_fill_kv_pages and
 * pal_sdpa, called through the public API only.
 *
 * The input is a stream of choices (see "Input" below); each run decodes one
 * call, carves every array it passes out of one arena (so arrays can overlap
 * or alias on purpose), fills the arena, calls the kernel and checks:
 *  1. no crash and no sanitizer report (ASan + UBSan; the arena's bytes that
 *     belong to no argument are poisoned, so a read or write outside the
 *     described arrays is reported even when it stays inside the arena);
 *  2. the status is a pal_status and, on failure, the pal_error (when one
 *     was passed) carries that code and a non-empty, terminated message and
 *     pal_status_name() knows the code;
 *  3. a failed call changed no byte of the arena; a successful one changed
 *     only bytes of the arrays it may write (out, lse; the pools for fill);
 *  4. a call the harness built invalid on purpose (per pal.h) did not
 *     succeed, and a call it built valid, apart and complete did (or failed
 *     only with PAL_E_NOMEM).
 * Shapes are kept small (a work cap) so one call stays well under 10 ms.
 *
 * Input (one byte per choice unless said; a missing byte reads as 0, and 0
 * is always the plain valid choice, so a short input is a simple call;
 * make_seeds.py spells calls in this order):
 *   kernel (%4: decode, prefill, fill, sdpa), context (or NULL), err NULL?
 *   pool (decode, prefill, fill): dtype, head_dim, num_kv_heads, group size,
 *     q-heads corruption, page_size, layout, num_pages, layout bytes;
 *   decode / prefill: q dtype, num_seqs, form, max_pages_per_seq, per
 *     sequence a length (class + value bytes) or CSR pages + last_page_len;
 *     prefill: a q_len class per sequence, a qo_indptr corruption; page-id
 *     mode, strict rows (block) or indptr corruption (CSR), id corruptions;
 *     options;
 *   fill: src dtype, num_tokens, slot mode, slot corruptions, k_new == v_new;
 *   sdpa: dtype, head_dim, num_kv_heads, group size, q-heads corruption,
 *     batch, q_len, kv_len, causal, shape NULL, k == v; options;
 *   options: NULL?, scale, num_threads, lse, window, softcap, ALiBi;
 *   then pool / pages NULL, one placement byte per array (fresh after a
 *   gap, on top of an array placed before it, or NULL), and the values: PRNG
 *   seed (4), two modes, explicit special values (NaN, Inf, denormals) at
 *   chosen elements, the ALiBi slopes.
 *
 * At exit it prints the statuses reached and the calls per kernel.
 * PAL_FUZZ_VERBOSE=1 prints every decoded call (use it on a reproducer);
 * PAL_FUZZ_SLOW_MS=x prints the calls that take longer than x ms;
 * PAL_FUZZ_LENIENT=1 drops check 4; PAL_FUZZ_NO_OUTPUT_ALIAS=1 never places
 * an output on top of another array (to explore past a known overlap bug).
 */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pal/pal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define FZ_POISON(p, n) __asan_poison_memory_region((p), (size_t)(n))
#define FZ_UNPOISON(p, n) __asan_unpoison_memory_region((p), (size_t)(n))
#endif
#endif
#ifndef FZ_POISON
#define FZ_POISON(p, n) ((void)(p), (void)(n))
#define FZ_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------ limits */

#define ARENA_BYTES ((int64_t)4 << 20)
#define POOL_BUDGET ((int64_t)1 << 20)     /* each of K and V */
#define Q_BUDGET ((int64_t)256 << 10)      /* q, out (each) */
#define NEW_BUDGET ((int64_t)256 << 10)    /* k_new, v_new (each) */
#define DENSE_KV_BUDGET ((int64_t)1 << 20) /* sdpa k, v (each) */
/* query rows x keys (in whole 64-key tiles) x head_dim, summed over the
 * call: bounds run time (the slowest calls, scalar and split, stay < 10 ms) */
#define WORK_CAP ((int64_t)1 << 18)
#define MAX_SEQS 6
#define MAX_PAGES 64
#define MAX_HQ 32
#define TINY 64 /* bytes handed for an array whose description must be rejected */

/* ------------------------------------------------------------ input */

typedef struct rd {
  const uint8_t *p;
  size_t n, i;
} rd;

static unsigned u8(rd *r) { return r->i < r->n ? r->p[r->i++] : 0u; }
static unsigned u16(rd *r) {
  unsigned a = u8(r);
  return a | u8(r) << 8;
}
static uint32_t u32(rd *r) {
  uint32_t a = u16(r);
  return a | (uint32_t)u16(r) << 16;
}
/* A value from `common` (7 bytes in 8), else from `rare`. */
static int64_t choose(rd *r, const int64_t *common, int nc, const int64_t *rare, int nr) {
  unsigned b = u8(r);
  if (nr > 0 && b >= 224) return rare[(b - 224) % (unsigned)nr];
  return common[b % (unsigned)nc];
}
#define CHOOSE(r, c, rr) choose((r), (c), NELEM(c), (rr), NELEM(rr))

static uint64_t rng_state;
static uint64_t rng(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static int64_t rng_below(int64_t n) { return n > 0 ? (int64_t)(rng() % (uint64_t)n) : 0; }

/* ------------------------------------------------------------ arena */

enum {
  R_SEQ_LENS,
  R_BLOCK_TABLE,
  R_INDPTR,
  R_INDICES,
  R_LAST,
  R_QO,
  R_SLOTS,
  R_KNEW,
  R_VNEW,
  R_K,
  R_V,
  R_Q,
  R_ALIBI,
  R_OUT,
  R_LSE,
  R_COUNT
};
static const char *const region_name[R_COUNT] = {
    "seq_lens", "block_table", "kv_indptr", "kv_indices", "kv_last_page_len",
    "qo_indptr", "slot_mapping", "k_new", "v_new", "pool.k", "pool.v", "q",
    "alibi_slopes", "out", "lse"};

/* what a region's bytes are filled with */
enum { V_NONE, V_FLOAT, V_INT };

typedef struct region {
  int want;       /* part of this call */
  int64_t size;   /* bytes */
  int64_t align;  /* element size */
  int64_t ptr_off; /* the pointer handed over is arena + off + ptr_off */
  int vals, dtype; /* V_FLOAT: in dtype */
  int out;        /* the call may write it */
  int nullable;   /* the placement byte may make it NULL */
  int alias_of;   /* forced placement: on top of region alias_of at alias_at bytes */
  int64_t alias_at;
  /* result of placement */
  int placed, is_null, aliased;
  int64_t off;
} region;

static uint8_t *arena, *snap;

/* ------------------------------------------------------------ contexts */

#define MAX_CTX 10
static pal_context *ctxs[MAX_CTX];
static int num_ctx;
static const char *ctx_desc[MAX_CTX];

/* statuses reached (bit = code) and calls per kernel */
static uint64_t status_mask;
static long calls[4], calls_ok[4];
static double max_ms; /* the slowest kernel call */
static const char *const kernel_name[4] = {"decode", "prefill", "fill", "sdpa"};

static void print_summary(void) {
  fprintf(stderr, "fuzz_kernels: statuses reached:");
  for (int i = 0; i < 64; ++i)
    if (status_mask >> i & 1) fprintf(stderr, " %s", pal_status_name((pal_status)i));
  fprintf(stderr, "\nfuzz_kernels: calls (ok/all):");
  for (int k = 0; k < 4; ++k) fprintf(stderr, " %s %ld/%ld", kernel_name[k], calls_ok[k], calls[k]);
  fprintf(stderr, "; slowest call %.1f ms\n", max_ms);
}

static void setup(void) {
  arena = aligned_alloc(64, (size_t)ARENA_BYTES);
  snap = malloc((size_t)ARENA_BYTES);
  if (!arena || !snap) abort();
  memset(arena, 0x5A, (size_t)ARENA_BYTES);
  FZ_POISON(arena, ARENA_BYTES);
  /* PAL_ISA_AUTO with 1 and 2 threads (the brief), then every level this
   * CPU runs, so the scalar and (where present) AVX-512 / AMX kernels are
   * fuzzed too. */
  static const char *const names[] = {"auto", "scalar", "avx2", "avx512", "amx"};
  for (int isa = PAL_ISA_AUTO; isa < PAL_ISA_COUNT && num_ctx + 2 <= MAX_CTX; ++isa) {
    if (isa != PAL_ISA_AUTO && !pal_isa_supported((pal_isa)isa)) continue;
    for (int t = 1; t <= 2; ++t) {
      pal_context_options o = {(pal_isa)isa, t};
      pal_context *c = NULL;
      if (pal_context_create(&o, &c, NULL) != PAL_OK) continue;
      ctx_desc[num_ctx] = names[isa];
      ctxs[num_ctx++] = c;
    }
  }
  if (num_ctx == 0) {
    fprintf(stderr, "fuzz_kernels: no context could be created\n");
    abort();
  }
  atexit(print_summary);
}

/* ------------------------------------------------------------ values */

static float bits_f(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static uint32_t f_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}
/* fp32 -> binary16, round to nearest even (written here, not libpal's). */
static uint16_t to_f16(float f) {
  uint32_t x = f_bits(f), sign = (x >> 16) & 0x8000u;
  uint32_t e = (x >> 23) & 0xFF, m = x & 0x7FFFFFu;
  if (e == 0xFF) return (uint16_t)(sign | 0x7C00u | (m ? 0x200u : 0u));
  int32_t ee = (int32_t)e - 127 + 15;
  if (ee >= 31) return (uint16_t)(sign | 0x7C00u);
  if (ee <= 0) {
    if (ee < -10) return (uint16_t)sign;
    m |= 0x800000u;
    uint32_t shift = (uint32_t)(14 - ee), h = m >> shift, rem = m & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) ++h;
    return (uint16_t)(sign | h);
  }
  uint32_t h = ((uint32_t)ee << 10) | (m >> 13), rem = m & 0x1FFFu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;
  return (uint16_t)(sign | h);
}
static uint16_t to_bf16(float f) {
  uint32_t x = f_bits(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((x >> 16) | 0x40u);
  x += 0x7FFFu + ((x >> 16) & 1u);
  return (uint16_t)(x >> 16);
}

static float special(unsigned k) {
  switch (k % 10) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return bits_f(0x00000001u); /* smallest fp32 denormal */
    case 4: return -1e-41f;             /* fp32 denormal */
    case 5: return 3e-6f;               /* fp16 subnormal */
    case 6: return -0.0f;
    case 7: return FLT_MAX;
    case 8: return 65504.0f;
    default: return 1e5f; /* beyond fp16 */
  }
}

static float draw(unsigned mode) {
  float u = (float)((double)(rng() >> 11) * 0x1p-53 * 2.0 - 1.0);
  switch (mode % 8) {
    case 0: return u;
    case 1: return 4.0f * u;
    case 2: return 0.0f;
    case 3: return rng_below(100) == 0 ? special((unsigned)rng()) : u;
    case 4: return u * 7e4f;
    case 5: return u * 1e-39f;
    case 6: return 0.5f;
    default: return rng_below(10) == 0 ? special((unsigned)rng()) : 30.0f * u;
  }
}

static void store_float(uint8_t *p, int dtype, float f) {
  if (dtype == PAL_F16) {
    uint16_t h = to_f16(f);
    memcpy(p, &h, 2);
  } else if (dtype == PAL_BF16) {
    uint16_t h = to_bf16(f);
    memcpy(p, &h, 2);
  } else {
    memcpy(p, &f, 4);
  }
}

static int64_t esize(int dtype) { return dtype == PAL_F16 || dtype == PAL_BF16 ? 2 : 4; }

/* ------------------------------------------------------------ the call */

enum { K_DECODE, K_PREFILL, K_FILL, K_SDPA };
enum {
  L_HND,
  L_NHD,
  L_HND_PAD,
  L_NHD_PAD,
  L_VLLM_HND, /* K/V halves interleaved page by page, one allocation */
  L_VLLM_NHD,
  L_K_EQ_V,
  L_PAGE_STRIDE_0, /* every page is the same memory */
  L_CUSTOM,        /* strides from the input: zero, small, overlapping */
  L_HUGE,          /* a stride whose extent overflows int64 */
  L_NEGATIVE,
  L_OVERLAP_ROWS, /* stride_token or stride_head below head_dim */
  L_COUNT
};
static const char *const layout_name[L_COUNT] = {
    "HND", "NHD", "HND+pad", "NHD+pad", "vLLM-interleaved-HND", "vLLM-interleaved-NHD", "k==v",
    "stride_page=0", "custom", "huge", "negative", "overlapping-rows"};

typedef struct call {
  int kernel;
  int ctx_i, ctx_null, err_null;
  region R[R_COUNT];
  /* paged */
  int q_dtype;
  int32_t hq;
  pal_kv_pool pool;
  int layout, pool_null;
  pal_page_table pages;
  int pages_null;
  int32_t num_seqs, maxp;
  int strict_rows; /* poison the unread tail of every block-table row */
  int32_t lens[MAX_SEQS], need[MAX_SEQS], npages[MAX_SEQS], qlen[MAX_SEQS], first[MAX_SEQS + 1];
  int32_t *seq_lens_v, *bt_v, *indptr_v, *indices_v, *last_v, *qo_v; /* harness copies */
  int64_t n_indices;
  /* fill */
  int src_dtype;
  int64_t num_tokens, num_slots;
  int64_t *slots_v;
  /* sdpa */
  pal_sdpa_shape shape;
  int shape_null;
  /* options */
  pal_attention_options opt;
  int opt_null, lse_on, alibi_on;
  /* verdict of the harness */
  int must_reject, unspecified;
  char why_reject[160], why_unspec[160];
} call;

static void bad(call *c, const char *why) {
  if (!c->must_reject) snprintf(c->why_reject, sizeof c->why_reject, "%s", why);
  c->must_reject = 1;
}
static void unspec(call *c, const char *why) {
  if (!c->unspecified) snprintf(c->why_unspec, sizeof c->why_unspec, "%s", why);
  c->unspecified = 1;
}

static int valid_dtype(int dt) { return dt >= 0 && dt < PAL_DTYPE_COUNT; }
static int valid_head_dim(int32_t d) {
  return d >= PAL_HEAD_DIM_ALIGN && d <= PAL_MAX_HEAD_DIM && d % PAL_HEAD_DIM_ALIGN == 0;
}

/* a * b * ... with overflow -> -1 (all factors >= 0) */
static int64_t mul4(int64_t a, int64_t b, int64_t c, int64_t d) {
  int64_t r;
  if (a < 0 || b < 0 || c < 0 || d < 0) return 0;
  if (__builtin_mul_overflow(a, b, &r) || __builtin_mul_overflow(r, c, &r) ||
      __builtin_mul_overflow(r, d, &r) || (uint64_t)r > PTRDIFF_MAX)
    return -1;
  return r;
}

static int pick_dtype(rd *r) {
  static const int64_t common[] = {PAL_F16, PAL_F32, PAL_BF16}, rare[] = {3, -1, 255, INT32_MAX};
  return (int)CHOOSE(r, common, rare);
}

static int32_t pick_head_dim(rd *r) {
  static const int64_t common[] = {64, 128, 16, 32, 48, 80, 96, 256, 112, 144, 192, 240},
                       rare[] = {0, 8, 17, 272, -16, 24, 129, INT32_MAX};
  return (int32_t)CHOOSE(r, common, rare);
}

/* query heads from KV heads and a group size; sometimes not a multiple */
static void pick_heads(rd *r, call *c, int32_t *hkv_out, int32_t *hq_out, int uses_q) {
  static const int64_t kv[] = {1, 2, 4, 8, 3, 5, 6, 1}, kv_rare[] = {0, -1, INT32_MIN};
  static const int64_t grp[] = {1, 2, 4, 8, 1, 3, 5, 6, 7, 12, 16, 2};
  int32_t hkv = (int32_t)CHOOSE(r, kv, kv_rare);
  int32_t g = (int32_t)grp[u8(r) % NELEM(grp)];
  if (hkv > 0 && (int64_t)hkv * g > MAX_HQ) g = MAX_HQ / hkv;
  int32_t hq = hkv > 0 ? hkv * g : 4;
  unsigned b = u8(r);
  if (b >= 240) {
    switch (b % 4) {
      case 0: hq = 0; break;
      case 1: hq = -hq - 1; break;
      case 2: hq = hkv > 1 ? hq + 1 : 0; break;
      default: hq = hkv > 2 ? hkv - 1 : -1; break;
    }
  }
  if (hkv < 1) bad(c, "num_kv_heads");
  if (uses_q && hkv >= 1 && (hq < 1 || hq % hkv != 0)) bad(c, "num_q_heads / num_kv_heads");
  *hkv_out = hkv;
  *hq_out = hq;
}

/* [lo, hi) element offsets the pool's array spans; 0 when it overflows.
 * A pool with no pages (or a shape it cannot have) spans nothing. */
static int pool_span(const pal_kv_pool *p, int64_t es, int64_t *lo, int64_t *hi) {
  *lo = *hi = 0;
  if (p->num_pages <= 0 || p->page_size < 1 || p->num_kv_heads < 1 || p->head_dim < 1) return 1;
  int64_t n[3] = {p->num_pages - 1, p->num_kv_heads - 1, p->page_size - 1};
  int64_t s[3] = {p->stride_page, p->stride_head, p->stride_token};
  int64_t l = 0, h = p->head_dim;
  for (int i = 0; i < 3; ++i) {
    int64_t t;
    if (__builtin_mul_overflow(n[i], s[i], &t)) return 0;
    if (t < 0 ? __builtin_add_overflow(l, t, &l) : __builtin_add_overflow(h, t, &h)) return 0;
  }
  int64_t bytes;
  if (__builtin_sub_overflow(h, l, &bytes) || __builtin_mul_overflow(bytes, es, &bytes) ||
      (uint64_t)bytes > PTRDIFF_MAX)
    return 0;
  *lo = l, *hi = h;
  return 1;
}

/* saturating int64 arithmetic: invalid shapes make strides, never UB */
static int64_t smul(int64_t a, int64_t b) {
  int64_t r;
  if (!__builtin_mul_overflow(a, b, &r)) return r;
  return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
}
static int64_t sadd(int64_t a, int64_t b) {
  int64_t r;
  if (!__builtin_add_overflow(a, b, &r)) return r;
  return a < 0 ? INT64_MIN : INT64_MAX;
}

static void set_layout(pal_kv_pool *p, int layout, rd *r) {
  const int64_t d = p->head_dim, ps = p->page_size, hkv = p->num_kv_heads;
  /* HND unless the layout says otherwise */
  int64_t st = d, sh = smul(ps, d), sp = smul(hkv, smul(ps, d));
  switch (layout) {
    case L_NHD:
      sh = d, st = smul(hkv, d), sp = smul(ps, st);
      break;
    case L_HND_PAD: {
      int64_t pt = u8(r) % 17, ph = u8(r) % 33, pp = u8(r) % 65;
      st = sadd(d, pt), sh = sadd(smul(ps, st), ph), sp = sadd(smul(hkv, sh), pp);
      break;
    }
    case L_NHD_PAD: {
      int64_t ph = u8(r) % 17, pt = u8(r) % 33, pp = u8(r) % 65;
      sh = sadd(d, ph), st = sadd(smul(hkv, sh), pt), sp = sadd(smul(ps, st), pp);
      break;
    }
    case L_VLLM_HND: sp = smul(2, sp); break;
    case L_VLLM_NHD: sh = d, st = smul(hkv, d), sp = smul(2, smul(ps, st)); break;
    case L_PAGE_STRIDE_0: sp = 0; break;
    case L_CUSTOM: {
      static const int64_t m[] = {0, 1, 2, 3, 4, 8, 16, 64};
      unsigned b[6]; /* read in order: arguments are unsequenced */
      for (int i = 0; i < 6; ++i) b[i] = u8(r);
      st = sadd(smul(d, m[b[0] % 8]), b[1] % 5 == 0 ? 16 : 0);
      sh = smul(smul(d, m[b[2] % 8]), b[3] % 3 == 0 ? ps : 1);
      sp = smul(smul(smul(d, m[b[4] % 8]), ps), b[5] % 2 ? hkv : 1);
      break;
    }
    case L_HUGE: {
      static const int64_t h[] = {INT64_MAX, INT64_MAX / 2, INT64_MAX / 3 + 7, (int64_t)1 << 62,
                                  (int64_t)1 << 40};
      int64_t v = h[u8(r) % 5];
      unsigned which = u8(r) % 3;
      if (which == 0) sp = v;
      if (which == 1) sh = v;
      if (which == 2) st = v;
      break;
    }
    case L_NEGATIVE: {
      unsigned which = u8(r) % 3;
      if (which == 0) sp = smul(sp, -1);
      if (which == 1) sh = smul(sh, -1);
      if (which == 2) st = smul(st, -1);
      break;
    }
    case L_OVERLAP_ROWS:
      if (u8(r) & 1)
        st = d / 2;
      else
        sh = d - 16;
      break;
    default: break; /* HND, k == v */
  }
  p->stride_page = sp, p->stride_head = sh, p->stride_token = st;
}

static int interleaved(int layout) { return layout == L_VLLM_HND || layout == L_VLLM_NHD; }

/* Elements between K and V of an interleaved (vLLM) pool: one half page. */
static int64_t half_page(const pal_kv_pool *p) {
  return smul(smul(p->num_kv_heads, p->page_size), p->head_dim);
}

/* Is the pool one the kernels must reject whatever its arrays hold? */
static const char *pool_invalid(const pal_kv_pool *p) {
  if (!valid_dtype((int)p->dtype)) return "pool.dtype";
  if (!valid_head_dim(p->head_dim)) return "head_dim";
  if (p->num_kv_heads < 1) return "num_kv_heads";
  if (p->page_size < 1 || p->page_size > PAL_MAX_PAGE_SIZE) return "page_size";
  if (p->num_pages < 0) return "num_pages";
  return NULL;
}

/* The pool: dtype, shape, layout, then clamped so K and V fit their budget
 * (a layout whose extent overflows int64 is kept: it must be rejected). */
static void gen_pool(rd *r, call *c, int for_fill) {
  pal_kv_pool *p = &c->pool;
  memset(p, 0, sizeof *p);
  p->dtype = (pal_dtype)pick_dtype(r);
  p->head_dim = pick_head_dim(r);
  pick_heads(r, c, &p->num_kv_heads, &c->hq, !for_fill);
  static const int64_t ps_common[] = {16, 1, 2, 3, 4, 7, 8, 15, 17, 31, 32, 33, 64, 100, 128, 256, 255, -1000},
                       ps_rare[] = {0, 257, 300, -1, INT32_MAX};
  int64_t ps = CHOOSE(r, ps_common, ps_rare);
  if (ps == -1000) ps = (int64_t)(u8(r) % 256) + 1;
  p->page_size = (int32_t)ps;
  unsigned lb = u8(r);
  c->layout = lb < 200 ? (int)(lb % 8) : 8 + (int)(lb % 4);
  static const int64_t np_common[] = {4, 1, 2, 8, 16, 32, 64, 0, 3, 5, 7, 63, -1000},
                       np_rare[] = {-1, INT64_MIN, (int64_t)1 << 40, INT64_MAX};
  int64_t np = CHOOSE(r, np_common, np_rare);
  if (np == -1000) np = u8(r) % (MAX_PAGES + 1);
  p->num_pages = np;
  set_layout(p, c->layout, r);

  const char *inv = pool_invalid(p);
  if (inv) bad(c, inv);
  int64_t es = valid_dtype((int)p->dtype) ? esize((int)p->dtype) : 4, lo = 0, hi = 0;
  int tiny = 0;
  int64_t extra = 0;
  for (;;) {
    if (!pool_span(p, es, &lo, &hi)) {
      bad(c, "pool extent overflows");
      tiny = 1;
      break;
    }
    extra = interleaved(c->layout) && hi > lo ? half_page(p) : 0;
    if (smul(sadd(hi - lo, extra), es) <= POOL_BUDGET) break;
    if (inv) {
      tiny = 1;
      break;
    }
    /* clamp: fewer pages, then the plain layout, then smaller pages */
    if (p->num_pages > 1)
      p->num_pages = p->num_pages > MAX_PAGES ? MAX_PAGES : p->num_pages / 2;
    else if (c->layout >= L_CUSTOM)
      c->layout = L_HND, set_layout(p, L_HND, r);
    else
      p->page_size /= 2, set_layout(p, c->layout, r);
  }
  switch (c->layout) {
    case L_CUSTOM: unspec(c, "custom strides"); break;
    case L_HUGE: unspec(c, "huge stride"); break;
    case L_NEGATIVE: unspec(c, "negative stride"); break;
    case L_OVERLAP_ROWS: unspec(c, "overlapping rows"); break;
    case L_K_EQ_V:
      if (for_fill) unspec(c, "fill into k == v");
      break;
    case L_PAGE_STRIDE_0:
      if (for_fill && p->num_pages > 1) unspec(c, "fill into pages sharing memory");
      break;
    default: break;
  }
  region *k = &c->R[R_K], *v = &c->R[R_V];
  k->want = v->want = 1;
  k->vals = v->vals = V_FLOAT;
  k->dtype = v->dtype = valid_dtype((int)p->dtype) ? (int)p->dtype : PAL_F32;
  k->align = v->align = es;
  k->out = v->out = for_fill;
  k->nullable = v->nullable = 1;
  v->alias_of = -1;
  k->alias_of = -1;
  if (tiny) {
    k->size = v->size = TINY;
    return;
  }
  k->size = v->size = (hi - lo) * es;
  k->ptr_off = v->ptr_off = -lo * es;
  if (c->layout == L_K_EQ_V) {
    v->alias_of = R_K, v->alias_at = 0;
  } else if (extra > 0) {
    k->size += extra * es;
    v->alias_of = R_K, v->alias_at = extra * es;
  }
}

/* ------------------------------------------------------------ options */

static void gen_options(rd *r, call *c, int32_t hq, int64_t rows, int nonempty) {
  memset(&c->opt, 0, sizeof c->opt);
  c->opt_null = u8(r) % 4 == 0;
  if (c->opt_null) return;
  /* no 64: without OpenMP the engines still size scratch for every thread
   * asked for, and 64 threads' worth under ASan took 10-15 ms a call */
  static const int64_t thr[] = {0, 1, 2, 3, 4, 8}, thr_rare[] = {-1, 16, 7, INT32_MIN};
  static const int64_t win[] = {0, 0, 0, 1, 2, 7, 16, 63, 64, 65, 100, 1000},
                       win_rare[] = {-1, INT32_MAX, INT32_MIN};
  static const float scales[] = {0.0f, 0.125f, 1.0f, -1.0f, 0.0884f, 4.0f, 1e-3f, 100.0f},
                     scales_rare[] = {NAN, INFINITY, -INFINITY, 1e30f, -0.0f, 1e-40f};
  static const float caps[] = {0.0f, 0.0f, 0.0f, 1.0f, 5.0f, 30.0f, 50.0f},
                     caps_rare[] = {-1.0f, NAN, INFINITY, 1e-30f, 1e30f, -0.0f};
  unsigned b = u8(r);
  c->opt.scale = b >= 224 ? scales_rare[(b - 224) % NELEM(scales_rare)] : scales[b % NELEM(scales)];
  c->opt.num_threads = (int)CHOOSE(r, thr, thr_rare);
  c->lse_on = u8(r) & 1;
  c->opt.window = (int32_t)CHOOSE(r, win, win_rare);
  b = u8(r);
  c->opt.softcap = b >= 224 ? caps_rare[(b - 224) % NELEM(caps_rare)] : caps[b % NELEM(caps)];
  c->alibi_on = u8(r) % 3 == 1;
  const char *why = NULL;
  if (!isfinite(c->opt.scale)) why = "options.scale";
  if (c->opt.num_threads < 0) why = "options.num_threads";
  if (c->opt.window < 0) why = "options.window";
  if (!isfinite(c->opt.softcap) || c->opt.softcap < 0.0f) why = "options.softcap";
  if (why) {
    if (nonempty)
      bad(c, why);
    else
      unspec(c, why);
  }
  if (c->lse_on) {
    region *l = &c->R[R_LSE];
    l->want = 1, l->size = rows > 0 ? rows * 4 : 0, l->align = 4, l->out = 1;
    l->vals = V_FLOAT, l->dtype = PAL_F32;
  }
  if (c->alibi_on) {
    region *a = &c->R[R_ALIBI];
    a->want = 1, a->size = hq > 0 ? (int64_t)hq * 4 : 0, a->align = 4;
    a->vals = V_NONE; /* slopes written by write_alibi */
  }
}

/* ------------------------------------------------------------ page tables */

static int32_t ceil_div(int64_t a, int64_t b) { return (int32_t)((a + b - 1) / b); }

/* Length of sequence s from a class byte: 0, 1, page boundaries, the whole
 * row, random; rarely beyond the row or negative (must be rejected). */
static int32_t pick_len(rd *r, call *c, int64_t ps, int64_t cap, int no_upper) {
  unsigned b = u8(r);
  unsigned kb = u8(r);
  int64_t k = cap / ps > 0 ? (int64_t)(kb % (cap / ps)) + 1 : 1;
  int64_t len;
  switch (b % 12) {
    case 0: len = (int64_t)(u16(r) % (cap + 1)); break;
    case 1: len = 0; break;
    case 2: len = 1; break;
    case 3: len = k * ps; break;
    case 4: len = k * ps - 1; break;
    case 5: len = k * ps + 1; break;
    case 6: len = cap; break;
    case 7: len = ps; break;
    case 8: len = ps + 1; break;
    case 9: len = 2 * ps - 1; break;
    case 10: len = (int64_t)(u8(r) % 8) + 1; break;
    default: len = cap - (int64_t)(u8(r) % 3); break;
  }
  if (b >= 232) {
    static const int64_t over[] = {-1, INT32_MIN, INT32_MAX, -2};
    len = b % 2 ? cap + 1 + (int64_t)(u8(r) % 3) : over[b % 4];
  }
  /* a row of INT32_MAX pages holds any length: keep the table small instead */
  if (no_upper && len > cap) len = cap;
  if (len > INT32_MAX) len = INT32_MAX;
  if (len < 0 || len > cap) bad(c, "sequence length does not fit its pages");
  return (int32_t)len;
}

/* Page ids for n entries: sequential, shuffled, random, from the input,
 * all one page, reversed (np pages; with none every id is out of range). */
static void fill_ids(rd *r, int32_t *ids, int64_t n, int64_t np, unsigned mode) {
  int32_t perm[MAX_PAGES];
  int64_t m = np > 0 && np <= MAX_PAGES ? np : 0;
  for (int64_t i = 0; i < m; ++i) perm[i] = (int32_t)i;
  for (int64_t i = m - 1; i > 0; --i) {
    int64_t j = rng_below(i + 1);
    int32_t t = perm[i];
    perm[i] = perm[j], perm[j] = t;
  }
  int32_t one = mode % 6 == 4 && m ? (int32_t)(u8(r) % m) : 0;
  for (int64_t i = 0; i < n; ++i) {
    if (m == 0) {
      ids[i] = 0;
      continue;
    }
    switch (mode % 6) {
      case 0: ids[i] = (int32_t)(i % m); break;
      case 1: ids[i] = perm[i % m]; break;
      case 2: ids[i] = (int32_t)rng_below(m); break;
      case 3: ids[i] = (int32_t)((int64_t)(u8(r) % (m + 3)) - 1); break;
      case 4: ids[i] = one; break;
      default: ids[i] = (int32_t)(m - 1 - i % m); break;
    }
  }
}

static int32_t bad_id(rd *r, int64_t np) {
  static const int64_t v[] = {-1, 0 /* np */, 1 /* np + 1 */, INT32_MAX, INT32_MIN, -2};
  unsigned b = u8(r) % 6;
  if (np < 0) np = 0;
  if (np >= INT32_MAX) np = INT32_MAX - 1;
  if (b == 1) return (int32_t)np;
  if (b == 2) return (int32_t)(np + 1);
  return (int32_t)v[b];
}

/* Table storage owned by the harness (copied into the arena later). */
static int32_t t_seq_lens[MAX_SEQS], t_bt[MAX_SEQS * 65], t_indptr[MAX_SEQS + 1],
    t_indices[MAX_SEQS * 64], t_last[MAX_SEQS], t_qo[MAX_SEQS + 1];
static int64_t t_slots[4096];

/* Work of sequence s (query rows x keys x head_dim) for the cap. */
static int64_t tiles(int64_t keys) { return (keys + 63) / 64 * 64; }

static int64_t seq_work(const call *c, int s, int prefill) {
  int64_t len = c->lens[s] < 0 ? 0 : tiles(c->lens[s]);
  int64_t rows = prefill ? (c->qlen[s] > 0 ? c->qlen[s] : 0) : 1;
  int64_t hq = c->hq > 0 ? c->hq : 1, d = valid_head_dim(c->pool.head_dim) ? c->pool.head_dim : 16;
  return rows * len * hq * d;
}

/* decode / prefill: pool, table, (qo_indptr), options. Returns 0 to skip. */
static int gen_paged(rd *r, call *c, int prefill) {
  gen_pool(r, c, 0);
  pal_kv_pool *p = &c->pool;
  unsigned qb = u8(r);
  c->q_dtype = qb < 208 ? (int)p->dtype : pick_dtype(r);
  if (!valid_dtype(c->q_dtype)) bad(c, "q_dtype");
  static const int64_t seqs[] = {1, 2, 3, 4, 5, 6, 0, 1}, seqs_rare[] = {-1, INT32_MIN};
  c->num_seqs = (int32_t)CHOOSE(r, seqs, seqs_rare);
  if (c->num_seqs < 0) bad(c, "num_seqs");
  const int32_t ns = c->num_seqs > 0 ? c->num_seqs : 0;
  unsigned fb = u8(r);
  int form = fb % 2, form_bad = fb >= 250;
  const int64_t ps = p->page_size >= 1 && p->page_size <= PAL_MAX_PAGE_SIZE ? p->page_size : 16;
  const int64_t np = p->num_pages;
  /* pages per sequence: up to 64 */
  unsigned mb = u8(r);
  int32_t maxp = (int32_t)(mb % 65);
  int huge_row = 0;
  if (mb >= 250 && form == 0) {
    if (mb % 2 && ns <= 1) {
      /* one row of which only the used entries exist: libpal must not read
       * past them, but the array is shorter than declared, so any result */
      maxp = INT32_MAX, huge_row = 1;
      unspec(c, "block_table shorter than [num_seqs][max_pages_per_seq]");
    } else {
      maxp = -1;
      if (ns > 0) bad(c, "max_pages_per_seq"); else unspec(c, "max_pages_per_seq");
    }
  }
  c->maxp = maxp;
  const int64_t rowcap = huge_row ? 64 : (maxp > 0 ? maxp : 0);
  /* lengths above this are out of range (block table); CSR lengths always fit */
  const int64_t len_cap = form == 0 ? rowcap * ps : INT32_MAX;
  for (int s = 0; s < ns; ++s) {
    if (form == 0) {
      c->lens[s] = pick_len(r, c, ps, rowcap * ps, huge_row);
    } else {
      int32_t n = (int32_t)(u8(r) % 65);
      if (!(u8(r) & 3)) n = n % 5;
      c->npages[s] = n;
      int32_t last = (int32_t)((u8(r) % ps) + 1);
      unsigned lb = u8(r);
      if (lb % 4 == 0) last = (int32_t)ps;
      if (lb >= 236) { /* judged after the work cap, which may empty the sequence */
        static const int64_t badl[] = {0, -1, 0 /* ps + 1 */, INT32_MAX};
        last = lb % 4 == 2 ? (int32_t)ps + 1 : (int32_t)badl[lb % 4];
      }
      t_last[s] = last;
      c->lens[s] = n > 0 ? (int32_t)((n - 1) * ps + (last > 0 && last <= ps ? last : 1)) : 0;
    }
  }
  /* prefill: new query tokens per sequence */
  int qo_bad = 0;
  if (prefill) {
    for (int s = 0; s < ns; ++s) {
      /* an out-of-range length is rejected anyway: its q_len stays small */
      int32_t len = c->lens[s] > 0 && c->lens[s] <= len_cap ? c->lens[s] : 0;
      unsigned b = u8(r);
      int32_t q;
      switch (b % 8) {
        case 0: q = len; break;
        case 1: q = len > 0 ? 1 : 0; break;
        case 2: q = (int32_t)rng_below(len + 1); break;
        case 3: q = 0; break;
        case 4: q = len > 0 ? len - 1 : 0; break;
        case 5: q = len < 16 ? len : 16; break;
        case 6: q = len < 64 ? len : 64; break;
        default: q = len < 3 ? len : 3; break;
      }
      if (b >= 240) {
        q = b % 2 ? len + 1 : -1;
        qo_bad = 1;
        bad(c, b % 2 ? "q_len > seq_len" : "qo_indptr decreases");
      }
      c->qlen[s] = q;
    }
  }
  /* the work cap: shorten the heaviest sequence until the call is cheap */
  for (;;) {
    int64_t w = 0, top = -1;
    int heavy = -1;
    for (int s = 0; s < ns; ++s) {
      int64_t x = c->lens[s] >= 0 && c->lens[s] <= len_cap ? seq_work(c, s, prefill) : 0;
      w += x;
      if (x > top) top = x, heavy = s;
    }
    if (w <= WORK_CAP || heavy < 0) break;
    if (prefill && c->qlen[heavy] > 1 && c->qlen[heavy] <= c->lens[heavy]) {
      c->qlen[heavy] /= 2;
    } else if (form == 0) {
      c->lens[heavy] /= 2;
      if (prefill && c->qlen[heavy] > c->lens[heavy] && c->qlen[heavy] > 0 && !qo_bad)
        c->qlen[heavy] = c->lens[heavy];
    } else {
      c->npages[heavy] /= 2;
      c->lens[heavy] = c->npages[heavy] > 0
                           ? (int32_t)((c->npages[heavy] - 1) * ps +
                                       (t_last[heavy] > 0 && t_last[heavy] <= ps ? t_last[heavy] : 1))
                           : 0;
      if (prefill && c->qlen[heavy] > c->lens[heavy] && !qo_bad) c->qlen[heavy] = c->lens[heavy];
    }
  }
  if (form == 1)
    for (int s = 0; s < ns; ++s)
      if (c->npages[s] > 0 && (t_last[s] < 1 || t_last[s] > ps)) bad(c, "kv_last_page_len");
  /* q rows must fit Q_BUDGET */
  int64_t es_q = valid_dtype(c->q_dtype) ? esize(c->q_dtype) : 4;
  int64_t row_bytes = (int64_t)(c->hq > 0 ? c->hq : 0) *
                      (p->head_dim > 0 && p->head_dim <= 1024 ? p->head_dim : 0) * es_q;
  int64_t rows = 0;
  if (prefill) {
    for (;;) {
      rows = 0;
      int heavy = -1;
      for (int s = 0; s < ns; ++s) {
        rows += c->qlen[s] > 0 ? c->qlen[s] : 0;
        if (heavy < 0 || c->qlen[s] > c->qlen[heavy]) heavy = s;
      }
      if (rows * row_bytes <= Q_BUDGET || heavy < 0 || c->qlen[heavy] <= 0) break;
      c->qlen[heavy] /= 2;
    }
    t_qo[0] = 0;
    for (int s = 0; s < ns; ++s) t_qo[s + 1] = t_qo[s] + c->qlen[s];
    unsigned b = u8(r);
    if (b >= 244) {
      t_qo[0] = b % 2 ? 1 : -1;
      bad(c, "qo_indptr[0] != 0");
      qo_bad = 1;
    }
    rows = t_qo[ns];
  } else {
    rows = ns;
  }
  if (rows * row_bytes > Q_BUDGET) {
    if (!c->must_reject) return 0; /* cannot happen with the caps above */
    row_bytes = 0;
  }
  int nonempty = rows > 0 && !qo_bad;

  /* page ids */
  unsigned id_mode = u8(r);
  int64_t used_entries = 0;
  if (form == 0) {
    for (int s = 0; s < ns; ++s) {
      int64_t len = c->lens[s];
      c->need[s] = len > 0 && len <= rowcap * ps ? ceil_div(len, ps) : 0;
    }
    int64_t row = huge_row ? 0 : rowcap;
    int64_t n = huge_row ? (ns ? c->need[0] : 0) : (int64_t)ns * rowcap;
    fill_ids(r, t_bt, n, np, id_mode);
    /* entries past a row's used ones are never read: garbage */
    for (int s = 0; s < ns && !huge_row; ++s)
      for (int64_t i = c->need[s]; i < rowcap; ++i) t_bt[s * row + i] = (int32_t)(0x7EADBEEF - i);
    used_entries = n;
    region *bt = &c->R[R_BLOCK_TABLE];
    bt->want = 1, bt->size = n * 4, bt->align = 4, bt->vals = V_INT, bt->nullable = 1;
    region *sl = &c->R[R_SEQ_LENS];
    sl->want = 1, sl->size = (int64_t)ns * 4, sl->align = 4, sl->vals = V_INT, sl->nullable = 1;
    for (int s = 0; s < ns; ++s) t_seq_lens[s] = c->lens[s];
    c->strict_rows = !(u8(r) & 7) ? 0 : 1;
  } else {
    t_indptr[0] = 0;
    for (int s = 0; s < ns; ++s) t_indptr[s + 1] = t_indptr[s] + c->npages[s];
    for (int s = 0; s <= ns; ++s) c->first[s] = t_indptr[s]; /* before any corruption */
    c->n_indices = t_indptr[ns];
    fill_ids(r, t_indices, c->n_indices, np, id_mode);
    used_entries = c->n_indices;
    unsigned b = u8(r);
    if (b >= 240 && ns > 0) {
      if (b % 2) {
        t_indptr[0] = b % 4 == 1 ? 1 : -1;
        bad(c, "kv_indptr[0] != 0");
      } else {
        int s = (int)(u8(r) % ns);
        t_indptr[s + 1] = t_indptr[s] - 1 - (int32_t)(u8(r) % 3);
        bad(c, "kv_indptr decreases");
      }
    }
    region *ip = &c->R[R_INDPTR];
    ip->want = 1, ip->size = (int64_t)(ns + 1) * 4, ip->align = 4, ip->vals = V_INT, ip->nullable = 1;
    region *ix = &c->R[R_INDICES];
    ix->want = 1, ix->size = c->n_indices * 4, ix->align = 4, ix->vals = V_INT, ix->nullable = 1;
    region *la = &c->R[R_LAST];
    la->want = 1, la->size = (int64_t)ns * 4, la->align = 4, la->vals = V_INT, la->nullable = 1;
  }
  /* corrupt some used page ids */
  unsigned cb = u8(r);
  if (cb >= 216 && used_entries > 0) {
    int k = 1 + (int)(cb % 3);
    for (int j = 0; j < k; ++j) {
      int s = (int)(u8(r) % (unsigned)ns);
      int64_t cnt = form == 0 ? c->need[s] : c->npages[s];
      if (cnt <= 0) continue;
      int64_t i = (int64_t)(u8(r) % (unsigned)cnt);
      int32_t v = bad_id(r, np);
      if (form == 0)
        t_bt[(huge_row ? 0 : s * rowcap) + i] = v;
      else
        t_indices[c->first[s] + i] = v;
    }
  }
  /* does any used id fall outside the pool? (the table as finally written) */
  for (int s = 0; s < ns; ++s) {
    int64_t cnt = form == 0 ? c->need[s] : c->npages[s];
    for (int64_t i = 0; i < cnt; ++i) {
      int32_t id = form == 0 ? t_bt[(huge_row ? 0 : s * rowcap) + i]
                             : t_indices[c->first[s] + i];
      if (id < 0 || id >= np) bad(c, "page id outside the pool");
    }
  }
  c->pages = form == 0 ? pal_page_table_block(c->num_seqs, NULL, maxp, NULL)
                       : pal_page_table_csr(c->num_seqs, NULL, NULL, NULL);
  if (form_bad) {
    c->pages.form = (pal_page_table_form)(2 + fb % 3);
    bad(c, "pages.form");
  }
  if (prefill) {
    region *qo = &c->R[R_QO];
    qo->want = 1, qo->size = (int64_t)(ns + 1) * 4, qo->align = 4, qo->vals = V_INT, qo->nullable = 1;
  }
  region *q = &c->R[R_Q], *o = &c->R[R_OUT];
  q->want = o->want = 1;
  q->size = o->size = rows > 0 ? rows * row_bytes : 0;
  q->align = o->align = es_q;
  q->vals = o->vals = V_FLOAT;
  q->dtype = o->dtype = valid_dtype(c->q_dtype) ? c->q_dtype : PAL_F32;
  q->nullable = o->nullable = rows > 0 ? 2 : 1;
  o->out = 1;
  gen_options(r, c, c->hq, rows > 0 ? rows * (c->hq > 0 ? c->hq : 0) : 0, nonempty);
  /* any sequence with context needs the pool's arrays */
  for (int s = 0; s < ns; ++s)
    if (c->lens[s] > 0) c->R[R_K].nullable = 2; /* NULL must be rejected */
  return 1;
}

/* ------------------------------------------------------------ fill */

static int gen_fill(rd *r, call *c) {
  gen_pool(r, c, 1);
  pal_kv_pool *p = &c->pool;
  unsigned sb = u8(r);
  c->src_dtype = sb < 192 ? (int)p->dtype : pick_dtype(r);
  if (!valid_dtype(c->src_dtype)) bad(c, "src_dtype");
  const int64_t ps = p->page_size >= 1 && p->page_size <= PAL_MAX_PAGE_SIZE ? p->page_size : 1;
  const int64_t np = p->num_pages > 0 && p->num_pages <= MAX_PAGES ? p->num_pages : 0;
  const int64_t slots = np * ps;
  c->num_slots = slots;
  static const int64_t nt_common[] = {1, 2, 3, 16, 0, 64, 100, 255, -1000, -1001, -1002, 5},
                       nt_rare[] = {-1, INT64_MIN, INT64_MAX, (int64_t)1 << 62, (int64_t)1 << 40};
  int64_t nt = CHOOSE(r, nt_common, nt_rare);
  if (nt == -1000) nt = u8(r);
  if (nt == -1001) nt = ps;
  if (nt == -1002) nt = slots;
  const int64_t hkv = p->num_kv_heads > 0 ? p->num_kv_heads : 0;
  const int64_t d = p->head_dim > 0 ? p->head_dim : 0;
  const int64_t es = valid_dtype(c->src_dtype) ? esize(c->src_dtype) : 4;
  int tiny = 0;
  if (nt < 0) {
    bad(c, "num_tokens");
    tiny = 1;
  } else {
    int64_t bytes = mul4(nt, hkv, d, es);
    if (bytes < 0) {
      if (valid_dtype(c->src_dtype)) bad(c, "k_new size overflows");
      tiny = 1;
    } else {
      /* clamp: k_new within NEW_BUDGET, the mapping within t_slots */
      while (nt > 0 && (nt * hkv * d * es > NEW_BUDGET || nt > NELEM(t_slots))) nt /= 2;
    }
  }
  c->num_tokens = nt;
  const int64_t n = tiny ? 0 : nt;
  unsigned mode = u8(r);
  int32_t one = mode % 7 == 4 && slots > 0 ? (int32_t)(u16(r) % slots) : 0;
  for (int64_t i = 0; i < n; ++i) {
    switch (mode % 7) {
      case 0: t_slots[i] = slots ? i % slots : -1; break;
      case 1: t_slots[i] = slots ? rng_below(slots) : -1; break;
      case 2: t_slots[i] = (int64_t)(u8(r) % (slots + 2)) - 1; break;
      case 3: t_slots[i] = -1; break;
      case 4: t_slots[i] = slots ? one : -1; break;
      case 5: t_slots[i] = slots ? slots - 1 - i % slots : -1; break;
      default: t_slots[i] = rng_below(4) == 0 || !slots ? -1 : rng_below(slots); break;
    }
  }
  unsigned cb = u8(r);
  if (cb >= 216 && n > 0) {
    static const int64_t v[] = {-2, 0 /* slots */, 1 /* slots + 1 */, INT64_MAX, INT64_MIN, -3};
    for (int j = 0; j < 1 + (int)(cb % 3); ++j) {
      unsigned k = u8(r) % 6;
      t_slots[u8(r) % (unsigned)n] = k == 1 ? slots : k == 2 ? slots + 1 : v[k];
    }
  }
  for (int64_t i = 0; i < n; ++i)
    if (t_slots[i] < -1 || t_slots[i] >= (p->num_pages > 0 ? smul(p->num_pages, p->page_size) : 0))
      bad(c, "slot_mapping entry outside the pool");
  region *kn = &c->R[R_KNEW], *vn = &c->R[R_VNEW], *sm = &c->R[R_SLOTS];
  kn->want = vn->want = sm->want = 1;
  kn->size = vn->size = tiny ? TINY : n * hkv * d * es;
  kn->align = vn->align = es;
  kn->vals = vn->vals = V_FLOAT;
  kn->dtype = vn->dtype = valid_dtype(c->src_dtype) ? c->src_dtype : PAL_F32;
  kn->nullable = vn->nullable = sm->nullable = 1;
  sm->size = tiny ? TINY : n * 8;
  sm->align = 8;
  sm->vals = V_INT;
  if (!tiny && n > 0) sm->vals = V_INT;
  if (n > 0) kn->nullable = vn->nullable = sm->nullable = 2;
  /* k_new == v_new sometimes (both inputs: legal) */
  if (u8(r) % 8 == 7) vn->alias_of = R_KNEW, vn->alias_at = 0;
  else vn->alias_of = -1;
  return 1;
}

/* ------------------------------------------------------------ sdpa */

static int gen_sdpa(rd *r, call *c) {
  int dt = pick_dtype(r);
  c->q_dtype = dt;
  if (!valid_dtype(dt)) bad(c, "dtype");
  pal_sdpa_shape *sh = &c->shape;
  sh->head_dim = pick_head_dim(r);
  if (!valid_head_dim(sh->head_dim)) bad(c, "head_dim");
  pick_heads(r, c, &sh->num_kv_heads, &sh->num_q_heads, 1);
  c->hq = sh->num_q_heads;
  static const int64_t b_common[] = {1, 2, 1, 3, 4, 0}, b_rare[] = {-1, INT32_MAX};
  static const int64_t lq_common[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 64, 65, 0, -1000},
                       l_rare[] = {-1, INT32_MAX, INT32_MIN};
  static const int64_t lk_common[] = {1, 16, 17, 63, 64, 65, 100, 128, 255, 256, 511, 1024, 0, -1000, 2, 3};
  sh->batch = (int32_t)CHOOSE(r, b_common, b_rare);
  int64_t lq = CHOOSE(r, lq_common, l_rare), lk = CHOOSE(r, lk_common, l_rare);
  if (lq == -1000) lq = u8(r);
  if (lk == -1000) lk = u16(r) % 2049;
  sh->q_len = (int32_t)lq, sh->kv_len = (int32_t)lk;
  sh->causal = (int)(u8(r) % 3 != 0);
  if (sh->batch < 0 || sh->q_len < 0 || sh->kv_len < 0) bad(c, "negative shape");
  const int64_t es = valid_dtype(dt) ? esize(dt) : 4;
  const int64_t hq = sh->num_q_heads > 0 ? sh->num_q_heads : 0;
  const int64_t hkv = sh->num_kv_heads > 0 ? sh->num_kv_heads : 0;
  const int64_t d = sh->head_dim > 0 ? sh->head_dim : 0;
  int tiny = 0;
  if (c->must_reject) {
    /* a huge product may stay: nothing may be read */
    int64_t qb = mul4(sh->batch, hq, sh->q_len, d * es), kb = mul4(sh->batch, hkv, sh->kv_len, d * es);
    if (qb < 0 || kb < 0 || qb > Q_BUDGET || kb > DENSE_KV_BUDGET) tiny = 1;
  } else {
    int64_t qb = mul4(sh->batch, hq, sh->q_len, d * es), kb = mul4(sh->batch, hkv, sh->kv_len, d * es);
    if (qb < 0 || kb < 0) {
      bad(c, "sdpa size overflows");
      tiny = 1;
    } else {
      /* clamp huge (but representable) lengths and batches first */
      if (sh->batch > 4) sh->batch = 4;
      if (sh->q_len > 256) sh->q_len = 256;
      if (sh->kv_len > 2048) sh->kv_len = 2048;
      for (;;) {
        int64_t b = sh->batch, q = sh->q_len, k = sh->kv_len;
        int64_t w = b * hq * q * tiles(k) * d;
        if (b * hq * q * d * es <= Q_BUDGET && b * hkv * k * d * es <= DENSE_KV_BUDGET && w <= WORK_CAP)
          break;
        if (q > 1 && (q * 4 >= tiles(k) || b * hq * q * d * es > Q_BUDGET))
          sh->q_len = (int32_t)(q / 2);
        else if (k > 1)
          sh->kv_len = (int32_t)(k / 2);
        else
          sh->batch = (int32_t)(b / 2);
      }
    }
  }
  const int64_t nonempty = sh->batch > 0 && hkv > 0 && sh->q_len > 0;
  if (u8(r) >= 250) {
    c->shape_null = 1;
    bad(c, "shape is NULL");
  }
  region *q = &c->R[R_Q], *o = &c->R[R_OUT], *k = &c->R[R_K], *v = &c->R[R_V];
  q->want = o->want = k->want = v->want = 1;
  q->size = o->size = tiny ? TINY : mul4(sh->batch, hq, sh->q_len, d * es);
  k->size = v->size = tiny ? TINY : mul4(sh->batch, hkv, sh->kv_len, d * es);
  q->align = o->align = k->align = v->align = es;
  q->vals = o->vals = k->vals = v->vals = V_FLOAT;
  q->dtype = o->dtype = k->dtype = v->dtype = valid_dtype(dt) ? dt : PAL_F32;
  q->nullable = o->nullable = k->nullable = v->nullable = 1;
  if (nonempty) q->nullable = o->nullable = 2;
  if (nonempty && sh->kv_len > 0) k->nullable = v->nullable = 2;
  o->out = 1;
  k->alias_of = v->alias_of = -1;
  if (u8(r) % 8 == 7) v->alias_of = R_K, v->alias_at = 0; /* k == v */
  /* lse rows; a huge count only survives in a call that must be rejected */
  int64_t rows = tiny ? 0 : mul4(sh->batch > 0 ? sh->batch : 0, hq, sh->q_len > 0 ? sh->q_len : 0, 1);
  if (rows < 0 || rows * 4 > Q_BUDGET) rows = 0;
  gen_options(r, c, c->hq, rows, (int)nonempty);
  return 1;
}

/* ------------------------------------------------------------ placement */

static int is_table(int i) { return i <= R_SLOTS; }
static int no_output_alias;

/* Places the wanted regions in `order`: fresh (after a gap, sometimes at an
 * element-aligned skew), on top of a region placed before (outputs over
 * inputs, out == block_table, lse inside q, ...), or NULL. A table never
 * lands on another table, so every table holds what the harness wrote.
 * Returns the end of the used arena, or -1 when the call does not fit. */
static int64_t place(rd *r, call *c, const int *order, int n) {
  static const int64_t gaps[] = {32, 32, 32, 32, 0, 8, 64, 256};
  int64_t cur = 0;
  int placed[R_COUNT], np = 0;
  for (int j = 0; j < n; ++j) {
    region *g = &c->R[order[j]];
    if (!g->want) continue;
    if (g->alias_of >= 0 && c->R[g->alias_of].placed && !c->R[g->alias_of].is_null) {
      g->off = c->R[g->alias_of].off + g->alias_at;
      g->placed = g->aliased = 1;
      if (g->off + g->size > ARENA_BYTES) return -1;
      if (g->off + g->size > cur) cur = g->off + g->size;
      placed[np++] = order[j];
      continue;
    }
    unsigned b = u8(r);
    if (b >= 248 && g->nullable) {
      g->is_null = 1, g->placed = 1;
      unspec(c, "a NULL array");
      if (g->nullable == 2) bad(c, "a required array is NULL");
      continue;
    }
    if (b >= 224 && np > 0 && !(no_output_alias && g->out)) {
      const region *t = &c->R[placed[u8(r) % (unsigned)np]];
      int tt = (int)(t - c->R);
      if (!(is_table(tt) && is_table(order[j])) && !t->is_null) {
        int64_t rel = t->size > 0 ? (int64_t)(u16(r) % (unsigned)(t->size + 1)) : 0;
        int64_t off = (t->off + rel) / g->align * g->align;
        if (off + g->size <= ARENA_BYTES) {
          g->off = off, g->placed = g->aliased = 1;
          if (off + g->size > cur) cur = off + g->size;
          placed[np++] = order[j];
          continue;
        }
      }
    }
    int64_t skew = ((b >> 3) & 7) == 7 ? g->align * (1 + (b >> 6)) : 0;
    int64_t off = (cur + gaps[b % 8] + 63) / 64 * 64 + skew;
    if (off + g->size > ARENA_BYTES) return -1;
    g->off = off, g->placed = 1;
    cur = off + g->size;
    placed[np++] = order[j];
  }
  /* 64 bytes past the last array stay poisoned, and inside the arena */
  return cur + 64 <= ARENA_BYTES ? cur + 64 : ARENA_BYTES;
}

static void *ptr(const call *c, int i) {
  const region *g = &c->R[i];
  if (!g->want || g->is_null || !g->placed) return NULL;
  return arena + g->off + g->ptr_off;
}

static int overlap(const region *a, const region *b) {
  if (!a->placed || !b->placed || a->is_null || b->is_null || a->size == 0 || b->size == 0) return 0;
  return a->off < b->off + b->size && b->off < a->off + a->size;
}

/* An output sharing bytes with any other array leaves the call's result
 * unspecified (libpal may refuse it); the interleaved pool's K and V share
 * an address range, never an element. */
static void check_apart(call *c) {
  for (int i = 0; i < R_COUNT; ++i) {
    if (!c->R[i].want || !c->R[i].out) continue;
    for (int j = 0; j < R_COUNT; ++j) {
      if (j == i || !c->R[j].want) continue;
      if (c->kernel == K_FILL && interleaved(c->layout) && ((i == R_K && j == R_V) || (i == R_V && j == R_K)))
        continue;
      if (overlap(&c->R[i], &c->R[j])) {
        char why[96];
        snprintf(why, sizeof why, "%s overlaps %s", region_name[i], region_name[j]);
        unspec(c, why);
        return;
      }
    }
  }
}

/* ------------------------------------------------------------ values */

static void fill_float_region(const region *g, unsigned mode) {
  const int64_t es = esize(g->dtype), n = g->size / es;
  uint8_t *base = arena + g->off;
  const int64_t period = 1021; /* prime: pages do not all look alike */
  int64_t first = n < period ? n : period;
  for (int64_t i = 0; i < first; ++i) store_float(base + i * es, g->dtype, draw(mode));
  for (int64_t done = first; done < n;) {
    int64_t chunk = done < n - done ? done : n - done;
    memcpy(base + done * es, base, (size_t)(chunk * es));
    done += chunk;
  }
}

static void write_values(rd *r, call *c, int64_t used) {
  rng_state = u32(r);
  unsigned mode_q = u8(r), mode_kv = u8(r);
  FZ_UNPOISON(arena, used);
  for (int i = 0; i < R_COUNT; ++i) {
    const region *g = &c->R[i];
    if (!g->want || !g->placed || g->is_null || g->vals != V_FLOAT) continue;
    fill_float_region(g, i == R_K || i == R_V ? mode_kv : mode_q);
  }
  /* explicit specials at chosen elements */
  unsigned ns = u8(r) % 6;
  for (unsigned j = 0; j < ns; ++j) {
    const region *g = &c->R[u8(r) % R_COUNT];
    unsigned idx = u16(r), kind = u8(r);
    if (!g->want || !g->placed || g->is_null || g->vals != V_FLOAT || g->out) continue;
    int64_t es = esize(g->dtype), n = g->size / es;
    if (n > 0) store_float(arena + g->off + (int64_t)(idx % n) * es, g->dtype, special(kind));
  }
  /* ALiBi slopes: finite, sometimes not */
  const region *a = &c->R[R_ALIBI];
  if (a->want && a->placed && !a->is_null) {
    unsigned b = u8(r);
    for (int64_t h = 0; h < a->size / 4; ++h) {
      float s = b % 2 ? -ldexpf(1.0f, -(int)(h % 8) - 1) : draw(b);
      if (!isfinite(s)) s = 0.25f;
      memcpy(arena + a->off + h * 4, &s, 4);
    }
    if (b >= 232 && a->size >= 4) {
      float s = special(b % 3);
      memcpy(arena + a->off + (int64_t)(u8(r) % (a->size / 4)) * 4, &s, 4);
    }
  }
  /* tables last: they hold exactly what the harness decided */
  static const struct {
    int region;
    const void *src;
  } tables[] = {{R_SEQ_LENS, t_seq_lens}, {R_BLOCK_TABLE, t_bt}, {R_INDPTR, t_indptr},
                {R_INDICES, t_indices},   {R_LAST, t_last},      {R_QO, t_qo},
                {R_SLOTS, t_slots}};
  for (int i = 0; i < NELEM(tables); ++i) {
    const region *g = &c->R[tables[i].region];
    if (!g->want || !g->placed || g->is_null || g->vals != V_INT) continue;
    memcpy(arena + g->off, tables[i].src, (size_t)g->size);
  }
  /* ALiBi as the call will read it (an array on top of it may have changed it) */
  if (a->want && a->placed && !a->is_null) {
    const int nonempty = c->kernel == K_SDPA
                             ? c->shape.batch > 0 && c->shape.num_kv_heads > 0 && c->shape.q_len > 0
                             : c->R[R_Q].size > 0; /* decode: sequences; prefill: query rows */
    for (int64_t h = 0; h < a->size / 4; ++h) {
      float s;
      memcpy(&s, arena + a->off + h * 4, 4);
      if (!isfinite(s)) {
        if (nonempty)
          bad(c, "options.alibi_slopes not finite");
        else
          unspec(c, "options.alibi_slopes not finite");
      }
    }
  }
}

/* Poison the used arena, then unpoison exactly what the call may touch:
 * the read part of each block-table row (the rest of a row is never read),
 * then every other array whole. */
static void poison_for_call(const call *c, int64_t used) {
  FZ_POISON(arena, used);
  const region *bt = &c->R[R_BLOCK_TABLE];
  if (bt->want && bt->placed && !bt->is_null) {
    if (c->strict_rows && c->maxp > 0 && c->maxp != INT32_MAX) {
      for (int s = 0; s < c->num_seqs; ++s)
        FZ_UNPOISON(arena + bt->off + (int64_t)s * c->maxp * 4, (int64_t)c->need[s] * 4);
    } else {
      FZ_UNPOISON(arena + bt->off, bt->size);
    }
  }
  for (int i = 0; i < R_COUNT; ++i) {
    const region *g = &c->R[i];
    if (i == R_BLOCK_TABLE || !g->want || !g->placed || g->is_null) continue;
    FZ_UNPOISON(arena + g->off, g->size);
  }
}

/* ------------------------------------------------------------ report */

static int verbose;

static void describe(const call *c, FILE *f) {
  const pal_kv_pool *p = &c->pool;
  fprintf(f, "fuzz_kernels: %s ctx=%s err=%s\n", kernel_name[c->kernel],
          c->ctx_null ? "NULL" : ctx_desc[c->ctx_i], c->err_null ? "NULL" : "&err");
  if (c->kernel != K_SDPA) {
    fprintf(f, "  pool%s: dtype=%d num_pages=%lld page_size=%d num_kv_heads=%d head_dim=%d "
               "strides page=%lld head=%lld token=%lld layout=%s\n",
            c->pool_null ? " (NULL)" : "", (int)p->dtype, (long long)p->num_pages, (int)p->page_size,
            (int)p->num_kv_heads, (int)p->head_dim, (long long)p->stride_page,
            (long long)p->stride_head, (long long)p->stride_token, layout_name[c->layout]);
  }
  if (c->kernel == K_DECODE || c->kernel == K_PREFILL) {
    fprintf(f, "  q_dtype=%d num_q_heads=%d pages%s: form=%d num_seqs=%d", c->q_dtype, (int)c->hq,
            c->pages_null ? " (NULL)" : "", (int)c->pages.form, (int)c->num_seqs);
    if (c->pages.form == PAL_PAGES_BLOCK_TABLE) {
      fprintf(f, " max_pages_per_seq=%d strict_rows=%d\n  seq_lens:", (int)c->maxp, c->strict_rows);
      for (int s = 0; s < c->num_seqs; ++s) fprintf(f, " %d", (int)t_seq_lens[s]);
      fprintf(f, "\n  block_table (used entries):");
      for (int s = 0; s < c->num_seqs; ++s) {
        fprintf(f, " [");
        int64_t row = c->maxp == INT32_MAX ? 0 : c->maxp;
        for (int i = 0; i < c->need[s] && i < 16; ++i) fprintf(f, "%s%d", i ? "," : "", (int)t_bt[s * row + i]);
        fprintf(f, "%s]", c->need[s] > 16 ? ",..." : "");
      }
    } else {
      fprintf(f, "\n  kv_indptr:");
      for (int s = 0; s <= c->num_seqs && c->num_seqs >= 0; ++s) fprintf(f, " %d", (int)t_indptr[s]);
      fprintf(f, " kv_last_page_len:");
      for (int s = 0; s < c->num_seqs; ++s) fprintf(f, " %d", (int)t_last[s]);
      fprintf(f, " kv_indices (%lld):", (long long)c->n_indices);
      for (int64_t i = 0; i < c->n_indices && i < 24; ++i) fprintf(f, " %d", (int)t_indices[i]);
    }
    fprintf(f, "\n");
    if (c->kernel == K_PREFILL) {
      fprintf(f, "  qo_indptr:");
      for (int s = 0; s <= c->num_seqs && c->num_seqs >= 0; ++s) fprintf(f, " %d", (int)t_qo[s]);
      fprintf(f, "\n");
    }
  }
  if (c->kernel == K_FILL) {
    fprintf(f, "  src_dtype=%d num_tokens=%lld slots:", c->src_dtype, (long long)c->num_tokens);
    for (int64_t i = 0; i < c->num_tokens && i < 24 && c->R[R_SLOTS].size >= (i + 1) * 8; ++i)
      fprintf(f, " %lld", (long long)t_slots[i]);
    fprintf(f, "\n");
  }
  if (c->kernel == K_SDPA) {
    const pal_sdpa_shape *s = &c->shape;
    fprintf(f, "  dtype=%d shape%s: batch=%d num_q_heads=%d num_kv_heads=%d q_len=%d kv_len=%d head_dim=%d causal=%d\n",
            c->q_dtype, c->shape_null ? " (NULL)" : "", (int)s->batch, (int)s->num_q_heads, (int)s->num_kv_heads,
            (int)s->q_len, (int)s->kv_len, (int)s->head_dim, s->causal);
  }
  if (c->kernel != K_FILL) {
    if (c->opt_null)
      fprintf(f, "  options: NULL\n");
    else
      fprintf(f, "  options: scale=%g num_threads=%d lse=%s window=%d softcap=%g alibi=%s\n",
              (double)c->opt.scale, c->opt.num_threads, c->lse_on ? "on" : "off", (int)c->opt.window,
              (double)c->opt.softcap, c->alibi_on ? "on" : "off");
  }
  for (int i = 0; i < R_COUNT; ++i) {
    const region *g = &c->R[i];
    if (!g->want) continue;
    if (g->is_null)
      fprintf(f, "  %-16s NULL\n", region_name[i]);
    else
      fprintf(f, "  %-16s [%lld, %lld) %lld bytes%s%s%s\n", region_name[i], (long long)g->off,
              (long long)(g->off + g->size), (long long)g->size, g->aliased ? " (on another array)" : "",
              g->out ? " (written)" : "", g->ptr_off ? " (pointer inside)" : "");
  }
  fprintf(f, "  harness: %s%s%s\n",
          c->must_reject ? "must be rejected: " : c->unspecified ? "unspecified: " : "valid, must succeed",
          c->must_reject ? c->why_reject : c->unspecified ? c->why_unspec : "", "");
}

static void fail(const call *c, pal_status st, const pal_error *e, const char *what) {
  fprintf(stderr, "fuzz_kernels: FAILED: %s\n", what);
  fprintf(stderr, "  status %d (%s)%s%s\n", (int)st, pal_status_name(st), e ? ": " : "",
          e && memchr(e->message, 0, sizeof e->message) ? e->message : "");
  describe(c, stderr);
  abort();
}

static int status_known(pal_status st) {
  switch (st) {
#define FZ_CASE_(name, value, text) case name:
    PAL_STATUS_MAP(FZ_CASE_)
#undef FZ_CASE_
    return 1;
  }
  return 0;
}

/* The first byte in [a, b) that differs from the snapshot, or -1. */
static int64_t first_diff(int64_t a, int64_t b) {
  if (a >= b || memcmp(arena + a, snap + a, (size_t)(b - a)) == 0) return -1;
  for (int64_t i = a; i < b; ++i)
    if (arena[i] != snap[i]) return i;
  return -1;
}

static const char *owner(const call *c, int64_t at) {
  for (int i = 0; i < R_COUNT; ++i) {
    const region *g = &c->R[i];
    if (g->want && g->placed && !g->is_null && at >= g->off && at < g->off + g->size)
      return region_name[i];
  }
  return "no array (a gap)";
}

/* ------------------------------------------------------------ entry */

static const int order_paged[] = {R_SEQ_LENS, R_BLOCK_TABLE, R_INDPTR, R_INDICES, R_LAST, R_QO,
                                  R_K, R_V, R_Q, R_ALIBI, R_OUT, R_LSE};
static const int order_fill[] = {R_SLOTS, R_KNEW, R_VNEW, R_K, R_V};
static const int order_sdpa[] = {R_Q, R_K, R_V, R_ALIBI, R_OUT, R_LSE};

static call the_call; /* static: large, and kept for a debugger */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!arena) {
    setup();
    const char *v = getenv("PAL_FUZZ_VERBOSE");
    verbose = v && *v && strcmp(v, "0") != 0;
    v = getenv("PAL_FUZZ_NO_OUTPUT_ALIAS");
    no_output_alias = v && *v && strcmp(v, "0") != 0;
  }
  static int lenient = -1;
  static double slow_ms = -1.0;
  if (lenient < 0) {
    const char *v = getenv("PAL_FUZZ_LENIENT");
    lenient = v && *v && strcmp(v, "0") != 0;
    v = getenv("PAL_FUZZ_SLOW_MS");
    slow_ms = v && *v ? atof(v) : 0.0;
  }
  rd in = {data, size, 0};
  rd *r = &in;
  call *c = &the_call;
  memset(c, 0, sizeof *c);
  for (int i = 0; i < R_COUNT; ++i) c->R[i].alias_of = -1, c->R[i].align = 4;
  c->kernel = (int)(u8(r) % 4);
  unsigned cb = u8(r);
  c->ctx_null = cb >= 252;
  c->ctx_i = (int)(cb % (unsigned)num_ctx);
  if (c->ctx_null) bad(c, "ctx is NULL");
  c->err_null = u8(r) >= 240;
  rng_state = 0x5EED; /* page-id shuffles before the value seed is read */

  int ok;
  const int *order;
  int norder;
  switch (c->kernel) {
    case K_DECODE: ok = gen_paged(r, c, 0), order = order_paged, norder = NELEM(order_paged); break;
    case K_PREFILL: ok = gen_paged(r, c, 1), order = order_paged, norder = NELEM(order_paged); break;
    case K_FILL: ok = gen_fill(r, c), order = order_fill, norder = NELEM(order_fill); break;
    default: ok = gen_sdpa(r, c), order = order_sdpa, norder = NELEM(order_sdpa); break;
  }
  if (!ok) return 0;
  unsigned nb = u8(r);
  if (nb >= 252) {
    if (c->kernel == K_SDPA) {
      /* nothing else to drop */
    } else if (nb % 2) {
      c->pool_null = 1;
      bad(c, "pool is NULL");
    } else if (c->kernel != K_FILL) {
      c->pages_null = 1;
      bad(c, "pages is NULL");
    }
  }
  /* required-ness of the page-table arrays */
  if (c->kernel == K_DECODE || c->kernel == K_PREFILL) {
    int any_need = 0, any_pages = 0;
    for (int s = 0; s < c->num_seqs; ++s) any_need |= c->need[s] > 0, any_pages |= c->npages[s] > 0;
    if (c->num_seqs > 0) {
      c->R[R_SEQ_LENS].nullable = 2, c->R[R_INDPTR].nullable = 2, c->R[R_QO].nullable = 2;
      if (c->pages.form == PAL_PAGES_BLOCK_TABLE && any_need) c->R[R_BLOCK_TABLE].nullable = 2;
      if (c->n_indices > 0) c->R[R_INDICES].nullable = 2;
      if (any_pages) c->R[R_LAST].nullable = 2;
    }
    if (c->R[R_K].nullable == 2) c->R[R_V].nullable = 2;
  }
  const int64_t used = place(r, c, order, norder);
  if (used < 0) return 0;
  check_apart(c);
  write_values(r, c, used);
  if (c->kernel == K_DECODE || c->kernel == K_PREFILL) {
    pal_page_table *t = &c->pages;
    t->seq_lens = ptr(c, R_SEQ_LENS), t->block_table = ptr(c, R_BLOCK_TABLE);
    t->kv_indptr = ptr(c, R_INDPTR), t->kv_indices = ptr(c, R_INDICES);
    t->kv_last_page_len = ptr(c, R_LAST);
  }
  c->pool.k = ptr(c, R_K), c->pool.v = ptr(c, R_V);
  c->opt.lse = ptr(c, R_LSE);
  c->opt.alibi_slopes = ptr(c, R_ALIBI);
  memcpy(snap, arena, (size_t)used);
  if (verbose) describe(c, stderr);

  pal_error err;
  memset(&err, 0xA5, sizeof err);
  pal_error *e = c->err_null ? NULL : &err;
  const pal_context *ctx = c->ctx_null ? NULL : ctxs[c->ctx_i];
  const pal_attention_options *opt = c->opt_null ? NULL : &c->opt;
  const pal_kv_pool *pool = c->pool_null ? NULL : &c->pool;
  const pal_page_table *pages = c->pages_null ? NULL : &c->pages;
  poison_for_call(c, used);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pal_status st;
  switch (c->kernel) {
    case K_DECODE:
      st = pal_decode(ctx, ptr(c, R_Q), ptr(c, R_OUT), (pal_dtype)c->q_dtype, c->hq, pool, pages, opt, e);
      break;
    case K_PREFILL:
      st = pal_prefill(ctx, ptr(c, R_Q), ptr(c, R_OUT), (pal_dtype)c->q_dtype, c->hq, ptr(c, R_QO), pool,
                       pages, opt, e);
      break;
    case K_FILL:
      st = pal_fill_kv_pages(ctx, ptr(c, R_KNEW), ptr(c, R_VNEW), (pal_dtype)c->src_dtype, c->num_tokens,
                             ptr(c, R_SLOTS), pool, e);
      break;
    default:
      st = pal_sdpa(ctx, ptr(c, R_Q), ptr(c, R_K), ptr(c, R_V), ptr(c, R_OUT), (pal_dtype)c->q_dtype,
                    c->shape_null ? NULL : &c->shape, opt, e);
      break;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6;
  if (ms > max_ms) max_ms = ms;
  FZ_UNPOISON(arena, used);
  if (slow_ms > 0.0 && ms > slow_ms) {
    fprintf(stderr, "fuzz_kernels: slow call, %.2f ms\n", ms);
    describe(c, stderr);
  }
  ++calls[c->kernel];
  if (st == PAL_OK) ++calls_ok[c->kernel];
  if ((unsigned)st < 64) status_mask |= (uint64_t)1 << (unsigned)st;
  if (verbose)
    fprintf(stderr, "  -> %s%s%s\n", pal_status_name(st), st != PAL_OK && e ? ": " : "",
            st != PAL_OK && e && memchr(err.message, 0, sizeof err.message) ? err.message : "");

  /* 2. a real status, with its detail */
  if (!status_known(st)) fail(c, st, NULL, "the status is not a pal_status");
  if (st != PAL_OK) {
    if (strcmp(pal_status_name(st), "PAL_E_UNKNOWN") == 0) fail(c, st, NULL, "pal_status_name() does not know the status");
    if (e) {
      if (!memchr(err.message, 0, sizeof err.message)) fail(c, st, NULL, "pal_error.message is not terminated");
      if (err.message[0] == 0) fail(c, st, e, "pal_error.message is empty");
      if (err.code != st) fail(c, st, e, "pal_error.code differs from the returned status");
    }
  }
  /* 3. memory: a failure writes nothing; a success writes only its outputs */
  if (st != PAL_OK) {
    int64_t at = first_diff(0, used);
    if (at >= 0) {
      char msg[160];
      snprintf(msg, sizeof msg, "a failed call changed arena byte %lld (in %s)", (long long)at, owner(c, at));
      fail(c, st, e, msg);
    }
  } else {
    /* writable intervals, sorted by start */
    int64_t wa[R_COUNT], wb[R_COUNT];
    int nw = 0;
    for (int i = 0; i < R_COUNT; ++i) {
      const region *g = &c->R[i];
      if (!g->want || !g->out || !g->placed || g->is_null) continue;
      int j = nw++;
      while (j > 0 && wa[j - 1] > g->off) wa[j] = wa[j - 1], wb[j] = wb[j - 1], --j;
      wa[j] = g->off, wb[j] = g->off + g->size;
    }
    int64_t pos = 0;
    for (int j = 0; j <= nw; ++j) {
      int64_t end = j < nw ? wa[j] : used;
      int64_t at = first_diff(pos, end);
      if (at >= 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "a successful call changed arena byte %lld (in %s), outside its outputs",
                 (long long)at, owner(c, at));
        fail(c, st, e, msg);
      }
      if (j < nw && wb[j] > pos) pos = wb[j];
    }
  }
  /* 4. what pal.h decides */
  if (!lenient) {
    if (st == PAL_OK && c->must_reject) fail(c, st, e, "accepted a call that pal.h makes invalid");
    if (st != PAL_OK && st != PAL_E_NOMEM && !c->must_reject && !c->unspecified)
      fail(c, st, e, "rejected a valid call");
  }
  FZ_POISON(arena, used);
  return 0;
}
