#!/usr/bin/env bash
# llama.cpp's own Hugging Face -> GGUF converter (convert_hf_to_gguf.py, its conversion/ package and
# gguf-py's gguf/, pure Python) into .llama-convert/ (ignored by git; the device tool carries it,
# about 2 MB), from the llama.cpp release that node-llama-cpp's prebuilt builds are made of: the git
# bundle node-llama-cpp ships (node_modules/node-llama-cpp/llama/gitRelease.bundle), or any other
# git repository of llama.cpp given as LLAMA_CPP_GIT (a clone or a bare mirror).
#   bash bench/llm/fetch-llama-converter.sh          # then carry .llama-convert
# bench/llm/gguf_convert.py runs the converter from there.
set -euo pipefail
DEST=${1:-.llama-convert}
SRC=${LLAMA_CPP_GIT:-node_modules/node-llama-cpp/llama/gitRelease.bundle}
[ -e "$SRC" ] || { echo "no llama.cpp repository at $SRC (npm ci first, or set LLAMA_CPP_GIT)"; exit 1; }
TMP=$(mktemp -d) && trap 'rm -rf "$TMP"' EXIT
if [ -f "$SRC" ]; then
  git clone -q --bare "$SRC" "$TMP/llama.git"
  GIT=$TMP/llama.git
else
  GIT=$SRC
fi
rm -rf "$DEST" && mkdir -p "$DEST"
git --git-dir="$GIT" archive HEAD convert_hf_to_gguf.py conversion gguf-py/gguf gguf-py/LICENSE LICENSE | tar xf - -C "$DEST"
RELEASE=$(node -p 'require("./node_modules/node-llama-cpp/llama/llama.cpp.info.json").tag' 2> /dev/null || echo unknown)
printf '{"source": "%s", "commit": "%s", "node_llama_cpp_llama_cpp_release": "%s"}\n' \
  "$SRC" "$(git --git-dir="$GIT" rev-parse HEAD)" "$RELEASE" > "$DEST/SOURCE.json"
cat "$DEST/SOURCE.json"
du -sh "$DEST"
