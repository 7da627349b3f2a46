"""A small deterministic training loop on carbond_job (standard library only), for tests.

Linear regression y = 3x - 2 + noise by minibatch SGD, in epochs of --epoch-steps steps,
each followed by an evaluation over a validation set (interruptible, one --eval-item-s per
item); the learning rate is quartered when the validation loss does not improve (the loop
state of pytorch/examples word_language_model). State saved: weights, loop state (epoch,
step, phase, lr, best loss), the loss history, and the state of the one seeded RNG.
Writes trace lines to ./trace.log (cwd) so tests can see where it is.
"""
import os
import sys
import time

sys.path.insert(0, os.environ["CARBOND_PY_HELPER"])
import carbond_job  # noqa: E402

job = carbond_job.Job()
job.install_signal_handler()


def trace(line):
    with open("trace.log", "a") as f:
        f.write(line + "\n")


trace("importing")
time.sleep(float(os.environ.get("SLOW_IMPORT_S", "0")))  # stands for `import torch`
import json  # noqa: E402
import random  # noqa: E402

if job.pause_requested:  # paused while importing: nothing done, nothing to save
    trace("paused while importing")
    job.exit_paused()

EPOCHS, EPOCH_STEPS, BATCH = 4, int(os.environ.get("EPOCH_STEPS", "25")), 8
STEP_S, EVAL_ITEM_S = float(os.environ.get("STEP_S", "0.01")), float(os.environ.get("EVAL_ITEM_S", "0.02"))
TOTAL = EPOCHS * EPOCH_STEPS

data_rng = random.Random(7)  # the data set is a function of its seed: not state
train = [(x, 3 * x - 2 + data_rng.gauss(0, 0.1)) for x in (data_rng.uniform(-1, 1) for _ in range(64))]
valid = [(x, 3 * x - 2 + data_rng.gauss(0, 0.1)) for x in (data_rng.uniform(-1, 1) for _ in range(40))]


def save(state, rng):
    def write(d):
        with open(os.path.join(d, "state.json"), "w") as f:
            json.dump(dict(state, rng=rng.getstate()), f)
    return write


rng = random.Random(1234)  # draws the minibatches: saved and restored
state = {"step": 0, "epoch": 0, "phase": "train", "w": 0.0, "b": 0.0, "lr": 0.5, "best": None, "losses": [], "val": []}
if job.resume_dir:
    with open(os.path.join(job.resume_dir, "state.json")) as f:
        saved = json.load(f)
    v, internal, gauss = saved.pop("rng")
    rng.setstate((v, tuple(internal), gauss))
    state = saved
    trace("resumed step %d phase %s" % (state["step"], state["phase"]))
job.progress(state["step"], TOTAL)

while state["epoch"] < EPOCHS:
    if state["phase"] == "train":
        while state["step"] < (state["epoch"] + 1) * EPOCH_STEPS:
            batch = [train[rng.randrange(len(train))] for _ in range(BATCH)]
            gw = gb = loss = 0.0
            for x, y in batch:
                err = state["w"] * x + state["b"] - y
                gw, gb, loss = gw + 2 * err * x / BATCH, gb + 2 * err / BATCH, loss + err * err / BATCH
            state["w"] -= state["lr"] * gw
            state["b"] -= state["lr"] * gb
            state["losses"].append(loss)
            state["step"] += 1
            time.sleep(STEP_S)
            job.progress(state["step"], TOTAL, loss=loss)
            if job.pause_requested:
                trace("paused in training at step %d" % state["step"])
                job.exit_paused(state["step"], save(state, rng))
        state["phase"] = "eval"
    trace("eval start epoch %d" % state["epoch"])
    total = 0.0
    for x, y in job.interruptible(valid):
        total += (state["w"] * x + state["b"] - y) ** 2
        time.sleep(EVAL_ITEM_S)
    if job.pause_requested:  # cut short: its partial result is dropped, it runs again on resume
        trace("paused in evaluation at step %d" % state["step"])
        job.exit_paused(state["step"], save(state, rng))
    val = total / len(valid)
    state["val"].append(val)
    if state["best"] is None or val < state["best"]:
        state["best"] = val
    else:
        state["lr"] /= 4.0
    state["epoch"] += 1
    state["phase"] = "train"
job.checkpoint(state["step"], save(state, rng))
trace("finished")
