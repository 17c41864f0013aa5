"""The catalogue of mistakes and faults met through the command line and run folders.

Each case below is one thing a user gets wrong, or one thing that goes wrong around a run
(config keys and values, experiment files, plugins loaded with -p, run folders that stop being
writable, --resume of a folder that is not what the runner wrote, damaged checkpoints, sweeps
asked for wrongly). For each, the test asserts that the command exits with code 2 and no
traceback, that its message names the culprit and says what would be valid, and that nothing
already written is lost: a refused command leaves every earlier run folder byte for byte as it
was and makes none of its own; a run that fails midway keeps a loadable checkpoint of its last
good epoch. The commands run in this process (``nanograd.run.main``): the command line itself is
what is tested, and a subprocess would only add its start-up time.

``python tests/test_catalogue_cli.py`` lists the cases by category with counts.
"""

from __future__ import annotations

import collections
import errno
import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from run_faults import CTRL_C_AT, failing_writes, snapshot
from test_run_support import EXPERIMENT, run, summary, unload_plugins, write_module

import nanograd as ng
from nanograd.run.sessions import start_time

# -- the cases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One mistake: how to make it, and what its message must say."""

    category: str
    name: str
    make: Callable[[Env], Outcome]
    culprit: tuple[str, ...]  # what the message names: the key, file, parameter, plugin, ...
    valid: tuple[str, ...]  # what would be valid, or what to do instead


CASES: list[Case] = []


def case(category: str, culprit: tuple[str, ...], valid: tuple[str, ...]) -> Callable[..., Any]:
    def register(make: Callable[[Env], Outcome]) -> Callable[[Env], Outcome]:
        CASES.append(Case(category, make.__name__, make, culprit, valid))
        return make

    return register


@dataclass
class Outcome:
    """What the command did: its exit code, its standard error, and a check that nothing
    already written was lost."""

    code: int
    err: str
    kept: Callable[[], None] = field(default=lambda: None)


class Env:
    """A fresh place for one case: an experiment file, an --out folder that already holds an
    earlier run (which no mistake may touch), and a copy of an interrupted run to resume."""

    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], template: Path):
        self.tmp, self.capsys = tmp_path, capsys
        self.out = tmp_path / "runs"
        self.earlier = self.out / "line" / template.name
        shutil.copytree(template, self.earlier)
        self.before = snapshot(self.out)
        self.experiment = self.write("line", EXPERIMENT)

    def write(self, name: str, source: str) -> Path:
        path = self.tmp / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        return path

    def plugin(self, name: str, source: str) -> str:
        return write_module(self.tmp, name, source)

    def command(self, *args: Any) -> Outcome:
        """Run the command line; nothing under --out may change."""
        self.capsys.readouterr()
        try:
            code = run(*args)
        finally:
            unload_plugins()
        return Outcome(code, self.capsys.readouterr().err, self.out_unchanged)

    def new_run(self, *args: Any, experiment: Path | None = None) -> Outcome:
        """``python -m nanograd.run EXPERIMENT *args --out runs``."""
        file = experiment or self.experiment
        return self.command(file, *args, "--out", self.out, "--quiet", "--no-plots")

    def out_unchanged(self) -> None:
        assert snapshot(self.out) == self.before

    def resume(self, damage: Callable[[Path], object] = lambda folder: None, *args: Any) -> Outcome:
        """``--resume`` of a copy of the interrupted run, damaged first by ``damage``."""
        folder = self.tmp / "interrupted"
        shutil.copytree(self.earlier, folder)
        damage(folder)
        before = snapshot(folder)
        outcome = self.command("--resume", folder, "--quiet", "--no-plots", *args)

        def kept() -> None:
            assert snapshot(folder) == before
            self.out_unchanged()

        outcome.kept = kept
        return outcome

    def failing_run(self, *args: Any) -> Outcome:
        """A new run that fails midway (in a folder of its own): whatever it wrote is whole, and
        its checkpoint holds the epoch its message or its summary.json names."""
        new = self.tmp / "new"
        outcome = self.command(self.experiment, *args, "--out", new, "--quiet", "--no-plots")

        def kept() -> None:
            self.out_unchanged()
            folder = next(iter(sorted(new.glob("line/*"))), None)
            if folder is None:
                assert "nothing was kept" in outcome.err or "nothing more could" in outcome.err
                return
            record = summary(folder)
            if (folder / "checkpoint.npz").exists():
                epoch = ng.load(folder / "checkpoint.npz")["epoch"]
                if "checkpoint.npz holds epoch" in outcome.err:
                    assert f"checkpoint.npz holds epoch {epoch}" in outcome.err
                else:
                    assert record["epochs"]["completed"] == epoch
            assert json.loads((folder / "config.json").read_text())["seed"] is not None

        outcome.kept = kept
        return outcome


