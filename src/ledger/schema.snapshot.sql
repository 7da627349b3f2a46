CREATE TABLE checkpoint_transfers (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id       TEXT    NOT NULL REFERENCES jobs(id),
  from_site    TEXT    NOT NULL,
  to_site      TEXT    NOT NULL,
  source       TEXT    NOT NULL,
  destination  TEXT    NOT NULL,
  step         INTEGER NOT NULL,
  bytes        INTEGER NOT NULL DEFAULT 0,
  started_at   INTEGER NOT NULL,
  ended_at     INTEGER NOT NULL,
  seconds      REAL    NOT NULL,
  outcome      TEXT    NOT NULL CHECK (outcome IN ('ok', 'failed', 'corrupt')),
  error        TEXT
);

CREATE TABLE checkpoints (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id         TEXT    NOT NULL REFERENCES jobs(id),
  run_id         INTEGER REFERENCES runs(id),
  path           TEXT    NOT NULL,
  step           INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  bytes          INTEGER NOT NULL DEFAULT 0,
  status         TEXT    NOT NULL CHECK (status IN ('verified', 'corrupt', 'pruned')),
  error          TEXT
);

CREATE TABLE daemon_runs (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  pid           INTEGER NOT NULL,
  version       TEXT    NOT NULL,
  started_at    INTEGER NOT NULL,
  stopped_at    INTEGER,
  stop_reason   TEXT
);

CREATE TABLE decisions (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  plan_id   INTEGER NOT NULL REFERENCES plans(id),
  job_id    TEXT    NOT NULL REFERENCES jobs(id),
  at        INTEGER NOT NULL,
  action    TEXT    NOT NULL,
  site      TEXT,
  reason    TEXT    NOT NULL
);

CREATE TABLE energy_samples (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id       TEXT    NOT NULL REFERENCES jobs(id),
  run_id       INTEGER REFERENCES runs(id),
  site         TEXT    NOT NULL,
  zone         TEXT    NOT NULL,
  start        INTEGER NOT NULL,
  duration_ms  INTEGER NOT NULL,
  energy_kwh   REAL    NOT NULL,
  power_w      REAL    NOT NULL,
  meter        TEXT    NOT NULL,   -- nvidia-smi | rapl | fixed | simulated
  overhead     INTEGER NOT NULL DEFAULT 0  -- 1 when spent on a pause/resume overhead
);

CREATE TABLE intensity_points (
  zone         TEXT    NOT NULL,
  start        INTEGER NOT NULL,
  duration_ms  INTEGER NOT NULL,
  g_per_kwh    REAL    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('measured', 'forecast')),
  issued_at    INTEGER NOT NULL,
  provider     TEXT    NOT NULL,
  signal       TEXT    NOT NULL CHECK (signal IN ('average', 'marginal')),
  fetched_at   INTEGER NOT NULL, estimated INTEGER NOT NULL DEFAULT 0 CHECK (estimated IN (0, 1)),
  PRIMARY KEY (zone, provider, signal, kind, start, issued_at)
);

CREATE TABLE jobs (
  id                     TEXT    PRIMARY KEY,
  name                   TEXT    NOT NULL,
  owner                  TEXT    NOT NULL,
  uid                    INTEGER,
  gid                    INTEGER,
  command_json           TEXT    NOT NULL,           -- argv array
  use_shell              INTEGER NOT NULL DEFAULT 0,
  cwd                    TEXT    NOT NULL,
  env_json               TEXT    NOT NULL DEFAULT '{}',
  submitted_at           INTEGER NOT NULL,
  deadline_at            INTEGER NOT NULL,
  estimate_ms            INTEGER NOT NULL,           -- the user's work estimate (running time)
  total_steps            INTEGER,                    -- learned from progress events
  power_w                REAL,                       -- user's power figure; null = site model
  gpus                   INTEGER NOT NULL DEFAULT 0,
  sites_json             TEXT    NOT NULL,           -- allowed sites, array of names
  home_site              TEXT    NOT NULL,
  mode                   TEXT    NOT NULL CHECK (mode IN ('checkpoint', 'suspend')),
  pause_signal           TEXT    NOT NULL DEFAULT 'SIGTERM',
  checkpoint_timeout_ms  INTEGER NOT NULL,
  pause_overhead_ms      INTEGER NOT NULL,
  tags_json              TEXT    NOT NULL DEFAULT '{}',
  manual_override        TEXT    CHECK (manual_override IN ('pause', 'resume')),  -- mutable: null = follow the plan
  checkpoint_dir         TEXT    NOT NULL
, retries INTEGER NOT NULL DEFAULT 0 CHECK (retries BETWEEN 0 AND 20), state TEXT);

