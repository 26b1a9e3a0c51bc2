/**
 * The rules Discord checks when application commands are registered (a bulk overwrite), as its
 * documentation states them ("Application Commands": names, descriptions, options, choices, and the
 * 4000 characters a command may have in all). The fake answers a payload that breaks one with 400,
 * Invalid Form Body, as Discord does; a command definition that Discord would refuse then fails a
 * test here rather than `npm run discord:register` on a real server.
 */

interface RegisteredOption {
  readonly type?: number;
  readonly name?: string;
  readonly description?: string;
  readonly required?: boolean;
  readonly choices?: readonly { name?: string; value?: unknown }[];
  readonly options?: readonly RegisteredOption[];
  readonly min_value?: number;
  readonly max_value?: number;
  readonly min_length?: number;
  readonly max_length?: number;
  readonly autocomplete?: boolean;
  readonly default_member_permissions?: unknown;
  readonly contexts?: unknown;
}

const CHAT_INPUT = 1;
const SUBCOMMAND = 1;
const SUBCOMMAND_GROUP = 2;
const STRING = 3;
const INTEGER = 4;
const NUMBER = 10;
// Lower case only: Discord refuses upper-case letters in slash command and option names.
const NAME = /^[-_\p{Ll}\p{Lo}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const MAX_SAFE = 2 ** 53;

/** What is wrong with the payload, one line per fault (empty when Discord would accept it). */
export function registrationErrors(payload: unknown): string[] {
  if (!Array.isArray(payload)) return ['the body must be a list of commands'];
  const commands = payload as RegisteredOption[];
  const errors: string[] = [];
  const chatInput = commands.filter((command) => (command.type ?? CHAT_INPUT) === CHAT_INPUT);
  if (chatInput.length > 100) errors.push(`${chatInput.length} slash commands: at most 100`);
  for (const type of [2, 3]) if (commands.filter((command) => command.type === type).length > 5) errors.push(`more than 5 context-menu commands of type ${type}`);
  const seen = new Set<string>();
  for (const command of commands) {
    const key = `${command.type ?? CHAT_INPUT}:${command.name}`;
    if (seen.has(key)) errors.push(`two commands named ${command.name}`);
    seen.add(key);
    // A permission bit set, written as a decimal string (or null: everyone).
    const permissions = command.default_member_permissions;
    if (permissions !== undefined && permissions !== null && !(typeof permissions === 'string' && /^\d+$/.test(permissions))) {
      errors.push(`"${command.name}": default_member_permissions must be a permission bit set as a string of digits`);
    }
    // Where it is offered: 0 in servers, 1 in direct messages with the bot, 2 in other private channels.
    const contexts = command.contexts;
    if (contexts !== undefined && contexts !== null && !(Array.isArray(contexts) && contexts.length > 0 && contexts.every((context) => context === 0 || context === 1 || context === 2))) {
      errors.push(`"${command.name}": contexts must be a list of interaction context types (0, 1, 2)`);
    }
    if ((command.type ?? CHAT_INPUT) === CHAT_INPUT) errors.push(...chatInputErrors(command));
    else {
      if (!command.name || command.name.length > 32) errors.push(`context menu "${command.name}": a name of 1 to 32 characters`);
      if (command.description) errors.push(`context menu "${command.name}": no description`);
      if (command.options?.length) errors.push(`context menu "${command.name}": no options`);
    }
  }
  return errors;
}

function chatInputErrors(command: RegisteredOption): string[] {
  const errors = [...namedErrors(`/${command.name}`, command), ...optionListErrors(`/${command.name}`, command.options ?? [], 0)];
  const total = charactersOf(command);
  if (total > 4000) errors.push(`/${command.name}: ${total} characters in its names, descriptions and choices; at most 4000`);
  return errors;
}

function namedErrors(where: string, item: RegisteredOption): string[] {
  const errors: string[] = [];
  if (!item.name || !NAME.test(item.name)) errors.push(`${where}: the name "${item.name}" must be 1 to 32 lower-case letters, digits, - or _`);
  if (!item.description || item.description.length > 100) errors.push(`${where}: a description of 1 to 100 characters (it has ${item.description?.length ?? 0})`);
  return errors;
}

function optionListErrors(where: string, options: readonly RegisteredOption[], depth: number): string[] {
  const errors: string[] = [];
  if (options.length > 25) errors.push(`${where}: ${options.length} options; at most 25`);
  const names = new Set<string>();
  let optionalSeen = false;
  for (const option of options) {
    const at = `${where} ${option.name}`;
    if (option.name && names.has(option.name)) errors.push(`${at}: a second option of that name`);
    if (option.name) names.add(option.name);
    errors.push(...namedErrors(at, option));
    if (option.type === SUBCOMMAND || option.type === SUBCOMMAND_GROUP) {
      if (depth > (option.type === SUBCOMMAND ? 1 : 0)) errors.push(`${at}: nested too deep`);
      errors.push(...optionListErrors(at, option.options ?? [], depth + 1));
      continue;
    }
    if (option.required) {
      if (optionalSeen) errors.push(`${at}: a required option after an optional one`);
    } else optionalSeen = true;
    errors.push(...valueErrors(at, option));
  }
  return errors;
}

function valueErrors(at: string, option: RegisteredOption): string[] {
  const errors: string[] = [];
  const numeric = option.type === INTEGER || option.type === NUMBER;
  if ((option.min_value !== undefined || option.max_value !== undefined) && !numeric) errors.push(`${at}: min_value and max_value are for numbers only`);
  for (const bound of [option.min_value, option.max_value]) if (bound !== undefined && Math.abs(bound) > MAX_SAFE) errors.push(`${at}: a bound beyond ±2^53`);
  if (option.min_value !== undefined && option.max_value !== undefined && option.min_value > option.max_value) errors.push(`${at}: min_value ${option.min_value} is above max_value ${option.max_value}`);
  if ((option.min_length !== undefined || option.max_length !== undefined) && option.type !== STRING) errors.push(`${at}: min_length and max_length are for strings only`);
  if (option.min_length !== undefined && (option.min_length < 0 || option.min_length > 6000)) errors.push(`${at}: min_length from 0 to 6000`);
  if (option.max_length !== undefined && (option.max_length < 1 || option.max_length > 6000)) errors.push(`${at}: max_length from 1 to 6000`);
  if (option.choices) {
    if (option.autocomplete) errors.push(`${at}: choices and autocomplete together`);
    if (option.choices.length > 25) errors.push(`${at}: ${option.choices.length} choices; at most 25`);
    for (const choice of option.choices) {
      if (!choice.name || choice.name.length > 100) errors.push(`${at}: a choice name of 1 to 100 characters`);
      if (typeof choice.value === 'string' && choice.value.length > 100) errors.push(`${at}: a choice value of at most 100 characters`);
    }
  }
  return errors;
}

/** Discord's count toward the 4000: every name, description, choice name and choice value. */
function charactersOf(item: RegisteredOption): number {
  let total = (item.name?.length ?? 0) + (item.description?.length ?? 0);
  for (const choice of item.choices ?? []) total += (choice.name?.length ?? 0) + String(choice.value ?? '').length;
  for (const option of item.options ?? []) total += charactersOf(option);
  return total;
}
