/**
 * A loopback fake of Slack for tests: the Web API (POST /api/<method>, form-encoded, Bearer token),
 * Socket Mode (apps.connections.open → a ws:// URL, "hello", envelopes, acks, pings), file hosting
 * that answers a wrong token with a 200 HTML page as Slack does, and files.uploadV2's upload URLs.
 * The real Bolt talks to it; every Web API call is recorded. Facts checked against Bolt 4.7 and 5.1.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import busboy from 'busboy';
import { WebSocketServer, type WebSocket } from 'ws';
import { homeViewErrors, messageBlockErrors, viewErrors } from './blocks.ts';

// `response`: what is posted to an interaction's response URL.
const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.postEphemeral', 'chat.update', 'response']);

export const BOT_TOKEN = 'xoxb-fake-bot-token-0123456789';
export const APP_TOKEN = 'xapp-fake-app-token-0123456789';
export const SIGNING_SECRET = 'fake-signing-secret-0123456789';
export const TEAM_ID = 'T0FAKE';
export const BOT_USER_ID = 'U0BOT';
export const CHANNEL_ID = 'C0GENERAL';

export interface ApiCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly token?: string | undefined;
  /** What the fake answered. */
  response?: Record<string, unknown>;
}

export interface Upload {
  readonly fileId: string;
  readonly filename: string;
  readonly bytes: Buffer;
  readonly partName: string;
}

export interface SlackMessage {
  ts: string;
  user: string;
  text: string;
  thread_ts?: string;
  files?: Record<string, unknown>[];
}

/** How `failCalls` makes a call fail: an HTTP status, or one of Slack's own errors. */
export type SlackFailure = 503 | 'not_in_channel' | 'message_not_found';

export interface FakeSlack {
  readonly apiUrl: string;
  readonly fileHost: string;
  readonly calls: ApiCall[];
  readonly uploads: Upload[];
  /** The paths of the files the bot downloaded, in order. */
  readonly downloads: string[];
  /** Messages in the fake channel, newest last (conversations.history returns newest first). */
  readonly messages: SlackMessage[];
  readonly admins: Set<string>;
  /** Channels the bot has not been invited to (conversations.info says is_member: false). */
  readonly notMemberOf: Set<string>;
  /** The bot token's scopes, sent as Slack does in the x-oauth-scopes header of every Web API answer. */
  scopes: string[];
  /** Socket Mode connections opened so far (a reconnect makes it grow). */
  connections(): number;
  /** Hosts a file (private URL that needs the bot token) and returns Slack's file object. */
  addFile(name: string, bytes: Uint8Array, mimetype: string): Record<string, unknown>;
  /** The file as a message from another organisation (Slack Connect) carries it: its ID alone; files.info tells the rest. */
  sharedFromAnotherOrganisation(file: Record<string, unknown>): Record<string, unknown>;
  postUserMessage(user: string, text: string, files?: Record<string, unknown>[], threadTs?: string): SlackMessage;
  /** Sends an envelope over Socket Mode and resolves with the client's ack. */
  sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>): Promise<Record<string, unknown>>;
  dropSocket(): void;
  /** Drops the Socket Mode connection and refuses new ones (as an outage does) until the function it returns is called. */
  takeSocketDown(): () => void;
  waitForCall(predicate: (call: ApiCall) => boolean, timeoutMs?: number): Promise<ApiCall>;
  /**
   * Answers the next `count` Web API calls that match with `failure` instead of doing them: an HTTP
   * status (503: Slack failing) or Slack's own error (`not_in_channel`: a refusal;
   * `message_not_found`: a message deleted). Each is still recorded, its `response` saying
   * `{ failedWith }`. Returns a function that ends the failures early.
   */
  failCalls(predicate: (call: ApiCall) => boolean, count: number, failure: SlackFailure): () => void;
  close(): Promise<void>;
}

/** An event as the Events API delivers it: wrapped with the workspace, the app, its id and its time. */
export function eventCallback(eventId: string, event: Record<string, unknown>): Record<string, unknown> {
  return { token: 'verification', team_id: TEAM_ID, api_app_id: 'A0APP', type: 'event_callback', event_id: eventId, event_time: Math.floor(Date.now() / 1000), event };
}

