/* main.c - the `pal` executable: dispatches to one subcommand per file
 * (info, bench, analyze; the table below). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "pal/pal.h"

typedef struct command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"info", "print the CPU, its features, the kernel level and threads libpal will use", pal_cmd_info},
    {"bench", "run benchmark sweeps, write Google Benchmark JSON to .benchmarks/", pal_cmd_bench},
    {"analyze", "read result files (ours, Google Benchmark, pytest-benchmark, NVBench): plots + results.json", pal_cmd_analyze},
};

static void usage(FILE *f) {
  fprintf(f, "usage: pal <command> [options]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n`pal --version` prints the library version.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("pal %s\n", pal_version());
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 2, argv + 2);
  fprintf(stderr, "pal: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
