/* machine.c - facts about the machine for the JSON context: host, CPU, cache
 * sizes (sysfs), clock, and the probed limits (probe.c). */
#define _POSIX_C_SOURCE 200809L
#include "machine.h"

#include "cpu_load.h"
#include "measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static int64_t parse_size(const char *s) {
  char *end;
  int64_t v = strtoll(s, &end, 10);
  if (*end == 'K') v <<= 10;
  if (*end == 'M') v <<= 20;
  if (*end == 'G') v <<= 30;
  return v;
}

static int read_line(const char *path, char *buf, size_t size) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char *ok = fgets(buf, (int)size, f);
  fclose(f);
  if (!ok) return -1;
  buf[strcspn(buf, "\n")] = 0;
  return 0;
}

static int count_cpus_in_list(const char *list) {
  /* "0-3,8,10-11" */
  int n = 0;
  const char *p = list;
  while (*p) {
    char *end;
    long a = strtol(p, &end, 10), b = a;
    if (end == p) break;
    if (*end == '-') b = strtol(end + 1, &end, 10);
    n += (int)(b - a + 1);
    p = *end == ',' ? end + 1 : end;
  }
  return n;
}

static void read_caches(bench_machine *m) {
  for (int idx = 0; idx < 8; ++idx) {
    char path[128], type[32], level[8], size[32], shared[256];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", idx);
    if (read_line(path, type, sizeof type) != 0) break;
    if (!strcmp(type, "Instruction")) continue;
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", idx);
    if (read_line(path, level, sizeof level) != 0) continue;
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", idx);
    if (read_line(path, size, sizeof size) != 0) continue;
    int lv = atoi(level);
    if (lv < 1 || lv > 3) continue;
    m->cache_bytes[lv] = parse_size(size);
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", idx);
    m->cache_sharing[lv] = read_line(path, shared, sizeof shared) == 0 ? count_cpus_in_list(shared) : 1;
  }
  for (int lv = 3; lv >= 1; --lv)
    if (m->cache_bytes[lv] > 0) {
      m->llc_bytes = m->cache_bytes[lv];
      break;
    }
  if (m->llc_bytes == 0) m->llc_bytes = 64ll << 20; /* unknown: assume a large server LLC */
}

static double read_mhz(void) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return 0;
  char line[256];
  double mhz = 0;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "cpu MHz", 7)) {
      const char *colon = strchr(line, ':');
      if (colon) mhz = atof(colon + 1);
      break;
    }
  fclose(f);
  return mhz;
}

void bench_machine_describe(bench_machine *m) {
  memset(m, 0, sizeof *m);
  if (gethostname(m->host, sizeof m->host - 1) != 0) strcpy(m->host, "unknown");
  pal_cpu_info cpu;
  pal_cpu_info_get(&cpu);
  snprintf(m->cpu_model, sizeof m->cpu_model, "%s", cpu.model);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  m->num_cpus = n > 0 ? (int)n : 1;
  m->mhz = read_mhz();
  read_caches(m);
  /* Test hook (docs/BENCHMARKS.md): PAL_BENCH_PROBE_SCALE=0.01 multiplies
   * every probed peak, so utilisations come out 100x too high and the
   * probe_suspect flag can be tested on any machine. */
  m->probe_scale = 1;
  const char *scale = getenv("PAL_BENCH_PROBE_SCALE");
  if (scale && *scale) {
    char *end;
    double v = strtod(scale, &end);
    if (*end == 0 && v > 0 && v < 1e6)
      m->probe_scale = v;
    else
      fprintf(stderr, "pal bench: ignoring PAL_BENCH_PROBE_SCALE=%s (want a number > 0)\n", scale);
  }
}

/* The summaries older readers know (bench.h), from the roofs. */
static void derive_summaries(bench_machine *m) {
  static const bench_roof fp32[] = {BENCH_ROOF_FP32_FMA512, BENCH_ROOF_FP32_FMA256,
                                    BENCH_ROOF_PORTABLE};
  static const bench_roof bf16[] = {BENCH_ROOF_AMX_BF16, BENCH_ROOF_BF16_DOT};
  m->peak_fp32_flops = 0, m->peak_fp32_isa = "none";
  for (size_t i = 0; i < sizeof fp32 / sizeof fp32[0]; ++i)
    if (m->roof_flops[fp32[i]] > 0) {
      m->peak_fp32_flops = m->roof_flops[fp32[i]], m->peak_fp32_isa = bench_roof_name(fp32[i]);
      break;
    }
  m->peak_bf16_flops = 0, m->peak_bf16_isa = "none";
  for (size_t i = 0; i < sizeof bf16 / sizeof bf16[0]; ++i)
    if (m->roof_flops[bf16[i]] > 0) {
      m->peak_bf16_flops = m->roof_flops[bf16[i]], m->peak_bf16_isa = bench_roof_name(bf16[i]);
      break;
    }
}

