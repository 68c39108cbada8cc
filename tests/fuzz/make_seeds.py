#!/usr/bin/env python3
"""make_seeds.py - write the hand-made seed corpus of fuzz_kernels and the
hand-written reproducers in regressions/ (make_seeds.py [SEEDS [REGRESSIONS]];
no arguments: both folders next to this script).

Each seed spells one call byte by byte in the order fuzz_kernels.c reads its
choices (see the "Input" comment there); a byte missing at the end reads as
0. Run with PAL_FUZZ_VERBOSE=1 to see what a seed decodes to:

    python3 tests/fuzz/make_seeds.py
    PAL_FUZZ_VERBOSE=1 build/rel/tests/fuzz/fuzz_kernels tests/fuzz/seeds/kernels/*

The seeds are only starting points: if the decoder changes they stay valid
inputs, just other calls.
"""
import os
import sys

# indexes into the decoder's tables (fuzz_kernels.c)
DTYPE = {"f16": 0, "f32": 1, "bf16": 2}  # pick_dtype common[]
HEAD_DIM = {64: 0, 128: 1, 16: 2, 32: 3, 48: 4, 80: 5, 96: 6, 256: 7}
KV_HEADS = {1: 0, 2: 1, 4: 2, 8: 3, 3: 4}
GROUP = {1: 0, 2: 1, 4: 2, 8: 3, 3: 5, 7: 8}
PAGE = {16: 0, 1: 1, 2: 2, 3: 3, 8: 6, 17: 8, 32: 10, 64: 12, 128: 14, 256: 15}
LAYOUT = {"HND": 0, "NHD": 1, "HND+pad": 2, "NHD+pad": 3, "vLLM-HND": 4, "vLLM-NHD": 5,
          "k==v": 6, "page0": 7}
NUM_PAGES = {4: 0, 1: 1, 2: 2, 8: 3, 16: 4, 32: 5, 64: 6, 0: 7, 3: 8}
SEQS = {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 0: 6}
FRESH, ALIAS = 0, 224  # placement bytes


def u16(v):
    return [v & 0xFF, v >> 8]


def pool(dtype, d, hkv, g, ps, layout, np_):
    return [DTYPE[dtype], HEAD_DIM[d], KV_HEADS[hkv], GROUP[g], 0, PAGE[ps], LAYOUT[layout],
            NUM_PAGES[np_]]


def block_lens(lens):
    """per sequence: class 0 (random: u16 % (cap + 1)), the k byte, the u16"""
    out = []
    for n in lens:
        out += [0, 0] + u16(n)
    return out


def options(scale=1, threads=0, lse=0, window=0, softcap=0, alibi=0):
    # scale index 1 -> 0.125; window / softcap / alibi: indexes into the tables
    return [1, scale, threads, lse, window, softcap, alibi]


def values(seed=0x1234, mode_q=0, mode_kv=0, specials=()):
    out = [seed & 0xFF, seed >> 8 & 0xFF, seed >> 16 & 0xFF, seed >> 24]
    out += [mode_q, mode_kv, len(specials)]
    for region, idx, kind in specials:
        out += [region] + u16(idx) + [kind]
    return out


