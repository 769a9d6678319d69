"""Exchange formats other tools read (ConvoKit corpora)."""
