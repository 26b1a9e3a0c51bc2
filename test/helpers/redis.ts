import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { killWithTestProcess } from './app.ts';

/**
 * A real Debian `redis-server` for a test: on 127.0.0.1, a free port and a temporary directory, with
 * the persistence the README recommends (AOF, fsync every second). It can be restarted on the same
 * port and data, as a Redis restart in production is.
 */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Stops it (SIGTERM: Redis writes its AOF and exits) and starts it again on the same data. */
  restart(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** `password`: Redis asks for it (requirepass), and the URL carries it. */
export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'impasto-redis-'));
  const port = await freePort();
  const { password } = options;
  let child: ChildProcess = await launch(dir, port, password);
  return {
    url: `redis://${password ? `:${password}@` : ''}127.0.0.1:${port}`,
    port,
    dir,
    async restart({ downMs = 0 } = {}) {
      await terminate(child);
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      child = await launch(dir, port, password);
    },
    async stop() {
      await terminate(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function launch(dir: string, port: number, password: string | undefined): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--protected-mode', 'yes', ...(password ? ['--requirepass', password] : [])], { stdio: 'ignore' });
  killWithTestProcess(child);
  const probe = new Redis({ port, host: '127.0.0.1', ...(password ? { password } : {}), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // Refused connections while it starts are expected; each attempt's failure is handled below.
  probe.on('error', () => undefined);
  try {
    for (let attempt = 0; ; attempt++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}); is it installed (apt-get install redis-server)?`);
      try {
        await probe.connect();
        // Loading the AOF after a restart answers LOADING until done.
        if ((await probe.ping()) === 'PONG') return child;
      } catch {
        probe.disconnect();
        if (attempt > 200) throw new Error('redis-server did not start');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    probe.disconnect();
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A port on 127.0.0.1 that nothing listens on (as it is chosen: a Redis started on it, or none). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
