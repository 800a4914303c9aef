"""The `mathdnn` command: `train` writes its pictures and metrics; bad arguments exit 2 and write nothing;
`verify` passes. And the package pieces it runs: mathdnn_core.experiment and mathdnn_core.verify."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mathdnn_core import cli, experiment, testing, training, verify

EXPECTED_KEYS = {
    "test_accuracy",
    "train_accuracy",
    "epochs",
    "seconds",
    "n_params",
    "dataset",
    "seed",
    "hidden",
    "lr",
    "momentum",
    "batch_size",
    "dtype",
    "history",
}


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MATHDNN_CACHE", str(tmp_path_factory.mktemp("cache")))


def test_train_digits_one_epoch_writes_pictures_params_and_metrics(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(
        [
            "train",
            "--dataset",
            "digits",
            "--epochs",
            "1",
            "--hidden",
            "32",
            "--out",
            str(out),
            "--no-progress",
            "--seed",
            "3",
        ]
    )
    assert code == 0
    stdout = capsys.readouterr().out
    assert "epoch 1/1" in stdout and "final test accuracy" in stdout
    for name in experiment.FILES.values():
        assert (out / name).is_file() and (out / name).stat().st_size > 0
    assert (out / "learning_curves.png").read_bytes().startswith(b"\x89PNG")
    metrics = json.loads((out / "metrics.json").read_text())
    assert EXPECTED_KEYS <= set(metrics)
    assert metrics["dataset"] == "digits" and metrics["epochs"] == 1 and metrics["hidden"] == [32]
    assert metrics["seed"] == 3 and metrics["batch_size"] == 32 and metrics["dtype"] == "float32"
    assert metrics["n_params"] == 64 * 32 + 32 + 32 * 10 + 10
    assert 0.5 < metrics["test_accuracy"] <= 1 and len(metrics["history"]["loss"]) == 1
    assert metrics["history"]["test_accuracy"][-1] == pytest.approx(metrics["test_accuracy"])
    params = training.load_params(out / "params.npz")
    assert [W.shape for W, _ in params] == [(32, 64), (10, 32)] and params[0][0].dtype == np.float32


def test_train_json_path_and_float64(tmp_path, capsys):
    out, js = tmp_path / "o", tmp_path / "deep" / "m.json"
    assert (
        cli.main(
            [
                "train",
                "--dataset",
                "digits",
                "--epochs",
                "1",
                "--hidden",
                "16",
                "8",
                "--dtype",
                "float64",
                "--out",
                str(out),
                "--json",
                str(js),
                "--no-progress",
                "--threads",
                "1",
            ]
        )
        == 0
    )
    metrics = json.loads(js.read_text())
    assert metrics["dtype"] == "float64" and metrics["hidden"] == [16, 8] and metrics["blas_threads"] == 1
    assert not (out / "metrics.json").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--dataset", "cifar"],
        ["--epochs", "0"],
        ["--epochs", "-3"],
        ["--epochs", "two"],
        ["--batch-size", "0"],
        ["--batch-size", "100000"],  # larger than the 1,347 training digits
        ["--lr", "fast"],
        ["--lr", "0"],
        ["--lr", "-0.1"],
        ["--lr", "nan"],
        ["--lr", "inf"],
        ["--momentum", "1"],
        ["--momentum", "-0.5"],
        ["--hidden", "0"],
        ["--dtype", "float16"],
        ["--threads", "0"],
        ["--seed", "-1"],
        ["--hidden", "8", "-2"],
        ["--bogus"],
    ],
)
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, args):
    out = tmp_path / "out"
    base = [
        "train",
        "--dataset",
        "digits",
        "--epochs",
        "1",
        "--out",
        str(out),
        "--json",
        str(tmp_path / "m.json"),
        "--no-progress",
    ]
    assert cli.main(base + args) == 2
    captured = capsys.readouterr()
    err_lines = captured.err.strip().splitlines()
    assert len(err_lines) == 1 and "error" in err_lines[0]
    assert list(tmp_path.iterdir()) == []


def test_out_must_not_be_a_file(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("x")
    assert cli.main(["train", "--dataset", "digits", "--out", str(target), "--no-progress"]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


@pytest.mark.parametrize(
    "args, fragments",
    [
        # a step of 1e30 overflows: NaN loss
        (["--epochs", "2", "--lr", "1e30", "--momentum", "0"], ["diverged", "lr=1e+30", "keeps the first", "try it"]),
        # lr 5 kills a hidden layer while the loss stays finite
        (["--epochs", "15", "--lr", "5", "--threads", "1"], ["collapsed", "output 0 on all 1347 training rows"]),
    ],
    ids=["diverged", "collapsed"],
)
def test_failed_training_exits_1_with_one_line_and_writes_nothing(tmp_path, capsys, args, fragments):
    out = tmp_path / "out"
    code = cli.main(["train", "--dataset", "digits", *args, "--out", str(out), "--no-progress"])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and all(fragment in err[0] for fragment in fragments), err
    assert list(tmp_path.iterdir()) == []


def test_usage_errors_and_help():
    assert cli.main([]) == 2
    assert cli.main(["--help"]) == 0
    assert cli.main(["train", "--help"]) == 0


def test_verify_quick_passes(capsys):
    assert cli.main(["verify", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "✗" not in out and "Corollary of Definition 5.2" in out and "Definition 6.7" in out
    assert out.strip().splitlines()[-1].startswith("8 of 8 checks passed")


def test_verify_refuses_bad_arguments_before_running_anything(tmp_path, capsys):
    assert cli.main(["verify", "--notebook", "09_nothing"]) == 2
    assert "no notebook 09_nothing" in capsys.readouterr().err
    assert cli.main(["verify", "--json", str(tmp_path / "missing" / "report.json")]) == 2
    assert "cannot write in" in capsys.readouterr().err
    assert cli.main(["verify", "--jobs", "0"]) == 2
    assert cli.main(["verify", "--notebooks", str(tmp_path)]) == 2
    assert "no notebooks" in capsys.readouterr().err


def test_verify_self_check_returns_the_eight_verdicts():
    results = verify.self_check()
    assert [r.statement for r in results] == [statement for statement, _ in verify.checks()] and len(results) == 8
    assert all(r.passed and isinstance(r.verdict, testing.Verdict) and r.line == str(r.verdict) for r in results)
    assert {r.verdict.statement for r in results} == {r.statement for r in results}


def test_verify_reports_a_failing_or_crashing_check_as_a_cross():
    def failing():
        raise AssertionError("Definition 2.1 NOT verified — a deliberate failure:\n  max rel. error 1")

    def crashing():
        raise ZeroDivisionError("division by zero")

    failed = verify.run_check("Definition 2.1", failing)
    assert not failed.passed and failed.line == "✗ Definition 2.1 NOT verified — a deliberate failure: max rel. error 1"
    crashed = verify.run_check("Definition 2.2", crashing)
    assert not crashed.passed and "the check raised ZeroDivisionError: division by zero" in crashed.line


def test_experiment_resolve_fills_the_data_set_defaults_and_names_bad_settings():
    s = experiment.resolve("digits")
    d = training.DEFAULTS["digits"]
    assert (s.hidden, s.epochs, s.lr, s.batch_size, s.momentum) == (d.hidden, d.epochs, d.lr, d.batch_size, d.momentum)
    assert s.seed == training.DEFAULT_SEED and s.dtype == training.DEFAULT_DTYPE and s.blas_threads == "auto"
    assert experiment.resolve("mnist", hidden=[7], epochs=2, dtype=np.float64).hidden == (7,)
    testing.check_raises(
        lambda: experiment.resolve("digits", epochs=0, names={"epochs": "--epochs"}),
        ValueError,
        must_mention=("--epochs must be an integer >= 1",),
        statement="Definition 6.7",
    )
    testing.check_raises(
        lambda: experiment.resolve("digits", momentum=1.0),
        ValueError,
        must_mention=("momentum must be a finite real number in [0, 1[",),
        statement="Definition 6.7",
    )
    with pytest.raises(ValueError, match="dataset must be one of"):
        experiment.resolve("cifar")


def test_experiment_pieces_run_what_the_command_runs(tmp_path):
    settings = experiment.resolve("digits", hidden=[16], epochs=1, seed=5, blas_threads=1)
    lines = []
    outcome = experiment.train(settings, experiment.load_data(settings), report=lines.append, progress=False)
    assert len(lines) == 3 and lines[0].startswith("mathdnn train: digits") and lines[1].startswith("epoch 1/1")
    assert lines[2].startswith(f"final test accuracy {100 * outcome.test.accuracy:.2f}%")
    assert outcome.sizes == [64, 16, 10] and outcome.n_params == 64 * 16 + 16 + 16 * 10 + 10
    written = experiment.write_outputs(outcome, tmp_path / "run")
    assert set(written) == {*experiment.FILES, "metrics"}
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics == json.loads(
        json.dumps(experiment.metrics(outcome, {k: v for k, v in written.items() if k != "metrics"}))
    )


# ----------------------------------------------------------------------------------------------------------------
# The first hour: outputs proved writable before training, nothing half-written, logs without progress bars
# ----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "where, fragment",
    [
        (["--out", "/proc/mathdnn-nope"], "cannot write /proc/mathdnn-nope"),
        (["--json", "/proc/mathdnn-nope.json"], "cannot write /proc/mathdnn-nope.json"),
        (["--out", "{file}/sub"], "is a file, not a directory"),
        (["--json", "{file}/sub/m.json"], "is a file, not a directory"),
    ],
)
def test_unwritable_outputs_exit_2_before_training(tmp_path, capsys, where, fragment):
    taken = tmp_path / "taken"
    taken.write_text("x")
    args = [a.replace("{file}", str(taken)) for a in where]
    code = cli.main(["train", "--dataset", "digits", "--epochs", "1", "--out", str(tmp_path / "o"), *args])
    assert code == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err
    assert "epoch" not in captured.out  # refused before any training
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_a_failure_while_writing_leaves_nothing_half_written(tmp_path, capsys, monkeypatch):
    from mathdnn_core import plots

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plots, "first_layer_weights", broken)  # the last picture: the others were already drawn
    out, js = tmp_path / "o", tmp_path / "j" / "m.json"
    code = cli.main(["train", "--dataset", "digits", "--epochs", "1", "--out", str(out), "--json", str(js)])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "could not write the results" in err[0] and "nothing was written" in err[0]
    assert not out.exists() and not js.exists()
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == [], leftovers


def test_progress_bars_only_on_a_terminal_or_when_asked(tmp_path, capsys):
    base = ["train", "--dataset", "digits", "--epochs", "2", "--hidden", "8", "--out", str(tmp_path / "o")]
    assert cli.main(base) == 0  # pytest's captured streams are not terminals
    captured = capsys.readouterr()
    assert "\r" not in captured.err and "batch/s" not in captured.err
    lines = captured.out.strip().splitlines()
    assert "2 epochs" in lines[0] and [line.split()[1] for line in lines[1:3]] == ["1/2", "2/2"]
    assert cli.main([*base, "--progress"]) == 0
    assert "batch" in capsys.readouterr().err  # the tqdm bar, asked for
    assert cli.main([*base[:4], "1", *base[5:]]) == 0
    assert ", 1 epoch," in capsys.readouterr().out  # not "1 epochs"


def test_offline_mnist_is_one_short_line_naming_the_bundled_data(tmp_path, capsys, monkeypatch):
    from mathdnn_core import datasets

    def offline(*args, **kwargs):
        raise datasets.DatasetUnavailableError(
            "could not download train-images-idx3-ubyte.gz for dataset 'mnist' from any mirror (offline?). "
            "Mirrors tried:\n  https://a.example/x: ConnectionError: ...\n  https://b.example/x: ...\n"
            "The bundled data sets work offline: load_dataset('mnist-5k') ..."
        )

    monkeypatch.setattr(datasets, "load_dataset", offline)
    code = cli.main(["train", "--dataset", "mnist", "--out", str(tmp_path / "o")])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--dataset mnist-5k" in err[0] and "offline" in err[0]
    assert "example" not in err[0] and len(err[0]) < 250, err
    assert list(tmp_path.iterdir()) == []


def test_digits_picture_counts_all_misclassified_test_images():
    from mathdnn_core import plots

    settings = experiment.resolve("digits", hidden=[16], epochs=1, seed=2)
    outcome = experiment.train(settings, experiment.load_data(settings), progress=False)
    data, test = outcome.data, outcome.test
    fig = plots.digit_grid(data.X_test, test.labels, test.predictions, data.image_shape, n=36, misclassified_first=True)
    assert f"{test.n_errors} of 450 images misclassified in all" in fig.axes[0].get_title()


def test_the_default_run_records_how_many_steps_each_thread_count_ran(tmp_path):
    settings = experiment.resolve("digits", hidden=[16], epochs=2)
    outcome = experiment.train(settings, experiment.load_data(settings), progress=False)
    written = experiment.write_outputs(outcome, tmp_path / "run")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["blas_threads"] == "auto" and written["metrics"] == str(tmp_path / "run" / "metrics.json")
    per_epoch = metrics["history"]["blas_threads"]
    assert len(per_epoch) == 2 and all(sum(c.values()) == outcome.history.steps_per_epoch for c in per_epoch)
