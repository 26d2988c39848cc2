"""`scaffold check`: score a repository against the credible-project rubric.

Evidence is gathered once per repository (`scaffold.check.evidence`), checks are small classes that
receive the facts they name (`scaffold.check.checks`), and the score is a separate policy
(`scaffold.check.scoring`). The checker only reads files: it never imports, runs or installs
anything from the repository it scores.
"""
