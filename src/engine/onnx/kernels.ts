/** A convolution kernel in TensorFlow's `[k, k, in, out]` layout → ONNX Conv's `[out, in, k, k]`. */
export function hwioToOihw(kernel: Float32Array, k: number, inChannels: number, outChannels: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let ky = 0; ky < k; ky++)
    for (let kx = 0; kx < k; kx++)
      for (let i = 0; i < inChannels; i++)
        for (let o = 0; o < outChannels; o++) out[((o * inChannels + i) * k + ky) * k + kx] = kernel[((ky * k + kx) * inChannels + i) * outChannels + o]!;
  return out;
}
