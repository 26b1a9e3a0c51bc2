// What `impasto stylize` and `impasto fast` share.

/** What `<content>` takes besides a picture, and where a painted clip may go. */
export const CLIP_FORMATS = 'an animated GIF, WebP or AVIF, or an MP4, WebM or MOV video: painted frame by frame';
export const CLIP_OUTPUT_HELP = '.jpg, .webp or .avif write those; a clip goes to a .gif or .mp4 (default stylized.gif)';
