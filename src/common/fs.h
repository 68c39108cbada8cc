/* fs.h - file-system helpers shared by pal bench and pal analyze. */
#ifndef PAL_COMMON_FS_H
#define PAL_COMMON_FS_H

/* mkdir -p: creates `path` and every missing parent (mode 0755). 0, or -1
 * with errno set (ENOTDIR when `path` exists but is not a folder,
 * ENAMETOOLONG when it does not fit the 4 KiB buffer). */
int mkdir_p(const char *path);

#endif /* PAL_COMMON_FS_H */
