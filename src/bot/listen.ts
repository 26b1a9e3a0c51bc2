import type { AddressInfo, Server } from 'node:net';
import { ConfigError } from './config.ts';

/** Where a server listens, and the settings that choose it (named in the refusal). */
export interface ListenAt {
  readonly port: number;
  readonly host: string;
  readonly portVariable: string;
  readonly hostVariable: string;
}

/**
 * Starts `server` listening and resolves with its address as a URL's start (`http://127.0.0.1:8080`,
 * the port the system chose where `port` is 0). The usual reasons it cannot (the port taken, a
 * privileged port, an address this machine does not have) become one line that says which setting
 * to change, instead of an unhandled 'error' event and a stack trace.
 */
export function listenOn(server: Server, at: ListenAt): Promise<string> {
  return new Promise((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException) => reject(refusalOf(error, at));
    server.once('error', refuse);
    server.listen(at.port, at.host, () => {
      server.off('error', refuse);
      resolve(`http://${hostInUrl(at.host)}:${(server.address() as AddressInfo).port}`);
    });
  });
}

/** A host as a URL writes it: an IPv6 address in brackets. */
export function hostInUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function refusalOf(error: NodeJS.ErrnoException, { port, host, portVariable, hostVariable }: ListenAt): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new ConfigError(`port ${port} on ${host} is already in use (another impasto?): stop it, or set ${portVariable} to another port.`);
    case 'EACCES':
      return new ConfigError(`port ${port} needs privileges on this machine: set ${portVariable} to a port above 1023.`);
    case 'EADDRNOTAVAIL':
      return new ConfigError(`${host} is not an address of this machine: set ${hostVariable} to one that is (127.0.0.1 by default).`);
    default:
      return error;
  }
}
