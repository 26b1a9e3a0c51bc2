import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inTempDir } from './video.ts';

const execFileAsync = promisify(execFile);

/**
 * A HEIC (HEVC inside a HEIF file, as an iPhone saves a photo) of a JPEG, made by Debian's libheif
 * (`heif-enc` from libheif-examples, with x265; `.ci/run` installs it).
 */
export function heicOf(jpeg: Uint8Array, quality = 90): Promise<Buffer> {
  return encodeHeic(jpeg, 'photo.jpg', quality);
}

/** A HEIC of a PNG: with the PNG's transparency, as an alpha picture beside the primary one. */
export function heicFromPng(png: Uint8Array, quality = 90): Promise<Buffer> {
  return encodeHeic(png, 'picture.png', quality);
}

/**
 * One HEIC (or AVIF) holding several JPEGs as pictures of their own (as a camera's burst, or a
 * photo with its edited version, is stored), with the one at `primary` (from 0) marked as the
 * primary picture: `heif-enc` marks the first, so its `pitm` box is rewritten.
 */
export function heifOfPictures(jpegs: readonly Uint8Array[], primary: number, format: 'heic' | 'avif' = 'heic'): Promise<Buffer> {
  return inTempDir(async (dir) => {
    const inputs = jpegs.map((_, index) => join(dir, `picture-${index}.jpg`));
    await Promise.all(jpegs.map((jpeg, index) => writeFile(inputs[index]!, jpeg)));
    const output = join(dir, `pictures.${format}`);
    await execFileAsync('heif-enc', [...(format === 'avif' ? ['-A'] : []), '-q', '90', ...inputs, '-o', output]);
    const heic = await readFile(output);
    const meta = childBoxes(heic, 0, heic.length).find((box) => box.type === 'meta');
    const metaChildren = meta ? childBoxes(heic, meta.start + 12, meta.end) : [];
    const [pitm, iinf] = ['pitm', 'iinf'].map((type) => metaChildren.find((box) => box.type === type));
    if (!pitm || !iinf || heic[pitm.start + 8] !== 0 || heic[iinf.start + 8] !== 0) throw new Error('no pitm and iinf boxes of version 0');
    const pictures = shownPictureIds(heic, iinf);
    if (pictures.length !== jpegs.length) throw new Error(`heif-enc stored ${pictures.length} pictures of ${jpegs.length}`);
    heic.writeUInt16BE(pictures[primary]!, pitm.start + 12);
    return heic;
  });
}

/**
 * The ids of the pictures a viewer shows, in the file's order: `iinf`'s items (`infe` version 2 or
 * 3) that are images and not hidden. A picture too small for the encoder is stored as a hidden coded
 * image with a shown one derived from it, so the ids are not simply 1, 2, ….
 */
function shownPictureIds(heic: Buffer, iinf: Box): number[] {
  const ids: number[] = [];
  for (const infe of childBoxes(heic, iinf.start + 14, iinf.end)) {
    const version = heic[infe.start + 8]!;
    if (infe.type !== 'infe' || version < 2) throw new Error('an item entry this helper does not handle');
    const hidden = (heic[infe.start + 11]! & 1) === 1;
    const idBytes = version === 2 ? 2 : 4;
    const id = idBytes === 2 ? heic.readUInt16BE(infe.start + 12) : heic.readUInt32BE(infe.start + 12);
    const type = heic.toString('latin1', infe.start + 12 + idBytes + 2, infe.start + 16 + idBytes + 2);
    if (!hidden && ['hvc1', 'av01', 'grid', 'iden', 'iovl'].includes(type)) ids.push(id);
  }
  return ids;
}

function encodeHeic(bytes: Uint8Array, name: string, quality: number): Promise<Buffer> {
  return inTempDir(async (dir) => {
    const [input, output] = [join(dir, name), join(dir, 'photo.heic')];
    await writeFile(input, bytes);
    await execFileAsync('heif-enc', ['-q', String(quality), input, '-o', output]);
    return readFile(output);
  });
}

/**
 * The same HEIC stored as an iPhone stores a portrait photo: its pixels untouched, and a turn for
 * viewers to apply in an `irot` property of its primary picture (`quarterTurns` × 90°
 * anticlockwise). `heif-enc` 1.15 writes no `irot`, and no tool here does, so the property is added
 * to the file's boxes: appended to `ipco`, associated with the primary item in `ipma`, and the
 * picture data's file offsets in `iloc` moved by the bytes added before them.
 */