CREATE TABLE migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);

CREATE TABLE plans (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at   INTEGER NOT NULL,
  policy       TEXT    NOT NULL,
  next_wake_at INTEGER,
  plan_json    TEXT    NOT NULL
);

CREATE TABLE progress (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id      INTEGER NOT NULL REFERENCES runs(id),
  at          INTEGER NOT NULL,
  step        INTEGER NOT NULL,
  total_steps INTEGER
);

CREATE TABLE runs (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id              TEXT    NOT NULL REFERENCES jobs(id),
  site                TEXT    NOT NULL,
  started_at          INTEGER NOT NULL,
  ended_at            INTEGER,
  pid                 INTEGER,
  pid_start_ticks     TEXT,     -- /proc/PID/stat field 22: tells a reused PID from ours
  executor_ref        TEXT,     -- e.g. a Slurm job id
  gpu_ids             TEXT    NOT NULL DEFAULT '',  -- CUDA_VISIBLE_DEVICES given to the run
  resumed_from        INTEGER REFERENCES checkpoints(id),
  start_step          INTEGER NOT NULL DEFAULT 0,
  last_step           INTEGER,
  exit_kind           TEXT CHECK (exit_kind IN ('finished', 'paused', 'failed', 'killed', 'lost')),
  exit_code           INTEGER,
  exit_signal         TEXT,
  lost_steps          INTEGER NOT NULL DEFAULT 0,
  log_path            TEXT
);

CREATE TABLE schedule_occurrences (
  schedule_id    TEXT    NOT NULL REFERENCES schedules(id),
  occurrence_at  INTEGER NOT NULL,
  outcome        TEXT    NOT NULL CHECK (outcome IN ('submitted', 'skipped', 'failed')),
  job_id         TEXT    REFERENCES jobs(id),
  reason         TEXT    NOT NULL,
  recorded_at    INTEGER NOT NULL,
  PRIMARY KEY (schedule_id, occurrence_at)
);

CREATE TABLE schedules (
  id                  TEXT    PRIMARY KEY,
  owner               TEXT    NOT NULL,
  uid                 INTEGER NOT NULL,
  cron                TEXT    NOT NULL,
  tz                  TEXT    NOT NULL,
  finish_by           TEXT,
  within_ms           INTEGER CHECK (within_ms > 0),
  template_json       TEXT    NOT NULL,
  created_at          INTEGER NOT NULL,
  removed_at          INTEGER,
  last_occurrence_at  INTEGER,
  CHECK ((finish_by IS NULL) <> (within_ms IS NULL))
);

CREATE TABLE transitions (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id      TEXT    NOT NULL REFERENCES jobs(id),
  at          INTEGER NOT NULL,
  from_state  TEXT,
  to_state    TEXT    NOT NULL,
  reason      TEXT    NOT NULL
);

CREATE TABLE zone_status (
  zone            TEXT    PRIMARY KEY,
  provider        TEXT,
  last_ok_at      INTEGER,
  last_attempt_at INTEGER NOT NULL,
  stale           INTEGER NOT NULL CHECK (stale IN (0, 1)),
  reason          TEXT
);

CREATE INDEX checkpoint_transfers_job ON checkpoint_transfers(job_id, id);

CREATE INDEX checkpoint_transfers_pair ON checkpoint_transfers(from_site, to_site, outcome, id);

CREATE INDEX checkpoints_job ON checkpoints(job_id, id);

CREATE INDEX decisions_job ON decisions(job_id, id);

CREATE INDEX energy_job_start ON energy_samples(job_id, start);

CREATE INDEX intensity_zone_start ON intensity_points(zone, start);

CREATE INDEX jobs_state ON jobs(state, submitted_at);

CREATE INDEX jobs_submitted ON jobs(submitted_at);

CREATE INDEX progress_run ON progress(run_id, id);

CREATE INDEX runs_job ON runs(job_id, id);

CREATE INDEX runs_open ON runs(id) WHERE ended_at IS NULL;

CREATE INDEX schedule_occurrences_job ON schedule_occurrences(job_id) WHERE job_id IS NOT NULL;

CREATE INDEX schedules_active ON schedules(created_at) WHERE removed_at IS NULL;

CREATE INDEX transitions_job ON transitions(job_id, id);
