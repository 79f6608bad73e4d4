import { input, select } from '@inquirer/prompts';
import { downloadBar } from './progress-bar.js';
import { MENU_ITEMS, MenuActions, parseMenuRfc, type MenuKey } from './menu-actions.js';

/** The menu on a terminal: arrow keys or digits (inquirer), a progress bar for downloads. */
export async function runInteractiveMenu(actions: MenuActions): Promise<void> {
  const askRfc = () =>
    input({
      message: 'RFC number:',
      validate: (v) => (parseMenuRfc(v) === null ? 'RFC number must be 1 to 9 digits' : true),
    }).then((v) => parseMenuRfc(v)!);
  try {
    for (;;) {
      const choice = await select<MenuKey>({
        message: 'What next?',
        choices: MENU_ITEMS.map((i) => ({ name: `${i.key}. ${i.name}`, value: i.key })),
      });
      if (choice === '5') break;
      if (choice === '3') console.log(await actions.list());
      else if (choice === '1') console.log(await actions.add(await askRfc()));
      else if (choice === '2') console.log(await actions.lookup(await askRfc()));
      else console.log(await downloadWithBar(actions, await askRfc()));
    }
  } catch (err) {
    // Ctrl-C inside a prompt: leave the index cleanly, like Shut Down.
    if (!(err instanceof Error && err.name === 'ExitPromptError')) throw err;
  }
  console.log('shutting down');
  await actions.shutdown();
}

async function downloadWithBar(actions: MenuActions, rfc: number): Promise<string> {
  const bar = downloadBar(rfc, process.stdout);
  try {
    return await actions.download(rfc, { progress: (p) => bar.progress(p) });
  } finally {
    bar.stop();
  }
}