export function turnedHeic(heic: Buffer, quarterTurns: 1 | 2 | 3): Buffer {
  const meta = childBoxes(heic, 0, heic.length).find((box) => box.type === 'meta');
  if (!meta) throw new Error('no meta box');
  const metaChildren = childBoxes(heic, meta.start + 12, meta.end); // meta is a full box: 4 bytes of version and flags
  const find = (boxes: readonly Box[], type: string): Box => {
    const box = boxes.find((candidate) => candidate.type === type);
    if (!box) throw new Error(`no ${type} box`);
    return box;
  };
  const [iprp, iloc, pitm] = (['iprp', 'iloc', 'pitm'] as const).map((type) => find(metaChildren, type)) as [Box, Box, Box];
  const iprpChildren = childBoxes(heic, iprp.start + 8, iprp.end);
  const [ipco, ipma] = [find(iprpChildren, 'ipco'), find(iprpChildren, 'ipma')];
  const primaryItem = heic[pitm.start + 8] === 0 ? heic.readUInt16BE(pitm.start + 12) : heic.readUInt32BE(pitm.start + 12);

  const irot = box('irot', Buffer.from([quarterTurns]));
  const irotIndex = childBoxes(heic, ipco.start + 8, ipco.end).length + 1; // ipma counts ipco's properties from 1
  const newIpco = box('ipco', Buffer.concat([heic.subarray(ipco.start + 8, ipco.end), irot]));
  const newIpma = withAssociation(heic.subarray(ipma.start, ipma.end), primaryItem, irotIndex);
  const newIprp = box('iprp', Buffer.concat([heic.subarray(iprp.start + 8, ipco.start), newIpco, heic.subarray(ipco.end, ipma.start), newIpma, heic.subarray(ipma.end, iprp.end)]));
  const metaBody = Buffer.concat([heic.subarray(meta.start + 8, iprp.start), newIprp, heic.subarray(iprp.end, meta.end)]);
  const added = metaBody.length + 8 - (meta.end - meta.start);
  const turned = Buffer.concat([heic.subarray(0, meta.start), box('meta', metaBody), heic.subarray(meta.end)]);
  if (iloc.start > iprp.start) throw new Error('iloc after iprp: its offset in the new file would move');
  movePictureOffsets(turned, iloc, meta.end, added);
  return turned;
}

interface Box {
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

function childBoxes(bytes: Buffer, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  for (let offset = start; offset < end; ) {
    const size = bytes.readUInt32BE(offset);
    if (size < 8) throw new Error('a box size this helper does not handle');
    boxes.push({ type: bytes.toString('latin1', offset + 4, offset + 8), start: offset, end: offset + size });
    offset += size;
  }
  return boxes;
}

function box(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** `ipma` (ISO/IEC 23008-12 § 9.3) with property `index` associated with `item`, marked essential. */
function withAssociation(ipma: Buffer, item: number, index: number): Buffer {
  const version = ipma[8] ?? 0;
  const wideIndices = ((ipma[11] ?? 0) & 1) === 1;
  const itemBytes = version < 1 ? 2 : 4;
  const entries: Buffer[] = [];
  let offset = 16;
  let found = false;
  for (let entry = 0, count = ipma.readUInt32BE(12); entry < count; entry++) {
    const id = itemBytes === 2 ? ipma.readUInt16BE(offset) : ipma.readUInt32BE(offset);
    const associations = ipma[offset + itemBytes] ?? 0;
    const length = itemBytes + 1 + associations * (wideIndices ? 2 : 1);
    const bytes = Buffer.from(ipma.subarray(offset, offset + length));
    offset += length;
    if (id !== item) {
      entries.push(bytes);
      continue;
    }
    found = true;
    bytes[itemBytes] = associations + 1;
    const association = wideIndices ? Buffer.from([0x80 | (index >> 8), index & 0xff]) : Buffer.from([0x80 | index]);
    entries.push(Buffer.concat([bytes, association]));
  }
  if (!found) throw new Error(`no ipma entry for item ${item}`);
  return box('ipma', Buffer.concat([ipma.subarray(8, 16), ...entries]));
}

/** Moves `iloc`'s file offsets (construction method 0) that point past `after` by `added` bytes, in place. */
function movePictureOffsets(file: Buffer, iloc: Box, after: number, added: number): void {
  const version = file[iloc.start + 8] ?? 0;
  const sizes = file[iloc.start + 12] ?? 0;
  const bases = file[iloc.start + 13] ?? 0;
  const [offsetSize, lengthSize, baseSize] = [sizes >> 4, sizes & 15, bases >> 4];
  const indexSize = version === 0 ? 0 : bases & 15;
  const read = (at: number, size: number): number => (size === 0 ? 0 : size === 4 ? file.readUInt32BE(at) : size === 8 ? Number(file.readBigUInt64BE(at)) : Number.NaN);
  const write = (at: number, size: number, value: number): void => {
    if (size === 4) file.writeUInt32BE(value, at);
    else file.writeBigUInt64BE(BigInt(value), at);
  };
  let offset = iloc.start + 14;
  const itemCount = version < 2 ? file.readUInt16BE(offset) : file.readUInt32BE(offset);
  offset += version < 2 ? 2 : 4;
  for (let item = 0; item < itemCount; item++) {
    offset += version < 2 ? 2 : 4;
    const method = version === 0 ? 0 : file.readUInt16BE(offset) & 15;
    if (version > 0) offset += 2;
    offset += 2; // data_reference_index
    const baseAt = offset;
    const base = read(baseAt, baseSize);
    offset += baseSize;
    const extents = file.readUInt16BE(offset);
    offset += 2;
    const movesBase = method === 0 && baseSize > 0 && base >= after;
    if (movesBase) write(baseAt, baseSize, base + added);
    for (let extent = 0; extent < extents; extent++) {
      offset += indexSize;
      const extentOffset = read(offset, offsetSize);
      if (method === 0 && !movesBase && offsetSize > 0 && base + extentOffset >= after) write(offset, offsetSize, extentOffset + added);
      offset += offsetSize + lengthSize;
    }
  }
}
