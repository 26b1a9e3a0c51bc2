/**
 * The limits Slack's Block Kit reference gives for the blocks and elements the bot sends (sections,
 * actions, inputs, buttons, selects, checkboxes, text inputs) and for a modal. The fake answers a
 * message that breaks one with `invalid_blocks` and a view with `invalid_arguments`, as Slack does,
 * so a form or a message Slack would refuse fails a test here rather than in a workspace.
 */

type Json = Record<string, unknown>;

/** What is wrong with a message's blocks (none when Slack would take them). */
export function messageBlockErrors(raw: unknown): string[] {
  const blocks = parsed(raw);
  if (blocks === undefined) return [];
  if (!Array.isArray(blocks)) return ['blocks must be a list'];
  return [...(blocks.length > 50 ? [`${blocks.length} blocks; a message has at most 50`] : []), ...blocks.flatMap((block, index) => blockErrors(block as Json, `blocks/${index}`))];
}

/** What is wrong with a Home tab (views.publish): its blocks, as a modal's, and no more than 100 of them. */
export function homeViewErrors(raw: unknown): string[] {
  const view = parsed(raw) as Json | undefined;
  if (!view || typeof view !== 'object') return ['a view is required'];
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Json[]) : [];
  return [
    ...(view.type === 'home' ? [] : ['view/type: home']),
    ...(blocks.length > 100 ? [`view/blocks: at most 100 (it has ${blocks.length})`] : []),
    ...blocks.flatMap((block, index) => blockErrors(block, `view/blocks/${index}`)),
  ];
}

/** What is wrong with a modal (views.open). */
export function viewErrors(raw: unknown): string[] {
  const view = parsed(raw) as Json | undefined;
  if (!view || typeof view !== 'object') return ['a view is required'];
  const errors: string[] = [];
  if (view.type !== 'modal') errors.push('view/type: modal');
  errors.push(...text(view.title, 'view/title', 24, true));
  if (view.submit !== undefined) errors.push(...text(view.submit, 'view/submit', 24, true));
  if (view.close !== undefined) errors.push(...text(view.close, 'view/close', 24, true));
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000) errors.push(`view/private_metadata: ${view.private_metadata.length} characters; at most 3000`);
  if (typeof view.callback_id === 'string' && view.callback_id.length > 255) errors.push('view/callback_id: at most 255 characters');
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Json[]) : [];
  if (blocks.length === 0 || blocks.length > 100) errors.push(`view/blocks: 1 to 100 (it has ${blocks.length})`);
  if (blocks.some((block) => block.type === 'input') && view.submit === undefined) errors.push('view/submit: required with input blocks');
  return [...errors, ...blocks.flatMap((block, index) => blockErrors(block, `view/blocks/${index}`))];
}

function blockErrors(block: Json, at: string): string[] {
  const errors = typeof block.block_id === 'string' && block.block_id.length > 255 ? [`${at}/block_id: at most 255 characters`] : [];
  switch (block.type) {
    case 'section':
      return [...errors, ...text(block.text, `${at}/text`, 3000, false)];
    case 'actions': {
      const elements = Array.isArray(block.elements) ? (block.elements as Json[]) : [];
      if (elements.length === 0 || elements.length > 25) errors.push(`${at}/elements: 1 to 25 (it has ${elements.length})`);
      const actionIds = elements.flatMap((element) => (typeof element.action_id === 'string' ? [element.action_id] : []));
      if (new Set(actionIds).size < actionIds.length) errors.push(`${at}/elements: each action_id at most once in a block`);
      return [...errors, ...elements.flatMap((element, index) => elementErrors(element, `${at}/elements/${index}`))];
    }
    case 'input':
      errors.push(...text(block.label, `${at}/label`, 2000, true));
      if (block.hint !== undefined) errors.push(...text(block.hint, `${at}/hint`, 2000, true));
      return [...errors, ...elementErrors((block.element ?? {}) as Json, `${at}/element`)];
    case 'header':
      return [...errors, ...text(block.text, `${at}/text`, 150, true)];
    case 'context':
    case 'divider':
    case 'image':
      return errors;
    default:
      return [...errors, `${at}: a block type the fake does not know (${String(block.type)})`];
  }
}

function elementErrors(element: Json, at: string): string[] {
  const errors = typeof element.action_id === 'string' && element.action_id.length > 255 ? [`${at}/action_id: at most 255 characters`] : [];
  if (element.placeholder !== undefined) errors.push(...text(element.placeholder, `${at}/placeholder`, 150, true));
  switch (element.type) {
    case 'button':
      errors.push(...text(element.text, `${at}/text`, 75, true));
      if (typeof element.value === 'string' && element.value.length > 2000) errors.push(`${at}/value: at most 2000 characters`);
      return errors;
    case 'static_select':
      // A select lists its options, or groups of them (at most 100 groups of 100), not both; the one
      // it starts with is one of them.
      if (element.initial_option !== undefined && !(Array.isArray(element.options) && (element.options as Json[]).some((option) => option.value === (element.initial_option as Json).value))) {
        errors.push(`${at}/initial_option: must be one of the options`);
      }
      if (element.option_groups === undefined) return [...errors, ...optionErrors(element.options, at, 100, true)];
      if (element.options !== undefined) return [...errors, `${at}: \`options\` and \`option_groups\` cannot both be given`];
      return [...errors, ...optionGroupErrors(element.option_groups, at)];
    case 'checkboxes':
      return [...errors, ...optionErrors(element.options, at, 10, false)];
    case 'plain_text_input':
      return errors;
    default:
      return [...errors, `${at}: an element type the fake does not know (${String(element.type)})`];
  }
}

function optionErrors(raw: unknown, at: string, most: number, plainOnly: boolean): string[] {
  const options = Array.isArray(raw) ? (raw as Json[]) : [];
  const errors = options.length === 0 || options.length > most ? [`${at}/options: 1 to ${most} (it has ${options.length}); \`options\` or \`option_groups\` must be specified`] : [];
  for (const [index, option] of options.entries()) {
    errors.push(...text(option.text, `${at}/options/${index}/text`, 75, plainOnly));
    if (typeof option.value !== 'string' || option.value.length === 0 || option.value.length > 150) errors.push(`${at}/options/${index}/value: 1 to 150 characters`);
  }
  return errors;
}

function optionGroupErrors(raw: unknown, at: string): string[] {
  const groups = Array.isArray(raw) ? (raw as Json[]) : [];
  const errors = groups.length === 0 || groups.length > 100 ? [`${at}/option_groups: 1 to 100 (it has ${groups.length})`] : [];
  for (const [index, group] of groups.entries()) {
    errors.push(...text(group.label, `${at}/option_groups/${index}/label`, 75, true), ...optionErrors(group.options, `${at}/option_groups/${index}`, 100, true));
  }
  return errors;
}

function text(value: unknown, at: string, most: number, plainOnly: boolean): string[] {
  const object = value as Json | undefined;
  if (!object || typeof object.text !== 'string') return [`${at}: a text object is required`];
  if (plainOnly && object.type !== 'plain_text') return [`${at}: must be plain_text`];
  if (object.text.length === 0 || object.text.length > most) return [`${at}: 1 to ${most} characters (it has ${object.text.length})`];
  return [];
}

/** Form-encoded calls carry blocks and views as JSON text, JSON calls as objects. */
function parsed(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}
