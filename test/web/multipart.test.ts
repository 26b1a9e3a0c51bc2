/**
 * `readMultipart`'s `admitFiles`, on a real HTTP server on 127.0.0.1: a form the fields already
 * refuse resolves before its file is read, and a failing check fails that request alone.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMultipart, type MultipartForm } from '../../src/adapters/web/multipart.ts';

const BOUNDARY = 'impasto-multipart-test';
let server: Server;
let port: number;
/** What the next request's `admitFiles` does. */
let admitFiles: (fields: Readonly<Record<string, string>>) => boolean = () => true;

beforeAll(async () => {
  server = createServer((request, response) => {
    readMultipart(request, 1024 * 1024, admitFiles).then(
      (form) => response.end(JSON.stringify({ form: summaryOf(form) })),
      (error: Error) => response.end(JSON.stringify({ error: error.message })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function summaryOf(form: MultipartForm) {
  return { fields: form.fields, files: Object.fromEntries(Object.entries(form.files).map(([name, file]) => [name, file.bytes.byteLength])) };
}

/** Sends the fields, then a file part of `fileBytes`; the body ends only if `end` is set. The answer, as soon as it comes. */
function send(fields: Record<string, string>, fileBytes: number, end: boolean): Promise<{ form?: ReturnType<typeof summaryOf>; error?: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } }, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve(JSON.parse(Buffer.concat(chunks).toString()));
        request.destroy();
      });
    });
    request.on('error', reject);
    const parts = Object.entries(fields).map(([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
    request.write(`${parts.join('')}--${BOUNDARY}\r\nContent-Disposition: form-data; name="content"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
    request.write(Buffer.alloc(fileBytes, 7));
    if (end) request.end(`\r\n--${BOUNDARY}--\r\n`);
  });
}

describe('readMultipart: what the fields refuse is refused before a file is read', () => {
  it('reads the whole form when the files are admitted, and asks once with the fields sent before them', async () => {
    const asked: Record<string, string>[] = [];
    admitFiles = (fields) => (asked.push({ ...fields }), true);
    expect(await send({ style_name: 'starry-night', size: '256' }, 5000, true)).toEqual({ form: { fields: { style_name: 'starry-night', size: '256' }, files: { content: 5000 } } });
    expect(asked).toEqual([{ style_name: 'starry-night', size: '256' }]);
  });

  it('resolves with the fields alone, while the file is still being sent, when they are refused', async () => {
    admitFiles = () => false;
    // The body never ends: only an answer given before the file is read can arrive.
    expect(await send({ size: '256' }, 64 * 1024, false)).toEqual({ form: { fields: { size: '256' }, files: {} } });
  });

  it('fails that request alone when the check throws, and goes on serving', async () => {
    admitFiles = () => {
      throw new Error('the check broke');
    };
    expect(await send({ size: '256' }, 1000, false)).toEqual({ error: 'the check broke' });
    admitFiles = () => true;
    expect((await send({}, 10, true)).form?.files).toEqual({ content: 10 });
  });
});