def edit_json(name: str, change: Callable[[Any], Any]) -> Callable[[Path], None]:
    """A damage: ``name`` in the run folder rewritten as ``change(its contents)``."""

    def damage(folder: Path) -> None:
        path = folder / name
        path.write_text(json.dumps(change(json.loads(path.read_text()))))

    return damage


def without(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda record: {k: v for k, v in record.items() if k != key}


# -- config keys and values ---------------------------------------------------------------------


@case("config", ("'epocs'",), ("did you mean 'epochs'", "--print-config lists every key"))
def unknown_key(env: Env) -> Outcome:
    return env.new_run("epocs=3")


@case("config", ("'batch_size'", "str 'big'"), ("expects int or None", "for example 10"))
def value_of_the_wrong_type(env: Env) -> Outcome:
    return env.new_run("batch_size=big")


@case("config", ("override 'lr'",), ("not of the form key=value", "e.g. lr=0.01"))
def override_without_a_value(env: Env) -> Outcome:
    return env.new_run("lr")


@case("config", ("'lr' is given twice", "lr=0.1", "lr=0.2"), ("give each key once", "lr=a,b"))
def key_given_twice(env: Env) -> Outcome:
    return env.new_run("lr=0.1", "lr=0.2")


@case("config", ("'lr.x' sets an entry of 'lr'",), ("not a dict",))
def entry_of_a_key_that_is_no_dict(env: Env) -> Outcome:
    return env.new_run("lr.x=1")


@case("config", ("epochs", "-1"), ("must be positive",))
def negative_epochs(env: Env) -> Outcome:
    return env.new_run("epochs=-1")


@case("config", ("val_fraction", "1.5"), ("must be in [0, 1)",))
def validation_share_out_of_range(env: Env) -> Outcome:
    return env.new_run("val_fraction=1.5")


@case("config", ("mode", "'up'"), ("'auto', 'min' or 'max'",))
def unknown_mode(env: Env) -> Outcome:
    return env.new_run("mode=up")


@case("config", ("optimizer named 'adan'",), ("did you mean 'adam'", "registered: adagrad"))
def unknown_optimizer(env: Env) -> Outcome:
    return env.new_run("optimizer=adan")


@case("config", ("loss named 'hingee'",), ("did you mean 'hinge'", "python -m nanograd.plugins"))
def unknown_loss(env: Env) -> Outcome:
    return env.new_run("loss=hingee")


@case("config", ("schedule 'cosin'",), ("did you mean 'cosine'", "or None for no schedule"))
def unknown_schedule(env: Env) -> Outcome:
    return env.new_run("schedule=cosin")


@case("config", ("optimizer 'adam'", "'nesterovx'"), ("it accepts betas, eps, weight_decay",))
def optimizer_option_it_does_not_take(env: Env) -> Outcome:
    return env.new_run("optimizer_options.nesterovx=1")


@case("config", ("monitor='val_acc'",), ("available: train_loss, train_mae, val_loss, val_mae",))
def monitored_metric_that_does_not_exist(env: Env) -> Outcome:
    return env.new_run("monitor=val_acc")


@case("config", ("config key 'epochs'", "str 'ten'"), ("expects int", "for example 10"))
def experiment_default_of_the_wrong_type(env: Env) -> Outcome:
    source = EXPERIMENT.replace('"epochs": 6,', '"epochs": "ten",')
    return env.new_run(experiment=env.write("tenepochs", source))


# -- the command line ---------------------------------------------------------------------------


@case("command line", ("an experiment file",), ("experiments/linreg.py", "or --resume RUN_DIR"))
def no_experiment_file(env: Env) -> Outcome:
    return env.command("--out", env.out)


@case("command line", ("--seed", "-1"), ("zero or positive",))
def negative_seed(env: Env) -> Outcome:
    return env.new_run("--seed", "-1")


@case("command line", ("--max-epochs", "got 0"), ("at least 1",))
def no_epochs_at_all(env: Env) -> Outcome:
    return env.new_run("--max-epochs", "0")


@case("command line", ("--out", "Not a directory"), ("Choose a folder you can write to",))
def out_folder_that_is_a_file(env: Env) -> Outcome:
    blocker = env.tmp / "a-file"
    blocker.write_text("")
    return env.command(env.experiment, "--out", blocker, "--quiet")


# -- experiment files ---------------------------------------------------------------------------


@case("experiment file", ("nope.py", "no such experiment file"), ("experiments/linreg.py",))
def missing_experiment_file(env: Env) -> Outcome:
    return env.new_run(experiment=env.tmp / "nope.py")


@case("experiment file", ("notes.txt",), ("a Python file ending in .py",))
def experiment_that_is_not_python(env: Env) -> Outcome:
    (env.tmp / "notes.txt").write_text("config = {}")
    return env.new_run(experiment=env.tmp / "notes.txt")


@case("experiment file", ("broken.py, line 3", "syntax error"), ("def data(config, rng)",))
def syntax_error(env: Env) -> Outcome:
    return env.new_run(experiment=env.write("broken", "config = {}\n\ndef data(config, rng)\n"))


@case("experiment file", ("no model() function",), ("model(config, rng)", "docs/experiments.md"))
def missing_model_function(env: Env) -> Outcome:
    return env.new_run(experiment=env.write("nomodel", "config = {}\ndef data(config, rng): 0\n"))


@case("experiment file", ("model(config)",), ("cannot be called as model(config, rng)",))
def function_with_the_wrong_parameters(env: Env) -> Outcome:
    source = EXPERIMENT.replace("def model(config, rng):", "def model(config):")
    return env.new_run(experiment=env.write("wrongsig", source))


@case("experiment file", ("`config`", "got list"), ("must be a dict of default settings",))
def config_that_is_not_a_dict(env: Env) -> Outcome:
    return env.new_run(experiment=env.write("configlist", EXPERIMENT + "\nconfig = [config]\n"))


@case("experiment file", ("config key 'bad key'",), ("must be an identifier string",))
def config_key_that_is_no_name(env: Env) -> Outcome:
    source = EXPERIMENT.replace('"n": 64,', '"n": 64, "bad key": 1,')
    return env.new_run(experiment=env.write("badkey", source))


@case("experiment file", ("No module named 'no_such_helper'",),
      ("install 'no_such_helper'", "put no_such_helper.py beside the experiment file"))  # fmt: skip
def import_of_a_missing_module(env: Env) -> Outcome:
    source = EXPERIMENT.replace(
        "import numpy as np\n", "import numpy as np\nimport no_such_helper\n"
    )
    return env.new_run(experiment=env.write("missinghelper", source))


@case("experiment file", ("called exit(3)",), ("only defines config and functions",))
def experiment_that_exits_when_imported(env: Env) -> Outcome:
    return env.new_run(experiment=env.write("exits", EXPERIMENT + "\nexit(3)\n"))


@case("experiment file", ("nulls.py, line 1", "null bytes"), ("is a text file",))
def experiment_with_null_bytes(env: Env) -> Outcome:
    path = env.tmp / "nulls.py"
    path.write_bytes(b"config = {}\x00\n")
    return env.new_run(experiment=path)


@case("experiment file", ("X of shape (64, 1) and y of shape (63, 1)",),
      ("the same number of examples",))  # fmt: skip
def data_of_mismatched_lengths(env: Env) -> Outcome:
    source = EXPERIMENT.replace(
        "return x, 2 * x + 3 + 0.1 * rng.standard_normal(x.shape)", "return x, x[:-1]"
    )
    return env.new_run(experiment=env.write("shapes", source))


@case("experiment file", ("the model failed on a batch of inputs of shape (2, 1)",),
      ("the input's last axis must have length 3",))  # fmt: skip
def model_that_does_not_fit_the_data(env: Env) -> Outcome:
    source = EXPERIMENT.replace("ng.nn.Linear(1, 1, generator=rng)", "ng.nn.Linear(3, 1)")
    return env.new_run(experiment=env.write("misfit", source))


@case("experiment file", ("data() raised ZeroDivisionError", "(at line"), ("in data)",))
def data_that_raises(env: Env) -> Outcome:
    source = EXPERIMENT.replace("    x = rng.uniform", "    1 / 0\n    x = rng.uniform")
    return env.new_run(experiment=env.write("raises", source))


@case("experiment file", ("metrics() returned mae='small'",), ("which is not a number",))
def metric_that_is_not_a_number(env: Env) -> Outcome:
    source = EXPERIMENT.replace(
        'return {"mae": float(np.mean(np.abs(output - target)))}', 'return {"mae": "small"}'
    )
    return env.new_run(experiment=env.write("textmetric", source))


@case("experiment file", ("line.py: RuntimeError: the model broke on purpose", "(at line"),
      ("in forward)",))  # fmt: skip
def model_that_raises_midway(env: Env) -> Outcome:
    return env.failing_run("fail_at_call=10")


# -- plugins loaded with -p ---------------------------------------------------------------------


@case("plugin", ("plugin module 'no_such_plugin_module'",), ("could not be imported",))
def plugin_module_that_does_not_exist(env: Env) -> Outcome:
    return env.new_run("-p", "no_such_plugin_module")


@case("plugin", ("plugin module 'raises_on_import'", "RuntimeError: broken at import"), ())
def plugin_that_raises_when_imported(env: Env) -> Outcome:
    name = env.plugin("raises_on_import", "raise RuntimeError('broken at import')\n")
    return env.new_run("-p", name)


@case("plugin", ("plugin 'no_losses'", "nanograd_register_losses", "no losses today"), ())
def plugin_hook_that_raises(env: Env) -> Outcome:
    source = """
    import nanograd as ng


    @ng.hookimpl
    def nanograd_register_losses(register):
        raise ValueError("no losses today")
    """
    return env.new_run("-p", env.plugin("no_losses", source))


@case("plugin", ("'nanograd_epoch_ends'", "plugin 'misspelt'"), ("nanograd/run/hookspecs.py",))
def plugin_hook_with_a_misspelt_name(env: Env) -> Outcome:
    source = """
    import nanograd as ng


    @ng.hookimpl
    def nanograd_epoch_ends(run, epoch, metrics):
        pass
    """
    return env.new_run("-p", env.plugin("misspelt", source))


@case("plugin", ("op 'exp'", "plugin 'second_exp'"), ("nanograd_std",))
def plugin_registering_an_op_name_already_taken(env: Env) -> Outcome:
    source = """
    import numpy as np

    import nanograd as ng
    from nanograd.domain import elementwise


    @ng.hookimpl
    def nanograd_register_ops(register):
        register("exp", np.exp, vjp=lambda g, out, x: g * out, domain=elementwise())
    """
    return env.new_run("-p", env.plugin("second_exp", source))


@case("plugin", ("nanograd_epoch_end hook put note='fine'",), ("metrics are numbers",))
def plugin_metric_that_is_not_a_number(env: Env) -> Outcome:
    source = """
    import nanograd as ng


    @ng.hookimpl
    def nanograd_epoch_end(run, epoch, metrics):
        metrics["note"] = "fine"
    """
    return env.failing_run("-p", env.plugin("text_metric", source))


# -- run folders that stop being writable -------------------------------------------------------


@case("run folder", ("cannot write metrics.csv", "No space left on device", "(the disk is full)"),
      ("Free some space, then continue with: python -m nanograd.run --resume",))  # fmt: skip
def disk_full_midway(env: Env) -> Outcome:
    with failing_writes(env.tmp / "new", errno.ENOSPC, at=3):
        return env.failing_run()


@case("run folder", ("cannot write metrics.csv", "(the folder is read-only)"),
      ("Make the folder writable, then continue with",))  # fmt: skip
def folder_made_read_only_midway(env: Env) -> Outcome:
    with failing_writes(env.tmp / "new", errno.EROFS, at=3):
        return env.failing_run()


@case("run folder", ("(the folder was deleted or moved while the run was going)",),
      ("nothing more could be saved there",))  # fmt: skip
def folder_deleted_midway(env: Env) -> Outcome:
    source = """
    import shutil

    import nanograd as ng


    @ng.hookimpl
    def nanograd_epoch_end(run, epoch, metrics):
        if epoch == 2:
            shutil.rmtree(run.folder.path)
    """
    return env.failing_run("-p", env.plugin("deletes_its_folder", source))


@case("run folder", ("cannot write a run folder under --out", "No space left on device"),
      ("nothing was kept", "Choose a folder you can write to"))  # fmt: skip
def disk_full_before_the_folder_is_whole(env: Env) -> Outcome:
    with failing_writes(env.tmp / "new", errno.ENOSPC):
        return env.failing_run()


# -- --resume of a folder that is not what the runner wrote -------------------------------------


@case("resume", ("summary.json", "JSON array"), ("status: one of running, completed",))
def summary_that_is_a_list(env: Env) -> Outcome:
    return env.resume(edit_json("summary.json", lambda s: [s]))


@case("resume", ("summary.json has status='done'",), ("one of running, completed, failed",))
def summary_with_an_unknown_status(env: Env) -> Outcome:
    return env.resume(edit_json("summary.json", lambda s: {**s, "status": "done"}))


@case("resume", ("summary.json has no 'sessions' key",), ("a list of the run's sessions",))
def summary_without_sessions(env: Env) -> Outcome:
    return env.resume(edit_json("summary.json", without("sessions")))


@case("resume", ("config.json", "JSON string"), ("seed: the run's seed",))
def config_that_is_a_string(env: Env) -> Outcome:
    return env.resume(edit_json("config.json", lambda c: "line.py"))


@case("resume", ("config.json has no 'seed' key",), ("the run's seed, an integer >= 0",))
def config_without_a_seed(env: Env) -> Outcome:
    return env.resume(edit_json("config.json", without("seed")))


@case("resume", ("config.json has seed=True",), ("an integer >= 0",))
def config_with_a_seed_that_is_no_number(env: Env) -> Outcome:
    return env.resume(edit_json("config.json", lambda c: {**c, "seed": True}))


@case("resume", ("config.json has no value for config key 'lr'", "(default 0.05)"),
      ("Put the value the run started with back",))  # fmt: skip
def config_missing_a_key_of_the_experiment(env: Env) -> Outcome:
    def change(record: dict[str, Any]) -> dict[str, Any]:
        del record["config"]["lr"]
        return record

    return env.resume(edit_json("config.json", change))


@case("resume", ("config.json is not valid JSON",), ("edited by hand",))
def config_cut_short(env: Env) -> Outcome:
    def damage(folder: Path) -> None:
        path = folder / "config.json"
        path.write_bytes(path.read_bytes()[:40])

    return env.resume(damage)


@case("resume", ("it has no config.json",), ("a run folder holds config.json, summary.json",))
def folder_that_is_not_a_run(env: Env) -> Outcome:
    empty = env.tmp / "empty"
    empty.mkdir()
    return env.command("--resume", empty)


@case("resume", ("--resume", "no such folder"), ("give a run folder",))
def folder_that_does_not_exist(env: Env) -> Outcome:
    return env.command("--resume", env.tmp / "gone")


@case("resume", ("this run already completed",), ("nothing to resume",))
def run_that_already_completed(env: Env) -> Outcome:
    return env.resume(edit_json("summary.json", lambda s: {**s, "status": "completed"}))


@case("resume", ("--resume",), ("give no experiment file, overrides, --seed or --max-epochs",))
def resume_with_overrides(env: Env) -> Outcome:
    return env.resume(lambda folder: None, "lr=0.1")


@case("resume", ("cannot write a new file in", "Read-only file system"),
      ("make the folder writable", "copy it somewhere writable"))  # fmt: skip
def resume_into_a_read_only_folder(env: Env) -> Outcome:
    with failing_writes(env.tmp / "interrupted", errno.EROFS):
        return env.resume()


@case("resume", ("still training in process",), ("stop it (Ctrl-C)", "resume with --force"))
def resume_while_its_process_seems_alive(env: Env) -> Outcome:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:

        def claim(record: dict[str, Any]) -> dict[str, Any]:
            last = record["sessions"][-1]
            last.update(pid=child.pid, process=start_time(child.pid))
            return {**record, "status": "running"}

        return env.resume(edit_json("summary.json", claim))
    finally:
        child.kill()
        child.wait()


# -- damaged checkpoints ------------------------------------------------------------------------


@case("checkpoint", ("checkpoint.npz", "damaged or truncated"), ("start the run again",))
def checkpoint_cut_short(env: Env) -> Outcome:
    def damage(folder: Path) -> None:
        path = folder / "checkpoint.npz"
        path.write_bytes(path.read_bytes()[:300])

    return env.resume(damage)


@case("checkpoint", ("checkpoint.npz", "is not a run checkpoint"), ("model.npz and best.npz",))
def checkpoint_that_holds_only_weights(env: Env) -> Outcome:
    return env.resume(lambda folder: shutil.copy(folder / "model.npz", folder / "checkpoint.npz"))


@case("checkpoint", ("no usable checkpoint", "checkpoint.npz does not exist"),
      ("start it again instead",))  # fmt: skip
def checkpoint_missing(env: Env) -> Outcome:
    return env.resume(lambda folder: (folder / "checkpoint.npz").unlink())


@case("checkpoint", ("the model's parameters 'net.0.weight', 'net.0.bias'", "are not in",
                     "checkpoint.npz has parameters 'net.weight', 'net.bias' the model lacks"),
      ("changed since the run started, or the checkpoint comes from another run",))  # fmt: skip
def checkpoint_of_a_changed_model(env: Env) -> Outcome:
    def change(record: dict[str, Any]) -> dict[str, Any]:
        record["config"]["width"] = 8  # the experiment now builds an MLP, not a line
        return record

    return env.resume(edit_json("config.json", change))


@case("checkpoint", ("parameter 'net.weight' has shape (1, 2) in checkpoint.npz but (1, 1)",),
      ("from another run",))  # fmt: skip
def checkpoint_of_another_shape(env: Env) -> Outcome:
    def damage(folder: Path) -> None:
        state = ng.load(folder / "checkpoint.npz")
        state["model"]["net.weight"] = np.zeros((1, 2))
        ng.save(state, folder / "checkpoint.npz")

    return env.resume(damage)


@case("checkpoint", ("the model's parameters 'net.weight', 'net.bias' are not in",
                     "has parameters 'line.weight', 'line.bias'"),
      ("from another run",))  # fmt: skip
def checkpoint_of_another_experiment(env: Env) -> Outcome:
    def damage(folder: Path) -> None:
        state = ng.load(folder / "checkpoint.npz")
        state["model"] = {k.replace("net.", "line."): v for k, v in state["model"].items()}
        ng.save(state, folder / "checkpoint.npz")

    return env.resume(damage)


@case("checkpoint", ("best.npz cannot be read", "not a nanograd checkpoint"),
      ("Remove it to resume without the best weights",))  # fmt: skip
def best_weights_damaged(env: Env) -> Outcome:
    return env.resume(lambda folder: (folder / "best.npz").write_bytes(b"oops"))


# -- sweeps asked for wrongly -------------------------------------------------------------------


@case("sweep", ("--trials N",), ("uniform(low,high)", "and none is given"))
def trials_without_anything_to_draw(env: Env) -> Outcome:
    return env.new_run("lr=0.1", "--trials", "3")


@case("sweep", ("lr=loguniform(0.001, 1)",), ("say how many trials with --trials N",))
def values_to_draw_without_a_number_of_trials(env: Env) -> Outcome:
    return env.new_run("lr=loguniform(0.001,1)")


@case("sweep", ("--workers", "got 0"), ("at least 1",))
def no_workers(env: Env) -> Outcome:
    return env.new_run("lr=0.1,0.2", "--workers", "0")


@case("sweep", ("--workers", "--cluster"), ("give one or the other",))
def workers_and_a_cluster(env: Env) -> Outcome:
    return env.new_run("lr=0.1,0.2", "--workers", "2", "--cluster", "tcp://127.0.0.1:1")


@case("sweep", ("sweep.json is not what a sweep writes", "'runs' should be a list"),
      ("edited since",))  # fmt: skip
def sweep_record_of_the_wrong_shape(env: Env) -> Outcome:
    sweep = env.tmp / "sweep"
    sweep.mkdir()
    (sweep / "sweep.json").write_text(json.dumps({"experiment": "line", "file": "line.py",
                                                  "sessions": [], "runs": 3}))  # fmt: skip
    return env.command("--resume", sweep)


# -- the checks every case gets -----------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the small experiment interrupted after epoch 2 of 6 (a real Ctrl-C)."""
    tmp = tmp_path_factory.mktemp("template")
    (tmp / "line.py").write_text(textwrap.dedent(EXPERIMENT))
    name = write_module(tmp, "ctrl_c_at_2", CTRL_C_AT.format(at=2))
    try:
        code = run(tmp / "line.py", "--seed", 3, "-p", name, "--out", tmp / "runs", "--quiet",
                   "--no-plots")  # fmt: skip
    finally:
        unload_plugins()
    assert code == 130
    (folder,) = (tmp / "runs" / "line").iterdir()
    assert summary(folder)["status"] == "interrupted"
    return folder


@pytest.mark.parametrize("mistake", CASES, ids=[f"{c.category}: {c.name}" for c in CASES])
def test_each_mistake_is_one_paragraph_naming_it_with_exit_code_2(
    mistake: Case, template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = Env(tmp_path, capsys, template)
    outcome = mistake.make(env)
    assert outcome.code == 2, outcome.err
    assert "Traceback" not in outcome.err
    message = [line for line in outcome.err.splitlines() if line.startswith(("error:", "failed"))]
    assert len(message) == 1, outcome.err  # one paragraph, then nothing but warnings
    for part in mistake.culprit + mistake.valid:
        assert part in message[0], f"{part!r} missing from: {message[0]}"
    outcome.kept()


def test_the_catalogue_holds_at_least_32_distinct_mistakes_in_every_category() -> None:
    counts = collections.Counter(c.category for c in CASES)
    assert sum(counts.values()) >= 32
    assert len({c.name for c in CASES}) == len(CASES)
    expected = {"config", "command line", "experiment file", "plugin", "run folder", "resume",
                "checkpoint", "sweep"}  # fmt: skip
    assert set(counts) == expected


if __name__ == "__main__":
    counts = collections.Counter(c.category for c in CASES)
    for category, count in counts.items():
        print(f"{category:<16} {count}")
    print(f"{'total':<16} {sum(counts.values())}")
