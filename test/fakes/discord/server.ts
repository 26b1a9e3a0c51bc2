/**
 * A loopback fake of Discord for tests: REST under /api/v10, the gateway over WebSocket at
 * /gateway (JSON encoding, no compression), and a CDN at /cdn/. The real discord.js talks to it.
 * Every REST request is recorded (multipart bodies parsed into payload_json and files) so tests
 * assert on what the bot really sent. Facts checked against discord.js 14.28.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { WebSocketServer, type WebSocket } from 'ws';
import { registrationErrors } from './registration.ts';

export interface RecordedFile {
  readonly field: string;
  readonly filename: string;
  readonly bytes: Buffer;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly json?: Record<string, unknown> | unknown[] | undefined;
  readonly files: readonly RecordedFile[];
  readonly at: number;
  /** The status it was answered with instead, when a test made it fail (`failRequests`). */
  failedWith?: number;
}

export interface FakeUser {
  readonly id: string;
  readonly username: string;
}

export const BOT_USER: FakeUser = { id: '900000000000000001', username: 'impasto' };
/** The bot token the fake accepts; a request carrying another is refused with 401, as Discord does. */
export const BOT_TOKEN = 'fake-discord-token-0123456789';
export const APPLICATION_ID = '900000000000000002';
export const GUILD_ID = '900000000000000003';
export const CHANNEL_ID = '900000000000000004';
/** A member's direct messages with the bot, where `interactionPayload({ direct: true })` is asked. */
export const DM_CHANNEL_ID = '900000000000000040';

/** Permission bits used by the tests. */
/** The gateway intents whose events the fake sends only to a bot that asked for them. */
const INTENTS = { guildMessages: 1 << 9, directMessages: 1 << 12 } as const;

export const PERMISSIONS = {
  all: (1n << 50n) - 1n,
  member: (1n << 10n) | (1n << 11n) | (1n << 15n) | (1n << 31n), // view, send, attach files, use app commands
  manageGuild: 1n << 5n,
  attachFiles: 1n << 15n,
};

let snowflakeCounter = 1000n;
export function snowflake(): string {
  snowflakeCounter += 1n;
  return ((BigInt(Date.now() - 1420070400000) << 22n) + snowflakeCounter).toString();
}

