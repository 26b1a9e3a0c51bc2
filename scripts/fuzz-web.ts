/**
 * `npm run fuzz:web -- [seconds=60] [workers=6] [--restarts=N] [--disk=MB]`: a flood of odd requests against the
 * real app, as an outside harness would send. Starts `impasto start` (the playground) on 127.0.0.1 in
 * a fresh data directory, then for `seconds` sends random stylize forms (odd values, damaged and empty
 * files, unknown options), job actions on its own jobs (cancel, remove, repaint, downloads), style
 * adds and removes of the same few names at once, and stray methods and paths; with `--restarts`, it
 * kills the app that many times meanwhile (by turns SIGKILL and SIGTERM) and starts it again on the
 * same data. It then checks that no accepted job is gone or stuck and that a plain job still
 * succeeds, and fails (exit 1) on any answer of 500 or more outside a restart, any error logged by
 * the app, or the app exiting. With `--disk=MB` (as root: it mounts a tmpfs) the app has that much
 * room left once it has started, so that the flood fills its disk: answers of 507 and the errors
 * logged for a full disk are expected then, and room is made before the plain job. Not part of `npm test`: it is random and slow. Needs the shared
 * weights and photos (IMPASTO_SHARED_DIR, or ../shared).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { heicOf, heifOfPictures } from '../test/helpers/heic.ts';
import { counted } from '../src/bot/format.ts';
import { floodArguments, pick, restartDuringFlood, SHARED_DIR, sleep, startFuzzedApp } from './fuzz/app.ts';

const { seconds, workers, restarts, redisWorkers, diskMb } = floodArguments({ seconds: 60, workers: 6 });
const port = 20_000 + Math.floor(Math.random() * 10_000);
const base = `http://127.0.0.1:${port}`;
const app = await startFuzzedApp({ IMPASTO_WEB_PORT: String(port) }, { redisWorkers, diskMb });

const findings: string[] = [];
const answers = new Map<string, number>();
const jobIds: string[] = [];
/** When each accepted job was asked for: one asked for before a forget-me finished may rightly be gone. */
const askedAt = new Map<string, number>();
let forgottenUntil = 0;
const removalsAsked = new Set<string>();
const cookie = await waitForApp();

const photo = await readFile(join(SHARED_DIR, 'images', 'content_dog.jpg'));
const painting = await readFile(join(SHARED_DIR, 'images', 'style_udnie.jpg'));
const avif = Buffer.from(await sharp(photo).resize(96).avif().toBuffer());
const heic = Buffer.from(await heicOf(await sharp(photo).resize(96).jpeg().toBuffer()));
// A burst: the primary picture (a narrow one) stored second.
const burst = Buffer.from(await heifOfPictures([await sharp(photo).resize(96).jpeg().toBuffer(), await sharp(photo).resize(40, 96, { fit: 'fill' }).jpeg().toBuffer()], 1));
const FILES = [photo, painting, avif, avif.subarray(0, avif.length / 2), heic, heic.subarray(0, heic.length / 2), burst, Buffer.alloc(0), Buffer.from('GIF89a'), photo.subarray(0, 500), Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), Buffer.alloc(3000, 0xff)];
const FIELDS = ['style_name', 'mode', 'size', 'iterations', 'strength', 'content_weight', 'style_weight', 'tv_weight', 'optimizer', 'init', 'seed', 'preserve_colors', 'style_scale', 'multi_scale', 'target', 'background_style', 'frames', 'network', '__proto__', 'constructor'];
const VALUES = ['', ' ', '0', '-1', '1', '3.5', '96', '97', '1e309', 'NaN', 'Infinity', '-0', '0x10', 'true', 'null', '[]', '{}', 'the-scream', 'starry-night', 'mine', 'mine:0.5,other:0.5', 'starry-night:0.5,the-scream:0.5', 'x'.repeat(5000), '../../etc/passwd', 'fast', 'best', 'optimise', 'adam', 'noise', 'person', 'background', '\u0000', '😀', 'starry-night:-1', 'a:b:c'];
const JOB_ACTIONS = [['DELETE', ''], ['DELETE', '/result'], ['POST', '/rerun/less'], ['POST', '/rerun/seed'], ['POST', '/rerun/best'], ['POST', '/rerun/nope'], ['GET', ''], ['GET', '/result.png'], ['GET', '/result.gif'], ['GET', '/content.png']] as const;
const STRAY_PATHS = ['/api/queue', '/api/jobs', '/api/styles', '/api/info', '/api/jobs/%00', '/api/jobs/..%2f..%2f', '/%2e%2e/etc/passwd', '/api/styles/sheet.jpg', '/api/styles/sheet.jpg?page=0', '/api/styles/sheet.jpg?page=1e9', '/api/styles/sheet.jpg?page=abc&page=2', `/api/styles/sheet.jpg?search=${'%E2%80%A6'.repeat(200)}`, '/api/styles/sheet.jpg?search=%00', '/api/nope'];

