/**
 * The engine's methods by name, without their code: what a stored job or a message between
 * processes names. The job store reads them, and `impasto status` need not load TensorFlow.js for it.
 */
export const METHOD_NAMES = ['optimise', 'fast', 'best', 'train'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** A job that names no method paints by optimisation (Gatys et al.). */
export const DEFAULT_METHOD: MethodName = 'optimise';
