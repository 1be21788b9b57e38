# A transformers model folder (bench/llm/qwen.py save-hf) -> GGUF, through llama.cpp's own
# converter (convert_hf_to_gguf.py with its conversion/ package and gguf-py, put in .llama-convert/
# by bench/llm/fetch-llama-converter.sh), F16, Q8_0 or any --outtype it takes.
#   python3 bench/llm/gguf_convert.py HF_DIR OUT.gguf [--outtype f16] [--converter .llama-convert]
# Two things the converter cannot take from qwen.py's random-weight folders are given here, and
# nothing else is changed:
# - a tokenizer llama.cpp's Qwen2 loader reads: qwen.py's is a Unigram one (no merges), and
#   llama.cpp's Qwen2 models take a byte-level BPE vocabulary ("gpt2" with Qwen2's pre-tokenizer).
#   The model is converted from a staging folder with the same config.json and weights (linked)
#   and a byte-level BPE tokenizer: the 256 byte symbols (ids 0-255), one merge (256) and
#   <|endoftext|> (257, the end-of-sequence token; ids follow on, as the tokenizers library
#   renumbers added tokens that do not), the other ids of the 151,936 unused ([PAD{i}]).
# - the pre-tokenizer's name: the converter recognises a tokenizer by the hash of its tokens for a
#   fixed text, and lists only published ones; this one is declared Qwen2's ("qwen2").
# Where sentencepiece is not installed, a stand-in lets the converter's Qwen2 path reach its
# no-tokenizer.model branch (it imports SentencePieceProcessor before looking for the file); where
# tqdm is not, gguf-py's progress bar is a silent stand-in.
import json
import os
import sys
import types
from pathlib import Path

EOS_ID = 257


def byte_symbols():
    """GPT-2's byte -> printable character table (byte-level BPE)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    table = dict(zip(printable, (chr(c) for c in chars), strict=True))
    return [table[b] for b in range(256)]


def bpe_tokenizer():
    symbols = byte_symbols()
    space = symbols[ord(" ")]
    vocab = {s: i for i, s in enumerate(symbols)}
    vocab[space + space] = 256
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {
                "id": EOS_ID,
                "content": "<|endoftext|>",
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
        ],
        "normalizer": None,
        "pre_tokenizer": byte_level,
        "post_processor": None,
        "decoder": byte_level,
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": [f"{space} {space}"],
        },
    }
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "eos_token": "<|endoftext|>",
        "add_bos_token": False,
        "model_max_length": 32768,
        "clean_up_tokenization_spaces": False,
    }
    return tokenizer, config


def staging(hf_dir: Path, where: Path) -> Path:
    """hf_dir's config and weights (linked) beside the byte-level BPE tokenizer."""
    where.mkdir(parents=True, exist_ok=True)
    for old in where.iterdir():
        old.unlink()
    for f in hf_dir.iterdir():
        if f.name == "config.json" or f.name.endswith(".safetensors") or f.name.endswith(".safetensors.index.json"):
            (where / f.name).symlink_to(f.resolve())
    tokenizer, config = bpe_tokenizer()
    (where / "tokenizer.json").write_text(json.dumps(tokenizer))
    (where / "tokenizer_config.json").write_text(json.dumps(config))
    return where


def run_converter(converter: Path, src: Path, out: Path, outtype: str):
    sys.path.insert(0, str(converter / "gguf-py"))
    sys.path.insert(0, str(converter))
    try:
        import sentencepiece  # noqa: F401
    except ImportError:
        stand_in = types.ModuleType("sentencepiece")

        class SentencePieceProcessor:
            def __init__(self, *a, **k):
                raise ImportError("sentencepiece is not installed (stand-in)")

        stand_in.SentencePieceProcessor = SentencePieceProcessor
        sys.modules["sentencepiece"] = stand_in
    try:
        import tqdm  # noqa: F401
    except ImportError:
        stand_in = types.ModuleType("tqdm")

        class Bar:
            def __init__(self, *a, **k):
                pass

            def __getattr__(self, name):
                return lambda *a, **k: None

        stand_in.tqdm = Bar
        sys.modules["tqdm"] = stand_in
    from conversion import base

    recognise = base.TextModel.get_vocab_base_pre

    def get_vocab_base_pre(self, tokenizer):
        try:
            return recognise(self, tokenizer)
        except NotImplementedError:
            print("gguf_convert: the staged byte-level BPE tokenizer is declared Qwen2's (qwen2)", flush=True)
            return "qwen2"

    base.TextModel.get_vocab_base_pre = get_vocab_base_pre
    read_vocabulary = base.TextModel.get_vocab_base

    def get_vocab_base(self):
        # The converter reads the vocabulary through transformers' AutoTokenizer; should that fail
        # on the staged tokenizer, the same list is read from its tokenizer.json (and said so).
        try:
            return read_vocabulary(self)
        except Exception as e:  # noqa: BLE001
            print(f"gguf_convert: AutoTokenizer failed ({type(e).__name__}: {e}); read from tokenizer.json", flush=True)
        import gguf

        staged = json.loads((self.dir_model / "tokenizer.json").read_text())
        added = {a["id"]: a["content"] for a in staged["added_tokens"]}
        by_id = {i: t for t, i in staged["model"]["vocab"].items()} | added
        tokens = [by_id.get(i, f"[PAD{i}]") for i in range(self.hparams["vocab_size"])]
        types = [
            gguf.TokenType.CONTROL if i in added else gguf.TokenType.NORMAL if i in by_id else gguf.TokenType.UNUSED
            for i in range(self.hparams["vocab_size"])
        ]
        return tokens, types, "qwen2"

    base.TextModel.get_vocab_base = get_vocab_base
    import convert_hf_to_gguf

    sys.argv = [
        "convert_hf_to_gguf.py",
        str(src),
        "--outfile",
        str(out),
        "--outtype",
        outtype,
        "--model-name",
        out.stem,
    ]
    convert_hf_to_gguf.main()


def main(argv):
    def option(name, default):
        if name in argv:
            i = argv.index(name)
            value = argv[i + 1]
            del argv[i : i + 2]
            return value
        return default

    outtype = option("--outtype", "f16")
    converter = Path(option("--converter", ".llama-convert")).resolve()
    if len(argv) != 2:
        sys.exit("usage: python3 bench/llm/gguf_convert.py HF_DIR OUT.gguf [--outtype f16|q8_0] [--converter DIR]")
    if not (converter / "convert_hf_to_gguf.py").is_file():
        sys.exit(f"no llama.cpp converter in {converter}: bench/llm/fetch-llama-converter.sh makes it")
    hf_dir, out = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    src = staging(hf_dir, Path(os.environ.get("TMPDIR", "/tmp")) / f"gguf-src-{out.stem}")
    run_converter(converter, src, out, outtype)


if __name__ == "__main__":
    main(sys.argv[1:])
