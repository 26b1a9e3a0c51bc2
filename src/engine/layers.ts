import { InputError } from './errors.ts';

export interface LayerSelection {
  readonly content: readonly string[];
  readonly style: readonly string[];
}

/** Gatys et al. (2015): content from conv4_2, style from the first layer of every block. */
export const GATYS_LAYERS: LayerSelection = { content: ['conv4_2'], style: ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'] };
/** With only blocks 1–3 of VGG-19 (the partial weight set), the deepest usable equivalents. */
export const SHALLOW_LAYERS: LayerSelection = { content: ['conv3_2'], style: ['conv1_1', 'conv2_1', 'conv3_1'] };

/**
 * Picks the layers to use: the caller's, each checked against what is loaded, or else the deepest
 * preset the loaded weights support.
 */
export function selectLayers(
  available: readonly string[],
  requested: { content?: readonly string[] | undefined; style?: readonly string[] | undefined } = {},
): LayerSelection {
  const preset = [GATYS_LAYERS, SHALLOW_LAYERS].find((candidate) => [...candidate.content, ...candidate.style].every((layer) => available.includes(layer)));
  const content = requested.content ?? preset?.content;
  const style = requested.style ?? preset?.style;
  if (!content || !style) {
    throw new InputError('unknown_layer', `The loaded VGG-19 weights only have ${available.join(', ')}: too few layers for style transfer. Download the full set.`);
  }
  for (const [field, layers] of [['contentLayers', content], ['styleLayers', style]] as const) {
    const missing = layers.filter((layer) => !available.includes(layer));
    if (missing.length > 0) {
      throw new InputError(
        'unknown_layer',
        `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not available; the loaded weights have ${available[0]} … ${available.at(-1)}.`,
        field,
      );
    }
  }
  return { content, style };
}
