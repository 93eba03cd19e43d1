"""Pages of the warnings app: staff pages (warnings.py, forms in editing.py, registers.py for recipients,
loudspeakers and CAP import) and the public pages without login (public.py, feeds in ../feeds.py)."""
