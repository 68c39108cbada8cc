/* json.c - tolerant, position-keeping JSON parser (see json.h). */
#include "alloc.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_VALUES 4096

struct anz_jchunk {
  struct anz_jchunk *next;
  size_t used;
  anz_jvalue v[CHUNK_VALUES];
};

typedef struct parser {
  char *p, *end;
  char *line_start;
  uint32_t line;
  int depth;
  anz_jdoc *doc;
  anz_jerror *err;
} parser;

static uint32_t col_of(const parser *ps, const char *at) { return (uint32_t)(at - ps->line_start) + 1; }

static int fail(parser *ps, const char *at, const char *fmt, const char *arg) {
  ps->err->line = ps->line;
  ps->err->col = col_of(ps, at);
  snprintf(ps->err->message, sizeof ps->err->message, fmt, arg ? arg : "");
  return -1;
}

static anz_jvalue *new_value(parser *ps) {
  struct anz_jchunk *c = ps->doc->chunks;
  if (!c || c->used == CHUNK_VALUES) {
    c = anz_malloc(sizeof *c);
    if (!c) return NULL;
    c->next = ps->doc->chunks;
    c->used = 0;
    ps->doc->chunks = c;
  }
  anz_jvalue *v = &c->v[c->used++];
  memset(v, 0, sizeof *v);
  return v;
}

/* Byte classes for the two hot loops: white space (1: ' ', '\t', '\r';
 * 2: '\n') and bytes that end a string's plain run ('"', '\\', controls). */
static const unsigned char ws_class[256] = {[' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 2};
#define CTL8(b) [b] = 1, [b + 1] = 1, [b + 2] = 1, [b + 3] = 1, [b + 4] = 1, [b + 5] = 1, [b + 6] = 1, [b + 7] = 1
static const unsigned char str_stop[256] = {CTL8(0), CTL8(8), CTL8(16), CTL8(24), ['"'] = 1, ['\\'] = 1};
#undef CTL8

static void skip_ws(parser *ps) {
  char *p = ps->p, *end = ps->end;
  for (; p < end; ++p) {
    unsigned char k = ws_class[(unsigned char)*p];
    if (!k) break;
    if (k == 2) {
      ++ps->line;
      ps->line_start = p + 1;
    }
  }
  ps->p = p;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static char *put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    *o++ = (char)cp;
  } else if (cp < 0x800) {
    *o++ = (char)(0xC0 | (cp >> 6));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | (cp >> 12));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | (cp >> 18));
    *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}

/* ps->p at the opening quote. Decodes in place; the result is NUL-terminated
 * (the decoded text is never longer than the escaped text + closing quote). */
static int parse_string(parser *ps, const char **out, uint32_t *len) {
  char *start = ++ps->p, *p = start, *o = start;
  /* plain bytes before the first escape stay where they are */
  while (p < ps->end && !str_stop[(unsigned char)*p]) ++p;
  o = p;
  for (;;) {
    /* fast scan of plain bytes */
    while (p < ps->end && !str_stop[(unsigned char)*p]) *o++ = *p++;
    if (p >= ps->end) return fail(ps, start - 1, "truncated: unterminated string%s", NULL);
    char c = *p;
    if (c == '"') break;
    if ((unsigned char)c < 0x20) return fail(ps, p, "control character in string%s", NULL);
    /* escape */
    if (p + 1 >= ps->end) return fail(ps, p, "unterminated escape%s", NULL);
    char e = p[1];
    p += 2;
    switch (e) {
      case '"': *o++ = '"'; break;
      case '\\': *o++ = '\\'; break;
      case '/': *o++ = '/'; break;
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u': {
        unsigned cp = 0;
        for (int i = 0; i < 4; ++i) {
          int h = p < ps->end ? hexval(*p) : -1;
          if (h < 0) return fail(ps, p, "bad \\u escape%s", NULL);
          cp = cp * 16 + (unsigned)h;
          ++p;
        }
        if (cp >= 0xD800 && cp < 0xDC00 && p + 6 <= ps->end && p[0] == '\\' && p[1] == 'u') {
          unsigned lo = 0;
          int okh = 1;
          for (int i = 0; i < 4; ++i) {
            int h = hexval(p[2 + i]);
            if (h < 0) okh = 0;
            lo = lo * 16 + (unsigned)(h < 0 ? 0 : h);
          }
          if (okh && lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          }
        }
        if (cp == 0) cp = 0xFFFD; /* keep strings NUL-free */
        o = put_utf8(o, cp);
        break;
      }
      default: return fail(ps, p - 2, "bad escape in string%s", NULL);
    }
  }
  *o = '\0';
  *out = start;
  *len = (uint32_t)(o - start);
  ps->p = p + 1;
  return 0;
}

