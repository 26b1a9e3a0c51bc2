import type { UploadedImage } from '../bot/commands/types.ts';
import { BotError } from '../bot/errors.ts';
import { InputError } from '../engine/errors.ts';
import { overTheLimit, tooManyBytes } from '../engine/image.ts';

export interface DownloadPolicy {
  /** `host` or `host:port` values; nothing else is ever requested. */
  readonly allowedHosts: readonly string[];
  readonly maxBytes: number;
  /** Sent with the request (Slack's files need the bot token). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Names the file in messages, e.g. "content image". */
  readonly label: string;
  /** The option the image fills, for refusals shown beside it. */
  readonly field: string;
  /** What an HTML answer means on this platform (Slack sends its login page for a bad token). */
  readonly htmlMeans?: string;
  /** For the whole download, the body included (30 s unless given). */
  readonly timeoutMs?: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Fetches a user's image from a chat platform's file host. The URL's host must be on the allow-list
 * (checked before any request), redirects are never followed (a redirect to another host would
 * escape the list), the body is cut off at the byte limit, and a response that is not an image
 * (Slack answers a bad token with a 200 HTML page) is refused.
 */
export async function downloadImage(url: string, name: string, policy: DownloadPolicy): Promise<UploadedImage> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError('not_an_image', `The ${policy.label} link is not a valid URL.`, policy.field);
  }
  const allowed = policy.allowedHosts.includes(parsed.host) && (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname)));
  if (!allowed) throw new BotError('not_allowed', `The ${policy.label} is not hosted on this chat platform (${parsed.host}); I only fetch files from it.`, policy.field);
  const failed = () => new BotError('missing_image', `I could not download the ${policy.label}; try sending it again.`, policy.field);
  let response: Response;
  try {
    response = await fetch(parsed, { redirect: 'manual', headers: policy.headers, signal: AbortSignal.timeout(policy.timeoutMs ?? 30_000) });
  } catch {
    throw failed();
  }
  if (response.status >= 300 && response.status < 400) throw new BotError('not_allowed', `The ${policy.label} link redirects elsewhere; I do not follow it.`, policy.field);
  if (!response.ok || !response.body) throw new BotError('missing_image', `I could not download the ${policy.label} (HTTP ${response.status}); try sending it again.`, policy.field);
  const type = response.headers.get('content-type') ?? '';
  if (!isPictureOrClipType(type) && !type.startsWith('application/octet-stream')) {
    await response.body.cancel();
    if (type.startsWith('text/html') && policy.htmlMeans) throw new BotError('missing_image', policy.htmlMeans, policy.field);
    throw new InputError('not_an_image', `The ${policy.label} is not an image (the file host answered with ${type.split(';')[0] || 'no content type'}).`, policy.field);
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > policy.maxBytes) {
    await response.body.cancel();
    throw tooManyBytes(policy.label, declared, policy.maxBytes, policy.field);
  }
  const bytes = Buffer.concat(await readBody(response.body, policy).catch((error: unknown) => {
    // The host dropped the connection or was too slow partway through the file: fetch's own words
    // ("terminated") would mean nothing to the sender.
    throw error instanceof InputError ? error : failed();
  }));
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name };
}

async function readBody(body: ReadableStream<Uint8Array>, policy: DownloadPolicy): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    received += chunk.byteLength;
    if (received > policy.maxBytes) throw overTheLimit(policy.label, policy.maxBytes, policy.field);
    chunks.push(chunk);
  }
  return chunks;
}

/**
 * Whether a file's declared type is one the bot may paint: a picture, or a video (a clip is painted
 * frame by frame). The engine decides from the bytes what they are; this only chooses which files to take.
 */
export function isPictureOrClipType(type: string | null | undefined): boolean {
  return /^(image|video)\//.test(type ?? '');
}
