"""Split by feature: incidents (intake, grading, lifecycle, dispatch), reports, public, duty."""
