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
    // What a target or a mask left unpainted is said too.
    expect(describeResultFiles({ method: 'optimise', options: { target: 'background' }, styleLabel: 'udnie' }).png).toBe('The photo, painted in the style of udnie. Only the background is painted; the person is as photographed.');
    expect(describeResultFiles({ method: 'fast', options: { target: 'person' }, styleLabel: 'wave' }).gif).toBe('The photo wiped into its painting in the style of wave. Only the person is painted; the rest is as photographed.');
    expect(describeResultFiles({ method: 'optimise', options: { clipFrames: 4 }, styleLabel: 'udnie', maskPath: '/data/mask.png' }).mp4).toBe('The clip, painted in the style of udnie. Painted only where its mask is white; the rest is as photographed.');
    expect(describeResultFiles({ method: 'train', options: {}, styleLabel: 'great-wave' }).png).toBe("From the left: the painting great-wave, a photo the network never saw, and the network's picture of it.");
  });
});