def seeds():
    s = {}
    # decode: fp16 HND, 2 KV heads x 4 (GQA), 16-token pages, block table of
    # 2 sequences (40 and 17 tokens), sequential ids, no options
    s["decode_block_f16"] = (
        [0, 0, 0] + pool("f16", 128, 2, 4, 16, "HND", 8)
        + [0, SEQS[2], 0, 4] + block_lens([40, 17]) + [0, 0, 0]  # id mode, strict rows, corrupt
        + [0]  # options NULL
        + [0]  # pool / pages not NULL
        + [FRESH] * 6 + values())
    # decode: bf16 NHD, CSR (3 and 1 pages), options with lse and 2 threads
    s["decode_csr_bf16_lse"] = (
        [0, 1, 0] + pool("bf16", 64, 4, 2, 16, "NHD", 8)
        + [0, SEQS[2], 1, 0]
        + [3, 1, 5, 1, 1, 1, 0, 1]  # seq 0: 3 pages, last 6; seq 1: 1 page, last 2
        + [1, 0, 0]  # shuffled ids, indptr ok, no corruption
        + options(scale=1, threads=2, lse=1)
        + [0] + [FRESH] * 8 + values(0xBEEF))
    # prefill: fp16 HND, 2 sequences (block table), full prefill and 1 new
    # token, window 16 + soft-cap 30 + ALiBi
    s["prefill_window_softcap_alibi"] = (
        [1, 0, 0] + pool("f16", 64, 2, 2, 16, "HND", 8)
        + [0, SEQS[2], 0, 4] + block_lens([33, 20])
        + [0, 1]  # q_len classes: all, 1
        + [0]  # qo ok
        + [0, 0, 0]
        + options(scale=0, threads=1, lse=1, window=6, softcap=5, alibi=1)
        + [0] + [FRESH] * 9 + values(7) + [1])
    # prefill on an fp32 pool with 17-token pages (page boundaries off 16)
    s["prefill_f32_page17"] = (
        [1, 0, 0] + pool("f32", 32, 1, 8, 17, "HND+pad", 4) + [3, 5, 9]  # padding bytes
        + [0, SEQS[1], 0, 3] + block_lens([51]) + [0] + [0] + [2, 0, 0]
        + [0] + [0] + [FRESH] * 7 + values(99))
    # fill: fp16 HND pool, 16 tokens to slots 0..15
    s["fill_hnd"] = (
        [2, 0, 0] + pool("f16", 64, 2, 1, 16, "HND", 4)
        + [0, 3]  # src dtype = pool's, num_tokens 16
        + [0, 0, 0]  # sequential slots, no corruption, v_new apart
        + [0] + [FRESH] * 5 + values(3))
    # fill: vLLM's combined cache, K and V halves interleaved page by page
    s["fill_vllm_interleaved"] = (
        [2, 0, 0] + pool("bf16", 128, 2, 1, 16, "vLLM-HND", 4)
        + [0, 5]  # num_tokens 64
        + [1, 0, 0] + [0] + [FRESH] * 4 + values(5))  # random slots; V is placed by K
    # fill from fp32 rows into an fp16 NHD pool, shuffled slots with skips
    s["fill_convert_skip"] = (
        [2, 0, 0] + pool("f16", 96, 3, 1, 8, "NHD", 8)
        + [200, 1, 5]  # src dtype fp32, 64 tokens
        + [6, 0, 0] + [0] + [FRESH] * 5 + values(11))  # random slots, a quarter -1
    # sdpa: fp32 single query row (decode engine), GQA 2 x 2, causal
    s["sdpa_decode_path"] = (
        [3, 0, 0, 1, HEAD_DIM[64], KV_HEADS[2], GROUP[2], 0]
        + [0, 0, 5, 1]  # batch 1, q_len 1, kv_len 65, causal
        + [0]  # shape not NULL
        + [0]  # k != v
        + [0]  # options NULL
        + [0] + [FRESH] * 4 + values(1))
    # sdpa: bf16 17 queries x 64 keys (prefill engine), lse
    s["sdpa_prefill_path"] = (
        [3, 0, 0, 2, HEAD_DIM[128], KV_HEADS[1], GROUP[4], 0]
        + [0, 7, 4, 1] + [0, 0] + options(threads=2, lse=1)
        + [0] + [FRESH] * 5 + values(2))
    # overlap: decode whose out lies on the block table (libpal must refuse it)
    # (6 rows of 4 page ids, 96 bytes; one output row is 128 fp16 = 256 bytes:
    # writing sequence 0's output rewrites the page ids of all the others)
    s["overlap_out_on_block_table"] = (
        [0, 0, 0] + pool("f16", 128, 1, 1, 16, "HND", 16)
        + [0, SEQS[6], 0, 4] + block_lens([64] * 6) + [1, 0, 0] + [0] + [0]
        + [FRESH, FRESH, FRESH, FRESH, FRESH]  # seq_lens, block_table, k, v, q
        + [ALIAS, 1] + u16(0)  # out -> placed[1] = block_table, offset 0
        + values())
    # overlap: lse inside q
    s["overlap_lse_in_q"] = (
        [0, 0, 0] + pool("f32", 64, 2, 2, 16, "HND", 4)
        + [0, SEQS[3], 0, 2] + block_lens([20, 1, 32]) + [0, 0, 0]
        + options(lse=1) + [0]
        + [FRESH] * 6 + [ALIAS, 4] + u16(8)  # lse -> placed[4] = q, byte 8
        + values())
    # overlap: prefill whose out covers qo_indptr
    s["overlap_out_on_qo_indptr"] = (
        [1, 0, 0] + pool("f16", 64, 1, 1, 16, "HND", 4)
        + [0, SEQS[2], 0, 2] + block_lens([30, 9]) + [0, 0] + [0] + [0, 0, 0] + [0] + [0]
        + [FRESH] * 6 + [ALIAS, 2] + u16(0)  # out -> placed[2] = qo_indptr
        + values())
    # decode with K and V the same array (legal: both are read)
    s["decode_k_eq_v"] = (
        [0, 0, 0] + pool("f16", 64, 2, 1, 16, "k==v", 4)
        + [0, SEQS[1], 0, 4] + block_lens([50]) + [0, 0, 0] + [0] + [0]
        + [FRESH] * 4 + values())
    # fill whose pool overlaps k_new (libpal must refuse it)
    s["overlap_pool_on_k_new"] = (
        [2, 0, 0] + pool("f16", 16, 1, 1, 16, "HND", 1)
        + [0, 3] + [0, 0, 0] + [0]
        + [FRESH, FRESH, FRESH] + [ALIAS, 1] + u16(0) + [FRESH] + values())  # pool.k -> k_new
    # special values: NaN in q, +Inf and a denormal in K
    s["decode_nonfinite"] = (
        [0, 0, 0] + pool("f32", 16, 1, 1, 16, "HND", 2)
        + [0, SEQS[1], 0, 2] + block_lens([20]) + [0, 0, 0] + [0] + [0]
        + [FRESH] * 6 + values(9, 0, 0, [(11, 3, 0), (9, 17, 1), (9, 40, 3)]))
    return s


