/* style.h - how a series looks, decided once for the whole analysis so the
 * same (kernel, op, dtype) has the same colour in every plot, in gnuplot and
 * in the Python plotters (the table's colour/linestyle/marker columns).
 *
 *   colour     one per (kernel, op, dtype), from a colour-blind-safe
 *              qualitative palette (Okabe-Ito, then Tableau 10)
 *   line style + marker: the source (C, Python, NVBench) - never colour alone
 */
#ifndef PAL_ANALYZE_STYLE_H
#define PAL_ANALYZE_STYLE_H

#include <stddef.h>

#include "table.h"

#define ANZ_PALETTE_SIZE 10
extern const char *const anz_palette[ANZ_PALETTE_SIZE]; /* "#RRGGBB" */

/* Sets every row's colour: the distinct (kernel, op, dtype) triples of the
 * rows, sorted, take the palette in order (wrapping past its end). */
void anz_assign_colours(anz_row *const *rows, size_t n);

const char *anz_colour_hex(int colour);

/* matplotlib spellings (the table's linestyle/marker columns) and gnuplot's. */
const char *anz_source_linestyle(anz_source s); /* "-", "--", ":" */
const char *anz_source_marker(anz_source s);    /* "o", "^", "D" */
int anz_source_dash(anz_source s);              /* gnuplot dt: 1, 2, 3 */
int anz_source_point(anz_source s);             /* gnuplot pt: 7, 9, 13 (filled circle, triangle, diamond) */

#endif /* PAL_ANALYZE_STYLE_H */