await app.fillDisk();
const deadline = Date.now() + seconds * 1000;
await Promise.all([...Array.from({ length: workers }, flood), restartDuringFlood(app, { seconds, restarts, readyMessages: ['web playground listening'] })]);
// The checks after the flood ask the app: one that stopped during it is the finding (app.problems
// says how it ended), not the requests that then fail.
const stoppedDuringFlood = app.exited() !== undefined;
let stillPaints = false;
if (!stoppedDuringFlood) {
  await findLostJobs();
  // The queue may be long after the flood: what is left is cancelled before the plain job.
  for (const id of jobIds) await send('DELETE', `/api/jobs/${id}`);
  await findStuckJobs();
  // A full disk refuses new pictures: the app is to paint again as soon as it has room.
  await app.makeRoom();
  stillPaints = await paintOnce();
}
findings.push(...app.problems());
await app.stop();
if (!stillPaints && !stoppedDuringFlood) findings.push('a plain job did not succeed after the flood');
console.table([...answers].sort().map(([answer, count]) => ({ answer, count })));
console.log(findings.length === 0 ? `no findings (${seconds} s, ${counted(workers, 'worker')}, ${counted(restarts, 'restart')}${redisWorkers > 0 ? `, ${counted(redisWorkers, 'engine worker')} on Redis` : ''}${diskMb > 0 ? `, ${diskMb} MB of disk (${app.diskFullErrors()} errors logged for it)` : ''}, ${counted(jobIds.length, 'job')} queued)` : findings.join('\n'));
process.exit(findings.length === 0 ? 0 : 1);

async function waitForApp(): Promise<string> {
  for (let attempt = 0; attempt < 150 && !app.exited(); attempt++) {
    try {
      const response = await fetch(`${base}/api/info`);
      // The playground's jobs belong to a browser, known by its cookie: every request sends this one.
      return (response.headers.get('set-cookie') ?? '').split(';')[0]!;
    } catch {
      await sleep(200);
    }
  }
  throw new Error(`the app did not start (${app.exited() ?? 'no answer'}):\n${app.log()}`);
}

async function send(method: string, path: string, body?: FormData): Promise<string> {
  try {
    const response = await fetch(base + path, { method, body, headers: { origin: base, cookie } });
    const text = await response.text();
    const answer = `${method} ${response.status}${app.restarting() ? ' (restarting)' : ''}`;
    answers.set(answer, (answers.get(answer) ?? 0) + 1);
    if (response.status >= 500 && !app.restarting() && !(diskMb > 0 && response.status === 507)) findings.push(`${method} ${path} answered ${response.status}: ${text.slice(0, 200)}`);
    return text;
  } catch (error) {
    if (app.restarting()) {
      answers.set(`${method} refused (restarting)`, (answers.get(`${method} refused (restarting)`) ?? 0) + 1);
      await sleep(50);
    }
    else if (!app.exited()) findings.push(`${method} ${path} failed: ${String(error)}`);
    return '';
  }
}

