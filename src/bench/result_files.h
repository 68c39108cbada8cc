/* result_files.h - the name of each family's result file (the output folder
 * is made with src/common/fs.h's mkdir_p). */
#ifndef PAL_BENCH_RESULT_FILES_H
#define PAL_BENCH_RESULT_FILES_H

#include <stddef.h>

/* {out_dir}/cpp_{target}_{family}_{YYYYmmdd_HHMMSS}.json, the local time now. */
void bench_result_path(char *buf, size_t size, const char *out_dir, const char *target,
                       const char *family);

#endif
