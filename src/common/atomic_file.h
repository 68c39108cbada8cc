/* atomic_file.h - write a whole file so readers see the old or the new
 * contents, never a torn one: write a temporary in the same directory, fsync,
 * rename over the target. */
#ifndef PAL_COMMON_ATOMIC_FILE_H
#define PAL_COMMON_ATOMIC_FILE_H

#include <stddef.h>

/* Returns 0, or -1 with errno set (the temporary is removed). */
int write_file_atomic(const char *path, const char *data, size_t size);

#endif /* PAL_COMMON_ATOMIC_FILE_H */
