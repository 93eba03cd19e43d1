"""Monitoring services: every state change of the app. One module per part:

- ingest.py — parse, validate, deduplicate and store a batch of readings (MQTT and HTTP share it), then
  hand the stored batch to rollups.add and evaluate.evaluate inside the same transaction;
- batch.py — the Batch of stored readings the other parts take (numpy arrays, sorted by sensor and time);
- evaluate.py — rules over a batch (the pure engine is monitoring/rules.py): raise, escalate and clear
  alarms; the stale (offline) check;
- alarms.py — what people do to an alarm: acknowledge, assign, note, clear by hand, open an incident;
- history.py — the alarm's append-only history and audit entry, written by evaluate and alarms alike;
- rules.py — saving and validating rules (thresholds in order, override per sensor);
- sensors.py — sensors and gateways (tokens);
- rollups.py — 1-minute and 1-hour rollups and the series a chart reads; storage.py — partitions and
  retention.
"""
