/* result_files.c - see result_files.h. */
#define _POSIX_C_SOURCE 200809L
#include "result_files.h"

#include <stdio.h>
#include <time.h>

void bench_result_path(char *buf, size_t size, const char *out_dir, const char *target,
                       const char *family) {
  char ts[32];
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(ts, sizeof ts, "%Y%m%d_%H%M%S", &tm);
  snprintf(buf, size, "%s/cpp_%s_%s_%s.json", out_dir, target, family, ts);
}
