/* pal/status.h - status codes and the caller-owned error detail record.
 *
 * Every public entry point returns a pal_status. Detail (a message naming the
 * argument at fault, and where in libpal the check fired) goes into an
 * optional pal_error that the caller owns; passing NULL means "no detail".
 * The library keeps no "last error" state of its own. Codes may be added in
 * later versions; pal_status_name() maps unknown codes to "PAL_E_UNKNOWN".
 */
#ifndef PAL_STATUS_H
#define PAL_STATUS_H

#include "pal/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro list: code name, value, one-line meaning. The enum, the name table
 * and the default messages are all generated from this one list. */
#define PAL_STATUS_MAP(X)                                                     \
  X(PAL_OK, 0, "success")                                                    \
  X(PAL_E_NULL, 1, "a required pointer argument is NULL")                    \
  X(PAL_E_SHAPE, 2, "a size or shape argument is out of range")              \
  X(PAL_E_HEADS, 3, "num_q_heads is not a multiple of num_kv_heads")         \
  X(PAL_E_HEAD_DIM, 4, "head_dim is not supported")                          \
  X(PAL_E_PAGE_ID, 5, "a page id is outside the pool")                       \
  X(PAL_E_SEQ_LEN, 6, "a sequence length does not fit its pages")            \
  X(PAL_E_SLOT, 7, "a slot_mapping entry is outside the pool")               \
  X(PAL_E_OVERFLOW, 8, "a size computation overflows")                       \
  X(PAL_E_DTYPE, 9, "a dtype is not supported")                              \
  X(PAL_E_LAYOUT, 10, "pool strides are invalid")                            \
  X(PAL_E_ISA, 11, "the requested ISA level is unknown or unsupported")      \
  X(PAL_E_NOMEM, 12, "out of memory")                                        \
  X(PAL_E_ARG, 13, "an option value is invalid")                            \
  X(PAL_E_ALIAS, 14, "an output shares memory with an input or another output")

typedef enum pal_status {
#define PAL_STATUS_ENUM_(name, value, text) name = value,
  PAL_STATUS_MAP(PAL_STATUS_ENUM_)
#undef PAL_STATUS_ENUM_
} pal_status;

/* Detail about a failed call. Caller-owned; libpal only writes into it. */
typedef struct pal_error {
  pal_status code;
  char message[256]; /* human-readable, names the argument and value at fault */
  const char *source_file; /* libpal source file of the failed check */
  int source_line;
} pal_error;

/* "PAL_E_PAGE_ID" etc.; static strings, never NULL. Since 0.1. */
PAL_API const char *pal_status_name(pal_status status);
/* The one-line meaning from PAL_STATUS_MAP; static, never NULL. Since 0.1. */
PAL_API const char *pal_status_message(pal_status status);

#ifdef __cplusplus
}
#endif
#endif /* PAL_STATUS_H */
