#!/usr/bin/env bash
# Generates the TypeScript types for our .proto files into lib/proto/generated (or $1).
# The options match lib/proto/load.ts, so the types describe what the loader really returns.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/generated}
rm -rf "$out"
cd "$here"
npx --no-install proto-loader-gen-types --grpcLib=@grpc/grpc-js --longs=String --enums=String --defaults --oneofs \
  --importFileExtension=.ts -I . -O "$out" \
  discovery/v0/discovery.proto deviceplugin/v1beta1/deviceplugin.proto podresources/v1/podresources.proto \
  dra/v1/dra.proto pluginregistration/v1/pluginregistration.proto 2>&1 | grep -v 'warn Unknown' || true
