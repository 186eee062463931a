"""Functional core: référentiel, programme mapping, indicator evaluators. No I/O."""
