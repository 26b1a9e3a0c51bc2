import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../src/adapters/web/api-types.ts';
import { appEnv, prepareAppDirs, startAppProcess } from '../helpers/app.ts';
import { loadSharedImage, sharedImagePath } from '../helpers/shared.ts';
import { syntheticClip } from '../../src/engine/clip/synthetic.ts';
import { encodeGif } from '../../src/engine/gif.ts';

/**
 * Nothing is lost when the process dies at the worst moment: a real `impasto start` child process,
 * jobs submitted over its web API, a real SIGKILL while a job runs, and a restart on the same data.
 */
const children: ChildProcess[] = [];
let cookie = '';

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

const startChild = (env: Record<string, string>) => startAppProcess(env, children);

async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, { ...init, headers: { ...(init.headers ?? {}), cookie } });
  const setCookie = response.headers.get('set-cookie');
  if (setCookie) cookie = setCookie.split(';')[0]!;
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function submit(base: string, fields: Record<string, string>, content: { bytes: Uint8Array; type: string; name: string } = { bytes: new Uint8Array(0), type: '', name: '' }): Promise<PublicJob> {
  const form = new FormData();
  if (content.bytes.byteLength > 0) form.set('content', new Blob([Buffer.from(content.bytes)], { type: content.type }), content.name);
  else form.set('content', new Blob([await readFile(sharedImagePath('content_dog.jpg'))], { type: 'image/jpeg' }), 'dog.jpg');
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  return (await call<{ job: PublicJob }>(`${base}api/jobs`, { method: 'POST', body: form })).job;
}

async function waitForJob(base: string, id: string, predicate: (job: PublicJob) => boolean): Promise<PublicJob> {
  for (;;) {
    const job = await call<PublicJob>(`${base}api/jobs/${id}`);
    if (predicate(job)) return job;
    if (['failed', 'cancelled'].includes(job.status) && !predicate(job)) throw new Error(`job ${id} ended ${job.status}: ${job.error}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The engine process(es) among a process's children (esbuild's service is a child too). */
function enginePids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('engine-worker.ts'))
      .map((line) => Number(line.trim().split(/\s+/)[0]));
  } catch {
    return [];
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('kill -9 and restart', () => {
  it('keeps queued jobs, re-runs the interrupted one, and keeps finished results', async () => {
    const dirs = await prepareAppDirs();
    const env = appEnv(dirs, { IMPASTO_LOG_LEVEL: 'info', IMPASTO_PROGRESS_INTERVAL_MS: '0', IMPASTO_MAX_QUEUED_PER_USER: '5' });
    const first = await startChild(env);

    const done = await submit(first.url, { style_name: 'udnie', size: '64', iterations: '3' });
    await waitForJob(first.url, done.id, (job) => job.status === 'succeeded');
    const interrupted = await submit(first.url, { style_name: 'the-scream', size: '96', iterations: '60' });
    const waiting = await submit(first.url, { style_name: 'great-wave', size: '64', iterations: '3' });
    await waitForJob(first.url, interrupted.id, (job) => job.status === 'running' && (job.progress?.iteration ?? 0) >= 2);

    // One engine process per lane: painting and fast networks.
    const engines = enginePids(first.child.pid!);
    expect(engines).toHaveLength(2);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    // The orphaned engine processes notice and exit instead of computing for nobody.
    for (let i = 0; i < 100 && engines.some(isAlive); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(engines.filter(isAlive)).toEqual([]);

    const second = await startChild(env);
    const resumed = await call<PublicJob>(`${second.url}api/jobs/${interrupted.id}`);
    expect(['queued', 'running']).toContain(resumed.status);
    expect(resumed.restarted).toBe(true);
    expect((await call<PublicJob>(`${second.url}api/jobs/${waiting.id}`)).restarted).toBe(false);

    const rerun = await waitForJob(second.url, interrupted.id, (job) => job.status === 'succeeded');
    expect(rerun.result?.iterations).toBe(60);
    const last = await waitForJob(second.url, waiting.id, (job) => job.status === 'succeeded');
    // The interrupted job kept its place ahead of the one that was waiting behind it.
    expect(last.finishedAt!).toBeGreaterThan(rerun.finishedAt!);
    const before = await call<PublicJob>(`${second.url}api/jobs/${done.id}`);
    expect(before.status).toBe('succeeded');
    const png = Buffer.from(await (await fetch(`${second.url}api/jobs/${done.id}/result.png`, { headers: { cookie } })).arrayBuffer());
    expect((await sharp(png).metadata()).format).toBe('png');
    expect(second.log.join('')).toContain('requeued jobs interrupted by a restart');

    second.child.kill('SIGTERM');
    const code = await new Promise((resolve) => second.child.once('exit', resolve));
    expect(code).toBe(0);
  }, 180_000);

  it('resumes a clip after its last finished frame', async () => {
    const dirs = await prepareAppDirs();
    const env = appEnv(dirs, { IMPASTO_LOG_LEVEL: 'info', IMPASTO_PROGRESS_INTERVAL_MS: '0' });
    const clip = await syntheticClip(await loadSharedImage('content_tubingen.jpg'), await loadSharedImage('content_dog.jpg'), { frames: 8, width: 96, height: 72 });
    const gif = { bytes: await encodeGif(clip.frames, { maxSide: 96 }), type: 'image/gif', name: 'street.gif' };
    const first = await startChild(env);
    const job = await submit(first.url, { style_name: 'starry-night', size: '96', iterations: '60' }, gif);
    await waitForJob(first.url, job.id, (current) => current.status === 'running' && (current.progress?.iteration ?? 0) >= 3);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const second = await startChild(env);
    // The first frame count reported after the restart: the saved frames are not painted again.
    const resumed = await waitForJob(second.url, job.id, (current) => current.status === 'succeeded' || (current.status === 'running' && current.progress !== undefined));
    expect(resumed.status).toBe('running');
    expect(resumed.progress!.iteration).toBeGreaterThanOrEqual(3);
    const done = await waitForJob(second.url, job.id, (current) => current.status === 'succeeded');
    const animation = Buffer.from(await (await fetch(`${second.url}api/jobs/${done.id}/result.gif`, { headers: { cookie } })).arrayBuffer());
    expect((await sharp(animation, { animated: true }).metadata()).pages).toBe(8);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  }, 180_000);
});
