import type { HTMLAttributes, InputHTMLAttributes } from 'vue';

/**
 * Vue's attribute types have no `data-*` keys, yet naive-ui forwards `input-props` to the native
 * <input>/<textarea>, which is what tests (and Playwright's fill) must target.
 */
export function inputAttrs(testId: string, extra: InputHTMLAttributes = {}): InputHTMLAttributes {
  return Object.assign({ ...extra }, { 'data-testid': testId });
}

export function elementAttrs(attrs: Record<`data-${string}`, string>): HTMLAttributes {
  return Object.assign({}, attrs);
}
