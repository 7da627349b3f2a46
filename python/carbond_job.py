"""carbond_job: the carbond job protocol for Python training scripts (docs/protocol.md).

One file, standard library only: copy it next to your script or put python/ on PYTHONPATH.

    import carbond_job
    job = carbond_job.Job()
    job.install_signal_handler()        # FIRST, before `import torch` (see below)
    import torch                        # heavy imports after the handler

    if job.pause_requested:             # paused while importing: nothing new to save
        job.exit_paused()
    state = load(job.resume_dir) if job.resume_dir else fresh()
    while step < total:
        ...one step...
        step += 1
        job.progress(step, total, loss=loss)
        if job.pause_requested:
            job.exit_paused(step, lambda d: save(state, d))   # checkpoint, exit 0
    job.checkpoint(step, lambda d: save(state, d))

Why the handler first: carbond pauses a job with SIGTERM (or the job's --pause-signal),
whose default action kills the process. `import torch` takes seconds; a pause asked for
then would kill the job and count as a failure. The handler only sets a flag (no I/O in a
signal handler); your loop looks at `job.pause_requested` between steps.

Outside carbond (no CARBOND_* variables) everything still works: checkpoints go to
./checkpoints, events are not written, and CARBOND_RESUME_FROM may be set by hand.
"""
import hashlib
import json
import math
import os
import shutil
import signal
import sys
from datetime import datetime, timezone

__all__ = ["Job", "verify"]

MANIFEST = "manifest.json"


def _env(env, name):
    value = env.get(name)
    return value if value else None  # an empty variable counts as unset


