"""SMOTENC and SMOTEN: SMOTE for mixed and for categorical-only data (imbalanced-learn's semantics).

The maths lives in ``kernels/nominal_{numpy,torch}.py`` (whose module docstring
states it), the VDM search in :mod:`torchsmote.neighbors.nominal`, the
container handling in :mod:`torchsmote.mixed`; these estimators plan the
classes, resolve devices and backends, and assemble the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from torchsmote.backends import pins_cpu, resolve_device, resolve_kernel_backend, resolve_knn_backend
from torchsmote.base import Labels, working_tensor
from torchsmote.containers import Containers, check_n_rows, pack_labels, unpack_labels
from torchsmote.generation import generate_rows, smoten_rows, smotenc_categories
from torchsmote.kernels.counter_rng import (
    PURPOSE_SMOTEN,
    PURPOSE_SMOTENC,
    PURPOSE_SMOTENC_TIE,
    smote_draws_numpy,
    stream_key,
)
from torchsmote.kernels.nominal_torch import (
    smotenc_encode_torch,
    smotenc_scale_torch,
    vdm_probabilities_torch,
)
from torchsmote.memory import release_freed_host_memory
from torchsmote.mixed import MixedData, split_mixed, working_codes
from torchsmote.neighbors import class_neighbors, neighbors_from_estimator
from torchsmote.neighbors.nominal import VDM_NOT_EUCLIDEAN, vdm_neighbors, vdm_neighbors_from_estimator
from torchsmote.validation import python_scalar

from ._family import check_rows, classes_to_sample
from .base import BaseOverSampler
from .smote import Provenance

__all__ = ["SMOTEN", "SMOTENC", "MixedProvenance", "NominalProvenance"]


@dataclass(frozen=True)
class MixedProvenance(Provenance):
    """Where each SMOTENC synthetic row came from, in output order.

    Attributes
    ----------
    base, neighbor : ndarray of shape (n_synthetic,), int64
        Rows of ``X``: the continuous columns are
        ``X[base] + gap * (X[neighbor] - X[base])``.
    gap : ndarray of shape (n_synthetic,), float64
    categorical_source : ndarray of shape (n_synthetic, n_categorical), int64
        For each categorical column (in ``categorical_features_`` order), the row
        of ``X`` whose value was copied: the nearest of the base row's
        ``k_neighbors`` neighbours holding the chosen (most frequent) category.
    """

    categorical_source: np.ndarray


@dataclass(frozen=True)
class NominalProvenance:
    """Where each SMOTEN synthetic row came from, in output order.

    Attributes
    ----------
    base : ndarray of shape (n_synthetic,), int64
        Row of ``X`` drawn as the base (its value votes with its neighbours').
    categorical_source : ndarray of shape (n_synthetic, n_features), int64
        For each column, the row of ``X`` whose value was copied: the first of
        ``[base, its neighbours nearest first]`` holding the chosen category.
    """

    base: np.ndarray
    categorical_source: np.ndarray


def _host_values(values) -> np.ndarray:
    """Category values as a numpy array (bfloat16 tensors, which numpy lacks, as float32: exact)."""
    if isinstance(values, torch.Tensor):
        values = values.cpu()
        return (values.float() if values.dtype == torch.bfloat16 else values).numpy()
    return np.asarray(values)


def _labels_out(y, blocks: list[tuple[object, int]]):
    """``y`` followed by ``count`` copies of each ``(label, count)`` block (numpy or torch, as y)."""
    n = y.shape[0]
    total = sum(count for _, count in blocks)
    if isinstance(y, torch.Tensor):
        out = torch.empty(n + total, dtype=y.dtype, device=y.device)
    else:
        out = np.empty(n + total, dtype=y.dtype)
    out[:n] = y
    offset = n
    for label, count in blocks:
        out[offset : offset + count] = python_scalar(label)
        offset += count
    return out


class _NominalSampler(BaseOverSampler):
    """Shared plumbing: mixed-container input/output, devices, encoder, class plan."""

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "k_neighbors": [
            Interval(Integral, 1, None, closed="left"),
            HasMethods(["kneighbors", "fit"]),
        ],
        "categorical_encoder": [HasMethods(["fit_transform", "inverse_transform"]), None],
    }
    _FITTED = (
        *BaseOverSampler._FITTED,
        "categorical_features_",
        "categories_",
        "categorical_encoder_",
        "provenance_",
    )

    def _spec(self):
        raise NotImplementedError

    def _unpack(self, X, y):
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        info = Containers(x_kind="numpy", y_kind="numpy")
        data = split_mixed(X, self._spec(), info, sampler=type(self).__name__)
        labels = unpack_labels(y, info)
        check_n_rows(data.shape[0], labels.shape[0])
        return data, labels, info

    def _pack(self, features_out, labels_out, info):
        return features_out, pack_labels(labels_out, info)

    def _fit(self, data: MixedData, labels: Labels, sampling_strategy: dict) -> dict:
        return self._columns(data)

    def _columns(self, data: MixedData) -> dict:
        """Fitted column state: the encoder (when given), categorical columns, categories."""
        state = {}
        if self.categorical_encoder is not None:
            encoder, encoded = self._fit_encoder(data)
            self._use_encoder(encoder, encoded, data)
            state["categorical_encoder_"] = encoder
        state["categorical_features_"] = data.categorical
        state["categories_"] = [_host_values(c.values) for c in data.categories]
        return state

    def _use_encoder(self, encoder, encoded, data: MixedData) -> None:
        """Check (SMOTENC) or apply (SMOTEN) the fitted ``categorical_encoder``."""

    def _plan(self, labels: Labels, sampling_strategy: dict) -> list:
        plan = classes_to_sample(labels, sampling_strategy)
        if isinstance(self.k_neighbors, Integral):
            for position, label, _ in plan:
                check_rows(
                    type(self).__name__,
                    label,
                    int(labels.counts[position]),
                    int(self.k_neighbors),
                    "k_neighbors",
                )
        return plan

    def _resolve(self, data: MixedData, n_new: int, interpolated_columns: int):
        """Device and backends; ``interpolated_columns`` go through ``generate_rows`` (0 for SMOTEN)."""
        cpu_only = pins_cpu(self.knn_backend, self.kernel_backend)
        device = resolve_device(self.device, data.device, 0 if cpu_only else n_new * data.shape[1])
        return (
            device,
            resolve_knn_backend(self.knn_backend, device),
            resolve_kernel_backend(self.kernel_backend, device, n_new * interpolated_columns),
        )

    def _fit_encoder(self, data: MixedData):
        """``(encoder, encoded)``: a clone of ``categorical_encoder`` fitted on the categorical columns."""
        encoder = clone(self.categorical_encoder)
        source = data.source
        if data.kind == "pandas":
            block = source.iloc[:, data.categorical]
        elif data.kind == "torch":
            block = source[:, torch.as_tensor(data.categorical, device=source.device)].cpu().numpy()
        else:
            block = source[:, data.categorical]
        encoded = encoder.fit_transform(block)
        return encoder, encoded


class SMOTENC(_NominalSampler):
    """SMOTE for continuous and categorical features (SMOTE-NC, Chawla et al., 2002).

    For each class to over-sample, the continuous columns are taken as they are
    (not standardised) and the categorical columns one-hot encoded with every
    one set to ``median_std / sqrt(2)``, where ``median_std`` is the median over
    continuous columns of the class's (population) standard deviation, so a
    differing category adds ``median_std**2`` to a squared distance. The
    ``k_neighbors`` nearest rows of the class in that encoding (the row itself
    excluded) give each synthetic row its continuous part by SMOTE's
    interpolation, ``x_b + gap * (x_n - x_b)``, and each categorical value as
    the most frequent category among the base row's ``k_neighbors`` neighbours
    (the base row does not vote), a tie broken uniformly at random. All of this
    is imbalanced-learn 0.14's rule; the draws come from the counter RNG
    (``PURPOSE_SMOTENC``, ties ``PURPOSE_SMOTENC_TIE``), so values differ from
    imbalanced-learn's while counts, neighbours and the rule agree.

    Parameters
    ----------
    categorical_features : 'auto' or array-like of int, str or bool
        Which columns are categorical: 'auto' (the 'category'-dtype columns of a
        DataFrame), column indices (negative ones count from the end), column
        names (DataFrame) or a boolean mask of shape (n_features,). Some, but
        not all, columns must be categorical (else use SMOTE or SMOTEN).
    categorical_encoder : estimator or None, default=None
        An encoder with ``fit_transform`` and ``inverse_transform`` (e.g.
        ``OneHotEncoder``). A clone is fitted on the categorical columns and kept
        as ``categorical_encoder_``; it must give one column per category (as
        imbalanced-learn checks). The encoding itself is always the full one-hot
        of the categories, so the result does not depend on it.
    sampling_strategy : float, str, dict or callable, default='auto'
    random_state : int, RandomState or None, default=None
    k_neighbors : int or object, default=5
        Neighbours per row, or an object with ``fit`` and ``kneighbors`` (fitted
        on the encoded class rows; its ``n_neighbors`` includes the row itself).
    device, knn_backend, kernel_backend, chunk_size
        As :class:`torchsmote.SMOTE`: the k-NN runs on the encoding with the
        chosen backend, the continuous part through SMOTE's kernels, the
        categorical votes through the torch kernel (the numpy reference for
        ``kernel_backend='numpy'``).

    Attributes
    ----------
    sampling_strategy_ : dict
    categorical_features_ : ndarray of shape (n_categorical,), int64
        Indices of the categorical columns, ascending.
    continuous_features_ : ndarray of shape (n_continuous,), int64
    categories_ : list of ndarray
        Each categorical column's categories (sorted; a missing value last).
    median_std_ : dict
        Class label -> the ``median_std`` above (float).
    categorical_encoder_ : estimator
        Only when ``categorical_encoder`` is given.
    provenance_ : MixedProvenance
        ``base``, ``neighbor``, ``gap`` and ``categorical_source`` of every synthetic row.
    classes_, device_, n_features_in_, feature_names_in_

    Notes
    -----
    Input: numpy arrays of any dtype (object arrays for mixed strings and
    numbers), DataFrames with mixed dtypes, lists, float tensors (categorical
    columns hold numbers). The result has X's container: original rows first,
    unchanged, then synthetic rows class by class in sorted class order;
    categorical columns hold original values (dtypes and pandas categories
    kept), continuous ones synthetic values (integer columns truncated, as
    imbalanced-learn's ``astype``; integer numpy arrays come back float64, as
    with SMOTE). A missing value in a categorical column is a category of its
    own; continuous columns must be finite.
    """

    _parameter_constraints: dict = {
        **_NominalSampler._parameter_constraints,
        "categorical_features": ["array-like", StrOptions({"auto"})],
    }
    _FITTED = (*_NominalSampler._FITTED, "continuous_features_", "median_std_")

    def __init__(
        self,
        categorical_features,
        *,
        categorical_encoder=None,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        device="auto",
        knn_backend="auto",
        kernel_backend="auto",
        chunk_size=None,
    ):
        self.categorical_features = categorical_features
        self.categorical_encoder = categorical_encoder
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.device = device
        self.knn_backend = knn_backend
        self.kernel_backend = kernel_backend
        self.chunk_size = chunk_size

    def _spec(self):
        return self.categorical_features

    def _columns(self, data: MixedData) -> dict:
        return {**super()._columns(data), "continuous_features_": data.continuous_columns}

    def _use_encoder(self, encoder, encoded, data: MixedData) -> None:
        if not hasattr(encoder, "categories_"):
            return
        n_categories = sum(len(c) for c in encoder.categories_)
        if encoded.shape[1] != n_categories:
            raise ValueError(
                "SMOTENC requires a one-hot encoding with one column per category for the "
                f"categorical features; the categorical_encoder produced {encoded.shape[1]} columns "
                f"for {n_categories} categories (it drops or merges categories)"
            )

    def _fit_resample(self, data: MixedData, labels: Labels, sampling_strategy: dict):
        plan = self._plan(labels, sampling_strategy)
        state = self._columns(data)
        device, knn_backend, kernel_backend = self._resolve(
            data, sum(entry[2] for entry in plan), len(data.continuous_columns)
        )
        x = working_tensor(data.continuous, device)
        codes = working_codes(data.codes, device)
        label_codes = labels.codes(device).to(device)
        seed = self._seed()
        continuous_blocks, code_blocks, counts, provenance, median_std = [], [], [], [], {}
        for position, label, count in plan:
            rows = (label_codes == position).nonzero().squeeze(1)
            pool, pool_codes = x.index_select(0, rows), codes.index_select(0, rows)
            scale = smotenc_scale_torch(pool)
            encoded_pool = smotenc_encode_torch(pool, pool_codes, scale)
            if isinstance(self.k_neighbors, Integral):
                neighbors = class_neighbors(encoded_pool, int(self.k_neighbors), knn_backend)
            else:
                neighbors = neighbors_from_estimator(clone(self.k_neighbors), encoded_pool)
            del encoded_pool
            key = stream_key(seed, position, PURPOSE_SMOTENC)
            tie_key = stream_key(seed, position, PURPOSE_SMOTENC_TIE)
            block = torch.empty((count, pool.shape[1]), dtype=pool.dtype, device=device)
            generate_rows(pool, neighbors, key, block, backend=kernel_backend, chunk_rows=self.chunk_size)
            values, source = smotenc_categories(
                pool_codes, neighbors, key, tie_key, count, backend=kernel_backend
            )
            continuous_blocks.append(block)
            code_blocks.append(values)
            counts.append((label, count))
            median_std[label] = scale
            base, slot, gap = smote_draws_numpy(key, 0, count, *neighbors.shape)
            rows_np, table = rows.cpu().numpy(), neighbors.cpu().numpy()
            provenance.append((rows_np[base], rows_np[table[base, slot]], gap, rows_np[source.cpu().numpy()]))
        if device.type == "cpu":
            release_freed_host_memory()  # k-NN scratch, before the output's pages fill up
        n_cont, n_cat = data.continuous_columns.size, data.categorical.size
        new_continuous = (
            torch.cat(continuous_blocks) if continuous_blocks else torch.empty((0, n_cont), dtype=x.dtype)
        )
        new_codes = torch.cat(code_blocks) if code_blocks else torch.empty((0, n_cat), dtype=torch.int64)
        features_out = data.assemble(new_continuous, new_codes)
        labels_out = _labels_out(labels.y, counts)
        state.update(
            device_=device,
            median_std_=median_std,
            provenance_=_mixed_provenance(provenance, n_cat),
        )
        return features_out, labels_out, state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        return tags


def _mixed_provenance(parts: list, n_cat: int) -> MixedProvenance:
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return MixedProvenance(empty, empty.copy(), np.empty(0), np.empty((0, n_cat), dtype=np.int64))
    return MixedProvenance(
        np.concatenate([p[0] for p in parts]).astype(np.int64),
        np.concatenate([p[1] for p in parts]).astype(np.int64),
        np.concatenate([p[2] for p in parts]).astype(np.float64),
        np.concatenate([p[3] for p in parts]).astype(np.int64),
    )


class SMOTEN(_NominalSampler):
    """SMOTE for categorical-only data (SMOTE-N, Chawla et al., 2002), as imbalanced-learn 0.14.

    Distances are the Value Difference Metric fitted on all rows:
    ``D(a, b) = sum_f (sum_c |P(c | a_f) - P(c | b_f)|)**2`` over columns ``f``
    and classes ``c``. Each synthetic row of a class starts from a base row drawn
    uniformly from the class (counter RNG, ``PURPOSE_SMOTEN``) and takes, column
    by column, the most frequent category among the base row and its
    ``k_neighbors`` nearest rows of the class, a tie going to the smallest
    category (in the encoder's order: sorted values by default), exactly
    imbalanced-learn's rule. So every synthetic row drawn from the same base
    is the same row.

    Parameters
    ----------
    categorical_encoder : estimator or None, default=None
        An encoder with ``fit_transform``/``inverse_transform`` (e.g.
        ``OrdinalEncoder``); a clone is fitted on X and kept as
        ``categorical_encoder_``, and its ``categories_`` order decides ties.
        None: categories in sorted order (imbalanced-learn's default).
    sampling_strategy : float, str, dict or callable, default='auto'
    random_state : int, RandomState or None, default=None
    k_neighbors : int or object, default=5
        Neighbours beside the base row, or an object with ``fit``/``kneighbors``
        (given ``metric='precomputed'`` and the class's VDM matrix, as in
        imbalanced-learn; its ``n_neighbors`` includes the row itself).
    device : {'auto', 'cpu', 'cuda', 'cuda:N'} or torch.device, default='auto'
    knn_backend : {'auto', 'torch', 'numpy'}, default='auto'
        'auto'/'torch': exact blocked VDM search on the working device; 'numpy':
        the float64 reference; 'faiss' is refused (the VDM is not Euclidean).
    kernel_backend : {'auto', 'numpy', 'torch', 'numba', 'triton'}, default='auto'
        'numpy' runs the reference vote, any other the torch kernel.
    chunk_size : int or None, default=None
        Accepted for the common signature; votes run in fixed blocks. Never
        changes the result.

    Attributes
    ----------
    sampling_strategy_ : dict
    categorical_features_ : ndarray, every column index
    categories_ : list of ndarray
        Each column's categories in code order (sorted, or the encoder's order).
    categorical_encoder_ : estimator
        Only when ``categorical_encoder`` is given.
    provenance_ : NominalProvenance
    classes_, device_, n_features_in_, feature_names_in_
    """

    def __init__(
        self,
        categorical_encoder=None,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        device="auto",
        knn_backend="auto",
        kernel_backend="auto",
        chunk_size=None,
    ):
        self.categorical_encoder = categorical_encoder
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.device = device
        self.knn_backend = knn_backend
        self.kernel_backend = kernel_backend
        self.chunk_size = chunk_size

    def _spec(self):
        return None

    def _use_encoder(self, encoder, encoded, data: MixedData) -> None:
        if hasattr(encoder, "categories_"):
            _reorder_categories(data, encoder.categories_)

    def _fit_resample(self, data: MixedData, labels: Labels, sampling_strategy: dict):
        if self.knn_backend == "faiss":
            raise ValueError(VDM_NOT_EUCLIDEAN.format(backend="faiss"))
        plan = self._plan(labels, sampling_strategy)
        state = self._columns(data)
        device, knn_backend, kernel_backend = self._resolve(data, sum(entry[2] for entry in plan), 0)
        codes = working_codes(data.codes, device)
        label_codes = labels.codes(device).to(device)
        proba = vdm_probabilities_torch(codes, label_codes, data.n_categories, len(labels.classes))
        seed = self._seed()
        code_blocks, counts, bases, sources = [], [], [], []
        for position, label, count in plan:
            rows = (label_codes == position).nonzero().squeeze(1)
            pool_codes = codes.index_select(0, rows)
            if isinstance(self.k_neighbors, Integral):
                neighbors = vdm_neighbors(pool_codes, proba, int(self.k_neighbors), knn_backend)
            else:
                neighbors = vdm_neighbors_from_estimator(clone(self.k_neighbors), pool_codes, proba)
            key = stream_key(seed, position, PURPOSE_SMOTEN)
            values, base, source = smoten_rows(pool_codes, neighbors, key, count, backend=kernel_backend)
            code_blocks.append(values)
            counts.append((label, count))
            rows_np = rows.cpu().numpy()
            bases.append(rows_np[base.cpu().numpy()])
            sources.append(rows_np[source.cpu().numpy()])
        n_cat = data.categorical.size
        new_codes = torch.cat(code_blocks) if code_blocks else torch.empty((0, n_cat), dtype=torch.int64)
        features_out = data.assemble(None, new_codes)
        labels_out = _labels_out(labels.y, counts)
        state.update(
            device_=device,
            provenance_=NominalProvenance(
                np.concatenate(bases).astype(np.int64) if bases else np.empty(0, dtype=np.int64),
                np.concatenate(sources).astype(np.int64) if sources else np.empty((0, n_cat), dtype=np.int64),
            ),
        )
        return features_out, labels_out, state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = True
        return tags


def _reorder_categories(data: MixedData, encoder_categories) -> None:
    """Renumber each column's codes in the encoder's category order (it decides SMOTEN's ties)."""
    for j, (cats, wanted) in enumerate(zip(data.categories, encoder_categories, strict=True)):
        values = _host_values(cats.values)
        position = {}
        missing_at = None
        for i, value in enumerate(np.asarray(wanted, dtype=object).tolist()):
            if value is None or (isinstance(value, float) and value != value):
                missing_at = i
            else:
                position.setdefault(value, i)
        order_key = []
        for value in np.asarray(values, dtype=object).tolist():
            is_missing = value is None or (isinstance(value, float) and value != value)
            where = missing_at if is_missing else position.get(value)
            if where is None:
                raise ValueError(
                    f"categorical_encoder's categories for column {int(data.categorical[j])} lack the value "
                    f"{value!r} present in X"
                )
            order_key.append(where)
        order = np.argsort(np.asarray(order_key), kind="stable")
        if (order == np.arange(order.size)).all():
            continue
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        if isinstance(data.codes, torch.Tensor):
            data.codes[:, j] = torch.as_tensor(rank, device=data.codes.device)[data.codes[:, j]]
            cats.values = cats.values[torch.as_tensor(order, device=cats.values.device)]
        else:
            data.codes[:, j] = rank[data.codes[:, j]]
            cats.values = cats.values[order]
        if cats.dtype_codes is not None:
            cats.dtype_codes = cats.dtype_codes[order]
