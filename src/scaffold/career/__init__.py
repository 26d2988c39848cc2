"""From a project to an application: resume bullets and job-description stack match, both built
from the evidence `scaffold check` gathers (`scaffold.check.evidence`), never gathered again."""
