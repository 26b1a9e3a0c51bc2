import type { ChildProcess } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicJob } from '../../src/adapters/web/api-types.ts';
import { appEnv, prepareAppDirs, startAppProcess } from '../helpers/app.ts';
import { sharedImagePath } from '../helpers/shared.ts';

/**
 * The faults an outside harness found in the playground (issue 19, items 1–6), driven against a real
 * `impasto start` child process: a crash shows as the process exiting, not as a broken test.
 */
const children: ChildProcess[] = [];
let base: URL;
let dataDir: string;
let child: ChildProcess;

beforeAll(async () => {
  const dirs = await prepareAppDirs();
  dataDir = dirs.dataDir;
  // Jobs are refused or cancelled here: none needs to run for long.
  // Without CI set, as on a user's machine: onnxruntime's own telemetry is off only where CI is
  // set, and impasto must turn it off everywhere (item 12's test).
  const env = { ...appEnv(dirs, { IMPASTO_MAX_QUEUE: '12', IMPASTO_MAX_QUEUED_PER_COMMUNITY: '12', IMPASTO_MAX_QUEUED_PER_USER: '2', IMPASTO_LOG_LEVEL: 'silent' }), CI: undefined };
  const started = await startAppProcess(env, children);
  base = new URL(started.url);
  child = started.child;
});
afterAll(() => {
  for (const process of children) if (process.exitCode === null) process.kill('SIGKILL');
});

interface RawResponse {
  readonly status: number;
  readonly body: string;
  readonly setCookie: string | undefined;
  readonly contentType?: string | undefined;
}

/** A request with exactly these headers (fetch would not let a test set Host or a broken body). */
function send(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: base.hostname, port: base.port, method, path, headers: { host: base.host, ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString(), setCookie: response.headers['set-cookie']?.[0]?.split(';')[0], contentType: response.headers['content-type'] }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function multipart(fields: Record<string, string>, withPhoto: Buffer | undefined): Promise<{ headers: Record<string, string>; body: Buffer }> {
  const form = new FormData();
  if (withPhoto) form.set('content', new Blob([new Uint8Array(withPhoto)], { type: 'image/jpeg' }), 'photo.jpg');
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  const encoded = new Response(form);
  return { headers: { 'content-type': encoded.headers.get('content-type')! }, body: Buffer.from(await encoded.arrayBuffer()) };
}

async function submitAs(cookie: string, fields: Record<string, string>, photo: Buffer): Promise<RawResponse> {
  const { headers, body } = await multipart(fields, photo);
  return send('POST', '/api/jobs', { ...headers, cookie }, body);
}

async function newClient(): Promise<string> {
  return (await send('GET', '/api/info', {})).setCookie!;
}

async function expectAlive(): Promise<void> {
  expect(child.exitCode).toBeNull();
  expect((await send('GET', '/api/info', {})).status).toBe(200);
}

async function cancelAll(cookie: string): Promise<void> {
  const jobs = JSON.parse((await send('GET', '/api/jobs', { cookie })).body) as PublicJob[];
  for (const job of jobs) if (job.status === 'queued' || job.status === 'running') await send('DELETE', `/api/jobs/${job.id}`, { cookie });
}

describe('malformed uploads (item 1)', () => {
  it('answers 400 to a body that ends inside a file part, and keeps running', async () => {
    const body = '--b\r\nContent-Disposition: form-data; name="content"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\npartial';
    const response = await send('POST', '/api/jobs', { 'content-type': 'multipart/form-data; boundary=b' }, body);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error).toBe('The upload was cut off or is not a valid form; please send it again.');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expectAlive();
  });

  it('answers 400 to garbage with a multipart type, and to a body that ends inside a field', async () => {
    const garbage = await send('POST', '/api/jobs', { 'content-type': 'multipart/form-data; boundary=b' }, 'this is not a form at all');
    expect(garbage.status).toBe(400);
    const cutField = await send('POST', '/api/styles', { 'content-type': 'multipart/form-data; boundary=b' }, '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nhalf-a-na');
    expect(cutField.status).toBe(400);
    await expectAlive();
  });
});

