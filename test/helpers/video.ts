import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '../../src/engine/clip/decode.ts';

/**
 * The same MP4 stored as a phone stores a portrait video: its frames untouched, and a turn for players
 * to apply in its display matrix (Debian's ffmpeg 5.1 writes the `rotate` tag as a matrix that turns
 * the picture `degrees` counter-clockwise; ffprobe reports it as the stream's `rotation`).
 */
export async function withTurnInMetadata(mp4: Uint8Array, degrees: 90 | 180 | 270): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'impasto-turned-'));
  try {
    const input = join(dir, 'stored.mp4');
    const output = join(dir, 'turned.mp4');
    await writeFile(input, mp4);
    await runFfmpeg(['-v', 'error', '-i', input, '-c', 'copy', '-metadata:s:v:0', `rotate=${degrees}`, '-y', output], 1024);
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
