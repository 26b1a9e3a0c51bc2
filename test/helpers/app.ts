import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED_DIR, SHARED_VGG_DIR } from './shared.ts';

/** A fresh data directory and a styles folder seeded with the shared paintings (copies, not commits). */
export async function prepareAppDirs(): Promise<{ dataDir: string; stylesDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'impasto-app-'));
  const stylesDir = join(root, 'styles');
  await mkdir(stylesDir);
  for (const file of await readdir(join(SHARED_DIR, 'images'))) {
    if (file.startsWith('style_')) await copyFile(join(SHARED_DIR, 'images', file), join(stylesDir, file));
  }
  return { dataDir: join(root, 'data'), stylesDir };
}

export function appEnv(dirs: { dataDir: string; stylesDir: string }, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    IMPASTO_DATA_DIR: dirs.dataDir,
    IMPASTO_STYLES_DIR: dirs.stylesDir,
    IMPASTO_WEIGHTS_DIR: SHARED_VGG_DIR,
    IMPASTO_WEB_PORT: '0',
    IMPASTO_LOG_LEVEL: 'warn',
    ...overrides,
  };
}
