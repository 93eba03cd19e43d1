"""Signals other apps listen to, so incidents need not import them.

`status_changing` is sent inside the transaction before an incident changes status; a receiver may
raise ValidationError to refuse the change (the plans app refuses 结束 while a response is running).
"""

from django.dispatch import Signal

status_changing = Signal()  # sender=Incident, incident, old, new, actor
