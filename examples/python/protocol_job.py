#!/usr/bin/env python3
"""A training job that speaks the carbond job protocol (DESIGN §4), standard library only.

It "trains" by counting steps (sleeping --step-seconds each), and shows everything a
real training script does under carbond:

* reads CARBOND_CHECKPOINT_DIR, CARBOND_RESUME_FROM, CARBOND_EVENTS, CARBOND_JOB_ID;
* resumes from CARBOND_RESUME_FROM when it is set (after checking the manifest itself);
* appends one JSON event per line to CARBOND_EVENTS: progress and checkpoint;
* on SIGTERM (the default pause signal) finishes the current step, writes a checkpoint
  (files + manifest.json with sha256 and bytes, under a temporary name, fsynced,
  renamed into place), reports it, and exits 0.

Usage: protocol_job.py --steps N --step-seconds S [--checkpoint-every K] [--no-manifest]
                       [--pause-signal SIG] [--ignore-pause]
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

MANIFEST = "manifest.json"
pause_requested = False


def on_pause(signum, frame):
    global pause_requested
    pause_requested = True


def emit(events_path, event):
    """Appends one event as one line, in a single write (readers never see half a line)."""
    if not events_path:
        return
    line = (json.dumps(event, separators=(",", ":")) + "\n").encode("utf-8")
    fd = os.open(events_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fsync_path(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path, data):
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_checkpoint(root, step, state, with_manifest):
    """Writes <root>/ckpt-<step> atomically and returns its path."""
    name = "ckpt-%012d" % step
    final = os.path.join(root, name)
    tmp = os.path.join(root, ".tmp-%s-%d" % (name, os.getpid()))
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    write_file(os.path.join(tmp, "state.json"), json.dumps(state).encode("utf-8"))
    if with_manifest:
        files = []
        for rel in sorted(os.listdir(tmp)):
            p = os.path.join(tmp, rel)
            files.append({"path": rel, "bytes": os.path.getsize(p), "sha256": sha256_of(p)})
        created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        manifest = {"step": step, "createdAt": created, "files": files}
        write_file(os.path.join(tmp, MANIFEST), json.dumps(manifest, indent=2).encode("utf-8"))
    fsync_path(tmp)
    if os.path.exists(final):
        shutil.rmtree(final)
    os.rename(tmp, final)
    fsync_path(root)
    return final


def load_checkpoint(path):
    """Reads state.json of a checkpoint after checking every file against its manifest."""
    manifest_path = os.path.join(path, MANIFEST)
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
        for entry in manifest["files"]:
            p = os.path.join(path, entry["path"])
            if os.path.getsize(p) != entry["bytes"] or sha256_of(p) != entry["sha256"]:
                sys.exit("checkpoint %s: %s does not match its manifest" % (path, entry["path"]))
    with open(os.path.join(path, "state.json")) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--step-seconds", type=float, default=0.1)
    parser.add_argument("--checkpoint-every", type=int, default=0)
    parser.add_argument("--no-manifest", action="store_true", help="leave the manifest to carbond")
    parser.add_argument("--pause-signal", default="SIGTERM")
    parser.add_argument("--ignore-pause", action="store_true",
                        help="test aid: ignore the pause signal, as a job without protocol support would")
    args = parser.parse_args()

    root = os.path.abspath(os.environ.get("CARBOND_CHECKPOINT_DIR") or "checkpoints")
    resume_from = os.environ.get("CARBOND_RESUME_FROM") or None
    events = os.environ.get("CARBOND_EVENTS") or None
    os.makedirs(root, exist_ok=True)
    signal.signal(getattr(signal, args.pause_signal), signal.SIG_IGN if args.ignore_pause else on_pause)

    state = {"step": 0, "sum": 0}
    if resume_from:
        state = load_checkpoint(resume_from)
    emit(events, {"event": "progress", "step": state["step"], "totalSteps": args.steps})

    def checkpoint():
        path = write_checkpoint(root, state["step"], state, not args.no_manifest)
        emit(events, {"event": "checkpoint", "path": path, "step": state["step"]})

    while state["step"] < args.steps:
        time.sleep(args.step_seconds)  # the work of one step
        state["step"] += 1
        state["sum"] += state["step"]  # running checksum: 1 + 2 + ... + step
        emit(events, {"event": "progress", "step": state["step"], "totalSteps": args.steps})
        if pause_requested and state["step"] < args.steps:
            checkpoint()
            return 0
        if args.checkpoint_every and state["step"] % args.checkpoint_every == 0:
            checkpoint()
    checkpoint()
    return 0


if __name__ == "__main__":
    sys.exit(main())
