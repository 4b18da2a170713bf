/**
 * How a list paged by the gateway shows its table: the gateway pages it (`remote`), rows are dense
 * and may wrap, and fixed column widths keep it steady from page to page.
 * Spread with `v-bind` on an n-data-table; the screen adds its columns, rows and `scroll-x`.
 */
export const REMOTE_LIST_TABLE = {
  remote: true,
  size: 'small',
  bordered: false,
  singleLine: false,
  tableLayout: 'fixed',
} as const;
