import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sendReply } from '../../src/adapters/web/http.ts';
import type { Reply } from '../../src/bot/commands/types.ts';
import { OUT_OF_SPACE_TEXT } from '../../src/bot/errors.ts';

/** How the playground's API answers each kind of reply, over a real HTTP exchange on 127.0.0.1. */
async function answerTo(reply: Reply): Promise<{ status: number; body: unknown }> {
  const server = createServer((_request, response) => sendReply(response, reply, 201));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return { status: response.status, body: await response.json() };
  } finally {
    server.close();
  }
}

describe('the playground API’s answer to a reply', () => {
  it('is the success status for an answer, 400 naming the field for a refusal, and 507 or 500 for the bot’s own failure', async () => {
    expect(await answerTo({ text: 'Saved.' })).toEqual({ status: 201, body: { message: 'Saved.' } });
    expect(await answerTo({ text: 'Too big.', refusal: { field: 'size', code: 'invalid_option' } })).toEqual({ status: 400, body: { error: 'Too big.', field: 'size' } });
    // Before, a failure came back as 200 with its message, as if it had worked.
    expect(await answerTo({ text: OUT_OF_SPACE_TEXT, failure: 'out_of_space' })).toEqual({ status: 507, body: { error: OUT_OF_SPACE_TEXT } });
    expect(await answerTo({ text: 'Something went wrong on our side; it has been logged. Please try again.', failure: 'internal' })).toEqual({ status: 500, body: { error: 'Something went wrong on our side; it has been logged. Please try again.' } });
  });
});
