import { formatNumber } from '../../engine/option-spec.ts';
import type { CommandDefinition, OptionDefinition } from './types.ts';
import { defineCommand } from './define.ts';

/** Help text is generated from the definitions, so it cannot drift from what the commands accept. */
export function createHelpCommand(definitions: () => readonly CommandDefinition[]) {
  return defineCommand({ name: 'help', description: 'How to use the bot', options: {} }, async () => {
    const sections = definitions().map((definition) => {
      const options = Object.entries(definition.options).map(([name, option]) => `  • ${name}${option.required ? ' (required)' : ''}: ${option.description}${describeRange(option)}`);
      return [`/${definition.name}: ${definition.description}`, ...options].join('\n');
    });
    return { text: sections.join('\n'), ephemeral: true };
  });
}

/** An option's range or choices and its default, as help and the README's command list show them. */
export function describeRange(option: OptionDefinition): string {
  switch (option.type) {
    case 'number':
    case 'integer':
      return ` (${formatNumber(option.min)}–${formatNumber(option.max)}${option.default !== undefined ? `, default ${formatNumber(option.default)}` : ''})`;
    case 'choice':
      return ` (${option.choices.join(' | ')}${option.default ? `, default ${option.default}` : ''})`;
    default:
      return '';
  }
}
