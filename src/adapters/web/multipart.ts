import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import type { UploadedImage } from '../../bot/commands/types.ts';
import { InputError } from '../../engine/errors.ts';
import { formatMegabytes } from '../../engine/image.ts';

export interface MultipartForm {
  readonly fields: Record<string, string>;
  readonly files: Record<string, UploadedImage>;
}

/**
 * Reads a multipart form, stopping a file at `maxFileBytes` (the upload limit) so that an oversized
 * upload is refused without being held in memory. A malformed or cut-off body is the sender's error
 * (an `InputError`, answered 400), never an unhandled stream error.
 *
 * `admitFiles` is asked once, when the first file begins, with the fields sent before it (the
 * playground sends its fields first): if it says no, the files are not read, the form resolves at
 * once with the fields alone, and the rest of the body is drained unread. So a request the fields
 * already refuse (a member over the queue's limits) costs no upload held in memory.
 */
export function readMultipart(request: IncomingMessage, maxFileBytes: number, admitFiles?: (fields: Readonly<Record<string, string>>) => boolean): Promise<MultipartForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: request.headers, limits: { fileSize: maxFileBytes, files: 4, fields: 40, fieldSize: 10_000 } });
    } catch {
      reject(new InputError('invalid_option', 'Send the form as multipart/form-data.'));
      return;
    }
    const fields: Record<string, string> = {};
    const files: Record<string, UploadedImage> = {};
    let failure: Error | undefined;
    let settled = false;
    let filesAdmitted: boolean | undefined;
    /** Settles now, reading no more of the body. */
    const stop = (settle: () => void) => {
      if (settled) return;
      settled = true;
      request.unpipe(parser);
      // Read and drop the rest, so that the response can still be sent on this connection.
      request.resume();
      settle();
    };
    const fail = (error: Error) => stop(() => reject(error));
    const malformed = () => fail(new InputError('invalid_option', 'The upload was cut off or is not a valid form; please send it again.'));
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      try {
        filesAdmitted ??= admitFiles?.(fields) ?? true;
      } catch (error) {
        // Thrown here, inside busboy's write, it would end the process: it fails this request instead.
        filesAdmitted = false;
        fail(error instanceof Error ? error : new Error(String(error)));
      }
      if (!filesAdmitted) {
        stream.resume();
        stop(() => resolve({ fields, files: {} }));
        return;
      }
      const chunks: Buffer[] = [];
      // busboy reports a body that ends inside this file on the file's stream (as well as on the
      // parser): without a listener here that error would end the whole process.
      stream.on('error', malformed);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        failure ??= new InputError('too_many_bytes', `${info.filename || name} is over the ${formatMegabytes(maxFileBytes)} upload limit.`, name);
        stream.resume();
      });
      stream.on('end', () => {
        const bytes = Buffer.concat(chunks);
        // An empty file input is "no file chosen", not an empty file.
        if (bytes.byteLength > 0 || info.filename) files[name] = { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name: info.filename || name };
      });
    });
    parser.on('error', malformed);
    request.on('aborted', malformed);
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      if (failure) reject(failure);
      else resolve({ fields, files });
    });
    request.pipe(parser);
  });
}
