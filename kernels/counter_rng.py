"""Counter-based random draws: one definition shared by every backend.

Synthetic row ``i`` of a class stream is a pure function of ``(seed, stream, i)``,
so numpy, torch (CPU/CUDA) and Triton produce the same rows whatever the chunking,
device or backend, and any slice of the stream can be regenerated on demand
(``provenance_`` is computed this way, never stored).

The generator
-------------
A 64-bit counter hash in the style of SplitMix64 (Steele, Lea & Flood, 2014):

.. code-block:: text

    key            = stream_key(seed, stream, purpose)           # host, Python ints
    word(i, j)     = mix64(key + (2*i + j + 1) * GOLDEN)          # mod 2**64, j in {0, 1}
    pair           = floor(word(i, 0) * n_pairs / 2**64)           # uniform on [0, n_pairs)
    base, slot     = divmod(pair, k)
    gap            = (word(i, 1) >> 40) * 2**-24                   # uniform on [0, 1), exact in fp32

``mix64`` is Stafford's "Mix13" finaliser as used by SplitMix64, which passes
BigCrush on sequential counters. We chose it over Philox4x32-10 (``tl.randint``)
for CPU speed: it is 2 x 8 integer ops per row against ~120 for ten Philox rounds,
which matters when 1M draws must cost a few milliseconds on a 2-core machine.

``pair`` is computed exactly with 32-bit halves, so it needs ``n_pairs < 2**31``
(400M base rows at k=5); the bias of the multiply-shift reduction is at most
``n_pairs / 2**64`` (< 1e-10).
"""

from __future__ import annotations

import numpy as np
import torch

MASK64 = (1 << 64) - 1
# 2**64 / golden ratio, the SplitMix64 increment.
GOLDEN = 0x9E3779B97F4A7C15
MIX_MUL_1 = 0xBF58476D1CE4E5B9
MIX_MUL_2 = 0x94D049BB133111EB
# Odd multiplier separating class streams inside the key derivation.
STREAM_MUL = 0xD6E8FEB86659FD93
MAX_PAIRS = 1 << 31
GAP_SCALE = 2.0**-24

#: Purposes of a stream (a third key component, so later samplers get streams
#: independent of SMOTE's for the same seed and class).
PURPOSE_SMOTE = 0
#: Epoch shuffles of :class:`torchsmote.training.ResampledDataset`.
PURPOSE_SHUFFLE = 1
#: Per-step streams of :class:`torchsmote.training.BatchOversampler`.
PURPOSE_BATCH = 2
#: BorderlineSMOTE's (danger row, neighbour slot, gap) draws.
PURPOSE_BORDERLINE = 3
#: BorderlineSMOTE kind='borderline-2': the extra factor in [0, 0.5) of steps toward other classes.
PURPOSE_BORDERLINE_SHRINK = 4
#: ADASYN's (neighbour slot, gap) draws (the base rows are fixed by the per-row counts).
PURPOSE_ADASYN = 5
#: RandomOverSampler's bootstrap indices.
PURPOSE_BOOTSTRAP = 6
#: RandomOverSampler's Gaussian noise (smoothed bootstrap, ``shrinkage``).
PURPOSE_BOOTSTRAP_NOISE = 7
#: SMOTENC's (base, neighbour slot, gap) draws (continuous part and the base row's neighbours).
PURPOSE_SMOTENC = 8
#: SMOTENC's choice among tied most-frequent categories (one draw per synthetic value).
PURPOSE_SMOTENC_TIE = 9
#: SMOTEN's base rows.
PURPOSE_SMOTEN = 10
#: SVMSMOTE's (support vector, neighbour slot, gap) draws: the rows from danger
#: support vectors take counters ``[0, n_danger)``, those from safe ones the next.
PURPOSE_SVM = 11
#: SVMSMOTE's Beta(10, 10) share of a class's rows that come from danger support vectors.
PURPOSE_SVM_SPLIT = 12
#: KMeansSMOTE's k-means++ initialisation (one uniform per centre).
PURPOSE_KMEANS_INIT = 13
#: KMeansSMOTE's SMOTE draws: one stream per class, its selected clusters laid end to end.
PURPOSE_KMEANS_SMOTE = 14


