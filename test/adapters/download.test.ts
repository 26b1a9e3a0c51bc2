import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadImage, type DownloadPolicy } from '../../src/adapters/download.ts';

// A loopback file host whose answers each path chooses: the ways a platform's file host (or
// something pretending to be one) can answer a download.
const requests: string[] = [];
let server: Server;
let host: string;

const answers: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
  '/photo.png': (_, response) => {
    response.writeHead(200, { 'content-type': 'image/png' });
    response.end(Buffer.from([1, 2, 3, 4]));
  },
  '/elsewhere.png': (_, response) => {
    response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
    response.end();
  },
  '/cut-short.png': (_, response) => {
    response.writeHead(200, { 'content-type': 'image/png', 'content-length': '100000' });
    response.write(Buffer.alloc(1000));
    setTimeout(() => response.destroy(), 50);
  },
  '/endless.png': (_, response) => {
    response.writeHead(200, { 'content-type': 'image/png' });
    const chunk = Buffer.alloc(64 * 1024);
    const write = () => {
      while (response.write(chunk));
      if (!response.destroyed) response.once('drain', write);
    };
    write();
  },
  '/trickle.png': (_, response) => {
    response.writeHead(200, { 'content-type': 'image/png' });
    const timer = setInterval(() => response.write(Buffer.alloc(10)), 50);
    response.on('close', () => clearInterval(timer));
  },
  '/page.png': (_, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<html>Sign in</html>');
  },
};

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const answer = answers[request.url ?? ''];
    if (answer) answer(request, response);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const policy = (): DownloadPolicy => ({ allowedHosts: [host], maxBytes: 1024 * 1024, label: 'content image', field: 'content' });
const fetchPath = (path: string, overrides: Partial<DownloadPolicy> = {}) => downloadImage(`http://${host}${path}`, 'photo.png', { ...policy(), ...overrides });

describe('downloading a user’s image from the platform’s file host', () => {
  it('returns the bytes of an image', async () => {
    const image = await fetchPath('/photo.png');
    expect([...image.bytes]).toEqual([1, 2, 3, 4]);
    expect(image.name).toBe('photo.png');
  });

  it('asks nothing of a host not on the list', async () => {
    const before = requests.length;
    await expect(downloadImage('http://127.0.0.1:9/photo.png', 'photo.png', policy())).rejects.toThrow('The content image is not hosted on this chat platform (127.0.0.1:9); I only fetch files from it.');
    await expect(downloadImage(`ftp://${host}/photo.png`, 'photo.png', policy())).rejects.toThrow(/not hosted on this chat platform/);
    await expect(downloadImage('not a url', 'photo.png', policy())).rejects.toThrow('The content image link is not a valid URL.');
    expect(requests.length).toBe(before);
  });

  it('does not follow a redirect', async () => {
    await expect(fetchPath('/elsewhere.png')).rejects.toThrow('The content image link redirects elsewhere; I do not follow it.');
  });

  it('refuses a file that is not an image, and what a login page means where the platform says', async () => {
    await expect(fetchPath('/page.png')).rejects.toThrow('The content image is not an image (the file host answered with text/html).');
    await expect(fetchPath('/page.png', { htmlMeans: 'Slack sent its login page: the bot token lacks files:read.' })).rejects.toThrow('Slack sent its login page: the bot token lacks files:read.');
    await expect(fetchPath('/missing.png')).rejects.toThrow('I could not download the content image (HTTP 404); try sending it again.');
  });

  it('stops reading a file past the byte limit', async () => {
    await expect(fetchPath('/endless.png')).rejects.toThrow('The content image is over the 1 MB limit.');
  });

  it('says the download failed when the host drops the connection halfway through the file, or sends it too slowly', async () => {
    await expect(fetchPath('/cut-short.png')).rejects.toThrow('I could not download the content image; try sending it again.');
    await expect(fetchPath('/trickle.png', { timeoutMs: 300 })).rejects.toThrow('I could not download the content image; try sending it again.');
  });
});
