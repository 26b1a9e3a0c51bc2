import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage, type RgbImage } from '../../src/engine/image.ts';

/**
 * The shared test data (weights and images) lives outside the repository and is never committed:
 * IMPASTO_SHARED_DIR, or ../shared beside the checkout.
 */
export const SHARED_DIR = resolve(process.env.IMPASTO_SHARED_DIR ?? join(fileURLToPath(new URL('../../', import.meta.url)), '..', 'shared'));
export const SHARED_VGG_DIR = join(SHARED_DIR, 'weights', 'vgg19');
export const SHARED_FAST_DIR = join(SHARED_DIR, 'weights', 'fast');
export const SHARED_SEGMENTATION_DIR = join(SHARED_DIR, 'weights', 'segmentation', 'selfie');

export function sharedImagePath(name: string): string {
  return join(SHARED_DIR, 'images', name);
}

/** Writes the first half of shared photo `name` to `path`: its header reads, its pixels do not (a truncated download). */
export async function writeTruncatedPhoto(name: string, path: string): Promise<void> {
  const bytes = await readFile(sharedImagePath(name));
  await writeFile(path, bytes.subarray(0, bytes.length / 2));
}

export async function loadSharedImage(name: string): Promise<RgbImage> {
  return decodeImage(await readFile(sharedImagePath(name)));
}

/** A fast network's reference picture (its input, or its output painted upstream), as shipped beside the networks. */
export async function loadFastReference(name: string): Promise<RgbImage> {
  return decodeImage(await readFile(join(SHARED_FAST_DIR, 'reference', name)));
}
