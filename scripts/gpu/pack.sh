#!/bin/bash
# Builds .gpu/ for a GPU machine that has a driver but no Node and no network (such as a lent test
# machine, see ../shared/gpu/README.md): Node itself, the Vulkan loader, the GPU checks bundled with
# esbuild, the native parts they load, and the weights and photos they read. About 63 MB in all.
# .gpu/gl is the Vulkan loader and libglvnd: NVIDIA's Vulkan driver cannot start without libglvnd
# (seen on an H200: Dawn found no adapter with the loader alone). Carry all of it.
#
#   scripts/gpu/pack.sh            # then carry .gpu/node.xz, .gpu/pack.tar.xz and .gpu/gl there, and run
#   for f in .gpu/gl/*.deb; do dpkg -x $f /; done; ldconfig; mkdir -p /tmp/p && xz -dc .gpu/node.xz > /tmp/p/node && chmod +x /tmp/p/node && tar xJf .gpu/pack.tar.xz -C /tmp/p && bash /tmp/p/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${IMPASTO_SHARED_DIR:-../shared}
P=.gpu/pack nm=node_modules
mkdir -p .gpu
if [ ! -s .gpu/node.xz ]; then # Node, stripped of its debugging symbols (13 MB less; addons use the dynamic ones)
  strip -o .gpu/node "$(readlink -f "$(command -v node)")" && xz -T2 -6 -c .gpu/node > .gpu/node.xz && rm .gpu/node
fi
if [ ! -d .gpu/gl ]; then # the Vulkan loader (Dawn needs it; the machine has NVIDIA's driver and ICD)
  mkdir -p .gpu/gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update > /dev/null && (cd .gpu/gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
rm -rf $P && mkdir -p $P/node_modules $P/shared/images $P/shared/weights/fast $P/shared/weights/segmentation
# One bundle per entry, sharing chunks. Three folders down, so that the modules' paths to the repo's
# weights/ manifests (../../weights, ../../../weights) land inside the pack. TensorFlow.js stays a
# package (the engine imports its backends by name, and they must share one tfjs-core), and so do
# the native modules.
npx esbuild scripts/check-gpu.ts bench/engine.ts bench/fast-peak.ts bench/gpu-host.ts bench/train.ts scripts/gpu/doctor.ts scripts/gpu/large.ts --bundle --splitting \
  --platform=node --format=esm --target=node20 --ignore-annotations --log-level=warning \
  --external:webgpu --external:onnxruntime-node --external:sharp --external:'@tensorflow/*' --external:better-sqlite3 --external:libheif-js \
  --banner:js='import { createRequire as __cr } from "module"; const require = __cr(import.meta.url);' \
  --outdir=$P/a/b/c --entry-names='[name]' --out-extension:.js=.mjs
mkdir -p $P/weights $P/a/weights && cp weights/*.manifest.json $P/weights/ && cp weights/*.manifest.json $P/a/weights/
mkdir -p $P/$nm/webgpu/dist/linux-x64 && cp $nm/webgpu/{index.js,package.json} $P/$nm/webgpu/ && cp $nm/webgpu/dist/linux-x64/dawn.node $P/$nm/webgpu/dist/linux-x64/
mkdir -p $P/$nm/onnxruntime-node/bin/napi-v6/linux/x64 && cp -r $nm/onnxruntime-node/{package.json,dist} $P/$nm/onnxruntime-node/ && cp $nm/onnxruntime-node/bin/napi-v6/linux/x64/* $P/$nm/onnxruntime-node/bin/napi-v6/linux/x64/
cp -r $nm/onnxruntime-common $P/$nm/
for m in tfjs tfjs-core tfjs-backend-cpu tfjs-backend-webgpu tfjs-backend-webgl tfjs-converter tfjs-data tfjs-layers; do
  d=$nm/@tensorflow/$m; mkdir -p $P/$d/dist; cp $d/package.json $P/$d/; main=$(node -p "require('./$d/package.json').main"); cp $d/$main $P/$d/$main
done
for m in long seedrandom node-fetch whatwg-url tr46 webidl-conversions sharp detect-libc semver @img/colour @img/sharp-linux-x64 @img/sharp-libvips-linux-x64; do mkdir -p $P/$nm/$(dirname $m); cp -r $nm/$m $P/$nm/$m; done
cp $SHARED/images/{content_tubingen.jpg,style_starry_night.jpg,content_person.jpg,content_dog.jpg,content_beach_kites.jpg} $P/shared/images/
cp -r $SHARED/weights/vgg19 $P/shared/weights/
cp $SHARED/weights/fast/{manifest.json,wave.f32.bin} $P/shared/weights/fast/
cp -r $SHARED/weights/segmentation/selfie $P/shared/weights/segmentation/
cp scripts/gpu/run.sh $P/
# -9e: the pack, Node and the tree together must stay under the 64 MiB a lent machine takes.
tar cf - -C $P . | xz -T2 -9e > .gpu/pack.tar.xz && rm -rf $P
du -cb .gpu/node.xz .gpu/pack.tar.xz .gpu/gl | tail -1 | awk '{ printf "carry .gpu/node.xz, .gpu/pack.tar.xz and .gpu/gl: %.1f MB\n", $1 / 1e6 }'
