// libheif-js ships no types; src/engine/heic.ts describes the part of its API it uses.
declare module 'libheif-js/libheif-wasm/libheif-bundle.js';
