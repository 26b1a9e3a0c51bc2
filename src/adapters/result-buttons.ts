import type { RerunChange } from '../bot/commands/rerun.ts';

/** The buttons under a finished picture on every platform, in order: what each changes, and its label. */
export const RESULT_BUTTONS: readonly { readonly change: 'less' | 'more' | 'again'; readonly rerun: RerunChange; readonly label: string }[] = [
  { change: 'less', rerun: 'less', label: 'Less style' },
  { change: 'more', rerun: 'more', label: 'More style' },
  { change: 'again', rerun: 'seed', label: 'Again with another seed' },
];
