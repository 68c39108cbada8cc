/* error.h - how libpal raises an error: one macro that records code, message
 * and the libpal source line into the caller's optional pal_error, then
 * returns the code from the enclosing function. */
#ifndef PAL_ERROR_H
#define PAL_ERROR_H

#include "pal/status.h"

#if defined(__GNUC__)
#define PAL__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PAL__PRINTF(a, b)
#endif

/* Fills *err (if not NULL) and returns `code`. */
pal_status pal__error_set(pal_error *err, pal_status code, const char *file, int line,
                          const char *fmt, ...) PAL__PRINTF(5, 6);

/* Usage: return PAL__FAIL(err, PAL_E_SHAPE, "num_seqs = %d is negative", n); */
#define PAL__FAIL(err, code, ...) pal__error_set((err), (code), __FILE__, __LINE__, __VA_ARGS__)

/* Propagate a non-OK status from a helper that already filled err. */
#define PAL__TRY(expr)                 \
  do {                                 \
    pal_status pal__st_ = (expr);      \
    if (pal__st_ != PAL_OK) return pal__st_; \
  } while (0)

#endif /* PAL_ERROR_H */