static int match_word(parser *ps, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0) return 0;
  ps->p += n;
  return 1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int parse_number(parser *ps, anz_jvalue *v) {
  char *s = ps->p, *p = s;
  if (p < ps->end && *p == '-') ++p;
  if (p < ps->end && (*p == 'N' || *p == 'I')) { /* -NaN / -Infinity */
    ps->p = p;
    if (!match_word(ps, "NaN") && !match_word(ps, "Infinity")) return fail(ps, s, "invalid literal%s", NULL);
    p = ps->p;
  } else {
    if (p >= ps->end || !is_digit(*p)) return fail(ps, s, "invalid number%s", NULL);
    if (*p == '0') {
      ++p;
    } else {
      while (p < ps->end && is_digit(*p)) ++p;
    }
    if (p < ps->end && *p == '.') {
      ++p;
      if (p >= ps->end || !is_digit(*p)) return fail(ps, s, "invalid number: digit expected after '.'%s", NULL);
      while (p < ps->end && is_digit(*p)) ++p;
    }
    if (p < ps->end && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p < ps->end && (*p == '+' || *p == '-')) ++p;
      if (p >= ps->end || !is_digit(*p)) return fail(ps, s, "invalid number: digit expected in exponent%s", NULL);
      while (p < ps->end && is_digit(*p)) ++p;
    }
  }
  v->type = ANZ_JNUMBER;
  v->u.str = s;
  v->len = (uint32_t)(p - s);
  ps->p = p;
  return 0;
}

static int parse_value(parser *ps, anz_jvalue *v);

static int parse_container(parser *ps, anz_jvalue *v, int object) {
  char *open = ps->p;
  if (++ps->depth > ANZ_JSON_MAX_DEPTH) {
    char lim[16];
    snprintf(lim, sizeof lim, "%d", ANZ_JSON_MAX_DEPTH);
    return fail(ps, open, "nesting deeper than %s levels", lim);
  }
  v->type = object ? ANZ_JOBJECT : ANZ_JARRAY;
  ++ps->p;
  anz_jvalue **tail = &v->u.first;
  skip_ws(ps);
  char close = object ? '}' : ']';
  if (ps->p < ps->end && *ps->p == close) {
    ++ps->p;
    --ps->depth;
    return 0;
  }
  for (;;) {
    skip_ws(ps);
    const char *key = NULL;
    if (object) {
      if (ps->p >= ps->end) return fail(ps, ps->p, "truncated: object not closed%s", NULL);
      if (*ps->p != '"') return fail(ps, ps->p, "expected a member name in quotes%s", NULL);
      uint32_t klen;
      if (parse_string(ps, &key, &klen)) return -1;
      skip_ws(ps);
      if (ps->p >= ps->end) return fail(ps, ps->p, "truncated: object not closed%s", NULL);
      if (*ps->p != ':') return fail(ps, ps->p, "expected ':' after member name%s", NULL);
      ++ps->p;
      skip_ws(ps);
    }
    anz_jvalue *m = new_value(ps);
    if (!m) {
      ps->err->oom = 1;
      return fail(ps, ps->p, "out of memory%s", NULL);
    }
    m->key = key;
    if (parse_value(ps, m)) return -1;
    *tail = m;
    tail = &m->next;
    ++v->len;
    skip_ws(ps);
    if (ps->p >= ps->end)
      return fail(ps, ps->p, object ? "truncated: object not closed%s" : "truncated: array not closed%s", NULL);
    if (*ps->p == ',') {
      ++ps->p;
      continue;
    }
    if (*ps->p == close) {
      ++ps->p;
      --ps->depth;
      return 0;
    }
    return fail(ps, ps->p, object ? "expected ',' or '}'%s" : "expected ',' or ']'%s", NULL);
  }
}