def regressions():
    """Reproducers of bugs found by fuzz_kernels (regressions/README.md)."""
    s = seeds()
    r = {}
    # decode: block_table NULL with max_pages_per_seq 0 and one empty
    # sequence: validate.c computed NULL + 0 (UB; UBSan pointer-overflow)
    r["decode_null_block_table_zero_row"] = (
        [0, 0, 0] + [0] * 8 + [0, SEQS[1], 0, 0] + block_lens([0]) + [0, 0, 0] + [0] + [0]
        + [FRESH, 255])  # seq_lens fresh, block_table NULL
    # out over the page table: writing rows rewrote page ids still to be read
    r["decode_out_on_block_table"] = s["overlap_out_on_block_table"]
    r["decode_out_on_kv_indptr"] = (
        [0, 0, 0] + pool("f16", 128, 1, 1, 16, "HND", 16)
        + [0, SEQS[6], 1, 0] + [4, 1, 0, 0] * 6 + [0, 0, 0] + [0] + [0]
        + [FRESH] * 6  # kv_indptr, kv_indices, kv_last_page_len, k, v, q
        + [ALIAS, 0] + u16(0) + values())  # out -> kv_indptr
    r["decode_out_on_seq_lens"] = (
        [0, 0, 0] + pool("f16", 128, 1, 1, 16, "HND", 16)
        + [0, SEQS[6], 0, 4] + block_lens([64] * 6) + [0, 0, 0] + [0] + [0]
        + [FRESH] * 5 + [ALIAS, 0] + u16(0) + values())  # out -> seq_lens
    r["prefill_out_on_kv_indices"] = (
        [1, 0, 0] + pool("f16", 128, 1, 1, 16, "HND", 16)
        + [0, SEQS[6], 1, 0] + [4, 1, 0, 0] * 6 + [1] * 6 + [0] + [0, 0, 0] + [0] + [0]
        + [FRESH] * 7  # kv_indptr, kv_indices, kv_last_page_len, qo_indptr, k, v, q
        + [ALIAS, 1] + u16(0) + values())  # out -> kv_indices
    # fill into a pool that overlaps its inputs
    r["fill_pool_on_slot_mapping"] = (
        [2, 0, 0] + pool("f32", 64, 1, 1, 16, "HND", 4) + [0, 3] + [0, 0, 0] + [0]
        + [FRESH] * 3 + [ALIAS, 0] + u16(0) + [FRESH] + values())  # pool.k -> slot_mapping
    r["fill_pool_on_k_new"] = (
        [2, 0, 0] + pool("f32", 64, 1, 1, 16, "HND", 4) + [0, 5] + [5, 0, 0] + [0]
        + [FRESH] * 3 + [ALIAS, 1] + u16(128) + [FRESH] + values())  # pool.k -> k_new + 128
    # fill: 2^63 - 1 pages at page stride 0 passed the pool check; the slot
    # count num_pages * page_size overflowed (fill_kv_pages.c)
    r["fill_huge_num_pages_zero_page_stride"] = (
        [2, 0, 0, 0, HEAD_DIM[64], KV_HEADS[1], GROUP[1], 0, PAGE[16], 200, 224 + 3]
        + [1, 1, 0, 0, 0, 0]  # custom strides: token = head_dim, head = 0, page = 0
        + [0, 0] + [3, 0, 0] + [0] + [FRESH] * 5 + values())
    # one-token pages with stride_token INT64_MAX (never used: the only token
    # slot is 0, and the pool check accepts it): the engines build each row
    # pointer by stepping token_stride * elem bytes and step once past the
    # last row, pointer arithmetic that wraps (UB, UBSan pointer-overflow in
    # gather_rows of prefill_engine.c and its twin in attention_engine.c)
    huge_token = [DTYPE["f16"], HEAD_DIM[64], KV_HEADS[1], GROUP[1], 0, PAGE[1], 201, NUM_PAGES[4],
                  0, 2]  # layout "huge": INT64_MAX on stride_token
    r["decode_page1_huge_token_stride"] = (
        [0, 0, 0] + huge_token + [0, SEQS[1], 0, 4] + block_lens([3]) + [0, 0, 0] + [0] + [0]
        + [FRESH] * 6 + values())
    r["prefill_page1_huge_token_stride"] = (
        [1, 0, 0] + huge_token + [0, SEQS[1], 0, 4] + block_lens([3]) + [0] + [0] + [0, 0, 0]
        + [0] + [0] + [FRESH] * 7 + values())
    # vLLM's combined cache must be accepted by fill (it was refused once)
    r["fill_vllm_interleaved_valid"] = s["fill_vllm_interleaved"]
    return r


def write(folder, calls, suffix=""):
    os.makedirs(folder, exist_ok=True)
    for name, data in calls.items():
        with open(os.path.join(folder, name + suffix), "wb") as f:
            f.write(bytes(data))
    print(f"wrote {len(calls)} files to {folder}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    write(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "seeds", "kernels"), seeds())
    if len(sys.argv) > 2 or len(sys.argv) == 1:
        write(sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "regressions"), regressions(), ".bin")


if __name__ == "__main__":
    main()
