"""llama-cpp-python's OpenAI-compatible server, sampling grammar-constrained tokens the way llama.cpp's own tools do.

A forced tool call or a JSON-mode answer is sampled under a grammar. llama-cpp-python puts the
grammar into its sampler chain, so every generated token first runs the grammar over the whole
vocabulary (262,144 tokens for Gemma 3): on two cores that was most of a tool call's time. llama.cpp's
own tools pick the token without the grammar, ask the grammar about that one token, and constrain the
whole vocabulary only when it is rejected. The token is the same either way: the best allowed token
is the unconstrained pick whenever the grammar allows that pick. This module installs that order for
the pinned llama-cpp-python (it replaces ``Llama._init_sampler``, a private method) and runs the stock
server with the stock command line.

    python -m PACKAGE.llama_server --model PATH ...   # the same arguments as python -m llama_cpp.server
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import numpy as np
from llama_cpp import llama_cpp as capi
from llama_cpp._internals import LlamaContext, LlamaModel, LlamaSampler, LlamaTokenDataArray
from llama_cpp.llama import Llama
from llama_cpp.llama_grammar import LlamaGrammar
from llama_cpp.server.__main__ import main as serve_stock


class GrammarCheckedSampler:
    """The stock sampler chain without its grammar, and the grammar consulted after the pick."""

    def __init__(self, chain: LlamaSampler, model: LlamaModel, grammar: LlamaGrammar, n_vocab: int) -> None:
        self._chain = chain
        self._grammar = capi.llama_sampler_init_grammar(
            model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        self._n_vocab = n_vocab
        self._candidates = LlamaTokenDataArray(n_vocab=n_vocab)
        self._one = (capi.llama_token_data * 1)()
        self._one_array = capi.llama_token_data_array(data=self._one, size=1, selected=-1, sorted=False)
        self.rejected = 0  # picks the grammar refused, each followed by a fully constrained resample

    def sample(self, ctx: LlamaContext, idx: int = -1) -> int:
        logits = np.ctypeslib.as_array(capi.llama_get_logits_ith(ctx.ctx, idx), shape=(self._n_vocab,))
        token = self._pick(logits, constrained=False)
        if not self._allowed(token):
            self.rejected += 1
            token = self._pick(logits, constrained=True)
        capi.llama_sampler_accept(self._grammar, token)
        self._chain.accept(token)
        return token

    def _pick(self, logits: np.ndarray[Any, Any], *, constrained: bool) -> int:
        self._candidates.copy_logits(logits)
        array = ctypes.byref(self._candidates.candidates)
        if constrained:
            capi.llama_sampler_apply(self._grammar, array)
        capi.llama_sampler_apply(self._chain.sampler, array)
        chosen = self._candidates.candidates
        return int(chosen.data[chosen.selected].id)

    def _allowed(self, token: int) -> bool:
        self._one[0] = capi.llama_token_data(id=token, logit=0.0, p=0.0)
        self._one_array.size, self._one_array.selected, self._one_array.sorted = 1, -1, False
        capi.llama_sampler_apply(self._grammar, ctypes.byref(self._one_array))
        return math.isfinite(self._one[0].logit)

    def close(self) -> None:
        if self._grammar is not None:
            capi.llama_sampler_free(self._grammar)
            self._grammar = None
        self._chain.close()  # type: ignore[no-untyped-call]

    def __del__(self) -> None:
        self.close()


_stock_init_sampler = Llama._init_sampler


def _init_sampler(self: Llama, **settings: Any) -> Any:
    grammar: LlamaGrammar | None = settings.pop("grammar", None)
    chain = _stock_init_sampler(self, **settings)
    if grammar is None:
        return chain
    return GrammarCheckedSampler(chain, self._model, grammar, self._n_vocab)


def install() -> None:
    Llama._init_sampler = _init_sampler  # type: ignore[method-assign,assignment]


def main() -> None:
    install()
    serve_stock()  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    main()
