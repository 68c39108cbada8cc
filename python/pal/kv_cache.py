"""PagedKVCache: a small page allocator over pal's K/V page pools, enough to
try the kernels without writing one: append tokens to sequences (through
pal.fill_kv_pages), free sequences (their pages go back to the free list and
are reused), and hand out block tables, seq_lens or the CSR form for decode.

It is single-threaded bookkeeping in Python; the pools are plain NumPy arrays
(`k_cache`, `v_cache`) that the kernels read and write in place.
"""

import numpy as np

from ._pal import decode as _decode
from ._pal import fill_kv_pages as _fill_kv_pages

_DTYPES = {"fp32": np.float32, "fp16": np.float16, "bf16": np.uint16}


class OutOfPagesError(MemoryError):
    """An append needs more pages than the cache has free; nothing was changed."""


class PagedKVCache:
    """K and V page pools plus a page allocator.

    PagedKVCache(num_pages, page_size, num_kv_heads, head_dim, dtype="fp16",
                 layout="hnd", context=None)

    dtype is "fp32", "fp16", "bf16" (stored as uint16 bit patterns) or a NumPy
    dtype (float32, float16, uint16 = bf16, ml_dtypes.bfloat16). layout "hnd"
    gives pools [num_pages, num_kv_heads, page_size, head_dim], "nhd"
    [num_pages, page_size, num_kv_heads, head_dim]. Pages are handed out from
    a free list (most recently freed first), so a sequence's pages are in
    general neither adjacent nor in order, as in a serving engine.
    """

    def __init__(self, num_pages, page_size, num_kv_heads, head_dim, dtype="fp16",
                 layout="hnd", context=None):
        if num_pages < 0 or page_size < 1 or num_kv_heads < 1 or head_dim < 1:
            raise ValueError(
                f"PagedKVCache: invalid sizes num_pages={num_pages} page_size={page_size} "
                f"num_kv_heads={num_kv_heads} head_dim={head_dim}")
        if layout not in ("hnd", "nhd"):
            raise ValueError(f"PagedKVCache: layout must be 'hnd' or 'nhd', got {layout!r}")
        np_dtype = np.dtype(_DTYPES.get(dtype, dtype) if isinstance(dtype, str) else dtype)
        if np_dtype not in (np.float32, np.float16, np.uint16) and np_dtype.name != "bfloat16":
            raise ValueError(
                f"PagedKVCache: dtype must be fp32, fp16 or bf16 (uint16 / ml_dtypes.bfloat16), "
                f"got {dtype!r}")
        shape = ((num_pages, num_kv_heads, page_size, head_dim) if layout == "hnd"
                 else (num_pages, page_size, num_kv_heads, head_dim))
        self.page_size = int(page_size)
        self.num_kv_heads = int(num_kv_heads)
        self.head_dim = int(head_dim)
        self.layout = layout
        self.context = context
        self.k_cache = np.zeros(shape, dtype=np_dtype)
        self.v_cache = np.zeros(shape, dtype=np_dtype)
        # pop() takes from the end: page 0 is handed out first on a fresh cache
        self._free = list(range(num_pages - 1, -1, -1))
        self._pages = {}  # seq_id -> list of page ids, in sequence order
        self._lens = {}  # seq_id -> tokens stored
        self._next_id = 0

    # ------------------------------------------------------------ sequences
    @property
    def num_pages(self):
        return self.k_cache.shape[0]

    @property
    def num_free_pages(self):
        return len(self._free)

    @property
    def sequences(self):
        """Live sequence ids, in creation order."""
        return list(self._pages)

    def add_sequence(self, seq_id=None):
        """Starts an empty sequence and returns its id (a new int if none is given)."""
        if seq_id is None:
            while self._next_id in self._pages:
                self._next_id += 1
            seq_id = self._next_id
            self._next_id += 1
        elif seq_id in self._pages:
            raise KeyError(f"PagedKVCache: sequence {seq_id!r} already exists")
        self._pages[seq_id] = []
        self._lens[seq_id] = 0
        return seq_id

    def free(self, seq_id):
        """Ends a sequence; its pages return to the free list for reuse."""
        pages = self._pages.pop(self._check(seq_id))
        del self._lens[seq_id]
        self._free.extend(reversed(pages))

    def seq_len(self, seq_id):
        return self._lens[self._check(seq_id)]

    def pages(self, seq_id):
        """The page ids of a sequence, in order (a copy)."""
        return list(self._pages[self._check(seq_id)])

    def _check(self, seq_id):
        if seq_id not in self._pages:
            raise KeyError(f"PagedKVCache: no sequence {seq_id!r}")
        return seq_id

    # --------------------------------------------------------------- append
    def append(self, seq_ids, k_new, v_new, counts=None):
        """Appends tokens to sequences with one fill_kv_pages call.

        k_new, v_new: [num_tokens, num_kv_heads, head_dim], the tokens of
        seq_ids[0] first, then seq_ids[1], ... counts[i] tokens each (default:
        one token per sequence, the decode step; a single int seq_id takes all
        tokens). Pages are allocated as needed; if there are not enough free
        pages, OutOfPagesError is raised and nothing changes. Returns the int64
        slot mapping that was written.
        """
        if np.isscalar(seq_ids) or isinstance(seq_ids, (str, bytes)):
            seq_ids = [seq_ids]
            if counts is None:
                counts = [k_new.shape[0]]
        seq_ids = list(seq_ids)
        if counts is None:
            counts = [1] * len(seq_ids)
        counts = [int(c) for c in counts]
        if len(counts) != len(seq_ids) or any(c < 0 for c in counts):
            raise ValueError("PagedKVCache.append: counts must give a non-negative count per seq_id")
        if len(set(seq_ids)) != len(seq_ids):
            raise ValueError("PagedKVCache.append: a seq_id appears twice; concatenate its tokens")
        total = sum(counts)
        if k_new.ndim != 3 or k_new.shape[0] != total:
            raise ValueError(
                f"PagedKVCache.append: k_new must be [num_tokens={total}, num_kv_heads, head_dim], "
                f"got shape {k_new.shape}")
        for s in seq_ids:
            self._check(s)
        ps = self.page_size
        need = [-(-(self._lens[s] + c) // ps) - len(self._pages[s]) for s, c in zip(seq_ids, counts)]
        if sum(need) > len(self._free):
            raise OutOfPagesError(
                f"PagedKVCache.append: needs {sum(need)} new pages, {len(self._free)} free")

        slots = np.empty(total, dtype=np.int64)
        new_pages = {}
        pos = 0
        for s, c, n in zip(seq_ids, counts, need):
            pages = self._pages[s] + [self._free.pop() for _ in range(n)]
            new_pages[s] = pages
            t = np.arange(self._lens[s], self._lens[s] + c, dtype=np.int64)
            slots[pos:pos + c] = np.asarray(pages, dtype=np.int64)[t // ps] * ps + t % ps
            pos += c
        try:
            _fill_kv_pages(k_new, v_new, slots, self.k_cache, self.v_cache, layout=self.layout,
                           context=self.context)
        except BaseException:
            for s in reversed(seq_ids):  # give the pages back in the order they were taken
                taken = new_pages[s][len(self._pages[s]):]
                self._free.extend(reversed(taken))
            raise
        for s, c in zip(seq_ids, counts):
            self._pages[s] = new_pages[s]
            self._lens[s] += c
        return slots

    # ----------------------------------------------------------- page tables
    def seq_lens(self, seq_ids):
        return np.array([self._lens[self._check(s)] for s in seq_ids], dtype=np.int32)

    def block_table(self, seq_ids, pad=0):
        """int32 [len(seq_ids), max pages of them]; rows padded with `pad`
        (never read by the kernels)."""
        rows = [self._pages[self._check(s)] for s in seq_ids]
        width = max((len(r) for r in rows), default=0)
        table = np.full((len(rows), width), pad, dtype=np.int32)
        for i, r in enumerate(rows):
            table[i, :len(r)] = r
        return table

    def csr(self, seq_ids):
        """(kv_indptr, kv_indices, kv_last_page_len), FlashInfer's form, int32."""
        rows = [self._pages[self._check(s)] for s in seq_ids]
        indptr = np.zeros(len(rows) + 1, dtype=np.int32)
        indptr[1:] = np.cumsum([len(r) for r in rows])
        indices = np.array([p for r in rows for p in r], dtype=np.int32)
        last = np.array([(self._lens[s] - 1) % self.page_size + 1 if self._lens[s] else 0
                         for s in seq_ids], dtype=np.int32)
        return indptr, indices, last

    # ---------------------------------------------------------------- decode
    def decode(self, q, seq_ids, **kwargs):
        """pal.decode of q [len(seq_ids), num_q_heads, head_dim] against these
        sequences (keyword arguments pass through: out=, scale=, return_lse=...)."""
        kwargs.setdefault("context", self.context)
        return _decode(q, self.k_cache, self.v_cache, self.block_table(seq_ids),
                       self.seq_lens(seq_ids), layout=self.layout, **kwargs)