def _fsync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(8 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _files_of(root):
    """Every regular file under root, as sorted '/'-separated relative paths (manifest excluded)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if rel == MANIFEST:
                continue
            if os.path.islink(full) or not os.path.isfile(full):
                raise ValueError("checkpoint file %s is not a regular file" % rel)
            out.append(rel)
    return sorted(out)


def _count(name, value):
    if isinstance(value, bool) or int(value) != value or value < 0:
        raise ValueError("%s must be a non-negative integer, got %r" % (name, value))
    return int(value)


def _json_value(value):
    """A metric as JSON can carry it: numbers (NaN/inf dropped), strings, bools; else float(value)."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if not isinstance(value, (int, float)):
        value = float(value)  # numpy/torch scalars
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def verify(path):
    """Checks a checkpoint directory against its manifest; returns the manifest or raises ValueError."""
    with open(os.path.join(path, MANIFEST)) as f:
        manifest = json.load(f)
    for entry in manifest["files"]:
        p = os.path.join(path, *entry["path"].split("/"))
        if not os.path.isfile(p):
            raise ValueError("checkpoint %s: %s is missing" % (path, entry["path"]))
        if os.path.getsize(p) != entry["bytes"] or _sha256(p) != entry["sha256"]:
            raise ValueError("checkpoint %s: %s does not match its manifest" % (path, entry["path"]))
    return manifest


class Job:
    """The job's side of the protocol, configured from the CARBOND_* variables."""

    def __init__(self, env=None):
        env = os.environ if env is None else env
        self.job_id = _env(env, "CARBOND_JOB_ID")
        self.checkpoint_dir = os.path.abspath(_env(env, "CARBOND_CHECKPOINT_DIR") or "checkpoints")
        self.resume_dir = _env(env, "CARBOND_RESUME_FROM")
        self.events_path = _env(env, "CARBOND_EVENTS")
        self.under_carbond = self.events_path is not None
        self._pause = False

    # -- pausing -------------------------------------------------------------------------
    def install_signal_handler(self, signals=("SIGTERM",)):
        """Makes the pause signal(s) set `pause_requested` instead of killing the process.

        Call it first, before heavy imports. Pass e.g. ("SIGUSR1",) when the job was
        submitted with --pause-signal SIGUSR1."""
        for name in signals:
            signal.signal(getattr(signal, name) if isinstance(name, str) else name, self._on_signal)
        return self

    def _on_signal(self, signum, frame):
        self._pause = True  # only a flag: no I/O in a signal handler

    @property
    def pause_requested(self):
        return self._pause

    def request_pause(self):
        """Sets the flag as the signal would (tests, or a pause decided by the script)."""
        self._pause = True

    def interruptible(self, iterable):
        """Yields from iterable until a pause is requested (checked before each item).

        Wrap evaluation loops: a pause then stops at once instead of waiting for the whole
        evaluation. Afterwards check `job.pause_requested`: if set the loop was cut short,
        so discard its partial result and checkpoint with the evaluation still to do."""
        for item in iterable:
            if self._pause:
                return
            yield item

    def exit_paused(self, step=None, write_fn=None, meta=None):
        """Answers a pause: checkpoints (when step and write_fn are given), then exits 0.

        Without a checkpoint carbond records a pause that resumes from the last verified
        checkpoint (from scratch without one): right when nothing was done since."""
        if step is not None and write_fn is not None:
            self.checkpoint(step, write_fn, meta)
        sys.stdout.flush()
        sys.stderr.flush()
        sys.exit(0)

    # -- events --------------------------------------------------------------------------
    def emit(self, event):
        """Appends one event as one line in a single write (readers never see half a line)."""
        if not self.events_path:
            return
        line = (json.dumps(event, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
        fd = os.open(self.events_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def progress(self, step, total_steps=None, **metrics):
        """`progress` event: `step` completed steps (of total_steps); metrics such as loss=0.31
        ride along (carbond reads `loss` and `backend`, ignores others; NaN/inf are left out)."""
        event = {"event": "progress", "step": _count("step", step)}
        if total_steps is not None:
            event["totalSteps"] = _count("total_steps", total_steps)
        for key, value in metrics.items():
            value = _json_value(value)
            if value is not None:
                event[key] = value
        self.emit(event)

    def backend(self, name):
        """`backend` event: the compute backend chosen (once, at start; optional)."""
        self.emit({"event": "backend", "name": str(name)})

    # -- checkpoints ---------------------------------------------------------------------
    def checkpoint(self, step, write_fn, meta=None):
        """Writes checkpoint `ckpt-<step>` atomically and reports it; returns its path.

        write_fn(directory) writes your files into a fresh temporary directory (plain
        open/torch.save; sub-directories allowed). The helper then fsyncs every file,
        writes manifest.json (bytes and sha256 of each file), renames the directory into
        place under CARBOND_CHECKPOINT_DIR, and appends the `checkpoint` event. A crash
        at any moment leaves either no new checkpoint or a complete one."""
        step = _count("step", step)
        os.makedirs(self.checkpoint_dir, exist_ok=True)
        name = "ckpt-%012d" % step
        final = os.path.join(self.checkpoint_dir, name)
        tmp = os.path.join(self.checkpoint_dir, ".tmp-%s-%d" % (name, os.getpid()))
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        try:
            write_fn(tmp)
            files = []
            for rel in _files_of(tmp):
                p = os.path.join(tmp, *rel.split("/"))
                _fsync(p)
                files.append({"path": rel, "bytes": os.path.getsize(p), "sha256": _sha256(p)})
            now = datetime.now(timezone.utc)
            manifest = {"step": step, "createdAt": now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000),
                        "files": files}
            if meta is not None:
                manifest["meta"] = dict(meta)
            with open(os.path.join(tmp, MANIFEST), "w") as f:
                f.write(json.dumps(manifest, indent=2, allow_nan=False) + "\n")
                f.flush()
                os.fsync(f.fileno())
            for dirpath, _, _ in os.walk(tmp, topdown=False):
                _fsync(dirpath)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if os.path.exists(final):
            shutil.rmtree(final)
        os.rename(tmp, final)
        _fsync(self.checkpoint_dir)
        self.emit({"event": "checkpoint", "path": final, "step": step})
        return final