def _to_signed(value: int) -> int:
    """Two's-complement view of a uint64 Python int as int64 (torch has no uint64 maths)."""
    value &= MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


def mix64_int(z: int) -> int:
    """Reference ``mix64`` on one Python int (exact, arbitrary precision)."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * MIX_MUL_1) & MASK64
    z = ((z ^ (z >> 27)) * MIX_MUL_2) & MASK64
    return z ^ (z >> 31)


def stream_key(seed: int, stream: int, purpose: int = PURPOSE_SMOTE) -> int:
    """Derive the 64-bit key of one stream.

    Parameters
    ----------
    seed : int
        User seed, any Python int (reduced mod 2**64).
    stream : int
        Stream id, e.g. the class's position in ``np.unique(y)``.
    purpose : int
        Which draw family (``PURPOSE_SMOTE`` for SMOTE's (base, slot, gap)).

    Returns
    -------
    int
        Key in ``[0, 2**64)``.
    """
    # Two mixing layers so that neighbouring seeds and neighbouring streams give
    # unrelated keys (keys are starting points of a 2**64-periodic sequence).
    seed, stream, purpose = int(seed), int(stream), int(purpose)  # numpy ints would overflow below
    seed_mixed = mix64_int((seed & MASK64) + GOLDEN)
    return mix64_int(seed_mixed ^ ((stream * STREAM_MUL + purpose * GOLDEN) & MASK64))


# ----------------------------------------------------------------------------- numpy


def _mix64_numpy(z: np.ndarray) -> np.ndarray:
    """``mix64`` on a uint64 array, in place (numpy's uint64 maths wraps mod 2**64)."""
    z ^= z >> np.uint64(30)
    z *= np.uint64(MIX_MUL_1)
    z ^= z >> np.uint64(27)
    z *= np.uint64(MIX_MUL_2)
    z ^= z >> np.uint64(31)
    return z


def _words_numpy(key: int, start: int, count: int, j: int) -> np.ndarray:
    counters = np.arange(start, start + count, dtype=np.uint64)
    counters *= np.uint64(2)
    counters += np.uint64(j + 1)
    counters *= np.uint64(GOLDEN)
    counters += np.uint64(key)
    return _mix64_numpy(counters)


def _reduce_numpy(word: np.ndarray, n_pairs) -> np.ndarray:
    """``floor(word * n_pairs / 2**64)`` exactly, for ``n_pairs < 2**31`` (an int or a uint64 array)."""
    m = np.uint64(n_pairs) if np.ndim(n_pairs) == 0 else n_pairs
    hi = word >> np.uint64(32)
    lo = word & np.uint64(0xFFFFFFFF)
    return ((hi * m + ((lo * m) >> np.uint64(32))) >> np.uint64(32)).astype(np.int64)


def smote_draws_numpy(
    key: int, start: int, count: int, n_base: int, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference draws for synthetic rows ``start .. start+count-1`` of one stream.

    Parameters
    ----------
    key : int
        Stream key from :func:`stream_key`.
    start, count : int
        First row of the slice and its length.
    n_base : int
        Number of rows the base is drawn from.
    k : int
        Neighbours per base row.

    Returns
    -------
    base : ndarray of shape (count,), int64
        Row in ``[0, n_base)``.
    slot : ndarray of shape (count,), int64
        Neighbour slot in ``[0, k)``.
    gap : ndarray of shape (count,), float64
        Gap in ``[0, 1)``; a multiple of ``2**-24``, so exact in float32 too.
    """
    check_pair_count(n_base, k)
    pair = _reduce_numpy(_words_numpy(key, start, count, 0), n_base * k)
    gap_bits = _words_numpy(key, start, count, 1) >> np.uint64(40)
    gap = gap_bits.astype(np.float64) * GAP_SCALE
    return pair // k, pair % k, gap


def check_pair_count(n_base: int, k: int) -> None:
    """Refuse streams whose (base, slot) pair count the exact reduction cannot handle."""
    if n_base < 1 or k < 1:
        raise ValueError(f"need at least one base row and one neighbour, got {n_base=} and {k=}")
    if n_base * k >= MAX_PAIRS:
        raise ValueError(
            f"n_base * k = {n_base * k} must be below 2**31 for the counter RNG "
            "(split the class or lower k_neighbors)"
        )


def choice_draws_numpy(key: int, start: int, n_choices: np.ndarray) -> np.ndarray:
    """Draw ``start + i`` of a stream as a uniform index in ``[0, n_choices[i])``.

    ``floor(word(start + i, 0) * n_choices[i] / 2**64)``, exact (the reduction of
    :func:`smote_draws_numpy` with one bound per draw), so the bias is at most
    ``n_choices / 2**64``.

    Parameters
    ----------
    key : int
        Stream key from :func:`stream_key`.
    start : int
        Counter of the first draw.
    n_choices : ndarray of shape (count,), int
        Number of choices of each draw, in ``[1, 2**31)``.

    Returns
    -------
    ndarray of shape (count,), int64
    """
    n_choices = np.asarray(n_choices, dtype=np.int64)
    _check_choices(n_choices.min() if n_choices.size else 1, n_choices.max() if n_choices.size else 1)
    return _reduce_numpy(_words_numpy(key, start, n_choices.size, 0), n_choices.astype(np.uint64))


def _check_choices(low: int, high: int) -> None:
    if low < 1 or high >= MAX_PAIRS:
        raise ValueError(f"every choice needs between 1 and 2**31 - 1 options, got {int(low)}..{int(high)}")


#: 2**-32: one 32-bit half of a counter word as a uniform on [0, 1).
UNIT32 = 2.0**-32


def _pair_span(start: int, count: int) -> tuple[int, int, int]:
    """Counters holding normals ``start .. start+count-1`` (two per counter) and the offset into them."""
    first = start // 2
    last = (start + count - 1) // 2 if count else first - 1
    return first, last - first + 1, start - 2 * first


def _box_muller_numpy(word: np.ndarray) -> np.ndarray:
    u1 = ((word >> np.uint64(32)) + np.uint64(1)).astype(np.float64) * UNIT32
    u2 = (word & np.uint64(0xFFFFFFFF)).astype(np.float64) * UNIT32
    radius = np.sqrt(-2.0 * np.log(u1))
    angle = 2.0 * np.pi * u2
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1).reshape(-1)


def normal_draws_numpy(key: int, start: int, count: int) -> np.ndarray:
    """Standard normal draws ``start .. start+count-1`` of one stream (Box–Muller).

    Normals ``2c`` and ``2c + 1`` come from the one word of counter ``c``
    (``word(c, 0)``): its high half gives ``u1 = (hi + 1) * 2**-32`` in ``(0, 1]``
    (never 0, so the log is finite), its low half ``u2 = lo * 2**-32`` in
    ``[0, 1)``, and ``(z_2c, z_2c+1) = sqrt(-2 ln u1) * (cos, sin)(2 pi u2)``.
    One hash per two normals: with a word per uniform, the hashing took most of
    the smoothed bootstrap's time (0.45 of 0.53 s for 2.2M normals on the dev VM).
    32-bit uniforms cap ``|z|`` at ``sqrt(64 ln 2) = 6.66`` (a tail of 3e-11).

    Returns
    -------
    ndarray of shape (count,), float64
        Equal to :func:`normal_draws_torch` up to the last bits of ``log``/``cos``/``sin``
        (numpy's and torch's libm may round differently).
    """
    first, n_words, offset = _pair_span(start, count)
    if count == 0:
        return np.empty(0, dtype=np.float64)
    return _box_muller_numpy(_words_numpy(key, first, n_words, 0))[offset : offset + count]


#: 2**-53: the top 53 bits of a counter word as a uniform on [0, 1) (every value exact in float64).
UNIT53 = 2.0**-53


def uniform_draws_numpy(key: int, start: int, count: int) -> np.ndarray:
    """Uniforms ``start .. start+count-1`` of one stream on [0, 1), 53 bits each.

    Draw ``i`` is ``(word(i, 0) >> 11) * 2**-53``: the finer sibling of SMOTE's
    24-bit gap, for the few host-side draws that pick among many rows or feed a
    logarithm (k-means++ centres, the Beta split of SVMSMOTE).

    Returns
    -------
    ndarray of shape (count,), float64
    """
    return (_words_numpy(key, start, count, 0) >> np.uint64(11)).astype(np.float64) * UNIT53


def sample_keys_numpy(key: int, count: int) -> np.ndarray:
    """Random sort keys of rows ``0 .. count-1``: ``word(i, 1) >> 11``, 53 bits each, as int64.

    The rows with the ``m`` smallest keys are a uniform sample of ``m`` rows
    without replacement. Channel ``j = 1`` keeps them apart from
    :func:`uniform_draws_numpy` (channel 0) of the same key.
    """
    return (_words_numpy(key, 0, count, 1) >> np.uint64(11)).astype(np.int64)


def beta_draw_numpy(key: int, a: int, b: int) -> float:
    """One Beta(a, b) draw for integer shapes, from ``a + b`` uniforms of the stream.

    ``G_a / (G_a + G_b)`` with ``G_n = -sum(log(1 - u_i))`` over ``n`` uniforms
    (a Gamma(n, 1) variable: a sum of ``n`` unit exponentials), which is
    Beta(a, b) distributed. ``1 - u`` lies in (0, 1], so every log is finite.

    Parameters
    ----------
    key : int
        Stream key.
    a, b : int
        Shapes, >= 1 (SVMSMOTE uses Beta(10, 10), as imbalanced-learn).

    Returns
    -------
    float
        In (0, 1) (0 or 1 only if every uniform of one side is 0: probability 2**-53 per uniform).
    """
    if a < 1 or b < 1:
        raise ValueError(f"integer Beta shapes must be >= 1, got {a=} and {b=}")
    exponentials = -np.log1p(-uniform_draws_numpy(key, 0, a + b))
    g_a, g_b = float(exponentials[:a].sum()), float(exponentials[a:].sum())
    return g_a / (g_a + g_b)


# ----------------------------------------------------------------------------- torch

_LOW32 = 0xFFFFFFFF


def _srl(z: torch.Tensor, shift: int) -> torch.Tensor:
    """Logical right shift of int64 bit patterns (torch's ``>>`` is arithmetic)."""
    return (z >> shift) & ((1 << (64 - shift)) - 1)


def _xor_srl_(z: torch.Tensor, shift: int, scratch: torch.Tensor) -> None:
    """``z ^= z >>> shift`` in place, through a reusable scratch buffer."""
    torch.bitwise_right_shift(z, shift, out=scratch)
    scratch.bitwise_and_((1 << (64 - shift)) - 1)
    z.bitwise_xor_(scratch)


def _mix64_torch_(z: torch.Tensor, scratch: torch.Tensor) -> torch.Tensor:
    # In place: at 128k rows this ran 4x faster than the allocating form on the
    # 2-core dev machine (0.32 ms vs 1.2 ms), and int64 maths wraps like uint64.
    _xor_srl_(z, 30, scratch)
    z.mul_(_to_signed(MIX_MUL_1))
    _xor_srl_(z, 27, scratch)
    z.mul_(_to_signed(MIX_MUL_2))
    _xor_srl_(z, 31, scratch)
    return z


def _mix64_torch(z: torch.Tensor) -> torch.Tensor:
    """``mix64`` on int64 bit patterns, returning a new tensor."""
    return _mix64_torch_(z.clone(), torch.empty_like(z))


def _words_torch(key: int, start: int, count: int, j: int, device) -> torch.Tensor:
    counters = torch.arange(start, start + count, dtype=torch.int64, device=device)
    # (2*i + j + 1) * GOLDEN + key, wrapping in int64 exactly as in uint64.
    counters.mul_(2).add_(j + 1).mul_(_to_signed(GOLDEN)).add_(_to_signed(key))
    return _mix64_torch_(counters, torch.empty_like(counters))


def smote_pairs_torch(
    key: int, start: int, count: int, n_pairs: int, device=None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pair index and gap of rows ``start .. start+count-1`` (the kernels' fast form).

    Returns
    -------
    pair : Tensor of shape (count,), int64
        ``base * k + slot``, uniform on ``[0, n_pairs)``; indexes a flattened
        (n_base, k) neighbour table directly.
    gap : Tensor of shape (count,), float32
    """
    word = _words_torch(key, start, count, 0, device)
    scratch = torch.empty_like(word)
    # floor(word * n_pairs / 2**64) = (hi * m + (lo * m >>> 32)) >>> 32, no overflow for m < 2**31.
    torch.bitwise_and(word, _LOW32, out=scratch)
    scratch.mul_(n_pairs)
    torch.bitwise_right_shift(scratch, 32, out=scratch)  # lo * m >= 0: arithmetic == logical
    _hi = _srl(word, 32)
    pair = _hi.mul_(n_pairs).add_(scratch)
    torch.bitwise_right_shift(pair, 32, out=pair)
    gap_word = _words_torch(key, start, count, 1, device)
    gap = _srl(gap_word, 40).to(torch.float32).mul_(GAP_SCALE)
    return pair, gap


def smote_draws_torch(
    key: int, start: int, count: int, n_base: int, k: int, device=None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Torch draws, bit-identical to :func:`smote_draws_numpy`, on any device.

    Returns
    -------
    base, slot : Tensor of shape (count,), int64
    gap : Tensor of shape (count,), float32
        Exact: every gap is a multiple of ``2**-24`` below 1.
    """
    check_pair_count(n_base, k)
    pair, gap = smote_pairs_torch(key, start, count, n_base * k, device)
    return torch.div(pair, k, rounding_mode="floor"), pair % k, gap


def choice_draws_torch(key: int, start: int, n_choices: torch.Tensor) -> torch.Tensor:
    """Torch form of :func:`choice_draws_numpy`, bit-identical, on ``n_choices``' device.

    Parameters
    ----------
    n_choices : Tensor of shape (count,), int64
        Bounds in ``[1, 2**31)`` (not checked on the device: callers pass counts of
        at most ``k`` tied values).

    Returns
    -------
    Tensor of shape (count,), int64
    """
    m = n_choices.to(torch.int64)
    word = _words_torch(key, start, m.numel(), 0, m.device)
    low = torch.bitwise_and(word, _LOW32).mul_(m)
    torch.bitwise_right_shift(low, 32, out=low)  # lo * m >= 0: arithmetic == logical
    pair = _srl(word, 32).mul_(m).add_(low)
    return torch.bitwise_right_shift(pair, 32, out=pair)


def sample_keys_torch(key: int, count: int, device=None) -> torch.Tensor:
    """Torch form of :func:`sample_keys_numpy` (int64, on ``device``), bit for bit."""
    return _srl(_words_torch(key, 0, count, 1, device), 11)


def normal_draws_torch(key: int, start: int, count: int, device=None) -> torch.Tensor:
    """Torch form of :func:`normal_draws_numpy` (float64, on ``device``)."""
    first, n_words, offset = _pair_span(start, count)
    if count == 0:
        return torch.empty(0, dtype=torch.float64, device=device)
    word = _words_torch(key, first, n_words, 0, device)
    u1 = _srl(word, 32).add_(1).to(torch.float64).mul_(UNIT32)
    u2 = word.bitwise_and_(_LOW32).to(torch.float64).mul_(UNIT32 * 2.0 * np.pi)
    radius = u1.log_().mul_(-2.0).sqrt_()
    pairs = torch.stack([radius * torch.cos(u2), radius.mul_(torch.sin(u2))], dim=1).reshape(-1)
    return pairs[offset : offset + count]
