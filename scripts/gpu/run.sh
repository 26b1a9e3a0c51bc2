#!/bin/bash
# Runs on the GPU machine, from the unpacked pack in /tmp/p (see pack.sh): the doctor, the bench's
# GPU figures, check:gpu, a fast network's training steps and the large jobs, each under its own time limit, each one's output in
# $OUT/<step>.txt (the large jobs' pictures beside them); bench-onnx times onnxruntime's WebGPU
# provider (IMPASTO_ENGINE=onnx-webgpu). STEPS picks some: STEPS="bench check-gpu".
# On an H200 (4 Dec 2026) doctor, bench, bench-train and large took 2, 80, 13 and 7 s; check:gpu
# 140 s up to onnxruntime's WebGPU part and about 200 s whole without it (CHECK_ARGS=--onnx-webgpu=skip),
# and bench-onnx more than 60. For a lease of 15 minutes, a machine's start included:
#   BENCH_S=150 CHECK_S=230 CHECK_ARGS=--onnx-webgpu=skip STEPS="doctor bench check-gpu bench-train large"
cd /tmp/p
export OUT=${OUT:-/tmp/p/out} VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
export IMPASTO_SHARED_DIR=/tmp/p/shared IMPASTO_WEIGHTS_DIR=/tmp/p/shared/weights/vgg19 IMPASTO_FAST_WEIGHTS_DIR=/tmp/p/shared/weights/fast IMPASTO_SEGMENTATION_WEIGHTS_DIR=/tmp/p/shared/weights/segmentation/selfie
mkdir -p "$OUT"
step() { # name, seconds, command…
  local name=$1 limit=$2 started=$(date +%s); shift 2
  case " ${STEPS:-doctor bench check-gpu bench-train bench-onnx large} " in *" $name "*) ;; *) return ;; esac
  timeout "$limit" "$@" > "$OUT/$name.txt" 2>&1
  echo "=== $name: exit $? in $(( $(date +%s) - started )) s (limit $limit s)"
}
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; lscpu | grep 'Model name'; } > "$OUT/machine.txt" 2>&1
step doctor 20 ./node a/b/c/doctor.mjs
IMPASTO_BACKEND=webgpu step bench ${BENCH_S:-240} ./node a/b/c/engine.mjs --sizes=256,512,1024 --runs=3 --engines=tfjs --sections=evaluations,gpu,kernels,optimizer,fast,segmentation
step check-gpu ${CHECK_S:-240} ./node a/b/c/check-gpu.mjs --sizes=${CHECK_SIZES:-64,256,512} ${CHECK_ARGS:-}
IMPASTO_BACKEND=webgpu step bench-train ${TRAIN_S:-90} ./node a/b/c/train.mjs 5 256
IMPASTO_BACKEND=webgpu IMPASTO_ENGINE=onnx-webgpu step bench-onnx ${BENCH_ONNX_S:-120} ./node a/b/c/engine.mjs --sizes=256,512,1024 --runs=3 --engines=onnx-webgpu --sections=evaluations,gpu
IMPASTO_BACKEND=webgpu step large ${LARGE_S:-90} ./node a/b/c/large.mjs ${LARGE_JOBS:-2048:60}
# Only when asked (STEPS=profile): where a 512-px job's time goes, as a V8 CPU profile in $OUT/prof.
IMPASTO_BACKEND=webgpu step profile ${PROFILE_S:-90} ./node --cpu-prof --cpu-prof-dir="$OUT/prof" a/b/c/large.mjs 512:300
cat "$OUT/machine.txt"; grep -ah '^gpu \|^objective: \|^  "ok"\|^{"size"\|^training a fast\|× 256²' "$OUT"/*.txt
