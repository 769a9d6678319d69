"""Stage 3: review scored replies into labels (``modkit review``, ``modkit label``, ``modkit labels``)."""
