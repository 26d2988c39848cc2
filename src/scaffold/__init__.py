"""scaffold: generate credible AI-engineering projects and check any repository against the rubric."""

__version__ = "0.1.0"
