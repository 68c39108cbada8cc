/* decode_axes.h - the default axes of the decode families, one place for all.
 * A family lists its swept axis first, then these defaults (documented in
 * docs/BENCHMARKS.md); any axis can be overridden with `-a name=v1,v2`. */
#ifndef PAL_BENCH_DECODE_AXES_H
#define PAL_BENCH_DECODE_AXES_H

#define BENCH_PAGED_DECODE_DEFAULTS                                          \
  {"batch", "1"}, {"seq_len", "4096"}, {"num_q_heads", "32"}, {"num_kv_heads", "8"}, \
      {"head_dim", "128"}, {"page_size", "16"}, {"layout", "hnd"}, {"dtype", "fp16"}, \
      {"threads", "0"}

#define BENCH_DENSE_DECODE_DEFAULTS                                          \
  {"batch", "1"}, {"seq_len", "4096"}, {"num_q_heads", "32"}, {"num_kv_heads", "8"}, \
      {"head_dim", "128"}, {"dtype", "fp16"}, {"threads", "0"}

#endif