let tsCounter = 0;
export function nextTs(): string {
  tsCounter += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, '0')}`;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: ApiCall[] = [];
  const uploads: Upload[] = [];
  const downloads: string[] = [];
  const messages: SlackMessage[] = [];
  const admins = new Set<string>();
  const notMemberOf = new Set<string>();
  const state = { scopes: ['app_mentions:read', 'channels:read', 'channels:history', 'groups:history', 'im:history', 'chat:write', 'commands', 'files:read', 'files:write', 'users:read'] };
  const files = new Map<string, { bytes: Uint8Array; mimetype: string }>();
  const fileObjects = new Map<string, Record<string, unknown>>();
  const pendingUploads = new Map<string, string>();
  const waiters = new Set<{ predicate: (call: ApiCall) => boolean; resolve: (call: ApiCall) => void }>();
  const acks = new Map<string, (ack: Record<string, unknown>) => void>();
  const sockets = new Set<WebSocket>();
  let connectionCount = 0;
  let port = 0;
  const faults = new Set<{ predicate: (call: ApiCall) => boolean; left: number; failure: SlackFailure }>();

  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
      if (url.pathname.startsWith('/files/')) {
        const file = files.get(url.pathname);
        downloads.push(url.pathname);
        if (file && request.headers.authorization === `Bearer ${BOT_TOKEN}`) {
          response.writeHead(200, { 'content-type': file.mimetype });
          return void response.end(file.bytes);
        }
        // Slack's answer to a missing or wrong token: a login page, with status 200.
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return void response.end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
      }
      if (url.pathname.startsWith('/upload/')) {
        const upload = await readUpload(request);
        const fileId = url.pathname.slice('/upload/'.length);
        uploads.push({ fileId, filename: pendingUploads.get(fileId) ?? '', bytes: upload.bytes, partName: upload.partName });
        response.writeHead(200, { 'content-type': 'text/plain' });
        return void response.end(`OK - ${upload.bytes.byteLength}`);
      }
      const method = url.pathname.replace(/^\/api\//, '');
      const args = await readArgs(request);
      const token = request.headers.authorization?.replace(/^Bearer /, '') ?? (args.token as string | undefined);
      const call: ApiCall = { method, args, token };
      const fault = [...faults].find((candidate) => candidate.predicate(call));
      if (fault) {
        fault.left -= 1;
        if (fault.left <= 0) faults.delete(fault);
      }
      call.response = fault ? { failedWith: fault.failure } : answer(call);
      calls.push(call);
      for (const waiter of waiters) {
        if (waiter.predicate(call)) {
          waiters.delete(waiter);
          waiter.resolve(call);
        }
      }
      if (fault?.failure === 503) return void response.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      response.writeHead(200, { 'content-type': 'application/json', 'x-oauth-scopes': state.scopes.join(',') });
      response.end(JSON.stringify(fault ? { ok: false, error: fault.failure } : call.response));
    })();
  });

  function answer(call: ApiCall): Record<string, unknown> {
    const { method, args } = call;
    // A message whose blocks Slack would refuse is refused, whichever call posts or changes it.
    const blockFaults = MESSAGE_METHODS.has(method) ? messageBlockErrors(args.blocks) : [];
    if (blockFaults.length > 0) return { ok: false, error: 'invalid_blocks', errors: blockFaults };
    switch (method) {
      case 'auth.test':
        return call.token === BOT_TOKEN ? { ok: true, url: 'https://fake.slack/', team: 'Painters', user: 'impasto', team_id: TEAM_ID, user_id: BOT_USER_ID, bot_id: 'B0BOT' } : { ok: false, error: 'invalid_auth' };
      case 'apps.connections.open':
        return call.token === APP_TOKEN ? { ok: true, url: `ws://127.0.0.1:${port}/socket?ticket=${randomBytes(4).toString('hex')}` } : { ok: false, error: 'invalid_auth' };
      case 'chat.postMessage':
      case 'chat.postEphemeral': {
        const ts = nextTs();
        return { ok: true, channel: args.channel, ts, message_ts: ts, message: { ts, text: args.text } };
      }
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case 'conversations.history':
        return { ok: true, messages: messages.filter((message) => !message.thread_ts || message.thread_ts === message.ts).slice().reverse(), has_more: false };
      case 'conversations.replies':
        return { ok: true, messages: messages.filter((message) => message.ts === args.ts || message.thread_ts === args.ts), has_more: false };
      case 'conversations.info': {
        const id = String(args.channel);
        return { ok: true, channel: { id, name: id === CHANNEL_ID ? 'general' : id.toLowerCase(), is_channel: true, is_im: false, is_mpim: false, is_member: !notMemberOf.has(id) } };
      }
      case 'files.delete':
        return { ok: true };
      case 'files.info': {
        if (!state.scopes.includes('files:read')) return { ok: false, error: 'missing_scope', needed: 'files:read', provided: state.scopes.join(',') };
        const file = fileObjects.get(String(args.file));
        return file ? { ok: true, file: { ...file, file_access: 'visible' } } : { ok: false, error: 'file_not_found' };
      }
      case 'views.open': {
        const viewFaults = viewErrors(args.view);
        if (viewFaults.length > 0) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: viewFaults.map((fault) => `[ERROR] ${fault}`) } };
        return { ok: true, view: { id: `V${randomBytes(4).toString('hex')}` } };
      }
      case 'views.publish': {
        const viewFaults = homeViewErrors(args.view);
        if (viewFaults.length > 0) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: viewFaults.map((fault) => `[ERROR] ${fault}`) } };
        return { ok: true, view: { id: `V${randomBytes(4).toString('hex')}`, type: 'home' } };
      }
      case 'users.info':
        return { ok: true, user: { id: args.user, name: String(args.user).toLowerCase(), is_admin: admins.has(String(args.user)), is_owner: false } };
      case 'files.getUploadURLExternal': {
        const fileId = `F${randomBytes(4).toString('hex').toUpperCase()}`;
        pendingUploads.set(fileId, String(args.filename));
        return { ok: true, upload_url: `http://127.0.0.1:${port}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal':
        return { ok: true, files: JSON.parse(String(args.files)) as unknown[] };
      // An interaction's response URL (its blocks checked above, as Slack checks them).
      case 'response':
        return { ok: true };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  const socketServer = new WebSocketServer({ noServer: true });
  let socketDown = false;
  server.on('upgrade', (request, socket, head) => {
    if (!request.url?.startsWith('/socket') || socketDown) return socket.destroy();
    socketServer.handleUpgrade(request, socket, head, (ws) => {
      connectionCount += 1;
      sockets.add(ws);
      const pinger = setInterval(() => ws.ping(), 3000);
      ws.on('close', () => {
        clearInterval(pinger);
        sockets.delete(ws);
      });
      ws.on('message', (raw) => {
        const ack = JSON.parse(raw.toString()) as { envelope_id?: string };
        if (ack.envelope_id) acks.get(ack.envelope_id)?.(ack as Record<string, unknown>);
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake', approximate_connection_time: 18060 }, connection_info: { app_id: 'A0APP' } }));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    fileHost: `127.0.0.1:${port}`,
    calls,
    uploads,
    downloads,
    messages,
    admins,
    notMemberOf,
    get scopes() {
      return state.scopes;
    },
    set scopes(scopes: string[]) {
      state.scopes = scopes;
    },
    connections: () => connectionCount,
    addFile(name, bytes, mimetype) {
      const id = `F${randomBytes(4).toString('hex').toUpperCase()}`;
      const path = `/files/${TEAM_ID}-${id}/${name}`;
      files.set(path, { bytes, mimetype });
      const file = { id, name, mimetype, filetype: name.split('.').pop(), size: bytes.byteLength, url_private: `http://127.0.0.1:${port}${path}`, url_private_download: `http://127.0.0.1:${port}${path}` };
      fileObjects.set(id, file);
      return file;
    },
    sharedFromAnotherOrganisation(file) {
      // As Slack documents a Slack Connect file in an event: no name, type or address.
      return { id: file.id, mode: 'file_access', file_access: 'check_file_info', created: 0, timestamp: 0, user: '' };
    },
    postUserMessage(user, text, attached, threadTs) {
      const ts = nextTs();
      const message: SlackMessage = { ts, user, text, ...(threadTs ? { thread_ts: threadTs } : {}), ...(attached ? { files: attached } : {}) };
      messages.push(message);
      return message;
    },
    async sendEnvelope(type, payload) {
      const socket = [...sockets].at(-1);
      if (!socket) throw new Error('fake Slack: no Socket Mode connection');
      const envelopeId = randomBytes(8).toString('hex');
      const acked = new Promise<Record<string, unknown>>((resolve) => acks.set(envelopeId, resolve));
      socket.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0, retry_reason: '' }));
      return acked;
    },
    dropSocket() {
      for (const socket of sockets) socket.terminate();
    },
    takeSocketDown() {
      socketDown = true;
      for (const socket of sockets) socket.terminate();
      return () => void (socketDown = false);
    },
    failCalls(predicate, count, failure) {
      const fault = { predicate, left: count, failure };
      faults.add(fault);
      return () => void faults.delete(fault);
    },
    waitForCall(predicate, timeoutMs = 120_000) {
      const seen = calls.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.add(waiter);
        setTimeout(() => {
          if (waiters.delete(waiter)) reject(new Error('fake Slack: no matching call in time'));
        }, timeoutMs).unref();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        socketServer.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readArgs(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  if ((request.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(text || '{}') as Record<string, unknown>;
  return parseQuery(text) as Record<string, unknown>;
}

function readUpload(request: IncomingMessage): Promise<{ bytes: Buffer; partName: string }> {
  return new Promise((resolve, reject) => {
    const parser = busboy({ headers: request.headers });
    let result = { bytes: Buffer.alloc(0), partName: '' };
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => (result = { bytes: Buffer.concat(chunks), partName: name }));
    });
    parser.on('close', () => resolve(result));
    parser.on('error', reject);
    request.pipe(parser);
  });
}

/** Signs a request body as Slack does: v0=HMAC-SHA256(secret, "v0:" + timestamp + ":" + body). */
export function signRequest(body: string, secret = SIGNING_SECRET, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp) };
}
