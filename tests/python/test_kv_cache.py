"""PagedKVCache under random append/free: pages never leak or alias, data
reads back, decode through the cache matches the reference."""

import numpy as np
import pytest

import pal
from reference import as_f64, assert_out_close, random, ref_decode


def check_invariants(cache):
    owned = [p for s in cache.sequences for p in cache.pages(s)]
    assert len(owned) == len(set(owned)), "a page belongs to two sequences (aliasing)"
    assert len(owned) + cache.num_free_pages == cache.num_pages, "pages leaked"
    assert set(owned) | set(cache._free) == set(range(cache.num_pages))
    for s in cache.sequences:
        need = -(-cache.seq_len(s) // cache.page_size)
        assert len(cache.pages(s)) == need, "a sequence holds more pages than it needs"


def stored_tokens(cache, seq):
    """K rows of a sequence read back from the pools, [len, Hkv, D]."""
    k = cache.k_cache if cache.layout == "hnd" else cache.k_cache.transpose(0, 2, 1, 3)
    rows = [k[p, :, t % cache.page_size] for t, p in
            ((t, cache.pages(seq)[t // cache.page_size]) for t in range(cache.seq_len(seq)))]
    return np.stack(rows) if rows else np.zeros((0, cache.num_kv_heads, cache.head_dim))


@pytest.mark.parametrize("layout", ["hnd", "nhd"])
@pytest.mark.parametrize("dtype", ["fp16", "bf16"])
def test_random_append_and_free(rng, dtype, layout):
    hkv, hq, D, ps = 2, 8, 64, 8
    cache = pal.PagedKVCache(40, ps, hkv, D, dtype=dtype, layout=layout)
    history = {}  # seq -> list of K rows appended
    for step in range(150):
        live = cache.sequences
        action = rng.integers(0, 10)
        if action == 0 or not live:
            history[cache.add_sequence()] = []
        elif action == 1:
            victim = live[rng.integers(len(live))]
            cache.free(victim)
            del history[victim]
        else:
            chosen = list(rng.choice(live, size=rng.integers(1, len(live) + 1), replace=False))
            counts = [int(rng.integers(0, 2 * ps + 2)) if action == 2 else 1 for _ in chosen]
            k_new = random(rng, (sum(counts), hkv, D), dtype)
            free_before, lens_before = cache.num_free_pages, [cache.seq_len(s) for s in chosen]
            try:
                slots = cache.append(chosen, k_new, k_new.copy(), counts)
            except pal.OutOfPagesError:
                assert cache.num_free_pages == free_before
                assert [cache.seq_len(s) for s in chosen] == lens_before
            else:
                assert slots.dtype == np.int64 and len(set(slots.tolist())) == len(slots)
                at = 0
                for s, c in zip(chosen, counts):
                    history[s].extend(k_new[at:at + c])
                    at += c
        check_invariants(cache)
        for s in cache.sequences:
            got = stored_tokens(cache, s)
            want = np.array(history[s]).reshape(got.shape) if history[s] else got
            assert np.array_equal(got, want), f"step {step}: sequence {s} does not read back"
    # decode through the cache, both page-table forms
    live = [s for s in cache.sequences]
    if live:
        q = random(rng, (len(live), hq, D), dtype)
        out = cache.decode(q, live)
        ref, _, bound = ref_decode(q, cache.k_cache, cache.v_cache,
                                   [cache.pages(s) for s in live], cache.seq_lens(live), layout)
        assert_out_close(out, ref, bound, "decode through PagedKVCache")
        indptr, indices, last = cache.csr(live)
        csr_out = pal.decode(q, cache.k_cache, cache.v_cache, kv_indptr=indptr,
                             kv_indices=indices, kv_last_page_len=last, layout=layout)
        assert np.array_equal(csr_out, out)


def test_freed_pages_are_reused_and_exhaustion_is_clean(rng):
    cache = pal.PagedKVCache(4, 16, 1, 64, dtype="fp32")
    a, b = cache.add_sequence(), cache.add_sequence()
    rows = lambda n: np.ones((n, 1, 64), np.float32)  # noqa: E731
    cache.append(a, rows(40), rows(40))  # 3 pages
    with pytest.raises(pal.OutOfPagesError):
        cache.append(b, rows(17), rows(17))  # needs 2, 1 free
    assert cache.seq_len(b) == 0 and cache.num_free_pages == 1
    pages_a = set(cache.pages(a))
    cache.free(a)
    cache.append(b, rows(48), rows(48))
    assert set(cache.pages(b)) >= pages_a and cache.num_free_pages == 1
    with pytest.raises(KeyError):
        cache.seq_len(a)
    bt = cache.block_table([b])
    assert bt.dtype == np.int32 and bt.shape == (1, 3) and list(bt[0]) == cache.pages(b)


def test_failed_fill_returns_the_pages():
    cache = pal.PagedKVCache(4, 16, 2, 64, dtype="fp16")
    s = cache.add_sequence()
    with pytest.raises(ValueError):  # wrong head count: fill_kv_pages rejects it
        cache.append(s, np.ones((3, 1, 64), np.float16), np.ones((3, 1, 64), np.float16))
    assert cache.num_free_pages == 4 and cache.seq_len(s) == 0 and cache.pages(s) == []


def test_cache_rejects_bad_configuration():
    with pytest.raises(ValueError, match="dtype"):
        pal.PagedKVCache(4, 16, 2, 64, dtype="int8")
    with pytest.raises(ValueError, match="layout"):
        pal.PagedKVCache(4, 16, 2, 64, layout="vllm")
    cache = pal.PagedKVCache(4, 16, 2, 64, dtype=np.float32)
    assert cache.k_cache.dtype == np.float32 and as_f64(cache.v_cache).sum() == 0