static int parse_value(parser *ps, anz_jvalue *v) {
  skip_ws(ps);
  v->line = ps->line;
  v->col = col_of(ps, ps->p);
  if (ps->p >= ps->end) return fail(ps, ps->p, "truncated: value expected%s", NULL);
  switch (*ps->p) {
    case '{': return parse_container(ps, v, 1);
    case '[': return parse_container(ps, v, 0);
    case '"':
      v->type = ANZ_JSTRING;
      return parse_string(ps, &v->u.str, &v->len);
    case 't':
      if (!match_word(ps, "true")) break;
      v->type = ANZ_JTRUE;
      return 0;
    case 'f':
      if (!match_word(ps, "false")) break;
      v->type = ANZ_JFALSE;
      return 0;
    case 'n':
      if (!match_word(ps, "null")) break;
      v->type = ANZ_JNULL;
      return 0;
    case 'N':
    case 'I':
    case '-':
      return parse_number(ps, v);
    default:
      if (is_digit(*ps->p)) return parse_number(ps, v);
  }
  char shown[8];
  unsigned char c = (unsigned char)*ps->p;
  if (c >= 0x20 && c < 0x7F)
    snprintf(shown, sizeof shown, "'%c'", c);
  else
    snprintf(shown, sizeof shown, "0x%02X", c);
  return fail(ps, ps->p, "unexpected character %s", shown);
}

int anz_json_parse(char *buf, size_t size, anz_jdoc *doc, anz_jerror *err) {
  doc->root = NULL;
  doc->chunks = NULL;
  err->oom = 0;
  buf[size] = '\0';
  parser ps = {.p = buf, .end = buf + size, .line_start = buf, .line = 1, .doc = doc, .err = err};
  /* a UTF-8 byte order mark is harmless; skip it */
  if (size >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
    ps.p += 3, ps.line_start += 3;
  skip_ws(&ps);
  if (ps.p >= ps.end) {
    fail(&ps, ps.p, "empty file (no JSON value)%s", NULL);
    return -1;
  }
  anz_jvalue *root = new_value(&ps);
  if (!root) {
    err->oom = 1;
    fail(&ps, ps.p, "out of memory%s", NULL);
    return -1;
  }
  if (parse_value(&ps, root)) {
    anz_json_free(doc);
    return -1;
  }
  skip_ws(&ps);
  if (ps.p < ps.end) {
    fail(&ps, ps.p, "unexpected data after the JSON value%s", NULL);
    anz_json_free(doc);
    return -1;
  }
  doc->root = root;
  return 0;
}

void anz_json_free(anz_jdoc *doc) {
  struct anz_jchunk *c = doc->chunks;
  while (c) {
    struct anz_jchunk *n = c->next;
    free(c);
    c = n;
  }
  doc->chunks = NULL;
  doc->root = NULL;
}

const anz_jvalue *anz_json_get(const anz_jvalue *obj, const char *key) {
  if (!obj || obj->type != ANZ_JOBJECT) return NULL;
  for (const anz_jvalue *m = obj->u.first; m; m = m->next)
    if (m->key[0] == key[0] && !strcmp(m->key, key)) return m;
  return NULL;
}

double anz_json_number(const anz_jvalue *v, int *ok) {
  if (ok) *ok = 0;
  if (!v) return NAN;
  if (v->type == ANZ_JNUMBER) {
    /* the text is followed by a non-number byte, so strtod stops there */
    double d = strtod(v->u.str, NULL);
    if (ok) *ok = 1;
    return d;
  }
  if (v->type == ANZ_JSTRING && v->len > 0) {
    char *end;
    double d = strtod(v->u.str, &end);
    if (end != v->u.str && *end == '\0') {
      if (ok) *ok = 1;
      return d;
    }
  }
  return NAN;
}

const char *anz_json_string(const anz_jvalue *v) { return v && v->type == ANZ_JSTRING ? v->u.str : NULL; }

int anz_json_is(const anz_jvalue *v, anz_jtype t) { return v && v->type == t; }
