#!/usr/bin/env python3
"""A PyTorch training job under the carbond job protocol, for scripts/gpu-check.sh.

Trains a wide MLP (student) to imitate a fixed random MLP (teacher) on random inputs,
on the GPU, with AdamW. Speaks DESIGN §4: reads CARBOND_CHECKPOINT_DIR,
CARBOND_RESUME_FROM, CARBOND_EVENTS; appends progress and checkpoint events; on SIGTERM
finishes the current step, writes a checkpoint (state.pt + manifest.json with sha256,
under a temporary name, fsynced, renamed into place) and exits 0.

Checkpoint timings go to --timings (CSV: step,save_ms,fsync_ms,hash_ms,rename_ms,bytes).
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import sys
import time
from datetime import datetime, timezone

import torch

pause_requested = False


def on_pause(signum, frame):
    global pause_requested
    pause_requested = True


def emit(path, event):
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(event, separators=(",", ":")) + "\n").encode())
    finally:
        os.close(fd)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(8 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fsync_path(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def mlp(width, layers, device):
    mods = []
    for _ in range(layers):
        mods += [torch.nn.Linear(width, width), torch.nn.GELU()]
    return torch.nn.Sequential(*mods[:-1]).to(device)


def save_checkpoint(root, step, model, opt, gen, timings):
    name = "ckpt-%012d" % step
    final = os.path.join(root, name)
    tmp = os.path.join(root, ".tmp-%s-%d" % (name, os.getpid()))
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    state_path = os.path.join(tmp, "state.pt")
    state = {"step": step, "model": model.state_dict(), "optimizer": opt.state_dict(), "rng": gen.get_state(), "cuda_rng": torch.cuda.get_rng_state()}
    with open(state_path, "wb") as f:
        torch.save(state, f)
        f.flush()
        t1 = time.perf_counter()
        os.fsync(f.fileno())
    t2 = time.perf_counter()
    size = os.path.getsize(state_path)
    manifest = {"step": step, "createdAt": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "files": [{"path": "state.pt", "bytes": size, "sha256": sha256_of(state_path)}]}
    with open(os.path.join(tmp, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    t3 = time.perf_counter()
    fsync_path(tmp)
    if os.path.exists(final):
        shutil.rmtree(final)
    os.rename(tmp, final)
    fsync_path(root)
    t4 = time.perf_counter()
    if timings:
        with open(timings, "a") as f:
            f.write("%d,%.1f,%.1f,%.1f,%.1f,%d\n" % (step, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, (t4 - t3) * 1e3, size))
    return final


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=1_000_000)
    p.add_argument("--width", type=int, default=4096)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--batch", type=int, default=4096)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--progress-every", type=int, default=10)
    p.add_argument("--timings", default=None)
    a = p.parse_args()

    if not torch.cuda.is_available():
        sys.exit("gpu_check_job: torch.cuda.is_available() is False")
    device = torch.device("cuda")
    root = os.path.abspath(os.environ.get("CARBOND_CHECKPOINT_DIR") or "checkpoints")
    events = os.environ.get("CARBOND_EVENTS") or None
    resume = os.environ.get("CARBOND_RESUME_FROM") or None
    os.makedirs(root, exist_ok=True)
    signal.signal(signal.SIGTERM, on_pause)
    torch.backends.cuda.matmul.allow_tf32 = True

    torch.manual_seed(a.seed)
    teacher = mlp(a.width, 2, device).requires_grad_(False)
    model = mlp(a.width, a.layers, device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    gen = torch.Generator(device=device)
    gen.manual_seed(a.seed)
    step = 0
    if resume:
        state = torch.load(os.path.join(resume, "state.pt"), map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        gen.set_state(state["rng"])
        torch.cuda.set_rng_state(state["cuda_rng"])
        step = state["step"]
    emit(events, {"event": "backend", "name": "cuda:" + torch.cuda.get_device_name(0)})
    emit(events, {"event": "progress", "step": step, "totalSteps": a.steps, "backend": "cuda"})

    while step < a.steps:
        x = torch.randn(a.batch, a.width, device=device, generator=gen)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = torch.nn.functional.mse_loss(model(x), teacher(x))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % a.progress_every == 0 or pause_requested:
            emit(events, {"event": "progress", "step": step, "totalSteps": a.steps, "loss": float(loss), "backend": "cuda"})
        if pause_requested:
            path = save_checkpoint(root, step, model, opt, gen, a.timings)
            emit(events, {"event": "checkpoint", "path": path, "step": step})
            return 0
    path = save_checkpoint(root, step, model, opt, gen, a.timings)
    emit(events, {"event": "checkpoint", "path": path, "step": step})
    return 0


if __name__ == "__main__":
    sys.exit(main())
