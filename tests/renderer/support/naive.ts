import type { VueWrapper } from '@vue/test-utils';
import { NSelect, type SelectOption } from 'naive-ui';
import { settle } from './mount';

/**
 * Picks an option of a naive-ui NSelect the way a person does: open it, click the option (the
 * menu is teleported to <body>). Works for selects outside modals.
 */
export async function chooseOption(select: HTMLElement, label: string): Promise<void> {
  (select.querySelector<HTMLElement>('.n-base-selection') ?? select).click();
  await settle(2);
  const options = [...document.querySelectorAll<HTMLElement>('.n-base-select-option')];
  const option = options.find((o) => o.textContent?.trim() === label);
  if (!option) {
    throw new Error(`No option "${label}" among: ${options.map((o) => o.textContent?.trim()).join(' | ')}`);
  }
  option.click();
  await settle(2);
}

/**
 * Inside an NModal, happy-dom's focus events make the modal's focus trap close a filterable
 * select's menu as soon as it opens (Chromium does not; the end-to-end suite clicks for real).
 * There the select is driven through its component: the options it offers and the value a pick
 * emits.
 */
export function selectByTestId(wrapper: VueWrapper, testId: string) {
  const select = wrapper.findAllComponents(NSelect).find((s) => s.attributes('data-testid') === testId);
  if (!select) throw new Error(`No NSelect with data-testid="${testId}"`);
  return {
    labels: () => ((select.props('options') ?? []) as SelectOption[]).map((o) => String(o.label)),
    async pick(label: string): Promise<void> {
      const option = ((select.props('options') ?? []) as SelectOption[]).find((o) => o.label === label);
      if (!option) throw new Error(`No option "${label}" offered by ${testId}`);
      select.vm.$emit('update:value', option.value, option);
      await settle(2);
    },
  };
}
