import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Mesa's lavapipe as `scripts/install-lavapipe.sh` unpacks it into this checkout (git-ignored). */
export const LAVAPIPE_MANIFEST = fileURLToPath(new URL('../../.cache/lavapipe/lvp_icd.json', import.meta.url));

/**
 * Points Vulkan's loader, in this process and the processes it starts, at lavapipe only: WebGPU's
 * kernels then run for real on the CPU, the same on every machine (a GPU of the developer's is
 * left out: `npm run check:gpu` is for that one).
 */
export function useLavapipe(): NodeJS.ProcessEnv {
  // The manifest names the driver by its full path: a checkout moved since has none there.
  const driver = existsSync(LAVAPIPE_MANIFEST) ? (JSON.parse(readFileSync(LAVAPIPE_MANIFEST, 'utf8')) as { ICD?: { library_path?: string } }).ICD?.library_path : undefined;
  if (!driver || !existsSync(driver)) {
    throw new Error(`The WebGPU tests run on Mesa's lavapipe, which is not unpacked here (${LAVAPIPE_MANIFEST}): run \`bash scripts/install-lavapipe.sh\` once (.ci/run does).`);
  }
  process.env.VK_ICD_FILENAMES = LAVAPIPE_MANIFEST;
  return process.env;
}
