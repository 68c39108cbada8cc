/* table_csv.h - `pal analyze --table PATH`: the normalised table (the rows
 * used: after newest-wins and --kernel, in table order) as CSV, the contract
 * the Python plotters code against (docs/ANALYZE.md, "The table").
 *
 * RFC 4180: one header line, comma separated, "\n" line ends, a field quoted
 * only when it holds a comma, a quote, CR or LF (quotes doubled). Unknown and
 * non-finite values are empty fields; numbers are printf "%.10g". pandas
 * reads it in one call:
 *   pd.read_csv(PATH, keep_default_na=False, na_values=[""])
 * Columns: ANZ_TABLE_CSV_HEADER, never renamed or reordered (add at the end). */
#ifndef PAL_ANALYZE_TABLE_CSV_H
#define PAL_ANALYZE_TABLE_CSV_H

#include <stddef.h>

#include "analyze.h"

#define ANZ_TABLE_CSV_HEADER                                                                                      \
  "name,family,source,kernel,kernel_name,study,op,dtype,model,layout,cache,machine,run,"                          \
  "seq_len,head_dim,items,batch,num_q_heads,num_kv_heads,page_size,effective_items,params,"                       \
  "latency_ms,latency_ms_low,latency_ms_high,statistic,spread,samples,throughput_items_per_sec,"                  \
  "bytes_per_second,flops_per_second,items_per_second,bw_util,flop_util,roofline_util,arithmetic_intensity,"      \
  "foreign_load,bw_peak,peak_compute_flops,flop_peak,bw_roof,flop_roof,probe_suspect,colour,linestyle,marker,"   \
  "run_epoch,file"

/* The whole table as CSV text (malloc'd, *len bytes, NUL-terminated); NULL
 * when out of memory. */
char *anz_table_csv(const anz_table *t, size_t *len);

/* Writes it to path atomically (temporary + rename). 0, or -1 with why[]:
 * "cannot write PATH: reason". */
int anz_write_table_csv(const anz_table *t, const char *path, char *why, size_t whylen);

#endif /* PAL_ANALYZE_TABLE_CSV_H */
