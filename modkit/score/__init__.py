"""Stage 2: score replies for toxicity and conspiracy framing (``modkit score``)."""
