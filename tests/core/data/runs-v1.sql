-- A runs database as schema version 1 wrote it (before checkpoints and evaluations).
-- Never regenerate this from the current code: it is the fixed past the migrations must read.
CREATE TABLE runs(
  id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
  space TEXT, dataset TEXT, lut_device TEXT, lut_hash TEXT, seed INTEGER, config TEXT, invocation TEXT,
  versions TEXT, created_at TEXT, updated_at TEXT, epochs_planned INTEGER, epochs_completed INTEGER DEFAULT 0,
  seconds REAL DEFAULT 0, theta TEXT, error TEXT);
CREATE TABLE epochs(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER NOT NULL, temperature REAL,
  weights_loss REAL, weights_acc REAL, theta_loss REAL, theta_acc REAL, theta_trained INTEGER,
  expected_ms REAL, argmax TEXT, argmax_ms REAL, seconds REAL, PRIMARY KEY(run_id, epoch));
CREATE TABLE steps(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER, phase TEXT, step INTEGER,
  loss REAL, ce REAL, acc REAL, expected_ms REAL, temperature REAL, images_per_s REAL);
CREATE INDEX steps_by_run ON steps(run_id, epoch);
CREATE TABLE theta_snapshots(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER NOT NULL, probabilities TEXT,
  PRIMARY KEY(run_id, epoch));
CREATE TABLE architectures(
  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, role TEXT, name TEXT,
  arch TEXT, macs INTEGER, params INTEGER, lut_ms REAL, log_prob REAL);
INSERT INTO runs VALUES(1, 'old-search', 'search', 'finished', 'fbnet-cifar', 'fashion-mnist', 'pixel3', '0123456789abcdef', 7,
  '{"epochs": 1}', '{"space":"fbnet-cifar","dataset":"fashion-mnist","lut":"pixel3","subset":2500,"width_multiplier":1.0}',
  'fbnet-studio 0.0.9', '2026-11-01T10:00:00Z', '2026-11-01T10:08:00Z', 1, 1, 480.5, '[[0.5,0.25]]', NULL);
INSERT INTO epochs VALUES(1, 0, 5.0, 1.25, 0.5, 1.5, 0.45, 1, 15.3,
  '{"schema":1,"name":"epoch0-argmax","space":"fbnet-cifar","blocks":["k3_e1"]}', 14.9, 480.5);
INSERT INTO theta_snapshots VALUES(1, 0, '[[0.6,0.4]]');
INSERT INTO steps VALUES(1, 0, 'weights', 0, 2.3, 2.3, 0.1, 15.3, 5.0, 120.0);
INSERT INTO architectures VALUES(1, 1, 'argmax', 'argmax', '{"schema":1,"name":"argmax","space":"fbnet-cifar","blocks":["k3_e1"]}',
  54400000, 1200000, 15.3, -3.2);
PRAGMA user_version = 1;
