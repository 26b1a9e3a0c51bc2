// The resolve hook of forbid-imports.mjs, in Node's loader thread.
/** @type {string[]} */
let forbidden = [];

/** @param {string[]} packages */
export function initialize(packages) {
  forbidden = packages;
}

/**
 * @param {string} specifier
 * @param {unknown} context
 * @param {(specifier: string, context: unknown) => unknown} nextResolve
 */
export function resolve(specifier, context, nextResolve) {
  const name = forbidden.find((pkg) => specifier === pkg || specifier.startsWith(`${pkg}/`));
  if (name) throw new Error(`forbidden import: ${name}`);
  return nextResolve(specifier, context);
}
