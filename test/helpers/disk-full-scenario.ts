/**
 * Run as a script, not imported: `test/bot/disk-full.test.ts` starts it in a mount namespace of its
 * own (`unshare`) whose data directory is a small tmpfs, so that the disk really fills up. It drives
 * the bot through a full disk and back, and prints what each step answered as one line of JSON.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contextFor, startTestBot, waitForEnd } from './bot.ts';
import { sharedImagePath } from './shared.ts';
import { freeBytesOf } from '../../src/bot/files.ts';

const dataDir = join(process.argv[2]!, 'data');
const harness = await startTestBot({ IMPASTO_PROGRESS_INTERVAL_MS: '0' }, undefined, dataDir);
const photo = { bytes: await readFile(sharedImagePath('content_person.jpg')), name: 'person.jpg' };
const painting = { bytes: await readFile(sharedImagePath('style_the_scream.jpg')), name: 'scream.jpg' };
// 768 px: its PNG alone is more than the room left once the uploads are stored (about half a MB).
const request = { content: photo, style: painting, size: 768, iterations: 3 };
const freeBytes = () => freeBytesOf(dataDir);

// Room for the job's uploads and a few pages of the store, not for its result (a PNG and a GIF).
const filler = join(process.argv[2]!, 'filler');
await writeFile(filler, Buffer.alloc(Math.max(0, freeBytes() - 1_500_000)));
const queued = await harness.bot.execute('stylize', request, contextFor('alice'));
const ended = queued.jobId ? await waitForEnd(harness.events, harness.bot, queued.jobId) : undefined;
const whileFull = await harness.bot.execute('stylize', request, contextFor('bob'));

await rm(filler);
const afterwards = await harness.bot.execute('stylize', { ...request, size: 128 }, contextFor('carol'));
const recovered = afterwards.jobId ? await waitForEnd(harness.events, harness.bot, afterwards.jobId) : undefined;
const errors = harness.logLines.filter((line) => /"level":(50|60)/.test(line)).map((line) => (JSON.parse(line) as { msg: string }).msg);
await harness.stop({ keepData: true });
process.stdout.write(`${JSON.stringify({ queued: queued.text, ended: ended && { type: ended.type, message: 'message' in ended ? ended.message : undefined }, whileFull, recovered: recovered?.type, errors })}\n`);
