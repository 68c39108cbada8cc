/* table_csv.c - the normalised table as CSV (see table_csv.h). The text is
 * built in one growing buffer and written with one atomic write: an
 * interrupted run never leaves half a table for a plotter to read. */
#include "alloc.h"
#include "table_csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/atomic_file.h"
#include "plot.h"
#include "style.h"

typedef struct csv_buf {
  char *p;
  size_t n, cap;
  int oom; /* sticky: later writes are dropped, the caller sees NULL */
} csv_buf;

/* Room for more bytes plus a NUL. */
static int reserve(csv_buf *b, size_t more) {
  if (b->oom) return -1;
  if (b->n + more + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->n + more + 1) cap *= 2;
  char *p = anz_realloc(b->p, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

static void put(csv_buf *b, const char *s, size_t n) {
  if (reserve(b, n)) return;
  memcpy(b->p + b->n, s, n);
  b->n += n;
}

static void put_char(csv_buf *b, char c) {
  if (reserve(b, 1)) return;
  b->p[b->n++] = c;
}

/* RFC 4180: quoted only when it must be, quotes doubled; NULL is empty. */
static void put_str(csv_buf *b, const char *s) {
  if (!s) return;
  size_t n = strlen(s);
  if (!strpbrk(s, ",\"\r\n")) {
    put(b, s, n);
    return;
  }
  put_char(b, '"');
  for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
    put(b, s, (size_t)(q - s) + 1);
    put_char(b, '"');
  }
  put(b, s, strlen(s));
  put_char(b, '"');
}

/* "%.10g"; empty when not finite. Whole numbers below 1e10 (axes, counts,
 * dates: most of the table) print the same digits without printf. */
static void put_num(csv_buf *b, double v) {
  if (!isfinite(v)) return;
  if (reserve(b, 32)) return;
  char *w = b->p + b->n;
  if (fabs(v) < 1e10 && v == floor(v) && !(v == 0 && signbit(v))) {
    long long i = (long long)v;
    char tmp[24];
    int k = 0;
    unsigned long long u = i < 0 ? (unsigned long long)-i : (unsigned long long)i;
    do tmp[k++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (i < 0) *w++ = '-';
    while (k) *w++ = tmp[--k];
    b->n = (size_t)(w - b->p);
    return;
  }
  int len = snprintf(w, 32, "%.10g", v); /* at most 17 characters: -1.234567891e-308 */
  if (len > 0 && len < 32) b->n += (size_t)len;
}

static void put_row(csv_buf *b, const anz_row *r) {
  put_str(b, r->name), put_char(b, ',');
  put_str(b, r->family), put_char(b, ',');
  put_str(b, anz_source_name(r->source)), put_char(b, ',');
  put_str(b, anz_kernel_name(r->kernel)), put_char(b, ',');
  put_str(b, r->kernel_name), put_char(b, ',');
  put_str(b, anz_study_name(r->study)), put_char(b, ',');
  static const anz_saxis strings[] = {ANZ_SX_OP,    ANZ_SX_DTYPE,   ANZ_SX_MODEL, ANZ_SX_LAYOUT,
                                      ANZ_SX_CACHE, ANZ_SX_MACHINE, ANZ_SX_RUN};
  for (size_t i = 0; i < sizeof strings / sizeof strings[0]; ++i) put_str(b, r->saxis[strings[i]]), put_char(b, ',');
  /* listed, not looped over the enum: a new axis must not shift the columns */
  static const anz_axis axes[] = {ANZ_AX_SEQ_LEN,     ANZ_AX_HEAD_DIM,     ANZ_AX_ITEMS,     ANZ_AX_BATCH,
                                  ANZ_AX_NUM_Q_HEADS, ANZ_AX_NUM_KV_HEADS, ANZ_AX_PAGE_SIZE, ANZ_AX_EFFECTIVE_ITEMS};
  for (size_t i = 0; i < sizeof axes / sizeof axes[0]; ++i) put_num(b, r->axis[axes[i]]), put_char(b, ',');
  put_str(b, r->params), put_char(b, ',');
  /* latency and throughput exactly as the plots compute them */
  anz_point pt;
  memset(&pt, 0, sizeof pt);
  anz_point_latency_throughput(&pt, r);
  put_num(b, pt.y[0]), put_char(b, ',');
  put_num(b, pt.lo[0]), put_char(b, ',');
  put_num(b, pt.hi[0]), put_char(b, ',');
  put_str(b, r->stat_used), put_char(b, ',');
  put_str(b, r->spread_used), put_char(b, ',');
  put_num(b, r->samples), put_char(b, ',');
  put_num(b, pt.y[1]), put_char(b, ',');
  static const anz_counter counters[] = {ANZ_C_BYTES_PER_SECOND, ANZ_C_FLOPS_PER_SECOND, ANZ_C_ITEMS_PER_SECOND,
                                         ANZ_C_BW_UTIL,          ANZ_C_FLOP_UTIL,        ANZ_C_ROOFLINE_UTIL,
                                         ANZ_C_ARITHMETIC_INTENSITY, ANZ_C_FOREIGN_LOAD};
  for (size_t i = 0; i < sizeof counters / sizeof counters[0]; ++i) put_num(b, r->counter[counters[i]]), put_char(b, ',');
  put_num(b, r->bw_peak), put_char(b, ',');
  put_num(b, r->peak_flops), put_char(b, ',');
  put_num(b, r->flop_peak), put_char(b, ',');
  put_str(b, r->bw_roof), put_char(b, ',');
  put_str(b, r->flop_roof), put_char(b, ',');
  put_char(b, r->probe_suspect ? '1' : '0'), put_char(b, ',');
  put_str(b, anz_colour_hex(r->colour)), put_char(b, ',');
  put_str(b, anz_source_linestyle(r->source)), put_char(b, ',');
  put_str(b, anz_source_marker(r->source)), put_char(b, ',');
  put_num(b, r->run_epoch), put_char(b, ',');
  put_str(b, r->file), put_char(b, '\n');
}

char *anz_table_csv(const anz_table *t, size_t *len) {
  csv_buf b = {0};
  reserve(&b, (t->nrows + 1) * 512); /* a typical row is 300-500 bytes */
  static const char header[] = ANZ_TABLE_CSV_HEADER "\n";
  put(&b, header, sizeof header - 1);
  for (size_t i = 0; i < t->nrows && !b.oom; ++i) put_row(&b, t->rows[i]);
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  b.p[b.n] = '\0';
  *len = b.n;
  return b.p;
}

int anz_write_table_csv(const anz_table *t, const char *path, char *why, size_t whylen) {
  size_t len = 0;
  char *text = anz_table_csv(t, &len);
  if (!text) {
    snprintf(why, whylen, "cannot write %s: out of memory", path);
    return -1;
  }
  int rc = write_file_atomic(path, text, len);
  if (rc) snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
  free(text);
  return rc;
}
