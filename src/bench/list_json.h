/* list_json.h - `pal bench --list --json`: the sweep's facts as one JSON
 * document (families with their axes, full and --quick values, the model
 * table, and every instance with its work per call), so that the Python
 * benchmark suite reads them instead of keeping its own copies. */
#ifndef PAL_BENCH_LIST_JSON_H
#define PAL_BENCH_LIST_JSON_H

#include <stdio.h>

#include "sweep.h"

/* Writes the listing of the sweep `opts` selects (--quick, -a, --filter,
 * --kernel apply to "instances"; "families" always lists every family).
 * hot: rotations as `--hot` would use. Returns the exit status: 0, or 2 with
 * a message on stderr. */
int bench_list_json(bench_sweep_opts *opts, int hot, FILE *out);

#endif
