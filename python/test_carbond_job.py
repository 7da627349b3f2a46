"""Unit tests of carbond_job (run: python3 -m unittest discover -s python; or via jest)."""
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import carbond_job  # noqa: E402


def put(directory, name, text):
    with open(os.path.join(directory, name), "w") as f:
        f.write(text)


class Base(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name
        self.events = os.path.join(self.dir, "events.jsonl")
        self.ck = os.path.join(self.dir, "ck")

    def tearDown(self):
        self._tmp.cleanup()

    def job(self, **extra):
        env = {"CARBOND_JOB_ID": "j1", "CARBOND_CHECKPOINT_DIR": self.ck, "CARBOND_EVENTS": self.events}
        env.update(extra)
        return carbond_job.Job(env)

    def lines(self):
        with open(self.events, "rb") as f:
            return f.read().decode("utf-8").splitlines()


class EnvTest(Base):
    def test_reads_the_variables(self):
        job = self.job(CARBOND_RESUME_FROM="/x/ckpt-000000000004")
        self.assertEqual((job.job_id, job.checkpoint_dir, job.events_path, job.resume_dir),
                         ("j1", self.ck, self.events, "/x/ckpt-000000000004"))
        self.assertTrue(job.under_carbond)

    def test_empty_variables_count_as_unset_and_a_local_run_works(self):
        job = carbond_job.Job({"CARBOND_RESUME_FROM": "", "CARBOND_EVENTS": "", "CARBOND_CHECKPOINT_DIR": ""})
        self.assertIsNone(job.resume_dir)
        self.assertIsNone(job.events_path)
        self.assertFalse(job.under_carbond)
        self.assertEqual(job.checkpoint_dir, os.path.abspath("checkpoints"))
        job.progress(1, 10, loss=0.5)  # no events file: nothing happens
        cwd = os.getcwd()
        os.chdir(self.dir)
        try:
            path = carbond_job.Job({}).checkpoint(3, lambda d: put(d, "a", "x"))
        finally:
            os.chdir(cwd)
        self.assertEqual(os.path.realpath(path), os.path.realpath(os.path.join(self.dir, "checkpoints", "ckpt-000000000003")))


class EventsTest(Base):
    def test_progress_lines_are_compact_json_in_the_protocol_format(self):
        job = self.job()
        job.progress(0)
        job.progress(12, 100, loss=0.25, backend="cuda", ppl=1.5)
        job.progress(13, loss=float("nan"))  # JSON has no NaN: left out rather than an invalid line
        job.backend("cpu")
        self.assertEqual(self.lines(), [
            '{"event":"progress","step":0}',
            '{"event":"progress","step":12,"totalSteps":100,"loss":0.25,"backend":"cuda","ppl":1.5}',
            '{"event":"progress","step":13}',
            '{"event":"backend","name":"cpu"}',
        ])

    def test_steps_must_be_counts(self):
        job = self.job()
        for bad in (-1, 1.5, True):
            with self.assertRaises(ValueError):
                job.progress(bad)
        with self.assertRaises(ValueError):
            job.progress(1, total_steps=-3)
        self.assertFalse(os.path.exists(self.events))


class CheckpointTest(Base):
    def write(self, d):
        with open(os.path.join(d, "state.json"), "w") as f:
            f.write('{"w": 1}')
        os.makedirs(os.path.join(d, "sub"))
        with open(os.path.join(d, "sub", "weights.bin"), "wb") as f:
            f.write(bytes(range(256)) * 5)

    def test_writes_files_manifest_and_event_atomically(self):
        job = self.job()
        path = job.checkpoint(1200, self.write, meta={"epoch": 3})
        self.assertEqual(path, os.path.join(self.ck, "ckpt-000000001200"))
        self.assertEqual(sorted(os.listdir(self.ck)), ["ckpt-000000001200"])  # no temporary left
        with open(os.path.join(path, "manifest.json")) as f:
            manifest = json.load(f)
        self.assertEqual(sorted(manifest), ["createdAt", "files", "meta", "step"])
        self.assertEqual(manifest["step"], 1200)
        self.assertEqual(manifest["meta"], {"epoch": 3})
        self.assertRegex(manifest["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        blob = bytes(range(256)) * 5
        self.assertEqual(manifest["files"], [
            {"path": "state.json", "bytes": 8, "sha256": hashlib.sha256(b'{"w": 1}').hexdigest()},
            {"path": "sub/weights.bin", "bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest()},
        ])
        self.assertEqual(self.lines(), ['{"event":"checkpoint","path":"%s","step":1200}' % path])
        self.assertEqual(carbond_job.verify(path), manifest)

    def test_verify_catches_a_flipped_byte(self):
        path = self.job().checkpoint(5, self.write)
        with open(os.path.join(path, "sub", "weights.bin"), "r+b") as f:
            f.seek(7)
            f.write(b"\xff")
        with self.assertRaisesRegex(ValueError, "does not match"):
            carbond_job.verify(path)

    def test_a_failing_writer_leaves_no_checkpoint_and_no_event(self):
        def broken(d):
            put(d, "half", "x")
            raise RuntimeError("disk full")
        with self.assertRaises(RuntimeError):
            self.job().checkpoint(7, broken)
        self.assertEqual(os.listdir(self.ck), [])
        self.assertFalse(os.path.exists(self.events))

    def test_rewriting_a_step_replaces_it(self):
        job = self.job()
        job.checkpoint(2, lambda d: put(d, "a", "old"))
        path = job.checkpoint(2, lambda d: put(d, "b", "new"))
        self.assertEqual(sorted(os.listdir(path)), ["b", "manifest.json"])


class PauseTest(Base):
    def test_the_signal_only_sets_the_flag(self):
        job = self.job()
        previous = signal.getsignal(signal.SIGUSR1)
        try:
            job.install_signal_handler(("SIGUSR1",))
            self.assertFalse(job.pause_requested)
            os.kill(os.getpid(), signal.SIGUSR1)
            self.assertTrue(job.pause_requested)
        finally:
            signal.signal(signal.SIGUSR1, previous)

    def test_interruptible_stops_once_a_pause_is_requested(self):
        job = self.job()
        seen = []
        for i in job.interruptible(range(10)):
            seen.append(i)
            if i == 3:
                job.request_pause()
        self.assertEqual(seen, [0, 1, 2, 3])
        self.assertEqual(list(job.interruptible(range(3))), [])

    def test_exit_paused_checkpoints_then_exits_0_and_sigterm_during_a_slow_import_is_survived(self):
        here = os.path.dirname(os.path.abspath(__file__))
        script = "\n".join([
            "import sys, time; sys.path.insert(0, %r)" % here,
            "import carbond_job",
            "job = carbond_job.Job(); job.install_signal_handler()",
            "open(%r, 'w').close()" % os.path.join(self.dir, "ready"),
            "time.sleep(1)  # a slow import",
            "job.exit_paused(4, lambda d: open(d + '/s', 'w').write('4')) if job.pause_requested else sys.exit(3)",
        ])
        env = dict(os.environ, CARBOND_CHECKPOINT_DIR=self.ck, CARBOND_EVENTS=self.events)
        proc = subprocess.Popen([sys.executable, "-c", script], env=env)
        for _ in range(400):
            if os.path.exists(os.path.join(self.dir, "ready")):
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(10), 0)
        self.assertEqual(len(self.lines()), 1)
        self.assertTrue(re.match(r'\{"event":"checkpoint","path":".*ckpt-000000000004","step":4\}$', self.lines()[0]))


if __name__ == "__main__":
    unittest.main()
