"""``torchsmote compare`` and ``torchsmote plot``."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from cli_helpers import make_table, run_cli, write_table

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def test_compare_with_imblearn(tmp_path, capsys):
    pytest.importorskip("imblearn")
    path, label = write_table(make_table((800, 60)), tmp_path, "parquet")
    code, stdout, err = run_cli(["compare", path, "--label", label, "--json", "--k-neighbors", 3], capsys)
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["imblearn_installed"] is True
    assert summary["class_counts_before"] == {"0": 800, "1": 60}
    for library in ("torchsmote", "imblearn"):
        result = summary[library]
        assert result["class_counts_after"] == {"0": 800, "1": 800}
        assert result["rows_synthetic"] == 740
        assert result["seconds"] > 0
        assert result["peak_extra_bytes"] is None or result["peak_extra_bytes"] >= 0
    assert summary["torchsmote"]["ratio"] == 1.0
    assert summary["imblearn"]["ratio"] == pytest.approx(
        summary["imblearn"]["seconds"] / summary["torchsmote"]["seconds"]
    )


def test_compare_table_without_imblearn(tmp_path, capsys, monkeypatch):
    import torchsmote.cli.compare as compare

    monkeypatch.setattr(compare, "imblearn_installed", lambda: False)
    path, label = write_table(make_table((300, 30)), tmp_path, "csv")
    code, stdout, err = run_cli(["compare", path, "--label", label], capsys)
    assert code == 0, err
    assert "imbalanced-learn is not installed" in stdout
    table = stdout.split("\nlibrary")[1].splitlines()[1:]
    assert table[0].startswith("torchsmote ") and "{0: 300, 1: 300}" in table[0]
    assert table[1].startswith("imbalanced-learn is not installed")  # no imbalanced-learn row


def test_compare_keeps_torchsmote_figures_when_imblearn_fails(tmp_path, capsys, monkeypatch):
    import torchsmote.cli.compare as compare

    real_child = compare._child

    def child(library, spec):
        if library == "imblearn":
            raise RuntimeError("imblearn run failed: ValueError: Unknown label type: 'continuous'")
        return real_child(library, spec)

    monkeypatch.setattr(compare, "imblearn_installed", lambda: True)
    monkeypatch.setattr(compare, "_child", child)
    path, label = write_table(make_table((300, 30)), tmp_path, "parquet")
    code, stdout, err = run_cli(["compare", path, "--label", label], capsys)
    assert code == 0, err
    rows = stdout.split("\nlibrary")[1].splitlines()[1:3]
    assert rows[0].startswith("torchsmote ") and "{0: 300, 1: 300}" in rows[0]
    assert (
        rows[1]
        == "imbalanced-learn  failed: imblearn run failed: ValueError: Unknown label type: 'continuous'"
    )
    code, stdout, _ = run_cli(["compare", path, "--label", label, "--json"], capsys)
    summary = json.loads(stdout)
    assert summary["torchsmote"]["seconds"] > 0 and "error" in summary["imblearn"]


def test_compare_reports_data_errors_like_resample(tmp_path, capsys):
    path, _ = write_table(make_table(), tmp_path, "parquet")
    code, _, err = run_cli(["compare", path, "--label", "nope"], capsys)
    assert code == 1
    assert err.startswith("torchsmote: error: label column 'nope' not found")


def test_plot_writes_a_two_panel_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path, label = write_table(make_table((500, 40, 30)), tmp_path, "parquet")
    out = tmp_path / "report.png"
    code, stdout, err = run_cli(
        ["plot", path, "--label", label, "-o", out, "--max-points", 200, "--json"], capsys
    )
    assert code == 0, err
    assert png_size(out) == (1200, 500)
    summary = json.loads(stdout)
    assert summary["points_real"] == 70  # every row of the two small classes
    assert summary["points_synthetic"] == 400  # 200 per over-sampled class
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_render_report_has_both_panels():
    pytest.importorskip("matplotlib")
    from torchsmote.cli.plot import render_report

    rng = np.random.default_rng(0)
    fig = render_report(
        {"0": 100, "1": 10}, {"0": 100, "1": 100}, rng.normal(size=(10, 4)), rng.normal(size=(90, 4))
    )
    assert len(fig.axes) == 2
    bars, scatter = fig.axes
    assert len(bars.patches) == 4  # before and after for two classes
    assert [len(c.get_offsets()) for c in scatter.collections] == [90, 10]  # synthetic, then real on top
    assert "PC1" in scatter.get_xlabel()


def test_pca_projection_keeps_the_main_axis():
    from torchsmote.cli.plot import pca_2d

    rng = np.random.default_rng(1)
    real = np.column_stack([rng.normal(scale=10, size=200), rng.normal(size=200), np.zeros(200)])
    real_2d, synthetic_2d, explained = pca_2d(real, real[:50])
    assert real_2d.shape == (200, 2) and synthetic_2d.shape == (50, 2)
    assert explained[0] > 0.9
    assert abs(np.corrcoef(real_2d[:, 0], real[:, 0])[0, 1]) > 0.999


def test_pca_of_one_feature():
    from torchsmote.cli.plot import pca_2d

    real_2d, _, explained = pca_2d(np.arange(5.0)[:, None], np.arange(3.0)[:, None])
    assert real_2d.shape == (5, 2)
    assert np.all(real_2d[:, 1] == 0) and explained[1] == 0


def test_plot_needs_png_and_respects_existing_files(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path, label = write_table(make_table(), tmp_path, "parquet")
    code, _, err = run_cli(["plot", path, "--label", label, "-o", tmp_path / "r.jpg"], capsys)
    assert code == 2 and "must be a .png" in err
    (tmp_path / "r.png").write_bytes(b"old")
    code, _, err = run_cli(["plot", path, "--label", label, "-o", tmp_path / "r.png"], capsys)
    assert code == 2 and "--force" in err
    assert (tmp_path / "r.png").read_bytes() == b"old"
