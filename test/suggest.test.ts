import { describe, expect, it } from 'vitest';
import { closestNames, editDistance, nameMeantBy } from '../src/suggest.ts';

describe('guessing what a mistyped name meant', () => {
  it('counts slips: a letter added, dropped or changed, or two neighbours swapped', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('strat', 'start')).toBe(1);
    expect(editDistance('stlyes', 'styles')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('size', 'size')).toBe(0);
    expect(editDistance('ab', 'ba')).toBe(1);
  });

  it('finds the name meant by a slip, or by the same name written another way, and nothing far off', () => {
    const options = ['content', 'style', 'style_name', 'size', 'strength', 'forget-me'];
    expect(nameMeantBy('sise', options)).toBe('size');
    expect(nameMeantBy('strenght', options)).toBe('strength');
    expect(nameMeantBy('style-name', options)).toBe('style_name');
    expect(nameMeantBy('styleName', options)).toBe('style_name');
    expect(nameMeantBy('forget_me', options)).toBe('forget-me');
    expect(nameMeantBy('colour', options)).toBeUndefined();
    // A short name is guessed only from one slip: "sz" is two from "size".
    expect(nameMeantBy('sz', options)).toBeUndefined();
  });

  it('lists the library styles closest to a mistyped one', () => {
    expect(closestNames('starry', ['starry-night', 'the-scream', 'udnie'])).toEqual(['starry-night']);
    expect(closestNames('udine', ['starry-night', 'the-scream', 'udnie'])).toEqual(['udnie']);
  });
});
