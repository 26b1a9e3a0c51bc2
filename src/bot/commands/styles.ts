import type { BotServices } from '../services.ts';
import { defineCommand } from './define.ts';
import { counted } from '../format.ts';
import { styleChoiceLabel } from '../styles/library.ts';

export function createStylesCommand(services: BotServices) {
  return defineCommand({ name: 'styles', description: 'Show the style library as a gallery', options: {} }, async (context) => {
    const library = services.library.in(context.requester.community);
    const styles = library.list();
    // Nothing to show the channel: the asker alone hears how to fill it.
    if (styles.length === 0) return { text: 'The style library is empty. Moderators can add styles with /style add; anyone can upload a style image to /stylize.', ephemeral: true };
    const sheet = await library.contactSheet(styles);
    const text = `${counted(styles.length, 'style')}: ${styles.map(styleChoiceLabel).join(', ')}. Use one with /stylize style_name:<name>${styles.some((style) => style.network) ? ' (those marked fast paint in seconds)' : ''}.`;
    return { text, files: [{ name: 'styles.png', bytes: sheet, description: "The library's paintings side by side, each labelled with its name." }] };
  });
}
