"""Flask web layer: translates HTTP into service calls and renders pages. Nothing else."""
