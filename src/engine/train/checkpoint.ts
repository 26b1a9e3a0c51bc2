/**
 * A training run's state on disk, in one file: a JSON header (step, settings, loss history) and the
 * parameters with Adam's two moments as float32. Written to a temporary file and renamed over the
 * old one, so a crash mid-write leaves the previous checkpoint whole.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

const FORMAT = 'impasto-training-checkpoint';
const VERSION = 1;

/** One step's losses, averaged over its batch. */
export interface StepRecord {
  readonly step: number;
  readonly content: number;
  readonly style: number;
  readonly tv: number;
  readonly total: number;
}

export interface TrainingState {
  /** Steps done. */
  readonly step: number;
  readonly parameters: Float32Array;
  /** Adam's first and second moments, one per parameter. */
  readonly firstMoment: Float32Array;
  readonly secondMoment: Float32Array;
  readonly history: readonly StepRecord[];
  /**
   * What the run was started with (painting, options): a checkpoint of another run is not resumed
   * into this one.
   */
  readonly settings: string;
}

interface Header {
  readonly format: string;
  readonly version: number;
  readonly step: number;
  readonly parameters: number;
  readonly history: readonly StepRecord[];
  readonly settings: string;
}

export async function writeCheckpoint(path: string, state: TrainingState): Promise<void> {
  const header: Header = { format: FORMAT, version: VERSION, step: state.step, parameters: state.parameters.length, history: state.history, settings: state.settings };
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.byteLength);
  // The floats start at a multiple of 4, so they can be read back without a copy.
  const padding = Buffer.alloc((4 - ((4 + json.byteLength) % 4)) % 4, 0x20);
  const body = [state.parameters, state.firstMoment, state.secondMoment].map((values) => Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  const temporary = `${path}.partial`;
  await writeFile(temporary, Buffer.concat([length, json, padding, ...body]));
  await rename(temporary, path);
}

/** The checkpoint at `path`, or undefined if there is none; throws on a file that is not one. */
export async function readCheckpoint(path: string): Promise<TrainingState | undefined> {
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!bytes) return undefined;
  const length = bytes.readUInt32LE(0);
  const header = JSON.parse(bytes.subarray(4, 4 + length).toString('utf8').trimEnd()) as Header;
  if (header.format !== FORMAT || header.version !== VERSION) throw new Error(`${path} is not a training checkpoint of this version.`);
  const start = 4 + length + ((4 - ((4 + length) % 4)) % 4);
  const floats = new Float32Array(new Uint8Array(bytes.subarray(start)).buffer);
  const n = header.parameters;
  if (floats.length !== 3 * n) throw new Error(`${path} is truncated.`);
  return { step: header.step, history: header.history, settings: header.settings, parameters: floats.slice(0, n), firstMoment: floats.slice(n, 2 * n), secondMoment: floats.slice(2 * n) };
}

export async function removeCheckpoint(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.partial`, { force: true });
}