describe('queue limits under simultaneous requests (items 2 and 4)', () => {
  it('admits no more than the limits allow, and writes nothing for a refused job', async () => {
    const photo = await readFile(sharedImagePath('content_dog.jpg'));
    const fields = { style_name: 'starry-night', size: '64', iterations: '300' };
    const alone = await newClient();
    const burst = await Promise.all(Array.from({ length: 20 }, () => submitAs(alone, fields, photo)));
    const acceptedAlone = burst.filter((response) => response.status === 201).length;
    // Two waiting per person, plus at most one that the engine already took.
    expect(acceptedAlone).toBeGreaterThanOrEqual(2);
    expect(acceptedAlone).toBeLessThanOrEqual(3);
    for (const response of burst.filter((candidate) => candidate.status !== 201)) {
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body).error).toMatch(/the limit is 2 per person|The queue is full/);
    }

    const clients = await Promise.all(Array.from({ length: 10 }, () => newClient()));
    const flood = await Promise.all(clients.flatMap((cookie) => Array.from({ length: 3 }, () => submitAs(cookie, fields, photo))));
    const acceptedFlood = flood.filter((response) => response.status === 201).length;
    const queued = (await Promise.all([alone, ...clients].map(async (cookie) => JSON.parse((await send('GET', '/api/jobs', { cookie })).body) as PublicJob[]))).flat();
    expect(queued.filter((job) => job.status === 'queued').length).toBeLessThanOrEqual(12);
    expect(acceptedAlone + acceptedFlood).toBe(queued.length);

    // Each admitted job stored its photo and its own copy of the library style; refused ones nothing.
    const uploads = await readdir(join(dataDir, 'uploads'));
    expect(uploads.length).toBe(2 * queued.length);
    for (const cookie of [alone, ...clients]) await cancelAll(cookie);
  });
});

describe('a member over the limits, refused before the upload is read', () => {
  it('answers while the photo is still being sent, and keeps running', async () => {
    const photo = await readFile(sharedImagePath('content_dog.jpg'));
    const member = await newClient();
    // Long jobs (cancelled below), so that none ends and frees a place meanwhile.
    const fields = { style_name: 'starry-night', size: '256', iterations: '300' };
    let refused: RawResponse | undefined;
    for (let attempt = 0; attempt < 4 && !refused; attempt++) {
      const response = await submitAs(member, fields, photo);
      if (response.status !== 201) refused = response;
    }
    expect(JSON.parse(refused!.body).error).toMatch(/the limit is 2 per person/);

    // As the playground sends a form: its fields, then the photo, here a photo whose upload never ends.
    const answer = await new Promise<RawResponse>((resolve, reject) => {
      const boundary = 'impasto-test-boundary';
      const request = httpRequest({ host: base.hostname, port: base.port, method: 'POST', path: '/api/jobs', headers: { host: base.host, cookie: member, 'content-type': `multipart/form-data; boundary=${boundary}` } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString(), setCookie: undefined });
          request.destroy();
        });
      });
      request.on('error', reject);
      const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
      request.write(`${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
      // Never ended: only an answer given before the photo is read can arrive.
      request.write(photo.subarray(0, 64 * 1024));
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatch(/the limit is 2 per person/);
    await cancelAll(member);
    await expectAlive();
  });
});

describe('degenerate photos (item 3)', () => {
  it('refuses a 2000×2 photo at once, and the next job of another user still succeeds', async () => {
    const strip = await sharp({ create: { width: 2000, height: 2, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const refused = await submitAs(await newClient(), { style_name: 'starry-night', size: '64', iterations: '2' }, strip);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({
      error: 'The content image is 2000×2: too narrow to paint. Its long side may be at most 16 times its short side; crop it.',
      field: 'content',
    });
    const narrow = await sharp({ create: { width: 640, height: 80, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const tooSmall = await submitAs(await newClient(), { style_name: 'starry-night', size: '64', iterations: '2' }, narrow);
    expect(JSON.parse(tooSmall.body)).toEqual({ error: 'At size 64 the content image would be only 8 px across; ask for size 128 or more, or crop it.', field: 'size' });

    const other = await newClient();
    const accepted = await submitAs(other, { style_name: 'starry-night', size: '128', iterations: '3' }, narrow);
    expect(accepted.status).toBe(201);
    const { job } = JSON.parse(accepted.body) as { job: PublicJob };
    let finished: PublicJob;
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      finished = JSON.parse((await send('GET', `/api/jobs/${job.id}`, { cookie: other })).body) as PublicJob;
    } while (finished.status === 'queued' || finished.status === 'running');
    expect(finished.status).toBe('succeeded');
    expect(finished.result).toMatchObject({ width: 128, height: 16 });
    // The result's pictures have their own paths; `/result` itself is only removed.
    const picture = await send('GET', `/api/jobs/${job.id}/result`, { cookie: other });
    expect([picture.status, JSON.parse(picture.body)]).toEqual([405, { error: 'Method not allowed: DELETE removes the result; its pictures are result.png and result.gif.' }]);
    expect((await send('GET', `/api/jobs/${job.id}/result.gif`, { cookie: other })).status).toBe(200);
    await expectAlive();
  });
});

describe('cross-site requests (item 5)', () => {
  it('refuses a request for a host name it does not answer to (DNS rebinding)', async () => {
    const response = await send('GET', '/api/info', { host: `rebound.evil.example:${base.port}` });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).error).toMatch(/^This playground answers only at localhost, 127\.0\.0\.1, \[::1\]/);
    expect((await send('GET', '/api/info', { host: `localhost:${base.port}` })).status).toBe(200);
  });

  it('refuses changes from another origin, and accepts them from its own page', async () => {
    const { headers, body } = await multipart({ style_name: 'starry-night' }, undefined);
    const evil = await send('POST', '/api/jobs', { ...headers, origin: 'http://evil.example' }, body);
    expect(evil.status).toBe(403);
    const crossSite = await send('DELETE', '/api/styles/starry-night', { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(JSON.parse(crossSite.body).error).toBe('This playground accepts changes only from its own page (cross-site request refused).');
    // The same request from the page itself reaches the command (which then wants a photo).
    const own = await send('POST', '/api/jobs', { ...headers, origin: `http://${base.host}`, 'sec-fetch-site': 'same-origin' }, body);
    expect(own.status).toBe(400);
    expect(JSON.parse(own.body).field).toBe('content');
    expect((await send('GET', '/api/styles', {})).body).toContain('starry-night');
  });
});

