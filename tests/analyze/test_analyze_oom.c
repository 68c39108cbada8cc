/* test_analyze_oom.c - allocation failure is tested, not hoped for:
 * runs `pal analyze` (anz_run) on a small corpus with the N-th allocation
 * failing, for N = 1, 2, ... until N passes the last allocation. Every
 * failing N must end cleanly: exit status 2 and "out of memory" on stderr,
 * never a crash; in the sanitizer build LeakSanitizer checks at exit that
 * no failing path leaked. The last N (no allocation failed) must give the
 * normal result.
 *
 * usage: test_analyze_oom FIXTURE_DIR (the first file of each format there is used) */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/alloc.h"
#include "analyze/analyze.h"

static int failures;

#define CHECK(cond, ...)                                 \
  do {                                                   \
    if (!(cond)) {                                       \
      fprintf(stderr, "test_analyze_oom: FAIL: " __VA_ARGS__); \
      fprintf(stderr, "\n");                             \
      ++failures;                                        \
    }                                                    \
  } while (0)

/* One run with the n-th allocation failing (0: none); stderr into err[]. */
static int run_once(anz_options *o, unsigned long n, char *err, size_t errlen, unsigned long *allocs) {
  FILE *e = tmpfile(), *out = fopen("/dev/null", "w");
  if (!e || !out) {
    perror("tmpfile");
    exit(1);
  }
  o->err = e;
  o->out = out;
  anz_alloc_fail_nth(n);
  int rc = anz_run(o);
  *allocs = anz_alloc_count();
  anz_alloc_fail_nth(0);
  rewind(e);
  size_t len = fread(err, 1, errlen - 1, e);
  err[len] = '\0';
  fclose(e);
  fclose(out);
  return rc;
}

/* Sweeps N = 1.. over o; returns how many N failed an allocation. */
static unsigned long sweep(const char *label, anz_options *o) {
  static char err[1 << 16];
  unsigned long allocs = 0;
  int ok_rc = run_once(o, 0, err, sizeof err, &allocs);
  printf("%s: %lu allocations per run, exit status %d without failures\n", label, allocs, ok_rc);
  CHECK(allocs > 0, "%s: no allocation counted", label);
  unsigned long n = 1;
  for (;; ++n) {
    int rc = run_once(o, n, err, sizeof err, &allocs);
    if (allocs < n) { /* the run made fewer than n allocations: nothing failed */
      CHECK(rc == ok_rc, "%s: N=%lu past the last allocation: exit status %d, expected %d", label, n, rc, ok_rc);
      break;
    }
    CHECK(rc == 2, "%s: N=%lu: exit status %d, expected 2 (stderr: %s)", label, n, rc, err);
    CHECK(strstr(err, "out of memory") != NULL, "%s: N=%lu: stderr does not say \"out of memory\": %s", label, n,
          err);
    if (failures > 20) break;
  }
  printf("%s: swept N = 1..%lu: every failing N exited 2 with \"out of memory\"\n", label, n - 1);
  return n - 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_analyze_oom FIXTURE_DIR\n");
    return 2;
  }
  /* a small corpus: the first file of each format in the fixture folder */
  static const char *const kinds[] = {"_cpp_", "_py_", "_nvbench_"};
  char corpus[3][4096];
  const char *inputs[3];
  size_t ninputs = 0;
  for (size_t k = 0; k < 3; ++k) {
    DIR *d = opendir(argv[1]);
    if (!d) {
      perror(argv[1]);
      return 2;
    }
    char best[1024] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
      if (strstr(e->d_name, kinds[k]) && strstr(e->d_name, ".json") && (!best[0] || strcmp(e->d_name, best) < 0))
        snprintf(best, sizeof best, "%s", e->d_name);
    closedir(d);
    if (!best[0]) continue;
    snprintf(corpus[ninputs], sizeof corpus[ninputs], "%s/%s", argv[1], best);
    inputs[ninputs] = corpus[ninputs];
    ++ninputs;
  }
  CHECK(ninputs == 3, "expected a Google Benchmark, a pytest-benchmark and an NVBench file in %s", argv[1]);
  /* tmpfs when there is one: results.json and table.csv are fsync'ed, thousands of times */
  char outdir[64];
  snprintf(outdir, sizeof outdir, "%s/pal_test_analyze_oom_XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  if (!mkdtemp(outdir)) {
    perror("mkdtemp");
    return 2;
  }
  char table[4200];
  snprintf(table, sizeof table, "%s/table.csv", outdir);
  anz_options o = {.inputs = inputs, .ninputs = ninputs, .output_dir = outdir, .stat = ANZ_STAT_MEDIAN,
                   .no_plots = 1, .table_path = table};
  unsigned long swept = sweep("--no-plots --table", &o);
  /* with plots, gnuplot missing: the start path and its error code */
  o.no_plots = 0;
  o.table_path = NULL;
  o.gnuplot = "/nonexistent/pal-test-gnuplot";
  swept += sweep("plots, gnuplot missing", &o);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", outdir);
  if (system(cmd) != 0) ++failures;
  printf("test_analyze_oom: %lu failing N swept, %d failures\n", swept, failures);
  return failures ? 1 : 0;
}
