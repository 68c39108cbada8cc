/* status.c - status names and messages, generated from PAL_STATUS_MAP, and
 * the error-detail setter behind PAL__FAIL. */
#include "baseline_only.h"

#include <stdarg.h>
#include <stdio.h>

#include "error.h"

const char *pal_status_name(pal_status status) {
  switch (status) {
#define PAL_STATUS_NAME_(name, value, text) \
  case name: return #name;
    PAL_STATUS_MAP(PAL_STATUS_NAME_)
#undef PAL_STATUS_NAME_
  }
  return "PAL_E_UNKNOWN";
}

const char *pal_status_message(pal_status status) {
  switch (status) {
#define PAL_STATUS_TEXT_(name, value, text) \
  case name: return text;
    PAL_STATUS_MAP(PAL_STATUS_TEXT_)
#undef PAL_STATUS_TEXT_
  }
  return "unknown status";
}

pal_status pal__error_set(pal_error *err, pal_status code, const char *file, int line,
                          const char *fmt, ...) {
  if (err) {
    err->code = code;
    err->source_file = file;
    err->source_line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}
