import { describe, expect, it } from 'vitest';
import { describeResultFiles } from '../../src/bot/job-messages.ts';

describe('what a finished job’s files show, in words (alt text)', () => {
  it('names the style, and says what the GIF is for each way of painting', () => {
    expect(describeResultFiles({ method: 'optimise', options: {}, styleLabel: 'starry-night' })).toEqual({
      png: 'The photo, painted in the style of starry-night.',
      gif: 'The photo turning into a painting in the style of starry-night, step by step.',
      mp4: 'The photo turning into a painting in the style of starry-night, step by step.',
    });
    expect(describeResultFiles({ method: 'fast', options: {}, styleLabel: 'udnie' }).gif).toBe('The photo wiped into its painting in the style of udnie.');
    expect(describeResultFiles({ method: 'optimise', options: { clipFrames: 12 }, styleLabel: 'the-scream on the person, udnie behind' })).toMatchObject({
      png: "The clip's first frame, painted in the style of the-scream on the person, udnie behind.",
      mp4: 'The clip, painted in the style of the-scream on the person, udnie behind.',
    });
    expect(describeResultFiles({ method: 'train', options: {}, styleLabel: 'great-wave' }).png).toBe("From the left: the painting great-wave, a photo the network never saw, and the network's picture of it.");
  });
});
