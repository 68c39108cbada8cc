/* json.h - a small reading-only JSON parser for result files.
 *
 * Why not jansson (which `pal bench` writes with): result files from Google
 * Benchmark and Python carry bare NaN / Infinity, which jansson rejects, and
 * its error positions do not survive our need to point at *values* found
 * wrong later (schema errors). This parser:
 *   - accepts RFC 8259 JSON plus NaN, -NaN, Infinity, -Infinity;
 *   - records line:col of every value, so loaders can say file:line:col;
 *   - limits nesting (ANZ_JSON_MAX_DEPTH) instead of exhausting the stack;
 *   - converts numbers lazily (most numbers in a result file are never read);
 *   - decodes strings in place (the caller's buffer is modified) and
 *     allocates values from one arena per document, freed at once.
 */
#ifndef PAL_ANALYZE_JSON_H
#define PAL_ANALYZE_JSON_H

#include <stddef.h>
#include <stdint.h>

#define ANZ_JSON_MAX_DEPTH 256

typedef enum anz_jtype {
  ANZ_JNULL,
  ANZ_JFALSE,
  ANZ_JTRUE,
  ANZ_JNUMBER,
  ANZ_JSTRING,
  ANZ_JARRAY,
  ANZ_JOBJECT
} anz_jtype;

typedef struct anz_jvalue anz_jvalue;
struct anz_jvalue {
  anz_jtype type;
  uint32_t line, col;  /* 1-based position of the value's first character */
  uint32_t len;        /* string: bytes; number: text length; array/object: members */
  const char *key;     /* member name when the parent is an object, else NULL */
  union {
    const char *str;   /* string (NUL-terminated, decoded) or number text */
    anz_jvalue *first; /* array/object: first member */
  } u;
  anz_jvalue *next;    /* next member of the parent */
};

typedef struct anz_jdoc {
  anz_jvalue *root;
  struct anz_jchunk *chunks; /* arena */
} anz_jdoc;

typedef struct anz_jerror {
  uint32_t line, col;
  char message[160];
  int oom; /* 1: the error is an allocation failure, not the input */
} anz_jerror;

/* Parses buf[0..size) (buf[size] must be writable; it is set to NUL).
 * Returns 0, or -1 with *err filled (the document is then empty). */
int anz_json_parse(char *buf, size_t size, anz_jdoc *doc, anz_jerror *err);
void anz_json_free(anz_jdoc *doc);

/* Member lookup (linear). NULL when obj is not an object or has no such key. */
const anz_jvalue *anz_json_get(const anz_jvalue *obj, const char *key);
/* A number value, or a string holding a number (NVBench); else NaN.
 * *ok (optional) says whether a number was found. */
double anz_json_number(const anz_jvalue *v, int *ok);
/* String contents or NULL. */
const char *anz_json_string(const anz_jvalue *v);
int anz_json_is(const anz_jvalue *v, anz_jtype t);

#endif /* PAL_ANALYZE_JSON_H */
