/* fuzz_loader.c - libFuzzer target for one loader, chosen at build time
 * with -DFUZZ_LOADER=anz_load_gbench|anz_load_pytest|anz_load_nvbench (and
 * FUZZ_LOADER=anz_load_buffer for detection + all loaders). The input is
 * parsed with the analyzer's JSON parser; a parsed object goes straight to
 * the loader, so the fuzzer explores its schema checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/json.h"
#include "analyze/load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  anz_file_result fr;
  memset(&fr, 0, sizeof fr);
  fr.path = "fuzz.json";
  anz_load_opts opts = {.stat = size % 3 == 0 ? ANZ_STAT_MEDIAN : size % 3 == 1 ? ANZ_STAT_MEAN : ANZ_STAT_MIN};
#ifdef FUZZ_ALL
  anz_load_buffer(buf, size, &opts, &fr);
#else
  anz_jdoc doc;
  anz_jerror err;
  if (anz_json_parse(buf, size, &doc, &err) == 0) {
    const anz_jvalue *b = anz_json_get(doc.root, "benchmarks");
    if (b && b->type == ANZ_JARRAY) FUZZ_LOADER(doc.root, &opts, &fr);
    anz_json_free(&doc);
  }
#endif
  anz_file_result_free(&fr);
  free(buf);
  return 0;
}