describe('cookies of other apps (item 6)', () => {
  it('ignores a cookie it cannot decode', async () => {
    const response = await send('GET', '/api/info', { cookie: 'other_app=100%; another=%E0%A4%A' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).commands.length).toBeGreaterThan(0);
  });
});

describe('the gallery picture', () => {
  it('takes /styles’ search and page, and refuses a page past its end with 400 naming the field', async () => {
    const found = await send('GET', '/api/styles/sheet.jpg?search=wave', {});
    expect([found.status, found.contentType]).toEqual([200, 'image/jpeg']);
    const past = await send('GET', '/api/styles/sheet.jpg?page=9', {});
    expect([past.status, JSON.parse(past.body)]).toEqual([400, { error: 'The gallery has 1 page: page 9 is past its end.', field: 'page' }]);
  });
});

describe('a style removed while its pictures are asked for', () => {
  it('answers 404 for its thumbnail and leaves it out of the gallery, instead of failing', async () => {
    const stored = (await readdir(join(dataDir, 'styles'))).find((name) => name.startsWith('the-scream'));
    expect(stored).toBeDefined();
    // Its file deleted after the library was read, as a remove does between the two.
    await rm(join(dataDir, 'styles', stored!));
    const thumbnail = await send('GET', '/api/styles/the-scream/image', {});
    expect([thumbnail.status, JSON.parse(thumbnail.body)]).toEqual([404, { error: 'There is no style "the-scream".' }]);
    const sheet = await send('GET', '/api/styles/sheet.jpg', {});
    expect(sheet.status).toBe(200);
    expect(child.exitCode).toBeNull();
  });
});

describe('scratch files and telemetry (item 12)', () => {
  it('runs onnxruntime with its telemetry off: no upload session nor scratch log, in the data directory or in /tmp', async () => {
    // Its telemetry (uploads to mobile.events.data.microsoft.com) keeps a session file and an empty
    // mat-debug-<pid>.log in the engine process's TMPDIR, the data directory's tmp/, written by the
    // time the process ends: stop the app first.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    const telemetry = (names: string[]) => names.filter((name) => /^mat-debug-\d+\.log$/.test(name) || name === '.ses');
    expect(telemetry(await readdir(join(dataDir, 'tmp')))).toEqual([]);
    expect(telemetry(await readdir(tmpdir()))).toEqual([]);
  });
});
