import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export interface StaticServer {
  readonly url: string;
  /** Every path requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/**
 * Serves files from `root` on 127.0.0.1 (a random port), with `overrides` replacing chosen paths'
 * bodies (e.g. a corrupted shard). Stands in for the weights' upstream host.
 */
export async function startStaticServer(root: string, overrides: Record<string, Uint8Array> = {}): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    requests.push(path);
    const override = overrides[path];
    try {
      const body = override ?? (await readFile(join(root, normalize(path).replace(/^(\.\.[/\\])+/, ''))));
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.byteLength });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
