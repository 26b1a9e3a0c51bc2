import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PUBLIC_DIR = new URL('./public/', import.meta.url);

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
}

/**
 * The page's files. The front end is TypeScript too, bundled in memory by esbuild when the server
 * starts: no build step, no network, nothing generated in the repository.
 */
export async function loadAssets(): Promise<Map<string, Asset>> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('app.ts', PUBLIC_DIR))],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: false,
    sourcemap: false,
  });
  return new Map<string, Asset>([
    ['/', { body: await readFile(new URL('index.html', PUBLIC_DIR)), contentType: 'text/html; charset=utf-8' }],
    ['/style.css', { body: await readFile(new URL('style.css', PUBLIC_DIR)), contentType: 'text/css; charset=utf-8' }],
    ['/app.js', { body: Buffer.from(bundle.outputFiles[0]!.contents), contentType: 'text/javascript; charset=utf-8' }],
  ]);
}
