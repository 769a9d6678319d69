"""Stage: training and persisting classifiers (``modkit train``)."""