async function flood(): Promise<void> {
  while (Date.now() < deadline && !app.exited()) {
    const roll = Math.random();
    if (roll < 0.55) await submitOddJob();
    else if (roll < 0.8 && jobIds.length > 0) {
      const [method, part] = pick(JOB_ACTIONS);
      const id = pick(jobIds);
      // A finished job's owner may remove it (the result's Remove): then it is rightly gone.
      if (method === 'DELETE' && part === '/result') removalsAsked.add(id);
      await send(method, `/api/jobs/${id}${part}`);
    } else if (roll < 0.87) {
      const form = new FormData();
      form.append('name', pick(['mine', 'other', 'UPPER', '../a', 'a'.repeat(40), 'the-scream', '']));
      form.append('image', new Blob([pick(FILES)]), 'style.jpg');
      await send('POST', '/api/styles', form);
    } else if (roll < 0.9) await send('DELETE', `/api/styles/${pick(['mine', 'other', 'the-scream', 'nope'])}`);
    else if (roll < 0.9005) {
      await send('POST', '/api/forget-me');
      forgottenUntil = Date.now();
    }
    else await send(pick(['GET', 'PUT', 'PATCH', 'POST']), pick(STRAY_PATHS));
  }
}

async function submitOddJob(): Promise<void> {
  const form = new FormData();
  if (Math.random() < 0.9) form.append('content', new Blob([pick(FILES)]), pick(['a.jpg', 'b.png', 'c', '../x.jpg', 'v.mp4']));
  if (Math.random() < 0.3) form.append('style', new Blob([pick(FILES)]), 's.jpg');
  if (Math.random() < 0.2) form.append('mask', new Blob([pick(FILES)]), 'm.png');
  for (let index = Math.floor(Math.random() * 5); index > 0; index--) form.append(pick(FIELDS), pick(VALUES));
  form.append('size', '64');
  form.append('iterations', '2');
  const asked = Date.now();
  const text = await send('POST', '/api/jobs', form);
  const id = (JSON.parse(text || '{}') as { job?: { id?: string } }).job?.id;
  if (!id) return;
  jobIds.push(id);
  askedAt.set(id, asked);
}

/** Every job the app accepted is still there (restarts lose none), unless a forget-me or its Remove deleted it. */
async function findLostJobs(): Promise<void> {
  for (const id of jobIds) {
    if (askedAt.get(id)! < forgottenUntil) continue;
    const response = await fetch(`${base}/api/jobs/${id}`, { headers: { cookie } });
    if (response.status !== 404) continue;
    if (removalsAsked.has(id)) answers.set('gone after its Remove', (answers.get('gone after its Remove') ?? 0) + 1);
    else findings.push(`job ${id} was accepted, and is gone`);
  }
}

/** A plain job after the flood: it must still be painted. */
async function paintOnce(): Promise<boolean> {
  const form = new FormData();
  form.append('content', new Blob([photo]), 'dog.jpg');
  form.append('style_name', 'starry-night');
  form.append('size', '64');
  form.append('iterations', '2');
  const id = (JSON.parse((await send('POST', '/api/jobs', form)) || '{}') as { job?: { id?: string } }).job?.id;
  for (let attempt = 0; id && attempt < 600 && !app.exited(); attempt++) {
    const { status } = JSON.parse(await send('GET', `/api/jobs/${id}`)) as { status: string };
    if (status === 'succeeded') return true;
    if (status === 'failed' || status === 'cancelled') return false;
    await sleep(500);
  }
  return false;
}

/** After every job was cancelled, none stays queued or running (a job a restart left behind would). */
async function findStuckJobs(): Promise<void> {
  let unfinished = jobIds;
  for (let attempt = 0; attempt < 240 && unfinished.length > 0 && !app.exited(); attempt++) {
    const statuses = await Promise.all(unfinished.map(async (id) => ({ id, status: (JSON.parse((await send('GET', `/api/jobs/${id}`)) || '{}') as { status?: string }).status })));
    unfinished = statuses.filter((job) => job.status === 'queued' || job.status === 'running').map((job) => job.id);
    if (unfinished.length > 0) await sleep(500);
  }
  if (unfinished.length > 0) findings.push(`jobs still queued or running two minutes after all were cancelled: ${unfinished.join(', ')}`);
}
