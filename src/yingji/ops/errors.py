"""The one error of backup and restore: its message is Chinese and says what to do."""


class BackupError(Exception):
    """A backup or restore that cannot go on; nothing was changed by it (the restore checks first)."""