/* One pass of every probe into m's peak fields; the foreign load it saw. */
static double probe_pass(bench_machine *m, int64_t bytes) {
  bench_load_meter load;
  bench_load_meter_start(&load);
  bench_bw_kind bw_kind;
  m->bw_peak = bench_probe_read_bandwidth(bytes, m->num_cpus, &bw_kind) * m->probe_scale;
  m->bw_probe_isa = bench_bw_name(bw_kind);
  for (int r = 0; r < BENCH_ROOF_COUNT; ++r) {
    m->roof_missing[r] = bench_probe_missing((bench_roof)r);
    m->roof_flops[r] = bench_probe_compute((bench_roof)r, m->num_cpus) * m->probe_scale;
  }
  derive_summaries(m);
  return bench_load_meter_foreign(&load);
}

static int64_t probe_bytes(const bench_machine *m) {
  /* 4 x LLC (at least 1 GiB) is far beyond what any cache can hold. */
  int64_t bytes = 4 * m->llc_bytes;
  return bytes < (1ll << 30) ? 1ll << 30 : bytes;
}

/* Records one pass's bandwidth figure in m->bw_runs. */
static void keep_run(bench_machine *m, double bw) {
  if (m->probe_runs < BENCH_PROBE_RUNS_KEPT) m->bw_runs[m->probe_runs] = bw;
  ++m->probe_runs;
}

void bench_machine_probe(bench_machine *m, int quiet_retries) {
  const int64_t bytes = probe_bytes(m);
  /* A peak measured under contention would inflate every utilisation, so a
   * busy machine gets the same retries as the instances. */
  for (int attempt = 0;; ++attempt) {
    m->probe_foreign_load = probe_pass(m, bytes);
    if (m->probe_foreign_load <= CONTENDED_LOAD || attempt >= quiet_retries) break;
    struct timespec pause = {1, 0};
    nanosleep(&pause, NULL);
  }
  if (m->probe_foreign_load > CONTENDED_LOAD)
    fprintf(stderr, "pal bench: WARNING: other processes took %.0f%% of the CPUs while the machine "
            "limits were probed; utilisations are relative to a contended peak\n",
            100 * m->probe_foreign_load);
  m->probed = 1;
  m->probe_runs = 0;
  keep_run(m, m->bw_peak);
}

void bench_machine_reprobe(bench_machine *m) {
  if (!m->probed) return;
  bench_machine pass = *m;
  const double foreign = probe_pass(&pass, probe_bytes(m));
  keep_run(m, pass.bw_peak);
  /* Interference only ever lowers a probe: the best pass is the machine's. */
  if (pass.bw_peak > m->bw_peak) {
    m->bw_peak = pass.bw_peak;
    m->probe_foreign_load = foreign;
  }
  for (int r = 0; r < BENCH_ROOF_COUNT; ++r)
    if (pass.roof_flops[r] > m->roof_flops[r]) m->roof_flops[r] = pass.roof_flops[r];
  derive_summaries(m);
}

double bench_machine_best_compute(const bench_machine *m) {
  double best = 0;
  for (int r = 0; r < BENCH_ROOF_COUNT; ++r)
    if (m->roof_flops[r] > best) best = m->roof_flops[r];
  return best;
}

void bench_machine_print_probes(const bench_machine *m) {
  printf("machine: %s, %d cpus, LLC %.0f MiB; bw_peak %.1f GB/s (%s)\n", m->cpu_model, m->num_cpus,
         m->llc_bytes / 1048576.0, m->bw_peak / 1e9, m->bw_probe_isa);
  printf("compute probes:");
  int n = 0;
  for (int r = 0; r < BENCH_ROOF_COUNT; ++r)
    if (!m->roof_missing[r])
      printf("%s %s %.0f GFLOP/s", n++ ? "," : "", bench_roof_name((bench_roof)r),
             m->roof_flops[r] / 1e9);
  n = 0;
  for (int r = 0; r < BENCH_ROOF_COUNT; ++r)
    if (m->roof_missing[r])
      printf("%s %s (%s)", n++ ? "," : "; skipped:", bench_roof_name((bench_roof)r),
             m->roof_missing[r]);
  printf("\n");
  if (m->probe_scale != 1)
    printf("machine: PAL_BENCH_PROBE_SCALE=%g (test hook): every probed peak above is scaled by it\n",
           m->probe_scale);
}
