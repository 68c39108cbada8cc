/* pal/export.h - PAL_API marks the symbols a shared libpal exports; the
 * library is built with hidden visibility so internal pal__ names stay inside. */
#ifndef PAL_EXPORT_H
#define PAL_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define PAL_API __attribute__((visibility("default")))
#else
#define PAL_API
#endif

#endif /* PAL_EXPORT_H */
