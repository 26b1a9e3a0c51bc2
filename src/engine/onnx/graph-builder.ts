import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

type AttributeValue = number | number[] | string;

/**
 * A small writer of ONNX graphs: nodes get unique output names, constants become initializers.
 * Only what the style transfer graphs need (float32 tensors, int/float/ints attributes).
 */
export class GraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private counter = 0;

  input(name: string, dims: readonly number[], type: 'float' | 'int64' = 'float'): string {
    this.inputs.push(valueInfo(name, dims, type));
    return name;
  }

  output(name: string, dims: readonly number[]): string {
    this.outputs.push(valueInfo(name, dims, 'float'));
    return name;
  }

  constant(values: Float32Array | readonly number[], dims: readonly number[], hint = 'const'): string {
    const name = `${hint}_${this.counter++}`;
    this.initializers.push(onnx.TensorProto.create({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: toBytes(Float32Array.from(values)) }));
    return name;
  }

  int64s(values: readonly number[], hint = 'shape'): string {
    const name = `${hint}_${this.counter++}`;
    const bytes = new Uint8Array(new BigInt64Array(values.map((value) => BigInt(value))).buffer);
    this.initializers.push(onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: bytes }));
    return name;
  }

  /** Adds a node; returns its outputs' names (`outputs` of them). */
  node(op: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, outputs = 1, name?: string): string[] {
    const base = name ?? `${op.toLowerCase()}_${this.counter++}`;
    const outputNames = Array.from({ length: outputs }, (_, index) => (outputs === 1 ? base : `${base}_${index}`));
    this.nodes.push(
      onnx.NodeProto.create({
        opType: op,
        input: [...inputs],
        output: outputNames,
        attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
      }),
    );
    return outputNames;
  }

  /** Shorthand for single-output nodes. */
  op(op: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, name?: string): string {
    return this.node(op, inputs, attributes, 1, name)[0]!;
  }

  /** Renames a value to a graph output name (Identity). */
  alias(value: string, name: string): string {
    return this.op('Identity', [value], {}, name);
  }

  build(): Uint8Array {
    const graph = onnx.GraphProto.create({ name: 'impasto', node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs });
    const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'impasto', graph });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, dims: readonly number[], type: 'float' | 'int64') {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: type === 'float' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64,
        shape: { dim: dims.map((value) => ({ dimValue: value })) },
      },
    },
  });
}

function attribute(name: string, value: AttributeValue) {
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: value });
  if (Number.isInteger(value)) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value });
}

function toBytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
