import { messageOf } from '../../error-message.ts';

type Ort = typeof import('onnxruntime-node');

/**
 * onnxruntime-node, with its telemetry off. Its Linux build carries Microsoft's 1DS telemetry, which
 * uploads session events to mobile.events.data.microsoft.com unless a CI variable or
 * `ORT_DISABLE_TELEMETRY` is set (and leaves an empty `mat-debug-<pid>.log` in TMPDIR). impasto makes
 * no request to a host its operator did not choose, so every load goes through here, which sets the
 * variable first; an operator's own value wins. The engine processes the bot starts inherit it.
 */
export async function loadOnnxRuntime(): Promise<Ort> {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
  return (await import('onnxruntime-node')) as Ort;
}

/** Why an operator's `IMPASTO_ENGINE=<setting>` cannot be had: onnxruntime-node did not load (`error`). */
export function onnxRuntimeCannotLoad(setting: string, error: unknown): Error {
  return new Error(`IMPASTO_ENGINE=${setting}, but onnxruntime-node cannot load: ${messageOf(error)}`);
}
