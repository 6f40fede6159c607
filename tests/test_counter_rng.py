"""The counter RNG: numpy == torch bit for bit, chunk independence, SplitMix64 known answers,
ranges, uniformity (fixed keys, so deterministic) and the pair-count guard."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from torchsmote.kernels import counter_rng
from torchsmote.kernels.counter_rng import (
    GOLDEN,
    check_pair_count,
    mix64_int,
    smote_draws_numpy,
    smote_draws_torch,
    stream_key,
)
from utils import assert_equal_verbose

M64 = (1 << 64) - 1

# ------------------------------------------------------------------ independent references


def splitmix64(seed: int):
    """SplitMix64 (Steele, Lea & Flood 2014; Vigna's splitmix64.c), written out independently.

    Constants are spelled here on purpose rather than imported from the module under test.
    """
    state = seed & M64
    while True:
        state = (state + 0x9E3779B97F4A7C15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        yield z ^ (z >> 31)


def draws_python(key: int, start: int, count: int, n_base: int, k: int):
    """The module docstring's formula with exact Python integers (no 32-bit halves)."""
    n_pairs = n_base * k
    base, slot, gap = [], [], []
    for i in range(start, start + count):
        w0 = mix64_int(key + (2 * i + 1) * GOLDEN)
        w1 = mix64_int(key + (2 * i + 2) * GOLDEN)
        b, s = divmod((w0 * n_pairs) >> 64, k)
        base.append(b)
        slot.append(s)
        gap.append((w1 >> 40) * 2.0**-24)
    return np.array(base, dtype=np.int64), np.array(slot, dtype=np.int64), np.array(gap)


def assert_draws_equal(numpy_draws, torch_draws, what: str):
    base_n, slot_n, gap_n = numpy_draws
    base_t, slot_t, gap_t = torch_draws
    assert base_t.dtype == torch.int64 and slot_t.dtype == torch.int64, what
    assert gap_t.dtype == torch.float32, f"{what}: torch gap dtype {gap_t.dtype}"
    assert base_n.dtype == np.int64 and slot_n.dtype == np.int64 and gap_n.dtype == np.float64, what
    assert_equal_verbose(base_t, base_n, what=f"{what}: base")
    assert_equal_verbose(slot_t, slot_n, what=f"{what}: slot")
    # Exact: every gap is a multiple of 2**-24 below 1, representable in float32.
    assert_equal_verbose(gap_t.double(), gap_n, what=f"{what}: gap")


def assert_same_numpy_draws(actual, expected, what: str):
    for name, a, e in zip(("base", "slot", "gap"), actual, expected, strict=True):
        assert a.dtype == e.dtype, f"{what}: {name} dtype {a.dtype} != {e.dtype}"
        assert_equal_verbose(a, e, what=f"{what}: {name}")


KEYS = [
    0,
    1,
    GOLDEN,
    (1 << 63) - 1,
    1 << 63,
    M64,
    stream_key(0, 0),
    stream_key(12345, 3),
    stream_key(2**70 + 9, 1, purpose=2),
]
STARTS = [0, 1, 2**32 - 3, 2**32, 2**40 - 1, 2**40 + 7, 2**47 + 12345]
PAIR_SHAPES = [
    (1, 1),
    (7, 3),
    (60, 1),
    (12, 5),
    (1000, 7),
    (2**31 - 1, 1),  # largest n_pairs allowed
    (2**30 - 1, 2),
    (429_496_729, 5),  # n_pairs = 2**31 - 3
    (3, 715_827_882),  # huge k
]


# ------------------------------------------------------------------ mix64 and SplitMix64


def test_splitmix64_known_answer():
    """The standard first SplitMix64 output for seed 0, from both the reference and mix64_int."""
    gen = splitmix64(0)
    first, second = next(gen), next(gen)
    assert first == 0xE220A8397B1DCDAF, hex(first)
    assert second == 0x6E789E6AA1B965F4, hex(second)
    assert mix64_int(0 + GOLDEN) == 0xE220A8397B1DCDAF
    assert mix64_int(2 * GOLDEN) == 0x6E789E6AA1B965F4


@pytest.mark.parametrize("seed", [0, 1, 42, 0xDEADBEEF, (1 << 63) + 5, M64])
def test_mix64_int_matches_splitmix64_sequence(seed):
    gen = splitmix64(seed)
    for i in range(64):
        expected = next(gen)
        got = mix64_int(seed + (i + 1) * GOLDEN)
        assert got == expected, f"seed={seed:#x} output {i}: {got:#x} != {expected:#x}"


@pytest.mark.parametrize("key", [0, 5, 0xDEADBEEF, stream_key(7, 2)])
def test_draws_are_splitmix64_outputs(key):
    """word(i, j) is SplitMix64 output 2i+j seeded with the key: with n_pairs = 2**30, pair is
    the word's top 30 bits, and the gap is the next word's top 24 bits."""
    count = 200
    gen = splitmix64(key)
    words = [next(gen) for _ in range(2 * count)]
    base, slot, gap = smote_draws_numpy(key, 0, count, 2**30, 1)
    assert_equal_verbose(base, np.array([w >> 34 for w in words[0::2]], dtype=np.int64), what="base")
    assert_equal_verbose(slot, np.zeros(count, dtype=np.int64), what="slot")
    assert_equal_verbose(gap, np.array([(w >> 40) * 2.0**-24 for w in words[1::2]]), what="gap")


def test_mix64_vectorised_matches_int():
    """numpy and torch vectorised mix64 == mix64_int on random 64-bit words (half >= 2**63)."""
    rng = np.random.default_rng(20240601)
    words = rng.integers(0, 2**64, size=20_000, dtype=np.uint64, endpoint=False)
    edges = np.array([0, 1, 2**31, 2**32 - 1, 2**63 - 1, 2**63, 2**63 + 1, M64], dtype=np.uint64)
    words = np.concatenate([words, edges])
    assert (words >= np.uint64(2**63)).sum() > 9000  # the top bit is well represented
    expected = [mix64_int(int(w)) for w in words]

    got_numpy = counter_rng._mix64_numpy(words.copy())
    assert got_numpy.dtype == np.uint64
    assert_equal_verbose(got_numpy, np.array(expected, dtype=np.uint64), what="numpy mix64")

    signed = torch.from_numpy(words.view(np.int64).copy())
    got_torch = counter_rng._mix64_torch(signed).numpy().view(np.uint64)
    assert_equal_verbose(got_torch, np.array(expected, dtype=np.uint64), what="torch mix64")


def test_to_signed_round_trip():
    for v in [0, 1, 2**63 - 1, 2**63, M64, GOLDEN, 2**64 + 3]:
        s = counter_rng._to_signed(v)
        assert -(2**63) <= s < 2**63
        assert s & M64 == v & M64


# ------------------------------------------------------------------ numpy == torch == python


@pytest.mark.parametrize("n_base,k", PAIR_SHAPES)
@pytest.mark.parametrize("start", STARTS)
def test_numpy_torch_python_agree(n_base, k, start):
    for j, key in enumerate(KEYS):
        count = [1, 2, 3, 17, 100][j % 5]
        what = f"key={key:#x} start={start} count={count} n_base={n_base} k={k}"
        numpy_draws = smote_draws_numpy(key, start, count, n_base, k)
        assert_draws_equal(numpy_draws, smote_draws_torch(key, start, count, n_base, k), what)
        assert_same_numpy_draws(numpy_draws, draws_python(key, start, count, n_base, k), what)


@pytest.mark.parametrize("count", [1, 7, 1000, 4097, 10_000])
@pytest.mark.parametrize("n_base,k", [(1, 1), (12, 5), (2**31 - 1, 1), (429_496_729, 5)])
def test_numpy_equals_torch_many_keys(count, n_base, k):
    for seed in range(6):
        key = stream_key(seed, seed % 3)
        for start in (0, 2**32 - count // 2, 2**40 + seed):
            what = f"key={key:#x} start={start} count={count} n_base={n_base} k={k}"
            assert_draws_equal(
                smote_draws_numpy(key, start, count, n_base, k),
                smote_draws_torch(key, start, count, n_base, k, device="cpu"),
                what,
            )


def test_torch_device_argument(device):
    key = stream_key(3, 1)
    base, slot, gap = smote_draws_torch(key, 2**33, 500, 97, 5, device=device)
    assert base.device.type == slot.device.type == gap.device.type == device.type
    assert_draws_equal(smote_draws_numpy(key, 2**33, 500, 97, 5), (base, slot, gap), f"device={device}")


def test_empty_slice():
    for draws in (smote_draws_numpy(5, 10, 0, 3, 2), smote_draws_torch(5, 10, 0, 3, 2)):
        assert all(a.shape == (0,) for a in draws)


@settings(max_examples=150, deadline=None)
@given(
    key=st.integers(0, M64),
    start=st.integers(0, 2**48),
    count=st.integers(1, 40),
    n_base=st.integers(1, 2**31 - 1),
    k=st.integers(1, 64),
)
def test_property_numpy_torch_python(key, start, count, n_base, k):
    assume(n_base * k < 2**31)
    what = f"key={key:#x} start={start} count={count} n_base={n_base} k={k}"
    numpy_draws = smote_draws_numpy(key, start, count, n_base, k)
    assert_draws_equal(numpy_draws, smote_draws_torch(key, start, count, n_base, k), what)
    assert_same_numpy_draws(numpy_draws, draws_python(key, start, count, n_base, k), what)


# ------------------------------------------------------------------ chunk independence


@pytest.mark.parametrize("start", [0, 2**32 - 2500, 2**40 + 3])
def test_slices_equal_the_long_call(start):
    key, n_base, k = stream_key(99, 4), 1234, 5
    full_n = smote_draws_numpy(key, start, 5000, n_base, k)
    full_t = smote_draws_torch(key, start, 5000, n_base, k)
    assert_draws_equal(full_n, full_t, "full")
    rng = np.random.default_rng(7)
    cuts = [(0, 1), (4999, 5000), (0, 5000), (1, 4097), (2047, 2049)]
    cuts += [tuple(sorted(rng.choice(5001, size=2, replace=False))) for _ in range(20)]
    for a, b in cuts:
        a, b = int(a), int(b)
        what = f"slice [{a}, {b}) start={start}"
        part_n = smote_draws_numpy(key, start + a, b - a, n_base, k)
        assert_same_numpy_draws(part_n, tuple(f[a:b] for f in full_n), f"numpy {what}")
        part_t = smote_draws_torch(key, start + a, b - a, n_base, k)
        for got, full in zip(part_t, full_t, strict=True):
            assert_equal_verbose(got, full[a:b], what=f"torch {what}")


def test_chunked_concatenation_equals_one_call():
    key, n_base, k = stream_key(1, 0), 50, 3
    full = smote_draws_numpy(key, 17, 3001, n_base, k)
    for chunk in (1, 7, 64, 1000):
        parts = [
            smote_draws_torch(key, 17 + a, min(chunk, 3001 - a), n_base, k) for a in range(0, 3001, chunk)
        ]
        joined = tuple(torch.cat(p) for p in zip(*parts, strict=True))
        assert_draws_equal(full, joined, f"chunk={chunk}")


# ------------------------------------------------------------------ ranges


@pytest.mark.parametrize("n_base,k", PAIR_SHAPES)
def test_ranges(n_base, k):
    count = 50_000
    for key in (stream_key(5, 0), M64):
        for start in (0, 2**40):
            base, slot, gap = smote_draws_numpy(key, start, count, n_base, k)
            assert base.min() >= 0 and base.max() < n_base, (base.min(), base.max(), n_base)
            assert slot.min() >= 0 and slot.max() < k, (slot.min(), slot.max(), k)
            assert gap.min() >= 0.0 and gap.max() < 1.0, (gap.min(), gap.max())
            scaled = gap * 2**24
            assert np.array_equal(scaled, np.floor(scaled)), "gap is not a multiple of 2**-24"
            base_t, slot_t, gap_t = smote_draws_torch(key, start, count, n_base, k)
            assert int(base_t.min()) >= 0 and int(base_t.max()) < n_base
            assert int(slot_t.min()) >= 0 and int(slot_t.max()) < k
            assert float(gap_t.min()) >= 0.0 and float(gap_t.max()) < 1.0
    if n_base * k <= 64:  # small pair counts: every pair is reached
        pair = base * k + slot
        assert np.unique(pair).size == n_base * k


def test_extreme_words_stay_in_range():
    """The largest possible word maps to the last pair, never past it (reduction is a floor)."""
    n_pairs = 2**31 - 1
    hi, lo = M64 >> 32, M64 & 0xFFFFFFFF
    assert ((hi * n_pairs + ((lo * n_pairs) >> 32)) >> 32) == (M64 * n_pairs) >> 64 == n_pairs - 1
    word = np.array([M64, 0, 2**63], dtype=np.uint64)
    got = counter_rng._reduce_numpy(word, n_pairs)
    assert_equal_verbose(got, np.array([n_pairs - 1, 0, (2**63 * n_pairs) >> 64]), what="reduce")


# ------------------------------------------------------------------ uniformity (fixed keys)

P_MIN = 1e-4


@pytest.mark.parametrize("seed,start", [(0, 0), (1, 2**40), (2023, 2**32 - 300_000)])
def test_pair_counts_chi_square(seed, start):
    n_base, k, count = 12, 5, 600_000
    base, slot, gap = smote_draws_numpy(stream_key(seed, 0), start, count, n_base, k)
    counts = np.bincount(base * k + slot, minlength=n_base * k)
    p = stats.chisquare(counts).pvalue
    assert p > P_MIN, f"(base, slot) pairs not uniform: p={p:.2e}, counts {counts.min()}..{counts.max()}"
    # Pair and gap independent: 60 pairs x 10 gap deciles.
    table = np.bincount((base * k + slot) * 10 + (gap * 10).astype(np.int64), minlength=600)
    p = stats.chisquare(table).pvalue
    assert p > P_MIN, f"(pair, gap decile) not uniform: p={p:.2e}"
    # Consecutive rows independent (sequential counters): gap deciles of rows i and i+1.
    dec = (gap * 10).astype(np.int64)
    p = stats.chisquare(np.bincount(dec[:-1] * 10 + dec[1:], minlength=100)).pvalue
    assert p > P_MIN, f"consecutive gap deciles not independent: p={p:.2e}"
    p = stats.chisquare(np.bincount(base[:-1] * n_base + base[1:], minlength=n_base**2)).pvalue
    assert p > P_MIN, f"consecutive bases not independent: p={p:.2e}"


@pytest.mark.parametrize("n_base,k", [(2**31 - 1, 1), (3, 715_827_882), (1_000_003, 7)])
def test_large_pair_counts_are_uniform(n_base, k):
    """Bases of a huge n_pairs binned into 64 (near-)equal ranges; slots, binned into 16 if many."""
    base, slot, _ = smote_draws_numpy(stream_key(77, 1), 2**35, 400_000, n_base, k)
    bins = (base * 64) // n_base if n_base >= 64 else base
    p = stats.chisquare(np.bincount(bins, minlength=min(64, n_base))).pvalue
    assert p > P_MIN, f"base bins not uniform: p={p:.2e}"
    if k > 1:
        slot_bins = slot if k <= 64 else (slot * 16) // k
        p = stats.chisquare(np.bincount(slot_bins, minlength=min(k, 16))).pvalue
        assert p > P_MIN, f"slot bins not uniform: p={p:.2e}"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gap_ks_uniform(seed):
    _, _, gap = smote_draws_numpy(stream_key(seed, 5), 2**40 * seed, 200_000, 10, 5)
    p = stats.kstest(gap, "uniform").pvalue
    assert p > P_MIN, f"gaps not uniform on [0, 1): KS p={p:.2e}"
    assert abs(gap.mean() - 0.5) < 0.005, gap.mean()


# ------------------------------------------------------------------ keys and streams


def test_keys_distinct_across_seeds_streams_purposes():
    keys = {
        stream_key(seed, stream, purpose)
        for seed in range(100)
        for stream in range(10)
        for purpose in range(3)
    }
    assert len(keys) == 3000
    assert all(0 <= key <= M64 for key in keys)


def test_every_purpose_constant_is_its_own():
    """Two samplers sharing a purpose would draw the same numbers for the same seed and class."""
    purposes = {name: value for name, value in vars(counter_rng).items() if name.startswith("PURPOSE_")}
    assert len(purposes) >= 15
    assert len(set(purposes.values())) == len(purposes), f"purpose constants collide: {purposes}"


def test_seed_reduced_mod_2_64():
    assert stream_key(-1, 2) == stream_key(M64, 2)
    assert stream_key(5 + 2**64, 0) == stream_key(5, 0)
    assert stream_key(3, 1) == stream_key(3, 1, purpose=counter_rng.PURPOSE_SMOTE)


@pytest.mark.parametrize(
    "key_a,key_b",
    [
        (stream_key(0, 0), stream_key(1, 0)),  # neighbouring seeds
        (stream_key(0, 0), stream_key(0, 1)),  # neighbouring streams
        (stream_key(0, 0), stream_key(0, 0, purpose=1)),  # another purpose
        (stream_key(123, 4), stream_key(124, 3)),
    ],
)
def test_different_keys_give_unrelated_draws(key_a, key_b):
    assert key_a != key_b
    n_base, k, count = 1000, 5, 20_000
    base_a, _, gap_a = smote_draws_numpy(key_a, 0, count, n_base, k)
    base_b, _, gap_b = smote_draws_numpy(key_b, 0, count, n_base, k)
    # Independent streams agree on the base 1/1000 of the time and on a gap almost never.
    assert (base_a == base_b).mean() < 0.004, (base_a == base_b).mean()
    assert (gap_a == gap_b).mean() < 0.001
    assert abs(np.corrcoef(gap_a, gap_b)[0, 1]) < 0.05
    # Nor is one a shifted copy of the other.
    for shift in (1, 2, 3, 1000):
        assert (base_a[shift:] == base_b[:-shift]).mean() < 0.004
        assert (base_b[shift:] == base_a[:-shift]).mean() < 0.004


def test_same_key_same_draws():
    key = stream_key(42, 3)
    a = smote_draws_numpy(key, 10, 1000, 77, 4)
    b = smote_draws_numpy(key, 10, 1000, 77, 4)
    assert_same_numpy_draws(a, b, "repeat")


# ------------------------------------------------------------------ the pair-count guard


@pytest.mark.parametrize(
    "n_base,k,match",
    [
        (2**31, 1, "2\\*\\*31"),
        (1, 2**31, "2\\*\\*31"),
        (2**30, 2, "2\\*\\*31"),
        (46_341, 46_341, "2\\*\\*31"),  # 46341**2 = 2**31 + 8407
        (2**40, 5, "2\\*\\*31"),
        (10, 0, "at least one"),
        (10, -1, "at least one"),
        (0, 5, "at least one"),
        (-3, 5, "at least one"),
    ],
)
def test_check_pair_count_errors(n_base, k, match):
    with pytest.raises(ValueError, match=match):
        check_pair_count(n_base, k)
    with pytest.raises(ValueError, match=match):
        smote_draws_numpy(1, 0, 10, n_base, k)
    with pytest.raises(ValueError, match=match):
        smote_draws_torch(1, 0, 10, n_base, k)


@pytest.mark.parametrize("n_base,k", [(1, 1), (2**31 - 1, 1), (1, 2**31 - 1), (46_340, 46_340)])
def test_check_pair_count_accepts_the_limit(n_base, k):
    check_pair_count(n_base, k)
