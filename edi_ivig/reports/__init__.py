"""What edi-ivig tells people and machines about a run."""
