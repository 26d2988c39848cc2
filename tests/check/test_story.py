from collections.abc import Callable

import pytest

from scaffold.check.model import Status
from scaffold.check.runner import CheckRun
from tests.check.conftest import finding

Repo = Callable[[dict[str, str | bytes]], CheckRun]

README = """# Ticket router

## Problem and dataset

Support teams lose hours routing tickets by hand. The router is trained on the Zendesk export
of our product: 12,400 tickets labelled with the team that solved them.

## Architecture

```mermaid
flowchart LR
  A[ticket] --> B[classifier] --> C[team queue]
```

## Design decisions

A linear model over TF-IDF instead of an LLM because it is 40x cheaper at equal accuracy.

## Results

| model | macro F1 |
|---|---|
| TF-IDF + logistic regression | 0.81 |
| zero-shot LLM | 0.79 |

## Failure analysis

Tickets mentioning two products are routed to the first one named; they make up most errors
and a multi-label head is the next experiment to try on the held-out split.

## Reproduce

```bash
make train
```
"""


def test_a_complete_readme_passes_every_story_check_but_the_make_target(repo: Repo) -> None:
    run = repo({"README.md": README})
    statuses = {f.check_id: f.status for f in run.findings if f.family == "story"}
    assert statuses["ST1"] is Status.PASS
    assert statuses["ST2"] is Status.PASS
    assert statuses["ST3"] is Status.PASS
    assert statuses["ST4"] is Status.PASS
    assert statuses["ST5"] is Status.PASS
    st6 = finding(run, "ST6")
    assert st6.status is Status.FAIL
    assert "make train" in st6.verdict.detail


def test_reproduce_passes_when_the_named_make_target_exists(repo: Repo) -> None:
    run = repo({"README.md": README, "Makefile": "train:\n\tpython train.py\n"})
    assert finding(run, "ST6").status is Status.PASS


def test_st1_cites_the_line_with_the_dataset_size(repo: Repo) -> None:
    run = repo({"README.md": README})
    evidence = [str(loc) for loc in finding(run, "ST1").verdict.evidence]
    assert "README.md:6" in evidence


def test_headings_without_content_do_not_pass(repo: Repo) -> None:
    run = repo({"README.md": "# X\n\n## Architecture\n\n## Design decisions\n\n## Failure analysis\n\n## Results\n"})
    for check_id in ("ST2", "ST3", "ST4", "ST5"):
        assert finding(run, check_id).status is Status.FAIL, check_id


def test_a_results_table_without_numbers_fails(repo: Repo) -> None:
    run = repo({"README.md": "# X\n\n## Results\n\n| metric | value |\n|---|---|\n| accuracy | great |\n"})
    st4 = finding(run, "ST4")
    assert st4.status is Status.FAIL
    assert "no numbers" in st4.verdict.detail


def test_design_section_without_an_alternative_fails(repo: Repo) -> None:
    text = "# X\n\n## Design decisions\n\nWe used Postgres. It is a good database and we like it a lot, it works.\n"
    assert finding(repo({"README.md": text}), "ST3").status is Status.FAIL


def test_buzzwords_fail_st7_even_with_tools_named(repo: Repo) -> None:
    text = (
        "# X\n\nA cutting-edge AI-powered assistant that leverages pgvector, vLLM and ragas to unlock "
        "seamless synergy. Revolutionize support with game-changing, state-of-the-art retrieval.\n"
    )
    st7 = finding(repo({"README.md": text}), "ST7")
    assert st7.status is Status.FAIL
    assert "buzzwords" in st7.verdict.detail


def test_named_tools_pass_st7(repo: Repo) -> None:
    text = "# X\n\nRetrieval uses pgvector with all-MiniLM-L6-v2 embeddings; answers come from vLLM and are scored with ragas.\n"
    assert finding(repo({"README.md": text}), "ST7").status is Status.PASS


def test_no_readme_fails_story_with_a_reason(repo: Repo) -> None:
    run = repo({"main.py": "print('hi')\n"})
    assert all(f.verdict.detail == "no README at the repository root" for f in run.findings if f.family == "story")


GAMED_SIZES = [
    "You need 8GB+ RAM and a GPU to run the model on this data.",
    "Each request is capped at 1K tokens from the dataset.",
    "The provider gives 1M free tokens for the corpus.",
    "We parse 10-Q documents from the SEC archive.",
    "The golden set holds 150 questions written from the docs.",
    "At $0.42 per 1,000 questions the corpus is cheap to query.",
]


@pytest.mark.parametrize(
    "sentence", GAMED_SIZES, ids=["ram", "context", "free-tokens", "form-name", "eval-set", "cost"]
)
def test_st1_does_not_take_other_counts_for_the_dataset_size(repo: Repo, sentence: str) -> None:
    readme = f"# Filings QA\n\n## Problem\n\nAnalysts at small funds ask detailed questions about quarterly company filings and need cited answers fast.\n\n## Dataset\n\n{sentence}\n"
    st1 = finding(repo({"README.md": readme}), "ST1")
    assert st1.status is Status.FAIL, st1.verdict.detail


@pytest.mark.parametrize(
    "sentence",
    [
        "The corpus is 1,678 documents from the Python docs.",
        "We collected 12k support tickets.",
        "A 2.3GB dump of filings.",
    ],
)
def test_st1_takes_real_dataset_sizes(repo: Repo, sentence: str) -> None:
    readme = f"# Filings QA\n\n## Problem\n\nAnalysts at small funds ask detailed questions about quarterly company filings and need cited answers fast.\n\n## Dataset\n\n{sentence}\n"
    assert finding(repo({"README.md": readme}), "ST1").status is Status.PASS


def test_st1_does_not_read_a_troubleshooting_heading_as_the_problem(repo: Repo) -> None:
    readme = "# tool\n\n## Troubleshooting: why is my data missing?\n\nThe corpus is 1,678 documents; rerun ingest.\n"
    assert finding(repo({"README.md": readme}), "ST1").status is Status.FAIL
