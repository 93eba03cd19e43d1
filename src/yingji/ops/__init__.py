"""Operations: backup, restore and upgrade (`yingji backup | restore | upgrade`).

archive.py and retention.py are pure (no Django): the archive format, its manifest and checks, which backups
to keep. The Django glue reads and writes databases: snapshot.py (consistent copies, pg_dump, migration state,
counts), logical.py (the portable dump), backup.py and restore.py (the two commands), tasks.py (the worker's
daily backup). errors.BackupError carries the Chinese message a command prints.
"""
