import type { IncomingMessage, ServerResponse } from 'node:http';
import sharp from 'sharp';
import type { Bot } from '../../bot/bot.ts';
import { pictureToFetch } from '../../bot/commands/images.ts';
import type { CommandContext, Reply } from '../../bot/commands/types.ts';
import type { BotEnvironment } from '../../bot/config.ts';
import { readFileIfPresent } from '../../bot/files.ts';
import { maxUploadBytes } from '../../bot/limits.ts';
import { rerunChangeNamed } from '../../bot/job-messages.ts';
import { POSTED_SHEET, styleChoiceLabel } from '../../bot/styles/library.ts';
import type { ApiError, AppInfo, PublicStyle } from './api-types.ts';
import { HttpError, notFound, sendBytes, sendJson, sendReply } from './http.ts';
import { streamJob } from './job-stream.ts';
import { readMultipart, type MultipartForm } from './multipart.ts';
import { publicJob } from './public-job.ts';

export interface RouteContext {
  readonly bot: Bot;
  readonly env: BotEnvironment;
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  /** This browser's anonymous id (its jobs are its own). */
  readonly clientId: string;
  readonly context: CommandContext;
  /** Keeps an event stream's closer until the stream ends (for shutdown). */
  readonly trackStream: (close: () => void) => () => void;
}

const JOB_PATH = /^\/api\/jobs\/([\w-]+)(\/events|\/result|\/result\.png|\/result\.gif|\/content\.png|\/rerun\/[a-z]+)?$/;

