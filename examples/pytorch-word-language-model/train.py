#!/usr/bin/env python3
"""Word-level LSTM language model (the training loop of pytorch/examples word_language_model),
adapted to the carbond job protocol with python/carbond_job.py. Run on CPU, paused twice and
resumed bit-identically, by tests/integration/python/pytorch-example.test.ts.

    carbond submit --gpus 1 -- python3 train.py --data ./data/wikitext-2

Saves everything a bit-identical resume needs: weights, optimizer, the RNN hidden state
carried between batches, the loop state (epoch, batch index, phase, learning rate, best
validation loss) and the RNG states of Python, NumPy (when installed) and torch (CPU, CUDA).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import carbond_job  # noqa: E402

job = carbond_job.Job()
job.install_signal_handler()  # before `import torch`: a SIGTERM during the import would kill us

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
try:
    import numpy as np
except ImportError:
    np = None

if job.pause_requested:  # paused while importing: nothing new since the last checkpoint
    job.exit_paused()

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--data", default="./data/wikitext-2")
p.add_argument("--emsize", type=int, default=200)
p.add_argument("--nhid", type=int, default=200)
p.add_argument("--nlayers", type=int, default=2)
p.add_argument("--lr", type=float, default=20.0)
p.add_argument("--clip", type=float, default=0.25)
p.add_argument("--epochs", type=int, default=40)
p.add_argument("--batch-size", type=int, default=20)
p.add_argument("--bptt", type=int, default=35)
p.add_argument("--dropout", type=float, default=0.2)
p.add_argument("--seed", type=int, default=1111)
p.add_argument("--log-every", type=int, default=50)
p.add_argument("--max-batches", type=int, default=0, help="train on at most this many batches per epoch (0: all)")
p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
p.add_argument("--record", default=None, metavar="FILE",
               help="keep every step's training loss and every validation loss in the checkpointed state, and "
                    "write them at the end to FILE (JSON, floats as float.hex) with the final weights' sha256")
p.add_argument("--batch-sleep", type=float, default=0.0, metavar="S",
               help="sleep S seconds after each training and evaluation batch (tests: time to land a pause)")
args = p.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
job.backend(device.type)


def read_tokens(path, vocab):
    """Token ids of a text file, one <eos> per line; grows `vocab` (word → id)."""
    ids = []
    with open(path, encoding="utf8") as f:
        for line in f:
            for word in line.split() + ["<eos>"]:
                ids.append(vocab.setdefault(word, len(vocab)))
    return torch.tensor(ids, dtype=torch.long)


def columns(ids, bsz):
    """Cuts the token stream into bsz parallel columns: shape (length, bsz)."""
    n = ids.size(0) // bsz
    return ids[: n * bsz].view(bsz, n).t().contiguous().to(device)


vocab = {}
train_ids, valid_ids = (read_tokens(os.path.join(args.data, n), vocab) for n in ("train.txt", "valid.txt"))
train_data, val_data = columns(train_ids, args.batch_size), columns(valid_ids, 10)
ntokens = len(vocab)


class LSTMModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(args.dropout)
        self.embed = nn.Embedding(ntokens, args.emsize)
        self.lstm = nn.LSTM(args.emsize, args.nhid, args.nlayers, dropout=args.dropout)
        self.out = nn.Linear(args.nhid, ntokens)

    def forward(self, x, hidden):
        y, hidden = self.lstm(self.drop(self.embed(x)), hidden)
        return torch.log_softmax(self.out(self.drop(y)), dim=-1), hidden

    def zero_hidden(self, bsz):
        z = torch.zeros(args.nlayers, bsz, args.nhid, device=device)
        return (z, z.clone())


random.seed(args.seed)
torch.manual_seed(args.seed)
if np is not None:
    np.random.seed(args.seed)
model = LSTMModel().to(device)
criterion = nn.NLLLoss()
batches = range(0, train_data.size(0) - 1, args.bptt)
if args.max_batches:
    batches = batches[: args.max_batches]
total_steps = args.epochs * len(batches)


def chunk(source, i):
    n = min(args.bptt, source.size(0) - 1 - i)
    return source[i : i + n], source[i + 1 : i + 1 + n].reshape(-1)


# Loop state: everything the loop carries from one batch or epoch to the next.
loop = {"epoch": 1, "batch": 0, "phase": "train", "lr": args.lr, "best_val": None}
history = {"train": [], "val": []}  # with --record: every loss so far (state too, so it survives a resume)
hidden = model.zero_hidden(args.batch_size)  # carried across batches: state too

if job.resume_dir:
    s = torch.load(os.path.join(job.resume_dir, "state.pt"), map_location=device, weights_only=False)
    model.load_state_dict(s["model"])
    loop, hidden = s["loop"], tuple(h.to(device) for h in s["hidden"])
    history = s.get("history") or history
    random.setstate(s["rng"]["python"])
    torch.set_rng_state(s["rng"]["torch"])
    if torch.cuda.is_available() and s["rng"]["cuda"]:
        torch.cuda.set_rng_state_all(s["rng"]["cuda"])
    if np is not None and s["rng"]["numpy"] is not None:
        np.random.set_state(s["rng"]["numpy"])
    print("resumed at step %d (epoch %d, phase %s)" % ((loop["epoch"] - 1) * len(batches) + loop["batch"], loop["epoch"], loop["phase"]), flush=True)


def save(directory):
    # The optimizer here is plain SGD with loop["lr"]; with torch.optim also save
    # optimizer.state_dict() (and the scheduler's state_dict()).
    state = {"model": model.state_dict(), "loop": dict(loop), "hidden": tuple(h.detach().cpu() for h in hidden),
             "history": history if args.record else None,
             "rng": {"python": random.getstate(), "torch": torch.get_rng_state(),
                     "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                     "numpy": np.random.get_state() if np is not None else None}}
    with open(os.path.join(directory, "state.pt"), "wb") as f:
        torch.save(state, f)


def step_of():
    return (loop["epoch"] - 1) * len(batches) + loop["batch"]


def evaluate():
    """Validation loss; None when a pause cut it short (then it runs again after the resume)."""
    model.eval()
    h, total = model.zero_hidden(10), 0.0
    with torch.no_grad():
        for i in job.interruptible(range(0, val_data.size(0) - 1, args.bptt)):
            x, y = chunk(val_data, i)
            out, h = model(x, h)
            total += len(x) * criterion(out.view(-1, ntokens), y).item()
            if args.batch_sleep:
                time.sleep(args.batch_sleep)
    return None if job.pause_requested else total / (val_data.size(0) - 1)


job.progress(step_of(), total_steps)
while loop["epoch"] <= args.epochs:
    if loop["phase"] == "train":
        model.train()
        for b in range(loop["batch"], len(batches)):
            x, y = chunk(train_data, batches[b])
            hidden = tuple(h.detach() for h in hidden)  # truncated backprop through time
            model.zero_grad()
            out, hidden = model(x, hidden)
            loss = criterion(out.view(-1, ntokens), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            with torch.no_grad():
                for param in model.parameters():
                    param.add_(param.grad, alpha=-loop["lr"])
            loop["batch"] = b + 1
            if args.record:
                history["train"].append(loss.item())
            if args.batch_sleep:
                time.sleep(args.batch_sleep)
            if loop["batch"] % args.log_every == 0 or job.pause_requested:
                job.progress(step_of(), total_steps, loss=loss.item())
            if job.pause_requested:
                print("paused in training at step %d" % step_of(), flush=True)
                job.exit_paused(step_of(), save, meta={"epoch": loop["epoch"], "phase": "train"})
        loop["phase"] = "eval"
    print("epoch %d: evaluating" % loop["epoch"], flush=True)
    val_loss = evaluate()
    if val_loss is None:
        print("paused in evaluation at step %d" % step_of(), flush=True)
        job.exit_paused(step_of(), save, meta={"epoch": loop["epoch"], "phase": "eval"})
    if args.record:
        history["val"].append(val_loss)
    print("epoch %d: valid loss %.2f, ppl %.2f, lr %g" % (loop["epoch"], val_loss, math.exp(val_loss), loop["lr"]), flush=True)
    if loop["best_val"] is None or val_loss < loop["best_val"]:
        loop["best_val"] = val_loss
    else:
        loop["lr"] /= 4.0  # anneal when validation stops improving
    loop.update(epoch=loop["epoch"] + 1, batch=0, phase="train")
    hidden = model.zero_hidden(args.batch_size)  # a new pass over the data starts from zeros
job.checkpoint(step_of(), save, meta={"epoch": args.epochs, "phase": "done"})
if args.record:
    weights = hashlib.sha256()
    for name, t in model.state_dict().items():
        t = t.detach().cpu().contiguous()
        weights.update(name.encode() + b"\0" + str(tuple(t.shape)).encode() + b"\0")
        weights.update(t.numpy().tobytes() if np is not None else bytes(t.view(torch.uint8).flatten().tolist()))
    with open(args.record, "w") as f:
        json.dump({"steps": step_of(), "lr": loop["lr"].hex(), "train_losses": [v.hex() for v in history["train"]],
                   "val_losses": [v.hex() for v in history["val"]], "weights_sha256": weights.hexdigest()}, f, indent=1)
        f.write("\n")
print("finished at step %d" % step_of(), flush=True)
