#!/bin/sh
# Prints a C file defining `const char NAME[]` with the text of FILE (used to compile
# the OpenAPI document and the web UI's files into batchd). '?' is written \? so that no
# "??x" of the text (JavaScript's ?? operator) reads as a C trigraph.
# Usage: scripts/embed-text.sh NAME FILE
set -eu
[ $# -eq 2 ] || { echo "usage: $0 NAME FILE" >&2; exit 2; }
echo "/* Generated from $2 by scripts/embed-text.sh; do not edit. */"
echo "const char $1[] ="
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/        "/' -e 's/$/\\n"/' "$2"
echo "        ;"