/** The JSON API: each path to a bot call. */
export async function route(route: RouteContext): Promise<void> {
  const { bot, env, request, response, url, context } = route;
  const method = request.method ?? 'GET';
  const path = url.pathname;
  let match: RegExpExecArray | null;

  if (method === 'GET' && path === '/api/info') {
    const info: AppInfo = { commands: bot.commands.map((command) => command.definition), libraryEdits: env.IMPASTO_WEB_LIBRARY_EDITS, training: env.IMPASTO_WEB_LIBRARY_EDITS && env.IMPASTO_TRAINING_PHOTOS_DIR !== undefined, maxUploadBytes: maxUploadBytes(env), retentionDays: env.IMPASTO_RETENTION_DAYS, backend: bot.engineInfo()?.label, engineProblem: bot.engineProblem() };
    return sendJson(response, 200, info);
  }
  if (method === 'GET' && path === '/api/styles') {
    // The thumbnail's address names the style's version: browsers keep a picture for an hour, and a
    // style removed and added again under its name showed the old painting.
    const styles: PublicStyle[] = bot.library.in(context.requester.community).list().map((style) => ({ name: style.name, title: style.title, imageUrl: `/api/styles/${style.name}/image?v=${style.createdAt}`, label: styleChoiceLabel(style), fast: style.network !== undefined }));
    return sendJson(response, 200, styles);
  }
  if (method === 'GET' && path === '/api/styles/sheet.jpg') {
    // `?search=wave&page=2`, as /styles takes them.
    const asked = Object.fromEntries(['search', 'page'].flatMap((name) => (url.searchParams.has(name) ? [[name, url.searchParams.get(name)]] : [])));
    const reply = await bot.execute('styles', asked, context);
    if (reply.refusal) return sendReply(response, reply);
    const sheet = reply.files?.[0];
    // No picture: the library is empty, or the command failed (it logged why); its reply says which.
    if (!sheet) return sendJson(response, 404, { error: reply.text } satisfies ApiError);
    return sendBytes(response, `image/${POSTED_SHEET.format}`, sheet.bytes);
  }
  if (method === 'GET' && (match = /^\/api\/styles\/([a-z0-9-]+)\/image$/.exec(path))) {
    const style = bot.library.in(context.requester.community).get(match[1]!);
    // Its file is gone when the style was removed after it was looked up.
    const bytes = style && (await readFileIfPresent(style.path));
    if (!bytes) throw new HttpError(404, `There is no style "${match[1]}".`);
    return sendBytes(response, 'image/jpeg', await sharp(bytes).resize(320, 320, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer());
  }
  if (method === 'POST' && path === '/api/styles') {
    const { form, refusal } = await readPrechecked(route, 'style add', (fields) => ({ ...fields, image: pictureToFetch('image') }));
    return sendReply(response, refusal ?? (await bot.execute('style add', { ...nonEmpty(form.fields), ...form.files }, context)), 201);
  }
  if (method === 'POST' && (match = /^\/api\/styles\/([a-z0-9-]+)\/train$/.exec(path))) {
    return sendCreatedJob(bot, response, await bot.execute('style train', { name: match[1] }, context));
  }
  if (method === 'DELETE' && (match = /^\/api\/styles\/([a-z0-9-]+)$/.exec(path))) {
    return sendReply(response, await bot.execute('style remove', { name: match[1] }, context));
  }
  if (method === 'POST' && path === '/api/jobs') {
    // A style file is taken to follow unless a library style is named; a mask is not assumed (none is needed).
    const { form, refusal } = await readPrechecked(route, 'stylize', (fields) => ({ content: pictureToFetch('content'), ...(fields.style_name ? {} : { style: pictureToFetch('style') }), ...fields }));
    return sendCreatedJob(bot, response, refusal ?? (await bot.execute('stylize', { ...nonEmpty(form.fields), ...form.files }, context)));
  }
  if (method === 'GET' && path === '/api/jobs') return sendJson(response, 200, bot.jobsOf('web', route.clientId).map((job) => publicJob(bot, job)));
  if (method === 'GET' && path === '/api/queue') return sendReply(response, await bot.execute('queue', {}, context));
  if (method === 'POST' && path === '/api/forget-me') return sendReply(response, await bot.execute('forget-me', { confirm: true }, context));
  if ((match = JOB_PATH.exec(path))) return routeJob(route, method, match[1]!, match[2]);
  throw new HttpError(404, 'Not found.');
}

/**
 * Reads a command's form, refusing before any of its files is read what no option can change: a
 * limit reached (the member's, the server's, the queue's) or no permission (`Bot.precheck`, with
 * `standIns` for the pictures not yet read). Other refusals wait for the whole form, since they may
 * hinge on a field sent after a file (the playground sends its files last; other clients may not).
 */
async function readPrechecked({ bot, env, request, context }: RouteContext, command: string, standIns: (fields: Record<string, string>) => Record<string, unknown>): Promise<{ form: MultipartForm; refusal: Reply | undefined }> {
  let refusal: Reply | undefined;
  const form = await readMultipart(request, maxUploadBytes(env), (fields) => {
    const early = bot.precheck(command, standIns(nonEmpty(fields)), context);
    if (early?.refusal?.code === 'limit_reached' || early?.refusal?.code === 'not_allowed') refusal = early;
    return refusal === undefined;
  });
  return { form, refusal };
}

/** `/api/jobs/<id>…`: only this browser's own jobs. */
async function routeJob({ bot, request, response, url, clientId, context, trackStream }: RouteContext, method: string, id: string, part: string | undefined): Promise<void> {
  const job = bot.job(id);
  // Another browser's job looks the same as no job at all.
  if (!job || job.requester.platform !== 'web' || job.requester.userId !== clientId) throw new HttpError(404, `There is no job "${id}".`);
  if (method === 'DELETE' && !part) return sendReply(response, await bot.execute('cancel', { job: job.id }, context));
  if (method === 'DELETE' && part === '/result') return sendReply(response, await bot.remove(job.id, context));
  if (method === 'POST' && part?.startsWith('/rerun/')) {
    const change = rerunChangeNamed(part.slice('/rerun/'.length));
    if (!change) throw new HttpError(404, `There is no way to repaint a job called "${part.slice('/rerun/'.length)}".`);
    return sendCreatedJob(bot, response, await bot.rerun(job.id, context, change));
  }
  if (method !== 'GET') throw new HttpError(405, 'Method not allowed.');
  if (!part) return sendJson(response, 200, publicJob(bot, job));
  if (part === '/events') {
    let untrack = () => {};
    const close = streamJob(bot, request, response, job, () => untrack());
    if (close) untrack = trackStream(close);
    return;
  }
  // `/result` is the result as a thing to remove; its pictures are `/result.png` and `/result.gif`.
  if (part === '/result') throw new HttpError(405, 'Method not allowed: DELETE removes the result; its pictures are result.png and result.gif.');
  if (part === '/content.png') return sendBytes(response, 'image/png', await bot.contentPicture(job).catch(() => notFound('The photo of this job has expired.')));
  const files = await bot.resultFiles(job).catch(() => notFound('This result has expired or is not ready.'));
  const download = url.searchParams.has('download') ? `attachment; filename="impasto-${job.id}.${part === '/result.png' ? 'png' : 'gif'}"` : undefined;
  return part === '/result.png' ? sendBytes(response, 'image/png', files.png, download) : sendBytes(response, 'image/gif', files.gif, download);
}

/** A reply that queued a job: 201 with the job; a refusal: 400 naming the field. */
function sendCreatedJob(bot: Bot, response: ServerResponse, reply: Reply): void {
  if (!reply.jobId) return sendReply(response, reply);
  sendJson(response, 201, { message: reply.text, job: publicJob(bot, bot.job(reply.jobId)!) });
}

function nonEmpty(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value.trim() !== ''));
}
