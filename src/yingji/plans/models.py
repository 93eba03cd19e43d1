"""Emergency plans (应急预案): response levels, task templates, activations and tasks."""
