"""Properties of the binding itself: the GIL is released during kernels, and
a call costs about the same whatever the pool size (nothing is copied)."""

import sys
import threading
import time

import numpy as np

import pal


def test_gil_is_released_during_a_kernel():
    """Single-threaded decodes of ~50 ms run in a worker thread while the main
    thread keeps stamping the time. Had the binding held the GIL, no stamp
    could fall inside a call; on a loaded machine there are fewer, never none."""
    S, hkv, D, ps, L = 1, 8, 128, 16, 1 << 16
    pages = L // ps
    k = np.ones((pages, hkv, ps, D), np.float32)
    q = np.ones((S, hkv, D), np.float32)
    bt = np.arange(pages, dtype=np.int32)[None]
    sl = np.array([L], np.int32)
    ctx = pal.Context(isa="scalar", num_threads=1)
    windows = []

    def worker():
        for _ in range(5):
            t0 = time.perf_counter()
            pal.decode(q, k, k, bt, sl, context=ctx)
            windows.append((t0, time.perf_counter()))

    t = threading.Thread(target=worker)
    stamps = []
    t.start()
    while t.is_alive():
        stamps.append(time.perf_counter())
        time.sleep(0)
    t.join()
    stamps = np.array(stamps)
    inside = sum(int(np.count_nonzero((stamps > a + 1e-3) & (stamps < b - 1e-3)))
                 for a, b in windows)
    longest = max(b - a for a, b in windows)
    assert longest > 5e-3, f"calls too short ({longest * 1e3:.2f} ms) to tell"
    assert inside > 0, "the main thread never ran during a kernel call: the GIL was held"


def test_call_cost_does_not_grow_with_pool_size():
    """A tiny decode over a 256 MiB pool: if the binding copied or scanned
    the pool, the Python call would cost milliseconds more than the native one."""
    pages, hkv, ps, D = 8192, 8, 16, 128
    k = np.zeros((pages, hkv, ps, D), np.float32)
    q = np.ones((1, hkv, D), np.float32)
    bt = np.array([[pages - 1]], np.int32)
    sl = np.array([16], np.int32)
    n = 2000
    best_py = min(_time(lambda: pal.decode(q, k, k, bt, sl, num_threads=1), n) for _ in range(3))
    native = min(pal._pal._decode_native_seconds(n, q, k, k, bt, sl, num_threads=1)
                 for _ in range(3))
    assert best_py - native < 50e-6, f"binding overhead {1e6 * (best_py - native):.1f} us"


def _time(fn, n):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def test_no_reference_leaks_on_success_or_error():
    q = np.ones((2, 4, 64), np.float32)
    k = np.ones((4, 2, 16, 64), np.float32)
    bt = np.array([[0, 1], [2, 3]], np.int32)
    sl = np.array([20, 5], np.int32)
    bad_bt = np.array([[0, 9], [2, 3]], np.int32)
    out = np.empty_like(q)
    lse = np.empty((2, 4), np.float32)
    kn, k2 = np.ones((2, 2, 64), np.float32), np.ones_like(k)
    arrays = (q, k, bt, sl, bad_bt, out, lse, kn, k2)
    before = [sys.getrefcount(a) for a in arrays]
    for _ in range(200):
        pal.decode(q, k, k, bt, sl)
        pal.decode(q, k, k, bt, sl, out=out, lse=lse)
        pal.decode(q, k, k, bt, sl, return_lse=True)
        pal.sdpa(q[None], k[:1], k[:1], return_lse=True)
        pal.fill_kv_pages(kn, kn, np.array([0, 1], np.int64), k, k2)
        for call in (lambda: pal.decode(q, k, k, bad_bt, sl, out=out),
                     lambda: pal.decode(q, k, k, bt.astype(np.int64), sl, lse=lse),
                     lambda: pal.decode(q, k, k, bt, sl, out=q)):
            try:
                call()
            except (ValueError, TypeError):
                pass
    assert [sys.getrefcount(a) for a in arrays] == before
