"""Warnings services: every state change of the app. One module per part:

- lifecycle.py — drafting from a template, editing a draft, submit → review (approve or reject with the reason)
  → sign & publish (identifier, CAP, targeting, deliveries queued), Update and Cancel messages, expiry;
- checks.py — what a message must be before it is saved or published (event code, level, times, areas);
- cap.py — glue to standards/cap.py: a Warning row → CAP 1.2 XML (GB/T 35965.1 profile) and back;
- targeting.py — glue to warnings/targeting.py: recipients and places as arrays → the pure engine → coverage rows;
- delivery.py — Delivery rows ↔ channels (warnings/channels): queued on publication, sent by the background task;
- recipients.py — the people warnings reach and the loudspeaker terminals (one by one, and in bulk for a sheet);
- webhooks.py — the webhook register (subscribers, their secrets, which messages each wants);
- imports.py — external CAP messages (a provincial feed): validated, stored read-only beside ours;
- history.py — the append-only WarningEvent and the audit entry of each step.
"""
