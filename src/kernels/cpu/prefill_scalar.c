/* prefill_scalar.c - the reference level of the prefill micro-kernels:
 * the portable kernels of prefill_portable.h compiled for baseline x86-64.
 * Always built; fills every entry of the table.
 */
#include "../baseline_only.h"

#include "prefill_portable.h"

void pal__prefill_kernels_init_scalar(pal__prefill_kernels *t) { PORTABLE_FILL(t); }
