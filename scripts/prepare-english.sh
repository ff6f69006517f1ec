#!/usr/bin/env bash
# Builds the public-domain English corpus for the embedded English model, deterministically.
#
# Reads exactly these Debian 12 packages and files (installed by this script with apt-get):
#   bible-kjv    `bible -f Gen1:1-Rev22:21`: the King James Bible, one verse per line ("Ge1:1 In the beginning ...");
#                the verse reference is stripped, each verse is one paragraph.
#   miscfiles    /usr/share/state/us-constitution.gz  (the US Constitution)
#                /usr/share/state/us-declaration.gz   (the US Declaration of Independence)
#   jargon-text  /usr/share/doc/jargon-text/jargon.txt.gz  (the Jargon File 4.4.7; rules of box-drawing chars dropped)
#   dict-devil   /usr/share/dictd/devil.dict.dz  (Ambrose Bierce, The Devil's Dictionary; gzip-readable dictzip;
#                its dictfmt header lines 1-4 and the trailing alphabet line are dropped)
# All are public domain (see each package's /usr/share/doc/<pkg>/copyright).
#
# Processing: paragraphs are blank-line-separated blocks (a Bible verse is one); inside a paragraph every run of
# whitespace becomes one space; empty paragraphs are dropped; output has one paragraph per line.
# Split: paragraphs are numbered 0, 1, 2, ... across all sources in the order above; every 20th one
# (index % 20 == 19) goes to the held-out set, the rest to the training set.
#
# Writes:
#   data/english/train.txt               (~6 MB; NOT committed: rerun this script to regenerate it, bit for bit)
#   evals/data/english/heldout.txt.gz    (committed; gzip -9n so the bytes are reproducible)
# and prints the sha256 of both uncompressed texts (recorded in evals/data/english/README.md).
#
# Usage (from the repository root, as root or with sudo available): scripts/prepare-english.sh
set -euo pipefail
export LC_ALL=C.UTF-8

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

pkgs=(bible-kjv miscfiles jargon-text dict-devil)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y "${missing[@]}"
fi

for f in /usr/share/state/us-constitution.gz /usr/share/state/us-declaration.gz \
         /usr/share/doc/jargon-text/jargon.txt.gz /usr/share/dictd/devil.dict.dz; do
  [ -f "$f" ] || { echo "error: $f is missing (dpkg -L the package that should hold it)" >&2; exit 2; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# One paragraph per line: collapse whitespace inside blank-line-separated blocks.
paragraphs() { awk 'BEGIN { RS = "" } { gsub(/[ \t\r\n\f\v]+/, " "); sub(/^ /, ""); sub(/ $/, ""); if (length($0) > 0) print }'; }

# Bible: strip "Ge1:1 " references; each verse becomes its own block.
COLUMNS=100000 bible -f Gen1:1-Rev22:21 \
  | sed -E 's/^[1-3]?[A-Za-z]+[0-9]+:[0-9]+ //' | awk '{ print; print "" }' | paragraphs > "$tmp/bible.txt"
zcat /usr/share/state/us-constitution.gz | paragraphs > "$tmp/constitution.txt"
zcat /usr/share/state/us-declaration.gz | paragraphs > "$tmp/declaration.txt"
zcat /usr/share/doc/jargon-text/jargon.txt.gz | grep -v -E '^[[:space:]]*(═|─)+[[:space:]]*$' | paragraphs > "$tmp/jargon.txt"
zcat /usr/share/dictd/devil.dict.dz | awk 'NR > 4 && $0 != " abcdefghijklmnopqrstuvwxyz"' | paragraphs > "$tmp/devil.txt"

for s in bible constitution declaration jargon devil; do
  printf '%-13s %7d paragraphs %9d bytes\n' "$s" "$(wc -l < "$tmp/$s.txt")" "$(wc -c < "$tmp/$s.txt")" >&2
done

mkdir -p data/english evals/data/english
cat "$tmp/bible.txt" "$tmp/constitution.txt" "$tmp/declaration.txt" "$tmp/jargon.txt" "$tmp/devil.txt" \
  | awk -v train="data/english/train.txt" -v held="$tmp/heldout.txt" \
      '{ if ((NR - 1) % 20 == 19) print > held; else print > train }'
gzip -9 -n -c "$tmp/heldout.txt" > evals/data/english/heldout.txt.gz

echo "train:   data/english/train.txt            $(wc -l < data/english/train.txt) paragraphs, $(wc -c < data/english/train.txt) bytes" >&2
echo "heldout: evals/data/english/heldout.txt.gz $(wc -l < "$tmp/heldout.txt") paragraphs, $(wc -c < "$tmp/heldout.txt") bytes ($(wc -c < evals/data/english/heldout.txt.gz) gzipped)" >&2
echo "sha256 train.txt   $(sha256sum < data/english/train.txt | cut -d' ' -f1)"
echo "sha256 heldout.txt $(sha256sum < "$tmp/heldout.txt" | cut -d' ' -f1)"
