#!/usr/bin/env bash
# One session on the GPU machine: carried wheels, the CUDA tests, then bench/gpu_check.py.
#
#   bash bench/gpu_run.sh [gpu_check.py args]      (writes logs and JSON under $OUT)
#
# The GPU machine has torch, triton, numpy and scikit-learn but no registry:
# imbalanced-learn, sklearn-compat and faiss-cpu travel as wheels in .whl/
# (see CONTRIBUTING.md). torchsmote runs from a copy of the sources, no build.
set -u
PY=${PYTHON:-python3}
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT"
SITE=/tmp/torchsmote_site
rm -rf "$SITE" && mkdir -p "$SITE"
if ls .whl/*.whl >/dev/null 2>&1; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$SITE" .whl/*.whl || exit 3
fi
# kernels/ ships inside the package as torchsmote.kernels (pyproject's package-dir).
cp -r src/torchsmote "$SITE/torchsmote" && rm -rf "$SITE/torchsmote/kernels" && cp -r kernels "$SITE/torchsmote/kernels"
export PYTHONPATH=$SITE
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.mem --format=csv
"$PY" -c "import torch, triton, numpy, sklearn; print('torch', torch.__version__, 'triton', triton.__version__, 'numpy', numpy.__version__, 'sklearn', sklearn.__version__)"
if [ "${PYTEST_S:-180}" != 0 ]; then  # PYTEST_S=0: gpu_check.py alone
  timeout "${PYTEST_S:-180}" "$PY" -m pytest -q -k cuda tests -p no:cacheprovider --tb=short >"$OUT/pytest.log" 2>&1
  echo "pytest -k cuda: rc=$?"
  tail -n 25 "$OUT/pytest.log"
fi
PYTHONUNBUFFERED=1 timeout "${CHECK_S:-360}" "$PY" bench/gpu_check.py --out "$OUT/gpu_check.json" "$@" 2>&1 | tee "$OUT/gpu_check.log"
