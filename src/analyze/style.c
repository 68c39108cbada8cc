/* style.c - series looks shared by every plot (see style.h). */
#include "alloc.h"
#include "style.h"

#include <stdlib.h>
#include <string.h>

#include "plot.h" /* anz_cmp_str: the one NULL-last string order */

/* Okabe & Ito (2008) without its yellow (unreadable on white), ordered so
 * neighbours differ most (kernels of one op take neighbouring indices), then
 * three of Tableau 10 that stay apart from them. */
const char *const anz_palette[ANZ_PALETTE_SIZE] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000",
                                                   "#56B4E9", "#E69F00", "#9C755F", "#B07AA1", "#59A14F"};

const char *anz_colour_hex(int colour) {
  return anz_palette[(colour < 0 ? 0 : colour) % ANZ_PALETTE_SIZE];
}

static int triple_cmp(const anz_row *x, const anz_row *y) {
  int c = (int)x->kernel - (int)y->kernel;
  if (!c) c = anz_cmp_str(x->saxis[ANZ_SX_OP], y->saxis[ANZ_SX_OP]);
  if (!c) c = anz_cmp_str(x->saxis[ANZ_SX_DTYPE], y->saxis[ANZ_SX_DTYPE]);
  return c;
}

static int triple_qsort(const void *a, const void *b) {
  return triple_cmp(*(const anz_row *const *)a, *(const anz_row *const *)b);
}

void anz_assign_colours(anz_row *const *rows, size_t n) {
  anz_row **sorted = anz_malloc((n ? n : 1) * sizeof *sorted);
  if (!sorted) { /* out of memory: one colour for all, still drawable */
    for (size_t i = 0; i < n; ++i) rows[i]->colour = 0;
    return;
  }
  memcpy(sorted, rows, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, triple_qsort);
  int colour = -1;
  for (size_t i = 0; i < n; ++i) {
    if (i == 0 || triple_cmp(sorted[i - 1], sorted[i])) ++colour;
    sorted[i]->colour = colour;
  }
  free(sorted);
}

const char *anz_source_linestyle(anz_source s) { return s == ANZ_SRC_CPP ? "-" : s == ANZ_SRC_PY ? "--" : ":"; }
const char *anz_source_marker(anz_source s) { return s == ANZ_SRC_CPP ? "o" : s == ANZ_SRC_PY ? "^" : "D"; }
int anz_source_dash(anz_source s) { return s == ANZ_SRC_CPP ? 1 : s == ANZ_SRC_PY ? 2 : 3; }
int anz_source_point(anz_source s) { return s == ANZ_SRC_CPP ? 7 : s == ANZ_SRC_PY ? 9 : 13; }