export interface FakeDiscord {
  readonly apiUrl: string;
  readonly cdnHost: string;
  readonly requests: RecordedRequest[];
  /** The CDN paths the bot fetched, in order (the API's requests are in `requests`). */
  readonly cdnFetches: string[];
  /** Serves bytes at a CDN URL and returns that URL. */
  addCdnFile(name: string, bytes: Uint8Array, contentType: string): string;
  /** Stops serving a CDN URL (Discord's attachment links expire, and go with their message). */
  removeCdnFile(url: string): void;
  /** Sends INTERACTION_CREATE to the connected bot. */
  dispatchInteraction(interaction: Record<string, unknown>): void;
  /** Any gateway dispatch, as it is (malformed payloads too). */
  dispatchRaw(type: string, data: unknown): void;
  /**
   * Posts a member's message in the channel: kept (GET /channels/:id/messages/:id finds it) and sent
   * as MESSAGE_CREATE, as Discord does, only to a bot that asked for the Guild Messages intent.
   */
  postMessage(message: Record<string, unknown>): void;
  /**
   * Posts `message` in `author`'s direct messages with the bot (its channel is made up, and kept for
   * GET /channels/:id): sent only to a bot that asked for the Direct Messages intent. Returns it as posted.
   */
  postDirectMessage(author: FakeUser, message: Record<string, unknown>): Record<string, unknown>;
  /**
   * Closes the gateway connection with `code`: 4000 (the default) as a network blip does, and the
   * client is expected to resume; 4004 (authentication failed, as after a token reset) for good.
   */
  dropGateway(code?: number): void;
  /** Drops the gateway connection and refuses new ones (as an outage does) until the function it returns is called. */
  takeGatewayDown(): () => void;
  /**
   * Boosts the fake's server to `premiumTier` (GUILD_UPDATE, as Discord sends it) and from then on
   * takes attachments up to `maxFileBytes` (boosts raise the upload limit at levels 2 and 3).
   */
  boostGuild(premiumTier: number, maxFileBytes: number): void;
  /** Gateway opcodes received, in order (2 IDENTIFY, 6 RESUME, …). */
  readonly gatewayOps: number[];
  waitForRequest(predicate: (request: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /**
   * Answers the next `count` requests that match with `status` (503: Discord's servers failing; 403:
   * Missing Permissions; 404: Unknown Message, a message deleted; as Discord words them) instead of
   * doing them; each is still recorded, marked `failedWith`. Returns a function that ends the failures early.
   */
  failRequests(predicate: (request: RecordedRequest) => boolean, count: number, status: 403 | 404 | 503): () => void;
  /** Make POST /channels/:id/messages answer 403 Missing Permissions. */
  denyChannelMessages: boolean;
  close(): Promise<void>;
}

/**
 * `maxFileBytes`: the largest attachment it takes (Discord's 10 MiB on a server without boosts);
 * a message with a larger one is refused as Discord refuses it (413, code 40005).
 */
export async function startFakeDiscord({ maxFileBytes = 10 * 1024 * 1024 }: { maxFileBytes?: number } = {}): Promise<FakeDiscord> {
  const guild = { premiumTier: 0, maxFileBytes };
  const requests: RecordedRequest[] = [];
  const cdnFetches: string[] = [];
  const waiters = new Set<{ predicate: (request: RecordedRequest) => boolean; resolve: (request: RecordedRequest) => void }>();
  const cdn = new Map<string, { bytes: Uint8Array; contentType: string }>();
  const channelMessages = new Map<string, Record<string, unknown>>();
  /** Direct-message channels by id, with the member at the other end. */
  const directChannels = new Map<string, FakeUser>();
  const sockets = new Set<WebSocket>();
  /** The intents each connection identified with: Discord sends message events only to those that asked. */
  const intentsOf = new Map<WebSocket, number>();
  let sessionIntents = 0;
  const dispatchTo = (intent: number, type: string, data: unknown) => {
    for (const ws of sockets) if (((intentsOf.get(ws) ?? 0) & intent) !== 0) ws.send(JSON.stringify({ op: 0, t: type, s: ++sequence, d: data }));
  };
  const gatewayOps: number[] = [];
  const sessionId = randomBytes(8).toString('hex');
  let sequence = 0;
  let port = 0;
  const state = { denyChannelMessages: false };
  const faults = new Set<{ predicate: (request: RecordedRequest) => boolean; left: number; status: 403 | 404 | 503 }>();

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: String(error), code: 0 }));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname.startsWith('/cdn/')) {
      const file = cdn.get(url.pathname);
      cdnFetches.push(url.pathname);
      if (!file) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.byteLength });
      return void response.end(file.bytes);
    }
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v10/, ''));
    const body = await readBody(request);
    const recorded: RecordedRequest = { method: request.method ?? 'GET', path, query: url.searchParams, json: body.json, files: body.files, at: Date.now() };
    const fault = [...faults].find((candidate) => candidate.predicate(recorded));
    if (fault) {
      fault.left -= 1;
      if (fault.left <= 0) faults.delete(fault);
      recorded.failedWith = fault.status;
    }
    requests.push(recorded);
    for (const waiter of waiters) {
      if (waiter.predicate(recorded)) {
        waiters.delete(waiter);
        waiter.resolve(recorded);
      }
    }
    const send = (status: number, json?: unknown) => {
      if (json === undefined) return void response.writeHead(status).end();
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(json));
    };
    if (recorded.failedWith === 503) return send(503, { message: 'Service Unavailable', code: 0 });
    if (recorded.failedWith === 403) return send(403, { message: 'Missing Permissions', code: 50013 });
    if (recorded.failedWith === 404) return send(404, { message: 'Unknown Message', code: 10008 });
    let match: RegExpExecArray | null;
    // Discord refuses a message over 2000 characters (Invalid Form Body), as documented.
    const content = contentOf(body.json);
    if (content !== undefined && content.length > MAX_CONTENT_LENGTH) {
      return send(400, { message: 'Invalid Form Body', code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_CONTENT_LENGTH} or fewer in length.` }] } } });
    }
    if (body.files.some((file) => file.bytes.byteLength > guild.maxFileBytes)) return send(413, { message: 'Request entity too large', code: 40005 });
    // Interaction callbacks and webhooks carry no token; anything that does must carry the bot's.
    const authorization = request.headers.authorization;
    if (authorization !== undefined && authorization !== `Bot ${BOT_TOKEN}`) return send(401, { message: '401: Unauthorized', code: 0 });
    if (recorded.method === 'GET' && path === '/gateway/bot') {
      return send(200, { url: `ws://127.0.0.1:${port}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } });
    }
    if (recorded.method === 'GET' && path === '/oauth2/applications/@me') return send(200, { id: APPLICATION_ID, name: 'impasto', bot_public: true, flags: 0 });
    if (recorded.method === 'GET' && path === '/users/@me') return send(200, { ...BOT_USER, discriminator: '0', global_name: null, avatar: null, bot: true });
    if (recorded.method === 'POST' && /^\/interactions\/[^/]+\/[^/]+\/callback$/.test(path)) return send(204);
    if (recorded.method === 'DELETE' && /^\/webhooks\/[^/]+\/[^/]+\/messages\/(@original|\d+)$/.test(path)) return send(204);
    if ((match = /^\/webhooks\/[^/]+\/[^/]+\/messages\/(@original|\d+)$/.exec(path))) {
      return send(200, messageObject({ content: (body.json as { content?: string } | undefined)?.content ?? '', files: body.files }));
    }
    if (recorded.method === 'POST' && /^\/webhooks\/[^/]+\/[^/]+$/.test(path)) {
      return send(200, messageObject({ content: (body.json as { content?: string } | undefined)?.content ?? '', files: body.files }));
    }
    if ((match = /^\/channels\/(\d+)$/.exec(path)) && recorded.method === 'GET') {
      const member = directChannels.get(match[1]!);
      return send(200, member ? { id: match[1]!, type: 1, recipients: [userObject(member)], last_message_id: null, flags: 0 } : channelObject(match[1]!));
    }
    if ((match = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path)) && recorded.method === 'GET') {
      const kept = channelMessages.get(match[2]!);
      return kept ? send(200, kept) : send(404, { message: 'Unknown Message', code: 10008 });
    }
    if ((match = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path)) && recorded.method === 'PATCH') {
      return send(200, { ...messageObject({ content: (body.json as { content?: string } | undefined)?.content ?? '', files: body.files, channelId: match[1]! }), id: match[2]! });
    }
    if ((match = /^\/channels\/(\d+)\/messages$/.exec(path)) && recorded.method === 'POST') {
      if (state.denyChannelMessages) return send(403, { message: 'Missing Permissions', code: 50013 });
      return send(200, messageObject({ content: (body.json as { content?: string } | undefined)?.content ?? '', files: body.files, channelId: match[1]! }));
    }
    if (recorded.method === 'PUT' && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(path)) {
      const faults = registrationErrors(body.json);
      if (faults.length > 0) return send(400, { message: 'Invalid Form Body', code: 50035, errors: { _errors: faults.map((message) => ({ code: 'APPLICATION_COMMAND_INVALID', message })) } });
      return send(200, ((body.json as unknown[]) ?? []).map((command) => ({ ...(command as object), id: snowflake(), application_id: APPLICATION_ID, version: snowflake() })));
    }
    return send(404, { message: `fake Discord has no route for ${recorded.method} ${path}`, code: 0 });
  }

  const gateway = new WebSocketServer({ noServer: true });
  let gatewayDown = false;
  server.on('upgrade', (request, socket, head) => {
    if (!request.url?.startsWith('/gateway') || gatewayDown) return socket.destroy();
    gateway.handleUpgrade(request, socket, head, (ws) => acceptGateway(ws));
  });

  function acceptGateway(ws: WebSocket): void {
    sockets.add(ws);
    ws.on('close', () => {
      sockets.delete(ws);
      intentsOf.delete(ws);
    });
    const sendPayload = (payload: Record<string, unknown>) => ws.send(JSON.stringify(payload));
    sendPayload({ op: 10, d: { heartbeat_interval: 30_000 }, s: null, t: null });
    ws.on('message', (raw) => {
      const payload = JSON.parse(raw.toString()) as { op: number; d: unknown };
      gatewayOps.push(payload.op);
      if (payload.op === 2) sessionIntents = Number((payload.d as { intents?: unknown }).intents ?? 0);
      // A resumed session keeps the intents it identified with.
      if (payload.op === 2 || payload.op === 6) intentsOf.set(ws, sessionIntents);
      if (payload.op === 1) return sendPayload({ op: 11, d: null, s: null, t: null });
      if (payload.op === 2) {
        sendPayload({
          op: 0,
          t: 'READY',
          s: ++sequence,
          d: {
            v: 10,
            user: { ...BOT_USER, discriminator: '0', avatar: null, bot: true, global_name: null, flags: 0 },
            guilds: [{ id: GUILD_ID, unavailable: true }],
            session_id: sessionId,
            resume_gateway_url: `ws://127.0.0.1:${port}/gateway`,
            shard: [0, 1],
            application: { id: APPLICATION_ID, flags: 0 },
          },
        });
        sendPayload({ op: 0, t: 'GUILD_CREATE', s: ++sequence, d: guildObject(guild.premiumTier) });
      }
      if (payload.op === 6) sendPayload({ op: 0, t: 'RESUMED', s: ++sequence, d: {} });
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    cdnHost: `127.0.0.1:${port}`,
    requests,
    cdnFetches,
    gatewayOps,
    get denyChannelMessages() {
      return state.denyChannelMessages;
    },
    set denyChannelMessages(value: boolean) {
      state.denyChannelMessages = value;
    },
    failRequests(predicate, count, status) {
      const fault = { predicate, left: count, status };
      faults.add(fault);
      return () => void faults.delete(fault);
    },
    addCdnFile(name, bytes, contentType) {
      const path = `/cdn/attachments/${CHANNEL_ID}/${snowflake()}/${name}`;
      cdn.set(path, { bytes, contentType });
      return `http://127.0.0.1:${port}${path}`;
    },
    removeCdnFile(url) {
      cdn.delete(new URL(url).pathname);
    },
    dispatchInteraction(interaction) {
      for (const ws of sockets) ws.send(JSON.stringify({ op: 0, t: 'INTERACTION_CREATE', s: ++sequence, d: interaction }));
    },
    postMessage(message) {
      channelMessages.set(String(message.id), message);
      // The gateway's MESSAGE_CREATE names the channel's type (0: a server's text channel, 1: a direct message).
      dispatchTo(INTENTS.guildMessages, 'MESSAGE_CREATE', { ...message, guild_id: GUILD_ID, channel_type: 0 });
    },
    postDirectMessage(author, message) {
      const known = [...directChannels].find(([, user]) => user.id === author.id)?.[0];
      const channelId = known ?? snowflake();
      directChannels.set(channelId, author);
      const posted: Record<string, unknown> = { ...message, channel_id: channelId, author: userObject(author) };
      channelMessages.set(String(posted.id), posted);
      dispatchTo(INTENTS.directMessages, 'MESSAGE_CREATE', { ...posted, channel_type: 1 });
      return posted;
    },
    dispatchRaw(type, data) {
      for (const ws of sockets) ws.send(JSON.stringify({ op: 0, t: type, s: ++sequence, d: data }));
    },
    boostGuild(premiumTier, maxFileBytes) {
      Object.assign(guild, { premiumTier, maxFileBytes });
      // A GUILD_UPDATE carries the server's own fields, not its channels or members.
      const { channels: _channels, threads: _threads, members: _members, voice_states: _voice, presences: _presences, ...updated } = guildObject(premiumTier);
      for (const ws of sockets) ws.send(JSON.stringify({ op: 0, t: 'GUILD_UPDATE', s: ++sequence, d: updated }));
    },
    dropGateway(code = 4000) {
      // 4000 "unknown error": a resumable close, as Discord documents.
      for (const ws of sockets) ws.close(code, code === 4000 ? 'fake blip' : 'fake close');
    },
    takeGatewayDown() {
      gatewayDown = true;
      for (const ws of sockets) ws.terminate();
      return () => void (gatewayDown = false);
    },
    waitForRequest(predicate, timeoutMs = 120_000) {
      const seen = requests.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.add(waiter);
        setTimeout(() => {
          if (waiters.delete(waiter)) reject(new Error('fake Discord: no matching request in time'));
        }, timeoutMs).unref();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        gateway.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const MAX_CONTENT_LENGTH = 2000;

/** A message's content, wherever the route carries it (an interaction callback nests it in `data`). */
function contentOf(json: unknown): string | undefined {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const body = json as { content?: unknown; data?: { content?: unknown } };
  const content = body.content ?? body.data?.content;
  return typeof content === 'string' ? content : undefined;
}

async function readBody(request: IncomingMessage): Promise<{ json?: Record<string, unknown> | unknown[] | undefined; files: RecordedFile[] }> {
  const type = request.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    return new Promise((resolve, reject) => {
      const files: RecordedFile[] = [];
      let json: Record<string, unknown> | undefined;
      const parser = busboy({ headers: request.headers });
      parser.on('field', (name, value) => {
        if (name === 'payload_json') json = JSON.parse(value) as Record<string, unknown>;
      });
      parser.on('file', (field, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => files.push({ field, filename: info.filename ?? field, bytes: Buffer.concat(chunks) }));
      });
      parser.on('close', () => resolve({ json, files }));
      parser.on('error', reject);
      request.pipe(parser);
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  return { json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, files: [] };
}

function userObject(user: FakeUser) {
  return { id: user.id, username: user.username, discriminator: '0', avatar: null, global_name: user.username, bot: user.id === BOT_USER.id };
}

function messageObject(options: { content: string; files: readonly RecordedFile[]; channelId?: string }) {
  return {
    id: snowflake(),
    type: 0,
    channel_id: options.channelId ?? CHANNEL_ID,
    author: userObject(BOT_USER),
    content: options.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: options.files.map((file) => ({ id: snowflake(), filename: file.filename, size: file.bytes.byteLength, url: `http://127.0.0.1/cdn/${file.filename}`, proxy_url: '' })),
    embeds: [],
    components: [],
    pinned: false,
    flags: 0,
  };
}

function channelObject(id: string) {
  return { id, type: 0, guild_id: GUILD_ID, name: 'general', position: 0, permission_overwrites: [], nsfw: false, parent_id: null };
}

function guildObject(premiumTier: number) {
  return {
    id: GUILD_ID,
    name: 'Painters',
    icon: null,
    owner_id: '900000000000000099',
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [{ id: GUILD_ID, name: '@everyone', permissions: PERMISSIONS.member.toString(), position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    system_channel_flags: 0,
    channels: [channelObject(CHANNEL_ID)],
    threads: [],
    // The bot's own member, as Discord sends it: what it may do in a channel follows from its roles and the channel's overwrites.
    members: [{ user: userObject(BOT_USER), roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 }],
    voice_states: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    member_count: 3,
    joined_at: new Date().toISOString(),
    large: false,
    unavailable: false,
    premium_tier: premiumTier,
    preferred_locale: 'en-US',
    nsfw_level: 0,
  };
}

/** An interaction payload as Discord sends it, for a member of the fake guild. */
export function interactionPayload(options: {
  type: number;
  user: FakeUser;
  data: Record<string, unknown>;
  permissions?: bigint;
  appPermissions?: bigint;
  message?: Record<string, unknown>;
  /** Another server than the fake guild (the bot is in several). */
  guildId?: string;
  /** In the member's direct messages with the bot: no server, no member, the user alone (`DM_CHANNEL_ID`). */
  direct?: boolean;
}): Record<string, unknown> {
  const guildId = options.guildId ?? GUILD_ID;
  const appPermissions = (options.appPermissions ?? PERMISSIONS.all).toString();
  // Where it was asked: a server's channel, by a member; or the user's direct messages with the bot.
  const place = options.direct
    ? { channel_id: DM_CHANNEL_ID, channel: { id: DM_CHANNEL_ID, type: 1, recipients: [userObject(options.user)], flags: 0 }, user: userObject(options.user), context: 1 }
    : {
        guild_id: guildId,
        channel_id: CHANNEL_ID,
        channel: { id: CHANNEL_ID, type: 0, guild_id: guildId, name: 'general', permissions: appPermissions },
        member: { user: userObject(options.user), roles: [], permissions: (options.permissions ?? PERMISSIONS.member).toString(), joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
        guild_locale: 'en-US',
        context: 0,
      };
  return {
    id: snowflake(),
    application_id: APPLICATION_ID,
    type: options.type,
    token: `token-${randomBytes(12).toString('hex')}`,
    version: 1,
    ...place,
    app_permissions: appPermissions,
    locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': guildId },
    data: options.data,
    ...(options.message ? { message: options.message } : {}),
  };
}

export function attachmentObject(url: string, filename: string, contentType: string, size: number) {
  return { id: snowflake(), filename, size, url, proxy_url: url, content_type: contentType, width: 512, height: 384 };
}

/** A user message with attachments, as it appears in context-menu interactions' resolved data. */
export function userMessage(author: FakeUser, attachments: Record<string, unknown>[]) {
  return { ...messageObject({ content: '', files: [] }), author: userObject(author), attachments };
}
