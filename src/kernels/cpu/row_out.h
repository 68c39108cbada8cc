/* row_out.h - the end of a row in both engines: acc / l converted into the
 * output row (Q/O dtype), and its log-sum-exp.
 */
#ifndef PAL_ROW_OUT_H
#define PAL_ROW_OUT_H

#include <stdint.h>

#include "pal/pal.h"

/* Normalises the fp32 row acc (d floats, overwritten) by l, converts it to
 * dtype at out and returns the row's lse, m + log(l). A row whose l is not
 * > 0 is written by pal__empty_row (nonfinite.h): zeros / -inf when it saw
 * no key (saw_keys 0), NaN otherwise. */
float pal__write_row(float *acc, float m, float l, int saw_keys, int32_t d, pal_dtype dtype,
                     void *out);

#endif /* PAL_ROW_OUT_H */
