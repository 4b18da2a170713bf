/** Puts text on the system clipboard (the page must have focus, as after a click). */
export async function copyText(text: string): Promise<void> {
  if (!globalThis.navigator?.clipboard) throw new Error('No clipboard in this window');
  await globalThis.navigator.clipboard.writeText(text);
}
