/**
 * Fetching weight files: every byte from a URL we chose (no redirects), checked against a sha256
 * where one is known, and written atomically so that an interrupted download never leaves a file
 * the loaders would trust. Shared by the VGG-19 weights and the fast networks.
 */
import { createHash } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { WeightsError } from './errors.ts';
import { messageOf } from '../error-message.ts';

export interface FetchOptions {
  readonly fetchImpl?: typeof fetch | undefined;
  /** Bytes received since the last call. */
  readonly onChunk?: ((bytes: number) => void) | undefined;
  /** What to tell a person when the network is unreachable. */
  readonly hint: string;
}

/** The file at `url`, or a `WeightsError` that names it (and the sha256 expected, if it did not match). */
export async function fetchVerified(url: URL, expectedSha256: string | undefined, options: FetchOptions): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await (options.fetchImpl ?? fetch)(url, { redirect: 'error' });
  } catch (error) {
    throw new WeightsError(`Could not download ${url.href} (${describeNetworkError(error)}). ${options.hint}`);
  }
  if (!response.ok || !response.body) throw new WeightsError(`Downloading ${url.href} failed: HTTP ${response.status}.`);
  const chunks: Uint8Array[] = [];
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    options.onChunk?.(chunk.byteLength);
  }
  const bytes = Buffer.concat(chunks);
  if (expectedSha256 && sha256(bytes) !== expectedSha256) {
    throw new WeightsError(`${url.href} failed its sha256 check (expected ${expectedSha256}); the download was discarded.`);
  }
  return bytes;
}

export async function writeAtomically(target: string, bytes: Uint8Array | readonly Uint8Array[]): Promise<void> {
  const temporary = `${target}.${process.pid}.partial`;
  try {
    await writeFile(temporary, bytes instanceof Uint8Array ? bytes : Buffer.concat(bytes));
    await rename(temporary, target);
  } finally {
    await rm(temporary, { force: true });
  }
}

export function sha256(bytes: Uint8Array | readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const part of bytes instanceof Uint8Array ? [bytes] : bytes) hash.update(part);
  return hash.digest('hex');
}

export function ensureTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  return cause?.code ?? cause?.message ?? messageOf(error);
}
