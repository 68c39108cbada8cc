/* baseline_only.h - included first by every framework (non-ISA) file of
 * libpal: they run before CPU detection, so they must be compiled for the
 * baseline target. An ISA flag on the command line (-mavx2, -march=native)
 * would let the compiler auto-vectorise them with instructions the CPU may
 * lack; this refuses the build instead (as xxHash's dispatcher does). ISA
 * code raises its own target with `#pragma GCC target` in its own file
 * (docs/ARCHITECTURE.md, decision 3).
 */
#ifndef PAL_BASELINE_ONLY_H
#define PAL_BASELINE_ONLY_H

#if defined(__AVX__) || defined(__AVX2__) || defined(__FMA__) || defined(__F16C__) || \
    defined(__AVX512F__) || defined(__AMX_TILE__)
#error "libpal framework file compiled with ISA flags (-mavx*/-march): build it for the baseline target"
#endif

#endif /* PAL_BASELINE_ONLY_H */
