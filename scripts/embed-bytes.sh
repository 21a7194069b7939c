#!/bin/sh
# Prints a C file defining `const unsigned char NAME[]` with the bytes of FILE and
# `const size_t NAME_len`, their number (used to compile the web UI's gzip-compressed
# files into batchd: binary, so not embed-text.sh's string).
# Usage: scripts/embed-bytes.sh NAME FILE
set -eu
[ $# -eq 2 ] || { echo "usage: $0 NAME FILE" >&2; exit 2; }
echo "/* Generated from $2 by scripts/embed-bytes.sh; do not edit. */"
echo "#include <stddef.h>"
echo "const unsigned char $1[] = {"
od -An -v -tx1 "$2" | sed -e 's/ *$//' -e '/^$/d' -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/        /'
echo "};"
echo "const size_t $1_len = $(wc -c <"$2");"
